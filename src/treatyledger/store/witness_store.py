"""Witnessing in SQL: this node as a C2SP tlog-witness (the check of a submitted checkpoint
and the update of the held one in one transaction, so two submissions cannot roll the
held size back), and the witnesses this node pushes its own checkpoints to."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, delete, insert, select, update

from treatyledger.store import tlog_store
from treatyledger.store.errors import WitnessConfigError
from treatyledger.store.tlog_tables import TlogWitnessRow, TlogWitnessStateRow
from treatyledger.tlog.note import Signer
from treatyledger.tlog.verifier import VerificationError, VerifierKey, parse_vkey
from treatyledger.tlog.witness import Witness, parse_add_checkpoint

__all__ = [
    "ConfiguredWitness",
    "add_witness",
    "checkpoint_to_push",
    "held_checkpoint",
    "list_witnesses",
    "remove_witness",
    "set_witness_size",
    "store_cosignatures",
    "witness_add_checkpoint",
]


def witness_add_checkpoint(
    engine: Engine,
    cosigners: Sequence[Signer],
    log_keys: Mapping[str, Iterable[VerifierKey]],
    body: bytes | str,
    *,
    now: int,
) -> str:
    """Handle a tlog-witness add-checkpoint request body: verify, check against the held
    checkpoint, remember the new one and return the cosignature lines; all in one
    transaction (PostgreSQL: the held row is locked). Raises ``WitnessError`` subclasses
    carrying their HTTP status."""
    old_size, proof, note = parse_add_checkpoint(body)
    keys = {origin: list(k) for origin, k in log_keys.items()}
    origin = Witness(cosigners, keys).verify(note)[1].origin  # 400/403/404 before any state
    with engine.begin() as conn:
        row = conn.execute(
            select(TlogWitnessStateRow.note)
            .where(TlogWitnessStateRow.origin == origin)
            .with_for_update()
        ).first()
        state = {} if row is None else {origin: row[0]}
        witness = Witness(cosigners, keys, state)
        lines = witness.add_checkpoint(note, proof, now=now, old_size=old_size)
        held = witness.latest(origin)
        assert held is not None
        if row is None:
            conn.execute(
                insert(TlogWitnessStateRow).values(origin=origin, size=held.size, note=note)
            )
        else:
            conn.execute(
                update(TlogWitnessStateRow)
                .where(TlogWitnessStateRow.origin == origin)
                .values(size=held.size, note=note)
            )
    return lines


def checkpoint_to_push(engine: Engine, origin: str, signer: Signer | Sequence[Signer]) -> str:
    """The log's current signed checkpoint without cosignatures: what goes to witnesses."""
    with engine.begin() as conn:
        tlog_store.ensure_log(conn, origin)
        tlog_store.publish_checkpoint(conn, origin, signer)
    with engine.connect() as conn:
        note = tlog_store.latest_checkpoint(conn, origin, with_cosignatures=False)
    assert note is not None
    return note


def store_cosignatures(
    engine: Engine, origin: str, size: int, lines: Sequence[tuple[str, VerifierKey]]
) -> None:
    """Store witness cosignature lines on the checkpoint of ``size``, each verified again
    with its key (``tlog_store.add_cosignature``), in one transaction."""
    with engine.begin() as conn:
        for line, key in lines:
            tlog_store.add_cosignature(conn, origin, size, line, key)


def held_checkpoint(conn: Connection, origin: str) -> str | None:
    row = conn.execute(
        select(TlogWitnessStateRow.note).where(TlogWitnessStateRow.origin == origin)
    ).first()
    return None if row is None else str(row[0])


@dataclass(frozen=True)
class ConfiguredWitness:
    name: str
    url: str
    vkeys: tuple[VerifierKey, ...]
    token_file: str | None
    size: int


def _parse_row(
    name: str, url: str, vkeys: str, token_file: str | None, size: int
) -> ConfiguredWitness:
    try:
        keys = tuple(parse_vkey(line) for line in vkeys.splitlines() if line)
    except VerificationError as exc:
        raise WitnessConfigError(f"witness {name}: stored vkey does not parse: {exc}") from exc
    return ConfiguredWitness(name, url, keys, token_file, int(size))


def add_witness(
    engine: Engine,
    name: str,
    url: str,
    vkeys: Sequence[VerifierKey],
    token_file: str | None = None,
) -> None:
    """Configure (or reconfigure) a witness; its held size starts unknown (0: the first push
    learns the real one from a 409)."""
    if not vkeys:
        raise WitnessConfigError(f"witness {name}: give at least one --vkey")
    if not url.startswith(("http://", "https://")):
        raise WitnessConfigError(f"witness {name}: URL must start with http:// or https://")
    with engine.begin() as conn:
        conn.execute(delete(TlogWitnessRow).where(TlogWitnessRow.name == name))
        conn.execute(
            insert(TlogWitnessRow).values(
                name=name,
                url=url.rstrip("/"),
                vkeys="\n".join(str(k) for k in vkeys),
                token_file=token_file,
                size=0,
            )
        )


def remove_witness(engine: Engine, name: str) -> bool:
    with engine.begin() as conn:
        return bool(
            conn.execute(delete(TlogWitnessRow).where(TlogWitnessRow.name == name)).rowcount
        )


def list_witnesses(engine: Engine) -> list[ConfiguredWitness]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                TlogWitnessRow.name,
                TlogWitnessRow.url,
                TlogWitnessRow.vkeys,
                TlogWitnessRow.token_file,
                TlogWitnessRow.size,
            ).order_by(TlogWitnessRow.name)
        ).all()
        return [_parse_row(*row) for row in rows]


def set_witness_size(engine: Engine, name: str, size: int) -> None:
    with engine.begin() as conn:
        conn.execute(update(TlogWitnessRow).where(TlogWitnessRow.name == name).values(size=size))
