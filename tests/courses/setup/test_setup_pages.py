"""The set-up pages: who may open them, each form's happy path and its 400s with nothing stored,
the module order, and the draft policy's preview, save and publish."""

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from courses.models import Cohort, GradingPolicy, Module, Program
from courses.services import create_policy_draft
from platform.models import User
from submissions.models import GraderShare
from tests.helpers import make_user

ClientFor = Callable[[User | None], Client]


def program_data(**extra: str) -> dict[str, str]:
    return {
        "title": "Data Engineering",
        "title_de": "Datentechnik",
        "slug": "data-engineering",
        "summary": "Pipelines.",
        "summary_de": "Datenflüsse.",
        "audience": "professionals",
        "audience_de": "Berufstätige",
        "language": "de",
        "format": "online",
        "is_part_time": "on",
        "fee_required": "none",
        "offer_response_days": "7",
        "inactivity_weeks": "3",
        **extra,
    }


def cohort_data(**extra: str) -> dict[str, str]:
    return {
        "name": "2027/28",
        "starts_on": "2027-10-01",
        "ends_on": "2028-09-30",
        "schedule": "Thursdays 17:00–20:00",
        "capacity": "20",
        "fee": "100",
        "application_deadline": "2027-09-01",
        "instructors_text": "",
        **extra,
    }


# --- who may open the set-up pages -------------------------------------------------------------


def setup_urls(program: Program, cohort: Cohort, module: Module) -> list[str]:
    return [
        reverse("setup:program", args=[program.pk]),
        reverse("setup:modules", args=[program.pk]),
        reverse("setup:module", args=[program.pk, module.pk]),
        reverse("setup:cohort-new", args=[program.pk]),
        reverse("setup:cohort", args=[cohort.pk]),
        reverse("setup:cohort-copy", args=[cohort.pk]),
        reverse("setup:policy", args=[program.pk]),
    ]


def test_staff_and_the_programs_coordinators_open_every_page(
    client_for: ClientFor,
    coordinator: User,
    program_coordinator: User,
    cohort: Cohort,
    module: Module,
) -> None:
    for user in (coordinator, program_coordinator):
        client = client_for(user)
        for url in setup_urls(cohort.program, cohort, module):
            assert client.get(url).status_code == 200, url


def test_others_get_404_everywhere(
    client_for: ClientFor,
    foreign_coordinator: User,
    instructor: User,
    participant: User,
    cohort: Cohort,
    module: Module,
) -> None:
    for user in (foreign_coordinator, instructor, participant):
        client = client_for(user)
        for url in setup_urls(cohort.program, cohort, module):
            assert client.get(url).status_code == 404, (user, url)
            assert client.post(url, {}).status_code == 404, (user, url)


def test_anonymous_visitors_are_sent_to_log_in(client: Client, program: Program) -> None:
    response = client.get(reverse("setup:program", args=[program.pk]))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_only_staff_create_programs(
    client_for: ClientFor, coordinator: User, program_coordinator: User
) -> None:
    assert client_for(program_coordinator).get(reverse("setup:program-new")).status_code == 404
    response = client_for(coordinator).post(
        reverse("setup:program-new"),
        program_data(
            institution=str(program_coordinator.coordinated_programs.get().institution_id)
        ),
    )
    assert response.status_code == 302
    created = Program.objects.get(slug="data-engineering")
    assert (created.title, created.title_de, created.language) == (
        "Data Engineering",
        "Datentechnik",
        "de",
    )


def test_a_wrong_method_is_refused(
    client_for: ClientFor, coordinator: User, module: Module
) -> None:
    url = reverse("setup:module-move", args=[module.program_id, module.pk])
    assert client_for(coordinator).get(url).status_code == 405


# --- the program ---------------------------------------------------------------------------------


def test_a_programs_coordinator_edits_texts_but_not_who_runs_it(
    client_for: ClientFor, program_coordinator: User, program: Program
) -> None:
    other = make_user("zed")
    data = program_data(slug=program.slug, coordinators=str(other.pk), inactivity_weeks="5")
    response = client_for(program_coordinator).post(
        reverse("setup:program", args=[program.pk]), data
    )
    assert response.status_code == 302
    program.refresh_from_db()
    assert program.title_de == "Datentechnik"
    assert program.inactivity_weeks == 5  # the at-risk rule's weeks without activity
    assert list(program.coordinators.all()) == [program_coordinator]


def test_a_bad_program_form_is_a_400_with_nothing_changed(
    client_for: ClientFor, coordinator: User, program: Program
) -> None:
    data = program_data(slug=program.slug, title="", offer_response_days="-3")
    response = client_for(coordinator).post(reverse("setup:program", args=[program.pk]), data)
    assert response.status_code == 400
    program.refresh_from_db()
    assert program.title == "Machine Learning in Data Science"


