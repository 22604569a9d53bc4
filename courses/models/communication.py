"""Communication with participants (docs/communication.md): announcements and who received
them, deadline reminders already sent, each program's reminder setting, and the secret of each
person's calendar feed."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

DEFAULT_REMINDER_DAYS = 3


class Announcement(models.Model):
    """A message from a coordinator or instructor to one cohort, one program (every cohort
    that has not ended) or one participant. Who received it is fixed when it is sent
    (``AnnouncementRecipient``): someone enrolled later does not get old news."""

    class Format(models.TextChoices):
        PLAIN = "plain", _("plain text")
        MARKDOWN = "markdown", _("Markdown")

    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    program = models.ForeignKey(
        "courses.Program", on_delete=models.CASCADE, related_name="announcements"
    )
    # Empty for an announcement to the whole program.
    cohort = models.ForeignKey(
        "courses.Cohort",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="announcements",
    )
    # Set for an announcement to one participant (then ``cohort`` is theirs).
    enrollment = models.ForeignKey(
        "courses.Enrollment",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="announcements",
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), max_length=10000)
    format = models.CharField(
        _("format"), max_length=10, choices=Format.choices, default=Format.PLAIN
    )
    sent_at = models.DateTimeField(default=timezone.now)
    recipient_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-sent_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(enrollment__isnull=True) | Q(cohort__isnull=False),
                name="announcement_to_one_participant_names_their_cohort",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class AnnouncementRecipient(models.Model):
    """One person an announcement reached: what their home page shows until they dismiss it."""

    announcement = models.ForeignKey(
        Announcement, on_delete=models.CASCADE, related_name="recipients"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="announcements_received"
    )
    dismissed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["announcement", "user"], name="announcement_reaches_a_person_once"
            ),
        ]


class ReminderSetting(models.Model):
    """How many days before a deadline a program's participants are reminded (0: never).
    A program without a row uses ``DEFAULT_REMINDER_DAYS``."""

    program = models.OneToOneField(
        "courses.Program", on_delete=models.CASCADE, related_name="reminder_setting"
    )
    days_before = models.PositiveSmallIntegerField(
        _("remind days before a deadline"),
        default=DEFAULT_REMINDER_DAYS,
        help_text=_("0 sends no reminders."),
    )

    def __str__(self) -> str:
        return f"{self.program}: {self.days_before}"


class DeadlineMail(models.Model):
    """A deadline e-mail sent to a participant: a reminder before their due date, or the news
    of an extension. The unique constraint is what keeps re-runs and several workers from
    sending one twice: the row and the queued mail are written in one transaction."""

    class Kind(models.TextChoices):
        REMINDER = "reminder", _("reminder")
        EXTENSION = "extension", _("extension")

    enrollment = models.ForeignKey(
        "courses.Enrollment", on_delete=models.CASCADE, related_name="deadline_mails"
    )
    assignment = models.ForeignKey(
        "courses.Assignment", on_delete=models.CASCADE, related_name="deadline_mails"
    )
    due_at = models.DateTimeField()
    kind = models.CharField(max_length=10, choices=Kind.choices)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["enrollment", "assignment", "due_at", "kind"],
                name="deadline_mail_once",
            ),
        ]


def new_feed_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarFeed(models.Model):
    """The secret of a person's calendar feed URL. Stored as is, not hashed: the page shows the
    URL again whenever its owner needs to copy it, and it reveals only dates; resetting it
    (a new token) makes the old URL a 404."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token = models.CharField(max_length=64, unique=True, default=new_feed_token)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"calendar feed of {self.user}"
