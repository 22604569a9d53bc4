"""Comments anchored to cells: graders add them beside the notebook; participants see them
under their cells, and only after release (page, frame, API, e-mail)."""

import re
from typing import Any

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from platform.blobs import put_bytes
from submissions.models import CellComment, RenderedNotebook, Submission
from submissions.rendering import render_fragment
from submissions.reviewing import comments
from tests.helpers import (
    api_client,
    graded,
    keep_program_incomplete,
    participant_notebook,
    release,
    submit,
)

SECRET = "Look again at <b>negative</b> inputs & edge cases"


def rendered(submission: Submission) -> Submission:
    """Render the attempt's notebooks here (no worker in these tests) into the cache."""
    html = render_fragment(participant_notebook())
    shas = [notebook.sha256 for notebook in submission.notebook_files()]
    RenderedNotebook.objects.filter(notebook_sha256__in=shas).update(
        status=RenderedNotebook.Status.OK,
        html_sha256=put_bytes(html.encode()),
        rendered_at=timezone.now(),
    )
    return submission


@pytest.fixture
def attempt(enrolled: Any, assignment: Any) -> Submission:
    keep_program_incomplete(assignment)
    return rendered(graded(submit(enrolled, assignment), passed=(True, False)))


def comment_url(submission: Submission) -> str:
    return reverse("submissions:cell-comment-add", args=[submission.pk])


def test_the_grader_sees_each_cell_with_its_first_line(
    client_for: Any, attempt: Submission, instructor: Any
) -> None:
    cells = comments.notebook_cells(attempt)
    assert [(c.number, c.cell_type, c.first_line) for c in cells][:3] == [
        (1, "markdown", "# Squares"),
        (2, "code", "def square(x):"),
        (3, "code", "assert square(3) == 9"),
    ]
    page = client_for(instructor).get(reverse("submissions:grade", args=[attempt.pk]))
    assert '<option value="2">2: def square(x):</option>' in page.content.decode()


