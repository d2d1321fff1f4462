"""Notifications: the only way inventory changes.

An envelope (party, gapless per-party ``sequence`` from 1, ``kind``, ``effective_time`` when the
change happened, ``issued_time`` when it was notified, ``payload``, an optional ``corrects``
reference, a base64 Ed25519 ``signature`` and an optional ``signer_key_id``) and one payload
model per kind. Every string and list is bounded: notifications arrive from other parties and
are hostile input until validated.

The JSON form (``Notification.to_json_dict``) omits absent (``None``) fields and writes times
as RFC 3339 UTC (``2011-02-05T00:00:00Z``); it is what is canonicalized and signed.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from treatyledger.model.errors import NotificationSchemaError
from treatyledger.model.items import MAX_JSON_INT, UID_PATTERN, Item
from treatyledger.model.kinds import Status
from treatyledger.model.parties import IDENTIFIER_PATTERN, Facility
from treatyledger.model.text import Name

#: Bounds on hostile input. A declaration or database may list a whole force (New START
#: parties held under 3,000 accountable items each); the bound leaves an order of magnitude.
MAX_ITEMS_PER_DECLARATION = 50_000
MAX_ITEMS_PER_LOAD = 64
MAX_FACILITIES = 5_000
MAX_TEXT = 1_000
MAX_SEQUENCE = MAX_JSON_INT  # exact in every JSON implementation

Uid = Annotated[str, Field(pattern=UID_PATTERN)]
PartyId = Annotated[str, Field(pattern=IDENTIFIER_PATTERN)]
HexSha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
Hex = Annotated[str, Field(pattern=r"^[0-9a-f]{2,512}$")]


class NotificationKind(StrEnum):
    DECLARE = "declare"
    MOVE = "move"
    LOAD = "load"
    UNLOAD = "unload"
    STATUS_CHANGE = "status_change"
    RETIRE = "retire"
    DISMANTLE = "dismantle"
    ELIMINATE = "eliminate"
    CONVERT = "convert"
    TRANSFER = "transfer"
    CORRECTION = "correction"
    DATABASE = "database"
    RANDOMNESS_COMMIT = "randomness_commit"
    RANDOMNESS_REVEAL = "randomness_reveal"
    ESCROW_COMMITMENT = "escrow_commitment"
    ZK_LIMIT_PROOF = "zk_limit_proof"
    REGIME_STATUS = "regime_status"


#: Kinds that record facts outside the inventory: they never change item state.
LEDGER_NEUTRAL_KINDS = frozenset(
    {
        NotificationKind.DATABASE,
        NotificationKind.RANDOMNESS_COMMIT,
        NotificationKind.RANDOMNESS_REVEAL,
        NotificationKind.ESCROW_COMMITMENT,
        NotificationKind.ZK_LIMIT_PROOF,
        NotificationKind.REGIME_STATUS,
    }
)


class _Payload(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class DeclarePayload(_Payload):
    """Items entering accountability (initial declaration, new production, import). Every item
    has a UID and quantity 1; a vehicle's ``warheads`` counts everything it carries, including
    warhead items declared inside it."""

    items: list[Item] = Field(min_length=1, max_length=MAX_ITEMS_PER_DECLARATION)
    facilities: list[Facility] = Field(default_factory=list, max_length=MAX_FACILITIES)


class MovePayload(_Payload):
    """An item (and everything it contains) moves to another facility."""

    uid: Uid
    to_facility: PartyId


class LoadPayload(_Payload):
    """Put items (a missile into a launcher, a launcher onto a submarine, warhead items onto a
    missile or bomber) and/or ``warheads`` anonymous reentry vehicles into ``container``."""

    container: Uid
    items: list[Uid] = Field(default_factory=list, max_length=MAX_ITEMS_PER_LOAD)
    warheads: int = Field(default=0, ge=0, le=1_000)

    @model_validator(mode="after")
    def _loads_something(self) -> LoadPayload:
        if not self.items and self.warheads == 0:
            raise ValueError("a load or unload needs items or a warheads count")
        if len(set(self.items)) != len(self.items):
            raise ValueError("items lists a uid twice")
        return self


class UnloadPayload(LoadPayload):
    """Take items and/or anonymous reentry vehicles out of ``container``."""


class StatusChangePayload(_Payload):
    uid: Uid
    to_status: Status


class RetirePayload(_Payload):
    """A stored warhead retired (awaiting dismantlement)."""

    uid: Uid


class DismantlePayload(_Payload):
    uid: Uid


class EliminatePayload(_Payload):
    uid: Uid


class ConvertPayload(_Payload):
    """Conversion of a delivery item: start (``in_conversion``), complete (``converted``) or a
    heavy bomber converted to non-nuclear armaments (``converted_non_nuclear``)."""

    uid: Uid
    to_status: Status

    @field_validator("to_status")
    @classmethod
    def _conversion_status(cls, value: Status) -> Status:
        allowed = {Status.IN_CONVERSION, Status.CONVERTED, Status.CONVERTED_NON_NUCLEAR}
        if value not in allowed:
            raise ValueError(f"to_status must be one of {sorted(allowed)}, got {value}")
        return value


class TransferPayload(_Payload):
    """An item (a warhead, missile, launcher or heavy bomber) leaves the party's possession to
    ``to_party``; its UID and its facility (the location of transfer) are in the ledger."""

    uid: Uid
    to_party: PartyId


class NotificationRef(_Payload):
    party: PartyId
    sequence: int = Field(ge=1, le=MAX_SEQUENCE)


class CorrectionPayload(_Payload):
    """The corrected version of the notification named by the envelope's ``corrects``: same kind,
    possibly another effective time and payload. See treatyledger.ledger.replay."""

    kind: NotificationKind
    effective_time: AwareDatetime
    payload: dict[str, Any]
    reason: str = Field(default="", max_length=MAX_TEXT)

    @field_validator("effective_time")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        return value.astimezone(UTC)

    @model_validator(mode="after")
    def _corrected_payload_matches_kind(self) -> CorrectionPayload:
        if self.kind in {NotificationKind.CORRECTION, NotificationKind.DATABASE}:
            raise ValueError(f"a correction cannot replace a {self.kind} notification")
        if self.kind in LEDGER_NEUTRAL_KINDS:
            raise ValueError(f"a {self.kind} notification is not corrected, it is re-issued")
        parsed = PAYLOAD_MODELS[self.kind].model_validate(self.payload)
        object.__setattr__(self, "payload", parsed.model_dump(mode="json", exclude_none=True))
        return self


class DatabasePayload(_Payload):
    """The periodic full data exchange: the party's whole declared inventory as of a date."""

    as_of: AwareDatetime
    items: list[Item] = Field(max_length=MAX_ITEMS_PER_DECLARATION)
    facilities: list[Facility] = Field(default_factory=list, max_length=MAX_FACILITIES)

    @field_validator("as_of")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        return value.astimezone(UTC)


