"""The case: one folder holding a case's settings (``fullcount.toml``) and all its
tables (``case.duckdb``). Every pipeline stage reads and writes tables here.

One process at a time writes a case. Readers may share it with other readers.

    with Case.create("my-case") as case: ...
    with Case.open("my-case") as case: ...
    with Case.open("my-case", readonly=True) as case: ...

An encrypted case (``Case.create(..., encrypt=True)``) also holds ``case.key.toml``; its
database is opened with the key derived from its passphrase (see ``keys``).
"""

from __future__ import annotations

import fcntl
import getpass
import hashlib
import json
import os
import re
import shutil
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import duckdb

from fullcount import __version__
from fullcount.case import keys
from fullcount.case.schema import MIGRATIONS, SCHEMA_VERSION, VIEWS
from fullcount.errors import CaseError, CaseLockedError
from fullcount.settings import SETTINGS_FILE, Settings, load_settings, write_new_settings

DATABASE_FILE = "case.duckdb"
LOCK_FILE = ".fullcount.lock"
TEMP_DIRECTORY = DATABASE_FILE + ".tmp"  # DuckDB's default for a database file
GENESIS_HASH = "0" * 64


def current_actor() -> str:
    """The operating-system user running this process, for the audit log."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid:{os.getuid()}"


class Case:
    """An open case. Use ``Case.create`` or ``Case.open``, ideally as a context manager."""

    def __init__(self, path: Path, con: duckdb.DuckDBPyConnection, *, readonly: bool,
                 lock_fd: int | None, encrypted: bool = False) -> None:
        self.path = path
        self.con = con
        self.readonly = readonly
        self.encrypted = encrypted
        self._key: str | None = None  # an encrypted case's database key, to reopen it
        self._lock_fd = lock_fd
        self.settings: Settings = load_settings(path)
        self.migrated_from: int | None = None
        self.apply_engine_settings()

    # -- opening and closing ------------------------------------------------------------

    @classmethod
    def create(cls, path: Path | str, *, name: str | None = None, encrypt: bool = False,
               passphrase: str | None = None) -> Case:
        """Create a new case in ``path`` (made if missing; it must not hold a case).

        With ``encrypt``, the database is encrypted with a key derived from
        ``passphrase`` (required: callers ask for it, see ``keys.new_passphrase``).
        """
        path = Path(path).resolve()
        if encrypt and not passphrase:
            raise CaseError("an encrypted case needs a passphrase")
        cls.create_check(path)
        made_dir = not path.exists()
        try:
            path.mkdir(parents=True, exist_ok=True)
            key = None
            if encrypt:
                assert passphrase is not None
                derivation = keys.KeyDerivation.new()
                key = derivation.derive(passphrase)
                derivation.write(path / keys.KEY_FILE)
            write_new_settings(path, name if name is not None else path.name)
            lock_fd = _lock(path, exclusive=True, command="init")
            con = _connect(path, readonly=False, key=key)
            case = cls(path, con, readonly=False, lock_fd=lock_fd, encrypted=encrypt)
            case._key = key
            with case.transaction():
                case._migrate(0)
                case._set_meta("case_id", str(uuid.uuid4()))
                case._set_meta("created_at", datetime.now(UTC).isoformat())
                case._set_meta("created_by", f"fullcount {__version__}")
                case.audit("init", {"path": str(path), "schema_version": SCHEMA_VERSION,
                                    "encrypted": encrypt})
        except BaseException:
            for created in (SETTINGS_FILE, DATABASE_FILE, DATABASE_FILE + ".wal", LOCK_FILE,
                            keys.KEY_FILE):
                (path / created).unlink(missing_ok=True)
            if made_dir:
                shutil.rmtree(path, ignore_errors=True)
            raise
        return case

    @staticmethod
    def create_check(path: Path | str) -> None:
        """Refuse to create a case in ``path`` if it holds one or is not a folder."""
        path = Path(path).resolve()
        if any((path / name).exists() for name in (SETTINGS_FILE, DATABASE_FILE, keys.KEY_FILE)):
            raise CaseError(
                f"{path} already holds a case",
                hint="Open it with the other commands, or choose an empty folder "
                "(`fullcount encrypt` encrypts an existing case).",
            )
        if path.exists() and not path.is_dir():
            raise CaseError(f"{path} exists and is not a folder")

    @classmethod
    def open(cls, path: Path | str, *, readonly: bool = False,
             passphrase: str | None = None) -> Case:
        """Open the case in ``path``; an older case is upgraded, a newer one refused.

        An encrypted case's passphrase is ``passphrase``, else ``$FULLCOUNT_KEY``, else
        asked for at the terminal. A wrong one changes nothing.
        """
        path = Path(path).resolve()
        _finish_rekey(path)
        if not (path / DATABASE_FILE).exists():
            hint = "Create a case with `fullcount init DIR`, or pass --case DIR."
            if (path / SETTINGS_FILE).exists():
                hint = f"{path / SETTINGS_FILE} exists but {DATABASE_FILE} does not: was it moved?"
            raise CaseError(f"{path} is not a fullcount case (no {DATABASE_FILE})", hint=hint)
        derivation = keys.read_key_derivation(path)
        key = None
        if derivation is not None:
            key = derivation.derive(keys.passphrase_for(path, passphrase))
        return cls._open(path, readonly=readonly, key=key)

    @classmethod
    def _open(cls, path: Path, *, readonly: bool, key: str | None) -> Case:
        version = _schema_version_of(path, key=key)  # first: a wrong key stops here
        if version > SCHEMA_VERSION:
            raise CaseError(
                f"{path} was made by a newer fullcount (schema v{version}; this is fullcount "
                f"{__version__}, schema v{SCHEMA_VERSION})",
                hint="Upgrade fullcount to open it; the case was not changed.",
            )
        if version < SCHEMA_VERSION and readonly:
            with cls._open(path, readonly=False, key=key):
                pass  # upgrading needs a writer; then reopen for reading
            version = SCHEMA_VERSION
        lock_fd = None if readonly else _lock(path, exclusive=True, command=_command_line())
        try:
            con = _connect(path, readonly=readonly, key=key)
            case = cls(path, con, readonly=readonly, lock_fd=lock_fd, encrypted=key is not None)
            case._key = key
            if version < SCHEMA_VERSION:
                with case.transaction():
                    case._migrate(version)
                    case.audit("migrate", {"from": version, "to": SCHEMA_VERSION})
                case.migrated_from = version
            if not readonly:  # we are the only writer: unfinished rows are from a crash
                case.discard_unfinished()
        except BaseException:
            _unlock(lock_fd)
            raise
        return case

    def close(self) -> None:
        """Checkpoint and close the database, then release the write lock."""
        if self.con is not None:
            try:
                if not self.readonly:
                    self.con.execute("CHECKPOINT")
            finally:
                self.con.close()
                self.con = None  # type: ignore[assignment]
                _unlock(self._lock_fd)
                self._lock_fd = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    # -- transactions, settings, audit --------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """Run a block as one transaction: all of it is written, or none of it."""
        self._require_writer()
        self.con.execute("BEGIN TRANSACTION")
        try:
            yield self.con
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        self.con.execute("COMMIT")

    def discard_unfinished(self, file_id: int | None = None) -> int:
        """Delete rows written for a file whose ingest never committed its ``sources`` row
        (all such files, or just ``file_id``). They were never visible; this frees them.
        Returns how many rows were deleted."""
        self._require_writer()
        deleted = 0
        for table in ("record_rows", "quarantine_rows"):
            if file_id is None:
                sql = (f"DELETE FROM {table} WHERE file_id NOT IN "
                       "(SELECT file_id FROM sources)")
                params: list[Any] = []
            else:
                sql = (f"DELETE FROM {table} WHERE file_id = ? AND file_id NOT IN "
                       "(SELECT file_id FROM sources)")
                params = [file_id]
            deleted += fetch_one(self.con, sql, params)[0]
        return deleted

    def reload_settings(self) -> Settings:
        """Re-read ``fullcount.toml`` (after a command changed it)."""
        self.settings = load_settings(self.path)
        self.apply_engine_settings()
        return self.settings

    def apply_engine_settings(self) -> None:
        """Give DuckDB the case's memory limit and thread count from ``[engine]``."""
        engine = self.settings.engine
        self.con.execute(f"SET memory_limit = '{engine.memory_limit}'")
        threads = engine.threads or os.cpu_count() or 1
        self.con.execute(f"SET threads = {int(threads)}")

    @property
    def schema_version(self) -> int:
        row = self.con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        return int(row[0]) if row else 0

    def meta(self, key: str) -> str | None:
        row = self.con.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
        return row[0] if row else None

    def audit(self, action: str, details: dict[str, Any]) -> str:
        """Append an entry to the audit log, chained to the previous entry's hash.

        Call it inside the transaction that does the work, so that the work and its
        record are written together or not at all. Returns the entry's hash.
        """
        self._require_writer()
        last = self.con.execute(
            "SELECT entry_id, hash FROM audit_log ORDER BY entry_id DESC LIMIT 1"
        ).fetchone()
        entry_id, prev_hash = (last[0] + 1, last[1]) if last else (1, GENESIS_HASH)
        at = utc_now()
        actor = current_actor()
        body = json.dumps(details, ensure_ascii=False, sort_keys=True, default=str)
        digest = entry_hash(prev_hash, entry_id, at.isoformat(), actor, action, body)
        self.con.execute(
            "INSERT INTO audit_log VALUES (?, ?, ?, ?, ?, ?, ?)",
            [entry_id, at, actor, action, body, prev_hash, digest],
        )
        # The head of the chain, so that `audit verify` sees entries deleted from the end.
        self._set_meta("audit_head_id", str(entry_id))
        self._set_meta("audit_head_hash", digest)
        return digest

    # -- encryption -----------------------------------------------------------------------

    def rekey(self, new_passphrase: str) -> None:
        """Re-encrypt the database with a key derived from ``new_passphrase``; an
        unencrypted case becomes encrypted.

        The database is copied into a new encrypted file beside it, the copy's row counts
        are checked, and only then is it renamed over the old file. A crash before that
        rename leaves the old case as it was; one just after it is completed by the next
        ``Case.open`` (see ``_finish_rekey``).
        """
        self._require_writer()
        derivation = keys.KeyDerivation.new()
        key = derivation.derive(new_passphrase)
        database = self.path / DATABASE_FILE
        pending_db, pending_key = _pending_files(self.path)
        pending_wal = pending_db.with_name(pending_db.name + ".wal")
        for leftover in (pending_db, pending_wal, pending_key):
            leftover.unlink(missing_ok=True)
        if not self.encrypted:
            keys.load_encryption(self.con, self.path / TEMP_DIRECTORY)
        source = fetch_one(self.con, "SELECT current_database()")[0]
        action = "rekey" if self.encrypted else "encrypt"
        try:
            before = self._row_counts(source)
            self.con.execute(f"ATTACH {keys.sql_string(str(pending_db))} AS rekey_target "
                             f"(ENCRYPTION_KEY '{key}')")
            try:
                self.con.execute(f'COPY FROM DATABASE "{source}" TO rekey_target')
                self.con.execute("USE rekey_target")
                try:
                    with self.transaction():
                        self.audit(action, {"kdf": "scrypt", "n": derivation.n,
                                            "r": derivation.r, "p": derivation.p})
                finally:
                    self.con.execute(f'USE "{source}"')
                after = self._row_counts("rekey_target")
                after["audit_log"] -= 1
                after["meta"] = before.get("meta", 0)  # the audit head keys may be new
                if after != before:
                    raise CaseError(f"the re-encrypted copy of {database} differs from it "
                                    f"({before} rows before, {after} after); nothing was "
                                    "changed")
                self.con.execute("CHECKPOINT rekey_target")
            finally:
                self.con.execute("DETACH rekey_target")
            if pending_wal.exists():
                raise CaseError(f"{pending_wal} was left behind; nothing was changed")
            derivation.write(pending_key)
            self.con.execute("CHECKPOINT")
        except BaseException:
            for leftover in (pending_db, pending_wal, pending_key):
                leftover.unlink(missing_ok=True)
            raise
        self.con.close()
        self.con = None  # type: ignore[assignment]
        if (self.path / (DATABASE_FILE + ".wal")).exists():  # would be replayed on the copy
            for leftover in (pending_db, pending_key):
                leftover.unlink(missing_ok=True)
            self.con = _connect(self.path, readonly=False, key=self._key)
            raise CaseError(f"{database} could not be checkpointed; nothing was changed")
        os.replace(pending_db, database)  # from here on the case has the new key
        os.replace(pending_key, self.path / keys.KEY_FILE)
        _sync_folder(self.path)
        self.con = _connect(self.path, readonly=False, key=key)
        self.encrypted, self._key = True, key
        self.apply_engine_settings()

    def _row_counts(self, catalog: str) -> dict[str, int]:
        tables = self.con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = ? "
            "ORDER BY ALL", [catalog]).fetchall()
        return {f"{schema}.{table}" if schema != "main" else table: fetch_one(
            self.con, f'SELECT count(*) FROM "{catalog}"."{schema}"."{table}"')[0]
            for schema, table in tables}

    # -- internals ------------------------------------------------------------------------

    def _require_writer(self) -> None:
        if self.readonly:
            raise CaseError(f"{self.path} was opened read-only")

    def _set_meta(self, key: str, value: str) -> None:
        self.con.execute(
            "INSERT OR REPLACE INTO meta VALUES (?, ?)", [key, value]
        )

    def _migrate(self, from_version: int) -> None:
        for migration in MIGRATIONS[from_version:]:
            self.con.execute(migration)
        self.con.execute(VIEWS)
        self._set_meta("schema_version", str(SCHEMA_VERSION))


