"""State changes of the courses app. Views, API, commands, tasks and tests all call these."""

import logging
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from courses import nbgrader, notifications
from courses.exceptions import CertificateActionRefused, PublishError
from courses.models import (
    Assignment,
    Certificate,
    CertificateRequest,
    Cohort,
    Enrollment,
    Grade,
    Module,
)
from courses.progress import progress_for
from platform.blobs import put_bytes
from platform.models import User

logger = logging.getLogger(__name__)


@transaction.atomic
def enroll(*, user: User, cohort: Cohort) -> Enrollment:
    """Enrol a user in a cohort (idempotent: enrolling twice keeps the first enrolment)."""
    enrollment, _created = Enrollment.objects.get_or_create(user=user, cohort=cohort)
    return enrollment


def publish_assignment(
    *,
    module: Module,
    slug: str,
    title: str,
    source: bytes,
    instructions: str = "",
    order: int = 0,
    opens_at: datetime | None = None,
    due_at: datetime | None = None,
    max_attempts: int = 10,
) -> Assignment:
    """Publish (or republish) an assignment from an nbgrader-format source notebook.

    The source and the grading copy (with hidden tests) stay server-side; participants get the
    release notebook. Blobs are written before the row that names them (see platform.blobs).
    """
    try:
        published = nbgrader.publish(source)
    except nbgrader.NbgraderFormatError as error:
        raise PublishError(str(error)) from error
    source_sha = put_bytes(source)
    release_sha = put_bytes(published.release_notebook)
    grading_sha = put_bytes(published.grading_notebook)
    grade_cells = [
        {
            "grade_id": c.grade_id,
            "kind": c.kind,
            "points": str(c.points),
            "cell_type": c.cell_type,
            "cell_index": c.cell_index,
        }
        for c in published.grade_cells
    ]
    with transaction.atomic():
        assignment, _created = Assignment.objects.update_or_create(
            module=module,
            slug=slug,
            defaults={
                "title": title,
                "instructions": instructions,
                "order": order,
                "opens_at": opens_at,
                "due_at": due_at,
                "max_attempts": max_attempts,
                "source_sha256": source_sha,
                "release_sha256": release_sha,
                "grading_sha256": grading_sha,
                "grade_cells": grade_cells,
                "max_points": published.max_points,
                "autograded_points": published.autograded_points,
                "manual_points": published.manual_points,
                "published_at": timezone.now(),
            },
        )
    return assignment


@transaction.atomic
def record_released_grade(
    *,
    enrollment: Enrollment,
    assignment: Assignment,
    points: Decimal,
    max_points: Decimal,
    submission_id: int,
    raw_points: Decimal | None = None,
    penalty_points: Decimal = Decimal(0),
    late_seconds: int = 0,
) -> Grade:
    """Record a released grade (final points, and the raw points and late penalty behind them),
    then issue the certificate if the program is now complete."""
    grade, _created = Grade.objects.update_or_create(
        enrollment=enrollment,
        assignment=assignment,
        defaults={
            "points": min(max(points, Decimal(0)), max_points),
            "raw_points": points if raw_points is None else raw_points,
            "penalty_points": penalty_points,
            "late_seconds": late_seconds,
            "max_points": max_points,
            "released_at": timezone.now(),
            "submission_id": submission_id,
        },
    )
    issue_certificate_if_complete(enrollment=enrollment)
    return grade


@transaction.atomic
def issue_certificate_if_complete(*, enrollment: Enrollment) -> Certificate | None:
    """Issue the program's certificate once every requirement is met on released grades.

    At most one valid certificate per participant and program (a database constraint); calling
    this again after issue returns the existing certificate. Automatic issuance happens once:
    a participant who already holds a revoked certificate of the program gets no new one
    behind the coordinator's back (a coordinator can issue one deliberately). Programs that
    require approval get a pending ``CertificateRequest`` instead, which a coordinator approves.
    """
    enrollment = Enrollment.objects.select_related("cohort__program__institution", "user").get(
        pk=enrollment.pk
    )
    program = enrollment.cohort.program
    existing = Certificate.objects.issued().filter(user=enrollment.user, program=program).first()
    if existing is not None:
        return existing
    if Certificate.objects.filter(user=enrollment.user, program=program).exists():
        return None  # revoked (or superseded, then revoked): only a coordinator issues again
    [progress] = progress_for([enrollment])
    if not progress.complete:
        return None
    if program.requires_approval:
        _request_approval(enrollment=enrollment, grade_percent=progress.weighted_grade)
        return None
    return _issue(
        enrollment=enrollment, grade_percent=progress.weighted_grade, actor=None, kind="issued"
    )


