"""Fees: a program that requires the fee before the certificate issues none while it is open,
says why to the participant and the coordinator, and issues it once the fee is settled."""

from decimal import Decimal
from typing import Any

import pytest

from courses.certificates import services as certificates
from courses.enrolment import services
from courses.exceptions import CertificateActionRefused
from courses.models import Assignment, Certificate, Cohort, Enrollment, FeeRequirement
from platform.models import User
from tests.helpers import release_grade


@pytest.fixture
def fee_before_certificate(cohort: Cohort, enrolled: User) -> Enrollment:
    cohort.fee = Decimal("250")
    cohort.save(update_fields=["fee"])
    cohort.program.fee_required = FeeRequirement.CERTIFICATE
    cohort.program.save(update_fields=["fee_required"])
    enrollment = enrolled.enrollments.get()
    Enrollment.objects.filter(pk=enrollment.pk).update(fee_status="open")
    return Enrollment.objects.get(pk=enrollment.pk)


def test_no_certificate_while_the_fee_is_open_then_issued_when_paid(
    fee_before_certificate: Enrollment, assignment: Assignment, coordinator: User, client_for: Any
) -> None:
    release_grade(fee_before_certificate, assignment, "5")
    assert not Certificate.objects.exists()
    page = client_for(fee_before_certificate.user).get(
        f"/programs/{assignment.module.program.slug}/"
    )
    assert 'data-state="fee-open"' in page.content.decode()
    with pytest.raises(CertificateActionRefused) as refused:
        certificates.issue_certificate(actor=coordinator, enrollment=fee_before_certificate)
    assert "fee" in refused.value.message
    services.set_fee_status(enrollment=fee_before_certificate, fee_status="paid", by=coordinator)
    assert Certificate.objects.issued().filter(user=fee_before_certificate.user).exists()


def test_a_waived_fee_lets_the_coordinator_issue(
    fee_before_certificate: Enrollment, assignment: Assignment, coordinator: User
) -> None:
    Enrollment.objects.filter(pk=fee_before_certificate.pk).update(fee_status="waived")
    release_grade(fee_before_certificate, assignment, "5")
    assert Certificate.objects.issued().filter(user=fee_before_certificate.user).exists()


@pytest.mark.parametrize("requirement", [FeeRequirement.NONE, FeeRequirement.ADMISSION])
def test_other_fee_rules_do_not_hold_back_the_certificate(
    requirement: str, fee_before_certificate: Enrollment, assignment: Assignment
) -> None:
    program = fee_before_certificate.cohort.program
    program.fee_required = requirement
    program.save(update_fields=["fee_required"])
    release_grade(fee_before_certificate, assignment, "5")
    assert Certificate.objects.issued().filter(user=fee_before_certificate.user).exists()


def test_fee_changes_are_recorded(fee_before_certificate: Enrollment, coordinator: User) -> None:
    services.set_fee_status(enrollment=fee_before_certificate, fee_status="waived", by=coordinator)
    event = fee_before_certificate.events.get(kind="fee")
    assert (event.old, event.new, event.by) == ("open", "waived", coordinator)
    with pytest.raises(services.TransitionRefused):
        services.set_fee_status(
            enrollment=fee_before_certificate, fee_status="free", by=coordinator
        )
