"""What the tandem pages show, each read in a constant number of queries: a cohort's overview
for its coordinators, the proposal (profiles fed to ``matching.propose``), one person's tandems,
and the words for languages and match reasons in the reader's language."""

from dataclasses import dataclass, field

from django.conf import global_settings
from django.db.models import Count, Max, Prefetch, QuerySet
from django.utils.translation import gettext as _

from courses.models import (
    Cohort,
    Enrollment,
    LanguageLevel,
    Module,
    PartnerRequest,
    Tandem,
    TandemProfile,
    TandemStudent,
)
from courses.tandems.matching import Proposal, Side, propose
from platform.models import User

# Django's list of languages; their names are in Django's own catalogue, so they read in German.
LANGUAGE_NAMES: dict[str, str] = dict(global_settings.LANGUAGES)


def language_name(code: str) -> str:
    return _(LANGUAGE_NAMES[code]) if code in LANGUAGE_NAMES else code


def reasons(proposal: Proposal) -> str:
    """Why a pair was proposed, in the reader's language: "both speak Spanish; both like
    hiking"."""
    parts = [
        _("both speak %(languages)s")
        % {"languages": ", ".join(language_name(c) for c in proposal.languages)}
    ]
    if proposal.interests:
        parts.append(_("both like %(interests)s") % {"interests": ", ".join(proposal.interests)})
    return "; ".join(parts)


def tandem_modules(cohort: Cohort) -> "QuerySet[Module]":
    return Module.tandem_modules().filter(program_id=cohort.program_id)


def with_log_summary(tandems: "QuerySet[Tandem]") -> "QuerySet[Tandem]":
    """Tandems with the number of distinct meeting dates (``meeting_days``), the last meeting
    (``last_met``), their reflection and their open requests (``open_requests``)."""
    return (
        tandems.select_related("senior__user", "student", "module", "reflection")
        .annotate(meeting_days=Count("meetings__met_on", distinct=True))
        .annotate(last_met=Max("meetings__met_on"))
        .prefetch_related(
            Prefetch(
                "partner_requests",
                queryset=PartnerRequest.objects.open().select_related("requested_by"),
                to_attr="open_requests",
            )
        )
    )


@dataclass
class ModulePool:
    """Who is still without a partner in one tandem module."""

    module: Module
    seniors: list[Enrollment] = field(default_factory=list)
    students: list[User] = field(default_factory=list)


@dataclass(frozen=True)
class Overview:
    current: list[Tandem]
    ended: list[Tandem]
    pools: list[ModulePool]
    students: list[TandemStudent]

    @property
    def open_requests(self) -> list[PartnerRequest]:
        return [r for t in self.current for r in getattr(t, "open_requests", [])]


def overview_for(cohort: Cohort) -> Overview:
    """The coordinators' page of a cohort's tandems, in six queries whatever its size."""
    tandems = list(with_log_summary(Tandem.objects.filter(cohort=cohort)).order_by("-paired_at"))
    modules = list(tandem_modules(cohort))
    seniors = list(
        Enrollment.objects.current()
        .filter(cohort=cohort)
        .select_related("user")
        .order_by("user__display_name", "pk")
    )
    students = list(TandemStudent.objects.filter(cohort=cohort).select_related("user"))
    current = [t for t in tandems if t.is_current]
    pools = []
    for module in modules:
        busy_seniors = {t.senior_id for t in current if t.module_id == module.pk}
        busy_students = {t.student_id for t in current if t.module_id == module.pk}
        pools.append(
            ModulePool(
                module=module,
                seniors=[e for e in seniors if e.pk not in busy_seniors],
                students=[s.user for s in students if s.user_id not in busy_students],
            )
        )
    return Overview(
        current=current,
        ended=[t for t in tandems if not t.is_current],
        pools=pools,
        students=students,
    )


def _side(pk: int, profile: TandemProfile | None) -> Side:
    if profile is None:
        return Side(id=pk, languages={})
    return Side(
        id=pk,
        languages=dict(profile.languages),
        interests=frozenset(profile.interests),
    )


@dataclass(frozen=True)
class ProposedPair:
    proposal: Proposal
    senior: Enrollment
    student: User

    @property
    def reasons(self) -> str:
        return reasons(self.proposal)

    @property
    def value(self) -> str:
        """How the confirmation form names this pair."""
        return f"{self.senior.pk}:{self.student.pk}"


def proposal_for(pool: ModulePool) -> list[ProposedPair]:
    """The matching's pairs for the people still free in a module, from their profiles."""
    users = [e.user_id for e in pool.seniors] + [u.pk for u in pool.students]
    profiles = {p.user_id: p for p in TandemProfile.objects.filter(user_id__in=users)}
    seniors = {e.pk: e for e in pool.seniors}
    students = {u.pk: u for u in pool.students}
    proposals = propose(
        [_side(e.pk, profiles.get(e.user_id)) for e in pool.seniors],
        [_side(u.pk, profiles.get(u.pk)) for u in pool.students],
    )
    return [ProposedPair(p, seniors[p.senior_id], students[p.student_id]) for p in proposals]


def tandems_of(user: User) -> list[Tandem]:
    """The user's tandems (as senior or student), current first, with their log summary."""
    tandems = with_log_summary(Tandem.objects.of_member(user)).select_related("cohort__program")
    return sorted(tandems, key=lambda t: (not t.is_current, -t.paired_at.timestamp()))


def profile_of(user: User) -> TandemProfile | None:
    return TandemProfile.objects.filter(user=user).first()


def describe_languages(profile: TandemProfile | None) -> list[tuple[str, str]]:
    """(language name, level label) pairs of a profile, in the reader's language."""
    if profile is None:
        return []
    labels = dict(LanguageLevel.choices)
    return [
        (language_name(code), str(labels.get(level, level))) for code, level in profile.languages
    ]