class RandomnessCommitPayload(_Payload):
    round_id: PartyId
    commitment: HexSha256


class RandomnessRevealPayload(_Payload):
    round_id: PartyId
    value: Hex
    salt: Hex


#: Bounds of a published escrow commitment (treatyledger.escrow.commitment checks the rest).
MAX_ESCROW_CATEGORIES = 64
MAX_ESCROW_ITEMS = 5_000_000
MAX_ESCROW_WHERE_FIELDS = 16
MAX_ESCROW_WHERE_VALUES = 1_000
EscrowValue = Annotated[Name, Field(min_length=1, max_length=128)]


class EscrowCategoryPayload(_Payload):
    """One published category: the shape of ``escrow.categories.Category.public()``."""

    name: PartyId
    where: dict[
        Annotated[Name, Field(max_length=32)],
        Annotated[list[EscrowValue], Field(min_length=1, max_length=MAX_ESCROW_WHERE_VALUES)],
    ] = Field(default_factory=dict, max_length=MAX_ESCROW_WHERE_FIELDS)
    measure: Literal["items", "warheads"] = "items"


class EscrowCommitmentPayload(_Payload):
    """A party's escrow commitment to one data exchange, published in its log: the public
    commitment of ``treatyledger.escrow`` without ``party``, which the envelope carries. It
    records a fact outside the inventory and changes no item."""

    format: Literal["treatyledger-escrow-commitment/v1"] = "treatyledger-escrow-commitment/v1"
    exchange: PartyId
    count: int = Field(ge=0, le=MAX_ESCROW_ITEMS)
    categories: list[EscrowCategoryPayload] = Field(
        default_factory=list, max_length=MAX_ESCROW_CATEGORIES
    )
    totals: dict[PartyId, Annotated[int, Field(ge=0, le=MAX_JSON_INT)]] = Field(
        default_factory=dict, max_length=MAX_ESCROW_CATEGORIES
    )
    root: HexSha256

    @model_validator(mode="after")
    def _totals_match_categories(self) -> EscrowCommitmentPayload:
        names = [c.name for c in self.categories]
        if len(set(names)) != len(names):
            raise ValueError(f"category names repeat: {names}")
        if sorted(self.totals) != sorted(names):
            raise ValueError(f"totals name {sorted(self.totals)}, categories name {sorted(names)}")
        return self


