"""Rubrics: editing (versioned), scoring a review with one, and re-scoring after an edit.

How rubric points count (docs/review.md, "Rubrics"): a rubric adds its points on top of the
notebook's. Its maximum (the sum of each criterion's best level) is ``Assignment.rubric_points``
and is part of ``Assignment.max_points``; a review's manual points are its manually graded
cells plus its rubric scores, so the late policy and release see one total.

A version that reviews use is never edited: saving creates the next version, and every review
on an older version is re-scored onto it by stable keys (``map_score``). Each changed score is a
``GradeEvent`` (source "rubric"); released grades that change are recorded again through
``services.record_total`` (late penalty included). Reviews whose grades are frozen are left on
their version and reported.
"""

import secrets
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import Prefetch
from django.utils.translation import gettext as _

from courses.models import Assignment
from platform.models import User
from submissions.exceptions import RubricInvalid
from submissions.models import (
    CommentBankEntry,
    GradeEvent,
    Review,
    Rubric,
    RubricCriterion,
    RubricLevel,
    RubricScore,
    RubricVersion,
    Submission,
)
from submissions.reviewing.services import (
    ensure_not_frozen,
    manual_points_of,
    record_released_again,
    record_total,
)
from submissions.services import ensure_assignment_manager

ZERO = Decimal(0)
KEY_LENGTH = 8


