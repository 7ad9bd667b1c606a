"""LCMCR: the Bayesian non-parametric latent-class model of Manrique-Vallier (2016).

Manrique-Vallier, D. (2016). "Bayesian population size estimation using Dirichlet process
mixtures." Biometrics 72(4), 1246–1254. Reference implementation: R package LCMCR.

People fall into latent classes; within a class, lists record them independently
(λ_jk = probability that list j records a member of class k). Class weights ν come from a
Dirichlet process truncated at K* classes (stick-breaking, concentration α ~ Gamma(a, b)),
so the data decide how many classes are used; λ_jk ~ Beta(1, 1); p(N) ∝ 1/N. The Gibbs
sampler augments the unobserved people (a count n0 and its split across classes); its
steps, order, starting point, 500 warm-up sweeps with α held fixed, and truncation of the
posterior at N ≤ 21·n are those of the reference (see ``_lcmcr_kernel``), so chains run
here and in R are samples of the same Markov chain law.

What this module adds is how the chains are run and judged. Several chains (default 8)
start from the reference starting point with independent random streams and run in
parallel threads. Unless a fixed length is asked for (``samples=``), sampling continues in
blocks until the rank-normalised split R-hat of N is at most ``max_rhat`` and both its
bulk and tail effective sample sizes reach ``min_ess`` (Vehtari et al. 2021), or until
``max_seconds`` or ``max_iterations`` runs out. Whenever the chains disagree at a check,
the first half of every chain is moved to the burn-in (Gelman & Rubin 1992). A chain
that started in a region it takes long to leave then stops weighing on the result once
it has left (on the HIV data some chains spend ~10⁶ sweeps in a two-class state that long
runs rarely re-enter), while chains that keep disagreeing keep R-hat high. Whatever stops
the run, the diagnostics are in ``estimate_.diagnostics`` and anything short of
convergence is a plain-language warning in ``estimate_.warnings`` (``summary()`` prints
them). R-hat can only compare the regions the chains have visited: on data where chains
run with different seeds disagree (the UK and Netherlands tables), compare seeds.

    model = LCMCR(seed=1).fit(histories)
    model.estimate_                      # posterior median, equal-tailed 95% interval
    model.draws_                         # (chains, draws) posterior draws of N
    LCMCR(chains=1, burnin=10_000, samples=1_000, thinning=100, seed=1)   # as R's defaults
"""

from __future__ import annotations

import math
import os
import secrets
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from numbers import Integral, Real
from typing import Any, Self

import numpy as np

from fullcount.estimate import _lcmcr_kernel as kernel
from fullcount.estimate import diagnostics
from fullcount.estimate.histories import CaptureHistories
from fullcount.estimate.result import Estimate, EstimationError, Estimator

# Seed streams: spawn_key = (chain, phase) with phase 0 = start, 1 = warm-up, 2 = burn-in,
# 3, 4, … = sampling blocks; each kernel call re-seeds its thread's generator, so draws do
# not depend on which thread runs which chain.
_PHASE_START, _PHASE_WARMUP, _PHASE_BURNIN, _PHASE_SAMPLING = 0, 1, 2, 3


@dataclass
class _Chain:
    """One chain's state (updated in place by the kernel) and its kept draws."""

    log_lam: np.ndarray
    log_off: np.ndarray
    log_nu: np.ndarray
    count0: np.ndarray
    scalars: np.ndarray
    tally: np.ndarray
    totals: list[np.ndarray] = field(default_factory=list)
    alphas: list[np.ndarray] = field(default_factory=list)
    k_stars: list[np.ndarray] = field(default_factory=list)
    busy_seconds: float = 0.0
    busy_sweeps: int = 0


