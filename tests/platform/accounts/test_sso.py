"""University single sign-on: configured by environment variables, against a real OpenID
provider (tests/oidc_provider, django-oauth-toolkit) started by the test; the flows here are
driven over HTTP, the browser test (tests/browser/test_university_login.py) clicks them."""

import html
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import pytest
import requests
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.test import Client
from django.urls import reverse

from platform.models import User
from tests.conftest import ROOT
from tests.helpers import PASSWORD as PLATFORM_PASSWORD
from tests.helpers import make_user
from tests.oidc_provider.process import PASSWORD, Provider, running_provider

CALLBACK = "/accounts/oidc/university/login/callback/"
UNIVERSITY_USERS = [
    # ada's university account: the same address as her platform account, verified.
    {"username": "ada.l", "email": "ada@example.org", "first_name": "Ada", "last_name": "L"},
    # someone the platform does not know.
    {"username": "stranger", "email": "stranger@example.org"},
    # an account whose address the university never checked, claiming ada's address.
    {"username": "mallory", "email": "ada@example.org", "email_verified": False},
]


# --- configuration ---------------------------------------------------------------------------


def settings_in_subprocess(**env: str) -> subprocess.CompletedProcess[str]:
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        "print(json.dumps(settings.SOCIALACCOUNT_PROVIDERS)); "
        "print(json.dumps(settings.SECURE_CSP['form-action']))"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith("OIDC_")}
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "platform.settings", **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_without_oidc_variables_there_is_no_university_log_in() -> None:
    result = settings_in_subprocess()
    assert json.loads(result.stdout.splitlines()[0])["openid_connect"]["APPS"] == []


