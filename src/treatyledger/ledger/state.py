"""The lifecycle state machine: validation and application of notifications.

``LedgerState`` holds the items of one or more parties and applies notifications one at a time
in sequence order. Every check runs before any mutation, so a rejected notification
(``NotificationRejected``) changes nothing. The hot path works on the JSON form of a
notification (plain dicts, as decoded from the log) so that replay needs no model construction
per step; ``apply`` takes a parsed ``Notification`` and verifies its signature first.

Rules the machine enforces (rule ids in ``Rule``):

- per party, sequences start at 1 and have no gaps; the same sequence again with the same content
  is an idempotent duplicate, with other content a replay and rejected;
- UIDs are declared once and then exist; an item belongs to the party that declared it;
- status changes follow ``TRANSITIONS``; an eliminated, dismantled or transferred item never
  comes back;
- containment follows ``treatyledger.model.CONTAINER_KINDS``: an item sits in at most one
  container, a launcher holds at most one missile, a vehicle carries at most its system type's
  ``max_warheads``; a missile or launcher is deployed exactly while the missile is in the
  launcher (load and unload change both statuses);
- an item's notifications are in effective-time order: a notification may not take effect
  before one already accepted for any item it touches (this keeps replay as of a date sound);
- a notification issued more than the policy's deadline after its effective time is accepted
  and flagged late; a transfer to a third state is accepted and flagged as a violation where the
  policy forbids it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pydantic import ValidationError

from treatyledger.errors import ModelValidationError, TreatyLedgerError
from treatyledger.ledger.signing import canonical_bytes, content_hash, key_id
from treatyledger.model.catalog import Catalog
from treatyledger.model.items import Inventory, Item, make_item
from treatyledger.model.kinds import CONTAINER_KINDS, ItemKind, Status
from treatyledger.model.notifications import Notification, NotificationKind
from treatyledger.model.parties import Facility


class Rule(StrEnum):
    """Why a notification is rejected (or flagged)."""

    SEQUENCE_GAP = "sequence.gap"
    SEQUENCE_REPLAY = "sequence.replay"
    SIGNATURE_MISSING = "signature.missing"
    SIGNATURE_INVALID = "signature.invalid"
    UNKNOWN_SIGNER = "signature.unknown_signer"
    SCHEMA = "schema.mismatch"
    UID_UNKNOWN = "uid.unknown"
    UID_DUPLICATE = "uid.duplicate"
    UID_FOREIGN = "uid.foreign"
    SYSTEM_TYPE_UNKNOWN = "system_type.unknown"
    ILLEGAL_TRANSITION = "transition.illegal"
    TERMINAL = "transition.terminal"
    CAPACITY = "containment.capacity"
    TWO_PLACES = "containment.two_places"
    CONTAINER_KIND = "containment.kind"
    NOT_IN_CONTAINER = "containment.not_in_container"
    NOT_EMPTY = "containment.not_empty"
    EFFECTIVE_ORDER = "effective_time.order"
    CORRECTION_TARGET = "correction.target"
    CORRECTION_INVALIDATES = "correction.invalidates"
    # flags on accepted notifications
    LATE = "deadline.late"
    THIRD_STATE_TRANSFER = "transfer.third_state"


class NotificationRejected(TreatyLedgerError):
    """A notification was rejected and changed nothing. Names the notification (party,
    sequence), the rule and the offending item."""

    exit_code = 3

    def __init__(
        self,
        message: str,
        *,
        party: str,
        sequence: int,
        rule: Rule,
        item: str | None = None,
    ):
        self.party = party
        self.sequence = sequence
        self.rule = rule
        self.item = item
        self.reason = message
        where = f"notification {party}#{sequence} rejected [{rule}]"
        if item:
            where += f" item {item}"
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class LedgerPolicy:
    """What the ledger needs from a treaty, independent of the rule-set file format.

    ``deadline_days``: notifications issued later than this after their effective time are
    flagged late (None: never late). ``third_state_transfer_forbidden``: a transfer to a party
    outside ``treaty_parties`` is flagged as a violation (an empty ``treaty_parties`` treats
    every other party as a third state). ``require_signatures``: ``apply`` rejects unsigned
    notifications.
    """

    catalog: Catalog
    deadline_days: int | None = 5
    third_state_transfer_forbidden: bool = True
    treaty_parties: frozenset[str] = frozenset()
    require_signatures: bool = True


def policy_from_rule_set(rule_set: Any, catalog: Catalog, **overrides: Any) -> LedgerPolicy:
    """The ledger policy of a ``treatyledger.rules.RuleSet``: its notification deadline and its
    rule on transfers to third states."""
    notifications = getattr(rule_set, "notifications", None)
    transfers = getattr(rule_set, "transfers", None)
    deadline = getattr(notifications, "deadline_days", None)
    forbidden = bool(getattr(transfers, "third_state_forbidden", False))
    fields: dict[str, Any] = {
        "catalog": catalog,
        "deadline_days": deadline,
        "third_state_transfer_forbidden": forbidden,
    }
    fields.update(overrides)
    return LedgerPolicy(**fields)


@dataclass(frozen=True, slots=True)
class Outcome:
    """The result of applying one notification: ``accepted`` (state changed, or a ledger-neutral
    kind recorded) or ``duplicate`` (the same content was already accepted; nothing changed)."""

    party: str
    sequence: int
    status: str  # "accepted" | "duplicate"
    late: bool = False
    flags: tuple[str, ...] = ()
    touched: tuple[str, ...] = ()

    @property
    def ref(self) -> str:
        return f"{self.party}#{self.sequence}"


_DEPLOYED = Status.DEPLOYED.value
_NON_DEPLOYED = Status.NON_DEPLOYED.value
_STORED = Status.STORED.value
_RETIRED = Status.RETIRED.value
_IN_CONVERSION = Status.IN_CONVERSION.value
_CONVERTED = Status.CONVERTED.value
_CONVERTED_NN = Status.CONVERTED_NON_NUCLEAR.value
_ELIMINATED = Status.ELIMINATED.value
_DISMANTLED = Status.DISMANTLED.value
_TRANSFERRED = Status.TRANSFERRED.value
_TERMINAL = frozenset({_ELIMINATED, _DISMANTLED, _TRANSFERRED})

_WARHEAD = ItemKind.WARHEAD.value
_MISSILES = frozenset({ItemKind.ICBM.value, ItemKind.SLBM.value})
_LAUNCHERS = frozenset({ItemKind.ICBM_LAUNCHER.value, ItemKind.SLBM_LAUNCHER.value})
_BOMBER = ItemKind.HEAVY_BOMBER.value
_SUBMARINE = ItemKind.SUBMARINE.value
_CARRIERS = frozenset({*_MISSILES, _BOMBER})  # what carries warheads
_CONTAINER_KINDS = {k.value: frozenset(v.value for v in vs) for k, vs in CONTAINER_KINDS.items()}

_DELIVERY = (*_MISSILES, *_LAUNCHERS, _SUBMARINE)

#: Legal (from, to) status pairs per notification kind and item kind. ``load``/``unload`` move
#: missiles and launchers between deployed and non_deployed as a side effect and are not here.
TRANSITIONS: dict[str, dict[str, frozenset[tuple[str, str]]]] = {
    NotificationKind.STATUS_CHANGE.value: {
        **{
            k: frozenset(
                {
                    (_DEPLOYED, _NON_DEPLOYED),
                    (_NON_DEPLOYED, _DEPLOYED),
                    (_IN_CONVERSION, _NON_DEPLOYED),  # a conversion abandoned
                }
            )
            for k in _DELIVERY
        },
        _BOMBER: frozenset({(_DEPLOYED, _NON_DEPLOYED), (_NON_DEPLOYED, _DEPLOYED)}),
        _WARHEAD: frozenset({(_RETIRED, _STORED)}),  # back from retirement: the hedge
    },
    NotificationKind.RETIRE.value: {_WARHEAD: frozenset({(_STORED, _RETIRED)})},
    NotificationKind.DISMANTLE.value: {_WARHEAD: frozenset({(_RETIRED, _DISMANTLED)})},
    NotificationKind.ELIMINATE.value: {
        **{
            k: frozenset(
                {
                    (_NON_DEPLOYED, _ELIMINATED),
                    (_IN_CONVERSION, _ELIMINATED),
                    (_CONVERTED, _ELIMINATED),
                }
            )
            for k in _DELIVERY
        },
        _BOMBER: frozenset({(_NON_DEPLOYED, _ELIMINATED), (_CONVERTED_NN, _ELIMINATED)}),
    },
    NotificationKind.CONVERT.value: {
        **{
            k: frozenset({(_NON_DEPLOYED, _IN_CONVERSION), (_IN_CONVERSION, _CONVERTED)})
            for k in _DELIVERY
        },
        _BOMBER: frozenset({(_NON_DEPLOYED, _CONVERTED_NN)}),
    },
    NotificationKind.TRANSFER.value: {
        _WARHEAD: frozenset({(_STORED, _TRANSFERRED), (_RETIRED, _TRANSFERRED)})
    },
}

_NEUTRAL = frozenset(
    {
        NotificationKind.DATABASE.value,
        NotificationKind.RANDOMNESS_COMMIT.value,
        NotificationKind.RANDOMNESS_REVEAL.value,
        NotificationKind.ESCROW_COMMITMENT.value,
    }
)


_fromiso = datetime.fromisoformat


def parse_time(text: str) -> datetime:
    """An RFC 3339 time of the JSON form (``...Z``)."""
    return datetime.fromisoformat(text)


class LedgerState:
    """Items, containment and per-party sequence state, built only by applying notifications.

    Public entry points: ``apply`` (a parsed, signed Notification: verifies, validates, applies)
    and ``apply_record`` (the JSON form; ``trusted=True`` skips signature checks, for replaying
    a log whose signatures were verified on acceptance). Both raise NotificationRejected.
    """

    def __init__(
        self,
        policy: LedgerPolicy,
        keys: Mapping[str, Iterable[Ed25519PublicKey]] | None = None,
    ):
        self.policy = policy
        self._keys: dict[str, dict[str, Ed25519PublicKey]] = {}
        for party, party_keys in (keys or {}).items():
            for key in party_keys:
                self.register_key(party, key)
        self._items: dict[str, dict[str, Any]] = {}
        self._contents: dict[str, list[str]] = {}
        self._last_effective: dict[str, datetime] = {}
        self._facilities: dict[str, Facility] = {}
        self._next: dict[str, int] = {}
        #: content hashes known so far (computed lazily for replayed records)
        self._hashes: dict[tuple[str, int], bytes] = {}
        #: accepted records in sequence order per party (as given; corrections not applied)
        self._log: dict[str, list[Mapping[str, Any]]] = {}
        #: corrected versions in effect: (party, sequence) -> (effective_time, payload)
        self._corrected: dict[tuple[str, int], tuple[str, Mapping[str, Any]]] = {}
        self.late: set[tuple[str, int]] = set()
        self.violations: list[tuple[str, int, str, str]] = []  # party, sequence, rule, item
        self._item_cache: dict[str, Item] = {}
        #: corrections were put in place before replay: correction records are bookkeeping only
        self._presubstituted = False
        self._capacity: dict[str, int] = {t.id: t.max_warheads for t in policy.catalog}
        for system_type in policy.catalog:
            for alias in system_type.aliases:
                self._capacity[alias] = system_type.max_warheads
        deadline = policy.deadline_days
        self._deadline = None if deadline is None else timedelta(days=deadline)

    # ------------------------------------------------------------------ keys and queries

    def register_key(self, party: str, key: Ed25519PublicKey) -> str:
        """Accept signatures by ``key`` for ``party``; returns its key id."""
        kid = key_id(key)
        self._keys.setdefault(party, {})[kid] = key
        return kid

    def next_sequence(self, party: str) -> int:
        return self._next.get(party, 1)

    def item(self, uid: str) -> Item | None:
        """The current state of an item (eliminated, dismantled and transferred items stay)."""
        if uid not in self._items:
            return None
        cached = self._item_cache.get(uid)
        if cached is None:
            cached = Item.model_validate(self._items[uid])
            self._item_cache[uid] = cached
        return cached

    def item_fields(self, uid: str) -> dict[str, Any] | None:
        """The JSON form of ``item(uid)`` (``model_dump(mode="json", exclude_none=True)``)
        without building the Item: the state keeps every item as that JSON form less the
        quantity, which is 1 for every item with a uid."""
        record = self._items.get(uid)
        return None if record is None else {**record, "quantity": 1}

    def uids(self) -> list[str]:
        return list(self._items)

    def contents(self, uid: str) -> tuple[str, ...]:
        return tuple(self._contents.get(uid, ()))

    def inventory(self, party: str | None = None) -> Inventory:
        """Every item (of ``party``, if given), for the counting engine."""
        items = []
        for uid, record in self._items.items():
            if party is not None and record["party"] != party:
                continue
            item = self.item(uid)
            assert item is not None
            items.append(item)
        facilities = {
            fid: f for fid, f in self._facilities.items() if party is None or f.party == party
        }
        return Inventory(items=tuple(items), facilities=facilities)

    def log(self, party: str) -> list[Mapping[str, Any]]:
        """The accepted records of ``party`` in sequence order, as given."""
        return list(self._log.get(party, ()))

    def effective_record(self, party: str, sequence: int) -> Mapping[str, Any]:
        """The record at ``sequence`` with any correction in effect applied."""
        record = self._log[party][sequence - 1]
        corrected = self._corrected.get((party, sequence))
        if corrected is None:
            return record
        return {**record, "effective_time": corrected[0], "payload": corrected[1]}

    def snapshot(self) -> dict[str, Any]:
        """A comparable value of the whole item state (for tests and consistency checks)."""
        return {
            "items": {uid: dict(r) for uid, r in self._items.items()},
            "contents": {c: sorted(v) for c, v in self._contents.items() if v},
            "next": dict(self._next),
        }

    # ------------------------------------------------------------------ applying

    def apply(self, notification: Notification, *, digest: bytes | None = None) -> Outcome:
        """Verify the signature, validate and apply one notification; raise
        NotificationRejected (and change nothing) if it is not acceptable."""
        record = notification.to_json_dict()
        self._check_signature(record)
        return self.apply_record(record, trusted=True, digest=digest)

    def apply_record(
        self,
        record: Mapping[str, Any],
        *,
        trusted: bool = False,
        digest: bytes | None = None,
        message: bytes | None = None,
    ) -> Outcome:
        """Apply one notification in JSON form (``Notification.to_json_dict()``: the record must
        match the notification schema, as everything that came out of a Notification does).
        Unless ``trusted``, the signature is checked. ``digest``: the content hash if the caller
        has it (saves canonicalization when the same sequence comes back). ``message``: the
        record's ``canonical_bytes`` if the caller has them (the signature check and the
        duplicate test then canonicalize nothing)."""
        if not trusted:
            self._check_signature(record, message)
        party = record["party"]
        sequence = record["sequence"]
        expected = self._next.get(party, 1)
        if sequence != expected:
            if sequence < expected and sequence >= 1:
                if digest is None and message is not None:
                    digest = hashlib.sha256(message).digest()
                return self._duplicate(record, digest)
            raise NotificationRejected(
                f"expected sequence {expected}, found {sequence}",
                party=party,
                sequence=sequence,
                rule=Rule.SEQUENCE_GAP,
            )
        late, ctx = self._validate_and_mutate(record)
        self._next[party] = sequence + 1
        if digest is not None:
            self._hashes[(party, sequence)] = digest
        self._log.setdefault(party, []).append(record)
        flags: tuple[str, ...] = ()
        touched: tuple[str, ...] = ()
        if ctx is not None:
            flags = tuple(rule for rule, _ in ctx.flags)
            touched = tuple(dict.fromkeys(ctx.touched))
        if late:
            flags = (Rule.LATE.value, *flags)
        return Outcome(party, sequence, "accepted", late, flags, touched)

    def replay_records(self, records: Iterable[Mapping[str, Any]]) -> None:
        """Apply accepted records in sequence order without signature checks (the hot path)."""
        step = self._step
        for record in records:
            step(record)

    def _step(self, record: Mapping[str, Any]) -> None:
        party = record["party"]
        sequence = record["sequence"]
        if sequence != self._next.get(party, 1):
            self.apply_record(record, trusted=True)  # reports the gap or duplicate
            return
        self._validate_and_mutate(record)
        self._next[party] = sequence + 1
        try:
            self._log[party].append(record)
        except KeyError:
            self._log[party] = [record]

    def _duplicate(self, record: Mapping[str, Any], digest: bytes | None) -> Outcome:
        party = record["party"]
        sequence = record["sequence"]
        stored = self._hashes.get((party, sequence))
        if stored is None:
            stored = content_hash(self._log[party][sequence - 1])
            self._hashes[(party, sequence)] = stored
        if (digest or content_hash(record)) != stored:
            raise NotificationRejected(
                f"sequence {sequence} was already accepted with other content",
                party=party,
                sequence=sequence,
                rule=Rule.SEQUENCE_REPLAY,
            )
        return Outcome(party, sequence, "duplicate")

    def _check_signature(self, record: Mapping[str, Any], message: bytes | None = None) -> None:
        party = record["party"]
        sequence = record["sequence"]
        signature = record.get("signature")

        def reject(message: str, rule: Rule) -> NotificationRejected:
            return NotificationRejected(message, party=party, sequence=sequence, rule=rule)

        if signature is None:
            if self.policy.require_signatures:
                raise reject("the notification is not signed", Rule.SIGNATURE_MISSING)
            return
        party_keys = self._keys.get(party, {})
        kid = record.get("signer_key_id")
        if kid is not None:
            candidates = [party_keys[kid]] if kid in party_keys else []
        else:
            candidates = list(party_keys.values())
        if not candidates:
            known = ", ".join(sorted(party_keys)) or "none"
            raise reject(
                f"no registered key of {party} with id {kid} (registered: {known})",
                Rule.UNKNOWN_SIGNER,
            )
        try:
            raw = base64.b64decode(signature, validate=True)
        except (binascii.Error, ValueError):
            raise reject("the signature is not base64", Rule.SIGNATURE_INVALID) from None
        if message is None:
            message = canonical_bytes(record)
        for key in candidates:
            try:
                key.verify(raw, message)
                return
            except InvalidSignature:
                continue
        raise reject(
            "the Ed25519 signature does not verify over the canonical bytes",
            Rule.SIGNATURE_INVALID,
        )

    # ------------------------------------------------------------------ validation

    def _validate_and_mutate(self, record: Mapping[str, Any]) -> tuple[bool, _Context | None]:
        kind = record["kind"]
        party = record["party"]
        sequence = record["sequence"]
        if kind == "correction":
            if self._presubstituted:
                return False, None
            return self._correct(record)
        corrected = self._corrected.get((party, sequence)) if self._corrected else None
        if corrected is None:
            payload = record["payload"]
            effective = _fromiso(record["effective_time"])
        else:
            effective = _fromiso(corrected[0])
            payload = corrected[1]
        handler = _HANDLERS.get(kind)
        if handler is None:
            raise NotificationRejected(
                f"unknown notification kind {kind!r}",
                party=party,
                sequence=sequence,
                rule=Rule.SCHEMA,
            )
        ctx = _Context(self, party, sequence, effective)
        # Every handler checks everything, then returns the mutations to run.
        for mutate in handler(ctx, payload):
            mutate()
        last_effective = self._last_effective
        for uid in ctx.touched:
            last_effective[uid] = effective
        late = False
        deadline = self._deadline
        if deadline is not None and kind not in _NEUTRAL:
            late = _fromiso(record["issued_time"]) - effective > deadline
            if late:
                self.late.add((party, sequence))
        if ctx.flags:
            for rule, item in ctx.flags:
                self.violations.append((party, sequence, rule, item))
        return late, ctx

    def _correct(self, record: Mapping[str, Any]) -> tuple[bool, _Context | None]:
        """Apply a correction: the target's corrected version takes its place in sequence
        order, and the whole log is re-validated with it (a correction that would make any
        accepted notification illegal is rejected)."""
        party = record["party"]
        sequence = record["sequence"]
        target = record["corrects"]["sequence"]
        payload = record["payload"]

        def reject(message: str, rule: Rule, item: str | None = None) -> NotificationRejected:
            return NotificationRejected(
                message, party=party, sequence=sequence, rule=rule, item=item
            )

        if record["corrects"]["party"] != party or not 1 <= target < sequence:
            raise reject(f"cannot correct {record['corrects']}", Rule.CORRECTION_TARGET)
        original = self._log[party][target - 1]
        if original["kind"] != payload["kind"] or original["kind"] in (
            "correction",
            *_NEUTRAL,
        ):
            raise reject(
                f"{party}#{target} is a {original['kind']} notification, the correction "
                f"gives a {payload['kind']}",
                Rule.CORRECTION_TARGET,
            )
        corrected = dict(self._corrected)
        corrected[(party, target)] = (payload["effective_time"], payload["payload"])
        rebuilt = LedgerState(self.policy)
        rebuilt._keys = self._keys
        rebuilt._corrected = corrected
        rebuilt._presubstituted = True
        try:
            for records in self._log.values():
                for r in records:
                    rebuilt._step(r)
        except NotificationRejected as exc:
            raise reject(
                f"with {party}#{target} corrected, {exc.party}#{exc.sequence} would be "
                f"rejected: {exc.reason}",
                Rule.CORRECTION_INVALIDATES,
                exc.item,
            ) from None
        # Accept: take over the rebuilt item state (the log and sequence stay ours).
        self._items = rebuilt._items
        self._contents = rebuilt._contents
        self._last_effective = rebuilt._last_effective
        self._facilities = rebuilt._facilities
        self._corrected = corrected
        self.late = rebuilt.late
        self.violations = rebuilt.violations
        self._item_cache = {}
        touched = mentioned_uids(original["payload"]) | mentioned_uids(payload["payload"])
        ctx = _Context(self, party, sequence, parse_time(record["effective_time"]))
        ctx.touched.extend(sorted(touched))
        return False, ctx


class _Context:
    """Checks shared by the handlers, bound to one notification."""

    __slots__ = ("effective", "flags", "party", "sequence", "state", "touched")

    def __init__(self, state: LedgerState, party: str, sequence: int, effective: datetime):
        self.state = state
        self.party = party
        self.sequence = sequence
        self.effective = effective
        self.touched: list[str] = []
        self.flags: list[tuple[str, str]] = []

    def reject(self, message: str, rule: Rule, item: str | None = None) -> NotificationRejected:
        return NotificationRejected(
            message, party=self.party, sequence=self.sequence, rule=rule, item=item
        )

    def own(self, uid: str) -> dict[str, Any]:
        """The item ``uid`` of this party, touched by this notification."""
        record = self.state._items.get(uid)
        if record is None:
            raise self.reject("no such item has been declared", Rule.UID_UNKNOWN, uid)
        if record["party"] != self.party:
            raise self.reject(
                f"the item belongs to {record['party']}, not {self.party}", Rule.UID_FOREIGN, uid
            )
        last = self.state._last_effective.get(uid)
        if last is not None and self.effective < last:
            raise self.reject(
                f"effective time {self.effective.isoformat()} is before {last.isoformat()}, "
                "when an accepted notification already changed this item",
                Rule.EFFECTIVE_ORDER,
                uid,
            )
        self.touched.append(uid)
        return record

    def alive(self, uid: str) -> dict[str, Any]:
        record = self.own(uid)
        if record["status"] in _TERMINAL:
            raise self.reject(
                f"the item is {record['status']} and can never come back", Rule.TERMINAL, uid
            )
        return record

    def transition(self, kind: str, uid: str, record: dict[str, Any], to_status: str) -> None:
        allowed = TRANSITIONS[kind].get(record["kind"], frozenset())
        if (record["status"], to_status) not in allowed:
            legal = ", ".join(f"{a}->{b}" for a, b in sorted(allowed)) or "none"
            raise self.reject(
                f"{kind} cannot take a {record['kind']} from {record['status']} to "
                f"{to_status} (legal: {legal})",
                Rule.ILLEGAL_TRANSITION,
                uid,
            )

    def empty(self, uid: str, record: dict[str, Any]) -> None:
        inside = self.state._contents.get(uid)
        if inside or record.get("warheads"):
            what = f"items {', '.join(inside)}" if inside else f"{record['warheads']} warheads"
            raise self.reject(f"the item still carries {what}", Rule.NOT_EMPTY, uid)

    def capacity(self, uid: str, record: dict[str, Any]) -> int:
        system_type = record.get("system_type")
        capacity = self.state._capacity.get(system_type) if system_type else None
        if capacity is None:
            raise self.reject(
                f"system type {system_type!r} is not in the catalog",
                Rule.SYSTEM_TYPE_UNKNOWN,
                uid,
            )
        return capacity


_Mutations = list[Any]


def _set(state: LedgerState, uid: str, **changes: Any) -> None:
    record = state._items[uid]
    for key, value in changes.items():
        if value is None:
            record.pop(key, None)
        else:
            record[key] = value
    if state._item_cache:
        state._item_cache.pop(uid, None)


def _put(state: LedgerState, uid: str, key: str, value: Any) -> None:
    """One field of one item (the common case of ``_set``, without keyword packing)."""
    state._items[uid][key] = value
    if state._item_cache:
        state._item_cache.pop(uid, None)


def _descendants(state: LedgerState, uid: str) -> list[str]:
    found: list[str] = []
    stack = list(state._contents.get(uid, ()))
    while stack:
        child = stack.pop()
        found.append(child)
        stack.extend(state._contents.get(child, ()))
    return found


# ---------------------------------------------------------------------- handlers


def _declare(ctx: _Context, payload: Mapping[str, Any]) -> _Mutations:
    state = ctx.state
    new: dict[str, dict[str, Any]] = {}
    contents: dict[str, list[str]] = {}
    items = payload["items"]
    for raw in items:
        uid = raw.get("uid")
        if not uid:
            raise ctx.reject("a declared item needs a uid", Rule.SCHEMA)
        try:
            valid = make_item(raw, label=str(uid))
        except ModelValidationError as exc:
            raise ctx.reject(str(exc), Rule.SCHEMA, uid) from None
        if valid.quantity != 1:
            raise ctx.reject("a declared item has quantity 1", Rule.SCHEMA, uid)
        record = valid.model_dump(mode="json", exclude_none=True, exclude={"quantity"})
        if uid in state._items or uid in new:
            raise ctx.reject("the uid is already declared", Rule.UID_DUPLICATE, uid)
        if record.get("party") != ctx.party:
            raise ctx.reject(
                f"a {ctx.party} notification declares an item of {record.get('party')}",
                Rule.UID_FOREIGN,
                uid,
            )
        if record["status"] in _TERMINAL:
            raise ctx.reject(
                f"an item cannot enter accountability {record['status']}",
                Rule.ILLEGAL_TRANSITION,
                uid,
            )
        kind = record["kind"]
        if kind != _WARHEAD:
            ctx.capacity(uid, record)
        new[uid] = record
    # containment, once every new item is known (a container may be declared in the same list)
    loaded_warheads: dict[str, int] = {}
    for uid, record in new.items():
        container = record.get("contained_in")
        if container is None:
            continue
        holder = new.get(container)
        if holder is None:
            holder = ctx.alive(container)
        if holder["kind"] not in _CONTAINER_KINDS[record["kind"]]:
            raise ctx.reject(
                f"a {record['kind']} cannot sit in a {holder['kind']} ({container})",
                Rule.CONTAINER_KIND,
                uid,
            )
        if record["kind"] in _MISSILES:
            held = [
                m
                for m in (*state._contents.get(container, ()), *contents.get(container, ()))
                if (new.get(m) or state._items[m])["kind"] in _MISSILES
            ]
            if held:
                raise ctx.reject(
                    f"launcher {container} already holds missile {held[0]}", Rule.CAPACITY, uid
                )
        if record["kind"] == _WARHEAD:
            loaded_warheads[container] = loaded_warheads.get(container, 0) + 1
        contents.setdefault(container, []).append(uid)
    # a contained item is where its outermost container is (container kinds are strictly
    # ordered, warhead < missile < launcher < submarine, so the chain has no cycle)
    for uid, record in new.items():
        chain = [record]
        holder_uid = record.get("contained_in")
        while holder_uid is not None:
            holder = new.get(holder_uid) or state._items[holder_uid]
            chain.append(holder)
            holder_uid = holder.get("contained_in")
        places = {r["facility"] for r in chain if r.get("facility") is not None}
        if len(places) > 1:
            raise ctx.reject(
                f"the item and its containers are declared at {', '.join(sorted(places))}",
                Rule.TWO_PLACES,
                uid,
            )
        if places and len(chain) > 1:
            record["facility"] = places.pop()
    for uid, record in new.items():
        if record["kind"] in _CARRIERS:
            warheads = record.get("warheads") or 0
            capacity = ctx.capacity(uid, record)
            if warheads > capacity:
                raise ctx.reject(
                    f"{warheads} warheads on a {record['system_type']}, capacity {capacity}",
                    Rule.CAPACITY,
                    uid,
                )
    for container, count in loaded_warheads.items():
        holder = new.get(container) or state._items[container]
        if container not in new:
            # warhead items added to an existing vehicle raise its count, within capacity
            total = (holder.get("warheads") or 0) + count
            capacity = ctx.capacity(container, holder)
            if total > capacity:
                raise ctx.reject(
                    f"{total} warheads on a {holder['system_type']}, capacity {capacity}",
                    Rule.CAPACITY,
                    container,
                )
        elif (holder.get("warheads") or 0) < count:
            raise ctx.reject(
                f"{count} warhead items declared in it but warheads is "
                f"{holder.get('warheads') or 0} (warheads counts every warhead carried)",
                Rule.CAPACITY,
                container,
            )
    ctx.touched.extend(new)
    try:
        facilities = [Facility.model_validate(f) for f in payload.get("facilities", ())]
    except ValidationError as exc:
        raise ctx.reject(f"a declared facility: {exc.errors()[0]['msg']}", Rule.SCHEMA) from None
    for facility in facilities:
        if facility.party != ctx.party:
            raise ctx.reject(
                f"a {ctx.party} notification declares a facility of {facility.party}",
                Rule.UID_FOREIGN,
                facility.id,
            )

    def mutate() -> None:
        state._items.update(new)
        for container, uids in contents.items():
            state._contents.setdefault(container, []).extend(uids)
            if container not in new:
                _set(
                    state,
                    container,
                    warheads=(state._items[container].get("warheads") or 0)
                    + loaded_warheads.get(container, 0),
                )
        for facility in facilities:
            state._facilities[facility.id] = facility

    return [mutate]


def _move(ctx: _Context, payload: Mapping[str, Any]) -> _Mutations:
    uid = payload["uid"]
    to_facility = payload["to_facility"]
    record = ctx.alive(uid)
    if record.get("contained_in"):
        raise ctx.reject(
            f"the item is in {record['contained_in']}; unload it first or move the container",
            Rule.TWO_PLACES,
            uid,
        )
    state = ctx.state
    moved = [uid, *_descendants(state, uid)] if state._contents.get(uid) else [uid]
    for child in moved[1:]:
        ctx.own(child)

    def mutate() -> None:
        for each in moved:
            _put(state, each, "facility", to_facility)

    return [mutate]


def _load(ctx: _Context, payload: Mapping[str, Any]) -> _Mutations:
    state = ctx.state
    container = payload["container"]
    uids = payload.get("items", ())
    anonymous = payload.get("warheads", 0)
    holder = ctx.alive(container)
    kind = holder["kind"]
    if anonymous and kind not in _CARRIERS:
        raise ctx.reject(f"a {kind} carries no warheads", Rule.CONTAINER_KIND, container)
    if kind in _LAUNCHERS and holder["status"] not in (_DEPLOYED, _NON_DEPLOYED):
        raise ctx.reject(
            f"a launcher {holder['status']} cannot be loaded", Rule.ILLEGAL_TRANSITION, container
        )
    warhead_items = 0
    missiles: list[str] = []
    for uid in uids:
        if uid == container:
            raise ctx.reject("an item cannot contain itself", Rule.CONTAINER_KIND, uid)
        record = ctx.alive(uid)
        if kind not in _CONTAINER_KINDS[record["kind"]]:
            raise ctx.reject(
                f"a {record['kind']} cannot be loaded into a {kind}", Rule.CONTAINER_KIND, uid
            )
        if record.get("contained_in"):
            raise ctx.reject(
                f"the item is already in {record['contained_in']}", Rule.TWO_PLACES, uid
            )
        if record["kind"] == _WARHEAD:
            if record["status"] not in (_STORED, _DEPLOYED):
                raise ctx.reject(
                    f"a {record['status']} warhead cannot be loaded", Rule.ILLEGAL_TRANSITION, uid
                )
            warhead_items += 1
        elif record["kind"] in _MISSILES:
            if record["status"] not in (_DEPLOYED, _NON_DEPLOYED):
                raise ctx.reject(
                    f"a {record['status']} missile cannot be loaded", Rule.ILLEGAL_TRANSITION, uid
                )
            missiles.append(uid)
    if missiles:
        held = [
            m for m in state._contents.get(container, ()) if state._items[m]["kind"] in _MISSILES
        ]
        if held or len(missiles) > 1:
            other = held[0] if held else missiles[1]
            raise ctx.reject(
                f"a launcher holds one missile; it would hold {other} too",
                Rule.CAPACITY,
                container,
            )
    added = anonymous + warhead_items
    total = (holder.get("warheads") or 0) + added
    if added:
        capacity = ctx.capacity(container, holder)
        if total > capacity:
            raise ctx.reject(
                f"{total} warheads on a {holder['system_type']}, capacity {capacity}",
                Rule.CAPACITY,
                container,
            )
    facility = holder.get("facility")

    def mutate() -> None:
        for uid in uids:
            record = state._items[uid]
            changes: dict[str, Any] = {"contained_in": container}
            if facility is not None:
                changes["facility"] = facility
                for child in _descendants(state, uid):
                    _set(state, child, facility=facility)
            if record["kind"] == _WARHEAD or record["kind"] in _MISSILES:
                changes["status"] = _DEPLOYED
            _set(state, uid, **changes)
        state._contents.setdefault(container, []).extend(uids)
        if added:
            _put(state, container, "warheads", total)
        if missiles:
            _put(state, container, "status", _DEPLOYED)

    return [mutate]


def _unload(ctx: _Context, payload: Mapping[str, Any]) -> _Mutations:
    state = ctx.state
    container = payload["container"]
    uids = payload.get("items", ())
    anonymous = payload.get("warheads", 0)
    holder = ctx.alive(container)
    inside = state._contents.get(container, [])
    warhead_items_inside = sum(1 for u in inside if state._items[u]["kind"] == _WARHEAD)
    warhead_items = 0
    missiles = 0
    for uid in uids:
        record = ctx.own(uid)
        if record.get("contained_in") != container:
            raise ctx.reject(f"the item is not in {container}", Rule.NOT_IN_CONTAINER, uid)
        if record["kind"] == _WARHEAD:
            warhead_items += 1
        elif record["kind"] in _MISSILES:
            missiles += 1
            if record.get("warheads") or state._contents.get(uid):
                raise ctx.reject(
                    "a missile leaves its launcher only after its warheads are unloaded",
                    Rule.NOT_EMPTY,
                    uid,
                )
    carried = holder.get("warheads") or 0
    if anonymous > carried - warhead_items_inside:
        raise ctx.reject(
            f"{anonymous} anonymous warheads to unload, {carried - warhead_items_inside} on board",
            Rule.NOT_IN_CONTAINER,
            container,
        )
    removed = anonymous + warhead_items

    def mutate() -> None:
        for uid in uids:
            record = state._items[uid]
            changes: dict[str, Any] = {"contained_in": None}
            if record["kind"] == _WARHEAD:
                changes["status"] = _STORED
            elif record["kind"] in _MISSILES:
                changes["status"] = _NON_DEPLOYED
            _set(state, uid, **changes)
        leaving = set(uids)
        remaining = [u for u in inside if u not in leaving]
        state._contents[container] = remaining
        if removed:
            _put(state, container, "warheads", carried - removed)
        if missiles and holder["status"] == _DEPLOYED:
            _put(state, container, "status", _NON_DEPLOYED)

    return [mutate]


def _status_change(ctx: _Context, payload: Mapping[str, Any]) -> _Mutations:
    uid = payload["uid"]
    to_status = payload["to_status"]
    record = ctx.alive(uid)
    ctx.transition("status_change", uid, record, to_status)
    kind = record["kind"]
    if kind in _MISSILES and to_status == _DEPLOYED and not record.get("contained_in"):
        raise ctx.reject(
            "a missile is deployed only in a launcher (load it)", Rule.ILLEGAL_TRANSITION, uid
        )
    if kind in _MISSILES and to_status == _NON_DEPLOYED and record.get("contained_in"):
        raise ctx.reject(
            f"the missile is in launcher {record['contained_in']} (unload it)",
            Rule.ILLEGAL_TRANSITION,
            uid,
        )
    if kind in _LAUNCHERS:
        holds = any(
            ctx.state._items[m]["kind"] in _MISSILES for m in ctx.state._contents.get(uid, ())
        )
        if (to_status == _DEPLOYED) != holds:
            raise ctx.reject(
                "a launcher is deployed exactly while it holds a missile (load or unload it)",
                Rule.ILLEGAL_TRANSITION,
                uid,
            )
    return [lambda: _put(ctx.state, uid, "status", to_status)]


def _warhead_step(kind: str, to_status: str) -> Callable[[_Context, Mapping[str, Any]], _Mutations]:
    def handler(ctx: _Context, payload: Mapping[str, Any]) -> _Mutations:
        uid = payload["uid"]
        record = ctx.alive(uid)
        ctx.transition(kind, uid, record, to_status)
        if record.get("contained_in"):
            raise ctx.reject(
                f"the warhead is on {record['contained_in']} (unload it)", Rule.TWO_PLACES, uid
            )
        return [lambda: _put(ctx.state, uid, "status", to_status)]

    return handler


def _eliminate(ctx: _Context, payload: Mapping[str, Any]) -> _Mutations:
    uid = payload["uid"]
    record = ctx.alive(uid)
    ctx.transition("eliminate", uid, record, _ELIMINATED)
    ctx.empty(uid, record)
    container = record.get("contained_in")
    state = ctx.state

    def mutate() -> None:
        if container is not None:
            # an eliminated launcher leaves its submarine's tubes
            state._contents[container] = [u for u in state._contents[container] if u != uid]
        _set(state, uid, status=_ELIMINATED, contained_in=None)

    return [mutate]


def _convert(ctx: _Context, payload: Mapping[str, Any]) -> _Mutations:
    uid = payload["uid"]
    to_status = payload["to_status"]
    record = ctx.alive(uid)
    ctx.transition("convert", uid, record, to_status)
    if record["kind"] != _SUBMARINE:
        ctx.empty(uid, record)
    return [lambda: _put(ctx.state, uid, "status", to_status)]


def _transfer(ctx: _Context, payload: Mapping[str, Any]) -> _Mutations:
    uid = payload["uid"]
    to_party = payload["to_party"]
    record = ctx.alive(uid)
    ctx.transition("transfer", uid, record, _TRANSFERRED)
    if to_party == ctx.party:
        raise ctx.reject("a party cannot transfer to itself", Rule.ILLEGAL_TRANSITION, uid)
    if record.get("contained_in"):
        raise ctx.reject(
            f"the warhead is on {record['contained_in']} (unload it)", Rule.TWO_PLACES, uid
        )
    policy = ctx.state.policy
    if policy.third_state_transfer_forbidden and to_party not in policy.treaty_parties:
        ctx.flags.append((Rule.THIRD_STATE_TRANSFER.value, uid))
    return [lambda: _put(ctx.state, uid, "status", _TRANSFERRED)]


def _neutral(ctx: _Context, payload: Mapping[str, Any]) -> _Mutations:
    return []


_HANDLERS = {
    "declare": _declare,
    "move": _move,
    "load": _load,
    "unload": _unload,
    "status_change": _status_change,
    "retire": _warhead_step("retire", _RETIRED),
    "dismantle": _warhead_step("dismantle", _DISMANTLED),
    "eliminate": _eliminate,
    "convert": _convert,
    "transfer": _transfer,
    "database": _neutral,
    "randomness_commit": _neutral,
    "randomness_reveal": _neutral,
    "escrow_commitment": _neutral,
}


def mentioned_uids(payload: Mapping[str, Any]) -> set[str]:
    """The item UIDs a payload names (items, containers, declared items and their containers)."""
    found: set[str] = set()
    for key in ("uid", "container"):
        value = payload.get(key)
        if isinstance(value, str):
            found.add(value)
    for entry in payload.get("items", ()):
        if isinstance(entry, str):
            found.add(entry)
        elif isinstance(entry, Mapping):
            for key in ("uid", "contained_in"):
                value = entry.get(key)
                if isinstance(value, str):
                    found.add(value)
    return found
