"""Grading leases: one grader at a time per submission, renewals, expiry, breaks, the race."""

import datetime as dt
import threading
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, connections
from django.urls import reverse
from django.utils import timezone

from courses.services import enroll
from submissions.exceptions import LeaseHeld, LeaseLost, SubmissionError
from submissions.models import GradingLease, Review, Submission
from submissions.reviewing import leases, services
from tests.helpers import graded, review_data, submit


@pytest.fixture
def colleague(other_instructor: Any, cohort: Any) -> Any:
    """A second grader of the same cohort."""
    cohort.instructors.add(other_instructor)
    return other_instructor


@pytest.fixture
def submission(enrolled: Any, assignment: Any) -> Submission:
    return graded(submit(enrolled, assignment))


def expire(submission: Submission) -> None:
    GradingLease.objects.filter(submission=submission).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )


# --- the service ------------------------------------------------------------------------------


def test_the_first_grader_gets_the_lease_and_the_second_is_told_who_and_until_when(
    submission: Submission, instructor: Any, colleague: Any
) -> None:
    lease = leases.take_lease(grader=instructor, submission=submission)
    assert lease.holder == instructor and lease.token
    assert lease.expires_at is not None
    assert dt.timedelta(minutes=29) < lease.expires_at - timezone.now() <= dt.timedelta(minutes=30)
    with pytest.raises(LeaseHeld) as held:
        leases.take_lease(grader=colleague, submission=submission)
    assert held.value.holder_name == "Ines Instructor"
    assert held.value.until == lease.expires_at
    assert "Ines Instructor is grading this submission" in held.value.message
    assert timezone.localtime(lease.expires_at).strftime("%H:%M") in held.value.message


def test_the_lease_duration_is_a_setting(
    submission: Submission, instructor: Any, settings: Any
) -> None:
    settings.GRADING_LEASE_MINUTES = 5
    lease = leases.take_lease(grader=instructor, submission=submission)
    assert lease.expires_at is not None
    assert lease.expires_at - timezone.now() <= dt.timedelta(minutes=5)


def test_taking_ones_own_lease_again_extends_it_and_keeps_the_token(
    submission: Submission, instructor: Any
) -> None:
    first = leases.take_lease(grader=instructor, submission=submission)
    GradingLease.objects.filter(pk=first.pk).update(
        expires_at=timezone.now() + dt.timedelta(minutes=1)
    )
    again = leases.take_lease(grader=instructor, submission=submission)
    assert again.token == first.token
    assert again.expires_at is not None
    assert again.expires_at - timezone.now() > dt.timedelta(minutes=29)


def test_an_expired_lease_goes_to_the_next_grader_and_the_old_token_stops_working(
    submission: Submission, instructor: Any, colleague: Any
) -> None:
    old = leases.take_lease(grader=instructor, submission=submission)
    expire(submission)
    new = leases.take_lease(grader=colleague, submission=submission)
    assert new.holder == colleague and new.token != old.token
    with pytest.raises(LeaseLost, match="Otto Other is grading this submission"):
        leases.renew_lease(grader=instructor, submission=submission, token=old.token)


def test_a_renewal_extends_only_the_holders_valid_lease(
    submission: Submission, instructor: Any
) -> None:
    lease = leases.take_lease(grader=instructor, submission=submission)
    GradingLease.objects.filter(pk=lease.pk).update(
        expires_at=timezone.now() + dt.timedelta(minutes=2)
    )
    renewed = leases.renew_lease(grader=instructor, submission=submission, token=lease.token)
    assert renewed.expires_at is not None
    assert renewed.expires_at - timezone.now() > dt.timedelta(minutes=29)
    with pytest.raises(LeaseLost, match="do not hold the lease"):
        leases.renew_lease(grader=instructor, submission=submission, token="")
    expire(submission)
    with pytest.raises(LeaseLost, match="expired at"):
        leases.renew_lease(grader=instructor, submission=submission, token=lease.token)


def test_only_coordinators_break_a_lease_and_the_holder_learns_who_did(
    submission: Submission, instructor: Any, colleague: Any, coordinator: Any
) -> None:
    lease = leases.take_lease(grader=instructor, submission=submission)
    with pytest.raises(SubmissionError, match="Only coordinators"):
        leases.break_lease(actor=colleague, submission=submission)
    leases.break_lease(actor=coordinator, submission=submission)
    with pytest.raises(LeaseLost, match="Cora Coordinator released your lease"):
        leases.renew_lease(grader=instructor, submission=submission, token=lease.token)
    assert leases.take_lease(grader=colleague, submission=submission).holder == colleague


def test_releasing_needs_the_holders_token(
    submission: Submission, instructor: Any, colleague: Any
) -> None:
    lease = leases.take_lease(grader=instructor, submission=submission)
    assert not leases.release_lease(grader=colleague, submission=submission, token=lease.token)
    assert not leases.release_lease(grader=instructor, submission=submission, token="wrong")
    assert leases.current_lease(submission) is not None
    assert leases.release_lease(grader=instructor, submission=submission, token=lease.token)
    assert leases.current_lease(submission) is None


