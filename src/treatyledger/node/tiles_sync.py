"""Peer sync over C2SP tlog-tiles alone: follow the other party's log from its node's
``/v1/tlog`` prefix or from a static copy (``log export-tiles``, any web server or a local
directory), verifying as the JSON sync does.

Two passes, so nothing unverified reaches the mirror. First, the new entries (entry bundles
from the size already mirrored to the checkpoint's size, and the blob behind each digest
leaf) are hashed onto the right border of the mirror's own tree; the result must be the
signed root of the new checkpoint, which proves at once that every new entry is in that
tree and that the tree extends what was mirrored before. Then the same bundles are read
again, each leaf checked against its hash from the first pass, and replayed into the mirror
(signatures and lifecycle rules) page by page; the mirror's root must again be the signed
one; the peer's published zk limit proofs are checked as the JSON sync checks them.

As the JSON sync does, it then cosigns the checkpoint (the note body received, byte for
byte) and hands the cosignature back when the source is a node's ``.../v1/tlog`` with a
token (``POST /v1/log/cosignatures``); a static copy, or a node followed without a token,
has nowhere to take it (a log that wants it pushes its checkpoints here:
``POST /v1/witness/add-checkpoint``). Where the served entries do not extend what was
mirrored (or the checkpoint an interrupted sync verified against) to the signed root, the
whole tree is rebuilt from the source's entries: if it has the signed root, the log signed
two trees that cannot both be true, and the evidence is written by the JSON sync's writer
(``peer_client.fork_detected``); otherwise the copy is tampered and refused."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

from treatyledger.node.errors import PeerError, PeerUnavailable, PeerVerificationFailed
from treatyledger.node.keys import cosigner_for
from treatyledger.node.peer import (
    MAX_FORK_REBUILD,
    SyncReport,
    VerifiedCheckpoint,
    check_published_limit_proofs,
    identify_peer,
    verify_peer_checkpoint,
)
from treatyledger.node.peer_client import MAX_RESPONSE_BYTES, fork_detected
from treatyledger.store.peer_sync import load_peer_sync, save_peer_sync
from treatyledger.store.tlog_c2sp import border_hashes
from treatyledger.tlog.c2sp_tiles import ENTRIES, TilePath, decode_entry_bundle, tile_width
from treatyledger.tlog.checkpoint import origin_for_party
from treatyledger.tlog.compact import CompactRange
from treatyledger.tlog.cosignature import cosignature_line
from treatyledger.tlog.entries import is_digest_leaf, leaf_matches_entry
from treatyledger.tlog.errors import TilePathError
from treatyledger.tlog.evidence import inconsistency_evidence
from treatyledger.tlog.hashing import RFC6962
from treatyledger.tlog.memory import MemoryLog
from treatyledger.tlog.note import parse_note
from treatyledger.tlog.tiles import TILE_WIDTH
from treatyledger.tlog.verifier import VerificationError, parse_checkpoint, verify_checkpoint

if TYPE_CHECKING:
    from treatyledger.store.workspace import Workspace


class TilesSource:
    """A tlog-tiles prefix: an http(s) URL (with an optional bearer token) or a directory."""

    def __init__(self, base: str, token: str | None = None, *, timeout: float = 30.0):
        self.base = base.rstrip("/")
        self.remote = self.base.startswith(("http://", "https://"))
        self.token = token
        self._client = (
            httpx.Client(
                headers={"Authorization": f"Bearer {token}"} if token else {}, timeout=timeout
            )
            if self.remote
            else None
        )

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

    def __enter__(self) -> TilesSource:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def get(self, path: str) -> bytes:
        if self._client is None:
            file = Path(self.base) / path
            try:
                if file.stat().st_size > MAX_RESPONSE_BYTES:
                    raise PeerError(f"{file} is larger than {MAX_RESPONSE_BYTES} bytes")
                return file.read_bytes()
            except FileNotFoundError:
                raise PeerError(f"{self.base} has no {path}") from None
            except OSError as exc:
                raise PeerUnavailable(f"cannot read {file}: {exc}") from None
        try:
            response = self._client.get(f"{self.base}/{path}")
        except httpx.TransportError as exc:
            raise PeerUnavailable(f"{self.base} unreachable for {path}: {exc}") from None
        if response.status_code >= 500:
            raise PeerUnavailable(f"{self.base} failed {path}: {response.status_code}")
        if response.status_code != 200:
            raise PeerError(f"{self.base} refused {path}: {response.status_code}")
        if len(response.content) > MAX_RESPONSE_BYTES:
            raise PeerError(f"{self.base} answered {len(response.content)} bytes to {path}")
        return response.content

    def cosign(self, checkpoint_text: str, line: str) -> bool:
        """Hand a cosignature back to the node serving these tiles; False where there is
        none to take it (a static copy, no token, or a token whose role does not cosign)."""
        node = self.base.removesuffix("/tlog")
        if self._client is None or self.token is None or node == self.base:
            return False
        body = {"checkpoint": checkpoint_text, "cosignature": line}
        try:
            response = self._client.post(f"{node}/log/cosignatures", json=body)
        except httpx.TransportError as exc:
            raise PeerUnavailable(f"{node} unreachable for the cosignature: {exc}") from None
        if response.status_code >= 500:
            raise PeerUnavailable(f"{node} failed the cosignature: {response.status_code}")
        if response.status_code == 403:  # a role that reads but does not cosign (inspector)
            return False
        if response.status_code != 200:
            raise PeerError(f"{node} refused the cosignature: {response.status_code}")
        return True

    def checkpoint(self) -> str:
        try:
            return self.get("checkpoint").decode("utf-8")
        except UnicodeDecodeError:
            raise PeerVerificationFailed(f"{self.base}/checkpoint is not UTF-8") from None

    def entries(self, index: int, width: int) -> list[tuple[bytes, bytes]]:
        """(leaf, entry) pairs of entry bundle ``index`` at ``width``; the entry behind a
        digest leaf comes from ``blob/sha256/<hex>`` and must match the leaf."""
        tile = TilePath(ENTRIES, index, width)
        try:
            leaves = decode_entry_bundle(self.get(tile.path()), width)
        except TilePathError as exc:
            raise PeerVerificationFailed(f"{tile.path()}: {exc}") from None
        out = []
        for leaf in leaves:
            entry = leaf
            if is_digest_leaf(leaf):
                entry = self.get(f"blob/sha256/{leaf[-40:-8].hex()}")
                if not leaf_matches_entry(leaf, entry):
                    raise PeerVerificationFailed(f"a blob of {tile.path()} does not match its leaf")
            out.append((leaf, entry))
        return out


@dataclass(frozen=True)
class _Plan:
    party: str
    origin: str
    verified: VerifiedCheckpoint
    mirrored: int
    #: signed checkpoints the new one must extend: the trusted one, and the one an
    #: interrupted sync verified entries against
    held: tuple[str, ...]
    evidence_home: Path

    @property
    def size(self) -> int:
        return self.verified.checkpoint.size

    @property
    def root(self) -> bytes:
        return self.verified.checkpoint.root


def _peer_of(workspace: Workspace, note: str) -> str:
    """The registered party whose log the checkpoint is of."""
    try:
        origin = parse_checkpoint(parse_note(note).text).origin
    except VerificationError as exc:
        raise PeerVerificationFailed(f"checkpoint: {exc}") from None
    for party in workspace.parties():
        if party.id != workspace.party and origin_for_party(party.id) == origin:
            return party.id
    raise PeerError(
        f"checkpoint of log {origin!r}: no registered party has that log; register its key "
        "with `peer trust` first"
    )


def _mirror_border(workspace: Workspace, origin: str, size: int) -> CompactRange:
    """The right border of the mirror's own tree of the peer's log at ``size``."""
    hashes = border_hashes(workspace.engine, origin, size)
    if hashes is None:
        raise PeerVerificationFailed(
            f"the mirror holds fewer entries of {origin} than the {size} the sync state says"
        )
    return CompactRange(RFC6962, size, hashes)


def _bundles(start: int, end: int) -> list[tuple[int, int, int]]:
    """(bundle index, width at ``end``, first wanted position) covering [start, end)."""
    return [
        (index, tile_width(end, 0, index), max(start - index * TILE_WIDTH, 0))
        for index in range(start // TILE_WIDTH, (end + TILE_WIDTH - 1) // TILE_WIDTH)
    ]


def sync_from_tiles(
    workspace: Workspace,
    source: TilesSource,
    *,
    on_page: Callable[[int, int], None] | None = None,
    evidence_dir: Path | None = None,
    clock: Callable[[], float] = time.time,
) -> SyncReport:
    """Verify, mirror and cosign the other party's log from a tlog-tiles prefix."""
    from treatyledger.node.mirror import Mirror

    note = source.checkpoint()
    log = identify_peer(workspace, _peer_of(workspace, note), source.base)
    party, origin = log.party, log.origin
    verified = verify_peer_checkpoint(note, log)
    new = verified.checkpoint
    if new.origin != origin:
        raise PeerVerificationFailed(f"checkpoint of log {new.origin!r}, expected {origin!r}")
    state = load_peer_sync(workspace.engine, origin)
    mirrored = state.mirrored if state is not None else 0
    previous = state.size if state is not None else 0
    if new.size < mirrored:
        raise PeerVerificationFailed(
            f"log {origin}: checkpoint size {new.size} is below the {mirrored} entries mirrored"
        )
    held = () if state is None else tuple(n for n in (state.checkpoint, state.pending) if n)
    home = evidence_dir or Path(getattr(workspace, "path", "."))
    plan = _Plan(party, origin, verified, mirrored, held, home)
    hashes = _verify_new_entries(workspace, source, plan)
    save_peer_sync(
        workspace.engine,
        origin,
        party=party,
        peer_url=source.base,
        size=previous,
        root_hash=None if state is None else state.root_hash,
        checkpoint=None if state is None else state.checkpoint,
        mirrored=mirrored,
        pending=note,
    )
    mirror = Mirror(workspace)
    replayed = 0
    for index, width, first in _bundles(mirrored, new.size):
        pairs = source.entries(index, width)[first:]
        start = index * TILE_WIDTH + first
        for offset, (leaf, _entry) in enumerate(pairs):
            if RFC6962.hash_leaf(leaf) != hashes[start - mirrored + offset]:
                raise PeerVerificationFailed(f"entry {start + offset} changed between reads")
        replayed += mirror.replay(party, [entry for _leaf, entry in pairs])
        save_peer_sync(workspace.engine, origin, mirrored=start + len(pairs))
        if on_page is not None:
            on_page(start + len(pairs), new.size)
    if new.size and mirror.root(party, new.size) != new.root:
        raise PeerVerificationFailed(
            f"log {origin}: the mirrored entries do not hash to the checkpoint root"
        )
    limit_proofs = check_published_limit_proofs(workspace, party)
    cosigner = cosigner_for(workspace.party, workspace.signing_key)
    cosigned = source.cosign(new.text(), cosignature_line(cosigner, new.text(), int(clock())))
    save_peer_sync(
        workspace.engine,
        origin,
        size=new.size,
        root_hash=new.root,
        checkpoint=note,
        mirrored=new.size,
        pending=None,
    )
    return SyncReport(
        peer_party=party,
        origin=origin,
        previous_size=previous,
        size=new.size,
        mirrored=new.size,
        replayed=replayed,
        counts=mirror.counts(party),
        cosigned=cosigned,
        limit_proofs=limit_proofs,
    )


