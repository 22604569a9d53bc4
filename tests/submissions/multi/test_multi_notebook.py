"""Multi-notebook assignments: one assignment of several nbgrader notebooks, one attempt with all
of them, points added up, per-notebook detail (docs/grading.md, "Multi-notebook assignments")."""

import io
import zipfile
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from courses.exceptions import PublishError
from courses.models import Assignment, AssignmentNotebook, Module
from platform.blobs import read_blob
from submissions.exceptions import NotebookInvalid
from submissions.models import DraftNotebook, PublishCheck, Submission
from submissions.publishing.course_files import store_course_files
from submissions.publishing.services import publish_assignment
from tests.helpers import (
    SQUARES_CSV,
    api_client,
    publish_two_notebooks,
    publish_two_notebooks_with_a_course_csv,
    release_notebooks,
    submit,
    two_notebook_sources,
    upload_file,
    zipped_folder,
)
from tests.nbgrader_builders import autotest, edited, notebook

pytestmark = pytest.mark.slow


@pytest.fixture
def ps1(module: Module) -> Assignment:
    return publish_two_notebooks(module)


def answers(ps1: Assignment, square: str, cube: str) -> dict[str, bytes]:
    release = release_notebooks(ps1)
    return {
        "problem1.ipynb": edited(release["problem1.ipynb"], square=square),
        "problem2.ipynb": edited(release["problem2.ipynb"], cube=cube),
    }


def released_folder(response: Any) -> dict[str, bytes]:
    """The files of a downloaded release zip by their path in it."""
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_publishing_several_notebooks_makes_one_assignment_whose_points_add_up(
    ps1: Assignment,
) -> None:
    assert ps1.max_points == Decimal(6)
    assert ps1.autograded_points == Decimal(5)
    assert ps1.manual_points == Decimal(1)
    version = ps1.live_version()
    assert version is not None
    assert [n.name for n in version.notebook_set()] == ["problem1.ipynb", "problem2.ipynb"]
    assert [c["grade_id"] for c in ps1.grade_cells] == [
        "problem1/test",
        "problem2/test",
        "problem2/explain",
    ]
    assert ps1.manual_grade_cells()[0]["notebook"] == "problem2.ipynb"
    assert AssignmentNotebook.objects.filter(version=version).count() == 2


def test_a_refused_notebook_names_itself_and_publishes_nothing(module: Module) -> None:
    broken = notebook(autotest("test", "assert True"), autotest("test", "assert True"))
    with pytest.raises(PublishError, match="problem2.ipynb"):
        publish_assignment(
            module=module,
            slug="ps1",
            title="Problem set 1",
            source=[two_notebook_sources()[0], ("problem2.ipynb", broken)],
        )
    assert not Assignment.objects.exists()


def test_the_zipped_folder_is_graded_per_notebook_and_the_points_add_up(
    enrolled: Any, ps1: Assignment, client_for: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = client_for(enrolled)
    files = answers(ps1, "def square(x):\n    return x * x", "def cube(x):\n    return 0")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("submissions:upload", args=[ps1.pk]), {"notebook": zipped_folder(files)}
        )
    assert response.status_code == 302
    submission = Submission.objects.get()
    assert [n.name for n in submission.notebook_files()] == ["problem1.ipynb", "problem2.ipynb"]
    run = submission.grading_runs.get()
    assert run.status == "graded", run.error_text
    assert run.autograded_points == Decimal(2)
    assert run.autograded_max == Decimal(5)
    # The manual answer was left as released: nbgrader scores an unchanged answer 0.
    assert {r.grade_id: r.status for r in run.results.all()} == {
        "problem1/test": "passed",
        "problem2/test": "failed",
        "problem2/explain": "failed",
    }
    page = client.get(response["Location"]).content.decode()
    assert "<strong>2 / 5</strong>" in page
    assert 'id="results-problem1"' in page
    assert 'id="results-problem2"' in page
    assert page.count("notebook-frame") >= 2


