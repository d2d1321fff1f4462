"""Limit statements: proofs verify, every change of the statement or proof fails, over-limit
forces cannot be proven, and the document holds no per-base value."""

from __future__ import annotations

import base64
import copy
import datetime as dt
import json
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from treatyledger.files import load_catalog, load_rule_set
from treatyledger.model.items import Inventory, Item
from treatyledger.model.parties import Facility
from treatyledger.rules.engine import count
from treatyledger.zk import ristretto as group
from treatyledger.zk.errors import OverLimitError, ZkError
from treatyledger.zk.generators import commit
from treatyledger.zk.limits import CategoryInput, parse_secret, prove_limits, prove_statement
from treatyledger.zk.prover import prove_range
from treatyledger.zk.verifier import (
    Checkpoint,
    LimitProof,
    LimitProofError,
    MalformedLimitProof,
    category_transcript,
    parse_limit_proof,
    parse_opening,
    range_commitments,
    verify_limit_proof,
    verify_opening,
)

from .helpers import seeded_random

AS_OF = dt.date(2018, 2, 5)
CHECKPOINT = Checkpoint("treatyledger.example/US", 42, bytes(range(32)))
WARHEADS = {"BASE-A": 412, "BASE-B": 0, "BASE-C": 779, "BASE-D": 3}
LAUNCHERS = {"BASE-A": 150, "BASE-C": 250}


def make_proof(seed: int = 1, **changes: Any) -> LimitProof:
    arguments: dict[str, Any] = {
        "party": "US",
        "rule_set": "new-start",
        "as_of": AS_OF,
        "by": "facility",
        "bits": 16,
        "checkpoint": CHECKPOINT,
        "categories": [
            CategoryInput("deployed_warheads", 1550, WARHEADS),
            CategoryInput("deployed_and_nondeployed_launchers", 800, LAUNCHERS),
        ],
        "random_bytes": seeded_random(seed),
    }
    arguments.update(changes)
    proof, _ = prove_statement(**arguments)
    return proof


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return make_proof().to_json()


def check(data: dict[str, Any], limits: dict[str, int | None] | None = None) -> None:
    verify_limit_proof(parse_limit_proof(json.loads(json.dumps(data))), limits)


def test_an_honest_document_verifies_against_the_rule_sets_limits(
    document: dict[str, Any],
) -> None:
    rules = load_rule_set("new-start")
    limits = {c: rules.limit_for(c, AS_OF) for c in ("deployed_warheads",
              "deployed_and_nondeployed_launchers")}  # fmt: skip
    check(document, limits)


def test_a_limit_other_than_the_rule_sets_is_refused(document: dict[str, Any]) -> None:
    with pytest.raises(LimitProofError, match="states limit 1550"):
        check(document, {"deployed_warheads": 1500, "deployed_and_nondeployed_launchers": 800})


def _mutations(document: dict[str, Any]) -> list[tuple[str, Any]]:
    """(name, function changing a copy of the document) for every part of the statement."""
    first = document["categories"][0]

    def other_point(hex_point: str) -> str:
        return group.add(bytes.fromhex(hex_point), group.GENERATOR).hex()

    def other_scalar(hex_scalar: str) -> str:
        value = group.decode_scalar(bytes.fromhex(hex_scalar))
        return group.scalar_bytes(value + 1).hex()

    def set_path(path: list[Any], value: Any) -> Any:
        def change(doc: dict[str, Any]) -> None:
            target = doc
            for key in path[:-1]:
                target = target[key]
            target[path[-1]] = value(target[path[-1]]) if callable(value) else value

        return change

    cases: list[tuple[str, Any]] = [
        ("party", set_path(["party"], "RU")),
        ("rule set", set_path(["rule_set"], "sort-us-2002")),
        ("date", set_path(["as_of"], "2018-02-06")),
        ("grouping", set_path(["by"], "system_type")),
        ("bit length", set_path(["bits"], 12)),  # the proof's shape stays that of 16
        ("checkpoint origin", set_path(["checkpoint", "origin"], "treatyledger.example/RU")),
        ("checkpoint size", set_path(["checkpoint", "size"], 43)),
        ("checkpoint root", set_path(["checkpoint", "root"], base64.b64encode(bytes(32)).decode())),
        ("no checkpoint", set_path(["checkpoint"], None)),
        ("category", set_path(["categories", 0, "category"], "deployed_delivery_vehicles")),
        ("limit up", set_path(["categories", 0, "limit"], 1551)),
        ("limit down", set_path(["categories", 0, "limit"], 1549)),
        ("base name", set_path(["categories", 0, "bases", 3, "base"], "BASE-E")),
        ("categories swapped", lambda d: d["categories"].reverse()),
        ("base dropped", lambda d: d["categories"][0]["bases"].pop(1)),
    ]
    for i in range(len(first["bases"])):
        cases.append((f"commitment {i}", set_path(["categories", 0, "bases", i, "commitment"],
                                                 other_point)))  # fmt: skip
    for field in ("A", "S", "T1", "T2"):
        cases.append((f"proof {field}", set_path(["categories", 0, "proof", field], other_point)))
    for field in ("tau_x", "mu", "t_hat", "a", "b"):
        cases.append((f"proof {field}", set_path(["categories", 0, "proof", field], other_scalar)))
    for side in ("L", "R"):
        for i in range(len(first["proof"][side])):
            cases.append((f"proof {side}{i}", set_path(["categories", 0, "proof", side, i],
                                                       other_point)))  # fmt: skip
    cases.append(
        ("second category's proof", set_path(["categories", 1, "proof", "a"], other_scalar))
    )
    return cases


