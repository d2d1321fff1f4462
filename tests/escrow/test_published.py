"""Escrow commitments published in the party's log (``escrow publish``) and openings verified
against the logged commitment (``--log-entry`` with the log's verifier key)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from escrow.helpers import small_secret
from treatyledger.cli import main
from treatyledger.escrow.commitment import parse_commitment
from treatyledger.escrow.errors import LogEntryError
from treatyledger.escrow.published import (
    commitment_of,
    commitment_payload,
    parse_log_entry_document,
    read_logged_commitment,
)
from treatyledger.ledger import sign
from treatyledger.ledger.signing import leaf_bytes
from treatyledger.model.notifications import notification_json_schema, parse_notification
from treatyledger.store import tlog_store
from treatyledger.store.ledger_reads import load_records
from treatyledger.store.workspace import Workspace
from treatyledger.tlog.checkpoint import origin_for_party, sign_checkpoint
from treatyledger.tlog.memory import MemoryLog
from treatyledger.tlog.note import NoteSigner
from treatyledger.tlog.verifier import Checkpoint, TlogProof, parse_vkey, verify_tlog_proof

HEADER = "party,kind,status,uid\n"
EARLIER_ROWS = "US,warhead,stored,W-1\nUS,warhead,stored,W-2\nUS,warhead,deployed,W-3\n"
LATER_ROWS = "US,warhead,stored,W-1\nUS,warhead,deployed,W-3\n"  # W-2 gone
CATEGORIES = [{"name": "stored-warheads", "where": {"kind": ["warhead"], "status": ["stored"]}}]


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _workspace(tmp_path: Path, name: str, capsys: pytest.CaptureFixture[str]) -> Path:
    path = tmp_path / name
    assert _run(capsys, "init", "-w", str(path), "--party", "US")[0] == 0
    return path


def _commit(tmp_path: Path, name: str, rows: str, capsys: pytest.CaptureFixture[str]) -> Path:
    (tmp_path / f"{name}.csv").write_text(HEADER + rows)
    (tmp_path / "categories.json").write_text(json.dumps(CATEGORIES))
    out = tmp_path / name
    code, _, err = _run(
        capsys,
        "escrow",
        "commit",
        "--inventory",
        str(tmp_path / f"{name}.csv"),
        "--out",
        str(out),
        "--categories",
        str(tmp_path / "categories.json"),
        "--exchange",
        name,
    )
    assert code == 0, err
    return out


def _publish(
    ws: Path, committed: Path, entry: Path, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str, str]:
    return _run(
        capsys,
        "escrow",
        "publish",
        "-w",
        str(ws),
        "--commitment",
        str(committed / "commitment.json"),
        "--out",
        str(entry),
    )


def _vkey(ws: Path, capsys: pytest.CaptureFixture[str]) -> str:
    code, out, _ = _run(capsys, "log", "vkey", "-w", str(ws))
    assert code == 0
    return out.strip()


def _open(committed: Path, key: str, dest: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    code, out, _ = _run(
        capsys, "escrow", "open", "--secret", str(committed / "secret.json"), "--uid", key
    )
    assert code == 0
    dest.write_text(out)
    return dest


@pytest.fixture()
def published(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    ws = _workspace(tmp_path, "ws", capsys)
    committed = _commit(tmp_path, "earlier", EARLIER_ROWS, capsys)
    entry = tmp_path / "earlier-entry.json"
    code, out, err = _publish(ws, committed, entry, capsys)
    assert code == 0, err
    return {
        "ws": ws,
        "committed": committed,
        "entry": entry,
        "out": out,
        "vkey": _vkey(ws, capsys),
    }


def _verify(
    capsys: pytest.CaptureFixture[str], opening: Path, entry: Path, vkey: str
) -> tuple[int, str, str]:
    return _run(
        capsys,
        "escrow",
        "verify-opening",
        "--opening",
        str(opening),
        "--log-entry",
        str(entry),
        "--vkey",
        vkey,
    )


def test_publish_prints_the_sequence_and_leaf_index(published: dict[str, Any]) -> None:
    assert "as US#1 (sequence 1), leaf 0" in published["out"]


def test_published_notification_validates_against_the_schema(
    published: dict[str, Any],
) -> None:
    with Workspace.open(published["ws"]) as ws:
        [record] = load_records(ws.engine, "US")
    jsonschema.validate(record, notification_json_schema("escrow_commitment"))
    commitment = json.loads((published["committed"] / "commitment.json").read_text())
    assert record["kind"] == "escrow_commitment"
    assert record["payload"] == {k: v for k, v in commitment.items() if k != "party"}


def test_published_entry_is_the_stored_leaf_with_an_inclusion_proof(
    published: dict[str, Any],
) -> None:
    document = parse_log_entry_document(json.loads(published["entry"].read_text()))
    entry = document.entry.encode()
    verified = verify_tlog_proof(document.proof, entry, parse_vkey(published["vkey"]))
    assert verified.checkpoint.origin == origin_for_party("US")
    with Workspace.open(published["ws"]) as ws, ws.engine.connect() as conn:
        assert tlog_store.TlogReader(conn, origin_for_party("US")).leaf(0) == entry


def test_an_opening_verifies_against_the_logged_commitment(
    published: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    opening = _open(published["committed"], "W-1", tmp_path / "o.json", capsys)
    code, out, err = _verify(capsys, opening, published["entry"], published["vkey"])
    assert code == 0, err
    assert "logged: US#1 is leaf 0 of treatyledger.example/US" in out
    assert "valid: W-1" in out


def test_a_tampered_entry_fails(
    published: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    opening = _open(published["committed"], "W-1", tmp_path / "o.json", capsys)
    document = json.loads(published["entry"].read_text())
    document["entry"] = document["entry"].replace('"count":3', '"count":4')
    assert '"count":4' in document["entry"]
    tampered = tmp_path / "tampered.json"
    tampered.write_text(json.dumps(document))
    code, _, err = _verify(capsys, opening, tampered, published["vkey"])
    assert code == 1 and "is not in the log" in err


def test_a_commitment_not_in_the_log_fails(
    published: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Signed by the party with its real key, but never submitted: no proof can cover it.
    other = _commit(tmp_path, "unlogged", LATER_ROWS, capsys)
    commitment = parse_commitment(json.loads((other / "commitment.json").read_text()))
    with Workspace.open(published["ws"]) as ws:
        signed = sign(
            parse_notification(
                {
                    "party": "US",
                    "sequence": 2,
                    "kind": "escrow_commitment",
                    "effective_time": "2026-01-01T00:00:00Z",
                    "issued_time": "2026-01-01T00:00:00Z",
                    "payload": commitment_payload(commitment),
                }
            ),
            ws.signing_key,
        )
    document = json.loads(published["entry"].read_text())
    document["entry"] = leaf_bytes(signed).decode()
    unlogged = tmp_path / "unlogged-entry.json"
    unlogged.write_text(json.dumps(document))
    opening = _open(other, "W-1", tmp_path / "o.json", capsys)
    code, _, err = _verify(capsys, opening, unlogged, published["vkey"])
    assert code == 1 and "is not in the log" in err


def test_a_proof_for_another_log_fails(
    published: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Another log (another key) holding a different entry at the same index.
    other_ws = _workspace(tmp_path, "other-ws", capsys)
    other_entry = tmp_path / "other-entry.json"
    assert _publish(other_ws, published["committed"], other_entry, capsys)[0] == 0
    document = json.loads(published["entry"].read_text())
    document["proof"] = json.loads(other_entry.read_text())["proof"]
    mixed = tmp_path / "mixed.json"
    mixed.write_text(json.dumps(document))
    opening = _open(published["committed"], "W-1", tmp_path / "o.json", capsys)
    for vkey in (published["vkey"], _vkey(other_ws, capsys)):
        code, _, err = _verify(capsys, opening, mixed, vkey)
        assert code == 1 and "is not in the log" in err


def test_an_entry_checked_against_another_logs_key_fails(
    published: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other_ws = _workspace(tmp_path, "other-ws", capsys)
    opening = _open(published["committed"], "W-1", tmp_path / "o.json", capsys)
    code, _, err = _verify(capsys, opening, published["entry"], _vkey(other_ws, capsys))
    assert code == 1 and "is not in the log" in err


def test_a_log_entry_without_a_vkey_is_malformed(
    published: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    opening = _open(published["committed"], "W-1", tmp_path / "o.json", capsys)
    code, _, err = _run(
        capsys,
        "escrow",
        "verify-opening",
        "--opening",
        str(opening),
        "--log-entry",
        str(published["entry"]),
    )
    assert code == 2 and "--vkey" in err


def test_a_log_entry_document_with_unknown_fields_is_malformed(
    published: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    opening = _open(published["committed"], "W-1", tmp_path / "o.json", capsys)
    document = {**json.loads(published["entry"].read_text()), "extra": 1}
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(document))
    code, _, _ = _verify(capsys, opening, bad, published["vkey"])
    assert code == 2


def test_a_notification_of_another_kind_is_not_a_commitment() -> None:
    notification = parse_notification(
        {
            "party": "US",
            "sequence": 1,
            "kind": "randomness_commit",
            "effective_time": "2026-01-01T00:00:00Z",
            "issued_time": "2026-01-01T00:00:00Z",
            "payload": {"round_id": "R1", "commitment": "ab" * 32},
        }
    )
    with pytest.raises(LogEntryError, match="expected escrow_commitment"):
        commitment_of(notification)


def test_an_entry_logged_in_another_partys_log_is_refused(published: dict[str, Any]) -> None:
    # RU's log (a test key) holding US's signed entry: included, but not US's own log.
    document = parse_log_entry_document(json.loads(published["entry"].read_text()))
    log = MemoryLog()
    log.append(document.entry.encode())
    ru_log = NoteSigner.from_seed(origin_for_party("RU"), b"\x01" * 32)  # test key
    note = sign_checkpoint(Checkpoint(ru_log.name, log.size, log.root()), ru_log)
    in_ru_log = document.model_copy(
        update={"proof": TlogProof(0, tuple(log.inclusion_proof(0)), note).text()}
    )
    with pytest.raises(LogEntryError, match="another party's"):
        read_logged_commitment(in_ru_log, ru_log.verifier_key())


def test_account_across_two_logged_exchanges_reports_a_vanished_item(
    published: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    later = _commit(tmp_path, "later", LATER_ROWS, capsys)
    later_entry = tmp_path / "later-entry.json"
    code, out, _ = _publish(published["ws"], later, later_entry, capsys)
    assert code == 0 and "as US#2 (sequence 2), leaf 1" in out
    openings = [
        json.loads(_open(published["committed"], key, tmp_path / "x.json", capsys).read_text())
        for key in ("W-1", "W-2")
    ]
    openings.append(json.loads(_open(later, "W-1", tmp_path / "x.json", capsys).read_text()))
    (tmp_path / "openings.json").write_text(json.dumps(openings))
    code, out, err = _run(
        capsys,
        "escrow",
        "account",
        "--earlier-entry",
        str(published["entry"]),
        "--later-entry",
        str(later_entry),
        "--vkey",
        published["vkey"],
        "--opening",
        str(tmp_path / "openings.json"),
    )
    assert code == 1, err
    assert "leaf 0 of treatyledger.example/US" in out and "leaf 1 of" in out
    assert "carried  W-1" in out and "vanished: W-2" in err


def test_account_across_two_logged_exchanges_passes_when_nothing_vanished(
    published: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    later = _commit(tmp_path, "later", LATER_ROWS, capsys)
    later_entry = tmp_path / "later-entry.json"
    assert _publish(published["ws"], later, later_entry, capsys)[0] == 0
    openings = [
        json.loads(_open(committed, "W-1", tmp_path / "x.json", capsys).read_text())
        for committed in (published["committed"], later)
    ]
    (tmp_path / "openings.json").write_text(json.dumps(openings))
    code, out, err = _run(
        capsys,
        "escrow",
        "account",
        "--earlier-entry",
        str(published["entry"]),
        "--later-entry",
        str(later_entry),
        "--vkey",
        published["vkey"],
        "--opening",
        str(tmp_path / "openings.json"),
    )
    assert code == 0, err
    assert "carried  W-1" in out


def test_publishing_another_partys_commitment_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = tmp_path / "ru"
    assert _run(capsys, "init", "-w", str(ws), "--party", "RU")[0] == 0
    committed = _commit(tmp_path, "earlier", EARLIER_ROWS, capsys)
    code, _, err = _publish(ws, committed, tmp_path / "e.json", capsys)
    assert code != 0 and "this workspace signs for RU" in err


def test_a_commitment_round_trips_through_its_notification() -> None:
    commitment = small_secret().commitment
    notification = parse_notification(
        {
            "party": commitment.party,
            "sequence": 1,
            "kind": "escrow_commitment",
            "effective_time": "2026-03-01T00:00:00Z",
            "issued_time": "2026-03-01T00:00:00Z",
            "payload": commitment_payload(commitment),
        }
    )
    assert commitment_of(notification) == commitment
    assert commitment_of(notification).entry_bytes() == commitment.entry_bytes()