def test_the_oidc_variables_configure_one_provider() -> None:
    result = settings_in_subprocess(
        OIDC_SERVER_URL="https://login.uni.example/realms/main",
        OIDC_CLIENT_ID="certlab",
        OIDC_CLIENT_SECRET="s3cret",
        OIDC_PROVIDER_NAME="TU Dortmund",
        OIDC_PROVIDER_ID="tu-dortmund",
    )
    [app] = json.loads(result.stdout.splitlines()[0])["openid_connect"]["APPS"]
    assert app == {
        "provider_id": "tu-dortmund",
        "name": "TU Dortmund",
        "client_id": "certlab",
        "secret": "s3cret",
        "settings": {
            "server_url": "https://login.uni.example/realms/main",
            "token_auth_method": "client_secret_basic",
        },
    }
    # The browser may follow the log-in form's redirect to the university.
    assert "https://login.uni.example" in json.loads(result.stdout.splitlines()[1])


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"OIDC_SERVER_URL": "https://login.uni.example"}, "OIDC_CLIENT_ID and OIDC_CLIENT_SECRET"),
        (
            {
                "OIDC_SERVER_URL": "login.uni.example",
                "OIDC_CLIENT_ID": "a",
                "OIDC_CLIENT_SECRET": "b",
            },
            "must be an http(s) URL",
        ),
        (
            {
                "OIDC_SERVER_URL": "https://login.uni.example",
                "OIDC_CLIENT_ID": "a",
                "OIDC_CLIENT_SECRET": "b",
                "OIDC_PROVIDER_ID": "../x",
            },
            "OIDC_PROVIDER_ID must be",
        ),
    ],
)
def test_an_incomplete_or_wrong_configuration_stops_the_start(
    env: dict[str, str], message: str
) -> None:
    result = settings_in_subprocess(**env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and message in result.stderr


@pytest.mark.django_db
def test_without_configuration_the_log_in_page_has_no_university_button(client: Client) -> None:
    page = client.get(reverse("login")).content.decode()
    assert "Sign in with" not in page and "/accounts/oidc/" not in page


def configured(settings: Any, url: str = "http://127.0.0.1:9/o") -> None:
    settings.SOCIALACCOUNT_PROVIDERS = Provider(url=url, log=Path()).platform_apps()


@pytest.mark.django_db
def test_with_configuration_the_log_in_page_has_the_button_with_next(
    client: Client, settings: Any
) -> None:
    configured(settings)
    page = client.get(reverse("login") + "?next=/invitations/abc/").content.decode()
    assert "Sign in with Example University" in page
    assert 'action="/accounts/oidc/university/login/' in page
    assert 'login/?next=%2Finvitations%2Fabc%2F"' in page


@pytest.mark.django_db
def test_the_button_is_in_german_too(client: Client, settings: Any) -> None:
    configured(settings)
    page = client.get(reverse("login"), headers={"accept-language": "de"}).content.decode()
    assert "Mit Example University anmelden" in page


@pytest.mark.django_db
def test_the_connections_page_lists_and_offers_the_university(
    participant: User, client: Client, settings: Any
) -> None:
    configured(settings)
    SocialAccount.objects.create(user=participant, provider="university", uid="42")
    client.force_login(participant)
    page = client.get(reverse("socialaccount_connections")).content.decode()
    assert 'id="disconnect-form"' in page and 'id="connect-university"' in page
    profile = client.get(reverse("profile")).content.decode()
    assert 'id="university-accounts"' in profile


def test_the_cancelled_and_error_pages_are_the_houses(client: Client) -> None:
    cancelled = client.get(reverse("socialaccount_login_cancelled"))
    assert 'id="sso-cancelled"' in cancelled.content.decode()


@pytest.mark.django_db
def test_the_sign_up_page_refuses(client: Client) -> None:
    # Without a pending university log-in allauth sends visitors back to log in.
    response = client.get(reverse("socialaccount_signup"))
    assert response.status_code == 302


# --- against the real provider ---------------------------------------------------------------


@pytest.fixture
def university(live_server: Any, tmp_path: Path, settings: Any) -> Iterator[Provider]:
    with running_provider(
        tmp_path, redirect_uri=live_server.url + CALLBACK, users=UNIVERSITY_USERS
    ) as provider:
        settings.SOCIALACCOUNT_PROVIDERS = provider.platform_apps()
        # As platform/settings.py allows the university's origin when OIDC_SERVER_URL is set.
        form_action = [*settings.SECURE_CSP["form-action"], provider.url.removesuffix("/o")]
        settings.SECURE_CSP = {**settings.SECURE_CSP, "form-action": form_action}
        yield provider


def _form_fields(page: str) -> dict[str, str]:
    fields = {}
    for tag in re.findall(r"<input[^>]*>", page):
        name = re.search(r'name="([^"]*)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name:
            fields[name.group(1)] = html.unescape(value.group(1)) if value else ""
    return fields


def university_log_in(
    base: str, username: str, *, next_url: str = "", language: str = "en"
) -> tuple[requests.Session, requests.Response]:
    """Press the button on the platform, log in and consent at the provider, come back; return
    the browser-like session and the platform's last answer."""
    browser = requests.Session()
    browser.headers["Accept-Language"] = language
    browser.get(base + reverse("login"), timeout=30)
    data = {"csrfmiddlewaretoken": browser.cookies["csrftoken"], "process": "login"}
    if next_url:
        data["next"] = next_url
    # The platform sends the browser to the provider, which asks it to log in there.
    login_page = browser.post(base + "/accounts/oidc/university/login/", data=data, timeout=30)
    assert "/login/" in login_page.url, login_page.text
    consent = browser.post(
        login_page.url,
        data={
            **_form_fields(login_page.text),
            "csrfmiddlewaretoken": browser.cookies["provider_csrftoken"],
            "username": username,
            "password": PASSWORD,
        },
        timeout=30,
    )
    assert 'id="authorizationForm"' in consent.text, consent.text
    fields = _form_fields(consent.text)
    fields.pop("allow", None)
    back = browser.post(
        urljoin(consent.url, "."),
        data={**fields, "allow": "Authorize"},
        timeout=30,
    )
    return browser, back


@pytest.mark.servers
@pytest.mark.django_db(transaction=True)
def test_a_verified_university_address_logs_into_the_matching_account(
    live_server: Any, university: Provider
) -> None:
    ada = make_user("ada", first_name="Ada", last_name="Lovelace")
    browser, back = university_log_in(live_server.url, "ada.l", next_url="/accounts/profile/")
    assert back.status_code == 200 and back.url == live_server.url + "/accounts/profile/"
    assert "Your profile" in back.text and "Ada Lovelace" in back.text
    account = SocialAccount.objects.get(user=ada)
    assert account.provider == "university"
    # The university vouched for the address; the password still works.
    assert EmailAddress.objects.get(user=ada, email="ada@example.org").verified
    ada.refresh_from_db()
    assert ada.check_password(PLATFORM_PASSWORD)
    # Later log-ins find the connection itself.
    _again, second = university_log_in(live_server.url, "ada.l")
    assert second.url == live_server.url + "/" and SocialAccount.objects.count() == 1


@pytest.mark.servers
@pytest.mark.django_db(transaction=True)
def test_an_unknown_address_is_refused_and_no_account_is_made(
    live_server: Any, university: Provider
) -> None:
    make_user("ada")
    _browser, back = university_log_in(live_server.url, "stranger")
    assert back.status_code == 403
    assert "No account for this address" in back.text and "stranger@example.org" in back.text
    assert "apply for a" in back.text
    assert not User.objects.filter(email="stranger@example.org").exists()
    assert not SocialAccount.objects.exists()


@pytest.mark.servers
@pytest.mark.django_db(transaction=True)
def test_an_unverified_address_never_connects_even_when_an_account_has_it(
    live_server: Any, university: Provider
) -> None:
    ada = make_user("ada")
    browser, back = university_log_in(live_server.url, "mallory")
    assert back.status_code == 403
    assert "did not confirm your e-mail address" in back.text
    assert not SocialAccount.objects.exists()
    assert browser.get(live_server.url + "/accounts/profile/", timeout=30).url.startswith(
        live_server.url + reverse("login")
    )
    ada.refresh_from_db()
    assert ada.check_password(PLATFORM_PASSWORD)


@pytest.mark.servers
@pytest.mark.django_db(transaction=True)
def test_the_refusal_speaks_german_to_a_german_browser(
    live_server: Any, university: Provider
) -> None:
    _browser, back = university_log_in(live_server.url, "stranger", language="de")
    assert back.status_code == 403
    assert "Kein Konto für diese Adresse" in back.text and "Bewerben Sie sich" in back.text


@pytest.mark.servers
@pytest.mark.django_db(transaction=True)
def test_an_address_two_accounts_share_logs_into_neither(
    live_server: Any, university: Provider
) -> None:
    make_user("ada")
    User.objects.create_user(username="ada2", email="ada@example.org", password=PLATFORM_PASSWORD)
    _browser, back = university_log_in(live_server.url, "ada.l")
    assert back.status_code == 403
    assert "Several accounts have this address" in back.text
    assert not SocialAccount.objects.exists()
