"""Which role sees which dashboard page: the page matrix, in one place. It follows the API's
role matrix: the party pages hold item-level state, which only the owner, the peer party and
inspectors may read (``node.routers.deps.ITEM_LEVEL``); the sync and witness status of the
other party's log is the owner's own operation. The observer page needs no login."""

from __future__ import annotations

from collections.abc import Mapping

from treatyledger.node.auth import Role
from treatyledger.node.routers.deps import ITEM_LEVEL

PARTY_READERS = frozenset(ITEM_LEVEL)
OWNER_ONLY = frozenset({Role.OWNER})
EVERYONE = frozenset(Role)

#: page name -> the roles that may open it, in navigation order
PAGE_ROLES: Mapping[str, frozenset[Role]] = {
    "observer": EVERYONE,
    "party": PARTY_READERS,
    "forces": PARTY_READERS,
    "notifications": PARTY_READERS,
    "items": PARTY_READERS,
    "inspections": PARTY_READERS,
    "calendar": PARTY_READERS,
    "issues": PARTY_READERS,
    "sync": OWNER_ONLY,
}

#: page name -> its label in the navigation
NAV_LABELS: Mapping[str, str] = {
    "observer": "Public fact sheet",
    "party": "Overview and alerts",
    "forces": "Force levels",
    "notifications": "Notifications",
    "inspections": "Inspections and issues",
    "calendar": "Data-exchange calendar",
    "issues": "Compliance issues (BCC)",
    "sync": "Sync and witnesses",
}


def pages_for(role: Role | None) -> list[str]:
    """The pages in the navigation for ``role`` (None: not logged in)."""
    if role is None:
        return ["observer"]
    return [name for name in NAV_LABELS if role in PAGE_ROLES[name]]