def test_a_course_csv_is_beside_both_notebooks_when_the_folder_is_graded(
    enrolled: Any, module: Module, client_for: Any, django_capture_on_commit_callbacks: Any
) -> None:
    assignment = publish_two_notebooks_with_a_course_csv(module)
    client = client_for(enrolled)
    folder = released_folder(client.get(reverse("courses:release-zip", args=[assignment.pk])))
    assert folder["data/squares.csv"] == SQUARES_CSV
    folder["problem2.ipynb"] = edited(
        folder["problem2.ipynb"], cube="def cube(x):\n    return x**3"
    )
    folder["problem1.ipynb"] = edited(
        folder["problem1.ipynb"], square="def square(x):\n    return x*x"
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("submissions:upload", args=[assignment.pk]), {"notebook": zipped_folder(folder)}
        )
    run = Submission.objects.get().grading_runs.get()
    assert run.status == "graded", run.error_text
    # Both tests read data/squares.csv: it was beside each notebook in its own kernel.
    assert {r.grade_id: r.status for r in run.results.filter(grade_id__endswith="/test")} == {
        "problem1/test": "passed",
        "problem2/test": "passed",
    }
    assert run.autograded_points == Decimal(5)


def test_a_zip_without_every_notebook_is_refused_naming_what_is_missing(
    enrolled: Any, ps1: Assignment
) -> None:
    files = answers(ps1, "def square(x):\n    return x * x", "def cube(x):\n    return 0")
    del files["problem2.ipynb"]
    with pytest.raises(NotebookInvalid, match="Missing: problem2.ipynb"):
        submit(enrolled, ps1, notebook=zipped_folder(files))
    assert not Submission.objects.exists()


@pytest.fixture
def ps1_with_files(module: Module) -> Assignment:
    """``ps1`` with two course files, as the release zip hands them out."""
    return publish_two_notebooks(
        module,
        course_files=store_course_files([("data.csv", b"a,b\n"), ("images/fig.png", b"png")]),
    )


def test_the_course_files_in_a_zipped_release_folder_are_left_out_and_said_so(
    enrolled: Any, ps1_with_files: Assignment, client_for: Any
) -> None:
    client = client_for(enrolled)
    folder = released_folder(client.get(reverse("courses:release-zip", args=[ps1_with_files.pk])))
    assert set(folder) == {"problem1.ipynb", "problem2.ipynb", "data.csv", "images/fig.png"}
    response = client.post(
        reverse("submissions:upload", args=[ps1_with_files.pk]),
        {"notebook": zipped_folder(folder)},
        follow=True,
    )
    assert response.status_code == 200
    submission = Submission.objects.get()
    assert [n.name for n in submission.notebook_files()] == ["problem1.ipynb", "problem2.ipynb"]
    assert not submission.data_files.exists()
    assert (
        "Left out of your zip, as they are the assignment&#x27;s course files (the grader uses "
        "its own copies): ps1/data.csv, ps1/images/fig.png" in response.content.decode()
    )


def test_other_files_beside_the_course_files_in_a_zipped_folder_are_still_refused(
    enrolled: Any, ps1_with_files: Assignment
) -> None:
    files = release_notebooks(ps1_with_files) | {"data.csv": b"a,b\n", "mine.csv": b"x\n"}
    with pytest.raises(NotebookInvalid, match="data files field: ps1/mine.csv$"):
        submit(enrolled, ps1_with_files, notebook=zipped_folder(files))
    # A course file's name in another folder is not the course file.
    files = release_notebooks(ps1_with_files) | {"other/data.csv": b"a,b\n"}
    with pytest.raises(NotebookInvalid, match="data files field: ps1/other/data.csv$"):
        submit(enrolled, ps1_with_files, notebook=zipped_folder(files))
    assert not Submission.objects.exists()


def test_a_single_notebook_upload_to_a_multi_notebook_assignment_says_to_zip_the_folder(
    enrolled: Any, ps1: Assignment, client_for: Any
) -> None:
    response = client_for(enrolled).post(
        reverse("submissions:upload", args=[ps1.pk]),
        {"notebook": upload_file(release_notebooks(ps1)["problem1.ipynb"])},
    )
    assert response.status_code == 400
    assert "upload the assignment folder with all of them as one zip" in response.content.decode()
    assert not Submission.objects.exists()


