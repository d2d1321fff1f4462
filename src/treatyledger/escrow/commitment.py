"""Salted per-item commitments under one Merkle sum tree, and openings of single items.

Construction (v1):

- context = SHA-256("treatyledger/escrow/context/v1" 0x00 || JCS({format, party, exchange,
  count, categories})): binds every leaf to the commitment's public metadata;
- per item, with a fresh 32-byte salt from the caller's random source:
  digest = SHA-256("treatyledger/escrow/item/v1" 0x00 || context || salt || JCS({key, item}))
  where JCS is RFC 8785 and ``key`` is the item's UID (``#n`` for the n-th row without one);
- leaf data = digest || the item's value in each category (8-byte counters);
- the leaves, ordered by salt (a random order the verifier cannot learn), form the sum tree
  of ``escrow.sumtree``; its root digest, the item count and the category totals are public.

The salt makes each digest hiding (SHA-256 as a random oracle); SHA-256 collision resistance
makes it binding. Opening an item reveals the item, its salt, its index and its inclusion
proof; anyone recomputes the leaf and checks the proof against the public root and totals.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Final, Literal

import rfc8785
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from treatyledger.escrow.categories import Category, category_values
from treatyledger.escrow.errors import EscrowError, InvalidOpeningError, MalformedEscrowDocument
from treatyledger.escrow.sumtree import SumHasher, pack_counters
from treatyledger.model.items import Inventory, Item
from treatyledger.model.parties import IDENTIFIER_PATTERN
from treatyledger.tlog.memory import MemoryLog
from treatyledger.tlog.verifier import ProofError, verify_inclusion

COMMITMENT_FORMAT: Final = "treatyledger-escrow-commitment/v1"
SECRET_FORMAT: Final = "treatyledger-escrow-secret/v1"
OPENING_FORMAT: Final = "treatyledger-escrow-opening/v1"
CONTEXT_DOMAIN = b"treatyledger/escrow/context/v1\x00"
ITEM_DOMAIN = b"treatyledger/escrow/item/v1\x00"
SALT_SIZE = 32
MAX_ITEMS = 5_000_000  # the inventory reader's row limit
MAX_CATEGORIES = 64
MAX_PROOF = 64

RandomBytes = Callable[[int], bytes]
#: A sum-tree node in hex: 32-byte digest plus up to MAX_CATEGORIES 8-byte counters.
ProofNode = Annotated[str, Field(pattern=r"^([0-9a-f]{16}){4,68}$")]
_HEX32 = r"^[0-9a-f]{64}$"
_KEY_PATTERN = r"^(#[1-9][0-9]{0,8}|[A-Za-z0-9][A-Za-z0-9._:\-]{0,127})$"


class Commitment(BaseModel):
    """What a party publishes (in its log): the root, the count and the category totals."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    format: Literal["treatyledger-escrow-commitment/v1"] = COMMITMENT_FORMAT
    party: str = Field(pattern=IDENTIFIER_PATTERN)
    exchange: str = Field(pattern=IDENTIFIER_PATTERN)
    count: int = Field(ge=0, le=MAX_ITEMS)
    categories: tuple[Category, ...] = Field(default=(), max_length=MAX_CATEGORIES)
    totals: Mapping[str, int] = Field(default_factory=dict)
    root: str = Field(pattern=_HEX32)

    @model_validator(mode="after")
    def _totals_match_categories(self) -> Commitment:
        names = [c.name for c in self.categories]
        if len(set(names)) != len(names):
            raise ValueError(f"category names repeat: {names}")
        if sorted(self.totals) != sorted(names):
            raise ValueError(f"totals name {sorted(self.totals)}, categories name {sorted(names)}")
        for name, total in self.totals.items():
            if not 0 <= total < 1 << 63:
                raise ValueError(f"total {name} = {total} is outside 0..2^63-1")
        return self

    @property
    def hasher(self) -> SumHasher:
        return SumHasher(len(self.categories))

    @property
    def root_value(self) -> bytes:
        """The sum-tree root: digest followed by the totals in category order."""
        totals = [self.totals[c.name] for c in self.categories]
        return bytes.fromhex(self.root) + pack_counters(totals)

    @property
    def context(self) -> bytes:
        return commitment_context(self.party, self.exchange, self.count, self.categories)

    def category(self, name: str) -> tuple[int, Category]:
        for position, category in enumerate(self.categories):
            if category.name == name:
                return position, category
        known = ", ".join(c.name for c in self.categories) or "none"
        raise EscrowError(f"commitment has no category {name!r} (categories: {known})")

    def public(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "party": self.party,
            "exchange": self.exchange,
            "count": self.count,
            "categories": [c.public() for c in self.categories],
            "totals": dict(self.totals),
            "root": self.root,
        }

    def entry_bytes(self) -> bytes:
        """RFC 8785 bytes of the public commitment (the log carries these fields, less
        ``party``, as an ``escrow_commitment`` payload, see ``escrow.published``)."""
        return rfc8785.dumps(self.public())


