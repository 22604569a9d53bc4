"""Translation for code that must also run without Django: Django's when it is configured.

Some modules that word messages for people also run where Django is not set up: the rendering
child (``submissions/intake/notebooks.py``, which must never import Django), benchmarks in ``bench/`` and
the nbgrader reference runs (``courses/nbgrader.py``). They take ``gettext``, ``ngettext`` and
``number`` from here: Django's, localized, when Django is already loaded and configured (the web
process, a worker, a command), so a message is translated at raise time into the active
language; the English source and English number formats otherwise, without importing Django.
"""

from __future__ import annotations

import importlib
import json
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from types import ModuleType
from typing import Any


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


# -- messages worded when they are shown -------------------------------------------------------

type Value = str | int | Decimal | Message
_STORED = '{"i18n":'
_MAX_PARTS = 50
_MAX_DEPTH = 4


@dataclass(frozen=True)
class _Phrase:
    msgid: str
    plural: str | None
    values: tuple[tuple[str, Value], ...]


@dataclass(frozen=True)
class Message:
    """What to tell a person, worded only when it is shown, in the reader's language.

    Code that runs outside the reader's request (the grading worker, the publish check) must not
    translate and then store text: the worker speaks English, and a participant who switches
    language must see the new one. It stores a ``Message`` instead: sentences of the catalogue
    (msgid, plural, values) and verbatim text (a test's exception, quoted as it was raised).
    ``dumps()`` gives the JSON text to store, ``Message.loads`` reads it back (a text stored
    before messages were stored this way comes back verbatim), and ``text()`` words it in the
    active language. Build one with ``gettext_lazy``, ``ngettext_lazy`` and ``verbatim``; ``+``
    joins messages into one paragraph. See docs/i18n.md, "Outside a request".
    """

    parts: tuple[_Phrase | str, ...] = ()

    def __add__(self, other: Message) -> Message:
        return Message(self.parts + other.parts)

    def __bool__(self) -> bool:
        return any(part for part in self.parts)

    def __str__(self) -> str:
        return self.text()

    def text(self) -> str:
        """The message in the active language (English where Django is not configured)."""
        return " ".join(text for part in self.parts if (text := _word(part).strip()))

    def map_verbatim(self, change: Callable[[str], str]) -> Message:
        """The message with ``change`` applied to every verbatim text and text value in it."""
        return Message(tuple(_map(part, change) for part in self.parts))

    def to_data(self) -> list[Any]:
        return [_part_data(part) for part in self.parts]

    @classmethod
    def from_data(cls, data: object, *, limit: int = 20_000, depth: int = 0) -> Message:
        """Read ``to_data()``'s form back; ``ValueError`` for anything else.

        Bounded: at most 50 parts and values each, messages nested at most 4 deep, texts cut
        at ``limit`` characters. A plain text is a verbatim message.
        """
        if isinstance(data, str):
            return verbatim(data[:limit])
        if not isinstance(data, list) or len(data) > _MAX_PARTS or depth > _MAX_DEPTH:
            raise ValueError("a message must be a short list of parts")
        return cls(tuple(_read_part(item, limit, depth) for item in data))

    def dumps(self) -> str:
        """The JSON text to store in a text field (``loads`` reads it); "" when empty."""
        if not self:
            return ""
        return json.dumps({"i18n": self.to_data()}, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def loads(cls, stored: object) -> Message:
        """A stored message: ``dumps()``'s text or ``to_data()``'s form (in a JSON field).

        Any other text (stored before messages were stored this way) comes back verbatim.
        """
        if isinstance(stored, str) and stored.startswith(_STORED):
            try:
                return cls.from_data(json.loads(stored)["i18n"])
            except (ValueError, KeyError, TypeError, RecursionError):
                return verbatim(stored)
        try:
            return cls.from_data(stored)
        except ValueError:
            return verbatim(str(stored))


def gettext_lazy(message: str, /, **values: Value | float) -> Message:
    """A sentence of the catalogue with its values, worded when shown.

    Like Django's lazy translation, but it can be stored (the name also lets ``makemessages``
    find the sentence). Text values are inserted verbatim, numbers in the reader's format.
    """
    return Message((_Phrase(message, None, _values(values)),))


def ngettext_lazy(
    singular: str, plural: str, /, n: int | float | Decimal, **values: Value | float
) -> Message:
    """``gettext_lazy`` for a sentence with a count ``n`` (also a value, ``%(n)s``)."""
    return Message((_Phrase(singular, plural, _values({"n": n, **values})),))


def verbatim(text: str) -> Message:
    """Text shown as it is, in every language (an exception's message, a file's name)."""
    return Message((text,) if text else ())


def _values(values: Mapping[str, Value | float]) -> tuple[tuple[str, Value], ...]:
    return tuple(
        (name, Decimal(repr(value)) if isinstance(value, float) else value)
        for name, value in sorted(values.items())
    )


def _show(value: Value) -> str:
    if isinstance(value, Message):
        return value.text()
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return number(value)
    text = format(value, "f")
    text = text.rstrip("0").rstrip(".") if "." in text else text
    return number(float(text), len(text.partition(".")[2]))


def _count(value: Value) -> int:
    """The number that chooses a plural form: 1 only for exactly one."""
    if isinstance(value, int | Decimal):
        return int(value) if value == int(value) else 2
    return 2


def _word(part: _Phrase | str) -> str:
    if isinstance(part, str):
        return part
    values = dict(part.values)
    if part.plural is None:
        template = gettext(part.msgid)
    else:
        template = ngettext(part.msgid, part.plural, _count(values.get("n", 2)))
    if not values:
        return template
    shown = {name: _show(value) for name, value in values.items()}
    # A translation (or stored data) that does not fit its values must not break the page.
    for text in (template, part.msgid):
        try:
            return text % shown
        except (KeyError, ValueError, TypeError):
            continue
    return part.msgid


def _map(part: _Phrase | str, change: Callable[[str], str]) -> _Phrase | str:
    if isinstance(part, str):
        return change(part)

    def value(item: Value) -> Value:
        if isinstance(item, str):
            return change(item)
        return item.map_verbatim(change) if isinstance(item, Message) else item

    return _Phrase(part.msgid, part.plural, tuple((k, value(v)) for k, v in part.values))


def _value_data(value: Value) -> Any:
    if isinstance(value, Message):
        return {"message": value.to_data()}
    if isinstance(value, Decimal):
        return {"decimal": str(value)}
    return value


def _part_data(part: _Phrase | str) -> Any:
    if isinstance(part, str):
        return part
    data: dict[str, Any] = {"msgid": part.msgid}
    if part.plural is not None:
        data["plural"] = part.plural
    if part.values:
        data["values"] = {name: _value_data(value) for name, value in part.values}
    return data


def _read_value(data: object, limit: int, depth: int) -> Value:
    if isinstance(data, str):
        return data[:limit]
    if isinstance(data, int) and not isinstance(data, bool):
        return data
    if isinstance(data, dict) and set(data) == {"decimal"} and isinstance(data["decimal"], str):
        try:
            value = Decimal(data["decimal"][:40])
        except InvalidOperation:
            raise ValueError("not a decimal number") from None
        if value.is_finite():
            return value
    if isinstance(data, dict) and set(data) == {"message"}:
        return Message.from_data(data["message"], limit=limit, depth=depth + 1)
    raise ValueError("a message value must be text, a whole number, a decimal or a message")


def _read_part(data: object, limit: int, depth: int) -> _Phrase | str:
    if isinstance(data, str):
        return data[:limit]
    if not isinstance(data, dict) or not isinstance(data.get("msgid"), str):
        raise ValueError("a message part must be text or a phrase with a msgid")
    plural, values = data.get("plural"), data.get("values", {})
    if plural is not None and not isinstance(plural, str):
        raise ValueError("a phrase's plural must be text")
    if not isinstance(values, dict) or len(values) > _MAX_PARTS:
        raise ValueError("a phrase's values must be a short mapping")
    return _Phrase(
        data["msgid"][:limit],
        plural,
        tuple(sorted((str(k), _read_value(v, limit, depth)) for k, v in values.items())),
    )
