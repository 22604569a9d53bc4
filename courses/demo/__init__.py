"""Demo content: real programmes and nbgrader-format assignments as plain Python data.

``catalog`` describes institutions, programmes, modules, cohorts and people; ``notebooks``
builds the assignments' source, release and submission notebooks. Neither touches the
database: the ``load_demo`` management command turns them into rows.
"""

from courses.demo.catalog import CATALOG, DEMO_ENROLLMENTS, DEMO_USERS
from courses.demo.notebooks import (
    ASSIGNMENT_SLUGS,
    CAPSTONE_SLUG,
    VARIANTS,
    capstone_data_csv,
    expected_scores,
    release_notebook,
    solution_notebook,
    source_notebook,
    submission_variant,
)

__all__ = [
    "ASSIGNMENT_SLUGS",
    "CAPSTONE_SLUG",
    "CATALOG",
    "DEMO_ENROLLMENTS",
    "DEMO_USERS",
    "VARIANTS",
    "capstone_data_csv",
    "expected_scores",
    "release_notebook",
    "solution_notebook",
    "source_notebook",
    "submission_variant",
]
