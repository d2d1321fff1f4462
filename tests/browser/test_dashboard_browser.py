"""The dashboard in headless Chromium against a node on loopback (SQLite, then PostgreSQL):
each role sees only its pages, the observer page holds no item-level field in its rendered
DOM, forms without the session's CSRF token are refused, no token is ever in a URL, and the
pages render with the network cut off. Screenshots of every page go to artifacts/browser/."""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

import pytest

from browser.harness import offline_context, screenshot
from browser.pages import assert_offline_clean, charts_drawn, log_in, open_page
from browser.scenario import Scenario
from treatyledger.files import load_rule_set
from treatyledger.files.aggregates import read_new_start_aggregates
from treatyledger.node.auth import Role, revoke_principal

pytestmark = pytest.mark.slow

PARTY_PAGES = [
    "/party",
    "/party/forces",
    "/party/notifications",
    "/party/inspections",
    "/party/calendar",
    "/party/issues",
]
# Written out here, not read from the dashboard's own table: the role matrix of the issue.
MAY_OPEN = {
    Role.OWNER: {*PARTY_PAGES, "/party/sync"},
    Role.PEER: set(PARTY_PAGES),
    Role.INSPECTOR: set(PARTY_PAGES),
    Role.WITNESS: set(),
    Role.OBSERVER: set(),
}
ALL_PARTY_PAGES = [*PARTY_PAGES, "/party/sync"]


def _backend(scenario: Scenario) -> str:
    return scenario.workspace.engine.dialect.name


def test_observer_page_needs_no_login_and_holds_no_item_level_field(
    browser: Any, scenario: Scenario
) -> None:
    with offline_context(browser) as (context, network):
        page = context.new_page()
        response = open_page(page, f"{scenario.url}/observer")
        assert response.status == 200
        assert page.url.endswith("/observer")
        html = page.content()  # the rendered DOM, including the charts plotly.js drew
        text = page.inner_text("body")
        # the oracle: every UID and facility the US and RU streams named
        for party in ("US", "RU"):
            for value in scenario.uids(party) | scenario.facilities(party):
                assert value not in html, f"item-level value {value!r} on the observer page"
        for field in ("uid", "facility", "system_type", "contained_in", "items_examined"):
            assert not re.search(rf"\b{field}\b", html), f"item field name {field!r} in the DOM"
        assert "Compliance with the limits" in text
        assert charts_drawn(page) == 1
        screenshot(page, f"observer-{_backend(scenario)}")
        assert_offline_clean(network)


def test_observer_page_shows_the_official_aggregates(browser: Any, scenario: Scenario) -> None:
    """The synthetic stream is sized from the official New START aggregates, so the page's
    table must show them at every data date (the official figures are the oracle)."""
    official = {p.date.isoformat(): p for p in read_new_start_aggregates(party="US")}
    names = {c.name: c.id for c in load_rule_set("new-start").categories}
    with offline_context(browser) as (context, _network):
        page = context.new_page()
        open_page(page, f"{scenario.url}/observer?as_of=2012-09-01")
        header = page.locator("table.aggregates thead th").all_inner_texts()[1:]
        columns = [names[h.strip()] for h in header]
        rows = page.locator("table.aggregates tbody tr")
        seen = 0
        for index in range(rows.count()):
            row = rows.nth(index)
            when = row.locator("th").inner_text().strip()
            cells = [
                int(c.inner_text().split()[0].replace(",", "")) for c in row.locator("td").all()
            ]
            if when in official:
                point = official[when]
                assert cells == [getattr(point, column) for column in columns], when
                seen += 1
        assert seen >= 3


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_each_role_sees_only_what_it_may(browser: Any, scenario: Scenario, role: Role) -> None:
    with offline_context(browser) as (context, network):
        page = context.new_page()
        landed = log_in(page, scenario.url, scenario.tokens[role])
        assert landed.status == 200
        expected_landing = "/party" if MAY_OPEN[role] else "/observer"
        assert page.url == f"{scenario.url}{expected_landing}"
        assert role.value in page.inner_text("header .who")
        for path in ALL_PARTY_PAGES:
            response = open_page(page, f"{scenario.url}{path}")
            if path in MAY_OPEN[role]:
                assert response.status == 200, (role, path)
                if path == "/party/forces":
                    assert charts_drawn(page) == 3
                if _backend(scenario) == "sqlite":  # one set of screenshots is enough
                    screenshot(page, f"{path.strip('/').replace('/', '-')}-{role.value}")
            else:
                assert response.status == 403, (role, path)
                assert "Not for this role" in page.inner_text("main")
        links = {a.get_attribute("href") for a in page.locator("header nav a").all()}
        assert links == {"/observer", *MAY_OPEN[role]}
        assert_offline_clean(network)


