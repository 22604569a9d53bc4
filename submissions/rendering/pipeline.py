"""The rendering pipeline of docs/rendering.md: pre-filter, export, sanitize, anchor.

``render_fragment`` does the work in the calling process and has no resource limits of its own:
call it from a worker through ``render_in_subprocess`` (crafted markdown can cost a minute of
CPU), or directly in tests and benchmarks.
"""

from __future__ import annotations

import re
import secrets
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from submissions.intake.notebooks import validate_notebook

from .prefilter import prefilter
from .sanitize import HtmlCleaner

if TYPE_CHECKING:
    from .exporter import SafeHTMLExporter

__all__ = ["RENDERER_VERSION", "render_fragment"]

# Part of the rendering cache key, with the notebook's sha256: bump it whenever the HTML this
# module produces for the same notebook changes (template, allowlist, pre-filter, nbconvert or
# nh3 upgrades that change output), so stale renderings are redone rather than served.
RENDERER_VERSION = "2026.2"

_exporter: SafeHTMLExporter | None = None
# nbconvert exporters keep per-run state in shared objects (preprocessors, the Jinja
# environment); one render at a time per process. Building one costs ~6 ms but its first
# export compiles the templates (~0.5 s), so it is built once and reused.
_export_lock = threading.Lock()


def render_fragment(nb_or_raw: bytes | str | Mapping[str, Any]) -> str:
    """Sanitized HTML for the notebook's body: one ``<div id="cell-N" data-cell="N">`` per cell.

    Raw bytes or text are validated first (``NotebookRejected`` if they are not a notebook we
    accept); a NotebookNode or dict is taken as an already-validated v4 notebook, though the
    pre-filter and the sanitizer do not depend on that for safety.
    """
    if isinstance(nb_or_raw, bytes | bytearray | memoryview):
        nb: Mapping[str, Any] = validate_notebook(bytes(nb_or_raw)).nb
    elif isinstance(nb_or_raw, str):
        nb = validate_notebook(nb_or_raw.encode("utf-8")).nb
    else:
        nb = nb_or_raw
    filtered = prefilter(nb)
    # A name no author can guess: only the wrappers our template writes carry it, so only they
    # become anchors, whatever ids or data attributes the notebook tries to smuggle in.
    anchor_attribute = f"data-anchor-{secrets.token_hex(8)}"
    global _exporter
    with _export_lock:
        if _exporter is None:
            from .exporter import SafeHTMLExporter  # nbconvert is costly: import on first use

            _exporter = SafeHTMLExporter()
        body, _resources = _exporter.from_notebook_node(
            filtered, resources={"certlab_anchor_attribute": anchor_attribute}
        )
    cleaned = HtmlCleaner(anchor_attribute=anchor_attribute).clean(body)
    return _mark_anchors(cleaned, anchor_attribute)


def _mark_anchors(html: str, anchor_attribute: str) -> str:
    # nh3 serializes attributes as name="value" with a single leading space, and the secret name
    # cannot occur in author text, so this replaces exactly the wrappers and nothing else.
    pattern = re.compile(rf' {re.escape(anchor_attribute)}="([0-9]+)"')
    return pattern.sub(r' id="cell-\1" data-cell="\1"', html)
