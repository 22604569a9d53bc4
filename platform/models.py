"""The custom user, API tokens, the privacy notice's versions, the outgoing-mail queue,
in-app notifications with each person's e-mail choices (``platform.notifications``), and the
person's data exports and the log of who opened their files (``platform.privacy``)."""

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A person: participant, instructor or coordinator (roles come from cohorts and staff)."""

    display_name = models.CharField(
        _("display name"),
        max_length=200,
        blank=True,
        help_text=_("How the platform addresses you."),
    )
    legal_name = models.CharField(
        _("legal name"),
        max_length=200,
        blank=True,
        help_text=_("Your full name as certificates print it."),
    )
    preferred_language = models.CharField(
        _("preferred language"), max_length=8, choices=settings.LANGUAGES, blank=True
    )
    organisation = models.CharField(
        _("organisation"),
        max_length=200,
        blank=True,
        help_text=_("Employer, school or university, as given on application or enrolment."),
    )
    # The bell's number, kept on the row every request loads anyway, so showing it costs no
    # query; ``platform.notifications.services`` adds to it and recounts it (docs/notifications.md).
    unread_notifications = models.PositiveIntegerField(default=0, editable=False)

    @property
    def full_name(self) -> str:
        """How the platform names the person: the display name, else first and last name."""
        return self.display_name or self.get_full_name() or self.username

    @property
    def certificate_name(self) -> str:
        """The name certificates print: the legal name, else the name the platform uses (an
        account made before anyone gave a legal name still gets a named certificate)."""
        return self.legal_name or self.full_name

    @property
    def is_coordinator(self) -> bool:
        """Coordinators run programs; staff status is the one switch for it (see docs)."""
        return self.is_active and self.is_staff


API_TOKEN_DAYS = 180


def default_token_expiry() -> dt.datetime:
    """A token lives half a year unless its owner says otherwise: a forgotten token in an old
    script stops working by itself."""
    return timezone.now() + dt.timedelta(days=API_TOKEN_DAYS)


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def usable(self) -> "ApiTokenQuerySet":
        """Neither revoked nor expired."""
        return self.filter(revoked_at__isnull=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=timezone.now())
        )

    def matching(self, raw_key: str) -> "ApiTokenQuerySet":
        return self.usable().filter(key_hash=ApiToken.hash_key(raw_key))


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
    # None: never expires (no path in the product makes such a token; the admin could).
    expires_at = models.DateTimeField(null=True, blank=True, default=default_token_expiry)
    # A read-only token may only read (GET, HEAD, OPTIONS): enough for a dashboard or a backup.
    read_only = models.BooleanField(default=False)

    objects = ApiTokenQuerySet.as_manager()

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash_key(raw_key: str) -> str:
        # Tokens are 256 random bits, so a fast hash suffices (no password-style stretching).
        return hashlib.sha256(raw_key.encode()).hexdigest()

    @classmethod
    def create_for(
        cls,
        user: User,
        *,
        name: str,
        expires_at: dt.datetime | None = None,
        read_only: bool = False,
    ) -> tuple["ApiToken", str]:
        """Create a token and return it with the raw key, which is shown once and never stored.
        Without ``expires_at`` it expires after ``API_TOKEN_DAYS``."""
        raw_key = secrets.token_urlsafe(32)
        token = cls.objects.create(
            user=user,
            name=name,
            prefix=raw_key[: cls.PREFIX_LENGTH],
            key_hash=cls.hash_key(raw_key),
            expires_at=expires_at or default_token_expiry(),
            read_only=read_only,
        )
        return token, raw_key

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    def revoke(self) -> None:
        """Revoke for good (the row stays, so the list can say when); revoking twice is a no-op."""
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.save(update_fields=["revoked_at"])


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


class PrivacyNoticeQuerySet(models.QuerySet["PrivacyNotice"]):
    def current(self) -> "PrivacyNotice | None":
        """The version in force: the latest one published by now (None before the first)."""
        return (
            self.filter(published_at__lte=timezone.now()).order_by("-published_at", "-pk").first()
        )


class PrivacyNotice(models.Model):
    """One version of the privacy text people consent to. Versions are never edited after
    publication: a change is a new version, and every consent records the version it accepted
    (an application's, a data card's), so what someone agreed to can always be shown again."""

    version = models.CharField(_("version"), max_length=20, unique=True)
    text_en = models.TextField(_("text in English"))
    text_de = models.TextField(_("text in German"))
    published_at = models.DateTimeField(_("in force from"), default=timezone.now)

    objects = PrivacyNoticeQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at"]

    def __str__(self) -> str:
        return self.version

    def text(self, language: str) -> str:
        return self.text_de if language == "de" else self.text_en


class OutgoingMailQuerySet(models.QuerySet["OutgoingMail"]):
    def due(self) -> "OutgoingMailQuerySet":
        """Unsent mail whose next attempt is due and whose attempts are not used up."""
        return self.filter(
            sent_at__isnull=True,
            next_attempt_at__lte=timezone.now(),
            attempts__lt=OutgoingMail.MAX_ATTEMPTS,
        )


class OutgoingMail(models.Model):
    """An e-mail stored before it is sent (``platform.mail.queue_mail``): the row is written in
    the same transaction as what it reports (an application, an invitation), then delivered
    after the commit; a failed delivery is retried with growing pauses by the worker
    (``platform.mail.deliver_due_mail``), so no message is lost to a mail server's hiccup."""

    MAX_ATTEMPTS = 8

    to = models.EmailField()
    subject = models.CharField(max_length=300)
    body = models.TextField()
    # What the mail is about, for the office's list of undelivered mail ("application 17").
    topic = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(default=timezone.now, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    objects = OutgoingMailQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.subject} → {self.to}"


