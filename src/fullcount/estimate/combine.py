"""Putting estimates together: strata into a total, and leave-one-list-out sensitivity.

Strata are fitted separately (capture patterns differ between, say, provinces) and
combined: Bayesian estimates by summing posterior draws (draw i of the total is the sum
of draw i of every stratum, after resampling each stratum's draws to a common length),
frequentist ones by summing point estimates and variances.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

import numpy as np
from scipy.stats import norm

from fullcount.estimate.histories import CaptureHistories
from fullcount.estimate.result import Estimate, EstimationError, Estimator


def combine_strata(estimates: Mapping[str, Estimate], *, seed: int | None = None,
                   stratum: str = "total") -> Estimate:
    """The total over strata of estimates made with one method.

    Bayesian (all have draws): the total's draws are sums of per-stratum draws; point =
    median, interval = equal-tailed quantiles. Frequentist: point = sum of points;
    variance = sum of per-stratum variances, each taken from its interval as
    ((upper − lower) / 2z)² (a normal approximation: profile-likelihood intervals are not
    symmetric, so this is a summary, and the note says so); interval = point ± z·sd,
    never below the number observed.
    """
    if not estimates:
        raise EstimationError("no strata to combine")
    items = list(estimates.values())
    methods = {e.method for e in items}
    if len(methods) != 1:
        raise EstimationError(f"strata were estimated with different methods: {sorted(methods)}")
    levels = {e.level for e in items}
    if len(levels) != 1:
        raise EstimationError(f"strata were estimated at different levels: {sorted(levels)}")
    level = items[0].level
    observed = sum(e.n_observed for e in items)
    warnings = tuple(f"{name}: {w}" for name, e in estimates.items() for w in e.warnings)
    per_stratum = {name: {"point": e.point, "lower": e.lower, "upper": e.upper,
                          "n_observed": e.n_observed} for name, e in estimates.items()}
    if all(e.draws is not None and len(e.draws) > 0 for e in items):
        rng = np.random.default_rng(seed)
        size = max(len(e.draws) for e in items)  # type: ignore[arg-type]
        total = np.zeros(size)
        for e in items:
            draws = np.asarray(e.draws, dtype=float)
            total += draws if len(draws) == size else rng.choice(draws, size=size)
        tail = (1 - level) / 2
        lower, point, upper = np.quantile(total, [tail, 0.5, 1 - tail])
        return Estimate(
            method=items[0].method, point=float(point), lower=float(lower),
            upper=float(upper), level=level, n_observed=observed, stratum=stratum,
            settings=items[0].settings, seed=seed, draws=total,
            diagnostics={"combined": "sum of posterior draws", "strata": per_stratum},
            warnings=warnings)
    z = norm.ppf(0.5 + level / 2)
    point = sum(e.point for e in items)
    variance = sum(((e.upper - e.lower) / (2 * z)) ** 2 for e in items)
    sd = math.sqrt(variance)
    return Estimate(
        method=items[0].method, point=point, lower=max(observed, point - z * sd),
        upper=point + z * sd, level=level, n_observed=observed, stratum=stratum,
        settings=items[0].settings,
        diagnostics={"combined": "sum of points; variances from each interval, normal "
                     "approximation", "sd": sd, "strata": per_stratum},
        warnings=warnings)


def leave_one_out(make: Callable[[], Estimator], histories: CaptureHistories,
                  ) -> dict[str, Estimate]:
    """Refit with each list left out in turn: ``{list_name: estimate without it}``.

    A total that moves a lot when one list is dropped rests on that list's overlaps;
    the report shows these next to the main estimate. Lists whose removal leaves too
    little to estimate from are reported with the error, not skipped silently.
    """
    if histories.k < 3:
        raise EstimationError(
            f"leaving a list out of {histories.k} leaves fewer than 2: nothing to estimate")
    results: dict[str, Estimate] = {}
    for name in histories.lists:
        reduced = histories.without(name)
        results[name] = make().fit(reduced).estimate_
    return results
