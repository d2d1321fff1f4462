"""Proving that a party's totals are within its limits, and opening single bases.

Pure: the inventory, rule set and catalog are values handed in, the random source is a
parameter. ``base_values`` splits a category's count over the party's bases with the counting
engine's own per-row amounts (``rules.explain.explain``), so the committed values add up to
exactly what ``count`` gives. ``prove_limits`` commits to each base's value with a fresh
blinding factor and proves the statement of ``zk.verifier``; a total over its limit cannot be
proven and is refused with the category and the excess. The ``LimitSecret`` (every value and
blinding) stays with the party; ``LimitSecret.open`` reveals one base to inspectors.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from treatyledger.model.catalog import Catalog
from treatyledger.model.items import Inventory, Item
from treatyledger.model.parties import IDENTIFIER_PATTERN
from treatyledger.rules.explain import explain
from treatyledger.rules.schema import ID_PATTERN, RuleSet
from treatyledger.rules.table import InventoryTable
from treatyledger.zk.errors import MalformedSecret, OverLimitError, ZkError
from treatyledger.zk.generators import commit
from treatyledger.zk.prover import prove_range
from treatyledger.zk.ristretto import ORDER, scalar_from_wide
from treatyledger.zk.verifier import (
    BASE_PATTERN,
    GROUPINGS,
    MAX_BASES,
    MAX_BITS,
    MAX_BITS_TOTAL,
    BaseCommitment,
    CategoryOpening,
    CategoryStatement,
    Checkpoint,
    LimitProof,
    LimitStatement,
    Opening,
    category_transcript,
    range_bits,
    range_commitments,
    range_values,
)

SECRET_FORMAT = "treatyledger-zk-secret/v1"
DEFAULT_BITS = 16
RandomBytes = Callable[[int], bytes]


def base_values(
    table: InventoryTable,
    inventory: Inventory,
    rule_set: RuleSet,
    catalog: Catalog,
    category: str,
    party: str,
    by: str = "facility",
) -> dict[str, int]:
    """Each base's share of ``party``'s count in ``category``; every base the party's items
    name appears, with 0 where nothing there counts, so the bases alone say nothing about
    where a category's force is."""
    if by not in GROUPINGS:
        raise ZkError(f"--by must be one of {', '.join(GROUPINGS)}, got {by!r}")
    values: dict[str, int] = {}
    for item in inventory.items:
        key = _base_of(item, by, catalog)
        if item.party == party and key is not None:
            values.setdefault(key, 0)
    for contribution in explain(table, rule_set, catalog, category, party).contributions:
        item = inventory.items[contribution.row_index]
        key = _base_of(item, by, catalog)
        if key is None:
            raise ZkError(
                f"category {category}: {contribution.item_label} counts {contribution.amount} "
                f"but has no {by}; every counted item needs one to be proven by {by}"
            )
        values[key] = values.get(key, 0) + contribution.amount
    return dict(sorted(values.items()))


def _base_of(item: Item, by: str, catalog: Catalog) -> str | None:
    if by == "facility" or item.system_type is None:
        return item.facility if by == "facility" else None
    known = catalog.get(item.system_type)  # an alias counts under its type's id
    return item.system_type if known is None else known.id


def padded_openings(values: Sequence[int], blindings: Sequence[int]) -> tuple[list[int], list[int]]:
    """The openings of ``verifier.padded_commitments``: the values, then zeros."""
    padding = range_values(len(values) - 1) - len(values)
    return [*values, *[0] * padding], [*blindings, *[0] * padding]


@dataclass(frozen=True)
class CategoryInput:
    category: str
    limit: int
    values: Mapping[str, int]  # base -> value