def test_only_the_owner_sees_the_other_partys_mirror(browser: Any, scenario: Scenario) -> None:
    ru_uids = sorted(scenario.uids("RU"))[:1]
    # the peer and inspectors take the same path (not the owner): the peer stands for both
    for role, sees_ru in ((Role.OWNER, True), (Role.PEER, False)):
        with offline_context(browser) as (context, _network):
            page = context.new_page()
            log_in(page, scenario.url, scenario.tokens[role])
            open_page(page, f"{scenario.url}/party/forces")
            headings = page.locator("main h2").all_inner_texts()
            assert any(h.startswith("RU") for h in headings) is sees_ru, role
            open_page(page, f"{scenario.url}/party/notifications?party=RU")
            shown = page.locator("table.notifications tbody").inner_text()
            assert ("RU#" in shown) is sees_ru, role
            for uid in ru_uids:
                response = open_page(page, f"{scenario.url}/party/items/{uid}")
                assert response.status == (200 if sees_ru else 404), (role, uid)


def test_the_calendar_shows_an_overdue_database_and_the_overview_alerts_it(
    browser: Any, scenario: Scenario
) -> None:
    # New START Protocol Part Four, Section II, paragraph 1: the initial database is due 45
    # days after entry into force (2011-02-05), by 2011-03-22; the streams hold none
    with offline_context(browser) as (context, network):
        page = context.new_page()
        log_in(page, scenario.url, scenario.tokens[Role.OWNER])
        open_page(page, f"{scenario.url}/party/calendar?as_of=2011-04-01")
        overdue = page.locator("section:has(h2#calendar-US) tr.calendar-overdue")
        assert overdue.count() == 1
        assert "2011-03-22" in overdue.inner_text() and "overdue" in overdue.inner_text()
        assert page.locator("h2#calendar-RU").count() == 1  # the owner sees the mirror too
        open_page(page, f"{scenario.url}/party?as_of=2011-04-01")
        alerts = page.locator("ul.alerts li").all_inner_texts()
        assert any(a.startswith("Overdue:") and "US:" in a for a in alerts), alerts
        assert_offline_clean(network)


def test_the_sync_page_shows_the_witnessing_of_both_logs(browser: Any, scenario: Scenario) -> None:
    with offline_context(browser) as (context, network):
        page = context.new_page()
        log_in(page, scenario.url, scenario.tokens[Role.OWNER])
        open_page(page, f"{scenario.url}/party/sync")
        own = page.locator("section#witnessing-US").inner_text()
        assert "No witness configured" in own
        mirror = page.locator("section#witnessing-RU")
        origin = mirror.locator("h3 code").inner_text()
        # the RU checkpoint the US node verified carries at least RU's own log signature
        signers = mirror.locator("p").inner_text()
        assert signers.startswith("Signatures on the checkpoint") and origin in signers
        assert_offline_clean(network)


def test_an_issue_raised_through_the_form_is_listed(browser: Any, scenario: Scenario) -> None:
    with offline_context(browser) as (context, network):
        page = context.new_page()
        log_in(page, scenario.url, scenario.tokens[Role.OWNER])
        open_page(page, f"{scenario.url}/party/issues")
        message = f"browser-raised {scenario.workspace.engine.dialect.name}"
        page.fill("#message", message)
        with page.expect_navigation(wait_until="domcontentloaded"):
            page.click("form.raise button[type=submit]")
        row = page.locator("table.bcc-issues tbody tr", has_text=message)
        assert row.count() == 1 and "RU" in row.inner_text() and "open" in row.inner_text()
        assert_offline_clean(network)


def _issue_row(page: Any, message: str) -> Any:
    row = page.locator("table.bcc-issues tbody tr", has_text=message)
    assert row.count() == 1, message
    return row


