"""Proposing tandems, table-driven: shared languages and interests in, ranked pairs out."""

import pytest

from courses.tandems.matching import Proposal, Side, match, propose


def side(pk: int, languages: str, interests: str = "") -> Side:
    """``languages`` like "de:native es:basic", ``interests`` like "hiking chess"."""
    return Side(
        id=pk,
        languages=dict(pair.split(":") for pair in languages.split()),
        interests=frozenset(interests.split()),
    )


@pytest.mark.parametrize(
    ("senior", "student", "expected"),
    [
        # No language in common: they could not talk, so never proposed.
        (side(1, "de:native"), side(10, "es:native", "hiking"), None),
        # The weaker side's level counts: native German with basic German is 1 point.
        (side(1, "de:native"), side(10, "de:basic"), Proposal(1, 10, 1, ("de",), ())),
        (side(1, "de:native"), side(10, "de:fluent"), Proposal(1, 10, 3, ("de",), ())),
        # Two languages, the better spoken first; two interests at 2 points each.
        (
            side(1, "de:native es:good", "hiking chess opera"),
            side(10, "es:native de:fluent", "opera hiking"),
            Proposal(1, 10, 3 + 2 + 2 * 2, ("de", "es"), ("hiking", "opera")),
        ),
        # Interests alone do not make a tandem.
        (side(1, "de:native", "hiking"), side(10, "fr:native", "hiking"), None),
    ],
)
def test_a_pair_scores_by_shared_languages_and_interests(
    senior: Side, student: Side, expected: Proposal | None
) -> None:
    assert match(senior, student) == expected


@pytest.mark.parametrize(
    ("seniors", "students", "pairs"),
    [
        ([], [side(10, "de:good")], []),
        ([side(1, "de:native")], [], []),
        # Best score first: 2 goes with the Spanish speaker, 1 takes who is left.
        (
            [side(1, "de:native"), side(2, "de:native es:good", "hiking")],
            [side(10, "de:good es:native", "hiking"), side(11, "de:good")],
            [(2, 10), (1, 11)],
        ),
        # Each person at most once; the one without a shared language stays unpaired.
        (
            [side(1, "de:native"), side(2, "it:native")],
            [side(10, "de:fluent"), side(11, "de:fluent")],
            [(1, 10)],
        ),
        # Ties go to the lower ids, so the proposal is the same every time.
        (
            [side(2, "de:native"), side(1, "de:native")],
            [side(11, "de:good"), side(10, "de:good")],
            [(1, 10), (2, 11)],
        ),
        # More students than seniors: the better fitting student is chosen.
        (
            [side(1, "de:native", "chess")],
            [side(10, "de:good"), side(11, "de:good", "chess")],
            [(1, 11)],
        ),
    ],
)
def test_the_proposal_pairs_the_best_fitting_first(
    seniors: list[Side], students: list[Side], pairs: list[tuple[int, int]]
) -> None:
    assert [(p.senior_id, p.student_id) for p in propose(seniors, students)] == pairs
