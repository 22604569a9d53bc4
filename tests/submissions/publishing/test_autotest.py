"""Publishing a source with nbgrader's AUTOTEST directives: a kernel in the grading sandbox
turns them into tests before anything is stored (docs/grading.md, "AUTOTEST")."""

import os
from typing import Any

import nbformat
import pytest
from django.urls import reverse

from courses.exceptions import PublishError
from courses.models import Assignment
from platform.blobs import read_blob
from submissions.grading.isolation import uids
from submissions.models import PublishCheck
from submissions.publishing.services import instantiate_autotests, publish_assignment
from tests.helpers import api_client, tiny_source_notebook, upload_file

pytestmark = pytest.mark.slow


def autotest_source(test: str = "### AUTOTEST square(3)\n### HASHED AUTOTEST square(4)") -> bytes:
    nb = tiny_source_notebook()
    nb.cells[2].source = test
    return nbformat.writes(nb).encode()


def test_publishing_stores_the_instantiated_tests_in_every_notebook(
    cohort: Any,
    module: Any,
    instructor: Any,
    client_for: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(instructor).post(
            reverse("submissions:publish", args=[module.pk]),
            {
                "title": "Squares",
                "slug": "squares-at",
                "source": upload_file(autotest_source(), "source.ipynb"),
            },
        )
    assert response.status_code == 302
    # The worker's check grades the instantiated source: the solution passes its tests.
    check = PublishCheck.objects.get()
    assert check.status == "passed", check.report
    assert check.report["reference"]["test_square"] == "2"
    assert check.report["blank"]["test_square"] == "0"
    assignment = Assignment.objects.get(slug="squares-at")
    release = read_blob(assignment.release_sha256).decode()
    grading = read_blob(assignment.grading_sha256).decode()
    source = read_blob(assignment.source_sha256).decode()
    for text in (release, grading, source):
        assert "AUTOTEST" not in text
        assert 'assert str(square(3)) == \\"\\"\\"9\\"\\"\\"' in text
        assert "sha1(str(square(4)).encode(" in text
    # The hashed answer (16) is nowhere in the release.
    assert '\\"\\"\\"16\\"\\"\\"' not in release


def test_an_expression_that_fails_on_the_solution_is_refused_naming_cell_and_expression(
    cohort: Any, module: Any, instructor: Any, client_for: Any
) -> None:
    response = client_for(instructor).post(
        reverse("submissions:publish", args=[module.pk]),
        {
            "title": "Squares",
            "slug": "squares-at",
            "source": upload_file(autotest_source("### AUTOTEST cube(3)"), "source.ipynb"),
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Cell 3 (grade_id &#x27;test_square&#x27;)" in page
    assert "&#x27;cube(3)&#x27;" in page and "NameError" in page
    assert not Assignment.objects.filter(slug="squares-at").exists()


def test_a_directive_outside_a_test_cell_is_refused_before_any_kernel_runs(
    module: Any,
) -> None:
    nb = tiny_source_notebook()
    nb.cells[1].source += "\n### AUTOTEST square(2)"
    with pytest.raises(PublishError, match=r"Cell 2 .*only allowed in an autograder tests cell"):
        instantiate_autotests(nbformat.writes(nb).encode())


def test_the_courses_own_autotests_yml_overrides_the_default(module: Any) -> None:
    templates = """\
python3:
    dispatch: "type({{snippet}})"
    normalize: "repr({{snippet}})"
    check: 'assert {{snippet}} == "{{value}}", "{{message}}"'
    templates:
        default:
            - test: "{{snippet}}"
              fail: "{{snippet}} is wrong"
"""
    assignment = publish_assignment(
        module=module,
        slug="own",
        title="Own templates",
        source=autotest_source("### AUTOTEST square(3)"),
        autotests=templates,
    )
    grading = read_blob(assignment.grading_sha256).decode()
    assert 'assert repr(square(3)) == \\"9\\", \\"square(3) is wrong\\"' in grading
    assert "Success" not in grading  # no success template in this file


def test_a_source_without_directives_is_published_as_it_is() -> None:
    source = nbformat.writes(tiny_source_notebook()).encode()
    assert instantiate_autotests(source) is source


def test_a_cell_past_the_grading_time_limit_is_refused_with_the_limit(settings: Any) -> None:
    settings.GRADING_CELL_TIMEOUT = 1
    source = autotest_source("import time\ntime.sleep(30)\n### AUTOTEST square(3)")
    with pytest.raises(PublishError, match=r"Cell 3 .*the cell ran longer than 1 seconds"):
        instantiate_autotests(source)


@pytest.mark.parametrize(
    ("templates", "message"),
    [
        ("python3: [", "autotests.yml is not valid YAML"),
        ("ir:\n    dispatch: x\n", "autotests.yml has no templates for the notebook's kernel"),
        (
            'python3:\n    dispatch: "{{ snippet"\n    normalize: x\n    check: x\n'
            "    templates:\n        default: []\n",
            "A template of autotests.yml cannot be used",
        ),
        (
            "python3:\n    dispatch: x\n    normalize: x\n    check: x\n"
            "    templates:\n        int: []\n",
            'autotests.yml must have templates for the type "default"',
        ),
    ],
)
def test_an_unusable_autotests_yml_is_refused_with_a_reason(templates: str, message: str) -> None:
    with pytest.raises(PublishError, match=message):
        instantiate_autotests(autotest_source("### AUTOTEST square(3)"), autotests=templates)


def test_the_api_previews_and_replaces_an_autotest_notebook(
    cohort: Any, module: Any, instructor: Any
) -> None:
    assignment = publish_assignment(
        module=module, slug="sq", title="Squares", source=autotest_source("### AUTOTEST square(3)")
    )
    client = api_client(instructor)
    url = reverse("submissions-api:source", args=[assignment.pk])
    new = autotest_source("### AUTOTEST square(3); square(5)")
    preview = client.put(url, {"source": upload_file(new, "s.ipynb"), "dry_run": True})
    assert preview.status_code == 200, preview.json()
    assert preview.json()["status"] == "preview"
    replaced = client.put(url, {"source": upload_file(new, "s.ipynb")})
    assert replaced.status_code == 202, replaced.json()
    version = assignment.versions.get(number=2)
    assert (
        'assert str(square(5)) == \\"\\"\\"25\\"\\"\\"'
        in read_blob(version.grading_sha256).decode()
    )


@pytest.mark.skipif(os.geteuid() != 0, reason="only a root process switches uids")
def test_a_root_web_process_gives_its_grading_uid_back_after_the_publish_time_kernel(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A range of its own, so no worker of another test run holds it.
    monkeypatch.setenv("GRADING_UID", "300030-300031")
    pool = range(300_030, 300_032)
    uids.release_all()
    claimed: list[int] = []
    real_claim = uids.claim

    def spy(uid_range: range, **kwargs: Any) -> int:
        claimed.append(real_claim(uid_range, **kwargs))
        return claimed[-1]

    monkeypatch.setattr(uids, "claim", spy)

    instantiated = instantiate_autotests(autotest_source()).decode()

    assert "AUTOTEST" not in instantiated
    assert claimed and set(claimed) <= set(pool)  # the kernel ran as a uid of the range
    assert pool not in uids._claims
    descriptor = uids._take(claimed[0], uids.LOCK_DIR)
    assert descriptor is not None  # free for a worker
    os.close(descriptor)