class ScheduledJob(models.Model):
    """When a periodic job (``platform.schedule``) last ran and how it ended; several workers
    share one row per job, so each run happens once however many workers there are."""

    name = models.CharField(max_length=100, unique=True)
    last_started_at = models.DateTimeField(null=True, blank=True)
    last_finished_at = models.DateTimeField(null=True, blank=True)
    last_result = models.CharField(max_length=500, blank=True)
    last_error = models.TextField(blank=True)

    def __str__(self) -> str:
        return self.name


class WorkerHeartbeat(models.Model):
    """A grading worker process that was alive at ``seen_at``: its watch thread refreshes the row
    every few seconds, and ``/readyz`` lists the workers silent longer than
    ``GRADING_STALE_SECONDS`` as stale (platform/observability/health.py)."""

    # host:pid, as the worker names itself on the grading runs it claims.
    name = models.CharField(max_length=200, unique=True)
    queues = models.CharField(max_length=200)
    started_at = models.DateTimeField(default=timezone.now)
    seen_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return self.name


class NotificationKind(models.TextChoices):
    """What a notification is about; each person chooses per kind whether it also comes by
    e-mail (``EMAIL_BY_DEFAULT`` when they have not chosen)."""

    GRADE_RELEASED = "grade_released", _("Grade released")
    COMMENT = "comment", _("Comment on my work")
    REGRADE_DECIDED = "regrade_decided", _("Regrade request decided")
    CERTIFICATE = "certificate", _("Certificate issued or changed")
    ANNOUNCEMENT = "announcement", _("Announcement")
    TANDEM = "tandem", _("Tandem partner, reflection and requests")


# Comments come one by one while a grader works through a notebook: an e-mail for each would
# be noise, so they come by e-mail only for those who ask (docs/notifications.md).
EMAIL_BY_DEFAULT = frozenset(set(NotificationKind) - {NotificationKind.COMMENT})


