"""The data-exchange calendar on the party pages, over HTTP with a browser session, and its
overdue alerts. Oracle: the New START Protocol, Part Four, Section II: the initial database
is due 45 days after entry into force (5 February 2011, so by 22 March 2011), each six-month
update 30 days after its data date (1 September 2011: by 30 September 2011)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from treatyledger.node.auth import Role, add_principal
from treatyledger.node.context import NodeContext
from treatyledger.report.dashboard import create_node_app
from treatyledger.report.dashboard.calendar_view import calendar_page
from treatyledger.report.dashboard.status import alerts
from treatyledger.store.workspace import Workspace

INITIAL_DUE = date(2011, 3, 22)  # 2011-02-05 + 45 days
FIRST_UPDATE_DUE = date(2011, 9, 30)  # 2011-09-01 + 30 days


@pytest.fixture
def node(tmp_path: Path) -> NodeContext:
    return NodeContext.from_workspace(Workspace.init(tmp_path / "us", "US"))


def log_in(client: TestClient, token: str) -> None:
    form = client.get("/login")
    # the login form's own token (a logged-in header's logout form carries the session's)
    login_form = form.text[form.text.index('class="login"') :]
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', login_form)
    assert csrf is not None
    answer = client.post(
        "/login", data={"token": token, "csrf_token": csrf.group(1)}, follow_redirects=False
    )
    assert answer.status_code == 303, answer.text


@pytest.fixture
def client(node: NodeContext) -> Iterator[tuple[TestClient, dict[Role, str]]]:
    tokens = {role: add_principal(node.engine, f"{role.value}-1", role) for role in Role}
    with TestClient(create_node_app(node), base_url="http://testserver") as c:
        yield c, tokens


def test_a_database_not_received_is_overdue_after_its_deadline(node: NodeContext) -> None:
    before = calendar_page(node, ["US"], date(2011, 3, 22))
    entries = before.parties[0].entries
    initial = next(e for e in entries if e.data_as_of == date(2011, 2, 5))
    assert (initial.due, initial.status) == (INITIAL_DUE, "due")
    assert alerts(node, ["US"], Role.OWNER, date(2011, 3, 22)) == []

    after = calendar_page(node, ["US"], date(2011, 3, 23))
    statuses = {e.data_as_of: (e.due, e.status) for e in after.parties[0].entries}
    assert statuses[date(2011, 2, 5)] == (INITIAL_DUE, "overdue")
    assert statuses[date(2011, 9, 1)] == (FIRST_UPDATE_DUE, "due")
    assert after.parties[0].count("overdue") == 1
    found = alerts(node, ["US"], Role.OWNER, date(2011, 3, 23))
    assert [(a.kind, a.party, a.page) for a in found] == [("overdue", "US", "calendar")]
    assert "2011-03-22" in found[0].message and "Part Four" in found[0].message


def test_overdue_alerts_are_one_per_party(node: NodeContext) -> None:
    found = alerts(node, ["US"], Role.OWNER, date(2012, 1, 1))
    assert len(found) == 1
    # the initial database and the first update are both overdue; the alert names the latest
    assert "2 obligations overdue" in found[0].message
    assert str(FIRST_UPDATE_DUE) in found[0].message


def test_calendar_page_over_http_for_party_readers_only(
    client: tuple[TestClient, dict[Role, str]],
) -> None:
    http, tokens = client
    assert http.get("/party/calendar", follow_redirects=False).status_code == 303
    log_in(http, tokens[Role.OBSERVER])
    assert http.get("/party/calendar").status_code == 403
    log_in(http, tokens[Role.INSPECTOR])
    page = http.get("/party/calendar", params={"as_of": "2011-04-01"})
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    row = re.search(r'<tr class="calendar-overdue">(.*?)</tr>', page.text, re.S)
    assert row is not None and "2011-03-22" in row.group(1) and "initial database" in row.group(1)
    assert 'class="calendar-due"' in page.text
    overview = http.get("/party", params={"as_of": "2011-04-01"})
    assert "Overdue:" in overview.text and 'href="/party/calendar"' in overview.text