def test_adding_a_comment_follows_the_access_rules(
    client_for: Any,
    attempt: Submission,
    instructor: Any,
    enrolled: Any,
    other_instructor: Any,
    other_cohort: Any,
) -> None:
    data = {"cell": "2", "line": "2", "text": SECRET}
    assert client_for(None).post(comment_url(attempt), data).status_code == 302
    assert client_for(enrolled).post(comment_url(attempt), data).status_code == 404
    assert client_for(other_instructor).post(comment_url(attempt), data).status_code == 404
    assert client_for(instructor).get(comment_url(attempt)).status_code == 405
    assert not CellComment.objects.exists()
    assert client_for(instructor).post(comment_url(attempt), data).status_code == 302
    comment = CellComment.objects.get()
    assert (comment.cell, comment.line, comment.text, comment.author) == (2, 2, SECRET, instructor)
    delete = reverse("submissions:cell-comment-delete", args=[attempt.pk, comment.pk])
    assert client_for(other_instructor).post(delete).status_code == 404
    assert client_for(enrolled).post(delete).status_code == 404
    assert client_for(instructor).get(delete).status_code == 405
    assert client_for(instructor).post(delete).status_code == 302
    assert not CellComment.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"cell": "99", "text": "x"}, "Select a valid choice"),
        ({"cell": "2", "line": "7", "text": "x"}, "Cell 2 has 2 lines; there is no line 7."),
        ({"cell": "2", "text": "   "}, "This field is required"),
        ({"cell": "2", "line": "0", "text": "x"}, "greater than or equal to 1"),
        ({"cell": "abc", "text": "x"}, "Select a valid choice"),
    ],
)
def test_bad_comments_are_refused_with_a_message(
    client_for: Any, attempt: Submission, instructor: Any, data: dict[str, str], message: str
) -> None:
    response = client_for(instructor).post(comment_url(attempt), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not CellComment.objects.exists()


def test_comments_are_invisible_to_the_participant_before_release(
    client_for: Any,
    attempt: Submission,
    instructor: Any,
    enrolled: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        client_for(instructor).post(comment_url(attempt), {"cell": "2", "text": SECRET})
    escaped = "Look again at &lt;b&gt;negative&lt;/b&gt; inputs &amp; edge cases"
    participant = client_for(enrolled)
    frame = participant.get(reverse("submissions:notebook", args=[attempt.pk])).content.decode()
    page = participant.get(reverse("submissions:detail", args=[attempt.pk])).content.decode()
    assert escaped not in frame and 'class="nb-comments"' not in frame
    assert escaped not in page and "comments on your notebook" not in page
    api = api_client(enrolled).get(reverse("submissions-api:comments", args=[attempt.pk]))
    assert api.status_code == 200 and api.json() == []
    assert mail.outbox == []  # a comment never notifies anyone
    # The grader sees it in the frame already, marked as a draft.
    grader_frame = client_for(instructor).get(reverse("submissions:notebook", args=[attempt.pk]))
    assert escaped in grader_frame.content.decode()
    assert "draft, not yet released" in grader_frame.content.decode()


def test_after_release_the_participant_sees_comments_under_their_cells(
    client_for: Any,
    attempt: Submission,
    instructor: Any,
    enrolled: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    grader = client_for(instructor)
    grader.post(comment_url(attempt), {"cell": "2", "line": "1", "text": SECRET})
    grader.post(comment_url(attempt), {"cell": "5", "text": "Good explanation."})
    with django_capture_on_commit_callbacks(execute=True):
        release(instructor, attempt)
    frame = (
        client_for(enrolled)
        .get(reverse("submissions:notebook", args=[attempt.pk]))
        .content.decode()
    )
    escaped = "Look again at &lt;b&gt;negative&lt;/b&gt; inputs &amp; edge cases"
    # In place: after cell 2's wrapper, before cell 3's; the last cell's at the end.
    cell2 = frame.index('id="cell-2"')
    cell3 = frame.index('id="cell-3"')
    assert cell2 < frame.index(escaped) < cell3
    assert frame.index("Good explanation.") > frame.index('id="cell-5"')
    assert "Cell 2, line 1" in frame and "draft" not in frame
    assert "<b>negative</b>" not in frame  # escaped, never markup
    api = api_client(enrolled).get(reverse("submissions-api:comments", args=[attempt.pk]))
    assert [(c["cell"], c["line"], c["anchor"]) for c in api.json()] == [
        (2, 1, "cell-2"),
        (5, None, "cell-5"),
    ]
    page = client_for(enrolled).get(reverse("submissions:detail", args=[attempt.pk]))
    assert "Your instructor left 2 comments on your notebook" in page.content.decode()
    # The release e-mail points to the feedback but carries no comment text.
    assert len(mail.outbox) == 1 and "negative" not in mail.outbox[0].body


def test_the_comments_api_follows_the_access_rules(
    attempt: Submission, other_participant: Any, other_instructor: Any, other_cohort: Any
) -> None:
    url = reverse("submissions-api:comments", args=[attempt.pk])
    assert api_client(other_participant).get(url).status_code == 404
    assert api_client(other_instructor).get(url).status_code == 404
    assert api_client(other_participant).post(url).status_code in {404, 405}


def test_comment_blocks_cannot_be_forged_or_misplaced() -> None:
    fragment = (
        '<div class="nb-cell nb-cell-code" id="cell-1" data-cell="1"><p>cell-2 text</p></div>\n'
        '<div class="nb-cell nb-cell-code" id="cell-2" data-cell="2"><p>two</p></div>'
    )
    comment = CellComment(cell=1, text='"><script>x</script>')
    out = comments.with_comments(fragment, [comment], draft=False)
    assert "<script>" not in out and "&lt;script&gt;" in out
    assert out.index("&lt;script&gt;") < out.index('id="cell-2"')
    assert re.search(r"</div>\n<aside class=\"nb-comments\">", out)