#: Bounds of a published zero-knowledge limit proof (``treatyledger.zk.verifier`` checks the
#: group elements, the statement and the proofs; these patterns are its own, tested equal).
MAX_ZK_CATEGORIES = 16
MAX_ZK_BASES = 2047
MAX_ZK_ROUNDS = 15
ZkElement = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
ZK_BASE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9 ._:\-]{0,127}$"
ZK_RULE_ID_PATTERN = r"^[a-z0-9][a-z0-9_.\-]{0,63}$"


class ZkRangeProofPayload(_Payload):
    """An aggregated Bulletproofs range proof (``treatyledger.zk.rangeproof``)."""

    A: ZkElement
    S: ZkElement
    T1: ZkElement
    T2: ZkElement
    tau_x: ZkElement
    mu: ZkElement
    t_hat: ZkElement
    L: list[ZkElement] = Field(max_length=MAX_ZK_ROUNDS)
    R: list[ZkElement] = Field(max_length=MAX_ZK_ROUNDS)
    a: ZkElement
    b: ZkElement


class ZkBaseCommitmentPayload(_Payload):
    base: str = Field(pattern=ZK_BASE_PATTERN)
    commitment: ZkElement


class ZkCategoryPayload(_Payload):
    category: str = Field(pattern=ZK_RULE_ID_PATTERN)
    limit: int = Field(ge=0, le=MAX_JSON_INT)
    bases: list[ZkBaseCommitmentPayload] = Field(max_length=MAX_ZK_BASES)
    proof: ZkRangeProofPayload


class ZkCheckpointPayload(_Payload):
    origin: Name = Field(min_length=1, max_length=256)
    size: int = Field(ge=0, le=MAX_JSON_INT)
    root: str = Field(pattern=r"^[A-Za-z0-9+/]{43}=$")


class ZkLimitProofPayload(_Payload):
    """A party's zero-knowledge proof that its totals are within the limits, published in its
    log: the limit-proof document of ``treatyledger.zk`` without ``party``, which the
    envelope carries. It records a fact outside the inventory and changes no item."""

    format: Literal["treatyledger-zk-limit-proof/v1"] = "treatyledger-zk-limit-proof/v1"
    rule_set: str = Field(pattern=ZK_RULE_ID_PATTERN)
    as_of: date
    by: Literal["facility", "system_type"]
    bits: int = Field(ge=1, le=64)
    checkpoint: ZkCheckpointPayload | None = None
    categories: list[ZkCategoryPayload] = Field(min_length=1, max_length=MAX_ZK_CATEGORIES)


