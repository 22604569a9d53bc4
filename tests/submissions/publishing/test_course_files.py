"""Course files: published with a version (page, API, import), checked and capped, graded with,
downloaded one by one or with the release as a zip, and shown as images in rendered notebooks
(docs/course-files.md)."""

import io
import re
import stat
import zipfile
from typing import Any

import nbformat
import pytest
from django.urls import reverse

from courses.course_files import clean_course_path, release_zip
from courses.exceptions import PublishError
from courses.models import Assignment, AssignmentFile
from courses.nbgrader_import import course_in_archive
from courses.services import activate_assignment_version, start_version_check
from platform.blobs import read_blob
from submissions.models import PublishCheck
from submissions.publishing.course_files import store_course_files
from submissions.publishing.services import (
    draft_replacement,
    import_nbgrader_course,
    instantiate_autotests,
)
from submissions.rendering.course_images import inline_course_images
from submissions.rendering.sanitize import HtmlCleaner
from submissions.services import rerun_grading
from tests.helpers import (
    api_client,
    participant_notebook,
    publish,
    submit,
    tiny_source_notebook,
    upload_file,
)
from tests.submissions.intake.test_data_files import CARD

CSV = b"a,b\n1,2\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 20


def course_source() -> bytes:
    """The tiny source whose first test reads the course's data.csv and whose introduction
    shows the course's images/fig.png."""
    nb = tiny_source_notebook()
    nb.cells[0].source = "# Squares\n![A figure](images/fig.png)"
    nb.cells[2].source = (
        "import pathlib\nassert pathlib.Path('data.csv').read_bytes() == "
        + repr(CSV)
        + "\nassert square(3) == 9"
    )
    return nbformat.writes(nb).encode()


def images_zip(*extra: tuple[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("images/fig.png", PNG)
        archive.writestr("__MACOSX/images/._fig.png", b"junk")
        for name, data in extra:
            archive.writestr(name, data)
    return buffer.getvalue()


def post_publish(client: Any, module: Any, **form: Any) -> Any:
    """The publish page, sent with ``course_source()`` as "Squares" unless ``form`` says
    otherwise."""
    data = {"title": "Squares", "slug": "squares-cf", "source": upload_file(course_source())}
    return client.post(reverse("submissions:publish", args=[module.pk]), data | form)


@pytest.fixture
def with_files(module: Any) -> Assignment:
    files = store_course_files([("data.csv", CSV), ("images/fig.png", PNG)])
    return publish(module, "squares-cf", "Squares", source=course_source(), course_files=files)


# -- names and caps ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("data.csv", "data.csv"),
        ("./images/fig.png", "images/fig.png"),
        ("helpers/util_2.py", "helpers/util_2.py"),
        ("images\\fig.png", "images/fig.png"),
        ("../../x", None),
        ("images/../../x", None),
        ("/etc/passwd", None),
        ("C:/Windows/x.dll", None),
        (".env", None),
        ("images/.hidden.png", None),
        ("problem2.ipynb", None),
        ("a/b/c/d/e/f/g.csv", None),
        ("", None),
        ("x" * 101, None),
    ],
)
def test_course_file_paths_stay_inside_the_notebooks_folder(raw: str, expected: str | None) -> None:
    if expected is None:
        with pytest.raises(PublishError, match="cannot be a course file"):
            clean_course_path(raw)
    else:
        assert clean_course_path(raw) == expected


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ([("big.csv", b"x" * 2049)], "more than the 2 KB a course file may have"),
        ([("a.csv", b"x" * 2000), ("b.csv", b"x" * 2000)], "more than the 3 KB allowed"),
        ([(f"f{n}.csv", b"x") for n in range(4)], "at most 3 course files (4 given)"),
        ([("data", b"x"), ("data/x.csv", b"x")], "clashes with another course file"),
        ([("Data.csv", b"x"), ("data.csv", b"x")], "clashes with another course file"),
    ],
)
def test_caps_and_clashes_are_refused_with_a_clear_message(
    settings: Any, files: list[tuple[str, bytes]], message: str
) -> None:
    settings.COURSE_FILE_MAX_BYTES = 2048
    settings.COURSE_FILES_MAX_BYTES = 3072
    settings.COURSE_FILES_MAX_COUNT = 3
    with pytest.raises(PublishError, match=re.escape(message)):
        store_course_files(files)


# -- publishing ----------------------------------------------------------------------------


