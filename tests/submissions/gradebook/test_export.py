"""The zip export of an assignment: content, file names, access, purged files, streaming."""

import csv
import datetime as dt
import io
import zipfile
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from courses.services import enroll
from platform.blobs import read_blob
from submissions.gradebook.export import safe_file_name
from submissions.intake.services import DataCardInput, purge_cohort_data
from tests.helpers import graded, make_cohort, make_user, release, review, submit, upload_file

CARD = DataCardInput(source="own survey", licence="CC BY 4.0")


def download(client: Any, assignment: Any, **params: str) -> zipfile.ZipFile:
    response = client.get(reverse("submissions:export-zip", args=[assignment.pk]), params)
    assert response.status_code == 200, response.content
    assert response.streaming
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def rows(archive: zipfile.ZipFile, name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(archive.read(name).decode())))


@pytest.fixture
def graded_work(
    enrolled: Any, other_enrolled: Any, instructor: Any, assignment: Any
) -> dict[str, Any]:
    """Ada: two attempts, the second with a data file, released. Grace: one draft review."""
    first = submit(enrolled, assignment)
    graded(first, passed=(False, False))
    second = submit(
        enrolled,
        assignment,
        data_files=[upload_file(b"a,b\n1,2\n", "survey.csv")],
        data_card=CARD,
    )
    graded(second)
    release(
        instructor,
        second,
        manual="1.5",
        comment="Right idea, | but say why.",
        feedback="Well done overall.",
    )
    grace = submit(other_enrolled, assignment)
    graded(grace, passed=(True, False))
    review(instructor, grace, manual="1", comment="draft comment")
    return {"ada": [first, second], "grace": grace}


def test_the_zip_holds_each_latest_notebook_data_and_feedback(
    graded_work: dict[str, Any], instructor: Any, assignment: Any, client_for: Any
) -> None:
    archive = download(client_for(instructor), assignment)
    names = set(archive.namelist())
    assert names == {
        "summary.csv",
        "scores.csv",
        "ada-lovelace_ada/squares.ipynb",
        "ada-lovelace_ada/data/survey.csv",
        "ada-lovelace_ada/feedback.md",
        "grace-hopper_grace/squares.ipynb",
        "grace-hopper_grace/feedback.md",
    }
    latest = graded_work["ada"][1]
    assert archive.read("ada-lovelace_ada/squares.ipynb") == read_blob(latest.notebook_sha256)
    assert archive.read("ada-lovelace_ada/data/survey.csv") == b"a,b\n1,2\n"
    summary = {row["folder"]: row for row in rows(archive, "summary.csv")}
    ada, grace = summary["ada-lovelace_ada"], summary["grace-hopper_grace"]
    assert (ada["participant"], ada["username"], ada["attempt"]) == ("Ada Lovelace", "ada", "2")
    assert (ada["autograded_points"], ada["manual_points"], ada["final_points"]) == (
        "3.00",
        "1.50",
        "4.50",
    )
    assert (ada["released"], ada["review_state"]) == ("yes", "released")
    # Grace's draft: what a release would record, marked as not released.
    assert (grace["final_points"], grace["released"], grace["review_state"]) == (
        "3.00",
        "no",
        "draft",
    )
    feedback = archive.read("ada-lovelace_ada/feedback.md").decode()
    assert "# Squares: Ada Lovelace" in feedback
    assert "| test_square | autograded test | 2 / 2 | passed |" in feedback
    assert "| explain | manually graded answer | 1.5 / 2 |" in feedback
    assert "Right idea, | but say why." in feedback
    assert "Well done overall." in feedback
    assert "- Final: 4.5 / 5" in feedback
    assert "secret detail" not in feedback  # hidden tests' messages stay out
    scores = [r for r in rows(archive, "scores.csv") if r["folder"] == "grace-hopper_grace"]
    assert [(r["grade_id"], r["points"], r["status"]) for r in scores] == [
        ("test_square", "2.00", "passed"),
        ("test_square_hidden", "0.00", "failed"),
        ("explain", "1.00", "needs_manual"),
    ]
    assert scores[2]["comment"] == "draft comment"


