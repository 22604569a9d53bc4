"""The demo content: a coherent catalogue and nbgrader notebooks that really run and grade.

The slow tests execute notebooks in real kernels. They also grade every submission variant
with a small reference implementation of nbgrader's semantics (restore locked and test cells
from the source, execute, 0 points on an error or stderr, partial credit from the last value,
unchanged manual answers score 0) and compare with ``expected_scores``: the numbers the
platform's own grader has to reproduce.
"""

from __future__ import annotations

import asyncio
import copy
import datetime as dt
import os
import re
import time
from decimal import Decimal
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbformat import NotebookNode

from courses.demo import catalog, notebooks
from courses.demo.catalog import CATALOG, DEMO_ENROLLMENTS, DEMO_USERS, Role
from courses.demo.notebooks import (
    ASSIGNMENT_SLUGS,
    CAPSTONE_DATA_FILENAME,
    CAPSTONE_SLUG,
    TEXT_STUB,
    VARIANTS,
    Variant,
    compute_checksum,
    expected_scores,
    max_points,
    release_notebook,
    solution_notebook,
    source_notebook,
    submission_variant,
)

ML_PROGRAM = "ml-data-science"
# Target per notebook is < 5 s on a quiet machine (kernel start ~0.6 s, imports ~2 s). The
# assertion is looser so that a busy CI host does not turn the target into a flaky test.
SOLUTION_BUDGET_SECONDS = 20.0


def _nbg(cell: NotebookNode) -> dict[str, object]:
    return dict(cell.get("metadata", {}).get("nbgrader", {}))


def _kind(cell: NotebookNode) -> str:
    meta = _nbg(cell)
    if not meta:
        return "plain"
    if meta.get("task"):
        return "task"
    if meta.get("grade") and meta.get("solution"):
        return "manual"
    if meta.get("grade"):
        return "test"
    if meta.get("solution"):
        return "solution"
    if meta.get("locked"):
        return "readonly"
    return "plain"


def _grade_id(cell: NotebookNode) -> str:
    return str(_nbg(cell).get("grade_id", ""))


# --- catalogue --------------------------------------------------------------------------------


def test_every_program_is_complete() -> None:
    assert CATALOG
    for institution, program in catalog.all_programs():
        assert institution.name and institution.slug
        assert program.title and program.title_en and program.description.strip()
        assert program.language in {"de", "en"}
        assert program.audience in set(catalog.Audience)
        assert program.offered_by
        assert 2 <= len(program.modules) <= 6, program.slug
        assert [m.order for m in program.modules] == sorted(m.order for m in program.modules)
        assert len({m.slug for m in program.modules}) == len(program.modules), program.slug
        for module in program.modules:
            assert module.weight > 0
            assert Decimal(0) < module.pass_mark <= Decimal(100)
            assert isinstance(module.pass_mark, Decimal) and isinstance(module.weight, Decimal)
        electives = [m for m in program.modules if not m.required]
        assert program.min_elective_modules <= len(electives), program.slug
        assert all(m.required for m in program.modules if m.capstone), "capstones are required"
        cohort = program.cohort
        assert isinstance(cohort.starts_on, dt.date) and cohort.starts_on < cohort.ends_on
        assert cohort.name


def test_slugs_are_unique() -> None:
    institutions = [i.slug for i in CATALOG]
    programs = [p.slug for _, p in catalog.all_programs()]
    assignments = [a.slug for _, _, a in catalog.all_assignments()]
    for slugs in (institutions, programs, assignments):
        assert len(slugs) == len(set(slugs)), slugs
        assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", s) for s in slugs), slugs


def test_the_expected_offerings_are_there() -> None:
    by_institution = {i.slug: {p.slug for p in i.programs} for i in CATALOG}
    assert {
        "ml-data-science",
        "data-literacy",
        "diversitaet-gender",
        "seniorenstudium",
        "schulleitung",
    } <= by_institution["tu-dortmund"]
    assert {
        "nachhaltigkeit",
        "collective-violence",
        "lff-lean-management",
        "lff-smart-factory",
        "lff-agiles-arbeiten",
    } <= by_institution["rub"]
    audiences = {p.audience for _, p in catalog.all_programs()}
    assert audiences == set(catalog.Audience)
    for slug in ("lff-lean-management", "lff-smart-factory", "lff-agiles-arbeiten"):
        assert catalog.program(slug).language == "de"
        assert catalog.program(slug).audience is catalog.Audience.INDUSTRY


