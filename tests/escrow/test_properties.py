"""Hypothesis properties over generated inventories and categories."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from escrow.helpers import counter_random
from treatyledger.escrow.categories import Category
from treatyledger.escrow.commitment import OpenableTree, commit, parse_opening, verify_opening
from treatyledger.escrow.errors import InvalidOpeningError
from treatyledger.escrow.totals import check_openings, prove_total, verify_total
from treatyledger.model.items import Inventory, inventory_of, make_item

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

WARHEAD_STATUSES = ["deployed", "stored", "retired", "dismantled"]
BASES = ["F-E-Warren", "Malmstrom", "Minot", "Kings-Bay"]


@st.composite
def inventories(draw: st.DrawFn) -> Inventory:
    count = draw(st.integers(min_value=1, max_value=40))
    items = []
    for n in range(count):
        fields: dict[str, object] = {
            "party": "US",
            "kind": "warhead",
            "status": draw(st.sampled_from(WARHEAD_STATUSES)),
            "facility": draw(st.sampled_from(BASES)),
        }
        if draw(st.booleans()):
            fields["uid"] = f"W-{n:04d}"
        else:
            fields["quantity"] = draw(st.integers(min_value=0, max_value=500))
        items.append(make_item(fields))
    return inventory_of(items)


CATEGORIES = [
    Category(name="deployed", where={"status": ("deployed",)}),
    Category(name="at-minot", where={"facility": ("Minot",)}),
    Category(name="everything"),
]


@SETTINGS
@given(inventory=inventories(), seed=st.text(max_size=8))
def test_every_opening_of_a_generated_inventory_verifies(inventory: Inventory, seed: str) -> None:
    secret = commit(
        inventory,
        party="US",
        exchange="p",
        categories=CATEGORIES,
        random_bytes=counter_random(seed),
    )
    tree = OpenableTree.from_secret(secret)
    openings = [tree.open(e.key) for e in secret.entries]
    for opening in openings:
        verify_opening(secret.commitment, opening)
    # opening everything accounts for every total exactly
    assert check_openings(secret.commitment, openings) == dict(secret.commitment.totals)


@SETTINGS
@given(inventory=inventories(), category=st.sampled_from([c.name for c in CATEGORIES]))
def test_total_equals_the_inventory_sum_and_its_proof_verifies(
    inventory: Inventory, category: str
) -> None:
    secret = commit(
        inventory,
        party="US",
        exchange="p",
        categories=CATEGORIES,
        random_bytes=counter_random(),
    )
    _, cat = secret.commitment.category(category)
    assert secret.commitment.totals[category] == sum(cat.value_of(i) for i in inventory.items)
    report = verify_total(
        secret.commitment, prove_total(OpenableTree.from_secret(secret), category)
    )
    assert report.complete


@SETTINGS
@given(inventory=inventories(), data=st.data())
def test_flipping_any_character_of_salt_or_proof_breaks_the_opening(
    inventory: Inventory, data: st.DataObject
) -> None:
    secret = commit(
        inventory,
        party="US",
        exchange="p",
        categories=CATEGORIES,
        random_bytes=counter_random(),
    )
    entry = data.draw(st.sampled_from(secret.entries))
    opening = OpenableTree.from_secret(secret).open(entry.key).public()
    fields = ["salt"] + [f"proof{i}" for i in range(len(opening["proof"]))]
    target = data.draw(st.sampled_from(fields))
    text = opening["salt"] if target == "salt" else opening["proof"][int(target[5:])]
    position = data.draw(st.integers(min_value=0, max_value=len(text) - 1))
    flipped = text[:position] + ("1" if text[position] == "0" else "0") + text[position + 1 :]
    if target == "salt":
        opening["salt"] = flipped
    else:
        opening["proof"][int(target[5:])] = flipped
    with pytest.raises(InvalidOpeningError):
        verify_opening(secret.commitment, parse_opening(opening))