class SecretEntry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    index: int = Field(ge=0)
    key: str = Field(pattern=_KEY_PATTERN)
    salt: str = Field(pattern=_HEX32)
    item: Item


class Secret(BaseModel):
    """The committing party's opening material: every item with its salt and leaf index.
    Whoever holds it can open any item; keep it private."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    format: Literal["treatyledger-escrow-secret/v1"] = SECRET_FORMAT
    commitment: Commitment
    entries: tuple[SecretEntry, ...]

    @model_validator(mode="after")
    def _entries_fill_the_tree(self) -> Secret:
        if [e.index for e in self.entries] != list(range(len(self.entries))):
            raise ValueError("entries must be listed by index 0, 1, 2, ...")
        if len(self.entries) != self.commitment.count:
            raise ValueError(
                f"{len(self.entries)} entries, the commitment counts {self.commitment.count}"
            )
        keys = [e.key for e in self.entries]
        if len(set(keys)) != len(keys):
            raise ValueError("keys repeat")
        return self


class Opening(BaseModel):
    """One item revealed: anyone checks it against the commitment with ``verify_opening``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    format: Literal["treatyledger-escrow-opening/v1"] = OPENING_FORMAT
    party: str = Field(pattern=IDENTIFIER_PATTERN)
    exchange: str = Field(pattern=IDENTIFIER_PATTERN)
    root: str = Field(pattern=_HEX32)
    size: int = Field(ge=1, le=MAX_ITEMS)
    index: int = Field(ge=0)
    key: str = Field(pattern=_KEY_PATTERN)
    item: Item
    salt: str = Field(pattern=_HEX32)
    proof: tuple[ProofNode, ...] = Field(default=(), max_length=MAX_PROOF)

    def public(self) -> dict[str, Any]:
        data = self.model_dump(mode="json", exclude_none=True)
        data["item"] = _item_json(self.item)
        return data


def _item_json(item: Item) -> dict[str, Any]:
    return item.model_dump(mode="json", exclude_none=True)


def _parse(model: type[BaseModel], data: Any, what: str) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top level)"
        raise MalformedEscrowDocument(f"{what}: {where}: {first['msg']}") from None


def parse_commitment(data: Any) -> Commitment:
    result: Commitment = _parse(Commitment, data, "commitment")
    return result


def parse_secret(data: Any) -> Secret:
    result: Secret = _parse(Secret, data, "secret")
    return result


def parse_opening(data: Any) -> Opening:
    result: Opening = _parse(Opening, data, "opening")
    return result


def commitment_context(
    party: str, exchange: str, count: int, categories: Sequence[Category]
) -> bytes:
    public: dict[str, Any] = {
        "format": COMMITMENT_FORMAT,
        "party": party,
        "exchange": exchange,
        "count": count,
        "categories": [c.public() for c in categories],
    }
    return hashlib.sha256(CONTEXT_DOMAIN + rfc8785.dumps(public)).digest()


def item_digest(
    context: bytes, key: str, item: Item, salt: bytes, fields: Mapping[str, Any] | None = None
) -> bytes:
    """The salted commitment to one item (see the module docstring); ``fields`` is the item's
    JSON form when the caller already has it."""
    body = rfc8785.dumps({"key": key, "item": _item_json(item) if fields is None else fields})
    return hashlib.sha256(ITEM_DOMAIN + context + salt + body).digest()


def leaf_data(
    context: bytes, categories: Sequence[Category], key: str, item: Item, salt: bytes
) -> bytes:
    fields = _item_json(item)
    digest = item_digest(context, key, item, salt, fields)
    return digest + pack_counters(category_values(categories, item, fields))


def item_keys(items: Iterable[Item]) -> list[str]:
    """Each item's key: its UID, or ``#n`` for the n-th item (1-based) without one."""
    return [item.uid or f"#{n}" for n, item in enumerate(items, start=1)]


