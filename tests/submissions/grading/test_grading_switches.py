"""Per-assignment improvements over nbgrader, each switchable."""

from typing import Any

import nbformat
import pytest

from submissions.models import PublishCheck
from submissions.publishing.services import publish_checked
from tests.helpers import participant_notebook, publish, submit, tiny_source_notebook

WARNS = (
    "    import warnings\n"
    "    warnings.warn('this API is deprecated', FutureWarning)\n"
    "    return x * x"
)

pytestmark = pytest.mark.slow


@pytest.mark.parametrize(("ignore", "points"), [(True, 3), (False, 0)])
def test_a_library_warning_on_stderr_zeroes_tests_only_when_the_assignment_says_so(
    enrolled: Any,
    assignment: Any,
    django_capture_on_commit_callbacks: Any,
    ignore: bool,
    points: int,
) -> None:
    assignment.settings.ignore_stderr_warnings = ignore
    assignment.settings.save(update_fields=["ignore_stderr_warnings"])
    with django_capture_on_commit_callbacks(execute=True):
        submission = submit(enrolled, assignment, notebook=participant_notebook(WARNS))
    assert submission.grading_runs.get().autograded_points == points


@pytest.mark.parametrize(("nbgrader_rules", "points"), [(False, 3), (True, 0)])
def test_an_imported_assignment_keeps_nbgraders_rule_and_one_authored_here_the_lenient_one(
    enrolled: Any,
    module: Any,
    django_capture_on_commit_callbacks: Any,
    nbgrader_rules: bool,
    points: int,
) -> None:
    # ``import_nbgrader_course`` publishes with nbgrader_rules=True; pages and API without.
    assignment = publish(module, nbgrader_rules=nbgrader_rules)
    with django_capture_on_commit_callbacks(execute=True):
        submission = submit(enrolled, assignment, notebook=participant_notebook(WARNS))
    assert submission.grading_runs.get().autograded_points == points


def test_the_publish_check_grades_the_reference_under_the_assignments_rule(
    module: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # A reference solution that warns passes under the lenient rule, and the check says so
    # under nbgrader's: the instructor of an imported course sees it before participants do.
    nb = tiny_source_notebook()
    nb.cells[1].source = f"def square(x):\n    ### BEGIN SOLUTION\n{WARNS}\n    ### END SOLUTION"
    source = nbformat.writes(nb)
    with django_capture_on_commit_callbacks(execute=True):
        lenient = publish_checked(module=module, slug="a", title="A", source=source.encode())
    with django_capture_on_commit_callbacks(execute=True):
        strict = publish_checked(
            module=module, slug="b", title="B", source=source.encode(), nbgrader_rules=True
        )
    lenient.refresh_from_db()
    strict.refresh_from_db()
    assert lenient.status == PublishCheck.Status.PASSED
    assert strict.status == PublishCheck.Status.PROBLEMS
    assert strict.report["reference"]["test_square"] == "0"
