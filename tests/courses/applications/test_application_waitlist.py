"""The wait list: its order, offers of freed places, accepting, declining, expiry (the
periodic job)."""

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from courses.applications import links, services
from courses.enrolment.services import change_status
from courses.models import Application, Cohort, Enrollment
from platform.models import ScheduledJob, User
from platform.schedule import run_due_jobs

Status = Application.Status


def decide(application: Application, decision: str, actor: User) -> Application:
    return services.decide(
        application=application,
        decision=services.Decision(decision),
        message=f"{decision} message",
        actor=actor,
    )


@pytest.fixture
def full_with_waitlist(apply_for: Any, coordinator: User) -> dict[str, Application]:
    """Two admitted (the cohort is full), three wait-listed in confirmation order."""
    people = {name: apply_for(f"{name} Person") for name in ("ann", "ben", "cid", "dan", "eve")}
    decide(people["ann"], "admit", coordinator)
    decide(people["ben"], "admit", coordinator)
    for name in ("eve", "cid", "dan"):  # wait-listed in another order than they confirmed
        decide(people[name], "waitlist", coordinator)
    for application in people.values():
        application.refresh_from_db()
    return people


def names(cohort: Cohort) -> list[str]:
    return [a.full_name.split()[0] for a in services.waitlist(cohort)]


def test_the_wait_list_is_ordered_by_confirmation_time(
    full_with_waitlist: dict[str, Application], open_cohort: Cohort
) -> None:
    assert names(open_cohort) == ["cid", "dan", "eve"]
    assert [a.waitlist_position for a in services.waitlist(open_cohort)] == [1, 2, 3]


def test_a_coordinator_moves_someone_up(
    client_for: Any,
    coordinator: User,
    full_with_waitlist: dict[str, Application],
    open_cohort: Cohort,
) -> None:
    eve = full_with_waitlist["eve"]
    url = reverse("applications:move", args=[open_cohort.pk, eve.pk])
    assert client_for(coordinator).post(url, {"direction": "up"}).status_code == 302
    assert names(open_cohort) == ["cid", "eve", "dan"]
    client_for(coordinator).post(url, {"direction": "up"})
    client_for(coordinator).post(url, {"direction": "up"})  # already first: stays
    assert names(open_cohort) == ["eve", "cid", "dan"]


def test_nothing_is_offered_while_the_cohort_is_full(
    full_with_waitlist: dict[str, Application], open_cohort: Cohort
) -> None:
    assert services.offer_freed_places(open_cohort) == []


def test_a_withdrawal_offers_the_place_to_the_next_once(
    full_with_waitlist: dict[str, Application],
    open_cohort: Cohort,
    django_capture_on_commit_callbacks: Any,
) -> None:
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.withdraw(application=full_with_waitlist["ann"])
    cid = Application.objects.get(pk=full_with_waitlist["cid"].pk)
    assert cid.status == Status.OFFERED
    expected = timezone.now() + dt.timedelta(days=open_cohort.program.offer_response_days)
    assert cid.offer_expires_at is not None
    assert abs((cid.offer_expires_at - expected).total_seconds()) < 60
    offer = next(m for m in mail.outbox if m.to == [cid.email])
    assert "/offer/accept/" in offer.body and "/offer/decline/" in offer.body
    # Idempotent: the offer holds the place.
    assert services.offer_freed_places(open_cohort) == []
    assert services.places_left(open_cohort) == 0


def test_a_coordinator_withdrawing_a_participant_offers_the_place_to_the_wait_list(
    full_with_waitlist: dict[str, Application], open_cohort: Cohort, coordinator: User
) -> None:
    ann = Application.objects.get(pk=full_with_waitlist["ann"].pk)
    assert ann.enrollment is not None
    change_status(
        enrollment=ann.enrollment,
        to=Enrollment.Status.WITHDRAWN,
        by=coordinator,
        reason="Moved away.",
    )
    assert Application.objects.get(pk=full_with_waitlist["cid"].pk).status == Status.OFFERED
    assert Application.objects.get(pk=full_with_waitlist["dan"].pk).status == Status.WAITLISTED


def test_an_admitted_applicant_withdrawing_withdraws_the_place_through_its_history(
    full_with_waitlist: dict[str, Application], open_cohort: Cohort
) -> None:
    services.withdraw(application=full_with_waitlist["ann"])
    enrollment = Enrollment.objects.get(application=full_with_waitlist["ann"])
    assert enrollment.status == Enrollment.Status.WITHDRAWN
    assert not enrollment.invitations.usable().exists()
    assert enrollment.events.filter(new=Enrollment.Status.WITHDRAWN).exists()