def test_the_catalogue_shows_the_visitors_language_and_falls_back(
    client: Client, cohort: Cohort
) -> None:
    program = cohort.program
    program.title_de = "Maschinelles Lernen"
    program.summary = "Only in English."
    program.save()
    url = reverse("catalogue:program", args=[program.slug])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "de"
    assert "Maschinelles Lernen" in client.get(url).text
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(url).text
    assert "Machine Learning in Data Science" in english
    assert "Only in English." in english
    german = program.text_in("de")
    assert (german.title_lang, german.summary, german.summary_lang) == (
        "de",
        "Only in English.",
        "en",
    )


# --- modules -------------------------------------------------------------------------------------


def test_modules_are_added_moved_and_deleted_if_unused(
    client_for: ClientFor, coordinator: User, program: Program, assignment: object
) -> None:
    client = client_for(coordinator)
    url = reverse("setup:modules", args=[program.pk])
    for title in ("Statistics", "Capstone"):
        kind = "capstone" if title == "Capstone" else "optional"
        data = {"title": title, "weight": "2", "pass_mark": "60", "kind": kind}
        assert client.post(url, data).status_code == 302
    titles = lambda: list(program.modules.order_by("order").values_list("title", flat=True))  # noqa: E731
    assert titles() == ["Foundations", "Statistics", "Capstone"]
    capstone = program.modules.get(title="Capstone")
    assert capstone.is_capstone and capstone.is_required
    assert not program.modules.get(title="Statistics").is_required
    client.post(reverse("setup:module-move", args=[program.pk, capstone.pk]), {"direction": "up"})
    assert titles() == ["Foundations", "Capstone", "Statistics"]
    used = program.modules.get(title="Foundations")
    response = client.post(reverse("setup:module-delete", args=[program.pk, used.pk]))
    assert response.status_code == 400
    assert program.modules.filter(pk=used.pk).exists()
    client.post(reverse("setup:module-delete", args=[program.pk, capstone.pk]))
    assert titles() == ["Foundations", "Statistics"]


def test_a_module_with_a_taken_title_or_a_negative_weight_is_refused(
    client_for: ClientFor, coordinator: User, module: Module
) -> None:
    url = reverse("setup:modules", args=[module.program_id])
    client = client_for(coordinator)
    data = {"title": "foundations", "weight": "1", "pass_mark": "50", "kind": "required"}
    assert client.post(url, data).status_code == 400
    data = {"title": "New", "weight": "-1", "pass_mark": "150", "kind": "required"}
    response = client.post(url, data)
    assert response.status_code == 400
    assert Module.objects.count() == 1


# --- cohorts -------------------------------------------------------------------------------------


def test_a_cohort_is_created_with_instructors_and_weights(
    client_for: ClientFor,
    coordinator: User,
    program: Program,
    instructor: User,
    other_instructor: User,
) -> None:
    data = cohort_data(instructors_text=f"{instructor.email} 2\n{other_instructor.email} 1")
    response = client_for(coordinator).post(reverse("setup:cohort-new", args=[program.pk]), data)
    assert response.status_code == 302
    cohort = Cohort.objects.get(name="2027/28")
    assert set(cohort.instructors.all()) == {instructor, other_instructor}
    assert dict(GraderShare.objects.filter(cohort=cohort).values_list("grader", "weight")) == {
        instructor.pk: 2,
        other_instructor.pk: 1,
    }
    assert cohort.schedule == "Thursdays 17:00–20:00"


@pytest.mark.parametrize(
    "bad",
    [
        {"ends_on": "2027-09-01"},
        {"name": "2026/27"},
        {"instructors_text": "nobody@example.org"},
        {"instructors_text": "ines@example.org -2"},
        {"fee": "-5"},
        {"application_deadline": "2029-01-01"},
    ],
)
def test_a_bad_cohort_form_is_a_400_with_nothing_stored(
    client_for: ClientFor, coordinator: User, cohort: Cohort, bad: dict[str, str]
) -> None:
    url = reverse("setup:cohort-new", args=[cohort.program_id])
    response = client_for(coordinator).post(url, cohort_data(**bad))
    assert response.status_code == 400
    assert Cohort.objects.count() == 1


def test_a_cohort_edit_keeps_the_old_values_when_refused(
    client_for: ClientFor, coordinator: User, cohort: Cohort
) -> None:
    url = reverse("setup:cohort", args=[cohort.pk])
    response = client_for(coordinator).post(url, cohort_data(ends_on="2020-01-01"))
    assert response.status_code == 400
    cohort.refresh_from_db()
    assert cohort.name == "2026/27"


# --- the grading policy --------------------------------------------------------------------------


