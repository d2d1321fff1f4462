"""Peer sync: check another party's node and mirror its log, in protocol steps.

``sync_peer`` runs them in order, each a function that can be tested alone:

1. ``identify_peer``: which party the peer serves, and that party's log keys registered in
   this workspace (registered out of band: ``peer trust``);
2. ``verify_peer_checkpoint``: the peer's latest checkpoint is signed by one of those keys;
3. ``check_consistency``: it extends the last checkpoint this node accepted (and the one an
   interrupted sync mirrored against), through ``treatyledger.tlog.witness.Witness``; a fork
   stops the sync with ``ForkDetected`` and an evidence file; the cosignature is prepared;
4. ``mirror_pages``: the new entries, each with an inclusion proof to that checkpoint, are
   validated and replayed into this workspace's mirror of the other party's ledger, page by
   page (each page committed before the marker moves, so a sync resumes where it stopped);
5. ``check_mirror_root``: the mirror's own tree, rebuilt leaf by leaf, has the signed root;
6. the checkpoint is cosigned and the cosignature handed back; the trusted state moves.

It never advances on a log it cannot verify. A network failure stops it with
``PeerUnavailable``; replaying an entry twice is harmless (an idempotent duplicate). Where
the entries come from is a parameter (``EntrySource``): the peer's ``/v1/log/entries`` by
default.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from treatyledger.node.errors import PeerError, PeerVerificationFailed
from treatyledger.node.keys import cosigner_for, log_vkey
from treatyledger.node.peer_client import EntrySource, PeerClient, PeerEntry, fork_detected
from treatyledger.store.peer_sync import PeerSync, load_peer_sync, save_peer_sync
from treatyledger.store.zk_store import LimitProofCheck, builtin_limits, check_limit_proofs
from treatyledger.tlog.entries import leaf_matches_entry
from treatyledger.tlog.errors import EquivocationError, WitnessError
from treatyledger.tlog.evidence import inconsistency_evidence
from treatyledger.tlog.memory import MemoryLog
from treatyledger.tlog.note import Signer, parse_note
from treatyledger.tlog.verifier import (
    RFC6962,
    Checkpoint,
    VerificationError,
    VerifierKey,
    verify_checkpoint,
    verify_inclusion,
)
from treatyledger.tlog.witness import Witness

if TYPE_CHECKING:
    from treatyledger.node.mirror import Mirror
    from treatyledger.store.workspace import Workspace

DEFAULT_PAGE_SIZE = 256


class ProofSource(Protocol):
    def consistency(self, first: int, second: int) -> list[bytes]: ...


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
    #: the peer's zk limit proofs checked in this sync (new ones only)
    limit_proofs: list[LimitProofCheck] = field(default_factory=list)
    #: entries mirrored before this sync that ``recheck`` verified again
    rechecked: int = 0


@dataclass(frozen=True)
class PeerLog:
    """The other party's log as this workspace knows it: party, origin, registered keys."""

    party: str
    origin: str
    keys: tuple[VerifierKey, ...]


@dataclass(frozen=True)
class VerifiedCheckpoint:
    note: str
    key: VerifierKey  # the registered key that signed it
    checkpoint: Checkpoint


# -- step 1 ------------------------------------------------------------------------------------


def identify_peer(workspace: Workspace, peer_party: str, peer_url: str) -> PeerLog:
    """The log of ``peer_party`` (what the peer's health names) with its registered keys."""
    if peer_party == workspace.party:
        raise PeerError(f"peer {peer_url} serves this workspace's own party {peer_party}")
    keys = workspace.party_keys(peer_party)
    if not keys:
        raise PeerError(
            f"no public key registered for party {peer_party}; register the peer's key "
            "in this workspace before syncing"
        )
    vkeys = tuple(log_vkey(peer_party, key) for key in keys.values())
    return PeerLog(peer_party, vkeys[0].name, vkeys)


# -- step 2 ------------------------------------------------------------------------------------


def verify_peer_checkpoint(note: str, log: PeerLog) -> VerifiedCheckpoint:
    """``note`` is a checkpoint of ``log`` signed by one of its registered keys."""
    names = {(s.name, s.key_id) for s in parse_note(note).signatures}
    for key in log.keys:
        if (key.name, key.key_id) in names:
            try:
                return VerifiedCheckpoint(note, key, verify_checkpoint(note, key).checkpoint)
            except VerificationError as exc:
                raise PeerVerificationFailed(f"log {log.origin}: {exc}") from None
    raise PeerVerificationFailed(
        f"checkpoint is not signed by any registered key of log {log.origin}"
    )


# -- step 3 ------------------------------------------------------------------------------------


