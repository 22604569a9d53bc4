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
from platform.blobs import read_blob
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


def test_the_command_imports_each_nbgrader_assignment_as_one_assignment_with_due_dates(
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
    # ps2 has two notebooks: one assignment holding both, its points added up.
    assert titles == [("ps1", "ps1"), ("ps2", "ps2")]
    ps1 = Assignment.objects.get(slug="ps1")
    assert ps1.due_at is not None and ps1.due_at.isoformat() == "2026-12-01T17:00:00+00:00"
    ps2 = Assignment.objects.get(slug="ps2")
    assert ps2.due_at is None
    assert [n.name for n in ps2.notebook_set()] == ["part-a.ipynb", "part-b.ipynb"]
    assert ps2.max_points == 2 * ps1.max_points
    assert "part-b/test_square" in {c["grade_id"] for c in ps2.grade_cells}
    assert PublishCheck.objects.count() == 2
    report = out.getvalue().splitlines()
    assert "ps1, due 2026-12-01 17:00 UTC: imported (publish checks queued)" in report
    assert "  “ps2” (ps2), 10 points" in report
    assert "  ps2/part-a.ipynb: 5 points" in report


def test_a_broken_notebook_keeps_its_assignment_out_and_never_the_others(
    module: Any, tmp_path: Path
) -> None:
    course = write_course(tmp_path / "course")
    nb = tiny_source_notebook()
    nb.cells[2].metadata["nbgrader"]["points"] = -1
    (course / "source" / "ps2" / "part-b.ipynb").write_text(nbformat.writes(nb))
    out = StringIO()
    with pytest.raises(CommandError, match="1 of 2 assignments were not imported"):
        call_command("import_nbgrader_course", str(course), module=module.pk, stdout=out)
    report = out.getvalue()
    assert "ps2: Not imported: 1 of its notebooks was refused." in report
    assert "  ps2/part-b.ipynb: Cell 3 (grade_id 'test_square'): points must be" in report
    assert list(Assignment.objects.filter(module=module).values_list("slug", flat=True)) == ["ps1"]
    assert PublishCheck.objects.count() == 1


def test_a_dry_run_reports_the_same_and_writes_nothing(module: Any, tmp_path: Path) -> None:
    course = write_course(tmp_path / "course")
    (course / "source" / "ps1" / "data.csv").write_text("a,b\n1,2\n")
    (course / "source" / "loose.ipynb").write_text(nbformat.writes(tiny_source_notebook()))
    out = StringIO()
    call_command("import_nbgrader_course", str(course), module=module.pk, dry_run=True, stdout=out)
    report = out.getvalue().splitlines()
    assert "ps1: would be imported" in report
    assert "  “ps1” (ps1), 5 points" in report
    assert "  ps1/squares.ipynb: 5 points" in report
    assert "  ps1/data.csv: course file, 8 bytes" in report
    assert (
        "loose.ipynb: not imported: notebooks are read from "
        "source/<assignment>/<notebook>.ipynb only." in report
    )
    assert report[-1] == "Dry run: nothing was written."
    assert not Assignment.objects.exists()
    assert not PublishCheck.objects.exists()


def test_importing_again_replaces_nothing_and_names_the_assignment_that_exists(
    module: Any, tmp_path: Path
) -> None:
    course = write_course(tmp_path / "course")
    call_command("import_nbgrader_course", str(course), module=module.pk, stdout=StringIO())
    Assignment.objects.filter(module=module, slug="ps1").update(max_attempts=2)
    out = StringIO()
    with pytest.raises(CommandError, match="2 of 2 assignments were not imported"):
        call_command("import_nbgrader_course", str(course), module=module.pk, stdout=out)
    assert "ps1: The module already has an assignment with the short name “ps1”" in out.getvalue()
    assert Assignment.objects.filter(module=module).count() == 2
    assert Assignment.objects.get(module=module, slug="ps1").max_attempts == 2
    assert PublishCheck.objects.count() == 2


def test_the_courses_header_and_footer_frame_every_notebook(module: Any, tmp_path: Path) -> None:
    course = write_course(tmp_path / "course")
    header = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("Course header")])
    footer = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("Course footer")])
    (course / "source" / "header.ipynb").write_text(nbformat.writes(header))
    (course / "extra").mkdir()
    (course / "extra" / "end.ipynb").write_text(nbformat.writes(footer))
    (course / "nbgrader_config.py").write_text(
        "c = get_config()\nc.IncludeHeaderFooter.footer = 'extra/end.ipynb'\n"
    )
    out = StringIO()
    call_command("import_nbgrader_course", str(course), module=module.pk, stdout=out)
    report = out.getvalue().splitlines()
    assert report[:2] == [
        "source/header.ipynb is put before the cells of every notebook (nbgrader's header).",
        "extra/end.ipynb is put after the cells of every notebook (nbgrader's footer).",
    ]
    for assignment in Assignment.objects.filter(module=module):
        notebooks = assignment.notebook_set()
        for notebook in notebooks:
            release = read_blob(notebook.release_sha256).decode()
            cells = nbformat.reads(release, as_version=4).cells
            assert (cells[0].source, cells[-1].source) == ("Course header", "Course footer")
        # The grade cells are counted in the framed notebook.
        assert [c["cell_index"] for c in assignment.grade_cells] == [3, 4, 5] * len(notebooks)


