"""Announcements written in Markdown, as safe HTML.

The author is a coordinator or instructor, but the text still reaches every participant's home
page, so it goes through the same two steps as notebooks' Markdown (docs/rendering.md): raw HTML
in the source is escaped by the Markdown parser, and the result is cleaned by nh3 with a small
allowlist (no ``style``, no ``id``, links only http/https/mailto)."""

from typing import cast

import mistune
import nh3

_TAGS = {
    "a", "blockquote", "br", "code", "em", "h3", "h4", "h5", "h6", "hr", "li", "ol", "p",
    "pre", "strong", "ul", "del", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip

_markdown = mistune.create_markdown(escape=True, plugins=["strikethrough", "table", "url"])


def render_markdown(text: str) -> str:
    """The HTML of ``text``: headings start at level 3, since they stand inside the home page's
    sections."""
    html = cast(str, _markdown(text))
    for level in (2, 1):  # h1 -> h3, h2 -> h4 (in this order, so no heading moves twice)
        html = html.replace(f"<h{level}", f"<h{level + 2}").replace(
            f"</h{level}>", f"</h{level + 2}>"
        )
    return nh3.clean(
        html,
        tags=_TAGS,
        attributes={"a": {"href"}, "th": {"align"}, "td": {"align"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
