"""The late-work page and API: change the late policy, grant a cohort an extension, and see which
released grades were not recomputed because a certificate relies on them (frozen)."""

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from courses.certificates.services import unfreeze_grades
from courses.late import LatePolicy
from courses.models import Cohort, Grade
from submissions.late.services import change_late_policy, stale_frozen_grades
from submissions.models import Submission
from submissions.reviewing.anonymity import participant_label
from tests.helpers import api_client, graded, release, submit

D = Decimal
POLICY = {
    "grace_minutes": "0",
    "percent_per_unit": "50",
    "unit": "day",
    "floor_percent": "0",
    "cutoff_at": "",
}


@pytest.fixture
def late_assignment(assignment: Any) -> Any:
    """Due two hours ago, no penalty yet: work handed in now is late but loses nothing."""
    assignment.due_at = timezone.now() - dt.timedelta(hours=2)
    assignment.save(update_fields=["due_at"])
    return assignment


@pytest.fixture
def certified(enrolled: Any, instructor: Any, late_assignment: Any) -> Submission:
    """Ada's late attempt, released with 5 of 5: her certificate freezes the grade."""
    submission = graded(submit(enrolled, late_assignment))
    release(instructor, submission, manual="2")
    assert submission.enrollment.grades_frozen
    return submission


@pytest.fixture
def unfrozen(other_enrolled: Any, instructor: Any, late_assignment: Any) -> Submission:
    """Grace's late attempt, released with 2 of 5: below the pass mark, no certificate."""
    submission = graded(submit(other_enrolled, late_assignment), passed=(False, False))
    release(instructor, submission, manual="2")
    assert not submission.enrollment.grades_frozen
    return submission


def page_url(assignment: Any) -> str:
    return reverse("submissions:late-work", args=[assignment.pk])


def policy_url(assignment: Any) -> str:
    return reverse("submissions:late-policy", args=[assignment.pk])


def extension_url(assignment: Any) -> str:
    return reverse("submissions:extension-grant", args=[assignment.pk])


def section(body: str) -> str:
    """The "frozen grades" section of the page."""
    start = body.index('id="frozen-grades"')
    return body[start : body.index("</section>", start)]


def test_the_page_is_for_the_assignments_graders(
    client_for: Any,
    late_assignment: Any,
    enrolled: Any,
    instructor: Any,
    other_instructor: Any,
    other_cohort: Cohort,
    coordinator: Any,
) -> None:
    url = page_url(late_assignment)
    anonymous = client_for(None).get(url)
    assert anonymous.status_code == 302 and "login" in anonymous["Location"]
    assert client_for(enrolled).get(url).status_code == 404
    assert client_for(other_instructor).get(url).status_code == 404
    assert client_for(other_instructor).post(policy_url(late_assignment), POLICY).status_code == 404
    assert client_for(enrolled).post(extension_url(late_assignment), {}).status_code == 404
    assert client_for(instructor).put(url).status_code == 405
    assert client_for(instructor).get(policy_url(late_assignment)).status_code == 405
    assert (
        client_for(instructor).get(reverse("submissions:late-work", args=[999])).status_code == 404
    )
    page = client_for(instructor).get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert 'id="late-policy-form"' in body and 'id="cohort-extension-form"' in body
    assert "None: every released grade follows" in section(body)
    assert client_for(coordinator).get(url).status_code == 200
    detail = client_for(instructor).get(late_assignment.get_absolute_url()).content.decode()
    assert f'href="{url}"' in detail


