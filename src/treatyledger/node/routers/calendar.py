"""The data-exchange calendar of the node's party (``ledger.calendar`` over the workspace's
logs, ``store.regime_view``): what is due and when, what is overdue, late or premature.
Item-level (it names notifications): the party, the other party and inspectors; the owner
may also ask for a mirrored party's calendar."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Security

from treatyledger.ledger.calendar_records import Calendar
from treatyledger.model.parties import IDENTIFIER_PATTERN
from treatyledger.node.auth import Caller, Role
from treatyledger.node.errors import Problem
from treatyledger.node.routers.deps import ITEM_LEVEL, AsOf, Node, TreatyDep, guard, guarded_router
from treatyledger.store.regime_view import workspace_calendar

router = guarded_router(tags=["regime"])
ItemLevel = Annotated[Caller, Security(guard(*ITEM_LEVEL))]


@router.get(
    "/calendar",
    response_model=Calendar,
    summary="Databases due, overdue, late or premature, and late or premature notifications",
)
def data_exchange_calendar(
    node: Node,
    caller: ItemLevel,
    treaty: TreatyDep,
    as_of: AsOf,
    party: Annotated[
        str | None,
        Query(pattern=IDENTIFIER_PATTERN, description="default: the node's party"),
    ] = None,
) -> Calendar:
    wanted = party or node.party
    if wanted != node.party and caller.role is not Role.OWNER:
        raise Problem(403, "only the owner sees a mirrored party's calendar", problem="forbidden")
    return workspace_calendar(node.engine, treaty.rule_set, as_of, [wanted], treaty.policy)
