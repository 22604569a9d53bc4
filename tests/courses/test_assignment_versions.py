"""What replacing a notebook changes (courses.versions.compare), without a database."""

from decimal import Decimal

import nbformat

from courses.versions import change_lines, compare
from tests.helpers import tiny_source_notebook

CELLS = [
    {"grade_id": "test_square", "kind": "autograded", "points": "2"},
    {"grade_id": "test_square_hidden", "kind": "autograded", "points": "1"},
    {"grade_id": "explain", "kind": "manual", "points": "2"},
]
SETTINGS = {"title": "Squares", "opens_at": None, "due_at": None, "max_attempts": 3}


def source(nb: nbformat.NotebookNode) -> bytes:
    return nbformat.writes(nb).encode()


def test_a_changed_hidden_test_shows_as_changed_code_of_its_grade_cell() -> None:
    nb = tiny_source_notebook()
    nb.cells[3].source = nb.cells[3].source.replace("-4) == 16", "-5) == 25")
    changes = compare(
        old_source=source(tiny_source_notebook()),
        old_cells=CELLS,
        old_points=Decimal(5),
        new_source=source(nb),
        new_cells=CELLS,
        new_points=Decimal(5),
        current_settings=SETTINGS,
        given_settings={"title": "Squares", "max_attempts": 3},
    )
    assert [(c.grade_id, c.source_changed) for c in changes.changed] == [
        ("test_square_hidden", True)
    ]
    assert not (changes.added or changes.removed or changes.settings)
    assert (changes.other_cells_added, changes.other_cells_removed) == (0, 0)
    assert change_lines(changes.as_json()) == [
        "Grade cell test_square_hidden: its code or text changed"
    ]


def test_the_same_notebook_and_settings_change_nothing() -> None:
    changes = compare(
        old_source=source(tiny_source_notebook()),
        old_cells=CELLS,
        old_points=Decimal(5),
        new_source=source(tiny_source_notebook()),
        new_cells=CELLS,
        new_points=Decimal(5),
        current_settings=SETTINGS,
        given_settings={"title": "Squares"},
    )
    assert changes.is_empty and change_lines(changes.as_json()) == []


def test_a_removed_cell_an_edited_instruction_and_a_new_title_are_listed() -> None:
    nb = tiny_source_notebook()
    nb.cells[0].source = "# Squares\nWrite `square(x)` for integers."
    del nb.cells[4]
    changes = compare(
        old_source=source(tiny_source_notebook()),
        old_cells=CELLS,
        old_points=Decimal(5),
        new_source=source(nb),
        new_cells=CELLS[:2],
        new_points=Decimal(3),
        current_settings=SETTINGS,
        given_settings={"title": "Squares 2"},
    )
    assert change_lines(changes.as_json()) == [
        "Points of the notebook: 5 → 3",
        "Grade cell explain removed (was manually graded answer, 2 points)",
        "Other cells: 1 new or changed, 1 removed or changed",
        "Title: Squares → Squares 2",
    ]
