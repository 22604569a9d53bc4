"""The submissions feature packages: each URL of a feature is served by its package, under the
namespaces it always had, and the shared services import no package (docs/architecture.md,
"The submissions feature packages")."""

import ast
from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

import submissions

APP = Path(submissions.__file__).parent

# Every URL name a feature package serves, by package; a newcomer finds the code from the URL.
PACKAGES = {
    "intake": ["submissions:purge-data"],
    "late": [
        "submissions:late-work",
        "submissions:late-policy",
        "submissions:extension-grant",
        "submissions:personal-extension-grant",
        "submissions:personal-extension-revoke",
        "submissions-api:late-policy",
        "submissions-api:extensions",
        "submissions-api:personal-extension",
    ],
    "gradebook": [
        "submissions:gradebook",
        "submissions:gradebook-csv",
        "submissions:analytics",
        "submissions:export-zip",
        "submissions-api:gradebook",
        "submissions-api:gradebook-csv",
    ],
    "publishing": [
        "submissions:publish",
        "submissions:import-course",
        "submissions:publish-check",
        "submissions:confirm-version",
        "submissions-api:publish",
        "submissions-api:publish-check",
        "submissions-api:source",
    ],
}


def views_by_name() -> dict[str, str]:
    """``namespace:name`` -> the module of the view that serves it."""
    found: dict[str, str] = {}

    def walk(patterns: list[URLPattern | URLResolver], namespace: str | None) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, pattern.namespace or namespace)
            elif pattern.name:
                found[f"{namespace}:{pattern.name}"] = pattern.callback.__module__

    walk(get_resolver().url_patterns, None)
    return found


@pytest.mark.parametrize("package", PACKAGES)
def test_each_url_of_a_feature_is_served_by_its_package(package: str) -> None:
    served = views_by_name()
    for name in PACKAGES[package]:
        assert served[name].startswith(f"submissions.{package}."), name


def test_the_shared_services_import_no_feature_package() -> None:
    # The packages build on submissions.services, never the other way round.
    tree = ast.parse((APP / "services.py").read_text())
    imported = {
        node.module or ""
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module
    }
    assert not {m for m in imported if m.split(".")[:2] in [["submissions", p] for p in PACKAGES]}
