"""The coordinators' enrolment pages: the cohort's participants, one person's place and its
actions (state, fee, invitation), direct enrolment; who may see them; the home page's links."""

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from courses.enrolment import services
from courses.models import Cohort, Enrollment, EnrollmentEvent
from platform.models import OutgoingMail, User


@pytest.fixture
def coordinator_client(client_for: Any, program_coordinator: User) -> Client:
    client: Client = client_for(program_coordinator)
    return client


@pytest.fixture
def invited(cohort: Cohort, program_coordinator: User) -> services.Invited:
    return services.invite(
        cohort=cohort,
        email="nora@example.org",
        full_name="Nora New",
        organisation="Acme",
        language="de",
        invited_by=program_coordinator,
    )


def cohort_url(cohort: Cohort) -> str:
    return reverse("enrolment:cohort", args=[cohort.pk])


def person_url(enrollment: Enrollment, name: str = "person") -> str:
    return reverse(f"enrolment:{name}", args=[enrollment.cohort_id, enrollment.pk])


def test_the_cohort_page_lists_states_fees_invitations_organisation_and_language(
    coordinator_client: Client,
    cohort: Cohort,
    enrolled: User,
    invited: services.Invited,
    django_assert_max_num_queries: Any,
) -> None:
    cohort.fee = Decimal("300")
    cohort.save(update_fields=["fee"])
    for i in range(5):
        services.invite(cohort=cohort, email=f"p{i}@example.org", full_name=f"P {i}")
    with django_assert_max_num_queries(12):
        response = coordinator_client.get(cohort_url(cohort))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Nora New" in body and "Acme" in body and "German" in body
    assert 'data-state="invited"' in body and 'data-state="active"' in body
    assert 'data-fee="waived"' in body
    assert "sent " in body and "expires" in body
    filtered = coordinator_client.get(cohort_url(cohort), {"status": "active"}).content.decode()
    assert "Ada" in filtered and "Nora New" not in filtered


def test_a_cohort_without_fee_shows_no_fee_column(
    coordinator_client: Client, cohort: Cohort, enrolled: User
) -> None:
    assert "data-fee" not in coordinator_client.get(cohort_url(cohort)).content.decode()


def test_direct_enrolment_invites_one_person(
    coordinator_client: Client, cohort: Cohort, program_coordinator: User
) -> None:
    response = coordinator_client.post(
        reverse("enrolment:direct", args=[cohort.pk]),
        {"name": "Otto Neu", "email": "otto@example.org", "language": "de", "organisation": "X"},
    )
    assert response.status_code == 302
    enrollment = Enrollment.objects.get(user__email="otto@example.org")
    assert enrollment.status == "invited"
    assert enrollment.invitations.get().created_by == program_coordinator
    assert OutgoingMail.objects.filter(to="otto@example.org").exists()


def test_direct_enrolment_refuses_bad_input_and_active_participants(
    coordinator_client: Client, cohort: Cohort, enrolled: User
) -> None:
    url = reverse("enrolment:direct", args=[cohort.pk])
    bad = coordinator_client.post(url, {"name": "", "email": "nope", "language": "xx"})
    assert bad.status_code == 400
    assert 'id="direct-form"' in bad.content.decode()
    again = coordinator_client.post(url, {"name": "Ada", "email": enrolled.email})
    assert again.status_code == 400
    assert "already has a place" in again.content.decode()
    assert not User.objects.filter(email="nope").exists()


def test_the_person_page_changes_state_with_history(
    coordinator_client: Client, enrolled: User, program_coordinator: User
) -> None:
    enrollment = enrolled.enrollments.get()
    assert coordinator_client.get(person_url(enrollment)).status_code == 200
    status_url = person_url(enrollment, "status")
    assert coordinator_client.post(status_url, {"action": "pause"}).status_code == 302
    enrollment.refresh_from_db()
    assert enrollment.status == "paused"
    assert enrollment.status_changed_by == program_coordinator
    # A withdrawal without a reason is refused; with one, it is recorded.
    refused = coordinator_client.post(status_url, {"action": "withdraw", "reason": ""})
    assert refused.status_code == 400
    assert "needs a reason" in refused.content.decode()
    coordinator_client.post(status_url, {"action": "withdraw", "reason": "Moved abroad"})
    enrollment.refresh_from_db()
    assert (enrollment.status, enrollment.status_reason) == ("withdrawn", "Moved abroad")
    page = coordinator_client.get(person_url(enrollment)).content.decode()
    assert "Moved abroad" in page and "Paula" in page
    # Not allowed from withdrawn: 409 with the reason, nothing changes.
    conflict = coordinator_client.post(status_url, {"action": "resume"})
    assert conflict.status_code == 409
    assert Enrollment.objects.get(pk=enrollment.pk).status == "withdrawn"
    assert EnrollmentEvent.objects.filter(enrollment=enrollment, kind="status").count() == 2


