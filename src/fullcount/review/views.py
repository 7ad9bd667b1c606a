"""What the review pages show, read from the case: two records side by side, one entity's
records, and the summary of a review. Also the one change a page makes beyond a single
decision: splitting an entity.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from fullcount.case import fetch_dicts
from fullcount.errors import FullcountError
from fullcount.link.decisions import record_decision
from fullcount.link.explain import PairExplanation, explain_pair

if TYPE_CHECKING:
    from fullcount.case import Case

# Fields shown side by side: (label, column as written, normalised column(s)).
_FIELDS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("Name", "full_name", ("name_latin",)),
    ("Given name", "given_name", ("given_key",)),
    ("Family name", "family_name", ("family_key",)),
    ("Father's name", "father_name", ("father_key",)),
    ("Sex", "sex", ("sex_code",)),
    ("Age", "age", ("age_min", "age_max")),
    ("Date of death", "date_of_death", ("date_iso", "date_precision", "date_calendar")),
    ("Place", "place", ("place_canonical",)),
    ("Province", "province", ("province_canonical",)),
    ("Notes", "notes", ()),
)

_RECORD_COLUMNS = ("record_id, source, row_number, line_number, full_name, given_name, "
                   "family_name, father_name, sex, age, age_min, age_max, date_of_death, "
                   "place, province, notes, raw, flags, name_latin, given_key, family_key, "
                   "father_key, sex_code, date_iso, date_precision, date_calendar, "
                   "place_canonical, province_canonical")


def records(case: Case, record_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Current records by id, every field as written and normalised, with their entity."""
    if not record_ids:
        return {}
    marks = ", ".join("?" * len(record_ids))
    rows = fetch_dicts(case.con, f"""
        SELECT {_RECORD_COLUMNS}, e.entity_id FROM current_records
        LEFT JOIN entity_records e USING (record_id)
        WHERE record_id IN ({marks}) ORDER BY source, row_number""", list(record_ids))
    for row in rows:
        row["raw"] = json.loads(row["raw"]) if row["raw"] else {}
        if not isinstance(row["raw"], dict):   # a JSON-lines row that was a list
            row["raw"] = {str(i + 1): v for i, v in enumerate(row["raw"])}
    return {int(row["record_id"]): row for row in rows}


def _normalised(record: dict[str, Any], columns: tuple[str, ...]) -> str:
    if columns == ("age_min", "age_max"):
        lo, hi = record["age_min"], record["age_max"]
        return "" if lo is None else str(lo) if lo == hi else f"{lo}–{hi}"
    if columns and columns[0] == "date_iso":
        day, precision, calendar = (record[c] for c in columns)
        if day is None:
            return ""
        extra = [x for x in (precision if precision != "day" else None, calendar) if x]
        return f"{day}" + (f" ({', '.join(extra)})" if extra else "")
    return " ".join(str(record[c]) for c in columns if record[c] not in (None, ""))


@dataclass
class FieldRow:
    label: str
    left: str
    right: str
    left_normalised: str
    right_normalised: str
    differs: bool          # both sides known and their normalised values differ


@dataclass
class PairView:
    left: dict[str, Any]
    right: dict[str, Any]
    fields: list[FieldRow]
    explanation: PairExplanation
    members_left: list[dict[str, Any]] = field(default_factory=list)
    members_right: list[dict[str, Any]] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)
    current_decision: str | None = None


def pair_view(case: Case, a: int, b: int) -> PairView:
    """Two records side by side, why the model scores them as it does, and the other
    records of each one's entity."""
    left_id, right_id = min(a, b), max(a, b)
    found = records(case, [left_id, right_id])
    missing = [i for i in (left_id, right_id) if i not in found]
    if missing:
        raise FullcountError(f"there is no current record with id {missing[0]}")
    left, right = found[left_id], found[right_id]
    rows = []
    for label, written, normalised in _FIELDS:
        ln, rn = _normalised(left, normalised), _normalised(right, normalised)
        rows.append(FieldRow(label, left[written] or "", right[written] or "", ln, rn,
                             bool(ln and rn and ln.casefold() != rn.casefold())))
    history = fetch_dicts(case.con, """
        SELECT decision_id, decision, reviewer, decided_at, note, withdrawn_at
        FROM decisions WHERE record_id_l = ? AND record_id_r = ?
        ORDER BY decided_at, decision_id""", [left_id, right_id])
    current = case.con.execute(
        "SELECT decision FROM current_decisions WHERE record_id_l = ? AND record_id_r = ?",
        [left_id, right_id]).fetchone()
    return PairView(left, right, rows, explain_pair(case, left_id, right_id),
                    entity_members(case, left.get("entity_id"), exclude=(left_id, right_id)),
                    entity_members(case, right.get("entity_id"), exclude=(left_id, right_id))
                    if right.get("entity_id") != left.get("entity_id") else [],
                    history, current[0] if current else None)


