"""The demo content: a coherent catalogue and nbgrader notebooks that really run and grade.

The notebooks are published by the platform's own ``courses.nbgrader.publish`` and every
submission variant is graded by its real autograder (``submissions.grading.grade_notebook``):
the points it gives each graded cell must be the ones ``expected_scores`` promises.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import nbformat
import pytest
from nbformat import NotebookNode

from courses import nbgrader
from courses.demo import catalog, notebooks
from courses.demo.catalog import CATALOG, DEMO_ENROLLMENTS, DEMO_USERS, Role
from courses.demo.notebooks import (
    ASSIGNMENT_SLUGS,
    CAPSTONE_DATA_FILENAME,
    CAPSTONE_SLUG,
    VARIANTS,
    Variant,
    expected_scores,
    max_points,
    release_notebook,
    solution_notebook,
    source_notebook,
    submission_variant,
)
from submissions.grading import GradingReport, grade_notebook
from tests.helpers import cell_errors, kernel_client

ML_PROGRAM = "ml-data-science"


def _nbg(cell: NotebookNode) -> dict[str, object]:
    return dict(cell.get("metadata", {}).get("nbgrader", {}))


def _kind(cell: NotebookNode) -> str:
    if not _nbg(cell):
        return "plain"
    if nbgrader.is_task(cell):
        return "task"
    if nbgrader.is_grade(cell):
        return "manual" if nbgrader.is_solution(cell) else "test"
    if nbgrader.is_solution(cell):
        return "solution"
    return "readonly" if nbgrader.is_locked(cell) else "plain"


def _grade_id(cell: NotebookNode) -> str:
    return nbgrader.cell_grade_id(cell) or ""


def _publish(nb: NotebookNode) -> nbgrader.PublishedAssignment:
    return nbgrader.publish(nbformat.writes(nb).encode("utf-8"))


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
    assert roles.count(Role.PARTICIPANT) == 4  # with the seniors' tandem student
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
def test_release_notebook_is_what_the_platform_publishes(slug: str) -> None:
    source = source_notebook(slug)
    release = release_notebook(source)
    assert nbformat.writes(release).encode("utf-8") == _publish(source).release_notebook
    assert source_notebook(slug) == source, "release_notebook must not modify its input"
    assert [_grade_id(c) for c in release.cells] == [_grade_id(c) for c in source.cells]
    text = "\n".join(c.source for c in release.cells)
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "HIDDEN TESTS", "MARK SCHEME"):
        assert marker not in text
    for src, rel in zip(source.cells, release.cells, strict=True):
        if _kind(src) == "solution":
            assert "raise NotImplementedError()" in rel.source, "every region becomes the stub"
        elif _kind(src) == "manual":
            assert rel.source == nbgrader.TEXT_STUB
        elif _kind(src) == "test":
            # The demo notebooks keep their hidden tests at the end of a test cell, so the
            # visible part of every test cell reaches participants whole.
            assert rel.source == src.source.split("\n### BEGIN HIDDEN TESTS")[0]


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
            assert "NotImplementedError" not in sub.source and sub.source != nbgrader.TEXT_STUB
        else:
            assert sub.source == rel.source, "locked cells arrive as released"
    tampered = submission_variant(slug, "tampered")
    edited = [c for c in tampered.cells if c.source == "assert True"]
    assert len(edited) == 1 and _kind(edited[0]) == "test"
    assert edited[0].metadata.nbgrader["points"] == 100
    graded = {cell.grade_id for cell in _publish(source_notebook(slug)).grade_cells}
    for variant in VARIANTS:
        assert expected_scores(slug, variant).keys() == graded


def test_capstone_data_file_is_deterministic() -> None:
    data = notebooks.capstone_data_csv()
    assert data == notebooks.capstone_data_csv()
    lines = data.decode("utf-8").splitlines()
    assert lines[0] == "temperatur,druck,drehzahl,vibration,schicht,defekt"
    assert len(lines) == 241
    labels = [line.rsplit(",", 1)[1] for line in lines[1:]]
    assert 0.05 < labels.count("1") / len(labels) < 0.6


# --- execution (slow) -----------------------------------------------------------------------------


def _stderr(cell: NotebookNode) -> bool:
    return any(o.output_type == "stream" and o.name == "stderr" for o in cell.outputs)


@dataclass(frozen=True)
class _Runs:
    # Each reference solution, executed (its time is measured by bench/demo_grading.py).
    solutions: dict[str, NotebookNode]
    # Each (slug, variant) submission, graded by the platform's autograder.
    reports: dict[tuple[str, Variant], GradingReport]


async def _run_all(
    solutions: dict[str, tuple[NotebookNode, Path]],
    submissions: dict[tuple[str, Variant], tuple[bytes, nbgrader.PublishedAssignment]],
    parallel: int,
) -> _Runs:
    gate = asyncio.Semaphore(parallel)
    reports: dict[tuple[str, Variant], GradingReport] = {}

    async def solve(slug: str, nb: NotebookNode, workdir: Path) -> None:
        client = kernel_client(nb, workdir)  # workdir: a fresh temp dir
        async with gate:
            await client.async_execute()

    async def grade(
        key: tuple[str, Variant], submission: bytes, published: nbgrader.PublishedAssignment
    ) -> None:
        async with gate:
            # grade_notebook runs its kernel in a thread of its own; it blocks only this task.
            reports[key] = await asyncio.to_thread(
                grade_notebook, submission=submission, published=published
            )

    await asyncio.gather(
        *(solve(slug, nb, workdir) for slug, (nb, workdir) in solutions.items()),
        *(grade(key, *job) for key, job in submissions.items()),
    )
    return _Runs(
        solutions={slug: nb for slug, (nb, _) in solutions.items()},
        reports=reports,
    )


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> _Runs:
    """One kernel per notebook, as on the platform, a few at a time.

    Every reference solution is executed (the capstone's next to the participant's own
    ``data.csv``), and every (slug, variant) submission is graded once by the real grader.
    """
    solutions: dict[str, tuple[NotebookNode, Path]] = {}
    submissions: dict[tuple[str, Variant], tuple[bytes, nbgrader.PublishedAssignment]] = {}
    for slug in ASSIGNMENT_SLUGS:
        source = source_notebook(slug)
        solutions[slug] = (solution_notebook(source), tmp_path_factory.mktemp(slug))
        published = _publish(source)
        for variant in VARIANTS:
            upload = nbformat.writes(submission_variant(slug, variant)).encode("utf-8")
            submissions[(slug, variant)] = (upload, published)
    data_dir = solutions[CAPSTONE_SLUG][1]
    (data_dir / CAPSTONE_DATA_FILENAME).write_bytes(notebooks.capstone_data_csv())
    result = asyncio.run(_run_all(solutions, submissions, parallel=max(2, os.cpu_count() or 2)))
    # The participant's file is read, never overwritten.
    assert (data_dir / CAPSTONE_DATA_FILENAME).read_bytes() == notebooks.capstone_data_csv()
    return result


@pytest.mark.slow
@pytest.mark.parametrize("slug", ASSIGNMENT_SLUGS)
def test_reference_solution_runs_without_errors(slug: str, runs: _Runs) -> None:
    nb = runs.solutions[slug]
    assert cell_errors(nb) == []
    tests = [c for c in nb.cells if _kind(c) == "test"]
    assert not any(_stderr(c) for c in tests), "stderr in a test cell zeroes it in nbgrader"


@pytest.mark.slow
def test_capstone_uses_the_participants_data_file(runs: _Runs) -> None:
    nb = runs.solutions[CAPSTONE_SLUG]
    printed = "".join(
        o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs
    )
    assert "eigene Daten (data.csv)" in printed
    assert "Ziel: defekt (classification)" in printed


@pytest.mark.slow
@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("slug", ASSIGNMENT_SLUGS)
def test_variant_earns_the_expected_points(slug: str, variant: Variant, runs: _Runs) -> None:
    report = runs.reports[(slug, variant)]
    assert report.status == "graded", str(report.error)
    expected = expected_scores(slug, variant)
    got = {o.grade_id: o.points for o in report.outcomes}
    assert got.keys() == expected.keys()
    wrong = [
        f"{o.grade_id}: {o.points} instead of {expected[o.grade_id]} ({o.status}: {o.message})"
        for o in report.outcomes
        if o.points != expected[o.grade_id]
    ]
    assert not wrong, "\n".join(wrong)
    assert report.autograded_max + report.manual_max == max_points(source_notebook(slug))
    autograded = [o for o in report.outcomes if o.kind == "autograded"]
    assert len(autograded) >= 2
    if variant == "correct":
        assert all(o.status == "passed" for o in autograded), "hidden tests pass too"
    if variant == "blank":
        assert all(o.status == "failed" and str(o.message) for o in autograded)
    if variant == "tampered":
        # The edited test cell was restored (source and points) and fails.
        (restored,) = [o for o in report.outcomes if "undone" in str(o.message)]
        source_points = {c.grade_id: c.points for c in _publish(source_notebook(slug)).grade_cells}
        assert restored.kind == "autograded" and restored.status == "failed"
        assert restored.max_points == source_points[restored.grade_id] < 100
