"""Per-assignment analytics: the numbers, the page (charts and tables), languages, access."""

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from courses.services import enroll
from submissions.gradebook.analytics import analytics_for, nearest_rank
from submissions.models import Review, Submission
from tests.helpers import graded, make_cohort, make_user, release, review, submit


@pytest.fixture
def busy(
    enrolled: Any, other_enrolled: Any, instructor: Any, assignment: Any, cohort: Any
) -> dict[str, Any]:
    """Ada released at 5/5 (two days after upload); Grace graded 2/3 auto + draft 1 manual;
    Hal uploaded, not graded yet; Ivy never uploaded."""
    now = timezone.now()
    ada = submit(enrolled, assignment)
    graded(ada)
    release(instructor, ada, manual="2")
    Submission.objects.filter(pk=ada.pk).update(submitted_at=now - dt.timedelta(days=2))
    Review.objects.filter(submission=ada).update(released_at=now)
    grace = submit(other_enrolled, assignment)
    graded(grace, passed=(True, False))
    review(instructor, grace, manual="1")
    Submission.objects.filter(pk=grace.pk).update(submitted_at=now - dt.timedelta(days=5))
    hal = make_user("hal")
    enroll(user=hal, cohort=cohort)
    submit(hal, assignment)
    enroll(user=make_user("ivy"), cohort=cohort)
    return {"now": now}


def test_the_numbers_of_an_assignment(busy: dict[str, Any], assignment: Any, cohort: Any) -> None:
    data = analytics_for(assignment, [cohort], now=busy["now"])
    assert (data.participants, data.submitted) == (4, 3)
    assert (data.released, data.unreleased, data.unscored) == (1, 1, 1)
    assert data.bands[-1].released == 1  # 100 % lands in the last band
    assert data.bands[6].unreleased == 1  # Grace: 2 + 1 of 5 = 60 %
    rates = {t.grade_id: (t.passed, t.failed, t.rate) for t in data.tests}
    assert rates == {
        "test_square": (2, 0, Decimal("100.0")),
        "test_square_hidden": (1, 1, Decimal("50.0")),
    }
    backlog = {b.key: b.count for b in data.backlog}
    assert backlog == {"day": 1, "3days": 0, "week": 1, "2weeks": 0, "older": 0}
    assert data.oldest_waiting is not None and data.oldest_waiting >= dt.timedelta(days=5)
    assert data.turnaround.count == 1
    assert data.turnaround.median == dt.timedelta(days=2)


def test_analytics_of_an_assignment_without_submissions_is_empty(
    assignment: Any, cohort: Any
) -> None:
    data = analytics_for(assignment, [cohort])
    assert (data.submitted, data.released, data.waiting, data.turnaround.count) == (0, 0, 0, 0)
    assert data.tests == ()
    assert data.turnaround.median is None


def test_nearest_rank_percentiles() -> None:
    values = [dt.timedelta(hours=h) for h in (1, 2, 3, 4, 10)]
    assert nearest_rank(values, 50) == dt.timedelta(hours=3)
    assert nearest_rank(values, 90) == dt.timedelta(hours=10)
    assert nearest_rank(values[:1], 90) == dt.timedelta(hours=1)
    assert nearest_rank([], 50) is None


def test_the_page_shows_accessible_charts_and_the_same_numbers_as_tables(
    busy: dict[str, Any], instructor: Any, assignment: Any, client_for: Any
) -> None:
    response = client_for(instructor).get(reverse("submissions:analytics", args=[assignment.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    for chart in ["chart-distribution", "chart-tests", "chart-backlog"]:
        assert f'id="{chart}"' in page
        assert f'aria-labelledby="{chart}-title {chart}-desc"' in page
    assert "<script" not in page.split("<main", 1)[-1].split("</main>")[0]
    assert 'id="distribution-table"' in page and 'id="pass-rate-table"' in page
    assert "50.0 %" in page  # hidden test pass rate, in the table and the chart
    assert "2 days" in page  # the turnaround median


def test_the_page_speaks_german(
    busy: dict[str, Any], instructor: Any, assignment: Any, client_for: Any
) -> None:
    client = client_for(instructor)
    response = client.get(
        reverse("submissions:analytics", args=[assignment.pk]), HTTP_ACCEPT_LANGUAGE="de"
    )
    page = response.content.decode()
    assert "Punkteverteilung" in page
    assert "Bestehensquote je Test" in page
    assert "50,0 %" in page


def test_test_names_are_escaped_in_the_charts(
    enrolled: Any, assignment: Any, instructor: Any, client_for: Any
) -> None:
    run = graded(submit(enrolled, assignment)).grading_runs.latest()
    run.results.filter(grade_id="test_square").update(grade_id='<img src=x onerror="alert(1)">')
    page = (
        client_for(instructor)
        .get(reverse("submissions:analytics", args=[assignment.pk]))
        .content.decode()
    )
    assert "<img src=x" not in page
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in page


def test_access_to_analytics(
    busy: dict[str, Any],
    assignment: Any,
    cohort: Any,
    enrolled: Any,
    instructor: Any,
    other_instructor: Any,
    coordinator: Any,
    client_for: Any,
) -> None:
    url = reverse("submissions:analytics", args=[assignment.pk])
    assert client_for(None).get(url).status_code == 302
    assert client_for(enrolled).get(url).status_code == 404
    assert client_for(other_instructor).get(url).status_code == 404
    assert client_for(instructor).post(url).status_code == 405
    assert client_for(coordinator).get(url).status_code == 200
    assert client_for(instructor).get(url, {"cohort": cohort.pk}).status_code == 200
    assert client_for(instructor).get(url, {"cohort": "9999"}).status_code == 404
    assert client_for(instructor).get(url, {"cohort": "abc"}).status_code == 404
    assert (
        client_for(instructor).get(reverse("submissions:analytics", args=[9999])).status_code == 404
    )


def test_an_instructor_sees_only_the_cohorts_they_teach(
    busy: dict[str, Any], assignment: Any, cohort: Any, client_for: Any
) -> None:
    teacher = make_user("tess")
    make_cohort(  # another cohort of the program, which tess teaches
        cohort.program,
        instructors=[teacher],
        name="2027/28",
        starts_on=cohort.starts_on,
        ends_on=cohort.ends_on,
    )
    page = (
        client_for(teacher)
        .get(reverse("submissions:analytics", args=[assignment.pk]))
        .content.decode()
    )
    assert "0 participants, 0 submitted" in page
    assert "2026/27" not in page  # the other cohort is not even offered in the filter


def test_the_assignment_page_links_instructors_to_analytics(
    assignment: Any, instructor: Any, enrolled: Any, client_for: Any
) -> None:
    url = reverse("submissions:assignment", args=[assignment.pk])
    analytics = reverse("submissions:analytics", args=[assignment.pk])
    assert analytics in client_for(instructor).get(url).content.decode()
    assert analytics not in client_for(enrolled).get(url).content.decode()
