"""A workspace: one party's directory with its configuration, database and signing key.

Layout of a workspace directory::

    config.toml        party, default rule set, database URL (absent: ledger.db here)
    ledger.db          the SQLite database (only when no other URL is configured)
    signing_key.pem    the party's Ed25519 private key, PKCS#8 PEM, mode 0600
    mldsa44.key        optional (``keys add --type mldsa44``): the node's ML-DSA-44 seed, hex,
                       mode 0600; config.toml's key_types then lists mldsa44
    .gitignore         ``*``: git never adds a workspace made inside a repository

API (what the node, the log CLI and the inspection commands build on)::

    ws = Workspace.init(path, "US", db_url=None, rules="new-start")
    ws = Workspace.open(path)             # or Workspace.open(path, db_url=...) to override
    ws.party, ws.rules, ws.engine, ws.config, ws.path
    ws.signing_key                        # Ed25519PrivateKey, loaded on first use
    ws.public_key                         # base64 raw 32-byte public key of the party
    ws.mldsa_seed                         # the ML-DSA-44 seed, or None (ws.add_mldsa_key())
    ws.register_party_key("RU", pub_b64)  # a peer's key, to verify and mirror its log
    ws.party_keys("RU")                   # {key_id: public key (base64)}
    ws.close()                            # or use it as a context manager

The database is created and migrated only through Alembic (``store.migrate.upgrade``).
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import json
import os
import re
import stat
import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from sqlalchemy import Connection, Engine, delete, insert, select
from sqlalchemy.exc import DatabaseError, OperationalError

from treatyledger.ledger.signing import key_id as signer_key_id
from treatyledger.ledger.signing import public_key_from_base64, public_key_raw
from treatyledger.model.parties import IDENTIFIER_PATTERN, Party
from treatyledger.store.base import make_engine
from treatyledger.store.errors import (
    DatabaseUnavailable,
    KeyRegistrationError,
    WorkspaceError,
)
from treatyledger.store.ledger_tables import PartyKeyRow, PartyRow, WorkspaceMetaRow
from treatyledger.store.migrate import upgrade

CONFIG_FILE = "config.toml"
KEY_FILE = "signing_key.pem"
MLDSA_KEY_FILE = "mldsa44.key"  # the 32-byte ML-DSA-44 seed (FIPS 204 xi), hex
KEY_TYPES = ("ed25519", "mldsa44")
DB_FILE = "ledger.db"
IGNORE_FILE = ".gitignore"
FORMAT_VERSION = 1
MAX_CONFIG_BYTES = 64 * 1024


def _database_error(root: Path, config: WorkspaceConfig, exc: DatabaseError) -> Exception:
    """One line for a database that cannot be used: a server that does not answer is
    unavailable (exit 4); a file that is not an SQLite database is an input error (exit 2)."""
    reason = " ".join(str(exc.orig or exc).split())[:300]
    if config.database_url is not None and isinstance(exc, OperationalError):
        return DatabaseUnavailable(f"{root}: the database does not answer: {reason}")
    where = root / DB_FILE if config.database_url is None else "the configured database"
    return WorkspaceError(f"{where}: cannot use the database: {reason}")


def public_key_b64(key: Ed25519PublicKey) -> str:
    """The form keys are exchanged and stored in: base64 of the raw 32 bytes."""
    return base64.b64encode(public_key_raw(key)).decode("ascii")


def parse_public_key(text: str) -> Ed25519PublicKey:
    """Parse a base64 raw Ed25519 public key; raises KeyRegistrationError."""
    try:
        return public_key_from_base64(text)
    except ValueError as exc:
        raise KeyRegistrationError(f"public key {text[:60]!r}: {exc}") from None


@dataclass(frozen=True)
class WorkspaceConfig:
    """The parsed config.toml."""

    party: str
    rules: str
    database_url: str | None  # None: the SQLite file ledger.db inside the workspace
    format: int = FORMAT_VERSION
    #: the node's note key types: always the party's Ed25519 key; "mldsa44" adds an ML-DSA-44
    #: key (``mldsa44.key``) that signs checkpoints and cosigns beside it
    key_types: tuple[str, ...] = ("ed25519",)

    def to_toml(self) -> str:
        # json.dumps writes strings TOML accepts as basic strings (ASCII, JSON escapes).
        lines = [
            "# TreatyLedger workspace configuration",
            f"format = {self.format}",
            f"party = {json.dumps(self.party)}",
            f"rules = {json.dumps(self.rules)}",
        ]
        if self.database_url is not None:
            lines.append(f"database_url = {json.dumps(self.database_url)}")
        if self.key_types != ("ed25519",):
            lines.append(f"key_types = {json.dumps(list(self.key_types))}")
        return "\n".join(lines) + "\n"

    @classmethod
    def from_toml(cls, text: str, *, source: str) -> WorkspaceConfig:
        try:
            data: dict[str, Any] = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise WorkspaceError(f"{source}: not valid TOML: {exc}") from None
        expected = {"format", "party", "rules", "database_url", "key_types"}
        unknown = sorted(set(data) - expected)
        if unknown:
            raise WorkspaceError(f"{source}: unknown keys {unknown}, expected some of {expected}")
        if data.get("format") != FORMAT_VERSION:
            raise WorkspaceError(
                f"{source}: format: expected {FORMAT_VERSION}, found {data.get('format')!r}"
            )
        for key in ("party", "rules"):
            if not isinstance(data.get(key), str) or not data[key]:
                raise WorkspaceError(f"{source}: {key}: expected a non-empty string")
        url = data.get("database_url")
        if url is not None and not isinstance(url, str):
            raise WorkspaceError(f"{source}: database_url: expected a string")
        types = data.get("key_types", ["ed25519"])
        if (
            not isinstance(types, list)
            or "ed25519" not in types
            or not set(types) <= set(KEY_TYPES)
            or len(set(types)) != len(types)
        ):
            raise WorkspaceError(
                f"{source}: key_types: expected a list of {list(KEY_TYPES)} with ed25519"
            )
        return cls(
            party=data["party"], rules=data["rules"], database_url=url, key_types=tuple(types)
        )


class Workspace:
    """An open workspace. Create with :meth:`init`, open with :meth:`open`."""

    def __init__(self, path: Path, config: WorkspaceConfig, engine: Engine):
        self.path = path
        self.config = config
        self.engine = engine
        self._signing_key: Ed25519PrivateKey | None = None
        self._mldsa_seed: bytes | None = None
        self._writer_lock: Any = None  # a store.writer_lock.WriterLock while held

    # -- creation and opening ---------------------------------------------------------------

    @classmethod
    def init(
        cls,
        path: str | os.PathLike[str],
        party: str,
        db_url: str | None = None,
        rules: str = "new-start",
    ) -> Workspace:
        """Create a workspace for ``party``: directory, config, migrated database, a fresh
        Ed25519 signing key (0600), and the party registered with its public key."""
        _check_party_id(party)
        root = Path(path)
        if (root / CONFIG_FILE).exists():
            raise WorkspaceError(f"{root}: already a workspace (found {CONFIG_FILE})")
        if root.exists() and not root.is_dir():
            raise WorkspaceError(f"{root}: expected a directory, found a file")
        root.mkdir(parents=True, exist_ok=True, mode=0o700)
        _keep_private(root)
        if not (root / IGNORE_FILE).exists():
            # a workspace holds a private key: never committed by accident (git reads this)
            (root / IGNORE_FILE).write_text("*\n", encoding="utf-8")
        if (root / KEY_FILE).exists():
            raise WorkspaceError(f"{root}: {KEY_FILE} already exists; refusing to overwrite")

        config = WorkspaceConfig(party=party, rules=rules, database_url=db_url)
        if db_url is None:  # SQLite gives its -wal and -shm files the database file's mode
            os.close(os.open(root / DB_FILE, os.O_WRONLY | os.O_CREAT, 0o600))
        engine = make_engine(_database_url(root, config))
        try:
            upgrade(engine)
            with engine.begin() as conn:
                owner = _meta(conn).get("party")
                if owner is not None:
                    raise WorkspaceError(
                        f"database already belongs to a workspace of party {owner}"
                    )
            key = Ed25519PrivateKey.generate()
            _write_private_key(root / KEY_FILE, key)
            with engine.begin() as conn:
                _set_meta(conn, {"party": party, "format": str(FORMAT_VERSION)})
                _register_key(conn, party, public_key_b64(key.public_key()), name="")
        except DatabaseError as exc:
            engine.dispose()
            raise _database_error(root, config, exc) from None
        except BaseException:
            engine.dispose()
            raise
        _write_private_text(root / CONFIG_FILE, config.to_toml())
        workspace = cls(root, config, engine)
        workspace._signing_key = key
        return workspace

    @classmethod
    def open(
        cls, path: str | os.PathLike[str], db_url: str | None = None, *, writer: str | None = None
    ) -> Workspace:
        """Open an existing workspace; ``db_url`` overrides the configured database. ``writer``:
        the command that will append to the party's log, which holds the writer lock until
        ``close`` (``hold_writer_lock``)."""
        root = Path(path)
        config_path = root / CONFIG_FILE
        if not config_path.is_file():
            raise WorkspaceError(f"{root}: not a workspace (no {CONFIG_FILE}); run `init` first")
        if config_path.stat().st_size > MAX_CONFIG_BYTES:
            raise WorkspaceError(f"{config_path}: larger than {MAX_CONFIG_BYTES} bytes")
        config = WorkspaceConfig.from_toml(
            config_path.read_text(encoding="utf-8"), source=str(config_path)
        )
        if db_url is not None:
            config = dataclasses.replace(config, database_url=db_url)
        with contextlib.suppress(OSError):  # not ours to change (another owner): leave it
            _keep_private(root)
        engine = make_engine(_database_url(root, config))
        try:
            upgrade(engine)  # a newer release may bring new migrations
            with engine.connect() as conn:
                owner = _meta(conn).get("party")
        except DatabaseError as exc:
            engine.dispose()
            raise _database_error(root, config, exc) from None
        except BaseException:
            engine.dispose()
            raise
        if owner != config.party:
            engine.dispose()
            raise WorkspaceError(
                f"{root}: config says party {config.party}, database belongs to {owner}"
            )
        workspace = cls(root, config, engine)
        if writer is not None:
            try:
                workspace.hold_writer_lock(writer)
            except BaseException:
                workspace.close()
                raise
        return workspace

    def close(self) -> None:
        if self._writer_lock is not None:
            self._writer_lock.release()
            self._writer_lock = None
        self.engine.dispose()

    def hold_writer_lock(self, holder: str) -> None:
        """Become the one writer of this workspace until ``close`` (``store.writer_lock``);
        ``WorkspaceBusy`` (exit 4, naming the holder) if another process is."""
        from treatyledger.store.writer_lock import WriterLock

        if self._writer_lock is None:
            lock = WriterLock(self.path, self.engine, self.party, holder)
            lock.acquire()
            self._writer_lock = lock

    def __enter__(self) -> Workspace:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- identity and keys -------------------------------------------------------------------

    @property
    def party(self) -> str:
        return self.config.party

    @property
    def rules(self) -> str:
        """The default rule set (name or file) of this workspace."""
        return self.config.rules

    @property
    def key_path(self) -> Path:
        return self.path / KEY_FILE

    @property
    def signing_key(self) -> Ed25519PrivateKey:
        """The party's private key, read from signing_key.pem on first use."""
        if self._signing_key is None:
            self._signing_key = _read_private_key(self.key_path)
        return self._signing_key

    @property
    def public_key(self) -> str:
        return public_key_b64(self.signing_key.public_key())

    @property
    def mldsa_seed(self) -> bytes | None:
        """The node's ML-DSA-44 seed, if its key types include mldsa44 (``keys add``)."""
        if "mldsa44" not in self.config.key_types:
            return None
        if self._mldsa_seed is None:
            self._mldsa_seed = _read_seed(self.path / MLDSA_KEY_FILE)
        return self._mldsa_seed

    def add_mldsa_key(self, seed: bytes | None = None) -> bytes:
        """Give the node an ML-DSA-44 key beside its Ed25519 one: a fresh seed in
        ``mldsa44.key`` (0600, never overwritten) and ``mldsa44`` in the config's key types."""
        if "mldsa44" in self.config.key_types:
            raise WorkspaceError(f"{self.path}: the workspace has an ML-DSA-44 key already")
        seed = seed if seed is not None else os.urandom(32)
        if len(seed) != 32:
            raise WorkspaceError(f"an ML-DSA-44 seed is 32 bytes, got {len(seed)}")
        path = self.path / MLDSA_KEY_FILE
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            raise WorkspaceError(f"{path} exists; refusing to overwrite a key") from None
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(seed.hex() + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        types = (*self.config.key_types, "mldsa44")
        self.config = dataclasses.replace(self.config, key_types=types)
        on_disk = WorkspaceConfig.from_toml(
            (self.path / CONFIG_FILE).read_text(encoding="utf-8"), source=str(self.path)
        )
        _write_private_text(
            self.path / CONFIG_FILE, dataclasses.replace(on_disk, key_types=types).to_toml()
        )
        self._mldsa_seed = seed
        return seed

    def register_party_key(self, party: str, public_key: str, name: str = "") -> str:
        """Register ``public_key`` (base64 raw) as a signer of ``party``; returns its key id.
        Registering the same key again is a no-op; a key of another party is refused."""
        _check_party_id(party)
        parse_public_key(public_key)
        with self.engine.begin() as conn:
            return _register_key(conn, party, public_key, name=name)

    def party_keys(self, party: str) -> dict[str, str]:
        """The public keys registered for ``party``: key id -> base64 raw key."""
        with self.engine.connect() as conn:
            return party_keys(conn, party)

    def parties(self) -> list[Party]:
        """Every registered party with its public keys."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(PartyRow).order_by(PartyRow.party)).all()
            keys = conn.execute(select(PartyKeyRow.party, PartyKeyRow.public_key)).all()
        by_party: dict[str, list[str]] = {}
        for key_party, key in keys:
            by_party.setdefault(key_party, []).append(key)
        return [
            Party(
                id=row.party, name=row.name, public_keys=tuple(sorted(by_party.get(row.party, [])))
            )
            for row in rows
        ]

    def __repr__(self) -> str:
        return f"Workspace({str(self.path)!r}, party={self.party!r})"


# -- helpers shared with ledger_store --------------------------------------------------------


def party_keys(conn: Connection, party: str) -> dict[str, str]:
    rows = conn.execute(
        select(PartyKeyRow.key_id, PartyKeyRow.public_key).where(PartyKeyRow.party == party)
    ).all()
    return {key_id: key for key_id, key in rows}


def all_party_keys(engine: Engine) -> dict[str, list[str]]:
    """Every registered party's public keys (base64 raw), by party."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(PartyKeyRow.party, PartyKeyRow.public_key).order_by(PartyKeyRow.key_id)
        ).all()
    out: dict[str, list[str]] = {}
    for party, key in rows:
        out.setdefault(party, []).append(key)
    return out


