"""A cohort run for a client organisation: the contact person's read-only report, with
individual results only for participants who agreed (docs/client-reports.md)."""

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils import timezone

from courses.models import Cohort, Enrollment, Module
from courses.sessions import services
from platform.models import User
from tests.helpers import make_user


def client_cohort(cohort: Cohort, contact: User) -> Cohort:
    cohort.client_organisation = "Acme Robotics"
    cohort.client_contact = contact
    cohort.save(update_fields=["client_organisation", "client_contact"])
    return cohort


def test_the_contact_reads_figures_and_only_consenting_participants_results(
    client_for: Any,
    cohort: Cohort,
    module: Module,
    instructor: User,
    enrolled: User,
    other_enrolled: User,
) -> None:
    contact = make_user("carla", first_name="Carla", last_name="Client")
    client_cohort(cohort, contact)
    plan = services.SessionPlan(
        module=module,
        date=timezone.localdate() - dt.timedelta(days=1),
        start=dt.time(9),
        end=dt.time(10),
        time_zone="Europe/Berlin",
        place="Room 1",
    )
    session = services.save_session(actor=instructor, cohort=cohort, plan=plan)
    ada = Enrollment.objects.get(user=enrolled)
    grace = Enrollment.objects.get(user=other_enrolled)
    services.record_attendance(
        actor=instructor, session=session, marks={ada.pk: "present", grace.pk: "absent"}
    )
    # Ada agrees on her program page; Grace does not.
    participant = client_for(enrolled)
    consent = reverse("clients:consent", args=[cohort.program.slug])
    page = participant.get(reverse("courses:program", args=[cohort.program.slug])).content.decode()
    assert "This cohort runs for Acme Robotics." in page
    assert participant.post(consent, {"agreed": "1"}).status_code == 302
    ada.refresh_from_db()
    assert ada.shares_results_with_client

    report = client_for(contact).get(reverse("clients:report", args=[cohort.pk]))
    assert report.status_code == 200
    body = report.content.decode()
    assert "50.0 %" in body  # 1 present of 2 counted
    assert "Ada Lovelace" in body
    assert "Grace Hopper" not in body
    assert "1 participant has not agreed" in body
    # Withdrawn: Ada is no longer shown either.
    participant.post(consent, {"agreed": "0"})
    assert (
        "Ada Lovelace"
        not in client_for(contact).get(reverse("clients:report", args=[cohort.pk])).content.decode()
    )
    assert (
        "Reports for my organisation" in client_for(contact).get(reverse("home")).content.decode()
    )


def test_nobody_else_reads_the_report(
    client: Any,
    client_for: Any,
    cohort: Cohort,
    enrolled: User,
    other_instructor: User,
    program_coordinator: User,
) -> None:
    contact = make_user("carla")
    client_cohort(cohort, contact)
    url = reverse("clients:report", args=[cohort.pk])
    assert client.get(url).status_code == 302
    for user in (enrolled, other_instructor, make_user("stranger")):
        assert client_for(user).get(url).status_code == 404
    assert client_for(program_coordinator).get(url).status_code == 200
    assert client_for(contact).post(url).status_code == 405


def test_consent_needs_a_client_cohort(client_for: Any, cohort: Cohort, enrolled: User) -> None:
    response = client_for(enrolled).post(
        reverse("clients:consent", args=[cohort.program.slug]), {"agreed": "1"}, follow=True
    )
    assert "does not belong to a client organisation" in response.content.decode()
    assert not Enrollment.objects.get(user=enrolled).shares_results_with_client


def test_the_cohort_form_names_the_client_and_its_contact(
    client_for: Any, coordinator: User, cohort: Cohort
) -> None:
    contact = make_user("carla")
    url = reverse("setup:cohort", args=[cohort.pk])
    client = client_for(coordinator)
    form = {
        "name": cohort.name,
        "starts_on": cohort.starts_on.isoformat(),
        "ends_on": cohort.ends_on.isoformat(),
        "instructors_text": "ines@example.org",
        "fee": "0",
        "client_organisation": "Acme Robotics",
        "client_contact_email": "nobody@example.org",
    }
    assert client.post(url, form).status_code == 400
    cohort.refresh_from_db()
    assert cohort.client_contact is None
    assert client.post(url, {**form, "client_contact_email": contact.email}).status_code == 302
    cohort.refresh_from_db()
    assert (cohort.client_organisation, cohort.client_contact) == ("Acme Robotics", contact)
