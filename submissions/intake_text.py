"""Words and numbers for the intake refusals, in the reader's language when Django runs.

The notebook checks also run in the rendering child, which must never import Django (see
``submissions/rendering/sandbox.py``). So these helpers use Django's ``gettext``, ``ngettext``
and localized numbers only when Django is already loaded and configured (the web process, a
worker, a command): there a refusal is translated at raise time into the active language. The
child gets the English source and English number formats, and never pays for importing Django.
"""

import importlib
import sys
from types import ModuleType

_MB = 1024 * 1024


def _django(module: str) -> ModuleType | None:
    conf = sys.modules.get("django.conf")
    if conf is None or not conf.settings.configured:
        return None
    return importlib.import_module(module)


def gettext(message: str) -> str:
    translation = _django("django.utils.translation")
    return message if translation is None else str(translation.gettext(message))


def ngettext(singular: str, plural: str, n: int) -> str:
    translation = _django("django.utils.translation")
    if translation is None:
        return singular if n == 1 else plural
    return str(translation.ngettext(singular, plural, n))


def number(value: float, decimals: int | None = None) -> str:
    """``2,001`` / ``14.2`` in English, ``2.001`` / ``14,2`` in German."""
    formats = _django("django.utils.formats")
    if formats is None:
        return f"{value:,.{decimals}f}" if decimals is not None else f"{value:,}"
    if decimals is not None:
        value = round(value, decimals)  # Django's number_format cuts off digits, never rounds
    return str(formats.number_format(value, decimal_pos=decimals, force_grouping=True))


def file_size(size: int) -> str:
    """A size as people read it: ``512 bytes``, ``80 KB``, ``3 MB``, ``14.2 MB``."""
    if size < 1024:
        return ngettext("%(n)s byte", "%(n)s bytes", size) % {"n": number(size)}
    if size < _MB // 10:
        return gettext("%(n)s KB") % {"n": number(size / 1024, 0)}
    value = size / _MB
    return gettext("%(n)s MB") % {"n": number(value, 0 if value == int(value) else 1)}
