"""The ``courses.models`` package: every model is reachable from the package, and its modules
import one another one way only, at the top (docs/architecture.md, "The courses models")."""

import ast
import graphlib
from pathlib import Path

from django.apps import apps

import courses.models

PACKAGE = Path(courses.models.__file__).parent


def is_header(node: ast.stmt) -> bool:
    """A docstring or an ``if TYPE_CHECKING:`` block, which may stand among the imports."""
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
        return True
    return isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING"


def sibling_imports(path: Path) -> tuple[set[str], list[str]]:
    """The ``courses.models`` modules a module imports, and where an import stands below the
    module's top (after its first statement that is no import)."""
    found: set[str] = set()
    late: list[str] = []
    at_top = True
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            if not at_top:
                late.append(f"{path.name}:{node.lineno}")
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                names = [alias.name for alias in node.names]
            found.update(n for n in names if n.split(".")[:2] == ["courses", "models"])
        elif not is_header(node):
            at_top = False
    return found, late


def test_every_model_of_the_app_is_listed_by_the_package() -> None:
    models = list(apps.get_app_config("courses").get_models())
    assert models
    for model in models:
        assert model.__name__ in courses.models.__all__
        assert getattr(courses.models, model.__name__) is model
        # Defined in a topic module, not in the package's __init__.
        assert model.__module__.startswith("courses.models.")


def test_the_models_modules_import_one_another_one_way_and_at_the_top() -> None:
    graph: dict[str, set[str]] = {}
    for path in sorted(PACKAGE.glob("*.py")):
        imported, late = sibling_imports(path)
        assert not late, f"imports below the top: {late}"
        if path.name != "__init__.py":
            assert "courses.models" not in imported, f"{path.name} imports the package itself"
            graph[f"courses.models.{path.stem}"] = imported
    graphlib.TopologicalSorter(graph).prepare()  # raises CycleError on a cycle
