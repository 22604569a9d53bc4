"""Publishing under a short name that exists is refused; replacing a published notebook is an
explicit, versioned update: checked before it goes live, dates and settings kept unless given,
every attempt graded against the version it was made for, changes shown before confirming."""

import datetime as dt
from decimal import Decimal
from typing import Any

import nbformat
import pytest
from django.urls import reverse

from courses.models import Assignment, AssignmentVersion, Cohort
from courses.services import activate_assignment_version, enroll
from platform.blobs import read_blob
from submissions import tasks
from submissions.exceptions import ReviewInvalid
from submissions.models import AssignmentSettings, PublishCheck
from submissions.reviewing import services
from tests.helpers import (
    api_client,
    make_cohort,
    make_user,
    nbgrader_meta,
    submit,
    tiny_source_notebook,
    upload_file,
)

OPENS = dt.datetime(2026, 10, 5, 8, 0, tzinfo=dt.UTC)
DUE = dt.datetime(2026, 10, 19, 22, 0, tzinfo=dt.UTC)


def version_two() -> bytes:
    """The notebook changed: the visible test is worth 4 points, a second answer is added."""
    nb = tiny_source_notebook()
    nb.cells[2].metadata["nbgrader"]["points"] = 4
    nb.cells.append(
        nbformat.v4.new_markdown_cell(
            "Explain cubes.",
            metadata=nbgrader_meta(
                "explain_cubes", grade=True, solution=True, locked=False, points=1
            ),
        )
    )
    return nbformat.writes(nb).encode()


@pytest.fixture
def live(assignment: Assignment, cohort: Cohort) -> Assignment:
    """The published assignment with its dates and settings set for every cohort."""
    Assignment.objects.filter(pk=assignment.pk).update(
        opens_at=OPENS,
        due_at=DUE,
        max_attempts=3,
    )
    AssignmentSettings.objects.filter(pk=assignment.pk).update(
        late_penalty_percent=Decimal(10), posting_policy="on_release"
    )
    assignment.refresh_from_db()
    return assignment


def replace_url(assignment: Assignment) -> str:
    return reverse("submissions-api:source", args=[assignment.pk])


def put_source(client: Any, assignment: Assignment, **extra: Any) -> Any:
    return client.put(
        replace_url(assignment),
        {"source": upload_file(version_two(), "v2.ipynb"), **extra},
        format="multipart",
    )


def passed(version_number: int, assignment: Assignment) -> AssignmentVersion:
    """Pretend the worker's check of the version passed (the check has its own tests)."""
    return activate_assignment_version(version=assignment.versions.get(number=version_number))


# --- publishing an existing short name ---------------------------------------------------------


def test_publishing_an_existing_short_name_through_the_api_is_refused_with_409_naming_it(
    live: Assignment, instructor: Any
) -> None:
    response = api_client(instructor).post(
        reverse("submissions-api:publish", args=[live.module_id]),
        {"title": "Other", "slug": live.slug, "source": upload_file(version_two(), "s.ipynb")},
        format="multipart",
    )
    assert response.status_code == 409
    body = response.json()
    assert "“Squares”" in body["detail"] and "“squares”" in body["detail"]
    assert body["assignment"] == live.pk
    assert body["update_url"] == replace_url(live)
    live.refresh_from_db()
    assert (live.title, live.opens_at, live.due_at, live.max_attempts) == (
        "Squares",
        OPENS,
        DUE,
        3,
    )
    assert live.max_points == Decimal(5)
    assert live.versions.count() == 1 and not PublishCheck.objects.exists()