def _issue(
    *, enrollment: Enrollment, grade_percent: Decimal, actor: User | None, kind: str
) -> Certificate:
    """Snapshot name, program, version, institution and grade into a new certificate, settle
    any pending approval request with it, and tell the participant once the work commits."""
    program = enrollment.cohort.program
    certificate = Certificate.objects.create(
        enrollment=enrollment,
        user=enrollment.user,
        program=program,
        holder_name=enrollment.user.full_name,
        program_title=program.title,
        program_version=program.version,
        institution_name=program.institution.name,
        grade_percent=grade_percent,
        issued_by=actor,
    )
    Enrollment.objects.filter(pk=enrollment.pk).update(status=Enrollment.Status.COMPLETED)
    pending = CertificateRequest.objects.select_for_update().pending()
    for request in pending.filter(user=enrollment.user, program=program):
        _settle(request, actor=actor, certificate=certificate)
    logger.info("issued certificate %s to user %s", certificate.code, enrollment.user_id)
    transaction.on_commit(lambda: notifications.notify_certificate(certificate, kind))
    return certificate


def _request_approval(*, enrollment: Enrollment, grade_percent: Decimal) -> CertificateRequest:
    """The pending request of a program that requires approval (one per participant)."""
    pending = CertificateRequest.objects.pending().filter(
        user=enrollment.user, program=enrollment.cohort.program
    )
    request = pending.first()
    if request is None:
        request = CertificateRequest.objects.create(
            enrollment=enrollment,
            user=enrollment.user,
            program=enrollment.cohort.program,
            grade_percent=grade_percent,
        )
        logger.info("certificate of user %s awaits approval", enrollment.user_id)
    elif request.grade_percent != grade_percent:
        request.grade_percent = grade_percent
        request.save(update_fields=["grade_percent"])
    return request


@transaction.atomic
def revoke_certificate(*, actor: User, certificate: Certificate, reason: str) -> Certificate:
    """Revoke a certificate: it stays, and its verification page says "revoked on …".

    Only coordinators revoke, always with a reason; the actor and time are kept.
    """
    if not certificate.program.is_coordinated_by(actor):
        raise CertificateActionRefused(_("Only coordinators can revoke certificates."))
    if not reason.strip():
        raise CertificateActionRefused(_("A revocation needs a reason."))
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if certificate.status != Certificate.Status.ISSUED:
        raise CertificateActionRefused(_("Only a valid certificate can be revoked."))
    certificate.status = Certificate.Status.REVOKED
    certificate.revoked_at = timezone.now()
    certificate.revoked_reason = reason.strip()
    certificate.revoked_by = actor
    certificate.save(update_fields=["status", "revoked_at", "revoked_reason", "revoked_by"])
    transaction.on_commit(lambda: notifications.notify_certificate(certificate, "revoked"))
    return certificate


