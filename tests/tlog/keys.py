"""TEST KEYS ONLY: deterministic Ed25519 seeds for the tlog tests. Never use elsewhere."""

from __future__ import annotations

import hashlib

from treatyledger.tlog.checkpoint import origin_for_party
from treatyledger.tlog.cosignature import cosigner_from_seed
from treatyledger.tlog.note import NoteSigner

LOG_ORIGIN = origin_for_party("US")


def test_seed(label: str) -> bytes:
    return hashlib.sha256(b"treatyledger test key " + label.encode()).digest()


test_seed.__test__ = False  # type: ignore[attr-defined]

LOG_SIGNER = NoteSigner.from_seed(LOG_ORIGIN, test_seed("log US"))
WITNESS_A = cosigner_from_seed("witness.example/RU", test_seed("witness RU"))
WITNESS_B = cosigner_from_seed("witness.example/observer", test_seed("witness observer"))