def test_an_issue_is_answered_and_resolved_through_the_forms(
    browser: Any, scenario: Scenario
) -> None:
    """The peer (for RU) raises an issue about US, the US owner answers it, the peer resolves
    it: each side sees only its own step's form, and a forged token on the resolve form is
    refused and changes nothing."""
    message = f"exhibition skipped {_backend(scenario)}"
    with offline_context(browser) as (peer_context, network):
        peer = peer_context.new_page()
        log_in(peer, scenario.url, scenario.tokens[Role.PEER])
        open_page(peer, f"{scenario.url}/party/issues")
        peer.fill("#message", message)
        with peer.expect_navigation(wait_until="domcontentloaded"):
            peer.click("form.raise button[type=submit]")
        row = _issue_row(peer, message)
        # the raiser may resolve (or withdraw) at any step, never answer its own issue
        assert row.locator("form.answer").count() == 0
        assert row.locator("form.resolve").count() == 1
        with offline_context(browser) as (owner_context, _owner_network):
            owner = owner_context.new_page()
            log_in(owner, scenario.url, scenario.tokens[Role.OWNER])
            open_page(owner, f"{scenario.url}/party/issues")
            row = _issue_row(owner, message)
            assert row.locator("form.resolve").count() == 0
            row.locator("form.answer textarea").fill("shown at the next exhibition")
            with owner.expect_navigation(wait_until="domcontentloaded"):
                row.locator("form.answer button").click()
            assert "answered" in _issue_row(owner, message).inner_text()
        open_page(peer, f"{scenario.url}/party/issues")
        row = _issue_row(peer, message)
        assert row.locator("form.answer").count() == 0
        row.locator("form.resolve textarea").fill("satisfied")
        row.locator("form.resolve input[name=csrf_token]").evaluate("e => e.value = 'forged'")
        with peer.expect_navigation(wait_until="domcontentloaded") as refused:
            row.locator("form.resolve button").click()
        assert refused.value.status == 403
        open_page(peer, f"{scenario.url}/party/issues")
        row = _issue_row(peer, message)
        assert "answered" in row.inner_text()
        if _backend(scenario) == "sqlite":
            screenshot(peer, "issues-resolve-form-peer")
        row.locator("form.resolve textarea").fill("satisfied by the exhibition")
        with peer.expect_navigation(wait_until="domcontentloaded"):
            row.locator("form.resolve button").click()
        row = _issue_row(peer, message)
        text = row.inner_text()
        assert "resolved" in text and "satisfied by the exhibition" in text
        assert row.locator("form").count() == 0
        assert_offline_clean(network)


def test_item_history_and_issue_evidence(browser: Any, scenario: Scenario) -> None:
    with offline_context(browser) as (context, network):
        page = context.new_page()
        log_in(page, scenario.url, scenario.tokens[Role.INSPECTOR])
        open_page(page, f"{scenario.url}/party/inspections")
        issue = page.locator("table.issues tbody tr").first
        assert "open" in issue.inner_text()
        item_uid = issue.locator("td").nth(2).inner_text().strip()
        assert item_uid in scenario.uids("US")
        assert charts_drawn(page) == 1  # the inspections per treaty year
        plot = json.loads(page.locator("script#inspections-plot").inner_text())
        type_one = next(t for t in plot["data"] if t["name"] == "type-one inspections")
        # the scenario's one inspection, in treaty year 2012; each later treaty year up to
        # the last before the expiry on 2026-02-05 (or today) a zero, not a gap
        last = min(scenario.as_of, date(2026, 2, 4)).year
        last -= min(scenario.as_of, date(2026, 2, 4)).timetuple()[1:3] < (2, 5)
        assert type_one["x"] == [f"{y}-02-05" for y in range(2012, last + 1)]
        assert type_one["y"] == [1] + [0] * (last - 2012)
        quota = next(t for t in plot["data"] if t["name"].startswith("type-one quota"))
        assert quota["y"] == [10, 10]  # New START Protocol Part Five: ten Type One a year
        screenshot(page, f"inspections-evidence-{_backend(scenario)}")
        with page.expect_navigation(wait_until="domcontentloaded"):
            issue.locator("td a[href^='/party/notifications/US/']").first.click()
        assert page.locator("h1").inner_text().startswith("Notification US#")
        # the item's history, by typing its UID into the overview's form
        open_page(page, f"{scenario.url}/party")
        page.fill("#uid", item_uid)
        with page.expect_navigation(wait_until="domcontentloaded"):
            page.press("#uid", "Enter")
        assert page.url.endswith(f"/party/items/{item_uid}")
        rows = page.locator("table.notifications tbody tr")
        assert rows.count() >= 1
        assert "US#1" in rows.first.inner_text()  # declared in the baseline
        screenshot(page, f"item-history-{_backend(scenario)}")
        assert_offline_clean(network)


