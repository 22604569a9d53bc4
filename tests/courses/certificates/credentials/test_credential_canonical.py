"""RFC 8785 canonical JSON and strict parsing (``credentials.canonical``), against the RFC's
examples."""

import json
import struct

import pytest

from courses.certificates.credentials.canonical import CredentialError, canonicalize, parse_json

# RFC 8785 appendix B: IEEE 754 doubles (as hex) and their canonical form.
NUMBERS = {
    "0000000000000000": "0",
    "8000000000000000": "0",
    "0000000000000001": "5e-324",
    "8000000000000001": "-5e-324",
    "7fefffffffffffff": "1.7976931348623157e+308",
    "ffefffffffffffff": "-1.7976931348623157e+308",
    "4340000000000000": "9007199254740992",
    "c340000000000000": "-9007199254740992",
    "4430000000000000": "295147905179352830000",
    "44b52d02c7e14af5": "9.999999999999997e+22",
    "44b52d02c7e14af6": "1e+23",
    "44b52d02c7e14af7": "1.0000000000000001e+23",
    "444b1ae4d6e2ef4e": "999999999999999700000",
    "444b1ae4d6e2ef4f": "999999999999999900000",
    "444b1ae4d6e2ef50": "1e+21",
    "3eb0c6f7a0b5ed8c": "9.999999999999997e-7",
    "3eb0c6f7a0b5ed8d": "0.000001",
    "41b3de4355555553": "333333333.3333332",
    "41b3de4355555554": "333333333.33333325",
    "41b3de4355555555": "333333333.3333333",
    "41b3de4355555556": "333333333.3333334",
    "41b3de4355555557": "333333333.33333343",
    "becbf647612f3696": "-0.0000033333333333333333",
    "43143ff3c1cb0959": "1424953923781206.2",
}


@pytest.mark.parametrize(("bits", "expected"), NUMBERS.items())
def test_numbers_serialise_as_ecmascript_does(bits: str, expected: str) -> None:
    [value] = struct.unpack(">d", bytes.fromhex(bits))
    assert canonicalize(value) == expected.encode()


def test_the_rfc_8785_example_canonicalises_exactly() -> None:
    source = (
        '{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],'
        ' "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",'
        ' "literals": [null, true, false]}'
    )
    assert (
        canonicalize(parse_json(source))
        == (
            '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],'
            '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}'
        ).encode()
    )


def test_members_sort_by_utf16_code_units_not_code_points() -> None:
    names = ["\u20ac", "\r", "\ufb33", "1", "\U0001f600", "\u0080", "\u00f6"]
    canonical = json.loads(canonicalize({name: name for name in names}))
    # The emoji (a surrogate pair, D83D…) sorts before U+FB33, unlike by code point.
    assert list(canonical) == ["\r", "1", "\u0080", "\u00f6", "\u20ac", "\U0001f600", "\ufb33"]


def test_canonical_json_rejects_what_is_not_i_json() -> None:
    with pytest.raises(CredentialError):
        canonicalize(float("nan"))
    with pytest.raises(CredentialError):
        canonicalize("\ud800")  # a lone surrogate
    with pytest.raises(CredentialError, match="duplicate"):
        parse_json('{"a": 1, "a": 2}')
    with pytest.raises(CredentialError):
        parse_json('{"a": NaN}')
    with pytest.raises(CredentialError):
        parse_json("{not json")
