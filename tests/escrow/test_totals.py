"""Category totals: a total proof opens exactly the counted items, and a committer who
under-counts an item is caught when that item is opened."""

from __future__ import annotations

import pytest

from escrow.helpers import CATEGORIES, DEPLOYED_RVS, small_inventory, small_secret
from treatyledger.escrow.commitment import (
    Commitment,
    OpenableTree,
    Opening,
    commitment_context,
    item_digest,
    item_keys,
    verify_opening,
)
from treatyledger.escrow.errors import EscrowError, InvalidOpeningError
from treatyledger.escrow.sumtree import SumHasher, pack_counters
from treatyledger.escrow.totals import TotalProof, check_openings, prove_total, verify_total
from treatyledger.model.kinds import Status
from treatyledger.tlog.memory import MemoryLog

SECRET = small_secret()
COMMITMENT = SECRET.commitment
TREE = OpenableTree.from_secret(SECRET)


def test_total_proof_opens_the_counted_items_and_verifies() -> None:
    report = verify_total(COMMITMENT, prove_total(TREE, "deployed-rvs"))
    assert report.total == 6 and report.complete
    assert sorted(report.keys) == ["D5-0001", "MM3-0001", "MM3-0002"]


def test_deployed_warheads_at_a_base_total() -> None:
    report = verify_total(COMMITMENT, prove_total(TREE, "deployed-warheads-at-F-E-Warren"))
    assert sorted(report.keys) == ["W87-0001", "W87-0002"] and report.opened_sum == 2


def test_a_total_proof_missing_one_item_fails() -> None:
    proof = prove_total(TREE, "deployed-rvs")
    short = TotalProof(category=proof.category, openings=proof.openings[1:])
    with pytest.raises(InvalidOpeningError, match="sum to"):
        verify_total(COMMITMENT, short)


def test_a_total_proof_opening_a_leaf_twice_fails() -> None:
    proof = prove_total(TREE, "deployed-rvs")
    doubled = TotalProof(category=proof.category, openings=(*proof.openings, proof.openings[0]))
    with pytest.raises(InvalidOpeningError, match="opened twice"):
        verify_total(COMMITMENT, doubled)


def test_extra_openings_of_uncounted_items_do_not_change_the_sum() -> None:
    proof = prove_total(TREE, "deployed-rvs")
    extra = TotalProof(category=proof.category, openings=(*proof.openings, TREE.open("#11")))
    assert verify_total(COMMITMENT, extra).opened_sum == 6


def test_a_total_proof_for_an_unknown_category_is_refused() -> None:
    with pytest.raises(EscrowError, match="no category 'nothing'"):
        verify_total(COMMITMENT, TotalProof(category="nothing"))


def test_a_total_proof_against_a_raised_total_fails() -> None:
    data = COMMITMENT.public()
    data["totals"]["deployed-rvs"] = 7
    with pytest.raises(InvalidOpeningError):
        verify_total(Commitment.model_validate(data), prove_total(TREE, "deployed-rvs"))


def _cheating_commitment(undercounted: str) -> tuple[Commitment, dict[str, Opening]]:
    """A committer that commits ``undercounted`` with value 0 in every category."""
    items = list(small_inventory().items)
    keys = item_keys(items)
    hasher = SumHasher(len(CATEGORIES))
    context = commitment_context("US", "cheat", len(items), CATEGORIES)
    salts = [bytes([n]) * 32 for n in range(len(items))]
    leaves = []
    for key, item, salt in zip(keys, items, salts, strict=True):
        values = [0 if key == undercounted else c.value_of(item) for c in CATEGORIES]
        leaves.append(item_digest(context, key, item, salt) + pack_counters(values))
    tree = MemoryLog(hasher)
    tree.append_many(leaves)
    root = tree.root()
    commitment = Commitment(
        party="US",
        exchange="cheat",
        count=len(items),
        categories=CATEGORIES,
        totals={c.name: s for c, s in zip(CATEGORIES, hasher.sums(root), strict=True)},
        root=root[:32].hex(),
    )
    openings = {
        key: Opening(
            party="US",
            exchange="cheat",
            root=commitment.root,
            size=len(items),
            index=i,
            key=key,
            item=item,
            salt=salt.hex(),
            proof=tuple(h.hex() for h in tree.inclusion_proof(i)),
        )
        for i, (key, item, salt) in enumerate(zip(keys, items, salts, strict=True))
    }
    return commitment, openings


def test_an_undercounted_item_fails_when_opened() -> None:
    commitment, openings = _cheating_commitment("D5-0001")
    assert commitment.totals[DEPLOYED_RVS.name] == 2  # the published total hides 4 RVs
    with pytest.raises(InvalidOpeningError, match="D5-0001"):
        verify_opening(commitment, openings["D5-0001"])


def test_the_honest_items_of_a_cheating_commitment_still_verify() -> None:
    commitment, openings = _cheating_commitment("D5-0001")
    verify_opening(commitment, openings["MM3-0001"])


def test_the_cheater_cannot_prove_the_true_total() -> None:
    commitment, openings = _cheating_commitment("D5-0001")
    counted = TotalProof(
        category=DEPLOYED_RVS.name,
        openings=(openings["MM3-0001"], openings["MM3-0002"], openings["D5-0001"]),
    )
    with pytest.raises(InvalidOpeningError):
        verify_total(commitment, counted)


def test_check_openings_reports_a_key_committed_twice() -> None:
    items = list(small_inventory().items)
    hasher = SumHasher(0)
    context = commitment_context("US", "twice", 2, ())
    first, second = items[0], items[0].model_copy(update={"status": Status.NON_DEPLOYED})
    salts = [b"\x01" * 32, b"\x02" * 32]
    leaves = [
        item_digest(context, "MM3-0001", it, s)
        for it, s in zip((first, second), salts, strict=True)
    ]
    tree = MemoryLog(hasher)
    tree.append_many(leaves)
    commitment = Commitment(party="US", exchange="twice", count=2, root=tree.root().hex())
    openings = [
        Opening(
            party="US",
            exchange="twice",
            root=commitment.root,
            size=2,
            index=i,
            key="MM3-0001",
            item=it,
            salt=s.hex(),
            proof=tuple(h.hex() for h in tree.inclusion_proof(i)),
        )
        for i, (it, s) in enumerate(zip((first, second), salts, strict=True))
    ]
    with pytest.raises(InvalidOpeningError, match="committed twice"):
        check_openings(commitment, openings)
