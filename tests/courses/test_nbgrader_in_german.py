"""nbgrader's publish and import refusals in the instructor's language: translated when raised
(docs/i18n.md, "Marking strings"), in English where Django is not configured."""

import html
import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import nbformat
import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from django.utils import translation
from nbformat import v4

from courses.exceptions import PublishError
from courses.models import Assignment
from courses.nbgrader import NbgraderFormatError, publish
from courses.nbgrader_import import course_in_archive
from submissions.publishing.services import publish_checked
from tests.helpers import api_client, tiny_source_notebook, upload_file
from tests.nbgrader_builders import answer, autotest, nbgrader, notebook, plain

ROOT = Path(__file__).resolve().parents[2]

DUPLICATE_GRADE_ID = notebook(answer("a", "x = 1"), autotest("a", "assert x"))
GRADE_CELL_WITHOUT_POINTS = notebook(
    v4.new_code_cell("assert 1", metadata=nbgrader(grade=True, grade_id="t"))
)

REFUSALS = [
    pytest.param(
        DUPLICATE_GRADE_ID,
        "Zelle 2 (grade_id 'a'): Die grade_id 'a' wird bereits von Zelle 1 verwendet; "
        "jede grade_id muss eindeutig sein.",
        "Cell 2 (grade_id 'a'): grade_id 'a' is already used by cell 1; grade ids must be unique.",
        id="duplicate-grade-id",
    ),
    pytest.param(
        GRADE_CELL_WITHOUT_POINTS,
        "Zelle 1 (grade_id 't'): Die Zelle wird bewertet, hat aber keine Punkte.",
        "Cell 1 (grade_id 't'): the cell is graded but has no points.",
        id="grade-cell-without-points",
    ),
    pytest.param(
        notebook(
            answer("a", "x = 1\n### BEGIN HIDDEN TESTS\nassert x\n### END HIDDEN TESTS"),
            autotest("t", "assert x"),
        ),
        "Zelle 1 (grade_id 'a'): Die Zelle enthält verborgene Tests, ist aber keine Zelle mit "
        "Tests für die automatische Bewertung.",
        "Cell 1 (grade_id 'a'): the cell has hidden tests but is not an autograder tests cell.",
        id="hidden-tests-in-an-answer",
    ),
    pytest.param(
        notebook(autotest("t", "assert 1"), plain("### BEGIN SOLUTION\nx = 1\n### END SOLUTION")),
        "Zelle 2: Die Zelle hat einen Lösungsbereich, ist aber keine Lösungszelle (markieren Sie "
        "sie als automatisch oder manuell bewertete Antwort).",
        "Cell 2: the cell has a solution region but is not a solution cell (mark it as an "
        "autograded or manually graded answer).",
        id="solution-in-a-plain-cell",
    ),
    pytest.param(
        notebook(
            v4.new_code_cell(
                "assert 1",
                metadata=nbgrader(schema_version=5, grade=True, grade_id="t", points=1),
            )
        ),
        "Zelle 1 (grade_id 't'): Die nbgrader-Metadaten verwenden die Schemaversion 5, neuer "
        "als die Versionen, die diese Plattform liest (bis 4); erzeugen Sie das Notebook mit "
        "nbgrader 0.9 oder älter neu.",
        "Cell 1 (grade_id 't'): the nbgrader metadata uses schema version 5, newer than the "
        "versions this platform reads (up to 4); republish it from nbgrader 0.9 or older.",
        id="schema-too-new",
    ),
    pytest.param(
        notebook(
            answer("a", "### BEGIN SOLUTION\n### BEGIN SOLUTION\nx\n### END SOLUTION"),
            autotest("t", "assert 1"),
        ),
        "Zelle 1 (grade_id 'a'): Zeile 2 öffnet einen Lösungsbereich innerhalb des in Zeile 1 "
        "geöffneten (Bereiche können nicht verschachtelt werden).",
        "Cell 1 (grade_id 'a'): line 2 opens a solution region inside the one opened on line 1 "
        "(regions cannot be nested).",
        id="nested-solution",
    ),
    pytest.param(
        notebook(answer("a", "### BEGIN SOLUTION\nx = 1"), autotest("t", "assert 1")),
        "Zelle 1 (grade_id 'a'): Zu '### BEGIN SOLUTION' in Zeile 1 fehlt '### END SOLUTION'.",
        "Cell 1 (grade_id 'a'): the '### BEGIN SOLUTION' on line 1 has no '### END SOLUTION'.",
        id="unterminated-solution",
    ),
    pytest.param(
        notebook(answer("a", "x = 1"), plain("assert x == 1")),
        "Das Notebook hat keine Bewertungszellen: Markieren Sie mindestens eine Zelle als Tests "
        "für die automatische Bewertung, als manuell bewertete Antwort oder als manuell "
        "bewertete Teilaufgabe.",
        "The notebook has no graded cells: mark at least one cell as autograder tests, a "
        "manually graded answer or a manually graded task.",
        id="no-graded-cells",
    ),
    pytest.param(
        b"\xff\xfe",
        "Die Datei ist kein Notebook: Es handelt sich nicht um UTF-8-Text.",
        "The file is not a notebook: it is not UTF-8 text.",
        id="not-utf-8",
    ),
]