def test_changing_any_part_of_statement_or_proof_makes_it_fail(document: dict[str, Any]) -> None:
    cases = _mutations(document)
    assert len(cases) > 30
    for name, change in cases:
        mutated = copy.deepcopy(document)
        change(mutated)
        assert mutated != document, name
        with pytest.raises(LimitProofError):
            check(mutated)
            pytest.fail(f"changed {name}, still verifies")


def test_a_proof_cannot_be_moved_between_documents() -> None:
    one = make_proof(seed=1).to_json()
    two = make_proof(seed=2).to_json()
    one["categories"][0]["proof"] = two["categories"][0]["proof"]
    with pytest.raises(LimitProofError, match="deployed_warheads"):
        check(one)


def test_an_over_limit_force_is_refused_with_the_category_and_the_excess() -> None:
    with pytest.raises(OverLimitError) as caught:
        make_proof(categories=[CategoryInput("deployed_warheads", 1550, {"A": 1000, "B": 560})])
    assert caught.value.category == "deployed_warheads"
    assert caught.value.excess == 10
    assert "over the limit 1550 by 10" in str(caught.value)


def test_a_forged_proof_for_an_over_limit_total_fails() -> None:
    # The forger commits honestly to bases totalling 1560 > 1550 and proves a slack of 0:
    # the verifier's own slack commitment (1550 G - sum C_i) holds -10, not 0.
    over = {"A": 1000, "B": 560}
    honest = make_proof(categories=[CategoryInput("deployed_warheads", 1560, over)])
    forged = honest.to_json()
    forged["categories"][0]["limit"] = 1550
    statement = parse_limit_proof(forged).statement
    category = statement.categories[0]
    blindings = [11, 22]  # the forger's own, for commitments it makes afresh
    commitments = [commit(1000, 11), commit(560, 22)]
    for entry, c in zip(forged["categories"][0]["bases"], commitments, strict=True):
        entry["commitment"] = c.hex()
    statement = parse_limit_proof(forged).statement
    category = statement.categories[0]
    proof = prove_range(
        [1000, 560, 0, 0],  # claims slack 0, in range
        [*blindings, -sum(blindings), 0],
        range_commitments(category),
        16,
        category_transcript(statement, 0),
        seeded_random(7),
    )
    forged["categories"][0]["proof"] = proof.to_json()
    with pytest.raises(LimitProofError, match="does not verify"):
        check(forged)


@settings(max_examples=10, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from([f"B{i}" for i in range(6)]), st.integers(0, 600), min_size=0, max_size=6
    ),
    st.integers(0, 2000),
)
def test_random_forces_are_proven_exactly_when_within_the_limit(
    values: dict[str, int], limit: int
) -> None:
    arguments: dict[str, Any] = {
        "categories": [CategoryInput("deployed_warheads", limit, values)],
        "seed": limit,
    }
    if sum(values.values()) > limit:
        with pytest.raises(OverLimitError):
            make_proof(**arguments)
        return
    check(make_proof(**arguments).to_json())


