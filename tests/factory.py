"""The one test factory for notifications and forces: items in JSON form, notification
envelopes with consecutive sequences (signed or not), small forces and streams. The ledger,
store and node tests all build their notifications here.

No private key is stored here: callers pass their own (labelled TEST keys, or keys generated
per workspace)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Connection, text

from treatyledger.ledger import sign
from treatyledger.model.notifications import Notification, parse_notification

T0 = datetime(2011, 2, 5, tzinfo=UTC)  # New START's entry into force

#: the system type an item of each kind gets unless the test names one (US types)
DEFAULT_TYPES = {
    "icbm": "MM III",
    "icbm_launcher": "MM III",
    "slbm": "Trident II",
    "slbm_launcher": "Trident II",
    "submarine": "Trident II",
    "heavy_bomber": "B-52H",
}


def time_text(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def item(uid: str, kind: str, status: str, party: str = "US", **fields: Any) -> dict[str, Any]:
    """A declared item in JSON form; system types default to the US ones, bombers to LRNA."""
    record: dict[str, Any] = {"uid": uid, "party": party, "kind": kind, "status": status}
    if kind in DEFAULT_TYPES:
        record["system_type"] = DEFAULT_TYPES[kind]
    if kind == "heavy_bomber":
        record["armament"] = "lrna"
    record.update(fields)
    return record


def notification_data(
    party: str,
    sequence: int,
    kind: str,
    payload: dict[str, Any],
    *,
    effective: datetime | None = None,
    issued: datetime | None = None,
    **envelope: Any,
) -> dict[str, Any]:
    """An unsigned notification in JSON form: effective ``sequence`` days after T0 and
    issued a day later unless given."""
    effective = effective or T0 + timedelta(days=sequence)
    issued = issued or effective + timedelta(days=1)
    return {
        "party": party,
        "sequence": sequence,
        "kind": kind,
        "effective_time": time_text(effective),
        "issued_time": time_text(issued),
        "payload": payload,
        **envelope,
    }


class Notifier:
    """Notifications of one party with consecutive sequences, signed by ``key``."""

    def __init__(self, key: Ed25519PrivateKey, party: str = "US"):
        self.key = key
        self.party = party
        self.sequence = 0

    def data(
        self, kind: str, payload: dict[str, Any], *, sequence: int | None = None, **options: Any
    ) -> dict[str, Any]:
        if sequence is None:
            sequence = self.sequence + 1
        self.sequence = max(self.sequence, sequence)
        return notification_data(self.party, sequence, kind, payload, **options)

    def make(self, kind: str, payload: dict[str, Any], **options: Any) -> Notification:
        """A signed notification."""
        return sign(parse_notification(self.data(kind, payload, **options)), self.key)

    def declare(self, items: list[dict[str, Any]], **options: Any) -> Notification:
        return self.make("declare", {"items": items}, **options)


def base_force(party: str = "US") -> list[dict[str, Any]]:
    """Two ICBM launchers, three missiles, three stored warheads, one bomber."""
    return [
        item(f"{party}-L1", "icbm_launcher", "non_deployed", party, facility="BASE"),
        item(f"{party}-L2", "icbm_launcher", "non_deployed", party, facility="BASE"),
        item(f"{party}-M1", "icbm", "non_deployed", party, facility="BASE", warheads=0),
        item(f"{party}-M2", "icbm", "non_deployed", party, facility="BASE", warheads=0),
        item(f"{party}-M3", "icbm", "non_deployed", party, facility="BASE", warheads=0),
        item(f"{party}-W1", "warhead", "stored", party, facility="STORE"),
        item(f"{party}-W2", "warhead", "stored", party, facility="STORE"),
        item(f"{party}-W3", "warhead", "stored", party, facility="STORE"),
        item(f"{party}-B1", "heavy_bomber", "deployed", party, facility="AIR"),
    ]


def loaded_force(notifier: Notifier) -> list[Notification]:
    """``base_force`` declared, then two missiles loaded into their launchers (the first with
    2 RVs, the second with 1): five notifications, the third loading 2 RVs on M1."""
    party = notifier.party
    return [
        notifier.declare(base_force(party)),
        notifier.make("load", {"container": f"{party}-L1", "items": [f"{party}-M1"]}),
        notifier.make("load", {"container": f"{party}-M1", "warheads": 2}),
        notifier.make("load", {"container": f"{party}-L2", "items": [f"{party}-M2"]}),
        notifier.make("load", {"container": f"{party}-M2", "warheads": 1}),
    ]


def force_declaration(party: str, sequence: int = 1, number: int = 1) -> dict[str, Any]:
    """One deployed silo launcher holding a deployed MM III with one reentry vehicle."""
    launcher = f"{party}-LN-{number}"
    base = f"{party}-BASE"
    items = [
        item(launcher, "icbm_launcher", "deployed", party, facility=base),
        item(
            f"{party}-MS-{number}",
            "icbm",
            "deployed",
            party,
            warheads=1,
            contained_in=launcher,
            facility=base,
        ),
    ]
    return notification_data(
        party,
        sequence,
        "declare",
        {"items": items, "facilities": []},
        effective=T0,
        issued=T0 + timedelta(hours=1),
    )


def warhead_declaration(party: str, sequence: int) -> dict[str, Any]:
    """A stored warhead entering accountability: one small notification per sequence."""
    moment = T0 + timedelta(days=1, seconds=sequence)
    warhead = item(f"{party}-WH-{sequence}", "warhead", "stored", party, facility=f"{party}-STORE")
    return notification_data(
        party,
        sequence,
        "declare",
        {"items": [warhead], "facilities": []},
        effective=moment,
        issued=moment + timedelta(hours=1),
    )


def stream(party: str, count: int, first: int = 1) -> list[dict[str, Any]]:
    """``count`` notifications from sequence ``first``: the force, then stored warheads."""
    return [
        force_declaration(party, s) if s == 1 else warhead_declaration(party, s)
        for s in range(first, first + count)
    ]


def signed(records: list[dict[str, Any]], key: Ed25519PrivateKey) -> list[dict[str, Any]]:
    return [sign(Notification.model_validate(r), key).to_json_dict() for r in records]


def inspection_site_force(party: str = "US", sequence: int = 1) -> dict[str, Any]:
    """A declaration with typed facilities for the inspection procedure: an ICBM base with
    two deployed silos (a Minuteman III with one RV in each) and an empty silo, an air base
    with two deployed B-52H, a storage site with a non-deployed missile, and a formerly
    declared site (a conversion or elimination facility holding nothing)."""
    base, air, store, former = (f"{party}-{n}" for n in ("ICBM-BASE", "AIR-BASE", "STORE", "CEF"))
    facilities = [
        {"id": base, "party": party, "type": "icbm_base", "name": "ICBM base"},
        {"id": air, "party": party, "type": "air_base", "name": "air base"},
        {"id": store, "party": party, "type": "storage", "name": "storage"},
        {"id": former, "party": party, "type": "conversion_elimination", "name": "former CEF"},
    ]
    items = []
    for n in (1, 2):
        items.append(item(f"{party}-SILO-{n}", "icbm_launcher", "deployed", party, facility=base))
        items.append(
            item(
                f"{party}-MM-{n}",
                "icbm",
                "deployed",
                party,
                warheads=1,
                contained_in=f"{party}-SILO-{n}",
                facility=base,
            )
        )
        items.append(item(f"{party}-BMR-{n}", "heavy_bomber", "deployed", party, facility=air))
    items.append(item(f"{party}-SILO-3", "icbm_launcher", "non_deployed", party, facility=base))
    items.append(item(f"{party}-MM-9", "icbm", "non_deployed", party, warheads=0, facility=store))
    return notification_data(
        party,
        sequence,
        "declare",
        {"items": items, "facilities": facilities},
        effective=T0,
        issued=T0 + timedelta(hours=1),
    )


def count_verified_signatures(monkeypatch: Any) -> list[int]:
    """The sequence numbers whose signature ``LedgerState`` verifies from now on, in this
    process: the verification pool is turned off (``TREATYLEDGER_VERIFY_WORKERS=0``), so
    every verification is the state's own and is counted. ``monkeypatch`` is pytest's."""
    from treatyledger.ledger.state import LedgerState
    from treatyledger.store import signature_pool

    monkeypatch.setenv("TREATYLEDGER_VERIFY_WORKERS", "0")
    signature_pool.shutdown()
    seen: list[int] = []
    check = LedgerState._check_signature

    def counting(self: LedgerState, record: Any, message: bytes | None = None) -> None:
        seen.append(record["sequence"])
        check(self, record, message)

    monkeypatch.setattr(LedgerState, "_check_signature", counting)
    return seen


def set_signed(conn: Connection, sequence: int, signed: bytes) -> None:
    """Replace a notification's bytes, its content hash kept in step (a careful attacker)."""
    conn.execute(
        text(
            "UPDATE ledger_notifications SET signed_bytes = :b, content_hash = :h "
            "WHERE sequence = :s"
        ),
        {"b": signed, "h": hashlib.sha256(signed).hexdigest(), "s": sequence},
    )
