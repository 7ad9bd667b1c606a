"""Linkage uncertainty: the estimate over many plausible linkages, not just the register.

The register is one linkage: pairs at or above the threshold join, the rest do not. But a
pair scored 0.6 is a match only 60% of the time, and every such pair moves people
between capture histories. Here the linkage itself is drawn M times:

1. **Draw a linkage.** Every stored candidate pair links with its match probability
   (an independent Bernoulli draw). Reviewers' decisions hold in every draw: a ``match``
   always links, a ``non_match`` never does, an ``unsure`` pair is drawn like any other;
   a vetoed pair is a cannot-link unless a reviewer called it a match. Pairs never scored,
   or scored below ``[link] keep_pairs_above``, are not stored and never link.
2. **Cluster it** with the link stage's clustering (``fullcount.cluster.cluster``):
   connected components of the drawn links, must-links and cannot-links, and components
   too large to be one person split at their weakest links.
3. **Count people** per stratum with ``fullcount.estimate.register`` (as the estimate
   stage counts the register).
4. **Estimate** on every draw with the chosen method, and combine:

   - *Bayesian methods (LCMCR, DGA)*: the posterior draws of every linkage are pooled,
     the same number per linkage, so the result is a sample from the posterior averaged
     over linkages. Point = median, interval = equal-tailed quantiles. Each linkage gets a
     short run (LCMCR: one chain, 20,000 burn-in sweeps, 200 draws kept 1 in 100):
     precision comes from pooling M × 200 draws, not from each run, and a check that
     the runs had left their starting point (the first halves of all runs pooled against
     the second halves, R-hat ≤ 1.01) is reported.
   - *Frequentist methods (log-linear, Chapman)*: Rubin's rules for multiple imputation
     on the log N scale, where population-size estimates are close to normal. With
     θ_m = log N̂_m from draw m:

         θ̄ = mean θ_m                       point = exp(θ̄)
         B = Σ (θ_m − θ̄)² / (M − 1)         between linkages
         W = mean of w_m²                    within, w_m = interval half-width / z
         T = W + (1 + 1/M) B
         ν = (M − 1) (1 + W / ((1 + 1/M) B))²  (Rubin 1987; ν = ∞ when B = 0)
         interval = exp(θ̄ ∓ t_ν √T)

     The estimators' intervals are not symmetric on the log scale (profile likelihood,
     Chao's log-normal), so W, T and ν are computed separately for the lower and the
     upper side: with no linkage uncertainty (B = 0) the interval is each estimator's
     own (to rounding; exactly when every draw is the register, see below).

Draws that give identical capture histories are estimated once (a Bayesian fit then
draws as many posterior samples as the linkages sharing it need). When every draw gives
the register's histories, linkage adds nothing and the result *is* the estimate made on
the register. Seeded: the same seed gives the same draws on any number of threads.

Not modelled: the match probabilities are taken as calibrated and pairs as independent
given them. Splink's probabilities between 0.1 and 0.9 overstate the share of true
matches on the synthetic lists (pairs scored 0.59 on average are 35% true matches), so
the drawn linkages merge more people than the register (about 1% fewer people on a
50,000-person case); ``diagnostics["linkage"]["people_observed"]`` shows it next to the
register's count. Pairs inside a drawn entity that were never scored are not checked for
vetoes, as the link stage does by scoring them.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy.stats import norm, t

from fullcount.cluster import cannot_links, cluster, default_max_entity_records
from fullcount.errors import FullcountError
from fullcount.estimate import diagnostics as mcmc
from fullcount.estimate.combine import combine_strata
from fullcount.estimate.histories import CaptureHistories
from fullcount.estimate.methods import factory
from fullcount.estimate.register import RegisterRecords, register_records
from fullcount.estimate.result import Estimate, EstimationError

if TYPE_CHECKING:
    from fullcount.case import Case

BAYESIAN = ("lcmcr", "dga")
TOTAL = "total"
POSTERIOR_DRAWS = 200        # posterior draws kept per linkage draw (Bayesian methods)
# One short LCMCR chain per linkage draw: twice the reference's burn-in, then 200 draws
# kept 1 in 100 (20,000 sweeps). On big tables LCMCR mixes slowly (one effective draw per
# few thousand sweeps), so a run's 200 draws are a handful of effective ones; a hundred
# independent runs pooled make the sample, provided every run has left its start, which
# POOLED_MAX_RHAT checks. Shorter runs (10,000 + 2,000 sweeps) gave a visibly short
# upper tail on a 38,000-person table.
LCMCR_PER_DRAW = {"chains": 1, "burnin": 20_000, "thinning": 100}
POOLED_MAX_RHAT = 1.01
# A combination is flagged when more than this share of the drawn linkages gave an estimate
# with a warning of its own (a degenerate DGA posterior, a log-linear interval without an
# upper end): pooled or averaged, such draws do not make a sound interval. LCMCR's short
# per-draw runs are judged by the pooled R-hat instead.
WARNED_SHARE = 0.05
# Seed streams: spawn_key (_STREAM_LINKAGE, draw) for linkage draws, (_STREAM_FIT, fit)
# for the estimator runs. Far from the small (chain, phase) keys LCMCR spawns from the
# same seed for the register's estimate, so no two streams coincide.
_STREAM_LINKAGE, _STREAM_FIT = 0x4C494E4B, 0x46495453  # "LINK", "FITS"


# ---------------------------------------------------------------------- drawing linkages


@dataclass(frozen=True, eq=False)
class CandidateLinks:
    """What a linkage can be drawn from: the linked records, the stored candidate pairs
    with their match probabilities, and the reviewers' decisions, as the link stage
    clusters them. Build with ``from_case``.

    ``left``/``right`` are record ids (``left < right``) of the pairs drawn at random
    (``probability``); ``must_link``/``cannot_link`` hold in every draw.
    """

    records: RegisterRecords
    left: np.ndarray
    right: np.ndarray
    probability: np.ndarray
    must_link: tuple[np.ndarray, np.ndarray] | None
    cannot_link: tuple[np.ndarray, np.ndarray] | None
    threshold: float
    max_size: int
    decided: dict[str, int] = field(default_factory=dict)

    @classmethod
    def from_case(cls, case: Case, strata_by: list[str] | None = None) -> CandidateLinks:
        """The register's records, the pairs among them and the current decisions."""
        from fullcount.case import fetch_one

        con = case.con
        model = con.execute("SELECT threshold FROM link_models "
                            "ORDER BY model_id DESC LIMIT 1").fetchone()
        if model is None:
            raise FullcountError(
                "the case has no linkage model, so there are no match probabilities to "
                "draw linkages from", hint="Link the records with `fullcount link` first, "
                "or estimate without --linkage-draws.")
        everything = register_records(case, strata_by)
        linked = everything.linked
        if not linked.any():
            raise FullcountError("the case has no register of people yet (no entities)",
                                 hint="Link the records with `fullcount link` first.")
        records = RegisterRecords(
            record_ids=everything.record_ids[linked], list_index=everything.list_index[linked],
            stratum_index=everything.stratum_index[linked], entity=everything.entity[linked],
            lists=everything.lists, strata=everything.strata)
        members = ("(SELECT record_id FROM entity_records "
                   "JOIN current_records USING (record_id))")
        pairs = con.execute(f"""
            SELECT record_id_l, record_id_r, max(match_probability) AS probability,
                   bool_or(veto) AS veto
            FROM pairs
            WHERE record_id_l IN {members} AND record_id_r IN {members}
            GROUP BY ALL ORDER BY ALL
        """).fetchnumpy()
        decisions = con.execute(f"""
            SELECT least(record_id_l, record_id_r) AS l, greatest(record_id_l, record_id_r)
                   AS r, decision
            FROM current_decisions
            WHERE record_id_l IN {members} AND record_id_r IN {members}
            ORDER BY ALL
        """).fetchnumpy()
        left = pairs["record_id_l"].astype(np.int64)
        right = pairs["record_id_r"].astype(np.int64)
        probability = pairs["probability"].astype(np.float64)
        vetoed = np.asarray(pairs["veto"], dtype=bool)
        kind = np.asarray(decisions["decision"], dtype=object)
        d_left = decisions["l"].astype(np.int64)
        d_right = decisions["r"].astype(np.int64)
        is_match, is_non_match = kind == "match", kind == "non_match"
        must = (d_left[is_match], d_right[is_match])
        declined = (d_left[is_non_match], d_right[is_non_match])
        cannot = cannot_links(left, right, vetoed, must, declined)   # as the link stage
        pair_code = left * (1 << 32) + right
        # Pairs a reviewer decided are not drawn: the constraints settle them.
        decided = np.isin(pair_code, d_left[is_match | is_non_match] * (1 << 32)
                          + d_right[is_match | is_non_match])
        random = ~decided & (probability > 0)
        sources = fetch_one(con, "SELECT count(DISTINCT source) FROM current_records")[0]
        max_size = (case.settings.link.max_entity_records
                    or default_max_entity_records(sources))
        return cls(
            records=records, left=left[random], right=right[random],
            probability=probability[random],
            must_link=must if len(must[0]) else None,
            cannot_link=cannot,
            threshold=float(model[0]), max_size=int(max_size),
            decided={"match": int(is_match.sum()), "non_match": int(is_non_match.sum()),
                     "unsure": int((kind == "unsure").sum())})


    def labels(self, linked: np.ndarray) -> np.ndarray:
        """The people (cluster labels, aligned with ``records.record_ids``) when the pairs
        marked in ``linked`` link, clustered as the link stage clusters."""
        # Threshold 0 keeps exactly the drawn links; their probabilities order the cuts
        # made for cannot-links and oversized clusters, weakest link first.
        result = cluster(self.records.record_ids, self.left[linked], self.right[linked],
                          self.probability[linked], 0.0, must_link=self.must_link,
                          cannot_link=self.cannot_link, max_size=self.max_size)
        return result.labels

    def threshold_labels(self) -> np.ndarray:
        """The people the link stage would make now from these pairs and decisions (the
        register, unless decisions were made since the last linkage)."""
        return self.labels(self.probability >= self.threshold)

    def draws(self, m: int, seed: int) -> Iterator[np.ndarray]:
        """``m`` drawn linkages (cluster labels each). Draw ``i`` depends only on
        ``(seed, i)``."""
        for i in range(m):
            rng = np.random.default_rng(np.random.SeedSequence(
                seed, spawn_key=(_STREAM_LINKAGE, i)))
            yield self.labels(rng.random(len(self.probability)) < self.probability)

    def sample_histories(self, m: int, seed: int) -> list[dict[str, CaptureHistories]]:
        """Capture histories per stratum of ``m`` drawn linkages."""
        return [self.records.histories(labels) for labels in self.draws(m, seed)]

    def register_histories(self) -> dict[str, CaptureHistories]:
        """Capture histories per stratum of the register itself."""
        return self.records.histories(self.records.entity)




