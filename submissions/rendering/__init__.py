"""Rendering untrusted notebooks to HTML that is safe to show (docs/rendering.md).

Public surface:

* :func:`prefilter` - step 1, the notebook reduced to what rendering may look at;
* :func:`render_fragment` - steps 1-3 plus cell anchors, in this process, no limits;
* :func:`render_in_subprocess` - the same in a resource-limited child process (what workers use);
* :func:`render_document` - the full HTML document around a fragment, for the sandboxed iframe;
* :data:`RENDERER_VERSION` - with the notebook's sha256, the rendering cache key.

Importing this package is cheap (no nbconvert): the web process only needs ``render_document``
and ``RENDERER_VERSION``.
"""

from .document import render_document
from .pipeline import RENDERER_VERSION, render_fragment
from .prefilter import prefilter
from .sandbox import RenderLimits, RenderResult, render_in_subprocess

__all__ = [
    "RENDERER_VERSION",
    "RenderLimits",
    "RenderResult",
    "prefilter",
    "render_document",
    "render_fragment",
    "render_in_subprocess",
]
