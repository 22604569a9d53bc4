"""The review screens in a real browser: a comment from the bank goes in with one click, the
grader scores with the rubric and comments on a cell, and after release the participant sees
the comment under its cell inside the sandboxed notebook frame."""

from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from submissions.models import RubricScore
from submissions.reviewing import rubrics
from submissions.reviewing.rubrics import BankEntryInput
from tests.browser.conftest import log_in
from tests.helpers import graded, release, submit
from tests.submissions.reviewing.review_helpers import basic_rubric
from tests.submissions.reviewing.test_comments import rendered

pytestmark = [pytest.mark.browser]


@pytest.mark.django_db(transaction=True)
def test_a_grader_uses_the_comment_bank_rubric_and_cell_comments(
    live_server: Any,
    enrolled: Any,
    instructor: Any,
    assignment: Any,
    cohort: Any,
    new_page: Any,
    tmp_path: Any,
) -> None:
    basic_rubric(assignment, instructor)
    rubrics.save_comment_bank(
        assignment=assignment,
        entries=[BankEntryInput(text="Cite the data source.", criterion_key="data")],
    )
    submission = rendered(graded(submit(enrolled, assignment), passed=(True, False)))
    base = live_server.url
    page = new_page()
    log_in(page, base, "ines")
    page.goto(base + reverse("submissions:grade", args=[submission.pk]))

    page.locator("[data-criterion=data]").get_by_label("Ok (2)").check()
    page.locator("[data-criterion=data] [data-insert-comment]").click()
    expect(page.locator("#id_comment__data")).to_have_value("Cite the data source.")
    page.locator("[data-criterion=discussion]").get_by_label("Any (0–6)").check()
    page.fill("#id_points__discussion", "4.5")
    page.screenshot(path=str(tmp_path / "grading.png"), full_page=True)
    page.click("#rubric-form button[type=submit]")
    expect(page.locator(".messages")).to_contain_text("Rubric scores saved.")
    assert RubricScore.objects.get(criterion_key="data").comment == "Cite the data source."

    page.select_option("#id_cell", "2")
    page.fill("#id_text", "Handle negative numbers explicitly.")
    page.click("#cell-comment-form button[type=submit]")
    expect(page.locator("#cell-comments")).to_contain_text("Handle negative numbers")

    release(instructor, submission)
    participant = new_page()
    log_in(participant, base, "ada")
    participant.goto(base + reverse("submissions:detail", args=[submission.pk]))
    frame = participant.frame_locator("#notebook-frame")
    comment = frame.locator("#cell-2 + aside.nb-comments")
    expect(comment).to_contain_text("Handle negative numbers explicitly.")
    expect(participant.locator("#rubric-scores")).to_contain_text("Cite the data source.")
    participant.screenshot(path=str(tmp_path / "participant.png"), full_page=True)