def fetch_one(con: duckdb.DuckDBPyConnection, sql: str,
              params: list[Any] | None = None) -> tuple[Any, ...]:
    """The one row a query returns (an aggregate always returns one)."""
    row = con.execute(sql, params or []).fetchone()
    if row is None:
        raise RuntimeError(f"expected a row from: {sql.strip()[:80]}")
    return row


def fetch_dicts(con: duckdb.DuckDBPyConnection, sql: str,
                params: list[Any] | None = None) -> list[dict[str, Any]]:
    """Every row a query returns, as a dict by column name."""
    cursor = con.execute(sql, params or [])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def utc_now() -> datetime:
    """The current time in UTC, without tzinfo: the case stores naive UTC timestamps."""
    return datetime.now(UTC).replace(tzinfo=None)


def entry_hash(prev_hash: str, entry_id: int, at: str, actor: str, action: str, body: str) -> str:
    """The hash of an audit entry: SHA-256 over the previous hash and the entry's fields."""
    payload = "\x1f".join([prev_hash, str(entry_id), at, actor, action, body])
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _command_line() -> str:
    name = Path(sys.argv[0]).name if sys.argv else "python"
    return " ".join([name, *sys.argv[1:2]])


def _lock(path: Path, *, exclusive: bool, command: str) -> int:
    """Take the case's write lock (released by the OS if the process dies)."""
    lock_path = path / LOCK_FILE
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise _locked_error(path) from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, json.dumps({
        "pid": os.getpid(), "command": command, "since": datetime.now(UTC).isoformat()
    }).encode(), 0)
    return fd