def _verify_new_entries(workspace: Workspace, source: TilesSource, plan: _Plan) -> list[bytes]:
    """Pass one: the leaf hashes of entries [mirrored, size), proven to extend the mirror's
    tree (and every held checkpoint at or above the mirrored size) to the signed root."""
    border = _mirror_border(workspace, plan.origin, plan.mirrored)
    held_at = _held_sizes(plan)
    hashes: list[bytes] = []
    consistent = True
    for index, width, first in _bundles(plan.mirrored, plan.size):
        for leaf, _entry in source.entries(index, width)[first:]:
            leaf_hash = RFC6962.hash_leaf(leaf)
            border.append(leaf_hash)
            hashes.append(leaf_hash)
            expected = held_at.get(plan.mirrored + len(hashes))
            if expected is not None and border.root() != expected:
                consistent = False
    if border.root() != plan.root or not consistent:
        _fork_or_tampered(source, plan)
    return hashes


def _held_sizes(plan: _Plan) -> dict[int, bytes]:
    """size -> root of the held checkpoints above what the mirror holds (the mirror's own
    tree already has the roots below it)."""
    key = plan.verified.key
    held = [verify_checkpoint(note, key).checkpoint for note in plan.held]
    return {c.size: c.root for c in held if plan.mirrored < c.size <= plan.size}


