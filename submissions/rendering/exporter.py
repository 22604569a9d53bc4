"""Rendering step 3 (docs/rendering.md): nbconvert's HTMLExporter, "basic" template, made safe.

Importing this module imports nbconvert (about half a second), so :mod:`.pipeline` imports it
only when a notebook is actually rendered; the web process, which only builds documents around
stored fragments, never pays for it.

What differs from a stock ``HTMLExporter(template_name="basic")``:

* nbconvert's own sanitizer (``sanitize_html``) stays off: it is not a security boundary, and our
  nh3 pass after the export is. The template still cleans author HTML piece by piece, but only
  so each piece arrives balanced (see ``certlab_notebook.html.j2``).
* ``embed_images`` is never on (it reads files beside the notebook: ``![](secret.png)``).
* Markdown attachments that the pre-filter dropped, or never existed, render as an image without
  a source instead of aborting the whole export with ``InvalidNotebook``.
* No anchor links or ids on headings (ids are not allowed in the output at all).
* The post-export BeautifulSoup round trip (alt texts, tabindex) and the per-cell bleach pass on
  code are skipped: together they were most of the export time, and the final sanitizer re-parses
  the document anyway. Images get their alt text from our template instead.
* The pygments CSS preprocessor is off: the stylesheet is ours (``document.py``).
* ``highlight_code`` reads the lexer from the template context instead of being re-registered
  per notebook, so rendering does not mutate the exporter, and reuses lexers and formatters.
  The exporter is still not documented as thread-safe (nbconvert preprocessors keep state),
  hence the lock in ``pipeline``.
* ``ansi2html`` is our linear version (``ansi.py``); nbconvert's is quadratic.
"""

from __future__ import annotations

import html
from functools import lru_cache
from pathlib import Path
from typing import Any

import markupsafe
import pygments
from jinja2 import pass_context
from jinja2.runtime import Context
from nbconvert.exporters import HTMLExporter
from nbconvert.exporters.templateexporter import TemplateExporter
from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath
from nbformat import NotebookNode
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import get_lexer_by_name
from pygments.lexers.special import TextLexer
from pygments.util import ClassNotFound
from traitlets.config import Config

from .ansi import ansi_to_html
from .prefilter import OUTPUT_MIME_TYPES
from .sanitize import clean_piece

__all__ = ["SafeHTMLExporter"]

TEMPLATE_FILE = Path(__file__).resolve().parent / "nbconvert_templates" / "certlab_notebook.html.j2"


class _SafeMarkdownRenderer(IPythonRenderer):
    """nbconvert's markdown renderer, minus the two ways a notebook can make it fail or leak."""

    def _embed_image_or_attachment(self, src: str) -> str:
        if src.startswith("attachment:") and src[len("attachment:") :] not in self.attachments:
            # nbconvert raises InvalidNotebook here, failing the whole render for one bad image.
            return ""
        if not src.startswith("attachment:"):
            return src  # never read a file beside the notebook, whatever embed_images says
        result: str = super()._embed_image_or_attachment(src)
        return result


