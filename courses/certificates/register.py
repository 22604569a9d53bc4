"""The certificates of a cohort as its coordinators see and export them (the register).

One read for the page, the CSV and the API, so the three always agree: the certificates
(valid, revoked, superseded), the requests awaiting approval, and the enrolments whose rule is
met on released grades but that hold no certificate yet ("ready to issue").
"""

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from courses.certificates.credentials.vocabulary import verification_url
from courses.models import Certificate, CertificateRequest, Cohort, Enrollment
from courses.progress import ProgramProgress, progress_for
from platform.spreadsheets import spreadsheet_text

# The filters of the register: certificate statuses, plus the two lists that are not
# certificates yet. The empty string shows everything.
CERTIFICATE_FILTERS = ("issued", "revoked", "superseded")
FILTERS = (*CERTIFICATE_FILTERS, "pending", "ready")


@dataclass(frozen=True)
class Register:
    cohort: Cohort
    status: str
    certificates: tuple[Certificate, ...]
    pending: tuple[CertificateRequest, ...]
    ready: tuple[ProgramProgress, ...]

    @property
    def is_empty(self) -> bool:
        return not (self.certificates or self.pending or self.ready)


def register_for(cohort: Cohort, *, status: str = "") -> Register:
    """The cohort's register, filtered by ``status`` (one of ``FILTERS``, or "" for all).

    A constant number of queries, whatever the cohort's size.
    """
    if status and status not in FILTERS:
        raise ValueError(f"unknown register filter {status!r}")
    certificates: tuple[Certificate, ...] = ()
    if status in ("", *CERTIFICATE_FILTERS):
        query = Certificate.objects.filter(enrollment__cohort=cohort).select_related(
            "user", "superseded_by", "revoked_by", "issued_by", "approval__decided_by"
        )
        if status:
            query = query.filter(status=status)
        certificates = tuple(query.order_by("holder_name", "issued_at", "pk"))
    pending: tuple[CertificateRequest, ...] = ()
    if status in ("", "pending"):
        pending = tuple(
            CertificateRequest.objects.pending()
            .filter(enrollment__cohort=cohort)
            .select_related("user", "enrollment")
            .order_by("requested_at", "pk")
        )
    ready: tuple[ProgramProgress, ...] = ()
    if status in ("", "ready"):
        ready = ready_to_issue(cohort)
    return Register(cohort, status, certificates, pending, ready)


def ready_to_issue(cohort: Cohort) -> tuple[ProgramProgress, ...]:
    """Enrolments whose rule is met but that hold no valid certificate and await no approval:
    after approval was switched off, after a revocation, or when issuance did not happen."""
    holders = Certificate.objects.issued().filter(program=cohort.program_id).values("user_id")
    waiting = CertificateRequest.objects.pending().filter(program=cohort.program_id)
    enrollments = list(
        Enrollment.objects.current()
        .filter(cohort=cohort)
        .exclude(user_id__in=holders)
        .exclude(user_id__in=waiting.values("user_id"))
        .select_related("user", "cohort__program")
        .order_by("user__last_name", "user__first_name", "user__username")
    )
    return tuple(p for p in progress_for(enrollments) if p.complete)


def register_csv(register: Register) -> Iterator[str]:
    """CSV lines of the register's certificates, formula-safe for spreadsheets.

    Headers follow the active language; statuses are the stable machine values (issued,
    revoked, superseded) so that scripts reading the file need no translation.
    """
    header = [
        _("code"),
        _("holder"),
        _("username"),
        _("program"),
        _("program version"),
        _("grade (%)"),
        _("issued at"),
        _("issued by"),
        _("status"),
        _("revoked at"),
        _("revoked by"),
        _("revocation reason"),
        _("superseded by"),
        _("verification URL"),
    ]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    yield _flush(buffer)
    for certificate in register.certificates:
        writer.writerow(
            [
                certificate.code,
                spreadsheet_text(certificate.holder_name),
                spreadsheet_text(certificate.user.username),
                spreadsheet_text(certificate.program_title),
                certificate.program_version,
                certificate.grade_percent,
                _timestamp(certificate.issued_at),
                spreadsheet_text(_person(certificate.issued_by)),
                certificate.status,
                _timestamp(certificate.revoked_at),
                spreadsheet_text(_person(certificate.revoked_by)),
                spreadsheet_text(certificate.revoked_reason),
                certificate.superseded_by.code if certificate.superseded_by else "",
                verification_url(certificate),
            ]
        )
        yield _flush(buffer)


def _person(user: object) -> str:
    return str(getattr(user, "username", "")) if user is not None else ""


def _timestamp(value: datetime | None) -> str:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else ""


def _flush(buffer: io.StringIO) -> str:
    value = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return value
