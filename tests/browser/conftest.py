"""Browser tests: Playwright's Python package driving Debian's chromium (never a downloaded one)."""

import os
import shutil
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from platform.models import User

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_path() -> str | None:
    return os.environ.get("CHROMIUM") or shutil.which("chromium")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One chromium per test module. Not per session: Playwright's sync API keeps an asyncio
    loop running in this thread while it is open, which would break later tests that start
    their own loop (nbclient does)."""
    path = chromium_path()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("Debian's chromium is missing in CI (.ci/run installs it)")
        pytest.skip("Debian's chromium is not installed here (apt-get install chromium)")
    # Playwright's sync API runs an event loop in this thread; the Django ORM calls the tests
    # make between browser steps are synchronous and safe.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=path, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()
    if previous is None:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def new_page(browser: Any) -> Iterator[Any]:
    """Pages in fresh browser contexts (separate cookies: one person each)."""
    contexts = []

    def make(**options: Any) -> Any:
        context = browser.new_context(accept_downloads=True, **options)
        context.set_default_timeout(30_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def log_in(page: Any, base_url: str, user: "User | str") -> None:
    """Log ``user`` (or the user of that name) in through the site's log-in page, as a person
    would, with the code of their authenticator app when their role needs a second factor
    (platform.accounts.policy); such a user without one gets ``give_second_factor``'s first.
    Ends on the home page."""
    from django.urls import reverse

    from platform.accounts.policy import has_second_factor, requires_second_factor
    from platform.accounts.services import current_totp_code
    from platform.models import User
    from tests.helpers import PASSWORD, give_second_factor

    if isinstance(user, str):
        user = User.objects.get(username=user)
    if requires_second_factor(user) and not has_second_factor(user):
        give_second_factor(user)
    page.goto(base_url + reverse("login"))
    page.fill("#id_login", user.username)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.locator("#login-form button[type=submit]").click()
    if page.url.startswith(base_url + reverse("mfa_authenticate")):
        enter_totp_code(page, base_url, user, current_totp_code)
    page.wait_for_url(base_url + reverse("home"))


def enter_totp_code(page: Any, base_url: str, user: "User", code_of: Any) -> None:
    """Type the authenticator app's code; allauth takes each code once, so a code this user
    already used (a log-in moments before) is retried with the next one, at most 30 s later."""
    from django.urls import reverse

    for _attempt in range(2):
        code = code_of(user)
        page.fill("#id_code", code)
        with page.expect_navigation():
            page.locator("#id_code").press("Enter")
        if not page.url.startswith(base_url + reverse("mfa_authenticate")):
            return
        while code_of(user) == code:
            time.sleep(1)
    raise AssertionError(f"{user.username}'s second factor was refused")


def reauthenticate(page: Any, base_url: str) -> None:
    """Confirm the password again, as allauth asks before a second factor is changed."""
    from django.urls import reverse

    from tests.helpers import PASSWORD

    page.goto(base_url + reverse("account_reauthenticate"))
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.locator("#id_password").press("Enter")