def test_ml_program_has_three_notebook_modules_and_a_capstone() -> None:
    ml = catalog.program(ML_PROGRAM)
    assert ml.since == 2024 and ml.audience is catalog.Audience.PROFESSIONALS
    regular = [m for m in ml.modules if not m.capstone]
    capstones = [m for m in ml.modules if m.capstone]
    assert len(regular) >= 3 and all(len(m.assignments) >= 1 for m in regular)
    assert len(capstones) == 1 and capstones[0].title == "Bring-your-own-data-Projekt"
    (byod,) = capstones[0].assignments
    assert byod.notebook == CAPSTONE_SLUG and "data.csv" in byod.allowed_data_files


def test_catalog_assignments_match_their_notebooks() -> None:
    used: set[str] = set()
    for _, _module, assignment in catalog.all_assignments():
        assert assignment.notebook in ASSIGNMENT_SLUGS
        assert assignment.points == max_points(source_notebook(assignment.notebook)), (
            assignment.slug
        )
        assert 0 <= assignment.opens_after_days < assignment.due_after_days
        used.add(assignment.notebook)
    assert used == set(ASSIGNMENT_SLUGS), "every demo notebook belongs to a module"


def test_demo_people() -> None:
    usernames = [u.username for u in DEMO_USERS]
    assert len(usernames) == len(set(usernames))
    roles = [u.role for u in DEMO_USERS]
    assert roles.count(Role.COORDINATOR) == 1
    assert roles.count(Role.INSTRUCTOR) == 2
    assert roles.count(Role.PARTICIPANT) == 3
    for user in DEMO_USERS:
        assert user.email.endswith("@example.org") and user.display_name
        assert user.language in {"de", "en"}
    instructors = {u.username for u in DEMO_USERS if u.role is Role.INSTRUCTOR}
    cohort_instructors = {name for _, p in catalog.all_programs() for name in p.cohort.instructors}
    assert cohort_instructors == instructors
    assert "j.hoffmann" in catalog.program(ML_PROGRAM).cohort.instructors
    participants = {u.username for u in DEMO_USERS if u.role is Role.PARTICIPANT}
    for enrollment in DEMO_ENROLLMENTS:
        assert enrollment.username in participants
        catalog.program(enrollment.program)


# --- notebook structure -------------------------------------------------------------------------


@pytest.mark.parametrize("slug", ASSIGNMENT_SLUGS)
def test_source_notebook_is_valid_nbgrader(slug: str) -> None:
    nb = source_notebook(slug)
    nbformat.validate(nb)
    assert nb.metadata.kernelspec.name == "python3"
    kinds = [_kind(c) for c in nb.cells]
    ids = [_grade_id(c) for c in nb.cells if _nbg(c)]
    assert len(ids) == len(set(ids)), "grade ids must be unique"
    assert all(re.fullmatch(r"[a-z0-9-]+", i) for i in ids)
    assert kinds.count("manual") == 1, "exactly one manually graded answer"
    tests = [c for c in nb.cells if _kind(c) == "test"]
    assert tests and any("### BEGIN HIDDEN TESTS" in c.source for c in tests)
    assert "readonly" in kinds
    for cell in nb.cells:
        meta = _nbg(cell)
        if meta:
            assert meta["schema_version"] == 3
            assert {"grade", "solution", "locked", "grade_id"} <= meta.keys()
        if _kind(cell) in {"test", "manual", "task"}:
            assert isinstance(meta["points"], int) and int(meta["points"]) > 0
        if _kind(cell) == "solution":
            assert cell.cell_type == "code"
            assert "### BEGIN SOLUTION" in cell.source and "### END SOLUTION" in cell.source
        if _kind(cell) == "manual":
            assert cell.cell_type == "markdown" and meta["locked"] is False
        if _kind(cell) == "test":
            assert cell.cell_type == "code" and meta["locked"] is True
    # The same notebook, byte for byte, on every call (storage is content-addressed).
    assert nbformat.writes(nb) == nbformat.writes(source_notebook(slug))


