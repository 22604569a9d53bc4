"""The HTML allowlist: the security boundary of notebook rendering (docs/rendering.md, step 4).

Everything a notebook's author controls reaches the browser only through :class:`HtmlCleaner`
(nh3, i.e. the Rust ``ammonia`` sanitizer, which parses like a browser). Nothing here trusts
what earlier stages did: the pre-filter and the template only make the output *nicer*; this
module alone decides what is *safe*.

What survives: formatting, tables, lists, code, images and links. ``style`` attributes and
elements never survive (styling comes only from our stylesheet, which the page's CSP admits by
nonce); ``id`` and ``name`` never survive (no DOM clobbering, no fake ``cell-N`` anchors: the
real ones are added afterwards by :mod:`.pipeline` under a per-render secret); images only as
``data:image/(png|jpeg|gif|webp);base64``; links only to http, https, mailto and ``#fragment``;
sizes only as plain integers.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import nh3

__all__ = ["ALLOWED_TAGS", "HtmlCleaner", "clean_piece"]

ALLOWED_TAGS: frozenset[str] = frozenset(
    {
        # text-level formatting
        "a", "abbr", "b", "bdi", "bdo", "br", "cite", "code", "del", "dfn", "em", "i", "ins",
        "kbd", "mark", "q", "rp", "rt", "ruby", "s", "samp", "small", "span", "strong", "sub",
        "sup", "u", "var", "wbr",
        # blocks
        "blockquote", "details", "div", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5",
        "h6", "hr", "p", "pre", "summary",
        # lists and tables
        "dd", "dl", "dt", "li", "ol", "ul", "caption", "col", "colgroup", "table", "tbody",
        "td", "tfoot", "th", "thead", "tr",
        "img",
    }
)  # fmt: skip

# Removed *with* their content: what is inside is code, markup meant for another parser, or a
# fallback for something we do not show. Other disallowed tags (form, font, video, ...) are
# unwrapped: their text stays readable.
_DROPPED_WITH_CONTENT: frozenset[str] = frozenset(
    {
        "script", "style", "template", "svg", "math", "iframe", "frame", "frameset",
        "object", "applet", "noscript", "noembed", "noframes", "textarea", "select",
        "option", "title", "head", "xmp", "plaintext", "canvas",
    }
)  # fmt: skip

_ATTRIBUTES: dict[str, set[str]] = {
    "*": {"class", "title", "lang", "dir"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan", "align"},
    "th": {"colspan", "rowspan", "align", "scope"},
    "ol": {"start"},
    "li": {"value"},
    "col": {"span"},
    "colgroup": {"span"},
    "details": {"open"},
}

# Matched against the raw attribute value: a leading space, an entity-encoded or tab-split
# scheme ("java\tscript:") simply fails to match, and is dropped.
_SAFE_HREF = re.compile(r"(?:https?:|mailto:|#)", re.IGNORECASE)
_SAFE_SRC = re.compile(r"data:image/(?:png|jpeg|gif|webp);base64,[A-Za-z0-9+/=\s]*", re.IGNORECASE)
# A relative image path that may name a course file ("images/fig.png", "./data/x.png"): the
# parts course files may have (courses.course_files), no "..", no scheme, no query.
_COURSE_FILE = re.compile(
    r"(?:course-file:|\./)?((?:[A-Za-z0-9_][A-Za-z0-9._+-]{0,99}/){0,5}"
    r"[A-Za-z0-9_][A-Za-z0-9._+-]{0,99})"
)
COURSE_FILE_SCHEME = "course-file"
_INTEGER = re.compile(r"[0-9]{1,5}")
_ALIGN = frozenset({"left", "center", "right", "justify"})
_SCOPE = frozenset({"row", "col", "rowgroup", "colgroup"})
_INTEGER_ATTRIBUTES = frozenset({"width", "height", "colspan", "rowspan", "start", "value", "span"})

LINK_REL = "noopener noreferrer nofollow"


def _only_fragments(url: str) -> str | None:
    # The one relative URL we keep: an in-page link ("#cell-3"). A relative path would resolve
    # against the serving view, and "![](secret.png)" must not become a request for anything.
    return url if url.startswith("#") else None


def _make_attribute_filter(anchor_attribute: str | None) -> Callable[[str, str, str], str | None]:
    def attribute_filter(tag: str, attribute: str, value: str) -> str | None:
        if attribute == "href":
            return value if _SAFE_HREF.match(value) else None
        if attribute == "src":
            if _SAFE_SRC.fullmatch(value):
                return value
            # An image beside the notebook is never fetched: it becomes an inert reference that
            # only the serving view resolves, against the assignment's published course files
            # (``rendering.course_images``); anything else is dropped.
            course_file = _COURSE_FILE.fullmatch(value)
            return f"{COURSE_FILE_SCHEME}:{course_file[1]}" if course_file else None
        if attribute in _INTEGER_ATTRIBUTES or attribute == anchor_attribute:
            return value if _INTEGER.fullmatch(value) else None
        if attribute == "align":
            return value.lower() if value.lower() in _ALIGN else None
        if attribute == "scope":
            return value.lower() if value.lower() in _SCOPE else None
        return value

    return attribute_filter


class HtmlCleaner:
    """One configured nh3 cleaner. ``anchor_attribute`` (a per-render secret attribute name on
    ``div``) is the only way to get a cell anchor through: see ``pipeline._mark_anchors``.
    """

    def __init__(self, anchor_attribute: str | None = None) -> None:
        attributes = {tag: set(names) for tag, names in _ATTRIBUTES.items()}
        if anchor_attribute is not None:
            attributes["div"] = {anchor_attribute}
        self._cleaner = nh3.Cleaner(
            tags=set(ALLOWED_TAGS),
            clean_content_tags=set(_DROPPED_WITH_CONTENT),
            attributes=attributes,
            attribute_filter=_make_attribute_filter(anchor_attribute),
            strip_comments=True,
            link_rel=LINK_REL,
            url_schemes={"http", "https", "mailto", "data", COURSE_FILE_SCHEME},
            url_relative=_only_fragments,
        )

    def clean(self, html: str) -> str:
        return self._cleaner.clean(html)


_PIECE_CLEANER = HtmlCleaner()

# Chromium's HTML parser stops nesting at 512 levels too; nothing legitimate goes deeper.
MAX_NESTING = 512
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]*)")
# Elements that never hold others (void) or that the parser closes implicitly when a sibling
# starts (p, li, td, ...): neither builds depth, so neither is counted.
_NOT_NESTING = frozenset(
    {
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr", "p", "li", "dd", "dt", "option", "optgroup", "tr", "td", "th",
        "thead", "tbody", "tfoot", "rt", "rp", "colgroup", "caption",
    }
)  # fmt: skip
TOO_DEEP_NOTICE = (
    '<p class="nb-too-deep"><em>(This content is nested too deeply to be displayed; '
    "its source is shown instead.)</em></p>"
)


def clean_piece(html: object) -> str:
    """Clean one author-supplied piece (a markdown cell, an HTML output) before it is embedded.

    Not the security boundary (the whole fragment is cleaned again at the end) but it keeps the
    document's structure: nh3 parses the piece on its own and returns balanced markup, so a stray
    ``</div>`` in a markdown cell cannot close the cell wrapper and spill into the next cell.

    A piece nested deeper than :data:`MAX_NESTING` is shown as escaped source instead: the HTML
    parser's cost grows with depth times elements (40,000 nested ``<div>`` take nh3 8 s, twice,
    since the final pass parses it again), so one hostile cell would otherwise make the whole
    notebook unviewable.
    """
    text = str(html)
    if _nesting_exceeds(text, MAX_NESTING):
        return f"{TOO_DEEP_NOTICE}<pre>{_escape(text)}</pre>"
    return _PIECE_CLEANER.clean(text)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _nesting_exceeds(html: str, limit: int) -> bool:
    """Whether element nesting may exceed ``limit``, by a linear scan of tag names.

    An estimate, deliberately on the high side for hostile markup: an end tag closes one open
    element of its name and stray end tags change nothing (the parser ignores them too), so
    ``<div></span>`` repeated cannot hide its depth.
    """
    if html.count("<") <= limit:
        return False
    open_by_name: dict[str, int] = {}
    depth = 0
    for match in _TAG.finditer(html):
        name = match.group(2).lower()
        if name in _NOT_NESTING:
            continue
        if match.group(1):
            if open_by_name.get(name, 0) > 0:
                open_by_name[name] -= 1
                depth -= 1
        else:
            open_by_name[name] = open_by_name.get(name, 0) + 1
            depth += 1
            if depth > limit:
                return True
    return False
