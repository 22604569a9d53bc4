"""Every template stays readable in a diff: no line over 120 characters (docs/architecture.md).

djhtml checks their indentation in ``bin/lint``; this test runs everywhere ``bin/test`` runs.
"""

from pathlib import Path

from django.conf import settings
from django.template.utils import get_app_template_dirs

from submissions.rendering.exporter import TEMPLATE_FILE

MAX_LINE = 120


def project_templates() -> list[Path]:
    """The project's own templates: Django's template directories and the notebook viewer's."""
    root = Path(settings.BASE_DIR)
    directories = [
        *(Path(directory) for engine in settings.TEMPLATES for directory in engine["DIRS"]),
        *(
            directory
            for directory in get_app_template_dirs("templates")
            if directory.is_relative_to(root) and "site-packages" not in directory.parts
        ),
        TEMPLATE_FILE.parent,
    ]
    return sorted(
        {path for directory in directories for path in directory.rglob("*") if path.is_file()}
    )


def test_there_are_templates_to_check() -> None:
    names = {path.name for path in project_templates()}
    assert {"base.html", "certificate.txt", "certlab_notebook.html.j2"} <= names


def test_no_template_line_is_longer_than_120_characters() -> None:
    root = Path(settings.BASE_DIR)
    too_long = [
        f"{path.relative_to(root)}:{number}: {len(line)} characters"
        for path in project_templates()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if len(line) > MAX_LINE
    ]
    assert too_long == []