def _leaves(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [leaf for v in value.values() for leaf in _leaves(v)]
    if isinstance(value, list):
        return [leaf for v in value for leaf in _leaves(v)]
    return [value]


def test_the_document_holds_no_per_base_value_in_any_encoding() -> None:
    distinctive = {"BASE-A": 4321, "BASE-B": 1234, "BASE-C": 987}
    proof = make_proof(categories=[CategoryInput("deployed_warheads", 7000, distinctive)])
    data = proof.to_json()
    text = json.dumps(data)
    leaves = _leaves(data)
    strings = {leaf for leaf in leaves if isinstance(leaf, str)}
    numbers = {leaf for leaf in leaves if isinstance(leaf, int)}
    assert numbers == {16, 42, 7000}  # bits, checkpoint size, limit: the public statement
    for value in [*distinctive.values(), 7000 - sum(distinctive.values())]:
        assert re.search(rf"\b{value}\b", text) is None, value
        encodings = {str(value), f"{value:x}", f"{value:X}"}
        for size in (2, 4, 8, 32):
            for order in ("big", "little"):
                raw = value.to_bytes(size, order)  # type: ignore[arg-type]
                encodings |= {raw.hex(), base64.b64encode(raw).decode()}
        # the value as a scalar, and its commitment without blinding (v*G)
        encodings |= {group.scalar_bytes(value).hex(), group.mul_base(value).hex()}
        assert not encodings & strings, value
    # only the statement's own fields, commitments and proof elements
    assert set(data) == {"format", "party", "rule_set", "as_of", "by", "bits", "checkpoint",
                         "categories"}  # fmt: skip
    assert set(data["categories"][0]) == {"category", "limit", "bases", "proof"}
    assert all(set(b) == {"base", "commitment"} for b in data["categories"][0]["bases"])


def test_openings_verify_against_the_published_commitments() -> None:
    proof, secret = prove_statement(
        party="US", rule_set="new-start", as_of=AS_OF, by="facility", bits=16,
        checkpoint=None, categories=[CategoryInput("deployed_warheads", 1550, WARHEADS),
                                     CategoryInput("deployed_and_nondeployed_launchers", 800,
                                                   LAUNCHERS)],
        random_bytes=seeded_random(3),
    )  # fmt: skip
    secret = parse_secret(json.loads(json.dumps(secret.to_json())))
    opening = parse_opening(json.loads(json.dumps(secret.open("BASE-A").to_json())))
    assert verify_opening(proof.statement, opening) == {
        "deployed_warheads": 412,
        "deployed_and_nondeployed_launchers": 150,
    }
    only = secret.open("BASE-B", ["deployed_warheads"])
    assert verify_opening(proof.statement, only) == {"deployed_warheads": 0}
    with pytest.raises(ZkError, match="none of the categories"):
        secret.open("BASE-B", ["deployed_and_nondeployed_launchers"])


def test_an_opening_with_another_value_or_blinding_fails() -> None:
    proof, secret = prove_statement(
        party="US", rule_set="new-start", as_of=AS_OF, by="facility", bits=16,
        checkpoint=None, categories=[CategoryInput("deployed_warheads", 1550, WARHEADS)],
        random_bytes=seeded_random(4),
    )  # fmt: skip
    good = secret.open("BASE-C").to_json()
    for field, value in (("value", 778), ("blinding", group.scalar_bytes(5).hex())):
        bad = copy.deepcopy(good)
        bad["categories"][0][field] = value
        with pytest.raises(LimitProofError, match="does not open"):
            verify_opening(proof.statement, parse_opening(bad))
    for field, value in (("party", "RU"), ("as_of", "2018-02-06")):
        bad = copy.deepcopy(good)
        bad[field] = value
        with pytest.raises(LimitProofError, match=f"for {field}"):
            verify_opening(proof.statement, parse_opening(bad))
    bad = copy.deepcopy(good)
    bad["base"] = "BASE-Z"
    with pytest.raises(LimitProofError, match="no base BASE-Z"):
        verify_opening(proof.statement, parse_opening(bad))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(format="other"), "format"),
        (lambda d: d.update(extra=1), "expected the fields"),
        (lambda d: d.update(bits=0), "bits"),
        (lambda d: d.update(bits=65), "bits"),
        (lambda d: d.update(bits=True), "bits"),
        # 32 bits per value: one more round than 16 (12 bits keep the shape: test_bits)
        (lambda d: d.update(bits=32), "expected 8 points"),
        (lambda d: d.update(as_of="2018-2-5"), "as_of"),
        (lambda d: d["categories"][0].update(limit=True), "limit"),
        (lambda d: d["categories"][0].update(limit=70000), "limit"),
        (lambda d: d["categories"][0]["bases"].reverse(), "sorted"),
        (lambda d: d["categories"].append(copy.deepcopy(d["categories"][0])), "twice"),
        (lambda d: d["categories"][0]["proof"]["L"].pop(), "expected 7 points"),
        (lambda d: d["categories"][0]["proof"].update(A="ff" * 32), "canonical ristretto255"),
        (lambda d: d["categories"][0]["proof"].update(a="ff" * 32), "canonical scalar"),
        (lambda d: d["checkpoint"].update(root="AAAA"), "root"),
        (lambda d: d.update(categories=[]), "at least one"),
    ],
)
def test_malformed_documents_are_refused_naming_the_field(
    document: dict[str, Any], change: Any, message: str
) -> None:
    mutated = copy.deepcopy(document)
    change(mutated)
    with pytest.raises(MalformedLimitProof, match=message):
        parse_limit_proof(mutated)


