"""The dashboard's pieces without a browser: text made visible, autoescaped templates, the
session store's expiry, revocation and bounds, and where a login may send the browser."""

from __future__ import annotations

from treatyledger.node.auth import Caller, Role
from treatyledger.report.dashboard.party import InspectionsPage, evidence_link
from treatyledger.report.dashboard.render import SERVED, STATIC, render
from treatyledger.report.dashboard.sessions import (
    IDLE_SECONDS,
    LIFETIME_SECONDS,
    MAX_SESSIONS,
    SessionStore,
)
from treatyledger.report.dashboard.text import visible
from treatyledger.report.dashboard.web import safe_next
from treatyledger.store.inspection_store import StoredIssue

OWNER = Caller("office", Role.OWNER)


def test_bidi_and_control_characters_are_made_visible() -> None:
    assert visible("abc\u202edef") == "abc<U+202E>def"
    assert visible("\x1b[31mred") == "<U+001B>[31mred"
    assert visible("a\u200bb\u2066c\ufeff") == "a<U+200B>b<U+2066>c<U+FEFF>"
    assert visible("tab\tand\nnewline stay, é and Ж too") == "tab\tand\nnewline stay, é and Ж too"


def _issue(message: str, site: str = "US-ICBM-BASE") -> StoredIssue:
    return StoredIssue(
        id=7,
        record_id="insp-1",
        kind="reentry_vehicle_mismatch",
        party="US",
        site=site,
        item="US-MS-1",
        expected="1",
        found="2",
        message=message,
        notifications=("US#1", "US#9"),
        status="open",
    )


def test_pages_escape_markup_and_bidi_from_stored_text() -> None:
    hostile = '<script>alert(1)</script> "quoted" \u202eevil'
    html = render(
        "inspections.html",
        site=SERVED,
        session=None,
        nav=["observer"],
        title="t",
        content=InspectionsPage(inspections=[], issues=[_issue(hostile)], open_issues=1),
        evidence_link=evidence_link,
    )
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "\u202e" not in html and "&lt;U+202E&gt;evil" in html
    # the evidence cites notifications by link on the node, as plain text in a static copy
    assert 'href="/party/notifications/US/9"' in html
    static = render(
        "inspections.html",
        site=STATIC,
        session=None,
        nav=["observer"],
        title="t",
        content=InspectionsPage(inspections=[], issues=[_issue("m")], open_issues=1),
        evidence_link=evidence_link,
    )
    assert "/party/notifications/US/9" not in static and "US#9" in static


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_session_ends_when_idle_or_too_old() -> None:
    clock = Clock()
    store = SessionStore(lambda digest: OWNER, clock=clock)
    cookie, session = store.create(OWNER, "d" * 64)
    assert store.get(cookie) is session
    clock.now += IDLE_SECONDS + 1
    assert store.get(cookie) is None
    cookie, _ = store.create(OWNER, "d" * 64)
    for _ in range(LIFETIME_SECONDS // (IDLE_SECONDS // 2) + 1):
        clock.now += IDLE_SECONDS // 2  # kept busy, yet not past its lifetime
        found = store.get(cookie)
    assert found is None


def test_a_session_ends_when_its_principal_is_revoked_or_changes_role() -> None:
    clock = Clock()
    active: dict[str, Caller | None] = {"d": OWNER}
    store = SessionStore(lambda digest: active[digest], clock=clock)
    cookie, _ = store.create(OWNER, "d")
    clock.now += 2
    assert store.get(cookie) is not None
    active["d"] = Caller("office", Role.OBSERVER)
    clock.now += 2
    assert store.get(cookie) is None
    cookie, _ = store.create(OWNER, "d")
    active["d"] = None
    clock.now += 2
    assert store.get(cookie) is None


def test_the_store_keeps_digests_not_cookies_and_is_bounded() -> None:
    store = SessionStore(lambda digest: OWNER)
    first, _ = store.create(OWNER, "d")
    assert first not in store._sessions  # keyed by SHA-256 of the cookie
    for _ in range(MAX_SESSIONS):
        store.create(OWNER, "d")
    assert len(store) == MAX_SESSIONS
    assert store.get(first) is None  # the oldest went
    assert store.get(None) is None and store.get("x" * 1000) is None


def test_login_sends_the_browser_only_to_a_page_of_this_node() -> None:
    assert safe_next("/party/forces?as_of=2012-09-01") == "/party/forces?as_of=2012-09-01"
    assert safe_next("/observer") == "/observer"
    for hostile in (
        "//evil.example/party",
        "https://evil.example",
        "/v1/inventory",
        "/party//x",
        "/party/\r\nSet-Cookie: x",
        "javascript:alert(1)",
        "",
        None,
    ):
        assert safe_next(hostile, "/party") == "/party", hostile
