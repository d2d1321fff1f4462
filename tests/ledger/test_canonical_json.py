"""The fast canonical-JSON path must produce exactly the bytes of the RFC 8785 reference."""

from __future__ import annotations

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from treatyledger.ledger.signing import _is_plain_json, jcs

ascii_keys = st.text(alphabet=st.characters(max_codepoint=127), max_size=8)
# any character but lone surrogates: BMP keys take the fast path, the rest the reference
any_keys = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=6)
# the characters where code-point and UTF-16 orders disagree, often side by side
order_edge_keys = st.text(
    alphabet=st.sampled_from(
        [
            "a",
            "\u00e9",
            "\ud7ff",
            "\ue000",
            "\uff61",
            "\uffff",
            "\U00010000",
            "\U0001f600",
            "\U0010ffff",
        ]
    ),
    max_size=4,
)
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


@settings(max_examples=300)
@given(st.dictionaries(any_keys | order_edge_keys, scalars, max_size=6))
def test_keys_of_any_plane_sort_as_rfc8785_sorts_them(value: dict[str, object]) -> None:
    assert jcs(value) == rfc8785.dumps(value)


@settings(max_examples=200)
@given(
    st.recursive(
        scalars,
        lambda inner: (
            st.lists(inner, max_size=3)
            | st.dictionaries(any_keys | order_edge_keys, inner, max_size=4)
        ),
        max_leaves=15,
    )
)
def test_nested_objects_with_any_keys_equal_rfc8785(value: object) -> None:
    assert jcs(value) == rfc8785.dumps(value)


def test_bmp_keys_beyond_ascii_sort_by_code_point_which_is_utf16_order() -> None:
    value = {"\uffff": 1, "\u00e9": 2, "z": 3, "\ue000": 4, "\ud7ff": 5}
    assert jcs(value) == rfc8785.dumps(value)
    assert jcs(value).decode().index("\ud7ff") < jcs(value).decode().index("\ue000")


def test_a_lone_surrogate_key_is_refused_as_the_reference_refuses_it() -> None:
    with pytest.raises(Exception) as ours:
        jcs({"\ud800": 1})
    with pytest.raises(Exception) as reference:
        rfc8785.dumps({"\ud800": 1})
    assert type(ours.value) is type(reference.value)


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


def test_bmp_keys_take_the_fast_path_and_keys_beyond_it_the_reference() -> None:
    assert _is_plain_json({"\u00e9": 1, "\uffff": [{"\ue000": "\U0001f600"}]})
    assert not _is_plain_json({"a": {"\U0001f600": 1}})