def test_a_save_with_a_stale_token_is_refused_and_changes_nothing(
    submission: Submission, instructor: Any, colleague: Any
) -> None:
    old = leases.take_lease(grader=instructor, submission=submission)
    expire(submission)
    leases.take_lease(grader=colleague, submission=submission)
    with pytest.raises(LeaseLost):
        services.save_review(
            grader=instructor,
            submission=submission,
            points={"explain": Decimal(2)},
            comments={},
            feedback="late save",
            lease_token=old.token,
        )
    assert not Review.objects.exists()


def test_a_save_without_a_token_is_refused_while_someone_else_holds_the_lease(
    submission: Submission, instructor: Any, colleague: Any
) -> None:
    leases.take_lease(grader=colleague, submission=submission)
    with pytest.raises(LeaseHeld):
        services.save_review(
            grader=instructor,
            submission=submission,
            points={"explain": Decimal(2)},
            comments={},
            feedback="",
        )
    assert not Review.objects.exists()


# --- the grading screen -----------------------------------------------------------------------


def test_opening_the_screen_takes_the_lease_and_a_second_grader_gets_a_read_only_screen(
    submission: Submission, instructor: Any, colleague: Any, client_for: Any
) -> None:
    url = reverse("submissions:grade", args=[submission.pk])
    first = client_for(instructor).get(url).content.decode()
    assert "You are grading this submission" in first
    assert 'id="save-review"' in first
    lease = GradingLease.objects.get(submission=submission)
    assert lease.holder == instructor
    assert f'value="{lease.token}"' in first
    second = client_for(colleague).get(url).content.decode()
    assert "Ines Instructor is grading this submission" in second
    assert "This screen is read-only." in second
    assert 'id="save-review"' not in second
    assert lease.token not in second
    assert "readonly" in second
    assert 'id="break-lease"' not in second  # only coordinators break leases


