"""The invitation link: showing it, setting a password, logging in to accept, every bad link, the
wrong account, single use, and the fee that must be paid before a place is final."""

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from courses.enrolment import services
from courses.models import Cohort, Enrollment, FeeRequirement, Invitation
from platform.models import OutgoingMail, User
from tests.helpers import PASSWORD, make_user

NEW_PASSWORD = "a long enough passphrase 42"


@pytest.fixture
def invited(cohort: Cohort, coordinator: User) -> services.Invited:
    return services.invite(
        cohort=cohort,
        email="Nora.New@example.org",
        full_name="Nora  New",
        language="de",
        organisation="Acme GmbH",
        invited_by=coordinator,
    )


def url(token: str) -> str:
    return reverse("enrolment:accept", args=[token])


def set_password(client: Client, token: str, password: str = NEW_PASSWORD) -> Any:
    return client.post(url(token), {"new_password1": password, "new_password2": password})


def test_inviting_creates_an_account_without_password_and_queues_the_mail(
    invited: services.Invited, mailoutbox: Any
) -> None:
    user = invited.enrollment.user
    assert invited.created_account
    assert not user.has_usable_password()
    assert (user.display_name, user.preferred_language, user.organisation) == (
        "Nora New",
        "de",
        "Acme GmbH",
    )
    assert invited.enrollment.status == Enrollment.Status.INVITED
    mail = OutgoingMail.objects.get(to="Nora.New@example.org")
    assert invited.token in mail.body
    assert mail.body.startswith("Guten Tag Nora New")  # in the language asked for
    assert "Passwort" in mail.body
    # Only the hash of the token is stored.
    assert not Invitation.objects.filter(token_hash=invited.token).exists()


def test_the_page_shows_the_program_and_a_password_form(
    client: Client, invited: services.Invited
) -> None:
    response = client.get(url(invited.token))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Machine Learning in Data Science" in body
    assert "2026/27" in body
    assert 'id="set-password-form"' in body
    assert 'id="sso"' not in body  # single sign-on is not configured


def test_setting_a_password_accepts_logs_in_verifies_the_address_and_lands_on_the_program(
    client: Client, invited: services.Invited
) -> None:
    response = set_password(client, invited.token)
    assert response.status_code == 302
    assert response["Location"] == reverse("courses:program", args=["ml-data-science"])
    enrollment = Enrollment.objects.get(pk=invited.enrollment.pk)
    assert enrollment.status == Enrollment.Status.ACTIVE
    assert enrollment.status_changed_by == enrollment.user
    user = User.objects.get(pk=enrollment.user_id)
    assert user.check_password(NEW_PASSWORD)
    assert Invitation.objects.get(pk=invited.invitation.pk).accepted_at is not None
    address = EmailAddress.objects.get(user=user)
    assert address.verified and address.primary
    assert address.email == "Nora.New@example.org"
    # Logged in: the program page opens.
    assert client.get(response["Location"]).status_code == 200


def test_a_weak_or_mismatched_password_is_refused_by_django_validators(
    client: Client, invited: services.Invited
) -> None:
    weak = set_password(client, invited.token, "123")
    assert weak.status_code == 400
    assert 'id="set-password-form"' in weak.content.decode()
    mismatched = client.post(
        url(invited.token), {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD + "x"}
    )
    assert mismatched.status_code == 400
    assert Enrollment.objects.get(pk=invited.enrollment.pk).status == Enrollment.Status.INVITED
    assert not User.objects.get(pk=invited.enrollment.user_id).has_usable_password()


@pytest.mark.parametrize("state", ["used", "expired", "revoked", "unknown", "replaced"])
def test_a_bad_link_gets_a_clear_page_without_details(
    client: Client, invited: services.Invited, cohort: Cohort, state: str
) -> None:
    token = invited.token
    invitation = invited.invitation
    if state == "used":
        set_password(Client(), token)
    elif state == "expired":
        invitation.expires_at = timezone.now() - dt.timedelta(seconds=1)
        invitation.save(update_fields=["expires_at"])
    elif state == "revoked":
        services.revoke_invitation(enrollment=invited.enrollment, by=invited.enrollment.user)
    elif state == "unknown":
        token = "no-such-token"
    elif state == "replaced":
        services.resend_invitation(enrollment=invited.enrollment, by=invited.enrollment.user)
    for response in (client.get(url(token)), set_password(client, token)):
        assert response.status_code == 404
        body = response.content.decode()
        assert "ask your coordinator for a new link" in body
        assert "Nora" not in body and "Machine Learning" not in body


