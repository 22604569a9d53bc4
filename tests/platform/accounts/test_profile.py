"""The profile page: names, the legal name certificates print and when it locks, language,
e-mail, API tokens (shown once, expiring, revocable) and active sessions."""

import datetime as dt
import io
from collections.abc import Callable

from allauth.account.models import EmailAddress
from allauth.usersessions.models import UserSession
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from courses.certificates.services import reissue_certificate
from courses.models import Assignment
from platform.models import ApiToken, User
from tests.helpers import PASSWORD, api_client, issue_certificate

ClientFor = Callable[[User | None], Client]
PROFILE = reverse("profile")
CREATE = reverse("profile-token-create")


def save(client: Client, **fields: str) -> object:
    data = {"display_name": "", "legal_name": "", "preferred_language": "", **fields}
    return client.post(PROFILE, data)


# --- the page --------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_log_in(participant: User, client: Client) -> None:
    token, _raw = ApiToken.create_for(participant, name="x")
    revoke = reverse("profile-token-revoke", args=[token.pk])
    for response in (client.get(PROFILE), client.post(CREATE, {"name": "x"}), client.post(revoke)):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    token.refresh_from_db()
    assert token.revoked_at is None


def test_the_page_shows_names_addresses_tokens_and_sessions(
    participant: User, client: Client
) -> None:
    EmailAddress.objects.create(
        user=participant, email="ada@example.org", verified=True, primary=True
    )
    ApiToken.create_for(participant, name="laptop script")
    client.force_login(participant)
    page = client.get(PROFILE).content.decode()
    assert 'id="profile-form"' in page and "ada@example.org" in page
    assert "laptop script" in page and reverse("account_email") in page
    assert 'id="sessions"' in page and reverse("usersessions_list") not in page  # one session only


def test_the_navigation_links_the_profile(participant: User, client: Client) -> None:
    client.force_login(participant)
    assert f'href="{PROFILE}" id="nav-profile"' in client.get(reverse("home")).content.decode()


def test_wrong_methods_are_refused(participant: User, client: Client) -> None:
    client.force_login(participant)
    token, _raw = ApiToken.create_for(participant, name="x")
    assert client.put(PROFILE).status_code == 405
    assert client.get(CREATE).status_code == 405
    assert client.get(reverse("profile-token-revoke", args=[token.pk])).status_code == 405


# --- names and language ----------------------------------------------------------------------


def test_a_participant_sets_display_and_legal_name(participant: User, client: Client) -> None:
    client.force_login(participant)
    response = save(client, display_name="  Ada ", legal_name="Augusta  Ada King")
    assert response.status_code == 302  # type: ignore[attr-defined]
    participant.refresh_from_db()
    assert (participant.display_name, participant.legal_name) == ("Ada", "Augusta Ada King")
    assert participant.full_name == "Ada"
    assert participant.certificate_name == "Augusta Ada King"


def test_certificates_print_the_legal_name_not_the_display_name(
    enrolled: User, assignment: Assignment
) -> None:
    enrolled.display_name, enrolled.legal_name = "Ada", "Augusta Ada King"
    enrolled.save(update_fields=["display_name", "legal_name"])
    certificate = issue_certificate(enrolled, assignment, str(assignment.max_points))
    assert certificate.holder_name == "Augusta Ada King"


def test_without_a_legal_name_certificates_print_the_name_the_platform_uses(
    enrolled: User, assignment: Assignment
) -> None:
    certificate = issue_certificate(enrolled, assignment, str(assignment.max_points))
    assert certificate.holder_name == "Ada Lovelace"


