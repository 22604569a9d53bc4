"""Log-in throttling: a lockout per account, a slow-down per address, the admin included
(its log-in is the site's, platform.accounts).

The counters here run on the database store (the default), whose clock ``later`` moves;
the shared stores themselves are tested in test_rate_limits.py.
"""

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from platform.models import User
from platform.ratelimit import client_address

PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def _database_counters(settings: Any) -> None:
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "platform_cache",
        }
    }


def log_in(
    client: Client, username: str, password: str, *, url: str = "login", **extra: Any
) -> Any:
    return client.post(reverse(url), {"login": username, "password": password}, **extra)


def logged_in_as(client: Client) -> str | None:
    user_id = client.session.get("_auth_user_id")
    return User.objects.get(pk=user_id).username if user_id else None


# --- the admin's log-in (defect 4) ------------------------------------------------------------


def test_the_admin_log_in_is_the_sites_so_it_has_no_lockout_of_its_own(client: Client) -> None:
    response = client.get(reverse("admin:login") + "?next=/admin/courses/")
    assert response.status_code == 302
    assert response["Location"] == reverse("login") + "?next=/admin/courses/"
    assert client.post(reverse("admin:login"), {"username": "cora"}).status_code == 302


def test_wrong_passwords_lock_the_staff_account_on_the_way_to_the_admin(
    coordinator: User, client: Client
) -> None:
    for _ in range(15):
        assert log_in(client, "cora", "wrong").status_code == 200
    response = log_in(client, "cora", PASSWORD)
    assert "Too many failed log-ins for this account" in response.content.decode()
    assert logged_in_as(client) is None


def test_failures_by_user_name_and_by_e_mail_count_against_one_account(
    coordinator: User, client: Client, settings: Any
) -> None:
    settings.LOGIN_MAX_FAILURES = 3
    log_in(client, "cora", "wrong")
    log_in(client, coordinator.email.upper(), "wrong")
    log_in(client, "cora", "wrong")
    response = log_in(client, coordinator.email, PASSWORD)
    assert "Too many failed log-ins for this account" in response.content.decode()
    assert logged_in_as(client) is None


# --- per account and per address (defect 6) ---------------------------------------------------


def test_a_locked_account_refuses_its_correct_password_from_any_address(
    participant: User, settings: Any
) -> None:
    settings.LOGIN_MAX_FAILURES = 3
    attacker = Client(REMOTE_ADDR="203.0.113.5")
    for _ in range(3):
        log_in(attacker, "ada", "wrong")
    owner = Client(REMOTE_ADDR="198.51.100.7")
    response = log_in(owner, "ada", PASSWORD)
    assert "Too many failed log-ins for this account. Please wait 15 minutes" in (
        response.content.decode()
    )
    assert logged_in_as(owner) is None


def test_the_lockout_ends_with_its_window(
    participant: User, client: Client, settings: Any, later: Callable[[int], None]
) -> None:
    settings.LOGIN_MAX_FAILURES = 3
    for _ in range(4):
        log_in(client, "ada", "wrong")
    later(15 * 60)
    assert log_in(client, "ada", PASSWORD).status_code == 302


def test_a_success_forgets_the_accounts_failures(participant: User, settings: Any) -> None:
    settings.LOGIN_MAX_FAILURES = 3
    client = Client()
    for _ in range(2):
        log_in(client, "ada", "wrong")
    assert log_in(client, "ada", PASSWORD).status_code == 302
    other = Client()
    for _ in range(2):
        log_in(other, "ada", "wrong")
    assert log_in(other, "ada", PASSWORD).status_code == 302


def test_an_empty_password_neither_counts_nor_forgives_failures(
    participant: User, client: Client, settings: Any
) -> None:
    settings.LOGIN_MAX_FAILURES = 3
    for _ in range(2):
        log_in(client, "ada", "wrong")
    response = log_in(client, "ada", "")
    assert response.status_code == 200 and logged_in_as(client) is None
    log_in(client, "ada", "wrong")
    response = log_in(client, "ada", PASSWORD)
    assert "Too many failed log-ins for this account" in response.content.decode()
    assert logged_in_as(client) is None