def test_fee_resend_and_revoke_from_the_person_page(
    coordinator_client: Client, invited: services.Invited, cohort: Cohort
) -> None:
    cohort.fee = Decimal("99")
    cohort.save(update_fields=["fee"])
    enrollment = invited.enrollment
    assert (
        coordinator_client.post(person_url(enrollment, "fee"), {"fee_status": "paid"}).status_code
        == 302
    )
    assert Enrollment.objects.get(pk=enrollment.pk).fee_status == "paid"
    assert (
        coordinator_client.post(person_url(enrollment, "fee"), {"fee_status": "x"}).status_code
        == 400
    )
    assert coordinator_client.post(person_url(enrollment, "resend")).status_code == 302
    assert services.usable_invitation(invited.token) is None
    assert enrollment.invitations.count() == 2
    assert coordinator_client.post(person_url(enrollment, "revoke")).status_code == 302
    assert not enrollment.invitations.usable().exists()
    assert coordinator_client.post(person_url(enrollment, "revoke")).status_code == 409


def test_an_active_person_gets_no_new_invitation(
    coordinator_client: Client, enrolled: User
) -> None:
    response = coordinator_client.post(person_url(enrolled.enrollments.get(), "resend"))
    assert response.status_code == 409


@pytest.mark.parametrize("who", ["participant", "instructor", "foreign"])
def test_anyone_but_the_programs_coordinators_gets_404(
    who: str,
    client_for: Any,
    cohort: Cohort,
    enrolled: User,
    instructor: User,
    foreign_coordinator: User,
) -> None:
    user = {"participant": enrolled, "instructor": instructor, "foreign": foreign_coordinator}[who]
    client = client_for(user)
    enrollment = enrolled.enrollments.get()
    assert client.get(cohort_url(cohort)).status_code == 404
    assert client.get(person_url(enrollment)).status_code == 404
    for name in ("status", "fee", "resend", "revoke"):
        assert client.post(person_url(enrollment, name), {"action": "pause"}).status_code == 404
    assert (
        client.post(
            reverse("enrolment:direct", args=[cohort.pk]), {"name": "X", "email": "x@example.org"}
        ).status_code
        == 404
    )
    assert Enrollment.objects.get(pk=enrollment.pk).status == "active"


def test_anonymous_visitors_are_sent_to_log_in(client: Client, cohort: Cohort) -> None:
    response = client.get(cohort_url(cohort))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_an_enrolment_of_another_cohort_is_a_404_here(
    coordinator_client: Client, cohort: Cohort, sibling_cohort: Cohort, enrolled: User
) -> None:
    enrollment = enrolled.enrollments.get()
    assert (
        coordinator_client.get(
            reverse("enrolment:person", args=[sibling_cohort.pk, enrollment.pk])
        ).status_code
        == 404
    )


def test_wrong_methods_are_405(coordinator_client: Client, cohort: Cohort, enrolled: User) -> None:
    enrollment = enrolled.enrollments.get()
    assert coordinator_client.post(cohort_url(cohort)).status_code == 405
    assert coordinator_client.get(person_url(enrollment, "status")).status_code == 405
    assert (
        coordinator_client.get(reverse("enrolment:bulk-confirm", args=[cohort.pk])).status_code
        == 405
    )


def test_the_home_page_links_each_coordinated_cohort(
    coordinator_client: Client, cohort: Cohort
) -> None:
    body = coordinator_client.get(reverse("home")).content.decode()
    assert cohort_url(cohort) in body
    assert reverse("enrolment:bulk", args=[cohort.pk]) in body


@pytest.mark.parametrize(
    ("state", "buttons"),
    [
        ("invited", {"withdraw"}),
        ("active", {"pause", "complete", "withdraw"}),
        ("paused", {"resume", "withdraw"}),
        ("withdrawn", set()),
        ("completed", {"resume"}),
    ],
)
def test_the_person_page_offers_only_the_allowed_moves(
    state: str, buttons: set[str], coordinator_client: Client, enrolled: User
) -> None:
    import re

    Enrollment.objects.filter(user=enrolled).update(status=state)
    body = coordinator_client.get(person_url(enrolled.enrollments.get())).content.decode()
    assert set(re.findall(r'name="action"\s+value="(\w+)"', body)) == buttons
    assert ('id="resend-form"' in body) == (state == "invited")


def test_the_filter_answers_htmx_with_the_table_only(
    coordinator_client: Client, cohort: Cohort, enrolled: User
) -> None:
    response = coordinator_client.get(
        cohort_url(cohort), {"status": "paused"}, HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<div class="table-scroll" id="enrolments-region"')
    assert "Ada" not in body and "<html" not in body
