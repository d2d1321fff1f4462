"""Steps the browser tests share: logging in through the form, reading a page's text."""

from __future__ import annotations

from typing import Any

from browser.harness import OffNetwork


def log_in(page: Any, url: str, token: str) -> Any:
    """Type ``token`` into the login form and submit it; returns the response of the page
    the form led to."""
    page.goto(f"{url}/login")
    page.fill("#token", token)
    with page.expect_navigation(wait_until="domcontentloaded") as navigation:
        page.click("form.login button[type=submit]")
    return navigation.value


def open_page(page: Any, url: str, *, until: str = "domcontentloaded") -> Any:
    """Go to ``url``; by default wait only for the document (the PNG fallbacks of the charts,
    drawn once per chart by matplotlib, need not hold up a test that does not look at them)."""
    return page.goto(url, wait_until=until)


def assert_offline_clean(network: OffNetwork) -> None:
    assert network.blocked == [], f"pages asked for off-host resources: {network.blocked}"


def charts_drawn(page: Any) -> int:
    """How many interactive charts plotly.js (served by the node) drew on the page, once every
    chart figure says it is drawn."""
    page.wait_for_function(
        "() => [...document.querySelectorAll('figure.chart')].every("
        "f => f.getAttribute('data-drawn') === 'true')",
        timeout=30_000,
    )
    return int(
        page.evaluate(
            "[...document.querySelectorAll('figure.chart')]"
            ".filter(f => f.querySelector('.plot svg.main-svg')).length"
        )
    )