def test_saving_the_late_policy_names_the_frozen_grades_it_left_alone(
    client_for: Any,
    certified: Submission,
    unfrozen: Submission,
    late_assignment: Any,
    instructor: Any,
    coordinator: Any,
) -> None:
    response = client_for(instructor).post(policy_url(late_assignment), POLICY, follow=True)
    assert response.redirect_chain == [(page_url(late_assignment), 302)]
    body = response.content.decode()
    assert "Late policy saved; 1 released grade was recomputed." in body
    assert "1 released grade was not recomputed because a certificate relies on it" in body
    rows = section(body)
    assert "Ada Lovelace" in rows and "Grace Hopper" not in rows
    assert "<td>5 / 5</td>" in rows and "<td>2.5 / 5</td>" in rows  # now, and under the rules
    assert "2 h late" in rows
    # Instructors cannot unfreeze, so they get no link (it would name the enrolment).
    freeze_url = reverse("courses:grade-freeze", args=[certified.enrollment_id])
    assert freeze_url not in rows and "Only a coordinator can unfreeze them" in rows
    coordinator_rows = section(
        client_for(coordinator).get(page_url(late_assignment)).content.decode()
    )
    assert f'href="{freeze_url}"' in coordinator_rows
    # The frozen grade is unchanged; the other one was recomputed under the new policy.
    assert Grade.objects.get(enrollment=certified.enrollment).points == D(5)
    assert Grade.objects.get(enrollment=unfrozen.enrollment).points == D(0)
    late_assignment.settings.refresh_from_db()
    assert late_assignment.settings.late_penalty_percent == D(50)
    # A grade out of line that is not frozen is not listed (a participant never frozen).
    Submission.objects.filter(pk=unfrozen.pk).update(late_seconds=0)
    stale = stale_frozen_grades(assignment=late_assignment)
    assert [g.submission for g in stale] == [certified]


def test_a_cohort_extension_names_the_frozen_attempts_it_left_alone(
    client_for: Any,
    certified: Submission,
    unfrozen: Submission,
    late_assignment: Any,
    instructor: Any,
    cohort: Cohort,
) -> None:
    due = timezone.localtime() + dt.timedelta(days=2)
    response = client_for(instructor).post(
        extension_url(late_assignment),
        {"cohort": cohort.pk, "due_at": due.strftime("%Y-%m-%dT%H:%M"), "reason": "Outage"},
        follow=True,
    )
    assert response.redirect_chain == [(page_url(late_assignment), 302)]
    body = response.content.decode()
    assert "Extension granted to 2026/27; 1 released grade was recomputed." in body
    assert "1 released grade was not recomputed" in body
    rows = section(body)
    # Ada's attempt stays two hours late; under the extension it would be on time.
    assert "Ada Lovelace" in rows and "on time" in rows and "<td>5 / 5</td>" in rows
    certified.refresh_from_db()
    unfrozen.refresh_from_db()
    assert certified.late_seconds > 0 and unfrozen.late_seconds == 0
    assert "Outage" in body.split('id="extensions"')[1]