@pytest.mark.parametrize(("source", "german", "english"), REFUSALS)
def test_publishing_refuses_in_the_active_language(
    source: bytes, german: str, english: str
) -> None:
    with translation.override("de"), pytest.raises(NbgraderFormatError) as refused:
        publish(source)
    assert str(refused.value) == german
    with pytest.raises(NbgraderFormatError) as refused:
        publish(source)
    assert str(refused.value) == english


def test_the_publish_service_refuses_in_german_and_publishes_nothing(module: Any) -> None:
    with translation.override("de"), pytest.raises(PublishError) as refused:
        publish_checked(module=module, slug="s", title="S", source=GRADE_CELL_WITHOUT_POINTS)
    assert refused.value.message == (
        "Zelle 1 (grade_id 't'): Die Zelle wird bewertet, hat aber keine Punkte."
    )
    assert not Assignment.objects.filter(slug="s").exists()


def duplicate_source() -> bytes:
    nb = tiny_source_notebook()
    nb.cells[3].metadata["nbgrader"]["grade_id"] = "test_square"
    return nbformat.writes(nb).encode()


DUPLICATE_IN_TINY = (
    "Zelle 4 (grade_id 'test_square'): Die grade_id 'test_square' wird bereits von Zelle 3 "
    "verwendet; jede grade_id muss eindeutig sein."
)


def test_a_german_instructor_reads_the_refusal_in_german_on_the_publish_page(
    cohort: Any, module: Any, instructor: Any, client_for: Any
) -> None:
    client = client_for(instructor)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "de"
    response = client.post(
        reverse("submissions:publish", args=[module.pk]),
        {
            "title": "Quadrate",
            "slug": "quadrate",
            "source": upload_file(duplicate_source(), "source.ipynb"),
            "max_attempts": 3,
        },
    )
    assert response.status_code == 400
    page = html.unescape(response.content.decode())
    assert DUPLICATE_IN_TINY in page
    assert "already used" not in page
    assert not Assignment.objects.filter(slug="quadrate").exists()


def test_the_api_refuses_in_the_language_of_accept_language(
    cohort: Any, module: Any, instructor: Any
) -> None:
    response = api_client(instructor).post(
        reverse("submissions-api:publish", args=[module.pk]),
        {"title": "Q", "slug": "q", "source": upload_file(duplicate_source(), "s.ipynb")},
        format="multipart",
        headers={"accept-language": "de-DE,de;q=0.9"},
    )
    assert response.status_code == 400
    assert response.json() == {"source": [DUPLICATE_IN_TINY]}


def zipped_course(notebooks: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in notebooks.items():
            archive.writestr(f"course/source/{name}", data)
    return buffer.getvalue()


def test_a_german_instructor_reads_import_refusals_in_german(
    cohort: Any, module: Any, instructor: Any, client_for: Any
) -> None:
    client = client_for(instructor)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "de"
    url = reverse("submissions:import-course", args=[module.pk])
    course = zipped_course(
        {
            "ps1/squares.ipynb": nbformat.writes(tiny_source_notebook()).encode(),
            "ps2/broken.ipynb": GRADE_CELL_WITHOUT_POINTS,
        }
    )
    response = client.post(url, {"archive": upload_file(course, "course.zip")})
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert "Zelle 1 (grade_id 't'): Die Zelle wird bewertet, hat aber keine Punkte." in page
    assert "Nicht importiert: 1 seiner Notebooks wurde abgelehnt." in page
    assert not Assignment.objects.filter(module=module).exists()

    response = client.post(url, {"archive": upload_file(b"nope", "course.zip")})
    assert response.status_code == 400
    assert "Dies ist kein ZIP-Archiv eines nbgrader-Kurses." in response.content.decode()


def test_an_archive_without_source_notebooks_is_refused_in_german() -> None:
    with translation.override("de"), pytest.raises(PublishError) as refused:
        course_in_archive(zipped_course({"notes.txt": b"x"}))
    assert refused.value.message == (
        "Keine Quellnotebooks gefunden (erwartet: source/<assignment>/<notebook>.ipynb)."
    )


def test_without_django_the_refusals_are_english_and_django_is_not_imported() -> None:
    """Benchmarks and the nbgrader reference runs use courses.nbgrader without settings."""
    program = (
        "import sys\n"
        "from courses.nbgrader import NbgraderFormatError, publish\n"
        "try:\n"
        "    publish(sys.stdin.buffer.read())\n"
        "except NbgraderFormatError as error:\n"
        "    print(error)\n"
        "print('django' in sys.modules)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    result = subprocess.run(
        [sys.executable, "-c", program],
        input=GRADE_CELL_WITHOUT_POINTS,
        capture_output=True,
        cwd=ROOT,
        env=env,
        check=True,
        timeout=60,
    )
    assert result.stdout.decode().splitlines() == [
        "Cell 1 (grade_id 't'): the cell is graded but has no points.",
        "False",
    ]
