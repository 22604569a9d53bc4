"""The account flows in a real browser: a forgotten password reset by mail, the admin behind
the second factor, a staff log-in with an authenticator app, and a passkey made and used with
chromium's virtual authenticator (docs/accounts.md)."""

import re
from typing import Any

import pytest
from django.core import mail
from django.urls import reverse

from platform.accounts.services import current_totp_code
from platform.models import User
from tests.browser.conftest import enter_totp_code, log_in, reauthenticate
from tests.browser.test_accessibility import axe_violations
from tests.helpers import PASSWORD, give_second_factor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "a brand new passphrase"


def no_axe_violations(page: Any) -> None:
    report = axe_violations(page)
    assert not report, f"{page.url}: {report}"


def submit_log_in(page: Any, base: str, login: str, password: str = PASSWORD) -> None:
    page.fill("#id_login", login)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.locator("#login-form button[type=submit]").click()


def log_out(page: Any, base: str) -> None:
    page.goto(base + reverse("logout"))
    with page.expect_navigation():
        page.locator("#logout-form button[type=submit]").click()


def test_a_forgotten_password_is_reset_with_the_mailed_link(
    live_server: Any, participant: User, new_page: Any
) -> None:
    base = live_server.url
    page = new_page()
    page.goto(base + reverse("login"))
    page.get_by_role("link", name="Forgotten your password?").click()
    page.fill("#id_email", "ada@example.org")
    with page.expect_navigation():
        page.locator("#id_email").press("Enter")
    assert page.url == base + reverse("account_reset_password_done")
    (message,) = mail.outbox
    link = re.search(r"https?://\S+/accounts/password/reset/key/\S+", message.body)
    assert link is not None, message.body
    page.goto(link.group(0))
    page.fill("#id_password1", NEW_PASSWORD)
    page.fill("#id_password2", NEW_PASSWORD)
    with page.expect_navigation():
        page.locator("#id_password2").press("Enter")
    assert page.url == base + reverse("account_reset_password_from_key_done")
    page.goto(base + reverse("login"))
    submit_log_in(page, base, "ada", NEW_PASSWORD)
    assert page.url == base + reverse("home")


def test_the_admin_refuses_a_staff_member_without_a_second_factor(
    live_server: Any, coordinator: User, new_page: Any
) -> None:
    base = live_server.url
    page = new_page()
    page.goto(base + "/admin/")
    assert page.url == base + reverse("login") + "?next=/admin/"
    submit_log_in(page, base, "cora")
    # Logged in, but sent to set up a second factor instead of the admin, again and again.
    assert page.url == base + reverse("mfa_index")
    page.goto(base + "/admin/")
    assert page.url == base + reverse("mfa_index")
    assert page.locator("main h1").inner_text() == "Two-Factor Authentication"


def test_a_staff_member_logs_in_with_an_authenticator_app_code(
    live_server: Any, coordinator: User, new_page: Any
) -> None:
    give_second_factor(coordinator)
    base = live_server.url
    page = new_page()
    page.goto(base + "/admin/")
    submit_log_in(page, base, "cora")
    assert page.url.startswith(base + reverse("mfa_authenticate"))
    no_axe_violations(page)
    page.fill("#id_code", "000000" if current_totp_code(coordinator) != "000000" else "111111")
    with page.expect_navigation():
        page.locator("#id_code").press("Enter")
    assert page.url.startswith(base + reverse("mfa_authenticate"))
    enter_totp_code(page, base, coordinator, current_totp_code)
    assert page.url == base + "/admin/"
    assert page.locator("#site-name").count() or page.locator("#header").count()


def test_a_passkey_is_registered_and_then_logs_in_without_a_password(
    live_server: Any, participant: User, new_page: Any, settings: Any
) -> None:
    # WebAuthn needs a secure origin; the test server is plain http on localhost.
    settings.MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = True
    base = live_server.url.replace("127.0.0.1", "localhost")
    page = new_page()
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    log_in(page, base, participant)
    reauthenticate(page, base)
    page.goto(base + reverse("mfa_add_webauthn"))
    no_axe_violations(page)
    page.fill("#id_name", "Laptop")
    page.check("#id_passwordless")
    with page.expect_navigation():
        page.locator("#mfa_webauthn_add").click()
    # The first factor comes with recovery codes.
    assert page.url == base + reverse("mfa_view_recovery_codes")
    assert participant.authenticator_set.filter(type="webauthn").count() == 1
    page.goto(base + reverse("mfa_list_webauthn"))
    assert "Laptop" in page.locator("#passkeys").inner_text()
    no_axe_violations(page)
    key = participant.authenticator_set.get(type="webauthn")
    for name in ("mfa_edit_webauthn", "mfa_remove_webauthn"):
        page.goto(base + reverse(name, kwargs={"pk": key.pk}))
        assert page.locator("main h1").count()
        no_axe_violations(page)
    page.goto(base + reverse("mfa_reauthenticate_webauthn"))
    no_axe_violations(page)
    # Log out; log in with the password, then the passkey as the second factor.
    log_out(page, base)
    page.goto(base + reverse("login"))
    submit_log_in(page, base, "ada")
    assert page.url.startswith(base + reverse("mfa_authenticate"))
    no_axe_violations(page)
    with page.expect_navigation():
        page.locator("#mfa_webauthn_authenticate").click()
    page.wait_for_url(base + reverse("home"))
    # Log out, then in with the passkey alone.
    log_out(page, base)
    page.goto(base + reverse("login"))
    with page.expect_navigation():
        page.locator("#passkey_login").click()
    page.wait_for_url(base + reverse("home"))
    assert page.locator("header.site").inner_text().count("Ada") == 1