class LCMCR(Estimator):
    """Latent-class multiple-recapture estimate of the total (Manrique-Vallier 2016).

    Parameters
    ----------
    K_star: truncation of the Dirichlet process (maximum number of latent classes).
    a_alpha, b_alpha: shape and rate of the Gamma prior on the concentration α.
    chains: independent chains, run on all cores. 8 by default: R-hat only sees a mode
        some chain is in, and on the Netherlands tables a chain settles (for > 10⁶ sweeps)
        in a second mode of N about once in six, so 4 chains would all miss it about
        half the time, 8 about a fifth. The ESS target is pooled, so extra chains cost
        only their burn-in.
    burnin: sweeps discarded per chain after the α-fixed warm-up (an adaptive run may
        discard more, see above).
    thinning: keep every ``thinning``-th sweep.
    samples: draws per chain for a fixed-length run (as R's ``samples``); ``None`` (the
        default) samples until the convergence targets are met or the budget runs out.
    min_ess, max_rhat: convergence targets for N (bulk and tail ESS pooled over chains;
        rank-normalised split R-hat).
    max_seconds: wall-clock budget of an adaptive run, warm-up and burn-in included
        (checked between blocks: the burn-in and a first block always run).
    max_iterations: most sampling sweeps per chain in an adaptive run.
    warmup: α-fixed sweeps before the burn-in (500 in the reference).
    truncation: the posterior of N is truncated at N ≤ truncation · n_observed (21 in the
        reference; it matters on sparse tables, where a warning says when it binds).
    seed: makes the draws reproducible (any threads, any scheduling); ``None`` draws one
        and records it in ``estimate_.seed``.
    level: probability of the equal-tailed interval.
    threads: worker threads (default: one per core, at most one per chain).
    """

    def __init__(self, K_star: int = 10, a_alpha: float = 0.25, b_alpha: float = 0.25,
                 chains: int = 8, burnin: int = 10_000, thinning: int = 10,
                 samples: int | None = None, min_ess: float = 1000.0,
                 max_rhat: float = 1.01, max_seconds: float = 60.0,
                 max_iterations: int = 5_000_000, warmup: int = 500,
                 truncation: float = 21.0, seed: int | None = None, level: float = 0.95,
                 threads: int | None = None) -> None:
        self.K_star = K_star
        self.a_alpha = a_alpha
        self.b_alpha = b_alpha
        self.chains = chains
        self.burnin = burnin
        self.thinning = thinning
        self.samples = samples
        self.min_ess = min_ess
        self.max_rhat = max_rhat
        self.max_seconds = max_seconds
        self.max_iterations = max_iterations
        self.warmup = warmup
        self.truncation = truncation
        self.seed = seed
        self.level = level
        self.threads = threads

    # -- fitting --------------------------------------------------------------------------

    def fit(self, histories: CaptureHistories) -> Self:
        """Sample the posterior of N; sets ``estimate_``, ``draws_`` (chains × draws of N),
        ``alpha_draws_`` and ``k_star_draws_``."""
        if not isinstance(histories, CaptureHistories):
            raise EstimationError(
                f"LCMCR.fit takes CaptureHistories, got {type(histories).__name__}",
                hint="Build them with CaptureHistories.from_csv / from_frame / from_patterns.")
        self._check_params()
        if histories.k < 3:
            raise EstimationError(
                f"LCMCR needs at least 3 lists; these histories have {histories.k} "
                f"({', '.join(histories.lists)}). With 2 lists a latent-class model cannot "
                "separate heterogeneity from the unobserved count.",
                hint="Use Chapman for two lists.")
        started = time.perf_counter()
        n_observed = histories.n_observed
        cap = math.floor(self.truncation * n_observed) - n_observed
        if cap < 1:
            raise EstimationError(
                f"truncation {self.truncation} leaves no room for unobserved people "
                f"(N ≤ {self.truncation} × {n_observed})")
        data = _pattern_index(histories)
        on_start, on_list, counts, n_lists = data

        # Without a seed, draw one that fits a 64-bit integer column, so it can be stored
        # with the estimate and typed back in to replay the run.
        entropy = int(self.seed) if self.seed is not None else secrets.randbits(63)

        def stream(chain: int, phase: int) -> int:
            seeds = np.random.SeedSequence(entropy, spawn_key=(chain, phase))
            return int(seeds.generate_state(1, dtype=np.uint32)[0])

        chains = [self._new_chain(histories.k) for _ in range(self.chains)]
        threads = self.threads or min(self.chains, _cores())

        def prepare(index: int) -> None:
            chain = chains[index]
            tick = time.perf_counter()
            kernel.initialise(on_start, on_list, counts, n_lists, chain.log_lam,
                              chain.log_off, chain.log_nu, chain.count0, chain.scalars,
                              cap, stream(index, _PHASE_START))
            self._sweep(chain, data, cap, self.warmup, False, stream(index, _PHASE_WARMUP))
            kernel.sort_classes(chain.log_lam, chain.log_off, chain.log_nu, chain.count0)
            self._sweep(chain, data, cap, self.burnin, True, stream(index, _PHASE_BURNIN))
            chain.tally[:] = 0  # report the truncation for the sampling sweeps only
            chain.busy_seconds += time.perf_counter() - tick
            chain.busy_sweeps += self.warmup + self.burnin

        def sample(index: int, sweeps: int, block: int) -> None:
            chain = chains[index]
            tick = time.perf_counter()
            self._sweep(chain, data, cap, sweeps, True,
                        stream(index, _PHASE_SAMPLING + block), keep=True)
            chain.busy_seconds += time.perf_counter() - tick
            chain.busy_sweeps += sweeps

        fixed = self.samples is not None
        thinning = int(self.thinning)
        iterations = 0   # sampling sweeps per chain
        discarded = 0    # kept draws per chain later moved to the burn-in
        stopped = "fixed length"
        with ThreadPoolExecutor(max_workers=threads) as pool:
            list(pool.map(prepare, range(self.chains)))
            if fixed:
                next_block = int(self.samples) * thinning  # type: ignore[arg-type]
            else:
                next_block = min(_round_to(max(self.burnin // 2, 100 * thinning), thinning),
                                 _round_to(self.max_iterations, thinning))
            block, last = 0, False
            while True:
                tick = time.perf_counter()
                list(pool.map(lambda i, s=next_block, b=block: sample(i, s, b),
                              range(self.chains)))
                seconds_per_sweep = (time.perf_counter() - tick) / next_block
                iterations += next_block
                block += 1
                if fixed:
                    break
                draws = np.stack([np.concatenate(c.totals) for c in chains])
                status = _convergence(draws[:, discarded:])
                if not status["rhat"] <= self.max_rhat:
                    # Chains that disagree may still carry their start: treat the first
                    # half of every chain as burn-in (Gelman & Rubin 1992) from now on.
                    discarded = max(discarded, draws.shape[1] // 2)
                    status = _convergence(draws[:, discarded:])
                if self._converged(status):
                    stopped = "converged"
                    break
                if last:
                    stopped = "max_seconds"
                    break
                # Block sizes follow from the draws alone, so a seed replays the same run;
                # only a block cut short by the time budget depends on the machine, and it
                # is the last one.
                smallest = max(thinning, iterations // 20)
                next_block = min(_round_to(self.max_iterations - iterations, thinning),
                                 _round_to(self._more_sweeps(status, iterations,
                                                             discarded * thinning), thinning))
                if next_block < smallest:
                    stopped = "max_iterations"
                    break
                left = self.max_seconds - (time.perf_counter() - started)
                # A margin for the checks between blocks and for a machine getting busier.
                affordable = _round_to(int(0.85 * left / max(seconds_per_sweep, 1e-9)),
                                       thinning)
                if affordable < next_block:
                    if affordable < smallest:  # too small to change the verdict
                        stopped = "max_seconds"
                        break
                    next_block, last = affordable, True

        keep = slice(discarded, None)
        self.draws_ = np.stack([np.concatenate(c.totals)[keep] for c in chains])
        self.alpha_draws_ = np.stack([np.concatenate(c.alphas)[keep] for c in chains])
        self.k_star_draws_ = np.stack([np.concatenate(c.k_stars)[keep] for c in chains])
        elapsed = time.perf_counter() - started
        self.estimate_ = self._estimate(histories, chains, cap, iterations,
                                        discarded * thinning, stopped, elapsed, threads,
                                        entropy)
        return self

    def summary(self) -> str:
        """The estimate, its warnings, and one line of convergence diagnostics."""
        text = super().summary()
        info = self.estimate_.diagnostics
        return (f"{text}\n  R-hat {_fmt(info['rhat'], '.3f')}, ESS bulk "
                f"{_fmt(info['ess_bulk'], ',.0f')} / tail {_fmt(info['ess_tail'], ',.0f')}, "
                f"{info['chains']} chains × {info['iterations']:,} sweeps "
                f"(+{info['warmup'] + info['burnin']:,} warm-up and burn-in), "
                f"{info['seconds']:.1f} s, stopped: {info['stopped']}")

    # -- internals ------------------------------------------------------------------------

    def _new_chain(self, n_lists: int) -> _Chain:
        k = int(self.K_star)
        return _Chain(
            log_lam=np.zeros((n_lists, k)), log_off=np.zeros((n_lists, k)),
            log_nu=np.zeros(k), count0=np.zeros(k, dtype=np.int64),
            scalars=np.zeros(2), tally=np.zeros(kernel.TALLY_SIZE, dtype=np.int64))

    def _sweep(self, chain: _Chain, data: tuple[Any, ...], cap: int, sweeps: int,
               update_alpha: bool, seed: int, keep: bool = False) -> None:
        thinning = int(self.thinning) if keep else sweeps + 1
        kept = sweeps // thinning
        totals = np.empty(kept, dtype=np.int64)
        alphas = np.empty(kept)
        k_stars = np.empty(kept, dtype=np.int64)
        on_start, on_list, counts, n_lists = data
        kernel.run_sweeps(on_start, on_list, counts, n_lists, chain.log_lam, chain.log_off,
                          chain.log_nu, chain.count0, chain.scalars, float(self.a_alpha),
                          float(self.b_alpha), update_alpha, cap, int(sweeps), thinning,
                          seed, totals, alphas, k_stars, chain.tally)
        if keep:
            chain.totals.append(totals)
            chain.alphas.append(alphas)
            chain.k_stars.append(k_stars)

    def _converged(self, status: dict[str, float]) -> bool:
        values = (status["rhat"], status["ess_bulk"], status["ess_tail"])
        if any(math.isnan(v) for v in values):
            return False
        return (status["rhat"] <= self.max_rhat and status["ess_bulk"] >= self.min_ess
                and status["ess_tail"] >= self.min_ess)

    def _more_sweeps(self, status: dict[str, float], iterations: int, dropped: int) -> int:
        """Sweeps per chain for the next block: enough for the ESS target (with a 20%
        margin) once the chains agree, else double the run; never more than 3× so far."""
        ess = min(status["ess_bulk"], status["ess_tail"])
        if math.isnan(ess) or math.isnan(status["rhat"]) or status["rhat"] > self.max_rhat \
                or ess <= 0:
            return iterations
        used = iterations - dropped
        wanted = math.ceil(used * 1.2 * self.min_ess / ess) - used
        return max(iterations // 10, min(wanted, 3 * iterations))

    def _estimate(self, histories: CaptureHistories, chains: list[_Chain], cap: int,
                  iterations: int, dropped: int, stopped: str, elapsed: float,
                  threads: int, entropy: int) -> Estimate:
        draws = self.draws_
        pooled = draws.ravel()
        tail = (1.0 - self.level) / 2.0
        point = float(np.median(pooled))
        lower, upper = (float(v) for v in np.quantile(pooled, [tail, 1.0 - tail]))
        status = _convergence(draws)
        n_observed = histories.n_observed
        n_max = n_observed + cap
        tally = np.sum([c.tally for c in chains], axis=0)
        sampling_sweeps = iterations * len(chains)
        n0_draws = int(tally[kernel.TALLY_N0_DRAWS])
        k_star = self.k_star_draws_.ravel()
        alpha = self.alpha_draws_.ravel()
        busy = sum(c.busy_seconds for c in chains)
        swept = sum(c.busy_sweeps for c in chains)
        info: dict[str, Any] = {
            "rhat": status["rhat"],
            "ess_bulk": status["ess_bulk"],
            "ess_tail": status["ess_tail"],
            "mcse_point": diagnostics.mcse_quantile(draws, 0.5),
            "mcse_lower": diagnostics.mcse_quantile(draws, tail),
            "mcse_upper": diagnostics.mcse_quantile(draws, 1.0 - tail),
            "chain_medians": [float(np.median(row)) for row in draws],
            "chains": len(chains),
            "iterations": iterations - dropped,
            "warmup": int(self.warmup),
            "burnin": int(self.burnin) + dropped,
            "burnin_extended_by": dropped,
            "thinning": int(self.thinning),
            "draws": int(pooled.size),
            "stopped": stopped,
            "seconds": elapsed,
            "threads": threads,
            "microseconds_per_iteration": 1e6 * busy / swept if swept else math.nan,
            "k_star": {"median": float(np.median(k_star)), "min": int(k_star.min()),
                       "max": int(k_star.max()),
                       "share_at_K_star": float(np.mean(k_star >= int(self.K_star)))},
            "alpha": {"median": float(np.median(alpha)),
                      "lower": float(np.quantile(alpha, tail)),
                      "upper": float(np.quantile(alpha, 1.0 - tail))},
            "truncation": {
                "n_max": n_max,
                "acceptance": (1.0 - tally[kernel.TALLY_N0_REJECTED] / n0_draws
                               if n0_draws else 1.0),
                "share_of_sweeps_at_cap": float(tally[kernel.TALLY_CAP_SWEEPS]
                                                / max(sampling_sweeps, 1)),
                "exact_draws": int(tally[kernel.TALLY_N0_EXACT]),
            },
        }
        info = {key: (None if isinstance(v, float) and math.isnan(v) else v)
                for key, v in info.items()}
        settings = {name: value for name, value in self.get_params().items()
                    if name != "seed"}
        return Estimate(
            method="lcmcr", point=point, lower=lower, upper=upper, level=self.level,
            n_observed=n_observed, settings=settings, seed=entropy, draws=pooled.copy(),
            diagnostics=info, warnings=tuple(self._warnings(info, upper)))

    def _warnings(self, info: dict[str, Any], upper: float) -> list[str]:
        messages = []
        why = {"max_seconds": f"the time budget (max_seconds={self.max_seconds:g}) ran out",
               "max_iterations": f"max_iterations={self.max_iterations:,} was reached",
               "fixed length": "the run had a fixed length"}.get(info["stopped"], "")
        rhat, bulk, tail = info["rhat"], info["ess_bulk"], info["ess_tail"]
        if rhat is None:
            messages.append("R-hat of N could not be computed (too few draws or no "
                            "variation): convergence is unknown; run longer.")
        elif rhat > self.max_rhat:
            medians = ", ".join(f"{m:,.0f}" for m in info["chain_medians"])
            messages.append(
                f"NOT CONVERGED: the {info['chains']} chains disagree about N (R-hat "
                f"{rhat:.3f} > {self.max_rhat}; chain medians {medians}); {why}. Do not "
                "report this estimate: run longer (raise max_seconds, or samples for a "
                "fixed-length run) and compare seeds; if chains still disagree, the data "
                "do not pin down N under this model.")
        if bulk is None or tail is None or min(bulk, tail) < self.min_ess:
            mcse = info["mcse_point"]
            error = f" (Monte Carlo error of the median ±{mcse:,.0f})" if mcse else ""
            messages.append(
                f"effective sample size of N is {_fmt(bulk, ',.0f')} (bulk) / "
                f"{_fmt(tail, ',.0f')} (tail), below {self.min_ess:,.0f}{error}; {why}. "
                "The median and interval are imprecise.")
        cap = info["truncation"]
        if cap["share_of_sweeps_at_cap"] > 0.001 or upper >= 0.95 * cap["n_max"]:
            messages.append(
                f"the posterior of N reaches the cap N ≤ {self.truncation:g}·n = "
                f"{cap['n_max']:,} (hit in {cap['share_of_sweeps_at_cap']:.1%} of sweeps): "
                "the upper end reflects the cap, not the data.")
        if info["k_star"]["share_at_K_star"] > 0.05:
            messages.append(
                f"all K_star={self.K_star} latent classes were in use in "
                f"{info['k_star']['share_at_K_star']:.0%} of draws: refit with a larger "
                "K_star.")
        return messages

    def _check_params(self) -> None:
        def whole(name: str, low: int) -> None:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, Integral) or value < low:
                raise EstimationError(f"LCMCR: {name} must be a whole number ≥ {low}, "
                                      f"got {value!r}")

        def positive(name: str, low: float = 0.0, inclusive: bool = False) -> None:
            value = getattr(self, name)
            ok = (isinstance(value, Real) and not isinstance(value, bool)
                  and math.isfinite(float(value))
                  and (float(value) >= low if inclusive else float(value) > low))
            if not ok:
                relation = "≥" if inclusive else ">"
                raise EstimationError(f"LCMCR: {name} must be a finite number {relation} "
                                      f"{low:g}, got {value!r}")

        for name, low in (("K_star", 1), ("chains", 1), ("burnin", 0), ("thinning", 1),
                          ("max_iterations", 1), ("warmup", 0)):
            whole(name, low)
        if self.samples is not None:
            whole("samples", 1)
        if self.threads is not None:
            whole("threads", 1)
        for name in ("a_alpha", "b_alpha", "min_ess", "max_seconds"):
            positive(name)
        positive("max_rhat", 1.0, inclusive=True)
        positive("truncation", 1.0)
        if not (isinstance(self.level, Real) and 0 < self.level < 1):
            raise EstimationError(f"LCMCR: level must be between 0 and 1, got {self.level!r}")
        if self.seed is not None and (isinstance(self.seed, bool)
                                      or not isinstance(self.seed, Integral) or self.seed < 0):
            raise EstimationError(f"LCMCR: seed must be a whole number ≥ 0 or None, "
                                  f"got {self.seed!r}")
        if self.max_iterations < self.thinning:
            raise EstimationError("LCMCR: max_iterations must be at least thinning")


def _pattern_index(histories: CaptureHistories) -> tuple[np.ndarray, np.ndarray,
                                                          np.ndarray, int]:
    """The kernel's view of the table: for pattern m the lists it is on are
    ``on_list[on_start[m]:on_start[m + 1]]``; plus the counts and the number of lists."""
    patterns = np.asarray(histories.patterns, dtype=np.int64)
    counts = np.ascontiguousarray(histories.counts, dtype=np.int64)
    rows, columns = np.nonzero(patterns)
    on_start = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=len(counts)), out=on_start[1:])
    return on_start, np.ascontiguousarray(columns, dtype=np.int64), counts, histories.k


def _cores() -> int:
    """Cores this process may run on (respects CPU affinity / container limits)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _round_to(sweeps: int, thinning: int) -> int:
    return max(0, int(sweeps) // thinning * thinning)


def _convergence(draws: np.ndarray) -> dict[str, float]:
    return {"rhat": diagnostics.rhat(draws), "ess_bulk": diagnostics.ess_bulk(draws),
            "ess_tail": diagnostics.ess_tail(draws)}


def _fmt(value: float | None, spec: str) -> str:
    return "n/a" if value is None else format(value, spec)


__all__ = ["LCMCR"]
