"""Importing an existing nbgrader course: directory (command) and zip (instructor upload)."""

import io
import sqlite3
import zipfile
from io import StringIO
from pathlib import Path
from typing import Any

import nbformat
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from courses.models import Assignment
from submissions.models import PublishCheck
from tests.helpers import submit, tiny_source_notebook, upload_file


def write_course(root: Path) -> Path:
    for assignment, notebooks in {"ps1": ["squares"], "ps2": ["part-a", "part-b"]}.items():
        folder = root / "source" / assignment
        folder.mkdir(parents=True)
        for name in notebooks:
            (folder / f"{name}.ipynb").write_text(nbformat.writes(tiny_source_notebook()))
    (root / "source" / "ps1" / ".ipynb_checkpoints").mkdir()
    (root / "source" / "ps1" / ".ipynb_checkpoints" / "squares-checkpoint.ipynb").write_text("{}")
    return root


def write_gradebook(path: Path) -> Path:
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE assignment (id TEXT, name TEXT, duedate DATETIME)")
    db.execute("INSERT INTO assignment VALUES ('1', 'ps1', '2026-12-01 17:00:00.000000')")
    db.execute("INSERT INTO assignment VALUES ('2', 'ps2', NULL)")
    db.commit()
    db.close()
    return path


def test_the_command_imports_every_source_notebook_with_due_dates(
    module: Any, tmp_path: Path
) -> None:
    course = write_course(tmp_path / "course")
    out = StringIO()
    call_command(
        "import_nbgrader_course",
        str(course),
        module=module.pk,
        gradebook=str(write_gradebook(tmp_path / "gb.db")),
        stdout=out,
    )
    titles = list(
        Assignment.objects.filter(module=module).order_by("order").values_list("title", "slug")
    )
    assert titles == [
        ("ps1", "ps1"),
        ("ps2 · part-a", "ps2-part-a"),
        ("ps2 · part-b", "ps2-part-b"),
    ]
    ps1 = Assignment.objects.get(slug="ps1")
    assert ps1.due_at is not None and ps1.due_at.isoformat() == "2026-12-01T17:00:00+00:00"
    assert Assignment.objects.get(slug="ps2-part-a").due_at is None
    assert PublishCheck.objects.count() == 3
    assert "published ps1" in out.getvalue()


def test_a_broken_source_aborts_the_whole_import_and_names_the_notebook(
    module: Any, tmp_path: Path
) -> None:
    course = write_course(tmp_path / "course")
    nb = tiny_source_notebook()
    nb.cells[2].metadata["nbgrader"]["points"] = -1
    (course / "source" / "ps2" / "part-b.ipynb").write_text(nbformat.writes(nb))
    with pytest.raises(CommandError, match=r"ps2/part-b.ipynb: Cell 3 .*points"):
        call_command("import_nbgrader_course", str(course), module=module.pk, stdout=StringIO())
    assert not Assignment.objects.filter(module=module).exists()


def test_importing_again_replaces_nothing_and_names_the_notebook_whose_assignment_exists(
    module: Any, tmp_path: Path
) -> None:
    course = write_course(tmp_path / "course")
    call_command("import_nbgrader_course", str(course), module=module.pk, stdout=StringIO())
    Assignment.objects.filter(module=module, slug="ps1").update(max_attempts=2)
    with pytest.raises(CommandError, match=r"ps1/squares.ipynb: The module already has"):
        call_command("import_nbgrader_course", str(course), module=module.pk, stdout=StringIO())
    assert Assignment.objects.filter(module=module).count() == 3
    assert Assignment.objects.get(module=module, slug="ps1").max_attempts == 2
    assert PublishCheck.objects.count() == 3


def test_a_directory_that_is_not_a_course_is_refused(module: Any, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="no source/ directory"):
        call_command("import_nbgrader_course", str(tmp_path), module=module.pk, stdout=StringIO())


def zipped(root: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in root.rglob("*"):
            if path.is_file():
                archive.write(path, path.relative_to(root.parent))
        archive.writestr("course/../../evil/x.ipynb", "{}")
    return buffer.getvalue()


def test_an_instructor_imports_a_zipped_course(
    cohort: Any, module: Any, instructor: Any, enrolled: Any, client_for: Any, tmp_path: Path
) -> None:
    data = zipped(write_course(tmp_path / "course"))
    url = reverse("submissions:import-course", args=[module.pk])
    assert client_for(enrolled).get(url).status_code == 404
    response = client_for(instructor).post(
        url,
        {
            "archive": upload_file(data, "course.zip"),
            "gradebook": upload_file(
                write_gradebook(tmp_path / "g.db").read_bytes(), "gradebook.db"
            ),
        },
    )
    assert response.status_code == 302
    assert Assignment.objects.filter(module=module).count() == 3
    assert Assignment.objects.get(slug="ps1").due_at is not None


def test_a_non_zip_upload_gets_a_clear_error(
    cohort: Any, module: Any, instructor: Any, client_for: Any
) -> None:
    response = client_for(instructor).post(
        reverse("submissions:import-course", args=[module.pk]),
        {"archive": upload_file(b"nope", "course.zip")},
    )
    assert response.status_code == 400
    assert "not a zip archive" in response.content.decode()


def test_the_cohort_page_needs_a_constant_number_of_queries(
    cohort: Any,
    module: Any,
    instructor: Any,
    enrolled: Any,
    other_enrolled: Any,
    assignment: Any,
    client_for: Any,
    django_assert_max_num_queries: Any,
) -> None:

    for user in (enrolled, other_enrolled):
        for _ in range(3):
            submit(user, assignment, notebook=nbformat.writes(tiny_source_notebook()).encode())
    client = client_for(instructor)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("submissions:cohort", args=[cohort.pk]))
    assert response.status_code == 200
    assert response.content.decode().count("/grade/") == 6
