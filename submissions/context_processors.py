"""Template context for every page: whether the navigation links the grading queue."""

from django.http import HttpRequest

from courses.models import Cohort


def grading_navigation(request: HttpRequest) -> dict[str, object]:
    """Whoever grades a cohort (``Cohort.objects.graded_by``) sees the queue in the navigation.

    A callable, so the one small query runs only when a page's template asks (the base layout
    does, for logged-in users).
    """

    def shows_grading_queue() -> bool:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return False
        return Cohort.objects.graded_by(user).exists()

    return {"shows_grading_queue": shows_grading_queue}
