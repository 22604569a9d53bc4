"""Publishing from an nbgrader source through the UI and the API, and the worker's publish check."""

from typing import Any

import nbformat
import pytest
from django.urls import reverse

from courses.models import Assignment
from submissions.models import PublishCheck
from tests.helpers import api_client, tiny_source_notebook, upload_file


def source_bytes(*, weak_test: bool = False) -> bytes:
    nb = tiny_source_notebook()
    if weak_test:
        nb.cells[2].source = "assert True  # checks nothing"
    return nbformat.writes(nb).encode()


def form(source: bytes, **extra: Any) -> dict[str, Any]:
    return {
        "title": "Squares 2",
        "slug": "squares-2",
        "source": upload_file(source, "source.ipynb"),
        "max_attempts": 3,
        **extra,
    }


@pytest.mark.slow
def test_an_instructor_publishes_and_the_worker_checks_the_assignment(
    cohort: Any,
    module: Any,
    instructor: Any,
    client_for: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    client = client_for(instructor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("submissions:publish", args=[module.pk]), form(source_bytes())
        )
    assignment = Assignment.objects.get(slug="squares-2")
    assert response.status_code == 302
    assert response["Location"] == reverse("submissions:publish-check", args=[assignment.pk])
    assert (assignment.max_attempts, assignment.max_points) == (3, 5)
    check = PublishCheck.objects.get()
    assert check.status == "passed", check.report
    assert check.report["reference"] == {
        "test_square": "2",
        "test_square_hidden": "1",
        "explain": None,
    }
    assert check.report["blank"]["test_square"] == "0"
    page = client.get(response["Location"]).content.decode()
    assert "Passed: the reference solution earns every autograded point" in page


@pytest.mark.slow
def test_the_check_reports_a_test_the_blank_release_already_passes(
    cohort: Any,
    module: Any,
    instructor: Any,
    client_for: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        client_for(instructor).post(
            reverse("submissions:publish", args=[module.pk]), form(source_bytes(weak_test=True))
        )
    check = PublishCheck.objects.get()
    assert check.status == "problems"
    assert any(
        "test_square: the blank starter notebook already earns 2" in p for p in check.problems
    )
    # The worker stores what it found; the page words it in the reader's language.
    page = client_for(instructor).get(
        reverse("submissions:publish-check", args=[check.assignment_id]),
        HTTP_ACCEPT_LANGUAGE="de",
    )
    assert "test_square: Die leere Notebook-Vorlage erreicht bereits 2 Punkte" in page.text


def test_a_source_nbgrader_would_refuse_is_not_published(
    cohort: Any, module: Any, instructor: Any, client_for: Any
) -> None:
    nb = tiny_source_notebook()
    nb.cells[3].metadata["nbgrader"]["grade_id"] = "test_square"  # duplicate grade id
    response = client_for(instructor).post(
        reverse("submissions:publish", args=[module.pk]), form(nbformat.writes(nb).encode())
    )
    assert response.status_code == 400
    assert "test_square" in response.content.decode()
    assert not Assignment.objects.filter(slug="squares-2").exists()
    assert not PublishCheck.objects.exists()


def test_only_the_programs_instructors_and_coordinators_may_publish(
    cohort: Any,
    module: Any,
    enrolled: Any,
    other_instructor: Any,
    coordinator: Any,
    instructor: Any,
    assignment: Any,
    client_for: Any,
) -> None:
    url = reverse("submissions:publish", args=[module.pk])
    assert client_for(None).get(url).status_code == 302
    assert client_for(enrolled).get(url).status_code == 404
    assert client_for(other_instructor).get(url).status_code == 404
    assert client_for(coordinator).get(url).status_code == 200
    assert client_for(instructor).get(url).status_code == 200
    assert client_for(instructor).put(url).status_code == 405
    check_url = reverse("submissions:publish-check", args=[assignment.pk])
    assert client_for(enrolled).get(check_url).status_code == 404
    assert client_for(other_instructor).get(check_url).status_code == 404
    assert client_for(instructor).get(check_url).status_code == 200


def test_publishing_through_the_api(
    cohort: Any, module: Any, instructor: Any, enrolled: Any
) -> None:
    client = api_client(instructor)
    response = client.post(
        reverse("submissions-api:publish", args=[module.pk]),
        {
            "title": "Squares 3",
            "slug": "squares-3",
            "source": upload_file(source_bytes(), "s.ipynb"),
        },
        format="multipart",
    )
    assert response.status_code == 201, response.content
    assignment = Assignment.objects.get(slug="squares-3")
    assert response.json()["status"] == "queued"
    report = client.get(reverse("submissions-api:publish-check", args=[assignment.pk]))
    assert report.status_code == 200 and report.json()["assignment"] == assignment.pk

    participant = api_client(enrolled)
    refused = participant.post(
        reverse("submissions-api:publish", args=[module.pk]),
        {"title": "X", "slug": "x", "source": upload_file(source_bytes(), "s.ipynb")},
        format="multipart",
    )
    assert refused.status_code == 404
