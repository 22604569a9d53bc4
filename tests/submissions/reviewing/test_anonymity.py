"""Anonymous grading: pseudonyms everywhere graders look, until a coordinator reveals names."""

import re
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from submissions.exceptions import IdentitiesHidden
from submissions.models import Submission
from submissions.reviewing import services, states
from submissions.reviewing.anonymity import participant_label, pseudonym_code, reveal_identities
from tests.helpers import (
    api_client,
    graded,
    participant_notebook,
    publish,
    submit,
    upload_file,
)


@pytest.fixture
def named_upload(enrolled: Any, anonymous_assignment: Any) -> Submission:
    """Ada uploads a file that carries her name, as people do."""
    upload = upload_file(participant_notebook(), name="Ada_Lovelace_squares.ipynb")
    return graded(submit(enrolled, anonymous_assignment, notebook=upload))


def settings_and_reveal_urls(assignment: Any) -> tuple[str, str]:
    return (
        reverse("submissions:review-settings", args=[assignment.pk]),
        reverse("submissions:reveal-identities", args=[assignment.pk]),
    )


def leaks(page: str) -> list[str]:
    return [s for s in ("Ada", "Lovelace", "ada@example.org") if s in page]


def test_pseudonyms_are_stable_per_assignment_and_differ_between_assignments(
    anonymous_assignment: Any, enrolled: Any, module: Any
) -> None:
    code = pseudonym_code(assignment_id=anonymous_assignment.pk, participant_id=enrolled.pk)
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{6}", code)
    assert code == pseudonym_code(assignment_id=anonymous_assignment.pk, participant_id=enrolled.pk)
    other = publish(module, "cubes", "Cubes")
    assert code != pseudonym_code(assignment_id=other.pk, participant_id=enrolled.pk)


def test_graders_see_only_the_pseudonym_on_every_page(
    named_upload: Submission, instructor: Any, anonymous_assignment: Any, client_for: Any
) -> None:
    label = participant_label(named_upload)
    assert label.startswith("Participant ") and "Ada" not in label
    client = client_for(instructor)
    pages = {
        "queue": reverse("submissions:queue"),
        "grade": reverse("submissions:grade", args=[named_upload.pk]),
        "detail": reverse("submissions:detail", args=[named_upload.pk]),
        "cohort": reverse("submissions:cohort", args=[named_upload.enrollment.cohort_id]),
    }
    for name, url in pages.items():
        page = client.get(url).content.decode()
        assert label in page, name
        assert leaks(page) == [], name
    services.save_review(
        grader=instructor,
        submission=named_upload,
        points={"explain": Decimal(2)},
        comments={},
        feedback="",
    )
    states.mark_ready(grader=instructor, submission=named_upload)
    page = client.get(
        reverse("submissions:release-ready", args=[anonymous_assignment.pk])
    ).content.decode()
    assert label in page and leaks(page) == []
    rows = api_client(instructor).get(reverse("submissions-api:queue")).json()["results"]
    assert [r["participant"] for r in rows] == [label]


def test_the_participant_still_sees_their_own_file_name(
    named_upload: Submission, enrolled: Any, client_for: Any
) -> None:
    page = client_for(enrolled).get(reverse("submissions:detail", args=[named_upload.pk]))
    assert "Ada_Lovelace_squares.ipynb" in page.content.decode()


def test_anonymity_cannot_be_switched_off_only_revealed_by_a_coordinator(
    named_upload: Submission,
    instructor: Any,
    coordinator: Any,
    enrolled: Any,
    anonymous_assignment: Any,
    client_for: Any,
) -> None:
    settings_url, reveal_url = settings_and_reveal_urls(anonymous_assignment)
    response = client_for(instructor).post(settings_url, {"posting_policy": "immediate"})
    assert response.status_code == 400
    assert "cannot be switched off" in response.content.decode()
    assert client_for(instructor).post(reveal_url).status_code == 403
    assert client_for(enrolled).post(reveal_url).status_code == 404
    assert client_for(coordinator).get(reveal_url).status_code == 405
    anonymous_assignment.settings.refresh_from_db()
    assert anonymous_assignment.settings.hides_identities

    assert client_for(coordinator).post(reveal_url).status_code == 302
    anonymous_assignment.settings.refresh_from_db()
    assert anonymous_assignment.settings.identities_revealed_by == coordinator
    assert anonymous_assignment.settings.identities_revealed_at is not None
    page = client_for(instructor).get(settings_url).content.decode()
    assert "Revealed by Cora Coordinator" in page
    grade_page = client_for(instructor).get(reverse("submissions:grade", args=[named_upload.pk]))
    assert "Ada Lovelace" in grade_page.content.decode()


def test_an_instructor_can_switch_anonymity_on(
    assignment: Any, instructor: Any, enrolled: Any, client_for: Any
) -> None:
    url = reverse("submissions:review-settings", args=[assignment.pk])
    response = client_for(instructor).post(
        url, {"posting_policy": "immediate", "anonymous_grading": "on"}
    )
    assert response.status_code == 302
    assignment.settings.refresh_from_db()
    assert assignment.settings.anonymous_grading and assignment.settings.hides_identities


def test_a_program_coordinator_reveals_identities_and_it_is_recorded(
    named_upload: Submission,
    program_coordinator: Any,
    instructor: Any,
    anonymous_assignment: Any,
    client_for: Any,
) -> None:
    settings_url, reveal_url = settings_and_reveal_urls(anonymous_assignment)
    client = client_for(program_coordinator)
    page = client.get(settings_url)
    assert page.status_code == 200 and 'id="reveal"' in page.content.decode()
    response = client.post(reveal_url)
    assert response.status_code == 302 and response["Location"] == settings_url
    anonymous_assignment.settings.refresh_from_db()
    assert anonymous_assignment.settings.identities_revealed_by == program_coordinator
    assert anonymous_assignment.settings.identities_revealed_at is not None
    assert not anonymous_assignment.settings.hides_identities
    page = client_for(instructor).get(settings_url).content.decode()
    assert "Revealed by Paula Programme" in page


def test_instructors_and_other_programs_coordinators_cannot_reveal(
    named_upload: Submission,
    instructor: Any,
    foreign_coordinator: Any,
    other_instructor: Any,
    enrolled: Any,
    anonymous_assignment: Any,
    client_for: Any,
) -> None:
    settings_url, reveal_url = settings_and_reveal_urls(anonymous_assignment)
    page = client_for(instructor).get(settings_url).content.decode()
    assert 'id="reveal"' not in page and "A coordinator can reveal them" in page
    assert client_for(instructor).post(reveal_url).status_code == 403
    for outsider in (foreign_coordinator, other_instructor, enrolled):
        assert client_for(outsider).get(settings_url).status_code == 404
        assert client_for(outsider).post(reveal_url).status_code == 404
    with pytest.raises(IdentitiesHidden, match="Only a coordinator of this program"):
        reveal_identities(actor=instructor, assignment=anonymous_assignment)
    with pytest.raises(IdentitiesHidden):
        reveal_identities(actor=foreign_coordinator, assignment=anonymous_assignment)
    anonymous_assignment.settings.refresh_from_db()
    assert anonymous_assignment.settings.hides_identities
    assert anonymous_assignment.settings.identities_revealed_by is None
