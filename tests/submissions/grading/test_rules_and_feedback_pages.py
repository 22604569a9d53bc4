"""The grading rules (warnings, deleted cells) and the feedback around a result: where they are
set, which assignments get which rule, and what participants and graders see of them.

Results are produced by the real autograder (``grade_submission``), so the traceback is the
kernel's own; docs/grading.md, "Warnings", "Missing cells" and "Feedback".
"""

from io import StringIO
from pathlib import Path
from typing import Any

import nbformat
import pytest
from django.core.management import call_command
from django.urls import reverse

from courses.models import Assignment
from submissions.models import AssignmentSettings, Submission
from submissions.tasks import grade_submission
from tests.helpers import (
    api_client,
    participant_notebook,
    publish,
    submit,
    tiny_source_notebook,
)

HIDDEN_CODE = "assert square(-4) == 16"
HINT = "Remember: square(x) multiplies x by itself."


def graded_attempt(user: Any, assignment: Assignment, notebook: bytes) -> Submission:
    submission = submit(user, assignment, notebook=notebook)
    assert grade_submission.call(submission.grading_runs.get().pk) == "graded"
    return submission


def without(grade_id: str) -> bytes:
    nb = nbformat.reads(participant_notebook().decode(), as_version=4)
    nb.cells = [c for c in nb.cells if c.metadata["nbgrader"]["grade_id"] != grade_id]
    return nbformat.writes(nb).encode()


def set_hint(assignment: Assignment, **hints: str) -> None:
    AssignmentSettings.objects.filter(pk=assignment.pk).update(test_hints=hints)


# -- the warnings rule: authored here vs imported ------------------------------------------------


def test_an_assignment_authored_here_keeps_the_lenient_warnings_rule(module: Any) -> None:
    settings = publish(module).settings
    assert settings.ignore_stderr_warnings and not settings.restore_missing_cells


def test_an_imported_nbgrader_course_gets_nbgraders_warnings_rule(
    module: Any, tmp_path: Path
) -> None:
    folder = tmp_path / "course" / "source" / "ps1"
    folder.mkdir(parents=True)
    (folder / "squares.ipynb").write_text(nbformat.writes(tiny_source_notebook()))
    call_command(
        "import_nbgrader_course", str(tmp_path / "course"), module=module.pk, stdout=StringIO()
    )

    settings = Assignment.objects.get(module=module).settings
    assert settings.follows_nbgrader_warnings_rule
    assert not settings.restore_missing_cells  # nbgrader's default too


def test_the_import_command_can_keep_the_lenient_rule(module: Any, tmp_path: Path) -> None:
    folder = tmp_path / "course" / "source" / "ps1"
    folder.mkdir(parents=True)
    (folder / "squares.ipynb").write_text(nbformat.writes(tiny_source_notebook()))
    call_command(
        "import_nbgrader_course",
        str(tmp_path / "course"),
        module=module.pk,
        lenient_warnings=True,
        stdout=StringIO(),
    )
    assert not Assignment.objects.get(module=module).settings.follows_nbgrader_warnings_rule


def test_the_publish_check_page_shows_the_rules_in_force(
    assignment: Any, cohort: Any, instructor: Any, client_for: Any
) -> None:
    url = reverse("submissions:publish-check", args=[assignment.pk])
    page = client_for(instructor).get(url).text
    assert "A Python warning on standard error does not fail a test" in page
    assert "A deleted graded cell scores 0 and is flagged for the graders" in page

    AssignmentSettings.objects.filter(pk=assignment.pk).update(
        ignore_stderr_warnings=False, restore_missing_cells=True
    )
    page = client_for(instructor).get(url, HTTP_ACCEPT_LANGUAGE="de").text
    assert "Jede Ausgabe auf der Standardfehlerausgabe lässt einen Test scheitern" in page
    assert "Eine gelöschte bewertete Zelle wird wieder eingefügt und bewertet." in page


# -- the settings page ---------------------------------------------------------------------------


def settings_data(**changes: str) -> dict[str, str]:
    return {"posting_policy": "immediate", **changes}


def test_instructors_set_the_rules_and_a_hint_per_test_cell(
    assignment: Any, cohort: Any, instructor: Any, client_for: Any
) -> None:
    url = reverse("submissions:review-settings", args=[assignment.pk])
    page = client_for(instructor).get(url).text
    assert "test_square" in page and "test_square_hidden" in page
    assert 'name="hint_2"' not in page  # the manual answer has no hint

    response = client_for(instructor).post(
        url, settings_data(restore_missing_cells="on", hint_0=f"  {HINT} ", hint_1="")
    )

    assert response.status_code == 302
    settings = AssignmentSettings.objects.get(pk=assignment.pk)
    assert settings.restore_missing_cells and settings.follows_nbgrader_warnings_rule
    assert settings.test_hints == {"test_square": HINT}


def test_a_hint_over_the_limit_is_refused_and_nothing_changes(
    assignment: Any, cohort: Any, instructor: Any, client_for: Any
) -> None:
    url = reverse("submissions:review-settings", args=[assignment.pk])
    response = client_for(instructor).post(
        url, settings_data(restore_missing_cells="on", hint_0="x" * 1001)
    )
    assert response.status_code == 400
    settings = AssignmentSettings.objects.get(pk=assignment.pk)
    assert settings.test_hints == {} and not settings.restore_missing_cells


