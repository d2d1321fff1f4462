"""The force-level page from the workspace's counted view (``store.counted_totals``): the
first render counts every data date once and keeps the totals; after a restart (a new node
on the same workspace, an empty memory cache) the page renders from one query, in about the
time of the notifications page (the baseline, timed in the same test), with the same
figures; a new notification is a miss and a recount, never a stale figure; a damaged row is
a miss too. On SQLite and PostgreSQL."""

from __future__ import annotations

import random
import re
import statistics
import time
from datetime import date
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import update

from report.test_dashboard_calendar import log_in
from treatyledger.exercise import official_points
from treatyledger.files import load_catalog
from treatyledger.ledger import sign
from treatyledger.ledger.synthetic import synthetic_stream
from treatyledger.model.notifications import Notification
from treatyledger.node.auth import Role, add_principal
from treatyledger.node.context import NodeContext
from treatyledger.node.views import data_dates, party_records, series, treaty
from treatyledger.report.dashboard import counted, create_node_app
from treatyledger.store.counted_totals import log_span, read_totals, view_key, write_totals
from treatyledger.store.ledger_store import LedgerStore
from treatyledger.store.view_tables import CountedTotalsRow
from treatyledger.store.workspace import Workspace

AS_OF = date(2015, 6, 1)
LATER = date(2016, 6, 1)


def _stream(workspace: Workspace, until: date) -> list[Notification]:
    """The US stream from 2011 to ``until`` (sized from the official aggregates, with churn;
    sequence order is effective order)."""
    records = synthetic_stream(
        "US",
        official_points("US", until),
        load_catalog(),
        random.Random(5),
        churn_pairs_per_period=40,
    )
    return [sign(Notification.model_validate(r), workspace.signing_key) for r in records]


def _submit(workspace: Workspace, notifications: list[Notification]) -> None:
    store = LedgerStore(workspace.engine, treaty(workspace.engine, workspace.rules).policy)
    acks = store.submit(notifications)
    assert acks and all(a.status == "accepted" for a in acks)


def _workspace(path: Path, db_url: str) -> Workspace:
    workspace = Workspace.init(path, "US", db_url=db_url)
    _submit(workspace, _stream(workspace, AS_OF))
    return workspace


def _table(html: str) -> str:
    found = re.search(r"<table class=\"data forces.*?</table>", html, re.S)
    assert found is not None, "no forces table"
    return found.group(0)


def _timed(http: TestClient, path: str) -> float:
    began = time.perf_counter()
    response = http.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return time.perf_counter() - began


def test_forces_after_a_restart_render_like_a_light_page(db_url: str, tmp_path: Path) -> None:
    workspace = _workspace(tmp_path / "us", db_url)
    token = add_principal(workspace.engine, "office", Role.OWNER)
    forces = f"/party/forces?as_of={AS_OF}"
    with TestClient(create_node_app(NodeContext.from_workspace(workspace))) as http:
        log_in(http, token)
        first = http.get(forces)
        assert first.status_code == 200
    # the oracle for the figures: the series counted afresh from the log
    current = treaty(workspace.engine, workspace.rules)
    records = party_records(workspace.engine, "US")
    dates = data_dates(records, current.rule_set, until=AS_OF)
    expected = series(records, current, "US", dates)
    assert len(expected) >= 8
    for day, totals in expected:
        row = re.search(rf"<th scope=\"row\">{day}</th>(.*?)</tr>", _table(first.text), re.S)
        assert row is not None, day
        assert f"{totals['deployed_warheads']:,}" in row.group(1), day
    restarts, baseline = [], []
    for _ in range(3):  # each a new node on the workspace: nothing in memory
        with TestClient(create_node_app(NodeContext.from_workspace(workspace))) as http:
            log_in(http, token)
            baseline.append(_timed(http, "/party/notifications"))
            restarts.append(_timed(http, forces))
            again = http.get(forces)
            assert _table(again.text) == _table(first.text)
            baseline.append(_timed(http, "/party/notifications"))
    # the counting of 8+ data dates alone costs many notification pages; read back, the
    # page is a few queries and a template, like the baseline
    assert min(restarts) < 4 * statistics.median(baseline), (restarts, baseline)


def test_a_new_notification_is_a_miss_and_a_damaged_row_too(db_url: str, tmp_path: Path) -> None:
    workspace = Workspace.init(tmp_path / "us", "US", db_url=db_url)
    stream = _stream(workspace, LATER)
    cut = next(i for i, n in enumerate(stream) if n.effective_time.date() >= AS_OF)
    _submit(workspace, stream[:cut])
    node = NodeContext.from_workspace(workspace)
    current = treaty(workspace.engine, workspace.rules)
    digest = counted.basis(current)
    key = view_key(workspace.signing_key)
    shown = counted.counted_series(node, current, "US", LATER, 200)
    version, first = log_span(workspace.engine, "US")
    assert first == date(2011, 2, 5) and version == (cut, stream[cut - 1].sequence)
    assert read_totals(workspace.engine, "US", digest, version, key) == dict(shown)
    assert read_totals(workspace.engine, "US", digest, (version[0] + 1, version[1] + 1), key) == {}
    assert read_totals(workspace.engine, "US", "another-basis", version, key) == {}
    # the rest of the stream: the version moves on, and the page's figures are the recount
    _submit(workspace, stream[cut:])
    moved = counted.counted_series(node, current, "US", LATER, 200)
    records = party_records(workspace.engine, "US")
    assert moved == series(records, current, "US", data_dates(records, current.rule_set, LATER))
    assert moved != shown
    # writing a version drops the others; a row that does not parse is a miss
    day = moved[0][0]
    write_totals(workspace.engine, "US", digest, (0, 0), {day: {"deployed_warheads": 1}}, key)
    assert (
        read_totals(workspace.engine, "US", digest, log_span(workspace.engine, "US")[0], key) == {}
    )
    assert read_totals(workspace.engine, "US", digest, (0, 0), key) == {
        day: {"deployed_warheads": 1}
    }
    with workspace.engine.begin() as conn:
        conn.execute(update(CountedTotalsRow).values(totals='{"deployed_warheads": "1"}'))
    assert read_totals(workspace.engine, "US", digest, (0, 0), key) == {}