def test_notification_filters(browser: Any, scenario: Scenario) -> None:
    declares = sum(1 for r in scenario.records["US"] if r["kind"] == "declare")
    with offline_context(browser) as (context, _network):
        page = context.new_page()
        log_in(page, scenario.url, scenario.tokens[Role.OWNER])
        open_page(page, f"{scenario.url}/party/notifications")
        page.select_option("#f-kind", "declare")
        with page.expect_navigation(wait_until="domcontentloaded"):
            page.click("form.filters button[type=submit]")
        caption = page.locator("table.notifications caption").inner_text()
        assert caption.startswith(f"{declares:,} notifications of US match")
        kinds = page.locator("table.notifications tbody td:nth-child(2)").all_inner_texts()
        assert kinds and set(kinds) == {"declare"}
        screenshot(page, f"notifications-filtered-{_backend(scenario)}")


def test_forms_without_the_sessions_csrf_token_are_refused(
    browser: Any, scenario: Scenario
) -> None:
    with offline_context(browser) as (context, _network):
        page = context.new_page()
        log_in(page, scenario.url, scenario.tokens[Role.OWNER])
        # forged token: the logout form posts, is refused, and the session lives on
        page.eval_on_selector(
            "form[action='/logout'] input[name=csrf_token]", "e => e.value = 'forged'"
        )
        with page.expect_navigation(wait_until="domcontentloaded") as refused:
            page.click("form[action='/logout'] button")
        assert refused.value.status == 403
        assert "CSRF token is missing or does not match" in page.inner_text("main")
        assert open_page(page, f"{scenario.url}/party").status == 200
        # missing token
        page.eval_on_selector("form[action='/logout'] input[name=csrf_token]", "e => e.remove()")
        with page.expect_navigation(wait_until="domcontentloaded") as refused:
            page.click("form[action='/logout'] button")
        assert refused.value.status == 403
        assert open_page(page, f"{scenario.url}/party").status == 200
        # another origin posting into this session (the browser sends the cookie only where
        # SameSite allows; the Origin check and the token refuse it even then)
        forged = context.request.post(
            f"{scenario.url}/logout",
            form={"csrf_token": "x"},
            headers={"Origin": "http://attacker.example"},
            max_redirects=0,
        )
        assert forged.status == 403
        assert open_page(page, f"{scenario.url}/party").status == 200
        # the real form logs out
        with page.expect_navigation(wait_until="domcontentloaded"):
            page.click("form[action='/logout'] button")
        assert page.url.endswith("/observer")
        response = open_page(page, f"{scenario.url}/party")
        assert page.url.startswith(f"{scenario.url}/login?next=")
        assert response.status == 200


def test_a_forged_login_form_is_refused(browser: Any, scenario: Scenario) -> None:
    with offline_context(browser) as (context, _network):
        page = context.new_page()
        page.goto(f"{scenario.url}/login")
        page.fill("#token", scenario.tokens[Role.OWNER])
        page.eval_on_selector("form.login input[name=csrf_token]", "e => e.value = 'forged'")
        with page.expect_navigation(wait_until="domcontentloaded") as refused:
            page.click("form.login button[type=submit]")
        assert refused.value.status == 403
        assert not [c for c in context.cookies() if c["name"] == "tl_session"]


def test_no_token_in_any_url_and_the_session_cookie_is_httponly(
    browser: Any, scenario: Scenario
) -> None:
    token = scenario.tokens[Role.OWNER]
    with offline_context(browser) as (context, _network):
        urls: list[str] = []
        context.on("request", lambda request: urls.append(request.url))
        page = context.new_page()
        log_in(page, scenario.url, token)
        for path in ALL_PARTY_PAGES:
            open_page(page, f"{scenario.url}{path}")
            assert token not in page.content()
        assert urls and not [u for u in urls if token in u]
        (cookie,) = [c for c in context.cookies() if c["name"] == "tl_session"]
        assert cookie["httpOnly"] is True
        assert cookie["sameSite"] == "Strict"
        assert token not in cookie["value"]
        assert page.evaluate("document.cookie") == ""


def test_wrong_token_and_revoked_principal(browser: Any, scenario: Scenario) -> None:
    from treatyledger.node.auth import add_principal

    with offline_context(browser) as (context, _network):
        page = context.new_page()
        failed = log_in(page, scenario.url, "tl_" + "A" * 43)
        assert failed.status == 401
        assert "unknown or has been revoked" in page.inner_text("main")
        token = add_principal(scenario.workspace.engine, f"temp-{_backend(scenario)}", Role.PEER)
        log_in(page, scenario.url, token)
        assert open_page(page, f"{scenario.url}/party").status == 200
        revoke_principal(scenario.workspace.engine, f"temp-{_backend(scenario)}")
        page.wait_for_timeout(1_200)  # sessions re-check their principal every second
        open_page(page, f"{scenario.url}/party")
        assert page.url.startswith(f"{scenario.url}/login")
