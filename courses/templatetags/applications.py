"""``{% applications_to_screen cohort %}``: how many confirmed applications of a cohort wait
for a decision (courses/applications)."""

from django import template

from courses.models import Application, Cohort

register = template.Library()


@register.simple_tag
def applications_to_screen(cohort: Cohort) -> int:
    """The cohort's ``applications_to_screen`` annotation when the view made one (one query
    for a whole list), else one query."""
    annotated = getattr(cohort, "applications_to_screen", None)
    if annotated is not None:
        return int(annotated)
    return Application.objects.filter(cohort=cohort, status=Application.Status.SUBMITTED).count()
