"""The suspension of February 2023 (tests/regime/suspension.py): Russia's figures after
2022-09-01 are "not provided", stale since 2022-09-01, in ``count --workspace``, ``series``,
the node's counts, series and public summary and the observer page; the US figures continue;
after the expiry on 2026-02-05 every view says no limit is in force.

Expected US figures (New START counting): 4 deployed delivery vehicles, 4 launchers and
bombers, deployed warheads 4 on 2022-09-01, 5 on 2023-03-01 (one RV more from 2022-10-01), 6
on 2023-09-01 (another from 2023-05-01). Russia: 2 / 2 / 2 on 2022-09-01."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from suspension import Suspension, build

from node.harness import ServedNode, served_node
from treatyledger.cli import main
from treatyledger.node.auth import Role

STALE = "2022-09-01"
US_2023_03 = {
    "deployed_delivery_vehicles": 4,
    "deployed_warheads": 5,
    "deployed_and_nondeployed_launchers": 4,
}


@pytest.fixture(scope="module")
def suspended(tmp_path_factory: pytest.TempPathFactory) -> Suspension:
    return build(tmp_path_factory.mktemp("suspension"))


def cli_json(capsys: pytest.CaptureFixture[str], *argv: Any) -> Any:
    assert main([str(a) for a in argv]) == 0
    return json.loads(capsys.readouterr().out)


def test_count_workspace_says_not_provided_for_russia_and_counts_the_us(
    suspended: Suspension, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ("count", "--rules", "new-start", "--workspace", suspended.us, "--format", "json")
    before = cli_json(capsys, *args, "--as-of", "2022-09-01")["parties"]
    assert "provided" not in before["RU"]  # said only of figures that do not stand
    assert before["RU"]["categories"]["deployed_warheads"]["total"] == 2
    after = cli_json(capsys, *args, "--as-of", "2023-03-01")
    ru = after["parties"]["RU"]
    assert (ru["provided"], ru["stale_since"], ru["categories"]) == (False, STALE, {})
    assert "suspended on 2023-02-28" in ru["reason"]
    us = after["parties"]["US"]
    assert "provided" not in us
    assert {c: v["total"] for c, v in us["categories"].items()} == US_2023_03
    assert after["regime"]["suspended_parties"] == ["RU"]


def test_count_workspace_table_shows_the_gap(
    suspended: Suspension, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["count", "--rules", "new-start", "--workspace", str(suspended.us)]
    assert main([*argv, "--as-of", "2023-09-01"]) == 0
    out = capsys.readouterr().out
    assert "not provided" in out and "3" not in out.split("RU")[1].split("US")[0].split("|")[0]


def test_series_leaves_russia_out_after_its_last_data(
    suspended: Suspension, capsys: pytest.CaptureFixture[str]
) -> None:
    dates = "2022-03-01,2022-09-01,2023-03-01,2023-09-01"
    data = cli_json(capsys, "series", "-w", suspended.us, "--dates", dates, "--format", "json")
    by_date = {p["date"]: p for p in data["points"]}
    for day in ("2022-03-01", "2022-09-01"):
        assert by_date[day]["parties"]["RU"]["deployed_warheads"] == 2
        assert "not_provided" not in by_date[day]
    for day in ("2023-03-01", "2023-09-01"):
        assert by_date[day]["parties"]["RU"] is None
        assert by_date[day]["not_provided"]["RU"]["stale_since"] == STALE
    warheads = [by_date[d]["parties"]["US"]["deployed_warheads"] for d in dates.split(",")]
    assert warheads == [4, 4, 5, 6]


@pytest.fixture(scope="module")
def ru_node(suspended: Suspension) -> Iterator[ServedNode]:
    with served_node(suspended.ru, "RU") as node:
        yield node


@pytest.fixture(scope="module")
def us_node(suspended: Suspension) -> Iterator[ServedNode]:
    with served_node(suspended.us, "US") as node:
        yield node


def test_the_russian_node_counts_say_not_provided(ru_node: ServedNode) -> None:
    client = ru_node.client(Role.PEER)
    before = client.get("/v1/counts?as_of=2022-09-01").json()
    assert before["data"]["provided"] is True
    assert before["categories"]["deployed_warheads"]["total"] == 2
    after = client.get("/v1/counts?as_of=2023-03-01").json()
    assert after["categories"] == {}
    assert (after["data"]["provided"], after["data"]["stale_since"]) == (False, STALE)


def test_the_russian_node_series_has_gaps_after_its_last_data(ru_node: ServedNode) -> None:
    points = ru_node.client(Role.INSPECTOR).get("/v1/series").json()["points"]
    stale = [p for p in points if p["date"] > STALE]
    shown = [p for p in points if p["date"] <= STALE]
    assert stale and all(not p["data"]["provided"] and p["totals"] == {} for p in stale)
    assert all(p["data"]["provided"] and p["totals"] for p in shown)


def test_the_russian_observer_summary_shows_gaps_not_old_figures(ru_node: ServedNode) -> None:
    summary = ru_node.client(Role.OBSERVER).get("/v1/public/summary?as_of=2023-09-01").json()
    points = {p["data_date"]: p for p in summary["aggregates"]}
    assert points["2022-09-01"]["totals"]["deployed_warheads"] == 2
    for day in ("2023-03-01", "2023-09-01"):
        assert points[day]["totals"] == {}
        assert points[day]["data"] == {
            "provided": False,
            "stale_since": STALE,
            "reason": "RU suspended on 2023-02-28 (Federal Law No. 38-FZ of 2023-02-28)",
        }
    assert summary["data"]["provided"] is False
    assert all(c["total"] is None and c["within_limit"] is None for c in summary["compliance"])


def test_the_observer_page_says_not_provided_and_stale_since(
    suspended: Suspension, tmp_path: Path
) -> None:
    from treatyledger.report.dashboard import write_pages
    from treatyledger.store.workspace import Workspace

    with Workspace.open(suspended.ru) as ws:
        written = write_pages(ws, tmp_path / "site", as_of=date(2023, 9, 1), party_pages=False)
    html = next(p for p in written if p.name == "index.html").read_text()
    # 2023-03-01, 2023-09-01, and the notice at the top
    assert html.count(f"last figures that stand: data as of {STALE}") >= 2
    assert "figures are not provided as of 2023-09-01" in html
    assert "Not provided because RU suspended on 2023-02-28" in html
    assert "not provided</td>" in html  # the compliance totals


def test_the_us_figures_continue_on_the_us_node(us_node: ServedNode) -> None:
    summary = us_node.client(Role.OBSERVER).get("/v1/public/summary?as_of=2023-09-01").json()
    points = {p["data_date"]: p for p in summary["aggregates"]}
    assert points["2023-03-01"]["totals"] == US_2023_03
    assert points["2023-09-01"]["totals"]["deployed_warheads"] == 6
    assert all(p["data"]["provided"] for p in summary["aggregates"])
    # the Russian suspension, mirrored here, is in the US node's regime too
    assert summary["regime"]["suspended_parties"] == ["RU"]


def test_after_expiry_every_view_says_no_limit_is_in_force(
    us_node: ServedNode, suspended: Suspension, capsys: pytest.CaptureFixture[str]
) -> None:
    client = us_node.client(Role.OWNER)
    counts = client.get("/v1/counts?as_of=2026-06-01").json()
    assert counts["regime"]["limits_in_force"] is False
    assert counts["regime"]["no_limit_reason"] == (
        "new-start expired on 2026-02-05: no limit is in force"
    )
    assert all(
        c["limit"] is None and c["within_limit"] is None for c in counts["categories"].values()
    )
    summary = us_node.client(Role.OBSERVER).get("/v1/public/summary?as_of=2026-06-01").json()
    assert all(not c["in_force"] and c["within_limit"] is None for c in summary["compliance"])
    # no update is owed after the treaty's end: the last data date is 2025-09-01
    assert max(p["data_date"] for p in summary["aggregates"]) == "2025-09-01"
    data = cli_json(
        capsys,
        "count",
        "--rules",
        "new-start",
        "--workspace",
        suspended.us,
        "--as-of",
        "2026-06-01",
        "--format",
        "json",
    )
    categories = data["parties"]["US"]["categories"].values()
    assert all(c["limit"] is None for c in categories)
    assert data["regime"]["phase"] == "expired"


def test_the_calendar_endpoint_lists_the_suspended_updates_as_overdue(ru_node: ServedNode) -> None:
    answer = ru_node.client(Role.PEER).get("/v1/calendar?as_of=2023-12-01")
    assert answer.status_code == 200
    overdue = [e for e in answer.json()["entries"] if e["status"] == "overdue"]
    assert [e["data_as_of"] for e in overdue] == ["2023-03-01", "2023-09-01"]
    assert all(e["suspended"] for e in overdue)


def test_only_the_owner_asks_for_another_partys_calendar(us_node: ServedNode) -> None:
    assert us_node.client(Role.OWNER).get("/v1/calendar?party=RU").status_code == 200
    refused = us_node.client(Role.PEER).get("/v1/calendar?party=RU")
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("application/problem+json")