@transaction.atomic
def reissue_certificate(
    *, actor: User, certificate: Certificate, holder_name: str | None = None
) -> Certificate:
    """Issue a new certificate that supersedes a valid one, e.g. after a name correction.

    ``holder_name``, when given, is the corrected name: it becomes the account's name on
    certificates (``display_name``), so later documents agree. The new certificate snapshots
    that name with the same grade and program version; the old one stays, marked superseded
    and pointing to its successor.
    """
    if not certificate.program.is_coordinated_by(actor):
        raise CertificateActionRefused(_("Only coordinators can re-issue certificates."))
    old = Certificate.objects.select_for_update().select_related("user").get(pk=certificate.pk)
    if old.status != Certificate.Status.ISSUED:
        raise CertificateActionRefused(_("Only a valid certificate can be re-issued."))
    if holder_name is not None:
        holder_name = " ".join(holder_name.split())
        if not holder_name:
            raise CertificateActionRefused(_("The name on the certificate cannot be empty."))
        if holder_name != old.user.full_name:
            old.user.display_name = holder_name
            old.user.save(update_fields=["display_name"])
    old.status = Certificate.Status.SUPERSEDED
    old.save(update_fields=["status"])
    new = Certificate.objects.create(
        enrollment=old.enrollment,
        user=old.user,
        program=old.program,
        holder_name=old.user.full_name,
        program_title=old.program_title,
        program_version=old.program_version,
        institution_name=old.institution_name,
        grade_percent=old.grade_percent,
        issued_by=actor,
    )
    old.superseded_by = new
    old.save(update_fields=["superseded_by"])
    transaction.on_commit(lambda: notifications.notify_certificate(new, "reissued"))
    return new


@transaction.atomic
def issue_certificate(*, actor: User, enrollment: Enrollment) -> Certificate:
    """A coordinator issues the certificate of an enrolment whose rule is met but has none.

    For example after approval was switched off, after a revocation was found to be wrong
    (the revoked certificate stays revoked; this is a new one), or when the automatic issue
    did not happen. The rule is checked again on released grades; a pending approval request
    is settled by the same act.
    """
    enrollment = Enrollment.objects.select_related("cohort__program__institution", "user").get(
        pk=enrollment.pk
    )
    program = enrollment.cohort.program
    if not program.is_coordinated_by(actor):
        raise CertificateActionRefused(_("Only coordinators can issue certificates."))
    if Certificate.objects.issued().filter(user=enrollment.user, program=program).exists():
        raise CertificateActionRefused(_("This participant already holds a valid certificate."))
    [progress] = progress_for([enrollment])
    if not progress.complete:
        raise CertificateActionRefused(
            _("Not every requirement is met on released grades, so no certificate can be issued.")
        )
    return _issue(
        enrollment=enrollment, grade_percent=progress.weighted_grade, actor=actor, kind="issued"
    )


@transaction.atomic
def approve_certificate(*, actor: User, request: CertificateRequest) -> Certificate:
    """Approve a pending request: the certificate is issued now, with who approved it and when.

    The rule is evaluated again (a grade may have changed since the request), and the
    certificate snapshots the grade at approval.
    """
    request = (
        CertificateRequest.objects.select_for_update()
        .select_related("enrollment", "program")
        .get(pk=request.pk)
    )
    if not request.program.is_coordinated_by(actor):
        raise CertificateActionRefused(_("Only coordinators can approve certificates."))
    if request.status != CertificateRequest.Status.PENDING:
        raise CertificateActionRefused(_("This request has already been decided."))
    enrollment = Enrollment.objects.select_related("cohort__program__institution", "user").get(
        pk=request.enrollment_id
    )
    if Certificate.objects.issued().filter(user=request.user_id, program=request.program).exists():
        raise CertificateActionRefused(_("This participant already holds a valid certificate."))
    [progress] = progress_for([enrollment])
    if not progress.complete:
        raise CertificateActionRefused(
            _("Not every requirement is met on released grades any more; nothing was issued.")
        )
    return _issue(
        enrollment=enrollment, grade_percent=progress.weighted_grade, actor=actor, kind="approved"
    )


def _settle(request: CertificateRequest, *, actor: User | None, certificate: Certificate) -> None:
    """Close a pending request with the certificate that answers it (``actor`` is empty when
    the certificate was issued automatically, e.g. after approval was switched off)."""
    request.status = CertificateRequest.Status.APPROVED
    request.decided_at = timezone.now()
    request.decided_by = actor
    request.certificate = certificate
    request.save(update_fields=["status", "decided_at", "decided_by", "certificate"])