def check_consistency(
    new: VerifiedCheckpoint,
    state: PeerSync | None,
    cosigner: Signer,
    proofs: ProofSource,
    entries: EntrySource,
    *,
    now: int,
    evidence_home: Path,
    page_size: int = DEFAULT_PAGE_SIZE,
) -> str:
    """The cosignature line for ``new`` once it is consistent with the trusted checkpoint
    of ``state`` and with the one an interrupted sync mirrored against; ``ForkDetected``
    (evidence written under ``evidence_home``) when two of them cannot both be true."""
    origin = new.checkpoint.origin
    log_key = new.key
    trusted = state.checkpoint if state is not None else None
    pending = state.pending if state is not None else None

    def consistency_from(held: str) -> list[bytes]:
        held_size = verify_checkpoint(held, log_key).checkpoint.size
        if 0 < held_size < new.checkpoint.size:
            return proofs.consistency(held_size, new.checkpoint.size)
        return []

    witness = Witness(cosigner, [log_key], {origin: trusted} if trusted is not None else {})
    try:
        # The entries beyond the trusted size were verified against ``pending`` in an
        # interrupted run: that checkpoint too must be consistent with the new one.
        if pending and pending != new.note:
            pending_size = verify_checkpoint(pending, log_key).checkpoint.size
            if pending_size > new.checkpoint.size:
                raise PeerVerificationFailed(
                    f"log {origin}: checkpoint size {new.checkpoint.size} is smaller than the "
                    f"size {pending_size} this node already mirrored"
                )
            Witness(cosigner, [log_key], {origin: pending}).compare(
                new.note, consistency_from(pending)
            )
        proof = consistency_from(trusted) if trusted is not None else []
        return witness.add_checkpoint(new.note, proof, now=now)
    except EquivocationError as exc:
        raise fork_detected(origin, exc, exc.evidence, evidence_home) from None
    except WitnessError as exc:
        # A proof that fails without binding another prefix root proves nothing by itself
        # (e.g. from a power-of-two size). Rebuild the new tree from its entries, each
        # checked against the new root: if its prefix differs from what the log signed
        # before, that is a fork, and the rebuilt tree gives the proof that shows it.
        held = pending or trusted
        evidence = None
        if held is not None:
            evidence = _fork_evidence(entries, log_key, held, new, page_size)
        if evidence is not None:
            raise fork_detected(origin, exc, evidence, evidence_home) from None
        raise PeerVerificationFailed(f"log {origin}: {exc}") from None


# -- step 4 ------------------------------------------------------------------------------------


def mirror_pages(
    entries: EntrySource,
    mirror: Mirror,
    party: str,
    start: int,
    tree: Checkpoint,
    *,
    page_size: int = DEFAULT_PAGE_SIZE,
    mirrored_to: Callable[[int], None] = lambda _end: None,
) -> int:
    """Mirror entries ``start`` .. ``tree.size`` page by page, each entry checked against
    ``tree`` before the page is replayed; ``mirrored_to(end)`` after each page is stored.
    Returns how many notifications were new to the mirror."""
    _not_behind(tree, start)
    replayed = 0
    mirrored = start
    while mirrored < tree.size:
        end = min(tree.size, mirrored + page_size)
        page = entries.entries(mirrored, end, tree.size)
        verify_entries(page, mirrored, end, tree)
        replayed += mirror.replay(party, [e.entry for e in page])
        mirrored = end
        mirrored_to(mirrored)
    return replayed


def _not_behind(tree: Checkpoint, mirrored: int) -> None:
    if mirrored > tree.size:
        raise PeerVerificationFailed(
            f"log {tree.origin}: checkpoint size {tree.size} is below the {mirrored} entries "
            "already mirrored"
        )


def recheck_mirror(
    entries: EntrySource,
    workspace: Workspace,
    log: PeerLog,
    tree: Checkpoint,
    mirrored: int,
    *,
    page_size: int = DEFAULT_PAGE_SIZE,
) -> int:
    """``--recheck``: the ``mirrored`` entries this workspace already holds, fetched again,
    each included in ``tree`` and byte for byte this workspace's copy (the stored leaf and
    the stored notification): a copy changed here since it was mirrored stops the sync."""
    from treatyledger.store.log_entries import held_copies

    _not_behind(tree, mirrored)
    for start in range(0, mirrored, page_size):
        end = min(mirrored, start + page_size)
        page = entries.entries(start, end, tree.size)
        verify_entries(page, start, end, tree)
        held = held_copies(workspace.engine, log.origin, log.party, start, end)
        for entry in page:
            leaf, signed = held[entry.index]
            if leaf != entry.leaf or signed != entry.entry:
                part = "leaf" if leaf != entry.leaf else "notification"
                raise PeerVerificationFailed(
                    f"log {log.origin}: this workspace's copy of entry {entry.index} (its "
                    f"{part}) is not what the peer signed: the mirror was changed here; "
                    "`treatyledger log audit` names the row"
                )
    return mirrored


# -- step 5 ------------------------------------------------------------------------------------


