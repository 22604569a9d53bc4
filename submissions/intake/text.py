"""Words and numbers for the intake refusals, in the reader's language when Django runs.

The notebook checks also run in the rendering child, which must never import Django (see
``submissions/rendering/sandbox.py``). So these helpers (``gettext``, ``ngettext`` and ``number``
from ``courses/plain_i18n.py``) use Django's translations and localized numbers only when Django
is already loaded and configured (the web process, a worker, a command): there a refusal is
translated at raise time into the active language. The child gets the English source and
English number formats, and never pays for importing Django.
"""

from courses.plain_i18n import gettext, ngettext, number

__all__ = ["excess", "exact_size", "file_size", "gettext", "ngettext", "number"]

_KB = 1024
_MB = 1024 * 1024


def _shown(size: int) -> tuple[str, float, int]:
    """The unit ``file_size`` shows ``size`` in, the rounded value, and its decimals."""
    if size < _KB:
        return "bytes", size, 0
    if size < _MB - _KB // 2:  # below what would round to "1,024 KB"
        return "KB", round(size / _KB), 0
    value = round(size / _MB, 1)
    return "MB", value, 0 if value == int(value) else 1


def file_size(size: int) -> str:
    """A size as people read it: ``1 byte``, ``512 bytes``, ``150 KB``, ``3 MB``, ``14.2 MB``
    (a whole number drops its ``.0``: a file just over 3 MB reads ``3 MB``; see ``excess``)."""
    unit, value, decimals = _shown(size)
    if unit == "bytes":
        return exact_size(size)
    if unit == "KB":
        return gettext("%(n)s KB") % {"n": number(value, 0)}
    return gettext("%(n)s MB") % {"n": number(value, decimals)}


def exact_size(size: int) -> str:
    """Every byte counted: ``20,971,521 bytes`` (``20.971.521 Bytes`` in German)."""
    return ngettext("%(n)s byte", "%(n)s bytes", size) % {"n": number(size)}


def excess(size: int, limit: int) -> dict[str, str]:
    """The words for a ``size`` over ``limit``: ``size``, by how much it is ``over``, ``limit``.

    Where rounding would make the size read no larger than the limit ("20 MB" for a file one
    byte over 20 MB), the size is given in exact bytes, so the message never contradicts itself.
    """
    unit, value, _decimals = _shown(size)
    limit_unit, limit_value, _ = _shown(limit)
    precise = unit != limit_unit or value > limit_value
    return {
        "size": file_size(size) if precise else exact_size(size),
        "over": file_size(size - limit),
        "limit": file_size(limit),
    }
