"""Bad input is refused with a clear error on the page and through the API, and nothing is
stored: a cut-off before the due date, free texts over their limit, files over their cap (with
by how much, in both languages)."""

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from courses.late import LatePolicy
from platform.text_limits import COMMENT_CHARS, FEEDBACK_CHARS, REASON_CHARS
from submissions.exceptions import ExtensionInvalid, LatePolicyInvalid, ReviewInvalid
from submissions.intake.datafiles import DataFileRejected, check_data_file
from submissions.intake.forms import PurgeForm, UploadForm
from submissions.intake.notebooks import IntakeLimits, NotebookRejected, check_size
from submissions.intake.text import excess, file_size
from submissions.late.services import change_late_policy, grant_extension
from submissions.models import GradingLease, Review
from submissions.reviewing.forms.review import CriterionForm, RegradeResolveForm
from submissions.reviewing.services import save_review
from tests.helpers import api_client, graded, participant_notebook, submit, upload_file

MiB = 1024 * 1024
MEGABYTE_OF_TEXT = "x" * MiB


# --- the cut-off of the late policy -------------------------------------------------------------


@pytest.fixture
def due_tomorrow(assignment: Any, cohort: Any) -> Any:
    assignment.due_at = (timezone.now() + dt.timedelta(days=1)).replace(second=0, microsecond=0)
    assignment.save(update_fields=["due_at"])
    return assignment


def local_minutes(when: dt.datetime) -> str:
    return timezone.localtime(when).strftime("%Y-%m-%dT%H:%M")


POLICY_FORM = {"grace_minutes": "0", "percent_per_unit": "10", "unit": "day", "floor_percent": "0"}
POLICY_API = {
    "grace_minutes": 0,
    "penalty_percent": "10",
    "penalty_unit": "day",
    "floor_percent": "0",
}


def test_the_late_policy_page_refuses_a_cut_off_before_the_due_date(
    due_tomorrow: Any, instructor: Any, client_for: Any
) -> None:
    early = due_tomorrow.due_at - dt.timedelta(hours=1)
    response = client_for(instructor).post(
        reverse("submissions:late-policy", args=[due_tomorrow.pk]),
        {**POLICY_FORM, "cutoff_at": local_minutes(early)},
    )
    assert response.status_code == 400
    assert "The cut-off cannot come before the due date." in response.content.decode()
    due_tomorrow.refresh_from_db()
    due_tomorrow.settings.refresh_from_db()
    assert (due_tomorrow.cutoff_at, due_tomorrow.settings.late_penalty_percent) == (None, 0)


def test_the_late_policy_api_refuses_a_cut_off_before_the_due_date(
    due_tomorrow: Any, instructor: Any
) -> None:
    early = due_tomorrow.due_at - dt.timedelta(minutes=1)
    response = api_client(instructor).put(
        reverse("submissions-api:late-policy", args=[due_tomorrow.pk]),
        {**POLICY_API, "cutoff_at": early.isoformat()},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"cutoff_at": ["The cut-off cannot come before the due date."]}
    due_tomorrow.refresh_from_db()
    assert due_tomorrow.cutoff_at is None


def test_a_cut_off_at_or_after_the_due_date_is_saved(due_tomorrow: Any, instructor: Any) -> None:
    for cutoff in [due_tomorrow.due_at, due_tomorrow.due_at + dt.timedelta(days=2)]:
        response = api_client(instructor).put(
            reverse("submissions-api:late-policy", args=[due_tomorrow.pk]),
            {**POLICY_API, "cutoff_at": cutoff.isoformat()},
            format="json",
        )
        assert response.status_code == 200, response.json()
        due_tomorrow.refresh_from_db()
        assert due_tomorrow.cutoff_at == cutoff


def test_the_late_policy_and_extensions_share_one_rule(due_tomorrow: Any, instructor: Any) -> None:
    early = due_tomorrow.due_at - dt.timedelta(seconds=1)
    with pytest.raises(LatePolicyInvalid):
        change_late_policy(
            assignment=due_tomorrow, actor=instructor, policy=LatePolicy(), cutoff_at=early
        )
    with pytest.raises(ExtensionInvalid):
        grant_extension(
            assignment=due_tomorrow,
            granted_by=instructor,
            due_at=due_tomorrow.due_at,
            cutoff_at=early,
            reason="illness",
            cohort=due_tomorrow.module.program.cohorts.get(),
        )


# --- free texts -------------------------------------------------------------------------------


@pytest.fixture
def attempt(enrolled: Any, assignment: Any) -> Any:
    submission = submit(enrolled, assignment)
    graded(submission)
    return submission


def test_the_review_api_refuses_feedback_and_comments_over_their_limits(
    attempt: Any, instructor: Any
) -> None:
    url = reverse("submissions-api:review", args=[attempt.pk])
    client = api_client(instructor)
    score = {"grade_id": "explain", "points": "1"}
    too_long_feedback = client.put(
        url, {"scores": [score], "feedback": MEGABYTE_OF_TEXT}, format="json"
    )
    assert too_long_feedback.status_code == 400
    assert "feedback" in too_long_feedback.json()
    too_long_comment = client.put(
        url, {"scores": [{**score, "comment": "y" * (COMMENT_CHARS + 1)}]}, format="json"
    )
    assert too_long_comment.status_code == 400
    assert "scores[0].comment" in too_long_comment.json()  # the documented error shape
    assert not Review.objects.exists()
    at_the_limits = client.put(
        url,
        {"scores": [{**score, "comment": "y" * COMMENT_CHARS}], "feedback": "f" * FEEDBACK_CHARS},
        format="json",
    )
    assert at_the_limits.status_code == 200
    assert len(Review.objects.get().feedback) == FEEDBACK_CHARS


