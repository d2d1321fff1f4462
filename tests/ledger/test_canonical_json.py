"""The fast canonical-JSON path must produce exactly the bytes of the RFC 8785 reference."""

from __future__ import annotations

import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from treatyledger.ledger.signing import jcs

ascii_keys = st.text(alphabet=st.characters(max_codepoint=127), max_size=8)
scalars = st.none() | st.booleans() | st.integers(-(2**53 - 1), 2**53 - 1) | st.text(max_size=20)
plain_json = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(ascii_keys, inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300)
@given(plain_json)
def test_fast_path_equals_rfc8785_on_plain_json(value: object) -> None:
    assert jcs(value) == rfc8785.dumps(value)


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_floats_take_the_reference_path(number: float) -> None:
    assert jcs({"latitude": number}) == rfc8785.dumps({"latitude": number})


def test_controls_and_non_ascii_strings_are_escaped_as_rfc8785_does() -> None:
    value = {"b": '\u0000\u001f\u007f\b\t\n\f\r"\\é€😀', "a": [1, True, None]}
    assert jcs(value) == rfc8785.dumps(value)


def test_non_ascii_keys_sort_by_utf16_units_via_the_reference() -> None:
    # U+FF61 sorts after U+1F600 by code point but before it by UTF-16 code unit.
    value = {"\uff61": 1, "\U0001f600": 2}
    assert jcs(value) == rfc8785.dumps(value)


def test_integers_beyond_two_to_the_53_are_left_to_the_reference() -> None:
    try:
        expected: bytes | type[Exception] = rfc8785.dumps({"n": 2**60})
    except Exception as exc:  # the reference refuses them; so must we
        expected = type(exc)
    if isinstance(expected, bytes):
        assert jcs({"n": 2**60}) == expected
    else:
        try:
            jcs({"n": 2**60})
        except expected:
            pass
        else:
            raise AssertionError("jcs accepted an integer the reference refuses")