def new_key() -> str:
    """A stable key for a new criterion or level: survives renaming and reordering."""
    return secrets.token_hex(KEY_LENGTH // 2)


def grade_id_of(criterion_key: str) -> str:
    """How rubric criteria appear in the grade log beside notebook cells' grade ids."""
    return f"rubric:{criterion_key}"


# --- editing ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LevelInput:
    title: str
    min_points: Decimal
    max_points: Decimal
    description: str = ""
    key: str = ""


@dataclass(frozen=True)
class CriterionInput:
    title: str
    levels: tuple[LevelInput, ...]
    description: str = ""
    key: str = ""


@dataclass(frozen=True)
class RubricChange:
    """What saving a rubric did."""

    version: RubricVersion
    new_version: bool
    rescored: int = 0
    skipped_frozen: tuple[Submission, ...] = field(default=())
    # Released reviews whose totals were recorded again, so the answer names whom it reached.
    recorded: tuple[Review, ...] = field(default=())


def rubric_of(assignment: Assignment) -> Rubric | None:
    return Rubric.objects.filter(assignment=assignment).first()


def current_version(assignment: Assignment) -> RubricVersion | None:
    """The assignment's current rubric version with criteria and levels prefetched."""
    return (
        RubricVersion.objects.filter(rubric__assignment=assignment)
        .prefetch_related(
            Prefetch("criteria", queryset=RubricCriterion.objects.prefetch_related("levels"))
        )
        .order_by("-number")
        .first()
    )


def validate_criteria(criteria: Sequence[CriterionInput]) -> None:
    """The rules every rubric version obeys; the editor's form checks them too (as 400s)."""
    if not criteria:
        raise RubricInvalid(_("A rubric needs at least one criterion."))
    keys = [c.key for c in criteria if c.key]
    if len(keys) != len(set(keys)):
        raise RubricInvalid(_("Two criteria have the same key."))
    for criterion in criteria:
        if not criterion.title.strip():
            raise RubricInvalid(_("Every criterion needs a title."))
        if not criterion.levels:
            raise RubricInvalid(
                _("“%(criterion)s” needs at least one level.") % {"criterion": criterion.title}
            )
        level_keys = [level.key for level in criterion.levels if level.key]
        if len(level_keys) != len(set(level_keys)):
            raise RubricInvalid(_("Two levels have the same key."))
        for level in criterion.levels:
            if not level.title.strip():
                raise RubricInvalid(_("Every level needs a title."))
            if level.min_points < 0 or level.max_points < level.min_points:
                raise RubricInvalid(
                    _(
                        "Level “%(level)s” of “%(criterion)s”: points must be at least 0 "
                        "and the range's upper end at least its lower end."
                    )
                    % {"level": level.title, "criterion": criterion.title}
                )


@transaction.atomic
def save_rubric(
    *, assignment: Assignment, actor: User, criteria: Sequence[CriterionInput]
) -> RubricChange:
    """Save the assignment's rubric: edit the current version in place while no review uses
    it, else create the next version and re-score the reviews onto it. Refused
    (``AssignmentOutOfReach``) for an actor who does not grade every cohort it reaches."""
    ensure_assignment_manager(actor=actor, assignment=assignment)
    validate_criteria(criteria)
    rubric, _created = Rubric.objects.get_or_create(assignment=assignment)
    rubric = Rubric.objects.select_for_update().get(pk=rubric.pk)
    current = rubric.versions.order_by("-number").first()
    in_use = current is not None and current.scores.exists()
    if current is None or in_use:
        version = RubricVersion.objects.create(
            rubric=rubric, number=(current.number + 1) if current else 1, created_by=actor
        )
    else:
        version = current
        version.criteria.all().delete()
    _write_criteria(version, criteria)
    version.max_points = sum((max(level.max_points for level in c.levels) for c in criteria), ZERO)
    version.save(update_fields=["max_points"])

    assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
    max_changed = assignment.rubric_points != version.max_points
    assignment.max_points += version.max_points - assignment.rubric_points
    assignment.rubric_points = version.max_points
    assignment.save(update_fields=["max_points", "rubric_points"])

    touched: set[int] = set()
    skipped: list[Submission] = []
    recorded: list[Review] = []
    if in_use:
        touched, skipped = _rescore_assignment(assignment=assignment, version=version, actor=actor)
    if max_changed or touched:
        skipped_released, recorded = _record_released(
            assignment=assignment,
            actor=actor,
            only=None if max_changed else touched,
            reason=f"Rubric changed (version {version.number})",
        )
        skipped += skipped_released
    return RubricChange(
        version=version,
        new_version=version is not current,
        rescored=len(touched),
        skipped_frozen=tuple({s.pk: s for s in skipped}.values()),
        recorded=tuple(recorded),
    )


def _write_criteria(version: RubricVersion, criteria: Sequence[CriterionInput]) -> None:
    for position, criterion in enumerate(criteria):
        row = RubricCriterion.objects.create(
            version=version,
            key=criterion.key or new_key(),
            title=criterion.title.strip(),
            description=criterion.description.strip(),
            position=position,
        )
        RubricLevel.objects.bulk_create(
            RubricLevel(
                criterion=row,
                key=level.key or new_key(),
                title=level.title.strip(),
                description=level.description.strip(),
                min_points=level.min_points,
                max_points=level.max_points,
                position=index,
            )
            for index, level in enumerate(criterion.levels)
        )


def _rescore_assignment(
    *, assignment: Assignment, version: RubricVersion, actor: User
) -> tuple[set[int], list[Submission]]:
    """Re-score every review of the assignment that is on an older version."""
    on_older = (
        Review.objects.filter(submission__assignment=assignment, rubric_scores__isnull=False)
        .exclude(rubric_scores__version=version)
        .values("pk")
    )
    reviews = (
        Review.objects.select_for_update(of=("self",))
        .filter(pk__in=on_older)
        .select_related("submission__enrollment", "submission__assignment__settings")
        .order_by("pk")
    )
    touched: set[int] = set()
    skipped: list[Submission] = []
    for review in reviews:
        if review.submission.enrollment.grades_frozen:
            skipped.append(review.submission)
            continue
        rescore_review(review=review, version=version, actor=actor)
        touched.add(review.pk)
    return touched, skipped


def _record_released(
    *, assignment: Assignment, actor: User, only: set[int] | None, reason: str
) -> tuple[list[Submission], list[Review]]:
    """Record released totals again after a rubric change (all of the assignment's when its
    maximum changed, else the re-scored ones); returns the frozen ones skipped and the
    reviews recorded."""
    released = Review.objects.filter(
        submission__assignment=assignment, state=Review.State.RELEASED
    ).select_related(
        "submission__enrollment__cohort",
        "submission__assignment__settings",
        "submission__participant",
    )
    if only is not None:
        released = released.filter(pk__in=only)
    skipped, due = [], []
    for review in released:
        if review.submission.enrollment.grades_frozen:
            skipped.append(review.submission)
        else:
            due.append(review)
    record_released_again(
        reviews=due,
        actor=actor,
        reason=reason,
        source=GradeEvent.Source.RUBRIC,
    )
    return skipped, due


# --- re-scoring -------------------------------------------------------------------------------


@dataclass(frozen=True)
class LevelSpec:
    key: str
    title: str
    min_points: Decimal
    max_points: Decimal


@dataclass(frozen=True)
class CriterionSpec:
    key: str
    levels: Mapping[str, LevelSpec]

    @property
    def max_points(self) -> Decimal:
        return max((level.max_points for level in self.levels.values()), default=ZERO)


@dataclass(frozen=True)
class MappedScore:
    level_key: str
    points: Decimal
    flag: str


def map_score(*, level_key: str, points: Decimal, criterion: CriterionSpec | None) -> MappedScore:
    """Carry one score over to a new rubric version (pure; table-tested).

    - same criterion, same level (by key), fixed points: the level's new points;
    - same level, a point range: the points stay if still inside it, else they move to the
      nearest end and the score is flagged ``points_adjusted``;
    - the level is gone (or none was chosen): the points stay, capped at the criterion's new
      maximum, flagged ``level_removed`` until the grader picks a level;
    - the criterion is gone: 0 points (it no longer counts), flagged ``criterion_removed`` so
      the grader sees what was lost.
    """
    if criterion is None:
        return MappedScore(level_key="", points=ZERO, flag=RubricScore.Flag.CRITERION_REMOVED)
    level = criterion.levels.get(level_key) if level_key else None
    if level is None:
        return MappedScore(
            level_key="",
            points=min(points, criterion.max_points),
            flag=RubricScore.Flag.LEVEL_REMOVED,
        )
    if level.min_points == level.max_points:
        return MappedScore(level_key=level.key, points=level.max_points, flag="")
    if level.min_points <= points <= level.max_points:
        return MappedScore(level_key=level.key, points=points, flag="")
    clamped = min(max(points, level.min_points), level.max_points)
    return MappedScore(level_key=level.key, points=clamped, flag=RubricScore.Flag.POINTS_ADJUSTED)


def specs_of(version: RubricVersion) -> dict[str, CriterionSpec]:
    return {
        c.key: CriterionSpec(
            key=c.key,
            levels={
                lv.key: LevelSpec(lv.key, lv.title, lv.min_points, lv.max_points)
                for lv in c.levels.all()
            },
        )
        for c in version.criteria.prefetch_related("levels")
    }


def rescore_review(*, review: Review, version: RubricVersion, actor: User) -> int:
    """Move a review's rubric scores onto ``version``; returns how many points changed.

    Each changed score is a GradeEvent (source "rubric") naming both versions. The caller
    records a released total again.
    """
    specs = specs_of(version)
    changed = 0
    scores = review.rubric_scores.select_related("version").exclude(version=version)
    old_levels = {
        (lv.criterion.version_id, lv.criterion.key, lv.key): lv.title
        for lv in RubricLevel.objects.filter(
            criterion__version__in={s.version_id for s in scores}
        ).select_related("criterion")
    }
    for score in scores:
        mapped = map_score(
            level_key=score.level_key,
            points=score.points,
            criterion=specs.get(score.criterion_key),
        )
        old_points, old_number = score.points, score.version.number
        if mapped.flag and not score.flag:
            score.previous_level = old_levels.get(
                (score.version_id, score.criterion_key, score.level_key), ""
            )
            score.previous_points = old_points
        score.version = version
        score.level_key = mapped.level_key
        score.points = mapped.points
        score.flag = mapped.flag
        if not score.flag:
            score.previous_level, score.previous_points = "", None
        score.save()
        if old_points != mapped.points:
            changed += 1
            GradeEvent.objects.create(
                submission=review.submission,
                actor=actor,
                source=GradeEvent.Source.RUBRIC,
                grade_id=grade_id_of(score.criterion_key),
                old_points=old_points,
                new_points=mapped.points,
                reason=f"Rubric version {old_number} -> {version.number}"
                + (f" ({mapped.flag})" if mapped.flag else ""),
            )
    review.manual_points = manual_points_of(review)
    review.save(update_fields=["manual_points"])
    return changed


# --- scoring ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScoreInput:
    level_key: str
    points: Decimal | None = None
    comment: str = ""


@transaction.atomic
def score_with_rubric(
    *,
    grader: User,
    submission: Submission,
    choices: Mapping[str, ScoreInput],
    dismiss: Collection[str] = (),
) -> Review:
    """Save the levels a grader chose (by criterion key) as part of the review.

    A review still on an older version is first re-scored onto the current one. Criteria not
    in ``choices`` keep their scores; ``dismiss`` removes scores of criteria the rubric no
    longer has, once the grader has seen them. Every change of points is a GradeEvent.
    """
    ensure_not_frozen(submission.enrollment)
    version = current_version(submission.assignment)
    if version is None:
        raise RubricInvalid(_("This assignment has no rubric."))
    criteria = {c.key: c for c in version.criteria.all()}
    resolved: dict[str, tuple[RubricLevel, Decimal, str]] = {}
    for key, choice in choices.items():
        criterion = criteria.get(key)
        if criterion is None:
            raise RubricInvalid(_("This rubric has changed; reload the page and grade again."))
        level = next((lv for lv in criterion.levels.all() if lv.key == choice.level_key), None)
        if level is None:
            raise RubricInvalid(
                _("Choose one of the levels of “%(criterion)s”.") % {"criterion": criterion.title}
            )
        points = level.max_points if not level.is_range else choice.points
        if points is None or not level.min_points <= points <= level.max_points:
            raise RubricInvalid(
                _("Points for “%(criterion)s” must be between %(low)s and %(high)s.")
                % {
                    "criterion": criterion.title,
                    "low": level.min_points.normalize(),
                    "high": level.max_points.normalize(),
                }
            )
        resolved[key] = (level, points, choice.comment.strip())

    review, _created = Review.objects.select_for_update().get_or_create(
        submission=submission, defaults={"grader": grader}
    )
    if review.rubric_scores.exclude(version=version).exists():
        rescore_review(review=review, version=version, actor=grader)
    existing = {s.criterion_key: s for s in review.rubric_scores.all()}
    for key, (level, points, comment) in resolved.items():
        score = existing.get(key)
        old = score.points if score else None
        if score is None:
            score = RubricScore(review=review, criterion_key=key)
        score.version = version
        score.level_key = level.key
        score.points = points
        score.comment = comment
        score.flag, score.previous_level, score.previous_points = "", "", None
        score.save()
        if old != points:
            GradeEvent.objects.create(
                submission=submission,
                actor=grader,
                source=GradeEvent.Source.REVIEW,
                grade_id=grade_id_of(key),
                old_points=old,
                new_points=points,
            )
    review.rubric_scores.filter(
        criterion_key__in=[k for k in dismiss if k not in criteria],
        flag=RubricScore.Flag.CRITERION_REMOVED,
    ).delete()
    review.grader = grader
    review.manual_points = manual_points_of(review)
    review.save(update_fields=["grader", "manual_points"])
    if review.is_released:
        record_total(review=review, actor=grader, reason="Released review amended")
    return review


# --- comment bank -----------------------------------------------------------------------------


@dataclass(frozen=True)
class BankEntryInput:
    text: str
    criterion_key: str = ""


@transaction.atomic
def save_comment_bank(*, assignment: Assignment, entries: Sequence[BankEntryInput]) -> Rubric:
    """Replace the rubric's comment bank (it is not versioned: comments score nothing)."""
    rubric, _created = Rubric.objects.get_or_create(assignment=assignment)
    version = current_version(assignment)
    known = {c.key for c in version.criteria.all()} if version else set()
    for entry in entries:
        if not entry.text.strip():
            raise RubricInvalid(_("A comment in the bank cannot be empty."))
        if entry.criterion_key and entry.criterion_key not in known:
            raise RubricInvalid(_("A comment names a criterion this rubric does not have."))
    rubric.comment_bank.all().delete()
    CommentBankEntry.objects.bulk_create(
        CommentBankEntry(
            rubric=rubric, criterion_key=e.criterion_key, text=e.text.strip(), position=i
        )
        for i, e in enumerate(entries)
    )
    return rubric