def test_the_policy_editor_previews_saves_and_publishes(
    client_for: ClientFor, program_coordinator: User, program: Program, module: Module
) -> None:
    client = client_for(program_coordinator)
    client.post(reverse("setup:policy-draft", args=[program.pk]))
    draft = GradingPolicy.objects.get(program=program)
    fields = {
        "pass_mark": "50",
        "electives_required": "1",
        "notes": "First rules",
        f"role_{module.pk}": "required",
        f"mark_{module.pk}": "60",
        f"weight_{module.pk}": "1",
    }
    preview = client.post(reverse("setup:policy-preview", args=[program.pk]), fields)
    assert "Pass the module “Foundations” with at least 60 %." in preview.text
    assert 'id="policy-met"' in preview.text
    unmet = client.post(
        reverse("setup:policy-preview", args=[program.pk]),
        {**fields, f"role_{module.pk}": "elective", "electives_required": "2"},
    )
    assert "asks for 2 modules but has 1" in unmet.text
    assert client.post(reverse("setup:policy", args=[program.pk]), fields).status_code == 302
    assert draft.module_rules.get().pass_mark == Decimal(60)
    assert draft.module_rules.get().attendance_rate is None
    # The one field of attendance (docs/sessions.md): previewed and saved with the rest.
    attending = {**fields, f"attendance_{module.pk}": "80"}
    preview = client.post(reverse("setup:policy-preview", args=[program.pk]), attending)
    assert "Attend at least 80 % of the sessions of “Foundations”." in preview.text
    assert client.post(reverse("setup:policy", args=[program.pk]), attending).status_code == 302
    assert draft.module_rules.get().attendance_rate == Decimal(80)
    assert client.post(reverse("setup:policy-publish", args=[program.pk])).status_code == 302
    draft.refresh_from_db()
    assert draft.is_published


def test_publishing_a_policy_that_cannot_be_met_is_refused(
    client_for: ClientFor, coordinator: User, program: Program, module: Module
) -> None:
    draft = create_policy_draft(program=program)
    draft.module_rules.create(module=module, role="optional", pass_mark=50)
    response = client_for(coordinator).post(reverse("setup:policy-publish", args=[program.pk]))
    assert response.status_code == 400
    draft.refresh_from_db()
    assert not draft.is_published


def test_a_pinned_cohort_keeps_its_version(
    client_for: ClientFor, coordinator: User, cohort: Cohort, module: Module
) -> None:
    from courses.services import pin_cohort_policy, publish_policy

    first = create_policy_draft(program=cohort.program)
    first.module_rules.create(module=module, role="required", pass_mark=50)
    publish_policy(actor=coordinator, policy=first)
    pin_cohort_policy(cohort=cohort, policy=first)
    client = client_for(coordinator)
    client.post(reverse("setup:policy-draft", args=[cohort.program_id]))
    assert client.post(reverse("setup:policy-publish", args=[cohort.program_id])).status_code == 302
    cohort.refresh_from_db()
    assert cohort.grading_policy == first
    assert GradingPolicy.objects.published().count() == 2


def test_dates_are_real(cohort: Cohort) -> None:
    assert cohort.starts_on == dt.date(2026, 10, 1)


def test_a_refused_allocation_stores_no_cohort(
    client_for: ClientFor, program_coordinator: User, program: Program, instructor: User
) -> None:
    """The allocation service accepts only staff: its refusal is a form error, and the cohort
    saved before it in the same transaction is gone."""
    data = cohort_data(instructors_text=f"{instructor.email} 2")
    url = reverse("setup:cohort-new", args=[program.pk])
    response = client_for(program_coordinator).post(url, data)
    assert response.status_code == 400
    assert "Only coordinators set up the allocation of graders." in response.text
    assert not Cohort.objects.exists()
    without_weights = client_for(program_coordinator).post(
        url, cohort_data(instructors_text=instructor.email)
    )
    assert without_weights.status_code == 302
    assert list(Cohort.objects.get().instructors.all()) == [instructor]


def test_form_errors_speak_german(client_for: ClientFor, coordinator: User, cohort: Cohort) -> None:
    client = client_for(coordinator)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "de"
    url = reverse("setup:cohort-new", args=[cohort.program_id])
    response = client.post(url, cohort_data(ends_on="2027-01-01"))
    assert response.status_code == 400
    assert "Die Kohorte kann nicht enden, bevor sie beginnt." in response.text


def test_the_modules_page_reads_in_a_fixed_number_of_queries(
    client_for: ClientFor,
    coordinator: User,
    program: Program,
    django_assert_max_num_queries: Any,
) -> None:
    client = client_for(coordinator)
    url = reverse("setup:modules", args=[program.pk])
    for n in range(6):
        Module.objects.create(program=program, title=f"M{n}", order=n)
    client.get(url)
    with django_assert_max_num_queries(12):
        assert client.get(url).status_code == 200


def test_a_bad_policy_is_a_400_and_the_preview_asks_for_corrections(
    client_for: ClientFor, coordinator: User, program: Program, module: Module
) -> None:
    draft = create_policy_draft(program=program)
    client = client_for(coordinator)
    fields = {
        "pass_mark": "150",
        "electives_required": "1",
        f"role_{module.pk}": "required",
        f"mark_{module.pk}": "-5",
        f"weight_{module.pk}": "1",
    }
    assert client.post(reverse("setup:policy", args=[program.pk]), fields).status_code == 400
    draft.refresh_from_db()
    assert draft.pass_mark == Decimal(50)
    assert not draft.module_rules.exists()
    preview = client.post(reverse("setup:policy-preview", args=[program.pk]), fields)
    assert preview.status_code == 200
    assert "Correct the marked fields" in preview.text
