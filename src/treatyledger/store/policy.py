"""The one place a workspace's ledger policy is built: its rule set (deadline, third-state
rule), the catalog, and the parties registered in its database as the treaty parties (a
transfer to any other party is a transfer to a third state). The CLI, the node, its views and
the peer mirror all take their policy from here, so one notification gets one outcome whichever
way it arrives."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine, select

from treatyledger.files import load_catalog, load_rule_set
from treatyledger.ledger.policy import DEFAULT_MAX_FUTURE, LedgerPolicy, policy_from_rule_set
from treatyledger.model.catalog import Catalog
from treatyledger.rules import RuleSet
from treatyledger.store.ledger_tables import PartyRow


def registered_parties(engine: Engine) -> frozenset[str]:
    """The parties registered in the database: its own and every peer whose key it holds."""
    with engine.connect() as conn:
        return frozenset(conn.execute(select(PartyRow.party)).scalars())


def workspace_policy(
    engine: Engine,
    rules: str | RuleSet,
    *,
    catalog: Catalog | None = None,
    max_future: timedelta | None = DEFAULT_MAX_FUTURE,
) -> LedgerPolicy:
    """The ledger policy of the workspace whose database is ``engine``, under ``rules`` (a
    rule set, or its built-in name or path: usually the workspace's configured one)."""
    rule_set = load_rule_set(rules) if isinstance(rules, str) else rules
    return policy_from_rule_set(
        rule_set,
        catalog or load_catalog(),
        treaty_parties=registered_parties(engine),
        max_future=max_future,
    )
