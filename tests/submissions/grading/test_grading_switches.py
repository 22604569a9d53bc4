"""Per-assignment improvements over nbgrader, each switchable."""

from typing import Any

import pytest

from tests.helpers import participant_notebook, submit

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
