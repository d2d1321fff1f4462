"""Headless Chromium for the page tests: Debian's ``chromium`` driven by Playwright's Python
package (``executable_path``: Playwright downloads no browser here), with the network cut
off: the browser resolves no host name but loopback addresses, and every request to any
other host is aborted and recorded, so a test can assert that a page asked for nothing
outside the node. Screenshots go to ``artifacts/browser/`` (or ``$TREATYLEDGER_ARTIFACTS``).

Where Chromium or Playwright is missing the browser tests are skipped, except under
``CI=true``, where that is a failure (``.ci/run`` installs Debian's ``chromium`` first)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

REPO = Path(__file__).resolve().parents[2]
LOOPBACK = {"127.0.0.1", "localhost", "[::1]", "::1"}
# Name resolution off for everything but loopback: nothing can even be looked up.
CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox refuses to start
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def chromium_path() -> str | None:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


def require_browser() -> str:
    """The Chromium executable, or skip (fail under CI=true) naming what is missing."""
    from check_browser import missing as missing_browser  # what `make test` says first

    missing = missing_browser()
    path = chromium_path()
    if missing is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{missing} and CI=true")
        pytest.skip(missing)
    assert path is not None
    return path


def artifacts_dir() -> Path:
    path = Path(os.environ.get("TREATYLEDGER_ARTIFACTS", REPO / "artifacts")) / "browser"
    path.mkdir(parents=True, exist_ok=True)
    return path


@dataclass
class OffNetwork:
    """Requests the pages made to hosts other than loopback (each was aborted)."""

    blocked: list[str] = field(default_factory=list)

    def route(self, route: Any) -> None:
        url = route.request.url
        host = urlsplit(url).hostname or ""
        if url.startswith(("data:", "blob:", "file:", "about:")) or host in LOOPBACK:
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort("internetdisconnected")


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless Chromium browser (Playwright ``Browser``)."""
    from playwright.sync_api import sync_playwright

    executable = require_browser()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def offline_context(browser: Any, **options: Any) -> Iterator[tuple[Any, OffNetwork]]:
    """A fresh browser context (no cookies) whose requests off loopback are aborted."""
    network = OffNetwork()
    context = browser.new_context(viewport={"width": 1280, "height": 900}, **options)
    # Playwright's 30 s default fails on a loaded 2-core CI machine (the owner's force page
    # renders several plots); a page that never loads still fails
    context.set_default_timeout(120_000)
    context.set_default_navigation_timeout(120_000)
    context.route("**/*", network.route)
    try:
        yield context, network
    finally:
        context.close()


def screenshot(page: Any, name: str) -> Path:
    path = artifacts_dir() / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
