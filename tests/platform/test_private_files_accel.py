"""With PRIVATE_FILES_ACCEL every private-file download leaves its bytes to nginx.

The view still checks access and answers with the headers of a streamed download, but with an
empty body and an ``X-Accel-Redirect`` naming the blob under nginx's internal location
(docs/operations.md, "The production topology"). That nginx then sends those bytes is tested
against a real nginx in ``test_serve.py``.
"""

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from platform.blobs import blob_name
from submissions.models import RenderedNotebook
from submissions.tasks import render_notebook
from tests.helpers import api_client, participant_notebook, submit, upload_file

CSV = b"day,visits\nmon,3\n"


@pytest.fixture
def accel(settings: Any) -> None:
    settings.PRIVATE_FILES_ACCEL = True


def private_file(response: Any) -> bytes:
    """The bytes nginx would send: the file the redirect names below PRIVATE_FILES_ROOT."""
    target = response["X-Accel-Redirect"]
    assert target.startswith(django_settings.PRIVATE_FILES_ACCEL_PREFIX)
    root = Path(django_settings.STORAGES["private"]["OPTIONS"]["location"])
    return (root / target.removeprefix(django_settings.PRIVATE_FILES_ACCEL_PREFIX)).read_bytes()


def assert_accelerated(response: Any, *, content_type: str, filename: str) -> None:
    assert response.status_code == 200
    assert response.content == b""
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "Content-Security-Policy" in response


def test_the_participants_downloads_name_their_blob_for_nginx(
    accel: None, enrolled: Any, other_enrolled: Any, assignment: Any, client_for: Any
) -> None:
    notebook = participant_notebook()
    submission = submit(enrolled, assignment, notebook=notebook, data_files=[])
    client = client_for(enrolled)

    response = client.get(reverse("submissions:download", args=[submission.pk]))
    assert_accelerated(
        response,
        content_type="application/octet-stream",
        filename=f"{assignment.slug}-attempt-1.ipynb",
    )
    assert response["X-Accel-Redirect"] == (
        django_settings.PRIVATE_FILES_ACCEL_PREFIX + blob_name(submission.notebook_sha256)
    )
    assert private_file(response) == notebook

    starter = client.get(reverse("courses:starter", args=[assignment.pk]))
    assert_accelerated(
        starter, content_type="application/x-ipynb+json", filename=f"{assignment.slug}.ipynb"
    )
    assert b"NotImplementedError" in private_file(starter)

    other = client_for(other_enrolled).get(reverse("submissions:download", args=[submission.pk]))
    assert other.status_code == 404
    assert "X-Accel-Redirect" not in other


def test_the_apis_downloads_name_their_blob_for_nginx(
    accel: None, enrolled: Any, other_enrolled: Any, assignment: Any
) -> None:
    client = api_client(enrolled)
    uploaded = participant_notebook()
    created = client.post(
        reverse("submissions-api:upload", args=[assignment.pk]),
        {
            "notebook": upload_file(uploaded),
            "data_files": [SimpleUploadedFile("v.csv", CSV)],
            "source": "survey",
            "licence": "CC0",
        },
        format="multipart",
    )
    assert created.status_code == 201, created.content
    body = created.json()

    data = client.get(body["data_files"][0]["url"])
    assert_accelerated(data, content_type="application/octet-stream", filename="v.csv")
    assert private_file(data) == CSV
    assert api_client(other_enrolled).get(body["data_files"][0]["url"]).status_code == 404

    notebook = client.get(body["notebook_url"])
    assert_accelerated(
        notebook,
        content_type="application/octet-stream",
        filename=f"{assignment.slug}-attempt-1.ipynb",
    )
    assert private_file(notebook) == uploaded

    render_notebook.call(RenderedNotebook.objects.get().pk)
    rendered = client.get(body["rendered_url"])
    assert_accelerated(rendered, content_type="text/html; charset=utf-8", filename="notebook.html")
    # The notebook's own policy, which nginx copies onto the bytes it sends.
    assert "sandbox" in rendered["Content-Security-Policy"]
    assert b"cell-2" in private_file(rendered)


def test_without_the_setting_django_streams_the_file_itself(
    enrolled: Any, assignment: Any, client_for: Any
) -> None:
    notebook = participant_notebook()
    submission = submit(enrolled, assignment, notebook=notebook)
    response = client_for(enrolled).get(reverse("submissions:download", args=[submission.pk]))
    assert "X-Accel-Redirect" not in response
    assert b"".join(response.streaming_content) == notebook
    assert response["X-Content-Type-Options"] == "nosniff"
