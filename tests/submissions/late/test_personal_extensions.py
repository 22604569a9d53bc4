"""Personal extensions on the late-work page and through the API: one participant of one of the
grader's cohorts gets a new due date, chosen by the name graders see; revoking one recomputes
too; coordinators find the late-work and review-settings pages from a cohort's register."""

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from courses.models import Cohort, Extension, Grade
from courses.services import enroll
from submissions.exceptions import GradesFrozen
from submissions.late.report import participant_ref
from submissions.late.services import grant_extension, revoke_extension
from submissions.models import GradeEvent, Submission
from submissions.reviewing.anonymity import participant_label
from tests.helpers import api_client, graded, make_user, release, submit

D = Decimal
LOCAL = "%Y-%m-%dT%H:%M"


@pytest.fixture
def late_assignment(assignment: Any) -> Any:
    """Due two days ago, 10 % off per started day: work handed in now is late."""
    assignment.due_at = timezone.now() - dt.timedelta(days=2)
    assignment.save(update_fields=["due_at"])
    assignment.settings.late_penalty_percent = D(10)
    assignment.settings.save(update_fields=["late_penalty_percent"])
    return assignment


@pytest.fixture
def late_released(other_enrolled: Any, instructor: Any, late_assignment: Any) -> Submission:
    """Grace's late attempt, released with 2 raw points of 5 (below the pass mark: not
    frozen), less the late penalty."""
    submission = graded(submit(other_enrolled, late_assignment), passed=(False, False))
    release(instructor, submission, manual="2")
    assert not submission.enrollment.grades_frozen and submission.late_seconds > 0
    return submission


@pytest.fixture
def sibling_cohort(sibling_cohort: Cohort) -> Cohort:
    """The program's other cohort (tests/conftest.py), with one participant."""
    enroll(user=make_user("linus", first_name="Linus", last_name="Torvalds"), cohort=sibling_cohort)
    return sibling_cohort


def page_url(assignment: Any) -> str:
    return reverse("submissions:late-work", args=[assignment.pk])


def grant_url(assignment: Any) -> str:
    return reverse("submissions:personal-extension-grant", args=[assignment.pk])


def revoke_url(assignment: Any, extension: Extension) -> str:
    return reverse("submissions:personal-extension-revoke", args=[assignment.pk, extension.pk])


def api_url(assignment: Any) -> str:
    return reverse("submissions-api:extensions", args=[assignment.pk])


def api_item_url(assignment: Any, extension: Extension) -> str:
    return reverse("submissions-api:personal-extension", args=[assignment.pk, extension.pk])


def ref(assignment: Any, user: Any) -> str:
    return participant_ref(assignment, user.enrollments.get().pk)


def choices(body: str) -> str:
    """The participant <select> of the personal extension form."""
    start = body.index('id="personal_participant"')
    return body[start : body.index("</select>", start)]


def in_two_days() -> dt.datetime:
    return timezone.localtime() + dt.timedelta(days=2)


def test_a_grader_grants_a_participant_more_time_and_the_released_grade_follows(
    client_for: Any,
    late_released: Submission,
    late_assignment: Any,
    instructor: Any,
    other_enrolled: Any,
) -> None:
    assert Grade.objects.get(enrollment=late_released.enrollment).points < D(2)  # penalised
    response = client_for(instructor).post(
        grant_url(late_assignment),
        {
            "participant": ref(late_assignment, other_enrolled),
            "due_at": in_two_days().strftime(LOCAL),
            "reason": "Illness",
        },
        follow=True,
    )
    assert response.redirect_chain == [(page_url(late_assignment), 302)]
    body = response.content.decode()
    assert "Extension granted to Grace Hopper; 1 released grade was recomputed." in body
    table = body.split('id="personal-extensions"')[1].split("</table>")[0]
    assert "Grace Hopper" in table and "Illness" in table
    late_released.refresh_from_db()
    assert late_released.late_seconds == 0
    deadline = late_assignment.deadline_for(late_released.enrollment)
    assert deadline.due_at is not None and deadline.due_at > timezone.now()
    assert Grade.objects.get(enrollment=late_released.enrollment).points == D(2)
    assert GradeEvent.objects.filter(reason="Extension granted").exists()


