"""C2SP tlog-tiles serving and ML-DSA-44 cosigning, each beside its baseline in the same run.

1. A node serving a log of 20,000 leaves (SQLite): hash tiles per second through
   ``GET /v1/tlog/tile/...`` beside inclusion proofs per second through the node's current
   proof route ``GET /v1/log/proof/inclusion``; then the same tiles exported by
   ``log export-tiles`` and served from that directory by a static web server (Python's
   ``http.server``, threaded). One keep-alive client, sequential requests: each figure is a
   request rate, client and server on this machine. A tile answers any proof touching it
   (a client needs a few per proof), so the comparison is per request, not per proof.
2. Cosigning a checkpoint: ML-DSA-44 (0x06) beside Ed25519 (0x04), signatures and
   verifications per second, and the size of a cosignature line.

    .venv/bin/python bench/tiles_bench.py
"""

from __future__ import annotations

import functools
import random
import sys
import tempfile
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from node_bench import start_node
from treatyledger.node.auth import Role, add_principal
from treatyledger.node.keys import log_signer
from treatyledger.store.tlog_export import export_tiles
from treatyledger.store.tlog_store import append_durably
from treatyledger.store.workspace import Workspace
from treatyledger.tlog.c2sp_tiles import tiles_for_size
from treatyledger.tlog.checkpoint import Checkpoint, origin_for_party, sign_checkpoint
from treatyledger.tlog.cosignature import cosignature_line
from treatyledger.tlog.note import MLDSASigner, NoteSigner, parse_note
from treatyledger.tlog.verifier import SIG_TYPE_COSIGNATURE, verify_note

N = 20_000
REQUESTS = 2_000
SIGNATURES = 300


def rate(count: int, seconds: float) -> str:
    return f"{count / seconds:10,.0f}/s"


def fetch_all(client: httpx.Client, paths: list[str]) -> float:
    start = time.perf_counter()
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
    return time.perf_counter() - start


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


def serving(tmp: Path) -> None:
    ws = Workspace.init(tmp / "us", "US")
    origin = origin_for_party("US")
    for start in range(0, N, 10_000):
        append_durably(
            ws.engine,
            origin,
            [b"notification %10d " % i + b"x" * 180 for i in range(start, start + 10_000)],
        )
    token = add_principal(ws.engine, "bench-peer", Role.PEER)
    ws.close()
    # the log holds bare leaves, no notifications: the start-up check rightly refuses it,
    # so the node serves it read-only (tiles and checkpoints are reads); the bench's one
    # client measures serving, not the per-client rate limits
    process, url = start_node(
        tmp / "us",
        None,
        "--forensic",
        "--rate-limit",
        "anonymous=none",
        "--rate-limit",
        "peer=none",
    )
    rng = random.Random(7)
    tiles = [f"/v1/tlog/{t.path()}" for t in tiles_for_size(N)]
    tile_requests = [rng.choice(tiles) for _ in range(REQUESTS)]
    proof_requests = [
        f"/v1/log/proof/inclusion?index={rng.randrange(N)}&size={N}" for _ in range(REQUESTS)
    ]
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=url, headers=headers, timeout=30) as client:
        client.get("/v1/tlog/checkpoint")
        fetch_all(client, tile_requests[:100] + proof_requests[:100])  # warm up
        tile_s = fetch_all(client, tile_requests)
        proof_s = fetch_all(client, proof_requests)
    process.terminate()
    process.wait(timeout=30)
    ws = Workspace.open(tmp / "us")

    out = tmp / "tiles"
    export_s = time.perf_counter()
    report = export_tiles(ws.engine, origin, "US", log_signer("US", ws.signing_key), out)
    export_s = time.perf_counter() - export_s
    ws.close()
    handler = functools.partial(QuietHandler, directory=str(out))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    static = [path.removeprefix("/v1/tlog") for path in tile_requests]
    with httpx.Client(base_url=f"http://127.0.0.1:{server.server_port}", timeout=30) as client:
        fetch_all(client, static[:100])
        static_s = fetch_all(client, static)
    server.shutdown()

    print(f"log of {N:,} leaves, {len(tiles)} hash tiles; {REQUESTS:,} requests each")
    print(f"  node, hash tiles from SQLite (GET /v1/tlog/tile/...):      {rate(REQUESTS, tile_s)}")
    print(f"  node, inclusion proofs (GET /v1/log/proof/inclusion):     {rate(REQUESTS, proof_s)}")
    print(f"  static server, hash tiles from the exported directory:   {rate(REQUESTS, static_s)}")
    print(f"  export-tiles: {report.tiles} tiles and {report.bundles} bundles in {export_s:.2f} s")
    print(
        f"  tiles/s over proofs/s: {proof_s / tile_s:.2f}x (node), "
        f"{proof_s / static_s:.2f}x (static)"
    )


def cosigning() -> None:
    log = NoteSigner.from_seed(origin_for_party("US"), bytes(32))
    note = sign_checkpoint(Checkpoint(log.name, 123_456, bytes(range(32))), log)
    text = parse_note(note).text
    ed = NoteSigner("w.example/ed", Ed25519PrivateKey.generate(), SIG_TYPE_COSIGNATURE)
    pq = MLDSASigner.from_seed("w.example/pq", bytes(range(32)))
    print(f"cosigning a checkpoint, {SIGNATURES} signatures and verifications each")
    for label, signer in (("Ed25519 (0x04)", ed), ("ML-DSA-44 (0x06)", pq)):
        start = time.perf_counter()
        lines = [cosignature_line(signer, text, 1_700_000_000 + i) for i in range(SIGNATURES)]
        sign_s = time.perf_counter() - start
        key = signer.verifier_key()
        start = time.perf_counter()
        for line in lines:
            verify_note(note + line, [key])
        verify_s = time.perf_counter() - start
        print(
            f"  {label:17} sign {rate(SIGNATURES, sign_s)}  verify {rate(SIGNATURES, verify_s)}"
            f"  line {len(lines[0]):5,} bytes"
        )


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        serving(Path(tmp))
    cosigning()
    return 0


if __name__ == "__main__":
    sys.exit(main())
