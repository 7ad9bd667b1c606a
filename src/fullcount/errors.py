"""Errors that speak to the user.

Every failure a user can cause or fix is a ``FullcountError`` carrying what went wrong
and what to do; the CLI prints it as one message with a non-zero exit code.
"""

from __future__ import annotations


class FullcountError(Exception):
    """An error with a message for the user and, optionally, what to do about it."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n{self.hint}"


class CaseError(FullcountError):
    """The case folder or its database is missing, locked, or of another version."""


class CaseLockedError(CaseError):
    """Another process is writing to the case."""


class SettingsError(FullcountError):
    """``fullcount.toml`` is invalid; the message names the key and the allowed values."""


class IngestError(FullcountError):
    """A source file cannot be ingested at all (no row-level problem: those are quarantined)."""
