"""Figures that are not provided, in the browser: the suspension of February 2023
(tests/regime/suspension.py: Russia's last data are of 2022-09-01, suspended on 2023-02-28).
The observer page of the Russian node says so at the top (why, and the date of the last
figures that stand), each later data date says "not provided" with a footnote to the
reason instead of old figures, the chart shades the stretch, and the text keeps its contrast;
the US owner's force-level page says the same of Russia's mirrored figures."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from browser.harness import offline_context, screenshot
from browser.pages import assert_offline_clean, charts_drawn, log_in, open_page
from regime.suspension import build
from treatyledger.node.auth import Role, add_principal
from treatyledger.node.context import NodeContext
from treatyledger.node.server import serve_in_thread
from treatyledger.report.dashboard import create_node_app
from treatyledger.store.workspace import Workspace

pytestmark = pytest.mark.slow

CONTRAST_JS = (Path(__file__).parent / "contrast.js").read_text(encoding="utf-8")
LAST = "2022-09-01"
AS_OF = "2023-09-01"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, tuple[str, str]]]:
    """Party -> (URL, owner token) of a node on each workspace of the suspension."""
    made = build(tmp_path_factory.mktemp("gaps"))
    opened, running, nodes = [], [], {}
    try:
        for party, path in (("RU", made.ru), ("US", made.us)):
            workspace = Workspace.open(path)
            opened.append(workspace)
            token = add_principal(workspace.engine, "office", Role.OWNER)
            node = serve_in_thread(create_node_app(NodeContext.from_workspace(workspace)))
            running.append(node)
            nodes[party] = (node.url, token)
        yield nodes
    finally:
        for node in running:
            node.stop()
        for workspace in opened:
            workspace.close()


def test_the_observer_page_says_why_and_the_last_data(browser: Any, served: Any) -> None:
    url, _token = served["RU"]
    with offline_context(browser) as (context, network):
        page = context.new_page()
        open_page(page, f"{url}/observer?as_of={AS_OF}", until="load")
        status = page.locator("section.data-status")
        assert status.get_attribute("role") == "status"
        assert status.locator("h2").inner_text() == f"RU's figures are not provided as of {AS_OF}"
        facts = status.locator("dd").all_inner_texts()
        assert facts[0].startswith("RU suspended on 2023-02-28")
        assert facts[1].startswith(f"data as of {LAST}")
        gaps = page.locator("table.aggregates tr.not-provided")
        assert gaps.locator("th").all_inner_texts() == ["2023-03-01", "2023-09-01"]
        for text in gaps.locator("td").all_inner_texts():
            assert text == f"Not provided [1]; last figures that stand: data as of {LAST}"
        # the last figures stand at their own date, with numbers
        last_row = page.locator(f"table.aggregates tbody tr:has(th:text-is('{LAST}')) td.num")
        assert last_row.count() == 3
        note = page.locator("ol.why li#why-1").inner_text()
        assert note.startswith("Not provided because RU suspended on 2023-02-28")
        # the chart: the stretch from the last figures to the last date without is shaded
        plot = json.loads(page.locator("script#observer-plot").inner_text())
        [shape] = plot["layout"]["shapes"]
        assert (shape["x0"], shape["x1"]) == (LAST, AS_OF)
        assert charts_drawn(page) == 1
        assert page.locator("#observer-chart text", has_text="RU not provided").count() == 1
        checked, failing = page.evaluate(CONTRAST_JS)
        assert checked > 20 and failing == []
        screenshot(page, "observer-not-provided")
        assert_offline_clean(network)


def test_the_owners_force_levels_say_the_mirror_is_not_provided(browser: Any, served: Any) -> None:
    url, token = served["US"]
    with offline_context(browser) as (context, network):
        page = context.new_page()
        log_in(page, url, token)
        open_page(page, f"{url}/party/forces?as_of={AS_OF}", until="load")
        ru = page.locator("section:has(h2#table-RU) tr.not-provided td").all_inner_texts()
        assert ru and all(
            t.startswith("Not provided: RU suspended on 2023-02-28")
            and t.endswith(f"last figures that stand: data as of {LAST}")
            for t in ru
        ), ru
        assert page.locator("section:has(h2#table-US) tr.not-provided").count() == 0
        assert charts_drawn(page) == 3
        checked, failing = page.evaluate(CONTRAST_JS)
        assert checked > 20 and failing == []
        screenshot(page, "forces-mirror-not-provided")
        assert_offline_clean(network)


def test_the_calendar_says_since_when_a_party_is_suspended(browser: Any, served: Any) -> None:
    url, token = served["US"]
    with offline_context(browser) as (context, _network):
        page = context.new_page()
        log_in(page, url, token)
        open_page(page, f"{url}/party/calendar?as_of={AS_OF}")
        notice = page.locator("div.notice", has_text="Suspended as of")
        assert notice.locator("p").inner_text().startswith(f"Suspended as of {AS_OF}: RU.")
        events = notice.locator("ul.regime-events li").all_inner_texts()
        assert [e for e in events if e.startswith("2023-02-28: suspension by RU")], events
        assert len(events) == len(set(events))  # each event once, from however many logs
