"""The public catalogue's pages: what they list, their filters, the Apply button, the page's
language, and a constant number of queries."""

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from courses.models import (
    Cohort,
    ElectiveGroup,
    Enrollment,
    GradingPolicy,
    Institution,
    Module,
    PolicyCategory,
    PolicyModule,
    Program,
)
from courses.services import publish_policy
from platform.models import User
from tests.helpers import make_cohort, make_program, make_user

TODAY = timezone.localdate


def _open_cohort(program: Program, name: str = "next", **fields: Any) -> Cohort:
    today = TODAY()
    cohort = make_cohort(
        program,
        name=name,
        starts_on=today + dt.timedelta(days=60),
        ends_on=today + dt.timedelta(days=240),
    )
    defaults: dict[str, Any] = {
        "applications_open": True,
        "application_deadline": today + dt.timedelta(days=30),
    }
    for key, value in {**defaults, **fields}.items():
        setattr(cohort, key, value)
    cohort.save()
    return cohort


@pytest.fixture
def rub(db: None) -> Institution:
    return Institution.objects.create(
        name="Ruhr University Bochum", short_name="RUB", slug="rub", website=""
    )


@pytest.fixture
def offered(program: Program) -> Cohort:
    program.summary = "Machine learning for people who work with data."
    program.language = "en"
    program.save()
    return _open_cohort(program, capacity=20, fee=Decimal("3950.00"))


@pytest.fixture
def german(rub: Institution) -> Program:
    program = make_program(
        institution=rub, slug="lean", title="Lean Management in der Lernfabrik", audience="industry"
    )
    program.language = "de"
    program.format = "in_person"
    program.save()
    Module.objects.create(program=program, title="Wertstrom und Verschwendung", order=1)
    _open_cohort(program, name="Frühjahr", capacity=12)
    return program


def _body(response: Any) -> str:
    assert response.status_code == 200
    return str(response.content.decode())


# --- the list -----------------------------------------------------------------------------------


def test_anyone_sees_the_programs_grouped_by_institution(
    client: Client, offered: Cohort, german: Program
) -> None:
    body = _body(client.get(reverse("catalogue:list")))
    assert body.index("Ruhr University Bochum") < body.index("Lean Management in der Lernfabrik")
    assert body.index("TU Dortmund University") < body.index("Machine Learning in Data Science")
    assert "Machine learning for people who work with data." in body
    assert "for working professionals" in body.lower()
    assert reverse("catalogue:program", args=["lean"]) in body
    assert 'id="nav-catalogue"' in body


def test_programs_without_a_current_cohort_are_not_listed_and_have_no_page(
    client: Client, offered: Cohort, rub: Institution
) -> None:
    make_program(institution=rub, slug="draft", title="Still being planned")
    ended = make_program(institution=rub, slug="ended", title="No longer offered")
    make_cohort(ended, starts_on=dt.date(2020, 1, 1), ends_on=TODAY() - dt.timedelta(days=1))
    body = _body(client.get(reverse("catalogue:list")))
    assert "Still being planned" not in body and "No longer offered" not in body
    assert "Ruhr University Bochum" not in body  # no program of its own on offer
    for slug in ("draft", "ended", "no-such-program"):
        assert client.get(reverse("catalogue:program", args=[slug])).status_code == 404


def test_a_running_program_without_an_open_cohort_says_so(client: Client, cohort: Cohort) -> None:
    cohort.starts_on, cohort.ends_on = (
        TODAY() - dt.timedelta(days=30),
        TODAY() + dt.timedelta(days=90),
    )
    cohort.save()
    body = _body(client.get(reverse("catalogue:list")))
    assert "Machine Learning in Data Science" in body
    assert "No cohort is open for applications at the moment." in body


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ({"institution": "rub"}, "Lean Management", "Machine Learning"),
        ({"language": "en"}, "Machine Learning", "Lean Management"),
        ({"format": "in_person"}, "Lean Management", "Machine Learning"),
        ({"open": "on"}, "Lean Management", "Machine Learning"),
    ],
)
def test_the_filters_narrow_the_list(
    client: Client,
    offered: Cohort,
    german: Program,
    query: dict[str, str],
    shown: str,
    hidden: str,
) -> None:
    offered.applications_open = False
    offered.save()
    body = _body(client.get(reverse("catalogue:list"), query))
    assert shown in body and hidden not in body
    assert 'id="clear-filters"' in body


def test_a_bad_filter_value_is_shown_as_an_error_and_ignored(
    client: Client, offered: Cohort, german: Program
) -> None:
    body = _body(client.get(reverse("catalogue:list"), {"language": "xx", "institution": "rub"}))
    assert 'id="filter-errors"' in body
    assert "Lean Management" in body and "Machine Learning" not in body


def test_no_program_matches(client: Client, offered: Cohort) -> None:
    body = _body(client.get(reverse("catalogue:list"), {"format": "online"}))
    assert "No program matches these filters." in body


