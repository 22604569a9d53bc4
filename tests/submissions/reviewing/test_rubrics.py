"""Rubrics: editing and versions, scoring with one, and re-scoring after an edit."""

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.contrib import messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.urls import reverse

from courses.models import Assignment, Grade
from submissions.exceptions import GradesFrozen, RubricInvalid
from submissions.models import AssignmentSettings, GradeEvent, Review, RubricScore, RubricVersion
from submissions.publishing.services import check_version
from submissions.reviewing import rubrics
from submissions.reviewing.anonymity import participant_label
from submissions.reviewing.rubrics import CriterionSpec, LevelSpec, ScoreInput, map_score
from submissions.reviewing.views import review as review_views
from tests.helpers import graded, issue_certificate, keep_program_incomplete, release, submit
from tests.submissions.reviewing.review_helpers import (
    basic_criteria,
    basic_rubric,
    criterion,
    level,
)

D = Decimal
FIXED = LevelSpec("good", "Good", D(4), D(4))
RANGE = LevelSpec("range", "Any", D(2), D(6))
SPEC = CriterionSpec("data", {"good": FIXED, "range": RANGE})


@pytest.mark.parametrize(
    ("level_key", "points", "criterion", "expected"),
    [
        ("good", D(3), SPEC, ("good", D(4), "")),  # fixed level: its new points
        ("range", D(5), SPEC, ("range", D(5), "")),  # inside the range: kept
        ("range", D(7), SPEC, ("range", D(6), "points_adjusted")),  # above: moved to the top
        ("range", D(1), SPEC, ("range", D(2), "points_adjusted")),  # below: moved to the bottom
        ("gone", D(5), SPEC, ("", D(5), "level_removed")),  # level removed: points kept
        ("gone", D(9), SPEC, ("", D(6), "level_removed")),  # ... capped at the new maximum
        ("", D(3), SPEC, ("", D(3), "level_removed")),  # flagged before, still no level
        ("good", D(4), None, ("", D(0), "criterion_removed")),  # criterion removed
    ],
)
def test_map_score_carries_a_score_to_the_new_version(
    level_key: str,
    points: Decimal,
    criterion: CriterionSpec | None,
    expected: tuple[str, Decimal, str],
) -> None:
    mapped = map_score(level_key=level_key, points=points, criterion=criterion)
    assert (mapped.level_key, mapped.points, mapped.flag) == expected


def test_a_rubric_adds_its_points_to_the_assignment(assignment: Any, instructor: Any) -> None:
    assert assignment.max_points == D(5)
    change = basic_rubric(assignment, instructor)
    assignment.refresh_from_db()
    assert (change.version.number, change.version.max_points) == (1, D(10))
    assert (assignment.rubric_points, assignment.max_points) == (D(10), D(15))


def test_editing_an_unused_rubric_changes_it_in_place(assignment: Any, instructor: Any) -> None:
    basic_rubric(assignment, instructor)
    change = rubrics.save_rubric(
        assignment=assignment,
        actor=instructor,
        criteria=[criterion("Data", level("Good", "5", key="good"), key="data")],
    )
    assignment.refresh_from_db()
    assert not change.new_version and change.version.number == 1
    assert RubricVersion.objects.count() == 1
    assert assignment.max_points == D(10)


@pytest.mark.parametrize(
    ("criteria", "message"),
    [
        ([], "at least one criterion"),
        ([criterion("Data")], "needs at least one level"),
        ([criterion("Data", level("Good", "-1"))], "at least 0"),
        ([criterion("Data", level("Good", "5", "3"))], "at least its lower end"),
        ([criterion(" ", level("Good", "1"))], "needs a title"),
        (
            [criterion("A", level("x", "1"), key="k"), criterion("B", level("y", "1"), key="k")],
            "same key",
        ),
    ],
)
def test_invalid_rubrics_are_refused(
    assignment: Any, instructor: Any, criteria: list[Any], message: str
) -> None:
    with pytest.raises(RubricInvalid, match=message):
        rubrics.save_rubric(assignment=assignment, actor=instructor, criteria=criteria)
    assert not RubricVersion.objects.exists()


