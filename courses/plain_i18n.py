"""Translation for code that must also run without Django: Django's when it is configured.

Some modules that word messages for people also run where Django is not set up: the rendering
child (``submissions/notebooks.py``, which must never import Django), benchmarks in ``bench/`` and
the nbgrader reference runs (``courses/nbgrader.py``). They take ``gettext``, ``ngettext`` and
``number`` from here: Django's, localized, when Django is already loaded and configured (the web
process, a worker, a command), so a message is translated at raise time into the active
language; the English source and English number formats otherwise, without importing Django.
"""

import importlib
import sys
from types import ModuleType


def _django(module: str) -> ModuleType | None:
    conf = sys.modules.get("django.conf")
    if conf is None or not conf.settings.configured:
        return None
    return importlib.import_module(module)


def gettext(message: str) -> str:
    translation = _django("django.utils.translation")
    return message if translation is None else str(translation.gettext(message))


def gettext_noop(message: str) -> str:
    """Marks a message for the catalogue that is translated later, with ``gettext``."""
    return message


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