@pytest.mark.parametrize("with_files", [True, False])
def test_the_publish_page_stores_files_and_a_zip_with_folders_and_the_check_reads_them(
    cohort: Any,
    module: Any,
    instructor: Any,
    client_for: Any,
    django_capture_on_commit_callbacks: Any,
    with_files: bool,
) -> None:
    files = [upload_file(CSV, "data.csv"), upload_file(images_zip(), "img.zip")]
    with django_capture_on_commit_callbacks(execute=True):
        response = post_publish(
            client_for(instructor), module, course_files=files if with_files else []
        )
    assert response.status_code == 302
    version = Assignment.objects.get(slug="squares-cf").live_version()
    assert version is not None
    assert sorted(version.files.values_list("path", "size")) == (
        [("data.csv", len(CSV)), ("images/fig.png", len(PNG))] if with_files else []
    )
    # The publish check graded the reference with the course file beside it; without it, the
    # reference's test fails and the instructor sees the problem.
    check = PublishCheck.objects.get()
    assert check.status == ("passed" if with_files else "problems"), check.report
    assert check.report["reference"]["test_square"] == ("2" if with_files else "0")


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("../../x.csv", "cannot be a course file"),
        ("/etc/passwd", "cannot be a course file"),
        ("link.csv", "symbolic link"),
    ],
)
def test_a_hostile_zip_is_refused_and_nothing_is_published(
    cohort: Any, module: Any, instructor: Any, client_for: Any, entry: str, message: str
) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        info = zipfile.ZipInfo(entry)
        if entry == "link.csv":
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(info, "/etc/passwd")
    response = post_publish(
        client_for(instructor), module, course_files=[upload_file(buffer.getvalue(), "files.zip")]
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Assignment.objects.exists()


def test_a_huge_file_is_refused_before_it_is_stored(
    cohort: Any, module: Any, instructor: Any, client_for: Any, settings: Any
) -> None:
    settings.COURSE_FILE_MAX_BYTES = 1024
    response = post_publish(
        client_for(instructor), module, course_files=[upload_file(b"x" * 5000, "huge.csv")]
    )
    assert response.status_code == 400
    assert "more than the 1 KB a course file may have" in response.content.decode()
    assert not AssignmentFile.objects.exists()


def test_a_replacement_keeps_the_files_unless_new_ones_are_given(
    with_files: Assignment, instructor: Any, cohort: Any
) -> None:
    client = api_client(instructor)
    url = reverse("submissions-api:source", args=[with_files.pk])
    response = client.put(url, {"source": upload_file(course_source())}, format="multipart")
    assert response.status_code == 202, response.content
    kept = with_files.versions.get(number=2)
    assert sorted(kept.files.values_list("path", flat=True)) == ["data.csv", "images/fig.png"]
    response = client.put(
        url,
        {"source": upload_file(course_source()), "course_files": [upload_file(CSV, "new.csv")]},
        format="multipart",
    )
    assert response.status_code == 202, response.content
    replaced = with_files.versions.get(number=3)
    assert list(replaced.files.values_list("path", flat=True)) == ["new.csv"]
    # The first version keeps its own files for the attempts made for it.
    assert with_files.versions.get(number=1).files.count() == 2


def test_the_publish_pages_replacement_keeps_or_replaces_the_files(
    with_files: Assignment, instructor: Any, cohort: Any, client_for: Any
) -> None:
    client = client_for(instructor)
    response = post_publish(client, with_files.module, replace="on")
    page = response.content.decode()
    assert response.status_code == 200 and 'id="confirm-version"' in page
    assert "Course files of version 2: data.csv, images/fig.png." in page
    assert with_files.versions.get(number=2).files.count() == 2
    post_publish(client, with_files.module, replace="on", course_files=[upload_file(CSV, "x.csv")])
    assert [f.path for f in with_files.versions.get(number=3).files.all()] == ["x.csv"]


def test_the_api_refuses_bad_course_files_with_400(
    module: Any, instructor: Any, cohort: Any
) -> None:
    response = api_client(instructor).post(
        reverse("submissions-api:publish", args=[module.pk]),
        {
            "title": "Squares",
            "slug": "squares-api",
            "source": upload_file(course_source()),
            "course_files": [upload_file(CSV, ".env")],
        },
        format="multipart",
    )
    assert response.status_code == 400
    assert "cannot be a course file" in response.json()["course_files"][0]
    assert not Assignment.objects.exists()


# -- grading -------------------------------------------------------------------------------


def test_grading_reads_the_course_csv_and_the_participants_own_file_wins(
    enrolled: Any,
    instructor: Any,
    with_files: Assignment,
    client_for: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        plain = submit(enrolled, with_files)
    run = plain.grading_runs.get()
    assert run.status == "graded", run.error
    assert run.autograded_points == 3
    # The participant brings a data.csv of their own: theirs is the one the kernel reads, so
    # the instructor's test (written for the course file) fails, and both sides are told.
    client = client_for(enrolled)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("submissions:upload", args=[with_files.pk]),
            {
                "notebook": upload_file(participant_notebook()),
                "data_files": [upload_file(b"a,b\n9,9\n", "data.csv")],
                "source": CARD.source,
                "licence": CARD.licence,
                "personal_data": CARD.personal_data,
            },
            follow=True,
        )
    page = response.content.decode()
    assert "Your own data.csv replaces the course file of the same name" in page
    assert "data-replaces-course-file" in page
    own = with_files.submissions.get(attempt_no=2)
    assert own.replaced_course_files() == ["data.csv"]
    run = own.grading_runs.get()
    assert run.status == "graded", run.error
    assert run.autograded_points == 1  # the hidden test reads no file
    assert "course file data.csv not staged" in run.log_excerpt
    grading = client_for(instructor).get(reverse("submissions:grade", args=[own.pk]))
    assert 'id="replaced-course-files"' in grading.content.decode()


def test_an_old_attempt_is_graded_again_with_its_own_versions_files(
    enrolled: Any,
    instructor: Any,
    with_files: Assignment,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        old = submit(enrolled, with_files)
    # Version 2 expects other data in data.csv and brings it; it goes live.
    other_csv = b"a,b\n5,6\n"
    source = course_source().replace(repr(CSV).encode(), repr(other_csv).encode())
    version = draft_replacement(
        actor=instructor,
        assignment=with_files,
        source=source,
        given_settings={},
        course_files=store_course_files([("data.csv", other_csv)]),
    )
    activate_assignment_version(version=start_version_check(version=version))
    assert [f.path for f in with_files.course_files()] == ["data.csv"]
    with django_capture_on_commit_callbacks(execute=True):
        (run,) = rerun_grading(actor=instructor, submissions=[old])
    run.refresh_from_db()
    # Version 1's grading copy with version 1's data.csv: still full marks.
    assert run.status == "graded", run.error
    assert run.autograded_points == 3


# -- import --------------------------------------------------------------------------------


def nbgrader_course_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("course/source/ps1/problem1.ipynb", course_source())
        archive.writestr("course/source/ps1/images/fig.png", PNG)
        archive.writestr("course/source/ps1/data.csv", CSV)
        archive.writestr("course/source/ps1/huge.bin", b"x" * 5000)
        archive.writestr("course/source/ps1/bad name!.txt", b"x")
        archive.writestr("course/source/ps1/../../../x", b"x")
        archive.writestr("/course/source/ps1/abs.csv", b"x")
        link = zipfile.ZipInfo("course/source/ps1/link.csv")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "/etc/passwd")
    return buffer.getvalue()


def test_an_nbgrader_import_brings_the_images_folder_and_data_and_reports_the_rest(
    cohort: Any, module: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.COURSE_FILE_MAX_BYTES = 4096
    course = course_in_archive(nbgrader_course_zip())
    with django_capture_on_commit_callbacks(execute=True):
        report = import_nbgrader_course(module=module, course=course)
    (ps1,) = report.assignments
    assert ps1.imported, ps1.problem
    assert sorted((f.path, f.size) for f in ps1.files) == [
        ("data.csv", len(CSV)),
        ("images/fig.png", len(PNG)),
    ]
    skipped = {s.path: s.reason for s in [*ps1.skipped, *report.skipped]}
    assert "larger than" in skipped["ps1/huge.bin"]
    assert "cannot be a course file" in skipped["ps1/bad name!.txt"]
    assert "symbolic link" in skipped["course/source/ps1/link.csv"]
    assert "leaves the course's folder" in skipped["course/source/ps1/../../../x"]
    assert "leaves the course's folder" in skipped["/course/source/ps1/abs.csv"]
    assignment = Assignment.objects.get(slug="ps1")
    assert assignment.course_files().count() == 2
    assert PublishCheck.objects.get().status == "passed"


def test_the_import_pages_preview_lists_the_course_files_with_sizes(
    cohort: Any, module: Any, instructor: Any, client_for: Any
) -> None:
    response = client_for(instructor).post(
        reverse("submissions:import-course", args=[module.pk]),
        {"archive": upload_file(nbgrader_course_zip(), "course.zip")},
    )
    page = response.content.decode()
    assert 'data-course-file="images/fig.png"' in page
    assert "ps1/images/fig.png" in page
    assert "symbolic link" in page
    assert not Assignment.objects.exists()


# -- downloads and access ------------------------------------------------------------------


def test_participants_see_and_download_the_files_and_the_release_zip(
    enrolled: Any, with_files: Assignment, client_for: Any
) -> None:
    client = client_for(enrolled)
    page = client.get(reverse("submissions:assignment", args=[with_files.pk])).content.decode()
    assert 'id="course-files"' in page
    url = reverse("courses:course-file", args=[with_files.pk, "images/fig.png"])
    assert url in page
    response = client.get(url)
    assert b"".join(response.streaming_content) == PNG
    assert response["Content-Disposition"] == 'attachment; filename="fig.png"'
    assert response["Content-Type"] == "application/octet-stream"
    response = client.get(reverse("courses:release-zip", args=[with_files.pk]))
    assert response["Content-Disposition"] == 'attachment; filename="squares-cf.zip"'
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert sorted(archive.namelist()) == ["data.csv", "images/fig.png", "squares-cf.ipynb"]
        assert archive.read("images/fig.png") == PNG
        release = archive.read("squares-cf.ipynb").decode()
    assert "BEGIN SOLUTION" not in release and "return x * x" not in release


def test_another_programs_participant_and_strangers_get_no_course_file(
    with_files: Assignment, other_cohort: Any, other_participant: Any, client_for: Any
) -> None:
    from courses.services import enroll

    enroll(user=other_participant, cohort=other_cohort)
    urls = [
        reverse("courses:course-file", args=[with_files.pk, "data.csv"]),
        reverse("courses:release-zip", args=[with_files.pk]),
    ]
    for url in urls:
        assert client_for(other_participant).get(url).status_code == 404
        assert client_for(None).get(url).status_code == 302  # to the log-in
    assert client_for(None).post(urls[0]).status_code == 405


def test_an_unknown_or_escaping_path_is_404(
    enrolled: Any, with_files: Assignment, client_for: Any
) -> None:
    client = client_for(enrolled)
    for path in ["nope.csv", "../data.csv", "images/../data.csv"]:
        url = reverse("courses:course-file", args=[with_files.pk, "x"]).rsplit("x", 1)[0] + path
        assert client.get(url).status_code == 404


def test_the_release_zip_refuses_unsafe_names() -> None:
    for name in ["../x", "/abs", ".hidden", "a/../b"]:
        with pytest.raises(ValueError, match="unsafe"):
            release_zip([(name, b"x")])


# -- rendering -----------------------------------------------------------------------------


def test_a_relative_image_becomes_an_inert_reference_and_nothing_else_does() -> None:
    cleaner = HtmlCleaner()
    html = cleaner.clean(
        '<img src="images/fig.png" alt="a"><img src="./data.png" alt="b">'
        '<img src="../secret.png" alt="c"><img src="/etc/x.png" alt="d">'
        '<img src="javascript:alert(1)" alt="e"><img src="course-file:../x" alt="f">'
        '<img src="https://example.org/x.png" alt="g">'
    )
    assert 'src="course-file:images/fig.png"' in html
    assert 'src="course-file:data.png"' in html
    for bad in ("secret", "/etc", "javascript", "../x", "example.org"):
        assert bad not in html
    # A second pass (the whole fragment is cleaned again) keeps the reference as it is.
    assert cleaner.clean(html) == html


def test_only_real_images_among_the_course_files_are_inlined() -> None:
    fragment = '<img src="course-file:a.png" alt="a"><img src="course-file:b.png" alt="b">'
    html = inline_course_images(fragment, lambda paths: {"a.png": PNG, "b.png": b"<svg/>"})
    assert 'src="data:image/png;base64,' in html
    assert '<img alt="b">' in html
    assert "course-file:" not in html


def test_the_image_in_the_release_notebook_shows_for_participants(
    enrolled: Any,
    with_files: Assignment,
    client_for: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        submission = submit(enrolled, with_files, notebook=read_blob(with_files.release_sha256))
    response = client_for(enrolled).get(reverse("submissions:notebook", args=[submission.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert '<img src="data:image/png;base64,' in page and 'alt="A figure"' in page
    assert "course-file:" not in page
    api = api_client(enrolled).get(reverse("submissions-api:rendered", args=[submission.pk]))
    assert b"data:image/png;base64," in api.content


# -- AUTOTEST at publish time --------------------------------------------------------------


@pytest.mark.slow
def test_autotest_runs_the_source_with_its_course_files_beside_it(
    cohort: Any, module: Any, instructor: Any, client_for: Any
) -> None:
    nb = tiny_source_notebook()
    nb.cells[1].source = (
        "import pathlib\nROWS = len(pathlib.Path('data.csv').read_text().splitlines())\n"
        + nb.cells[1].source
    )
    nb.cells[2].source = "### AUTOTEST square(ROWS)"
    source = nbformat.writes(nb).encode()
    with pytest.raises(PublishError, match="FileNotFoundError"):
        instantiate_autotests(source)
    files = store_course_files([("data.csv", CSV)])
    instantiated = instantiate_autotests(source, course_files=files).decode()
    assert "AUTOTEST" not in instantiated
    assert 'assert str(square(ROWS)) == \\"\\"\\"4\\"\\"\\"' in instantiated
    # The publish page runs it with the uploaded files too.
    response = post_publish(
        client_for(instructor),
        module,
        title="Rows",
        slug="rows",
        source=upload_file(source),
        course_files=[upload_file(CSV, "data.csv")],
    )
    assert response.status_code == 302
