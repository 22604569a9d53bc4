"""Words and numbers for the intake refusals, in the reader's language when Django runs.

The notebook checks also run in the rendering child, which must never import Django (see
``submissions/rendering/sandbox.py``). So these helpers (``gettext``, ``ngettext`` and ``number``
from ``courses/plain_i18n.py``) use Django's translations and localized numbers only when Django
is already loaded and configured (the web process, a worker, a command): there a refusal is
translated at raise time into the active language. The child gets the English source and
English number formats, and never pays for importing Django.
"""

from courses.plain_i18n import gettext, ngettext, number

__all__ = ["file_size", "gettext", "ngettext", "number"]

_MB = 1024 * 1024


def file_size(size: int) -> str:
    """A size as people read it: ``512 bytes``, ``80 KB``, ``3 MB``, ``14.2 MB``."""
    if size < 1024:
        return ngettext("%(n)s byte", "%(n)s bytes", size) % {"n": number(size)}
    if size < _MB // 10:
        return gettext("%(n)s KB") % {"n": number(size / 1024, 0)}
    value = size / _MB
    return gettext("%(n)s MB") % {"n": number(value, 0 if value == int(value) else 1)}
