"""Autograde results on the participant's page and the grading screen: hints and rules."""

from collections.abc import Iterable

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from submissions.models import AssignmentSettings, TestResult

register = template.Library()


@register.filter
def hint_for(result: TestResult, rules: AssignmentSettings) -> str:
    """The instructor's hint for a failed test ("" for a passed one or without a hint)."""
    return result.hint(rules)


@register.filter
def warnings_rule(rules: AssignmentSettings) -> str:
    """The warnings rule in force, in a sentence (docs/grading.md, "Warnings")."""
    if rules.follows_nbgrader_warnings_rule:
        return _("Any output on standard error fails a test (nbgrader's rule).")
    return _("A Python warning on standard error does not fail a test; other output there does.")


@register.filter
def missing_cells_rule(rules: AssignmentSettings) -> str:
    """The rule for deleted graded cells, in a sentence (docs/grading.md, "Missing cells")."""
    if rules.restore_missing_cells:
        return _("A deleted graded cell is put back and graded.")
    return _("A deleted graded cell scores 0 and is flagged for the graders (nbgrader's default).")


@register.filter
def traceback_html(result: TestResult) -> SafeString:
    """The traceback as escaped text for a ``<pre>``, the failing lines in ``<mark>``."""
    return mark_safe(  # noqa: S308 - every line is escaped here
        "\n".join(
            f"<mark>{escape(line)}</mark>" if failing else str(escape(line))
            for line, failing in result.traceback_lines()
        )
    )


@register.filter
def missing_ids(results: Iterable[TestResult]) -> list[str]:
    """The grade ids of the cells missing from the notebook (flagged for the graders)."""
    return [result.grade_id for result in results if result.missing]
