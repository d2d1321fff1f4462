"""The dashboard's pages as a person uses them (SQLite; the storage-dependent checks run on
both backends in test_dashboard_browser): headers and redirects over plain HTTP, keyboard
navigation, text contrast, the printed fact sheet, the pages without JavaScript, and the
static copy the demo writes, opened from disk with the network cut off."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from browser.harness import artifacts_dir, offline_context, screenshot
from browser.pages import assert_offline_clean, charts_drawn, log_in, open_page
from browser.scenario import Scenario
from treatyledger.node.auth import Role
from treatyledger.report.dashboard import write_pages

pytestmark = pytest.mark.slow

# WCAG 2.x contrast of every element with text of its own (an implementation of the WCAG
# formula in the page, independent of the stylesheet's own claims)
CONTRAST_JS = (Path(__file__).parent / "contrast.js").read_text(encoding="utf-8")
# labels, text alternatives, captions, headings, names: the structure assistive technology reads
A11Y_JS = (Path(__file__).parent / "a11y.js").read_text(encoding="utf-8")


def test_pages_send_security_headers_and_guard_every_party_page(
    sqlite_scenario: Scenario,
) -> None:
    with httpx.Client(base_url=sqlite_scenario.url, timeout=60) as client:
        observer = client.get("/observer")
        assert observer.status_code == 200
        policy = observer.headers["content-security-policy"]
        assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
        assert observer.headers["x-content-type-options"] == "nosniff"
        for path in (
            "/party",
            "/party/forces",
            "/party/notifications",
            "/party/sync",
            "/party/items/US-X-1",
            "/party/notifications/US/1",
        ):
            response = client.get(path)
            assert response.status_code == 303, path
            assert response.headers["location"].startswith("/login?next=%2Fparty")
        # a bearer token opens the API, never the pages: the pages know only sessions
        bearer = {"Authorization": f"Bearer {sqlite_scenario.tokens[Role.OWNER]}"}
        assert client.get("/party", headers=bearer).status_code == 303
        assert client.get("/assets/../../etc/passwd").status_code == 404
        assert client.get("/assets/other.js").status_code == 404
        served = client.get("/assets/plotly.min.js")
        from importlib.resources import files

        shipped = files("plotly").joinpath("package_data", "plotly.min.js").read_bytes()
        assert served.content == shipped  # the plotly package's own file, nothing fetched


def test_keyboard_reaches_everything_with_a_visible_focus(
    browser: Any, sqlite_scenario: Scenario
) -> None:
    with offline_context(browser) as (context, _network):
        page = context.new_page()
        log_in(page, sqlite_scenario.url, sqlite_scenario.tokens[Role.OWNER])
        open_page(page, f"{sqlite_scenario.url}/party")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.className") == "skip-link"
        assert page.evaluate("getComputedStyle(document.activeElement).left") != "-9999px"
        page.keyboard.press("Enter")
        assert page.url.endswith("#main")
        page.keyboard.press("Shift+Tab")
        reached = []
        open_page(page, f"{sqlite_scenario.url}/party")
        for _ in range(12):
            page.keyboard.press("Tab")
            focused = page.evaluate(
                "(() => { const e = document.activeElement; const s = getComputedStyle(e);"
                " return [e.tagName, e.getAttribute('href') || e.textContent.trim(),"
                " s.outlineStyle, s.outlineWidth]; })()"
            )
            reached.append(focused[1])
            if focused[0] == "A" and focused[1] != "#main":
                assert focused[2] != "none" and focused[3] != "0px", focused
        for href in ("/observer", "/party/forces", "/party/notifications", "/party/sync"):
            assert href in reached, reached
        assert "Log out" in reached


# Every page a person opens (the item and notification pages with a UID and sequence the
# scenario holds, the login page logged out)
EVERY_PAGE = [
    "/observer",
    "/party",
    "/party/forces",
    "/party/notifications",
    "/party/notifications/US/1",
    "/party/items/{uid}",
    "/party/inspections",
    "/party/calendar",
    "/party/issues",
    "/party/sync",
]


def _every_page(browser: Any, scenario: Scenario, path: str, check: Any) -> None:
    uid = sorted(scenario.uids("US"))[0]
    with offline_context(browser) as (context, _network):
        page = context.new_page()
        open_page(page, f"{scenario.url}/login")
        check(page, "/login")
        log_in(page, scenario.url, scenario.tokens[Role.OWNER])
        response = open_page(page, f"{scenario.url}{path.format(uid=uid)}")
        assert response.status == 200, path
        check(page, path)


@pytest.mark.parametrize("path", EVERY_PAGE)
def test_text_contrast_meets_wcag_aa(browser: Any, sqlite_scenario: Scenario, path: str) -> None:
    def check(page: Any, where: str) -> None:
        checked, failing = page.evaluate(CONTRAST_JS)
        assert checked > 5, where  # the check saw the page's text
        assert failing == [], where

    _every_page(browser, sqlite_scenario, path, check)


@pytest.mark.parametrize("path", EVERY_PAGE)
def test_every_control_is_labelled_and_the_structure_is_sound(
    browser: Any, sqlite_scenario: Scenario, path: str
) -> None:
    def check(page: Any, where: str) -> None:
        assert page.evaluate(A11Y_JS) == [], where

    _every_page(browser, sqlite_scenario, path, check)


# Every element a keyboard can act on, in document order, and whether it is reached by Tab
FOCUSABLE_JS = """() => [...document.querySelectorAll(
  'a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex="0"]')]
  .filter(e => e.offsetParent !== null && !e.disabled).length"""
FOCUSED_JS = """() => { const e = document.activeElement; const s = getComputedStyle(e);
  const all = [...document.querySelectorAll(
    'a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex="0"]')]
    .filter(x => x.offsetParent !== null && !x.disabled);
  return [all.indexOf(e), s.outlineStyle !== 'none' && s.outlineWidth !== '0px'
          || s.boxShadow !== 'none', e.outerHTML.slice(0, 80)]; }"""


@pytest.mark.parametrize("path", EVERY_PAGE)
def test_the_keyboard_reaches_every_control_with_a_visible_focus(
    browser: Any, sqlite_scenario: Scenario, path: str
) -> None:
    def check(page: Any, where: str) -> None:
        page.wait_for_load_state("load")
        total = page.evaluate(FOCUSABLE_JS)
        reached: set[int] = set()
        for _ in range(3 * total + 3):  # a date field takes a Tab per day, month and year
            if len(reached) == total:
                break
            page.keyboard.press("Tab")
            index, visible, html = page.evaluate(FOCUSED_JS)
            if index >= 0:
                reached.add(index)
                assert visible, (where, html)  # where the focus is can always be seen
        assert reached == set(range(total)), (where, total, sorted(reached)[:10])

    _every_page(browser, sqlite_scenario, path, check)


def test_the_observer_page_prints_as_a_fact_sheet(browser: Any, sqlite_scenario: Scenario) -> None:
    with offline_context(browser) as (context, network):
        page = context.new_page()
        open_page(page, f"{sqlite_scenario.url}/observer", until="load")
        charts_drawn(page)
        page.emulate_media(media="print")
        hidden = page.evaluate(
            "['header nav', 'form.as-of', 'figure.chart .plot'].map("
            "s => getComputedStyle(document.querySelector(s)).display)"
        )
        assert hidden == ["none", "none", "none"]
        image = page.locator("figure.chart img.plot-fallback")
        assert image.is_visible()
        assert page.evaluate("document.querySelector('img.plot-fallback').naturalWidth") > 0
        pdf = page.pdf(format="A4")
        assert pdf.startswith(b"%PDF")
        (artifacts_dir() / "observer-fact-sheet.pdf").write_bytes(pdf)
        screenshot(page, "observer-print")
        assert_offline_clean(network)


def test_without_javascript_the_charts_fall_back_to_png(
    browser: Any, sqlite_scenario: Scenario
) -> None:
    with offline_context(browser, java_script_enabled=False) as (context, _network):
        page = context.new_page()
        log_in(page, sqlite_scenario.url, sqlite_scenario.tokens[Role.PEER])
        open_page(page, f"{sqlite_scenario.url}/party/forces", until="load")
        images = page.locator("figure.chart img.plot-fallback")
        assert images.count() == 3
        for index in range(3):
            assert images.nth(index).is_visible()
            assert images.nth(index).evaluate("i => i.naturalWidth") > 0
        screenshot(page, "forces-no-javascript")
        # the inspections per treaty year (the scenario holds one Type One inspection)
        open_page(page, f"{sqlite_scenario.url}/party/inspections", until="load")
        image = page.locator("figure.chart img.plot-fallback")
        assert image.count() == 1 and image.evaluate("i => i.naturalWidth") > 0


def test_the_static_copy_opens_from_disk_offline(
    browser: Any, sqlite_scenario: Scenario, tmp_path: Path
) -> None:
    out = tmp_path / "pages"
    written = write_pages(sqlite_scenario.workspace, out, as_of=sqlite_scenario.as_of)
    assert written[0] == out / "index.html"
    names = {p.name for p in written}
    assert {
        "index.html",
        "forces.html",
        "notifications.html",
        "inspections.html",
        "sync.html",
        "party.html",
        "observer.png",
        "inspections.png",
        "plotly.min.js",
    } <= names
    for html in out.glob("*.html"):
        text = html.read_text(encoding="utf-8")
        # every link is relative: no page of the copy points at a server
        assert not re.search(r'(href|src|action)="/', text), html.name
        assert "<form" not in text, html.name  # nothing to submit without a node
    observer = (out / "index.html").read_text(encoding="utf-8")
    for uid in list(sqlite_scenario.uids("US"))[:50]:
        assert uid not in observer
    with offline_context(browser) as (context, network):
        page = context.new_page()
        charts = {"index.html": 1, "forces.html": 3, "notifications.html": 0, "inspections.html": 1}
        for name, expected in charts.items():
            page.goto((out / name).as_uri(), wait_until="load")
            assert charts_drawn(page) == expected, name
            screenshot(page, f"static-{name.removesuffix('.html')}")
        assert_offline_clean(network)
