"""Template context for every page: whether the navigation links the grading queue."""

from django.http import HttpRequest


def grading_navigation(request: HttpRequest) -> dict[str, object]:
    """Instructors and coordinators see the queue in the navigation.

    A callable, so the one small query runs only when a page's template asks (the base layout
    does, for logged-in users).
    """

    def shows_grading_queue() -> bool:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return False
        return bool(user.is_staff and user.is_active) or user.taught_cohorts.exists()

    return {"shows_grading_queue": shows_grading_queue}
