"""The archive of everything the platform holds about one person (docs/privacy.md).

Layout::

    index.json      every record by section, and every file with its path in the zip
    summary.txt     the same, readable, in the person's language
    records/<section>.json
    files/submissions/<id>/<name>.ipynb, files/submissions/<id>/data/<name>
    files/applications/<id>/<name>
    files/certificates/<code>.json   each certificate's signed credential

``SOURCES`` is the one list of what is exported: each section names a model and how its rows
belong to the person. Other people appear only by their numeric id (a grader as the author of
feedback, a coordinator who decided an application), never by address, and by name only in the
access log (who opened the person's files is what it is for); secrets (the
password hash, token hashes, second-factor keys, session keys) are left out.
"""

import json
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, Any

from django.apps import apps
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Model, Q
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from platform.blobs import CHUNK, open_blob
from platform.models import User

FORMAT = "certlab-data-export/1"


@dataclass(frozen=True)
class Source:
    section: str
    label: Promise
    model: str
    owned: Callable[[User], Q]
    exclude: frozenset[str] = frozenset()


def _by(path: str) -> Callable[[User], Q]:
    return lambda user: Q(**{path: user})


SOURCES: tuple[Source, ...] = (
    Source(
        "profile",
        _("Profile"),
        "platform.User",
        lambda user: Q(pk=user.pk),
        frozenset({"password"}),
    ),
    Source("email_addresses", _("E-mail addresses"), "account.EmailAddress", _by("user")),
    Source(
        "sign_in_accounts", _("Single sign-on accounts"), "socialaccount.SocialAccount", _by("user")
    ),
    Source(
        "second_factors",
        _("Second factors"),
        "mfa.Authenticator",
        _by("user"),
        frozenset({"data"}),
    ),
    Source(
        "sessions",
        _("Log-ins and sessions"),
        "usersessions.UserSession",
        _by("user"),
        frozenset({"session_key", "data"}),
    ),
    Source(
        "api_tokens", _("API tokens"), "platform.ApiToken", _by("user"), frozenset({"key_hash"})
    ),
    Source("notifications", _("Notifications"), "platform.Notification", _by("user")),
    Source(
        "notification_preferences",
        _("Notification settings"),
        "platform.NotificationPreference",
        _by("user"),
    ),
    Source("applications", _("Applications"), "courses.Application", _by("user")),
    Source("enrolments", _("Enrolments"), "courses.Enrollment", _by("user")),
    Source(
        "enrolment_events",
        _("Enrolment history"),
        "courses.EnrollmentEvent",
        _by("enrollment__user"),
    ),
    Source("extensions", _("Extensions"), "courses.Extension", _by("enrollment__user")),
    Source("grades", _("Grades"), "courses.Grade", _by("enrollment__user")),
    Source("module_results", _("Module results"), "courses.ModuleResult", _by("enrollment__user")),
    Source("hand_ins", _("Hand-ins"), "courses.HandIn", _by("enrollment__user")),
    Source("grade_freezes", _("Frozen grades"), "courses.GradeFreeze", _by("enrollment__user")),
    Source(
        "session_registrations",
        _("Session registrations"),
        "courses.SessionRegistration",
        _by("enrollment__user"),
    ),
    Source("attendance", _("Attendance"), "courses.Attendance", _by("enrollment__user")),
    Source(
        "attendance_changes",
        _("Attendance changes"),
        "courses.AttendanceChange",
        _by("enrollment__user"),
    ),
    Source("certificates", _("Certificates"), "courses.Certificate", _by("user")),
    Source(
        "certificate_requests", _("Certificate requests"), "courses.CertificateRequest", _by("user")
    ),
    Source(
        "announcements_received",
        _("Announcements received"),
        "courses.AnnouncementRecipient",
        _by("user"),
    ),
    Source("tandem_student", _("Tandem student record"), "courses.TandemStudent", _by("user")),
    Source(
        "tandems",
        _("Tandems"),
        "courses.Tandem",
        lambda user: Q(senior__user=user) | Q(student=user),
    ),
    Source("submissions", _("Submissions"), "submissions.Submission", _by("participant")),
    Source(
        "data_files", _("Data files"), "submissions.SubmissionFile", _by("submission__participant")
    ),
    Source(
        "submission_notebooks",
        _("Notebooks of attempts"),
        "submissions.SubmissionNotebook",
        _by("submission__participant"),
    ),
    Source(
        "draft_notebooks", _("Draft notebooks"), "submissions.DraftNotebook", _by("participant")
    ),
    Source("data_cards", _("Data cards"), "submissions.DataCard", _by("submission__participant")),
    Source(
        "grading_runs", _("Grading runs"), "submissions.GradingRun", _by("submission__participant")
    ),
    Source(
        "test_results",
        _("Test results"),
        "submissions.TestResult",
        _by("run__submission__participant"),
    ),
    Source(
        "reviews", _("Grading and feedback"), "submissions.Review", _by("submission__participant")
    ),
    Source(
        "review_scores",
        _("Manual scores"),
        "submissions.ReviewScore",
        _by("review__submission__participant"),
    ),
    Source(
        "rubric_scores",
        _("Rubric scores"),
        "submissions.RubricScore",
        _by("review__submission__participant"),
    ),
    Source(
        "comments", _("Comments"), "submissions.CellComment", _by("review__submission__participant")
    ),
    Source(
        "grade_events", _("Grade history"), "submissions.GradeEvent", _by("submission__participant")
    ),
    Source(
        "regrade_requests",
        _("Regrade requests"),
        "submissions.RegradeRequest",
        _by("submission__participant"),
    ),
    Source("file_accesses", _("Who opened your files"), "platform.FileAccess", _by("owner")),
    Source("data_exports", _("Data exports"), "platform.DataExport", _by("user")),
)


