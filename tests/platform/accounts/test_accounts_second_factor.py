"""The second factor: required for staff, program coordinators and cohort instructors,
optional for participants; TOTP with recovery codes; enforced on every page."""

import time
from collections.abc import Callable
from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY, format_hotp_value, hotp_value
from django.test import Client
from django.urls import reverse

from courses.models import Cohort
from platform.accounts.services import current_totp_code
from platform.models import ApiToken, User
from tests.platform.accounts.flows import (
    PASSWORD,
    give_totp,
    log_in_with_password,
    logged_in_as,
)

pytestmark = pytest.mark.django_db

ROLES = ["coordinator", "program_coordinator", "instructor"]


def reauthenticate(client: Client) -> None:
    response = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert response.status_code == 302, response.content.decode()


@pytest.fixture(params=ROLES)
def role_user(request: pytest.FixtureRequest, cohort: Cohort) -> User:
    """Staff, a program's coordinator, a cohort's instructor (each needs a second factor)."""
    user: User = request.getfixturevalue(request.param)
    return user


def test_each_role_without_a_second_factor_is_sent_to_set_one_up(
    role_user: User, plain_session: Callable[[User], Client]
) -> None:
    client = plain_session(role_user)
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"] == reverse("mfa_index")
    assert client.get(reverse("mfa_index")).status_code == 200
    # Setting up a factor asks for the password again first (allauth's reauthentication).
    response = client.get(reverse("mfa_activate_totp"))
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert client.get(response["Location"]).status_code == 200


def test_a_participant_needs_no_second_factor(
    enrolled: User, plain_session: Callable[[User], Client]
) -> None:
    assert plain_session(enrolled).get(reverse("home")).status_code == 200


def test_a_participant_may_set_one_up_and_is_then_asked_for_it(
    participant: User, client: Client
) -> None:
    give_totp(participant)
    response = log_in_with_password(client, "ada")
    assert response["Location"] == reverse("mfa_authenticate")
    assert logged_in_as(client) is None
    client.post(reverse("mfa_authenticate"), {"code": current_totp_code(participant)})
    assert logged_in_as(client) == "ada"


def test_a_role_session_opened_without_its_second_factor_is_ended(
    role_user: User, plain_session: Callable[[User], Client]
) -> None:
    give_totp(role_user)
    client = plain_session(role_user)
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("login") + "?next=/"
    assert logged_in_as(client) is None


def test_the_set_up_pages_refuse_a_session_that_skipped_an_existing_factor(
    coordinator: User, plain_session: Callable[[User], Client]
) -> None:
    give_totp(coordinator)
    client = plain_session(coordinator)
    assert client.get(reverse("mfa_activate_totp")).status_code == 302
    assert logged_in_as(client) is None


def test_each_role_logs_in_with_password_and_totp_code(role_user: User) -> None:
    give_totp(role_user)
    client = Client()
    response = log_in_with_password(client, role_user.username)
    assert response["Location"] == reverse("mfa_authenticate")
    wrong = client.post(reverse("mfa_authenticate"), {"code": "12345"})
    assert wrong.status_code == 200 and logged_in_as(client) is None
    response = client.post(reverse("mfa_authenticate"), {"code": current_totp_code(role_user)})
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200


def test_a_totp_code_works_once(participant: User) -> None:
    give_totp(participant)
    code = current_totp_code(participant)
    first = Client()
    log_in_with_password(first, "ada")
    first.post(reverse("mfa_authenticate"), {"code": code})
    assert logged_in_as(first) == "ada"
    second = Client()
    log_in_with_password(second, "ada")
    second.post(reverse("mfa_authenticate"), {"code": code})
    assert logged_in_as(second) is None


def test_a_recovery_code_works_once(coordinator: User) -> None:
    codes = give_totp(coordinator)
    first = Client()
    log_in_with_password(first, "cora")
    first.post(reverse("mfa_authenticate"), {"code": codes[0]})
    assert logged_in_as(first) == "cora"
    assert first.get(reverse("home")).status_code == 200
    second = Client()
    log_in_with_password(second, "cora")
    response = second.post(reverse("mfa_authenticate"), {"code": codes[0]})
    assert response.status_code == 200 and logged_in_as(second) is None
    second.post(reverse("mfa_authenticate"), {"code": codes[1]})
    assert logged_in_as(second) == "cora"


@pytest.mark.django_db(transaction=True)  # allauth tells of the new factor after its commit
def test_an_instructor_sets_up_totp_after_logging_in_and_may_then_work(
    instructor: User, cohort: Cohort
) -> None:
    client = Client()
    log_in_with_password(client, "ines")
    assert client.get(reverse("home"))["Location"] == reverse("mfa_index")
    reauthenticate(client)
    client.get(reverse("mfa_activate_totp"))
    secret = client.session[SECRET_SESSION_KEY]
    code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
    response = client.post(reverse("mfa_activate_totp"), {"code": code})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=instructor, type="totp").exists()
    # Setting it up proved it: this session may now go on.
    assert client.get(reverse("home")).status_code == 200
    recovery = client.get(reverse("mfa_view_recovery_codes"))
    assert recovery.status_code == 200


def test_an_activation_with_a_wrong_code_sets_up_nothing(instructor: User, cohort: Cohort) -> None:
    client = Client()
    log_in_with_password(client, "ines")
    reauthenticate(client)
    client.get(reverse("mfa_activate_totp"))
    response = client.post(reverse("mfa_activate_totp"), {"code": "000000x"})
    assert response.status_code == 200
    assert not Authenticator.objects.filter(user=instructor).exists()
    assert client.get(reverse("home")).status_code == 302


def test_log_out_and_the_language_switch_stay_open_before_set_up(
    coordinator: User, plain_session: Callable[[User], Client]
) -> None:
    client = plain_session(coordinator)
    assert client.post(reverse("set_language"), {"language": "de"}).status_code == 302
    assert client.post(reverse("logout")).status_code == 302
    assert logged_in_as(client) is None


def test_the_api_refuses_such_a_session_but_takes_the_token(
    coordinator: User, plain_session: Callable[[User], Client], settings: Any
) -> None:
    url = reverse("api-schema")
    client = plain_session(coordinator)
    response = client.get(url)
    assert response.status_code == 403
    _token, key = ApiToken.create_for(coordinator, name="t")
    assert Client().get(url, headers={"authorization": f"Bearer {key}"}).status_code == 200


def test_htmx_requests_are_redirected_by_htmx(
    coordinator: User, plain_session: Callable[[User], Client]
) -> None:
    response = plain_session(coordinator).get(reverse("home"), headers={"hx-request": "true"})
    assert response["HX-Redirect"] == reverse("mfa_index")