def same_people(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two labellings of the same records group them the same way."""
    if len(a) != len(b):
        return False
    pairs = np.unique(np.stack([a, b]), axis=1).shape[1]
    return pairs == len(np.unique(a)) == len(np.unique(b))


# ----------------------------------------------------------------- estimating over draws


@dataclass(frozen=True, eq=False)
class LinkageEstimate:
    """One method's estimate (one stratum or the total) from the register alone and
    over the drawn linkages."""

    without: Estimate
    with_linkage: Estimate

    @property
    def widening(self) -> float:
        """How many times wider the interval is with linkage uncertainty."""
        width = self.without.upper - self.without.lower
        wider = self.with_linkage.upper - self.with_linkage.lower
        return wider / width if width > 0 else math.inf if wider > 0 else 1.0

    def to_dict(self) -> dict[str, Any]:
        """The figures with linkage uncertainty, for storing next to the estimate."""
        w = self.with_linkage
        return {"point": w.point, "lower": w.lower, "upper": w.upper, "level": w.level,
                "widening": self.widening, **w.diagnostics.get("linkage", {}),
                "warnings": list(w.warnings)}


def estimate_over_linkages(
    method: str,
    draws: Sequence[Mapping[str, CaptureHistories]],
    baseline: Mapping[str, Estimate],
    *,
    register: Mapping[str, CaptureHistories] | None = None,
    seed: int = 1,
    level: float = 0.95,
    params: Mapping[str, Any] | None = None,
    posterior_draws: int = POSTERIOR_DRAWS,
    threads: int | None = None,
    on_step: Callable[[str], None] | None = None,
) -> dict[str, LinkageEstimate]:
    """Estimate with ``method`` on every drawn linkage and combine (see the module
    docstring). Works on plain histories: no case needed.

    ``draws``: per linkage draw, the capture histories per stratum. ``baseline``: the
    method's estimates on the register, per stratum (and ``"total"`` over strata), as
    ``estimate_histories`` makes them; ``register``: the register's histories, to
    recognise draws identical to it. ``params``: the estimator's parameters (LCMCR's run
    length defaults to ``LCMCR_PER_DRAW``; its chains, samples and DGA's draws are set
    here). Returns ``{stratum: LinkageEstimate}`` for every stratum of ``baseline``.

    ``diagnostics["linkage"]["between_share"]`` of each result is the share of the
    variance that linkage adds: (1 + 1/M) B / T for Rubin's rules (the two sides
    averaged), 1 − (register's posterior variance / pooled variance) for pooled draws.
    """
    m = len(draws)
    if m < 2:
        raise EstimationError(f"linkage uncertainty needs at least 2 drawn linkages, got {m}")
    if posterior_draws < 1:
        raise EstimationError(f"posterior_draws must be at least 1, got {posterior_draws}")
    strata = [s for s in baseline if s != TOTAL]
    per_draw_settings = {k: v for k, v in _draw_params(method, params, level, 0, 0).items()
                         if k not in ("seed", "samples", "draws")}
    setup = {"linkage_draws": m, "seed": seed, "per_draw_settings": per_draw_settings}
    if bayesian_method(method):
        setup["posterior_draws_per_linkage"] = posterior_draws
    if register is not None and all(_same_histories(d, register) for d in draws):
        # Every draw is the register: the posterior averaged over linkages is the
        # register's, and Rubin's between-draw variance is 0.
        note = {"linkage": {**setup, "combined": "every drawn linkage gave the register's "
                            "capture histories: no linkage uncertainty",
                            "distinct_histories": 1, "fits": 0, "failed": 0,
                            "between_share": 0.0}}
        return {s: LinkageEstimate(e, replace(e, diagnostics={**e.diagnostics, **note}))
                for s, e in baseline.items()}

    bayesian = bayesian_method(method)
    # Distinct histories per stratum, fitted once each: draw i of stratum s uses fit
    # fits[s_key] and (Bayesian) its share of that fit's posterior draws.
    keys: dict[tuple[str, bytes], list[int]] = {}
    for i, draw in enumerate(draws):
        for s in strata:
            if s in draw:
                keys.setdefault((s, _fingerprint(draw[s])), []).append(i)
    tasks = list(keys.items())
    fitted: dict[tuple[str, bytes], Estimate | str] = {}
    cores = threads or _cores()

    def fit(index: int) -> None:
        (s, key), users = tasks[index]
        histories = draws[users[0]][s]
        fit_seed = int(np.random.SeedSequence(seed, spawn_key=(_STREAM_FIT, index))
                       .generate_state(1, dtype=np.uint32)[0] >> 1)
        make = factory(method, **_draw_params(method, params, level, fit_seed,
                                               len(users) * posterior_draws))
        try:
            fitted[(s, key)] = make().fit(histories).estimate_
        except EstimationError as exc:
            fitted[(s, key)] = exc.message

    if on_step is not None:
        on_step(f"{method} over {m} drawn linkages ({len(tasks)} distinct)")
    with ThreadPoolExecutor(max_workers=min(cores, max(len(tasks), 1))) as pool:
        list(pool.map(fit, range(len(tasks))))

    # Per draw and stratum: the estimate and (Bayesian) that draw's posterior sample.
    per_draw: list[dict[str, Estimate]] = [{} for _ in range(m)]
    samples: list[dict[str, np.ndarray]] = [{} for _ in range(m)]
    failures: dict[str, list[str]] = {}
    for (s, key), users in tasks:
        result = fitted[(s, key)]
        if isinstance(result, str):
            failures.setdefault(s, []).extend([result] * len(users))
            continue
        for j, i in enumerate(users):
            per_draw[i][s] = result
            if bayesian:
                draws_of_n = np.asarray(result.draws, dtype=float)
                samples[i][s] = draws_of_n[j * posterior_draws:(j + 1) * posterior_draws]

    out: dict[str, LinkageEstimate] = {}
    fit_info = {"distinct_histories": len(tasks), "fits": len(tasks)}
    for s in strata:
        present = [i for i in range(m) if s in per_draw[i]]
        missing = sum(1 for d in draws if s not in d)
        problems = _problems(failures.get(s, []), missing, m, method)
        if not present:
            raise EstimationError(f"{method} [{s}]: no drawn linkage could be estimated "
                                  f"({'; '.join(problems)})")
        estimates = [per_draw[i][s] for i in present]
        problems += _warned(method, [[e] for e in estimates], m)
        if bayesian:
            combined = _pooled([samples[i][s] for i in present], estimates, level,
                               baseline[s].draws)
        else:
            combined = _rubin(estimates, level)
        out[s] = LinkageEstimate(baseline[s], _as_estimate(
            baseline[s], combined, estimates, {**setup, **fit_info, "failed": len(
                failures.get(s, []))}, problems))
    if TOTAL in baseline:
        totals, total_draws, failed = [], [], 0
        for i in range(m):
            parts = per_draw[i]
            if not parts or len(parts) != sum(1 for s in strata if s in draws[i]):
                failed += 1
                continue
            if bayesian:
                summed = np.sum([samples[i][s] for s in parts], axis=0)
                total_draws.append(summed)
                totals.append(_summary(summed, parts, level))
            else:
                totals.append(combine_strata(parts, seed=seed))
        if not totals:
            raise EstimationError(f"{method}: no drawn linkage could be estimated in every "
                                  "stratum")
        combined = (_pooled(total_draws, [e for d in per_draw for e in d.values()], level,
                            baseline[TOTAL].draws)
                    if bayesian else _rubin(totals, level))
        problems = [(f"{failed} of {m} drawn linkages could not be estimated in every "
                     "stratum and are left out of the total")] if failed else []
        problems += _warned(method, [list(d.values()) for d in per_draw if d], m)
        out[TOTAL] = LinkageEstimate(baseline[TOTAL], _as_estimate(
            baseline[TOTAL], combined, totals, {**setup, **fit_info, "failed": failed},
            problems))
    return out


@dataclass(frozen=True)
class Combined:
    """A combination's point, interval and how it was made."""

    point: float
    lower: float
    upper: float
    info: dict[str, Any]


def bayesian_method(method: str) -> bool:
    """Whether ``method``'s draws are pooled (Bayesian) or combined by Rubin's rules."""
    return method in BAYESIAN


def rubin_log_scale(points: np.ndarray, lowers: np.ndarray, uppers: np.ndarray,
                    level: float) -> Combined:
    """Rubin's rules on log N with separate lower and upper sides (module docstring):
    the m-th estimate is ``points[m]`` with interval ``[lowers[m], uppers[m]]`` at
    ``level``."""
    theta = np.log(np.asarray(points, dtype=float))
    m = len(theta)
    z = float(norm.ppf(0.5 + level / 2))
    below = (theta - np.log(np.asarray(lowers, dtype=float))) / z
    above = (np.log(np.asarray(uppers, dtype=float)) - theta) / z
    centre = float(theta.mean())
    between = float(theta.var(ddof=1)) if m > 1 else 0.0
    inflated = (1 + 1 / m) * between
    sides = []
    for half in (below, above):
        within = float(np.mean(half**2))
        total = within + inflated
        df: float | None = None  # None: infinite (no variance between draws), as JSON allows
        quantile = z
        if inflated > 0:
            df = (m - 1) * (1 + within / inflated) ** 2
            quantile = float(t.ppf(0.5 + level / 2, df))
        sides.append((within, total, df, quantile))
    (w_lo, t_lo, df_lo, q_lo), (w_hi, t_hi, df_hi, q_hi) = sides
    share = inflated / (0.5 * (t_lo + t_hi)) if t_lo + t_hi > 0 else 0.0
    return Combined(
        point=math.exp(centre), lower=math.exp(centre - q_lo * math.sqrt(t_lo)),
        upper=math.exp(centre + q_hi * math.sqrt(t_hi)),
        info={"combined": "Rubin's rules on log N, lower and upper sides apart",
              "log_point": centre, "between_variance": between,
              "within_variance": {"lower": w_lo, "upper": w_hi},
              "total_variance": {"lower": t_lo, "upper": t_hi},
              "df": {"lower": df_lo, "upper": df_hi}, "between_share": share})


def _rubin(estimates: Sequence[Estimate], level: float) -> Combined:
    return rubin_log_scale(np.array([e.point for e in estimates]),
                           np.array([e.lower for e in estimates]),
                           np.array([e.upper for e in estimates]), level)


def _pooled(samples: Sequence[np.ndarray], estimates: Sequence[Estimate], level: float,
            reference: np.ndarray | None = None) -> Combined:
    """Posterior draws pooled over linkages: median and equal-tailed interval.

    For MCMC runs, the first halves of all runs pooled are compared with the second
    halves pooled (rank-normalised R-hat): each linkage has its own posterior, but the
    mixture is the same in both halves once every run has left its start. ``reference``
    (the register's posterior draws) gives the variance ratio reported.
    """
    pooled = np.concatenate(samples)
    tail = (1 - level) / 2
    lower, point, upper = (float(v) for v in np.quantile(pooled, [tail, 0.5, 1 - tail]))
    info: dict[str, Any] = {
        "combined": "posterior draws pooled over linkages, the same number per linkage",
        "pooled_draws": int(pooled.size),
    }
    if reference is not None and len(reference) > 1 and np.var(reference) > 0:
        # the share of the pooled variance beyond the register's posterior variance (a
        # share between linkages from the runs' own means would count their Monte Carlo
        # error, large for short LCMCR runs, as linkage uncertainty)
        ratio = float(np.var(pooled) / np.var(reference))
        info["variance_ratio"] = ratio
        info["between_share"] = max(0.0, 1.0 - 1.0 / ratio)
    if any("rhat" in e.diagnostics for e in estimates) and len(samples[0]) >= 8:
        half = len(samples[0]) // 2
        first = np.concatenate([s[:half] for s in samples])
        second = np.concatenate([s[len(s) - half:] for s in samples])
        value = mcmc.rhat(np.stack([first, second]))
        info["pooled_rhat"] = None if math.isnan(value) else value
    return Combined(point, lower, upper, info)


def _summary(draws_of_n: np.ndarray, parts: Mapping[str, Estimate], level: float,
             ) -> Estimate:
    """One drawn linkage's total over strata from its summed posterior draws."""
    tail = (1 - level) / 2
    lower, point, upper = (float(v) for v in np.quantile(draws_of_n, [tail, 0.5, 1 - tail]))
    first = next(iter(parts.values()))
    return Estimate(method=first.method, point=point, lower=lower, upper=upper, level=level,
                    n_observed=sum(e.n_observed for e in parts.values()), stratum=TOTAL)


def _as_estimate(base: Estimate, combined: Combined, estimates: Sequence[Estimate],
                 setup: dict[str, Any], problems: list[str]) -> Estimate:
    observed = np.array([e.n_observed for e in estimates])
    lower = max(combined.lower, float(observed.min()))
    point = max(combined.point, lower)
    upper = max(combined.upper, point)
    points = np.array([e.point for e in estimates])
    linkage = {**setup, **combined.info,
               "people_observed": {"register": base.n_observed,
                                   "median": float(np.median(observed)),
                                   "min": int(observed.min()), "max": int(observed.max())},
               "draw_points": {"median": float(np.median(points)),
                               "min": float(points.min()), "max": float(points.max())}}
    rhat = combined.info.get("pooled_rhat", 1.0)
    warnings = list(problems)
    if rhat is None or rhat > POOLED_MAX_RHAT:
        shown = "n/a" if rhat is None else f"{rhat:.3f}"
        warnings.append(
            f"the runs made on the drawn linkages had not settled: the first and second "
            f"halves of their draws differ (R-hat {shown} > {POOLED_MAX_RHAT}); the pooled "
            "interval may be too narrow or shifted: use longer runs per draw")
    return Estimate(
        method=base.method, point=point, lower=lower, upper=upper, level=base.level,
        n_observed=round(float(np.median(observed))), stratum=base.stratum,
        settings={**base.settings, "linkage_draws": setup["linkage_draws"]},
        seed=setup["seed"], draws=None, diagnostics={"linkage": linkage},
        warnings=tuple(warnings))


def _problems(failures: list[str], missing: int, m: int, method: str) -> list[str]:
    problems = []
    if failures:
        common = max(set(failures), key=failures.count)
        problems.append(f"{len(failures)} of {m} drawn linkages could not be estimated "
                        f"with {method} and are left out (e.g.: {common})")
    if missing:
        problems.append(f"the stratum has nobody in {missing} of {m} drawn linkages")
    return problems


def _warned(method: str, per_draw: Sequence[Sequence[Estimate]], m: int) -> list[str]:
    """A problem when more than ``WARNED_SHARE`` of the ``m`` drawn linkages gave an
    estimate (of any stratum, in ``per_draw``) with a warning; not for LCMCR."""
    if method == "lcmcr":
        return []
    warned = [next(w for e in draw for w in e.warnings) for draw in per_draw
              if any(e.warnings for e in draw)]
    if len(warned) <= WARNED_SHARE * m:
        return []
    common = max(set(warned), key=warned.count)
    example = common.split("; ")[0].rstrip(".")
    problem = (f"{len(warned)} of {m} drawn linkages gave {method} estimates with a "
               f"warning (e.g.: {example})")
    return [problem]


def _draw_params(method: str, params: Mapping[str, Any] | None, level: float, seed: int,
                 posterior: int) -> dict[str, Any]:
    chosen = {**(LCMCR_PER_DRAW if method == "lcmcr" else {}), **(params or {}),
              "level": level, "seed": seed}
    if method == "lcmcr":
        # One chain per linkage, the threads go to the linkages; a single short run misses
        # LCMCR's own targets, the pooled check stands in for them.
        chosen.update(chains=1, samples=posterior, threads=1)
    elif method == "dga":
        chosen["draws"] = posterior
    return chosen


def _fingerprint(histories: CaptureHistories) -> bytes:
    return (np.ascontiguousarray(histories.patterns).tobytes() + b"|"
            + np.ascontiguousarray(histories.counts).tobytes())


def _same_histories(a: Mapping[str, CaptureHistories],
                    b: Mapping[str, CaptureHistories]) -> bool:
    return a.keys() == b.keys() and all(_fingerprint(a[s]) == _fingerprint(b[s]) for s in a)


def _cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


# ------------------------------------------------------------------------ from a case


@dataclass
class LinkageRun:
    """Linkage uncertainty for the methods of an estimate run."""

    draws: int
    seed: int
    results: dict[str, dict[str, LinkageEstimate]] = field(default_factory=dict)
    people_per_draw: list[int] = field(default_factory=list)
    register_people: int = 0
    pairs_drawn: int = 0      # candidate pairs drawn at random (not settled by a reviewer)
    decided: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)