def test_the_list_is_get_only(client: Client) -> None:
    assert client.post(reverse("catalogue:list")).status_code == 405


# --- a program's page ----------------------------------------------------------------------------


def test_the_program_page_shows_facts_dates_fee_places_and_apply(
    client: Client, offered: Cohort, program: Program
) -> None:
    Enrollment.objects.create(user=make_user("taken"), cohort=offered, status="invited")
    body = _body(client.get(reverse("catalogue:program", args=[program.slug])))
    assert "TU Dortmund University" in body and "for working professionals" not in body
    assert "working professionals" in body
    assert "blended (online and in person)" in body and "part-time" in body
    assert "3,950.00 €" in body
    assert "19 of 20 places left" in body
    assert offered.application_deadline is not None
    assert offered.application_deadline.strftime("%Y") in body
    apply = reverse("applications:apply", args=[offered.pk])
    assert f'href="{apply}"' in body and 'data-state="open"' in body


def test_a_full_cohort_offers_the_wait_list(
    client: Client, offered: Cohort, program: Program
) -> None:
    offered.capacity = 1
    offered.fee = Decimal(0)
    offered.save()
    Enrollment.objects.create(user=make_user("taken"), cohort=offered, status="active")
    body = _body(client.get(reverse("catalogue:program", args=[program.slug])))
    assert "Full: apply for the wait list" in body and "0 of 1 places left" in body
    assert reverse("applications:apply", args=[offered.pk]) in body
    assert "free" in body


@pytest.mark.parametrize(
    ("fields", "state", "says"),
    [
        ({"applications_open": False}, "upcoming", "Applications are not open yet."),
        (
            {"application_deadline": dt.date(2020, 1, 1)},
            "closed",
            "Applications for this cohort are closed.",
        ),
    ],
)
def test_cohorts_not_open_have_no_apply_button(
    client: Client,
    offered: Cohort,
    program: Program,
    fields: dict[str, Any],
    state: str,
    says: str,
) -> None:
    for key, value in fields.items():
        setattr(offered, key, value)
    offered.save()
    body = _body(client.get(reverse("catalogue:program", args=[program.slug])))
    assert f'data-state="{state}"' in body and says in body
    assert reverse("applications:apply", args=[offered.pk]) not in body


def test_no_capacity_means_no_limit_and_no_deadline_means_until_the_start(
    client: Client, offered: Cohort, program: Program
) -> None:
    offered.capacity = None
    offered.application_deadline = None
    offered.save()
    body = _body(client.get(reverse("catalogue:program", args=[program.slug])))
    assert "no limit" in body and "until the cohort starts" in body


def test_the_page_says_what_the_certificate_requires_from_the_published_policy(
    client: Client, offered: Cohort, program: Program, coordinator: User
) -> None:
    basics = Module.objects.create(program=program, title="Basics", order=1, summary="pandas")
    project = Module.objects.create(program=program, title="Project", order=3, is_capstone=True)
    extra_a = Module.objects.create(program=program, title="Vision", order=4, is_required=False)
    extra_b = Module.objects.create(program=program, title="Text", order=5, is_required=False)
    policy = GradingPolicy.objects.create(program=program, version=1, pass_mark=Decimal(60))
    exercises = PolicyCategory.objects.create(
        policy=policy, key="ex", title="Exercises", weight=Decimal(40), minimum=Decimal(50)
    )
    capstone = PolicyCategory.objects.create(
        policy=policy, key="pr", title="Capstone", weight=Decimal(60)
    )
    group = ElectiveGroup.objects.create(policy=policy, key="el", title="Electives", required=1)
    PolicyModule.objects.create(policy=policy, module=basics, category=exercises)
    PolicyModule.objects.create(
        policy=policy, module=project, role="capstone", category=capstone, pass_mark=Decimal(60)
    )
    for extra in (extra_a, extra_b):
        PolicyModule.objects.create(
            policy=policy, module=extra, role="elective", group=group, category=exercises
        )
    publish_policy(actor=coordinator, policy=policy)
    body = _body(client.get(reverse("catalogue:program", args=[program.slug])))
    assert "Pass the module “Basics” with at least 50 %." in body
    assert "Pass the capstone project “Project” with at least 60 %." in body
    assert "Pass 1 elective of “Electives” (“Vision”, “Text”) with at least 50 %." in body
    assert "The weighted grade is made up of Exercises 40 %, Capstone 60 %." in body
    assert "A weighted grade of at least 60 %." in body
    assert "capstone project" in body and "elective" in body and "pandas" in body


def test_without_a_policy_the_modules_own_fields_are_described(
    client: Client, offered: Cohort, program: Program
) -> None:
    Module.objects.create(program=program, title="Basics", order=1, pass_mark=Decimal(55))
    body = _body(client.get(reverse("catalogue:program", args=[program.slug])))
    assert "Pass the module “Basics” with at least 55 %." in body