def test_after_a_certificate_the_legal_name_is_no_longer_self_editable(
    enrolled: User, assignment: Assignment, client: Client
) -> None:
    enrolled.legal_name = "Ada Lovelace"
    enrolled.save(update_fields=["legal_name"])
    issue_certificate(enrolled, assignment, str(assignment.max_points))
    client.force_login(enrolled)
    page = client.get(PROFILE).content.decode()
    assert "ask your program&#x27;s coordinator" in page or "ask your program's coordinator" in page
    assert 'name="legal_name"' in page and "disabled" in page.split('name="legal_name"')[1][:200]
    save(client, display_name="Ada L.", legal_name="Someone Else")
    enrolled.refresh_from_db()
    assert (enrolled.display_name, enrolled.legal_name) == ("Ada L.", "Ada Lovelace")


def test_the_coordinators_reissue_changes_the_locked_legal_name(
    enrolled: User, assignment: Assignment, coordinator: User
) -> None:
    certificate = issue_certificate(enrolled, assignment, str(assignment.max_points))
    new = reissue_certificate(actor=coordinator, certificate=certificate, holder_name="A. King")
    enrolled.refresh_from_db()
    assert (new.holder_name, enrolled.legal_name, enrolled.full_name) == (
        "A. King",
        "A. King",
        "Ada Lovelace",
    )


def test_the_preferred_language_is_saved_and_the_pages_switch(
    participant: User, client: Client
) -> None:
    client.force_login(participant)
    response = save(client, display_name="Ada", preferred_language="de")
    participant.refresh_from_db()
    assert participant.preferred_language == "de"
    assert response.cookies["django_language"].value == "de"  # type: ignore[attr-defined]
    page = client.get(PROFILE)
    assert page["Content-Language"] == "de"
    assert "Ihr Profil" in page.content.decode()


def test_a_language_that_is_not_offered_is_refused(participant: User, client: Client) -> None:
    client.force_login(participant)
    response = save(client, preferred_language="fr")
    assert response.status_code == 400  # type: ignore[attr-defined]
    participant.refresh_from_db()
    assert participant.preferred_language == ""


def test_an_overlong_name_is_refused_without_a_partial_write(
    participant: User, client: Client
) -> None:
    client.force_login(participant)
    response = save(client, display_name="Ada", legal_name="x" * 201)
    assert response.status_code == 400  # type: ignore[attr-defined]
    participant.refresh_from_db()
    assert (participant.display_name, participant.legal_name) == ("", "")


# --- API tokens ------------------------------------------------------------------------------


def test_a_new_token_is_shown_once_and_works(participant: User, client: Client) -> None:
    client.force_login(participant)
    response = client.post(CREATE, {"name": "  grading  script ", "expires_in": "30"})
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
    token = ApiToken.objects.get(user=participant)
    raw_key = response.context["raw_key"]
    assert token.name == "grading script" and raw_key.startswith(token.prefix)
    assert raw_key in response.content.decode()
    assert abs(token.expires_at - (timezone.now() + dt.timedelta(days=30))) < dt.timedelta(
        minutes=1
    )
    # Never again: the profile lists the prefix only.
    page = client.get(PROFILE).content.decode()
    assert token.prefix in page and raw_key not in page
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw_key}")
    assert api.get("/api/v1/certificates/").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_a_token_without_a_name_or_with_a_made_up_expiry_is_refused(
    participant: User, client: Client
) -> None:
    client.force_login(participant)
    assert client.post(CREATE, {"name": "   ", "expires_in": "30"}).status_code == 400
    assert client.post(CREATE, {"name": "x", "expires_in": "99999"}).status_code == 400
    assert client.post(CREATE, {"name": "x" * 101, "expires_in": "30"}).status_code == 400
    assert not ApiToken.objects.exists()


def test_tokens_are_capped(participant: User, client: Client) -> None:
    for n in range(20):
        ApiToken.create_for(participant, name=f"t{n}")
    client.force_login(participant)
    response = client.post(CREATE, {"name": "one more", "expires_in": "30"})
    assert response.status_code == 400
    assert "too many tokens" in response.content.decode()
    assert ApiToken.objects.count() == 20


