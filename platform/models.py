"""The custom user and the API tokens."""

import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A person: participant, instructor or coordinator (roles come from cohorts and staff)."""

    display_name = models.CharField(
        _("name on certificates"),
        max_length=200,
        blank=True,
        help_text=_("Your full name as it should appear on certificates."),
    )
    preferred_language = models.CharField(
        _("preferred language"), max_length=8, choices=settings.LANGUAGES, blank=True
    )

    @property
    def full_name(self) -> str:
        """The name certificates carry: the chosen display name, else first and last name."""
        return self.display_name or self.get_full_name() or self.username

    @property
    def is_coordinator(self) -> bool:
        """Coordinators run programs; staff status is the one switch for it (see docs)."""
        return self.is_active and self.is_staff


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def matching(self, raw_key: str) -> "ApiTokenQuerySet":
        return self.filter(key_hash=ApiToken.hash_key(raw_key), revoked_at__isnull=True)


class ApiToken(models.Model):
    """A personal API token; only its SHA-256 is stored, so a database leak reveals no token."""

    PREFIX_LENGTH = 8

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=PREFIX_LENGTH, help_text="Shown to tell tokens apart.")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash_key(raw_key: str) -> str:
        # Tokens are 256 random bits, so a fast hash suffices (no password-style stretching).
        return hashlib.sha256(raw_key.encode()).hexdigest()

    @classmethod
    def create_for(cls, user: User, *, name: str) -> tuple["ApiToken", str]:
        """Create a token and return it with the raw key, which is shown once and never stored."""
        raw_key = secrets.token_urlsafe(32)
        token = cls.objects.create(
            user=user,
            name=name,
            prefix=raw_key[: cls.PREFIX_LENGTH],
            key_hash=cls.hash_key(raw_key),
        )
        return token, raw_key


class RateCounter(models.Model):
    """One rate-limit or log-in counter when no Redis is configured (``platform.ratelimit``).

    A row of its own rather than the database cache: the cache's ``incr`` reads and then writes,
    so two processes counting at once lose one count; ``UPDATE … SET count = count + 1`` on this
    row cannot (docs/architecture.md).
    """

    MAX_KEY_LENGTH = 200

    key = models.CharField(max_length=MAX_KEY_LENGTH, unique=True)
    count = models.PositiveIntegerField()
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.key}: {self.count} until {self.expires_at:%H:%M:%S}"
