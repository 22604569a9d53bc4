"""Step 2 of rendering (docs/rendering.md): reduce the notebook to what the renderer may look at.

nbconvert renders whatever it finds: widget state and ``application/javascript`` become
``<script>``, ``text/vnd.mermaid`` becomes script-driven markup, ``image/svg+xml`` carries its own
scripts, a string ``width`` in output metadata is pasted into a tag unquoted, ``filenames``
metadata becomes an ``<img src>`` pointing at the server. Rather than trust each template path,
the notebook handed to nbconvert is rebuilt from an allowlist: anything not listed here does not
exist as far as rendering is concerned. The sanitizer after the export is still the boundary;
this step is what keeps that boundary from having to repair broken output, and keeps fidelity
(a PNG fallback is shown instead of an empty, script-only HTML output).

The input may be unvalidated (``render_fragment`` accepts a NotebookNode), so every field is
type-checked here and anything unexpected is dropped rather than trusted.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from typing import Any, TypeGuard

import nbformat
from pygments.lexers import find_lexer_class_by_name
from pygments.util import ClassNotFound

__all__ = ["IMAGE_MIME_TYPES", "OUTPUT_MIME_TYPES", "prefilter"]

# In nbconvert's display priority order; nothing else is ever rendered.
OUTPUT_MIME_TYPES: tuple[str, ...] = (
    "text/html",
    "text/markdown",
    "text/latex",
    "image/png",
    "image/jpeg",
    "image/gif",
    "text/plain",
)
IMAGE_MIME_TYPES: frozenset[str] = frozenset({"image/png", "image/jpeg", "image/gif"})
_TEXT_MIME_TYPES = frozenset(OUTPUT_MIME_TYPES) - IMAGE_MIME_TYPES
_ATTACHMENT_PREFERENCE = ("image/png", "image/jpeg", "image/gif")
_LARGEST_IMAGE_SIDE = 20_000  # pixels; beyond this a size is nonsense, not a layout wish
_SCRIPT_TAG = re.compile(r"<\s*script", re.IGNORECASE)
_NOT_BASE64 = re.compile(r"\s+")
_FALLBACK_LEXER = "text"
# nbconvert resolves these two itself (IPython's lexers); pygments does not know the names.
_IPYTHON_LEXERS = frozenset({"ipython2", "ipython3"})


def prefilter(nb: Mapping[str, Any]) -> nbformat.NotebookNode:
    """Return a new v4 notebook holding only what rendering needs; ``nb`` is not modified.

    Cell count and order are preserved exactly: cell N here is cell N in the upload, so the
    ``cell-N`` anchors that review comments point at stay right.
    """
    metadata = nb.get("metadata")
    cells = nb.get("cells")
    lexer = _lexer_name(metadata)
    kept = [_cell(cell) for cell in cells] if isinstance(cells, list) else []
    for number, cell in enumerate(kept, start=1):
        # The result is a schema-valid 4.5 notebook, so it needs ids; the author's are not
        # needed (anchors are numbers), so every cell gets a plain, valid one.
        cell["id"] = f"c{number}"
    filtered: dict[str, Any] = {
        "nbformat": 4,
        "nbformat_minor": 5,
        # Only the highlighter's language: no widgets, no kernelspec, no title, no extensions.
        "metadata": {"language_info": {"name": lexer, "pygments_lexer": lexer}},
        "cells": kept,
    }
    node: nbformat.NotebookNode = nbformat.from_dict(filtered)
    return node


def _lexer_name(metadata: object) -> str:
    """A lexer pygments knows (it names the code blocks' CSS class too), or plain text."""
    if not isinstance(metadata, Mapping):
        return _FALLBACK_LEXER
    info = metadata.get("language_info")
    kernelspec = metadata.get("kernelspec")
    candidates = []
    if isinstance(info, Mapping):
        candidates += [info.get("pygments_lexer"), info.get("name")]
    if isinstance(kernelspec, Mapping):
        # Notebooks that were never run have no language_info, only the kernel's language.
        candidates.append(kernelspec.get("language"))
    for candidate in candidates:
        if not isinstance(candidate, str) or not candidate or len(candidate) > 50:
            continue
        if candidate in _IPYTHON_LEXERS:
            return candidate
        try:
            find_lexer_class_by_name(candidate)
        except ClassNotFound:
            continue
        return candidate
    return _FALLBACK_LEXER


def _cell(cell: object) -> dict[str, Any]:
    if not isinstance(cell, Mapping):
        # Keep the slot so that numbering stays aligned with the upload.
        return {"cell_type": "raw", "metadata": {}, "source": ""}
    cell_type = cell.get("cell_type")
    source = _text(cell.get("source"))
    if cell_type == "code":
        outputs = cell.get("outputs")
        return {
            "cell_type": "code",
            "metadata": {},
            "source": source,
            "execution_count": _count(cell.get("execution_count")),
            "outputs": _coalesce_streams(
                [
                    kept
                    for output in (outputs if isinstance(outputs, list) else [])
                    if (kept := _output(output)) is not None
                ]
            ),
        }
    if cell_type == "markdown":
        return {
            "cell_type": "markdown",
            "metadata": {},
            "source": source,
            "attachments": _attachments(cell.get("attachments")),
        }
    if cell_type == "raw":
        raw_mimetype = (
            cell.get("metadata", {}).get("raw_mimetype")
            if isinstance(cell.get("metadata"), Mapping)
            else None
        )
        # raw_mimetype decides whether nbconvert shows a raw cell at all; keep it, as text.
        metadata = {"raw_mimetype": raw_mimetype} if isinstance(raw_mimetype, str) else {}
        return {"cell_type": "raw", "metadata": metadata, "source": source}
    # A cell type from a newer nbformat (4.5 knows no others, and nbconvert's template would
    # print its name unescaped): its slot is kept, with a note instead of content.
    return {
        "cell_type": "markdown",
        "metadata": {},
        "source": "*(A cell of a type this viewer does not show.)*",
        "attachments": {},
    }


def _output(output: object) -> dict[str, Any] | None:
    if not isinstance(output, Mapping):
        return None
    output_type = output.get("output_type")
    if output_type == "stream":
        name = output.get("name")
        return {
            "output_type": "stream",
            "name": name if name in ("stdout", "stderr") else "stdout",
            "text": _text(output.get("text")),
        }
    if output_type == "error":
        traceback = output.get("traceback")
        return {
            "output_type": "error",
            "ename": _text(output.get("ename")),
            "evalue": _text(output.get("evalue")),
            "traceback": [line for line in traceback if isinstance(line, str)]
            if isinstance(traceback, list)
            else [],
        }
    if output_type in ("execute_result", "display_data"):
        data, metadata = _mime_bundle(output.get("data"), output.get("metadata"))
        if not data:
            return None  # nothing we are willing to show: no empty output box either
        kept: dict[str, Any] = {"output_type": output_type, "data": data, "metadata": metadata}
        if output_type == "execute_result":
            kept["execution_count"] = _count(output.get("execution_count"))
        return kept
    return None


def _coalesce_streams(outputs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    r"""Merge consecutive stream outputs of the same name and apply carriage returns.

    What Jupyter shows, and what nbconvert's CoalesceStreamsPreprocessor does, but linear: that
    preprocessor appends with ``+=`` per output (quadratic in the number of outputs) and resolves
    ``\r`` with ``.*\r(?=[^\n])``, which backtracks quadratically on a long line.
    """
    merged: list[dict[str, Any]] = []
    pieces: list[str] = []
    for output in outputs:
        previous = merged[-1] if merged else None
        if (
            previous is not None
            and output["output_type"] == "stream"
            and previous["output_type"] == "stream"
            and previous["name"] == output["name"]
        ):
            pieces.append(output["text"])
            continue
        if previous is not None and previous["output_type"] == "stream":
            previous["text"] = _carriage_returns("".join(pieces))
        merged.append(output)
        pieces = [output["text"]] if output["output_type"] == "stream" else []
    if merged and merged[-1]["output_type"] == "stream":
        merged[-1]["text"] = _carriage_returns("".join(pieces))
    return merged


def _carriage_returns(text: str) -> str:
    # Per line, drop what a later "\r" overwrote (a progress bar's earlier states); a "\r" at
    # the very end of a line, as in "\r\n", overwrites nothing and stays.
    if "\r" not in text:
        return text
    lines = text.split("\n")
    for index, line in enumerate(lines):
        cut = line.rfind("\r", 0, len(line) - 1)
        if cut >= 0:
            lines[index] = line[cut + 1 :]
    return "\n".join(lines)


def _mime_bundle(data: object, metadata: object) -> tuple[dict[str, str], dict[str, Any]]:
    if not isinstance(data, Mapping):
        return {}, {}
    kept: dict[str, str] = {}
    for mime in OUTPUT_MIME_TYPES:
        if mime not in data:
            continue
        if mime in IMAGE_MIME_TYPES:
            image = _base64(data[mime])
            if image is not None:
                kept[mime] = image
        elif isinstance(value := _text_or_none(data[mime]), str):
            kept[mime] = value
    html = kept.get("text/html")
    if html is not None and _SCRIPT_TAG.search(html) and IMAGE_MIME_TYPES & kept.keys():
        # Plotly, Bokeh, Altair: the HTML is a script that draws the real output. Scripts never
        # run here, so it would render (nearly) empty; their static image is what a reader can
        # actually see. Without an image the sanitized HTML stays: whatever static content it
        # has beats a text repr like "<IPython.core.display.HTML object>".
        del kept["text/html"]
    return kept, _image_sizes(metadata, kept)


def _image_sizes(metadata: object, data: Mapping[str, str]) -> dict[str, Any]:
    """Output metadata reduced to integer width/height per image type, nothing else.

    nbconvert reads sizes both per mime type and at the top level; both are honoured, but a
    string ("100%", or a quote that breaks out of the attribute) or a float is dropped.
    """
    if not isinstance(metadata, Mapping):
        return {}
    sizes: dict[str, Any] = {}
    for mime in IMAGE_MIME_TYPES & data.keys():
        specific = metadata.get(mime)
        chosen: dict[str, int] = {}
        for key in ("width", "height"):
            for source in (specific, metadata):
                value = source.get(key) if isinstance(source, Mapping) else None
                if _is_size(value):
                    chosen[key] = value
                    break
        if chosen:
            sizes[mime] = chosen
    return sizes


def _is_size(value: object) -> TypeGuard[int]:
    return (
        isinstance(value, int) and not isinstance(value, bool) and 0 < value <= _LARGEST_IMAGE_SIDE
    )


def _attachments(attachments: object) -> dict[str, dict[str, str]]:
    """Keep, per attachment, one png/jpeg/gif payload that is valid base64; drop the rest.

    A markdown reference to an attachment that is not kept is dropped at render time
    (``exporter._SafeMarkdownRenderer``): only the markdown parser knows which ``attachment:``
    strings are image URLs rather than prose, so rewriting the source here would be guesswork.
    """
    if not isinstance(attachments, Mapping):
        return {}
    kept: dict[str, dict[str, str]] = {}
    for name, bundle in attachments.items():
        if not isinstance(name, str) or not isinstance(bundle, Mapping):
            continue
        for mime in _ATTACHMENT_PREFERENCE:
            if mime in bundle and (payload := _base64(bundle[mime])) is not None:
                kept[name] = {mime: payload}
                break
    return kept


def _base64(value: object) -> str | None:
    """The payload without whitespace if it is non-empty, valid base64, else None."""
    text = _text_or_none(value)
    if not text:
        return None
    compact = _NOT_BASE64.sub("", text)
    try:
        base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        return None
    return compact or None


def _text(value: object) -> str:
    text = _text_or_none(value)
    return text if text is not None else ""


def _text_or_none(value: object) -> str | None:
    # On disk, multiline strings may be lists of lines; validated notebooks are already joined.
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(line, str) for line in value):
        return "".join(value)
    return None


def _count(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