def test_revoking_a_token_stops_it(participant: User, client: Client) -> None:
    token, raw_key = ApiToken.create_for(participant, name="old")
    client.force_login(participant)
    response = client.post(reverse("profile-token-revoke", args=[token.pk]))
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw_key}")
    assert api.get("/api/v1/certificates/").status_code == 401


def test_another_persons_token_cannot_be_revoked(
    participant: User, other_participant: User, client: Client
) -> None:
    token, _raw = ApiToken.create_for(other_participant, name="theirs")
    client.force_login(participant)
    assert client.post(reverse("profile-token-revoke", args=[token.pk])).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_an_expired_token_is_refused_by_the_api(participant: User) -> None:
    token, raw_key = ApiToken.create_for(participant, name="old")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw_key}")
    assert api.get("/api/v1/certificates/").status_code == 200
    token.expires_at = timezone.now() - dt.timedelta(seconds=1)
    token.save(update_fields=["expires_at"])
    response = api.get("/api/v1/certificates/")
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


def test_tokens_expire_after_180_days_by_default(participant: User) -> None:
    token, _raw = ApiToken.create_for(participant, name="default")
    assert token.expires_at is not None
    left = token.expires_at - timezone.now()
    assert dt.timedelta(days=179) < left <= dt.timedelta(days=180)


# --- sessions --------------------------------------------------------------------------------


def log_in(client: Client, user: User) -> None:
    response = client.post(reverse("login"), {"login": user.username, "password": PASSWORD})
    assert response.status_code == 302


def test_the_other_sessions_are_listed_and_can_be_ended(participant: User) -> None:
    laptop, phone = Client(HTTP_USER_AGENT="Laptop browser"), Client(HTTP_USER_AGENT="Phone")
    log_in(laptop, participant)
    log_in(phone, participant)
    assert UserSession.objects.filter(user=participant).count() == 2
    page = laptop.get(PROFILE).content.decode()
    assert "Laptop browser" in page and "Phone" in page
    assert 'id="end-other-sessions"' in page
    assert laptop.post(reverse("usersessions_list")).status_code == 302
    assert UserSession.objects.filter(user=participant).count() == 1
    assert phone.get(PROFILE).status_code == 302  # logged out
    assert laptop.get(PROFILE).status_code == 200


def test_the_command_makes_tokens_that_expire(participant: User) -> None:
    out = io.StringIO()
    call_command("create_api_token", "ada", "--name", "cron", "--days", "7", stdout=out)
    token = ApiToken.objects.get(user=participant, name="cron")
    assert out.getvalue().strip().startswith(token.prefix)
    assert token.expires_at is not None
    assert dt.timedelta(days=6) < token.expires_at - timezone.now() <= dt.timedelta(days=7)


def test_the_token_list_costs_the_same_queries_however_many_tokens(
    participant: User, client: Client
) -> None:
    client.force_login(participant)
    ApiToken.create_for(participant, name="first")
    with CaptureQueriesContext(connection) as one:
        client.get(PROFILE)
    for n in range(10):
        ApiToken.create_for(participant, name=f"t{n}")
    with CaptureQueriesContext(connection) as eleven:
        page = client.get(PROFILE)
    assert page.content.decode().count("data-token=") == 11
    assert len(eleven) == len(one)


def test_a_read_only_token_reads_but_never_writes(participant: User, client: Client) -> None:
    client.force_login(participant)
    response = client.post(CREATE, {"name": "dashboard", "expires_in": "90", "read_only": "on"})
    token = ApiToken.objects.get(user=participant)
    assert token.read_only and "It can only read." in response.content.decode()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {response.context['raw_key']}")
    assert api.get("/api/v1/certificates/").status_code == 200
    refused = api.post("/api/v1/certificates/", {}, format="json")
    assert refused.status_code == 403 and refused.json()["detail"] == "This token may only read."
    assert "read only" in client.get(PROFILE).content.decode()
    # A token that may write gets past authentication (this list has no POST at all).
    writer = api_client(participant)
    assert writer.post("/api/v1/certificates/", {}, format="json").status_code == 405
