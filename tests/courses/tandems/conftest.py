"""A seniors' program with a tandem module (three meetings required), a senior (``participant``)
paired with an invited student, and a second senior without a partner."""

import datetime as dt

import pytest

from courses.models import Cohort, Enrollment, Module, Program, Tandem
from courses.services import enroll
from courses.tandems import services
from platform.models import User
from tests.helpers import make_user


@pytest.fixture
def tandem_module(program: Program) -> Module:
    return Module.objects.create(
        program=program, title="Generations in tandem", order=1, tandem_meetings=3
    )


@pytest.fixture
def senior(participant: User, cohort: Cohort, tandem_module: Module) -> Enrollment:
    return enroll(user=participant, cohort=cohort)


@pytest.fixture
def student(cohort: Cohort, coordinator: User) -> User:
    invited = services.invite_student(
        cohort=cohort,
        email="sofia@example.org",
        full_name="Sofía García",
        language="en",
        invited_by=coordinator,
    )
    return invited.student.user


@pytest.fixture
def tandem(
    cohort: Cohort, tandem_module: Module, senior: Enrollment, student: User, coordinator: User
) -> Tandem:
    return services.pair(
        cohort=cohort, module=tandem_module, senior=senior, student=student, by=coordinator
    )


@pytest.fixture
def other_senior(other_participant: User, cohort: Cohort) -> Enrollment:
    return enroll(user=other_participant, cohort=cohort)


@pytest.fixture
def outsider(db: None) -> User:
    return make_user("olga")


def days_ago(n: int) -> dt.date:
    from django.utils import timezone

    return timezone.localdate() - dt.timedelta(days=n)