@pytest.mark.slow
def test_autotest_directives_are_instantiated_with_the_assignments_own_templates(
    module: Any, tmp_path: Path
) -> None:
    course = write_course(tmp_path / "course")
    nb = tiny_source_notebook()
    nb.cells[2].source = "### AUTOTEST square(3)"
    (course / "source" / "ps1" / "squares.ipynb").write_text(nbformat.writes(nb))
    (course / "source" / "ps1" / "autotests.yml").write_text(
        "python3:\n"
        '    dispatch: "type({{snippet}})"\n'
        '    normalize: "repr({{snippet}})"\n'
        "    check: 'assert {{snippet}} == \"{{value}}\"'\n"
        "    templates:\n"
        '        default: [{test: "{{snippet}}", fail: "wrong"}]\n'
    )
    nb.cells[2].source = "### AUTOTEST cube(3)"
    (course / "source" / "ps2" / "part-a.ipynb").write_text(nbformat.writes(nb))
    out = StringIO()
    with pytest.raises(CommandError, match="1 of 2 assignments were not imported"):
        call_command("import_nbgrader_course", str(course), module=module.pk, stdout=out)
    report = out.getvalue()
    assert "AUTOTEST directives turned into tests with ps1/autotests.yml." in report
    assert "the AUTOTEST expression 'cube(3)' could not be evaluated" in report
    ps1 = Assignment.objects.get(module=module)
    grading = read_blob(ps1.grading_sha256).decode()
    assert 'assert repr(square(3)) == \\"9\\"' in grading


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


def test_an_instructor_previews_then_imports_a_zipped_course(
    cohort: Any, module: Any, instructor: Any, enrolled: Any, client_for: Any, tmp_path: Path
) -> None:
    data = zipped(write_course(tmp_path / "course"))
    url = reverse("submissions:import-course", args=[module.pk])
    assert client_for(enrolled).get(url).status_code == 404
    client = client_for(instructor)
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "archive": upload_file(data, "course.zip"),
            "gradebook": upload_file(
                write_gradebook(tmp_path / "g.db").read_bytes(), "gradebook.db"
            ),
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="import-report" data-dry-run="true"' in page
    assert page.count('data-state="ready"') == 2
    assert not Assignment.objects.exists()
    preview = response.context["preview"]
    assert client_for(enrolled).post(url, {"preview": preview}).status_code == 404
    response = client.post(url, {"preview": preview})
    assert response.status_code == 200
    assert 'data-dry-run="false"' in response.content.decode()
    assert response.content.decode().count('data-state="imported"') == 2
    assert Assignment.objects.filter(module=module).count() == 2
    assert Assignment.objects.get(slug="ps1").due_at is not None
    # Imported, the assignments keep nbgrader's warnings rule unless the preview said otherwise.
    assert not Assignment.objects.get(slug="ps1").settings.ignore_stderr_warnings


@pytest.mark.parametrize(("lenient", "ignores_warnings"), [("1", True), (None, False)])
def test_the_preview_chooses_the_warnings_rule_of_the_imported_assignments(
    cohort: Any,
    module: Any,
    instructor: Any,
    client_for: Any,
    tmp_path: Path,
    lenient: str | None,
    ignores_warnings: bool,
) -> None:
    url = reverse("submissions:import-course", args=[module.pk])
    client = client_for(instructor)
    response = client.post(
        url, {"archive": upload_file(zipped(write_course(tmp_path / "course")), "course.zip")}
    )
    assert 'name="lenient_warnings"' in response.content.decode()
    confirm = {"preview": response.context["preview"]}
    if lenient:
        confirm["lenient_warnings"] = lenient
    assert client.post(url, confirm).status_code == 200
    assert Assignment.objects.filter(module=module).count() == 2
    for assignment in Assignment.objects.filter(module=module):
        assert assignment.settings.ignore_stderr_warnings is ignores_warnings


def test_a_tampered_preview_is_refused(
    cohort: Any, module: Any, instructor: Any, client_for: Any, tmp_path: Path
) -> None:
    url = reverse("submissions:import-course", args=[module.pk])
    response = client_for(instructor).post(
        url, {"archive": upload_file(zipped(write_course(tmp_path / "course")), "course.zip")}
    )
    preview = response.context["preview"]
    for token in (preview + "x", "nonsense"):
        response = client_for(instructor).post(url, {"preview": token})
        assert response.status_code == 400
        assert "This preview has expired or is not valid" in response.content.decode()
    assert not Assignment.objects.exists()


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
