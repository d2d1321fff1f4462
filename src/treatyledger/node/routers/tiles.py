"""The node's log as C2SP tlog-tiles (https://c2sp.org/tlog-tiles), under the prefix
``/v1/tlog``: ``checkpoint`` (the signed note, text/plain), ``tile/<L>/<N>[.p/<W>]`` (hash
tiles), ``tile/entries/<N>[.p/<W>]`` (entry bundles) and ``blob/sha256/<hex>`` (the full
notification behind a digest leaf; a TreatyLedger addition at its own URL, as the spec
allows). Hash tiles and the checkpoint reveal nothing item-level and are public, as the spec
says ("Hash tiles are public"): no token, so any tlog client, mirror or cache reads them.
Entry bundles and blobs are notifications: owner, peer and inspector only, never observers
(and not witnesses, who check consistency from hash tiles alone)."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Path, Security
from fastapi.responses import Response

from treatyledger.node import logview
from treatyledger.node.auth import Caller, Role
from treatyledger.node.errors import Problem
from treatyledger.node.problems import problem_responses
from treatyledger.node.routers.deps import Node, guard, guarded_router
from treatyledger.store import tlog_c2sp
from treatyledger.tlog.c2sp_tiles import TilePath, parse_tile_path
from treatyledger.tlog.errors import TilePathError

PREFIX = "/tlog"
router = guarded_router(prefix=PREFIX, tags=["tlog-tiles"])
#: The public routes, no token. Included after ``router``: its entry-bundle route must match
#: ``tile/entries/...`` before the hash-tile route's ``tile/{path}`` (which refuses entries).
public_router = APIRouter(prefix=PREFIX, tags=["tlog-tiles"], responses=problem_responses(422))
#: entry bundles carry item-level notifications
ENTRY_READERS = (Role.OWNER, Role.PEER, Role.INSPECTOR)
EntryReader = Annotated[Caller, Security(guard(*ENTRY_READERS))]

#: a tile of a given width never changes (a full one is final, a partial one is a prefix)
IMMUTABLE = {"Cache-Control": "public, max-age=31536000, immutable"}
PRIVATE_IMMUTABLE = {"Cache-Control": "private, max-age=31536000, immutable"}
OCTETS = "application/octet-stream"
NOT_FOUND = problem_responses(404)
TilePathParam = Annotated[str, Path(max_length=96, pattern=r"^[0-9a-z./]+$")]
_SHA256 = re.compile(r"[0-9a-f]{64}")


def _tile(text: str) -> TilePath:
    try:
        return parse_tile_path(f"tile/{text}")
    except TilePathError as exc:
        raise Problem(404, str(exc), problem="no-such-tile") from None


def _missing(path: str) -> Problem:
    return Problem(404, f"this log has no {path} (yet)", problem="no-such-tile")


@public_router.get(
    "/checkpoint",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}}, "description": "the signed checkpoint"}},
    summary="The latest signed checkpoint as a C2SP signed note, with its cosignatures (public)",
)
def checkpoint(node: Node) -> Response:
    """The latest checkpoint this node signed, with its cosignatures as stored now. A served
    node signs at most one a second: the checkpoint covers every entry acknowledged more than
    a second before the request."""
    note = logview.current_checkpoint_note(node)
    return Response(
        note, media_type="text/plain; charset=utf-8", headers={"Cache-Control": "max-age=2"}
    )


@router.get(
    "/tile/entries/{path:path}",
    response_class=Response,
    responses={**NOT_FOUND, 200: {"content": {OCTETS: {}}, "description": "an entry bundle"}},
    summary="An entry bundle: up to 256 leaves, each prefixed by its uint16 length",
)
def entries(node: Node, _caller: EntryReader, path: TilePathParam) -> Response:
    tile = _tile(f"entries/{path}")
    data = tlog_c2sp.served_entry_bundle(node.engine, logview.origin_of(node), tile)
    if data is None:
        raise _missing(tile.path())
    return Response(data, media_type=OCTETS, headers=PRIVATE_IMMUTABLE)


@public_router.get(
    "/tile/{path:path}",
    response_class=Response,
    responses={**NOT_FOUND, 200: {"content": {OCTETS: {}}, "description": "a hash tile"}},
    summary="A hash tile: up to 256 Merkle tree hashes of tree level 8L (public)",
)
def hash_tile(node: Node, path: TilePathParam) -> Response:
    tile = _tile(path)
    if tile.is_entries:
        raise _missing(tile.path())
    data = tlog_c2sp.served_hash_tile(node.engine, logview.origin_of(node), tile)
    if data is None:
        raise _missing(tile.path())
    return Response(data, media_type=OCTETS, headers=IMMUTABLE)


@router.get(
    "/blob/sha256/{digest}",
    response_class=Response,
    responses={**NOT_FOUND, 200: {"content": {OCTETS: {}}, "description": "a large notification"}},
    summary="The signed notification behind a digest leaf, by its SHA-256",
)
def blob(
    node: Node,
    _caller: EntryReader,
    digest: Annotated[str, Path(min_length=64, max_length=64, pattern=r"^[0-9a-f]{64}$")],
) -> Response:
    if not _SHA256.fullmatch(digest):
        raise Problem(404, "expected 64 lowercase hex digits", problem="no-such-tile")
    data = tlog_c2sp.served_blob(node.engine, node.party, digest)
    if data is None:
        raise _missing(f"blob/sha256/{digest}")
    return Response(data, media_type=OCTETS, headers=PRIVATE_IMMUTABLE)