def test_the_publish_check_grades_every_notebook(
    module: Module, django_capture_on_commit_callbacks: Any
) -> None:
    from submissions.publishing.services import publish_checked

    with django_capture_on_commit_callbacks(execute=True):
        check = publish_checked(
            module=module,
            slug="ps1",
            title="Problem set 1",
            source=two_notebook_sources(),
        )
    check.refresh_from_db()
    assert check.status == PublishCheck.Status.PASSED, check.problems
    reference = {k: v and Decimal(v) for k, v in check.report["reference"].items()}
    assert reference == {"problem1/test": 2, "problem2/test": 3, "problem2/explain": None}
    assert Decimal(check.report["blank"]["problem2/test"]) == 0


# -- the publish page ---------------------------------------------------------------------------


def publish_form(files: list[Any], **extra: Any) -> dict[str, Any]:
    return {"title": "Problem set 1", "slug": "ps1", "source": files, **extra}


def test_the_publish_page_takes_the_zipped_folder_with_its_other_files_as_course_files(
    cohort: Any, module: Module, instructor: Any, client_for: Any
) -> None:
    files = dict(two_notebook_sources()) | {"data.csv": b"a,b\n1,2\n", "images/fig.png": b"png"}
    client = client_for(instructor)
    response = client.post(
        reverse("submissions:publish", args=[module.pk]),
        publish_form([zipped_folder(files)]),
        follow=True,
    )
    assert response.status_code == 200
    assignment = Assignment.objects.get(slug="ps1")
    assert [n.name for n in assignment.notebook_set()] == ["problem1.ipynb", "problem2.ipynb"]
    # The folder's other files are course files, by their path in the folder.
    assert {(f.path, read_blob(f.sha256)) for f in assignment.course_files()} == {
        ("data.csv", b"a,b\n1,2\n"),
        ("images/fig.png", b"png"),
    }
    assert "Not published" not in response.content.decode()


def test_the_publish_page_names_the_files_outside_the_notebooks_folder_it_leaves_out(
    cohort: Any, module: Module, instructor: Any, client_for: Any
) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in two_notebook_sources():
            archive.writestr(f"course/ps1/{name}", data)
        archive.writestr("course/ps1/data.csv", b"a,b\n")
        archive.writestr("course/README.md", b"# notes")
    response = client_for(instructor).post(
        reverse("submissions:publish", args=[module.pk]),
        publish_form([upload_file(buffer.getvalue(), "course.zip")]),
        follow=True,
    )
    assignment = Assignment.objects.get(slug="ps1")
    assert [f.path for f in assignment.course_files()] == ["data.csv"]
    page = response.content.decode()
    assert "Not published (outside the notebooks&#x27; folder): course/README.md" in page


