"""The one result type of every estimator, and the estimator contract.

Estimators follow scikit-learn's contract: the constructor stores parameters and does
nothing else; ``fit(histories)`` does the work and returns ``self``; what was learned
ends in ``_`` (``estimate_`` is always an ``Estimate``); ``summary()`` is a table a
reader can paste into a report.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any, Self

import numpy as np

from fullcount.errors import FullcountError


class EstimationError(FullcountError, ValueError):
    """An estimator cannot produce a number for these data (and says why)."""


@dataclass(frozen=True, eq=False)
class Estimate:
    """A population-size estimate with its interval and everything needed to trace it."""

    method: str
    point: float
    lower: float
    upper: float
    level: float
    n_observed: int
    stratum: str | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    seed: int | None = None
    draws: np.ndarray | None = None  # posterior draws of N (Bayesian methods)
    diagnostics: dict[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name in ("point", "lower", "upper"):
            value = getattr(self, name)
            if value is None or not math.isfinite(value):
                raise EstimationError(
                    f"{self.method} produced a non-finite {name} ({value}); this is reported "
                    "instead of returning NaN",
                )
        if not self.lower <= self.point <= self.upper:
            raise EstimationError(
                f"{self.method}: interval [{self.lower:g}, {self.upper:g}] does not contain "
                f"the point estimate {self.point:g}",
            )
        if not 0 < self.level < 1:
            raise EstimationError(f"level must be between 0 and 1, got {self.level}")

    @property
    def unobserved(self) -> float:
        """Estimated number of people no list recorded."""
        return self.point - self.n_observed

    def with_stratum(self, stratum: str | None) -> Estimate:
        return replace(self, stratum=stratum)

    def to_dict(self) -> dict[str, Any]:
        """Plain data (no draws) for JSON: method, stratum, point, lower, upper, level …"""
        return {
            "method": self.method,
            "stratum": self.stratum,
            "point": self.point,
            "lower": self.lower,
            "upper": self.upper,
            "level": self.level,
            "n_observed": self.n_observed,
            "settings": self.settings,
            "seed": self.seed,
            "diagnostics": _plain(self.diagnostics),
            "warnings": list(self.warnings),
        }

    def __str__(self) -> str:
        where = f" [{self.stratum}]" if self.stratum else ""
        return (f"{self.method}{where}: {self.point:,.0f} ({self.level:.0%} interval "
                f"{self.lower:,.0f}–{self.upper:,.0f}), {self.n_observed:,} observed")


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return value


def summary_table(estimates: list[Estimate]) -> str:
    """A fixed-width table of estimates, one per line."""
    header = f"{'method':<22} {'stratum':<14} {'observed':>9} {'estimate':>10} " \
             f"{'interval':>23} {'level':>5}"
    lines = [header, "-" * len(header)]
    for e in estimates:
        interval = f"{e.lower:,.0f} – {e.upper:,.0f}"
        lines.append(f"{e.method:<22} {(e.stratum or 'all'):<14} {e.n_observed:>9,} "
                     f"{e.point:>10,.0f} {interval:>23} {e.level:>5.0%}")
        for warning in e.warnings:
            lines.append(f"  ! {warning}")
    return "\n".join(lines)


class Estimator:
    """Base class: ``fit`` sets ``estimate_``; ``summary`` describes it."""

    estimate_: Estimate

    def fit(self, histories: Any) -> Self:  # pragma: no cover - overridden
        raise NotImplementedError

    def summary(self) -> str:
        if not hasattr(self, "estimate_"):
            raise EstimationError(f"{type(self).__name__} is not fitted: call fit() first")
        return summary_table([self.estimate_])

    @classmethod
    def param_names(cls) -> tuple[str, ...]:
        """The names of the constructor's parameters."""
        import inspect

        return tuple(p for p in inspect.signature(cls.__init__).parameters if p != "self")

    def get_params(self) -> dict[str, Any]:
        """The constructor's parameters (as scikit-learn's ``get_params``)."""
        return {name: getattr(self, name) for name in self.param_names()}