def test_a_link_is_single_use_even_when_sent_twice(
    client: Client, invited: services.Invited
) -> None:
    assert set_password(client, invited.token).status_code == 302
    again = Client()
    assert set_password(again, invited.token, "another long passphrase 7").status_code == 404
    assert User.objects.get(pk=invited.enrollment.user_id).check_password(NEW_PASSWORD)
    with pytest.raises(services.InvitationUnusable):
        services.accept_invitation(token=invited.token, user=invited.enrollment.user)


def test_accepting_locks_the_invitation_row(
    invited: services.Invited, django_assert_num_queries: Any, monkeypatch: Any
) -> None:
    """Two clicks at once: the second waits for the first's lock and then finds the link used
    (``select_for_update``; SQLite serialises writers through its IMMEDIATE transactions)."""
    seen: list[bool] = []
    original = Invitation.objects.select_for_update

    def spy(*args: Any, **kwargs: Any) -> Any:
        seen.append(True)
        return original(*args, **kwargs)

    monkeypatch.setattr(Invitation.objects, "select_for_update", spy)
    services.accept_invitation(token=invited.token, user=invited.enrollment.user)
    assert seen


def test_a_person_with_a_password_is_asked_to_log_in_and_then_accepts_with_one_button(
    client: Client, participant: User, cohort: Cohort
) -> None:
    invited = services.invite(cohort=cohort, email=participant.email)
    assert not invited.created_account
    page = client.get(url(invited.token)).content.decode()
    assert 'id="log-in-to-accept"' in page
    assert "?next=" + url(invited.token).replace("/", "%2F") in page
    assert 'id="set-password-form"' not in page
    # Posting a password as a stranger does not set one.
    assert set_password(client, invited.token).status_code == 400
    assert User.objects.get(pk=participant.pk).check_password(PASSWORD)
    client.force_login(participant)
    assert 'id="accept-form"' in client.get(url(invited.token)).content.decode()
    response = client.post(url(invited.token))
    assert response.status_code == 302
    assert Enrollment.objects.get(pk=invited.enrollment.pk).status == Enrollment.Status.ACTIVE


def test_a_link_opened_by_someone_else_is_refused(
    client: Client, invited: services.Invited, other_participant: User
) -> None:
    client.force_login(other_participant)
    response = client.get(url(invited.token))
    assert response.status_code == 403
    assert 'id="wrong-account"' in response.content.decode()
    assert client.post(url(invited.token)).status_code == 403
    assert Enrollment.objects.get(pk=invited.enrollment.pk).status == Enrollment.Status.INVITED
    with pytest.raises(services.InvitationUnusable):
        services.accept_invitation(token=invited.token, user=other_participant)


def test_single_sign_on_offers_the_university_log_in_when_configured(
    client: Client, invited: services.Invited, settings: Any
) -> None:
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {"APPS": [{"provider_id": "uni", "name": "University"}]}
    }
    body = client.get(url(invited.token)).content.decode()
    assert 'id="sso"' in body
    assert "/accounts/oidc/uni/login/?process=login&amp;next=%2Finvitations%2F" in body


def test_single_sign_on_is_left_out_when_no_university_is_configured(
    client: Client, invited: services.Invited, settings: Any
) -> None:
    settings.SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"APPS": []}}
    assert 'id="sso"' not in client.get(url(invited.token)).content.decode()


def test_a_fee_required_for_admission_keeps_the_place_invited_until_paid(
    client: Client, invited: services.Invited, cohort: Cohort, coordinator: User
) -> None:
    cohort.fee = Decimal("450.00")
    cohort.save(update_fields=["fee"])
    cohort.program.fee_required = FeeRequirement.ADMISSION
    cohort.program.save(update_fields=["fee_required"])
    Enrollment.objects.filter(pk=invited.enrollment.pk).update(fee_status="open")
    assert 'id="fee-first"' in client.get(url(invited.token)).content.decode()
    response = set_password(client, invited.token)
    assert response.status_code == 200
    assert "becomes final once the fee" in response.content.decode()
    enrollment = Enrollment.objects.get(pk=invited.enrollment.pk)
    assert enrollment.status == Enrollment.Status.INVITED
    # No access yet: the program page is a 404.
    assert client.get(reverse("courses:program", args=["ml-data-science"])).status_code == 404
    services.set_fee_status(enrollment=enrollment, fee_status="paid", by=coordinator)
    enrollment.refresh_from_db()
    assert enrollment.status == Enrollment.Status.ACTIVE
    assert enrollment.status_changed_by == coordinator
    assert client.get(reverse("courses:program", args=["ml-data-science"])).status_code == 200