@pytest.mark.parametrize("slug", ASSIGNMENT_SLUGS)
def test_release_notebook_has_nbgrader_shape(slug: str) -> None:
    source = source_notebook(slug)
    release = release_notebook(source)
    nbformat.validate(release)
    assert [_grade_id(c) for c in release.cells] == [_grade_id(c) for c in source.cells]
    text = "\n".join(c.source for c in release.cells)
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "HIDDEN TESTS", "MARK SCHEME"):
        assert marker not in text
    for src, rel in zip(source.cells, release.cells, strict=True):
        kind = _kind(src)
        if kind == "solution":
            # The stub replaces the region at the marker's indentation, as nbgrader does.
            assert re.search(
                r"^( *)# YOUR CODE HERE\n\1raise NotImplementedError\(\)$",
                rel.source,
                flags=re.MULTILINE,
            ), rel.source
            assert rel.metadata["deletable"] is False and "editable" not in rel.metadata
        elif kind == "manual":
            assert rel.source == TEXT_STUB
        elif kind in {"test", "readonly", "task"}:
            assert rel.metadata["deletable"] is False and rel.metadata["editable"] is False
        if kind != "plain":
            assert rel.metadata.nbgrader["checksum"] == compute_checksum(rel)
            assert rel.metadata.nbgrader["cell_type"] == rel.cell_type
    # Hidden tests are gone, the visible part of each test cell is not (the demo notebooks
    # keep their hidden tests at the end of a cell).
    for src, rel in zip(source.cells, release.cells, strict=True):
        if _kind(src) == "test":
            assert rel.source == src.source.split("\n### BEGIN HIDDEN TESTS")[0]
    assert source_notebook(slug) == source, "release_notebook must not modify its input"


def test_release_follows_nbgrader_stub_and_indent_rules() -> None:
    cell = nbformat.v4.new_code_cell(
        "def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION\n"
    )
    cell.metadata["nbgrader"] = {
        "grade": False,
        "solution": True,
        "locked": False,
        "grade_id": "f",
        "schema_version": 3,
    }
    tests = nbformat.v4.new_code_cell(
        "assert f() == 1\n### BEGIN HIDDEN TESTS\nassert f() + 1 == 2\n### END HIDDEN TESTS"
    )
    tests.metadata["nbgrader"] = {
        "grade": True,
        "solution": False,
        "locked": True,
        "points": 1,
        "grade_id": "t",
        "schema_version": 3,
    }
    nb = nbformat.v4.new_notebook(cells=[cell, tests])
    release = release_notebook(nb)
    assert release.cells[0].source == (
        "def f():\n    # YOUR CODE HERE\n    raise NotImplementedError()\n"
    )
    assert release.cells[1].source == "assert f() == 1"
    stray = nbformat.v4.new_code_cell("### BEGIN HIDDEN TESTS\nx\n### END HIDDEN TESTS")
    with pytest.raises(ValueError, match="hidden tests"):
        release_notebook(nbformat.v4.new_notebook(cells=[stray]))


@pytest.mark.parametrize("slug", ASSIGNMENT_SLUGS)
def test_submission_variants_have_release_shape(slug: str) -> None:
    release = release_notebook(source_notebook(slug))
    blank = submission_variant(slug, "blank")
    assert nbformat.writes(blank) == nbformat.writes(release)
    for variant in VARIANTS:
        nb = submission_variant(slug, variant)
        nbformat.validate(nb)
        text = "\n".join(c.source for c in nb.cells)
        assert "HIDDEN TESTS" not in text and "BEGIN SOLUTION" not in text
        assert [_grade_id(c) for c in nb.cells] == [_grade_id(c) for c in release.cells]
    correct = submission_variant(slug, "correct")
    for rel, sub in zip(release.cells, correct.cells, strict=True):
        if _kind(rel) in {"solution", "manual"}:
            assert "NotImplementedError" not in sub.source and sub.source != TEXT_STUB
        else:
            assert sub.source == rel.source, "locked cells arrive as released"
    tampered = submission_variant(slug, "tampered")
    edited = [c for c in tampered.cells if c.source == "assert True"]
    assert len(edited) == 1 and _kind(edited[0]) == "test"
    assert edited[0].metadata.nbgrader["points"] == 100
    for variant in VARIANTS:
        scores = expected_scores(slug, variant)
        graded = {_grade_id(c) for c in release.cells if _kind(c) in {"test", "manual", "task"}}
        assert scores.keys() == graded


