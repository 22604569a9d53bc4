"""A German participant meets the upload refusals in German, on the page and through the API;
the release and purge refusals are German at the service level (docs/i18n.md, "Marking strings").
"""

import json
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse
from django.utils import translation
from nbformat import v4

from submissions.exceptions import DataFilesInvalid, PurgeRefused, ReviewInvalid
from submissions.intake.notebooks import IntakeLimits, NotebookRejected, validate_notebook
from submissions.intake.services import purge_cohort_data, submit_attempt
from submissions.models import Submission
from submissions.reviewing.services import release_review
from tests.helpers import api_client, participant_notebook, submit, upload_file

CSV = b"city,visitors\nDortmund,3\nBochum,4\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF"
CARD = {"source": "Befragung", "licence": "CC BY 4.0"}


def german_upload(client: Client, assignment: Any, data: dict[str, Any]) -> str:
    """Post the upload form as a German browser; the refusal is a 400 with the form."""
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "de"
    response = client.post(reverse("submissions:upload", args=[assignment.pk]), data)
    assert response.status_code == 400
    assert not Submission.objects.exists()
    return str(response.content.decode())


def german_api_upload(user: Any, assignment: Any, data: dict[str, Any]) -> dict[str, Any]:
    response = api_client(user).post(
        reverse("submissions-api:upload", args=[assignment.pk]),
        data,
        format="multipart",
        headers={"accept-language": "de-DE,de;q=0.9"},
    )
    assert response.status_code == 400
    assert not Submission.objects.exists()
    return dict(response.json())


def many_cells(n: int) -> bytes:
    return json.dumps(v4.new_notebook(cells=[v4.new_markdown_cell("x") for _ in range(n)])).encode()


def test_a_broken_notebook_is_refused_in_german_on_the_page(
    enrolled: Any, assignment: Any, client_for: Any
) -> None:
    page = german_upload(client_for(enrolled), assignment, {"notebook": upload_file(b'{"a": ]')})
    assert (
        "Diese Datei ist kein Jupyter-Notebook: Es handelt sich nicht um gültiges JSON "
        "(Zeile 1, Spalte 7)." in page
    )
    assert "not valid JSON" not in page


def test_too_many_cells_are_refused_in_german_with_german_numbers(
    enrolled: Any, assignment: Any, client_for: Any, settings: Any
) -> None:
    settings.NOTEBOOK_MAX_CELLS = 1000
    page = german_upload(
        client_for(enrolled), assignment, {"notebook": upload_file(many_cells(1001))}
    )
    assert "Dieses Notebook hat 1.001 Zellen und überschreitet die Grenze von 1.000." in page


def test_a_notebook_over_the_size_limit_is_refused_in_german_through_the_api(
    enrolled: Any, assignment: Any, settings: Any
) -> None:
    settings.NOTEBOOK_MAX_BYTES = 3 * 1024 * 1024
    big = b" " * (3 * 1024 * 1024 + 200_000)
    body = german_api_upload(enrolled, assignment, {"notebook": upload_file(big)})
    assert body["notebook"] == [
        "Die Datei ist 3,2 MB groß, 195 KB mehr als die 3 MB, die ein Notebook haben darf. "
        "Löschen Sie große Ausgaben und laden Sie das Notebook erneut hoch."
    ]


def test_a_bad_data_file_name_is_refused_in_german_on_the_page(
    enrolled: Any, assignment: Any, client_for: Any
) -> None:
    page = german_upload(
        client_for(enrolled),
        assignment,
        {
            "notebook": upload_file(participant_notebook()),
            "data_files": [upload_file(CSV, "Umsätze 2024.csv")],
            **CARD,
        },
    )
    assert "„Umsätze 2024.csv“ ist kein zulässiger Dateiname: Verwenden Sie nur Buchstaben" in page


def test_a_data_file_whose_bytes_do_not_match_its_extension_is_refused_in_german_by_the_api(
    enrolled: Any, assignment: Any
) -> None:
    body = german_api_upload(
        enrolled,
        assignment,
        {
            "notebook": upload_file(participant_notebook()),
            "data_files": [upload_file(JPEG, "karte.png")],
            **CARD,
        },
    )
    assert body["data_files"] == [
        "„karte.png“ sieht nicht wie eine .png-Datei aus (der Inhalt passt nicht zur "
        "Dateiendung). Exportieren Sie die Datei erneut aus dem Programm, mit dem sie erstellt "
        "wurde."
    ]


