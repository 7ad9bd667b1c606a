"""The estimate stage of a case: capture histories from the register, every method, every
stratum, stored in the case with what is needed to reproduce them.

Capture histories come from the register (``entity_records``, written by linkage) and
the current version of every source: a person is "on" a list when any of their records
comes from it. A person's stratum is the most common value of the stratum field(s)
among their records.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from fullcount import __version__
from fullcount.errors import FullcountError
from fullcount.estimate.combine import combine_strata, leave_one_out
from fullcount.estimate.histories import CaptureHistories
from fullcount.estimate.methods import METHODS, applicable, factory
from fullcount.estimate.result import Estimate, EstimationError

if TYPE_CHECKING:
    from fullcount.case import Case

UNKNOWN_STRATUM = "(unknown)"
ALL = "all"


def histories_from_case(case: Case, strata_by: list[str] | None = None,
                        ) -> tuple[dict[str, CaptureHistories], list[str]]:
    """Capture histories per stratum (``{"all": …}`` without strata) and warnings."""
    from fullcount.case import fetch_one
    from fullcount.ingest.fields import FIELD_NAMES

    con = case.con
    for name in strata_by or []:
        if name not in FIELD_NAMES:
            raise FullcountError(
                f"strata.by names '{name}', which is not a record field",
                hint=f"Fields: {', '.join(FIELD_NAMES)}. Fix [strata] in fullcount.toml.")
    lists = [row[0] for row in con.execute(
        "SELECT DISTINCT source FROM current_sources ORDER BY source").fetchall()]
    if len(lists) < 2:
        raise FullcountError(
            f"estimation needs at least 2 sources; the case has {len(lists)}",
            hint="Ingest more lists with `fullcount ingest`.")
    linked = fetch_one(con,
        "SELECT count(*) FROM entity_records e JOIN current_records r USING (record_id)"
    )[0]
    if linked == 0:
        raise FullcountError(
            "the case has no register of people yet (no entities), so there is nothing to "
            "count", hint="Link the records first (the linkage stage), then estimate; "
            "or estimate from a table with `fullcount estimate --histories FILE.csv`.")
    warnings = []
    unlinked = fetch_one(con,
        "SELECT count(*) FROM current_records WHERE record_id NOT IN "
        "(SELECT record_id FROM entity_records)")[0]
    if unlinked:
        warnings.append(f"{unlinked:,} current records are in no entity (ingested after the "
                        "last linkage?): they are not counted; re-run linkage")
    if strata_by:
        value = " || ' / ' || ".join(
            f"coalesce(NULLIF(trim(r.{name}), ''), '{UNKNOWN_STRATUM}')" for name in strata_by)
    else:
        value = f"'{ALL}'"
    on_list = ", ".join(
        f"list_contains(sources, ?)::INTEGER AS c{i}" for i in range(len(lists)))
    rows = con.execute(f"""
        WITH members AS (
            SELECT e.entity_id, r.source, {value} AS stratum
            FROM entity_records e JOIN current_records r USING (record_id)
        ), people AS (
            SELECT entity_id, list(DISTINCT source) AS sources, mode(stratum) AS stratum
            FROM members GROUP BY entity_id
        )
        SELECT stratum, {on_list}, count(*) AS n FROM people GROUP BY ALL ORDER BY ALL
    """, lists).fetchall()
    by_stratum: dict[str, tuple[list[list[int]], list[int]]] = {}
    for row in rows:
        patterns, counts = by_stratum.setdefault(row[0], ([], []))
        patterns.append(list(row[1:-1]))
        counts.append(row[-1])
    histories = {
        stratum: CaptureHistories.from_arrays(patterns, counts, lists)
        for stratum, (patterns, counts) in by_stratum.items()
    }
    return histories, warnings


def data_version(histories: dict[str, CaptureHistories]) -> str:
    """A short hash identifying the data an estimate was made from."""
    payload = json.dumps({s: {"lists": list(h.lists), "counts": h.pattern_counts()}
                          for s, h in sorted(histories.items())}, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


@dataclass
class EstimateRun:
    """What one run of the stage produced."""

    run_id: str
    data_version: str
    estimates: list[Estimate] = field(default_factory=list)
    sensitivity: list[Estimate] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # method -> why
    warnings: list[str] = field(default_factory=list)


def estimate_histories(
    histories: dict[str, CaptureHistories],
    methods: list[str] | None = None,
    *,
    seed: int | None = None,
    level: float = 0.95,
    sensitivity: bool = False,
    on_step: Callable[[str], None] | None = None,
) -> EstimateRun:
    """Fit every method on every stratum, combine strata into a total, and (optionally)
    refit with each list left out. Works on plain histories: no case needed."""
    chosen = list(methods or METHODS)
    for method in chosen:
        if method not in METHODS:
            raise EstimationError(f"unknown method '{method}'; methods: {', '.join(METHODS)}")
    run = EstimateRun(run_id=uuid.uuid4().hex[:12], data_version=data_version(histories))
    params: dict[str, Any] = {"seed": seed, "level": level}
    for method in chosen:
        reasons = {s: applicable(method, h) for s, h in histories.items()}
        if any(reasons.values()):
            run.skipped[method] = next(r for r in reasons.values() if r)
            continue
        make = factory(method, **params)
        fitted: dict[str, Estimate] = {}
        for stratum, h in histories.items():
            if on_step is not None:
                on_step(f"{method} · {stratum}")
            try:
                fitted[stratum] = make().fit(h).estimate_.with_stratum(stratum)
            except EstimationError as exc:
                run.skipped[f"{method} · {stratum}"] = exc.message
        if not fitted:
            continue
        run.estimates.extend(fitted.values())
        if len(histories) > 1 and len(fitted) == len(histories):
            run.estimates.append(combine_strata(fitted, seed=seed))
        if sensitivity:
            for stratum, h in histories.items():
                if h.k < 3 or method == "chapman":
                    continue
                reduced_method = "chapman" if h.k == 3 and method != "loglinear" else method
                try:
                    left = leave_one_out(factory(reduced_method, **params), h)
                except EstimationError as exc:
                    run.skipped[f"{method} leave-one-out · {stratum}"] = exc.message
                    continue
                for name, e in left.items():
                    run.sensitivity.append(Estimate(
                        method=f"{e.method} without {name}", point=e.point, lower=e.lower,
                        upper=e.upper, level=e.level, n_observed=e.n_observed,
                        stratum=stratum, settings={**e.settings, "left_out": name},
                        seed=e.seed, diagnostics=e.diagnostics, warnings=e.warnings))
    return run


def run_estimate_stage(case: Case, methods: list[str] | None = None, *,
                       seed: int | None = None, level: float = 0.95,
                       sensitivity: bool = False,
                       on_step: Callable[[str], None] | None = None) -> EstimateRun:
    """The stage: histories from the case (strata from ``fullcount.toml``), every method,
    results stored in ``estimates`` and the audit log in one transaction."""
    histories, warnings = histories_from_case(case, case.settings.strata.by)
    seed = case.settings.case.seed if seed is None else seed
    run = estimate_histories(histories, methods, seed=seed, level=level,
                             sensitivity=sensitivity, on_step=on_step)
    run.warnings.extend(warnings)
    from fullcount.case import fetch_one, utc_now

    with case.transaction() as con:
        first = fetch_one(con, "SELECT coalesce(max(estimate_id), 0) FROM estimates")[0]
        now = utc_now()
        for offset, e in enumerate(run.estimates + run.sensitivity, 1):
            con.execute(
                "INSERT INTO estimates VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [first + offset, run.run_id, e.method, e.stratum, e.point, e.lower, e.upper,
                 e.level, e.n_observed, json.dumps(e.settings, default=str), e.seed,
                 run.data_version, __version__,
                 json.dumps(e.to_dict()["diagnostics"], default=str),
                 json.dumps(list(e.warnings)), now])
        case.audit("estimate", {
            "run_id": run.run_id, "data_version": run.data_version, "seed": seed,
            "methods": methods or list(METHODS), "strata_by": case.settings.strata.by,
            "estimates": [{"method": e.method, "stratum": e.stratum, "point": e.point,
                           "lower": e.lower, "upper": e.upper} for e in run.estimates],
            "skipped": run.skipped,
        })
    return run
