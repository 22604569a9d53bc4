"""Results of a multi-notebook attempt, notebook by notebook: what the participant's page, the
grading screen, the gradebook's export and the API show per notebook (docs/grading.md,
"Multi-notebook assignments"). A single-notebook assignment has one group without a name."""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol


class Scored(Protocol):
    grade_id: str
    kind: str
    points: Decimal | None
    max_points: Decimal


@dataclass
class NotebookResults[R: Scored]:
    """One notebook's results; ``name`` is "" for the one notebook of an assignment."""

    name: str
    results: list[R] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        return self.name.removesuffix(".ipynb")

    @property
    def autograded_points(self) -> Decimal:
        return sum(
            (r.points for r in self.results if r.kind == "autograded" and r.points is not None),
            Decimal(0),
        )

    @property
    def autograded_max(self) -> Decimal:
        return sum((r.max_points for r in self.results if r.kind == "autograded"), Decimal(0))


def notebook_of(grade_cells: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """Grade id -> the notebook it belongs to, for a multi-notebook version's grade cells
    (empty for a single notebook, whose grade cells name none)."""
    return {c["grade_id"]: c["notebook"] for c in grade_cells if c.get("notebook")}


def by_notebook[R: Scored](
    results: Iterable[R], grade_cells: Sequence[Mapping[str, Any]]
) -> list[NotebookResults[R]]:
    """The results grouped by notebook, in the order of the version's grade cells."""
    owners = notebook_of(grade_cells)
    groups: dict[str, NotebookResults[R]] = {
        name: NotebookResults(name) for name in dict.fromkeys(owners.values())
    }
    for result in results:
        name = owners.get(result.grade_id, "")
        groups.setdefault(name, NotebookResults(name)).results.append(result)
    return [group for group in groups.values() if group.results or group.name]