def test_raising_the_capacity_offers_as_many_places_as_are_free(
    full_with_waitlist: dict[str, Application], open_cohort: Cohort
) -> None:
    open_cohort.capacity = 4
    open_cohort.save(update_fields=["capacity"])
    offers = services.offer_freed_places(open_cohort)
    assert [a.full_name.split()[0] for a in offers] == ["cid", "dan"]
    assert names(open_cohort) == ["eve"]


def test_accepting_the_offer_admits_and_invites(
    client: Client,
    full_with_waitlist: dict[str, Application],
    open_cohort: Cohort,
    django_capture_on_commit_callbacks: Any,
) -> None:
    services.withdraw(application=full_with_waitlist["ann"])
    cid = full_with_waitlist["cid"]
    url = reverse("applications:offer-accept", args=[links.status_token(cid)])
    assert "Yes, I accept" in client.get(url).content.decode()
    cid.refresh_from_db()
    assert cid.status == Status.OFFERED  # the link alone does nothing
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    assert response.status_code == 302
    cid.refresh_from_db()
    assert cid.status == Status.ADMITTED
    assert cid.enrollment is not None and cid.enrollment.status == Enrollment.Status.INVITED
    assert any("/invitations/" in m.body for m in mail.outbox)
    assert services.places_left(open_cohort) == 0


def test_declining_passes_the_place_on(
    client: Client, full_with_waitlist: dict[str, Application], open_cohort: Cohort
) -> None:
    services.withdraw(application=full_with_waitlist["ann"])
    cid = full_with_waitlist["cid"]
    client.post(reverse("applications:offer-decline", args=[links.status_token(cid)]))
    cid.refresh_from_db()
    assert cid.status == Status.WITHDRAWN
    assert Application.objects.get(pk=full_with_waitlist["dan"].pk).status == Status.OFFERED


def test_an_expired_offer_cannot_be_accepted(
    full_with_waitlist: dict[str, Application], open_cohort: Cohort
) -> None:
    services.withdraw(application=full_with_waitlist["ann"])
    cid = Application.objects.get(pk=full_with_waitlist["cid"].pk)
    cid.offer_expires_at = timezone.now() - dt.timedelta(minutes=1)
    cid.save(update_fields=["offer_expires_at"])
    with pytest.raises(services.ApplicationRefused):
        services.accept_offer(application=cid)


def test_the_periodic_job_expires_offers_and_moves_on(
    full_with_waitlist: dict[str, Application],
    open_cohort: Cohort,
    later: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    services.withdraw(application=full_with_waitlist["ann"])
    days = open_cohort.program.offer_response_days
    later(days * 24 * 3600 + 60)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        ran = run_due_jobs()
    assert "expire-application-offers" in ran
    assert Application.objects.get(pk=full_with_waitlist["cid"].pk).status == Status.EXPIRED
    assert Application.objects.get(pk=full_with_waitlist["dan"].pk).status == Status.OFFERED
    subjects = {m.to[0]: m.subject for m in mail.outbox}
    assert "expired" in subjects[full_with_waitlist["cid"].email]
    assert "free for you" in subjects[full_with_waitlist["dan"].email]
    job = ScheduledJob.objects.get(name="expire-application-offers")
    assert job.last_result == "1" and job.last_error == ""
    # Run again at once: not due, nothing changes.
    assert "expire-application-offers" not in run_due_jobs()


def test_expiry_is_idempotent(
    full_with_waitlist: dict[str, Application], open_cohort: Cohort
) -> None:
    services.withdraw(application=full_with_waitlist["ann"])
    now = timezone.now() + dt.timedelta(days=60)
    # Each run expires the open offer (cid, then dan, then eve: each offered by the run
    # before, with a deadline before ``now``), then there is nobody left.
    assert [services.expire_offers(now=now) for _ in range(4)] == [1, 1, 1, 0]
    assert services.waitlist(open_cohort) == []


def test_a_cohort_without_capacity_offers_nothing(
    apply_for: Any, coordinator: User, open_cohort: Cohort
) -> None:
    open_cohort.capacity = None
    open_cohort.save(update_fields=["capacity"])
    decide(apply_for("Zed Person"), "waitlist", coordinator)
    assert services.offer_freed_places(open_cohort) == []
