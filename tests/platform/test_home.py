from typing import Any

import pytest
from django.urls import reverse

from courses.models import Cohort
from courses.services import enroll
from tests.helpers import make_user


def test_the_participant_sees_their_programs_with_a_progress_bar(
    enrolled: Any, assignment: Any, client_for: Any
) -> None:
    body = client_for(enrolled).get(reverse("home")).content.decode()
    assert "Machine Learning in Data Science" in body
    assert '<progress class="progress" max="100" value="0"' in body
    assert "0 of 1 requirements met" in body


def test_the_instructor_sees_their_cohorts(
    cohort: Cohort, instructor: Any, client_for: Any
) -> None:
    body = client_for(instructor).get(reverse("home")).content.decode()
    assert reverse("submissions:cohort", args=[cohort.pk]) in body


def test_the_home_page_needs_a_constant_number_of_queries(
    participant: Any,
    cohort: Cohort,
    other_cohort: Cohort,
    assignment: Any,
    client_for: Any,
    django_assert_max_num_queries: Any,
) -> None:
    enroll(user=participant, cohort=cohort)
    enroll(user=participant, cohort=other_cohort)
    client = client_for(participant)
    # Session, user, enrolments, stored progress, deadlines, certificates, regrades, and the
    # navigation's "does this user grade?" (submissions.context_processors), pending
    # certificate requests, the cohorts of programs the user coordinates, the announcements,
    # the next sessions (docs/sessions.md), the cohorts reported to a client.
    with django_assert_max_num_queries(16):
        assert client.get(reverse("home")).status_code == 200


@pytest.mark.django_db
def test_repeated_failed_log_ins_are_throttled(
    participant: Any, client: Any, settings: Any
) -> None:
    settings.LOGIN_MAX_FAILURES = 3
    for _ in range(3):
        client.post(reverse("login"), {"login": "ada", "password": "wrong"})
    response = client.post(reverse("login"), {"login": "ada", "password": "correct horse battery"})
    assert response.status_code == 200
    assert "Too many failed log-ins" in response.content.decode()


@pytest.mark.django_db
def test_a_correct_log_in_goes_to_the_home_page(participant: Any, client: Any) -> None:
    response = client.post(reverse("login"), {"login": "ada", "password": "correct horse battery"})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


@pytest.mark.django_db
def test_passwords_are_hashed_with_argon2() -> None:
    from django.conf import settings as project_settings
    from django.test import override_settings

    import platform.settings as configured

    assert configured.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    with override_settings(PASSWORD_HASHERS=configured.PASSWORD_HASHERS):
        user = make_user("hashme")
    assert user.password.startswith("argon2")
    assert project_settings.PASSWORD_HASHERS  # the test's fast hasher is back afterwards