def _register_key(conn: Connection, party: str, public_key: str, *, name: str) -> str:
    key_id = signer_key_id(parse_public_key(public_key))
    owner = conn.execute(
        select(PartyKeyRow.party).where(PartyKeyRow.public_key == public_key)
    ).scalar_one_or_none()
    if owner is not None and owner != party:
        raise KeyRegistrationError(
            f"public key {key_id} is already registered for party {owner}, not {party}"
        )
    now = datetime.now(UTC)
    if conn.execute(select(PartyRow.party).where(PartyRow.party == party)).first() is None:
        conn.execute(insert(PartyRow).values(party=party, name=name, registered_at=now))
    if owner is None:
        conn.execute(
            insert(PartyKeyRow).values(
                party=party, key_id=key_id, public_key=public_key, registered_at=now
            )
        )
    return key_id


def _meta(conn: Connection) -> dict[str, str]:
    rows = conn.execute(select(WorkspaceMetaRow.key, WorkspaceMetaRow.value)).all()
    return {key: value for key, value in rows}


def _set_meta(conn: Connection, values: dict[str, str]) -> None:
    for key, value in values.items():
        conn.execute(delete(WorkspaceMetaRow).where(WorkspaceMetaRow.key == key))
        conn.execute(insert(WorkspaceMetaRow).values(key=key, value=value))


