"""Course files in the grading kernel: staged read-only beside the notebook, in folders, and
never over a participant's own data file of the same name (docs/course-files.md)."""

from pathlib import Path

import pytest

from courses.course_files import course_file_clashes
from courses.nbgrader import publish
from submissions.grading import GradingReport, TestOutcome, grade_notebook
from submissions.grading.engine import stage_course_files
from tests.nbgrader_builders import answer, autotest, edited, notebook

COURSE_CSV = b"a,b\n1,2\n"
OWN_CSV = b"a,b\n3,4\n"


def outcome(report: GradingReport, grade_id: str) -> TestOutcome:
    (found,) = [o for o in report.outcomes if o.grade_id == grade_id]
    return found


def source() -> bytes:
    return notebook(
        answer("read", "def rows():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION"),
        autotest(
            "course_csv",
            "import pathlib\nassert pathlib.Path('data.csv').read_bytes() == " + repr(COURSE_CSV),
        ),
        autotest(
            "own_csv",
            "import pathlib\nassert pathlib.Path('data.csv').read_bytes() == " + repr(OWN_CSV),
        ),
        autotest("image", "assert open('images/fig.png', 'rb').read(4) == b'\\x89PNG'"),
        autotest("write", "open('images/fig.png', 'ab').write(b'x')"),
    )


@pytest.fixture(scope="module")
def course_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("course")
    (folder / "data.csv").write_bytes(COURSE_CSV)
    (folder / "fig.png").write_bytes(b"\x89PNG\r\n\x1a\nfake")
    (folder / "own.csv").write_bytes(OWN_CSV)
    return folder


def course_files(folder: Path) -> list[tuple[str, Path]]:
    return [("data.csv", folder / "data.csv"), ("images/fig.png", folder / "fig.png")]


def test_the_kernel_reads_course_files_beside_the_notebook_read_only(course_dir: Path) -> None:
    published = publish(source())
    report = grade_notebook(
        submission=edited(published.release_notebook, read="def rows():\n    return 1"),
        published=published,
        course_files=course_files(course_dir),
    )
    assert report.status == "graded", report.error
    assert outcome(report, "course_csv").status == "passed"
    assert outcome(report, "image").status == "passed"
    assert outcome(report, "own_csv").status == "failed"
    # Writing to a course file is an error in that cell's output, not a crash of the grader.
    write = outcome(report, "write")
    assert write.status == "failed"
    assert "PermissionError" in str(write.message)


def test_the_participants_own_data_file_wins_over_the_course_file(course_dir: Path) -> None:
    published = publish(source())
    report = grade_notebook(
        submission=edited(published.release_notebook, read="def rows():\n    return 1"),
        published=published,
        data_files={"data.csv": course_dir / "own.csv"},
        course_files=course_files(course_dir),
    )
    assert report.status == "graded", report.error
    assert outcome(report, "own_csv").status == "passed"
    assert outcome(report, "course_csv").status == "failed"
    assert outcome(report, "image").status == "passed"  # the other course files are there
    # The grader's log says which course file was not staged.
    assert "course file data.csv not staged" in report.log_excerpt


def test_a_clash_is_a_same_name_or_a_name_of_a_folder() -> None:
    paths = ["data.csv", "images/fig.png", "helpers.py"]
    assert course_file_clashes(paths, {"data.csv", "images", "other.csv"}) == [
        "data.csv",
        "images/fig.png",
    ]
    assert course_file_clashes(paths, set()) == []


def test_staging_skips_taken_names_and_makes_files_read_only(
    course_dir: Path, tmp_path: Path
) -> None:
    (tmp_path / "data.csv").write_bytes(OWN_CSV)
    skipped = stage_course_files(tmp_path, course_files(course_dir), taken={"data.csv"})
    assert skipped == ["data.csv"]
    assert (tmp_path / "data.csv").read_bytes() == OWN_CSV
    staged = tmp_path / "images" / "fig.png"
    assert staged.read_bytes().startswith(b"\x89PNG")
    assert staged.stat().st_mode & 0o777 == 0o444


def test_a_hostile_course_file_name_is_never_staged(course_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="invalid"):
        stage_course_files(tmp_path, [("../escape.csv", course_dir / "data.csv")])
    assert not (tmp_path.parent / "escape.csv").exists()
