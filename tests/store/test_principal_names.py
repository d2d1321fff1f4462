"""Principal names: unique among active principals, free again once revoked (SQLite and
PostgreSQL), with the old token dead and the revoked row kept; the migration from the
table-wide unique constraint keeps existing rows."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic import command
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import insert, select

from treatyledger.node.auth import (
    Role,
    add_principal,
    authenticate,
    list_principals,
    principal_vkey,
    revoke_principal,
)
from treatyledger.node.errors import PrincipalError
from treatyledger.node.keys import cosigner_vkey
from treatyledger.store.base import make_engine
from treatyledger.store.migrate import alembic_config, upgrade
from treatyledger.store.node_tables import Principal
from treatyledger.store.workspace import public_key_b64


def test_a_revoked_name_can_be_given_again_and_only_the_new_token_works(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        upgrade(engine)
        first = add_principal(engine, "ru-office", Role.PEER)
        with pytest.raises(PrincipalError, match="active principal named 'ru-office'"):
            add_principal(engine, "ru-office", Role.OBSERVER)
        revoke_principal(engine, "ru-office")
        second = add_principal(engine, "ru-office", Role.INSPECTOR)
        assert authenticate(engine, first) is None
        caller = authenticate(engine, second)
        assert caller is not None and (caller.name, caller.role) == ("ru-office", Role.INSPECTOR)
        # the revoked row is kept, listed before the active one
        assert list_principals(engine) == [
            ("ru-office", Role.PEER, False),
            ("ru-office", Role.INSPECTOR, True),
        ]
        # still one active principal per name
        with pytest.raises(PrincipalError, match="already exists"):
            add_principal(engine, "ru-office", Role.PEER)
        revoke_principal(engine, "ru-office")
        with pytest.raises(PrincipalError, match="no active principal"):
            revoke_principal(engine, "ru-office")
        third = add_principal(engine, "ru-office", Role.PEER)
        assert [active for _, _, active in list_principals(engine)] == [False, False, True]
        assert authenticate(engine, third) is not None
    finally:
        engine.dispose()


def test_the_vkey_is_the_active_principals(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        upgrade(engine)
        old = str(cosigner_vkey("RU", public_key_b64(Ed25519PrivateKey.generate().public_key())))
        new = str(cosigner_vkey("RU", public_key_b64(Ed25519PrivateKey.generate().public_key())))
        add_principal(engine, "ru", Role.PEER, vkey=old)
        revoke_principal(engine, "ru")
        add_principal(engine, "ru", Role.PEER, vkey=new)
        assert principal_vkey(engine, "ru") == new
    finally:
        engine.dispose()


def test_migration_keeps_principals_made_under_the_old_constraint(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        with engine.begin() as conn:
            config = alembic_config()
            config.attributes["connection"] = conn
            command.upgrade(config, "0004_node")
            conn.execute(
                insert(Principal).values(
                    name="old",
                    role="peer",
                    token_hash="a" * 64,
                    created_at=datetime(2024, 1, 1, tzinfo=UTC),
                    revoked_at=datetime(2024, 2, 1, tzinfo=UTC),
                )
            )
        upgrade(engine)
        with engine.connect() as conn:
            rows = conn.execute(select(Principal.name, Principal.token_hash)).all()
        assert [tuple(r) for r in rows] == [("old", "a" * 64)]
        add_principal(engine, "old", Role.PEER)  # the revoked name is free after the upgrade
        assert [active for _, _, active in list_principals(engine)] == [False, True]
    finally:
        engine.dispose()
