"""``log export-tiles``: the stored log written as a static C2SP tlog-tiles tree that any
static web server or object store serves (as Tessera's POSIX backend and Sunlight do).

Incremental: the directory's own checkpoint says which size it already holds; only the
tiles and entry bundles that size lacks are written, each to a temporary file renamed into
place, and the new checkpoint last, so a reader never sees a checkpoint whose tiles are
missing. A directory holding another log, or a checkpoint this log contradicts, is refused.
A full tile already present must be byte-identical (it is immutable)."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, Engine

from treatyledger.store import tlog_c2sp, tlog_store
from treatyledger.store.errors import ExportError
from treatyledger.tlog.c2sp_tiles import TilePath, encode_entry_bundle, new_tiles
from treatyledger.tlog.entries import is_digest_leaf
from treatyledger.tlog.note import Signer, parse_note
from treatyledger.tlog.verifier import VerificationError, VerifierKey, verify_checkpoint

__all__ = ["ExportReport", "export_tiles"]

MAX_CHECKPOINT_BYTES = 1 << 20


@dataclass
class ExportReport:
    directory: Path
    previous_size: int
    size: int
    tiles: int = 0
    bundles: int = 0
    blobs: int = 0


def _write(path: Path, data: bytes, *, immutable: bool) -> bool:
    """Write ``data`` at ``path`` atomically; False if an identical file is there already."""
    if path.exists():
        if path.read_bytes() == data:
            return False
        if immutable:
            raise ExportError(f"{path} exists with other content; it is of another log")
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)
    return True


def _held_size(directory: Path, log_key: VerifierKey, origin: str) -> tuple[int, bytes | None]:
    path = directory / "checkpoint"
    if not path.exists():
        return 0, None
    if path.stat().st_size > MAX_CHECKPOINT_BYTES:
        raise ExportError(f"{path} is larger than a checkpoint can be")
    try:
        held = verify_checkpoint(path.read_text(encoding="utf-8"), log_key, origin=origin)
    except (VerificationError, UnicodeDecodeError) as exc:
        raise ExportError(f"{path} is not a checkpoint of this log: {exc}") from None
    return held.checkpoint.size, held.checkpoint.root


def export_tiles(
    engine: Engine,
    origin: str,
    party: str,
    signer: Signer,
    directory: Path,
    *,
    entries: bool = True,
    on_progress: Callable[[int, int], None] | None = None,
) -> ExportReport:
    """Write the log's tiles (and, with ``entries``, its entry bundles and the blobs behind
    digest leaves) under ``directory``, then its current signed checkpoint."""
    log_key = signer.verifier_key()
    previous, previous_root = _held_size(directory, log_key, origin)
    with engine.begin() as conn:
        tlog_store.ensure_log(conn, origin)
        tlog_store.publish_checkpoint(conn, origin, signer)
    with engine.connect() as conn:
        note = tlog_store.latest_checkpoint(conn, origin)
        assert note is not None
        size = verify_checkpoint(note, log_key, origin=origin).checkpoint.size
        if previous > size:
            raise ExportError(f"{directory} holds size {previous}, beyond this log's {size}")
        if previous_root is not None and tlog_store.TlogReader(conn, origin).root(previous) != (
            previous_root
        ):
            raise ExportError(
                f"{directory}/checkpoint (size {previous}) contradicts this log: its root "
                "differs from this log's root of that size"
            )
        report = ExportReport(directory, previous, size)
        todo = [t for t in new_tiles(previous, size) if entries or not t.is_entries]
        for done, tile in enumerate(todo, 1):
            _export_one(conn, origin, party, directory, tile, report)
            if on_progress is not None:
                on_progress(done, len(todo))
    parse_note(note)
    _write(directory / "checkpoint", note.encode(), immutable=False)
    return report


def _export_one(
    conn: Connection, origin: str, party: str, directory: Path, tile: TilePath, report: ExportReport
) -> None:
    path = directory / tile.path()
    if not tile.is_entries:
        data = tlog_c2sp.read_hash_tile(conn, origin, tile)
        if data is None:
            raise ExportError(f"the log has no {tile.path()}")
        report.tiles += _write(path, data, immutable=not tile.is_partial)
        return
    leaves = tlog_c2sp.entry_leaves(conn, origin, tile)
    if leaves is None:
        raise ExportError(f"the log has no {tile.path()}")
    report.bundles += _write(path, encode_entry_bundle(leaves), immutable=not tile.is_partial)
    for leaf in leaves:
        if is_digest_leaf(leaf):
            digest = leaf[-40:-8].hex()
            full = tlog_c2sp.full_entry(conn, party, digest)
            if full is None or hashlib.sha256(full).hexdigest() != digest:
                raise ExportError(f"the notification behind digest leaf {digest} is missing")
            report.blobs += _write(directory / "blob" / "sha256" / digest, full, immutable=True)
