"""State changes of certificates: issue (automatically or by a coordinator), approve, revoke,
re-issue, and the freeze a certificate puts on the grades it rests on.

Views, the API, commands and tests all call these; a refused action raises
``CertificateActionRefused`` with the reason, which the edges turn into a form error or a 409.
The holder hears of every change by e-mail once it commits (``notifications``).
docs/certificates.md describes the rules.
"""

import logging
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.certificates import notifications
from courses.exceptions import CertificateActionRefused
from courses.models import (
    Certificate,
    CertificateRequest,
    Enrollment,
    FeeRequirement,
    GradeFreeze,
    Program,
)
from courses.progress import recompute_progress
from courses.requirements import Result
from platform.models import User

logger = logging.getLogger(__name__)


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
    result = recompute_progress(enrollments=[enrollment])[enrollment.pk]
    existing = Certificate.objects.issued().filter(user=enrollment.user, program=program).first()
    if existing is not None:
        return existing
    if Certificate.objects.filter(user=enrollment.user, program=program).exists():
        return None  # revoked (or superseded, then revoked): only a coordinator issues again
    if not result.complete:
        return None
    if fee_holds_certificate(enrollment):
        logger.info("enrollment %s meets every requirement; the fee is still open", enrollment.pk)
        return None
    if result.weighted_grade is None:
        # Every requirement was met by recorded pass/fail results alone: a certificate states
        # a grade, so a coordinator must record one (docs/progress.md).
        logger.warning(
            "enrollment %s meets every requirement but has no grade; no certificate issued",
            enrollment.pk,
        )
        return None
    if program.requires_approval:
        _request_approval(enrollment=enrollment, grade_percent=result.weighted_grade)
        return None
    return _issue(enrollment=enrollment, result=result, actor=None, kind="issued")


def _issue(*, enrollment: Enrollment, result: Result, actor: User | None, kind: str) -> Certificate:
    """Snapshot name, program, version, institution and grade into a new certificate, settle
    any pending approval request with it, and tell the participant once the work commits."""
    program = enrollment.cohort.program
    assert result.weighted_grade is not None, "callers check that the rule gives a grade"
    certificate = Certificate.objects.create(
        enrollment=enrollment,
        user=enrollment.user,
        program=program,
        holder_name=enrollment.user.certificate_name,
        program_title=program.title,
        program_version=program.version,
        institution_name=program.institution.name,
        grade_percent=result.weighted_grade,
        policy_version=result.policy_version,
        issued_by=actor,
    )
    Enrollment.objects.filter(pk=enrollment.pk).update(status=Enrollment.Status.COMPLETED)
    pending = CertificateRequest.objects.select_for_update().pending()
    for request in pending.filter(user=enrollment.user, program=program):
        _settle(request, actor=actor, certificate=certificate)
    # The certificate rests on these grades: freeze them (a freeze left from a revoked
    # certificate, which revoking does not lift, now belongs to this one).
    if (
        not GradeFreeze.objects.active()
        .filter(enrollment=enrollment)
        .update(certificate=certificate)
    ):
        GradeFreeze.objects.create(enrollment=enrollment, certificate=certificate, frozen_by=actor)
    logger.info("issued certificate %s to user %s", certificate.code, enrollment.user_id)
    notifications.tell_holder(certificate, kind)
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
    notifications.tell_holder(certificate, "revoked")
    return certificate


@transaction.atomic
def reissue_certificate(
    *, actor: User, certificate: Certificate, holder_name: str | None = None
) -> Certificate:
    """Issue a new certificate that supersedes a valid one, e.g. after a name correction.

    ``holder_name``, when given, is the corrected name: it becomes the account's legal name
    (``legal_name``, which the holder can no longer change alone once a certificate exists),
    so later documents agree. The new certificate snapshots
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
        if holder_name != old.user.certificate_name:
            old.user.legal_name = holder_name
            old.user.save(update_fields=["legal_name"])
    old.status = Certificate.Status.SUPERSEDED
    old.save(update_fields=["status"])
    new = Certificate.objects.create(
        enrollment=old.enrollment,
        user=old.user,
        program=old.program,
        holder_name=old.user.certificate_name,
        program_title=old.program_title,
        program_version=old.program_version,
        institution_name=old.institution_name,
        grade_percent=old.grade_percent,
        issued_by=actor,
        policy_version=old.policy_version,
    )
    old.superseded_by = new
    old.save(update_fields=["superseded_by"])
    # The new certificate relies on the same grades: it takes over the freeze (or sets one,
    # if a coordinator had lifted it to correct a grade before re-issuing).
    GradeFreeze.objects.active().filter(enrollment=old.enrollment).update(certificate=new)
    GradeFreeze.objects.get_or_create(
        enrollment=old.enrollment,
        lifted_at=None,
        defaults={"certificate": new, "frozen_by": actor},
    )
    notifications.tell_holder(new, "reissued")
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
    result = _rule_met_now(
        enrollment=enrollment,
        program=program,
        not_met=_(
            "Not every requirement is met on released grades, so no certificate can be issued."
        ),
    )
    return _issue(enrollment=enrollment, result=result, actor=actor, kind="issued")


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
    result = _rule_met_now(
        enrollment=enrollment,
        program=request.program,
        not_met=_("Not every requirement is met on released grades any more; nothing was issued."),
    )
    return _issue(enrollment=enrollment, result=result, actor=actor, kind="approved")


def _rule_met_now(*, enrollment: Enrollment, program: Program, not_met: str) -> Result:
    """What a coordinator's issue or approval needs: no valid certificate yet, and the rule
    met on released grades now (a grade may have changed since), with a grade to certify.
    Refused with the reason otherwise (``not_met`` when the rule is not met)."""
    if Certificate.objects.issued().filter(user=enrollment.user_id, program=program).exists():
        raise CertificateActionRefused(_("This participant already holds a valid certificate."))
    result = recompute_progress(enrollments=[enrollment])[enrollment.pk]
    if not result.complete or result.weighted_grade is None:
        raise CertificateActionRefused(not_met)
    if fee_holds_certificate(enrollment):
        raise CertificateActionRefused(fee_open_message())
    return result


def fee_holds_certificate(enrollment: Enrollment) -> bool:
    """Whether the program issues its certificate only once the fee is paid or waived
    (``Program.fee_required``, docs/enrolment.md, "Fees") and this participant's is open."""
    cohort = enrollment.cohort
    return (
        cohort.program.fee_required == FeeRequirement.CERTIFICATE
        and cohort.fee > 0
        and enrollment.fee_status == Enrollment.FeeStatus.OPEN
    )


def fee_open_message() -> str:
    return _(
        "The certificate is issued once the program's fee is paid (or waived); the fee is "
        "still open."
    )


def _settle(request: CertificateRequest, *, actor: User | None, certificate: Certificate) -> None:
    """Close a pending request with the certificate that answers it (``actor`` is empty when
    the certificate was issued automatically, e.g. after approval was switched off)."""
    request.status = CertificateRequest.Status.APPROVED
    request.decided_at = timezone.now()
    request.decided_by = actor
    request.certificate = certificate
    request.save(update_fields=["status", "decided_at", "decided_by", "certificate"])


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
    if not enrollment.cohort.program.is_coordinated_by(actor):
        raise CertificateActionRefused(_("Only coordinators can unfreeze grades."))
    if not reason.strip():
        raise CertificateActionRefused(_("Unfreezing grades needs a reason."))
    freeze = GradeFreeze.objects.active().select_for_update().filter(enrollment=enrollment).first()
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
    if not enrollment.cohort.program.is_coordinated_by(actor):
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
