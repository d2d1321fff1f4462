"""What a running node knows about itself: its database, its party, its signing key, the
treaty's rule set and its limits. Built from a Workspace, or directly in tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from treatyledger.node.limits import DEFAULT_MAX_BODY_BYTES
from treatyledger.node.ratelimit import RateLimits
from treatyledger.node.recount import Recounts
from treatyledger.node.tarpit import Tarpit
from treatyledger.store.base import Engine

if TYPE_CHECKING:
    from treatyledger.store.workspace import Workspace

#: How many notifications one submission may carry, and log entries one read may return.
MAX_BATCH = 1_000
MAX_ENTRIES_PER_READ = 1_000
#: far above what concurrent honest submitters have in flight (50 of them with full batches)
MAX_AHEAD = 50 * MAX_BATCH


@dataclass
class NodeContext:
    engine: Engine
    party: str
    signing_key: Ed25519PrivateKey
    rules: str = "new-start"
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    #: how far past the next expected sequence a notification is held for its predecessors;
    #: one further ahead is refused at once (sequence.gap), never held
    max_ahead: int = MAX_AHEAD
    #: request rate limits per principal by role and per client address (None: none, as
    #: embedded; ``treatyledger serve`` turns on ``node.ratelimit.SERVED_LIMITS``)
    rate_limits: RateLimits | None = None
    #: hold refusals (401 before routing, 413, 429) for up to a second before answering them
    #: (None: answer at once, as embedded; ``treatyledger serve`` has one), see node.tarpit
    tarpit: Tarpit | None = None
    workspace_path: str | None = None
    #: seconds a successful token lookup is reused (a revocation takes effect within it)
    auth_cache_seconds: float = 1.0
    #: freeze the long-lived ledger state out of the cycle collector (process-wide: for a
    #: process that only serves, as ``treatyledger serve`` does; off when embedded)
    freeze_gc: bool = False
    #: the observer view's totals per (log version, day, rule set); see routers.public
    summary_cache: dict[tuple[object, ...], Any] = field(default_factory=dict)
    #: views replayed from the log, bounded (``node.recount``; ``treatyledger serve`` lets
    #: the observer summary lag a growing log, embedded every view is exact)
    recounts: Recounts = field(default_factory=Recounts)
    #: push new checkpoints to the configured witnesses every so many seconds (None: never;
    #: ``treatyledger serve`` turns it on), see ``witness_push.BackgroundPusher``
    witness_push_seconds: float | None = None
    #: the node's ML-DSA-44 seed (``keys add --type mldsa44``): signs checkpoints and cosigns
    #: beside the Ed25519 key
    mldsa_seed: bytes | None = None
    #: check the store at start (``node.integrity``); a node that fails it serves nothing
    audit_on_start: bool = True
    #: at start run the full audit (every signature, a full replay) instead of the start-up
    #: check (``serve --full-audit``)
    full_audit: bool = False
    #: with a failed audit, serve reads anyway and refuse every write (forensic use)
    forensic: bool = False
    #: a check already run (``serve`` checks before it binds): (report, loaded state)
    audited: tuple[Any, Any] | None = None

    @classmethod
    def from_workspace(
        cls,
        workspace: Workspace,
        *,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        freeze_gc: bool = False,
        witness_push_seconds: float | None = None,
    ) -> NodeContext:
        return cls(
            freeze_gc=freeze_gc,
            witness_push_seconds=witness_push_seconds,
            mldsa_seed=workspace.mldsa_seed,
            engine=workspace.engine,
            party=workspace.party,
            signing_key=workspace.signing_key,
            rules=workspace.rules,
            max_body_bytes=max_body_bytes,
            workspace_path=str(workspace.path),
        )
