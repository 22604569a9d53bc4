"""The demo's Smart Factory training runs with sessions and attendance: past sessions with
attendance taken, upcoming ones, an 80 % rule, someone at risk, and a certificate that can be
earned (docs/sessions.md, "Demo")."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from courses.clients.report import client_report
from courses.demo.sessions import HANDS_ON, PROGRAM
from courses.models import (
    Attendance,
    AttendanceChange,
    Certificate,
    Cohort,
    Enrollment,
    Module,
    Session,
)
from courses.progress import progress_for
from courses.risk import risks_for
from courses.services import record_module_result
from platform.models import User


@pytest.mark.django_db
def test_the_factory_training_has_sessions_attendance_and_an_earnable_certificate() -> None:
    call_command("load_demo", stdout=StringIO())
    counts = (Session.objects.count(), Attendance.objects.count(), AttendanceChange.objects.count())
    call_command("load_demo", stdout=StringIO())  # idempotent
    assert counts == (
        Session.objects.count(),
        Attendance.objects.count(),
        AttendanceChange.objects.count(),
    )
    cohort = Cohort.objects.filter(program__slug=PROGRAM).order_by("starts_on").first()
    assert cohort is not None
    now = timezone.now()
    sessions = Session.objects.filter(cohort=cohort)
    assert sessions.filter(attendance_taken_at__isnull=False).count() == 2
    assert sessions.upcoming(now).count() == 3
    enrollments = list(Enrollment.objects.filter(cohort=cohort).select_related("cohort__program"))
    risks = risks_for(enrollments, now=now)
    at_risk = {r.enrollment.user.username for r in risks.values() if r.at_risk}
    assert at_risk == {"murat.demir"}

    kai = next(e for e in enrollments if e.user.username == "kai.neumann")
    [progress] = progress_for([kai])
    [line] = [r for r in progress.requirements if r.kind == "attendance"]
    assert line.is_met
    coordinator = User.objects.get(username="k.vogel")
    for module in Module.objects.filter(program=cohort.program).exclude(title=HANDS_ON):
        record_module_result(
            actor=coordinator,
            enrollment=kai,
            module=module,
            passed=True,
            reason="Demo",
            percent=Decimal(85),
        )
    assert Certificate.objects.issued().filter(user=kai.user, program=cohort.program).exists()
    # The cohort runs for a client; Murat did not agree to share his results.
    assert cohort.client_contact is not None and cohort.client_contact.username == "c.berger"
    report = client_report(cohort)
    assert [r.enrollment.user.username for r in report.rows] == ["kai.neumann", "sabine.krueger"]
    assert (report.not_shared, report.certificates) == (1, 1)
