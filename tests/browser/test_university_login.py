"""University single sign-on in chromium, against a real OpenID provider started by the test
(tests/oidc_provider): the button, the university's log-in and consent, and back, logged in as
the matching account; or refused, for an unknown address and for an unverified one."""

from typing import Any

import pytest
from django.urls import reverse

from platform.models import User
from tests.browser.test_accessibility import axe_violations
from tests.helpers import make_user
from tests.oidc_provider.process import PASSWORD
from tests.platform.accounts.test_sso import university  # noqa: F401 - the provider fixture

pytestmark = [
    pytest.mark.browser,
    pytest.mark.servers,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("university"),
]


def sign_in_at_the_university(page: Any, base: str, username: str, *, next_url: str = "") -> None:
    page.goto(base + reverse("login") + (f"?next={next_url}" if next_url else ""))
    page.get_by_role("button", name="Sign in with Example University").click()
    page.wait_for_url("http://127.0.0.1:*/login/**")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Log in at the university").click()
    # The university asks once whether the platform may learn who this is.
    page.locator("input[name=allow]").click()
    page.wait_for_url(base + "/**")


def test_a_participant_signs_in_with_the_university_and_lands_logged_in(
    live_server: Any, new_page: Any
) -> None:
    ada: User = make_user("ada", first_name="Ada", last_name="Lovelace")
    page = new_page()
    sign_in_at_the_university(page, live_server.url, "ada.l", next_url="/accounts/profile/")
    assert page.url == live_server.url + reverse("profile")
    assert page.locator("main h1").inner_text() == "Your profile"
    assert page.locator("header.site").get_by_text("Ada Lovelace").count() == 1
    assert page.locator("#university-accounts").get_by_text("Example University").count()
    assert ada.socialaccount_set.get().provider == "university"


def test_an_unknown_address_is_refused_with_what_to_do(live_server: Any, new_page: Any) -> None:
    page = new_page()
    sign_in_at_the_university(page, live_server.url, "stranger")
    assert page.locator("main h1").inner_text() == "No account for this address"
    assert "apply for a program" in page.locator("#sso-refused").inner_text()
    assert page.get_by_role("link", name="Log in").count() == 1  # still anonymous
    assert axe_violations(page) == ""


def test_an_unverified_address_is_refused_even_when_an_account_has_it(
    live_server: Any, new_page: Any
) -> None:
    make_user("ada", first_name="Ada", last_name="Lovelace")
    page = new_page()
    sign_in_at_the_university(page, live_server.url, "mallory")
    assert page.locator("main h1").inner_text() == (
        "Your university did not confirm your e-mail address"
    )
    assert page.get_by_role("link", name="Log in").count() == 1
    assert axe_violations(page) == ""
