"""nbgrader's ``### AUTOTEST`` and ``### HASHED AUTOTEST`` directives, instantiated as nbgrader
0.9.6 does at generate time (``nbgrader/preprocessors/instantiatetests.py``).

A comment line of a test cell such as ``### AUTOTEST squares(1); squares(2)`` becomes test code:
for each expression the kernel is asked for its type (the ``dispatch`` template), the templates
for that type (``default`` for any other) give the expressions to compare, the kernel evaluates
them on the instructor's solution, and each comparison is written out with the ``check``
template (``assert str(squares(1)) == "[1]", "..."``). ``HASHED`` compares salted SHA-1
hashes instead, so the answer is not in the released notebook. The templates come from the
course's ``autotests.yml`` (the assignment's folder first, then the course's root, as in
nbgrader), else from the one nbgrader documents (``nbgrader_autotests.yml`` beside this module,
nbgrader's ``docs/source/user_guide/autotests.yml``).

This module is pure: planning (which code the kernel runs, in which order) and writing the
instantiated cells. Running the code is the caller's (``RunCells``): the platform runs it in the
grading sandbox (``submissions.publishing.autotest``), never in the web process. The kernel
must answer as an IPython kernel does: the ``text/plain`` of the last result or display of each
piece of code, which is what the dispatch by type relies on (IPython prints ``type(5)`` as
``int``).

Everything nbgrader would stop on is a ``NbgraderFormatError`` naming the cell (and the
expression, for an expression that fails at publish time).
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
import yaml

from courses.nbgrader import Cell, NbgraderFormatError, Notebook, cell_grade_id, is_grade
from courses.plain_i18n import gettext as _

__all__ = [
    "AUTOTEST_DELIMITER",
    "DEFAULT_TEMPLATES",
    "TEMPLATES_FILE",
    "CellRun",
    "KernelFailure",
    "Op",
    "RunCells",
    "Templates",
    "TestRun",
    "has_autotests",
    "instantiate",
    "load_templates",
    "sanitize",
]

AUTOTEST_DELIMITER = "AUTOTEST"
HASHED_DELIMITER = "HASHED"
TEMPLATES_FILE = "autotests.yml"
DEFAULT_TEMPLATES = (Path(__file__).with_name("nbgrader_autotests.yml")).read_text("utf-8")
# nbgrader's comment_strs, for the kernels the platform grades (R's "ir" is not one of them).
_COMMENT = {"python": "#", "python3": "#"}

# One step for the kernel: {"run": code} runs code, its result unused; {"test": ...} runs the
# dispatch code, picks the tests for the type it printed and runs each (see TestRun).
Op = dict[str, Any]


def sanitize(text: str) -> str:
    """nbgrader's sanitizer for Python kernels, applied to every ``text/plain`` it reads."""
    return text.strip('"').strip("'")


@dataclass(frozen=True)
class TestRun:
    """What the kernel answered for one expression: the dispatch's and each test's text/plain
    (None where the code displayed nothing), unsanitized."""

    __test__ = False  # not a pytest test class, despite the name

    dispatch: str | None
    values: tuple[str | None, ...]


@dataclass(frozen=True)
class KernelFailure:
    """Why a cell's code stopped: ``op`` is the step that failed (None: the cell as a whole,
    e.g. its time ran out), ``test`` the test within a test step (None: its dispatch)."""

    ename: str
    evalue: str
    op: int | None = None
    test: int | None = None


@dataclass(frozen=True)
class CellRun:
    """The kernel's answers for one cell's steps, one TestRun per test step, in order."""

    tests: tuple[TestRun, ...] = ()
    failure: KernelFailure | None = None


# The kernel: given each cell's steps in notebook order (one kernel for all of them, state
# kept), the answers, one per cell, up to and including the first cell that failed.
RunCells = Callable[[Sequence[Sequence[Op]]], Sequence[CellRun]]


@dataclass(frozen=True)
class Templates:
    """One kernel's section of an ``autotests.yml``."""

    dispatch: str
    normalize: str
    check: str
    by_type: dict[str, list[dict[str, Any]]]
    setup: str | None = None
    hash: str | None = None
    success: str | None = None


def _render(template: str, **values: object) -> str:
    # The environment nbgrader uses for every template (no trailing newline kept). It renders
    # Python code, not HTML: escaping would change the tests.
    environment = jinja2.Environment(loader=jinja2.BaseLoader(), autoescape=False)  # noqa: S701
    return environment.from_string(template).render(**values)


