"""The HTML document served inside the notebook viewer's ``<iframe sandbox>`` (docs/rendering.md).

The view serves it with the policy of ``submissions/frame.py`` (``default-src 'none'``,
``style-src 'nonce-…'``, ``sandbox``, ...), so the one thing that styles the page is the
``<style nonce>`` written here: our stylesheet, built from constants and a pygments style,
nothing from the notebook and nothing fetched.
"""

from __future__ import annotations

import html
import re
from functools import cache

from pygments.formatters import HtmlFormatter

__all__ = ["render_document", "stylesheet"]

PYGMENTS_STYLE = "default"

# Django's CSP nonces are URL-safe base64; anything else is a programming error, not input.
_NONCE = re.compile(r"[A-Za-z0-9+/=_-]{8,200}")

_BASE_CSS = """
:root { color-scheme: light; }
*, *::before, *::after { box-sizing: border-box; }
body {
  margin: 0; padding: 1rem 1.25rem 3rem; background: #fff; color: #1f2328;
  font: 16px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
    sans-serif;
  overflow-wrap: break-word;
}
main { max-width: 72rem; margin: 0 auto; }
a { color: #0550ae; text-decoration: underline; }
h1, h2, h3, h4, h5, h6 { line-height: 1.25; margin: 1.2em 0 .5em; }
h1 { font-size: 1.75rem; } h2 { font-size: 1.45rem; } h3 { font-size: 1.2rem; }
h4, h5, h6 { font-size: 1rem; }
p, ul, ol, dl, blockquote, table, details, pre { margin: 0 0 .8em; }
blockquote { margin-left: 0; padding: 0 1em; border-left: .25em solid #d0d7de; color: #59636e; }
hr { border: 0; border-top: 1px solid #d0d7de; margin: 1.2em 0; }
img { max-width: 100%; height: auto; }
code, kbd, samp, pre {
  font-family: ui-monospace, SFMono-Regular, "SF Mono", Menlo, Consolas, "Liberation Mono",
    monospace;
  font-size: .875rem;
}
:not(pre) > code { background: #eff1f3; border-radius: 4px; padding: .1em .3em; }
pre { overflow-x: auto; line-height: 1.45; }
details > summary { cursor: pointer; }

/* cells: one wrapper per cell, id="cell-N"; review comments link to #cell-N */
.nb-cell { position: relative; margin: 0 0 1rem; scroll-margin-top: 1rem; }
.nb-cell:target { outline: 3px solid #f4b400; outline-offset: 4px; border-radius: 2px; }
.input, .output_area { display: flex; align-items: flex-start; }
.prompt {
  flex: 0 0 5.5rem; padding: .45rem .5rem 0 0; text-align: right; color: #6e7781;
  font-family: ui-monospace, Menlo, Consolas, monospace; font-size: .8rem; white-space: nowrap;
}
.output_prompt { color: #953800; }
.inner_cell, .output_subarea { flex: 1 1 auto; min-width: 0; }
.text_cell .inner_cell, .raw_cell, .unknown_cell { margin-left: 5.5rem; }
.input_area { background: #f6f8fa; border: 1px solid #d0d7de; border-radius: 6px; }
.input_area pre { margin: 0; padding: .5rem .75rem; background: transparent; }
.output_wrapper { margin-top: .35rem; }
.output_subarea { padding: .25rem 0; overflow-x: auto; }
.output_subarea pre { margin: 0; white-space: pre-wrap; word-break: break-word; }
.output_stderr { background: #fff8f0; }
.output_error pre { background: #fff0f0; padding: .5rem .75rem; border-radius: 6px; white-space: pre; overflow-x: auto; }
.output_latex { white-space: pre-wrap; font-family: ui-monospace, Menlo, Consolas, monospace; }
.unknown_cell p { color: #6e7781; font-style: italic; }
/* graders' comments, inserted under their cell by submissions.reviewing.comments */
.nb-comments { margin: -.5rem 0 1rem 5.5rem; }
.nb-comment {
  border-left: 4px solid #bf8700; background: #fff8c5; border-radius: 4px;
  padding: .4rem .75rem; margin: 0 0 .4rem;
}
.nb-comment p { margin: 0 0 .3em; } .nb-comment p:last-child { margin: 0; }
.nb-comment-head { font-size: .8rem; color: #59636e; font-weight: 600; }
@media (max-width: 40rem) {
  body { padding: .5rem; }
  .prompt { display: none; }
  .text_cell .inner_cell, .raw_cell, .unknown_cell, .nb-comments { margin-left: 0; }
}

/* tables, including pandas' DataFrame HTML */
table { border-collapse: collapse; border-spacing: 0; font-size: .9rem; max-width: 100%; }
th, td { padding: .3em .6em; border-bottom: 1px solid #d0d7de; vertical-align: top; }
th { font-weight: 600; text-align: left; }
thead th { border-bottom: 2px solid #afb8c1; }
.dataframe td, .dataframe th { text-align: right; }
.dataframe tbody tr:nth-child(odd) { background: #f6f8fa; }
.dataframe tbody tr:hover { background: #ddf4ff; }

/* ANSI colours in streams and tracebacks, as nbconvert's ansi2html names them */
.ansi-black-fg { color: #3e424d; } .ansi-black-bg { background-color: #3e424d; }
.ansi-black-intense-fg { color: #282c36; } .ansi-black-intense-bg { background-color: #282c36; }
.ansi-red-fg { color: #c0392b; } .ansi-red-bg { background-color: #e75c58; }
.ansi-red-intense-fg { color: #9b2c20; } .ansi-red-intense-bg { background-color: #b22b31; }
.ansi-green-fg { color: #00794e; } .ansi-green-bg { background-color: #00a250; }
.ansi-green-intense-fg { color: #005c3a; } .ansi-green-intense-bg { background-color: #007427; }
.ansi-yellow-fg { color: #8a6d00; } .ansi-yellow-bg { background-color: #ddb62b; }
.ansi-yellow-intense-fg { color: #6b5500; } .ansi-yellow-intense-bg { background-color: #b27d12; }
.ansi-blue-fg { color: #1a5fb4; } .ansi-blue-bg { background-color: #208ffb; }
.ansi-blue-intense-fg { color: #0f4a8f; } .ansi-blue-intense-bg { background-color: #0065ca; }
.ansi-magenta-fg { color: #a1379f; } .ansi-magenta-bg { background-color: #d160c4; }
.ansi-magenta-intense-fg { color: #7d2a7b; } .ansi-magenta-intense-bg { background-color: #a03196; }
.ansi-cyan-fg { color: #0f7c8c; } .ansi-cyan-bg { background-color: #60c6c8; }
.ansi-cyan-intense-fg { color: #0a5c68; } .ansi-cyan-intense-bg { background-color: #258f8f; }
.ansi-white-fg { color: #6e7781; } .ansi-white-bg { background-color: #c5c1b4; }
.ansi-white-intense-fg { color: #424a53; } .ansi-white-intense-bg { background-color: #a1a6b2; }
.ansi-default-inverse-fg { color: #fff; } .ansi-default-inverse-bg { background-color: #1f2328; }
.ansi-bold { font-weight: bold; } .ansi-underline { text-decoration: underline; }
"""