@pytest.fixture
def scored(enrolled: Any, instructor: Any, assignment: Any) -> Any:
    """A graded attempt with Data "Good" (4) and Discussion 5, and explain 2 manual points."""
    keep_program_incomplete(assignment)
    basic_rubric(assignment, instructor)
    submission = graded(submit(enrolled, assignment))
    rubrics.score_with_rubric(
        grader=instructor,
        submission=submission,
        choices={
            "data": ScoreInput(level_key="good", comment="Clean data."),
            "discussion": ScoreInput(level_key="range", points=D(5)),
        },
    )
    return submission


def test_manual_points_are_rubric_plus_cells_and_count_at_release(
    scored: Any, instructor: Any
) -> None:
    release(instructor, scored, manual="2")
    review = Review.objects.get()
    assert review.manual_points == D(11)  # 4 + 5 rubric, 2 for the manual cell
    grade = Grade.objects.get(assignment=scored.assignment)
    assert (grade.points, grade.max_points) == (D(14), D(15))  # 3 autograded + 11
    assert set(
        GradeEvent.objects.filter(grade_id__startswith="rubric:").values_list(
            "grade_id", "new_points"
        )
    ) == {("rubric:data", D(4)), ("rubric:discussion", D(5))}


def test_a_range_level_needs_points_inside_it(scored: Any, instructor: Any) -> None:
    with pytest.raises(RubricInvalid, match="between 0 and 6"):
        rubrics.score_with_rubric(
            grader=instructor,
            submission=scored,
            choices={"discussion": ScoreInput(level_key="range", points=D(7))},
        )
    with pytest.raises(RubricInvalid, match="Choose one of the levels"):
        rubrics.score_with_rubric(
            grader=instructor, submission=scored, choices={"data": ScoreInput(level_key="nope")}
        )
    assert RubricScore.objects.get(criterion_key="discussion").points == D(5)


def _good_is_now_three() -> list[Any]:
    return [
        criterion("Data", level("Good", "3", key="good"), level("Ok", "2", key="ok"), key="data"),
        criterion("Discussion", level("Any", "0", "6", key="range"), key="discussion"),
    ]


def _good_removed() -> list[Any]:
    return [
        criterion("Data", level("Ok", "2", key="ok"), level("Top", "3", key="top"), key="data"),
        criterion("Discussion", level("Any", "0", "6", key="range"), key="discussion"),
    ]


def _data_removed() -> list[Any]:
    return [criterion("Discussion", level("Any", "0", "6", key="range"), key="discussion")]


def _range_shrunk() -> list[Any]:
    return [
        criterion("Data", level("Good", "4", key="good"), key="data"),
        criterion("Discussion", level("Any", "0", "4", key="range"), key="discussion"),
    ]


def _renamed_only() -> list[Any]:
    return [
        criterion("Data quality", level("Very good", "4", key="good"), key="data"),
        criterion("Discussion", level("Any", "0", "6", key="range"), key="discussion"),
    ]


@pytest.mark.parametrize(
    ("edit", "data", "discussion", "flags", "grade"),
    [
        # (new criteria, Data score, Discussion score, flags by criterion, released final points)
        (_good_is_now_three, D(3), D(5), {}, D(13)),
        (_good_removed, D(3), D(5), {"data": "level_removed"}, D(13)),  # capped at Top (3)
        (_data_removed, D(0), D(5), {"data": "criterion_removed"}, D(10)),
        (_range_shrunk, D(4), D(4), {"discussion": "points_adjusted"}, D(13)),
        (_renamed_only, D(4), D(5), {}, D(14)),
    ],
)
def test_editing_a_used_rubric_rescores_reviews_onto_a_new_version(
    scored: Any,
    instructor: Any,
    edit: Callable[[], list[Any]],
    data: Decimal,
    discussion: Decimal,
    flags: dict[str, str],
    grade: Decimal,
) -> None:
    release(instructor, scored, manual="2")
    before = GradeEvent.objects.count()
    change = rubrics.save_rubric(assignment=scored.assignment, actor=instructor, criteria=edit())
    assert change.new_version and change.version.number == 2 and change.rescored == 1
    scores = {s.criterion_key: s for s in RubricScore.objects.all()}
    assert {k: s.version.number for k, s in scores.items()} == {"data": 2, "discussion": 2}
    assert (scores["data"].points, scores["discussion"].points) == (data, discussion)
    assert {k: s.flag for k, s in scores.items() if s.flag} == flags
    # Every changed score is in the log, naming both versions; the released grade follows.
    events = GradeEvent.objects.filter(
        pk__gt=before, source="rubric", grade_id__startswith="rubric:"
    )
    assert {e.grade_id for e in events} == {
        f"rubric:{k}"
        for k, v in {"data": data, "discussion": discussion}.items()
        if v != {"data": D(4), "discussion": D(5)}[k]
    }
    assert all("Rubric version 1 -> 2" in e.reason for e in events)
    assert Grade.objects.get(assignment=scored.assignment).points == grade
    review = Review.objects.get()
    assert review.total_points == grade


