"""The compliance-issue forms on the party pages over HTTP: the US owner raises an issue about
RU, the peer (acting for RU, the party concerned) answers it, each form refused without the
session's CSRF token or for a role the workflow does not admit (as the API's issue routes)."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from report.test_dashboard_calendar import log_in
from treatyledger.node.auth import Role, add_principal
from treatyledger.node.context import NodeContext
from treatyledger.report.dashboard import create_node_app
from treatyledger.store.issue_store import issue_records
from treatyledger.store.workspace import Workspace


def _csrf(html: str, form_class: str) -> str:
    form = html[html.index(f'class="{form_class}') :]
    found = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert found is not None
    return found.group(1)


def test_raise_and_answer_with_csrf_and_roles(tmp_path: Path) -> None:
    node = NodeContext.from_workspace(Workspace.init(tmp_path / "us", "US"))
    tokens = {role: add_principal(node.engine, f"{role.value}-1", role) for role in Role}
    with TestClient(create_node_app(node), base_url="http://testserver") as http:
        log_in(http, tokens[Role.OWNER])
        listing = http.get("/party/issues")
        assert listing.status_code == 200 and "No compliance issue." in listing.text
        token = _csrf(listing.text, "raise")
        forged = http.post("/party/issues", data={"message": "x"}, follow_redirects=False)
        assert forged.status_code == 403 and issue_records(node.engine) == []
        other_origin = http.post(
            "/party/issues",
            data={"message": "x", "csrf_token": token},
            headers={"Origin": "http://evil.example"},
            follow_redirects=False,
        )
        assert other_origin.status_code == 403 and issue_records(node.engine) == []
        raised = http.post(
            "/party/issues",
            data={"message": "telemetry withheld", "site": "RU-SITE-1", "csrf_token": token},
            follow_redirects=False,
        )
        assert raised.status_code == 303, raised.text
        [issue] = issue_records(node.engine)
        assert (issue.party, issue.raised_by, issue.site) == ("RU", "US", "RU-SITE-1")
        # the owner acts for US: it may not answer an issue about RU (no answer form)
        assert 'class="answer"' not in http.get("/party/issues").text

        log_in(http, tokens[Role.INSPECTOR])
        page = http.get("/party/issues")
        assert issue.id in page.text and 'class="answer"' not in page.text
        refused = http.post(
            f"/party/issues/{issue.id}/answer",
            data={"text": "no", "csrf_token": _csrf(page.text, "raise")},
            follow_redirects=False,
        )
        assert refused.status_code == 403

        log_in(http, tokens[Role.PEER])
        page = http.get("/party/issues")
        token = _csrf(page.text, "answer")
        assert (
            http.post(
                f"/party/issues/{issue.id}/answer", data={"text": "sent"}, follow_redirects=False
            ).status_code
            == 403
        )
        answered = http.post(
            f"/party/issues/{issue.id}/answer",
            data={"text": "telemetry sent on 2026-11-30", "csrf_token": token},
            follow_redirects=False,
        )
        assert answered.status_code == 303, answered.text
        [after] = issue_records(node.engine)
        assert [(e.action.value, e.party) for e in after.events] == [
            ("raise", "US"),
            ("answer", "RU"),
        ]
        shown = http.get("/party/issues").text
        assert "telemetry sent on 2026-11-30" in shown and "answered" in shown


def test_resolve_only_by_the_raiser_with_csrf(tmp_path: Path) -> None:
    """The peer (acting for RU) raises an issue about US; the US owner answers it; only the
    raiser's side (the peer) sees the resolve form and may resolve it, with the token."""
    node = NodeContext.from_workspace(Workspace.init(tmp_path / "us", "US"))
    tokens = {role: add_principal(node.engine, f"{role.value}-1", role) for role in Role}
    with TestClient(create_node_app(node), base_url="http://testserver") as http:
        log_in(http, tokens[Role.PEER])
        page = http.get("/party/issues").text
        raised = http.post(
            "/party/issues",
            data={"message": "exhibition skipped", "csrf_token": _csrf(page, "raise")},
            follow_redirects=False,
        )
        assert raised.status_code == 303, raised.text
        [issue] = issue_records(node.engine)
        assert (issue.party, issue.raised_by) == ("US", "RU")
        resolve = f"/party/issues/{issue.id}/resolve"

        log_in(http, tokens[Role.OWNER])  # acts for US, the party concerned: answers only
        page = http.get("/party/issues").text
        assert 'class="answer"' in page and 'class="resolve"' not in page
        token = _csrf(page, "answer")
        wrong_side = http.post(
            resolve, data={"text": "done", "csrf_token": token}, follow_redirects=False
        )
        assert wrong_side.status_code == 409  # the workflow: only the raiser resolves
        answered = http.post(
            f"/party/issues/{issue.id}/answer",
            data={"text": "shown on 2026-12-02", "csrf_token": token},
            follow_redirects=False,
        )
        assert answered.status_code == 303

        log_in(http, tokens[Role.INSPECTOR])
        page = http.get("/party/issues").text
        assert 'class="resolve"' not in page
        by_inspector = http.post(
            resolve, data={"text": "x", "csrf_token": _csrf(page, "raise")}, follow_redirects=False
        )
        assert by_inspector.status_code == 403

        log_in(http, tokens[Role.PEER])
        page = http.get("/party/issues").text
        assert 'class="resolve"' in page and 'class="answer"' not in page
        token = _csrf(page, "resolve")
        for data, headers in (
            ({"text": "x"}, {}),
            ({"text": "x", "csrf_token": "forged"}, {}),
            ({"text": "x", "csrf_token": token}, {"Origin": "http://evil.example"}),
        ):
            refused = http.post(resolve, data=data, headers=headers, follow_redirects=False)
            assert refused.status_code == 403, data
        assert [e.action.value for e in issue_records(node.engine)[0].events] == [
            "raise",
            "answer",
        ]
        resolved = http.post(
            resolve,
            data={"text": "satisfied by the exhibition", "csrf_token": token},
            follow_redirects=False,
        )
        assert resolved.status_code == 303, resolved.text
        [after] = issue_records(node.engine)
        assert [(e.action.value, e.party) for e in after.events] == [
            ("raise", "RU"),
            ("answer", "US"),
            ("resolve", "RU"),
        ]
        shown = http.get("/party/issues").text
        assert "satisfied by the exhibition" in shown and 'class="resolve"' not in shown
        again = http.post(resolve, data={"text": "y", "csrf_token": token}, follow_redirects=False)
        assert again.status_code == 409  # nothing follows a resolution