def test_a_waived_fee_before_accepting_makes_the_acceptance_final(
    client: Client, invited: services.Invited, cohort: Cohort, coordinator: User
) -> None:
    cohort.fee = Decimal("450.00")
    cohort.save(update_fields=["fee"])
    cohort.program.fee_required = FeeRequirement.ADMISSION
    cohort.program.save(update_fields=["fee_required"])
    Enrollment.objects.filter(pk=invited.enrollment.pk).update(fee_status="open")
    services.set_fee_status(enrollment=invited.enrollment, fee_status="waived", by=coordinator)
    # Not accepted yet: the fee alone does not make the place active.
    assert Enrollment.objects.get(pk=invited.enrollment.pk).status == Enrollment.Status.INVITED
    assert set_password(client, invited.token).status_code == 302
    assert Enrollment.objects.get(pk=invited.enrollment.pk).status == Enrollment.Status.ACTIVE


def test_a_new_cohort_fee_opens_the_fee_and_a_free_cohort_waives_it(
    cohort: Cohort, sibling_cohort: Cohort
) -> None:
    sibling_cohort.fee = Decimal("100")
    sibling_cohort.save(update_fields=["fee"])
    paid = services.invite(cohort=sibling_cohort, email="p@example.org")
    free = services.invite(cohort=cohort, email="f@example.org")
    assert paid.enrollment.fee_status == "open"
    assert free.enrollment.fee_status == "waived"


def test_inviting_someone_active_is_refused_and_a_withdrawn_person_is_invited_anew(
    enrolled: User, cohort: Cohort, coordinator: User
) -> None:
    with pytest.raises(services.AlreadyEnrolled):
        services.invite(cohort=cohort, email=enrolled.email.upper())
    enrollment = enrolled.enrollments.get()
    services.change_status(enrollment=enrollment, to="withdrawn", by=coordinator, reason="moved")
    again = services.invite(cohort=cohort, email=enrolled.email, invited_by=coordinator)
    assert again.enrollment.pk == enrollment.pk
    assert again.enrollment.status == Enrollment.Status.INVITED


def test_inviting_an_invited_person_again_sends_a_new_link_and_kills_the_old(
    invited: services.Invited, cohort: Cohort
) -> None:
    again = services.invite(cohort=cohort, email="nora.new@example.org")
    assert again.enrollment.pk == invited.enrollment.pk
    assert services.usable_invitation(invited.token) is None
    assert services.usable_invitation(again.token) is not None


def test_an_account_of_another_letter_case_is_found(participant: User, cohort: Cohort) -> None:
    invited = services.invite(cohort=cohort, email=participant.email.upper())
    assert invited.enrollment.user == participant
    assert not invited.created_account


def test_usernames_of_new_accounts_do_not_collide(cohort: Cohort) -> None:
    make_user("nora")
    invited = services.invite(cohort=cohort, email="nora@example.net")
    assert invited.enrollment.user.username == "nora2"


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_acceptances_succeed_once(cohort: Cohort) -> None:
    """Two requests with the same link at the same moment (a double click, two tabs): one
    accepts, the other finds the link used; the password is set once."""
    import threading

    from django.db import connection

    invited = services.invite(cohort=cohort, email="race@example.org", full_name="Race")
    user = invited.enrollment.user
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def accept(password: str) -> None:
        try:
            start.wait()
            services.accept_invitation(
                token=invited.token, user=User.objects.get(pk=user.pk), password=password
            )
            outcomes.append(password)
        except services.InvitationUnusable:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [
        threading.Thread(target=accept, args=(p,)) for p in ("first passphrase 1", "second pass 2")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert outcomes.count("refused") == 1
    winner = next(o for o in outcomes if o != "refused")
    assert User.objects.get(pk=user.pk).check_password(winner)
    assert Invitation.objects.get(pk=invited.invitation.pk).accepted_at is not None
    assert invited.enrollment.events.filter(new="accepted").count() == 1


def test_the_invitation_page_speaks_german(client: Client, invited: services.Invited) -> None:
    client.cookies["django_language"] = "de"
    body = client.get(url(invited.token), HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Ihr Platz in Machine Learning in Data Science" in body
    assert "Passwort setzen und annehmen" in body
    gone = client.get(url("no-such-token"), HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Bitte wenden Sie sich für einen neuen Link an Ihre Koordination." in gone


def test_a_deactivated_account_is_not_opened_by_its_link(
    client: Client, invited: services.Invited
) -> None:
    User.objects.filter(pk=invited.enrollment.user_id).update(is_active=False)
    assert set_password(client, invited.token).status_code == 404
    assert "_auth_user_id" not in client.session
    assert Enrollment.objects.get(pk=invited.enrollment.pk).status == Enrollment.Status.INVITED