def test_revoking_it_brings_the_old_deadline_and_penalty_back(
    client_for: Any,
    late_released: Submission,
    late_assignment: Any,
    instructor: Any,
    other_instructor: Any,
    sibling_cohort: Cohort,
) -> None:
    penalised = Grade.objects.get(enrollment=late_released.enrollment).points
    assert penalised < D(2)
    result = grant_extension(
        assignment=late_assignment,
        granted_by=instructor,
        enrollment=late_released.enrollment,
        due_at=timezone.now() + dt.timedelta(days=1),
        reason="Illness",
    )
    extension = result.extension
    assert Grade.objects.get(enrollment=late_released.enrollment).points == D(2)
    # Not a grader of Grace's cohort: the extension does not exist for them.
    assert (
        client_for(other_instructor).post(revoke_url(late_assignment, extension)).status_code == 404
    )
    assert client_for(instructor).get(revoke_url(late_assignment, extension)).status_code == 405
    response = client_for(instructor).post(revoke_url(late_assignment, extension), follow=True)
    body = response.content.decode()
    assert "Extension of Grace Hopper revoked; 1 released grade was recomputed." in body
    assert "No personal extensions yet." in body
    # Kept, with who revoked it and when, and listed apart on the page.
    extension.refresh_from_db()
    assert extension.revoked_by == instructor and extension.revoked_at is not None
    revoked = body.split('id="revoked-extensions"')[1].split("</table>")[0]
    assert "Grace Hopper" in revoked and "Illness" in revoked
    assert f"{instructor.full_name}, " in revoked
    late_released.refresh_from_db()
    assert late_released.late_seconds > 0
    assert Grade.objects.get(enrollment=late_released.enrollment).points == penalised
    assert GradeEvent.objects.filter(reason__startswith="Extension revoked").exists()
    # Twice (a second click, a stale tab): a clear message, nothing changed.
    events = GradeEvent.objects.count()
    again = client_for(instructor).post(revoke_url(late_assignment, extension), follow=True)
    assert again.redirect_chain == [(page_url(late_assignment), 302)]
    assert (
        f"This extension was already revoked by {instructor.full_name} on" in again.content.decode()
    )
    assert GradeEvent.objects.count() == events
    assert Extension.objects.get(pk=extension.pk).revoked_at == extension.revoked_at


def test_another_graders_participant_and_bad_input_are_refused_with_a_clear_error(
    client_for: Any,
    late_assignment: Any,
    instructor: Any,
    enrolled: Any,
    sibling_cohort: Cohort,
) -> None:
    client = client_for(instructor)
    body = client.get(page_url(late_assignment)).content.decode()
    assert "Ada Lovelace" in choices(body) and "Linus" not in choices(body)
    linus = sibling_cohort.enrollments.get()
    due = in_two_days().strftime(LOCAL)
    foreign = client.post(
        grant_url(late_assignment),
        {"participant": participant_ref(late_assignment, linus.pk), "due_at": due, "reason": "x"},
    )
    assert foreign.status_code == 400 and foreign.context["personal_form"].errors["participant"]
    # An enrolment id is no reference either.
    by_id = client.post(
        grant_url(late_assignment), {"participant": linus.pk, "due_at": due, "reason": "x"}
    )
    assert by_id.status_code == 400 and by_id.context["personal_form"].errors["participant"]
    cutoff_first = client.post(
        grant_url(late_assignment),
        {
            "participant": ref(late_assignment, enrolled),
            "due_at": due,
            "cutoff_at": (in_two_days() - dt.timedelta(days=1)).strftime(LOCAL),
            "reason": "Outage",
        },
    )
    assert cutoff_first.status_code == 400
    assert "The cut-off cannot come before the new due date." in cutoff_first.content.decode()
    no_date = client.post(
        grant_url(late_assignment), {"participant": ref(late_assignment, enrolled), "reason": "x"}
    )
    assert no_date.status_code == 400 and no_date.context["personal_form"].errors["due_at"]
    assert not Extension.objects.exists()


