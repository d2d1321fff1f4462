"""The peer client and sync: check another party's node and mirror its log.

``sync_peer`` pulls the other party's signed checkpoint, verifies its signature with the
party key registered in this workspace, checks that it extends the last checkpoint this node
accepted (consistency proof, through ``treatyledger.tlog.witness.Witness``), pulls the new
entries each with an inclusion proof to that checkpoint, validates and replays the
notifications into this workspace's mirror of the other party's ledger, counts the mirror
under the treaty's rule set, and finally cosigns the checkpoint and hands the cosignature back.

It never advances on a log it cannot verify: a fork stops the sync with a ``ForkDetected``
error naming the evidence file it wrote. A network failure stops it with ``PeerUnavailable``;
the entries mirrored so far stay (each page is committed before the marker moves), and the
next run resumes after them. Replaying an entry twice is harmless anyway: the ledger treats
the same notification again as an idempotent duplicate.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from treatyledger.errors import TreatyLedgerError
from treatyledger.node.keys import cosigner_for, log_vkey
from treatyledger.store.peer_sync import load_peer_sync, save_peer_sync
from treatyledger.tlog.entries import leaf_matches_entry
from treatyledger.tlog.evidence import evidence_json, inconsistency_evidence
from treatyledger.tlog.memory import MemoryLog
from treatyledger.tlog.note import parse_note
from treatyledger.tlog.verifier import (
    RFC6962,
    Checkpoint,
    VerificationError,
    VerifierKey,
    verify_checkpoint,
    verify_inclusion,
)
from treatyledger.tlog.witness import EquivocationError, Witness, WitnessError

if TYPE_CHECKING:
    from treatyledger.store.workspace import Workspace

DEFAULT_PAGE_SIZE = 256
MAX_RESPONSE_BYTES = 64 << 20


class PeerError(TreatyLedgerError):
    """The peer node answered something this node cannot accept."""


class PeerUnavailable(PeerError):
    """The peer could not be reached or stopped answering; run the sync again to resume."""


class ForkDetected(PeerError):
    """The peer's log contradicts a checkpoint it signed earlier; evidence was written."""

    exit_code = 3

    def __init__(self, message: str, evidence_path: Path):
        self.evidence_path = evidence_path
        super().__init__(f"{message}; equivocation evidence written to {evidence_path}")


class PeerVerificationFailed(PeerError):
    """A checkpoint, proof or entry from the peer does not verify."""

    exit_code = 2


# -- HTTP client -----------------------------------------------------------------------------


def _b64(text: Any, what: str) -> bytes:
    if not isinstance(text, str):
        raise PeerError(f"peer sent {what} as {type(text).__name__}, expected a base64 string")
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise PeerError(f"peer sent {what} that is not base64") from None


@dataclass(frozen=True)
class PeerEntry:
    index: int
    leaf: bytes
    entry: bytes  # the notification's signed canonical bytes (equal to leaf unless by digest)
    proof: list[bytes]