def test_capstone_data_file_is_deterministic() -> None:
    data = notebooks.capstone_data_csv()
    assert data == notebooks.capstone_data_csv()
    lines = data.decode("utf-8").splitlines()
    assert lines[0] == "temperatur,druck,drehzahl,vibration,schicht,defekt"
    assert len(lines) == 241
    labels = [line.rsplit(",", 1)[1] for line in lines[1:]]
    assert 0.05 < labels.count("1") / len(labels) < 0.6


# --- execution (slow) -----------------------------------------------------------------------------


def _client(nb: NotebookNode, workdir: Path, *, allow_errors: bool) -> NotebookClient:
    # The kernel's working directory is a fresh temp dir: a notebook sees only its own files
    # (and never the project root, which would shadow the stdlib's `platform`).
    return NotebookClient(
        nb,
        kernel_name="python3",
        timeout=120,
        allow_errors=allow_errors,
        resources={"metadata": {"path": str(workdir)}},
    )


def _errors(nb: NotebookNode) -> list[str]:
    return [
        f"{_grade_id(c) or '?'}: {o.get('ename')}: {o.get('evalue')}"
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.outputs
        if o.output_type == "error"
    ]


def _stderr(cell: NotebookNode) -> bool:
    return any(o.output_type == "stream" and o.name == "stderr" for o in cell.outputs)


def _restore(slug: str, submission: NotebookNode) -> NotebookNode:
    """nbgrader's OverwriteCells: locked and test cells come back from the source notebook
    (hidden tests included, tampering undone, points from the server), solution cells keep
    the participant's text under the server's metadata; outputs are cleared."""
    source = {_grade_id(c): c for c in source_notebook(slug).cells if _nbg(c)}
    release = {_grade_id(c): c for c in release_notebook(source_notebook(slug)).cells if _nbg(c)}
    nb = copy.deepcopy(submission)
    for index, cell in enumerate(nb.cells):
        grade_id = _grade_id(cell)
        if grade_id not in source:
            continue
        if _kind(source[grade_id]) in {"test", "readonly", "task"}:
            nb.cells[index] = copy.deepcopy(source[grade_id])
        else:
            cell.metadata["nbgrader"] = copy.deepcopy(release[grade_id].metadata["nbgrader"])
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return nb


def _cell_points(cell: NotebookNode) -> Decimal | None:
    """nbgrader's determine_grade for one executed cell."""
    meta = _nbg(cell)
    max_pts = Decimal(str(meta["points"]))
    kind = _kind(cell)
    if kind == "task":
        return None
    if kind == "manual":
        return Decimal(0) if meta.get("checksum") == compute_checksum(cell) else None
    for output in cell.outputs:
        if output.output_type == "error" or (
            output.output_type == "stream" and output.name == "stderr"
        ):
            return Decimal(0)
        if output.output_type == "execute_result":
            text = output.data.get("text/plain", "")
            try:
                value = Decimal(str(float(text)))
            except ValueError:
                return max_pts
            if value > max_pts:
                raise AssertionError(f"partial credit {value} above {max_pts}")
            return value if value > 0 else max_pts
    return max_pts


def _scores(executed: NotebookNode) -> dict[str, Decimal | None]:
    return {
        _grade_id(c): _cell_points(c)
        for c in executed.cells
        if _kind(c) in {"test", "manual", "task"}
    }


async def _execute_all(
    jobs: dict[tuple[str, str], tuple[NotebookNode, Path]], parallel: int
) -> dict[tuple[str, str], float]:
    gate = asyncio.Semaphore(parallel)
    seconds: dict[tuple[str, str], float] = {}

    async def run(key: tuple[str, str], nb: NotebookNode, workdir: Path) -> None:
        async with gate:
            started = time.perf_counter()
            await _client(nb, workdir, allow_errors=True).async_execute()
            seconds[key] = time.perf_counter() - started

    await asyncio.gather(*(run(key, nb, wd) for key, (nb, wd) in jobs.items()))
    return seconds


AS_UPLOADED = "correct-as-uploaded"
WITH_DATA = "solution-with-data-csv"