def linkage_uncertainty(case: Case, baseline: Mapping[str, Mapping[str, Estimate]], *,
                        draws: int, seed: int, level: float = 0.95,
                        strata_by: list[str] | None = None,
                        posterior_draws: int = POSTERIOR_DRAWS,
                        params: Mapping[str, Mapping[str, Any]] | None = None,
                        on_step: Callable[[str], None] | None = None) -> LinkageRun:
    """Draw ``draws`` linkages from the case and estimate over them with every method in
    ``baseline`` (``{method: {stratum: estimate on the register}}``); ``params`` gives
    estimator parameters per method (e.g. ``{"lcmcr": {"burnin": 5_000}}``)."""
    import time

    started = time.perf_counter()
    links = CandidateLinks.from_case(case, strata_by)
    run = LinkageRun(draws=draws, seed=seed, pairs_drawn=len(links.probability),
                     decided=links.decided)
    register = links.register_histories()
    run.register_people = sum(h.n_observed for h in register.values())
    if not same_people(links.threshold_labels(), links.records.entity):
        run.warnings.append(
            "the register differs from what the stored pairs and current decisions give "
            "(decisions made since the last linkage?): re-run `fullcount link`; the drawn "
            "linkages follow the decisions, the register does not yet")
    histories = links.sample_histories(draws, seed)
    run.people_per_draw = [sum(h.n_observed for h in d.values()) for d in histories]
    run.seconds["draw linkages"] = time.perf_counter() - started
    for method, estimates in baseline.items():
        tick = time.perf_counter()
        try:
            run.results[method] = estimate_over_linkages(
                method, histories, estimates, register=register, seed=seed, level=level,
                params=(params or {}).get(method), posterior_draws=posterior_draws,
                on_step=on_step)
        except EstimationError as exc:
            run.skipped[method] = exc.message
        run.seconds[method] = time.perf_counter() - tick
    return run


__all__ = [
    "CandidateLinks",
    "LinkageEstimate",
    "LinkageRun",
    "estimate_over_linkages",
    "linkage_uncertainty",
    "rubin_log_scale",
    "same_people",
]
