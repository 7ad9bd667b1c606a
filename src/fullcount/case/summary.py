"""Read-only views of a case for people: its status, its sources, its quarantine."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from fullcount.case import Case, fetch_dicts, fetch_one
from fullcount.case.schema import SCHEMA_VERSION
from fullcount.errors import FullcountError


def case_status(case: Case) -> dict[str, Any]:
    """Counts a user wants first: sources, records, quarantine, flags, last activity."""
    from fullcount.link.decisions import unapplied_decisions

    totals = fetch_one(case.con,
        "SELECT count(*) FILTER (WHERE superseded_by IS NULL), count(*), "
        "coalesce(sum(rows_read) FILTER (WHERE superseded_by IS NULL), 0), "
        "coalesce(sum(records) FILTER (WHERE superseded_by IS NULL), 0), "
        "coalesce(sum(quarantined) FILTER (WHERE superseded_by IS NULL), 0), "
        "count(DISTINCT source) FILTER (WHERE superseded_by IS NULL) FROM sources"
    )
    flags = case.con.execute(
        "SELECT flag, count(*) FROM (SELECT unnest(flags) AS flag FROM current_records) "
        "GROUP BY flag ORDER BY flag"
    ).fetchall()
    reasons = case.con.execute(
        "SELECT q.reason_code, count(*) FROM quarantine q JOIN current_sources s USING (file_id) "
        "GROUP BY q.reason_code ORDER BY count(*) DESC, q.reason_code"
    ).fetchall()
    per_source = fetch_dicts(case.con, """
        SELECT source, count(*) AS files, sum(rows_read) AS rows_read,
               sum(records) AS records, sum(quarantined) AS quarantined
        FROM current_sources GROUP BY source ORDER BY source
    """)
    last = case.con.execute(
        "SELECT logged_at, actor, action FROM audit_log ORDER BY entry_id DESC LIMIT 1"
    ).fetchone()
    people = fetch_one(case.con, "SELECT count(DISTINCT entity_id) FROM entity_records")[0]
    runs = fetch_one(case.con,
                     "SELECT count(DISTINCT run_id), max(created_at) FROM estimates")
    link = case.settings.link
    pairs, uncertain, uncertain_decided, threshold = fetch_one(case.con, """
        WITH band AS (
            SELECT p.record_id_l, p.record_id_r,
                   p.match_probability >= ? AND p.match_probability < ? AND NOT p.veto
                       AS uncertain
            FROM pairs p)
        SELECT count(*), count(*) FILTER (WHERE uncertain),
               count(d.decision) FILTER (WHERE uncertain),
               (SELECT threshold FROM link_models ORDER BY model_id DESC LIMIT 1)
        FROM band b LEFT JOIN current_decisions d
            ON d.record_id_l = b.record_id_l AND d.record_id_r = b.record_id_r
        """, [link.uncertain_low, link.uncertain_high])
    decided = dict(case.con.execute(
        "SELECT decision, count(*) FROM current_decisions GROUP BY decision").fetchall())
    unlinked = fetch_one(case.con, "SELECT count(*) FROM current_records WHERE record_id "
                                   "NOT IN (SELECT record_id FROM entity_records)")[0]
    return {
        "case": str(case.path),
        "name": case.settings.case.name,
        "schema_version": case.schema_version,
        "software_schema_version": SCHEMA_VERSION,
        "created_at": case.meta("created_at"),
        "sources": totals[5],
        "files": totals[0],
        "file_versions": totals[1],
        "rows_read": int(totals[2]),
        "records": int(totals[3]),
        "quarantined": int(totals[4]),
        "flagged": {flag: count for flag, count in flags},
        "quarantine_reasons": {reason: count for reason, count in reasons},
        "per_source": per_source,
        "last_activity": (
            {"at": str(last[0]), "actor": last[1], "action": last[2]} if last else None
        ),
        "entities": int(people),
        "pairs": int(pairs),
        "uncertain_pairs": int(uncertain),
        "threshold": threshold,
        "uncertain_decided": int(uncertain_decided),
        "decisions": {k: int(v) for k, v in decided.items()},
        "unapplied_decisions": unapplied_decisions(case),
        "unlinked_records": int(unlinked),
        "stages": {
            "ingest": "done" if totals[1] else "not run",
            "link": ("not run" if not people else
                     f"done, {unlinked:,} new record(s) to link" if unlinked else "done"),
            "estimate": f"{runs[0]} run(s), last {runs[1]:%Y-%m-%d %H:%M} UTC" if runs[0]
            else "not run",
        },
    }


def list_sources(case: Case, *, all_versions: bool = False) -> list[dict[str, Any]]:
    """One row per ingested file version (current ones only unless ``all_versions``)."""
    where = "" if all_versions else "WHERE superseded_by IS NULL"
    rows = fetch_dicts(case.con, f"""
        SELECT file_id, source, version, file_name, file_path, format, encoding,
               sha256, size_bytes, rows_read, records, quarantined, blank_skipped,
               mapping, mapping_origin, ingested_at, ingested_by,
               superseded_by IS NULL AS current, superseded_by
        FROM sources {where} ORDER BY source, file_name, version
    """)
    for row in rows:
        row["mapping"] = json.loads(row["mapping"])
        row["ingested_at"] = str(row["ingested_at"])
    return rows


def list_quarantine(case: Case, *, source: str | None = None, reason: str | None = None,
                    limit: int | None = None, include_superseded: bool = False
                    ) -> list[dict[str, Any]]:
    """Quarantined rows, in file order, with the file they came from."""
    sql = _quarantine_query(source, reason, include_superseded)
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    return fetch_dicts(case.con, sql)


def quarantined_row(case: Case, quarantine_id: int) -> dict[str, Any]:
    rows = fetch_dicts(case.con, """
        SELECT q.quarantine_id, q.source, s.file_name, s.version, s.file_path, s.sha256,
               q.row_number, q.line_number, q.reason_code, q.reason, q.raw_text
        FROM quarantine q JOIN sources s USING (file_id) WHERE q.quarantine_id = ?
    """, [quarantine_id])
    if not rows:
        raise FullcountError(
            f"no quarantined row has id {quarantine_id}",
            hint="See the ids with `fullcount quarantine list`.",
        )
    return rows[0]


def export_quarantine(case: Case, path: Path, *, source: str | None = None,
                      reason: str | None = None, include_superseded: bool = False) -> int:
    """Write quarantined rows to CSV (or JSON Lines for .jsonl); return how many."""
    from fullcount.case.files import write_csv

    query = _quarantine_query(source, reason, include_superseded)
    if path.suffix.lower() in (".jsonl", ".ndjson", ".json"):  # exact: not for spreadsheets
        count = fetch_one(case.con, f"SELECT count(*) FROM ({query})")[0]
        case.con.execute(f"COPY ({query}) TO {_literal(str(path.resolve()))} (FORMAT json)")
        return int(count)
    result = case.con.execute(query)
    header = [d[0] for d in result.description]

    def rows() -> Iterator[Sequence[Any]]:
        while batch := result.fetchmany(10_000):
            yield from batch

    return write_csv(path, header, rows())


def _quarantine_query(source: str | None, reason: str | None,
                      include_superseded: bool) -> str:
    """The quarantined rows a listing or export shows, in file order."""
    # Literals, not parameters: DuckDB's COPY does not take prepared parameters.
    clauses: list[str] = []
    if not include_superseded:
        clauses.append("s.superseded_by IS NULL")
    if source:
        clauses.append(f"q.source = {_literal(source)}")
    if reason:
        clauses.append(f"q.reason_code = {_literal(reason)}")
    where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
    return f"""
        SELECT q.quarantine_id, q.source, s.file_name, s.version, q.row_number,
               q.line_number, q.reason_code, q.reason, q.raw_text
        FROM quarantine q JOIN sources s USING (file_id) {where}
        ORDER BY q.quarantine_id
    """


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
