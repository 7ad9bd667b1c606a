"""Poisson log-linear fits on the 2^K capture-history cells, compiled with numba.

Cells are indexed by their history as a bitmask (list j is bit j; cell 0 is the
history nobody can be seen with). A term is also a mask, and the design matrix is
x[cell, term] = 1 when the term's lists are all in the cell's history. That structure
makes the Newton step cheap without ever forming the design:

- the linear predictor, eta[cell] = sum of beta over the terms inside the cell, is a
  subset sum (zeta transform) of the coefficients: K 2^(K-1) additions;
- X'WX[a, b] = sum of mu over the cells holding both terms a and b = S[a | b], where S
  is the superset sum of mu; X'v is the superset sum of v read at the terms.

A step costs O(K 2^K + P^3) instead of O(2^K P^2). ``fit_models`` reproduces R's
``glm.fit`` for the Poisson family step by step (start at y + 0.1, at most 25
iterations, relative deviance change below 1e-8, fitted values floored at machine
epsilon, the same warnings), because Rcapture's ``closedpMS.t`` sets aside the models
whose fit gave a warning, and which models those are depends on how glm iterates.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

DBL_EPSILON = 2.220446049250313e-16
GLM_MAXIT = 25          # glm.control() defaults
GLM_EPSILON = 1e-8
ZERO_RATE = 10 * DBL_EPSILON  # glm.fit warns "fitted rates numerically 0" below this
QR_TOL = 1e-11          # glm.fit's negligible-column tolerance, min(1e-7, epsilon / 1000)
PROFILE_EPSILON = 1e-13  # relative deviance change that ends a profile-likelihood fit
PROFILE_MAXIT = 200
CHOLESKY_SAFE = 1e-8    # below this squared pivot of the rescaled X'WX, solve by QR

# Status bits of one fit. A model is eligible, as in Rcapture, when none is set.
NOT_CONVERGED = 1       # glm.fit: algorithm did not converge
ZERO_FITTED = 2         # glm.fit: fitted rates numerically 0 occurred
STEP_HALVED = 4         # glm.fit: step size truncated due to divergence
RANK_DEFICIENT = 8      # glm: design matrix not of full rank
LARGE_BIAS = 16         # Rcapture: the asymptotic bias is large (over 10% of N)
FIT_ERROR = 32          # glm.fit stopped with an error (no valid coefficients)


@njit(cache=True)
def _subset_sums(values: np.ndarray, k: int) -> None:
    """In place: values[m] <- sum of values[s] over s inside m."""
    size = 1 << k
    for i in range(k):
        bit = 1 << i
        for m in range(size):
            if m & bit:
                values[m] += values[m ^ bit]


@njit(cache=True)
def _superset_sums(values: np.ndarray, k: int) -> None:
    """In place: values[m] <- sum of values[s] over s containing m."""
    size = 1 << k
    for i in range(k):
        bit = 1 << i
        for m in range(size):
            if not m & bit:
                values[m] += values[m | bit]


@njit("void(f8[::1], i8[::1], i8, i8, i8, f8[::1], f8[::1])", cache=True)
def _predict(beta: np.ndarray, terms: np.ndarray, p: int, k: int, first: int,
             eta: np.ndarray, mu: np.ndarray) -> None:
    """eta = X beta and mu = max(exp(eta), eps) (R's inverse log link) on the cells."""
    eta[:] = 0.0
    for a in range(p):
        eta[terms[a]] += beta[a]
    _subset_sums(eta, k)
    for c in range(first, 1 << k):
        mu[c] = max(math.exp(eta[c]), DBL_EPSILON)
    if first == 1:
        mu[0] = 0.0


@njit("f8(f8[::1], f8[::1], i8)", cache=True)
def _deviance(y: np.ndarray, mu: np.ndarray, first: int) -> float:
    """Poisson deviance. y log(y/mu) - (y - mu) is written y (d - log1p(d)) with
    d = mu/y - 1, which stays exact when y is huge and mu close to it (the unobserved
    cell of a profile at very large N)."""
    dev = 0.0
    for c in range(first, y.size):
        if y[c] > 0:
            d = (mu[c] - y[c]) / y[c]
            dev += y[c] * (d - math.log1p(d))
        else:
            dev += mu[c]
    return 2.0 * dev


@njit(cache=True)
def _normal_matrix(mu: np.ndarray, terms: np.ndarray, p: int, k: int,
                   sums: np.ndarray, hess: np.ndarray) -> None:
    """hess = X' diag(mu) X, from the superset sums of mu."""
    sums[:] = mu
    _superset_sums(sums, k)
    for a in range(p):
        for b in range(a, p):
            hess[a, b] = sums[terms[a] | terms[b]]
            hess[b, a] = hess[a, b]


@njit(cache=True)
def _cholesky_factor(hess: np.ndarray, p: int, rfac: np.ndarray) -> float:
    """Upper-triangular R with R'R = hess (Cholesky of the unit-diagonal rescaling).

    Returns the smallest squared pivot of the rescaled matrix (1 for orthogonal columns,
    near 0 for nearly collinear ones), or -1 when the factorisation breaks down.
    """
    scale = np.empty(p)
    chol = np.zeros((p, p))
    for a in range(p):
        if not hess[a, a] > 0.0:
            return -1.0
        scale[a] = 1.0 / math.sqrt(hess[a, a])
    smallest = 1.0
    for a in range(p):
        for b in range(a + 1):
            s = hess[a, b] * scale[a] * scale[b]
            for c in range(b):
                s -= chol[a, c] * chol[b, c]
            if a == b:
                if not s > 0.0:
                    return -1.0
                smallest = min(smallest, s)
                chol[a, a] = math.sqrt(s)
            else:
                chol[a, b] = s / chol[b, b]
    for a in range(p):
        for b in range(p):
            rfac[a, b] = chol[b, a] / scale[b] if b >= a else 0.0
    return smallest


@njit(cache=True)
def _solve_normal(rfac: np.ndarray, rhs: np.ndarray, p: int, out: np.ndarray) -> None:
    """out = (R'R)^-1 rhs."""
    for a in range(p):
        s = rhs[a]
        for c in range(a):
            s -= rfac[c, a] * out[c]
        out[a] = s / rfac[a, a]
    for a in range(p - 1, -1, -1):
        s = out[a]
        for c in range(a + 1, p):
            s -= rfac[a, c] * out[c]
        out[a] = s / rfac[a, a]


@njit("i8(f8[::1], f8[::1], f8[::1], i8[::1], i8, i8, i8, f8[:, ::1], f8[::1])", cache=True)
def _wls_qr(y: np.ndarray, eta: np.ndarray, mu: np.ndarray, terms: np.ndarray, p: int,
            k: int, first: int, rfac: np.ndarray, out: np.ndarray) -> int:
    """The weighted least-squares step by Householder QR of sqrt(W) X, as R does it.

    Used when X'WX is too ill-conditioned for Cholesky. Follows the limited pivoting of
    R's QR (LINPACK dqrdc2 as modified for R): a column whose remaining norm is below
    QR_TOL times its original norm is moved to the end and gets coefficient 0. Returns
    the rank; ``rfac`` receives R (in the original column order when of full rank).
    """
    rows = (1 << k) - first
    a = np.zeros((rows, p))
    z = np.empty(rows)
    for r in range(rows):
        c = r + first
        w = math.sqrt(mu[c])
        z[r] = w * (eta[c] + (y[c] - mu[c]) / mu[c])
        for j in range(p):
            if terms[j] & c == terms[j]:
                a[r, j] = w
    order = np.arange(p)
    original = np.empty(p)
    for j in range(p):
        s = 0.0
        for r in range(rows):
            s += a[r, j] * a[r, j]
        original[j] = math.sqrt(s) if s > 0.0 else 1.0
    rank = min(p, rows)
    col = 0
    while col < rank:
        s = 0.0
        for r in range(col, rows):
            s += a[r, col] * a[r, col]
        norm = math.sqrt(s)
        if norm < QR_TOL * original[col]:
            moved = a[:, col].copy()
            moved_index = order[col]
            moved_norm = original[col]
            for j in range(col, p - 1):
                a[:, j] = a[:, j + 1]
                order[j] = order[j + 1]
                original[j] = original[j + 1]
            a[:, p - 1] = moved
            order[p - 1] = moved_index
            original[p - 1] = moved_norm
            rank -= 1
            continue
        if a[col, col] < 0.0:
            norm = -norm
        for r in range(col, rows):
            a[r, col] /= norm
        a[col, col] += 1.0
        for j in range(col + 1, p):
            t = 0.0
            for r in range(col, rows):
                t -= a[r, col] * a[r, j]
            t /= a[col, col]
            for r in range(col, rows):
                a[r, j] += t * a[r, col]
        t = 0.0
        for r in range(col, rows):
            t -= a[r, col] * z[r]
        t /= a[col, col]
        for r in range(col, rows):
            z[r] += t * a[r, col]
        a[col, col] = -norm
        col += 1
    coef = np.zeros(p)
    for i in range(rank - 1, -1, -1):
        s = z[i]
        for j in range(i + 1, rank):
            s -= a[i, j] * coef[j]
        coef[i] = s / a[i, i]
    for j in range(p):
        out[order[j]] = coef[j]
    for i in range(p):
        for j in range(p):
            rfac[i, j] = a[i, j] if j >= i and i < rows else 0.0
    return rank


@njit(cache=True)
def _inverse_from_factor(rfac: np.ndarray, p: int, inv: np.ndarray) -> None:
    """inv = (R'R)^-1 = R^-1 R^-T for upper-triangular R."""
    rinv = np.zeros((p, p))
    for j in range(p):
        rinv[j, j] = 1.0 / rfac[j, j]
        for i in range(j - 1, -1, -1):
            s = 0.0
            for c in range(i + 1, j + 1):
                s += rfac[i, c] * rinv[c, j]
            rinv[i, j] = -s / rfac[i, i]
    for i in range(p):
        for j in range(p):
            s = 0.0
            for c in range(max(i, j), p):
                s += rinv[i, c] * rinv[j, c]
            inv[i, j] = s


@njit("Tuple((f8, i8, i8))(f8[::1], i8[::1], i8, i8, i8, f8[::1], f8[:, ::1], b1, i8, f8, b1)", cache=True)
def glm_poisson(y: np.ndarray, terms: np.ndarray, p: int, k: int, first: int,
                beta: np.ndarray, rfac: np.ndarray, warm: bool, maxit: int,
                epsilon: float, damped: bool) -> tuple[float, int, int]:
    """IRLS for the Poisson log-linear model on cells ``first``..2^K-1, as R's glm.fit.

    Starts from mu = y + 0.1 (R's Poisson initialisation) unless ``warm``, then from
    ``beta``. ``damped`` halves any step that increases the deviance (R does not; a
    warm start far from the optimum needs it). Leaves the coefficients in ``beta`` and in ``rfac`` the triangular factor
    R of sqrt(W) X at the weights of the last iteration (R'R is the information that
    R's vcov() inverts). Returns (deviance, iterations, status bits).
    """
    size = 1 << k
    eta = np.zeros(size)
    mu = np.zeros(size)
    work = np.empty(size)
    hess = np.empty((p, p))
    rhs = np.empty(p)
    new = np.empty(p)
    old = np.empty(p)
    status = 0
    if warm:
        _predict(beta, terms, p, k, first, eta, mu)
        have_old = True
        old[:] = beta[:p]
    else:
        for c in range(first, size):
            mu[c] = y[c] + 0.1
            eta[c] = math.log(mu[c])
        have_old = False
    devold = _deviance(y, mu, first)
    iterations = 0
    converged = False
    dev = devold
    rank = p
    for it in range(1, maxit + 1):
        iterations = it
        # Weighted least squares on the working response z = eta + (y - mu) / mu with
        # weights mu: X'WX beta = X'(mu eta + y - mu).
        _normal_matrix(mu, terms, p, k, work, hess)
        if _cholesky_factor(hess, p, rfac) > CHOLESKY_SAFE:
            for c in range(size):
                work[c] = mu[c] * eta[c] + y[c] - mu[c] if c >= first else 0.0
            _superset_sums(work, k)
            for a in range(p):
                rhs[a] = work[terms[a]]
            _solve_normal(rfac, rhs, p, new)
            rank = p
        else:
            rank = _wls_qr(y, eta, mu, terms, p, k, first, rfac, new)
        beta[:p] = new
        _predict(beta, terms, p, k, first, eta, mu)
        dev = _deviance(y, mu, first)
        if not math.isfinite(dev):
            if not have_old:
                return dev, iterations, status | FIT_ERROR
            status |= STEP_HALVED
            inner = 1
            while not math.isfinite(dev):
                if inner > maxit:
                    return dev, iterations, status | FIT_ERROR
                inner += 1
                for a in range(p):
                    beta[a] = 0.5 * (beta[a] + old[a])
                _predict(beta, terms, p, k, first, eta, mu)
                dev = _deviance(y, mu, first)
        halvings = 0
        if damped and have_old:
            while dev > devold * (1.0 + 1e-12) and halvings < 60:
                halvings += 1
                for a in range(p):
                    beta[a] = 0.5 * (beta[a] + old[a])
                _predict(beta, terms, p, k, first, eta, mu)
                dev = _deviance(y, mu, first)
        # A shortened step changes the deviance little without being near the optimum,
        # so only a full step may end the iterations.
        if halvings == 0 and abs(dev - devold) / (abs(dev) + 0.1) < epsilon:
            converged = True
            break
        devold = dev
        old[:] = beta[:p]
        have_old = True
    if rank < p:
        status |= RANK_DEFICIENT
    if not converged:
        status |= NOT_CONVERGED
    for c in range(first, size):
        if mu[c] < ZERO_RATE:
            status |= ZERO_FITTED
            break
    return dev, iterations, status


@njit(cache=True)
def _asymptotic_bias(beta: np.ndarray, inv: np.ndarray, terms: np.ndarray, p: int,
                     k: int) -> float:
    """Rcapture's first-order bias of exp(intercept) (its closedp.fitone).

    With V the inverse information and q[cell] = x' V x: psi = X' diag(mu) q with 1
    taken off its intercept entry, and bias = -exp(b0) / 2 (V psi)[0].
    """
    size = 1 << k
    eta = np.zeros(size)
    mu = np.zeros(size)
    _predict(beta, terms, p, k, 1, eta, mu)
    quad = np.zeros(size)
    for a in range(p):
        for b in range(p):
            quad[terms[a] | terms[b]] += inv[a, b]
    _subset_sums(quad, k)
    for c in range(size):
        quad[c] *= mu[c]
    _superset_sums(quad, k)
    total = 0.0
    for a in range(p):
        psi = quad[terms[a]] - (1.0 if a == 0 else 0.0)
        total += inv[0, a] * psi
    return -0.5 * math.exp(beta[0]) * total


@njit(cache=True)
def _fit_one(y: np.ndarray, terms: np.ndarray, p: int, k: int, n_observed: float,
             log_factorials: float, stats: np.ndarray) -> tuple[int, int]:
    """Fit one model as Rcapture does; fill ``stats`` (see ``STATS``).

    Returns (iterations, status bits)."""
    size = 1 << k
    beta = np.zeros(p)
    rfac = np.zeros((p, p))
    dev, its, status = glm_poisson(y, terms, p, k, 1, beta, rfac, False, GLM_MAXIT,
                                   GLM_EPSILON, False)
    stats[:] = np.nan
    if status & (FIT_ERROR | RANK_DEFICIENT):
        return its, status
    inv = np.zeros((p, p))
    _inverse_from_factor(rfac, p, inv)
    eta = np.zeros(size)
    mu = np.zeros(size)
    _predict(beta, terms, p, k, 1, eta, mu)
    loglik = -log_factorials
    for c in range(1, size):
        loglik += y[c] * math.log(mu[c]) - mu[c]
    bias = _asymptotic_bias(beta, inv, terms, p, k)
    stats[0] = beta[0]
    stats[1] = inv[0, 0]
    stats[2] = dev
    stats[3] = -2.0 * loglik + 2.0 * p
    stats[4] = -2.0 * loglik + math.log(n_observed) * p
    stats[5] = bias
    if abs(bias) > 0.1 * (n_observed + math.exp(beta[0])):
        status |= LARGE_BIAS
    return its, status


@njit(cache=True)
def _fit_all(y: np.ndarray, terms: np.ndarray, sizes: np.ndarray, k: int,
             n_observed: float, log_factorials: float, stats: np.ndarray,
             iterations: np.ndarray, status: np.ndarray) -> None:
    for i in range(len(sizes)):
        iterations[i], status[i] = _fit_one(y, terms[i, :sizes[i]], sizes[i], k, n_observed,
                                            log_factorials, stats[i])


STATS = ("intercept", "var_intercept", "deviance", "aic", "bic", "bias")


def fit_models(y: np.ndarray, terms: np.ndarray, sizes: np.ndarray, k: int,
               n_observed: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fit every model (rows of ``terms``, ``sizes`` terms each) as Rcapture does.

    ``y`` holds the counts by cell (cell 0 unused). Returns (stats, iterations, status):
    ``stats`` is (models, 6), columns ``STATS``: intercept, its variance, deviance, AIC,
    BIC (Poisson likelihood of the observed cells; BIC with log(n observed)) and the
    asymptotic bias of exp(intercept); NaN where the fit failed.
    """
    models = len(sizes)
    stats = np.empty((models, len(STATS)))
    iterations = np.zeros(models, dtype=np.int64)
    status = np.zeros(models, dtype=np.int64)
    log_factorials = float(sum(math.lgamma(v + 1.0) for v in y[1:]))
    _fit_all(np.ascontiguousarray(y, dtype=float), np.ascontiguousarray(terms, dtype=np.int64),
           np.ascontiguousarray(sizes, dtype=np.int64), k, float(n_observed), log_factorials,
           stats, iterations, status)
    return stats, iterations, status


@njit("f8(f8[::1], f8, i8[::1], i8, i8, f8[::1])", cache=True)
def profile_deviance(y: np.ndarray, unobserved: float, terms: np.ndarray, p: int, k: int,
                     beta: np.ndarray) -> float:
    """Deviance of the model fitted to all 2^K cells with ``unobserved`` in cell 0.

    This is the Poisson fit that Rcapture's closedpCI.t profiles over N. It starts from
    ``beta`` (the fit at a nearby N, which it replaces) and runs to a tight tolerance,
    halving steps that would increase the deviance. When that does not converge (a warm
    start with parameters that had diverged can stall), it starts again from the data,
    as R does for every N.
    """
    full = y.copy()
    full[0] = unobserved
    rfac = np.zeros((p, p))
    start = beta.copy()
    dev, _, status = glm_poisson(full, terms, p, k, 0, beta, rfac, True, PROFILE_MAXIT,
                                 PROFILE_EPSILON, True)
    if status & (FIT_ERROR | RANK_DEFICIENT | NOT_CONVERGED | STEP_HALVED):
        beta[:] = start
        dev, _, status = glm_poisson(full, terms, p, k, 0, beta, rfac, False, PROFILE_MAXIT,
                                     PROFILE_EPSILON, True)
    return dev