@dataclass
class Archive:
    """What goes into the zip besides the records: blobs and generated files by path."""

    records: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    files: list[dict[str, Any]] = field(default_factory=list)


def record_of(row: Model, exclude: frozenset[str]) -> dict[str, Any]:
    """A row's own columns by name; a foreign key is its id (``<name>_id``)."""
    record: dict[str, Any] = {}
    for column in row._meta.concrete_fields:
        if column.name in exclude:
            continue
        record[column.attname] = column.value_from_object(row)
    return record


def collect(user: User) -> dict[str, list[dict[str, Any]]]:
    records = {}
    for source in SOURCES:
        model = apps.get_model(source.model)
        rows = model._default_manager.filter(source.owned(user)).order_by("pk")
        records[source.section] = [record_of(row, source.exclude) for row in rows]
    return records


def _safe(name: str, fallback: str) -> str:
    from submissions.gradebook.export import safe_file_name

    return safe_file_name(name, fallback=fallback)


def write_archive(user: User, target: IO[bytes]) -> dict[str, Any]:
    """Write the person's zip to ``target``; return its index."""
    from courses.certificates.credentials.build import credential_bytes, issue_credential
    from courses.models import Application, Certificate
    from submissions.models import DraftNotebook, Submission, SubmissionFile, SubmissionNotebook

    records = collect(user)
    files: list[dict[str, Any]] = []
    with zipfile.ZipFile(target, mode="w", compression=zipfile.ZIP_DEFLATED) as archive:

        def add_blob(path: str, sha256: str, record: str) -> None:
            with open_blob(sha256) as source, archive.open(path, "w", force_zip64=True) as out:
                size = 0
                while chunk := source.read(CHUNK):
                    out.write(chunk)
                    size += len(chunk)
            files.append({"path": path, "sha256": sha256, "size": size, "record": record})

        for submission in Submission.objects.filter(participant=user).select_related("assignment"):
            name = _safe(submission.assignment.slug, "notebook")
            add_blob(
                f"files/submissions/{submission.pk}/{name}-attempt-{submission.attempt_no}.ipynb",
                submission.notebook_sha256,
                f"submissions/{submission.pk}",
            )
        # A multi-notebook attempt's other notebooks (its first is the attempt's own above).
        for notebook in SubmissionNotebook.objects.filter(
            submission__participant=user, position__gt=0
        ):
            name = _safe(notebook.name, f"notebook-{notebook.position}")
            add_blob(
                f"files/submissions/{notebook.submission_id}/notebooks/{name}",
                notebook.sha256,
                f"submission_notebooks/{notebook.pk}",
            )
        for draft in DraftNotebook.objects.filter(participant=user):
            name = _safe(draft.name, f"draft-{draft.pk}")
            add_blob(f"files/drafts/{draft.pk}/{name}", draft.sha256, f"draft_notebooks/{draft.pk}")
        for data_file in SubmissionFile.objects.filter(
            submission__participant=user, purged_at__isnull=True
        ):
            name = _safe(data_file.name, f"file-{data_file.pk}")
            add_blob(
                f"files/submissions/{data_file.submission_id}/data/{name}",
                data_file.sha256,
                f"data_files/{data_file.pk}",
            )
        for application in Application.objects.filter(user=user).exclude(attachment_sha256=""):
            name = _safe(application.attachment_name, "attachment")
            add_blob(
                f"files/applications/{application.pk}/{name}",
                application.attachment_sha256,
                f"applications/{application.pk}",
            )
        for certificate in Certificate.objects.filter(user=user).select_related(
            "program__institution"
        ):
            path = f"files/certificates/{certificate.code}.json"
            data = credential_bytes(issue_credential(certificate))
            archive.writestr(path, data)
            files.append(
                {"path": path, "size": len(data), "record": f"certificates/{certificate.pk}"}
            )

        for section, rows in records.items():
            archive.writestr(f"records/{section}.json", _json(rows))
        index = {
            "format": FORMAT,
            "person": user.pk,
            "generated_at": timezone.now(),
            "records": records,
            "record_files": {section: f"records/{section}.json" for section in records},
            "files": files,
        }
        archive.writestr("index.json", _json(index))
        archive.writestr("summary.txt", summary_text(user, records, files))
    return index


