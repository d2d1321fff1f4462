"""transparency-dev/merkle proof probes and the RFC 6962 reference tree
(tests/fixtures/tlog/README.md cites both). One test case per vector file or table row."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from treatyledger.tlog.memory import MemoryLog
from treatyledger.tlog.verifier import RFC6962, ProofError, verify_consistency, verify_inclusion

FIXTURES = Path(__file__).parent.parent / "fixtures" / "tlog"
PROBES = FIXTURES / "transparency-dev-merkle"
INCLUSION = sorted((PROBES / "inclusion").rglob("*.json"))
CONSISTENCY = sorted((PROBES / "consistency").rglob("*.json"))
REFERENCE = json.loads((FIXTURES / "rfc6962_reference_tree.json").read_text())


def _name(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"


def _b64(value: str) -> bytes:
    return base64.b64decode(value)


def test_every_probe_file_is_collected() -> None:
    assert len(INCLUSION) == 82 and len(CONSISTENCY) == 84


@pytest.mark.parametrize("path", INCLUSION, ids=_name)
def test_inclusion_probe(path: Path) -> None:
    probe = json.loads(path.read_text())
    proof = [_b64(h) for h in probe["proof"] or []]
    args = (
        probe["leafIdx"],
        probe["treeSize"],
        _b64(probe["leafHash"]),
        proof,
        _b64(probe["root"]),
    )
    if probe["wantErr"]:
        with pytest.raises(ProofError):
            verify_inclusion(RFC6962, *args)
    else:
        verify_inclusion(RFC6962, *args)


@pytest.mark.parametrize("path", CONSISTENCY, ids=_name)
def test_consistency_probe(path: Path) -> None:
    probe = json.loads(path.read_text())
    proof = [_b64(h) for h in probe["proof"] or []]
    args = (probe["size1"], probe["size2"], proof, _b64(probe["root1"]), _b64(probe["root2"]))
    if probe["wantErr"]:
        with pytest.raises(ProofError):
            verify_consistency(RFC6962, *args)
    else:
        verify_consistency(RFC6962, *args)


@pytest.fixture(scope="module")
def reference_log() -> MemoryLog:
    log = MemoryLog()
    log.append_many([bytes.fromhex(h) for h in REFERENCE["leaf_inputs_hex"]])
    return log


@pytest.mark.parametrize("size", range(9))
def test_reference_root_of_every_size(reference_log: MemoryLog, size: int) -> None:
    assert reference_log.root(size).hex() == REFERENCE["root_by_tree_size"][size]


def test_reference_node_hashes(reference_log: MemoryLog) -> None:
    got = [[node.hex() for node in level] for level in reference_log.levels]
    assert got == REFERENCE["node_hashes_by_level"]


@pytest.mark.parametrize(
    "case", REFERENCE["inclusion"], ids=lambda c: f"leaf{c['leaf_index']}-size{c['tree_size']}"
)
def test_reference_inclusion_proof_generated_and_verified(
    reference_log: MemoryLog, case: dict
) -> None:
    proof = reference_log.inclusion_proof(case["leaf_index"], case["tree_size"])
    assert [h.hex() for h in proof] == case["proof"]
    verify_inclusion(
        RFC6962,
        case["leaf_index"],
        case["tree_size"],
        bytes.fromhex(case["leaf_hash"]),
        proof,
        bytes.fromhex(case["root"]),
    )


@pytest.mark.parametrize(
    "case", REFERENCE["consistency"], ids=lambda c: f"{c['size1']}to{c['size2']}"
)
def test_reference_consistency_proof_generated_and_verified(
    reference_log: MemoryLog, case: dict
) -> None:
    proof = reference_log.consistency_proof(case["size1"], case["size2"])
    assert [h.hex() for h in proof] == case["proof"]
    verify_consistency(
        RFC6962,
        case["size1"],
        case["size2"],
        proof,
        bytes.fromhex(case["root1"]),
        bytes.fromhex(case["root2"]),
    )
