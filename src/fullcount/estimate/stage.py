"""The estimate stage of a case: capture histories from the register, every method, every
stratum, stored in the case with what is needed to reproduce them.

Capture histories come from the register (``entity_records``, written by linkage) and
the current version of every source, as ``fullcount.estimate.register`` defines them: a
person is "on" a list when any of their records comes from it; their stratum is the
most common value of the stratum field(s) among their records.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from fullcount import __version__
from fullcount.errors import FullcountError
from fullcount.estimate.combine import combine_strata, leave_one_out
from fullcount.estimate.histories import CaptureHistories
from fullcount.estimate.methods import METHODS, applicable, factory
from fullcount.estimate.recommend import Recommendation, recommend
from fullcount.estimate.register import register_records
from fullcount.estimate.result import Estimate, EstimationError

if TYPE_CHECKING:
    from fullcount.case import Case
    from fullcount.estimate.linkage import LinkageRun


def histories_from_case(case: Case, strata_by: list[str] | None = None,
                        ) -> tuple[dict[str, CaptureHistories], list[str]]:
    """Capture histories per stratum (``{"all": …}`` without strata) and warnings."""
    records = register_records(case, strata_by)
    if len(records.lists) < 2:
        raise FullcountError(
            f"estimation needs at least 2 sources; the case has {len(records.lists)}",
            hint="Ingest more lists with `fullcount ingest`.")
    linked = records.linked
    if not linked.any():
        raise FullcountError(
            "the case has no register of people yet (no entities), so there is nothing to "
            "count", hint="Link the records first (the linkage stage), then estimate; "
            "or estimate from a table with `fullcount estimate --histories FILE.csv`.")
    warnings = []
    unlinked = int(np.count_nonzero(~linked))
    if unlinked:
        warnings.append(f"{unlinked:,} current records are in no entity (ingested after the "
                        "last linkage?): they are not counted; re-run linkage")
    return records.histories(records.entity[linked], linked), warnings


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
    recommendation: Recommendation | None = None
    linkage: LinkageRun | None = None  # intervals with linkage uncertainty, when drawn

    @property
    def recommended(self) -> Estimate | None:
        """The total to lead with (see ``fullcount.estimate.recommend``)."""
        return self.recommendation.estimate if self.recommendation else None

    def recommend(self, k: int) -> None:
        """Choose the recommended total and mark it in its diagnostics (stored)."""
        self.estimates = [
            replace(e, diagnostics={key: v for key, v in e.diagnostics.items()
                                    if key != "recommended"})
            if "recommended" in e.diagnostics else e for e in self.estimates]
        self.recommendation = recommend(self.estimates, k, skipped=self.skipped)
        if self.recommendation is None:
            return
        chosen = self.recommendation.estimate
        marked = replace(chosen, diagnostics={
            **chosen.diagnostics,
            "recommended": {"reasons": list(self.recommendation.reasons),
                            "disagreement": self.recommendation.disagreement,
                            "checks_passed": self.recommendation.checks_passed}})
        self.estimates = [marked if e is chosen else e for e in self.estimates]
        self.recommendation = replace(self.recommendation, estimate=marked)


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
        fitted: dict[str, Estimate] = {}
        for stratum, h in histories.items():
            if on_step is not None:
                on_step(f"{method} · {stratum}")
            try:
                fitted[stratum] = _fit(method, params, h).with_stratum(stratum)
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
    run.recommend(next(iter(histories.values())).k)
    return run


# LCMCR's truncation K_star (R's default 10) is doubled up to this when the posterior
# uses every latent class (its own warning says to refit with a larger K_star).
MAX_K_STAR = 40


def _fit(method: str, params: dict[str, Any], histories: CaptureHistories) -> Estimate:
    """Fit ``method``; an LCMCR fit whose posterior fills every latent class is refitted
    with twice the classes, up to ``MAX_K_STAR``, and says so in its diagnostics."""
    estimate = factory(method, **params)().fit(histories).estimate_
    if method != "lcmcr":
        return estimate
    tried = [int(estimate.settings["K_star"])]
    while _fills_every_class(estimate) and tried[-1] < MAX_K_STAR:
        tried.append(min(2 * tried[-1], MAX_K_STAR))
        estimate = factory(method, **params, K_star=tried[-1])().fit(histories).estimate_
    if len(tried) > 1:
        estimate = replace(estimate, diagnostics={**estimate.diagnostics,
                                                  "k_star_tried": tried})
    return estimate


def _fills_every_class(estimate: Estimate) -> bool:
    from fullcount.estimate.recommend import K_STAR_SHARE

    share = (estimate.diagnostics.get("k_star") or {}).get("share_at_K_star", 0.0)
    return bool(share > K_STAR_SHARE)


def run_estimate_stage(case: Case, methods: list[str] | None = None, *,
                       seed: int | None = None, level: float = 0.95,
                       sensitivity: bool = False, linkage_draws: int = 0,
                       on_step: Callable[[str], None] | None = None) -> EstimateRun:
    """The stage: histories from the case (strata from ``fullcount.toml``), every method,
    results stored in ``estimates`` and the audit log in one transaction.

    ``linkage_draws`` = M > 0 also estimates over M linkages drawn from the stored match
    probabilities and decisions (``fullcount.estimate.linkage``); each estimate then
    holds its interval with linkage uncertainty in ``diagnostics["linkage"]``.
    """
    if linkage_draws < 0 or linkage_draws == 1:
        raise FullcountError(f"linkage draws must be 0 (none) or at least 2, got "
                             f"{linkage_draws}")
    histories, warnings = histories_from_case(case, case.settings.strata.by)
    seed = case.settings.case.seed if seed is None else seed
    run = estimate_histories(histories, methods, seed=seed, level=level,
                             sensitivity=sensitivity, on_step=on_step)
    run.warnings.extend(warnings)
    if linkage_draws:
        _add_linkage_uncertainty(case, run, linkage_draws, seed, level, on_step)
        run.recommend(next(iter(histories.values())).k)
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
            "linkage_draws": linkage_draws,
            "linkage": {f"{e.method} · {e.stratum}": {
                key: e.diagnostics["linkage"][key] for key in ("point", "lower", "upper")}
                for e in run.estimates if "lower" in e.diagnostics.get("linkage", {})},
            "recommended": run.recommendation.to_dict() if run.recommendation else None,
        })
    return run


def _add_linkage_uncertainty(case: Case, run: EstimateRun, draws: int, seed: int,
                             level: float, on_step: Callable[[str], None] | None) -> None:
    """Estimate every method over ``draws`` drawn linkages; put each result in its
    estimate's ``diagnostics["linkage"]``."""
    from fullcount.estimate.linkage import linkage_uncertainty

    baseline: dict[str, dict[str, Estimate]] = {}
    for e in run.estimates:
        baseline.setdefault(e.method, {})[str(e.stratum)] = e
    try:
        # each drawn linkage is fitted as the register was (LCMCR with its K_star)
        k_stars = [int(e.settings["K_star"]) for e in run.estimates
                   if e.method == "lcmcr" and "K_star" in e.settings]
        params = {"lcmcr": {"K_star": max(k_stars)}} if k_stars else {}
        result = linkage_uncertainty(case, baseline, draws=draws, seed=seed, level=level,
                                     strata_by=case.settings.strata.by, params=params,
                                     on_step=on_step)
    except FullcountError as exc:
        run.warnings.append(f"linkage uncertainty was not drawn: {exc.message}")
        return
    run.linkage = result
    run.warnings.extend(result.warnings)
    for method, why in result.skipped.items():
        run.skipped[f"{method} with linkage uncertainty"] = why
    updated = []
    for e in run.estimates:
        found = result.results.get(e.method, {}).get(str(e.stratum))
        if found is not None:
            e = replace(e, diagnostics={**e.diagnostics, "linkage": found.to_dict()})
        updated.append(e)
    run.estimates = updated
