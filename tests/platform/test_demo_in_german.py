"""The demo in German: no English text of the catalogue on any page a demo person can open.

The demo is loaded (``manage.py load_demo``), demo participants upload demo notebooks that the
real autograder grades (a failing test, a hidden test, an exception, partial credit, a restored
test cell, an unchanged answer cell, a test at its time limit), one attempt's grading is lost
until it fails, and then every page each role reaches by following links from the home page is
read in German (switched with the language switcher, over an English browser and, for some, an
English preference). None of them may show the English source of a message that the catalogue
translates: that text did not come through the catalogue (see docs/i18n.md, "Outside a
request"). And each person must find their results, in German, so the check is not vacuous.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from io import StringIO
from typing import Any
from urllib.parse import urldefrag, urlsplit

import nbformat
import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from courses.demo.notebooks import ASSIGNMENT_SLUGS, CAPSTONE_SLUG, submission_variant
from courses.models import Assignment
from platform.models import User
from submissions import services
from submissions.intake.services import submit_attempt
from submissions.models import GradingRun, Submission
from submissions.tasks import grade_submission
from tests.helpers import log_in, upload_file
from tests.platform.test_i18n import PO_FILE, read_po

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

PLACEHOLDER_OR_TAG = re.compile(r"%(?:\(\w+\))?[#0\- +]?\d*(?:\.\d+)?[sdifr%]|\{\{.*?\}\}|<[^>]*>")
# Shorter pieces ("Points", "Download", "Python") could be a name or a word in German too.
MIN_FRAGMENT = 12
# Pages a link may lead to that are not pages of the platform's own wording.
SKIP = re.compile(
    r"^/(accounts/logout|i18n/|admin/|api/|static/|media/)"
    r"|/(download|notebook|export|files?|data)(/|\.|$)|\.(csv|zip|pdf|ipynb|svg|png)$"
)
MAX_PAGES = 200  # the demo's grading backlog (submissions/demo_workspace.py) adds pages


def english_fragments() -> dict[str, str]:
    """The English text pieces of the catalogue (fragment -> its msgid), between placeholders.

    Only pieces whose German differs, and long enough not to be a word both languages share.
    """
    _, entries = read_po(PO_FILE)
    fragments: dict[str, str] = {}
    for entry in entries:
        for index, source in enumerate(filter(None, [entry.msgid, entry.msgid_plural])):
            german = entry.msgstr.get(index, entry.msgstr.get(0, ""))
            if " ".join(german.split()) == " ".join(source.split()):
                continue
            for piece in PLACEHOLDER_OR_TAG.split(source):
                piece = " ".join(piece.split()).strip(" .,:;")
                if len(piece) >= MIN_FRAGMENT and " " in piece and piece not in german:
                    fragments.setdefault(piece, source)
    return fragments


class _Reader(HTMLParser):
    """The text a person sees (and hears: labels, titles, alternatives), and the links.

    Text in an element marked as another language (``lang="en"``: an English applicant's
    message, pre-filled in their language) is not the page's wording and is left out."""

    SILENT = {"script", "style", "template"}
    SPOKEN = ("title", "aria-label", "placeholder", "alt", "aria-description")
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "wbr"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.links: list[str] = []
        self._silent = 0
        self._foreign: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SILENT:
            self._silent += 1
        values = dict(attrs)
        if tag not in self.VOID and (
            self._foreign or (values.get("lang") or "de").split("-")[0] != "de"
        ):
            self._foreign.append(tag)
        if self._foreign:
            return
        self.text.extend(v for k in self.SPOKEN if (v := values.get(k)))
        if tag == "input" and values.get("type") in {"submit", "button"} and values.get("value"):
            self.text.append(values["value"] or "")
        if tag == "a" and values.get("href"):
            self.links.append(values["href"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SILENT:
            self._silent = max(0, self._silent - 1)
        if tag in self._foreign:
            del self._foreign[self._foreign.index(tag) :]

    def handle_data(self, data: str) -> None:
        if not self._silent and not self._foreign:
            self.text.append(data)


def read(html: str) -> tuple[str, list[str]]:
    reader = _Reader()
    reader.feed(html)
    return " ".join(" ".join(reader.text).split()), reader.links


def crawl(client: Client, start: str = "/") -> Iterator[tuple[str, str]]:
    """Every page reachable by links from ``start`` (GET only, same site): (path, its text)."""
    seen, queue = {start}, [start]
    while queue and len(seen) <= MAX_PAGES:
        path = queue.pop(0)
        response = client.get(path)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        text, links = read(response.content.decode())
        yield path, text
        for link in links:
            target = urldefrag(link)[0]
            parts = urlsplit(target)
            if parts.scheme or parts.netloc or not parts.path.startswith("/"):
                continue
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            if target not in seen and not SKIP.search(parts.path):
                seen.add(target)
                queue.append(target)


def in_german(username: str) -> Client:
    """A demo person's browser, switched to German with the language switcher."""
    client = log_in(Client(HTTP_ACCEPT_LANGUAGE="en"), User.objects.get(username=username))
    assert client.post("/i18n/setlang/", {"language": "de", "next": "/"}).status_code == 302
    return client


def submit(username: str, slug: str, variant: str, *, stuck: str = "") -> Submission:
    """Upload a demo variant; ``stuck`` names a solution cell replaced by an endless loop."""
    user = User.objects.get(username=username)
    assignment = Assignment.objects.get(slug=slug)
    if not assignment.is_open():  # the demo's later assignments open in the future
        assignment.opens_at = timezone.now() - dt.timedelta(days=1)
        assignment.save(update_fields=["opens_at"])
    nb = submission_variant(slug, variant)  # type: ignore[arg-type]
    for cell in nb.cells:
        if stuck and cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == stuck:
            cell.source = "def mean_by_class(frame, column):\n    while True:\n        pass"
    notebook = nbformat.writes(nb).encode("utf-8")
    return submit_attempt(
        participant=user,
        enrollment=user.enrollments.get(cohort__program=assignment.module.program),
        assignment=assignment,
        upload=upload_file(notebook),
    )


def grade(submission: Submission) -> None:
    run = submission.grading_runs.get()
    assert grade_submission.call(run.pk) == "graded"


def lose_every_run(submission: Submission) -> None:
    """The worker dies on this attempt until grading gives up (services.MAX_LOST_RUNS)."""
    while True:
        run = submission.grading_runs.order_by("-pk").first()
        assert run is not None
        if run.status == GradingRun.Status.ABANDONED:
            return
        GradingRun.objects.filter(pk=run.pk).update(
            status=GradingRun.Status.RUNNING,
            heartbeat_at=timezone.now() - dt.timedelta(days=1),
        )
        services.requeue_abandoned_runs()


@pytest.fixture
def demo(settings: Any) -> None:
    settings.GRADING_CELL_TIMEOUT = 2
    call_command("load_demo", stdout=StringIO())
    first, second = [slug for slug in ASSIGNMENT_SLUGS if slug != CAPSTONE_SLUG][:2]
    # An exception, an answer cell left as released, and a wrong answer.
    grade(submit("lena.schmidt", first, "error"))
    # Partial credit and a failing hidden test; a test cell edited and restored.
    grade(submit("arjun.mehta", first, "partial"))
    grade(submit("arjun.mehta", second, "tampered"))
    # A test that runs into the cell's time limit.
    grade(submit("arjun.mehta", first, "correct", stuck="ml01-mean"))
    lose_every_run(submit("lena.schmidt", second, "blank"))


# What each person must find on their pages, in German: the results are really shown.
SHOWN = {
    "lena.schmidt": [
        "Es wurde keine Antwort gegeben (die Zelle ist unverändert).",
        "Die Bewertung wurde 3 Mal in Folge unterbrochen",
    ],
    "arjun.mehta": ["Teilpunkte: 2 von 3 Punkten.", "Wartet auf die Bewertung durch Lehrende."],
    "j.hoffmann": [
        "Es wurde keine Antwort gegeben (die Zelle ist unverändert).",
        "Ihre Änderungen an dieser schreibgeschützten Zelle wurden für die Bewertung",
        "Die Zelle wurde nicht innerhalb von 2 Sekunden fertig und wurde unterbrochen.",
        "Die Bewertung wurde 3 Mal in Folge unterbrochen",
    ],
    "gisela.brandt": [],
    "m.yilmaz": [],
    "k.vogel": [],
}


def test_the_fragments_cover_the_grading_messages() -> None:
    """The check below would see the autograder's English (issue 11, defect 16)."""
    fragments = english_fragments()
    assert "No answer was given (the cell is unchanged)" in fragments
    assert "Partial credit" in fragments
    assert any("Ask your instructor for an extension" in piece for piece in fragments)


def test_no_demo_page_shows_the_english_of_the_catalogue(demo: None) -> None:
    """Every role, one after the other (the demo and its grading are set up once)."""
    fragments = english_fragments()
    problems: list[str] = []
    for username, expected in SHOWN.items():
        pages: list[str] = []
        for path, text in crawl(in_german(username)):
            pages.append(text)
            problems.extend(f"{username} {path}: {p!r}" for p in fragments if p in text)
        everything = " ".join(pages)
        assert len(pages) > 3, f"the crawl reached {username}'s pages"
        problems.extend(
            f"{username}: missing {shown!r}" for shown in expected if shown not in everything
        )
    assert not problems, "\n".join(sorted(set(problems)))
