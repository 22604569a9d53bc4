"""Comments anchored to cells of the rendered notebook (and optionally a line of a cell).

Graders add them beside the sandboxed notebook frame (no script runs inside it); the notebook
view composes the frame's HTML on the server and puts each comment, escaped, right under its
cell (``with_comments``): for graders always, for the participant only once the review is
released. Cells are numbered from 1, as the renderer's ``#cell-N`` anchors are.
"""

import html
import json
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from platform.blobs import read_blob
from platform.models import NotificationKind, User
from platform.notifications.services import notify
from platform.text_limits import COMMENT_CHARS
from submissions.access import is_grader_of
from submissions.exceptions import CommentInvalid
from submissions.models import CellComment, Review, Submission
from submissions.reviewing import mail

FIRST_LINE_CHARS = 80

# Only the renderer writes ``id="cell-N" data-cell="N"`` (author ids never survive sanitizing,
# see submissions/rendering/pipeline.py), so these matches are real cell wrappers.
_ANCHOR = re.compile(r' id="cell-([0-9]+)" data-cell="\1"')


@dataclass(frozen=True)
class CellSummary:
    number: int
    cell_type: str
    first_line: str
    lines: int


def notebook_cells(submission: Submission) -> list[CellSummary]:
    """Number, type, first non-empty line and line count of each cell, for the comment UI.

    The notebook passed validation at upload, so it parses; anything odd yields no cells.
    """
    try:
        nb = json.loads(read_blob(submission.notebook_sha256))
    except (OSError, ValueError, RecursionError):
        return []
    cells = nb.get("cells") if isinstance(nb, dict) else None
    summaries = []
    for number, cell in enumerate(cells if isinstance(cells, list) else [], start=1):
        source = cell.get("source", "") if isinstance(cell, dict) else ""
        text = "".join(source) if isinstance(source, list) else str(source)
        lines = text.splitlines()
        first = next((line.strip() for line in lines if line.strip()), "")
        summaries.append(
            CellSummary(
                number=number,
                cell_type=str(cell.get("cell_type", "")) if isinstance(cell, dict) else "",
                first_line=first[:FIRST_LINE_CHARS]
                + ("…" if len(first) > FIRST_LINE_CHARS else ""),
                lines=len(lines),
            )
        )
    return summaries


@transaction.atomic
def add_cell_comment(
    *, author: User, submission: Submission, cell: int, line: int | None, text: str
) -> CellComment:
    """Comment on a cell (and line) of a submission; the review is created as a draft if
    there is none yet. Comments score nothing, so they are allowed on frozen grades."""
    text = text.strip()
    if not text:
        raise CommentInvalid(_("A comment cannot be empty."))
    if len(text) > COMMENT_CHARS:
        raise CommentInvalid(
            _("Please keep a comment under %(n)d characters.") % {"n": COMMENT_CHARS}
        )
    cells = notebook_cells(submission)
    if not 1 <= cell <= len(cells):
        raise CommentInvalid(_("This notebook has no cell %(n)d.") % {"n": cell})
    if line is not None and not 1 <= line <= max(cells[cell - 1].lines, 1):
        raise CommentInvalid(
            _("Cell %(cell)d has %(lines)d lines; there is no line %(line)d.")
            % {"cell": cell, "lines": cells[cell - 1].lines, "line": line}
        )
    review, _created = Review.objects.get_or_create(
        submission=submission, defaults={"grader": author}
    )
    comment = CellComment.objects.create(
        review=review, cell=cell, line=line, text=text, author=author
    )
    # The participant sees it at once; a draft's comments come with the release's notification.
    if review.is_released:
        notify_comment(comment)
    return comment


def notify_comment(comment: CellComment) -> None:
    """Tell the participant of a comment on released work (in-app; by e-mail only for those
    who chose it: ``submissions.reviewing.mail.notify_comment_mail``)."""
    submission = comment.review.submission
    notify(
        user=submission.participant,
        kind=NotificationKind.COMMENT,
        message=gettext_noop("New comment on cell %(cell)s of “%(assignment)s”."),
        values={"cell": comment.cell, "assignment": submission.assignment.title},
        url=reverse("submissions:detail", args=[submission.pk]),
    )
    transaction.on_commit(lambda: mail.notify_comment(comment))


def delete_cell_comment(*, comment: CellComment) -> None:
    comment.delete()


def visible_comments(user: User, submission: Submission, *, is_grader: bool) -> list[CellComment]:
    """Graders see every comment; the participant only those of a released review."""
    comments = CellComment.objects.filter(review__submission=submission).select_related(
        "review", "author"
    )
    if not is_grader:
        comments = comments.filter(review__state=Review.State.RELEASED)
    return list(comments)


def with_comments(fragment: str, comments: Sequence[CellComment], *, draft: bool) -> str:
    """The rendered fragment with each comment block inserted right after its cell.

    A cell's block goes just before the next cell's wrapper (or at the end), so it sits under
    the cell, outside it. Text is escaped; the markup is ours.
    """
    if not comments:
        return fragment
    by_cell: dict[int, list[CellComment]] = defaultdict(list)
    for comment in comments:
        by_cell[comment.cell].append(comment)
    starts = {}
    for match in _ANCHOR.finditer(fragment):
        starts[int(match.group(1))] = fragment.rfind("<div", 0, match.start())
    pieces = []
    position = 0
    for number in sorted(starts):
        if number - 1 in by_cell and number - 1 in starts:
            pieces.append(fragment[position : starts[number]])
            pieces.append(_block(by_cell.pop(number - 1), draft=draft))
            position = starts[number]
    pieces.append(fragment[position:])
    # The last cell's comments, and any for cells the rendering does not have, go at the end.
    for number in sorted(by_cell):
        pieces.append(_block(by_cell[number], draft=draft))
    return "".join(pieces)


def _block(comments: Sequence[CellComment], *, draft: bool) -> str:
    source = html.escape(_("comment from your instructor"))
    draft_label = _("draft, not yet released")
    state = f" · {html.escape(draft_label)}" if draft else ""
    items = []
    for comment in comments:
        where = (
            _("Cell %(cell)d, line %(line)d") % {"cell": comment.cell, "line": comment.line}
            if comment.line
            else _("Cell %(cell)d") % {"cell": comment.cell}
        )
        text = html.escape(comment.text).replace("\n", "<br>\n")
        items.append(
            f'<div class="nb-comment" data-comment-cell="{comment.cell}">'
            f'<p class="nb-comment-head">{html.escape(where)} · {source}{state}</p>'
            f"<p>{text}</p></div>"
        )
    return '<aside class="nb-comments">' + "".join(items) + "</aside>\n"


def in_notebook(user: User, submission: Submission, fragment: str) -> str:
    """The notebook frame's fragment with the comments this user may see, under their cells."""
    grader = is_grader_of(user, submission)
    comments = visible_comments(user, submission, is_grader=grader)
    draft = grader and not any(c.review.is_released for c in comments)
    return with_comments(fragment, comments, draft=draft)
