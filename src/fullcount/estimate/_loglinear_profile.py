"""Profile-likelihood inference for N under log-linear models, as Rcapture's closedpCI.t.

For a candidate total N a model is refitted to all 2^K cells with N - n people in the
unobserved cell; the multinomial profile log-likelihood is minus half that Poisson
deviance plus Cormack's (1992) term log(n0^n0 N! / (N^N n0!)), n0 = N - n. Its maximum
is the point estimate (a little below the Poisson n + exp(intercept)), and the interval
is where it stays within chi2_1(level) / 2 of the maximum. Rcapture evaluates the
factorials by Stirling's formula above N = 100; here they are exact (lgamma), which
moves the bounds by far less than the 1e-4 tolerance R solves to.

Several models are handled at once for model averaging, whose interval is
Fletcher and Turek's (2012) model-averaged tail area (MATA) interval built from the
same profiles: each bound solves sum_m w_m Phi(r_m(N)) = tail, r_m being the signed
root of model m's profile deviance. For one model of weight 1 it is exactly that
model's profile interval, so one code path serves both.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from numba import njit
from scipy import optimize, stats

from fullcount.estimate._loglinear_fit import profile_deviance

# R's closedpCI.t looks for the upper bound below 3 N; the search here widens past
# that, by factors of 10, WIDENINGS times before calling the interval open.
FIRST_REACH = 3.0
WIDENINGS = 6
GOLDEN = 0.3819660112501051


@njit(cache=True)
def _loglik(y: np.ndarray, n: float, total: float, terms: np.ndarray, p: int, k: int,
            beta: np.ndarray) -> float:
    """Multinomial profile log-likelihood of N = ``total`` (beta: warm start, updated)."""
    unobserved = max(total - n, 0.0)
    dev = profile_deviance(y, unobserved, terms, p, k, beta)
    return -(dev - 2.0 * _cormack(n, unobserved)) / 2.0


@njit("f8(f8, f8)", cache=True)
def _cormack(n: float, unobserved: float) -> float:
    """log(n0^n0 N! / (N^N n0!)), N = n + n0: multinomial minus Poisson log-likelihood.

    For large n0 the terms cancel to -n + log(N/n0)/2 + ..., which is summed directly
    (Stirling's series, as R does above N = 100, with two more terms) so that it stays
    exact at any N; below, from lgamma."""
    total = n + unobserved
    if unobserved > 1000.0:
        return (-n + 0.5 * math.log1p(n / unobserved)
                + (1.0 / total - 1.0 / unobserved) / 12.0
                - (1.0 / total**3 - 1.0 / unobserved**3) / 360.0)
    value = -total * math.log(total) + math.lgamma(total + 1.0) \
        - math.lgamma(unobserved + 1.0)
    if unobserved > 0.0:
        value += unobserved * math.log(unobserved)
    return value


@njit(cache=True)
def _maximise(y: np.ndarray, n: float, terms: np.ndarray, p: int, k: int,
              beta: np.ndarray, low: float, high: float) -> tuple[float, float]:
    """Brent's (1973) minimisation of minus the profile on [low, high]."""
    tol = 1e-10
    x = w = v = low + GOLDEN * (high - low)
    fx = fw = fv = -_loglik(y, n, x, terms, p, k, beta)
    d = e = 0.0
    for _ in range(200):
        middle = 0.5 * (low + high)
        tol1 = tol * abs(x) + 1e-7
        tol2 = 2.0 * tol1
        if abs(x - middle) <= tol2 - 0.5 * (high - low):
            break
        parabolic = False
        if abs(e) > tol1:
            r = (x - w) * (fx - fv)
            q = (x - v) * (fx - fw)
            s = (x - v) * q - (x - w) * r
            q = 2.0 * (q - r)
            if q > 0.0:
                s = -s
            q = abs(q)
            if abs(s) < abs(0.5 * q * e) and q * (low - x) < s < q * (high - x):
                e, d = d, s / q
                u = x + d
                if u - low < tol2 or high - u < tol2:
                    d = tol1 if middle >= x else -tol1
                parabolic = True
        if not parabolic:
            e = (high - x) if x < middle else (low - x)
            d = GOLDEN * e
        u = x + (d if abs(d) >= tol1 else (tol1 if d > 0 else -tol1))
        fu = -_loglik(y, n, u, terms, p, k, beta)
        if fu <= fx:
            if u < x:
                high = x
            else:
                low = x
            v, fv, w, fw, x, fx = w, fw, x, fx, u, fu
        else:
            if u < x:
                low = u
            else:
                high = u
            if fu <= fw or w == x:
                v, fv, w, fw = w, fw, u, fu
            elif fu <= fv or v == x or v == w:
                v, fv = u, fu
    return x, -fx


@njit(cache=True)
def _maximise_all(y: np.ndarray, n: float, terms: np.ndarray, sizes: np.ndarray, k: int,
                  betas: np.ndarray, highs: np.ndarray, totals: np.ndarray,
                  maxima: np.ndarray) -> None:
    for m in range(len(sizes)):
        p = sizes[m]
        totals[m], maxima[m] = _maximise(y, n, terms[m, :p], p, k, betas[m, :p], n, highs[m])


@njit(cache=True)
def _logliks_all(y: np.ndarray, n: float, total: float, terms: np.ndarray,
                 sizes: np.ndarray, k: int, betas: np.ndarray, out: np.ndarray) -> None:
    for m in range(len(sizes)):
        p = sizes[m]
        out[m] = _loglik(y, n, total, terms[m, :p], p, k, betas[m, :p])


class Profiles:
    """The profile log-likelihoods of N under one or more models, and their maxima.

    ``terms`` is (models, width) of term masks padded with -1, ``sizes`` the terms per
    model and ``poisson_totals`` their n + exp(intercept) from the observed cells. Each
    model keeps the fit at the last N it was evaluated at, to start the next one from.
    """

    def __init__(self, y: np.ndarray, n: int, k: int, terms: np.ndarray, sizes: np.ndarray,
                 poisson_totals: np.ndarray) -> None:
        self.y = np.ascontiguousarray(y, dtype=float)
        self.n = float(n)
        self.k = k
        self.terms = np.ascontiguousarray(terms, dtype=np.int64)
        self.sizes = np.ascontiguousarray(sizes, dtype=np.int64)
        self.poisson_totals = np.asarray(poisson_totals, dtype=float)
        self.betas = np.zeros(self.terms.shape)
        self.betas[:, 0] = np.log(np.clip(self.poisson_totals - self.n, 1e-300, 1e300))
        highs = np.maximum(FIRST_REACH * self.poisson_totals, self.n + 1.0)
        # As R: the maximum is searched on (n, 3 N_Poisson).
        self.totals = np.empty(len(self.sizes))
        self.maxima = np.empty(len(self.sizes))
        _maximise_all(self.y, self.n, self.terms, self.sizes, k, self.betas, highs,
                      self.totals, self.maxima)
        # Brent stops just inside the interval; a profile falling from N = n has its
        # maximum at n itself.
        at_observed = self.logliks(self.n)
        edge = at_observed >= self.maxima
        self.totals[edge] = self.n
        self.maxima[edge] = at_observed[edge]

    def __len__(self) -> int:
        return len(self.sizes)

    def logliks(self, total: float) -> np.ndarray:
        out = np.empty(len(self.sizes))
        _logliks_all(self.y, self.n, float(total), self.terms, self.sizes, self.k, self.betas,
                     out)
        return out

    def signed_roots(self, total: float) -> np.ndarray:
        """sign(N - N_max) sqrt(2 (l_max - l(N))) per model: standard normal under it."""
        drop = np.maximum(0.0, 2.0 * (self.maxima - self.logliks(total)))
        return np.copysign(np.sqrt(drop), total - self.totals)


def tail_area_interval(profiles: Profiles, weights: np.ndarray,
                       level: float) -> tuple[float, float, bool]:
    """(lower, upper, upper_open) of the MATA interval (one model: its profile interval).

    The lower end is n when even N = n is inside (as R). ``upper_open`` says the
    profiles never fell far enough as N grew; the upper end is then the last N tried.
    """
    tail = (1.0 - level) / 2.0
    n = profiles.n

    def below(total: float) -> float:  # increasing in N, from ~0 to ~1
        return float(np.dot(weights, stats.norm.cdf(profiles.signed_roots(total))))

    def lower_gap(total: float) -> float:
        return below(total) - tail

    def upper_gap(total: float) -> float:
        return below(total) - (1.0 - tail)

    centre = float(np.dot(weights, profiles.totals))
    lower = _crossing(lower_gap, n, _first_where(lambda t: lower_gap(t) > 0, centre, n))
    reach = max(float(profiles.poisson_totals.max()), centre)
    end = max(FIRST_REACH * reach, centre + 1.0)
    start = centre
    for _ in range(WIDENINGS + 1):
        if upper_gap(end) > 0:
            return lower, _crossing(upper_gap, start, end), False
        start, end = end, n + (end - n) * 10.0
    return lower, start, True


def _crossing(gap: Callable[[float], float], low: float, high: float) -> float:
    """Where the increasing ``gap`` crosses 0 on [low, high] (an end if it does not)."""
    if gap(low) >= 0:
        return low
    if gap(high) <= 0:
        return high
    return float(optimize.brentq(gap, low, high, xtol=1e-7, rtol=1e-12))


def _first_where(test: Callable[[float], bool], start: float, n: float) -> float:
    """An N from ``start`` upwards where ``test`` holds (it becomes true as N grows)."""
    point = start
    for _ in range(WIDENINGS + 2):
        if test(point):
            return point
        point = n + (point - n) * 10.0 + 1.0
    return point