def _facility_inventory() -> Inventory:
    facilities = {
        f: Facility(id=f, party="US", type="icbm_base") for f in ("WARREN", "MALMSTROM", "MINOT")
    }
    items = []
    for facility, missiles, warheads in (("WARREN", 5, 1), ("MALMSTROM", 3, 2), ("MINOT", 0, 0)):
        for i in range(missiles):
            # New START: a deployed missile is one in a deployed launcher (Protocol Part One)
            items.append(Item(uid=f"{facility}-L{i}", party="US", kind="icbm_launcher",
                              system_type="MM III", status="deployed",
                              facility=facility))  # fmt: skip
            items.append(Item(uid=f"{facility}-M{i}", party="US", kind="icbm",
                              system_type="MM III", status="deployed", warheads=warheads,
                              facility=facility, contained_in=f"{facility}-L{i}"))  # fmt: skip
        spare = f"{facility}-SPARE"
        items.append(Item(uid=spare, party="US", kind="icbm", system_type="MM III",
                          status="non_deployed", facility=facility))  # fmt: skip
    return Inventory(items=tuple(items), facilities=facilities)


def test_inventory_proofs_commit_to_the_counting_engines_per_base_amounts() -> None:
    inventory = _facility_inventory()
    rules = load_rule_set("new-start")
    catalog = load_catalog()
    proof, secret = prove_limits(
        inventory=inventory, rule_set=rules, catalog=catalog, party="US",
        categories=["deployed_warheads", "deployed_delivery_vehicles"], as_of=AS_OF,
        random_bytes=seeded_random(5),
    )  # fmt: skip
    verify_limit_proof(proof, {"deployed_warheads": 1550, "deployed_delivery_vehicles": 700})
    totals = count(inventory, rules, catalog, as_of=AS_OF).parties["US"].categories
    by_category = {c.category: {b.base: b.value for b in c.bases} for c in secret.categories}
    assert by_category["deployed_warheads"] == {"MALMSTROM": 6, "MINOT": 0, "WARREN": 5}
    for category, values in by_category.items():
        assert sum(values.values()) == totals[category].total


def test_an_over_limit_inventory_is_refused_with_its_excess() -> None:
    facilities = {"WARREN": Facility(id="WARREN", party="US", type="icbm_base")}
    inventory = Inventory(
        items=(
            Item(
                party="US",
                kind="icbm",
                system_type="MM III",
                status="deployed",
                warheads=2,
                quantity=780,
                facility="WARREN",
            ),
        ),
        facilities=facilities,
    )
    with pytest.raises(OverLimitError, match="total 1560 is over the limit 1550 by 10"):
        prove_limits(
            inventory=inventory, rule_set=load_rule_set("new-start"), catalog=load_catalog(),
            party="US", categories=["deployed_warheads"], as_of=AS_OF,
            random_bytes=seeded_random(6),
        )  # fmt: skip


def test_a_counted_item_without_a_base_is_refused() -> None:
    inventory = Inventory(items=(Item(party="US", kind="icbm", system_type="MM III",
                                      status="deployed", warheads=1, quantity=10),))  # fmt: skip
    with pytest.raises(ZkError, match="has no facility"):
        prove_limits(
            inventory=inventory, rule_set=load_rule_set("new-start"), catalog=load_catalog(),
            party="US", categories=["deployed_warheads"], as_of=AS_OF,
            random_bytes=seeded_random(7),
        )  # fmt: skip
    proof, secret = prove_limits(
        inventory=inventory, rule_set=load_rule_set("new-start"), catalog=load_catalog(),
        party="US", categories=["deployed_warheads"], as_of=AS_OF, by="system_type",
        random_bytes=seeded_random(7),
    )  # fmt: skip
    assert [b.value for b in secret.categories[0].bases] == [10]
    verify_limit_proof(proof)


def test_a_date_without_a_limit_in_force_is_refused() -> None:
    with pytest.raises(ZkError, match="no limit"):
        prove_limits(
            inventory=_facility_inventory(), rule_set=load_rule_set("new-start"),
            catalog=load_catalog(), party="US", categories=["deployed_warheads"],
            as_of=dt.date(2011, 2, 5), random_bytes=seeded_random(8),
        )  # fmt: skip
