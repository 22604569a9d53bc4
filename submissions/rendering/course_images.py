"""Images of a rendered notebook that refer to course files (``![](images/fig.png)``).

The sanitizer turns a relative image path into an inert ``course-file:<path>`` reference
(``sanitize.COURSE_FILE_SCHEME``): the stored rendering stays a function of the notebook
alone. When the notebook is served, ``inline_course_images`` replaces each reference with a
``data:`` URI of that course file of the attempt's version, if it is a PNG, JPEG or GIF (by
its bytes, never its name) within ``MAX_IMAGE_BYTES``; any other reference loses its ``src``.
The frame's CSP (``img-src data:``) allows nothing else, so no file of the server and no
remote address is ever requested (docs/rendering.md, "Course images").
"""

import base64
import html
import re
from collections.abc import Callable, Mapping

from courses.course_files import image_type

from .sanitize import COURSE_FILE_SCHEME

MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_TOTAL_BYTES = 20 * 1024 * 1024
_REFERENCE = re.compile(rf'\ssrc="{COURSE_FILE_SCHEME}:([^"]*)"')


def referenced_course_files(fragment: str) -> set[str]:
    """The course-file paths a rendered fragment refers to."""
    return {html.unescape(path) for path in _REFERENCE.findall(fragment)}


def inline_course_images(fragment: str, read: Callable[[set[str]], Mapping[str, bytes]]) -> str:
    """The fragment with its course-file images as ``data:`` URIs; ``read`` answers, for the
    referenced paths, the bytes of those that are course files (at most ``MAX_IMAGE_BYTES``
    each: larger ones are left out by the caller or here)."""
    paths = referenced_course_files(fragment)
    if not paths:
        return fragment
    uris: dict[str, str] = {}
    budget = MAX_TOTAL_BYTES
    for path, data in sorted(read(paths).items()):
        mime = image_type(data[:16])
        if mime is None or len(data) > min(MAX_IMAGE_BYTES, budget):
            continue
        budget -= len(data)
        uris[path] = f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"

    def swap(match: re.Match[str]) -> str:
        uri = uris.get(html.unescape(match[1]))
        return f' src="{uri}"' if uri else ""

    return _REFERENCE.sub(swap, fragment)
