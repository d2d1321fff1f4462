"""treatyledger.ledger: notification semantics (pure, no I/O).

API summary
-----------
Notifications (``treatyledger.model.notifications``): ``Notification`` (envelope),
``NotificationKind``, one payload model per kind, ``parse_notification(data)`` (raises
``NotificationSchemaError``), ``notification_json_schema(kind)``.

Signing (``ledger.signing``): ``canonical_bytes(n)`` (RFC 8785 of the envelope without the
signature: what is signed), ``leaf_bytes(n)`` (RFC 8785 of the signed envelope: the log leaf),
``content_hash(n)``, ``sign(n, private_key) -> Notification``, ``verify(n, public_key) -> bool``,
``key_id(public_key)``. Functions take a ``Notification`` or its JSON dict.

State machine (``ledger.state``; the policy in ``ledger.policy``, ``Rule`` and ``Outcome`` in
``ledger.outcomes``, ``NotificationRejected`` in ``ledger.errors``, ``TRANSITIONS`` in
``ledger.transitions``, the per-kind handlers in ``ledger.handlers``):
``LedgerPolicy(catalog, deadline_days=5, third_state_transfer_forbidden=True,
treaty_parties=frozenset(), require_signatures=True)``;
``policy_from_rule_set(rule_set, catalog)``; ``LedgerState(policy, keys={party: [pubkey]})``
with ``.register_key(party, key)``, ``.apply(notification) -> Outcome`` (verifies the
signature, validates fully, then mutates), ``.apply_record(json_dict, trusted=False)``,
``.replay_records(records)`` (trusted hot path), ``.next_sequence(party)``, ``.item(uid)``,
``.inventory(party=None) -> Inventory`` (for ``treatyledger.rules.count``), ``.log(party)``,
``.late``, ``.violations``. A rejected notification raises ``NotificationRejected`` (party,
sequence, rule: ``Rule``, item) and changes nothing. ``Outcome.status`` is ``accepted`` or
``duplicate`` (same sequence, same content: idempotent); ``Outcome.late`` and ``.flags``.
``TRANSITIONS`` is the table of legal status changes per notification kind and item kind.

Replay (``ledger.replay``): ``replay(records, policy, until_sequence=None)``,
``state_at(records, policy, date_or_datetime)``, ``counts_at(records, policy, rule_set, when)``,
``time_series(records, policy, rule_set, dates)`` (one pass). Records are JSON dicts. What a
correction may change and how replay applies it, and what "as of a date" means: the module
docstring of ``ledger.replay``.

Reconciliation (``ledger.reconcile``): ``reconcile(records, policy, party,
database_sequence=None) -> Reconciliation`` (``.discrepancies``: kind missing / extra / status /
location / warheads, uid, ledger and database values, notifications involved).

Synthetic streams (``ledger.synthetic``): ``synthetic_stream(party, aggregate_points, catalog,
rng, churn_pairs_per_period=0, late_fraction=0.0)`` -> JSON records (unsigned); aggregate points
from ``treatyledger.files.aggregates.read_new_start_aggregates()``.
"""

from treatyledger.ledger.errors import NotificationRejected, ReconcileError
from treatyledger.ledger.outcomes import Outcome, Rule
from treatyledger.ledger.policy import LedgerPolicy, policy_from_rule_set
from treatyledger.ledger.reconcile import Discrepancy, Reconciliation, reconcile
from treatyledger.ledger.replay import counts_at, replay, state_at, time_series
from treatyledger.ledger.signing import (
    canonical_bytes,
    content_hash,
    key_id,
    leaf_bytes,
    public_key_from_base64,
    public_key_raw,
    sign,
    verify,
)
from treatyledger.ledger.state import LedgerState
from treatyledger.ledger.transitions import TRANSITIONS

__all__ = [
    "TRANSITIONS",
    "Discrepancy",
    "LedgerPolicy",
    "LedgerState",
    "NotificationRejected",
    "Outcome",
    "ReconcileError",
    "Reconciliation",
    "Rule",
    "canonical_bytes",
    "content_hash",
    "counts_at",
    "key_id",
    "leaf_bytes",
    "policy_from_rule_set",
    "public_key_from_base64",
    "public_key_raw",
    "reconcile",
    "replay",
    "sign",
    "state_at",
    "time_series",
    "verify",
]