def test_the_publish_page_refuses_an_existing_short_name_unless_replace_is_ticked(
    live: Assignment, instructor: Any, client_for: Any
) -> None:
    response = client_for(instructor).post(
        reverse("submissions:publish", args=[live.module_id]),
        {"title": "Other", "slug": live.slug, "source": upload_file(version_two(), "s.ipynb")},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "already has an assignment with the short name" in page
    assert "Tick this to replace" in page
    live.refresh_from_db()
    assert (live.title, live.due_at, live.max_attempts) == ("Squares", DUE, 3)


# --- the versioned update ------------------------------------------------------------------------


def test_a_replacement_is_checked_before_it_goes_live_and_keeps_dates_and_settings(
    live: Assignment, instructor: Any, django_capture_on_commit_callbacks: Any
) -> None:
    old_grading = live.grading_sha256
    response = put_source(api_client(instructor), live, title="Squares, revised")
    assert response.status_code == 202, response.json()
    body = response.json()
    assert (body["live_version"], body["version"], body["status"]) == (1, 2, "checking")
    assert body["publish_check"]["version"] == 2 and body["publish_check"]["status"] == "queued"
    # Nothing participants meet has changed while the check runs.
    live.refresh_from_db()
    assert (live.title, live.grading_sha256, live.max_points) == ("Squares", old_grading, 5)

    passed(2, live)
    live.refresh_from_db()
    assert live.title == "Squares, revised"
    assert (live.opens_at, live.due_at, live.max_attempts) == (OPENS, DUE, 3)
    settings = AssignmentSettings.objects.get(pk=live.pk)
    assert (settings.late_penalty_percent, settings.posting_policy) == (Decimal(10), "on_release")
    assert live.max_points == Decimal(8)
    assert live.grading_sha256 == live.versions.get(number=2).grading_sha256 != old_grading
    assert list(live.versions.values_list("number", "status")) == [(2, "live"), (1, "retired")]


def test_the_api_answer_says_what_changes(live: Assignment, instructor: Any) -> None:
    new_due = DUE + dt.timedelta(days=7)
    response = put_source(api_client(instructor), live, due_at=new_due.isoformat())
    changes = response.json()["changes"]
    assert (changes["old_points"], changes["new_points"]) == ("5.00", "8")
    assert [c["grade_id"] for c in changes["grade_cells_added"]] == ["explain_cubes"]
    assert changes["grade_cells_changed"] == [
        {
            "grade_id": "test_square",
            "old_points": "2",
            "new_points": "4",
            "old_kind": "autograded",
            "new_kind": "autograded",
            "source_changed": False,
        }
    ]
    assert changes["grade_cells_removed"] == []
    assert [s["field"] for s in changes["settings"]] == ["due_at"]


def test_a_dry_run_answers_the_changes_and_stores_nothing(
    live: Assignment, instructor: Any
) -> None:
    response = put_source(api_client(instructor), live, dry_run="true")
    assert response.status_code == 200
    assert response.json()["status"] == "preview"
    assert response.json()["changes"]["new_points"] == "8"
    assert live.versions.count() == 1 and not PublishCheck.objects.exists()


def test_a_replacement_compared_with_an_older_version_is_refused(
    live: Assignment, instructor: Any
) -> None:
    client = api_client(instructor)
    put_source(client, live)
    passed(2, live)
    response = put_source(client, live, base_version=1)
    assert response.status_code == 409
    assert "Version 2 of “Squares” is live now, not version 1" in response.json()["detail"]


def test_a_replacement_whose_check_finds_problems_never_goes_live(
    live: Assignment, instructor: Any
) -> None:
    put_source(api_client(instructor), live)
    check = PublishCheck.objects.get(version__number=2)
    check.status = PublishCheck.Status.PROBLEMS
    tasks._decide(check)
    live.refresh_from_db()
    assert live.max_points == Decimal(5)
    assert live.versions.get(number=2).status == "rejected"
    assert live.live_version() == live.versions.get(number=1)


# --- attempts keep their version ------------------------------------------------------------


def test_an_attempt_is_graded_again_against_the_version_it_was_made_for(
    live: Assignment,
    enrolled: Any,
    instructor: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first = submit(enrolled, live)
    version_one = live.versions.get(number=1)
    put_source(api_client(instructor), live)
    passed(2, live)
    live.refresh_from_db()
    second = submit(enrolled, live)
    assert (first.assignment_version, second.assignment_version) == (
        version_one,
        live.versions.get(number=2),
    )
    seen: dict[int, tuple[bytes, list[str]]] = {}

    def fake_grade(**kwargs: Any) -> Any:
        return kwargs

    monkeypatch.setattr(tasks, "grade_notebooks", fake_grade)
    for attempt in (first, second):
        (graded,) = tasks._grade(attempt.latest_run())["notebooks"]
        seen[attempt.pk] = (graded.grading_notebook, [c.grade_id for c in graded.grade_cells])
    assert seen[first.pk] == (
        read_blob(version_one.grading_sha256),
        ["test_square", "test_square_hidden", "explain"],
    )
    assert seen[second.pk] == (
        read_blob(live.grading_sha256),
        ["test_square", "test_square_hidden", "explain", "explain_cubes"],
    )
    # Reviews follow the attempt's version too: its cells and its maximum.
    assert [c["grade_id"] for c in first.manual_grade_cells()] == ["explain"]
    assert first.max_points == Decimal(5) and second.max_points == Decimal(8)
    with pytest.raises(ReviewInvalid, match="explain_cubes"):
        services.save_review(
            grader=instructor,
            submission=first,
            points={"explain_cubes": Decimal(1)},
            comments={},
            feedback="",
        )


# --- the publish page -------------------------------------------------------------------------


def test_the_publish_page_shows_what_changes_before_the_instructor_confirms(
    live: Assignment, instructor: Any, client_for: Any
) -> None:
    client = client_for(instructor)
    response = client.post(
        reverse("submissions:publish", args=[live.module_id]),
        {
            "title": "Squares",
            "slug": live.slug,
            "source": upload_file(version_two(), "v2.ipynb"),
            "max_attempts": "5",
            "replace": "on",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="version-changes"' in page
    assert "Points of the notebook: 5.00 → 8" in page
    assert "Grade cell test_square: points 2 → 4" in page
    assert "Grade cell explain_cubes added (manually graded answer, 1 points)" in page
    assert "Attempts allowed: 3 → 5" in page
    assert "Opens:" not in page and "Due:" not in page
    assert live.versions.get(number=2).status == "draft"
    assert not PublishCheck.objects.exists()
    live.refresh_from_db()
    assert (live.max_points, live.max_attempts) == (Decimal(5), 3)

    confirm = reverse("submissions:confirm-version", args=[live.pk, 2])
    assert f'action="{confirm}"' in page
    response = client.post(confirm)
    assert response["Location"] == reverse("submissions:publish-check", args=[live.pk])
    assert PublishCheck.objects.get().version == live.versions.get(number=2)
    page = client.get(response["Location"]).content.decode()
    assert "Version 2 is being checked; version 1 stays live until it passes." in page
    assert "Grade cell test_square: points 2 → 4" in page
    passed(2, live)
    live.refresh_from_db()
    assert (live.max_attempts, live.due_at, live.opens_at) == (5, DUE, OPENS)


# --- who may publish --------------------------------------------------------------------------


@pytest.fixture
def second_cohort(live: Assignment, other_instructor: Any) -> Cohort:
    """Another cohort of the same program, taught by someone else, with a participant (a cohort
    without participants has nobody a change could reach)."""
    cohort = make_cohort(
        live.module.program,
        instructors=[other_instructor],
        name="2027/28",
        starts_on=dt.date(2027, 10, 1),
        ends_on=dt.date(2028, 9, 30),
    )
    enroll(user=make_user("grace"), cohort=cohort)
    return cohort


def test_an_instructor_of_only_one_cohort_of_several_may_not_publish_or_replace(
    live: Assignment, second_cohort: Cohort, instructor: Any, client_for: Any
) -> None:
    api = api_client(instructor)
    publish_url = reverse("submissions-api:publish", args=[live.module_id])
    refused = [
        api.post(
            publish_url,
            {"title": "New", "slug": "new", "source": upload_file(version_two(), "s.ipynb")},
            format="multipart",
        ),
        put_source(api, live),
    ]
    for response in refused:
        assert response.status_code == 403
        assert "you do not grade cohort 2027/28" in response.json()["detail"]
    page = client_for(instructor).get(reverse("submissions:publish", args=[live.module_id]))
    assert page.status_code == 403
    assert "you do not grade cohort 2027/28" in page.content.decode()
    confirm = reverse("submissions:confirm-version", args=[live.pk, 1])
    assert client_for(instructor).post(confirm).status_code == 403
    assert not Assignment.objects.filter(slug="new").exists() and live.versions.count() == 1


def test_staff_program_coordinators_and_instructors_of_every_cohort_may_replace(
    live: Assignment,
    second_cohort: Cohort,
    instructor: Any,
    coordinator: Any,
    program_coordinator: Any,
    enrolled: Any,
    other_instructor: Any,
) -> None:
    second_cohort.instructors.add(instructor)
    for user in (coordinator, program_coordinator, instructor):
        response = put_source(api_client(user), live, dry_run="true")
        assert response.status_code == 200, (user, response.json())
    assert put_source(api_client(enrolled), live).status_code == 404
    second_cohort.instructors.remove(instructor)
    assert put_source(api_client(instructor), live).status_code == 403
    assert put_source(api_client(other_instructor), live).status_code == 403


@pytest.mark.slow
def test_the_workers_check_puts_a_passing_replacement_live(
    live: Assignment, instructor: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = put_source(api_client(instructor), live)
    assert response.status_code == 202
    check = PublishCheck.objects.get(version__number=2)
    assert check.status == "passed", check.report
    live.refresh_from_db()
    assert live.live_version() == live.versions.get(number=2)
    assert (live.max_points, live.due_at, live.max_attempts) == (Decimal(8), DUE, 3)
