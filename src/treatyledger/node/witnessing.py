"""A witness's round against a party node: fetch the latest checkpoint, check it against the
last one this witness accepted (consistency proof from the node), cosign, hand the
cosignature back. The witness keeps its state (origin -> last accepted signed checkpoint) in a
JSON file; the verification itself is ``treatyledger.tlog.witness.Witness``."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from treatyledger.node.errors import PeerVerificationFailed
from treatyledger.node.peer_client import PeerClient, fork_detected
from treatyledger.tlog.errors import EquivocationError, WitnessError
from treatyledger.tlog.note import Signer
from treatyledger.tlog.verifier import VerifierKey, parse_checkpoint, parse_note, verify_checkpoint
from treatyledger.tlog.witness import Witness

MAX_STATE_BYTES = 1 << 20


@dataclass(frozen=True)
class WitnessRound:
    origin: str
    previous_size: int
    size: int
    cosignatures: int


def load_state(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    if path.stat().st_size > MAX_STATE_BYTES:
        raise PeerVerificationFailed(f"{path}: witness state larger than {MAX_STATE_BYTES} bytes")
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise PeerVerificationFailed(f"{path}: expected a JSON object of signed checkpoints")
    return data


def save_state(path: Path, state: Mapping[str, str]) -> None:
    # write then rename: a crash leaves the old state or the new one, never half of one
    temporary = path.with_suffix(path.suffix + ".tmp")
    temporary.write_text(json.dumps(dict(state), indent=2, sort_keys=True), encoding="utf-8")
    os.replace(temporary, path)


def witness_round(
    node: PeerClient,
    log_key: VerifierKey,
    cosigner: Signer,
    state_path: Path,
    *,
    evidence_dir: Path,
    clock: Callable[[], float] = time.time,
) -> WitnessRound:
    state = load_state(state_path)
    note = node.checkpoint()
    new = verify_checkpoint(note, log_key).checkpoint
    held = state.get(log_key.name)
    held_size = 0 if held is None else parse_checkpoint(parse_note(held).text).size
    proof = node.consistency(held_size, new.size) if 0 < held_size < new.size else []
    witness = Witness(cosigner, [log_key], state)
    try:
        line = witness.add_checkpoint(note, proof, now=int(clock()))
    except EquivocationError as exc:
        raise fork_detected(log_key.name, exc, exc.evidence, evidence_dir) from None
    except WitnessError as exc:
        raise PeerVerificationFailed(f"log {log_key.name}: {exc}") from None
    answer = node.cosign(new.text(), line)
    save_state(state_path, witness.state)
    return WitnessRound(
        origin=new.origin,
        previous_size=held_size,
        size=new.size,
        cosignatures=answer.cosignatures,
    )