def _keep_private(root: Path) -> None:
    """The workspace directory 0700 and its database file 0600: they hold keys, tokens'
    digests and the ledger; config.toml 0600 (it may name a database with its password). What
    existed, including a workspace made before this rule, loses its group and other bits."""
    root.chmod(stat.S_IMODE(root.stat().st_mode) & 0o700)
    for name in (DB_FILE, CONFIG_FILE):
        if (root / name).exists():
            (root / name).chmod(0o600)


def _write_private_text(path: Path, text: str) -> None:
    """Write ``path`` 0600 from creation on (it may name a database with its password)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)


def _database_url(root: Path, config: WorkspaceConfig) -> str:
    if config.database_url is None:
        return f"sqlite:///{(root / DB_FILE).resolve()}"
    return config.database_url


def _check_party_id(party: str) -> None:
    if not re.fullmatch(IDENTIFIER_PATTERN, party):
        raise WorkspaceError(
            f"party id: expected letters, digits and ._:- (at most 128), found {party[:60]!r}"
        )


def _write_private_key(path: Path, key: Ed25519PrivateKey) -> None:
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    # O_EXCL: never overwrite a key; 0600 from creation on, so it is never briefly readable.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
        handle.flush()
        os.fsync(handle.fileno())


def _read_seed(path: Path) -> bytes:
    try:
        mode = path.stat().st_mode
        text = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        raise WorkspaceError(f"{path}: ML-DSA-44 key not found (the config names one)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise WorkspaceError(f"{path}: cannot read the ML-DSA-44 key: {exc}") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise WorkspaceError(
            f"{path}: permissions {stat.S_IMODE(mode):04o} are too open; expected 0600 "
            f"(run: chmod 600 {path})"
        )
    if not re.fullmatch(r"[0-9a-f]{64}", text):
        raise WorkspaceError(f"{path}: expected a 32-byte seed as 64 hex digits")
    return bytes.fromhex(text)


def _read_private_key(path: Path) -> Ed25519PrivateKey:
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise WorkspaceError(f"{path}: signing key not found") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise WorkspaceError(
            f"{path}: permissions {stat.S_IMODE(mode):04o} are too open; expected 0600 "
            f"(run: chmod 600 {path})"
        )
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (ValueError, TypeError) as exc:
        raise WorkspaceError(f"{path}: not an unencrypted PEM private key ({exc})") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise WorkspaceError(f"{path}: expected an Ed25519 key, found {type(key).__name__}")
    return key
