"""``treatyledger log``: verify commands without a workspace (exit 0 valid, 1 invalid,
2 malformed) and the workspace commands, including the tamper-catching audit."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from treatyledger.cli import main
from treatyledger.errors import ExitCode
from treatyledger.store.tlog_store import append_durably
from treatyledger.store.workspace import Workspace
from treatyledger.tlog.checkpoint import Checkpoint, origin_for_party, sign_checkpoint
from treatyledger.tlog.cosignature import cosign
from treatyledger.tlog.errors import EquivocationError
from treatyledger.tlog.evidence import evidence_json
from treatyledger.tlog.memory import MemoryLog
from treatyledger.tlog.verifier import parse_vkey, verify_checkpoint, verify_tlog_proof
from treatyledger.tlog.witness import Witness

from .keys import LOG_ORIGIN, LOG_SIGNER, WITNESS_A

REFERENCE = json.loads(
    (Path(__file__).parent.parent / "fixtures" / "tlog" / "rfc6962_reference_tree.json").read_text()
)
CASE = REFERENCE["inclusion"][2]  # leaf 5 of 8
CONS = REFERENCE["consistency"][2]  # 6 -> 8


def inclusion_args(**changes: str) -> list[str]:
    args = {
        "--index": str(CASE["leaf_index"]),
        "--size": str(CASE["tree_size"]),
        "--leaf-hash": CASE["leaf_hash"],
        "--root": CASE["root"],
        "--proof": ",".join(CASE["proof"]),
    }
    args.update(changes)
    return ["log", "verify", "inclusion", *[x for kv in args.items() for x in kv]]


def test_verify_inclusion_valid_hex_exits_0() -> None:
    assert main(inclusion_args()) == 0


def test_verify_inclusion_valid_base64_exits_0() -> None:
    as_b64 = [base64.b64encode(bytes.fromhex(h)).decode() for h in CASE["proof"]]
    assert main(inclusion_args(**{"--proof": ",".join(as_b64)})) == 0


def test_verify_inclusion_wrong_root_exits_1_with_reason(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(inclusion_args(**{"--root": REFERENCE["root_by_tree_size"][7]})) == 1
    assert "root mismatch" in capsys.readouterr().err


def test_verify_inclusion_malformed_hash_exits_2() -> None:
    assert main(inclusion_args(**{"--leaf-hash": "not-a-hash!"})) == 2


def test_verify_inclusion_short_hash_exits_2() -> None:
    assert main(inclusion_args(**{"--root": "abcd"})) == 2


def consistency_args(**changes: str) -> list[str]:
    args = {
        "--old-size": str(CONS["size1"]),
        "--new-size": str(CONS["size2"]),
        "--old-root": CONS["root1"],
        "--new-root": CONS["root2"],
        "--proof": ",".join(CONS["proof"]),
    }
    args.update(changes)
    return ["log", "verify", "consistency", *[x for kv in args.items() for x in kv]]


def test_verify_consistency_valid_exits_0() -> None:
    assert main(consistency_args()) == 0


def test_verify_consistency_truncated_proof_exits_1() -> None:
    assert main(consistency_args(**{"--proof": ",".join(CONS["proof"][:-1])})) == 1


def test_verify_consistency_malformed_proof_exits_2() -> None:
    assert main(consistency_args(**{"--proof": "zz"})) == 2


@pytest.fixture
def signed_checkpoint(tmp_path: Path) -> Path:
    log = MemoryLog()
    log.append_many([b"a", b"b", b"c"])
    note = sign_checkpoint(Checkpoint(LOG_ORIGIN, 3, log.root()), LOG_SIGNER)
    path = tmp_path / "checkpoint.txt"
    path.write_text(cosign(note, WITNESS_A, 1_700_000_000))
    return path


def test_verify_checkpoint_with_cosignature_exits_0(
    signed_checkpoint: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    vkey = str(LOG_SIGNER.verifier_key())
    witness = str(WITNESS_A.verifier_key())
    assert (
        main(
            [
                "log",
                "verify",
                "checkpoint",
                str(signed_checkpoint),
                "--vkey",
                vkey,
                "--witness",
                witness,
            ]
        )
        == 0
    )
    assert f"cosigned by {WITNESS_A.name} at 1700000000" in capsys.readouterr().out


def test_verify_checkpoint_edited_exits_1(signed_checkpoint: Path) -> None:
    signed_checkpoint.write_text(signed_checkpoint.read_text().replace("\n3\n", "\n4\n", 1))
    assert (
        main(
            [
                "log",
                "verify",
                "checkpoint",
                str(signed_checkpoint),
                "--vkey",
                str(LOG_SIGNER.verifier_key()),
            ]
        )
        == 1
    )


def test_verify_checkpoint_malformed_vkey_exits_2(signed_checkpoint: Path) -> None:
    assert main(["log", "verify", "checkpoint", str(signed_checkpoint), "--vkey", "a+b+c"]) == 2


def _evidence_file(tmp_path: Path) -> Path:
    def fork(label: str) -> MemoryLog:
        log = MemoryLog()
        log.append_many([f"e{i}{label if i > 3 else ''}".encode() for i in range(6)])
        return log

    witness = Witness(WITNESS_A, [LOG_SIGNER.verifier_key()])
    witness.add_checkpoint(
        sign_checkpoint(Checkpoint(LOG_ORIGIN, 6, fork("a").root()), LOG_SIGNER), [], now=1
    )
    with pytest.raises(EquivocationError) as caught:
        witness.add_checkpoint(
            sign_checkpoint(Checkpoint(LOG_ORIGIN, 6, fork("b").root()), LOG_SIGNER), [], now=2
        )
    path = tmp_path / "evidence.json"
    path.write_text(evidence_json(caught.value.evidence))
    return path


def test_verify_evidence_exits_0(tmp_path: Path) -> None:
    path = _evidence_file(tmp_path)
    assert (
        main(["log", "verify-evidence", str(path), "--vkey", str(LOG_SIGNER.verifier_key())]) == 0
    )


def test_forged_evidence_exits_1(tmp_path: Path) -> None:
    path = _evidence_file(tmp_path)
    evidence = json.loads(path.read_text())
    evidence["checkpoint_b"] = evidence["checkpoint_a"]
    path.write_text(json.dumps(evidence))
    assert main(["log", "verify-evidence", str(path)]) == 1


def test_evidence_that_is_not_json_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "evidence.json"
    path.write_text("{")
    assert main(["log", "verify-evidence", str(path)]) == 2


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    path = tmp_path / "ws"
    with Workspace.init(path, "US") as ws:
        append_durably(ws.engine, origin_for_party("US"), [f"n{i}".encode() for i in range(300)])
    return path


def test_workspace_checkpoint_verifies_with_the_printed_vkey(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["log", "vkey", "-w", str(workspace)]) == 0
    vkey = parse_vkey(capsys.readouterr().out)
    assert main(["log", "checkpoint", "-w", str(workspace)]) == 0
    verified = verify_checkpoint(capsys.readouterr().out, vkey)
    assert (verified.checkpoint.origin, verified.checkpoint.size) == (
        "treatyledger.example/US",
        300,
    )


def test_workspace_prove_prints_a_bundle_that_verifies(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["log", "vkey", "-w", str(workspace)])
    vkey = parse_vkey(capsys.readouterr().out)
    assert main(["log", "prove", "-w", str(workspace), "--index", "42"]) == 0
    verify_tlog_proof(capsys.readouterr().out, b"n42", vkey)


def test_workspace_consistency_proof_verifies_via_the_cli(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["log", "consistency", "-w", str(workspace), "--old-size", "100", "--new-size", "300"]
    assert main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    args = [
        "log", "verify", "consistency", "--old-size", "100", "--new-size", "300",
        "--old-root", out["old_root"], "--new-root", out["new_root"],
        "--proof", ",".join(out["proof"]),
    ]  # fmt: skip
    assert main(args) == 0


def test_what_log_consistency_prints_log_verify_consistency_reads(
    workspace: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["log", "consistency", "-w", str(workspace), "--old-size", "100"]) == 0
    printed = capsys.readouterr().out
    proof = tmp_path / "consistency.json"
    proof.write_text(printed)
    assert main(["log", "verify", "consistency", str(proof)]) == 0
    assert "size 100 is a prefix" in capsys.readouterr().out
    # the same file with the earlier root of another tree does not verify
    data = json.loads(printed)
    data["old_root"] = data["new_root"]
    proof.write_text(json.dumps(data))
    assert main(["log", "verify", "consistency", str(proof)]) == ExitCode.INVALID
    # and one without the sizes is malformed, named
    proof.write_text(json.dumps({"proof": data["proof"]}))
    assert main(["log", "verify", "consistency", str(proof)]) == ExitCode.MALFORMED
    assert "missing old_size, new_size, old_root, new_root" in capsys.readouterr().err


def test_what_log_prove_prints_without_a_checkpoint_log_verify_inclusion_reads(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # the RFC 6962 reference tree's case, as `log prove` writes it (hex is read as well)
    document = {
        "index": CASE["leaf_index"],
        "size": CASE["tree_size"],
        "leaf_hash": CASE["leaf_hash"],
        "root": CASE["root"],
        "proof": CASE["proof"],
    }
    proof = tmp_path / "inclusion.json"
    proof.write_text(json.dumps(document))
    assert main(["log", "verify", "inclusion", str(proof)]) == 0
    proof.write_text(json.dumps(document | {"index": CASE["leaf_index"] + 1}))
    assert main(["log", "verify", "inclusion", str(proof)]) == ExitCode.INVALID


def test_verify_proof_bundle_from_prove_exits_0_and_1_for_another_leaf(
    workspace: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["log", "vkey", "-w", str(workspace)])
    vkey = capsys.readouterr().out.strip()
    main(["log", "prove", "-w", str(workspace), "--index", "9"])
    bundle = tmp_path / "proof.txt"
    bundle.write_text(capsys.readouterr().out)
    leaf = tmp_path / "leaf.bin"
    leaf.write_bytes(b"n9")
    args = ["log", "verify", "proof", str(bundle), "--leaf-file", str(leaf), "--vkey", vkey]
    assert main(args) == 0
    leaf.write_bytes(b"n10")
    assert main(args) == 1