def check_mirror_root(mirror: Mirror, party: str, tree: Checkpoint) -> None:
    """The mirror rebuilt the peer's tree leaf by leaf: its root must be the signed one."""
    if tree.size and mirror.root(party, tree.size) != tree.root:
        raise PeerVerificationFailed(
            f"log {tree.origin}: the mirrored entries do not hash to the checkpoint root "
            f"of size {tree.size}"
        )


def check_published_limit_proofs(workspace: Workspace, party: str) -> list[LimitProofCheck]:
    """Check the zero-knowledge limit proofs the mirrored log publishes (new ones only):
    after ``check_mirror_root``, so each proof's checkpoint is held to the verified tree."""
    return check_limit_proofs(workspace.engine, party, builtin_limits)


# -- the protocol ------------------------------------------------------------------------------


def sync_peer(
    workspace: Workspace,
    peer_url: str,
    token: str,
    *,
    page_size: int = DEFAULT_PAGE_SIZE,
    evidence_dir: Path | None = None,
    on_page: Callable[[int, int], None] | None = None,
    client: PeerClient | None = None,
    entry_source: EntrySource | None = None,
    clock: Callable[[], float] = time.time,
    recheck: bool = False,
) -> SyncReport:
    """Verify, mirror, count and cosign the other party's log served at ``peer_url``;
    ``recheck``: verify the entries mirrored before against it too (``recheck_mirror``)."""
    from treatyledger.node.mirror import Mirror

    peer = client or PeerClient(peer_url, token)
    try:
        log = identify_peer(workspace, peer.health().party, peer_url)
        state = load_peer_sync(workspace.engine, log.origin)
        new = verify_peer_checkpoint(peer.checkpoint(), log)
        tree = new.checkpoint
        source = entry_source or peer
        line = check_consistency(
            new,
            state,
            cosigner_for(workspace.party, workspace.signing_key),
            peer,
            source,
            now=int(clock()),
            evidence_home=evidence_dir or Path(getattr(workspace, "path", ".")),
            page_size=page_size,
        )
        previous_size = state.size if state is not None else 0
        mirrored = state.mirrored if state is not None else 0
        _not_behind(tree, mirrored)
        rechecked = (
            recheck_mirror(source, workspace, log, tree, mirrored, page_size=page_size)
            if recheck
            else 0
        )
        save_peer_sync(
            workspace.engine,
            log.origin,
            party=log.party,
            peer_url=peer_url,
            size=previous_size,
            root_hash=None if state is None else state.root_hash,
            checkpoint=None if state is None else state.checkpoint,
            mirrored=mirrored,
            pending=new.note,
        )

        def mirrored_to(end: int) -> None:
            save_peer_sync(workspace.engine, log.origin, mirrored=end)
            if on_page is not None:
                on_page(end, tree.size)

        mirror = Mirror(workspace)
        replayed = mirror_pages(
            source, mirror, log.party, mirrored, tree, page_size=page_size, mirrored_to=mirrored_to
        )
        check_mirror_root(mirror, log.party, tree)
        counts = mirror.counts(log.party)
        limit_proofs = check_published_limit_proofs(workspace, log.party)
        peer.cosign(tree.text(), line)
        save_peer_sync(
            workspace.engine,
            log.origin,
            size=tree.size,
            root_hash=tree.root,
            checkpoint=new.note,
            mirrored=tree.size,
            pending=None,
        )
        return SyncReport(
            peer_party=log.party,
            origin=log.origin,
            previous_size=previous_size,
            size=tree.size,
            mirrored=tree.size,
            replayed=replayed,
            counts=counts,
            cosigned=True,
            limit_proofs=limit_proofs,
            rechecked=rechecked,
        )
    finally:
        if client is None:
            peer.close()


MAX_FORK_REBUILD = 1_000_000


def _fork_evidence(
    source: EntrySource,
    log_key: VerifierKey,
    held_note: str,
    verified: VerifiedCheckpoint,
    page_size: int,
) -> dict[str, Any] | None:
    """Equivocation evidence between ``held_note`` and the new checkpoint built from the
    peer's own entries, or None when the entries show no fork (or the log is too large)."""
    new = verified.checkpoint
    held = verify_checkpoint(held_note, log_key).checkpoint
    if not 0 < held.size < new.size or new.size > MAX_FORK_REBUILD:
        return None
    tree = MemoryLog()
    for start in range(0, new.size, page_size):
        entries = source.entries(start, min(new.size, start + page_size), new.size)
        verify_entries(entries, start, min(new.size, start + page_size), new)
        tree.append_many(e.leaf for e in entries)
    prefix = tree.root(held.size)
    if tree.root(new.size) != new.root or prefix == held.root:
        return None
    proof = tree.consistency_proof(held.size, new.size)
    return inconsistency_evidence(log_key, held_note, verified.note, prefix, proof)


def verify_entries(entries: Sequence[PeerEntry], start: int, end: int, tree: Checkpoint) -> None:
    """``entries`` are ``start`` .. ``end - 1``, each matching its leaf and included in
    ``tree``."""
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
