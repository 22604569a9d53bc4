"""A notebook in which two cells share a grade id is refused at upload, naming them (nbgrader
refuses such a notebook too); it is never graded silently."""

from typing import Any

import nbformat
import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from submissions.intake.notebooks import NotebookRejected, check_unique_grade_ids
from submissions.models import Submission
from tests.helpers import api_client, participant_notebook, upload_file


def with_copies(*grade_ids: str) -> bytes:
    """The participant's notebook with a copy of each named cell appended (Jupyter's copy and
    paste keeps the metadata)."""
    nb = nbformat.reads(participant_notebook().decode(), as_version=4)
    for grade_id in grade_ids:
        (cell,) = [c for c in nb.cells if c.metadata["nbgrader"]["grade_id"] == grade_id]
        copy = nbformat.from_dict(dict(cell))
        copy.pop("id", None)
        nb.cells.append(nbformat.v4.new_code_cell(copy.source, metadata=dict(cell.metadata)))
    return nbformat.writes(nb).encode()


def refusal(raw: bytes) -> NotebookRejected:
    with pytest.raises(NotebookRejected) as caught:
        check_unique_grade_ids(nbformat.reads(raw.decode(), as_version=4))
    return caught.value


def test_one_duplicated_grade_id_is_named_with_its_cells() -> None:
    rejected = refusal(with_copies("square"))
    assert "square (cells 2, 6)" in rejected.message
    assert "delete the extra copy" in rejected.message
    assert rejected.cell == 6


def test_every_duplicated_grade_id_is_named() -> None:
    rejected = refusal(with_copies("square", "test_square"))
    assert "square (cells 2, 6)" in rejected.message
    assert "test_square (cells 3, 7)" in rejected.message
    assert "Several grade ids" in rejected.message


def test_cells_without_nbgrader_flags_do_not_count() -> None:
    nb = nbformat.reads(participant_notebook().decode(), as_version=4)
    stray = nbformat.v4.new_code_cell("x = 1")
    stray.metadata["nbgrader"] = {"grade_id": "square", "grade": False, "solution": False}
    nb.cells.append(stray)
    check_unique_grade_ids(nb)  # nbgrader ignores such a cell's id as well


def test_the_upload_page_refuses_it_and_stores_nothing(
    enrolled: Any, assignment: Any, client_for: Any
) -> None:
    response = client_for(enrolled).post(
        reverse("submissions:upload", args=[assignment.pk]),
        {"notebook": upload_file(with_copies("explain"))},
    )
    assert response.status_code == 400
    assert "explain (cells 5, 6)" in response.text
    assert not Submission.objects.exists()


def test_the_refusal_is_german_for_a_german_participant(
    enrolled: Any, assignment: Any, client_for: Any
) -> None:
    client = client_for(enrolled)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "de"
    response = client.post(
        reverse("submissions:upload", args=[assignment.pk]),
        {"notebook": upload_file(with_copies("explain"))},
    )
    assert response.status_code == 400
    assert "explain (Zellen 5, 6)" in response.text
    assert "dieselbe Bewertungs-ID" in response.text


def test_the_api_refuses_it_naming_the_grade_id(enrolled: Any, assignment: Any) -> None:
    response = api_client(enrolled).post(
        reverse("submissions-api:upload", args=[assignment.pk]),
        {"notebook": upload_file(with_copies("test_square"))},
        format="multipart",
    )
    assert response.status_code == 400
    assert "test_square (cells 3, 6)" in response.json()["notebook"][0]
    assert not Submission.objects.exists()
