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
from pathlib import Path

import pytest

import treatyledger.tlog.verifier as verifier
from node.harness import ServedNode
from treatyledger.cli import main
from treatyledger.node.auth import Role
from treatyledger.node.keys import log_signer
from treatyledger.store.evidence_store import EvidenceRequestError, inspection_records
from treatyledger.tlog.cosignature import cosignature_line, cosigner_from_seed
from treatyledger.tlog.note import parse_note


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
    return main(["evidence", "bundle", str(node.workspace.path), "--out", str(out), *args])


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