def test_a_participant_cannot_change_the_rules(
    assignment: Any, enrolled: Any, client_for: Any
) -> None:
    url = reverse("submissions:review-settings", args=[assignment.pk])
    response = client_for(enrolled).post(url, settings_data(restore_missing_cells="on"))
    assert response.status_code == 404
    assert not AssignmentSettings.objects.get(pk=assignment.pk).restore_missing_cells


# -- what the participant sees -------------------------------------------------------------------


@pytest.fixture
def failed_visible(enrolled: Any, assignment: Any) -> Submission:
    """square() wrong: the visible test and the hidden test both fail."""
    set_hint(assignment, test_square=HINT, test_square_hidden="Negative numbers too.")
    return graded_attempt(enrolled, assignment, participant_notebook("    return x + x + 1"))


@pytest.mark.slow
def test_a_failed_visible_test_shows_its_traceback_as_text_with_the_failing_line_marked(
    failed_visible: Submission, client_for: Any
) -> None:
    page = client_for(failed_visible.participant).get(failed_visible.get_absolute_url()).text
    assert "data-traceback" in page
    assert "<mark>----&gt; 1 assert square(3) == 9</mark>" in page
    assert "Cell &#x27;test_square&#x27;, line 1" in page
    assert "\x1b" not in page and "ipykernel" not in page


@pytest.mark.slow
def test_a_hidden_test_shows_pass_or_fail_only_on_the_page_and_in_the_api(
    failed_visible: Submission, client_for: Any
) -> None:
    page = client_for(failed_visible.participant).get(failed_visible.get_absolute_url()).text
    assert HIDDEN_CODE not in page and "square(-4)" not in page
    data = (
        api_client(failed_visible.participant)
        .get(reverse("submissions-api:submission", args=[failed_visible.pk]))
        .json()
    )
    hidden = next(r for r in data["results"] if r["grade_id"] == "test_square_hidden")
    assert (hidden["status"], hidden["message"], hidden["traceback"]) == ("failed", "", "")
    assert "square(-4)" not in str(data)


@pytest.mark.slow
def test_the_hint_shows_under_a_failed_test_on_the_page_and_in_the_api(
    failed_visible: Submission, client_for: Any
) -> None:
    page = client_for(failed_visible.participant).get(failed_visible.get_absolute_url()).text
    assert HINT in page
    assert "Negative numbers too." in page  # hints are the instructor's words: shown for hidden
    german = client_for(failed_visible.participant).get(
        failed_visible.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="de"
    )
    assert "Hinweis:" in german.text and HINT in german.text
    assert "Eine Python-Warnung auf der Standardfehlerausgabe" in german.text
    data = (
        api_client(failed_visible.participant)
        .get(reverse("submissions-api:submission", args=[failed_visible.pk]))
        .json()
    )
    visible = next(r for r in data["results"] if r["grade_id"] == "test_square")
    assert visible["hint"] == HINT
    assert "AssertionError" in visible["traceback"]


@pytest.mark.slow
def test_no_hint_and_no_traceback_for_a_passed_test(
    enrolled: Any, assignment: Any, client_for: Any
) -> None:
    set_hint(assignment, test_square=HINT)
    submission = graded_attempt(enrolled, assignment, participant_notebook())
    page = client_for(enrolled).get(submission.get_absolute_url()).text
    assert HINT not in page and "data-traceback" not in page
    data = (
        api_client(enrolled).get(reverse("submissions-api:submission", args=[submission.pk])).json()
    )
    assert all(r["hint"] == "" and r["traceback"] == "" for r in data["results"])


@pytest.mark.slow
def test_a_deleted_test_is_noted_for_the_participant_and_flagged_for_the_grader(
    enrolled: Any, assignment: Any, instructor: Any, client_for: Any
) -> None:
    submission = graded_attempt(enrolled, assignment, without("test_square"))
    result = submission.latest_run().results.get(grade_id="test_square")  # type: ignore[union-attr]
    assert (result.points, result.missing) == (0, True)

    page = client_for(enrolled).get(submission.get_absolute_url()).text
    assert "missing from the notebook" in page
    assert "This cell was missing from your notebook: it scores 0" in page
    german = client_for(enrolled).get(submission.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="de")
    assert "fehlte in Ihrem Notebook" in german.text

    grading = client_for(instructor).get(reverse("submissions:grade", args=[submission.pk])).text
    assert 'id="missing-cells"' in grading
    assert "The graded cell test_square was missing from the participant" in grading
    data = (
        api_client(enrolled).get(reverse("submissions-api:submission", args=[submission.pk])).json()
    )
    assert next(r for r in data["results"] if r["grade_id"] == "test_square")["missing"] is True


@pytest.mark.slow
def test_with_the_switch_a_deleted_test_is_put_back_and_graded(
    enrolled: Any, assignment: Any, client_for: Any
) -> None:
    AssignmentSettings.objects.filter(pk=assignment.pk).update(restore_missing_cells=True)
    submission = graded_attempt(enrolled, assignment, without("test_square"))
    result = submission.latest_run().results.get(grade_id="test_square")  # type: ignore[union-attr]
    assert (result.points, result.missing) == (2, False)
    page = client_for(enrolled).get(submission.get_absolute_url()).text
    assert "A deleted graded cell is put back and graded." in page


@pytest.mark.slow
def test_the_rules_in_force_are_shown_beside_the_participants_result(
    failed_visible: Submission, client_for: Any
) -> None:
    page = client_for(failed_visible.participant).get(failed_visible.get_absolute_url())
    assert 'id="grading-rules"' in page.text
    assert "A Python warning on standard error does not fail a test" in page.text
