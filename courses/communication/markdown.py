"""Announcements written in Markdown, as safe HTML.

The author is a coordinator or instructor, but the text still reaches every participant's home
page, so it goes through the same two steps as notebooks' Markdown (docs/rendering.md): raw HTML
in the source is escaped by the Markdown parser, and the result is cleaned by nh3 with a small
allowlist (no ``style``, no ``id``, links only http/https/mailto)."""

import re
from typing import cast

import mistune
import nh3

_TAGS = {
    "a", "blockquote", "br", "code", "em", "h4", "h5", "h6", "hr", "li", "ol", "p",
    "pre", "strong", "ul", "del", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip

_HEADING = re.compile(r"<(/?)h([1-6])\b")


def _lower_heading(match: "re.Match[str]") -> str:
    return f"<{match[1]}h{min(int(match[2]) + 3, 6)}"


_markdown = mistune.create_markdown(escape=True, plugins=["strikethrough", "table", "url"])


def render_markdown(text: str) -> str:
    """The HTML of ``text``. Its headings start at level 4: the announcement stands under the
    home page's h2 "Announcements" and its own h3 title."""
    html = _HEADING.sub(_lower_heading, cast(str, _markdown(text)))
    return nh3.clean(
        html,
        tags=_TAGS,
        attributes={"a": {"href"}, "th": {"align"}, "td": {"align"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
