"""Estimates as the estimate stage stored them: the latest run, read back for the claims
comparison and the report (one reader, so both see the same figures)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from fullcount.estimate.methods import METHOD_NAMES

if TYPE_CHECKING:
    from datetime import datetime

    from fullcount.case import Case


@dataclass(frozen=True)
class StoredEstimate:
    estimate_id: int
    run_id: str
    method: str                  # "lcmcr", or "lcmcr without ngo_a" for a refit
    stratum: str                 # "all", a stratum value, or "total" over strata
    point: float
    lower: float
    upper: float
    level: float
    n_observed: int
    seed: int | None
    created_at: datetime
    recommended: bool = False
    reasons: tuple[str, ...] = ()        # why it is recommended (only when it is)
    disagreement: bool = False
    warnings: tuple[str, ...] = ()
    linkage: dict[str, Any] | None = None  # the interval with linkage uncertainty
    left_out: str | None = None            # leave-one-list-out refits: the list
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """The method as people write it ("log-linear without ngo_a")."""
        first, _, rest = self.method.partition(" ")
        return METHOD_NAMES.get(first, first) + (f" {rest}" if rest else "")


@dataclass(frozen=True)
class StoredRun:
    run_id: str
    created_at: datetime
    data_version: str
    software_version: str
    estimates: list[StoredEstimate]      # the fits on the register
    sensitivity: list[StoredEstimate]    # the leave-one-list-out refits


def latest_run(case: Case) -> StoredRun | None:
    """The most recent estimate run of the case, or None before any."""
    latest = case.con.execute("""
        SELECT run_id, max(created_at), any_value(data_version), any_value(software_version)
        FROM estimates GROUP BY run_id
        ORDER BY max(created_at) DESC, max(estimate_id) DESC LIMIT 1""").fetchone()
    if latest is None:
        return None
    rows = [_stored(row) for row in case.con.execute("""
        SELECT estimate_id, run_id, method, stratum, point, lower, upper, level, n_observed,
               seed, created_at, settings, diagnostics, warnings
        FROM estimates WHERE run_id = ? ORDER BY estimate_id""", [latest[0]]).fetchall()]
    return StoredRun(latest[0], latest[1], latest[2], latest[3],
                     [r for r in rows if r.left_out is None],
                     [r for r in rows if r.left_out is not None])


def _stored(row: tuple[Any, ...]) -> StoredEstimate:
    (estimate_id, run_id, method, stratum, point, lower, upper, level, n_observed, seed,
     created_at, settings, diagnostics, warnings) = row
    settings = json.loads(settings) if settings else {}
    diagnostics = json.loads(diagnostics) if diagnostics else {}
    marked = diagnostics.get("recommended")
    marked = marked if isinstance(marked, dict) else {}
    linkage = diagnostics.get("linkage")
    return StoredEstimate(
        int(estimate_id), run_id, method, stratum or "all", float(point), float(lower),
        float(upper), float(level), int(n_observed), seed, created_at,
        recommended=bool(diagnostics.get("recommended")),
        reasons=tuple(marked.get("reasons", ())), disagreement=bool(marked.get("disagreement")),
        warnings=tuple(json.loads(warnings) if warnings else ()),
        linkage=linkage if isinstance(linkage, dict) and "lower" in linkage
        and "upper" in linkage else None,
        left_out=settings.get("left_out"), settings=settings)
