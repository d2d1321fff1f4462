"""The node's principals (who may call it, with which role): rows of ``node_principals``.
Tokens are never stored, only their SHA-256; making and checking tokens is the node's
(``treatyledger.node.auth``), keeping the rows is this module's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from treatyledger.store.errors import DuplicatePrincipal
from treatyledger.store.node_tables import Principal


@dataclass(frozen=True)
class PrincipalEntry:
    name: str
    role: str
    active: bool


def insert_principal(
    engine: Engine,
    *,
    name: str,
    role: str,
    token_hash: str,
    created_at: datetime,
    vkey: str | None,
) -> None:
    row = {
        "name": name,
        "role": role,
        "token_hash": token_hash,
        "created_at": created_at,
        "vkey": vkey,
    }
    try:
        with engine.begin() as conn:
            conn.execute(insert(Principal).values(**row))
    except IntegrityError:
        raise DuplicatePrincipal(
            f"an active principal named {name!r} already exists (revoke it first to reuse the name)"
        ) from None


def active_vkey(engine: Engine, name: str) -> str | None:
    """The C2SP verifier key of the active principal ``name`` (None: none, or no key)."""
    with engine.connect() as conn:
        return conn.execute(
            select(Principal.vkey).where(Principal.name == name, Principal.revoked_at.is_(None))
        ).scalar_one_or_none()


def revoke(engine: Engine, name: str, when: datetime) -> bool:
    """Revoke the active principal ``name``; False if there is none."""
    with engine.begin() as conn:
        result = conn.execute(
            update(Principal)
            .where(Principal.name == name, Principal.revoked_at.is_(None))
            .values(revoked_at=when)
        )
    return bool(result.rowcount)


def all_principals(engine: Engine) -> list[PrincipalEntry]:
    """Every principal, by name, a reused name's revoked principals before its active one."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(Principal.name, Principal.role, Principal.revoked_at).order_by(
                Principal.name, Principal.id
            )
        ).all()
    return [PrincipalEntry(name, role, revoked is None) for name, role, revoked in rows]


def active_by_token_hash(engine: Engine, token_hash: str) -> tuple[str, str, str] | None:
    """(name, role, stored token hash) of the active principal with ``token_hash``."""
    with engine.connect() as conn:
        row = conn.execute(
            select(Principal.name, Principal.role, Principal.token_hash).where(
                Principal.token_hash == token_hash, Principal.revoked_at.is_(None)
            )
        ).first()
    return None if row is None else (row.name, row.role, row.token_hash)