class SafeHTMLExporter(HTMLExporter):
    """``HTMLExporter`` on the "basic" template with our overrides; build once, reuse."""

    def __init__(self) -> None:
        config = Config(
            {
                # Our template's order of preference; types outside OUTPUT_MIME_TYPES never
                # reach the template (the pre-filter removed them).
                "NbConvertBase": {"display_data_priority": list(OUTPUT_MIME_TYPES)},
                "CSSHTMLHeaderPreprocessor": {"enabled": False},
                # Of nbconvert's preprocessors only the one that picks a lexer for %%R/%%bash
                # cells is wanted; each one listed costs a schema validation per export.
                "Exporter": {
                    "default_preprocessors": [
                        "nbconvert.preprocessors.HighlightMagicsPreprocessor"
                    ],
                    "optimistic_validation": True,
                },
            }
        )
        super().__init__(  # type: ignore[no-untyped-call]
            config=config,
            template_name="basic",
            template_file=str(TEMPLATE_FILE),
            sanitize_html=False,
            embed_images=False,
            exclude_anchor_links=True,
            anchor_link_text="",
        )
        # Through the ``filters`` trait, not register_filter: the trait survives a rebuild of
        # the Jinja environment, a registration does not.
        self.filters = {
            "highlight_code": self._highlight_code,
            "certlab_clean_piece": _clean_piece_filter,
            "certlab_image": _image_filter,
            "ansi2html": ansi_to_html,  # nbconvert's is quadratic; see ansi.py
        }

    @pass_context
    def markdown2html(self, context: Context, source: str) -> str:
        cell = context.get("cell", {})
        renderer = _SafeMarkdownRenderer(
            escape=False,
            attachments=dict(cell.get("attachments", {})),
            embed_images=False,
            path="",
            anchor_link_text="",
            exclude_anchor_links=True,
        )
        html: str = MarkdownWithMath(renderer=renderer).render(source)
        return html

    @staticmethod
    @pass_context
    def _highlight_code(context: Context, source: str, metadata: Any = None) -> str:
        """nbconvert's ``highlight_code`` with the lexer and formatter built once per language.

        Same output as ``Highlight2HTML``, but that builds a new lexer and a new formatter
        (whose style table is the costly part) for every cell: a third of the export time.
        """
        info = context.get("nb", {}).get("metadata", {}).get("language_info", {})
        language = str(info.get("pygments_lexer", "text"))
        if language.startswith("ipython") and metadata and "magics_language" in metadata:
            language = str(metadata["magics_language"])  # a %%R or %%bash cell
        html: str = pygments.highlight(source or " ", _lexer(language), _formatter(language))
        return html

    def _preprocess(
        self, nb: NotebookNode, resources: dict[str, Any]
    ) -> tuple[NotebookNode, dict[str, Any]]:
        # nbconvert deep-copies the notebook twice more here and re-validates it; ours is the
        # pre-filter's fresh, schema-shaped copy that nothing else holds, and for a notebook of
        # 2,000 small cells the copies were a quarter of the export time.
        for preprocessor in self._preprocessors:
            nb, resources = preprocessor(nb, resources)
        return nb, resources

    def from_notebook_node(  # type: ignore[override]
        self, nb: NotebookNode, resources: dict[str, Any] | None = None, **kw: Any
    ) -> tuple[str, dict[str, Any]]:
        # HTMLExporter.from_notebook_node re-registers filters on the shared environment and then
        # round-trips the whole document through BeautifulSoup; neither is wanted (see module
        # docstring), so go straight to the template exporter with our resources.
        resources = self._init_resources(resources)  # type: ignore[no-untyped-call]
        html, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
        return html, resources


@lru_cache(maxsize=64)
def _lexer(language: str) -> Lexer:
    lexer: Lexer
    if language in ("ipython2", "ipython3"):
        # nbconvert's choice for these names; pygments does not know them.
        from IPython.lib.lexers import IPython3Lexer, IPythonLexer

        lexer = IPython3Lexer() if language == "ipython3" else IPythonLexer()
        return lexer
    try:
        lexer = get_lexer_by_name(language)
    except ClassNotFound:
        lexer = TextLexer()
    return lexer


@lru_cache(maxsize=64)
def _formatter(language: str) -> HtmlFormatter[str]:
    # The class names nbconvert gives code cells; our stylesheet styles ".highlight".
    return HtmlFormatter(cssclass=f" highlight hl-{html.escape(language)}")


def _clean_piece_filter(html: object) -> markupsafe.Markup:
    return markupsafe.Markup(clean_piece(html))  # noqa: S704 - just sanitized


def _image_filter(output: NotebookNode, mime: str) -> markupsafe.Markup:
    """An ``<img>`` for an image output: data URL, integer sizes only, a generic alt text."""
    payload = str(output.get("data", {}).get(mime, ""))
    sizes = output.get("metadata", {}).get(mime, {})
    attributes = [f'src="data:{mime};base64,{markupsafe.escape(payload)}"', 'alt="Output image"']
    for key in ("width", "height"):
        value = sizes.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            attributes.append(f'{key}="{value:d}"')
    return markupsafe.Markup("<img " + " ".join(attributes) + ">")  # noqa: S704 - all escaped
