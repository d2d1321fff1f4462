"""Shared route dependencies: the node context and the treaty a request asks about."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from treatyledger.node.auth import ALL_ROLES, AuthFirstRoute, Role, RoleGuard
from treatyledger.node.context import NodeContext
from treatyledger.node.errors import Problem
from treatyledger.node.problems import problem_responses
from treatyledger.node.views import Treaty, known_rule_sets, today, treaty

#: Who may see item-level data: the party itself, the other party, inspectors.
ITEM_LEVEL = (Role.OWNER, Role.PEER, Role.INSPECTOR)
#: Who may read the log's entries and inclusion proofs (item-level: entries are
#: notifications). Not witnesses: they cosign from checkpoints, consistency proofs and hash
#: tiles alone (least privilege, issue 13).
LOG_READERS = ITEM_LEVEL
#: Who may read the aggregate views (observer summary, issue counts): every role but the
#: witness, which needs no data to cosign.
VIEWERS = (Role.OWNER, Role.PEER, Role.INSPECTOR, Role.OBSERVER)
#: checkpoints and consistency proofs: everything a witness may read
EVERYONE = tuple(ALL_ROLES)

GUARDED = problem_responses(400, 401, 403, 422)


def guarded_router(**kwargs: Any) -> APIRouter:
    """A router whose routes check their RoleGuard before the body is read, and document
    the 401/403/422 problems."""
    return APIRouter(route_class=AuthFirstRoute, responses=GUARDED, **kwargs)


# async, as as_of_date: FastAPI runs a plain function dependency in its thread pool, one hop
# (a queue, a thread woken, the GIL passed twice) per request for a lookup
async def node_context(request: Request) -> NodeContext:
    context: NodeContext = request.app.state.node
    return context


Node = Annotated[NodeContext, Depends(node_context)]


def guard(*roles: Role) -> RoleGuard:
    return RoleGuard(*roles)


def rule_set_of(
    node: Node,
    rules: Annotated[
        str | None,
        Query(
            max_length=64,
            pattern=r"^[a-z0-9][a-z0-9-]*$",
            description="a built-in rule set; default: the workspace's",
        ),
    ] = None,
) -> Treaty:
    name = rules or node.rules
    if rules is not None and rules not in known_rule_sets():
        # Never a path: a caller must not make the node read files.
        raise Problem(
            422,
            f"unknown rule set {rules!r}; expected one of {', '.join(known_rule_sets())}",
            problem="unknown-rule-set",
        )
    return treaty(node.engine, name)


TreatyDep = Annotated[Treaty, Depends(rule_set_of)]


async def as_of_date(
    as_of: Annotated[
        date | None, Query(description="the date (UTC, end of day); default: today")
    ] = None,
) -> date:
    return as_of or today()


AsOf = Annotated[date, Depends(as_of_date)]