@pytest.fixture(scope="module")
def executed(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], NotebookNode]:
    """Every (slug, variant) submission restored and executed, a few kernels at a time.

    Also, unrestored, the correct submission as a participant uploads it, and the capstone's
    reference solution next to the participant's own ``data.csv``. One fresh kernel per
    notebook, as on the platform; running them concurrently keeps some forty executions to
    about a minute on a small machine.
    """
    jobs: dict[tuple[str, str], tuple[NotebookNode, Path]] = {}
    for slug in ASSIGNMENT_SLUGS:
        for variant in VARIANTS:
            workdir = tmp_path_factory.mktemp(f"{slug}-{variant}")
            jobs[(slug, variant)] = (_restore(slug, submission_variant(slug, variant)), workdir)
        jobs[(slug, AS_UPLOADED)] = (
            submission_variant(slug, "correct"),
            tmp_path_factory.mktemp(f"{slug}-uploaded"),
        )
    workdir = tmp_path_factory.mktemp("capstone-with-data")
    (workdir / CAPSTONE_DATA_FILENAME).write_bytes(notebooks.capstone_data_csv())
    jobs[(CAPSTONE_SLUG, WITH_DATA)] = (solution_notebook(source_notebook(CAPSTONE_SLUG)), workdir)
    asyncio.run(_execute_all(jobs, parallel=max(2, os.cpu_count() or 2)))
    # The participant's file is read, never overwritten.
    assert (workdir / CAPSTONE_DATA_FILENAME).read_bytes() == notebooks.capstone_data_csv()
    return {key: nb for key, (nb, _) in jobs.items()}


@pytest.mark.slow
@pytest.mark.parametrize("slug", ASSIGNMENT_SLUGS)
def test_reference_solution_runs_without_errors(slug: str, tmp_path: Path) -> None:
    nb = solution_notebook(source_notebook(slug))
    started = time.perf_counter()
    _client(nb, tmp_path, allow_errors=False).execute()
    elapsed = time.perf_counter() - started
    assert _errors(nb) == []
    tests = [c for c in nb.cells if _kind(c) == "test"]
    assert not any(_stderr(c) for c in tests), "stderr in a test cell zeroes it in nbgrader"
    assert elapsed < SOLUTION_BUDGET_SECONDS, f"{slug} took {elapsed:.1f} s"
    print(f"{slug}: reference solution executed in {elapsed:.2f} s")


@pytest.mark.slow
def test_capstone_uses_the_participants_data_file(
    executed: dict[tuple[str, str], NotebookNode],
) -> None:
    nb = executed[(CAPSTONE_SLUG, WITH_DATA)]
    assert _errors(nb) == []
    printed = "".join(
        o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs
    )
    assert "eigene Daten (data.csv)" in printed
    assert "Ziel: defekt (classification)" in printed


@pytest.mark.slow
@pytest.mark.parametrize("slug", ASSIGNMENT_SLUGS)
def test_correct_submission_runs_as_uploaded(
    slug: str, executed: dict[tuple[str, str], NotebookNode]
) -> None:
    assert _errors(executed[(slug, AS_UPLOADED)]) == []


@pytest.mark.slow
@pytest.mark.parametrize("slug", ASSIGNMENT_SLUGS)
def test_blank_submission_fails_every_test_cell(
    slug: str, executed: dict[tuple[str, str], NotebookNode]
) -> None:
    tests = [c for c in executed[(slug, "blank")].cells if _kind(c) == "test"]
    assert tests
    for cell in tests:
        assert any(o.output_type == "error" for o in cell.outputs), _grade_id(cell)


@pytest.mark.slow
@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("slug", ASSIGNMENT_SLUGS)
def test_variant_earns_the_expected_points(
    slug: str, variant: Variant, executed: dict[tuple[str, str], NotebookNode]
) -> None:
    nb = executed[(slug, variant)]
    assert _scores(nb) == expected_scores(slug, variant), _errors(nb)
    if variant == "correct":
        assert _errors(nb) == [], "a correct submission passes the hidden tests too"
    tests = [c for c in nb.cells if _kind(c) == "test"]
    assert len(tests) >= 2
    if variant == "tampered":
        # Restoring made a difference: the edited test is back, and it fails.
        source_tests = {_grade_id(c): c.source for c in source_notebook(slug).cells}
        assert all(c.source == source_tests[_grade_id(c)] for c in tests)
