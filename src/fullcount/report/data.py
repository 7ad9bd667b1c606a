"""Everything the report says, read from the case: one ``ReportData`` the template renders.

Nothing here computes a new result: the report shows what the stages stored (the
register, the latest estimate run, the review decisions, the claims) and where each came
from (files and their hashes, settings, seeds, the audit trail).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from fullcount import __version__
from fullcount.case import fetch_dicts, fetch_one
from fullcount.errors import FullcountError
from fullcount.estimate.stored import StoredEstimate, latest_run
from fullcount.link.decisions import decision_counts

if TYPE_CHECKING:
    from fullcount.case import Case



@dataclass
class ReportData:
    case_name: str
    generated_at: str
    software_version: str
    documented: int                      # people in the register
    records: int
    sources: list[dict[str, Any]]
    quarantine: list[dict[str, Any]]     # per source and reason: count, an example
    linkage: dict[str, Any]
    review: dict[str, Any]
    lists: list[str]
    patterns: list[tuple[int, ...]]
    pattern_counts: list[int]
    estimate_run: dict[str, Any] | None
    estimates: list[StoredEstimate]
    sensitivity: list[StoredEstimate]
    recommended: StoredEstimate | None
    by_month: list[tuple[str, int]]
    undated: int
    by_province: list[tuple[str, int]]
    unplaced: int
    claims: list[Any] = field(default_factory=list)
    settings_text: str = ""
    seeds: dict[str, Any] = field(default_factory=dict)
    audit: list[dict[str, Any]] = field(default_factory=list)
    audit_ok: bool = True
    audit_problems: list[str] = field(default_factory=list)
    names: list[dict[str, Any]] = field(default_factory=list)   # only when asked for
    warnings: list[str] = field(default_factory=list)


def gather(case: Case, *, with_names: bool = False) -> ReportData:
    """Read what the report shows. The case must have a register (linkage run)."""
    from fullcount.case import utc_now
    from fullcount.case.audit import audit_entries, verify_audit
    from fullcount.case.summary import list_sources

    documented = fetch_one(case.con, "SELECT count(*) FROM entities")[0]
    if documented == 0:
        raise FullcountError("the case has no register of people yet, so there is nothing "
                             "to report", hint="Run `fullcount link` (and `fullcount "
                                               "estimate`) first.")
    records = fetch_one(case.con, "SELECT count(*) FROM current_records")[0]
    sources = list_sources(case)
    quarantine = fetch_dicts(case.con, """
        SELECT q.source, q.reason_code, count(*) AS rows, min(q.reason) AS example
        FROM quarantine q JOIN current_sources s USING (file_id)
        GROUP BY q.source, q.reason_code ORDER BY q.source, count(*) DESC""")
    lists, patterns, counts = _overlaps(case)
    run, estimates, sensitivity = _estimates(case)
    warnings = []
    if run is None:
        warnings.append("No estimate has been made yet: run `fullcount estimate` for the "
                        "total including the people no list recorded.")
    recommended = next((e for e in estimates if e.recommended), None)
    by_month = [(str(m), int(n)) for m, n in case.con.execute("""
        SELECT strftime(date_iso, '%Y-%m') AS month, count(*) FROM entities
        WHERE date_iso IS NOT NULL GROUP BY month ORDER BY month""").fetchall()]
    undated = fetch_one(case.con, "SELECT count(*) FROM entities WHERE date_iso IS NULL")[0]
    by_province = [(str(p), int(n)) for p, n in case.con.execute("""
        SELECT province_canonical, count(*) FROM entities
        WHERE province_canonical IS NOT NULL
        GROUP BY 1 ORDER BY 2 DESC, 1""").fetchall()]
    unplaced = fetch_one(case.con, "SELECT count(*) FROM entities "
                                   "WHERE province_canonical IS NULL")[0]
    report = verify_audit(case)
    audit = [{"entry_id": e.entry_id, "at": e.logged_at.strftime("%Y-%m-%d %H:%M:%S"),
              "actor": e.actor, "action": e.action, "summary": e.summary(160),
              "hash": e.hash[:16]} for e in audit_entries(case)]
    settings_file = case.path / "fullcount.toml"
    return ReportData(
        case_name=case.settings.case.name,
        generated_at=utc_now().strftime("%Y-%m-%d %H:%M UTC"),
        software_version=__version__,
        documented=int(documented), records=int(records), sources=sources,
        quarantine=quarantine, linkage=_linkage(case), review=_review(case),
        lists=lists, patterns=patterns, pattern_counts=counts,
        estimate_run=run, estimates=estimates, sensitivity=sensitivity,
        recommended=recommended, by_month=by_month, undated=int(undated),
        by_province=by_province, unplaced=int(unplaced),
        settings_text=settings_file.read_text(encoding="utf-8")
        if settings_file.exists() else "",
        seeds={"case": case.settings.case.seed,
               "estimates": sorted({e.seed for e in estimates if e.seed is not None})},
        audit=audit, audit_ok=report.ok,
        audit_problems=[p.message for p in report.problems],
        names=_names(case) if with_names else [],
        warnings=warnings)


def _overlaps(case: Case) -> tuple[list[str], list[tuple[int, ...]], list[int]]:
    """People per combination of lists (capture histories of the whole case)."""
    lists = [r[0] for r in case.con.execute(
        "SELECT DISTINCT source FROM current_sources ORDER BY source").fetchall()]
    flags = ", ".join(f"list_contains(sources, ?)::INTEGER AS c{i}" for i in range(len(lists)))
    rows = case.con.execute(f"""
        SELECT {flags}, count(*) FROM entities GROUP BY ALL ORDER BY ALL""",
        lists).fetchall()
    return lists, [tuple(int(v) for v in row[:-1]) for row in rows], [int(r[-1]) for r in rows]


def _estimates(case: Case) -> tuple[dict[str, Any] | None, list[StoredEstimate],
                                    list[StoredEstimate]]:
    """The latest estimate run: its estimates and its leave-one-list-out refits."""
    run = latest_run(case)
    if run is None:
        return None, [], []
    facts = {"run_id": run.run_id, "at": run.created_at.strftime("%Y-%m-%d %H:%M UTC"),
             "data_version": run.data_version, "software_version": run.software_version}
    return facts, run.estimates, run.sensitivity


def _linkage(case: Case) -> dict[str, Any]:
    link = case.settings.link
    model = fetch_dicts(case.con, """
        SELECT model_id, created_at, engine, threshold, threshold_origin, checks, training
        FROM link_models ORDER BY model_id DESC LIMIT 1""")
    facts: dict[str, Any] = dict(zip(
        ("pairs", "uncertain", "vetoed", "linked_pairs"),
        fetch_one(case.con, """
            SELECT count(*),
                   count(*) FILTER (WHERE match_probability >= ? AND match_probability < ?
                                    AND NOT veto),
                   count(*) FILTER (WHERE veto),
                   count(*) FILTER (WHERE match_probability >= coalesce(
                       (SELECT threshold FROM link_models ORDER BY model_id DESC LIMIT 1),
                       0.5))
            FROM pairs""", [link.uncertain_low, link.uncertain_high]), strict=True))
    threshold = model[0]["threshold"] if model else 0.5
    expected = fetch_one(case.con, """
        SELECT sum(match_probability) FILTER (WHERE match_probability >= ?),
               count(*) FILTER (WHERE match_probability >= ?), sum(match_probability)
        FROM pairs WHERE NOT veto""", [threshold, threshold])
    # Under the model's own probabilities: the share of linked pairs that are true
    # matches, and the share of true matches among the kept pairs that were linked.
    facts["expected_precision"] = (expected[0] / expected[1]) if expected[1] else None
    facts["expected_recall"] = (expected[0] / expected[2]) if expected[2] else None
    bins = case.con.execute("""
        SELECT least(floor(match_probability * 20), 19)::INTEGER AS bin, count(*)
        FROM pairs WHERE NOT veto GROUP BY bin ORDER BY bin""").fetchall()
    counts = dict(bins)
    facts["probability_histogram"] = [int(counts.get(b, 0)) for b in range(20)]
    sizes = case.con.execute("""
        SELECT n_records, count(*) FROM entities GROUP BY 1 ORDER BY 1""").fetchall()
    facts["entity_sizes"] = [(int(s), int(n)) for s, n in sizes]
    facts["uncertain_band"] = (link.uncertain_low, link.uncertain_high)
    if model:
        m = model[0]
        facts.update(model_id=m["model_id"], engine=m["engine"], threshold=m["threshold"],
                     threshold_origin=m["threshold_origin"],
                     trained_at=m["created_at"].strftime("%Y-%m-%d %H:%M UTC"),
                     checks=json.loads(m["checks"]) if m["checks"] else [])
    return facts


def _review(case: Case) -> dict[str, Any]:
    current = decision_counts(case)
    reviewers = fetch_dicts(case.con, """
        SELECT reviewer, count(*) FILTER (WHERE withdrawn_at IS NULL) AS decisions,
               count(withdrawn_at) AS withdrawn
        FROM decisions GROUP BY reviewer ORDER BY reviewer""")
    return {**current, "reviewers": reviewers}


def _names(case: Case) -> list[dict[str, Any]]:
    return fetch_dicts(case.con, """
        SELECT entity_id, name_persian, name_latin, date_iso, place_canonical,
               province_canonical, sources
        FROM entities ORDER BY province_canonical NULLS LAST, date_iso NULLS LAST,
                               name_latin""")