def entity_members(case: Case, entity_id: int | None,
                   exclude: tuple[int, ...] = ()) -> list[dict[str, Any]]:
    """The records of one entity, in source order (those in ``exclude`` left out)."""
    if entity_id is None:
        return []
    ids = [int(r[0]) for r in case.con.execute(
        "SELECT record_id FROM entity_records WHERE entity_id = ?", [entity_id]).fetchall()]
    members = records(case, [i for i in ids if i not in exclude])
    return sorted(members.values(), key=lambda r: (r["source"], r["row_number"]))


@dataclass
class EntityView:
    entity_id: int
    members: list[dict[str, Any]]
    # match probability of each stored pair inside the entity, by (record_l, record_r)
    probabilities: dict[tuple[int, int], float]
    decisions: dict[tuple[int, int], str]
    summary: dict[str, Any]


def entity_view(case: Case, entity_id: int) -> EntityView:
    members = entity_members(case, entity_id)
    if not members:
        raise FullcountError(f"there is no entity {entity_id}",
                             hint="Entities are numbered again whenever decisions are "
                                  "applied; open it from the queue or a pair.")
    ids = [m["record_id"] for m in members]
    marks = ", ".join("?" * len(ids))
    probabilities = {(int(a), int(b)): float(p) for a, b, p in case.con.execute(f"""
        SELECT record_id_l, record_id_r, match_probability FROM pairs
        WHERE record_id_l IN ({marks}) AND record_id_r IN ({marks})""",
        ids + ids).fetchall()}
    decisions = {(int(a), int(b)): str(d) for a, b, d in case.con.execute(f"""
        SELECT record_id_l, record_id_r, decision FROM current_decisions
        WHERE record_id_l IN ({marks}) AND record_id_r IN ({marks})""",
        ids + ids).fetchall()}
    summary = fetch_dicts(case.con, "SELECT * FROM entities WHERE entity_id = ?", [entity_id])
    return EntityView(entity_id, members, probabilities, decisions,
                      summary[0] if summary else {})


def split_entity(case: Case, entity_id: int, moved: list[int], *, reviewer: str,
                 note: str | None = None) -> int:
    """Split an entity: the records in ``moved`` are not the same person as the others.

    Written as a "not a match" decision for every pair across the cut (an entity has a
    handful of records, so these are few); applied at the next clustering like any
    decision. Returns the number of decisions written."""
    ids = {m["record_id"] for m in entity_members(case, entity_id)}
    moved_set = set(moved)
    if not moved_set or not moved_set <= ids:
        raise FullcountError("choose some, not all, of this entity's records to split off")
    staying = ids - moved_set
    if not staying:
        raise FullcountError("choose some, not all, of this entity's records to split off",
                             hint="The records you leave unticked stay together.")
    why = note or f"split of entity {entity_id}"
    count = 0
    for a in sorted(moved_set):
        for b in sorted(staying):
            record_decision(case, a, b, "non_match", reviewer=reviewer, note=why)
            count += 1
    return count


def review_summary(case: Case, entities_at_start: int | None = None) -> dict[str, Any]:
    """Decisions made (by kind and reviewer), people before and after, pending work."""
    from fullcount.case import fetch_one
    from fullcount.link.decisions import decision_counts, unapplied_decisions

    reviewers = fetch_dicts(case.con, """
        SELECT reviewer,
               count(*) FILTER (WHERE decision = 'match') AS match,
               count(*) FILTER (WHERE decision = 'non_match') AS non_match,
               count(*) FILTER (WHERE decision = 'unsure') AS unsure,
               count(*) FILTER (WHERE withdrawn_at IS NOT NULL) AS withdrawn,
               min(decided_at) AS first, max(decided_at) AS last
        FROM decisions GROUP BY reviewer ORDER BY count(*) DESC, reviewer""", [])
    runs = []
    for logged_at, details in case.con.execute(
            "SELECT logged_at, details FROM audit_log WHERE action = 'link' "
            "ORDER BY entry_id").fetchall():
        info = json.loads(details)
        applied = info.get("decisions_applied") or {}
        runs.append({"at": logged_at, "mode": info.get("mode"),
                     "entities": info.get("entities"),
                     "match": applied.get("match", 0),
                     "non_match": applied.get("non_match", 0)})
    now = fetch_one(case.con, "SELECT count(*) FROM entities")[0]
    before = next((r["entities"] for r in runs
                   if not r["match"] and not r["non_match"]), None)
    total, withdrawn = fetch_one(case.con, "SELECT count(*), count(withdrawn_at) "
                                           "FROM decisions")
    return {"current": decision_counts(case),
            "made": int(total), "withdrawn": int(withdrawn), "reviewers": reviewers,
            "entities_now": int(now), "entities_before_review": before,
            "entities_at_session_start": entities_at_start, "link_runs": runs,
            "unapplied": unapplied_decisions(case)}