@pytest.mark.parametrize(
    ("caps", "message"),
    [
        ({"COURSE_FILE_MAX_BYTES": 4}, "“data.csv” is 8 bytes"),
        ({"COURSE_FILES_MAX_BYTES": 12}, "The course files have 16 bytes together"),
    ],
)
def test_the_publish_page_refuses_a_folder_whose_other_files_break_the_course_file_caps(
    cohort: Any,
    module: Module,
    instructor: Any,
    client_for: Any,
    settings: Any,
    caps: dict[str, int],
    message: str,
) -> None:
    for name, value in caps.items():
        setattr(settings, name, value)
    files = dict(two_notebook_sources()) | {"data.csv": b"a,b\n1,2\n", "more.csv": b"c,d\n3,4\n"}
    response = client_for(instructor).post(
        reverse("submissions:publish", args=[module.pk]), publish_form([zipped_folder(files)])
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Assignment.objects.exists()


def test_the_publish_page_takes_several_notebooks_chosen_together(
    cohort: Any, module: Module, instructor: Any, client_for: Any
) -> None:
    uploads = [upload_file(data, name) for name, data in two_notebook_sources()]
    response = client_for(instructor).post(
        reverse("submissions:publish", args=[module.pk]), publish_form(uploads)
    )
    assert response.status_code == 302
    assert Assignment.objects.get(slug="ps1").max_points == Decimal(6)


@pytest.mark.parametrize(
    ("files", "message"),
    [
        (lambda: [zipped_folder({"notes.txt": b"hello"})], "The archive holds no notebook"),
        (lambda: [upload_file(b"not a zip", "ps1.zip")], "This is not a zip archive."),
        (
            lambda: [upload_file(b"{}", "a.ipynb"), upload_file(b"x", "b.txt")],
            "Choose notebooks (.ipynb) only, or one zip: b.txt",
        ),
    ],
)
def test_the_publish_page_refuses_what_is_no_notebook_folder_and_publishes_nothing(
    cohort: Any, module: Module, instructor: Any, client_for: Any, files: Any, message: str
) -> None:
    response = client_for(instructor).post(
        reverse("submissions:publish", args=[module.pk]), publish_form(files())
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Assignment.objects.exists()


def test_replacing_takes_one_notebook_and_a_multi_notebook_assignment_is_not_replaced(
    cohort: Any, module: Module, ps1: Assignment, instructor: Any, client_for: Any
) -> None:
    client = client_for(instructor)
    url = reverse("submissions:publish", args=[module.pk])
    uploads = [upload_file(data, name) for name, data in two_notebook_sources()]
    response = client.post(url, publish_form(uploads, replace="on"))
    assert "Replace an assignment&#x27;s notebook with one notebook" in response.content.decode()
    one = [upload_file(two_notebook_sources()[0][1], "problem1.ipynb")]
    response = client.post(url, publish_form(one, replace="on"))
    assert response.status_code == 400
    assert "has several notebooks; replacing them is not possible yet" in response.content.decode()
    assert ps1.versions.count() == 1


# -- downloads ----------------------------------------------------------------------------------


def test_the_participant_downloads_the_release_as_one_zip_or_notebook_by_notebook(
    enrolled: Any, ps1: Assignment, client_for: Any
) -> None:
    client = client_for(enrolled)
    page = client.get(reverse("submissions:assignment", args=[ps1.pk])).content.decode()
    assert 'id="release-zip-download"' in page
    assert 'id="starter-download"' not in page
    assert "The assignment folder with all its notebooks (.zip)" in page
    response = client.get(reverse("courses:release-zip", args=[ps1.pk]))
    assert response["Content-Disposition"] == 'attachment; filename="ps1.zip"'
    assert released_folder(response) == release_notebooks(ps1)
    starter = reverse("courses:starter", args=[ps1.pk])
    second = client.get(starter, {"notebook": "1"})
    assert b"".join(second.streaming_content) == release_notebooks(ps1)["problem2.ipynb"]
    assert 'filename="problem2.ipynb"' in second["Content-Disposition"]
    assert client.get(starter, {"notebook": "2"}).status_code == 404
    assert client.get(starter, {"notebook": "x"}).status_code == 404


def test_another_programs_participant_gets_no_release(
    ps1: Assignment, other_participant: Any, client_for: Any
) -> None:
    client = client_for(other_participant)
    assert client.get(reverse("courses:release-zip", args=[ps1.pk])).status_code == 404


def test_each_notebook_of_an_attempt_is_shown_and_downloaded_on_its_own(
    enrolled: Any, ps1: Assignment, client_for: Any, other_enrolled: Any
) -> None:
    files = answers(ps1, "def square(x):\n    return x * x", "def cube(x):\n    return 0")
    submission = submit(enrolled, ps1, notebook=zipped_folder(files))
    client = client_for(enrolled)
    download = reverse("submissions:download", args=[submission.pk])
    response = client.get(download, {"notebook": "1"})
    assert b"".join(response.streaming_content) == files["problem2.ipynb"]
    assert "ps1-problem2-attempt-1.ipynb" in response["Content-Disposition"]
    assert client.get(download, {"notebook": "5"}).status_code == 404
    assert client_for(other_enrolled).get(download, {"notebook": "1"}).status_code == 404
    frame = client.get(reverse("submissions:notebook", args=[submission.pk]), {"notebook": "1"})
    assert "<title>problem2.ipynb</title>" in frame.content.decode()
    api = reverse("submissions-api:notebook", args=[submission.pk])
    response = api_client(enrolled).get(api, {"notebook": "1"})
    assert b"".join(response.streaming_content) == files["problem2.ipynb"]
    assert "ps1-problem2-attempt-1.ipynb" in response["Content-Disposition"]


# -- grading screen, export, API ----------------------------------------------------------------


@pytest.fixture
def graded_attempt(
    enrolled: Any, ps1: Assignment, django_capture_on_commit_callbacks: Any
) -> Submission:
    files = answers(ps1, "def square(x):\n    return x * x", "def cube(x):\n    return 0")
    with django_capture_on_commit_callbacks(execute=True):
        submission = submit(enrolled, ps1, notebook=zipped_folder(files))
    submission.refresh_from_db()
    assert submission.status == Submission.Status.GRADED
    return submission


def test_the_grading_screen_shows_each_notebook_and_its_results(
    cohort: Any, graded_attempt: Submission, instructor: Any, client_for: Any
) -> None:
    page = (
        client_for(instructor)
        .get(reverse("submissions:grade", args=[graded_attempt.pk]))
        .content.decode()
    )
    assert 'id="results-problem1"' in page
    assert 'id="results-problem2"' in page
    assert 'data-grade-id="problem2/test"' in page
    assert "?notebook=1" in page
    # The manually graded answer is scored under its qualified grade id.
    assert 'name="points__problem2/explain"' in page


def test_the_api_lists_each_notebook_with_its_points(
    graded_attempt: Submission, enrolled: Any
) -> None:
    data = (
        api_client(enrolled)
        .get(reverse("submissions-api:submission", args=[graded_attempt.pk]))
        .json()
    )
    assert data["autograded_points"] == "2.00"
    notebooks = {n["name"]: n for n in data["notebooks"]}
    assert notebooks["problem1.ipynb"]["autograded_points"] == "2.00"
    assert notebooks["problem2.ipynb"]["autograded_points"] == "0.00"
    assert notebooks["problem2.ipynb"]["autograded_max"] == "3.00"
    assert notebooks["problem2.ipynb"]["notebook_url"].endswith("/notebook/?notebook=1")
    assert {r["grade_id"] for r in data["results"]} == {
        "problem1/test",
        "problem2/test",
        "problem2/explain",
    }


def test_the_export_holds_each_notebook_and_scores_per_qualified_grade_id(
    cohort: Any, graded_attempt: Submission, instructor: Any, client_for: Any
) -> None:
    response = client_for(instructor).get(
        reverse("submissions:export-zip", args=[graded_attempt.assignment_id])
    )
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    names = archive.namelist()
    assert any(name.endswith("/problem1.ipynb") for name in names)
    assert any(name.endswith("/problem2.ipynb") for name in names)
    scores = archive.read("scores.csv").decode()
    assert ",problem1/test,autograded,2.00," in scores
    assert ",problem2/test,autograded,0.00," in scores


# -- the draft: notebook by notebook ------------------------------------------------------------


def put(client: Any, assignment: Assignment, name: str, data: bytes) -> Any:
    return client.post(
        reverse("submissions:draft-notebook", args=[assignment.pk]),
        {"notebook": upload_file(data, name)},
    )


def test_a_draft_is_no_attempt_until_handed_in_with_every_notebook(
    enrolled: Any,
    ps1: Assignment,
    client_for: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    client = client_for(enrolled)
    files = answers(ps1, "def square(x):\n    return x * x", "def cube(x):\n    return x ** 3")
    response = put(client, ps1, "problem1.ipynb", release_notebooks(ps1)["problem1.ipynb"])
    assert response.status_code == 302
    assert response["Location"].endswith("#draft")
    # Put in again: replaces the first one.
    put(client, ps1, "problem1.ipynb", files["problem1.ipynb"])
    assert DraftNotebook.objects.get(name="problem1.ipynb").size == len(files["problem1.ipynb"])
    # Not an attempt: nothing counted, nothing a grader could open.
    assert not Submission.objects.exists()
    page = client.get(reverse("submissions:assignment", args=[ps1.pk])).content.decode()
    assert 'data-notebook="problem1.ipynb" data-in-draft="true"' in page
    assert 'data-notebook="problem2.ipynb" data-in-draft="false"' in page
    # Handing in without every notebook is refused, naming what is missing; the draft stays.
    hand_in = reverse("submissions:draft-hand-in", args=[ps1.pk])
    response = client.post(hand_in)
    assert response.status_code == 400
    assert "Your draft lacks problem2.ipynb" in response.content.decode()
    assert DraftNotebook.objects.count() == 1
    put(client, ps1, "problem2.ipynb", files["problem2.ipynb"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(hand_in)
    submission = Submission.objects.get()
    assert response["Location"] == submission.get_absolute_url()
    assert [n.name for n in submission.notebook_files()] == ["problem1.ipynb", "problem2.ipynb"]
    assert submission.grading_runs.get().autograded_points == Decimal(5)
    assert not DraftNotebook.objects.exists()


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("problem3.ipynb", "is not a notebook of this assignment"),
        ("problem1.ipynb", "not valid JSON"),
    ],
)
def test_a_notebook_the_assignment_does_not_have_or_a_broken_one_stays_out_of_the_draft(
    enrolled: Any, ps1: Assignment, client_for: Any, name: str, message: str
) -> None:
    data = b"{" if name == "problem1.ipynb" else release_notebooks(ps1)["problem1.ipynb"]
    response = put(client_for(enrolled), ps1, name, data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not DraftNotebook.objects.exists()


def test_the_draft_is_for_participants_of_the_program_and_by_post(
    ps1: Assignment, enrolled: Any, other_participant: Any, client_for: Any, assignment: Any
) -> None:
    url = reverse("submissions:draft-notebook", args=[ps1.pk])
    data = release_notebooks(ps1)["problem1.ipynb"]
    assert (
        client_for(None).post(url, {"notebook": upload_file(data, "problem1.ipynb")}).status_code
        == 302
    )
    assert (
        client_for(other_participant)
        .post(url, {"notebook": upload_file(data, "problem1.ipynb")})
        .status_code
        == 404
    )
    assert client_for(enrolled).get(url).status_code == 405
    # A single-notebook assignment has no draft.
    single = reverse("submissions:draft-notebook", args=[assignment.pk])
    response = client_for(enrolled).post(single, {"notebook": upload_file(data, "squares.ipynb")})
    assert response.status_code == 400
    assert not DraftNotebook.objects.exists()


def test_the_demo_folder_is_one_assignment_whose_solutions_earn_every_autograded_point(
    module: Module,
) -> None:
    import nbformat

    from courses.demo import catalog, notebooks
    from submissions import tasks
    from submissions.grading import grade_notebooks

    (folder,) = [f for _i, p in catalog.all_programs() for m in p.modules for f in m.folders]
    sources = [(n, notebooks.folder_notebook(n)) for n in folder.notebooks]
    assignment = publish_assignment(
        module=module,
        slug=folder.slug,
        title=folder.title,
        source=[(f"{n}.ipynb", nbformat.writes(nb).encode()) for n, nb in sources],
    )
    assert {c["grade_id"] for c in assignment.grade_cells} >= {"streuung/test", "zusammenhang/test"}
    solutions = [nbformat.writes(notebooks.solution_notebook(nb)).encode() for _n, nb in sources]
    version = assignment.live_version()
    assert version is not None
    report = grade_notebooks(
        notebooks=tasks.notebooks_to_grade(version, solutions), stderr_ignore=None
    )
    assert report.status == "graded", report.error
    assert report.autograded_points == report.autograded_max == Decimal(4)


def test_the_api_takes_the_zipped_folder_and_refuses_a_single_notebook(
    enrolled: Any, ps1: Assignment
) -> None:
    url = reverse("submissions-api:upload", args=[ps1.pk])
    release = release_notebooks(ps1)
    client = api_client(enrolled)
    refused = client.post(url, {"notebook": upload_file(release["problem1.ipynb"])})
    assert refused.status_code == 400
    assert (
        "upload the assignment folder with all of them as one zip" in refused.json()["notebook"][0]
    )
    response = client.post(url, {"notebook": zipped_folder(release)})
    assert response.status_code == 201, response.content
    assert [n["name"] for n in response.json()["notebooks"]] == ["problem1.ipynb", "problem2.ipynb"]
    assert response.json()["left_out_course_files"] == []