def test_a_flagged_score_remembers_what_it_was(scored: Any, instructor: Any) -> None:
    rubrics.save_rubric(assignment=scored.assignment, actor=instructor, criteria=_data_removed())
    score = RubricScore.objects.get(criterion_key="data")
    assert (score.flag, score.previous_level, score.previous_points) == (
        "criterion_removed",
        "Good",
        D(4),
    )
    # The grader dismisses it once seen; choosing levels again clears other flags.
    rubrics.score_with_rubric(grader=instructor, submission=scored, choices={}, dismiss=["data"])
    assert not RubricScore.objects.filter(criterion_key="data").exists()


def test_a_released_grade_under_late_policy_is_rescored_through_the_penalty(
    scored: Any, instructor: Any
) -> None:
    AssignmentSettings.objects.filter(pk=scored.assignment_id).update(late_penalty_percent=D(10))
    type(scored).objects.filter(pk=scored.pk).update(late_seconds=3600)
    scored.refresh_from_db()
    release(instructor, scored, manual="2")
    assert Grade.objects.get(assignment=scored.assignment).points == D("12.5")  # 14 - 10 % of 15
    rubrics.save_rubric(
        assignment=scored.assignment, actor=instructor, criteria=_good_is_now_three()
    )
    grade = Grade.objects.get(assignment=scored.assignment)
    assert (grade.raw_points, grade.penalty_points, grade.points) == (D(13), D("1.4"), D("11.6"))


def _top_marks(enrolled: Any, instructor: Any, assignment: Any) -> Any:
    """An attempt graded with the basic rubric: "good" data and a full discussion."""
    basic_rubric(assignment, instructor)
    submission = graded(submit(enrolled, assignment))
    rubrics.score_with_rubric(
        grader=instructor,
        submission=submission,
        choices={"data": ScoreInput(level_key="good"), "discussion": ScoreInput("range", D(6))},
    )
    return submission


def test_frozen_grades_are_skipped_by_a_rescore_and_reported(
    enrolled: Any, instructor: Any, assignment: Any
) -> None:
    submission = _top_marks(enrolled, instructor, assignment)
    release(instructor, submission)  # 3 + 2 + 10 of 15: the only module passes, certificate
    assert enrolled.enrollments.get().grades_frozen
    before = Grade.objects.get().points
    change = rubrics.save_rubric(
        assignment=assignment, actor=instructor, criteria=_good_is_now_three()
    )
    assert [s.pk for s in change.skipped_frozen] == [submission.pk]
    assert RubricScore.objects.get(criterion_key="data").version.number == 1
    assert Grade.objects.get().points == before
    with pytest.raises(GradesFrozen):
        rubrics.score_with_rubric(
            grader=instructor, submission=submission, choices={"data": ScoreInput("ok")}
        )


def test_a_rescore_of_an_earlier_attempt_leaves_the_grade_on_the_attempt_it_rests_on(
    enrolled: Any, instructor: Any, assignment: Any
) -> None:
    """Attempt 1 was graded with the rubric, attempt 2 (the grade) without: editing a level
    re-records attempt 1's total but must not move the participant's grade onto attempt 1."""
    keep_program_incomplete(assignment)
    basic_rubric(assignment, instructor)
    Assignment.objects.filter(pk=assignment.pk).update(max_attempts=2)
    first = graded(submit(enrolled, assignment))
    rubrics.score_with_rubric(
        grader=instructor,
        submission=first,
        choices={"data": ScoreInput(level_key="ok"), "discussion": ScoreInput("range", D(1))},
    )
    release(instructor, first)
    second = graded(submit(enrolled, assignment))
    release(instructor, second, manual="1")
    grade = Grade.objects.get(assignment=assignment)
    assert grade.submission_id == second.pk
    points = grade.points

    rubrics.save_rubric(  # "Ok" is worth 1 now; the rubric's maximum stays 10
        assignment=assignment, actor=instructor, criteria=basic_criteria(ok="1")
    )

    grade.refresh_from_db()
    assert (grade.submission_id, grade.points) == (second.pk, points)
    first.review.refresh_from_db()
    assert first.review.total_points is not None  # attempt 1's own total was recorded again