class RegimeEvent(StrEnum):
    """What happened to a treaty: the events of its life that every count respects."""

    ENTRY_INTO_FORCE = "entry_into_force"
    EXTENSION = "extension"  # the term extended to ``until``
    SUSPENSION = "suspension"  # ``party`` stops providing data and receiving inspections
    RESUMPTION = "resumption"  # ``party`` takes its obligations up again
    EXPIRY = "expiry"  # the treaty ended (its term ran out, or a withdrawal took effect)
    SUPERSESSION = "supersession"  # replaced by ``superseded_by``; its limits end that day


#: Events done by one party; the others concern the treaty as a whole.
PARTY_REGIME_EVENTS = frozenset({RegimeEvent.SUSPENSION, RegimeEvent.RESUMPTION})
REGIME_TREATY_PATTERN = r"^[a-z0-9][a-z0-9_.\-]{0,63}$"


class RegimeStatusPayload(_Payload):
    """An event in a treaty's life, in force from the envelope's effective time (a date: the
    day it takes effect). ``treaty`` is the treaty's regime id (``RuleSet.regime_id``: the
    rule-set id, or the id rule sets of one treaty share, such as ``sort``). A suspension or
    resumption names the ``party`` that suspends or resumes (another party may record it in
    its own log, e.g. the note it received); ``reference`` names the diplomatic note, law or
    document. It records a fact outside the inventory and changes no item."""

    treaty: str = Field(pattern=REGIME_TREATY_PATTERN)
    event: RegimeEvent
    party: PartyId | None = None
    until: date | None = None
    superseded_by: str | None = Field(default=None, pattern=REGIME_TREATY_PATTERN)
    reference: str = Field(default="", max_length=MAX_TEXT)

    @model_validator(mode="after")
    def _fields_of_the_event(self) -> RegimeStatusPayload:
        if (self.party is not None) != (self.event in PARTY_REGIME_EVENTS):
            raise ValueError(
                "party is required by, and only allowed with, suspension and resumption"
            )
        if (self.until is not None) != (self.event is RegimeEvent.EXTENSION):
            raise ValueError("until is required by, and only allowed with, extension")
        if (self.superseded_by is not None) != (self.event is RegimeEvent.SUPERSESSION):
            raise ValueError("superseded_by is required by, and only allowed with, supersession")
        if self.superseded_by == self.treaty:
            raise ValueError("a treaty cannot supersede itself")
        return self


PAYLOAD_MODELS: dict[NotificationKind, type[_Payload]] = {
    NotificationKind.DECLARE: DeclarePayload,
    NotificationKind.MOVE: MovePayload,
    NotificationKind.LOAD: LoadPayload,
    NotificationKind.UNLOAD: UnloadPayload,
    NotificationKind.STATUS_CHANGE: StatusChangePayload,
    NotificationKind.RETIRE: RetirePayload,
    NotificationKind.DISMANTLE: DismantlePayload,
    NotificationKind.ELIMINATE: EliminatePayload,
    NotificationKind.CONVERT: ConvertPayload,
    NotificationKind.TRANSFER: TransferPayload,
    NotificationKind.CORRECTION: CorrectionPayload,
    NotificationKind.DATABASE: DatabasePayload,
    NotificationKind.RANDOMNESS_COMMIT: RandomnessCommitPayload,
    NotificationKind.RANDOMNESS_REVEAL: RandomnessRevealPayload,
    NotificationKind.ESCROW_COMMITMENT: EscrowCommitmentPayload,
    NotificationKind.ZK_LIMIT_PROOF: ZkLimitProofPayload,
    NotificationKind.REGIME_STATUS: RegimeStatusPayload,
}

Payload = (
    DeclarePayload
    | MovePayload
    | UnloadPayload
    | LoadPayload
    | StatusChangePayload
    | RetirePayload
    | DismantlePayload
    | EliminatePayload
    | ConvertPayload
    | TransferPayload
    | CorrectionPayload
    | DatabasePayload
    | RandomnessCommitPayload
    | RandomnessRevealPayload
    | EscrowCommitmentPayload
    | ZkLimitProofPayload
    | RegimeStatusPayload
)


