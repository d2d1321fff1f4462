"""The compliance issues of the Bilateral Consultative Commission workflow on the party
pages: the list with each issue's events, a form to raise an issue about the other party
(owner, peer, inspector), a form to answer one (owner or peer, for the party the issue
concerns) and one to resolve it (owner or peer, for the party that raised it), with the same
rules as the API (``node.routers.issues``). Every form carries the session's CSRF token;
``check_form`` refuses it otherwise, before anything is stored."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Path, Request
from fastapi.responses import Response

from treatyledger.inspect.consultation import (
    ISSUE_ID_PATTERN,
    MAX_TEXT,
    IssueAction,
    other_party,
    status_of,
)
from treatyledger.inspect.errors import IssueError
from treatyledger.node.auth import Role
from treatyledger.node.context import NodeContext
from treatyledger.node.errors import Problem
from treatyledger.node.routers.issues import acting_party
from treatyledger.node.views import treaty
from treatyledger.report.dashboard.sessions import BrowserSession
from treatyledger.report.dashboard.web import PageGuard, check_form, node_of, page, redirect
from treatyledger.store.errors import IssueNotFound
from treatyledger.store.issue_store import add_event, issue_records, raise_issue

router = APIRouter(prefix="/party/issues", include_in_schema=False)
Issues = Annotated[BrowserSession, Depends(PageGuard("issues"))]
Text = Annotated[str, Form(max_length=MAX_TEXT)]
Token = Annotated[str, Form(max_length=256)]
IssueId = Annotated[str, Path(max_length=128, pattern=ISSUE_ID_PATTERN)]
#: issues a page lists at most (the store's own bound is higher)
MAX_SHOWN = 500
RAISERS = frozenset({Role.OWNER, Role.PEER, Role.INSPECTOR})
#: who answers (for the party concerned) and resolves (for the raiser): the API's ``Party``
PARTY_ROLES = frozenset({Role.OWNER, Role.PEER})


def _acting(node: NodeContext, session: BrowserSession) -> str | None:
    try:
        return acting_party(node, session.caller)
    except Problem:  # a rule set without two parties: nobody acts for the other one
        return None


@router.get("")
def issues(request: Request, session: Issues) -> Response:
    node = node_of(request)
    acting = _acting(node, session)
    records = issue_records(node.engine, limit=MAX_SHOWN)
    return page(
        "issues.html",
        session=session,
        title="Compliance issues (Bilateral Consultative Commission)",
        issues=[(r, status_of(r).value) for r in records],
        acting=acting,
        may_raise=session.caller.role in RAISERS and acting is not None,
        may_act=session.caller.role in PARTY_ROLES,
        max_text=MAX_TEXT,
    )


@router.post("")
def raise_form(
    request: Request,
    session: Issues,
    message: Text = "",
    site: Annotated[str, Form(max_length=128)] = "",
    item: Annotated[str, Form(max_length=128)] = "",
    csrf_token: Token = "",
) -> Response:
    check_form(request, session.csrf, csrf_token)
    node = node_of(request)
    acting = _acting(node, session)
    if session.caller.role not in RAISERS or acting is None:
        return _refused(session, 403, "this role may not raise a compliance issue")
    if not message.strip():
        return _refused(session, 422, "an issue needs a message")
    parties = sorted(treaty(node.engine, node.rules).rule_set.treaty.parties)
    try:
        issue = raise_issue(
            node.engine,
            origin=node.party,
            party=other_party(parties, acting),
            raised_by=acting,
            by=session.caller.name,
            message=message.strip(),
            site=site.strip() or None,
            item=item.strip() or None,
        )
    except (IssueError, ValueError) as exc:
        return _refused(session, 422, str(exc))
    return redirect(f"/party/issues#issue-{issue.id}")


def _event_route(action: IssueAction) -> Callable[..., Response]:
    """The form handler of ``action`` (``POST /{issue_id}/answer``, ``.../resolve``)."""

    def event_form(
        request: Request,
        session: Issues,
        issue_id: IssueId,
        text: Text = "",
        csrf_token: Token = "",
    ) -> Response:
        return _event_form(request, session, issue_id, action, text, csrf_token)

    event_form.__name__ = f"{action.value}_form"
    return event_form


for _action in (IssueAction.ANSWER, IssueAction.RESOLVE):
    router.add_api_route(f"/{{issue_id}}/{_action.value}", _event_route(_action), methods=["POST"])


def _event_form(
    request: Request,
    session: BrowserSession,
    issue_id: str,
    action: IssueAction,
    text: str,
    csrf_token: str,
) -> Response:
    """Answer or resolve: the CSRF check first, then the role, then the workflow's own rule
    (``consultation.check_event``: the party concerned answers, the raiser resolves)."""
    check_form(request, session.csrf, csrf_token)
    node = node_of(request)
    acting = _acting(node, session)
    if session.caller.role not in PARTY_ROLES or acting is None:
        return _refused(session, 403, f"only a party's owner or peer may {action.value} an issue")
    try:
        add_event(
            node.engine,
            issue_id,
            action,
            origin=node.party,
            party=acting,
            by=session.caller.name,
            text=text.strip(),
        )
    except IssueNotFound as exc:
        return _refused(session, 404, str(exc))
    except (IssueError, ValueError) as exc:
        return _refused(session, 409, str(exc))
    return redirect(f"/party/issues#issue-{issue_id}")


def _refused(session: BrowserSession, status: int, reason: str) -> Response:
    return page(
        "refused.html", session=session, status_code=status, title="Form refused", reason=reason
    )
