"""Convergence diagnostics for MCMC draws of one quantity: R-hat, bulk/tail ESS, MCSE.

Generic (any Bayesian estimator can use them); input is an array of draws shaped
(chains, iterations), or 1-D for a single chain. Definitions follow Vehtari, Gelman,
Simpson, Carpenter & Bürkner (2021), "Rank-normalization, folding, and localization: an
improved R-hat for assessing convergence of MCMC", Bayesian Analysis 16(2):

- chains are split in half, so that a trend within one chain shows up as disagreement
  between its halves;
- R-hat is the larger of the rank-normalised split R-hat and the same on the folded
  draws |θ − median| (which catches chains that agree in location but not in scale);
- bulk ESS is the effective sample size of the rank-normalised draws, tail ESS the
  smaller ESS of the indicators θ ≤ q5% and θ ≤ q95%;
- the autocorrelation sum uses Geyer's initial positive and monotone sequence estimator,
  with the between-chain variance included (so chains that disagree lower the ESS).

Quantities that cannot be computed (fewer than 4 draws per half chain, or no variation)
are returned as ``nan``; callers decide what to tell the user.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

__all__ = [
    "ess_basic",
    "ess_bulk",
    "ess_tail",
    "mcse_quantile",
    "rhat",
    "rhat_basic",
    "split_chains",
]


def _as_chains(draws: np.ndarray) -> np.ndarray:
    array = np.asarray(draws, dtype=float)
    if array.ndim == 1:
        array = array[None, :]
    if array.ndim != 2:
        raise ValueError(f"draws must be (chains, iterations), got shape {array.shape}")
    if not np.all(np.isfinite(array)):
        raise ValueError("draws contain NaN or infinite values")
    return array


def split_chains(draws: np.ndarray) -> np.ndarray:
    """Each chain cut into its first and second half (the middle draw of an odd length is
    dropped): (chains, n) → (2·chains, n // 2)."""
    array = _as_chains(draws)
    half = array.shape[1] // 2
    return np.concatenate([array[:, :half], array[:, array.shape[1] - half:]], axis=0)


def _rank_normalise(array: np.ndarray) -> np.ndarray:
    """Normal scores of the pooled ranks, ties averaged (Blom's offset 3/8)."""
    ranks = stats.rankdata(array, method="average").reshape(array.shape)
    return stats.norm.ppf((ranks - 0.375) / (array.size + 0.25))


def _rhat_of(chains: np.ndarray) -> float:
    """Classic potential scale reduction of already-split chains."""
    m, n = chains.shape
    if m < 2 or n < 4:
        return math.nan
    within = chains.var(axis=1, ddof=1).mean()
    between_over_n = chains.mean(axis=1).var(ddof=1)
    if within <= 0:
        return math.nan
    pooled = (n - 1) / n * within + between_over_n
    return math.sqrt(pooled / within)


def _ess_of(chains: np.ndarray) -> float:
    """Effective sample size of chains (already split if wanted), Geyer's initial
    monotone sequence over the multi-chain autocorrelation estimate."""
    m, n = chains.shape
    if n < 4:
        return math.nan
    centred = chains - chains.mean(axis=1, keepdims=True)
    size = 1 << int(2 * n - 1).bit_length()  # zero-padding avoids circular wrap-around
    spectrum = np.fft.rfft(centred, n=size, axis=1)
    autocov = np.fft.irfft(spectrum * np.conj(spectrum), n=size, axis=1)[:, :n] / n
    chain_var = autocov[:, 0] * n / (n - 1)
    within = chain_var.mean()
    pooled = within * (n - 1) / n
    if m > 1:
        pooled += chains.mean(axis=1).var(ddof=1)
    if not pooled > 0:
        return math.nan
    rho = 1.0 - (within - autocov.mean(axis=0)) / pooled
    rho[0] = 1.0
    # Sum pairs Γ_t = ρ_2t + ρ_2t+1 while they stay positive (Geyer 1992), forcing them to
    # be non-increasing; the last even lag is added on its own when still positive.
    tau = -1.0
    previous = math.inf
    t = 0
    while t + 1 < n:
        pair = rho[t] + rho[t + 1]
        if pair < 0:
            break
        pair = min(pair, previous)
        tau += 2.0 * pair
        previous = pair
        t += 2
    # Antithetic chains can make tau < 1; cap ESS at S·log10(S) as Stan does.
    total = m * n
    tau = max(tau, 1.0 / math.log10(total)) if total > 1 else tau
    return total / tau


def rhat_basic(draws: np.ndarray) -> float:
    """Split R-hat without rank normalisation (Gelman et al. 2013, BDA3 §11.4)."""
    return _rhat_of(split_chains(draws))


def rhat(draws: np.ndarray) -> float:
    """Rank-normalised split R-hat: max of bulk and folded (Vehtari et al. 2021)."""
    split = split_chains(draws)
    if split.shape[1] < 4 or np.ptp(split) == 0:
        return math.nan
    bulk = _rhat_of(_rank_normalise(split))
    folded = np.abs(split - np.median(split))
    tail = _rhat_of(_rank_normalise(folded)) if np.ptp(folded) > 0 else math.nan
    if math.isnan(tail):
        return bulk
    return max(bulk, tail)


def ess_basic(draws: np.ndarray) -> float:
    """Effective sample size of the split chains, no rank normalisation (for the mean)."""
    split = split_chains(draws)
    return math.nan if np.ptp(split) == 0 else _ess_of(split)


def ess_bulk(draws: np.ndarray) -> float:
    """ESS of the rank-normalised split chains: how well the centre is estimated."""
    split = split_chains(draws)
    if split.shape[1] < 4 or np.ptp(split) == 0:
        return math.nan
    return _ess_of(_rank_normalise(split))


def _ess_indicator(split: np.ndarray, prob: float) -> float:
    cut = np.quantile(split, prob)
    indicator = (split <= cut).astype(float)
    if np.ptp(indicator) == 0:
        return math.nan
    return _ess_of(indicator)


def ess_tail(draws: np.ndarray) -> float:
    """Smaller ESS of the 5% and 95% quantile indicators: how well the tails (and so an
    interval's ends) are estimated."""
    split = split_chains(draws)
    if split.shape[1] < 4:
        return math.nan
    low, high = _ess_indicator(split, 0.05), _ess_indicator(split, 0.95)
    if math.isnan(low) or math.isnan(high):
        return math.nan
    return min(low, high)


def mcse_quantile(draws: np.ndarray, prob: float) -> float:
    """Monte Carlo standard error of the ``prob`` quantile (Vehtari et al. 2021, §4.3):
    the ±1 sd interval of the quantile's rank, mapped through the pooled draws."""
    if not 0 < prob < 1:
        raise ValueError(f"prob must be between 0 and 1, got {prob}")
    split = split_chains(draws)
    if split.shape[1] < 4:
        return math.nan
    ess = _ess_indicator(split, prob)
    if math.isnan(ess):
        return math.nan
    a, b = ess * prob + 1, ess * (1 - prob) + 1
    lower_p, upper_p = stats.beta.ppf([0.15865525, 0.84134475], a, b)
    ordered = np.sort(split, axis=None)
    last = ordered.size - 1
    lower = ordered[max(0, min(last, math.floor(lower_p * ordered.size)))]
    upper = ordered[max(0, min(last, math.ceil(upper_p * ordered.size) - 1))]
    return float(upper - lower) / 2.0