def _json(value: object) -> bytes:
    return (json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2) + "\n").encode()


def summary_text(
    user: User, records: dict[str, list[dict[str, Any]]], files: list[dict[str, Any]]
) -> str:
    """The readable summary, in the person's language (else the site's)."""
    with translation.override(user.preferred_language or settings.LANGUAGE_CODE):
        lines = [
            gettext("Everything the platform holds about you"),
            "",
            gettext("Account: %(name)s (%(email)s)")
            % {"name": user.full_name, "email": user.email},
            gettext("Prepared on %(date)s")
            % {"date": timezone.localtime().strftime("%Y-%m-%d %H:%M %Z")},
            "",
            gettext(
                "index.json lists every record and every file of this archive (machine-readable); "
                "the records are also in the folder records/, one JSON file per section, and the "
                "files you uploaded are in the folder files/."
            ),
            gettext(
                "Other people appear only by their number in the platform (for example the grader "
                "who wrote feedback), never by address; by name only in the list of who opened "
                "your files."
            ),
            "",
        ]
        for source in SOURCES:
            lines.append(f"{source.label}: {len(records[source.section])}")
        lines += ["", gettext("Files: %(count)d") % {"count": len(files)}]
        lines += [f"  {entry['path']}" for entry in files]
    return "\n".join(lines) + "\n"


def build_archive(user: User) -> tuple[str, int]:
    """Build the zip in a temporary file and store it as a blob; its SHA-256 and size."""
    from django.core.files import File

    from platform.blobs import put_file

    with tempfile.TemporaryFile() as handle:
        write_archive(user, handle)
        handle.seek(0)
        return put_file(File(handle))
