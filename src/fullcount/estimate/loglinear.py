"""Hierarchical log-linear models over K lists, chosen by BIC or AIC, as Rcapture's closedpMS.t.

Each model is a Poisson regression on the 2^K - 1 observable capture histories:
log mu(history) = intercept + a main effect per list + the model's interactions, with
the all-zero history left out. Its prediction for that history, exp(intercept), is the
number of people no list recorded. Every hierarchical model with all main effects and
interactions up to ``max_order`` lists is fitted (113 models for 4 lists, 6,893 for 5,
32,768 for 6 lists with pairwise interactions), as Rcapture's ``closedpMS.t`` does,
and the one with the smallest criterion among the *eligible* models is selected.

Everything is computed as Rcapture 1.4-4 computes it, and agrees with it on the
reference tables (tests/test_loglinear.py):

- AIC = -2 log L + 2 P and BIC = -2 log L + log(n) P, with L the Poisson likelihood of
  the observed cells (factorials included, as R's glm), P the number of parameters and
  n the number of people observed.
- Eligible models are those whose fit R would not flag: glm converged within 25
  iterations, no fitted value below 10 machine epsilons (a margin with nobody in it
  drives a parameter to minus infinity: the MLE does not exist), full-rank design, and
  an asymptotic bias of exp(intercept) under 10% of N. The fits follow R's glm.fit
  step by step so that the same models are set aside.
- The estimate and interval are closedpCI.t's: the maximum of the multinomial profile
  likelihood of N and where it stays within chi2_1(level)/2 of it. The point is the
  profile maximum (slightly below the Poisson n + exp(intercept), which the model table
  shows as ``abundance``).

With ``average=True`` the models are averaged with weights exp(-IC/2) over the eligible
models (the best ones carrying 99.9% of the weight, at most 5,000): the point is the
weighted mean of their profile maxima and the interval is Fletcher & Turek's (2012)
model-averaged tail area (MATA) interval built from their profile likelihoods, which
reduces to the profile interval when one model carries all the weight.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Self

import numpy as np

from fullcount.estimate._loglinear_fit import (
    FIT_ERROR,
    LARGE_BIAS,
    NOT_CONVERGED,
    RANK_DEFICIENT,
    STEP_HALVED,
    ZERO_FITTED,
    fit_models,
)
from fullcount.estimate._loglinear_models import (
    default_max_order,
    design_terms,
    enumerate_models,
    interaction_terms,
    model_name,
    parse_model_name,
)
from fullcount.estimate._loglinear_profile import Profiles, tail_area_interval
from fullcount.estimate.histories import CaptureHistories
from fullcount.estimate.result import Estimate, EstimationError, Estimator

CRITERIA = ("bic", "aic")
AVERAGE_COVER = 0.999   # models averaged: the best ones carrying this share of the weight
AVERAGE_MAX = 5_000     # ... but no more than this many
# A profile that has not fallen by UNBOUNDED_DROP at UNBOUNDED_REACH times the estimated
# unobserved count has its supremum at N = infinity: no MLE.
UNBOUNDED_REACH = 100.0
UNBOUNDED_DROP = 1e-3
CHUNK = 65_536          # models fitted per call (bounds memory on 2^21-model searches)

REASONS = {
    NOT_CONVERGED: "glm did not converge in 25 iterations",
    ZERO_FITTED: "fitted values numerically 0 (a parameter diverges: no MLE)",
    STEP_HALVED: "glm step truncated (deviance not finite)",
    RANK_DEFICIENT: "design matrix not of full rank",
    LARGE_BIAS: "asymptotic bias over 10% of N",
    FIT_ERROR: "glm failed (no valid coefficients)",
}


class ModelTable:
    """Every fitted model: fit statistics, criteria, Poisson estimate, eligibility.

    Columns (``table["bic"]`` etc.): ``abundance`` (n + exp(intercept), Rcapture's
    closedpMS.t column), ``stderr``, ``deviance``, ``df``, ``aic``, ``bic``, ``bias``
    (asymptotic bias of exp(intercept)), ``iterations``, ``status`` (bits, see
    ``reasons``), ``eligible`` and ``weight`` (exp(-IC/2) over the eligible models, for
    the criterion used). ``table["model"]`` gives the names in Rcapture's notation.
    """

    def __init__(self, k: int, interactions: np.ndarray, included: np.ndarray,
                 columns: dict[str, np.ndarray], criterion: str) -> None:
        self.k = k
        self.criterion = criterion
        self._interactions = interactions
        self._included = included
        self._columns = columns
        self._names: dict[int, str] = {}

    def __len__(self) -> int:
        return len(self._included)

    def __getitem__(self, column: str) -> np.ndarray:
        if column == "model":
            return np.array([self.name(i) for i in range(len(self))], dtype=object)
        if column not in self._columns:
            raise KeyError(f"no column '{column}'; columns are {self.columns}")
        return self._columns[column]

    @property
    def columns(self) -> list[str]:
        return ["model", *self._columns]

    def name(self, i: int) -> str:
        """Rcapture's name of model ``i``, e.g. ``[12,3,4]``."""
        if i not in self._names:
            self._names[i] = model_name(self.k, self._interactions[self._included[i]])
        return self._names[i]

    def index(self, name: str) -> int:
        """The row of the model called ``name`` (any equivalent spelling)."""
        wanted = model_name(self.k, parse_model_name(name, self.k))
        for i in range(len(self)):
            if self.name(i) == wanted:
                return i
        raise KeyError(f"no model {name} in this table")

    def reasons(self, i: int) -> list[str]:
        """Why model ``i`` is not eligible (empty when it is)."""
        status = int(self._columns["status"][i])
        return [text for bit, text in REASONS.items() if status & bit]

    def ranked(self, by: str | None = None, *, eligible_only: bool = True) -> np.ndarray:
        """Row numbers from best to worst by ``by`` (the table's criterion by default)."""
        key = (by or self.criterion).lower()
        values = np.where(np.isnan(self[key]), np.inf, self[key])
        rows = np.flatnonzero(self["eligible"]) if eligible_only else np.arange(len(self))
        return rows[np.argsort(values[rows], kind="stable")]

    def top(self, n: int = 10, by: str | None = None, *,
            eligible_only: bool = True) -> ModelTable:
        """The ``n`` best models as a smaller table."""
        rows = self.ranked(by, eligible_only=eligible_only)[:n]
        table = ModelTable(self.k, self._interactions, self._included[rows],
                           {c: v[rows] for c, v in self._columns.items()}, self.criterion)
        table._names = {j: self._names[i] for j, i in enumerate(rows) if i in self._names}
        return table

    def to_frame(self) -> Any:
        """A pandas DataFrame, one row per model."""
        import pandas as pd

        frame = pd.DataFrame({c: self[c] for c in self.columns})
        frame["warnings"] = ["; ".join(self.reasons(i)) for i in range(len(self))]
        return frame

    def __str__(self) -> str:
        header = (f"{'model':<28} {'abundance':>11} {'stderr':>9} {'deviance':>9} "
                  f"{'df':>3} {'AIC':>9} {'BIC':>9} {'weight':>7}  fit")
        lines = [header, "-" * len(header)]
        for i in range(len(self)):
            c = {name: self._columns[name][i] for name in self._columns}
            fit = "; ".join(self.reasons(i)) or "OK"
            lines.append(
                f"{self.name(i):<28} {c['abundance']:>11,.1f} {c['stderr']:>9,.1f} "
                f"{c['deviance']:>9.3f} {int(c['df']):>3} {c['aic']:>9.3f} "
                f"{c['bic']:>9.3f} {c['weight']:>7.3f}  {fit}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (f"ModelTable({len(self)} models, {int(self['eligible'].sum())} eligible, "
                f"by {self.criterion.upper()})")


class LogLinear(Estimator):
    """Hierarchical log-linear models selected by BIC or AIC (Rcapture's closedpMS.t).

    ``criterion``: "bic" (default) or "aic". ``max_order``: the largest interaction
    (default as Rcapture: K - 1 lists, but 2 for 6 lists; from 7 lists it must be
    given). ``average``: average over models instead of selecting one. ``level``: the
    interval's level. ``model``: fit only this model, written as Rcapture names it
    (e.g. "[12,3,4]"), as closedpCI.t does; what would make a search set it aside is
    reported as warnings.

    Learned: ``estimate_``, ``models_`` (a ``ModelTable`` of every model fitted) and
    ``model_`` (the selected model's name; the best one when averaging).
    """

    def __init__(self, criterion: str = "bic", max_order: int | None = None,
                 average: bool = False, level: float = 0.95,
                 model: str | None = None) -> None:
        self.criterion = criterion
        self.max_order = max_order
        self.average = average
        self.level = level
        self.model = model

    # -- fitting ---------------------------------------------------------------------------

    def fit(self, histories: CaptureHistories) -> Self:
        if not isinstance(histories, CaptureHistories):
            raise EstimationError("LogLinear.fit takes CaptureHistories "
                                  f"(got {type(histories).__name__})")
        criterion = self._checked_criterion()
        if not 0 < self.level < 1:
            raise EstimationError(f"level must be between 0 and 1, got {self.level}")
        k, n = histories.k, histories.n_observed
        for name, size in histories.list_sizes().items():
            if size == 0:
                raise EstimationError(
                    f"list '{name}' recorded nobody: its main effect cannot be estimated",
                    hint=f"Leave it out (histories.without('{name}')).")
        if not np.any(histories.patterns.sum(axis=1) > 1):
            raise EstimationError(
                f"no one appears on more than one of the {k} lists: without overlap "
                "there is nothing to estimate the unrecorded from (the estimate is "
                "infinite under every model)",
                hint="Check that the records were linked across lists.")
        max_order, interactions, included = self._model_space(k)
        y = _cells(histories)
        table = self._fit_all(y, k, n, interactions, included, criterion)
        self.models_ = table
        base = {"criterion": criterion, "max_order": max_order, "average": bool(self.average)}
        if self.model is not None:
            return self._fit_requested(y, k, n, table, base)
        if not table["eligible"].any():
            raise _no_eligible_model(table, histories)
        ranked = table.ranked()
        best = int(ranked[0])
        self.model_ = table.name(best)
        base["model"] = self.model_
        if self.average:
            self.estimate_ = self._averaged(y, k, n, table, ranked, base)
        else:
            self.estimate_ = self._selected(y, k, n, table, best, base)
        return self

    def _fit_requested(self, y: np.ndarray, k: int, n: int, table: ModelTable,
                       base: dict[str, Any]) -> Self:
        """The one model asked for, reported even if Rcapture would set it aside."""
        self.model_ = table.name(0)
        if not np.isfinite(table["abundance"][0]):
            raise EstimationError(
                f"model {self.model_} could not be fitted: {'; '.join(table.reasons(0))}")
        estimate = self._selected(y, k, n, table, 0, {**base, "model": self.model_})
        concerns = [f"model {self.model_}: {reason} (a model search would set it aside)"
                    for reason in table.reasons(0)]
        self.estimate_ = replace(estimate, warnings=(*concerns, *estimate.warnings))
        return self

    def _checked_criterion(self) -> str:
        criterion = str(self.criterion).lower()
        if criterion not in CRITERIA:
            raise EstimationError(f"criterion must be 'bic' or 'aic', got {self.criterion!r}")
        return criterion

    def _model_space(self, k: int) -> tuple[int, np.ndarray, np.ndarray]:
        if self.model is not None:
            if self.average:
                raise EstimationError("model= fits one model: there is nothing to average "
                                      "(drop average=True, or model= to search)")
            chosen = parse_model_name(self.model, k)
            order = max([1] + [m.bit_count() for m in chosen])
            if order > k - 1:
                raise EstimationError(f"model {self.model} holds the {k}-way interaction, "
                                      "which leaves nothing to estimate N from")
            interactions = interaction_terms(k, max(order, 1))
            included = np.isin(interactions, chosen)[None, :]
            return order, interactions, included
        if self.max_order is None:
            if k >= 7:
                raise EstimationError(
                    f"{k} lists: searching all models with pairwise interactions means "
                    f"{2 ** (k * (k - 1) // 2):,} fits; give max_order explicitly",
                    hint="max_order=2 searches them (7 lists: a minute or two); "
                         "max_order=1 fits only the independence model; or merge lists.")
            max_order = default_max_order(k)
        else:
            max_order = self.max_order
            if isinstance(max_order, bool) or not isinstance(max_order, (int, np.integer)):
                raise EstimationError(f"max_order must be a whole number, got {max_order!r}")
            max_order = int(max_order)
        interactions, included = enumerate_models(k, max_order)
        return max_order, interactions, included

    def _fit_all(self, y: np.ndarray, k: int, n: int, interactions: np.ndarray,
                 included: np.ndarray, criterion: str) -> ModelTable:
        parts = []
        for start in range(0, len(included), CHUNK):
            block = included[start:start + CHUNK]
            terms, sizes = design_terms(k, interactions, block)
            parts.append(fit_models(y, terms, sizes, k, float(n)))
        stats, iterations, status = (np.concatenate(column) for column in zip(*parts))
        intercept, var_intercept, deviance, aic, bic, bias = stats.T
        sizes = 1 + k + included.sum(axis=1)
        with np.errstate(over="ignore", invalid="ignore"):
            unobserved = np.exp(intercept)
            stderr = np.sqrt(unobserved + unobserved**2 * var_intercept)
        eligible = status == 0
        ic = aic if criterion == "aic" else bic
        weight = np.zeros(len(included))
        if eligible.any():
            delta = ic[eligible] - ic[eligible].min()
            weight[eligible] = np.exp(-delta / 2)
            weight /= weight.sum()
        columns = {
            "abundance": n + unobserved, "stderr": stderr, "deviance": deviance,
            "df": (2**k - 1) - sizes, "aic": aic, "bic": bic, "bias": bias,
            "iterations": iterations, "status": status, "eligible": eligible,
            "weight": weight,
        }
        return ModelTable(k, interactions, included, columns, criterion)

    def _profiles(self, y: np.ndarray, k: int, n: int, table: ModelTable,
                  rows: np.ndarray) -> Profiles:
        """The profile likelihoods of N under the models in ``rows``."""
        terms, sizes = design_terms(k, table._interactions, table._included[rows])
        return Profiles(y, n, k, terms, sizes, table["abundance"][rows])

    def _selected(self, y: np.ndarray, k: int, n: int, table: ModelTable, best: int,
                  base: dict[str, Any]) -> Estimate:
        profiles = self._profiles(y, k, n, table, np.array([best]))
        point = max(float(n), float(profiles.totals[0]))
        far = n + UNBOUNDED_REACH * max(point - n, 1.0)
        if profiles.logliks(far)[0] > profiles.maxima[0] - UNBOUNDED_DROP:
            raise EstimationError(
                f"under model {table.name(best)} the likelihood keeps rising as N grows: "
                "the maximum-likelihood estimate of N does not exist (Rcapture would print "
                f"N = {table['abundance'][best]:.3g}, where its fit happened to stop)",
                hint="Choose another model, or a Bayesian method (lcmcr, dga).")
        lower, upper, is_open = tail_area_interval(profiles, np.ones(1), self.level)
        return Estimate(
            method="loglinear", point=point, lower=max(n, min(lower, point)),
            upper=max(upper, point), level=self.level, n_observed=n, settings=base,
            diagnostics={**_model_diagnostics(table, best), **_search_diagnostics(table)},
            warnings=tuple(_interval_warnings(is_open, upper, self.level)))

    def _averaged(self, y: np.ndarray, k: int, n: int, table: ModelTable, ranked: np.ndarray,
                  base: dict[str, Any]) -> Estimate:
        weight = table["weight"][ranked]
        keep = min(int(np.searchsorted(np.cumsum(weight), AVERAGE_COVER)) + 1, AVERAGE_MAX,
                   len(ranked))
        rows = ranked[:keep]
        covered = float(weight[:keep].sum())
        weights = weight[:keep] / covered
        profiles = self._profiles(y, k, n, table, rows)
        point = max(float(n), float(np.dot(weights, profiles.totals)))
        lower, upper, is_open = tail_area_interval(profiles, weights, self.level)
        warnings = _interval_warnings(is_open, upper, self.level)
        if covered < 0.99:
            warnings.append(f"the {keep:,} models averaged carry {covered:.1%} of the "
                            f"{table.criterion.upper()} weight; the rest is spread thinly "
                            "over many more models")
        diagnostics = {**_model_diagnostics(table, int(rows[0])),
                       **_search_diagnostics(table),
                       "models_averaged": keep, "weight_covered": covered,
                       "averaged": [{"model": table.name(int(r)), "weight": float(w),
                                     "estimate": float(m)}
                                    for r, w, m in zip(rows[:10], weights[:10],
                                                       profiles.totals[:10])]}
        return Estimate(
            method="loglinear", point=point, lower=max(n, min(lower, point)),
            upper=max(upper, point), level=self.level, n_observed=n,
            settings=base, diagnostics=diagnostics, warnings=tuple(warnings))

    # -- reading the result ------------------------------------------------------------------

    def model_table(self, top: int | None = 10, by: str | None = None) -> ModelTable:
        """The ``top`` eligible models by ``by`` (default: the fitted criterion)."""
        if not hasattr(self, "models_"):
            raise EstimationError("LogLinear is not fitted: call fit() first")
        return self.models_.top(len(self.models_) if top is None else top, by)

    def summary(self) -> str:
        text = super().summary()
        table = self.models_
        d = self.estimate_.diagnostics
        what = ("averaged over models" if self.average
                else f"{'requested' if self.model else 'selected'} model {d['model']}")
        lines = [
            text, "",
            (f"log-linear, {what}, by {table.criterion.upper()}: "
             f"{d['models_eligible']:,} of {d['models_fitted']:,} models eligible "
             f"(max order {self.estimate_.settings['max_order']})"),
            (f"  {'best model ' + d['model'] + ': ' if self.average else ''}"
             f"deviance {d['deviance']:.3f} on {d['df']} df, AIC {d['aic']:.3f}, "
             f"BIC {d['bic']:.3f}; Poisson estimate {d['poisson_estimate']:,.1f} "
             f"(s.e. {d['stderr']:,.1f})"),
            "",
            str(self.models_.top(10, eligible_only=self.model is None)),
        ]
        return "\n".join(lines)


def _cells(histories: CaptureHistories) -> np.ndarray:
    """Counts by cell, the cell being the history as a bitmask with list j at bit j."""
    y = np.zeros(1 << histories.k)
    masks = histories.patterns.astype(np.int64) @ (1 << np.arange(histories.k))
    y[masks] = histories.counts
    return y


def _model_diagnostics(table: ModelTable, row: int) -> dict[str, Any]:
    return {
        "model": table.name(row),
        "aic": float(table["aic"][row]),
        "bic": float(table["bic"][row]),
        "deviance": float(table["deviance"][row]),
        "df": int(table["df"][row]),
        "poisson_estimate": float(table["abundance"][row]),
        "stderr": float(table["stderr"][row]),
        "asymptotic_bias": float(table["bias"][row]),
        "weight": float(table["weight"][row]),
    }


def _search_diagnostics(table: ModelTable) -> dict[str, Any]:
    return {"models_fitted": len(table), "models_eligible": int(table["eligible"].sum())}


def _interval_warnings(is_open: bool, upper: float, level: float) -> list[str]:
    if not is_open:
        return []
    return [(f"the profile likelihood does not fall enough as N grows: the {level:.0%} "
             f"interval has no upper end below {upper:,.0f}, reported as its upper bound")]


def _no_eligible_model(table: ModelTable, histories: CaptureHistories) -> EstimationError:
    counts: dict[str, int] = {}
    for i in range(len(table)):
        for reason in table.reasons(i):
            counts[reason] = counts.get(reason, 0) + 1
    why = "; ".join(f"{c} of {len(table)}: {r}" for r, c in
                    sorted(counts.items(), key=lambda item: -item[1]))
    finite = np.isfinite(table["abundance"])
    silly = ""
    if finite.any():
        best = table.ranked(eligible_only=False)[0]
        silly = (f" (Rcapture would then choose among all models: {table.name(int(best))} "
                 f"with N = {table['abundance'][best]:.3g})")
    return EstimationError(
        f"no log-linear model fits these {histories.k} lists without a warning ({why}): "
        f"the maximum-likelihood estimate of N does not exist or is unstable for these "
        f"data{silly}",
        hint="The inspected fits are in the estimator's models_. A Bayesian method "
             "(lcmcr, dga) can still give an interval; check the lists for empty overlaps.")
