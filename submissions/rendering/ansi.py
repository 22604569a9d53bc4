"""ANSI escape sequences (colours in streams and tracebacks) to HTML classes, in linear time.

Replaces nbconvert's ``ansi2html`` filter, which produces the same classes but slices the rest
of the text after every escape sequence and pops parameters off the front of a list: both
quadratic, so one 10 MB stream of ``\\x1b[31ma`` repeated would take hours. Here the text is
scanned once with a regex that cannot backtrack (ECMA-48: parameter bytes, intermediate bytes,
one final byte), and styles are small tuples whose transitions and tags are cached, because a
coloured log has a handful of distinct styles and many thousands of sequences.

Only SGR sequences (final ``m``) change the style; every other sequence, and any stray ESC, is
dropped. 24-bit and 256-colour values outside the 16 named colours are dropped too: they would
need a ``style`` attribute, which the sanitizer removes anyway.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache

import markupsafe

__all__ = ["ansi_to_html"]

_ESCAPE = re.compile(r"\x1b\[([0-?]*)[ -/]*([@-~])")
_MAX_PARAMETERS = 32  # a real SGR has a handful; more is noise, not style

_COLOURS = ("black", "red", "green", "yellow", "blue", "magenta", "cyan", "white")

# (foreground, background, bold, underline, inverse); colours are 0-15 or None.
_Style = tuple[int | None, int | None, bool, bool, bool]
_PLAIN: _Style = (None, None, False, False, False)


def ansi_to_html(text: object) -> markupsafe.Markup:
    """Escaped ``text`` with SGR colours as ``<span class="ansi-...">``, nbconvert's classes."""
    source = str(text)
    if "\x1b" not in source:
        return markupsafe.Markup(html.escape(source, quote=False))  # noqa: S704 - escaped
    out: list[str] = []
    style = _PLAIN
    position = 0
    for match in _ESCAPE.finditer(source):
        if match.start() > position:
            _emit(out, source[position : match.start()], style)
        position = match.end()
        if match.group(2) == "m":
            style = _apply(style, match.group(1))
    _emit(out, source[position:], style)
    return markupsafe.Markup("".join(out))  # noqa: S704 - every chunk escaped in _emit


def _emit(out: list[str], chunk: str, style: _Style) -> None:
    if not chunk:
        return
    escaped = html.escape(chunk.replace("\x1b", ""), quote=False)
    opening = _opening_tag(style)
    out.append(f"{opening}{escaped}</span>" if opening else escaped)


@lru_cache(maxsize=1024)
def _opening_tag(style: _Style) -> str:
    fg, bg, bold, underline, inverse = style
    if bold and fg is not None and fg < 8:
        fg += 8  # bold shows the intense variant, as terminals (and nbconvert) do
    if inverse:
        fg, bg = bg, fg
    names = []
    if fg is not None:
        names.append(f"ansi-{_name(fg)}-fg")
    elif inverse:
        names.append("ansi-default-inverse-fg")
    if bg is not None:
        names.append(f"ansi-{_name(bg)}-bg")
    elif inverse:
        names.append("ansi-default-inverse-bg")
    if bold:
        names.append("ansi-bold")
    if underline:
        names.append("ansi-underline")
    return f'<span class="{" ".join(names)}">' if names else ""


def _name(colour: int) -> str:
    return _COLOURS[colour] if colour < 8 else f"{_COLOURS[colour - 8]}-intense"


@lru_cache(maxsize=4096)
def _apply(style: _Style, parameters: str) -> _Style:
    fg, bg, bold, underline, inverse = style
    codes = [_code(part) for part in parameters.split(";", _MAX_PARAMETERS)[:_MAX_PARAMETERS]]
    index = 0
    while index < len(codes):
        code = codes[index]
        index += 1
        if code == 0:
            fg, bg, bold, underline, inverse = _PLAIN
        elif code in (1, 5):  # 5 (blink) shows as bold, as in nbconvert
            bold = True
        elif code == 4:
            underline = True
        elif code == 7:
            inverse = True
        elif code in (21, 22):
            bold = False
        elif code == 24:
            underline = False
        elif code == 27:
            inverse = False
        elif 30 <= code <= 37:
            fg = code - 30
        elif 40 <= code <= 47:
            bg = code - 40
        elif 90 <= code <= 97:
            fg = code - 90 + 8
        elif 100 <= code <= 107:
            bg = code - 100 + 8
        elif code == 39:
            fg = None
        elif code == 49:
            bg = None
        elif code in (38, 48):
            colour, index = _extended(codes, index)
            if code == 38:
                fg = colour
            else:
                bg = colour
    return (fg, bg, bold, underline, inverse)


def _code(part: str) -> int:
    # An empty parameter means 0 (ESC[m resets); "?25"-style private parameters mean nothing.
    if not part:
        return 0
    return int(part) if part.isdigit() and len(part) <= 3 else -1


def _extended(codes: list[int], index: int) -> tuple[int | None, int]:
    """An extended colour (``38;5;n`` or ``38;2;r;g;b``): a named one if it is one of the 16."""
    kind = codes[index] if index < len(codes) else -1
    if kind == 5 and index + 1 < len(codes):
        value = codes[index + 1]
        return (value if 0 <= value < 16 else None), index + 2
    if kind == 2:
        return None, index + 4
    return None, len(codes)