def test_all_attempts_puts_each_attempt_in_its_own_folder(
    graded_work: dict[str, Any], instructor: Any, assignment: Any, client_for: Any
) -> None:
    archive = download(client_for(instructor), assignment, attempts="all")
    names = set(archive.namelist())
    assert "ada-lovelace_ada/attempt-1/squares.ipynb" in names
    assert "ada-lovelace_ada/attempt-2/data/survey.csv" in names
    assert "grace-hopper_grace/attempt-1/feedback.md" in names
    assert len(rows(archive, "summary.csv")) == 3


def test_a_bad_attempts_option_is_a_clear_400(
    graded_work: dict[str, Any], instructor: Any, assignment: Any, client_for: Any
) -> None:
    response = client_for(instructor).get(
        reverse("submissions:export-zip", args=[assignment.pk]), {"attempts": "some"}
    )
    assert response.status_code == 400
    assert "attempts=all" in response.content.decode()


def test_purged_data_files_are_left_out_and_listed_as_removed(
    graded_work: dict[str, Any],
    instructor: Any,
    coordinator: Any,
    assignment: Any,
    cohort: Any,
    client_for: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    cohort.starts_on = dt.date(2020, 1, 1)
    cohort.ends_on = dt.date(2021, 1, 1)
    cohort.save()
    with django_capture_on_commit_callbacks(execute=True):
        purge_cohort_data(actor=coordinator, cohort=cohort, reason="retention period")
    archive = download(client_for(instructor), assignment)
    assert "ada-lovelace_ada/data/survey.csv" not in archive.namelist()
    feedback = archive.read("ada-lovelace_ada/feedback.md").decode()
    assert f"survey.csv: removed on {timezone.localdate():%Y-%m-%d} (data minimisation)" in feedback


def test_folder_names_are_safe_and_unique_for_hostile_and_equal_names(
    cohort: Any, instructor: Any, assignment: Any, client_for: Any
) -> None:
    names = ["../../etc/passwd", "../../etc/passwd", "/", "=cmd|' /C calc'!A0", "Zoë Ünal"]
    for i, name in enumerate(names):
        user = make_user(f"u{i}", display_name=name)
        enroll(user=user, cohort=cohort)
        graded(submit(user, assignment))
    archive = download(client_for(instructor), assignment)
    folders = {name.split("/")[0] for name in archive.namelist() if "/" in name}
    assert folders == {"etcpasswd_u0", "etcpasswd_u1", "u2", "cmd-c-calca0_u3", "zoe-unal_u4"}
    for name in archive.namelist():
        assert not name.startswith("/") and ".." not in name.split("/")
    summary = rows(archive, "summary.csv")
    assert "'=cmd|' /C calc'!A0" in [r["participant"] for r in summary]


def test_safe_file_names_never_leave_their_folder() -> None:
    assert safe_file_name("../../secret.csv", fallback="x") == "secret.csv"
    assert safe_file_name("..", fallback="x") == "x"
    assert safe_file_name("C:\\Users\\a\\data.csv", fallback="x") == "data.csv"
    assert safe_file_name(".hidden", fallback="x") == "hidden"
    assert safe_file_name("my data (1).csv", fallback="x") == "my_data_1.csv"


def test_anonymous_assignments_use_pseudonyms_and_no_usernames(
    graded_work: dict[str, Any], instructor: Any, assignment: Any, client_for: Any
) -> None:
    assignment.settings.anonymous_grading = True  # the flag the grading queue adds to the model
    from submissions.gradebook.export import export_submissions, zip_stream

    entries = export_submissions(grader=instructor, assignment=assignment)
    archive = zipfile.ZipFile(
        io.BytesIO(b"".join(zip_stream(assignment, entries, all_attempts=False)))
    )
    text = " ".join(archive.namelist()) + archive.read("summary.csv").decode()
    for name in archive.namelist():
        if name.endswith("feedback.md"):
            text += archive.read(name).decode()
    assert "Lovelace" not in text and "Hopper" not in text
    assert "ada" not in text.lower().replace("metadata", "")
    assert all(r["participant"].startswith("P-") for r in rows(archive, "summary.csv"))


def test_only_the_cohorts_graders_may_download(
    graded_work: dict[str, Any],
    assignment: Any,
    enrolled: Any,
    other_instructor: Any,
    coordinator: Any,
    instructor: Any,
    client_for: Any,
) -> None:
    url = reverse("submissions:export-zip", args=[assignment.pk])
    assert client_for(None).get(url).status_code == 302
    assert client_for(enrolled).get(url).status_code == 404
    assert client_for(other_instructor).get(url).status_code == 404
    # Coordinators grade every cohort (Cohort.objects.graded_by), so the analytics page's
    # download link opens for them too.
    assert client_for(coordinator).get(url).status_code == 200
    assert client_for(instructor).post(url).status_code == 405
    assert (
        client_for(instructor).get(reverse("submissions:export-zip", args=[9999])).status_code
        == 404
    )


def test_an_instructor_of_another_cohort_of_the_program_gets_only_their_own(
    graded_work: dict[str, Any], assignment: Any, cohort: Any, client_for: Any
) -> None:

    teacher = make_user("tess")
    second = make_cohort(
        cohort.program,
        instructors=[teacher],
        name="2027/28",
        starts_on=cohort.starts_on,
        ends_on=cohort.ends_on,
    )
    learner = make_user("lars", first_name="Lars", last_name="Learner")
    enroll(user=learner, cohort=second)
    graded(submit(learner, assignment))
    archive = download(client_for(teacher), assignment)
    assert {n.split("/")[0] for n in archive.namelist() if "/" in n} == {"lars-learner_lars"}


def test_the_zip_is_streamed_in_bounded_chunks(
    enrolled: Any, instructor: Any, assignment: Any
) -> None:
    import random

    from platform.blobs import CHUNK
    from submissions.gradebook.export import export_submissions, zip_stream

    rng = random.Random(5)
    big = "\n".join(",".join(str(rng.random()) for _ in range(8)) for _ in range(40_000))
    graded(
        submit(
            enrolled,
            assignment,
            data_files=[upload_file(big.encode(), "big.csv")],
            data_card=CARD,
        )
    )
    entries = export_submissions(grader=instructor, assignment=assignment)
    chunks = [c for c in zip_stream(assignment, entries, all_attempts=False) if c]
    assert len(big) > 3 * CHUNK
    assert len(chunks) >= 3  # the data file went out piece by piece
    assert max(len(c) for c in chunks) <= CHUNK
    archive = zipfile.ZipFile(io.BytesIO(b"".join(chunks)))
    assert archive.read("ada-lovelace_ada/data/big.csv") == big.encode()


def test_the_export_loads_its_metadata_in_a_constant_number_of_queries(
    graded_work: dict[str, Any],
    instructor: Any,
    assignment: Any,
    cohort: Any,
    django_assert_num_queries: Any,
) -> None:
    from submissions.gradebook.export import export_submissions

    # attempts, their data files, latest runs, their results, reviews, review scores
    with django_assert_num_queries(6):
        assert len(export_submissions(grader=instructor, assignment=assignment)) == 2
    for i in range(4):
        user = make_user(f"extra{i}")
        enroll(user=user, cohort=cohort)
        attempt = submit(user, assignment)
        graded(attempt)
        release(instructor, attempt)
    with django_assert_num_queries(6):
        assert len(export_submissions(grader=instructor, assignment=assignment)) == 6


def test_an_assignment_without_submissions_exports_just_the_headers(
    cohort: Any, instructor: Any, assignment: Any, client_for: Any
) -> None:
    archive = download(client_for(instructor), assignment)
    assert sorted(archive.namelist()) == ["scores.csv", "summary.csv"]
    assert rows(archive, "summary.csv") == []