def test_amending_an_earlier_released_attempt_leaves_the_grade_on_the_later_one(
    enrolled: Any, instructor: Any, assignment: Any
) -> None:
    keep_program_incomplete(assignment)
    Assignment.objects.filter(pk=assignment.pk).update(max_attempts=2)
    first = graded(submit(enrolled, assignment))
    release(instructor, first, manual="2")
    second = graded(submit(enrolled, assignment), passed=(False, False))
    release(instructor, second, manual="1")
    grade = Grade.objects.get(assignment=assignment)
    assert (grade.submission_id, grade.points) == (second.pk, D(1))

    release(instructor, first, manual="0")  # amended: attempt 1 is now worth 3

    grade.refresh_from_db()
    first.review.refresh_from_db()
    assert (grade.submission_id, grade.points) == (second.pk, D(1))
    assert first.review.total_points == D(3)


def test_the_frozen_grades_report_names_participants_as_graders_see_them(
    enrolled: Any, instructor: Any, assignment: Any, rf: Any
) -> None:
    """Graded anonymously, the warning after a rubric edit gives the pseudonym, not the name."""
    submission = _top_marks(enrolled, instructor, assignment)
    release(instructor, submission)
    AssignmentSettings.objects.filter(pk=assignment.pk).update(anonymous_grading=True)
    assignment.settings.refresh_from_db()
    change = rubrics.save_rubric(
        assignment=assignment, actor=instructor, criteria=_good_is_now_three()
    )
    request = rf.get("/")
    request.user = instructor
    request._messages = CookieStorage(request)

    review_views._report_change(request, assignment, change)

    [warning] = [m.message for m in request._messages if m.level == messages.WARNING]
    assert participant_label(change.skipped_frozen[0]) in warning
    assert warning.count("Participant ") == 1
    assert enrolled.full_name not in warning


def test_issue_certificate_helper_still_works(enrolled: Any, assignment: Any) -> None:
    assert issue_certificate(enrolled, assignment).grade_freezes.get().is_active


# --- the editor and the grading screen, through the client -------------------------------------


def editor_data(criteria: list[dict[str, Any]], extra_levels: int = 0) -> dict[str, str]:
    data = {
        "criteria-TOTAL_FORMS": str(len(criteria)),
        "criteria-INITIAL_FORMS": "0",
    }
    for i, c in enumerate(criteria):
        data[f"criteria-{i}-title"] = c["title"]
        data[f"criteria-{i}-key"] = c.get("key", "")
        levels = c["levels"]
        data[f"levels-{i}-TOTAL_FORMS"] = str(len(levels) + extra_levels)
        data[f"levels-{i}-INITIAL_FORMS"] = "0"
        for j, lv in enumerate(levels):
            data[f"levels-{i}-{j}-title"] = lv[0]
            data[f"levels-{i}-{j}-min_points"] = lv[1]
            data[f"levels-{i}-{j}-max_points"] = lv[2] if len(lv) > 2 else ""
    return data


def test_the_rubric_pages_follow_the_access_rules(
    client_for: Any,
    assignment: Any,
    instructor: Any,
    other_instructor: Any,
    enrolled: Any,
    other_cohort: Any,
) -> None:
    page = reverse("submissions:rubric", args=[assignment.pk])
    save = reverse("submissions:rubric-save", args=[assignment.pk])
    assert client_for(None).get(page).status_code == 302  # to the log-in
    assert client_for(enrolled).get(page).status_code == 404
    assert client_for(other_instructor).get(page).status_code == 404
    assert client_for(other_instructor).post(save, editor_data([])).status_code == 404
    assert client_for(instructor).get(save).status_code == 405
    assert client_for(instructor).post(page).status_code == 405
    assert client_for(instructor).get(page).status_code == 200
    for name in ("comment-bank-save", "regrade-window-save"):
        url = reverse(f"submissions:{name}", args=[assignment.pk])
        assert client_for(enrolled).post(url, {}).status_code == 404
        assert client_for(instructor).get(url).status_code == 405