def test_the_grading_page_refuses_a_megabyte_of_feedback_with_a_form_error(
    attempt: Any, instructor: Any, client_for: Any
) -> None:
    grader = client_for(instructor)
    url = reverse("submissions:grade", args=[attempt.pk])
    grader.get(url)  # takes the lease
    response = grader.post(
        url,
        {
            "points__explain": "1",
            "comment__explain": "ok",
            "feedback": MEGABYTE_OF_TEXT,
            "lease_token": GradingLease.objects.get(submission=attempt).token,
        },
    )
    assert response.status_code == 400
    assert f"at most {FEEDBACK_CHARS} characters" in response.content.decode()
    assert not Review.objects.exists()


def test_the_service_refuses_over_long_texts_from_any_caller(attempt: Any, instructor: Any) -> None:
    for comments, feedback in [({}, "f" * (FEEDBACK_CHARS + 1)), ({"explain": "c" * 5001}, "")]:
        with pytest.raises(ReviewInvalid, match="Please keep"):
            save_review(
                grader=instructor,
                submission=attempt,
                points={},
                comments=comments,
                feedback=feedback,
            )
    assert not Review.objects.exists()


def test_the_data_card_notes_are_limited_on_the_page_and_in_the_api(
    enrolled: Any, assignment: Any
) -> None:
    too_long = {"source": "museum", "licence": "CC BY", "notes": "n" * (COMMENT_CHARS + 1)}
    form = UploadForm(too_long, {"notebook": upload_file(participant_notebook())})
    assert not form.is_valid() and "notes" in form.errors
    response = api_client(enrolled).post(
        reverse("submissions-api:upload", args=[assignment.pk]),
        {"notebook": upload_file(participant_notebook()), **too_long},
        format="multipart",
    )
    assert response.status_code == 400 and "notes" in response.json()


@pytest.mark.parametrize(
    ("form", "data", "field", "limit"),
    [
        (PurgeForm, {"confirm": "on"}, "reason", REASON_CHARS),
        (CriterionForm, {"title": "Clarity"}, "description", REASON_CHARS),
        (RegradeResolveForm, {"decision": "reject"}, "note", COMMENT_CHARS),
    ],
)
def test_the_other_free_texts_have_limits(
    form: Any, data: dict[str, str], field: str, limit: int
) -> None:
    assert form({**data, field: "t" * limit}).is_valid()
    over = form({**data, field: "t" * (limit + 1)})
    assert not over.is_valid() and field in over.errors


# --- sizes --------------------------------------------------------------------------------------


def test_a_notebook_one_byte_over_the_cap_says_by_how_much_in_both_languages() -> None:
    limits = IntakeLimits(max_bytes=20 * MiB)
    with pytest.raises(NotebookRejected) as english:
        check_size(20 * MiB + 1, limits)
    assert english.value.message == (
        "The file is 20,971,521 bytes, 1 byte more than the 20 MB a notebook may have. "
        "Clear large outputs and upload again."
    )
    with translation.override("de"), pytest.raises(NotebookRejected) as german:
        check_size(20 * MiB + 1, limits)
    assert german.value.message == (
        "Die Datei ist 20.971.521 Byte groß, 1 Byte mehr als die 20 MB, die ein Notebook "
        "haben darf. Löschen Sie große Ausgaben und laden Sie das Notebook erneut hoch."
    )


def test_an_upload_one_byte_over_the_cap_is_refused_through_the_api_saying_so(
    enrolled: Any, assignment: Any, settings: Any
) -> None:
    settings.NOTEBOOK_MAX_BYTES = MiB
    response = api_client(enrolled).post(
        reverse("submissions-api:upload", args=[assignment.pk]),
        {"notebook": upload_file(b" " * (MiB + 1))},
        format="multipart",
    )
    assert response.status_code == 400
    assert response.json()["notebook"] == [
        "The file is 1,048,577 bytes, 1 byte more than the 1 MB a notebook may have. "
        "Clear large outputs and upload again."
    ]


def test_a_data_file_over_its_cap_says_by_how_much_in_both_languages() -> None:
    def refusal() -> str:
        with pytest.raises(DataFileRejected) as refused:
            check_data_file(
                name="visits.csv",
                size=50 * MiB + 10 * 1024,
                head=b"a,b\n",
                allowed_types=["csv"],
                max_bytes=50 * MiB,
            )
        return refused.value.message

    assert refusal() == (
        "“visits.csv” is 52,439,040 bytes, 10 KB more than the 50 MB a data file may have."
    )
    with translation.override("de"):
        assert refusal() == (
            "„visits.csv“ ist 52.439.040 Byte groß, 10 KB mehr als die 50 MB, die eine "
            "Datendatei haben darf."
        )


@pytest.mark.parametrize(
    ("size", "shown"),
    [
        (1, "1 byte"),
        (1023, "1,023 bytes"),
        (150 * 1024, "150 KB"),
        (MiB, "1 MB"),
        (3 * MiB + 1, "3 MB"),
        (int(14.2 * MiB), "14.2 MB"),
    ],
)
def test_sizes_read_as_people_read_them(size: int, shown: str) -> None:
    assert file_size(size) == shown


def test_a_size_well_over_its_limit_is_rounded_and_one_just_over_is_exact() -> None:
    assert excess(21 * MiB, 20 * MiB) == {"size": "21 MB", "over": "1 MB", "limit": "20 MB"}
    assert excess(20 * MiB + 100, 20 * MiB)["size"] == "20,971,620 bytes"
