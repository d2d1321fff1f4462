"""The group layer against RFC 9496 and RFC 9380 vectors, and the group laws on libsodium."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from treatyledger.zk import ristretto as group
from treatyledger.zk.ristretto import GENERATOR, IDENTITY, ORDER, GroupError

VECTORS = Path(__file__).parents[1] / "fixtures" / "zk"
RFC9496 = json.loads((VECTORS / "rfc9496_ristretto255.json").read_text())
XMD = json.loads((VECTORS / "rfc9380_expand_message_xmd_sha512.json").read_text())
BAD = [(reason, e) for reason, encodings in RFC9496["bad_encodings"].items() for e in encodings]
scalars = st.integers(min_value=0, max_value=ORDER - 1)


@pytest.mark.parametrize("multiple", range(16))
def test_multiples_of_the_generator_match_rfc9496_a1(multiple: int) -> None:
    expected = bytes.fromhex(RFC9496["multiples_of_generator"][multiple])
    assert group.mul_base(multiple) == expected
    assert group.mul(multiple, GENERATOR) == expected
    assert group.decode_point(expected) == expected


def test_repeated_addition_walks_the_rfc9496_multiples() -> None:
    point = IDENTITY
    for encoding in RFC9496["multiples_of_generator"]:
        assert point.hex() == encoding
        point = group.add(point, GENERATOR)


def test_the_generator_is_rfc9496s() -> None:
    assert GENERATOR.hex() == RFC9496["multiples_of_generator"][1]


@pytest.mark.parametrize(("reason", "encoding"), BAD, ids=[f"{r}-{e[:8]}" for r, e in BAD])
def test_bad_encodings_of_rfc9496_a2_are_refused(reason: str, encoding: str) -> None:
    with pytest.raises(GroupError, match="not a canonical ristretto255 encoding"):
        group.decode_point(bytes.fromhex(encoding))


@pytest.mark.parametrize("vector", RFC9496["element_derivation"], ids=lambda v: v["output"][:8])
def test_element_derivation_matches_rfc9496_a3(vector: dict[str, str]) -> None:
    uniform = hashlib.sha512(vector["label"].encode()).digest()
    assert uniform.hex() == vector["input"]
    assert group.from_uniform_bytes(uniform).hex() == vector["output"]


def test_the_rfc9496_inputs_that_derive_one_element_do() -> None:
    same = RFC9496["element_derivation_same_output"]
    for encoding in same["inputs"]:
        assert group.from_uniform_bytes(bytes.fromhex(encoding)).hex() == same["output"]


@pytest.mark.parametrize(
    "vector", XMD["vectors"], ids=lambda v: f"{v['msg']!r}-{v['len_in_bytes']}"
)
def test_expand_message_xmd_matches_rfc9380_k3(vector: dict[str, object]) -> None:
    out = group.expand_message_xmd(
        str(vector["msg"]).encode(), XMD["dst"].encode(), int(str(vector["len_in_bytes"]))
    )
    assert out.hex() == vector["uniform_bytes"]


def test_hash_to_group_is_expand_then_derive_and_separates_domains() -> None:
    dst = b"TEST-DST"
    expected = group.from_uniform_bytes(group.expand_message_xmd(b"m", dst, 64))
    assert group.hash_to_group(b"m", dst) == expected
    assert group.hash_to_group(b"m", b"OTHER-DST") != expected
    assert group.hash_to_group(b"n", dst) != expected


def test_expand_message_xmd_refuses_bad_parameters() -> None:
    with pytest.raises(GroupError):
        group.expand_message_xmd(b"", b"", 32)
    with pytest.raises(GroupError):
        group.expand_message_xmd(b"", b"x" * 256, 32)
    with pytest.raises(GroupError):
        group.expand_message_xmd(b"", b"dst", 255 * 64 + 1)


def test_the_identity_is_a_valid_point_and_the_neutral_element() -> None:
    assert group.decode_point(IDENTITY) == IDENTITY
    assert group.add(GENERATOR, IDENTITY) == GENERATOR
    assert group.mul(5, IDENTITY) == IDENTITY


def test_zero_scalars_and_the_group_order_give_the_identity() -> None:
    assert group.mul(0, GENERATOR) == IDENTITY
    assert group.mul_base(0) == IDENTITY
    assert group.mul(ORDER, GENERATOR) == IDENTITY
    assert group.mul(ORDER + 2, GENERATOR).hex() == RFC9496["multiples_of_generator"][2]


def test_scalars_decode_only_below_the_group_order() -> None:
    assert group.decode_scalar(group.scalar_bytes(ORDER - 1)) == ORDER - 1
    with pytest.raises(GroupError, match="not a canonical scalar"):
        group.decode_scalar(ORDER.to_bytes(32, "little"))
    with pytest.raises(GroupError):
        group.decode_scalar(bytes(31))
    with pytest.raises(GroupError):
        group.decode_point(bytes(33))


@settings(max_examples=25, deadline=None)
@given(scalars, scalars)
def test_scalar_multiplication_distributes_over_scalar_addition(a: int, b: int) -> None:
    assert group.add(group.mul_base(a), group.mul_base(b)) == group.mul_base(a + b)
    assert group.sub(group.mul_base(a), group.mul_base(b)) == group.mul_base(a - b)
    assert group.neg(group.mul_base(a)) == group.mul_base(-a)


@settings(max_examples=15, deadline=None)
@given(scalars.filter(bool), scalars)
def test_multiplication_by_a_scalar_is_undone_by_its_inverse(s: int, p: int) -> None:
    point = group.mul_base(p)
    assert group.mul(group.inverse(s), group.mul(s, point)) == point


@settings(max_examples=10, deadline=None)
@given(st.lists(scalars, min_size=0, max_size=300))
def test_multiscalar_is_the_sum_of_the_products_whatever_the_split(values: list[int]) -> None:
    points = [group.mul_base(i + 7) for i in range(len(values))]
    expected = IDENTITY
    for s, point in zip(values, points, strict=True):
        expected = group.add(expected, group.mul(s, point))
    assert group.multiscalar(values, points) == expected
    # the same sum in the exponent: sum s_i (i + 7), times the generator
    assert expected == group.mul_base(sum(s * (i + 7) for i, s in enumerate(values)))
