"""``keys show`` prints every form of the workspace key a peer needs, each equal to what the
command that consumes or produces it elsewhere uses (``init``, ``log vkey``, ``peer trust``'s
cosigner line, a checkpoint's signature), and ``peer trust`` takes the log vkey as well as
the base64 key."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path

import pytest

from treatyledger.cli import main
from treatyledger.store.workspace import Workspace
from treatyledger.tlog.note import MLDSASigner
from treatyledger.tlog.verifier import parse_vkey, verify_checkpoint


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def two(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[Path, Path, str]:
    """A US and an RU workspace; the public key the US init printed."""
    code, out, _ = _run(capsys, "init", "-w", str(tmp_path / "us"), "--party", "US")
    assert code == 0
    printed = re.search(r"public key (\S+)", out)
    assert printed
    Workspace.init(tmp_path / "ru", "RU").close()
    return tmp_path / "us", tmp_path / "ru", printed.group(1)


def test_keys_show_matches_every_command_that_uses_the_key(
    two: tuple[Path, Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    us, ru, init_key = two
    code, out, _ = _run(capsys, "keys", "show", "-w", str(us), "--format", "json")
    assert code == 0
    shown = json.loads(out)
    assert shown["party"] == "US"
    assert shown["origin"] == "treatyledger.example/US"
    assert shown["public_key"] == init_key
    raw = base64.b64decode(init_key)
    assert shown["fingerprint_sha256"] == hashlib.sha256(raw).hexdigest()
    assert shown["fingerprint_sha256"].startswith(shown["key_id"])
    code, out, _ = _run(capsys, "log", "vkey", "-w", str(us))
    assert code == 0 and shown["log_vkey"] == out.strip()
    # the cosigner key is the one `peer trust` tells the other side to register
    with Workspace.open(ru) as other:
        ru_key = other.public_key
    code, _, err = _run(capsys, "peer", "trust", "-w", str(us), "RU", ru_key)
    assert code == 0
    assert f"--vkey {shown['cosigner_vkey']}" in " ".join(err.split())
    for name in ("log_vkey", "cosigner_vkey"):
        vkey = parse_vkey(shown[name])
        assert vkey.name == shown["origin"] and vkey.public_key == raw
    # the log vkey verifies what the workspace's log signs
    code, out, _ = _run(capsys, "log", "checkpoint", "-w", str(us))
    assert code == 0
    checkpoint = verify_checkpoint(out, parse_vkey(shown["log_vkey"]))
    assert checkpoint.checkpoint.origin == shown["origin"]


def test_keys_show_table_prints_each_value_whole(
    two: tuple[Path, Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    us, _, _ = two
    code, out, _ = _run(capsys, "keys", "show", "-w", str(us), "--format", "json")
    shown = json.loads(out)
    code, out, _ = _run(capsys, "keys", "show", "-w", str(us))
    assert code == 0
    lines = [line.strip() for line in out.splitlines()]
    for value in shown.values():
        assert value in lines  # on a line of its own, never wrapped or cut


def test_peer_trust_takes_the_log_vkey_as_keys_show_prints_it(
    two: tuple[Path, Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    us, ru, _ = two
    _, out, _ = _run(capsys, "keys", "show", "-w", str(ru), "--format", "json")
    ru_keys = json.loads(out)
    code, out, _ = _run(capsys, "peer", "trust", "-w", str(us), "RU", ru_keys["log_vkey"])
    assert code == 0, out
    assert ru_keys["key_id"] in out
    with Workspace.open(us) as ws:
        assert ws.party_keys("RU") == {ru_keys["key_id"]: ru_keys["public_key"]}
    # the base64 form registers the same key: a no-op now
    assert main(["peer", "trust", "-w", str(us), "RU", ru_keys["public_key"]]) == 0
    with Workspace.open(us) as ws:
        assert len(ws.party_keys("RU")) == 1


def test_peer_trust_refuses_a_vkey_of_another_log_or_type(
    two: tuple[Path, Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    us, ru, _ = two
    _, out, _ = _run(capsys, "keys", "show", "-w", str(ru), "--format", "json")
    ru_vkey = json.loads(out)["log_vkey"]
    code, _, err = _run(capsys, "peer", "trust", "-w", str(us), "UA", ru_vkey)
    assert code == 2
    assert "treatyledger.example/RU" in err and "Traceback" not in err
    mldsa = str(MLDSASigner.from_seed("treatyledger.example/RU", bytes(32)).verifier_key())
    code, _, err = _run(capsys, "peer", "trust", "-w", str(us), "RU", mldsa)
    assert code == 2 and "0x06" in err
    bad = "treatyledger.example/RU+zz+AA"
    code, _, err = _run(capsys, "peer", "trust", "-w", str(us), "RU", bad)
    assert code == 2 and "verifier key" in err
    with Workspace.open(us) as ws:
        assert ws.party_keys("RU") == {}


def test_keys_show_field_prints_one_value_for_a_file(
    two: tuple[Path, Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    us, _, _ = two
    _, out, _ = _run(capsys, "keys", "show", "-w", str(us), "--format", "json")
    shown = json.loads(out)
    for name, value in shown.items():
        code, out, _ = _run(capsys, "keys", "show", "-w", str(us), "--field", name)
        assert code == 0 and out == value + "\n"
    code, _, err = _run(capsys, "keys", "show", "-w", str(us), "--field", "secret")
    assert code != 0 and "--field" in err and "Traceback" not in err


def test_keys_show_lists_the_mldsa_keys_that_keys_list_prints(
    two: tuple[Path, Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    us, _, _ = two
    _, out, _ = _run(capsys, "keys", "show", "-w", str(us), "--format", "json")
    assert "mldsa44_log_vkey" not in json.loads(out)
    code, _, err = _run(capsys, "keys", "show", "-w", str(us), "--field", "mldsa44_log_vkey")
    assert code != 0 and "no ML-DSA-44 key" in err
    assert main(["keys", "add", "-w", str(us), "--type", "mldsa44"]) == 0
    capsys.readouterr()
    _, out, _ = _run(capsys, "keys", "list", "-w", str(us), "--format", "json")
    listed = {(r["use"], r["type"]): r["vkey"] for r in json.loads(out)}
    _, out, _ = _run(capsys, "keys", "show", "-w", str(us), "--format", "json")
    shown = json.loads(out)
    assert shown["mldsa44_log_vkey"] == listed[("log", "mldsa44")]
    assert shown["mldsa44_cosigner_vkey"] == listed[("cosigner", "mldsa44")]
    assert shown["log_vkey"] == listed[("log", "ed25519")]
    assert parse_vkey(shown["mldsa44_log_vkey"]).sig_type == 0x06