def _unlock(fd: int | None) -> None:
    if fd is not None:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def _locked_error(path: Path, duckdb_message: str = "") -> CaseLockedError:
    holder: dict[str, Any] = {}
    try:
        holder = json.loads((path / LOCK_FILE).read_text() or "{}")
    except (OSError, ValueError):
        pass
    if holder.get("pid") == os.getpid():
        holder = {}  # we hold the write lock ourselves: a reader in another process blocks us
    pid = holder.get("pid")
    if pid is None:
        match = re.search(r"PID (\d+)", duckdb_message)
        pid = match.group(1) if match else "unknown"
    what = f" ({holder['command']}, since {holder['since'][:19].replace('T', ' ')} UTC)" if (
        "command" in holder and "since" in holder) else ""
    return CaseLockedError(
        f"case {path} is locked by PID {pid}{what}",
        hint="Another fullcount process is using this case; wait for it to finish and "
        "try again.",
    )


def _connect(path: Path, *, readonly: bool, key: str | None = None
             ) -> duckdb.DuckDBPyConnection:
    """A connection to the case's database; an encrypted one (``key``) is attached to an
    in-memory connection that has the encryption extension and encrypts its spill files."""
    database = path / DATABASE_FILE
    try:
        if key is None:
            con = duckdb.connect(str(database), read_only=readonly)
        else:
            con = duckdb.connect(":memory:", config=keys.NO_EXTENSION_DOWNLOADS)
            try:
                keys.load_encryption(con, path / TEMP_DIRECTORY)
                options = "READ_ONLY, " if readonly else ""
                con.execute(f'ATTACH {keys.sql_string(str(database))} AS "case" '
                            f"({options}ENCRYPTION_KEY '{key}')")
                con.execute('USE "case"')
            except BaseException:
                con.close()
                raise
        con.execute("SET enable_progress_bar = false")  # fullcount draws its own
        return con
    except duckdb.IOException as exc:
        if keys.is_wrong_key(exc):
            raise CaseError(f"wrong passphrase for case {path}",
                            hint="Nothing was changed. Check the passphrase (or "
                            f"${keys.PASSPHRASE_ENV}) and try again.") from None
        if "lock" in str(exc).lower():
            raise _locked_error(path, str(exc)) from None
        raise CaseError(f"cannot open {database}: {exc}") from exc
    except duckdb.Error as exc:
        if key is None and "encrypted" in str(exc).lower():
            raise CaseError(f"{database} is encrypted but {path / keys.KEY_FILE} is missing",
                            hint="Restore that file from a backup of the case folder.") from None
        raise CaseError(f"{database} is not a readable case database: {exc}") from exc


