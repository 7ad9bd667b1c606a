"""Chapman's (bias-corrected Lincoln–Petersen) estimator for two lists.

N̂ = (n1 + 1)(n2 + 1) / (m + 1) − 1, with Seber's (1970) variance
Var = (n1 + 1)(n2 + 1)(n1 − m)(n2 − m) / ((m + 1)²(m + 2)).
The interval is Chao's (1987) log-normal interval for the unobserved count, which keeps
the lower bound at or above the number observed.
"""

from __future__ import annotations

import math
from typing import Self

from scipy.stats import norm

from fullcount.estimate.histories import CaptureHistories
from fullcount.estimate.result import Estimate, EstimationError, Estimator


class Chapman(Estimator):
    """Two-list estimate. With more than two lists, name the two to use in ``lists``."""

    def __init__(self, lists: tuple[str, str] | None = None, level: float = 0.95) -> None:
        self.lists = lists
        self.level = level

    def fit(self, histories: CaptureHistories) -> Self:
        if not isinstance(histories, CaptureHistories):
            raise EstimationError("Chapman.fit takes CaptureHistories")
        if not 0 < self.level < 1:
            raise EstimationError(f"level must be between 0 and 1, got {self.level}")
        if self.lists is None:
            if histories.k != 2:
                raise EstimationError(
                    f"Chapman uses two lists; these histories have {histories.k} "
                    f"({', '.join(histories.lists)}). Pass lists=(a, b), or use a method "
                    "for K lists (loglinear, lcmcr, dga).")
            first, second = histories.lists
        else:
            first, second = self.lists
            for name in (first, second):
                if name not in histories.lists:
                    raise EstimationError(f"no list named '{name}'; lists are "
                                          f"{list(histories.lists)}")
        a, b = histories.lists.index(first), histories.lists.index(second)
        on_a = histories.patterns[:, a] == 1
        on_b = histories.patterns[:, b] == 1
        n1 = int(histories.counts[on_a].sum())
        n2 = int(histories.counts[on_b].sum())
        m = int(histories.counts[on_a & on_b].sum())
        observed = int(histories.counts[on_a | on_b].sum())
        point = (n1 + 1) * (n2 + 1) / (m + 1) - 1
        variance = (n1 + 1) * (n2 + 1) * (n1 - m) * (n2 - m) / ((m + 1) ** 2 * (m + 2))
        lower, upper = _chao_interval(point, variance, observed, self.level)
        warnings = []
        if m < 7:
            warnings.append(f"only {m} people on both lists: Chapman's estimate is unstable "
                            "below about 7 (Robson & Regier 1964)")
        self.estimate_ = Estimate(
            method="chapman", point=point, lower=lower, upper=upper, level=self.level,
            n_observed=observed, settings={"lists": [first, second]},
            diagnostics={"n1": n1, "n2": n2, "m": m, "variance": variance,
                         "se": math.sqrt(variance)},
            warnings=tuple(warnings),
        )
        return self


def _chao_interval(point: float, variance: float, observed: int,
                   level: float) -> tuple[float, float]:
    """Log-normal interval for the unobserved count f0 = N − observed (Chao 1987)."""
    unobserved = point - observed
    if unobserved <= 0 or variance <= 0:
        return point, point
    z = norm.ppf(0.5 + level / 2)
    c = math.exp(z * math.sqrt(math.log(1 + variance / unobserved**2)))
    return observed + unobserved / c, observed + unobserved * c
