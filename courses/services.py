"""State changes of the courses app. Views, API, commands, tasks and tests all call these."""

import logging
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from courses import nbgrader
from courses.exceptions import CertificateActionRefused, GradesFrozen, PublishError
from courses.models import (
    Assignment,
    Certificate,
    Cohort,
    Enrollment,
    Grade,
    GradeFreeze,
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
    # A rubric's points count on top of the notebook's and survive republishing.
    rubric_points = Assignment.objects.filter(module=module, slug=slug).values_list(
        "rubric_points", flat=True
    ).first() or Decimal(0)
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
                "max_points": published.max_points + rubric_points,
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
    then issue the certificate if the program is now complete.

    Refused (``GradesFrozen``) when a certificate relies on the enrolment's grades and the
    grade would change; recording the same values again is a no-op.
    """
    values = {
        "points": min(max(points, Decimal(0)), max_points),
        "raw_points": points if raw_points is None else raw_points,
        "penalty_points": penalty_points,
        "late_seconds": late_seconds,
        "max_points": max_points,
        "submission_id": submission_id,
    }
    if enrollment.grades_frozen:
        existing = Grade.objects.filter(enrollment=enrollment, assignment=assignment).first()
        if existing is not None and all(getattr(existing, k) == v for k, v in values.items()):
            return existing
        raise GradesFrozen(frozen_message())
    grade, _created = Grade.objects.update_or_create(
        enrollment=enrollment,
        assignment=assignment,
        defaults={**values, "released_at": timezone.now()},
    )
    issue_certificate_if_complete(enrollment=enrollment)
    return grade


@transaction.atomic
def issue_certificate_if_complete(*, enrollment: Enrollment) -> Certificate | None:
    """Issue the program's certificate once every requirement is met on released grades.

    At most one valid certificate per participant and program (a database constraint); calling
    this again after issue returns the existing certificate.
    """
    enrollment = Enrollment.objects.select_related("cohort__program__institution", "user").get(
        pk=enrollment.pk
    )
    program = enrollment.cohort.program
    existing = Certificate.objects.issued().filter(user=enrollment.user, program=program).first()
    if existing is not None:
        return existing
    [progress] = progress_for([enrollment])
    if not progress.complete:
        return None
    certificate = Certificate.objects.create(
        enrollment=enrollment,
        user=enrollment.user,
        program=program,
        holder_name=enrollment.user.full_name,
        program_title=program.title,
        program_version=program.version,
        institution_name=program.institution.name,
        grade_percent=progress.weighted_grade,
    )
    Enrollment.objects.filter(pk=enrollment.pk).update(status=Enrollment.Status.COMPLETED)
    GradeFreeze.objects.create(enrollment=enrollment, certificate=certificate)
    logger.info("issued certificate %s to user %s", certificate.code, enrollment.user_id)
    return certificate


@transaction.atomic
def revoke_certificate(*, actor: User, certificate: Certificate, reason: str) -> Certificate:
    """Revoke a certificate: it stays, and its verification page says "revoked on …".

    Only coordinators revoke, always with a reason; the actor and time are kept.
    """
    if not actor.is_coordinator:
        raise CertificateActionRefused("Only coordinators can revoke certificates.")
    if not reason.strip():
        raise CertificateActionRefused("A revocation needs a reason.")
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if certificate.status != Certificate.Status.ISSUED:
        raise CertificateActionRefused("Only a valid certificate can be revoked.")
    certificate.status = Certificate.Status.REVOKED
    certificate.revoked_at = timezone.now()
    certificate.revoked_reason = reason.strip()
    certificate.revoked_by = actor
    certificate.save(update_fields=["status", "revoked_at", "revoked_reason", "revoked_by"])
    return certificate


@transaction.atomic
def reissue_certificate(*, actor: User, certificate: Certificate) -> Certificate:
    """Issue a new certificate that supersedes a valid one, e.g. after a name correction.

    The new one snapshots the holder's current name and the same grade and program version;
    the old one stays, marked superseded and pointing to its successor.
    """
    if not actor.is_coordinator:
        raise CertificateActionRefused("Only coordinators can re-issue certificates.")
    old = Certificate.objects.select_for_update().select_related("user").get(pk=certificate.pk)
    if old.status != Certificate.Status.ISSUED:
        raise CertificateActionRefused("Only a valid certificate can be re-issued.")
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
    )
    old.superseded_by = new
    old.save(update_fields=["superseded_by"])
    # The new certificate relies on the same grades: it takes over the freeze (or sets one,
    # if a coordinator had lifted it to correct a grade before re-issuing).
    GradeFreeze.objects.filter(enrollment=old.enrollment, lifted_at__isnull=True).update(
        certificate=new
    )
    GradeFreeze.objects.get_or_create(
        enrollment=old.enrollment,
        lifted_at=None,
        defaults={"certificate": new, "frozen_by": actor},
    )
    return new


def frozen_message() -> str:
    return _(
        "A certificate has been issued on these grades, so they are frozen. "
        "A coordinator can unfreeze them, with a reason, if they must change."
    )


@transaction.atomic
def unfreeze_grades(*, actor: User, enrollment: Enrollment, reason: str) -> GradeFreeze:
    """Lift the freeze on an enrolment's grades so a correction can be made (coordinators only).

    The freeze row keeps who lifted it, when and why. The certificate is not touched: after the
    correction, re-issue it (which freezes the grades again) or freeze them again as they are.
    """
    if not actor.is_coordinator:
        raise CertificateActionRefused(_("Only coordinators can unfreeze grades."))
    if not reason.strip():
        raise CertificateActionRefused(_("Unfreezing grades needs a reason."))
    freeze = (
        GradeFreeze.objects.select_for_update()
        .filter(enrollment=enrollment, lifted_at__isnull=True)
        .first()
    )
    if freeze is None:
        raise CertificateActionRefused(_("These grades are not frozen."))
    freeze.lifted_at = timezone.now()
    freeze.lifted_by = actor
    freeze.lift_reason = reason.strip()
    freeze.save(update_fields=["lifted_at", "lifted_by", "lift_reason"])
    logger.info("grades of enrollment %s unfrozen by %s", enrollment.pk, actor.pk)
    return freeze


@transaction.atomic
def refreeze_grades(*, actor: User, enrollment: Enrollment) -> GradeFreeze:
    """Freeze an enrolment's grades again under its valid certificate (coordinators only)."""
    if not actor.is_coordinator:
        raise CertificateActionRefused(_("Only coordinators can freeze grades."))
    certificate = Certificate.objects.issued().filter(enrollment=enrollment).first()
    if certificate is None:
        raise CertificateActionRefused(_("There is no valid certificate to freeze the grades for."))
    freeze, _created = GradeFreeze.objects.get_or_create(
        enrollment=enrollment,
        lifted_at=None,
        defaults={"certificate": certificate, "frozen_by": actor},
    )
    return freeze
