"""Peer sync over real HTTP: the RU workspace verifies, mirrors, counts and cosigns the US
node's log; a forked log stops it with offline-verifiable evidence; a sync cut off by killing
the serving node resumes with nothing duplicated."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from factory import signed, stream
from node.harness import served_node
from treatyledger.errors import ExitCode
from treatyledger.node.auth import Role, add_principal
from treatyledger.node.errors import ForkDetected, PeerUnavailable
from treatyledger.node.keys import cosigner_vkey
from treatyledger.node.peer import sync_peer
from treatyledger.node.submission import submission_body
from treatyledger.store.ledger_tables import NotificationRow
from treatyledger.store.node_tables import PeerSyncState
from treatyledger.store.workspace import Workspace
from treatyledger.tlog.verifier import verify_evidence


@pytest.fixture
def ru(tmp_path: Path) -> Iterator[Workspace]:
    with Workspace.init(tmp_path / "ru", "RU") as workspace:
        yield workspace


def mirrored(ru: Workspace, party: str = "US") -> list[int]:
    with ru.engine.connect() as conn:
        return list(
            conn.execute(
                select(NotificationRow.sequence)
                .where(NotificationRow.party == party)
                .order_by(NotificationRow.sequence)
            ).scalars()
        )


def test_sync_verifies_mirrors_counts_and_cosigns(tmp_path: Path, ru: Workspace) -> None:
    with served_node(tmp_path / "us", peer_key=ru.signing_key) as us:
        us.seed(7)
        ru.register_party_key("US", us.workspace.public_key)
        report = sync_peer(ru, us.url, us.tokens[Role.PEER])
        checkpoint = us.client(Role.OBSERVER).get("/v1/log/checkpoint").json()
    assert (report.peer_party, report.size, report.replayed) == ("US", 7, 7)
    assert mirrored(ru) == list(range(1, 8))
    assert report.counts["categories"]["deployed_warheads"]["total"] == 1
    assert [c["name"] for c in checkpoint["cosignatures"]] == ["treatyledger.example/RU"]
    assert checkpoint["size"] == 7


def test_second_sync_fetches_only_the_new_entries(tmp_path: Path, ru: Workspace) -> None:
    with served_node(tmp_path / "us", peer_key=ru.signing_key) as us:
        us.seed(5)
        ru.register_party_key("US", us.workspace.public_key)
        sync_peer(ru, us.url, us.tokens[Role.PEER])
        assert us.submit(stream("US", 4, first=6)).status_code == 200
        report = sync_peer(ru, us.url, us.tokens[Role.PEER])
    assert (report.previous_size, report.size, report.replayed) == (5, 9, 4)
    assert mirrored(ru) == list(range(1, 10))


def test_sync_refuses_a_peer_whose_key_is_not_registered(tmp_path: Path, ru: Workspace) -> None:
    from treatyledger.node.errors import PeerError

    with served_node(tmp_path / "us", peer_key=ru.signing_key) as us:
        us.seed(2)
        with pytest.raises(PeerError, match="no public key registered for party US"):
            sync_peer(ru, us.url, us.tokens[Role.PEER])
    assert mirrored(ru) == []


def test_forked_log_stops_the_sync_with_evidence_that_verifies_offline(
    tmp_path: Path, ru: Workspace
) -> None:
    with served_node(tmp_path / "us", peer_key=ru.signing_key) as us:
        us.seed(3)
        us_key = us.workspace.public_key
    # The same party key now keeps two diverging copies of its log.
    shutil.copytree(tmp_path / "us", tmp_path / "us-fork")
    ru.register_party_key("US", us_key)
    with served_node(tmp_path / "us", peer_key=ru.signing_key) as honest:
        assert honest.submit(stream("US", 2, first=4)).status_code == 200  # size 5
        sync_peer(ru, honest.url, honest.tokens[Role.PEER])
    with served_node(tmp_path / "us-fork", peer_key=ru.signing_key) as fork:
        other = stream("US", 4, first=4)
        for record in other:  # different warheads: different leaves from index 3 on
            item = record["payload"]["items"][0]
            item["uid"] = item["uid"].replace("WH", "WX")
        assert fork.submit(other).status_code == 200  # size 7
        with pytest.raises(ForkDetected, match="forked") as caught:
            sync_peer(ru, fork.url, fork.tokens[Role.PEER], evidence_dir=tmp_path / "evidence")
    summary = verify_evidence(caught.value.evidence_path.read_text())
    assert {summary.first.size, summary.second.size} == {5, 7}
    assert mirrored(ru) == [1, 2, 3, 4, 5]  # nothing of the fork was mirrored
    with ru.engine.connect() as conn:
        state = conn.execute(select(PeerSyncState.size, PeerSyncState.mirrored)).one()
    assert tuple(state) == (5, 5)


def test_fork_from_a_power_of_two_size_is_caught_from_the_entries(
    tmp_path: Path, ru: Workspace
) -> None:
    """From size 4 a consistency proof carries no prefix root; the evidence comes from
    rebuilding the forked tree out of its own (inclusion-checked) entries."""
    with served_node(tmp_path / "us", peer_key=ru.signing_key) as us:
        us.seed(3)
        us_key = us.workspace.public_key
    shutil.copytree(tmp_path / "us", tmp_path / "us-fork")
    ru.register_party_key("US", us_key)
    with served_node(tmp_path / "us", peer_key=ru.signing_key) as honest:
        assert honest.submit(stream("US", 1, first=4)).status_code == 200  # size 4
        sync_peer(ru, honest.url, honest.tokens[Role.PEER])
    with served_node(tmp_path / "us-fork", peer_key=ru.signing_key) as fork:
        other = stream("US", 3, first=4)
        for record in other:
            item = record["payload"]["items"][0]
            item["uid"] = item["uid"].replace("WH", "WX")
        assert fork.submit(other).status_code == 200  # size 6
        with pytest.raises(ForkDetected) as caught:
            sync_peer(ru, fork.url, fork.tokens[Role.PEER], evidence_dir=tmp_path)
    summary = verify_evidence(caught.value.evidence_path.read_text())
    assert {summary.first.size, summary.second.size} == {4, 6}
    assert mirrored(ru) == [1, 2, 3, 4]


def test_same_size_fork_is_caught(tmp_path: Path, ru: Workspace) -> None:
    with served_node(tmp_path / "us", peer_key=ru.signing_key) as us:
        us.seed(3)
        us_key = us.workspace.public_key
    shutil.copytree(tmp_path / "us", tmp_path / "us-fork")
    ru.register_party_key("US", us_key)
    with served_node(tmp_path / "us", peer_key=ru.signing_key) as honest:
        assert honest.submit(stream("US", 1, first=4)).status_code == 200
        sync_peer(ru, honest.url, honest.tokens[Role.PEER])
    with served_node(tmp_path / "us-fork", peer_key=ru.signing_key) as fork:
        other = stream("US", 1, first=4)
        other[0]["payload"]["items"][0]["uid"] = "US-WX-4"
        assert fork.submit(other).status_code == 200
        with pytest.raises(ForkDetected) as caught:
            sync_peer(ru, fork.url, fork.tokens[Role.PEER], evidence_dir=tmp_path)
    assert "two different roots" in verify_evidence(caught.value.evidence_path.read_text()).reason


# -- a real node process, killed mid-sync ----------------------------------------------------


def _serve(workspace: Path) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "treatyledger.cli", "serve", "-w", str(workspace), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    found = re.search(r"on (http://\S+)", line)
    assert found, line
    url = found.group(1)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/v1/health", timeout=1).status_code == 200:
                return process, url
        except httpx.TransportError:
            time.sleep(0.05)
    process.kill()
    raise AssertionError("the node did not come up")


def test_sync_interrupted_by_killing_the_node_resumes_without_duplicates(
    tmp_path: Path, ru: Workspace
) -> None:
    us_path = tmp_path / "us"
    with Workspace.init(us_path, "US") as us:
        owner = add_principal(us.engine, "office", Role.OWNER)
        peer = add_principal(
            us.engine, "ru", Role.PEER, vkey=str(cosigner_vkey("RU", ru.public_key))
        )
        body = submission_body(signed(stream("US", 40), us.signing_key))
        ru.register_party_key("US", us.public_key)
    process, url = _serve(us_path)
    try:
        response = httpx.post(
            url + "/v1/notifications",
            content=body,
            headers={"Authorization": f"Bearer {owner}", "Content-Type": "application/json"},
            timeout=30,
        )
        assert response.json()["accepted"] == 40

        def kill_after_first_page(done: int, _total: int) -> None:
            if done == 10:
                process.send_signal(signal.SIGKILL)
                process.wait(timeout=10)

        with pytest.raises(PeerUnavailable, match="unreachable"):
            sync_peer(ru, url, peer, page_size=10, on_page=kill_after_first_page)
    finally:
        process.kill()
        process.wait(timeout=10)
    assert mirrored(ru) == list(range(1, 11))

    process, url = _serve(us_path)  # the node comes back (on another port)
    try:
        report = sync_peer(ru, url, peer, page_size=10)
    finally:
        process.kill()
        process.wait(timeout=10)
    assert (report.size, report.replayed) == (40, 30)
    assert mirrored(ru) == list(range(1, 41))
    with ru.engine.connect() as conn:
        total = conn.execute(
            select(func.count()).select_from(NotificationRow).where(NotificationRow.party == "US")
        ).scalar_one()
    assert total == 40


def test_node_serves_and_is_synced_on_postgresql(
    tmp_path: Path, postgres_url: str, ru: Workspace
) -> None:
    with served_node(tmp_path / "us", db_url=postgres_url, peer_key=ru.signing_key) as us:
        assert us.workspace.engine.dialect.name == "postgresql"
        us.seed(6)
        counts = us.client(Role.PEER).get("/v1/counts?as_of=2012-01-01").json()
        ru.register_party_key("US", us.workspace.public_key)
        report = sync_peer(ru, us.url, us.tokens[Role.PEER])
        checkpoint = us.client(Role.WITNESS).get("/v1/log/checkpoint").json()
    assert counts["categories"]["deployed_warheads"]["total"] == 1
    assert report.size == 6 and mirrored(ru) == list(range(1, 7))
    assert len(checkpoint["cosignatures"]) == 1


def test_sync_cli_reports_counts_and_exit_code(
    tmp_path: Path, ru: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    from treatyledger.cli import main

    with served_node(tmp_path / "us", peer_key=ru.signing_key) as us:
        us.seed(3)
        ru.register_party_key("US", us.workspace.public_key)
        ru_path = str(ru.path)
        code = main(
            ["peer", "sync", "-w", ru_path, "--peer", us.url, "--token", us.tokens[Role.PEER]]
        )
        bad = main(["peer", "sync", "-w", ru_path, "--peer", us.url, "--token", "tl_wrong"])
        # the token from a file (not the command line, which `ps` shows), the report as JSON
        token_file = tmp_path / "token"
        token_file.write_text(us.tokens[Role.PEER] + "\n")
        token_file.chmod(0o600)
        assert us.submit(stream("US", 2, first=4)).status_code == 200
        capsys.readouterr()
        argv = ["peer", "sync", "-w", ru_path, "--peer", us.url, "--token-file", str(token_file)]
        from_file = main([*argv, "--format", "json"])
        report = json.loads(capsys.readouterr().out)
    assert code == 0
    assert bad == ExitCode.INVALID  # refused by the peer: nothing verified
    assert from_file == 0
    assert (report["previous_size"], report["size"], report["replayed"]) == (3, 5, 2)
    assert mirrored(ru) == [1, 2, 3, 4, 5]


def test_sync_of_an_unreachable_peer_exits_4(tmp_path: Path, ru: Workspace) -> None:
    from treatyledger.cli import main

    code = main(
        ["peer", "sync", "-w", str(ru.path), "--peer", "http://127.0.0.1:9", "--token", "t"]
    )
    assert code == ExitCode.UNAVAILABLE