def test_a_frozen_participant_is_refused_on_the_page(
    client_for: Any, enrolled: Any, instructor: Any, late_assignment: Any
) -> None:
    submission = graded(submit(enrolled, late_assignment))
    release(instructor, submission, manual="2")
    assert submission.enrollment.grades_frozen
    refused = client_for(instructor).post(
        grant_url(late_assignment),
        {
            "participant": ref(late_assignment, enrolled),
            "due_at": in_two_days().strftime(LOCAL),
            "reason": "Illness",
        },
    )
    assert refused.status_code == 400
    assert 'id="personal-extension-errors" role="alert"' in refused.content.decode()
    assert not Extension.objects.exists()


def test_anonymous_grading_lists_pseudonyms_in_the_choice_and_the_table(
    client_for: Any,
    late_released: Submission,
    late_assignment: Any,
    instructor: Any,
    enrolled: Any,
    other_enrolled: Any,
) -> None:
    late_assignment.settings.anonymous_grading = True
    late_assignment.settings.save(update_fields=["anonymous_grading"])
    late_released.refresh_from_db()
    pseudonym = participant_label(late_released)
    grant_extension(
        assignment=late_assignment,
        granted_by=instructor,
        enrollment=late_released.enrollment,
        due_at=timezone.now() + dt.timedelta(days=1),
        reason="Illness",
    )
    body = client_for(instructor).get(page_url(late_assignment)).content.decode()
    options = choices(body)
    assert pseudonym in options and "Grace" not in options and "Ada" not in options
    assert f'value="{late_released.enrollment_id}"' not in options
    table = body.split('id="personal-extensions"')[1].split("</table>")[0]
    assert pseudonym in table and "Grace" not in table
    listed = api_client(instructor).get(api_url(late_assignment)).json()
    [row] = listed["personal_extensions"]
    assert row["participant_name"] == pseudonym
    assert "Grace" not in str(listed) and "Ada" not in str(listed)


