"""docs/runbook.md, run as written: every ``sh`` block in order, on loopback, in one
temporary directory that stands for the US, RU and witness machines, with the addresses
(ports, PostgreSQL URLs) in the environment variables the runbook names. Each step's outcome
is checked where it shows: keys as registered, tokens in files of mode 0600, the counts each
party's sync computed from the other's verified log against the official New START figures
(State Department, data as of 2020-09-01, in data/reference/new_start_aggregates.csv),
cosignatures by both witnesses, the old token refused after rotation, the access log naming
principals and holding no token, and the restored backups auditing clean."""

from __future__ import annotations

import csv
import os
import re
import shutil
import socket
import stat
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from docs.shell import Block, Ran, Shell, cli_on_path, sh_blocks
from pg import fresh_database, postgres_reachable
from treatyledger.node.keys import peer_formats
from treatyledger.store.workspace import Workspace
from treatyledger.tlog.verifier import parse_vkey

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
RUNBOOK = REPO / "docs" / "runbook.md"
DATA = REPO / "src" / "treatyledger" / "data"
TOKEN = re.compile(r"tl_[A-Za-z0-9_-]{43}")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _official(party: str, day: str) -> dict[str, int]:
    with (DATA / "reference" / "new_start_aggregates.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if (row["party"], row["date"]) == (party, day):
                return {k: int(v) for k, v in row.items() if k not in ("date", "party", "source")}
    raise AssertionError(f"no official figures for {party} {day}")


@pytest.fixture
def machine(tmp_path: Path) -> Iterator[tuple[Shell, Path]]:
    if not postgres_reachable():
        if os.environ.get("CI") == "true":
            pytest.fail("PostgreSQL is not reachable at 127.0.0.1:5432 and CI=true")
        pytest.skip("PostgreSQL not reachable at 127.0.0.1:5432 (the runbook backs it up)")
    for tool in ("curl", "sqlite3", "pg_dump", "pg_restore"):
        if shutil.which(tool) is None:
            message = f"the runbook uses {tool}, which is not installed"
            if os.environ.get("CI") == "true":
                pytest.fail(message)
            pytest.skip(message)
    work = tmp_path / "machines"
    work.mkdir()
    shutil.copy(DATA / "inventories" / "us-2020-09-01.csv", work / "us-inventory.csv")
    shutil.copy(DATA / "inventories" / "ru-2020-09-01.csv", work / "ru-inventory.csv")
    with (
        cli_on_path(tmp_path) as env,
        fresh_database() as pg_url,
        fresh_database() as restore_url,
    ):
        us_port, ru_port = _free_port(), _free_port()
        env.update(
            US_PORT=str(us_port),
            RU_PORT=str(ru_port),
            US_NODE=f"http://127.0.0.1:{us_port}",
            RU_NODE=f"http://127.0.0.1:{ru_port}",
            PG_URL=pg_url.replace("postgresql+psycopg://", "postgresql://", 1),
            PG_RESTORE_URL=restore_url.replace("postgresql+psycopg://", "postgresql://", 1),
        )
        yield Shell(work, env), work


def _find(ran: list[Ran], *needles: str) -> Ran:
    found = [r for r in ran if all(n in r.block.text for n in needles)]
    assert found, f"no block of the runbook has {needles}"
    return found[0]


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_runbook_runs_as_written_on_loopback(machine: tuple[Shell, Path]) -> None:
    shell, work = machine
    blocks = sh_blocks(RUNBOOK.read_text(encoding="utf-8"))
    assert len(blocks) >= 20
    ran: list[Ran] = []
    tokens_seen: set[str] = set()
    old_ru_token = ""
    for block in blocks:
        if "principal revoke -w us-ws ru-node" in block.text:
            old_ru_token = (work / "ru-node-on-us.token").read_text().strip()
        ran.append(shell.run(block))
        for token_file in work.glob("*.token"):
            tokens_seen.add(token_file.read_text().strip())
        if "treatyledger serve -w us-ws" in block.text and "kill" not in block.text:
            _check_proxy_headers(shell.env["US_NODE"])
    _check_keys(ran, work)
    _check_tokens(work, tokens_seen)
    _check_sync(ran, work)
    _check_witnesses(ran)
    _check_rotation(shell.env["US_NODE"], old_ru_token, work)
    _check_access_log(work, tokens_seen)
    _check_backups(ran, work)


def _check_keys(ran: list[Ran], work: Path) -> None:
    with Workspace.open(work / "ru-ws") as ru, Workspace.open(work / "us-ws") as us:
        ru_keys = peer_formats("RU", ru.public_key)
        us_keys = peer_formats("US", us.public_key)
        assert us.party_keys("RU") == {ru_keys["key_id"]: ru_keys["public_key"]}
    trusted = _find(ran, "peer trust -w us-ws").stdout
    assert f"registered key {ru_keys['key_id']} for party RU" in trusted
    shown = _find(ran, "keys show -w us-ws\n").stdout
    for value in us_keys.values():
        assert value in shown
    assert (work / "us.vkey").read_text().strip() == us_keys["log_vkey"]
    assert parse_vkey((work / "ru.cosigner.vkey").read_text().strip()).name == ru_keys["origin"]
    assert _mode(work / "us-ws" / "signing_key.pem") == 0o600


def _check_tokens(work: Path, tokens_seen: set[str]) -> None:
    files = sorted(work.glob("*.token"))
    assert {f.name for f in files} >= {
        "ru-node-on-us.token",
        "us-node-on-ru.token",
        "w1-on-us.token",
    }
    for token_file in files:
        assert TOKEN.fullmatch(token_file.read_text().strip()), token_file.name
        assert _mode(token_file) == 0o600, token_file.name
    assert len(tokens_seen) >= len(files) + 2  # the rotated ones are new tokens


def _check_sync(ran: list[Ran], work: Path) -> None:
    with Workspace.open(work / "us-ws") as us, Workspace.open(work / "ru-ws") as ru:
        us_size = _log_size(us)
        ru_size = _log_size(ru)
    assert us_size > 0 and ru_size > 0
    for text, origin, size, party in (
        (_find(ran, "peer sync -w ru-ws").stdout, "US", us_size, "US"),
        (_find(ran, "peer sync -w us-ws").stdout, "RU", ru_size, "RU"),
    ):
        assert f"treatyledger.example/{origin}: size 0 -> {size}" in text, text
        assert "checkpoint cosigned" in text
        # counted from the mirror of the other party's verified log: the official figures
        totals = [int(n) for n in re.findall(r":\s+(\d+)(?: /|$)", text, re.M)]
        assert sorted(_official(party, "2020-09-01").values()) == sorted(totals), text


def _log_size(ws: Workspace) -> int:
    from treatyledger.store.log_entries import log_size
    from treatyledger.tlog.checkpoint import origin_for_party

    return int(log_size(ws.engine, origin_for_party(ws.party)))


def _check_witnesses(ran: list[Ran]) -> None:
    pushed = _find(ran, "log witness push -w us-ws")
    assert "ru-node" in pushed.stdout + pushed.stderr
    cosigned = [r for r in ran if "witness cosign" in r.block.text]
    assert len(cosigned) == 2
    for result in cosigned:
        assert "consistent; cosigned" in result.stdout, result.stdout
    verified = _find(ran, "log verify checkpoint us-checkpoint.txt")
    assert "witness.example/w1" in verified.stdout and "treatyledger.example/RU" in verified.stdout


def _check_rotation(us_node: str, old_token: str, work: Path) -> None:
    assert TOKEN.fullmatch(old_token)
    new_token = (work / "ru-node-on-us.token").read_text().strip()
    assert new_token != old_token
    for token, status in ((old_token, 401), (new_token, 200)):
        response = httpx.get(
            us_node + "/v1/log/checkpoint",
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
        assert response.status_code == status


def _check_proxy_headers(us_node: str) -> None:
    """The node was started with the proxy configured: it believes X-Forwarded-Proto from
    loopback (tests/node/test_api_docs.py checks that it does not when unconfigured)."""
    response = httpx.get(us_node + "/v1/docs/", headers={"X-Forwarded-Proto": "https"}, timeout=30)
    assert response.status_code == 307
    assert response.headers["location"].startswith("https://")


def _check_access_log(work: Path, tokens_seen: set[str]) -> None:
    log = (work / "us-node.log").read_text(encoding="utf-8")
    assert re.search(r"access GET /v1/log/checkpoint ru-node 200 \d+\.\dms", log), log[-2000:]
    assert re.search(r"access GET /v1/health anonymous 200", log)
    for token in tokens_seen:
        assert token not in log


def _check_backups(ran: list[Ran], work: Path) -> None:
    import sqlite3

    for name in ("us-ws-backup", "us-ws-restored"):
        assert _mode(work / name / "signing_key.pem") == 0o600
    counts = []
    for db in (work / "us-ledger-online.db", work / "us-ws" / "ledger.db"):
        copy = sqlite3.connect(db)
        try:
            counts.append(
                copy.execute(
                    "SELECT count(*) FROM ledger_notifications WHERE party = 'US'"
                ).fetchone()[0]
            )
        finally:
            copy.close()
    with Workspace.open(work / "us-ws") as us:
        assert counts[0] == counts[1] == _log_size(us) > 0
    for needle in ("log audit -w us-ws-restored", "log audit -w us-pg"):
        audited = _find(ran, needle)
        assert "no discrepancy" in audited.stdout, audited.stdout


def test_every_block_of_the_runbook_is_run() -> None:
    """No command hides in a block the runner skips: fences are sh, or configuration."""
    text = RUNBOOK.read_text(encoding="utf-8")
    infos = re.findall(r"^```(\S*)$", text, re.M)
    opening = infos[0::2]
    assert set(opening) <= {"sh", "ini", "nginx", "caddyfile"}, opening
    assert all(isinstance(b, Block) for b in sh_blocks(text))