def test_a_missing_data_card_is_refused_in_german_on_the_page_and_by_the_api(
    enrolled: Any, assignment: Any, client_for: Any
) -> None:
    def upload() -> dict[str, Any]:
        return {
            "notebook": upload_file(participant_notebook()),
            "data_files": [upload_file(CSV, "besuche.csv")],
        }

    page = german_upload(client_for(enrolled), assignment, upload())
    assert "Bitte geben Sie an, woher Ihre Daten stammen" in page
    body = german_api_upload(enrolled, assignment, upload())
    assert body["source"] == [
        "Geben Sie an, woher Ihre Daten stammen und unter welcher Lizenz sie stehen "
        "(der Datensteckbrief)."
    ]


def test_the_service_refuses_a_missing_data_card_in_the_active_language(
    enrolled: Any, assignment: Any
) -> None:
    def submit() -> None:
        submit_attempt(
            participant=enrolled,
            enrollment=enrolled.enrollments.get(),
            assignment=assignment,
            upload=upload_file(participant_notebook()),
            data_files=[upload_file(CSV, "besuche.csv")],
        )

    with translation.override("de"), pytest.raises(DataFilesInvalid) as refused:
        submit()
    assert refused.value.message == (
        "Bitte füllen Sie den Datensteckbrief aus (woher die Daten stammen und unter welcher "
        "Lizenz sie stehen), wenn Sie Datendateien hochladen."
    )
    with pytest.raises(DataFilesInvalid, match="Please fill in the data card"):
        submit()


def test_schema_errors_are_explained_in_german_clause_by_clause() -> None:
    nb = v4.new_notebook(cells=[v4.new_code_cell("1")])
    data = json.loads(json.dumps(nb))
    data["cells"][0]["execution_count"] = "drei"
    with translation.override("de"), pytest.raises(NotebookRejected) as refused:
        validate_notebook(json.dumps(data).encode())
    assert refused.value.message == (
        "Zelle 1: Feld execution_count: sollte eine ganze Zahl oder leer (null) sein, "
        "ist aber Text."
    )


def test_output_sizes_are_given_in_german_number_format() -> None:
    outputs = [v4.new_output("stream", name="stdout", text="x" * 1_500_000)]
    raw = json.dumps(v4.new_notebook(cells=[v4.new_code_cell("1", outputs=outputs)])).encode()
    limits = IntakeLimits(max_output_bytes=1024 * 1024)
    with translation.override("de"), pytest.raises(NotebookRejected) as refused:
        validate_notebook(raw, limits)
    assert refused.value.message.startswith(
        "Zelle 1: Die Ausgaben sind 1,4 MB groß, 441 KB mehr als die 1 MB, die eine Zelle "
        "haben darf."
    )


def test_releasing_before_autograding_has_finished_is_refused_in_german(
    enrolled: Any, assignment: Any, instructor: Any
) -> None:
    submission = submit(
        enrolled, assignment
    )  # on-commit callbacks do not run here: grading stays queued
    with translation.override("de"), pytest.raises(ReviewInvalid) as refused:
        release_review(grader=instructor, submission=submission)
    assert refused.value.message == (
        "Warten Sie, bis die automatische Bewertung abgeschlossen ist, bevor Sie die Bewertung "
        "freigeben."
    )


def test_the_purge_is_refused_in_german(cohort: Any, coordinator: Any, instructor: Any) -> None:
    with translation.override("de"), pytest.raises(PurgeRefused) as refused:
        purge_cohort_data(actor=instructor, cohort=cohort, reason="Aufbewahrung vorbei")
    assert refused.value.message == "Nur die Programmkoordination kann Datendateien löschen."
    with translation.override("de"), pytest.raises(PurgeRefused) as refused:
        purge_cohort_data(actor=coordinator, cohort=cohort, reason="x")
    assert refused.value.message == (
        "Datendateien können gelöscht werden, sobald der Durchgang beendet ist."
    )
