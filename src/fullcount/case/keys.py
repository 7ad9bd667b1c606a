"""Encryption at rest: the passphrase, the key derived from it, and how DuckDB gets it.

An encrypted case is a case folder holding ``case.key.toml``: the salt and scrypt
parameters its database key is derived from (never the key). The database is then
written by DuckDB's own encryption (AES-GCM), which needs the httpfs extension
(OpenSSL) loaded from the installed ``duckdb-ext-httpfs`` package: nothing is
downloaded, and extension auto-install and auto-load are switched off.

The salt lives in its own file rather than in ``fullcount.toml`` because it is not a
setting: nobody should edit it, and ``fullcount rekey`` replaces it atomically without
rewriting the user's settings and comments.
"""

from __future__ import annotations

import getpass
import hashlib
import os
import secrets
import sys
import tomllib
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import duckdb

from fullcount.errors import CaseError

KEY_FILE = "case.key.toml"
PASSPHRASE_ENV = "FULLCOUNT_KEY"
NEW_PASSPHRASE_ENV = "FULLCOUNT_NEW_KEY"
MIN_PASSPHRASE = 8
PENDING = ".rekey"  # suffix of the files a rekey writes before it swaps them in

# scrypt at N=2^17, r=8, p=1 needs 128 MiB and takes about 0.3 s here: each guess at a
# stolen case costs an attacker the same. (RFC 7914; OWASP's floor is N=2^17.)
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**17, 8, 1
KEY_BYTES = 32

# Connections that may hold an encrypted database never fetch or auto-load extensions.
NO_EXTENSION_DOWNLOADS: dict[str, str | bool | int | float | list[str]] = {
    "autoinstall_known_extensions": False, "autoload_known_extensions": False}


@dataclass(frozen=True)
class KeyDerivation:
    """How a case's database key is derived from its passphrase (scrypt)."""

    salt: bytes
    n: int = SCRYPT_N
    r: int = SCRYPT_R
    p: int = SCRYPT_P

    @classmethod
    def new(cls) -> KeyDerivation:
        return cls(salt=secrets.token_bytes(16))

    def derive(self, passphrase: str) -> str:
        """The database key for ``passphrase``, as hex (DuckDB takes a string)."""
        secret = unicodedata.normalize("NFC", passphrase).encode("utf-8")
        key = hashlib.scrypt(secret, salt=self.salt, n=self.n, r=self.r, p=self.p,
                             maxmem=256 * self.n * self.r + 2**20, dklen=KEY_BYTES)
        return key.hex()

    def write(self, target: Path) -> None:
        """Write the parameters to ``target`` (via a temporary file and a rename)."""
        text = (
            "# fullcount: this case's database is encrypted. This file says how its key is\n"
            "# derived from the passphrase; it holds no key. Do not edit or delete it: without\n"
            "# it the case cannot be opened. `fullcount rekey` rewrites it.\n"
            "[encryption]\n"
            'kdf = "scrypt"\n'
            f"n = {self.n}\nr = {self.r}\np = {self.p}\n"
            f'salt = "{self.salt.hex()}"\n'
        )
        partial = target.with_name(target.name + ".partial")
        with open(partial, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, target)


def read_key_derivation(case_path: Path) -> KeyDerivation | None:
    """The case's key derivation, or None if the case is not encrypted."""
    path = case_path / KEY_FILE
    if not path.exists():
        return None
    try:
        section = tomllib.loads(path.read_text(encoding="utf-8"))["encryption"]
        if section.get("kdf") != "scrypt":
            raise ValueError(f"kdf must be 'scrypt', not {section.get('kdf')!r}")
        return KeyDerivation(salt=bytes.fromhex(section["salt"]), n=int(section["n"]),
                             r=int(section["r"]), p=int(section["p"]))
    except (OSError, ValueError, KeyError, TypeError, tomllib.TOMLDecodeError) as exc:
        raise CaseError(f"{path} is damaged: {exc}",
                        hint="Restore it from a backup of the case folder; the key "
                        "cannot be derived without it.") from exc


def passphrase_for(case_path: Path, passphrase: str | None = None) -> str:
    """The passphrase of an encrypted case: given, else $FULLCOUNT_KEY, else asked for
    (hidden) when a person is at the terminal."""
    if passphrase is not None:
        return passphrase
    if os.environ.get(PASSPHRASE_ENV):
        return os.environ[PASSPHRASE_ENV]
    if at_terminal():
        return getpass.getpass(f"Passphrase for case {case_path}: ")
    raise CaseError(f"case {case_path} is encrypted: set {PASSPHRASE_ENV} or run in a "
                    "terminal", hint="The passphrase is asked for only when a person can "
                    "type it.")


def at_terminal() -> bool:
    """Whether a person can type a passphrase (getpass reads the terminal, not a pipe)."""
    return sys.stdin is not None and sys.stdin.isatty()


def new_passphrase(env: str, *, what: str = "new passphrase") -> str:
    """A new passphrase: from ``env`` if set, else typed twice (hidden)."""
    passphrase = os.environ.get(env) or ""
    if not passphrase:
        if not at_terminal():
            raise CaseError(f"no {what}: set {env} or run in a terminal")
        passphrase = getpass.getpass(f"{what.capitalize()}: ")
        if getpass.getpass(f"{what.capitalize()} again: ") != passphrase:
            raise CaseError("the two passphrases differ; nothing was changed")
    if len(passphrase) < MIN_PASSPHRASE:
        raise CaseError(f"the {what} is too short (fewer than {MIN_PASSPHRASE} characters)",
                        hint="A few words long is good; it cannot be recovered if lost.")
    return passphrase


def httpfs_extension() -> Path:
    """The httpfs extension file from the installed ``duckdb-ext-httpfs`` package."""
    try:
        import duckdb_ext  # a namespace package: the extension files only

        roots = [Path(p) for p in duckdb_ext.__path__]
    except ImportError:
        roots = []
    platform = duckdb.execute("PRAGMA platform").fetchone()
    for root in roots:
        found = root / "extensions" / f"v{duckdb.__version__}" / str(
            platform[0] if platform else "") / "httpfs.duckdb_extension"
        if found.is_file():
            return found
    raise CaseError(
        f"encrypted cases need DuckDB's httpfs extension for duckdb {duckdb.__version__}, "
        "which is not installed",
        hint=f"pip install 'duckdb-ext-httpfs=={duckdb.__version__}.*' (it ships the "
        "extension; nothing is downloaded at run time).")


def load_encryption(con: duckdb.DuckDBPyConnection, temp_directory: Path | None = None) -> None:
    """Make ``con`` able to write encrypted databases, and encrypt its spill files."""
    con.execute(f"LOAD {sql_string(str(httpfs_extension()))}")
    if temp_directory is not None:
        con.execute(f"SET temp_directory = {sql_string(str(temp_directory))}")
    # Off by default: without it DuckDB spills plaintext (measured).
    con.execute("SET temp_file_encryption = true")


def sql_string(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def is_wrong_key(exc: duckdb.Error) -> bool:
    return "encryption key" in str(exc).lower()