class NotificationQuerySet(models.QuerySet["Notification"]):
    def unread(self) -> "NotificationQuerySet":
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """Something that happened to a person's work, shown under the bell until read.

    The text is stored as what to say (a catalogue sentence and its values) and worded when
    shown, in the reader's language (``text``), as worker messages are: a participant who
    switches to German reads German."""

    MAX_URL_LENGTH = 500

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=32, choices=NotificationKind.choices)
    message = models.TextField(help_text="The catalogue sentence (msgid), worded when shown.")
    values = models.JSONField(default=dict, blank=True)
    url = models.CharField(max_length=MAX_URL_LENGTH)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="notification_user_newest"),
            models.Index(
                fields=["user"],
                condition=models.Q(read_at__isnull=True),
                name="notification_user_unread",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.user_id}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    @property
    def text(self) -> str:
        """The message in the active language; a translation or stored values that do not
        fit each other fall back to the English sentence, never to an error page."""
        values = {str(k): str(v) for k, v in self.values.items()} if self.values else {}
        for template in (gettext(self.message), self.message):
            try:
                return template % values if values else template
            except (KeyError, ValueError, TypeError):
                continue
        return self.message


class NotificationPreference(models.Model):
    """A person's choice whether one kind of notification also comes by e-mail; without a
    row the kind's default holds (``EMAIL_BY_DEFAULT``)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=32, choices=NotificationKind.choices)
    email = models.BooleanField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notification_preference_once")
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {'e-mail' if self.email else 'in-app only'}"


class DataExportQuerySet(models.QuerySet["DataExport"]):
    def of(self, user: User) -> "DataExportQuerySet":
        return self.filter(user=user)

    def expired(self) -> "DataExportQuerySet":
        """Ready exports past their offer (the job deletes their archives)."""
        return self.filter(status=DataExport.Status.READY, expires_at__lte=timezone.now())


class DataExport(models.Model):
    """A person's request for everything the platform holds about them, and its archive.

    The row is the record of the request and of its downloads; it stays after the archive is
    deleted (docs/privacy.md). At most one export per person is being built at a time."""

    class Status(models.TextChoices):
        PENDING = "pending", _("being prepared")
        READY = "ready", _("ready to download")
        FAILED = "failed", _("failed")
        EXPIRED = "expired", _("expired")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="data_exports"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    requested_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    # The archive, a blob (platform/blobs.py); emptied when the export expires.
    sha256 = models.CharField(max_length=64, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    error = models.TextField(blank=True)
    download_count = models.PositiveIntegerField(default=0)
    last_downloaded_at = models.DateTimeField(null=True, blank=True)

    objects = DataExportQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(status="pending"),
                name="data_export_one_pending",
            )
        ]

    def __str__(self) -> str:
        return f"export {self.pk} of {self.user_id} ({self.status})"

    @property
    def is_downloadable(self) -> bool:
        return (
            self.status == self.Status.READY
            and self.expires_at is not None
            and self.expires_at > timezone.now()
        )


class FileAccessQuerySet(models.QuerySet["FileAccess"]):
    def about(self, user: User) -> "FileAccessQuerySet":
        return self.filter(owner=user)


class FileAccess(models.Model):
    """Someone other than its owner downloaded a person's notebook or data file.

    A coordinator's or grader's zip export is one row per exported submission, naming the
    files it held: one row per file would multiply the log by the files of a cohort for no
    more information (docs/privacy.md)."""

    class What(models.TextChoices):
        NOTEBOOK = "notebook", _("notebook")
        DATA_FILE = "data_file", _("data file")
        RENDERED = "rendered", _("rendered notebook")
        ZIP_EXPORT = "zip_export", _("zip export of an assignment")

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # Kept when the accessor's account goes: the owner still learns that their file was opened.
    accessor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    accessor_name = models.CharField(max_length=200)
    submission = models.ForeignKey(
        "submissions.Submission", on_delete=models.CASCADE, related_name="+"
    )
    what = models.CharField(max_length=16, choices=What.choices)
    files = models.JSONField(default=list, blank=True)
    at = models.DateTimeField(default=timezone.now)

    objects = FileAccessQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["owner", "-at"], name="file_access_owner_newest")]

    def __str__(self) -> str:
        return f"{self.what} of {self.owner_id} by {self.accessor_id}"
