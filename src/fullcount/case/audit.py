"""Checking the case's audit log: every entry's hash is recomputed and the chain of
hashes followed, so that an edited, deleted or reordered entry is found and named.

Each entry's hash covers the previous entry's hash and its own fields (see
``fullcount.case.entry_hash``). An entry whose stored fields no longer give its hash was
edited; an entry whose ``prev_hash`` is not its predecessor's hash lost its link (entries
deleted before it, or moved). Deleting the last entries leaves a shorter chain that is
still whole: only an anchor kept outside the log (the head hash in ``meta``) reveals it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from fullcount.case import GENESIS_HASH, Case, entry_hash

# Where a case may record the hash and id of the last audit entry it wrote (an anchor
# outside the chain, so that cutting entries off the end is detected too).
HEAD_HASH_KEY = "audit_head_hash"
HEAD_ID_KEY = "audit_head_id"


@dataclass(frozen=True)
class AuditEntry:
    """One entry of the audit log, as stored."""

    entry_id: int
    logged_at: datetime
    actor: str
    action: str
    details: str  # the JSON text that was hashed
    prev_hash: str
    hash: str

    def recomputed_hash(self, *, entry_id: int | None = None, prev_hash: str | None = None,
                        ) -> str:
        """The hash these fields give (optionally as if at another id or after another
        entry)."""
        return entry_hash(self.prev_hash if prev_hash is None else prev_hash,
                          self.entry_id if entry_id is None else entry_id,
                          self.logged_at.isoformat(), self.actor, self.action, self.details)

    def summary(self, width: int = 100) -> str:
        """The details on one line, ``key=value`` pairs, cut to ``width`` characters."""
        try:
            parsed = json.loads(self.details)
        except ValueError:
            parsed = self.details
        if isinstance(parsed, dict):
            text = ", ".join(f"{k}={_short(v)}" for k, v in parsed.items())
        else:
            text = _short(parsed)
        text = " ".join(text.split())
        return text if len(text) <= width else text[: width - 1] + "…"

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["logged_at"] = self.logged_at.isoformat()
        try:
            data["details"] = json.loads(self.details)
        except ValueError:
            pass
        return data


@dataclass(frozen=True)
class AuditProblem:
    """Something wrong with the chain, at one entry (or where entries are missing)."""

    entry_id: int | None
    action: str | None
    kind: str  # edited | link_broken | missing | moved | head_mismatch
    message: str


@dataclass
class AuditReport:
    """What ``verify_audit`` found: entries checked, the head of the chain, problems."""

    entries: int
    head_hash: str | None
    head_entry_id: int | None
    anchored: bool  # whether the case stores the head hash, so truncation is detectable
    problems: list[AuditProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "entries": self.entries, "head_hash": self.head_hash,
                "head_entry_id": self.head_entry_id, "anchored": self.anchored,
                "problems": [asdict(p) for p in self.problems]}


def audit_entries(case: Case, *, action: str | None = None,
                  limit: int | None = None) -> list[AuditEntry]:
    """Entries of the audit log in order (only ``action``'s; the last ``limit``)."""
    where = "WHERE action = ?" if action else ""
    params: list[Any] = [action] if action else []
    sql = (f"SELECT entry_id, logged_at, actor, action, details::VARCHAR, prev_hash, hash "
           f"FROM audit_log {where} ORDER BY entry_id")
    if limit is not None:
        sql = f"SELECT * FROM ({sql} DESC LIMIT {int(limit)}) ORDER BY entry_id"
    return [AuditEntry(*row) for row in case.con.execute(sql, params).fetchall()]


def verify_audit(case: Case) -> AuditReport:
    """Recompute every entry's hash and follow the chain; name each entry that was
    edited, moved, or has entries missing before it, and compare the last entry with
    the head hash the case stored (when it stores one)."""
    entries = audit_entries(case)
    at_hash = {entry.hash: entry for entry in entries}
    problems: list[AuditProblem] = []
    previous: AuditEntry | None = None
    previous_moved = False
    for entry in entries:
        found = _check_entry(entry, previous, at_hash)
        if previous_moved:  # its successor's broken link says nothing more
            found = [p for p in found if p.kind != "link_broken"]
        problems.extend(found)
        previous, previous_moved = entry, any(p.kind == "moved" for p in found)
    head = entries[-1] if entries else None
    stored_hash, stored_id = case.meta(HEAD_HASH_KEY), case.meta(HEAD_ID_KEY)
    if stored_hash is not None and (head is None or head.hash != stored_hash):
        problems.append(AuditProblem(
            head.entry_id if head else None, head.action if head else None,
            "head_mismatch",
            f"the last entry ({_name(head) if head else 'none'}) is not the one the case "
            f"recorded as last (entry {stored_id}, hash {stored_hash[:16]}…): entries "
            "at the end were deleted or replaced"))
    return AuditReport(len(entries), head.hash if head else None,
                       head.entry_id if head else None, stored_hash is not None, problems)


def _check_entry(entry: AuditEntry, previous: AuditEntry | None,
                 at_hash: dict[str, AuditEntry]) -> list[AuditProblem]:
    """The problems at ``entry``, given the entry stored before it (``None``: first)."""
    problems: list[AuditProblem] = []

    def problem(kind: str, message: str, at: AuditEntry = entry) -> None:
        problems.append(AuditProblem(at.entry_id, at.action, kind, message))

    expected_id = previous.entry_id + 1 if previous else 1
    expected_prev = previous.hash if previous else GENESIS_HASH
    if entry.recomputed_hash() != entry.hash:
        written_at = _written_at(entry)
        if written_at is not None:
            problem("moved", f"{_name(entry)} was written as entry {written_at}: entries "
                    "were reordered or renumbered")
            return problems
        problem("edited", f"{_name(entry)} was changed after it was written: its fields no "
                "longer give its hash")
    predecessor = at_hash.get(entry.prev_hash)
    if entry.entry_id > expected_id:
        missing = (f"entry {expected_id}" if entry.entry_id == expected_id + 1
                   else f"entries {expected_id}-{entry.entry_id - 1}")
        problem("missing", f"{missing} deleted (the log jumps to {_name(entry)})")
    elif entry.prev_hash != expected_prev:
        if expected_prev == GENESIS_HASH:
            problem("link_broken", f"{_name(entry)} is first in the log but does not start "
                    "the chain: the entries before it were deleted")
        elif predecessor is not None:
            problem("link_broken", f"{_name(entry)} follows entry {predecessor.entry_id} in "
                    "the chain, not the entry before it: entries were reordered")
        elif previous is not None and previous.recomputed_hash() == previous.hash:
            problem("edited", f"{_name(previous)} was changed and its hash recomputed, or "
                    f"replaced: entry {entry.entry_id} links to a different entry "
                    f"{previous.entry_id}", at=previous)
        else:
            problem("link_broken", f"{_name(entry)} does not link to the entry before it")
    return problems


def _written_at(entry: AuditEntry, search: int = 64) -> int | None:
    """The id an entry was written under, when its fields give its hash at another id
    near its own (it was moved); ``None`` if none does."""
    for offset in range(1, search + 1):
        for candidate in (entry.entry_id - offset, entry.entry_id + offset):
            if candidate >= 1 and entry.recomputed_hash(entry_id=candidate) == entry.hash:
                return candidate
    return None


def _name(entry: AuditEntry) -> str:
    return f"entry {entry.entry_id} ({entry.action}, {entry.logged_at:%Y-%m-%d %H:%M:%S})"


def _short(value: Any) -> str:
    if isinstance(value, dict | list):
        text = json.dumps(value, ensure_ascii=False, default=str)
        return text if len(text) <= 40 else text[:39] + "…"
    return str(value)