def test_the_api_lists_grants_and_revokes_personal_extensions(
    late_released: Submission,
    late_assignment: Any,
    instructor: Any,
    other_instructor: Any,
    other_enrolled: Any,
    enrolled: Any,
    sibling_cohort: Cohort,
) -> None:
    penalised = Grade.objects.get(enrollment=late_released.enrollment).points
    client = api_client(instructor)
    url = api_url(late_assignment)
    assert api_client(enrolled).get(url).status_code == 404
    listed = client.get(url).json()
    assert listed["personal_extensions"] == [] and listed["cohort_extensions"] == []
    names = {p["name"]: p["participant"] for p in listed["participants"]}
    assert set(names) == {"Ada Lovelace", "Grace Hopper"}  # not Linus, another grader's
    due = timezone.now() + dt.timedelta(days=2)
    linus = sibling_cohort.enrollments.get()
    for foreign in (participant_ref(late_assignment, linus.pk), str(linus.pk)):
        refused = client.post(
            url, {"participant": foreign, "due_at": due.isoformat(), "reason": "x"}, format="json"
        )
        assert refused.status_code == 400 and "participant" in refused.json()
    both = client.post(
        url,
        {
            "participant": names["Grace Hopper"],
            "cohort": late_released.enrollment.cohort_id,
            "due_at": due.isoformat(),
            "reason": "x",
        },
        format="json",
    )
    assert both.status_code == 400
    response = client.post(
        url,
        {"participant": names["Grace Hopper"], "due_at": due.isoformat(), "reason": "Illness"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["recomputed"] == 1 and body["frozen_not_recomputed"] == []
    assert body["extension"]["participant"] == names["Grace Hopper"]
    assert body["extension"]["participant_name"] == "Grace Hopper"
    assert Grade.objects.get(enrollment=late_released.enrollment).points == D(2)
    extension = Extension.objects.get()
    [row] = client.get(url).json()["personal_extensions"]
    assert (row["id"], row["reason"]) == (extension.pk, "Illness")
    assert (
        api_client(other_instructor).delete(api_item_url(late_assignment, extension)).status_code
        == 404
    )
    revoked = client.delete(api_item_url(late_assignment, extension))
    assert revoked.status_code == 200 and revoked.json()["recomputed"] == 1
    assert Grade.objects.get(enrollment=late_released.enrollment).points == penalised
    assert client.delete(api_item_url(late_assignment, extension)).status_code == 404


def test_a_cohort_extension_cannot_be_revoked_as_a_personal_one(
    late_assignment: Any, instructor: Any, cohort: Cohort
) -> None:
    extension = grant_extension(
        assignment=late_assignment,
        granted_by=instructor,
        cohort=cohort,
        due_at=timezone.now() + dt.timedelta(days=1),
        reason="Outage",
    ).extension
    response = api_client(instructor).delete(api_item_url(late_assignment, extension))
    assert response.status_code == 404 and Extension.objects.filter(pk=extension.pk).exists()


def test_the_page_is_german_for_a_german_grader(
    client_for: Any, late_assignment: Any, instructor: Any, enrolled: Any
) -> None:
    client = client_for(instructor)
    body = client.get(page_url(late_assignment), headers={"accept-language": "de"}).content
    text = body.decode()
    assert "Fristverlängerung für eine Person" in text and "Persönliche Fristverlängerungen" in text
    response = client.post(
        grant_url(late_assignment),
        {
            "participant": ref(late_assignment, enrolled),
            "due_at": in_two_days().strftime(LOCAL),
            "reason": "Krankheit",
        },
        headers={"accept-language": "de"},
        follow=True,
    )
    assert "Fristverlängerung für Ada Lovelace gewährt" in response.content.decode()


def test_the_schema_names_the_extension_endpoints(client: Any, db: None) -> None:
    paths = client.get(reverse("api-schema"), {"format": "json"}).json()["paths"]
    assert set(paths["/api/v1/assignments/{id}/extensions/"]) == {"get", "post"}
    assert set(paths["/api/v1/assignments/{id}/extensions/{extension_pk}/"]) == {"delete"}


def test_coordinators_find_the_late_work_and_review_settings_from_a_cohorts_register(
    client_for: Any,
    late_assignment: Any,
    cohort: Cohort,
    coordinator: Any,
    program_coordinator: Any,
) -> None:
    register = reverse("certificates:cohort", args=[cohort.pk])
    settings_url = reverse("submissions:review-settings", args=[late_assignment.pk])
    staff = client_for(coordinator).get(register).content.decode()
    assert f'href="{settings_url}"' in staff and f'href="{page_url(late_assignment)}"' in staff
    assert client_for(coordinator).get(page_url(late_assignment)).status_code == 200
    own = client_for(program_coordinator).get(register).content.decode()
    assert f'href="{settings_url}"' in own
    assert client_for(program_coordinator).get(settings_url).status_code == 200


# --- revocation: kept on record, refused twice and for frozen grades ------------------------------


def test_the_api_lists_revoked_extensions_with_who_and_when(
    late_released: Submission, late_assignment: Any, instructor: Any, cohort: Cohort
) -> None:
    def grant(**target: Any) -> Extension:
        return grant_extension(
            assignment=late_assignment,
            granted_by=instructor,
            due_at=timezone.now() + dt.timedelta(days=1),
            reason="Illness",
            **target,
        ).extension

    client = api_client(instructor)
    personal = grant(enrollment=late_released.enrollment)
    revoked = client.delete(api_item_url(late_assignment, personal))
    assert revoked.status_code == 200
    answer = revoked.json()["extension"]
    assert (answer["id"], answer["revoked_by"]) == (personal.pk, "Ines Instructor")
    assert answer["participant_name"] == "Grace Hopper" and answer["revoked_at"]
    revoke_extension(extension=grant(cohort=cohort), actor=instructor)
    listed = client.get(api_url(late_assignment)).json()
    assert listed["personal_extensions"] == [] and listed["cohort_extensions"] == []
    cohort_row, personal_row = listed["revoked_extensions"]  # most recently revoked first
    assert (cohort_row["participant"], cohort_row["cohort"]) == (None, cohort.pk)
    assert personal_row["participant_name"] == "Grace Hopper"
    assert personal_row["revoked_at"] == answer["revoked_at"]
    assert {cohort_row["revoked_by"], personal_row["revoked_by"]} == {"Ines Instructor"}
    # Twice: a 404 that says who revoked it, and nothing recomputed.
    events = GradeEvent.objects.count()
    again = client.delete(api_item_url(late_assignment, personal))
    assert again.status_code == 404
    assert again.json()["detail"].startswith("This extension was already revoked by Ines")
    assert GradeEvent.objects.count() == events


def test_a_frozen_participants_extension_cannot_be_revoked(
    client_for: Any, enrolled: Any, instructor: Any, late_assignment: Any
) -> None:
    """Granted before a certificate froze Ada's grades: revoking it would change a grade the
    certificate rests on, so the service, the page and the API refuse and change nothing."""
    extension = grant_extension(
        assignment=late_assignment,
        granted_by=instructor,
        enrollment=enrolled.enrollments.get(),
        due_at=timezone.now() + dt.timedelta(days=1),
        reason="Illness",
    ).extension
    submission = graded(submit(enrolled, late_assignment))
    release(instructor, submission, manual="2")
    assert submission.enrollment.grades_frozen and submission.late_seconds == 0
    points = Grade.objects.get(enrollment=submission.enrollment).points
    events = GradeEvent.objects.count()
    with pytest.raises(GradesFrozen, match="frozen"):
        revoke_extension(extension=extension, actor=instructor)
    page = client_for(instructor).post(revoke_url(late_assignment, extension), follow=True)
    assert page.redirect_chain == [(page_url(late_assignment), 302)]
    body = page.content.decode()
    assert "A certificate has been issued on these grades, so they are frozen." in body
    assert 'id="revoked-extensions"' not in body
    table = body.split('id="personal-extensions"')[1].split("</table>")[0]
    assert f'data-extension="{extension.pk}"' in table  # still active, still listed
    api = api_client(instructor).delete(api_item_url(late_assignment, extension))
    assert api.status_code == 400 and "frozen" in api.json()["detail"]
    extension.refresh_from_db()
    assert extension.revoked_at is None and extension.revoked_by is None
    submission.refresh_from_db()
    assert submission.late_seconds == 0
    assert Grade.objects.get(enrollment=submission.enrollment).points == points
    assert GradeEvent.objects.count() == events
    assert late_assignment.deadline_for(submission.enrollment).due_at == extension.due_at


def test_the_admin_shows_revocations_read_only_and_deletes_nothing(
    client_for: Any, late_released: Submission, late_assignment: Any, instructor: Any
) -> None:
    from courses.admin import ExtensionAdmin

    extension = grant_extension(
        assignment=late_assignment,
        granted_by=instructor,
        enrollment=late_released.enrollment,
        due_at=timezone.now() + dt.timedelta(days=1),
        reason="Illness",
    ).extension
    revoke_extension(extension=extension, actor=instructor)
    assert {"revoked_by", "revoked_at"} <= set(ExtensionAdmin.readonly_fields)
    root = client_for(make_user("root", is_staff=True, is_superuser=True))
    listing = root.get(reverse("admin:courses_extension_changelist")).content.decode()
    assert '<td class="field-revoked_by nowrap">ines</td>' in listing
    page = root.get(reverse("admin:courses_extension_change", args=[extension.pk]))
    assert page.status_code == 200 and 'name="revoked_at"' not in page.content.decode()
    delete = root.post(reverse("admin:courses_extension_delete", args=[extension.pk]))
    assert delete.status_code == 403 and Extension.objects.filter(pk=extension.pk).exists()
