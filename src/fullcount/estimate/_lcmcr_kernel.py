"""Numba Gibbs sampler for the LCMCR latent-class model (one chain, a block of sweeps).

The model and the order of updates are those of Manrique-Vallier (2016) as implemented in
the R package LCMCR; ``lcmcr.py`` explains them and drives the chains. Everything here
works on the M distinct observed capture patterns and their counts, never on one row per
person: the split of a pattern's f_m people across latent classes is one multinomial draw.

Conventions: J lists, K latent classes (the truncation K*), ``on_start``/``on_list`` give
for pattern m the lists it is on (``on_list[on_start[m]:on_start[m + 1]]``). The chain's
state lives in caller-owned arrays that a block of sweeps updates in place:

    log_lam, log_off   (J, K)  log λ_jk and log(1 − λ_jk), both kept so neither is
                               computed as log(1 − exp(·)) (λ can be ~1e-6 on big data)
    log_nu             (K,)    log class weights
    count0             (K,)    the unobserved people's split across classes
    scalars            (2,)    [α, n0]  (n0 stored as a float, always integral)

Randomness comes from numba's per-thread NumPy generator, re-seeded at the start of every
block, so a block's draws depend only on (seed, state at the start), not on which thread
runs it.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

# Positions in the ``tally`` array a block adds to.
TALLY_N0_DRAWS = 0      # negative-binomial draws made for n0
TALLY_N0_REJECTED = 1   # of which rejected for exceeding the cap on N
TALLY_N0_EXACT = 2      # sweeps that fell back to exact sampling from the truncated law
TALLY_CAP_SWEEPS = 3    # sweeps in which the cap on N was hit at least once
TALLY_SIZE = 4


@njit(cache=True, nogil=True)
def _open_uniform() -> float:
    """U(0, 1) excluding both ends (so its log is finite and negative)."""
    while True:
        u = np.random.random()
        if u > 0.0:
            return u


@njit(cache=True, nogil=True)
def _log_gamma_variate(shape: float) -> float:
    """log of a Gamma(shape, 1) draw, without underflow for tiny shapes.

    For shape < 1/2, Gamma(a) has the law of Gamma(1 + a)·U^(1/a) (U uniform), whose log
    is finite even when the draw itself would round to 0 (shape ~ α can be 1e-3)."""
    if shape >= 0.5:
        return math.log(np.random.gamma(shape, 1.0))
    return math.log(np.random.gamma(1.0 + shape, 1.0)) + math.log(_open_uniform()) / shape


@njit(cache=True, nogil=True)
def _log_beta_cheng(a: float, b: float) -> tuple[float, float]:
    """(log X, log(1 − X)) for X ~ Beta(a, b) with both shapes > 1: Cheng's (1978)
    algorithm BB ("Generating beta variates with nonintegral shape parameters", CACM 21),
    a logistic-envelope rejection sampler needing one exp and two or three logs a draw."""
    small, large = (a, b) if a <= b else (b, a)
    total = small + large
    scale = math.sqrt((total - 2.0) / (2.0 * small * large - total))
    shift = small + 1.0 / scale
    while True:
        u1 = _open_uniform()
        u2 = np.random.random()
        v = scale * math.log(u1 / (1.0 - u1))
        w = small * math.exp(v)
        z = u1 * u1 * u2
        r = shift * v - 1.3862943611198906  # log 4
        s = small + r - w
        if s + 2.6094379124341003 >= 5.0 * z:  # 1 + log 5: quick acceptance
            break
        t = math.log(z)
        if s > t:
            break
        if r + total * math.log(total / (large + w)) >= t:
            break
    log_denominator = math.log(large + w)
    log_w = math.log(small) + v
    log_large = math.log(large)
    if a <= b:
        return log_w - log_denominator, log_large - log_denominator
    return log_large - log_denominator, log_w - log_denominator


@njit(cache=True, nogil=True)
def _log_beta_variate(a: float, b: float) -> tuple[float, float]:
    """(log X, log(1 − X)) for X ~ Beta(a, b).

    Shape 1 (an empty class, or no member of a class on a list: most λ draws on sparse
    tables) has exact one-uniform forms: Beta(1, b) is 1 − U^(1/b), Beta(a, 1) is U^(1/a).
    Both shapes above 1: Cheng's BB. Otherwise (a stick weight with shape α, which can be
    ~1e-3) a ratio of Gamma draws in logs, so that nothing underflows to 0 or 1."""
    if a == 1.0:
        log_rest = math.log(_open_uniform()) / b  # log(1 − X) < 0
        return math.log(-math.expm1(log_rest)), log_rest
    if b == 1.0:
        log_x = math.log(_open_uniform()) / a
        return log_x, math.log(-math.expm1(log_x))
    if a > 1.0 and b > 1.0:
        return _log_beta_cheng(a, b)
    x = _log_gamma_variate(a)
    y = _log_gamma_variate(b)
    top = max(x, y)
    log_total = top + math.log(math.exp(x - top) + math.exp(y - top))
    return x - log_total, y - log_total


# Up to this many people are placed in classes one by one (a uniform and a short scan
# each) rather than by conditional binomials (~40–80 ns each).
SMALL_SPLIT = 12


@njit(cache=True, nogil=True)
def _split_count(total: int, weights: np.ndarray, order: np.ndarray, tail: np.ndarray,
                 out: np.ndarray) -> None:
    """out ~ Multinomial(total, weights / Σ weights), visiting classes in ``order`` (any
    order is exact; heaviest first ends the loop soonest). ``tail`` is scratch.

    Successive conditional binomials, Binomial(remaining, w_k / Σ_{l ≥ k} w_l), until at
    most SMALL_SPLIT people remain; those are placed one by one (categorical draws)."""
    size = weights.size
    out[:] = 0
    # tail[i] = weight of order[i:], summed from the end (no cancellation error).
    running = 0.0
    for i in range(size - 1, -1, -1):
        running += weights[order[i]]
        tail[i] = running
    remaining = total
    first = 0
    while remaining > SMALL_SPLIT and first < size - 1:
        k = order[first]
        share = weights[k] / tail[first]
        if share >= 1.0:
            out[k] += remaining
            return
        if share > 0.0:
            taken = np.random.binomial(remaining, share)
            out[k] = taken
            remaining -= taken
        first += 1
    for _ in range(remaining):
        target = np.random.random() * tail[first]
        i = first
        while i < size - 1:
            target -= weights[order[i]]
            if target < 0.0:
                break
            i += 1
        out[order[i]] += 1


@njit(cache=True, nogil=True)
def _order_decreasing(values: np.ndarray, order: np.ndarray) -> None:
    """order ← indices of ``values`` from largest to smallest (insertion sort: K is small
    and the order barely changes between sweeps)."""
    size = values.size
    for i in range(size):
        order[i] = i
    for i in range(1, size):
        index = order[i]
        j = i - 1
        while j >= 0 and values[order[j]] < values[index]:
            order[j + 1] = order[j]
            j -= 1
        order[j + 1] = index


@njit(cache=True, nogil=True)
def _truncated_unobserved(n_observed: int, log_pi0: float, p_observed: float,
                          cap: int, tally: np.ndarray) -> int:
    """n0 ~ NegativeBinomial(size n, success p = 1 − π0) restricted to n0 ≤ cap.

    This is the full conditional of N − n under p(N) ∝ 1/N (Manrique-Vallier 2016). As in
    the reference, a draw above the cap is rejected and redrawn. Where rejection would be
    hopeless (the untruncated law sits far above the cap, as on very sparse tables) the
    draw is made exactly instead, by inversion over the pmf walked down from the cap; the
    reference would loop there for a very long time."""
    pi0 = math.exp(log_pi0)
    # Rejection is used when the cap is at most ~4 sd above the untruncated mean (then
    # the acceptance rate is not tiny); a huge mean (π0 → 1) goes straight to inversion.
    hopeless = p_observed <= 0.0
    if not hopeless:
        odds = pi0 / p_observed
        mean = n_observed * odds
        spread = math.sqrt(n_observed * pi0) / p_observed
        hopeless = mean > 1e15 or mean - cap >= 4.0 * spread
    if not hopeless:
        for _ in range(64):
            tally[TALLY_N0_DRAWS] += 1
            draw = np.random.poisson(np.random.gamma(n_observed, odds))
            if draw <= cap:
                return draw
            tally[TALLY_N0_REJECTED] += 1
    tally[TALLY_N0_EXACT] += 1
    # pmf(k − 1) / pmf(k) = k / ((k − 1 + n)·π0): walk down from the cap in logs until the
    # terms are past their peak and below e^-40 of it (they then only decrease).
    log_weight = 0.0
    peak = 0.0
    total = 1.0  # Σ exp(log_weight − peak)
    k = cap
    while k > 0:
        step = math.log(k) - math.log(k - 1 + n_observed) - log_pi0
        log_weight += step
        k -= 1
        if log_weight > peak:
            total = total * math.exp(peak - log_weight) + 1.0
            peak = log_weight
        else:
            total += math.exp(log_weight - peak)
        if step < 0.0 and log_weight < peak - 40.0:
            break
    target = np.random.random() * total
    log_weight = 0.0
    cumulative = math.exp(-peak)
    k = cap
    while cumulative < target and k > 0:
        log_weight += math.log(k) - math.log(k - 1 + n_observed) - log_pi0
        k -= 1
        cumulative += math.exp(log_weight - peak)
    return k


@njit(cache=True, nogil=True)
def initialise(on_start: np.ndarray, on_list: np.ndarray, counts: np.ndarray,
               n_lists: int, log_lam: np.ndarray, log_off: np.ndarray,
               log_nu: np.ndarray, count0: np.ndarray, scalars: np.ndarray,
               cap: int, seed: int) -> None:
    """The reference starting point: λ_jk = list j's share of the observed people (all k),
    ν = 0.9 spread over the first min(4, K) classes and 0.1 over the rest, α = 0.3 / K.
    The reference leaves the starting n0 unspecified; it is drawn here from its full
    conditional (and split across classes) given that λ and ν."""
    np.random.seed(seed)
    n_classes = log_nu.size
    n_observed = 0
    for m in range(counts.size):
        n_observed += counts[m]
    on_list_count = np.zeros(n_lists)
    for m in range(counts.size):
        for index in range(on_start[m], on_start[m + 1]):
            on_list_count[on_list[index]] += counts[m]
    for j in range(n_lists):
        # (n_j + ½)/(n + 1) rather than n_j / n: a list holding everyone would give log 0.
        share = (on_list_count[j] + 0.5) / (n_observed + 1.0)
        for k in range(n_classes):
            log_lam[j, k] = math.log(share)
            log_off[j, k] = math.log1p(-share)
    head = min(4, n_classes)
    weights = np.empty(n_classes)
    for k in range(n_classes):
        weights[k] = 0.9 / head if k < head else 0.1 / (n_classes - head)
    weights /= weights.sum()
    for k in range(n_classes):
        log_nu[k] = math.log(weights[k])
    scalars[0] = 0.3 / n_classes
    tally = np.zeros(TALLY_SIZE, dtype=np.int64)
    log_zero = np.empty(n_classes)
    p_observed = 0.0
    for k in range(n_classes):
        off = 0.0
        for j in range(n_lists):
            off += log_off[j, k]
        log_zero[k] = log_nu[k] + off
        p_observed += weights[k] * -math.expm1(off)
    top = log_zero.max()
    log_pi0 = top + math.log(np.exp(log_zero - top).sum())
    n0 = _truncated_unobserved(n_observed, log_pi0, p_observed, cap, tally)
    scalars[1] = n0
    order = np.empty(n_classes, dtype=np.int64)
    _order_decreasing(log_zero, order)
    _split_count(n0, np.exp(log_zero - top), order, np.empty(n_classes), count0)


@njit(cache=True, nogil=True)
def run_sweeps(on_start: np.ndarray, on_list: np.ndarray, counts: np.ndarray,
               n_lists: int, log_lam: np.ndarray, log_off: np.ndarray,
               log_nu: np.ndarray, count0: np.ndarray, scalars: np.ndarray,
               a_alpha: float, b_alpha: float, update_alpha: bool, cap: int,
               sweeps: int, thinning: int, seed: int,
               out_total: np.ndarray, out_alpha: np.ndarray, out_k_star: np.ndarray,
               tally: np.ndarray) -> None:
    """Run ``sweeps`` Gibbs sweeps in the reference order, keeping every ``thinning``-th
    N = n + n0, α and k* (non-empty classes) in the ``out_*`` arrays.

    One sweep: (1) split each observed pattern's people across classes; (2) λ | counts,
    counting the unobserved people (all off every list) in their classes; (3) stick-
    breaking weights ν | class totals, α; (4) π0; (5) n0 | π0 (negative binomial,
    truncated at ``cap``); (6) split n0 across classes; (7) α | ν (unless held fixed)."""
    np.random.seed(seed)
    n_patterns = counts.size
    n_classes = log_nu.size
    n_observed = 0
    for m in range(n_patterns):
        n_observed += counts[m]
    alpha = scalars[0]
    n0 = np.int64(scalars[1])

    base = np.empty(n_classes)        # log ν_k + Σ_j log(1 − λ_jk)
    gain = np.empty((n_lists, n_classes))  # log λ_jk − log(1 − λ_jk)
    log_prob = np.empty(n_classes)
    weights = np.empty(n_classes)
    tail = np.empty(n_classes)
    order = np.empty(n_classes, dtype=np.int64)
    split = np.empty(n_classes, dtype=np.int64)
    on_count = np.empty((n_lists, n_classes), dtype=np.int64)
    class_observed = np.empty(n_classes, dtype=np.int64)
    class_total = np.empty(n_classes, dtype=np.int64)
    log_off_sum = np.empty(n_classes)
    kept = 0

    for sweep in range(sweeps):
        # (1) Class allocation of the observed patterns.
        for k in range(n_classes):
            off = 0.0
            for j in range(n_lists):
                off += log_off[j, k]
                gain[j, k] = log_lam[j, k] - log_off[j, k]
            base[k] = log_nu[k] + off
        _order_decreasing(log_nu, order)
        on_count[:, :] = 0
        class_observed[:] = 0
        for m in range(n_patterns):
            top = -np.inf
            for k in range(n_classes):
                value = base[k]
                for index in range(on_start[m], on_start[m + 1]):
                    value += gain[on_list[index], k]
                log_prob[k] = value
                top = max(top, value)
            for k in range(n_classes):
                weights[k] = math.exp(log_prob[k] - top)
            _split_count(counts[m], weights, order, tail, split)
            for k in range(n_classes):
                taken = split[k]
                if taken == 0:
                    continue
                class_observed[k] += taken
                for index in range(on_start[m], on_start[m + 1]):
                    on_count[on_list[index], k] += taken

        # (2) λ_jk ~ Beta(1 + on, 1 + off); the unobserved people are off every list.
        for k in range(n_classes):
            class_total[k] = class_observed[k] + count0[k]
        for j in range(n_lists):
            for k in range(n_classes):
                on = on_count[j, k]
                lam, off = _log_beta_variate(1.0 + on, 1.0 + (class_total[k] - on))
                log_lam[j, k] = lam
                log_off[j, k] = off

        # (3) Stick-breaking: V_k ~ Beta(1 + c_k, α + Σ_{l>k} c_l), the last class takes
        # what is left of the stick.
        later = 0
        for k in range(n_classes):
            later += class_total[k]
        log_rest = 0.0
        k_star = 0
        for k in range(n_classes - 1):
            later -= class_total[k]
            stick, leftover = _log_beta_variate(1.0 + class_total[k], alpha + later)
            log_nu[k] = stick + log_rest
            log_rest += leftover
        log_nu[n_classes - 1] = log_rest
        for k in range(n_classes):
            if class_total[k] > 0:
                k_star += 1

        # (4) π0 = Σ_k ν_k Π_j (1 − λ_jk), and 1 − π0 summed directly (no cancellation).
        top = -np.inf
        p_observed = 0.0
        for k in range(n_classes):
            off = 0.0
            for j in range(n_lists):
                off += log_off[j, k]
            log_off_sum[k] = log_nu[k] + off
            top = max(top, log_off_sum[k])
            p_observed += math.exp(log_nu[k]) * -math.expm1(off)
        total_weight = 0.0
        for k in range(n_classes):
            weights[k] = math.exp(log_off_sum[k] - top)
            total_weight += weights[k]
        log_pi0 = top + math.log(total_weight)

        # (5) n0 | rest, truncated at N ≤ cap + n.
        before = tally[TALLY_N0_REJECTED] + tally[TALLY_N0_EXACT]
        n0 = _truncated_unobserved(n_observed, log_pi0, p_observed, cap, tally)
        if tally[TALLY_N0_REJECTED] + tally[TALLY_N0_EXACT] > before:
            tally[TALLY_CAP_SWEEPS] += 1

        # (6) The unobserved people's classes.
        _order_decreasing(weights, order)
        _split_count(n0, weights, order, tail, count0)

        # (7) α ~ Gamma(a + K − 1, rate b − log ν_K).
        if update_alpha:
            alpha = np.random.gamma(a_alpha + n_classes - 1,
                                    1.0 / (b_alpha - log_nu[n_classes - 1]))

        if (sweep + 1) % thinning == 0:
            out_total[kept] = n_observed + n0
            out_alpha[kept] = alpha
            out_k_star[kept] = k_star
            kept += 1

    scalars[0] = alpha
    scalars[1] = n0


@njit(cache=True, nogil=True)
def sort_classes(log_lam: np.ndarray, log_off: np.ndarray, log_nu: np.ndarray,
                 count0: np.ndarray) -> None:
    """Relabel the classes in decreasing ν (done once, after the warm-up, as the
    reference does; N does not depend on the labels)."""
    order = np.argsort(-log_nu)
    log_lam[:, :] = log_lam[:, order].copy()
    log_off[:, :] = log_off[:, order].copy()
    log_nu[:] = log_nu[order].copy()
    count0[:] = count0[order].copy()
