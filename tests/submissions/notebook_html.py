"""Test helpers for notebook intake and rendering: notebooks built in code, rendered HTML parsed.

The safety checks parse the *final* HTML (``html.parser``) and look at what a browser would
build from it: elements, attributes, and which ``cell-N`` wrapper each one sits in.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import nbformat
from nbformat import v4

# Tiny but real images (1x1 pixel), as Jupyter stores them: base64 without a data: prefix.
PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
GIF = "R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"
JPEG = base64.b64encode(
    b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
).decode()
SVG_WITH_SCRIPT = base64.b64encode(
    b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>'
).decode()

VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}
FORBIDDEN_TAGS = {
    "script", "iframe", "frame", "frameset", "object", "embed", "applet", "form", "input",
    "button", "textarea", "select", "option", "base", "meta", "link", "style", "svg", "math",
    "template", "noscript", "video", "audio", "source", "picture", "canvas", "portal",
}  # fmt: skip
# A stored fragment may also hold an inert reference to a course file (never fetched: the
# serving view inlines it as a data: URI or drops it; docs/rendering.md, "Course images").
SAFE_SRC = re.compile(
    r"data:image/(png|jpeg|gif|webp);base64,[A-Za-z0-9+/=\s]*"
    r"|course-file:(?:[A-Za-z0-9_][A-Za-z0-9._+-]*/)*[A-Za-z0-9_][A-Za-z0-9._+-]*",
    re.IGNORECASE,
)
SAFE_HREF = re.compile(r"(https?:|mailto:|#)", re.IGNORECASE)
CELL_ID = re.compile(r"cell-([0-9]+)")
INTEGER = re.compile(r"[0-9]+")


def notebook(*cells: Any, **metadata: Any) -> nbformat.NotebookNode:
    nb: nbformat.NotebookNode = v4.new_notebook()
    nb.metadata.update(metadata)
    nb.cells = list(cells)
    return nb


def python_notebook(*cells: Any) -> nbformat.NotebookNode:
    return notebook(
        *cells,
        kernelspec={"name": "python3", "display_name": "Python 3", "language": "python"},
        language_info={"name": "python", "pygments_lexer": "ipython3"},
    )


def to_bytes(nb: Any) -> bytes:
    text: str = nbformat.writes(nb)
    return text.encode("utf-8")


@dataclass
class Element:
    tag: str
    attrs: dict[str, str | None]
    cell: int | None


@dataclass
class Cell:
    number: int
    elements: list[Element] = field(default_factory=list)
    text_parts: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(self.text_parts)

    def find(self, tag: str) -> list[Element]:
        return [element for element in self.elements if element.tag == tag]


@dataclass
class Parsed:
    elements: list[Element] = field(default_factory=list)
    cells: dict[int, Cell] = field(default_factory=dict)
    anchor_order: list[int] = field(default_factory=list)
    text_parts: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(self.text_parts)

    def find(self, tag: str) -> list[Element]:
        return [element for element in self.elements if element.tag == tag]


class _Walker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parsed = Parsed()
        self.stack: list[tuple[str, int | None]] = []  # (tag, cell number it opened, if any)

    def _current_cell(self) -> int | None:
        for _tag, number in reversed(self.stack):
            if number is not None:
                return number
        return None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        opened: int | None = None
        match = CELL_ID.fullmatch(attributes.get("id") or "")
        if match:
            opened = int(match.group(1))
            self.parsed.anchor_order.append(opened)
            self.parsed.cells[opened] = Cell(opened)
        cell = opened if opened is not None else self._current_cell()
        element = Element(tag, attributes, cell)
        self.parsed.elements.append(element)
        if cell is not None:
            self.parsed.cells[cell].elements.append(element)
        if tag not in VOID:
            self.stack.append((tag, opened))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID and self.stack and self.stack[-1][0] == tag:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                return

    def handle_data(self, data: str) -> None:
        self.parsed.text_parts.append(data)
        cell = self._current_cell()
        if cell is not None:
            self.parsed.cells[cell].text_parts.append(data)


def parse(html: str) -> Parsed:
    walker = _Walker()
    walker.feed(html)
    walker.close()
    return walker.parsed


def safety_violations(html: str) -> list[str]:
    """Everything in ``html`` that breaks the viewer's rules (docs/rendering.md), as findings."""
    findings: list[str] = []
    # What a lenient parser might not call a tag is still caught on the raw text.
    for raw_tag in re.findall(
        r"<\s*(script|iframe|object|embed|svg|math|style|base|meta|form)\b", html, re.I
    ):
        findings.append(f"raw <{raw_tag}> in the serialized HTML")
    for element in parse(html).elements:
        where = f"<{element.tag}> in cell {element.cell}"
        if element.tag in FORBIDDEN_TAGS:
            findings.append(f"forbidden element {where}")
        for name, value in element.attrs.items():
            value = value or ""
            if name.startswith("on"):
                findings.append(f"event handler {name} on {where}")
            elif name in (
                "style",
                "name",
                "target",
                "srcset",
                "srcdoc",
                "poster",
                "background",
                "action",
                "formaction",
                "xlink:href",
                "ping",
                "http-equiv",
                "content",
            ):
                findings.append(f"attribute {name} on {where}")
            elif name == "src" and not SAFE_SRC.fullmatch(value):
                findings.append(f"src {value[:60]!r} on {where}")
            elif name == "href" and not SAFE_HREF.match(value):
                findings.append(f"href {value[:60]!r} on {where}")
            elif name == "id" and not CELL_ID.fullmatch(value):
                findings.append(f"id {value!r} on {where}")
            elif name in ("width", "height") and not INTEGER.fullmatch(value):
                findings.append(f"{name} {value!r} on {where}")
            elif name.startswith("data-") and name != "data-cell":
                findings.append(f"attribute {name} on {where}")
    return findings


def assert_safe(html: str) -> None:
    findings = safety_violations(html)
    assert not findings, "\n".join(findings[:40])