def test_an_instructor_builds_a_rubric_in_the_editor(
    client_for: Any, assignment: Any, instructor: Any, cohort: Any
) -> None:
    client = client_for(instructor)
    save = reverse("submissions:rubric-save", args=[assignment.pk])
    data = editor_data(
        [
            {"title": "Data", "levels": [("Good", "4"), ("Ok", "2")]},
            {"title": "Discussion", "levels": [("Any", "0", "6")]},
            {"title": "", "levels": []},  # the blank extra row is ignored
        ],
        extra_levels=1,
    )
    response = client.post(save, data)
    assert response.status_code == 302
    version = rubrics.current_version(assignment)
    assert version is not None
    assert [
        (c.title, [(lv.title, lv.min_points, lv.max_points) for lv in c.levels.all()])
        for c in version.criteria.all()
    ] == [
        ("Data", [("Good", D(4), D(4)), ("Ok", D(2), D(2))]),
        ("Discussion", [("Any", D(0), D(6))]),
    ]
    page = client.get(reverse("submissions:rubric", args=[assignment.pk])).content.decode()
    assert 'value="Discussion"' in page and "Version 1" in page


@pytest.mark.parametrize(
    ("criteria", "message"),
    [
        ([{"title": "Data", "levels": []}], "“Data” needs at least one level."),
        ([{"title": "Data", "levels": [("Good", "5", "3")]}], "The range must end at or above"),
        ([{"title": "Data", "levels": [("Good", "-1")]}], "greater than or equal to 0"),
        ([{"title": "Data", "levels": [("Good", "abc")]}], "Enter a number"),
        ([{"title": "", "levels": []}], "A rubric needs at least one criterion."),
    ],
)
def test_the_editor_refuses_bad_rubrics_with_a_message(
    client_for: Any, assignment: Any, instructor: Any, cohort: Any, criteria: Any, message: str
) -> None:
    response = client_for(instructor).post(
        reverse("submissions:rubric-save", args=[assignment.pk]), editor_data(criteria)
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not RubricVersion.objects.exists()


def test_a_tampered_editor_form_is_a_400_not_a_500(
    client_for: Any, assignment: Any, instructor: Any, cohort: Any
) -> None:
    response = client_for(instructor).post(
        reverse("submissions:rubric-save", args=[assignment.pk]),
        {"criteria-TOTAL_FORMS": "1", "criteria-INITIAL_FORMS": "0", "criteria-0-title": "X"},
    )
    assert response.status_code == 400


def test_the_comment_bank_is_saved_and_offered_on_the_grading_screen(
    client_for: Any, assignment: Any, instructor: Any, enrolled: Any
) -> None:
    basic_rubric(assignment, instructor)
    client = client_for(instructor)
    response = client.post(
        reverse("submissions:comment-bank-save", args=[assignment.pk]),
        {
            "bank-TOTAL_FORMS": "3",
            "bank-INITIAL_FORMS": "0",
            "bank-0-text": "Cite your data source.",
            "bank-0-criterion_key": "data",
            "bank-1-text": "Well argued.",
            "bank-1-criterion_key": "",
        },
    )
    assert response.status_code == 302
    bad = client.post(
        reverse("submissions:comment-bank-save", args=[assignment.pk]),
        {
            "bank-TOTAL_FORMS": "1",
            "bank-INITIAL_FORMS": "0",
            "bank-0-text": "x",
            "bank-0-criterion_key": "nope",
        },
    )
    assert bad.status_code == 400
    submission = graded(submit(enrolled, assignment), passed=(True, False))
    page = client.get(reverse("submissions:grade", args=[submission.pk])).content.decode()
    assert 'data-insert-comment="Cite your data source."' in page
    assert page.count('data-insert-comment="Well argued."') == 2  # offered for both criteria


def test_a_grader_scores_with_the_rubric_on_the_grading_screen(
    client_for: Any, assignment: Any, instructor: Any, enrolled: Any, other_instructor: Any
) -> None:
    basic_rubric(assignment, instructor)
    submission = graded(submit(enrolled, assignment), passed=(True, False))
    url = reverse("submissions:rubric-score", args=[submission.pk])
    data = {"level__data": "ok", "level__discussion": "range", "points__discussion": "3.5"}
    assert client_for(None).post(url, data).status_code == 302
    assert client_for(enrolled).post(url, data).status_code == 404
    assert client_for(other_instructor).post(url, data).status_code == 404
    assert client_for(instructor).get(url).status_code == 405
    bad = client_for(instructor).post(url, {**data, "points__discussion": "9"})
    assert bad.status_code == 400 and "between 0 and 6" in bad.content.decode()
    no_level = client_for(instructor).post(url, {"comment__data": "Nice"})
    assert no_level.status_code == 400
    assert "Choose a level to save the comment with it." in no_level.content.decode()
    assert not RubricScore.objects.exists()
    response = client_for(instructor).post(url, data)
    assert response.status_code == 302
    assert Review.objects.get().manual_points == D("5.5")
    page = client_for(instructor).get(reverse("submissions:grade", args=[submission.pk]))
    assert 'id="rubric-form"' in page.content.decode()


def test_the_editor_keeps_keys_so_an_edit_rescores_the_chosen_levels(
    client_for: Any, scored: Any, instructor: Any
) -> None:
    """Renaming "Good" and lowering its points in the editor carries the grader's choice over."""
    client = client_for(instructor)
    page = client.get(reverse("submissions:rubric", args=[scored.assignment_id])).content.decode()
    assert 'name="criteria-0-key" value="data"' in page
    assert 'name="levels-0-0-key" value="good"' in page
    assert 'id="rubric-in-use"' in page
    data = editor_data(
        [
            {"title": "Data", "key": "data", "levels": [("Very good", "3"), ("Ok", "2")]},
            {"title": "Discussion", "key": "discussion", "levels": [("Any", "0", "6")]},
        ]
    )
    data.update({"levels-0-0-key": "good", "levels-0-1-key": "ok", "levels-1-0-key": "range"})
    response = client.post(reverse("submissions:rubric-save", args=[scored.assignment_id]), data)
    assert response.status_code == 302
    score = RubricScore.objects.get(criterion_key="data")
    assert (score.version.number, score.level_key, score.points, score.flag) == (
        2,
        "good",
        D(3),
        "",
    )
    messages = [str(m) for m in response.wsgi_request._messages]  # type: ignore[attr-defined]
    assert messages == ["Saved as version 2; 1 review was re-scored."]


def test_anonymous_users_are_sent_to_log_in_from_the_regrade_list(client_for: Any) -> None:
    response = client_for(None).get(reverse("submissions:regrade-list"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_the_regrade_window_is_set_per_assignment(
    client_for: Any, assignment: Any, instructor: Any, cohort: Any
) -> None:
    url = reverse("submissions:regrade-window-save", args=[assignment.pk])
    assert client_for(instructor).post(url, {"regrade_window_days": "14"}).status_code == 302
    assignment.settings.refresh_from_db()
    assert assignment.settings.regrade_window_days == 14
    for bad in ("-1", "1000", "soon"):
        response = client_for(instructor).post(url, {"regrade_window_days": bad})
        assert response.status_code == 400
    assignment.settings.refresh_from_db()
    assert assignment.settings.regrade_window_days == 14


def test_republishing_the_notebook_keeps_the_rubric_points(
    assignment: Any, instructor: Any
) -> None:
    import nbformat

    from courses.services import activate_assignment_version, draft_assignment_version
    from tests.helpers import tiny_source_notebook

    basic_rubric(assignment, instructor)
    version = draft_assignment_version(
        actor=instructor,
        assignment=assignment,
        source=nbformat.writes(tiny_source_notebook()).encode(),
        given_settings={"title": "Squares, fixed"},
    )
    check_version(version=version)
    activate_assignment_version(version=version)
    again = type(assignment).objects.get(pk=assignment.pk)
    assert (again.title, again.rubric_points, again.max_points) == ("Squares, fixed", D(10), D(15))
