"""The gradebook's REST endpoints (submissions/gradebook/api.py): JSON and CSV, their access
rules, and that only released grades reach them."""

import csv
import io
from typing import Any

import pytest
from django.urls import reverse

from tests.helpers import api_client, graded, release, review, submit


@pytest.fixture
def attempt(enrolled: Any, assignment: Any) -> Any:
    submission = submit(enrolled, assignment)
    graded(submission)
    return submission


def test_the_gradebook_export_as_json_and_csv(
    attempt: Any, instructor: Any, cohort: Any, other_enrolled: Any
) -> None:
    release(instructor, attempt, manual="1")
    api = api_client(instructor)
    body = api.get(reverse("submissions-api:gradebook", args=[cohort.pk])).json()
    assert body["cohort"] == {"id": cohort.pk, "name": "2026/27"}
    rows = {r["username"]: r for r in body["rows"]}
    assert rows["ada"]["cells"] == [
        {
            "assignment": attempt.assignment_id,
            "state": "released",
            "points": "4.00",
            "late": False,
            "attempts": 1,
        }
    ]
    assert rows["ada"]["categories"] == [
        {"title": "Foundations", "points": "4.00", "max_points": "5.00", "percent": "80.0"}
    ]
    assert rows["ada"]["weighted_grade"] == "80.0"
    assert rows["grace"]["cells"][0]["state"] == "missing"
    response = api.get(reverse("submissions-api:gradebook-csv", args=[cohort.pk]))
    assert response["Content-Type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert {r["username"]: r["module: Foundations (%)"] for r in table} == {
        "ada": "80.0",
        "grace": "0.0",
    }


def test_the_gradebook_export_has_the_html_views_access_rules(
    attempt: Any, cohort: Any, coordinator: Any, other_instructor: Any, enrolled: Any, client: Any
) -> None:
    for name in ["submissions-api:gradebook", "submissions-api:gradebook-csv"]:
        url = reverse(name, args=[cohort.pk])
        assert api_client(coordinator).get(url).status_code == 200
        assert api_client(other_instructor).get(url).status_code == 404
        assert api_client(enrolled).get(url).status_code == 404
        assert client.get(url).status_code in {401, 403}


def test_a_draft_never_reaches_the_gradebook_export(
    attempt: Any, instructor: Any, cohort: Any
) -> None:
    review(instructor, attempt, manual="2")
    body = api_client(instructor).get(reverse("submissions-api:gradebook", args=[cohort.pk])).json()
    assert body["rows"][0]["cells"][0] | {"attempts": 0} == {
        "assignment": attempt.assignment_id,
        "state": "in_review",
        "points": None,
        "late": False,
        "attempts": 0,
    }
