"""``treatyledger evidence bundle``: one file that a third party verifies offline with the
standalone verifier alone, copied out and run in a separate process without TreatyLedger
(as issue 16's auditor will): entries in the log under a checkpoint that meets the policy.
A tampered entry, a policy whose quorum the checkpoint misses and a bundle carrying its own
policy are each reported as such."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import treatyledger.tlog.verifier as verifier
from node.harness import ServedNode
from treatyledger.cli import main
from treatyledger.ledger.signing import jcs
from treatyledger.node.auth import Role
from treatyledger.node.keys import log_signer
from treatyledger.store.errors import EvidenceRequestError
from treatyledger.store.evidence_store import inspection_records
from treatyledger.tlog.bundle import build_bundle
from treatyledger.tlog.checkpoint import Checkpoint, sign_checkpoint
from treatyledger.tlog.cosignature import cosign, cosignature_line, cosigner_from_seed
from treatyledger.tlog.memory import MemoryLog
from treatyledger.tlog.note import parse_note
from treatyledger.tlog.verifier import TlogProof


def standalone(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``python -m verifier ARGS`` in a separate process, from a copy of the package in a
    directory of its own, with TreatyLedger made unimportable."""
    offline = tmp_path / "offline"
    if not offline.exists():
        shutil.copytree(
            Path(verifier.__file__).parent,
            offline / "verifier",
            ignore=shutil.ignore_patterns("__pycache__"),
        )
    script = (
        "import sys, runpy; sys.path.insert(0, '.'); sys.modules['treatyledger'] = None; "
        f"sys.argv = ['verifier', *{list(args)!r}]; "
        "runpy.run_module('verifier', run_name='__main__')"
    )
    return subprocess.run(
        [sys.executable, "-I", "-c", script],
        cwd=offline,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


@pytest.fixture
def cosigned(node: ServedNode, tmp_path: Path) -> tuple[ServedNode, Path]:
    """The US node with 12 notifications, its checkpoint cosigned by the peer (RU), and a
    policy that requires RU's cosignature."""
    node.seed(12)
    peer = node.client(Role.PEER)
    text = parse_note(peer.get("/v1/tlog/checkpoint").text).text
    line = cosignature_line(node.cosigners[Role.PEER], text, 1_700_000_000)
    answer = peer.post("/v1/log/cosignatures", json={"checkpoint": text, "cosignature": line})
    assert answer.status_code == 200, answer.text
    log_key = log_signer("US", node.workspace.signing_key).verifier_key()
    policy = tmp_path / "policy.txt"
    policy.write_text(
        f"log {log_key}\nwitness RU {node.cosigners[Role.PEER].verifier_key()}\nquorum RU\n"
    )
    return node, policy


def bundle(node: ServedNode, out: Path, *args: str) -> int:
    return main(["evidence", "bundle", "-w", str(node.workspace.path), "--out", str(out), *args])


def test_bundle_verifies_offline_with_the_standalone_verifier(
    cosigned: tuple[ServedNode, Path], tmp_path: Path
) -> None:
    node, policy = cosigned
    out = tmp_path / "evidence.json"
    assert bundle(node, out, "--sequence", "3", "--sequence", "7", "--policy", str(policy)) == 0
    result = standalone(tmp_path, "bundle", str(out), "--policy", str(policy))
    assert result.returncode == 0, result.stdout + result.stderr
    summary = json.loads(result.stdout)
    assert summary["valid"] and summary["policy_trusted"]
    # each notification's signature checked, by the party key the trusted policy names
    assert summary["signatures"] == [
        {"index": 2, "party": "US", "sequence": 3},
        {"index": 6, "party": "US", "sequence": 7},
    ]
    assert summary["keys_trusted"] is True
    assert (summary["origin"], summary["size"]) == ("treatyledger.example/US", 12)
    assert summary["cosigners"] == ["treatyledger.example/RU"]
    entries = [
        json.loads(base64.b64decode(e["entry"])) for e in json.loads(out.read_text())["entries"]
    ]
    assert [e["sequence"] for e in entries] == [3, 7]
    # the full CLI agrees
    assert main(["evidence", "verify", str(out), "--policy", str(policy)]) == 0


def test_tampered_entry_is_invalid(cosigned: tuple[ServedNode, Path], tmp_path: Path) -> None:
    node, policy = cosigned
    out = tmp_path / "evidence.json"
    assert bundle(node, out, "--sequence", "5", "--policy", str(policy)) == 0
    document = json.loads(out.read_text())
    entry = bytearray(base64.b64decode(document["entries"][0]["entry"]))
    entry[10] ^= 1
    document["entries"][0]["entry"] = base64.b64encode(bytes(entry)).decode()
    out.write_text(json.dumps(document))
    result = standalone(tmp_path, "bundle", str(out), "--policy", str(policy))
    assert result.returncode == 1 and "mismatch" in json.loads(result.stdout)["error"]


def test_a_quorum_the_checkpoint_misses_is_invalid(
    cosigned: tuple[ServedNode, Path], tmp_path: Path
) -> None:
    node, policy = cosigned
    out = tmp_path / "evidence.json"
    assert bundle(node, out, "--sequence", "1", "--policy", str(policy)) == 0
    other = cosigner_from_seed("witness.example/absent", bytes(32)).verifier_key()
    stricter = tmp_path / "stricter.txt"
    stricter.write_text(
        policy.read_text().replace(
            "quorum RU\n", f"witness X {other}\ngroup both all RU X\nquorum both\n"
        )
    )
    result = standalone(tmp_path, "bundle", str(out), "--policy", str(stricter))
    assert result.returncode == 1 and "quorum" in json.loads(result.stdout)["error"]


def test_without_a_policy_of_ones_own_the_bundles_is_reported_untrusted(
    cosigned: tuple[ServedNode, Path], tmp_path: Path
) -> None:
    node, _policy = cosigned
    out = tmp_path / "evidence.json"
    assert bundle(node, out, "--uid", "US-WH-4") == 0  # default policy: no witnesses, none
    result = standalone(tmp_path, "bundle", str(out))
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout)["policy_trusted"] is False


