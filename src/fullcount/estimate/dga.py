"""Bayesian model averaging over decomposable graphical models (Madigan & York 1997).

The method of the ``dga`` R package (Johndrow, Lum & Ball): every decomposable graph on
the K lists is a model of how the lists depend on each other. Each graph gets the
hyper-Dirichlet prior with ``delta`` prior people per cell of the full 2^K table (dga's
suggested default 2^-K, one prior person in all), so the marginal likelihood of the
*completed* table (observed cells plus N_missing people on no list) is a product of
Dirichlet-multinomial terms over the graph's cliques divided by those over its
separators (Dawid & Lauritzen 1993). With prior p(N) (default 1/N) and a uniform prior
over graphs,

    p(N_missing, g | data) ∝ p(N) · N! / N_missing! · Π_C ML_C / Π_S ML_S,

where N! / N_missing! is what is left of the multinomial coefficient of the completed
table once the observed counts' factorials (constants) are dropped. Each clique term
depends on N_missing only through the log-gamma of its all-zero cell and of its total,
so the whole graph-by-grid matrix is one matrix product of ±1 clique/separator
coefficients with 2^K vectors of log-gamma values.

The grid of N_missing is dga's: 0 to 20,000 in steps of 1, then in steps of s up to the
grid edge (each point standing for the s integers up to it); the edge starts at
max(10 n, 2,000) and doubles until the posterior mass in its top tenth is negligible.

When the saturated graph (every list dependent on every other) dominates, the
unobserved cell is not identified: the posterior over N_missing is then a spike at 0
with a heavy tail, and its median is about the observed count. That is reported as a
warning, never as an estimate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Self

import numpy as np
from scipy.special import gammaln

from fullcount.estimate._graphs import decomposable_graphs
from fullcount.estimate.histories import CaptureHistories
from fullcount.estimate.result import Estimate, EstimationError, Estimator

PRIORS = ("1/N", "uniform")
FINE_LIMIT = 20_000          # N_missing grid in steps of 1 up to here, as dga's users do
COARSE_POINTS = 20_000       # at most this many grid points beyond FINE_LIMIT
TAIL_TOLERANCE = 1e-4        # posterior mass allowed in the grid's top tenth
MAX_DOUBLINGS = 12           # the grid edge grows at most 2^12-fold from its start
SATURATED_WARNING = 0.1      # warn when the saturated graph has this posterior probability
CHUNK = 4096                 # grid points per block (bounds memory at 822 graphs)


@dataclass(frozen=True, eq=False)
class GridPosterior:
    """The posterior over the total N on a grid.

    Grid point ``n_total[i]`` stands for the ``width[i]`` whole numbers
    ``n_total[i] - width[i] + 1 … n_total[i]``; ``probability[i]`` is their total
    posterior mass (summing to 1).
    """

    n_total: np.ndarray
    width: np.ndarray
    probability: np.ndarray

    def quantile(self, q: float) -> float:
        """Smallest grid N whose cumulative posterior reaches ``q`` (dga's convention)."""
        cdf = np.cumsum(self.probability)
        index = int(np.searchsorted(cdf, q * cdf[-1], side="left"))
        return float(self.n_total[min(index, self.n_total.size - 1)])

    def mean(self) -> float:
        centre = self.n_total - (self.width - 1) / 2
        return float(centre @ self.probability)

    def sample(self, size: int, seed: int | None = None) -> np.ndarray:
        """``size`` draws of N (whole numbers), e.g. to add strata draw by draw."""
        rng = np.random.default_rng(seed)
        cells = rng.choice(self.n_total.size, size=size, p=self.probability)
        offsets = np.floor(rng.random(size) * self.width[cells]).astype(np.int64)
        return self.n_total[cells].astype(np.int64) - offsets


class DGA(Estimator):
    """Madigan & York's model averaging over decomposable graphs, as the dga R package.

    Parameters
    ----------
    delta : Dirichlet prior people per cell of the full 2^K table; default 2^-K (dga).
    prior : prior on N: ``"1/N"`` (dga's default) or ``"uniform"``.
    level : interval level; the interval is equal-tailed.
    max_missing : fix the grid edge for N_missing instead of growing it until the
        posterior mass at the edge is negligible.
    draws : how many posterior draws of N to put in ``estimate_.draws`` (0 for none).
    seed : seed for those draws (the estimate itself is exact, not sampled).
    top_graphs : how many graphs to list in ``summary()`` and the diagnostics.
    """

    def __init__(self, delta: float | None = None, prior: str = "1/N", level: float = 0.95,
                 max_missing: int | None = None, draws: int = 10_000,
                 seed: int | None = None, top_graphs: int = 5) -> None:
        self.delta = delta
        self.prior = prior
        self.level = level
        self.max_missing = max_missing
        self.draws = draws
        self.seed = seed
        self.top_graphs = top_graphs

    # -- fitting -------------------------------------------------------------------------

    def fit(self, histories: CaptureHistories) -> Self:
        if not isinstance(histories, CaptureHistories):
            raise EstimationError(
                f"DGA.fit takes CaptureHistories, not {type(histories).__name__}; build them "
                "with CaptureHistories.from_csv / from_frame / from_patterns")
        k = histories.k
        if not 3 <= k <= 5:
            raise EstimationError(_wrong_k_message(k, histories.lists))
        delta = self._check_params(k)
        n = histories.n_observed
        graphs = decomposable_graphs(k)
        coefficients = np.array([g.subset_coefficients() for g in graphs])
        model = _Posterior(histories, coefficients, delta, self.prior)

        if self.max_missing is None:
            grid_edge, edge_reached = model.choose_grid_edge()
        else:
            grid_edge, edge_reached = int(self.max_missing), False
        missing, width = missing_grid(grid_edge)
        log_by_missing, log_by_graph = model.log_masses(missing, width)

        shift = log_by_missing.max()
        probability = np.exp(log_by_missing - shift)
        probability /= probability.sum()
        graph_probability = np.exp(log_by_graph - log_by_graph.max())
        graph_probability /= graph_probability.sum()
        posterior = GridPosterior(n + missing, width, probability)

        tail = (1 - self.level) / 2
        point = posterior.quantile(0.5)
        lower, upper = posterior.quantile(tail), posterior.quantile(1 - tail)

        names = histories.lists
        order = np.argsort(-graph_probability, kind="stable")
        top = order[:max(self.top_graphs, 1)]
        top_medians = model.graph_medians(top, missing, width)
        top_table = [{"graph": graphs[g].notation(names),
                      "probability": float(graph_probability[g]),
                      "median": float(n + m)} for g, m in zip(top, top_medians, strict=True)]

        saturated = next(i for i, g in enumerate(graphs) if g.is_saturated)
        none_missing = float(probability[0])
        edge_mass = float(probability[missing > 0.9 * grid_edge].sum())
        warnings = _degeneracy_warnings(
            n=n, point=point, lower=lower, upper=upper, level=self.level,
            none_missing=none_missing, saturated=float(graph_probability[saturated]),
            saturated_name=graphs[saturated].notation(names), edge_mass=edge_mass,
            grid_edge=grid_edge, edge_reached=edge_reached, prior=self.prior)

        self.posterior_ = posterior
        self.graphs_ = graphs
        self.graph_probabilities_ = {graphs[g].notation(names): float(graph_probability[g])
                                     for g in order}
        self.top_graphs_ = top_table
        step = int(width[-1])
        draws = posterior.sample(self.draws, self.seed) if self.draws else None
        self.estimate_ = Estimate(
            method="dga", point=point, lower=lower, upper=upper, level=self.level,
            n_observed=n,
            settings={"delta": delta, "prior": self.prior, "graph_prior": "uniform",
                      "graphs": f"all {len(graphs)} decomposable on {k} lists",
                      "max_missing": grid_edge, "grid_step_beyond_20000": step},
            seed=self.seed if self.draws else None,
            draws=draws,
            diagnostics={"posterior_mean": posterior.mean(),
                         "p_none_missing": none_missing,
                         "p_saturated": float(graph_probability[saturated]),
                         "edge_mass": edge_mass,
                         "degenerate": bool(warnings),
                         "n_graphs": len(graphs),
                         "top_graphs": top_table},
            warnings=tuple(warnings),
        )
        return self

    def sample_draws(self, size: int, seed: int | None = None) -> np.ndarray:
        """Draws of N from the fitted posterior (to combine strata by summing draws)."""
        if not hasattr(self, "posterior_"):
            raise EstimationError("DGA is not fitted: call fit() first")
        if size < 0:
            raise EstimationError(f"size must be >= 0, got {size}")
        return self.posterior_.sample(size, seed)

    def summary(self) -> str:
        text = super().summary()
        heading = (f"posterior over graphs (top {len(self.top_graphs_)} of "
                   f"{len(self.graphs_)}; uniform prior over graphs)")
        lines = [text, "", heading, f"  {'probability':>11}  {'median N':>10}  graph"]
        for row in self.top_graphs_:
            lines.append(f"  {row['probability']:>11.3f}  {row['median']:>10,.0f}  "
                         f"{row['graph']}")
        return "\n".join(lines)

    def _check_params(self, k: int) -> float:
        delta = 2.0 ** -k if self.delta is None else self.delta
        if isinstance(delta, bool) or not isinstance(delta, (int, float)) \
                or not math.isfinite(delta) or delta <= 0:
            raise EstimationError(f"delta (prior people per table cell) must be a positive "
                                  f"number, got {self.delta!r}; dga suggests 2^-K = {2.0**-k}")
        if self.prior not in PRIORS:
            raise EstimationError(f"prior must be one of {list(PRIORS)}, got {self.prior!r}")
        if not isinstance(self.level, (int, float)) or not 0 < self.level < 1:
            raise EstimationError(f"level must be between 0 and 1, got {self.level!r}")
        if self.max_missing is not None and (
                isinstance(self.max_missing, bool) or not isinstance(self.max_missing, int)
                or self.max_missing < 1):
            raise EstimationError(f"max_missing must be a whole number >= 1 (the grid edge "
                                  f"for N_missing), got {self.max_missing!r}")
        if isinstance(self.draws, bool) or not isinstance(self.draws, int) or self.draws < 0:
            raise EstimationError(f"draws must be a whole number >= 0, got {self.draws!r}")
        if isinstance(self.top_graphs, bool) or not isinstance(self.top_graphs, int) \
                or self.top_graphs < 1:
            raise EstimationError(f"top_graphs must be a whole number >= 1, "
                                  f"got {self.top_graphs!r}")
        return float(delta)


def missing_grid(grid_edge: int) -> tuple[np.ndarray, np.ndarray]:
    """N_missing grid and how many integers each point stands for (dga's layout)."""
    fine = np.arange(0, min(grid_edge, FINE_LIMIT) + 1, dtype=np.float64)
    if grid_edge <= FINE_LIMIT:
        return fine, np.ones_like(fine)
    step = -(-(grid_edge - FINE_LIMIT) // COARSE_POINTS)
    coarse = np.arange(FINE_LIMIT + step, grid_edge + 1, step, dtype=np.float64)
    return (np.concatenate([fine, coarse]),
            np.concatenate([np.ones_like(fine), np.full_like(coarse, step)]))


class _Posterior:
    """Log posterior masses of (graph, N_missing) for one table, evaluated on any grid."""

    def __init__(self, histories: CaptureHistories, coefficients: np.ndarray,
                 delta: float, prior: str) -> None:
        k = histories.k
        self.k = k
        self.n = histories.n_observed
        self.coefficients = coefficients
        self.delta = delta
        self.prior = prior
        # For every subset A of lists (bit j = list j): the constant part of the log
        # marginal likelihood of the A-margin, and how many observed people are on no
        # list of A (they join the N_missing in the margin's all-zero cell).
        list_bits = histories.patterns.astype(np.int64) @ (1 << np.arange(k))
        self.zero_cell = np.zeros(1 << k)
        self.constant = np.zeros(1 << k)
        self.alpha = np.zeros(1 << k)
        total_alpha = delta * 2**k
        for subset in range(1, 1 << k):
            size = subset.bit_count()
            alpha = delta * 2 ** (k - size)  # hyper-Dirichlet: marginal cells add up
            cells = np.bincount(list_bits & subset, weights=histories.counts,
                                minlength=1 << k)
            occupied = cells[1:]
            self.alpha[subset] = alpha
            self.zero_cell[subset] = cells[0]
            self.constant[subset] = (gammaln(total_alpha)
                                     + np.sum(gammaln(occupied + alpha) - gammaln(alpha))
                                     - gammaln(alpha))
        self.total_alpha = total_alpha

    def subset_terms(self, missing: np.ndarray) -> np.ndarray:
        """(2^K, grid) log marginal likelihoods of every margin of the completed table."""
        terms = np.zeros((1 << self.k, missing.size))
        total = gammaln(self.n + missing + self.total_alpha)
        for subset in range(1, 1 << self.k):
            terms[subset] = (self.constant[subset]
                             + gammaln(self.zero_cell[subset] + missing + self.alpha[subset])
                             - total)
        return terms

    def common_terms(self, missing: np.ndarray, width: np.ndarray) -> np.ndarray:
        """Log prior on N, the multinomial coefficient's N!/N_missing!, the cell widths."""
        total = self.n + missing
        common = gammaln(total + 1) - gammaln(missing + 1) + np.log(width)
        if self.prior == "1/N":
            common -= np.log(total)
        return common

    def log_masses(self, missing: np.ndarray,
                   width: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Log posterior mass (unnormalised) per grid point and per graph."""
        by_missing = np.empty(missing.size)
        by_graph = np.full(self.coefficients.shape[0], -np.inf)
        for start in range(0, missing.size, CHUNK):
            block = slice(start, start + CHUNK)
            log_joint = self.coefficients @ self.subset_terms(missing[block])
            log_joint += self.common_terms(missing[block], width[block])
            top = log_joint.max()
            log_joint -= top
            joint = np.exp(log_joint, out=log_joint)
            with np.errstate(divide="ignore"):
                by_missing[block] = np.log(joint.sum(axis=0)) + top
                by_graph = np.logaddexp(by_graph, np.log(joint.sum(axis=1)) + top)
        return by_missing, by_graph

    def graph_medians(self, graphs: np.ndarray, missing: np.ndarray,
                      width: np.ndarray) -> np.ndarray:
        """Posterior median of N_missing under each of ``graphs`` alone."""
        log_joint = self.coefficients[graphs] @ self.subset_terms(missing)
        log_joint += self.common_terms(missing, width)
        joint = np.exp(log_joint - log_joint.max(axis=1, keepdims=True))
        cdf = np.cumsum(joint, axis=1)
        index = np.array([np.searchsorted(row, 0.5 * row[-1]) for row in cdf])
        return missing[np.minimum(index, missing.size - 1)]

    def choose_grid_edge(self) -> tuple[int, bool]:
        """Smallest doubling of max(10 n, 2000) whose top tenth holds negligible mass.

        Checked on a sparse grid (every integer to 200, then geometric, plus every
        candidate edge and 90% of it) so the search costs a few thousand points.
        Returns the edge and whether the search stopped at its cap instead.
        """
        start = max(10 * self.n, 2000)
        edges = [start * 2**d for d in range(MAX_DOUBLINGS + 1)]
        marks = [int(0.9 * e) for e in edges]
        points = np.unique(np.concatenate([
            np.arange(0, 201), np.round(np.geomspace(200, edges[-1], 3000)), edges, marks,
        ])).astype(np.float64)
        width = np.diff(points, prepend=-1.0)
        log_by_missing, _ = self.log_masses(points, width)
        mass = np.exp(log_by_missing - log_by_missing.max())
        cumulative = np.cumsum(mass)
        for edge, mark in zip(edges, marks, strict=True):
            inside = cumulative[np.searchsorted(points, edge)]
            below_mark = cumulative[np.searchsorted(points, mark)]
            if (inside - below_mark) <= TAIL_TOLERANCE * inside:
                return edge, False
        return edges[-1], True


def _wrong_k_message(k: int, lists: tuple[str, ...]) -> str:
    shown = ", ".join(lists)
    if k < 3:
        return (f"DGA averages over decomposable graphs on 3 to 5 lists; these histories have "
                f"{k} ({shown}). With 2 lists use Chapman (the lists' dependence cannot be "
                "estimated from 2 lists).")
    return (f"DGA averages over decomposable graphs on 3 to 5 lists; these histories have {k} "
            f"({shown}). Use a method for many lists (LCMCR, log-linear models), or merge "
            "lists down to 5 (as the SparseMSE *_5 tables do) before using DGA.")


def _degeneracy_warnings(*, n: int, point: float, lower: float, upper: float, level: float,
                         none_missing: float, saturated: float, saturated_name: str,
                         edge_mass: float, grid_edge: int, edge_reached: bool,
                         prior: str) -> list[str]:
    """Say when the posterior is piled at N_missing = 0 or at the grid edge, and why."""
    warnings = []
    if point <= n:
        warnings.append(
            f"degenerate: the posterior puts {none_missing:.0%} of its mass on no one being "
            f"missed, so its median is the observed count ({n:,}); that is not an estimate of "
            "the total. The data do not identify the unobserved count under these models.")
    elif lower <= n:
        warnings.append(
            f"the lower bound is the observed count ({n:,}), not an estimate: the posterior "
            f"puts {none_missing:.1%} of its mass on no one being missed.")
    if saturated >= SATURATED_WARNING:
        warnings.append(
            f"the saturated graph {saturated_name} (every list dependent on every other) has "
            f"posterior probability {saturated:.2f}; under it the unobserved count is not "
            "identified (a spike at no one missed plus a heavy tail), so this estimate leans "
            "on the prior. Compare with LCMCR or log-linear models, or estimate by stratum.")
    improper = (" Under a uniform prior on N the posterior may not be proper at all; the "
                "1/N prior (dga's default) keeps it proper." if prior == "uniform" else "")
    if edge_reached:
        warnings.append(
            f"degenerate: the posterior has not died out at N_missing = {grid_edge:,}, the "
            f"largest grid tried ({edge_mass:.1%} of it in the grid's top tenth); the median "
            "and the interval depend on where the grid stops and are not estimates."
            + improper)
    elif edge_mass > 10 * TAIL_TOLERANCE or upper >= n + grid_edge:
        warnings.append(
            f"{edge_mass:.1%} of the posterior lies in the top tenth of the grid (N_missing up "
            f"to {grid_edge:,}): the upper bound {upper:,.0f} may be the grid edge rather than "
            "an estimate; raise max_missing to check." + improper)
    return warnings

