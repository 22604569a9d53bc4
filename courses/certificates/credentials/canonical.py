"""RFC 8785, the JSON Canonicalization Scheme: the bytes a credential's signature covers.

``canonicalize`` writes a JSON value in its one canonical form (sorted member names, no
whitespace, ECMAScript number formatting); ``parse_json`` reads JSON as strictly as I-JSON
(RFC 7493) requires, so that what we verify is exactly what we would have signed.
"""

import json
import math
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any


class CredentialError(ValueError):
    """A document that cannot be canonicalized, decoded or parsed as a credential."""


_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
}
_NEEDS_ESCAPE = re.compile(r'["\\\x00-\x1f]')


def _escape_char(match: re.Match[str]) -> str:
    char = match.group()
    return _ESCAPES.get(char) or f"\\u{ord(char):04x}"


def _jcs_string(value: str) -> str:
    try:
        value.encode("utf-8")  # lone surrogates are not I-JSON (RFC 7493) and cannot be hashed
    except UnicodeEncodeError:
        raise CredentialError("strings must be valid Unicode (no lone surrogates)") from None
    return '"' + _NEEDS_ESCAPE.sub(_escape_char, value) + '"'


def _jcs_number(value: float) -> str:
    """ECMAScript's Number.prototype.toString for a double (RFC 8785 section 3.2.2.3)."""
    if not math.isfinite(value):
        raise CredentialError("NaN and Infinity are not JSON numbers")
    if value == 0:
        return "0"  # also for -0
    sign = "-" if value < 0 else ""
    # repr() gives the shortest digit string that round-trips, which is what ECMAScript picks.
    parts = Decimal(repr(abs(value))).as_tuple()
    assert isinstance(parts.exponent, int)
    all_digits = "".join(map(str, parts.digits))
    digits = all_digits.rstrip("0")
    exponent = parts.exponent + len(all_digits) - len(digits)
    k = len(digits)
    n = k + exponent  # value = 0.<digits> * 10**n
    if k <= n <= 21:
        text = digits + "0" * (n - k)
    elif 0 < n <= 21:
        text = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        text = "0." + "0" * -n + digits
    else:
        e = n - 1
        mantissa = digits if k == 1 else digits[0] + "." + digits[1:]
        text = f"{mantissa}e{'+' if e >= 0 else '-'}{abs(e)}"
    return sign + text


def _utf16_order(key: str) -> bytes:
    # RFC 8785 sorts member names by their UTF-16 code units, not by code points.
    return key.encode("utf-16-be", "surrogatepass")


def _jcs(value: Any, out: list[str]) -> None:
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, str):
        out.append(_jcs_string(value))
    elif isinstance(value, int):
        try:
            out.append(_jcs_number(float(value)))  # JSON numbers are IEEE 754 doubles
        except OverflowError:
            raise CredentialError("number out of range") from None
    elif isinstance(value, float):
        out.append(_jcs_number(value))
    elif isinstance(value, Mapping):
        out.append("{")
        for index, key in enumerate(sorted(value, key=_utf16_order)):
            if not isinstance(key, str):
                raise CredentialError("object keys must be strings")
            if index:
                out.append(",")
            out.append(_jcs_string(key))
            out.append(":")
            _jcs(value[key], out)
        out.append("}")
    elif isinstance(value, list | tuple):
        out.append("[")
        for index, item in enumerate(value):
            if index:
                out.append(",")
            _jcs(item, out)
        out.append("]")
    else:
        raise CredentialError(f"cannot canonicalize a {type(value).__name__}")


def canonicalize(value: Any) -> bytes:
    """The RFC 8785 canonical UTF-8 bytes of a JSON value (sorted keys, no whitespace)."""
    out: list[str] = []
    _jcs(value, out)
    return "".join(out).encode("utf-8")


def parse_json(data: bytes | str) -> Any:
    """Parse JSON strictly: no duplicate member names, no NaN/Infinity (I-JSON, RFC 7493)."""

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, item in items:
            if key in result:
                raise CredentialError(f"duplicate member name {key!r}")
            result[key] = item
        return result

    def constant(name: str) -> Any:
        raise CredentialError(f"{name} is not a JSON number")

    try:
        return json.loads(data, object_pairs_hook=pairs, parse_constant=constant)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError and UnicodeDecodeError
        if isinstance(exc, CredentialError):
            raise
        raise CredentialError(f"not valid JSON: {exc}") from None