def test_unknown_notifications_and_records_are_refused(
    cosigned: tuple[ServedNode, Path], tmp_path: Path
) -> None:
    node, _policy = cosigned
    assert bundle(node, tmp_path / "x.json", "--sequence", "99") != 0
    assert not (tmp_path / "x.json").exists()
    with pytest.raises(EvidenceRequestError, match="no inspection record"):
        inspection_records(node.workspace.engine, "US", ["INSP-404"])


def _relogged(node: ServedNode, change: Callable[[dict[str, Any]], bytes]) -> dict[str, Any]:
    return _relogged_log(node, change)[0]


def _relogged_log(
    node: ServedNode, change: Callable[[dict[str, Any]], bytes]
) -> tuple[dict[str, Any], tuple[int, bytes, list[bytes]]]:
    """A bundle of entry 4 from a log that holds the node's 12 notifications but entry 4 as
    ``change`` rewrote it (signature kept), signed by the node's own log key and cosigned by
    RU: inclusion and quorum hold, so only the notification's signature can refuse it."""
    answer = node.client(Role.PEER).get("/v1/log/entries", params={"start": 0, "end": 12})
    entries = [base64.b64decode(e["leaf"]) for e in answer.json()["entries"]]
    entries[4] = change(json.loads(entries[4]))
    log = MemoryLog()
    log.append_many(entries)
    signer = log_signer("US", node.workspace.signing_key)
    note = sign_checkpoint(Checkpoint(signer.name, 12, log.root()), signer)
    note = cosign(note, node.cosigners[Role.PEER], 1_700_000_000)
    proof = TlogProof(4, tuple(log.inclusion_proof(4)), note).text()
    keys = list(node.workspace.party_keys("US").values())
    document = {
        "format": verifier.BUNDLE_FORMAT,
        "checkpoint": note,
        "policy": "",
        "party_keys": {"US": keys},
        "entries": [{"entry": base64.b64encode(entries[4]).decode(), "proof": proof}],
    }
    return document, (4, entries[4], log.inclusion_proof(4))


def _altered_payload(data: dict[str, Any]) -> bytes:
    data["effective_time"] = "2011-02-06T00:00:00Z"
    return jcs(data)


def test_a_notification_altered_before_logging_fails_its_signature_in_a_separate_process(
    cosigned: tuple[ServedNode, Path], tmp_path: Path
) -> None:
    node, policy = cosigned
    document, entry = _relogged_log(node, _altered_payload)
    document["policy"] = policy.read_text()
    out = tmp_path / "altered.json"
    out.write_text(json.dumps(document))
    result = standalone(tmp_path, "bundle", str(out), "--policy", str(policy))
    assert result.returncode == 1, result.stdout + result.stderr
    error = json.loads(result.stdout)["error"]
    assert "bundle entry 0 (index 4)" in error and "signature does not verify" in error
    # the same log with entry 4 as it was signed verifies: the alteration is what fails
    honest = _relogged(node, jcs)
    honest["policy"] = policy.read_text()
    out.write_text(json.dumps(honest))
    assert standalone(tmp_path, "bundle", str(out), "--policy", str(policy)).returncode == 0
    with pytest.raises(verifier.BundleError, match="signature does not verify"):
        build_bundle(
            document["checkpoint"], policy.read_text(), [entry], party_keys=document["party_keys"]
        )


def test_an_entry_that_is_not_canonical_is_refused(
    cosigned: tuple[ServedNode, Path], tmp_path: Path
) -> None:
    node, policy = cosigned
    document = _relogged(node, lambda d: json.dumps(d, indent=1).encode())
    with pytest.raises(verifier.BundleError, match="not the RFC 8785 form"):
        verifier.verify_bundle(document, verifier.parse_policy(policy.read_text()))


def test_keys_the_verifier_brings_decide_and_a_wrong_one_is_refused(
    cosigned: tuple[ServedNode, Path], tmp_path: Path
) -> None:
    node, policy = cosigned
    out = tmp_path / "evidence.json"
    assert bundle(node, out, "--sequence", "2", "--policy", str(policy)) == 0
    (key,) = node.workspace.party_keys("US").values()
    result = standalone(tmp_path, "bundle", str(out), "--party-key", f"US={key}")
    assert result.returncode == 0, result.stdout + result.stderr
    summary = json.loads(result.stdout)
    assert summary["keys_trusted"] is True and summary["policy_trusted"] is False
    other = base64.b64encode(bytes(range(32))).decode()
    result = standalone(tmp_path, "bundle", str(out), "--party-key", f"US={other}")
    assert result.returncode == 1
    assert "no key of US with key id" in json.loads(result.stdout)["error"]
    assert standalone(tmp_path, "bundle", str(out), "--party-key", "US=short").returncode == 2
    # without keys of its own, the bundle's keys verify it but are not trusted
    document = json.loads(out.read_text())
    document["party_keys"] = {"US": [other]}
    summary = verifier.verify_bundle(document)  # the log key in the bundle's policy signs
    assert summary.keys_trusted is False and summary.policy_trusted is False
