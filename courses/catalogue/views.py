"""The public catalogue: ``/catalogue/`` (the programs on offer, by institution, with filters)
and ``/catalogue/<slug>/`` (one program, in its own language unless the visitor chose one).
No log-in; a constant number of queries whatever the number of programs and cohorts.
See docs/catalogue.md."""

import datetime as dt
from dataclasses import dataclass
from itertools import groupby

from django.conf import settings
from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_GET

from courses.catalogue.certificate_rules import describe_policy
from courses.catalogue.cohorts import State, cohort_state, last_day_to_apply
from courses.catalogue.forms import CatalogueFilterForm
from courses.models import Cohort, GradingPolicy, Institution, Module, PolicyModule, Program
from courses.models.policies import implicit_rules
from courses.requirements import Policy
from platform.middleware import supported_language
from platform.models import User
from platform.types import HtmxHttpRequest

# Program.audience is free text; the demo and many programs use one of these words.
AUDIENCES = {
    "professionals": _("working professionals"),
    "students": _("students of all subjects"),
    "industry": _("staff of companies"),
    "seniors": _("people aged 50 and over"),
    "school_leaders": _("school leaders and management teams"),
}
# A module's role under the grading policy (courses.requirements.Role).
ROLE_NAMES = {
    "required": pgettext_lazy("module", "required"),
    "capstone": pgettext_lazy("module", "capstone project"),
    "elective": pgettext_lazy("module", "elective"),
    "optional": pgettext_lazy("module", "optional"),
}


@dataclass(frozen=True)
class Offer:
    """A cohort as the catalogue shows it: annotated by ``with_places_left``, with its state."""

    cohort: Cohort
    state: State

    @property
    def last_day_to_apply(self) -> dt.date:
        return last_day_to_apply(self.cohort)


def current_cohorts(today: dt.date) -> QuerySet[Cohort]:
    """Cohorts that have not ended, soonest first, with their places left."""
    return Cohort.objects.filter(ends_on__gte=today).with_places_left().order_by("starts_on", "pk")


def listed_programs(today: dt.date) -> QuerySet[Program]:
    """The catalogue's programs: those with a cohort that has not ended. A program without one
    (being set up, or no longer run) is not on offer and has no catalogue page."""
    return Program.objects.filter(
        Exists(Cohort.objects.filter(program_id=OuterRef("pk"), ends_on__gte=today))
    ).select_related("institution")


def offers(cohorts: list[Cohort], today: dt.date) -> list[Offer]:
    return [Offer(cohort, cohort_state(cohort, today)) for cohort in cohorts]


def open_offers(cohorts: list[Cohort], today: dt.date) -> list[Offer]:
    return [offer for offer in offers(cohorts, today) if offer.state.takes_applications]


def audience_label(program: Program) -> str:
    """The audience in the visitor's language: the program's German text for German visitors
    when given, else one of the known words translated, else the text as written."""
    text = program.localized
    if text.audience_lang == "de" and program.audience_de:
        return text.audience
    return str(AUDIENCES.get(program.audience, program.audience))


@require_GET
def catalogue(request: HtmxHttpRequest) -> HttpResponse:
    today = timezone.localdate()
    institutions = list(Institution.objects.filter(programs__in=listed_programs(today)).distinct())
    form = CatalogueFilterForm(request.GET or None, institutions=institutions)
    chosen = form.filters()
    programs = listed_programs(today).order_by("institution__name", "title", "pk")
    if "institution" in chosen:
        programs = programs.filter(institution__slug=chosen["institution"])
    if "language" in chosen:
        programs = programs.filter(language=chosen["language"])
    if "format" in chosen:
        programs = programs.filter(format=chosen["format"])
    if chosen.get("open"):
        programs = programs.filter(
            Exists(Cohort.objects.open_for_applications(today).filter(program_id=OuterRef("pk")))
        )
    programs = programs.prefetch_related(
        Prefetch("cohorts", queryset=current_cohorts(today), to_attr="current")
    )
    groups = [
        (institution, [(p, audience_label(p), open_offers(p.current, today)) for p in members])
        for institution, members in groupby(programs, key=lambda p: p.institution)
    ]
    context = {"form": form, "groups": groups, "filtered": bool(chosen)}
    template = "courses/catalogue/list.html" + ("#results" if request.htmx else "")
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])  # a fragment or the page, one URL
    return response


def catalogue_policy(program: Program, modules: list[Module]) -> Policy:
    """The rules a new cohort follows: the program's latest published grading policy, else its
    modules' own fields (version 0), as in ``courses.progress.policies_for``."""
    policy = (
        GradingPolicy.objects.published()
        .filter(program=program)
        .order_by("-version")
        .prefetch_related(
            "categories",
            "groups",
            "assignment_rules",
            Prefetch("module_rules", queryset=PolicyModule.objects.select_related("module")),
        )
        .first()
    )
    return policy.as_rules() if policy is not None else implicit_rules(modules)


def page_language(request: HttpRequest, program: Program) -> str:
    """The visitor's own choice (a logged-in user's preferred language, else the switcher's
    cookie) if any, else the program's language; the browser's Accept-Language is no choice."""
    user = request.user
    if isinstance(user, User) and user.is_authenticated:
        preferred = supported_language(user.preferred_language)
        if preferred:
            return preferred
    chosen = supported_language(request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME))
    return chosen or supported_language(program.language) or settings.LANGUAGE_CODE


@require_GET
def program(request: HttpRequest, slug: str) -> HttpResponse:
    today = timezone.localdate()
    program = get_object_or_404(listed_programs(today), slug=slug)
    cohorts = list(current_cohorts(today).filter(program=program))
    modules = list(program.modules.order_by("order", "pk"))
    policy = catalogue_policy(program, modules)
    rules = {rule.module_id: rule for rule in policy.modules}
    language = page_language(request, program)
    with translation.override(language):
        context = {
            "program": program,
            "audience": audience_label(program),
            "offers": offers(cohorts, today),
            "modules": [
                (m, rule, ROLE_NAMES[rule.role] if rule else "")
                for m in modules
                for rule in [rules.get(m.pk)]
            ],
            "requirements": describe_policy(policy),
            "other_language": "en" if language == "de" else "de",
        }
        response = render(request, "courses/catalogue/program.html", context)
    # LocaleMiddleware keeps a Content-Language already set; the answer depends on the cookie.
    response["Content-Language"] = language
    patch_vary_headers(response, ["Cookie"])
    return response