def test_a_save_after_losing_the_lease_is_refused_and_shows_the_input_again(
    submission: Submission, instructor: Any, colleague: Any, client_for: Any
) -> None:
    url = reverse("submissions:grade", args=[submission.pk])
    ines = client_for(instructor)
    ines.get(url)
    token = GradingLease.objects.get(submission=submission).token
    expire(submission)
    client_for(colleague).get(url)  # Otto takes it over
    response = ines.post(
        url, review_data(feedback="My careful feedback", lease_token=token, action="save")
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Otto Other is grading this submission" in page
    assert "Your changes were not saved." in page
    assert "My careful feedback" in page  # nothing typed is lost
    assert not Review.objects.exists()


def test_a_save_after_expiry_with_nobody_else_takes_the_lease_again_but_saves_nothing(
    submission: Submission, instructor: Any, client_for: Any
) -> None:
    url = reverse("submissions:grade", args=[submission.pk])
    client = client_for(instructor)
    client.get(url)
    old = GradingLease.objects.get(submission=submission).token
    expire(submission)
    response = client.post(url, review_data(feedback="Kept", lease_token=old))
    assert response.status_code == 400
    assert "expired at" in response.content.decode()
    assert not Review.objects.exists()
    fresh = GradingLease.objects.get(submission=submission)
    assert fresh.holder == instructor and fresh.token != old and fresh.is_valid()
    assert f'value="{fresh.token}"' in response.content.decode()
    assert client.post(url, review_data(lease_token=fresh.token)).status_code == 302
    assert Review.objects.get().feedback == "Well argued."


def test_saving_renews_the_lease(submission: Submission, instructor: Any, client_for: Any) -> None:
    url = reverse("submissions:grade", args=[submission.pk])
    client = client_for(instructor)
    client.get(url)
    lease = GradingLease.objects.get(submission=submission)
    GradingLease.objects.filter(pk=lease.pk).update(
        expires_at=timezone.now() + dt.timedelta(minutes=1)
    )
    assert client.post(url, review_data(lease_token=lease.token)).status_code == 302
    lease.refresh_from_db()
    assert lease.expires_at is not None
    assert lease.expires_at - timezone.now() > dt.timedelta(minutes=29)


def test_the_open_screens_ping_renews_the_lease_or_says_it_is_gone(
    submission: Submission, instructor: Any, coordinator: Any, client_for: Any
) -> None:
    client = client_for(instructor)
    client.get(reverse("submissions:grade", args=[submission.pk]))
    lease = GradingLease.objects.get(submission=submission)
    ping = reverse("submissions:lease-renew", args=[submission.pk])
    response = client.post(ping, {"token": lease.token}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "You are grading this submission" in response.content.decode()
    assert "<html" not in response.content.decode()  # the fragment only
    leases.break_lease(actor=coordinator, submission=submission)
    response = client.post(ping, {"token": lease.token}, HTTP_HX_REQUEST="true")
    assert "Cora Coordinator released your lease" in response.content.decode()
    assert "hx-trigger" not in response.content.decode()  # the ping stops


def test_a_coordinator_breaks_a_lease_from_the_queue(
    submission: Submission, instructor: Any, colleague: Any, coordinator: Any, client_for: Any
) -> None:
    leases.take_lease(grader=instructor, submission=submission)
    url = reverse("submissions:lease-break", args=[submission.pk])
    assert client_for(colleague).post(url).status_code == 404
    assert leases.current_lease(submission) is not None
    response = client_for(coordinator).post(url)
    assert response.status_code == 302
    assert leases.current_lease(submission) is None
    assert client_for(coordinator).get(url).status_code == 405


def test_leaving_the_screen_gives_the_lease_back(
    submission: Submission, instructor: Any, client_for: Any
) -> None:
    client = client_for(instructor)
    client.get(reverse("submissions:grade", args=[submission.pk]))
    token = GradingLease.objects.get(submission=submission).token
    response = client.post(
        reverse("submissions:lease-release", args=[submission.pk]),
        {"token": token, "state": "needs_grading", "who": "all"},
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("submissions:queue"))
    assert "state=needs_grading" in response["Location"]
    assert leases.current_lease(submission) is None


def test_lease_views_refuse_strangers(
    submission: Submission, other_participant: Any, enrolled: Any, client_for: Any
) -> None:
    for user in (other_participant, enrolled):
        client = client_for(user)
        for name in ("lease-renew", "lease-release", "lease-break"):
            assert (
                client.post(reverse(f"submissions:{name}", args=[submission.pk])).status_code == 404
            )
    anonymous = client_for(None)
    response = anonymous.post(reverse("submissions:lease-renew", args=[submission.pk]))
    assert response.status_code == 302 and reverse("login") in response["Location"]
    assert (
        client_for(enrolled)
        .get(reverse("submissions:lease-renew", args=[submission.pk]))
        .status_code
        == 405
    )


# --- the race ---------------------------------------------------------------------------------


def _race(graders: list[Any], submission_pk: int, *, inside_transactions: bool) -> list[str]:
    """Two graders take the lease at the same moment, each in its own thread and connection.

    On PostgreSQL both transactions are open at once before either touches the lease row (a
    barrier inside the transaction), so the row lock, not luck, decides. SQLite serialises
    writing transactions at BEGIN, so there the threads only start together.
    """
    barrier = threading.Barrier(len(graders), timeout=20)
    outcomes: list[str] = [""] * len(graders)
    original = leases._locked

    def locked_together(submission: Submission) -> GradingLease:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")  # the transaction has begun on the server
        barrier.wait()
        return original(submission)

    def contend(index: int, grader: Any) -> None:
        try:
            if not inside_transactions:
                barrier.wait()
            submission = Submission.objects.get(pk=submission_pk)
            lease = leases.take_lease(grader=grader, submission=submission)
            outcomes[index] = f"won:{lease.token}"
        except LeaseHeld as held:
            outcomes[index] = f"held:{held.holder_name}"
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            outcomes[index] = f"error:{error!r}"
        finally:
            connections.close_all()

    if inside_transactions:
        leases._locked = locked_together  # type: ignore[assignment]
    try:
        threads = [threading.Thread(target=contend, args=(i, g)) for i, g in enumerate(graders)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        leases._locked = original  # type: ignore[assignment]
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_two_graders_racing_for_a_submission_exactly_one_wins(
    participant: Any, cohort: Any, assignment: Any, instructor: Any, other_instructor: Any
) -> None:
    cohort.instructors.add(other_instructor)
    enrollment = enroll(user=participant, cohort=cohort)
    on_postgresql = connection.vendor == "postgresql"
    graders = [instructor, other_instructor]
    names = {instructor.pk: "Ines Instructor", other_instructor.pk: "Otto Other"}
    for attempt in range(1, 6):
        # Rows created directly: the race is about leases, not about grading notebooks.
        submission = Submission.objects.create(
            assignment=assignment,
            enrollment=enrollment,
            participant=participant,
            attempt_no=attempt,
            notebook_sha256="0" * 64,
            size=1,
        )
        if attempt % 2 == 0:
            # An expired lease of a third party exists: the race is on the row lock alone.
            GradingLease.objects.create(
                submission=submission,
                holder=instructor,
                token="old",
                expires_at=timezone.now() - dt.timedelta(minutes=1),
            )
        outcomes = _race(graders, submission.pk, inside_transactions=on_postgresql)
        winners = [i for i, outcome in enumerate(outcomes) if outcome.startswith("won:")]
        assert len(winners) == 1, outcomes
        loser = 1 - winners[0]
        lease = GradingLease.objects.get(submission=submission)
        assert lease.holder_id == graders[winners[0]].pk
        assert outcomes[winners[0]] == f"won:{lease.token}"
        assert outcomes[loser] == f"held:{names[graders[winners[0]].pk]}", outcomes