def test_bad_input_is_shown_again_with_its_errors(
    client_for: Any, late_assignment: Any, instructor: Any, cohort: Cohort, other_cohort: Cohort
) -> None:
    client = client_for(instructor)
    response = client.post(policy_url(late_assignment), {**POLICY, "percent_per_unit": "150"})
    assert response.status_code == 400 and "100" in response.content.decode()
    due = timezone.localtime() + dt.timedelta(days=2)
    refused = client.post(
        extension_url(late_assignment),
        {
            "cohort": cohort.pk,
            "due_at": due.strftime("%Y-%m-%dT%H:%M"),
            "cutoff_at": (due - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
            "reason": "Outage",
        },
    )
    assert refused.status_code == 400
    assert "The cut-off cannot come before the new due date." in refused.content.decode()
    foreign = client.post(
        extension_url(late_assignment),
        {"cohort": other_cohort.pk, "due_at": due.strftime("%Y-%m-%dT%H:%M"), "reason": "x"},
    )
    assert foreign.status_code == 400 and foreign.context["extension_form"].errors["cohort"]
    assert not late_assignment.extensions.exists()


def test_anonymous_grading_shows_the_pseudonym(
    client_for: Any, certified: Submission, late_assignment: Any, instructor: Any
) -> None:
    late_assignment.settings.anonymous_grading = True
    late_assignment.settings.save(update_fields=["anonymous_grading"])
    client_for(instructor).post(policy_url(late_assignment), POLICY)
    body = client_for(instructor).get(page_url(late_assignment)).content.decode()
    rows = section(body)
    certified.refresh_from_db()
    assert participant_label(certified) in rows
    assert "Ada" not in rows and "Lovelace" not in rows


def test_the_page_reads_the_frozen_grades_in_a_fixed_number_of_queries(
    client_for: Any,
    certified: Submission,
    late_assignment: Any,
    instructor: Any,
    other_enrolled: Any,
) -> None:
    def penalise(percent: int) -> None:
        change_late_policy(
            assignment=late_assignment,
            actor=instructor,
            policy=LatePolicy(percent_per_unit=D(percent)),
            cutoff_at=None,
        )

    def queries() -> tuple[int, int]:
        """Queries of the page, and the rows of its frozen-grades table."""
        client = client_for(instructor)
        with CaptureQueriesContext(connection) as captured:
            body = client.get(page_url(late_assignment)).content.decode()
        return len(captured), section(body).count("<tr>") - 1  # less the header

    penalise(10)
    one, rows = queries()
    assert rows == 1
    grace = graded(submit(other_enrolled, late_assignment))
    release(instructor, grace, manual="2")  # 5 - 0.5 of 5: a certificate, frozen
    assert grace.enrollment.grades_frozen
    penalise(20)
    two, rows = queries()
    assert rows == 2 and two == one


# --- the API -------------------------------------------------------------------------------------


def api_url(assignment: Any, name: str = "late-policy") -> str:
    return reverse(f"submissions-api:{name}", args=[assignment.pk])


API_POLICY = {
    "grace_minutes": 0,
    "penalty_percent": "50",
    "penalty_unit": "day",
    "floor_percent": "0",
    "cutoff_at": None,
}


def test_the_api_changes_the_policy_and_lists_the_frozen_grades(
    certified: Submission,
    unfrozen: Submission,
    late_assignment: Any,
    instructor: Any,
    coordinator: Any,
    enrolled: Any,
) -> None:
    assert api_client(enrolled).get(api_url(late_assignment)).status_code == 404
    before = api_client(instructor).get(api_url(late_assignment))
    assert before.status_code == 200
    assert before.json()["frozen_not_recomputed"] == []
    assert before.json()["late_policy"]["penalty_percent"] == "0.00"
    response = api_client(instructor).put(api_url(late_assignment), API_POLICY, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["recomputed"] == 1 and body["late_policy"]["penalty_percent"] == "50.00"
    [row] = body["frozen_not_recomputed"]
    assert row["participant"] == "Ada Lovelace" and row["submission"] == certified.pk
    assert (row["assignment"], row["assignment_title"]) == (late_assignment.pk, "Squares")
    assert (row["current_points"], row["would_be_points"], row["max_points"]) == (
        "5.00",
        "2.50",
        "5.00",
    )
    assert row["unfreeze_url"] is None  # instructors cannot unfreeze
    as_coordinator = api_client(coordinator).get(api_url(late_assignment)).json()
    [row] = as_coordinator["frozen_not_recomputed"]
    assert row["unfreeze_url"] == "http://testserver" + reverse(
        "courses:grade-freeze", args=[certified.enrollment_id]
    )
    bad = api_client(instructor).put(
        api_url(late_assignment), {**API_POLICY, "penalty_unit": "week"}, format="json"
    )
    assert bad.status_code == 400 and "penalty_unit" in bad.json()


def test_the_api_grants_a_cohort_extension_and_lists_the_frozen_grades(
    certified: Submission,
    unfrozen: Submission,
    late_assignment: Any,
    instructor: Any,
    cohort: Cohort,
    other_cohort: Cohort,
) -> None:
    due = timezone.now() + dt.timedelta(days=2)
    client = api_client(instructor)
    url = api_url(late_assignment, "extensions")
    foreign = client.post(
        url, {"cohort": other_cohort.pk, "due_at": due.isoformat(), "reason": "x"}, format="json"
    )
    assert foreign.status_code == 400 and "cohort" in foreign.json()
    refused = client.post(
        url,
        {
            "cohort": cohort.pk,
            "due_at": due.isoformat(),
            "cutoff_at": (due - dt.timedelta(hours=1)).isoformat(),
            "reason": "Outage",
        },
        format="json",
    )
    assert refused.status_code == 400
    assert refused.json() == {"detail": "The cut-off cannot come before the new due date."}
    response = client.post(
        url, {"cohort": cohort.pk, "due_at": due.isoformat(), "reason": "Outage"}, format="json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["extension"]["cohort"] == cohort.pk and body["recomputed"] == 1
    [row] = body["frozen_not_recomputed"]
    assert row["participant"] == "Ada Lovelace" and row["would_be_late_seconds"] == 0
    assert row["late_seconds"] == certified.late_seconds > 0
    assert client.get(url).status_code == 200


def test_the_page_and_its_messages_are_german_for_a_german_grader(
    client_for: Any, certified: Submission, late_assignment: Any, instructor: Any
) -> None:
    client = client_for(instructor)
    response = client.post(
        policy_url(late_assignment), POLICY, headers={"accept-language": "de"}, follow=True
    )
    body = response.content.decode()
    assert "Verspätungsregel gespeichert; 0 freigegebene Bewertungen wurden neu berechnet." in body
    assert "1 freigegebene Bewertung wurde nicht neu berechnet" in body
    rows = section(body)
    assert "Eingefrorene Bewertungen, die nicht neu berechnet wurden" in rows
    assert "2 h verspätet" in rows
    refused = client.post(
        extension_url(late_assignment), {"reason": "x"}, headers={"accept-language": "de"}
    )
    assert refused.status_code == 400 and "Dieses Feld ist zwingend erforderlich." in (
        refused.content.decode()
    )


def test_the_api_refuses_in_the_clients_language(
    late_assignment: Any, instructor: Any, cohort: Cohort
) -> None:
    due = timezone.now() + dt.timedelta(days=2)
    refused = api_client(instructor).post(
        api_url(late_assignment, "extensions"),
        {
            "cohort": cohort.pk,
            "due_at": due.isoformat(),
            "cutoff_at": (due - dt.timedelta(hours=1)).isoformat(),
            "reason": "Ausfall",
        },
        format="json",
        headers={"accept-language": "de"},
    )
    assert refused.status_code == 400
    assert refused.json() == {
        "detail": "Der Annahmeschluss kann nicht vor der neuen Abgabefrist liegen."
    }


def test_the_schema_names_the_late_work_endpoints(client: Any, db: None) -> None:
    paths = client.get(reverse("api-schema"), {"format": "json"}).json()["paths"]
    assert set(paths["/api/v1/assignments/{id}/late-policy/"]) == {"get", "put"}
    assert set(paths["/api/v1/assignments/{id}/extensions/"]) == {"get", "post"}


def test_the_admin_shows_the_late_policy_read_only(client_for: Any, late_assignment: Any) -> None:
    """Editing it there would skip the recomputation of released grades."""
    from tests.helpers import make_user

    root = client_for(make_user("root", is_staff=True, is_superuser=True))
    url = reverse("admin:courses_assignment_change", args=[late_assignment.pk])
    page = root.get(url).content.decode()
    assert page.count('name="title"') == 1
    assert 'name="cutoff_at"' not in page
    url = reverse("admin:submissions_assignmentsettings_change", args=[late_assignment.pk])
    page = root.get(url).content.decode()
    assert page.count('name="regrade_window_days"') == 1
    for name in ("late_penalty_percent", "late_grace_minutes", "late_floor_percent"):
        assert f'name="{name}"' not in page


def test_an_unfrozen_grade_leaves_the_list_and_the_next_save_recomputes_it(
    client_for: Any,
    certified: Submission,
    late_assignment: Any,
    instructor: Any,
    coordinator: Any,
) -> None:
    client = client_for(instructor)
    client.post(policy_url(late_assignment), POLICY)
    assert "Ada Lovelace" in section(client.get(page_url(late_assignment)).content.decode())
    unfreeze_grades(actor=coordinator, enrollment=certified.enrollment, reason="Late policy")
    # Not frozen any more, so not listed as frozen, though not recomputed yet either.
    assert "None: every released grade" in section(
        client.get(page_url(late_assignment)).content.decode()
    )
    again = client.post(policy_url(late_assignment), POLICY, follow=True).content.decode()
    assert "Late policy saved; 1 released grade was recomputed." in again
    assert Grade.objects.get(enrollment=certified.enrollment).points == D("2.5")