def commit(
    inventory: Inventory,
    *,
    party: str,
    exchange: str,
    categories: Sequence[Category] = (),
    random_bytes: RandomBytes,
) -> Secret:
    """Commit to ``party``'s items in ``inventory``; the public part is ``secret.commitment``.

    ``random_bytes(n)`` must return n bytes from a cryptographically secure source (the CLI
    passes ``secrets.token_bytes``); it supplies every salt.
    """
    for name, value in (("party", party), ("exchange", exchange)):
        if not re.fullmatch(IDENTIFIER_PATTERN, value):
            raise EscrowError(f"{name} {value!r}: expected letters, digits and ._:- (1-128)")
    items = list(inventory.items)
    others = sorted({i.party for i in items} - {party})
    if others:
        raise EscrowError(f"inventory holds items of {', '.join(others)}; expected only {party}")
    if len(items) > MAX_ITEMS:
        raise EscrowError(f"{len(items)} items, at most {MAX_ITEMS}")
    hasher = SumHasher(len(categories))  # checks the number of categories
    context = commitment_context(party, exchange, len(items), categories)
    salted: list[tuple[bytes, str, Item]] = []
    for key, item in zip(item_keys(items), items, strict=True):
        salt = random_bytes(SALT_SIZE)
        if not isinstance(salt, bytes) or len(salt) != SALT_SIZE:
            raise EscrowError(f"random source gave {salt!r:.80}, expected {SALT_SIZE} bytes")
        salted.append((salt, key, item))
    salted.sort(key=lambda entry: entry[0])  # a random order: leaf positions say nothing
    if any(a[0] == b[0] for a, b in itertools.pairwise(salted)):
        raise EscrowError("random source repeated a 32-byte salt; it is not random")
    tree = MemoryLog(hasher, keep_leaves=False)
    tree.append_many(leaf_data(context, categories, key, item, salt) for salt, key, item in salted)
    root = tree.root()
    totals = hasher.sums(root)
    commitment = Commitment(
        party=party,
        exchange=exchange,
        count=len(items),
        categories=tuple(categories),
        totals={c.name: total for c, total in zip(categories, totals, strict=True)},
        root=root[:32].hex(),
    )
    # Built from validated values by construction: skip re-validating 10^5 entries.
    entries = tuple(
        SecretEntry.model_construct(index=i, key=key, salt=salt.hex(), item=item)
        for i, (salt, key, item) in enumerate(salted)
    )
    return Secret.model_construct(commitment=commitment, entries=entries)


@dataclass
class OpenableTree:
    """The committed tree rebuilt from a secret, to open items one at a time."""

    secret: Secret
    tree: MemoryLog
    by_key: dict[str, SecretEntry]

    @classmethod
    def from_secret(cls, secret: Secret) -> OpenableTree:
        c = secret.commitment
        context = c.context
        tree = MemoryLog(c.hasher, keep_leaves=False)
        tree.append_many(
            leaf_data(context, c.categories, e.key, e.item, bytes.fromhex(e.salt))
            for e in secret.entries
        )
        if c.count and tree.root() != c.root_value:
            raise EscrowError("the secret's items do not rebuild the commitment's root")
        return cls(secret, tree, {e.key: e for e in secret.entries})

    def open(self, key: str) -> Opening:
        entry = self.by_key.get(key)
        if entry is None:
            raise EscrowError(f"no committed item with key {key!r}")
        c = self.secret.commitment
        proof = self.tree.inclusion_proof(entry.index)
        return Opening(
            party=c.party,
            exchange=c.exchange,
            root=c.root,
            size=c.count,
            index=entry.index,
            key=entry.key,
            item=entry.item,
            salt=entry.salt,
            proof=tuple(node.hex() for node in proof),
        )

    def keys_counting_in(self, category: str) -> list[str]:
        """Keys of the items with a non-zero value in ``category``."""
        _, cat = self.secret.commitment.category(category)
        return [e.key for e in self.secret.entries if cat.value_of(e.item)]


def verify_opening(commitment: Commitment, opening: Opening) -> Item:
    """Return the opened item, or raise InvalidOpeningError saying why it does not verify."""
    c = commitment
    for name, expected, found in (
        ("party", c.party, opening.party),
        ("exchange", c.exchange, opening.exchange),
        ("root", c.root, opening.root),
        ("size", c.count, opening.size),
    ):
        if expected != found:
            raise InvalidOpeningError(f"{name}: the commitment has {expected}, the opening {found}")
    if opening.item.party != c.party:
        raise InvalidOpeningError(
            f"item {opening.key} belongs to {opening.item.party}, not {c.party}"
        )
    uid = opening.item.uid
    if not (opening.key == uid or (uid is None and opening.key.startswith("#"))):
        raise InvalidOpeningError(f"key {opening.key} opens an item with uid {uid or '(none)'}")
    hasher = c.hasher
    try:
        proof = [bytes.fromhex(node) for node in opening.proof]
        data = leaf_data(
            c.context, c.categories, opening.key, opening.item, bytes.fromhex(opening.salt)
        )
        verify_inclusion(
            hasher, opening.index, opening.size, hasher.hash_leaf(data), proof, c.root_value
        )
    except (ProofError, ValueError) as exc:
        raise InvalidOpeningError(f"item {opening.key} at index {opening.index}: {exc}") from None
    return opening.item


def opening_values(commitment: Commitment, opening: Opening) -> Mapping[str, int]:
    """The opened item's value in each of the commitment's categories."""
    values = category_values(commitment.categories, opening.item)
    return {c.name: v for c, v in zip(commitment.categories, values, strict=True)}