def prove_statement(
    *,
    party: str,
    rule_set: str,
    as_of: dt.date,
    by: str,
    bits: int,
    checkpoint: Checkpoint | None,
    categories: Sequence[CategoryInput],
    random_bytes: RandomBytes,
) -> tuple[LimitProof, LimitSecret]:
    """Commit to every value and prove the limit statement; refuses an over-limit total."""
    if isinstance(bits, bool) or not 1 <= bits <= MAX_BITS:
        raise ZkError(f"the bit length is 1 .. {MAX_BITS}, got {bits!r}")
    for entry in categories:
        total = sum(entry.values.values())
        if total > entry.limit:
            raise OverLimitError(entry.category, total, entry.limit)
        if entry.limit >= 1 << bits:
            raise ZkError(f"category {entry.category}: limit {entry.limit} needs more bits")
        if len(entry.values) > MAX_BASES:
            raise ZkError(f"category {entry.category}: more than {MAX_BASES} bases")
        if range_bits(bits) * range_values(len(entry.values)) > MAX_BITS_TOTAL:
            raise ZkError(f"category {entry.category}: too many bases for {bits} bits")
        for base, value in entry.values.items():
            if not 0 <= value < 1 << bits:
                raise ZkError(f"category {entry.category}, base {base}: {value} needs more bits")
    kept: list[CategorySecret] = []
    statements = []
    for entry in categories:
        bases = sorted(entry.values)
        wide = random_bytes(64 * len(bases))
        blindings = [scalar_from_wide(wide[64 * i : 64 * i + 64]) for i in range(len(bases))]
        kept.append(
            CategorySecret(
                category=entry.category,
                bases=[
                    BaseSecret(base=b, value=entry.values[b], blinding=r)
                    for b, r in zip(bases, blindings, strict=True)
                ],
            )
        )
        commitments = [
            BaseCommitment(b, commit(entry.values[b], r))
            for b, r in zip(bases, blindings, strict=True)
        ]
        statements.append(CategoryStatement(entry.category, entry.limit, tuple(commitments)))
    statement = LimitStatement(
        party, rule_set, as_of, by, bits, checkpoint, categories=tuple(statements)
    )
    proofs = []
    for index, (entry, secret) in enumerate(zip(categories, kept, strict=True)):
        values = [b.value for b in secret.bases]
        blindings = [b.blinding for b in secret.bases]
        values.append(entry.limit - sum(values))
        blindings.append(-sum(blindings) % ORDER)
        values, blindings = padded_openings(values, blindings)
        proofs.append(
            prove_range(
                values,
                blindings,
                range_commitments(statement.categories[index]),
                range_bits(bits),
                category_transcript(statement, index),
                random_bytes,
            )
        )
    limit_secret = LimitSecret(party=party, rule_set=rule_set, as_of=as_of, by=by, categories=kept)
    return LimitProof(statement, tuple(proofs)), limit_secret


def prove_limits(
    *,
    inventory: Inventory,
    rule_set: RuleSet,
    catalog: Catalog,
    party: str,
    categories: Sequence[str],
    as_of: dt.date,
    random_bytes: RandomBytes,
    by: str = "facility",
    bits: int = DEFAULT_BITS,
    checkpoint: Checkpoint | None = None,
) -> tuple[LimitProof, LimitSecret]:
    """Prove ``party``'s totals in ``categories`` within the limits ``rule_set`` has in force
    on ``as_of``. Raises ``OverLimitError`` (with the excess) for a total over its limit."""
    table = InventoryTable.from_inventory(inventory, catalog)
    inputs = []
    for category in categories:
        rule_set.category(category)  # unknown category: RuleSetError naming the known ones
        limit = rule_set.limit_for(category, as_of)
        if limit is None:
            raise ZkError(f"rule set {rule_set.id} has no limit for {category} on {as_of}")
        values = base_values(table, inventory, rule_set, catalog, category, party, by)
        inputs.append(CategoryInput(category, limit, values))
    return prove_statement(
        party=party,
        rule_set=rule_set.id,
        as_of=as_of,
        by=by,
        bits=bits,
        checkpoint=checkpoint,
        categories=inputs,
        random_bytes=random_bytes,
    )


# --- the secret: what the party keeps to open bases later ---------------------------------


class BaseSecret(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    base: str = Field(pattern=BASE_PATTERN)
    value: int = Field(ge=0, lt=1 << 64)
    blinding: int = Field(ge=0, lt=ORDER)


class CategorySecret(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    category: str = Field(pattern=ID_PATTERN)
    bases: list[BaseSecret] = Field(max_length=MAX_BASES)


class LimitSecret(BaseModel):
    """Every committed value and blinding factor of one limit proof. Whoever holds it can
    open any base; keep it private."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    format: Literal["treatyledger-zk-secret/v1"] = "treatyledger-zk-secret/v1"
    party: str = Field(pattern=IDENTIFIER_PATTERN)
    rule_set: str = Field(pattern=ID_PATTERN)
    as_of: dt.date
    by: Literal["facility", "system_type"]
    categories: list[CategorySecret] = Field(max_length=16)

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    def open(self, base: str, categories: Sequence[str] = ()) -> Opening:
        """The opening of ``base`` in ``categories`` (default: every category it is in)."""
        chosen = [c for c in self.categories if not categories or c.category in categories]
        missing = set(categories) - {c.category for c in self.categories}
        if missing:
            raise ZkError(f"the secret has no category {', '.join(sorted(missing))}")
        opened = [
            CategoryOpening(c.category, b.value, b.blinding)
            for c in chosen
            for b in c.bases
            if b.base == base
        ]
        if not opened:
            raise ZkError(f"base {base} is in none of the categories asked for")
        return Opening(self.party, self.rule_set, self.as_of, base, tuple(opened))


def parse_secret(data: Any) -> LimitSecret:
    try:
        return LimitSecret.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top level)"
        raise MalformedSecret(f"secret: {where}: {first['msg']}") from None
