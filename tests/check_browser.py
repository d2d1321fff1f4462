"""Say clearly, before the suite runs, whether the browser tests (tests/browser: the
dashboard and /v1/docs offline) run: Debian's chromium driven by Playwright.

Under CI=true a missing browser fails the run instead of skipping tests."""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys


def missing() -> str | None:
    """What keeps the browser tests from running, or None (harness.require_browser's test)."""
    if not any(shutil.which(name) for name in ("chromium", "chromium-browser")):
        return "Debian's chromium is not installed (apt-get install chromium)"
    if importlib.util.find_spec("playwright") is None:
        return "Playwright's Python package is not installed (pip install -e '.[dev]')"
    return None


if __name__ == "__main__":
    reason = missing()
    if reason is None:
        found = shutil.which("chromium") or shutil.which("chromium-browser")
        print(f"Chromium at {found}: the browser tests run (dashboard, /v1/docs offline).")
    elif os.environ.get("CI") == "true":
        print(f"Browser tests cannot run: {reason}; CI=true, so this fails the run.")
        sys.exit(1)
    else:
        print(f"Browser tests will be SKIPPED: {reason}.")