def test_another_persons_correct_password_succeeds_from_an_address_with_many_failures(
    participant: User, other_participant: User, settings: Any, later: Callable[[int], None]
) -> None:
    settings.LOGIN_MAX_FAILURES = 3
    settings.LOGIN_ADDRESS_MAX_FAILURES = 3
    settings.LOGIN_ADDRESS_PAUSE_SECONDS = 5
    shared_address = "192.0.2.10"
    attacker = Client(REMOTE_ADDR=shared_address)
    for _ in range(10):
        log_in(attacker, "ada", "wrong")
    colleague = Client(REMOTE_ADDR=shared_address)
    # The address is over its limit and just had its one try of this pause: wait, not refusal.
    response = log_in(colleague, "grace", PASSWORD)
    body = response.content.decode()
    assert "Too many failed log-ins from your network. Please wait" in body
    assert logged_in_as(colleague) is None
    later(5)
    assert log_in(colleague, "grace", PASSWORD).status_code == 302
    assert logged_in_as(colleague) == "grace"


def test_a_slowed_down_address_gets_one_try_per_pause_without_its_password_checked(
    participant: User, settings: Any, monkeypatch: pytest.MonkeyPatch, later: Callable[[int], None]
) -> None:
    settings.LOGIN_ADDRESS_MAX_FAILURES = 3
    settings.LOGIN_ADDRESS_PAUSE_SECONDS = 5
    client = Client(REMOTE_ADDR="192.0.2.10")
    for name in ("bob", "carol", "dave"):
        log_in(client, name, "wrong")
    checked: list[str] = []
    import allauth.account.adapter as allauth_adapter

    real_authenticate = allauth_adapter.authenticate

    def counting_authenticate(request: Any, **credentials: Any) -> Any:
        checked.append(credentials["username"])
        return real_authenticate(request, **credentials)

    monkeypatch.setattr(allauth_adapter, "authenticate", counting_authenticate)
    for name in ("erin", "frank", "ada"):
        log_in(client, name, "wrong")
    assert checked == ["erin"]
    later(5)
    assert log_in(client, "ada", PASSWORD).status_code == 302
    assert checked == ["erin", "ada"]


def test_other_addresses_are_not_slowed_down(
    participant: User, other_participant: User, settings: Any
) -> None:
    settings.LOGIN_ADDRESS_MAX_FAILURES = 3
    for name in ("bob", "carol", "dave", "erin"):
        log_in(Client(REMOTE_ADDR="192.0.2.10"), name, "wrong")
    assert log_in(Client(REMOTE_ADDR="192.0.2.11"), "grace", PASSWORD).status_code == 302


def test_behind_the_proxy_each_forwarded_address_counts_apart(
    other_participant: User, settings: Any
) -> None:
    settings.BEHIND_PROXY = True
    settings.LOGIN_ADDRESS_MAX_FAILURES = 3
    proxy = "10.0.0.2"
    for name in ("bob", "carol", "dave", "erin", "frank"):
        log_in(Client(REMOTE_ADDR=proxy), name, "wrong", HTTP_X_FORWARDED_FOR="203.0.113.5")
    colleague = Client(REMOTE_ADDR=proxy)
    response = log_in(colleague, "grace", PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert response.status_code == 302


@pytest.mark.parametrize(("spread", "last_status"), [(True, 302), (False, 429)])
def test_behind_the_proxy_the_log_in_budget_is_per_forwarded_address(
    other_participant: User, settings: Any, spread: bool, last_status: int
) -> None:
    """allauth's own budget (ACCOUNT_RATE_LIMITS "login", per address) counts the client
    nginx names, not nginx: a cohort logging in before a deadline is not one address."""
    settings.BEHIND_PROXY = True
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login": "2/m/ip"}
    statuses = [
        log_in(
            Client(REMOTE_ADDR="10.0.0.2"),
            "grace",
            PASSWORD,
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n if spread else 1}",
        ).status_code
        for n in range(1, 4)
    ]
    assert statuses == [302, 302, last_status]


def test_the_wait_message_is_in_german(participant: User, settings: Any) -> None:
    settings.LOGIN_MAX_FAILURES = 1
    client = Client(HTTP_ACCEPT_LANGUAGE="de")
    log_in(client, "ada", "wrong")
    body = log_in(client, "ada", PASSWORD).content.decode()
    assert "Bitte warten Sie 15 Minuten" in body


# --- whom a request counts against ------------------------------------------------------------


@pytest.mark.parametrize(
    ("behind_proxy", "forwarded", "expected"),
    [
        (False, "203.0.113.5", "10.0.0.2"),
        (True, "203.0.113.5", "203.0.113.5"),
        # The client may send an X-Forwarded-For of its own; the proxy appends the real address.
        (True, "198.51.100.7, 203.0.113.5", "203.0.113.5"),
        (True, "", "10.0.0.2"),
        (True, "2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
    ],
)
def test_the_client_address_comes_from_the_proxy_header_only_behind_the_proxy(
    behind_proxy: bool, forwarded: str, expected: str, settings: Any
) -> None:
    settings.BEHIND_PROXY = behind_proxy
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_address(request) == expected
