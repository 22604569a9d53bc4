"""Proposing tandems: one pure function from the two sides' tandem profiles to ranked pairs,
each with the reasons it was proposed (table-tested in ``tests/courses/tandems/test_matching.py``).

The score counts what a tandem lives on: a language both speak (the better the weaker side
speaks it, the more it counts: basic 1 … native 4) and shared interests (2 each). A pair with no
language in common is never proposed: they could not talk. Pairs are chosen greedily, best
score first (ties: the lower ids first, so the proposal is the same every time): with cohorts of
a few dozen it is close to the optimum, and every choice can be explained in one sentence. The
coordinator confirms or changes each pair (docs/tandems.md).
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

LEVEL_POINTS: Mapping[str, int] = {"basic": 1, "good": 2, "fluent": 3, "native": 4}
INTEREST_POINTS = 2


@dataclass(frozen=True)
class Side:
    """One person as the matching sees them: an id (an enrolment for a senior, an account for a
    student), the languages they speak with their level, and their interests (lower case)."""

    id: int
    languages: Mapping[str, str]
    interests: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Proposal:
    senior_id: int
    student_id: int
    score: int
    languages: tuple[str, ...]  # shared language codes, best spoken first
    interests: tuple[str, ...]  # shared interests, alphabetical


def match(senior: Side, student: Side) -> Proposal | None:
    """How well two people fit; None when they share no language."""
    shared = {
        code: min(LEVEL_POINTS.get(level, 1), LEVEL_POINTS.get(student.languages[code], 1))
        for code, level in senior.languages.items()
        if code in student.languages
    }
    if not shared:
        return None
    interests = tuple(sorted(senior.interests & student.interests))
    return Proposal(
        senior_id=senior.id,
        student_id=student.id,
        score=sum(shared.values()) + INTEREST_POINTS * len(interests),
        languages=tuple(sorted(shared, key=lambda code: (-shared[code], code))),
        interests=interests,
    )


def propose(seniors: Sequence[Side], students: Sequence[Side]) -> list[Proposal]:
    """Pairs for as many people as share a language with someone free, best fitting first; each
    person at most once."""
    candidates: Iterable[Proposal] = (
        p for senior in seniors for student in students if (p := match(senior, student))
    )
    ranked = sorted(candidates, key=lambda p: (-p.score, p.senior_id, p.student_id))
    taken_seniors: set[int] = set()
    taken_students: set[int] = set()
    chosen = []
    for proposal in ranked:
        if proposal.senior_id in taken_seniors or proposal.student_id in taken_students:
            continue
        taken_seniors.add(proposal.senior_id)
        taken_students.add(proposal.student_id)
        chosen.append(proposal)
    return chosen