@cache
def stylesheet() -> str:
    """Our notebook stylesheet: base rules plus the pygments token classes for ``.highlight``."""
    formatter = HtmlFormatter(style=PYGMENTS_STYLE)
    pygments_css = "\n".join(
        [
            *formatter.get_background_style_defs(".highlight"),
            *formatter.get_token_style_defs(".highlight"),
            # pygments boxes "error" tokens in red; in notebooks these are mostly magics and
            # shell escapes the lexer does not know, not errors.
            ".highlight .err { border: 0; }",
            ".highlight { background: transparent; }",
        ]
    )
    return _BASE_CSS.strip() + "\n\n/* syntax highlighting (pygments) */\n" + pygments_css + "\n"


def render_document(fragment: str, *, style_nonce: str, title: str, language: str) -> str:
    """A complete HTML document around ``fragment``, styled only by our nonce'd stylesheet.

    ``fragment`` is inserted as is: it must come from ``render_fragment`` (sanitized) or be
    markup the caller wrote. ``title`` is text and is escaped. ``language`` is the language of
    the page around it (the notebook's own text may be in any language; the frame's words, such
    as cell comments' headings, are in the reader's).
    """
    if not _NONCE.fullmatch(style_nonce):
        raise ValueError("style_nonce must be a CSP nonce (URL-safe base64)")
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{html.escape(language)}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n"
        f'<style nonce="{style_nonce}">\n{stylesheet()}</style>\n'
        f'</head>\n<body>\n<main class="nb-document">\n{fragment}\n</main>\n</body>\n</html>\n'
    )
