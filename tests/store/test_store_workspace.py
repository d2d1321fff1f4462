"""Workspace creation, opening, signing keys and peer keys, on both backends."""

from __future__ import annotations

import base64
import stat
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

import treatyledger.store.tables  # noqa: F401
from treatyledger.store.base import Base, make_engine
from treatyledger.store.errors import KeyRegistrationError, WorkspaceError
from treatyledger.store.workspace import CONFIG_FILE, KEY_FILE, Workspace, public_key_b64


def test_migrations_create_exactly_the_declared_ledger_tables(db_url: str, tmp_path: Path) -> None:
    with Workspace.init(tmp_path / "ws", "US", db_url=db_url) as ws, ws.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert [d for d in diff if "ledger_" in str(d)] == []


def test_init_writes_config_and_a_key_only_the_owner_can_read(db_url: str, tmp_path: Path) -> None:
    with Workspace.init(tmp_path / "ws", "US", db_url=db_url, rules="start-i"):
        pass
    key_mode = stat.S_IMODE((tmp_path / "ws" / KEY_FILE).stat().st_mode)
    assert key_mode == 0o600
    assert b"BEGIN PRIVATE KEY" in (tmp_path / "ws" / KEY_FILE).read_bytes()
    assert 'party = "US"' in (tmp_path / "ws" / CONFIG_FILE).read_text()


def test_open_returns_the_party_rules_and_signing_key_of_init(db_url: str, tmp_path: Path) -> None:
    with Workspace.init(tmp_path / "ws", "US", db_url=db_url, rules="start-i") as ws:
        created_public = ws.public_key
    with Workspace.open(tmp_path / "ws") as ws:
        assert (ws.party, ws.rules) == ("US", "start-i")
        assert public_key_b64(ws.signing_key.public_key()) == created_public


def test_init_registers_the_party_public_key(db_url: str, tmp_path: Path) -> None:
    with Workspace.init(tmp_path / "ws", "US", db_url=db_url) as ws:
        assert list(ws.party_keys("US").values()) == [ws.public_key]


def test_default_database_is_sqlite_inside_the_workspace(tmp_path: Path) -> None:
    with Workspace.init(tmp_path / "ws", "US") as ws:
        assert ws.engine.dialect.name == "sqlite"
    assert (tmp_path / "ws" / "ledger.db").is_file()
    assert "database_url" not in (tmp_path / "ws" / CONFIG_FILE).read_text()


def test_init_refuses_an_existing_workspace(tmp_path: Path) -> None:
    Workspace.init(tmp_path / "ws", "US").close()
    with pytest.raises(WorkspaceError, match="already a workspace"):
        Workspace.init(tmp_path / "ws", "US")


def test_init_refuses_a_database_owned_by_another_workspace(db_url: str, tmp_path: Path) -> None:
    Workspace.init(tmp_path / "a", "US", db_url=db_url).close()
    with pytest.raises(WorkspaceError, match="belongs to a workspace of party US"):
        Workspace.init(tmp_path / "b", "RU", db_url=db_url)


def test_init_refuses_a_malformed_party_id(tmp_path: Path) -> None:
    with pytest.raises(WorkspaceError, match="party id"):
        Workspace.init(tmp_path / "ws", "U S/../x")


def test_open_refuses_a_directory_without_config(tmp_path: Path) -> None:
    with pytest.raises(WorkspaceError, match="not a workspace"):
        Workspace.open(tmp_path)


def test_open_refuses_unknown_config_keys(tmp_path: Path) -> None:
    Workspace.init(tmp_path / "ws", "US").close()
    with (tmp_path / "ws" / CONFIG_FILE).open("a") as handle:
        handle.write('colour = "red"\n')
    with pytest.raises(WorkspaceError, match="unknown keys"):
        Workspace.open(tmp_path / "ws")


def test_open_refuses_a_config_naming_another_party_than_the_database(tmp_path: Path) -> None:
    Workspace.init(tmp_path / "ws", "US").close()
    config = tmp_path / "ws" / CONFIG_FILE
    config.write_text(config.read_text().replace('"US"', '"RU"'))
    with pytest.raises(WorkspaceError, match="database belongs to US"):
        Workspace.open(tmp_path / "ws")


def test_signing_key_readable_by_others_is_refused(tmp_path: Path) -> None:
    Workspace.init(tmp_path / "ws", "US").close()
    (tmp_path / "ws" / KEY_FILE).chmod(0o644)
    with Workspace.open(tmp_path / "ws") as ws, pytest.raises(WorkspaceError, match="too open"):
        _ = ws.signing_key


def test_signing_key_is_loaded_only_when_used(tmp_path: Path) -> None:
    Workspace.init(tmp_path / "ws", "US").close()
    (tmp_path / "ws" / KEY_FILE).unlink()
    with Workspace.open(tmp_path / "ws") as ws:  # opening needs no key (a read-only mirror)
        assert ws.party == "US"
        with pytest.raises(WorkspaceError, match="signing key not found"):
            _ = ws.signing_key


def test_peer_key_registration_is_idempotent(db_url: str, tmp_path: Path) -> None:
    peer = public_key_b64(Ed25519PrivateKey.generate().public_key())
    with Workspace.init(tmp_path / "ws", "US", db_url=db_url) as ws:
        first = ws.register_party_key("RU", peer, name="Russian Federation")
        second = ws.register_party_key("RU", peer)
        assert first == second
        assert ws.party_keys("RU") == {first: peer}
        assert [p.id for p in ws.parties()] == ["RU", "US"]


def test_a_key_of_one_party_cannot_be_registered_for_another(db_url: str, tmp_path: Path) -> None:
    with (
        Workspace.init(tmp_path / "ws", "US", db_url=db_url) as ws,
        pytest.raises(KeyRegistrationError, match="already registered for party US"),
    ):
        ws.register_party_key("RU", ws.public_key)


@pytest.mark.parametrize(
    ("text", "message"),
    [("not base64!", "not base64"), (base64.b64encode(b"short").decode(), "has 32 bytes")],
)
def test_malformed_peer_keys_are_refused(tmp_path: Path, text: str, message: str) -> None:
    with (
        Workspace.init(tmp_path / "ws", "US") as ws,
        pytest.raises(KeyRegistrationError, match=message),
    ):
        ws.register_party_key("RU", text)


def test_a_database_of_a_newer_release_is_refused_with_a_clear_error(
    db_url: str, tmp_path: Path
) -> None:
    """A workspace migrated by a newer TreatyLedger (a schema revision this release does not
    know) is refused by name, not with Alembic's traceback; the database is left as it was."""
    with Workspace.init(tmp_path / "ws", "US", db_url=db_url) as ws:
        url = ws.engine.url.render_as_string(hide_password=False)
        with ws.engine.begin() as conn:
            # one more head, as a newer release's migration would leave
            conn.exec_driver_sql(
                "INSERT INTO alembic_version (version_num) VALUES ('9999_from_the_future')"
            )
    with pytest.raises(WorkspaceError, match=r"newer TreatyLedger.*9999_from_the_future"):
        Workspace.open(tmp_path / "ws")
    engine = make_engine(url)
    with engine.connect() as conn:
        versions = {r for (r,) in conn.exec_driver_sql("SELECT version_num FROM alembic_version")}
    engine.dispose()
    assert "9999_from_the_future" in versions
