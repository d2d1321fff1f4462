"""A witness's rounds against a served node, through the CLI: key generation, cosigning only
after consistency with the checkpoint it accepted before, state kept between rounds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from factory import stream
from node.harness import served_node
from treatyledger.cli import main
from treatyledger.node.auth import Role, add_principal
from treatyledger.node.keys import log_signer


def test_witness_cosigns_round_after_round(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key_file = tmp_path / "w1.key"
    assert main(["witness", "keygen", "witness.example/w1", "--out", str(key_file)]) == 0
    vkey = capsys.readouterr().out.strip()
    assert key_file.stat().st_mode & 0o777 == 0o600
    state = tmp_path / "state.json"
    with served_node(tmp_path / "us") as node:
        token = add_principal(node.workspace.engine, "w1", Role.WITNESS, vkey=vkey)
        log_vkey = str(log_signer("US", node.workspace.signing_key).verifier_key())
        command = [
            "witness", "cosign", "--node", node.url, "--token", token, "--log-vkey", log_vkey,
            "--key", str(key_file), "--state", str(state), "--evidence-dir", str(tmp_path),
        ]  # fmt: skip
        node.seed(3)
        assert main(command) == 0
        assert node.submit(stream("US", 2, first=4)).status_code == 200
        assert main(command) == 0
        checkpoint = node.client(Role.OBSERVER).get("/v1/log/checkpoint").json()
    assert "size 3 -> 5 consistent" in capsys.readouterr().out
    assert checkpoint["size"] == 5
    assert [c["name"] for c in checkpoint["cosignatures"]] == ["witness.example/w1"]
    held = json.loads(state.read_text())["treatyledger.example/US"]
    assert held.splitlines()[1] == "5"


def test_witness_refuses_a_log_signed_by_another_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key_file = tmp_path / "w1.key"
    assert main(["witness", "keygen", "witness.example/w1", "--out", str(key_file)]) == 0
    vkey = capsys.readouterr().out.strip()
    with served_node(tmp_path / "us") as node:
        token = add_principal(node.workspace.engine, "w1", Role.WITNESS, vkey=vkey)
        wrong = str(log_signer("US", Ed25519PrivateKey.generate()).verifier_key())
        node.seed(2)
        code = main(
            ["witness", "cosign", "--node", node.url, "--token", token, "--log-vkey", wrong,
             "--key", str(key_file), "--state", str(tmp_path / "s.json")]
        )  # fmt: skip
        checkpoint = node.client(Role.OBSERVER).get("/v1/log/checkpoint").json()
    assert code != 0
    assert checkpoint["cosignatures"] == []
    assert not (tmp_path / "s.json").exists()