def test_the_program_page_is_get_only(client: Client, offered: Cohort, program: Program) -> None:
    assert client.post(reverse("catalogue:program", args=[program.slug])).status_code == 405


# --- language -----------------------------------------------------------------------------------


def test_the_page_is_in_the_programs_language_without_a_choice(
    client: Client, german: Program
) -> None:
    response = client.get(
        reverse("catalogue:program", args=[german.slug]), HTTP_ACCEPT_LANGUAGE="en"
    )
    body = _body(response)
    assert '<html lang="de">' in body and response["Content-Language"] == "de"
    assert "Cookie" in response["Vary"]
    assert 'lang="en"' in body and "This page in English" in body


def test_the_visitors_chosen_language_wins(client: Client, german: Program) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(reverse("catalogue:program", args=[german.slug]))
    body = _body(response)
    assert '<html lang="en">' in body and response["Content-Language"] == "en"
    assert "Diese Seite auf Deutsch" in body


def test_a_logged_in_users_preferred_language_wins(
    client_for: Any, german: Program, participant: User
) -> None:
    participant.preferred_language = "en"
    participant.save()
    body = _body(client_for(participant).get(reverse("catalogue:program", args=[german.slug])))
    assert '<html lang="en">' in body


def test_the_switch_sets_the_language_and_returns_to_the_page(
    client: Client, german: Program
) -> None:
    url = reverse("catalogue:program", args=[german.slug])
    response = client.post(reverse("set_language"), {"language": "en", "next": url})
    assert response.status_code == 302 and response["Location"] == url
    assert '<html lang="en">' in _body(client.get(url))


def test_the_list_keeps_the_sites_language(client: Client, german: Program) -> None:
    body = _body(client.get(reverse("catalogue:list"), HTTP_ACCEPT_LANGUAGE="en"))
    assert '<html lang="en">' in body


# --- queries ------------------------------------------------------------------------------------


def _many(institution: Institution, n: int) -> None:
    for i in range(n):
        program = make_program(institution=institution, slug=f"p{i}", title=f"Program {i}")
        Module.objects.create(program=program, title="A module", order=1)
        for j in range(3):
            cohort = _open_cohort(program, name=f"c{j}", capacity=5)
            Enrollment.objects.create(user=make_user(f"u{i}-{j}"), cohort=cohort)


@pytest.mark.parametrize("n", [1, 6])
def test_the_list_needs_a_constant_number_of_queries(
    client: Client, rub: Institution, n: int, django_assert_max_num_queries: Any
) -> None:
    _many(rub, n)
    # Institutions for the filter, programs, their cohorts with places left.
    with django_assert_max_num_queries(3):
        assert client.get(reverse("catalogue:list"), {"open": "on"}).status_code == 200


@pytest.mark.parametrize("n", [1, 6])
def test_the_program_page_needs_a_constant_number_of_queries(
    client: Client, rub: Institution, n: int, coordinator: User, django_assert_max_num_queries: Any
) -> None:
    _many(rub, n)
    program = Program.objects.get(slug="p0")
    for i in range(n):
        module = Module.objects.create(program=program, title=f"Module {i}", order=i + 2)
        Module.objects.create(program=program, title=f"Elective {i}", order=i + 20)
    policy = GradingPolicy.objects.create(program=program, version=1)
    category = PolicyCategory.objects.create(policy=policy, key="all", title="All", weight=100)
    for module in program.modules.all():
        PolicyModule.objects.create(policy=policy, module=module, category=category)
    publish_policy(actor=coordinator, policy=policy)
    # Program, cohorts, modules, the published policy and its categories, groups, module
    # rules and assignment rules.
    with django_assert_max_num_queries(8):
        assert client.get(reverse("catalogue:program", args=["p0"])).status_code == 200


def test_a_german_program_page_is_german_throughout(client: Client, german: Program) -> None:
    body = _body(client.get(reverse("catalogue:program", args=[german.slug])))
    for words in (
        "Termine und Bewerbung",
        "Bewerben",
        "kostenfrei",
        "12 von 12 Plätzen frei",
        "Beschäftigte von Unternehmen",
        "in Präsenz",
        "Bestehen Sie das Modul „Wertstrom und Verschwendung“ mit mindestens 50 %.",
        "Programmangebot",
    ):
        assert words in body, words
    list_body = _body(client.get(reverse("catalogue:list"), HTTP_ACCEPT_LANGUAGE="de"))
    assert "Jetzt offen für Bewerbungen" in list_body and "Bewerbung bis" in list_body


def test_htmx_gets_only_the_filtered_results(
    client: Client, offered: Cohort, german: Program
) -> None:
    body = _body(
        client.get(reverse("catalogue:list"), {"institution": "rub"}, HTTP_HX_REQUEST="true")
    )
    assert "Lean Management" in body and "Machine Learning" not in body
    assert "<html" not in body and 'id="catalogue-filter"' not in body
