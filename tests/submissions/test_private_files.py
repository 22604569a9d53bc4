"""Every response that carries a person's file or data is kept out of caches, and the rendered
notebook carries the frame's whole Content-Security-Policy wherever it is served.

``Cache-Control: private, no-store`` (Django's ``never_cache``, which also says ``no-cache``,
``must-revalidate`` and ``max-age=0``): a shared cache must not keep a participant's notebook,
data file, rendered notebook, export, gradebook or certificate, nor a browser after log-out.
"""

import base64
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from courses.certificates.credentials import keys
from courses.models import Certificate
from submissions.intake.services import DataCardInput
from submissions.models import RenderedNotebook, Submission
from submissions.tasks import render_notebook
from tests.helpers import api_client, issue_certificate, log_in, submit


@dataclass
class Files:
    submission: Submission
    data_file_pk: int
    certificate: Certificate
    participant: Any
    instructor: Any
    cohort: Any
    assignment: Any


@pytest.fixture
def files(enrolled: Any, instructor: Any, assignment: Any, cohort: Any, settings: Any) -> Files:
    settings.CERTIFICATE_SIGNING_KEY = base64.b64encode(bytes(range(32))).decode()
    keys._load_key.cache_clear()
    submission = submit(
        enrolled,
        assignment,
        data_files=[SimpleUploadedFile("points.csv", b"x,y\n1,2\n")],
        data_card=DataCardInput(source="own survey", licence="CC BY 4.0"),
    )
    render_notebook.call(
        RenderedNotebook.objects.get(notebook_sha256=submission.notebook_sha256).pk
    )
    return Files(
        submission=submission,
        data_file_pk=submission.data_files.get().pk,
        certificate=issue_certificate(enrolled, assignment),
        participant=enrolled,
        instructor=instructor,
        cohort=cohort,
        assignment=assignment,
    )


def _page(user: str, name: str, *args: Callable[[Files], object]) -> Callable[[Files], Any]:
    def get(f: Files) -> Any:
        client = log_in(Client(), getattr(f, user))
        return client.get(reverse(name, args=[arg(f) for arg in args]))

    return get


def _api(user: str, name: str, *args: Callable[[Files], object]) -> Callable[[Files], Any]:
    def get(f: Files) -> Any:
        return api_client(getattr(f, user)).get(reverse(name, args=[arg(f) for arg in args]))

    return get


def submission(f: Files) -> int:
    return f.submission.pk


def data_file(f: Files) -> int:
    return f.data_file_pk


def cohort(f: Files) -> int:
    return int(f.cohort.pk)


def assignment(f: Files) -> int:
    return int(f.assignment.pk)


def certificate(f: Files) -> str:
    return f.certificate.code


PRIVATE_FILES = {
    "the notebook frame": _page("participant", "submissions:notebook", submission),
    "the notebook download": _page("participant", "submissions:download", submission),
    "a data file": _page("participant", "submissions:data-file", submission, data_file),
    "the grader's notebook download": _page("instructor", "submissions:download", submission),
    "the export zip": _page("instructor", "submissions:export-zip", assignment),
    "the gradebook CSV": _page("instructor", "submissions:gradebook-csv", cohort),
    "the certificate register CSV": _page("instructor", "certificates:register-csv", cohort),
    "a certificate PDF": _page("participant", "certificates:pdf", certificate),
    "a certificate credential": _page("participant", "certificates:credential", certificate),
    "the API's notebook": _api("participant", "submissions-api:notebook", submission),
    "the API's rendered notebook": _api("participant", "submissions-api:rendered", submission),
    "the API's data file": _api("participant", "submissions-api:data-file", submission, data_file),
    "the API's gradebook CSV": _api("instructor", "submissions-api:gradebook-csv", cohort),
    "the API's gradebook": _api("instructor", "submissions-api:gradebook", cohort),
}


def cache_control(response: Any) -> set[str]:
    return {part.strip() for part in response.get("Cache-Control", "").split(",")}


@pytest.mark.parametrize("view", PRIVATE_FILES)
def test_a_persons_file_is_never_stored_by_a_cache(files: Files, view: str) -> None:
    response = PRIVATE_FILES[view](files)

    assert response.status_code == 200, view
    assert {"private", "no-store"} <= cache_control(response), response.get("Cache-Control")


def _directives(response: Any) -> dict[str, str]:
    policy = response["Content-Security-Policy"]
    return {
        part.strip().split(" ", 1)[0]: part.strip().partition(" ")[2]
        for part in policy.split(";")
        if part.strip()
    }


@pytest.mark.parametrize("view", ["the notebook frame", "the API's rendered notebook"])
def test_the_rendered_notebook_carries_the_frames_whole_policy(files: Files, view: str) -> None:
    response = PRIVATE_FILES[view](files)

    directives = _directives(response)
    assert response.status_code == 200
    assert directives["default-src"] == "'none'"
    assert directives["img-src"] == "data:"
    assert directives["form-action"] == "'none'"
    assert directives["base-uri"] == "'none'"
    assert directives["frame-ancestors"] == "'self'"
    assert "sandbox" in directives and directives["sandbox"] == ""
    assert "script-src" not in directives