class Notification(BaseModel):
    """One signed (or not yet signed) notification envelope."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    party: PartyId
    sequence: int = Field(ge=1, le=MAX_SEQUENCE)
    kind: NotificationKind
    effective_time: AwareDatetime
    issued_time: AwareDatetime
    payload: Payload
    corrects: NotificationRef | None = None
    signature: str | None = Field(default=None, max_length=200)
    signer_key_id: str | None = Field(default=None, pattern=r"^[0-9a-f]{16}$")

    @model_validator(mode="before")
    @classmethod
    def _payload_of_its_kind(cls, data: Any) -> Any:
        # Validate the payload against its kind's model only (a plain union would accept a
        # payload of another kind with the same shape).
        if isinstance(data, dict) and "payload" in data and "kind" in data:
            try:
                kind = NotificationKind(data["kind"])
            except ValueError:
                return data  # the kind field reports the error
            payload = data["payload"]
            model = PAYLOAD_MODELS[kind]
            if not isinstance(payload, model):
                try:
                    data = {**data, "payload": model.model_validate(payload)}
                except ValidationError as exc:
                    first = exc.errors()[0]
                    where = ".".join(("payload", *(str(p) for p in first["loc"])))
                    message = str(first["msg"]).removeprefix("Value error, ")
                    raise ValueError(f"{where}: {message}") from None
        return data

    @field_validator("effective_time", "issued_time")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        return value.astimezone(UTC)

    @model_validator(mode="after")
    def _envelope_consistent(self) -> Notification:
        if not isinstance(self.payload, PAYLOAD_MODELS[self.kind]) or (
            self.kind is NotificationKind.LOAD and type(self.payload) is not LoadPayload
        ):
            raise ValueError(f"payload is not a {self.kind} payload")
        is_correction = self.kind is NotificationKind.CORRECTION
        if is_correction != (self.corrects is not None):
            raise ValueError("corrects is set exactly when kind is correction")
        if self.corrects is not None:
            if self.corrects.party != self.party:
                raise ValueError("a party corrects only its own notifications")
            if self.corrects.sequence >= self.sequence:
                raise ValueError("corrects must name an earlier sequence")
        return self

    @property
    def ref(self) -> str:
        """How errors name this notification."""
        return f"{self.party}#{self.sequence}"

    def to_json_dict(self) -> dict[str, Any]:
        """The JSON form: absent fields omitted, times RFC 3339 UTC."""
        return self.model_dump(mode="json", exclude_none=True)

    def unsigned(self) -> Notification:
        return self.model_copy(update={"signature": None, "signer_key_id": None})


def parse_notification(data: Any) -> Notification:
    """Validate a decoded JSON value into a Notification, or raise NotificationSchemaError
    naming the notification (as far as it can be read) and the first offending field."""
    try:
        return Notification.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or None
        ref = "?"
        if isinstance(data, dict):
            ref = f"{data.get('party', '?')}#{data.get('sequence', '?')}"
            ref = ref[:100]
        message = str(first["msg"]).removeprefix("Value error, ")
        if field is None and message.startswith("payload"):
            field, _, message = message.partition(": ")
        raise NotificationSchemaError(message, ref=ref, field=field) from None


def notification_json_schema(kind: NotificationKind | str) -> dict[str, Any]:
    """The JSON Schema of a notification of ``kind``: the envelope with that kind's payload."""
    kind = NotificationKind(kind)
    envelope = Notification.model_json_schema(mode="validation")
    payload_schema = PAYLOAD_MODELS[kind].model_json_schema(
        mode="validation", ref_template="#/$defs/{model}"
    )
    defs = {**envelope.get("$defs", {}), **payload_schema.pop("$defs", {})}
    properties = dict(envelope["properties"])
    properties["kind"] = {"const": kind.value, "type": "string", "title": "Kind"}
    properties["payload"] = payload_schema
    schema: dict[str, Any] = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": f"TreatyLedger {kind.value} notification",
        "type": "object",
        "properties": properties,
        "required": envelope["required"],
        "additionalProperties": False,
        "$defs": defs,
    }
    return schema
