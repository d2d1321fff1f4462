"""The lifecycle state machine: validation and application of notifications.

``LedgerState`` holds the items of one or more parties and applies notifications one at a time
in sequence order. Every check runs before any mutation, so a rejected notification
(``NotificationRejected``) changes nothing. The hot path works on the JSON form of a
notification (plain dicts, as decoded from the log) so that replay needs no model construction
per step; ``apply`` takes a parsed ``Notification`` and verifies its signature first.

Where the rules live: the rule ids and outcomes in ``ledger.outcomes``, the treaty's part in
``ledger.policy``, the legal status changes in ``ledger.transitions``, the per-kind checks and
changes in ``ledger.handlers`` (``declare`` in ``ledger.declare``) over the ``ItemIndex`` of
``ledger.items``. This module keeps what spans notifications: sequences, signatures,
duplicates, deadlines and corrections.

Rules the machine enforces (rule ids in ``Rule``):

- per party, sequences start at 1 and have no gaps; the same sequence again with the same content
  is an idempotent duplicate, with other content a replay and rejected;
- UIDs are declared once and then exist; an item belongs to the party that declared it, and a
  UID names an item within its party's namespace (each party has its own ``ItemIndex``: the
  same UID declared by two parties names two items, and a party's notifications reach only
  its own);
- status changes follow ``TRANSITIONS``; an eliminated, dismantled or transferred item never
  comes back;
- containment follows ``treatyledger.model.CONTAINER_KINDS``: an item sits in at most one
  container, a launcher holds at most one missile, a vehicle carries at most its system type's
  ``max_warheads``; a missile or launcher is deployed exactly while the missile is in the
  launcher (load and unload change both statuses);
- an item's notifications are in effective-time order: a notification may not take effect
  before one already accepted for any item it touches (this keeps replay as of a date sound);
- a notification received (issued) on a date more than the policy's deadline after the date it
  takes effect is accepted and flagged late (unless it is about items the treaty reports only
  in the periodic update); a transfer to a third state is accepted and flagged as a violation
  where the policy forbids it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime, timedelta
from typing import Any, TypeVar

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from treatyledger.ledger.errors import NotificationRejected
from treatyledger.ledger.handlers import HANDLERS_BY_VALUE
from treatyledger.ledger.items import ItemIndex
from treatyledger.ledger.outcomes import Outcome, Rule
from treatyledger.ledger.policy import LedgerPolicy
from treatyledger.ledger.records import Record, mentioned_uids
from treatyledger.ledger.signing import canonical_bytes, content_hash, key_id
from treatyledger.ledger.step import Step
from treatyledger.model.items import Inventory, Item
from treatyledger.model.notifications import LEDGER_NEUTRAL_KINDS, Notification, NotificationKind
from treatyledger.model.subjects import subject_kinds

#: (party, corrected sequence) -> (effective time, payload) of the correction in effect
Corrections = dict[tuple[str, int], tuple[str, Mapping[str, Any]]]
#: (party, first, last) -> the stored records of ``party`` with first <= sequence <= last, in
#: sequence order: where a state whose log is not held in memory reads its past records
RecordSource = Callable[[str, int, int], Iterable[Record]]

K = TypeVar("K")


def candidate_keys(party_keys: Mapping[str, K], record: Record) -> list[K]:
    """Of a party's keys (by key id), those that may have signed ``record``: the one its
    ``signer_key_id`` names, or every key of the party when it names none."""
    kid = record.get("signer_key_id")
    if kid is not None:
        return [party_keys[kid]] if kid in party_keys else []
    return list(party_keys.values())


_CORRECTION = NotificationKind.CORRECTION.value
#: kinds a correction may not replace (they are re-issued instead)
_UNCORRECTABLE = frozenset({_CORRECTION, *(k.value for k in LEDGER_NEUTRAL_KINDS)})
_NEUTRAL = frozenset(k.value for k in LEDGER_NEUTRAL_KINDS)
_TRANSFERRED = "transferred"

_fromiso = datetime.fromisoformat


class LedgerState:
    """Items, containment and per-party sequence state, built only by applying notifications.

    Public entry points: ``apply`` (a parsed, signed Notification: verifies, validates, applies)
    and ``apply_record`` (the JSON form; ``trusted=True`` skips signature checks, for replaying
    a log whose signatures were verified on acceptance). Both raise NotificationRejected.
    ``with_corrections`` and ``apply_out_of_order`` serve ``ledger.replay``.
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
        #: party -> its items: a UID names an item within its party's namespace
        self._indexes: dict[str, ItemIndex] = {}
        self._next: dict[str, int] = {}
        #: content hashes known so far (computed lazily for replayed records)
        self._hashes: dict[tuple[str, int], bytes] = {}
        #: accepted records in sequence order per party (as given; corrections not applied),
        #: those after ``_stored[party]``: the earlier ones are read from ``_source``
        self._log: dict[str, list[Record]] = {}
        self._source: RecordSource | None = None
        self._stored: dict[str, int] = {}
        self._keep_log = True
        #: corrected versions in effect
        self._corrected: Corrections = {}
        self.late: set[tuple[str, int]] = set()
        self.violations: list[tuple[str, int, str, str]] = []  # party, sequence, rule, item
        #: corrections were put in place before replay: correction records are bookkeeping only
        self._presubstituted = False
        self._capacity: dict[str, int] = {t.id: t.max_warheads for t in policy.catalog}
        for system_type in policy.catalog:
            for alias in system_type.aliases:
                self._capacity[alias] = system_type.max_warheads
        deadline = policy.deadline_days
        self._deadline = None if deadline is None else timedelta(days=deadline)

    @classmethod
    def with_corrections(cls, policy: LedgerPolicy, corrections: Corrections) -> LedgerState:
        """A state for replaying a log whose corrections are already known: each corrected
        notification is applied in its corrected version, and the correction records are
        bookkeeping that changes nothing."""
        state = cls(policy)
        state._corrected = corrections
        state._presubstituted = True
        return state

    # ------------------------------------------------------------------ keys and queries

    def register_key(self, party: str, key: Ed25519PublicKey) -> str:
        """Accept signatures by ``key`` for ``party``; returns its key id."""
        kid = key_id(key)
        self._keys.setdefault(party, {})[kid] = key
        return kid

    def next_sequence(self, party: str) -> int:
        return self._next.get(party, 1)

    def _index_of(self, party: str) -> ItemIndex:
        index = self._indexes.get(party)
        if index is None:
            index = self._indexes[party] = ItemIndex()
        return index

    def _holding(self, uid: str, party: str | None) -> ItemIndex | None:
        """The index of ``party`` (or, without one, of the only party that has ``uid``)."""
        if party is not None:
            return self._indexes.get(party)
        found = [index for index in self._indexes.values() if uid in index.records]
        if len(found) > 1:
            owners = ", ".join(sorted(p for p, i in self._indexes.items() if uid in i.records))
            raise ValueError(f"uid {uid} names an item of each of {owners}: name the party")
        return found[0] if found else None

    def item(self, uid: str, party: str | None = None) -> Item | None:
        """The current state of ``party``'s item ``uid`` (eliminated, dismantled and
        transferred items stay). Without ``party``: the item of the only party that has that
        UID (ValueError when several have)."""
        index = self._holding(uid, party)
        return None if index is None else index.item(uid)

    def item_fields(self, uid: str, party: str | None = None) -> dict[str, Any] | None:
        """The JSON form of ``item(uid, party)`` (``model_dump(mode="json",
        exclude_none=True)``) without building the Item: the state keeps every item as that
        JSON form less the quantity, which is 1 for every item with a uid."""
        index = self._holding(uid, party)
        return None if index is None else index.fields(uid)

    def uids(self, party: str | None = None) -> list[str]:
        """The UIDs of ``party``'s items (of every party's, one entry per item, if None)."""
        if party is not None:
            index = self._indexes.get(party)
            return [] if index is None else list(index.records)
        return [uid for index in self._indexes.values() for uid in index.records]

    def item_keys(self) -> list[tuple[str, str]]:
        """(party, uid) of every item: what names an item across parties."""
        return [(p, uid) for p, index in self._indexes.items() for uid in index.records]

    def contents(self, uid: str, party: str | None = None) -> tuple[str, ...]:
        index = self._holding(uid, party)
        return () if index is None else tuple(index.contents.get(uid, ()))

    def inventory(self, party: str | None = None) -> Inventory:
        """Every item (of ``party``, if given), for the counting engine."""
        if party is not None:
            index = self._indexes.get(party)
            return Inventory() if index is None else index.inventory(party)
        items: list[Item] = []
        facilities: dict[str, Any] = {}
        for index in self._indexes.values():
            part = index.inventory()
            items.extend(part.items)
            facilities.update(part.facilities)
        # validated per index (ItemIndex.inventory); UIDs are unique within each party
        return Inventory.model_construct(items=tuple(items), facilities=facilities)

    def claimed_by_other_party(self, record: Record) -> tuple[str, str] | None:
        """(uid, party) when ``record`` declares a UID that another party's item holds (and
        that item was not transferred: the receiver then declares it). Not a ledger rule:
        replay and the mirror accept it (each UID is in its party's namespace); a node uses
        it to refuse its own party's declaration of a UID it knows as the other party's."""
        payload = record["payload"]
        kind = record["kind"]
        if kind == _CORRECTION:
            kind, payload = payload.get("kind"), payload.get("payload", {})
        if kind != NotificationKind.DECLARE.value:
            return None
        party = record["party"]
        others = [(p, index) for p, index in self._indexes.items() if p != party]
        for entry in payload.get("items", ()):
            uid = entry.get("uid") if isinstance(entry, Mapping) else None
            if not isinstance(uid, str):
                continue
            for other, index in others:
                held = index.records.get(uid)
                if held is not None and held.get("status") != _TRANSFERRED:
                    return uid, other
        return None

    def log(self, party: str) -> list[Record]:
        """The accepted records of ``party`` in sequence order, as given."""
        return list(self._records_of(party))

    def attach_source(self, source: RecordSource) -> None:
        """Read past records from ``source`` instead of holding them: the records applied by
        ``replay_records(..., stored=True)`` and those ``forget_stored`` drops."""
        self._source = source

    def forget_stored(self, through: Mapping[str, int] | None = None) -> None:
        """Every record applied so far is now stored (read back from the source when needed):
        drop them from memory. ``through``: the highest sequence applied per party, for a
        state applied in effective-time order (``apply_out_of_order``), where the last record
        applied need not be the highest."""
        if self._source is None:
            raise ValueError("forget_stored needs a record source (attach_source)")
        if through is None:
            through = {party: sequence - 1 for party, sequence in self._next.items()}
        self._stored.update(through)
        self._log.clear()

    def _records_of(self, party: str) -> Iterator[Record]:
        stored = self._stored.get(party, 0)
        if stored and self._source is not None:
            yield from self._source(party, 1, stored)
        yield from self._log.get(party, ())

    def _record_at(self, party: str, sequence: int) -> Record:
        stored = self._stored.get(party, 0)
        if sequence > stored:
            return self._log[party][sequence - stored - 1]
        assert self._source is not None  # _stored is set only with a source
        found = list(self._source(party, sequence, sequence))
        if len(found) != 1:
            raise LookupError(f"the record source has no {party}#{sequence}")
        return found[0]

    def effective_record(self, party: str, sequence: int) -> Record:
        """The record at ``sequence`` with any correction in effect applied."""
        record = self._record_at(party, sequence)
        corrected = self._corrected.get((party, sequence))
        if corrected is None:
            return record
        return {**record, "effective_time": corrected[0], "payload": corrected[1]}

    def snapshot(self) -> dict[str, Any]:
        """A comparable value of the whole item state (for tests and consistency checks):
        items and contents keyed ``party/uid``."""
        items: dict[str, Any] = {}
        contents: dict[str, Any] = {}
        for party, index in sorted(self._indexes.items()):
            part = index.snapshot()
            items.update({f"{party}/{uid}": r for uid, r in part["items"].items()})
            contents.update({f"{party}/{c}": v for c, v in part["contents"].items()})
        return {"items": items, "contents": contents, "next": dict(self._next)}

    # ------------------------------------------------------------------ applying

    def apply(self, notification: Notification, *, digest: bytes | None = None) -> Outcome:
        """Verify the signature, validate and apply one notification; raise
        NotificationRejected (and change nothing) if it is not acceptable."""
        record = notification.to_json_dict()
        self._check_signature(record)
        return self.apply_record(record, trusted=True, digest=digest)

    def apply_record(
        self,
        record: Record,
        *,
        trusted: bool = False,
        digest: bytes | None = None,
        message: bytes | None = None,
        now: datetime | None = None,
    ) -> Outcome:
        """Apply one notification in JSON form (``Notification.to_json_dict()``: the record must
        match the notification schema, as everything that came out of a Notification does).
        Unless ``trusted``, the signature is checked. ``digest``: the content hash if the caller
        has it (saves canonicalization when the same sequence comes back). ``message``: the
        record's ``canonical_bytes`` if the caller has them (the signature check and the
        duplicate test then canonicalize nothing). ``now``: the submitter's clock, for a
        notification arriving now (not for a replay): one dated more than the policy's
        ``max_future`` after it is rejected."""
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
        if now is not None:
            problem = self.policy.future_problem(record, now)
            if problem is not None:
                raise NotificationRejected(
                    problem, party=party, sequence=sequence, rule=Rule.FUTURE
                )
        late, step = self._validate_and_mutate(record)
        self._next[party] = sequence + 1
        if digest is not None:
            self._hashes[(party, sequence)] = digest
        self._log.setdefault(party, []).append(record)
        flags: tuple[str, ...] = ()
        touched: tuple[str, ...] = ()
        if step is not None:
            flags = tuple(rule for rule, _ in step.flags)
            touched = tuple(dict.fromkeys(step.touched))
        if late:
            flags = (Rule.LATE.value, *flags)
        return Outcome(party, sequence, "accepted", late, flags, touched)

    def replay_records(self, records: Iterable[Record], *, stored: bool = False) -> None:
        """Apply accepted records in sequence order without signature checks (the hot path).
        ``stored``: the records come from the attached source, which gives them back when they
        are needed (a duplicate, a correction, ``log``): they are not kept in memory."""
        if stored and self._source is None:
            raise ValueError("replay_records(stored=True) needs a record source (attach_source)")
        step = self._step
        self._keep_log = not stored
        try:
            for record in records:
                step(record)
        finally:
            self._keep_log = True

    def apply_out_of_order(self, record: Record) -> None:
        """Apply an accepted record in effective-time order rather than sequence order (replay
        as of a date): sequence numbers skip where a later-effective notification is not
        applied yet, so the record's own sequence is taken as the next one."""
        self._next[record["party"]] = record["sequence"]
        self._step(record)

    def _step(self, record: Record) -> None:
        party = record["party"]
        sequence = record["sequence"]
        if sequence != self._next.get(party, 1):
            self.apply_record(record, trusted=True)  # reports the gap or duplicate
            return
        self._validate_and_mutate(record)
        self._next[party] = sequence + 1
        if not self._keep_log:
            self._stored[party] = sequence
            return
        try:
            self._log[party].append(record)
        except KeyError:
            self._log[party] = [record]

    def _duplicate(self, record: Record, digest: bytes | None) -> Outcome:
        party = record["party"]
        sequence = record["sequence"]
        stored = self._hashes.get((party, sequence))
        if stored is None:
            stored = content_hash(self._record_at(party, sequence))
            self._hashes[(party, sequence)] = stored
        if (digest or content_hash(record)) != stored:
            raise NotificationRejected(
                f"sequence {sequence} was already accepted with other content",
                party=party,
                sequence=sequence,
                rule=Rule.SEQUENCE_REPLAY,
            )
        return Outcome(party, sequence, "duplicate")

    def check_signature(self, record: Record, message: bytes | None = None) -> None:
        """Raise NotificationRejected unless ``record`` is signed by a registered key of its
        party (over ``message``, its canonical bytes, if given). Changes nothing."""
        self._check_signature(record, message)

    def signing_keys(self, record: Record) -> list[Ed25519PublicKey]:
        """The registered keys of ``record``'s party that may have signed it."""
        return candidate_keys(self._keys.get(record["party"], {}), record)

    def registered_keys(self) -> dict[str, dict[str, Ed25519PublicKey]]:
        """Every registered key: party -> key id -> key (a copy)."""
        return {party: dict(keys) for party, keys in self._keys.items()}

    def _check_signature(self, record: Record, message: bytes | None = None) -> None:
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
        candidates = self.signing_keys(record)
        if not candidates:
            known = ", ".join(sorted(party_keys)) or "none"
            raise reject(
                f"no registered key of {party} with id {record.get('signer_key_id')} "
                f"(registered: {known})",
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

    def _validate_and_mutate(self, record: Record) -> tuple[bool, Step | None]:
        kind = record["kind"]
        party = record["party"]
        sequence = record["sequence"]
        if kind == _CORRECTION:
            if self._presubstituted:
                return False, None
            return False, self._correct(record)
        corrected = self._corrected.get((party, sequence)) if self._corrected else None
        if corrected is None:
            payload = record["payload"]
            effective = _fromiso(record["effective_time"])
        else:
            effective = _fromiso(corrected[0])
            payload = corrected[1]
        handler = HANDLERS_BY_VALUE.get(kind)
        if handler is None:
            raise NotificationRejected(
                f"unknown notification kind {kind!r}",
                party=party,
                sequence=sequence,
                rule=Rule.SCHEMA,
            )
        index = self._index_of(party)
        step = Step(index, self.policy, self._capacity, party, sequence, effective)
        # Every handler checks everything, then returns the mutations to run.
        try:
            mutations = handler(step, payload)
        except NotificationRejected as exc:
            raise self._foreign(exc) from None
        for mutate in mutations:
            mutate()
        last_effective = index.last_effective
        for uid in step.touched:
            last_effective[uid] = effective
        late = False
        deadline = self._deadline
        if deadline is not None and kind not in _NEUTRAL:
            # by dates of receipt, as the treaty counts (Part Four, Section I.2)
            late = _fromiso(record["issued_time"]).date() - effective.date() > deadline
            if late and self.policy.reported_in_update:
                late = not self._reported_in_update(record, payload)
            if late:
                self.late.add((party, sequence))
        if step.flags:
            for rule, item in step.flags:
                self.violations.append((party, sequence, rule, item))
        return late, step

    def _foreign(self, exc: NotificationRejected) -> NotificationRejected:
        """An unknown UID that names another party's item: say so (``uid.foreign``). A
        party's notifications reach only its own namespace either way."""
        if exc.rule is not Rule.UID_UNKNOWN or exc.item is None:
            return exc
        owners = sorted(
            p for p, index in self._indexes.items() if p != exc.party and exc.item in index.records
        )
        if not owners:
            return exc
        return NotificationRejected(
            f"the item belongs to {owners[0]}, not {exc.party} (a party's notifications name "
            "its own items)",
            party=exc.party,
            sequence=exc.sequence,
            rule=Rule.UID_FOREIGN,
            item=exc.item,
        )

    def _reported_in_update(self, record: Record, payload: Mapping[str, Any]) -> bool:
        """Whether everything ``record`` is about is of kinds the policy has reported only in
        the periodic update (then no change deadline applies)."""
        records = self._index_of(record["party"]).records

        def kind_of(uid: str) -> str | None:
            found = records.get(uid)
            return None if found is None else str(found["kind"])

        subject = subject_kinds({"kind": record["kind"], "payload": payload}, kind_of)
        return bool(subject) and subject <= self.policy.reported_in_update

    def _correct(self, record: Record) -> Step:
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
        original = self._record_at(party, target)
        if original["kind"] != payload["kind"] or original["kind"] in _UNCORRECTABLE:
            raise reject(
                f"{party}#{target} is a {original['kind']} notification, the correction "
                f"gives a {payload['kind']}",
                Rule.CORRECTION_TARGET,
            )
        corrected = dict(self._corrected)
        corrected[(party, target)] = (payload["effective_time"], payload["payload"])
        rebuilt = LedgerState.with_corrections(self.policy, corrected)
        rebuilt._keys = self._keys
        rebuilt._keep_log = False  # its log is ours: the rebuild keeps only the item state
        try:
            for each in list(self._next):
                for r in self._records_of(each):
                    rebuilt._step(r)
        except NotificationRejected as exc:
            raise reject(
                f"with {party}#{target} corrected, {exc.party}#{exc.sequence} would be "
                f"rejected: {exc.reason}",
                Rule.CORRECTION_INVALIDATES,
                exc.item,
            ) from None
        # Accept: take over the rebuilt item state (the log and sequence stay ours).
        self._indexes = rebuilt._indexes
        self._corrected = corrected
        self.late = rebuilt.late
        self.violations = rebuilt.violations
        touched = mentioned_uids(original["payload"]) | mentioned_uids(payload["payload"])
        step = Step(
            self._index_of(party),
            self.policy,
            self._capacity,
            party,
            sequence,
            _fromiso(record["effective_time"]),
        )
        step.touched.extend(sorted(touched))
        return step