def load_templates(text: str, kernel_name: str) -> Templates:
    """The templates of ``kernel_name`` in an ``autotests.yml``; NbgraderFormatError if unusable."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise NbgraderFormatError(
            _("%(file)s is not valid YAML: %(error)s")
            % {"file": TEMPLATES_FILE, "error": str(error).splitlines()[0]}
        ) from None
    section = data.get(kernel_name) if isinstance(data, dict) else None
    if not isinstance(section, dict):
        raise NbgraderFormatError(
            _("%(file)s has no templates for the notebook's kernel %(kernel)s.")
            % {"file": TEMPLATES_FILE, "kernel": repr(kernel_name)}
        )
    by_type = section.get("templates")
    missing = [k for k in ("templates", "dispatch", "check", "normalize") if k not in section]
    if missing or not isinstance(by_type, dict):
        raise NbgraderFormatError(
            _("%(file)s lacks %(keys)s for the kernel %(kernel)s.")
            % {
                "file": TEMPLATES_FILE,
                "keys": ", ".join(repr(k) for k in missing or ["templates"]),
                "kernel": repr(kernel_name),
            }
        )
    if "default" not in by_type:
        raise NbgraderFormatError(
            _('%(file)s must have templates for the type "default".') % {"file": TEMPLATES_FILE}
        )
    for name, tests in by_type.items():
        if not isinstance(tests, list) or not all(
            isinstance(t, dict) and "test" in t and "fail" in t for t in tests
        ):
            raise NbgraderFormatError(
                _(
                    "%(file)s: the templates of the type %(type)s must be a list of entries "
                    'with "test" and "fail".'
                )
                % {"file": TEMPLATES_FILE, "type": repr(name)}
            )

    def optional(key: str) -> str | None:
        value = section.get(key)
        return None if value is None else str(value)

    return Templates(
        dispatch=str(section["dispatch"]),
        normalize=str(section["normalize"]),
        check=str(section["check"]),
        by_type={str(k): v for k, v in by_type.items()},
        setup=optional("setup"),
        hash=optional("hash"),
        success=optional("success"),
    )


def _source(cell: Cell) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def has_autotests(notebook: Notebook) -> bool:
    """Whether nbgrader would instantiate tests in this notebook (and so start a kernel)."""
    return any(
        cell.get("cell_type") == "code" and AUTOTEST_DELIMITER in _source(cell)
        for cell in notebook.get("cells", [])
    )


def _kernel_name(notebook: Notebook) -> str:
    spec = notebook.get("metadata", {}).get("kernelspec", {})
    name = spec.get("name", "") if isinstance(spec, dict) else ""
    if name not in _COMMENT:
        raise NbgraderFormatError(
            _(
                "The notebook uses ### AUTOTEST directives, which need a Python kernel named "
                "'python3' or 'python' in its metadata (kernelspec.name is %(name)s)."
            )
            % {"name": repr(name)}
        )
    return str(name)


# -- planning: what the kernel runs, and how the cell is written afterwards -------------------


@dataclass
class _Test:
    """One expression of a directive: its tests per type, rendered (normalised, hashed)."""

    snippet: str
    code: dict[str, list[str]]
    fail: dict[str, list[str]]


@dataclass
class _CellPlan:
    index: int
    cell: Cell
    ops: list[Op] = field(default_factory=list)
    # The new source, line by line; a _Test stands for its check lines, filled in afterwards.
    lines: list[str | _Test] = field(default_factory=list)
    # Step index -> the directive's expression, for messages.
    snippets: dict[int, str] = field(default_factory=dict)


def _instantiated(templates: Templates, snippet: str, salt: str | None) -> _Test:
    code: dict[str, list[str]] = {}
    fail: dict[str, list[str]] = {}
    for type_name, tests in templates.by_type.items():
        rendered = []
        for test in tests:
            normalized = _render(templates.normalize, snippet=test["test"])
            if salt is not None:
                assert templates.hash is not None
                normalized = _render(templates.hash, snippet=normalized, salt=salt)
            rendered.append(_render(normalized, snippet=snippet))
        code[type_name] = rendered
        fail[type_name] = [
            _render(str(test["fail"]), snippet=snippet).replace('"', '\\"') for test in tests
        ]
    return _Test(snippet=snippet, code=code, fail=fail)


def _plan_cell(index: int, cell: Cell, templates: Templates, comment: str) -> _CellPlan:
    """nbgrader's ``InstantiateTests.preprocess_cell`` up to the kernel's answers."""
    plan = _CellPlan(index=index, cell=cell)
    source = _source(cell)
    grade = is_grade(cell)
    salt_int = int(hashlib.sha256((source + str(index)).encode("utf-8")).hexdigest(), 16) % 10**6
    setup_inserted = False
    pending: list[str] = []
    for line in source.split("\n"):
        if AUTOTEST_DELIMITER not in line or line.strip()[: len(comment)] != comment:
            plan.lines.append(line)
            pending.append(line)
            continue
        plan.ops.append({"run": "\n".join(pending)})
        pending = []
        if not grade:
            raise NbgraderFormatError(
                _(
                    "an ### AUTOTEST directive is only allowed in an autograder tests cell "
                    "(mark the cell as one)."
                ),
                cell_number=index + 1,
                grade_id=cell_grade_id(cell),
            )
        if templates.setup is not None and not setup_inserted:
            plan.lines.append(templates.setup)
            setup_inserted = True
            plan.ops.append({"run": templates.setup})
        at = line.find(AUTOTEST_DELIMITER)
        use_hash = HASHED_DELIMITER in line[:at]
        if use_hash and templates.hash is None:
            raise NbgraderFormatError(
                _("a HASHED AUTOTEST needs a hash template in %(file)s.")
                % {"file": TEMPLATES_FILE},
                cell_number=index + 1,
                grade_id=cell_grade_id(cell),
            )
        snippets = [s.strip() for s in line[at + len(AUTOTEST_DELIMITER) :].strip(";").split(";")]
        if "" in snippets:
            snippets.remove("")  # nbgrader removes the first empty one only
        for snippet in snippets:
            salt = None
            if use_hash:
                salt_int += 1
                salt = hex(salt_int)[2:]
            test = _instantiated(templates, snippet, salt)
            plan.snippets[len(plan.ops)] = snippet
            plan.ops.append(
                {
                    "test": _render(templates.dispatch, snippet=snippet),
                    "by_type": test.code,
                    "default": test.code["default"],
                }
            )
            plan.lines.append(test)
            plan.lines.append("")
    if grade and AUTOTEST_DELIMITER in source and templates.success is not None:
        plan.lines.append(templates.success)
        pending.append(templates.success)
    if pending:
        plan.ops.append({"run": "\n".join(pending)})
    return plan


def _written(plan: _CellPlan, run: CellRun, templates: Templates) -> str:
    answers = iter(run.tests)
    lines: list[str] = []
    for line in plan.lines:
        if isinstance(line, str):
            lines.append(line)
            continue
        answer = next(answers)
        dispatch = None if answer.dispatch is None else sanitize(answer.dispatch)
        type_name = dispatch if dispatch in line.code else "default"
        for code, value, fail in zip(
            line.code[type_name], answer.values, line.fail[type_name], strict=True
        ):
            lines.append(
                _render(
                    templates.check,
                    snippet=code,
                    value=None if value is None else sanitize(value),
                    message=fail,
                )
            )
    return "\n".join(lines)


def _refusal(plan: _CellPlan, failure: KernelFailure) -> NbgraderFormatError:
    error = f"{failure.ename}: {failure.evalue}".strip(": ")
    snippet = plan.snippets.get(failure.op) if failure.op is not None else None
    if snippet is not None:
        problem = _(
            "the AUTOTEST expression %(expression)s could not be evaluated on the solution at "
            "publish time (%(error)s)."
        ) % {"expression": repr(snippet), "error": error}
    else:
        problem = _(
            "the cell's code failed when the notebook ran at publish time to instantiate its "
            "AUTOTEST directives (%(error)s)."
        ) % {"error": error}
    return NbgraderFormatError(
        problem, cell_number=plan.index + 1, grade_id=cell_grade_id(plan.cell)
    )


def instantiate(notebook: Notebook, *, run: RunCells, templates: str | None = None) -> Notebook:
    """The notebook with every AUTOTEST directive replaced by its test code, as nbgrader's
    generate_assignment writes it; unchanged (and no kernel started) without directives.

    ``templates``: the course's ``autotests.yml``, if it has one. Every code cell runs in one
    kernel, in order, as nbgrader runs the source (solutions included) to learn the answers.
    """
    if not has_autotests(notebook):
        return notebook
    kernel_name = _kernel_name(notebook)
    chosen = load_templates(DEFAULT_TEMPLATES if templates is None else templates, kernel_name)
    result = copy.deepcopy(notebook)
    try:
        plans = [
            _plan_cell(index, cell, chosen, _COMMENT[kernel_name])
            for index, cell in enumerate(result["cells"])
            if cell.get("cell_type") == "code" and _source(cell)
        ]
    except jinja2.TemplateError as error:
        raise NbgraderFormatError(
            _("A template of %(file)s cannot be used: %(error)s")
            % {"file": TEMPLATES_FILE, "error": str(error)[:300]}
        ) from None
    runs = list(run([plan.ops for plan in plans]))
    for plan, answer in zip(plans, runs, strict=False):
        if answer.failure is not None:
            raise _refusal(plan, answer.failure)
    if len(runs) < len(plans):
        raise NbgraderFormatError(
            _("The kernel stopped before the notebook's AUTOTEST directives were instantiated.")
        )
    for plan, answer in zip(plans, runs, strict=True):
        plan.cell["source"] = _written(plan, answer, chosen)
        plan.cell.pop("execution", None)
    return result
