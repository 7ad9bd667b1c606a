"""The case: one folder holding a case's settings (``fullcount.toml``) and all its
tables (``case.duckdb``). Every pipeline stage reads and writes tables here.

One process at a time writes a case. Readers may share it with other readers.

    with Case.create("my-case") as case: ...
    with Case.open("my-case") as case: ...
    with Case.open("my-case", readonly=True) as case: ...
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
from fullcount.case.schema import MIGRATIONS, SCHEMA_VERSION, VIEWS
from fullcount.errors import CaseError, CaseLockedError
from fullcount.settings import SETTINGS_FILE, Settings, load_settings, write_new_settings

DATABASE_FILE = "case.duckdb"
LOCK_FILE = ".fullcount.lock"
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
                 lock_fd: int | None) -> None:
        self.path = path
        self.con = con
        self.readonly = readonly
        self._lock_fd = lock_fd
        self.settings: Settings = load_settings(path)
        self.migrated_from: int | None = None
        self.apply_engine_settings()

    # -- opening and closing ------------------------------------------------------------

    @classmethod
    def create(cls, path: Path | str, *, name: str | None = None) -> Case:
        """Create a new case in ``path`` (made if missing; it must not hold a case)."""
        path = Path(path).resolve()
        if (path / SETTINGS_FILE).exists() or (path / DATABASE_FILE).exists():
            raise CaseError(
                f"{path} already holds a case",
                hint="Open it with the other commands, or choose an empty folder.",
            )
        if path.exists() and not path.is_dir():
            raise CaseError(f"{path} exists and is not a folder")
        made_dir = not path.exists()
        try:
            path.mkdir(parents=True, exist_ok=True)
            write_new_settings(path, name if name is not None else path.name)
            lock_fd = _lock(path, exclusive=True, command="init")
            con = _connect(path, readonly=False)
            case = cls(path, con, readonly=False, lock_fd=lock_fd)
            with case.transaction():
                case._migrate(0)
                case._set_meta("case_id", str(uuid.uuid4()))
                case._set_meta("created_at", datetime.now(UTC).isoformat())
                case._set_meta("created_by", f"fullcount {__version__}")
                case.audit("init", {"path": str(path), "schema_version": SCHEMA_VERSION})
        except BaseException:
            for created in (SETTINGS_FILE, DATABASE_FILE, DATABASE_FILE + ".wal", LOCK_FILE):
                (path / created).unlink(missing_ok=True)
            if made_dir:
                shutil.rmtree(path, ignore_errors=True)
            raise
        return case

    @classmethod
    def open(cls, path: Path | str, *, readonly: bool = False) -> Case:
        """Open the case in ``path``; an older case is upgraded, a newer one refused."""
        path = Path(path).resolve()
        if not (path / DATABASE_FILE).exists():
            hint = "Create a case with `fullcount init DIR`, or pass --case DIR."
            if (path / SETTINGS_FILE).exists():
                hint = f"{path / SETTINGS_FILE} exists but {DATABASE_FILE} does not: was it moved?"
            raise CaseError(f"{path} is not a fullcount case (no {DATABASE_FILE})", hint=hint)
        version = _schema_version_of(path)
        if version > SCHEMA_VERSION:
            raise CaseError(
                f"{path} was made by a newer fullcount (schema v{version}; this is fullcount "
                f"{__version__}, schema v{SCHEMA_VERSION})",
                hint="Upgrade fullcount to open it; the case was not changed.",
            )
        if version < SCHEMA_VERSION and readonly:
            with cls.open(path, readonly=False):
                pass  # upgrading needs a writer; then reopen for reading
            version = SCHEMA_VERSION
        lock_fd = None if readonly else _lock(path, exclusive=True, command=_command_line())
        try:
            con = _connect(path, readonly=readonly)
            case = cls(path, con, readonly=readonly, lock_fd=lock_fd)
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
        return digest

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


def _connect(path: Path, *, readonly: bool) -> duckdb.DuckDBPyConnection:
    try:
        con = duckdb.connect(str(path / DATABASE_FILE), read_only=readonly)
        con.execute("SET enable_progress_bar = false")  # fullcount draws its own
        return con
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise _locked_error(path, str(exc)) from None
        raise CaseError(f"cannot open {path / DATABASE_FILE}: {exc}") from exc
    except duckdb.Error as exc:
        raise CaseError(
            f"{path / DATABASE_FILE} is not a readable case database: {exc}"
        ) from exc


def _schema_version_of(path: Path) -> int:
    """Read a case's schema version without taking its write lock."""
    try:
        con = duckdb.connect(str(path / DATABASE_FILE), read_only=True)
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise _locked_error(path, str(exc)) from None
        raise CaseError(f"cannot open {path / DATABASE_FILE}: {exc}") from exc
    except duckdb.Error as exc:
        raise CaseError(f"{path / DATABASE_FILE} is not a readable case database: {exc}") from exc
    try:
        row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    except duckdb.CatalogException:
        return 0
    finally:
        con.close()
    return int(row[0]) if row else 0
