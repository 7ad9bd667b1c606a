"""Reviewers' decisions on pairs of records: the must-links and cannot-links clustering
honours. Every decision and every undo is written to the audit log; nothing is deleted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from fullcount.errors import FullcountError

if TYPE_CHECKING:
    from datetime import datetime

    from fullcount.case import Case

DECISIONS = ("match", "non_match", "unsure")


@dataclass(frozen=True)
class Decision:
    decision_id: int
    record_id_l: int
    record_id_r: int
    decision: str
    reviewer: str
    decided_at: datetime
    note: str | None


def record_decision(case: Case, a: int, b: int, decision: str, *, reviewer: str,
                    note: str | None = None) -> Decision:
    """Record that records ``a`` and ``b`` are (``match``), are not (``non_match``) or may
    be (``unsure``) the same person. It applies at the next clustering."""
    from fullcount.case import fetch_one, utc_now

    if decision not in DECISIONS:
        raise FullcountError(f"'{decision}' is not a decision",
                             hint=f"Use one of: {', '.join(DECISIONS)}.")
    if a == b:
        raise FullcountError("a decision needs two different records")
    if not reviewer.strip():
        raise FullcountError("a decision needs the reviewer's name")
    left, right = min(a, b), max(a, b)
    found = fetch_one(case.con, "SELECT count(*) FROM current_records "
                                "WHERE record_id IN (?, ?)", [left, right])[0]
    if found != 2:
        raise FullcountError(f"records {left} and {right} are not both current records")
    with case.transaction():
        decision_id = fetch_one(case.con, "SELECT coalesce(max(decision_id), 0) + 1 "
                                          "FROM decisions")[0]
        at = utc_now()
        case.con.execute("""
            INSERT INTO decisions (decision_id, record_id_l, record_id_r, decision, reviewer,
                                   decided_at, note)
            VALUES (?, ?, ?, ?, ?, ?, ?)""",
            [decision_id, left, right, decision, reviewer.strip(), at, note])
        case.audit("decision", {"decision_id": decision_id, "record_id_l": left,
                                "record_id_r": right, "decision": decision,
                                "reviewer": reviewer.strip(), "note": note})
    return Decision(decision_id, left, right, decision, reviewer.strip(), at, note)


def withdraw_decision(case: Case, decision_id: int, *, reviewer: str) -> None:
    """Undo a decision: it stops counting (the pair's previous decision, if any, counts
    again). The decision stays in the case, marked withdrawn."""
    from fullcount.case import fetch_one, utc_now

    row = fetch_one(case.con, "SELECT withdrawn_at FROM decisions WHERE decision_id = ?",
                    [decision_id]) if _exists(case, decision_id) else None
    if row is None:
        raise FullcountError(f"there is no decision {decision_id}")
    if row[0] is not None:
        raise FullcountError(f"decision {decision_id} is already withdrawn")
    with case.transaction():
        case.con.execute("UPDATE decisions SET withdrawn_at = ? WHERE decision_id = ?",
                         [utc_now(), decision_id])
        case.audit("decision_withdrawn", {"decision_id": decision_id,
                                          "reviewer": reviewer.strip()})


def _exists(case: Case, decision_id: int) -> bool:
    from fullcount.case import fetch_one

    return bool(fetch_one(case.con, "SELECT count(*) FROM decisions WHERE decision_id = ?",
                          [decision_id])[0])


def current_decisions(case: Case) -> list[Decision]:
    """The decision that counts for each decided pair, oldest first."""
    rows = case.con.execute("""
        SELECT decision_id, record_id_l, record_id_r, decision, reviewer, decided_at, note
        FROM current_decisions ORDER BY decided_at, decision_id""").fetchall()
    return [Decision(*row) for row in rows]


def decision_counts(case: Case) -> dict[str, int]:
    """How many pairs each decision holds for now (withdrawn ones left out), every
    decision named, zeros included."""
    counts = dict(case.con.execute(
        "SELECT decision, count(*) FROM current_decisions GROUP BY decision").fetchall())
    return {name: int(counts.get(name, 0)) for name in DECISIONS}


def unapplied_decisions(case: Case) -> int:
    """Decisions made, or earlier ones withdrawn, since the register was last clustered:
    what the next `fullcount link` (or "apply" on the review page) takes into account. A
    decision both made and withdrawn since then counts for nothing."""
    from fullcount.case import fetch_one

    last = fetch_one(case.con, "SELECT max(logged_at) FROM audit_log "
                               "WHERE action = 'link'")[0]
    if last is None:
        return int(fetch_one(case.con, "SELECT count(*) FROM decisions "
                                       "WHERE withdrawn_at IS NULL")[0])
    return int(fetch_one(case.con, """
        SELECT count(*) FROM decisions
        WHERE (withdrawn_at IS NULL AND decided_at > ?)
           OR (withdrawn_at > ? AND decided_at <= ?)""", [last, last, last])[0])


def last_decision(case: Case, reviewer: str) -> Decision | None:
    """The most recent decision of ``reviewer`` that still counts (not withdrawn): what
    "undo" withdraws."""
    row = case.con.execute("""
        SELECT decision_id, record_id_l, record_id_r, decision, reviewer, decided_at, note
        FROM decisions WHERE reviewer = ? AND withdrawn_at IS NULL
        ORDER BY decided_at DESC, decision_id DESC LIMIT 1""", [reviewer.strip()]).fetchone()
    return Decision(*row) if row else None
