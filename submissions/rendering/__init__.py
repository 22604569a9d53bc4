"""Rendering untrusted notebooks to HTML that is safe to show (docs/rendering.md).

Public surface:

* :func:`prefilter` - step 1, the notebook reduced to what rendering may look at;
* :func:`render_fragment` - steps 1-3 plus cell anchors, in this process, no limits;
* :func:`render_in_subprocess` - the same in a resource-limited child process (what workers use);
* :func:`prestart_renderer` - keep such a child started ahead, warm, for the next render;
* :func:`render_document` - the full HTML document around a fragment, for the sandboxed iframe;
* :data:`RENDERER_VERSION` - with the notebook's sha256, the rendering cache key.

Importing this package is cheap (no nbconvert): the web process only needs ``render_document``
and ``RENDERER_VERSION``.
"""

from .document import render_document
from .pipeline import RENDERER_VERSION, render_fragment
from .prefilter import prefilter
from .sandbox import (
    RenderLimits,
    RenderResult,
    prestart_renderer,
    render_in_subprocess,
    stop_prestarted_renderer,
)

__all__ = [
    "RENDERER_VERSION",
    "RenderLimits",
    "RenderResult",
    "prefilter",
    "prestart_renderer",
    "render_document",
    "render_fragment",
    "render_in_subprocess",
    "stop_prestarted_renderer",
]
