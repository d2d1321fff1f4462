"""ML-DSA-44 node keys beside Ed25519 (issue 14, item 4): `keys add --type mldsa44` gives a
workspace an ML-DSA-44 key; the node then signs its checkpoints with both keys and cosigns
as a witness with both, and a verifier's tlog-policy says which key types it requires, k of
n. Go's x/mod 0.7 has no ML-DSA: the interop check covers the Ed25519 line of the same note
(the ML-DSA-44 line is checked by our verifier against pyca's FIPS 204 implementation and
torchwood's published log, tests/tlog)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from gocheck import GoChecker
from node.harness import ServedNode, served_node
from treatyledger.cli import main
from treatyledger.node.auth import Role
from treatyledger.node.context import NodeContext
from treatyledger.node.keys import cosigner_for, log_signer, mldsa_signer
from treatyledger.node.peer import sync_peer
from treatyledger.node.witness_push import push_to_witnesses
from treatyledger.store.errors import WorkspaceError
from treatyledger.store.witness_store import add_witness
from treatyledger.store.workspace import Workspace
from treatyledger.tlog.note import parse_note
from treatyledger.tlog.verifier import (
    SIG_TYPE_ED25519,
    SIG_TYPE_MLDSA44,
    PolicyError,
    VerificationError,
    parse_policy,
    verify_checkpoint,
)


def pq_workspace(path: Path, party: str) -> Path:
    """A workspace with an ML-DSA-44 key added through the CLI."""
    Workspace.init(path, party).close()
    assert main(["keys", "add", "-w", str(path), "--type", "mldsa44"]) == 0
    return path


def test_keys_add_writes_a_private_seed_and_the_config_names_the_type(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = pq_workspace(tmp_path / "us", "US")
    seed_file = path / "mldsa44.key"
    assert seed_file.stat().st_mode & 0o777 == 0o600
    assert 'key_types = ["ed25519", "mldsa44"]' in (path / "config.toml").read_text()
    with Workspace.open(path) as ws:
        seed = ws.mldsa_seed
        assert seed is not None and seed.hex() == seed_file.read_text().strip()
        with pytest.raises(WorkspaceError, match="already"):
            ws.add_mldsa_key()
    capsys.readouterr()
    assert main(["keys", "list", "-w", str(path), "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["use"], r["type"]) for r in rows] == [
        ("log", "ed25519"), ("log", "mldsa44"), ("cosigner", "ed25519"), ("cosigner", "mldsa44"),
    ]  # fmt: skip
    assert rows[1]["vkey"] == str(mldsa_signer("US", seed).verifier_key())
    assert main(["keys", "add", "-w", str(path), "--type", "rsa"]) == 2
    os.chmod(seed_file, 0o644)
    with Workspace.open(path) as ws, pytest.raises(WorkspaceError, match="too open"):
        _ = ws.mldsa_seed


def test_a_config_without_the_ed25519_key_is_refused(tmp_path: Path) -> None:
    Workspace.init(tmp_path / "us", "US").close()
    config = tmp_path / "us" / "config.toml"
    config.write_text(config.read_text() + 'key_types = ["mldsa44"]\n')
    with pytest.raises(WorkspaceError, match="key_types"):
        Workspace.open(tmp_path / "us")


@pytest.fixture
def pq_us(tmp_path: Path) -> Iterator[ServedNode]:
    with served_node(pq_workspace(tmp_path / "us", "US"), "US") as node:
        yield node


def _keys(node: ServedNode) -> tuple[object, object]:
    seed = node.workspace.mldsa_seed
    assert seed is not None
    return (
        log_signer("US", node.workspace.signing_key).verifier_key(),
        mldsa_signer("US", seed).verifier_key(),
    )


def test_the_node_signs_its_checkpoints_with_both_keys(pq_us: ServedNode) -> None:
    pq_us.seed(6)
    note = pq_us.client().get("/v1/tlog/checkpoint").text
    types = [s.key_id for s in parse_note(note).signatures]
    assert len(types) == 2
    ed25519, mldsa = _keys(pq_us)
    for key in (ed25519, mldsa):
        assert verify_checkpoint(note, key).checkpoint.size == 6  # type: ignore[arg-type]
    assert {ed25519.sig_type, mldsa.sig_type} == {SIG_TYPE_ED25519, SIG_TYPE_MLDSA44}  # type: ignore[attr-defined]
    # a policy may require the ML-DSA-44 log key alone
    policy = parse_policy(f"log {mldsa}\nquorum none\n")
    assert policy.verify_checkpoint(note).checkpoint.size == 6


def test_go_reads_the_ed25519_line_of_a_note_that_also_carries_ml_dsa(
    pq_us: ServedNode, tlogcheck: GoChecker
) -> None:
    """x/mod 0.7 knows no ML-DSA: it must verify the Ed25519 line and ignore the other."""
    pq_us.seed(3)
    note = pq_us.client().get("/v1/tlog/checkpoint").text
    ed25519, _mldsa = _keys(pq_us)
    out = tlogcheck.json("note", "-vkey", str(ed25519), stdin=note)
    assert out["text"] == parse_note(note).text
    assert (len(out["verified"]), out["unverified"]) == (1, 1)  # the ML-DSA-44 line


def test_a_witness_with_both_keys_cosigns_with_both_and_a_policy_counts_key_types(
    tmp_path: Path,
) -> None:
    """RU witnesses US with Ed25519 and ML-DSA-44; US (whose checkpoints carry both log
    signatures) collects both cosignatures. A policy that requires both of RU's key types
    holds, one that also requires a second post-quantum witness does not."""
    with (
        served_node(pq_workspace(tmp_path / "us", "US"), "US") as us,
        served_node(pq_workspace(tmp_path / "ru", "RU"), "RU") as ru,
    ):
        ru.workspace.register_party_key("US", us.workspace.public_key)
        token = tmp_path / "ru.token"
        token.write_text(ru.tokens[Role.PEER])
        token.chmod(0o600)
        seed = ru.workspace.mldsa_seed
        assert seed is not None
        ru_ed = cosigner_for("RU", ru.workspace.signing_key).verifier_key()
        ru_pq = mldsa_signer("RU", seed).verifier_key()
        add_witness(us.workspace.engine, "ru", f"{ru.url}/v1/witness", [ru_ed, ru_pq], str(token))
        us.seed(5)
        [pushed] = push_to_witnesses(NodeContext.from_workspace(us.workspace))
        assert (pushed.error, pushed.cosignatures) == (None, 2)
        note = us.client().get("/v1/tlog/checkpoint").text
        log_key = log_signer("US", us.workspace.signing_key).verifier_key()
        both = parse_policy(
            f"log {log_key}\nwitness ru-ed {ru_ed}\nwitness ru-pq {ru_pq}\n"
            "group both all ru-ed ru-pq\nquorum both\n"
        )
        assert len(both.verify_checkpoint(note).cosignatures) == 2
        assert len(parse_note(note).signatures) == 4  # two log lines, two cosignatures
        us_pq = mldsa_signer("US", us.workspace.mldsa_seed or b"").verifier_key()
        pq_only = parse_policy(f"log {us_pq}\nwitness ru-pq {ru_pq}\nquorum ru-pq\n")
        assert pq_only.verify_checkpoint(note).checkpoint.size == 5  # post-quantum alone
        other_pq = mldsa_signer("FR", bytes(32)).verifier_key()
        two_pq = parse_policy(
            f"log {log_key}\nwitness ru-pq {ru_pq}\nwitness fr-pq {other_pq}\n"
            "group pq 2 ru-pq fr-pq\nquorum pq\n"
        )
        with pytest.raises((VerificationError, PolicyError), match="quorum"):
            two_pq.verify_checkpoint(note)


def test_a_peer_syncs_and_cosigns_a_log_signed_with_both_keys(tmp_path: Path) -> None:
    """The JSON peer sync reads the Ed25519 line of a two-key checkpoint and cosigns it; the
    ML-DSA-44 line rides along, still verifiable by its own key."""
    with Workspace.init(tmp_path / "ru", "RU") as ru:
        path = pq_workspace(tmp_path / "us", "US")
        with served_node(path, "US", peer_key=ru.signing_key) as us:
            us.seed(4)
            ru.register_party_key("US", us.workspace.public_key)
            report = sync_peer(ru, us.url, us.tokens[Role.PEER])
            note = us.client().get("/v1/tlog/checkpoint").text
            _ed25519, mldsa = _keys(us)
        assert (report.size, report.replayed, report.cosigned) == (4, 4, True)
        ru_key = cosigner_for("RU", ru.signing_key).verifier_key()
        verified = verify_checkpoint(note, mldsa, [ru_key])  # type: ignore[arg-type]
        assert [c.name for c in verified.cosignatures] == ["treatyledger.example/RU"]