def _fork_or_tampered(source: TilesSource, plan: _Plan) -> None:
    """The served entries do not give the signed root over what this node holds. Rebuild
    the new tree from the source's entries alone: with the signed root, and a prefix that is
    not a held signed root, the log forked (evidence written); otherwise the copy is bad."""
    new = plan.verified.checkpoint
    if new.size <= MAX_FORK_REBUILD:
        tree = MemoryLog()
        for index, width, _first in _bundles(0, new.size):
            tree.append_many(leaf for leaf, _entry in source.entries(index, width))
        if tree.size == new.size and tree.root(new.size) == new.root:
            for note in plan.held:
                held = verify_checkpoint(note, plan.verified.key).checkpoint
                if 0 < held.size < new.size and tree.root(held.size) != held.root:
                    evidence = inconsistency_evidence(
                        plan.verified.key,
                        note,
                        plan.verified.note,
                        tree.root(held.size),
                        tree.consistency_proof(held.size, new.size),
                    )
                    reason = f"size {new.size} does not extend the signed size {held.size}"
                    raise fork_detected(plan.origin, reason, evidence, plan.evidence_home)
    raise PeerVerificationFailed(
        f"log {plan.origin}: the mirrored tree extended by the served entries does not "
        f"hash to the signed root of size {plan.size} (a tampered copy, or a fork of what "
        "was mirrored before)"
    )