class PeerClient:
    """The other party's node over HTTP, with a bearer token."""

    def __init__(
        self, url: str, token: str, *, timeout: float = 30.0, client: httpx.Client | None = None
    ):
        self.url = url.rstrip("/")
        self._client = client or httpx.Client(
            base_url=self.url,
            headers={"Authorization": f"Bearer {token}"},
            timeout=timeout,
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> PeerClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = self._client.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            raise PeerUnavailable(
                f"peer {self.url} unreachable during {method} {path}: {type(exc).__name__}: {exc}"
            ) from None
        if response.status_code >= 500:
            raise PeerUnavailable(f"peer {self.url} failed {method} {path}: {response.status_code}")
        if response.status_code >= 400:
            detail = ""
            with contextlib.suppress(ValueError, AttributeError):
                detail = str(response.json().get("detail", ""))
            raise PeerError(
                f"peer {self.url} refused {method} {path}: {response.status_code} {detail}".strip()
            )
        if len(response.content) > MAX_RESPONSE_BYTES:
            raise PeerError(f"peer {self.url} answered {len(response.content)} bytes to {path}")
        try:
            return response.json()
        except ValueError:
            raise PeerError(f"peer {self.url} answered {path} with something not JSON") from None

    def health(self) -> dict[str, Any]:
        data = self._request("GET", "/v1/health")
        if not isinstance(data, dict) or not isinstance(data.get("party"), str):
            raise PeerError(f"peer {self.url}: /v1/health does not name a party")
        return data

    def checkpoint(self) -> str:
        data = self._request("GET", "/v1/log/checkpoint")
        note = data.get("note") if isinstance(data, dict) else None
        if not isinstance(note, str):
            raise PeerError(f"peer {self.url}: checkpoint answer has no signed note")
        return note

    def consistency(self, first: int, second: int) -> list[bytes]:
        data = self._request(
            "GET", "/v1/log/proof/consistency", params={"first": first, "second": second}
        )
        proof = data.get("proof") if isinstance(data, dict) else None
        if not isinstance(proof, list):
            raise PeerError(f"peer {self.url}: consistency answer has no proof list")
        return [_b64(h, "a consistency proof hash") for h in proof]

    def entries(self, start: int, end: int, tree_size: int) -> list[PeerEntry]:
        data = self._request(
            "GET",
            "/v1/log/entries",
            params={"start": start, "end": end, "proof_size": tree_size},
        )
        raw = data.get("entries") if isinstance(data, dict) else None
        if not isinstance(raw, list):
            raise PeerError(f"peer {self.url}: entries answer has no entry list")
        entries = []
        for item in raw:
            if not isinstance(item, dict) or not isinstance(item.get("index"), int):
                raise PeerError(f"peer {self.url}: malformed entry")
            leaf = _b64(item.get("leaf"), f"leaf {item['index']}")
            entry = _b64(item["entry"], f"entry {item['index']}") if item.get("entry") else leaf
            proof = item.get("proof")
            if not isinstance(proof, list):
                raise PeerError(f"peer {self.url}: entry {item['index']} has no inclusion proof")
            entries.append(
                PeerEntry(item["index"], leaf, entry, [_b64(h, "a proof hash") for h in proof])
            )
        return entries

    def cosign(self, checkpoint_text: str, line: str) -> dict[str, Any]:
        data = self._request(
            "POST",
            "/v1/log/cosignatures",
            json={"checkpoint": checkpoint_text, "cosignature": line},
        )
        return data if isinstance(data, dict) else {}


# -- sync ------------------------------------------------------------------------------------


@dataclass
class SyncReport:
    peer_party: str
    origin: str
    previous_size: int
    size: int
    mirrored: int
    replayed: int
    counts: dict[str, Any] = field(default_factory=dict)
    cosigned: bool = False


def _evidence_path(directory: Path, origin: str, now: datetime) -> Path:
    safe = origin.replace("/", "_").replace(":", "_")
    return directory / f"equivocation-{safe}-{now.strftime('%Y%m%dT%H%M%S%fZ')}.json"


def sync_peer(
    workspace: Workspace,
    peer_url: str,
    token: str,
    *,
    page_size: int = DEFAULT_PAGE_SIZE,
    evidence_dir: Path | None = None,
    on_page: Callable[[int, int], None] | None = None,
    client: PeerClient | None = None,
    clock: Callable[[], float] = time.time,
) -> SyncReport:
    """Verify, mirror, count and cosign the other party's log served at ``peer_url``."""
    from treatyledger.node.mirror import Mirror

    peer = client or PeerClient(peer_url, token)
    try:
        peer_party = peer.health()["party"]
        if peer_party == workspace.party:
            raise PeerError(f"peer {peer_url} serves this workspace's own party {peer_party}")
        keys = workspace.party_keys(peer_party)
        if not keys:
            raise PeerError(
                f"no public key registered for party {peer_party}; register the peer's key "
                "in this workspace before syncing"
            )
        vkeys = [log_vkey(peer_party, key) for key in keys.values()]
        origin = vkeys[0].name
        state = load_peer_sync(workspace.engine, origin)
        trusted_note = state.checkpoint if state is not None else None
        mirrored = state.mirrored if state is not None else 0
        previous_size = state.size if state is not None else 0

        note = peer.checkpoint()
        log_key = _signing_key_of(note, vkeys)
        new = verify_checkpoint(note, log_key).checkpoint

        witness_state: dict[str, str] = {}
        if trusted_note is not None:
            witness_state[origin] = trusted_note
        witness = Witness(
            cosigner_for(workspace.party, workspace.signing_key), [log_key], witness_state
        )
        evidence_home = evidence_dir or Path(getattr(workspace, "path", "."))

        def consistency_from(held: str) -> list[bytes]:
            held_size = verify_checkpoint(held, log_key).checkpoint.size
            if 0 < held_size < new.size:
                return peer.consistency(held_size, new.size)
            return []

        def write_evidence(evidence: dict[str, Any]) -> Path:
            path = _evidence_path(evidence_home, origin, datetime.now(UTC))
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(evidence_json(evidence), encoding="utf-8")
            return path

        try:
            # The entries beyond the trusted size were verified against ``pending`` in an
            # interrupted run: that checkpoint too must be consistent with the new one.
            if state is not None and state.pending and state.pending != note:
                pending_size = verify_checkpoint(state.pending, log_key).checkpoint.size
                if pending_size > new.size:
                    raise PeerVerificationFailed(
                        f"log {origin}: checkpoint size {new.size} is smaller than the "
                        f"size {pending_size} this node already mirrored"
                    )
                Witness(witness.cosigner, [log_key], {origin: state.pending}).compare(
                    note, consistency_from(state.pending)
                )
            proof = consistency_from(trusted_note) if trusted_note is not None else []
            line = witness.add_checkpoint(note, proof, now=int(clock()))
        except EquivocationError as exc:
            raise ForkDetected(
                f"log {origin} forked: {exc}", write_evidence(exc.evidence)
            ) from None
        except WitnessError as exc:
            # A proof that fails without binding another prefix root proves nothing by itself
            # (e.g. from a power-of-two size). Rebuild the new tree from its entries, each
            # checked against the new root: if its prefix differs from what the log signed
            # before, that is a fork, and the rebuilt tree gives the proof that shows it.
            held = state.pending if state is not None and state.pending else trusted_note
            evidence = None
            if held is not None:
                evidence = _fork_evidence(peer, log_key, held, note, new, page_size)
            if evidence is not None:
                raise ForkDetected(
                    f"log {origin} forked: {exc}", write_evidence(evidence)
                ) from None
            raise PeerVerificationFailed(f"log {origin}: {exc}") from None

        if mirrored > new.size:
            raise PeerVerificationFailed(
                f"log {origin}: checkpoint size {new.size} is below the {mirrored} entries "
                "already mirrored"
            )
        save_peer_sync(
            workspace.engine,
            origin,
            party=peer_party,
            peer_url=peer_url,
            size=previous_size,
            root_hash=None if state is None else state.root_hash,
            checkpoint=trusted_note,
            mirrored=mirrored,
            pending=note,
        )
        mirror = Mirror(workspace)
        replayed = 0
        while mirrored < new.size:
            end = min(new.size, mirrored + page_size)
            entries = peer.entries(mirrored, end, new.size)
            _verify_entries(entries, mirrored, end, new)
            replayed += mirror.replay(peer_party, [e.entry for e in entries])
            mirrored = end
            save_peer_sync(workspace.engine, origin, mirrored=mirrored)
            if on_page is not None:
                on_page(mirrored, new.size)

        # The mirror rebuilt the peer's tree leaf by leaf: its root must be the signed one.
        if new.size and mirror.root(peer_party, new.size) != new.root:
            raise PeerVerificationFailed(
                f"log {origin}: the mirrored entries do not hash to the checkpoint root "
                f"of size {new.size}"
            )
        counts = mirror.counts(peer_party)
        peer.cosign(new.text(), line)
        save_peer_sync(
            workspace.engine,
            origin,
            size=new.size,
            root_hash=new.root,
            checkpoint=note,
            mirrored=mirrored,
            pending=None,
        )
        return SyncReport(
            peer_party=peer_party,
            origin=origin,
            previous_size=previous_size,
            size=new.size,
            mirrored=mirrored,
            replayed=replayed,
            counts=counts,
            cosigned=True,
        )
    finally:
        if client is None:
            peer.close()


MAX_FORK_REBUILD = 1_000_000


def _fork_evidence(
    peer: PeerClient,
    log_key: VerifierKey,
    held_note: str,
    new_note: str,
    new: Checkpoint,
    page_size: int,
) -> dict[str, Any] | None:
    """Equivocation evidence between ``held_note`` and ``new_note`` built from the peer's own
    entries, or None when the entries show no fork (or the peer's log is too large)."""
    held = verify_checkpoint(held_note, log_key).checkpoint
    if not 0 < held.size < new.size or new.size > MAX_FORK_REBUILD:
        return None
    tree = MemoryLog()
    for start in range(0, new.size, page_size):
        entries = peer.entries(start, min(new.size, start + page_size), new.size)
        _verify_entries(entries, start, min(new.size, start + page_size), new)
        tree.append_many(e.leaf for e in entries)
    prefix = tree.root(held.size)
    if tree.root(new.size) != new.root or prefix == held.root:
        return None
    proof = tree.consistency_proof(held.size, new.size)
    return inconsistency_evidence(log_key, held_note, new_note, prefix, proof)


def _signing_key_of(note: str, vkeys: Sequence[VerifierKey]) -> VerifierKey:
    names = {(s.name, s.key_id) for s in parse_note(note).signatures}
    for key in vkeys:
        if (key.name, key.key_id) in names:
            return key
    raise PeerVerificationFailed(
        f"checkpoint is not signed by any registered key of log {vkeys[0].name}"
    )


def _verify_entries(entries: Sequence[PeerEntry], start: int, end: int, tree: Checkpoint) -> None:
    indexes = [e.index for e in entries]
    if indexes != list(range(start, end)):
        raise PeerVerificationFailed(
            f"asked for entries {start}..{end - 1}, peer sent indexes "
            f"{indexes[:3]}{'...' if len(indexes) > 3 else ''}"
        )
    for entry in entries:
        if entry.leaf != entry.entry and not leaf_matches_entry(entry.leaf, entry.entry):
            raise PeerVerificationFailed(f"entry {entry.index} does not match its leaf")
        try:
            verify_inclusion(
                RFC6962,
                entry.index,
                tree.size,
                RFC6962.hash_leaf(entry.leaf),
                entry.proof,
                tree.root,
            )
        except VerificationError as exc:
            raise PeerVerificationFailed(
                f"entry {entry.index} is not in the checkpoint of size {tree.size}: {exc}"
            ) from None