def _schema_version_of(path: Path, *, key: str | None = None) -> int:
    """Read a case's schema version without taking its write lock."""
    con = _connect(path, readonly=True, key=key)
    try:
        row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    except duckdb.CatalogException:
        return 0
    finally:
        con.close()
    return int(row[0]) if row else 0


def _pending_files(path: Path) -> tuple[Path, Path]:
    """The database and key file a rekey writes before swapping them in."""
    return (path / (DATABASE_FILE + keys.PENDING), path / (keys.KEY_FILE + keys.PENDING))


def _finish_rekey(path: Path) -> None:
    """Settle a rekey that was interrupted: before its database was swapped in, drop its
    files (the old case stands); after, put its key file in place too."""
    pending_db, pending_key = _pending_files(path)
    if not (pending_db.exists() or pending_key.exists()):
        return
    try:
        lock_fd = _lock(path, exclusive=True, command="rekey recovery")
    except CaseLockedError:
        return  # a rekey may be running now: leave its files alone
    try:
        if pending_db.exists() or not pending_key.exists():
            for leftover in (pending_db, pending_db.with_name(pending_db.name + ".wal"),
                             pending_key):
                leftover.unlink(missing_ok=True)
        else:
            os.replace(pending_key, path / keys.KEY_FILE)
            _sync_folder(path)
    finally:
        _unlock(lock_fd)


def _sync_folder(path: Path) -> None:
    """Make renames in ``path`` durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
