"""LCMCR (Manrique-Vallier 2016): sampler pieces, convergence diagnostics, agreement with
the R package LCMCR, coverage on simulated populations, reproducibility, bad input."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numba import njit
from scipy import stats

from fullcount.estimate import _lcmcr_kernel as kernel
from fullcount.estimate import diagnostics
from fullcount.estimate.histories import CaptureHistories
from fullcount.estimate.lcmcr import LCMCR
from fullcount.estimate.result import Estimate, EstimationError

DATA = Path(__file__).parent / "data" / "mse"


def load(name: str) -> CaptureHistories:
    return CaptureHistories.from_csv(DATA / f"{name}.csv")


def reference(name: str) -> dict[str, float]:
    with (DATA / "reference_estimates.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["dataset"] == name and row["method"] == "LCMCR":
                return {key: float(row[key]) for key in ("estimate_point", "lo95", "hi95")}
    raise KeyError(name)


# ------------------------------------------------------------------ sampler pieces
# The kernel's random draws, checked against their exact laws (numba's generator is
# seeded inside jitted code, hence the small jitted drivers).


@njit
def _draw_unobserved(seed: int, size: int, n: int, log_pi0: float, p_observed: float,
                     cap: int) -> tuple[np.ndarray, np.ndarray]:
    np.random.seed(seed)
    tally = np.zeros(kernel.TALLY_SIZE, dtype=np.int64)
    out = np.empty(size, dtype=np.int64)
    for i in range(size):
        out[i] = kernel._truncated_unobserved(n, log_pi0, p_observed, cap, tally)
    return out, tally


@pytest.mark.parametrize(("n", "pi0", "cap", "path"), [
    (50, 0.6, 1000, "rejection"),      # cap far above the mass: plain negative binomial
    (50, 0.96, 1300, "rejection"),     # cap inside the bulk: some draws rejected
    (50, 0.995, 1000, "exact"),        # mass far beyond the cap: exact inversion
    (3, 0.9999, 60, "exact"),          # tiny n, π0 → 1
])
def test_unobserved_count_follows_truncated_negative_binomial(n: int, pi0: float, cap: int,
                                                               path: str) -> None:
    draws, tally = _draw_unobserved(7, 40_000, n, math.log(pi0), 1.0 - pi0, cap)
    assert draws.min() >= 0 and draws.max() <= cap
    if path == "exact":
        assert tally[kernel.TALLY_N0_EXACT] > 0
    else:
        assert tally[kernel.TALLY_N0_DRAWS] >= draws.size
    # Failures before n successes with success probability 1 − π0, truncated at cap.
    support = np.arange(cap + 1)
    pmf = stats.nbinom.pmf(support, n, 1.0 - pi0)
    pmf /= pmf.sum()
    mean = float(support @ pmf)
    sd = math.sqrt(float((support - mean) ** 2 @ pmf))
    assert abs(draws.mean() - mean) < 5 * sd / math.sqrt(draws.size)
    # Chi-square on cells of ≈ equal expected probability.
    edges = np.unique(np.searchsorted(np.cumsum(pmf), np.linspace(0, 1, 21)[1:-1]))
    expected = np.diff(np.concatenate([[0.0], np.cumsum(pmf)[edges], [1.0]])) * draws.size
    observed = np.bincount(np.searchsorted(edges, draws, side="left"),
                           minlength=len(expected))
    chi2 = float(((observed - expected) ** 2 / expected).sum())
    assert stats.chi2.sf(chi2, len(expected) - 1) > 1e-4


@njit
def _draw_beta(seed: int, size: int, a: float, b: float) -> tuple[np.ndarray, np.ndarray]:
    np.random.seed(seed)
    log_x = np.empty(size)
    log_rest = np.empty(size)
    for i in range(size):
        log_x[i], log_rest[i] = kernel._log_beta_variate(a, b)
    return log_x, log_rest


@pytest.mark.parametrize(("a", "b"), [(1.0, 1.0), (1.0, 40.0), (25.0, 1.0), (3.0, 0.002),
                                      (0.3, 7.0), (120.0, 900.0), (1.5, 2.5), (9.0, 2.0),
                                      (2.0, 60_000.0)])
def test_beta_draws_in_logs_are_exact(a: float, b: float) -> None:
    log_x, log_rest = _draw_beta(3, 50_000, a, b)
    assert np.all(np.isfinite(log_x)) and np.all(np.isfinite(log_rest))
    # log X and log(1 − X) describe the same X.
    assert np.allclose(np.exp(log_x) + np.exp(log_rest), 1.0)
    # E log X = ψ(a) − ψ(a + b) (finite even when X underflows, unlike E X for tiny b).
    from scipy.special import digamma, polygamma

    expected = digamma(a) - digamma(a + b)
    sd = math.sqrt(polygamma(1, a) - polygamma(1, a + b))
    assert abs(log_x.mean() - expected) < 5 * sd / math.sqrt(log_x.size)
    expected_rest = digamma(b) - digamma(a + b)
    sd_rest = math.sqrt(polygamma(1, b) - polygamma(1, a + b))
    assert abs(log_rest.mean() - expected_rest) < 5 * sd_rest / math.sqrt(log_x.size)


@njit
def _draw_split(seed: int, size: int, total: int, weights: np.ndarray) -> np.ndarray:
    np.random.seed(seed)
    k = weights.size
    order = np.empty(k, dtype=np.int64)
    kernel._order_decreasing(weights, order)
    out = np.empty((size, k), dtype=np.int64)
    split = np.empty(k, dtype=np.int64)
    tail = np.empty(k)
    for i in range(size):
        kernel._split_count(total, weights, order, tail, split)
        out[i] = split
    return out


@pytest.mark.parametrize("total", [1, 7, 5000])
def test_pattern_split_is_multinomial(total: int) -> None:
    weights = np.array([0.5, 3.0, 1e-9, 0.0, 1.5, 0.25])
    draws = _draw_split(11, 20_000, total, weights)
    assert np.all(draws.sum(axis=1) == total) and np.all(draws >= 0)
    assert np.all(draws[:, 3] == 0)  # zero weight, never chosen
    p = weights / weights.sum()
    se = np.sqrt(total * p * (1 - p) / draws.shape[0])
    assert np.all(np.abs(draws.mean(axis=0) - total * p) <= 5 * se + 1e-9)


# ------------------------------------------------------------------ diagnostics


def _ar1(rng: np.random.Generator, chains: int, n: int, rho: float) -> np.ndarray:
    noise = rng.standard_normal((chains, n)) * math.sqrt(1 - rho**2)
    out = np.empty((chains, n))
    out[:, 0] = rng.standard_normal(chains)
    for t in range(1, n):
        out[:, t] = rho * out[:, t - 1] + noise[:, t]
    return out


def test_diagnostics_on_independent_and_autocorrelated_draws() -> None:
    rng = np.random.default_rng(5)
    iid = rng.standard_normal((4, 2000))
    assert diagnostics.rhat(iid) < 1.01
    assert 0.9 * 8000 < diagnostics.ess_bulk(iid) < 1.1 * 8000
    assert 0.85 * 8000 < diagnostics.ess_tail(iid) < 1.15 * 8000
    ar = _ar1(rng, 4, 20_000, 0.9)  # integrated autocorrelation time (1 + ρ)/(1 − ρ) = 19
    expected = 80_000 / 19
    assert 0.85 * expected < diagnostics.ess_bulk(ar) < 1.15 * expected
    assert 0.85 * expected < diagnostics.ess_basic(ar) < 1.15 * expected
    # MCSE of the median of iid normal draws: sqrt(π/2)·σ/√S.
    assert diagnostics.mcse_quantile(iid, 0.5) == pytest.approx(
        math.sqrt(math.pi / 2 / 8000), rel=0.25)


def test_diagnostics_see_chains_that_disagree() -> None:
    rng = np.random.default_rng(6)
    draws = rng.standard_normal((4, 1000))
    draws[2] += 1.0  # one chain elsewhere
    assert diagnostics.rhat(draws) > 1.05
    trend = rng.standard_normal((4, 1000)) + np.linspace(0, 2, 1000)  # all drift alike
    assert diagnostics.rhat(trend) > 1.05  # caught by splitting the chains
    scale = rng.standard_normal((4, 1000)) * np.array([[1], [1], [1], [4]])
    assert diagnostics.rhat(scale) > 1.05  # same centre, different spread: folded R-hat
    assert diagnostics.rhat_basic(scale) < 1.02  # … which the classic R-hat misses


def test_diagnostics_report_nan_when_undefined() -> None:
    assert math.isnan(diagnostics.rhat(np.ones((4, 100))))
    assert math.isnan(diagnostics.ess_bulk(np.ones((4, 100))))
    assert math.isnan(diagnostics.rhat(np.arange(6.0)[None, :]))  # 3 draws per half
    with pytest.raises(ValueError):
        diagnostics.rhat(np.array([[1.0, math.nan, 2.0, 3.0]]))


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 2**32 - 1), st.floats(-5, 5), st.floats(0.1, 10),
       st.sampled_from([0.125, 0.5, 2.0, 8.0]))
def test_rank_diagnostics_ignore_monotone_transforms(seed: int, shift: float, scale: float,
                                                     power: float) -> None:
    draws = _ar1(np.random.default_rng(seed), 3, 200, 0.5)
    # Ranks (bulk and tail ESS) survive any increasing map; folding around the median
    # (the tail half of R-hat) survives increasing linear maps (powers of 2: exact in
    # floating point, so ties at the median stay ties).
    curved = np.exp(scale * draws + shift)
    assert diagnostics.ess_bulk(curved) == pytest.approx(diagnostics.ess_bulk(draws))
    assert diagnostics.ess_tail(curved) == pytest.approx(diagnostics.ess_tail(draws))
    assert diagnostics.rhat(power * draws) == pytest.approx(diagnostics.rhat(draws))


# ------------------------------------------------------------------ estimator contract

SHORT = {"chains": 2, "burnin": 1000, "samples": 300, "thinning": 5}


def test_fit_returns_estimate_with_draws_and_diagnostics() -> None:
    histories = load("dga_example_3lists")
    model = LCMCR(seed=3, **SHORT)
    assert model.fit(histories) is model
    estimate = model.estimate_
    assert isinstance(estimate, Estimate) and estimate.method == "lcmcr"
    assert model.draws_.shape == (2, 300) and estimate.draws is not None
    assert np.array_equal(np.sort(estimate.draws), np.sort(model.draws_.ravel()))
    assert estimate.point == np.median(model.draws_)
    assert estimate.lower <= estimate.point <= estimate.upper
    assert model.draws_.min() >= histories.n_observed
    assert estimate.seed == 3 and estimate.settings["K_star"] == 10
    info = estimate.diagnostics
    for key in ("rhat", "ess_bulk", "ess_tail", "iterations", "chains", "k_star",
                "microseconds_per_iteration", "truncation", "stopped"):
        assert key in info
    assert info["iterations"] == 1500 and info["stopped"] == "fixed length"
    json.dumps(estimate.to_dict(), allow_nan=False)  # no NaN anywhere in the record
    text = model.summary()
    assert "lcmcr" in text and "R-hat" in text


def test_same_seed_same_draws_whatever_the_threads() -> None:
    histories = load("Rcapture_hare")
    first = LCMCR(seed=42, threads=2, **SHORT).fit(histories).draws_
    again = LCMCR(seed=42, threads=1, **SHORT).fit(histories).draws_
    other = LCMCR(seed=43, threads=2, **SHORT).fit(histories).draws_
    assert np.array_equal(first, again)
    assert not np.array_equal(first, other)
    assert not np.array_equal(first[0], first[1])  # chains are independent streams


def test_seedless_run_records_its_seed_and_can_be_replayed() -> None:
    histories = load("Rcapture_hare")
    model = LCMCR(**SHORT).fit(histories)
    assert 0 <= model.estimate_.seed < 2**63  # fits the case's BIGINT seed column
    replay = LCMCR(seed=model.estimate_.seed, **SHORT).fit(histories)
    assert np.array_equal(model.draws_, replay.draws_)


def test_adaptive_run_is_reproducible_and_stops_on_convergence() -> None:
    histories = load("dga_example_3lists")
    runs = [LCMCR(seed=8, min_ess=400, burnin=2000, max_seconds=120).fit(histories)
            for _ in range(2)]
    assert np.array_equal(runs[0].draws_, runs[1].draws_)
    info = runs[0].estimate_.diagnostics
    assert info["stopped"] == "converged"
    assert info["rhat"] <= 1.01 and min(info["ess_bulk"], info["ess_tail"]) >= 400
    assert runs[0].estimate_.warnings == ()


@pytest.mark.parametrize(("params", "message"), [
    ({"K_star": 0}, "K_star"),
    ({"K_star": 2.5}, "K_star"),
    ({"chains": True}, "chains"),
    ({"a_alpha": 0}, "a_alpha"),
    ({"b_alpha": math.nan}, "b_alpha"),
    ({"thinning": 0}, "thinning"),
    ({"samples": 0}, "samples"),
    ({"burnin": -1}, "burnin"),
    ({"level": 1.0}, "level"),
    ({"max_rhat": 0.99}, "max_rhat"),
    ({"min_ess": -5}, "min_ess"),
    ({"max_seconds": math.inf}, "max_seconds"),
    ({"truncation": 1.0}, "truncation"),
    ({"seed": -1}, "seed"),
    ({"seed": "abc"}, "seed"),
    ({"threads": 0}, "threads"),
])
def test_bad_parameters_are_rejected_by_name(params: dict, message: str) -> None:
    with pytest.raises(EstimationError, match=message):
        LCMCR(**params).fit(load("Rcapture_hare"))


def test_bad_input_is_rejected_clearly() -> None:
    with pytest.raises(EstimationError, match="CaptureHistories"):
        LCMCR().fit({"110": 3})  # type: ignore[arg-type]
    two_lists = CaptureHistories.from_patterns({"10": 30, "01": 20, "11": 5})
    with pytest.raises(EstimationError, match="at least 3 lists"):
        LCMCR().fit(two_lists)
    assert not hasattr(LCMCR(), "estimate_")  # the constructor does no work
    with pytest.raises(EstimationError, match="not fitted"):
        LCMCR().summary()


def test_degenerate_tables_give_numbers_or_warnings_never_nan() -> None:
    # Everyone on every list: N is essentially n.
    everyone = CaptureHistories.from_patterns({"111": 40})
    model = LCMCR(seed=1, **SHORT).fit(everyone)
    assert model.estimate_.point == pytest.approx(40, abs=1)
    json.dumps(model.estimate_.to_dict(), allow_nan=False)
    # No overlap at all: the data say nothing about N, the cap N ≤ 21·n binds.
    disjoint = CaptureHistories.from_patterns({"100": 30, "010": 25, "001": 20})
    model = LCMCR(seed=1, **SHORT).fit(disjoint)
    assert model.draws_.max() <= 21 * 75
    assert any("cap" in w for w in model.estimate_.warnings)
    json.dumps(model.estimate_.to_dict(), allow_nan=False)
    # A single person.
    model = LCMCR(seed=1, **SHORT).fit(CaptureHistories.from_patterns({"010": 1}))
    assert math.isfinite(model.estimate_.point)


# ------------------------------------------------------------------ non-convergence


def test_short_run_on_uk_data_is_flagged_not_reported_silently() -> None:
    # Chains barely past their start (R's chains did not converge on these data either).
    model = LCMCR(seed=1, chains=4, warmup=0, burnin=0, samples=200, thinning=1)
    estimate = model.fit(load("SparseMSE_UKdat_5")).estimate_
    assert estimate.diagnostics["rhat"] > 1.01
    assert any(w.startswith("NOT CONVERGED") and "R-hat" in w for w in estimate.warnings)
    assert any("effective sample size" in w for w in estimate.warnings)
    assert "NOT CONVERGED" in model.summary()


def test_time_budget_ends_the_run_with_a_warning() -> None:
    model = LCMCR(seed=2, max_seconds=0.5, burnin=2000).fit(load("SparseMSE_Ned"))
    info = model.estimate_.diagnostics
    assert info["stopped"] == "max_seconds"
    assert any("time budget" in w for w in model.estimate_.warnings)


# ------------------------------------------------------------------ agreement with R
# R: LCMCR 0.4.14, K=10, a=b=0.25, burn-in 10,000, 1,000 draws thinned by 100, one chain.
# Ours: 8 chains (the default) sampled until R-hat ≤ 1.01 and bulk and tail ESS ≥ MIN_ESS.
# Tolerance: 2% of R's median and 5% of R's 2.5% / 97.5% quantiles — unless R's own
# Monte Carlo error makes that test meaningless, in which case 3 combined standard errors.
# R's error is that of its 1,000 draws: the same Markov chain law as ours, so its ESS is
# our ESS per sweep × R's 100,000 sampling sweeps (at most 1,000). It matters for the
# 97.5% quantile of Artificial_3 (long right tail: R's SE ≈ 5%) and the median of the
# lesbian data (R's ESS ≈ 140: SE ≈ 1.1%). benchmarks/estimate_lcmcr.py prints the table.

MIXING = ["Rcapture_HIV", "Rcapture_lesbian", "Rcapture_hare", "SparseMSE_NewOrl",
          "SparseMSE_NewOrl_5", "SparseMSE_Western", "SparseMSE_Artificial_3",
          "dga_example_3lists", "dga_example_5lists"]
# Enough that our error is well below R's; HIV and lesbian mix slowly (R's ESS there is
# ~110–210, so R's error dominates anyway) and get a smaller target to keep CI short.
MIN_ESS = {"Rcapture_HIV": 1500, "Rcapture_lesbian": 1500}
R_SWEEPS, R_DRAWS = 100_000, 1000


def _quantile_se(pooled: np.ndarray, prob: float, ess: float) -> float:
    """Standard error of the prob-quantile of ``ess`` independent draws from ``pooled``:
    the quantiles at prob ± sqrt(prob(1 − prob)/ess), halved apart."""
    step = math.sqrt(prob * (1 - prob) / ess)
    low, high = np.quantile(pooled, [max(prob - step, 0.0), min(prob + step, 1.0)])
    return float(high - low) / 2


@pytest.mark.slow
@pytest.mark.parametrize("name", MIXING)
def test_agrees_with_r_where_r_mixed(name: str) -> None:
    model = LCMCR(seed=2024, min_ess=MIN_ESS.get(name, 4000), max_seconds=90).fit(load(name))
    estimate, r = model.estimate_, reference(name)
    info = estimate.diagnostics
    assert info["stopped"] == "converged", estimate.warnings
    assert not any("NOT CONVERGED" in w for w in estimate.warnings)
    pooled = model.draws_.ravel()
    r_ess = min(R_DRAWS, info["ess_bulk"] / (info["chains"] * info["iterations"]) * R_SWEEPS)
    checks = (("estimate_point", estimate.point, 0.5, "mcse_point", 0.02),
              ("lo95", estimate.lower, 0.025, "mcse_lower", 0.05),
              ("hi95", estimate.upper, 0.975, "mcse_upper", 0.05))
    for key, ours, prob, mcse, tolerance in checks:
        combined = math.hypot(_quantile_se(pooled, prob, r_ess), info[mcse])
        allowed = max(tolerance * r[key], 3 * combined)
        assert abs(ours - r[key]) <= allowed, (key, ours, r[key], allowed)
        assert 3 * combined < 0.2 * r[key]  # still a check worth making


# ------------------------------------------------------------------ simulation
# Two latent classes of very different catchability (90% rarely listed, 10% on most
# lists), modelled on the MV2016_2class design of reference_simulation.csv; N = 2,000.

WEIGHTS = np.array([0.9, 0.1])
CAPTURE = np.array([[0.033, 0.033, 0.099, 0.132, 0.033],
                    [0.660, 0.825, 0.759, 0.990, 0.693]])


def _simulate(rng: np.random.Generator, n_total: int, n_lists: int) -> CaptureHistories:
    classes = rng.choice(len(WEIGHTS), size=n_total, p=WEIGHTS)
    on = (rng.random((n_total, n_lists)) < CAPTURE[classes, :n_lists]).astype(np.uint8)
    seen = on.any(axis=1)
    return CaptureHistories.from_arrays(on[seen], np.ones(int(seen.sum())))


@pytest.mark.slow
def test_interval_covers_known_total_in_simulated_populations() -> None:
    rng = np.random.default_rng(20240601)
    n_total, replicates, covered, points = 2000, 50, 0, []
    for replicate in range(replicates):
        histories = _simulate(rng, n_total, n_lists=5 if replicate % 2 == 0 else 4)
        estimate = LCMCR(seed=replicate, chains=2, burnin=2000, samples=1000,
                         thinning=5).fit(histories).estimate_
        covered += estimate.lower <= n_total <= estimate.upper
        points.append(estimate.point)
    assert covered >= 45, covered  # ≥ 90% of 50 (nominal 95%)
    assert abs(np.mean(points) / n_total - 1) < 0.1  # and no gross bias
