"""Applications: an open cohort with two places, applicants built through the services."""

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from courses.applications import services
from courses.models import Application, Cohort, Program
from platform.models import PrivacyNotice
from tests.helpers import make_cohort


@pytest.fixture
def open_cohort(program: Program, instructor: Any) -> Cohort:
    """Open for applications, two places, starting in two months."""
    start = timezone.localdate() + dt.timedelta(days=60)
    cohort = make_cohort(
        program,
        instructors=[instructor],
        name="Next",
        starts_on=start,
        ends_on=start + dt.timedelta(days=300),
    )
    cohort.applications_open = True
    cohort.capacity = 2
    cohort.save(update_fields=["applications_open", "capacity"])
    return cohort


@pytest.fixture
def notice(db: None) -> PrivacyNotice:
    current = PrivacyNotice.objects.current()
    assert current is not None  # seeded by the courses migration 0016
    return current


ApplyFn = Callable[..., Application]


@pytest.fixture
def apply_for(open_cohort: Cohort, notice: PrivacyNotice) -> ApplyFn:
    """Apply (and, unless ``confirm=False``, confirm the address) through the services."""

    def make(
        name: str = "Ada Applicant",
        *,
        email: str | None = None,
        language: str = "en",
        cohort: Cohort | None = None,
        confirm: bool = True,
        **extra: Any,
    ) -> Application:
        application = services.submit_application(
            cohort=cohort or open_cohort,
            full_name=name,
            email=email or f"{name.split()[0].lower()}@example.com",
            language=language,
            motivation="I want to learn.",
            privacy_notice=notice,
            **extra,
        )
        if confirm:
            application = services.confirm_email(application)
        return application

    return make
