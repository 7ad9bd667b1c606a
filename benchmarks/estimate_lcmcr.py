"""LCMCR: speed per Gibbs sweep, effective samples of N per second, agreement with R.

    python benchmarks/estimate_lcmcr.py                 # all sections (~10 minutes)
    python benchmarks/estimate_lcmcr.py --only sweep    # one section: sweep | ess | agree | hard
    python benchmarks/estimate_lcmcr.py --tables Rcapture_HIV SparseMSE_UKdat

sweep  µs per Gibbs sweep of one chain (steady state, after warm-up), next to the R
       package's 18–19 µs (4 lists, 15 patterns, K*=10) and 22–25 µs (6–8 lists).
ess    effective samples of N per second with the defaults (8 chains on all cores,
       sampling until R-hat ≤ 1.01 and bulk and tail ESS ≥ 1,000; wall time includes
       warm-up and burn-in, not JIT compilation), against R's: ESS / wall_seconds of the
       reference run (10,000 burn-in + 1,000×100 sweeps). R's ESS is not known exactly:
       the data README gives ≥ 370 of 1,000 draws on the mixing tables (54, 22, 6.6 on
       UKdat, UKdat_5, Ned). Ratios are printed against (a) that figure, (b) 1,000 — the
       most R's 1,000 draws can hold, so ratio (b) is a floor — and (c) the ESS the same
       Markov chain law gives in R's 100,000 sweeps, from our own ESS per sweep.
agree  long runs (ESS ≥ 4,000) against R's posterior median and 2.5/97.5% quantiles, with
       Monte Carlo standard errors (ours from our chains; R's from R's ESS as in (c)).
hard   UKdat, UKdat_5, Ned, Ned_5 (R's chains did not converge) with the defaults and three
       seeds: what our diagnostics say.
"""

from __future__ import annotations

import argparse
import csv
import math
import time
from pathlib import Path

import numpy as np

from fullcount.estimate import _lcmcr_kernel as kernel
from fullcount.estimate.histories import CaptureHistories
from fullcount.estimate.lcmcr import LCMCR, _pattern_index

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "mse"
MIXING = ["Rcapture_HIV", "Rcapture_lesbian", "Rcapture_hare", "SparseMSE_NewOrl",
          "SparseMSE_NewOrl_5", "SparseMSE_Western", "SparseMSE_Artificial_3",
          "dga_example_3lists", "dga_example_5lists"]
HARD = ["SparseMSE_UKdat", "SparseMSE_UKdat_5", "SparseMSE_Ned", "SparseMSE_Ned_5"]
R_README_ESS = {"SparseMSE_UKdat": 54.0, "SparseMSE_UKdat_5": 22.0, "SparseMSE_Ned": 6.6}
R_SWEEPS = 10_000 + 500 + 1000 * 100  # burn-in, the α-fixed warm-up, samples × thinning
R_SAMPLING_SWEEPS, R_DRAWS = 1000 * 100, 1000


def load(name: str) -> CaptureHistories:
    return CaptureHistories.from_csv(DATA / f"{name}.csv")


def r_reference() -> dict[str, dict[str, float]]:
    with (DATA / "reference_estimates.csv").open(encoding="utf-8") as handle:
        return {row["dataset"]: {key: float(row[key]) for key in
                                 ("estimate_point", "lo95", "hi95", "wall_seconds")}
                for row in csv.DictReader(handle) if row["method"] == "LCMCR"}


def sweep_time(histories: CaptureHistories, sweeps: int = 100_000) -> float:
    """µs per sweep of one chain, best of three timed blocks after 10,500 untimed."""
    model = LCMCR(chains=1, thinning=sweeps)
    data = _pattern_index(histories)
    on_start, on_list, counts, n_lists = data
    cap = 20 * histories.n_observed
    chain = model._new_chain(n_lists)
    kernel.initialise(on_start, on_list, counts, n_lists, chain.log_lam, chain.log_off,
                      chain.log_nu, chain.count0, chain.scalars, cap, 1)
    model._sweep(chain, data, cap, 500, False, 2)
    model._sweep(chain, data, cap, 10_000, True, 3)
    best = math.inf
    for seed in range(3):
        tick = time.perf_counter()
        model._sweep(chain, data, cap, sweeps, True, 4 + seed)
        best = min(best, time.perf_counter() - tick)
    return 1e6 * best / sweeps


def quantile_se(pooled: np.ndarray, prob: float, ess: float) -> float:
    step = math.sqrt(prob * (1 - prob) / ess)
    low, high = np.quantile(pooled, [max(prob - step, 0.0), min(prob + step, 1.0)])
    return float(high - low) / 2


def r_ess_same_law(model: LCMCR) -> float:
    """ESS of N that R's 100,000 sampling sweeps get under our per-sweep ESS."""
    info = model.estimate_.diagnostics
    per_sweep = info["ess_bulk"] / (info["chains"] * info["iterations"])
    return min(R_DRAWS, per_sweep * R_SAMPLING_SWEEPS)


def section_sweep(tables: list[str], reference: dict[str, dict[str, float]]) -> None:
    print("\n== µs per Gibbs sweep, one chain (K* = 10) ==")
    print(f"{'table':24} {'lists':>5} {'patterns':>8} {'ours µs':>8} {'R µs':>8} "
          f"{'R wall/sweep':>12}")
    for name in tables:
        histories = load(name)
        ours = sweep_time(histories)
        r_quoted = {4: "18-19", 6: "22-25", 7: "22-25", 8: "22-25"}.get(histories.k, "-")
        r_wall = 1e6 * reference[name]["wall_seconds"] / R_SWEEPS
        print(f"{name:24} {histories.k:>5} {len(histories.counts):>8} {ours:>8.2f} "
              f"{r_quoted:>8} {r_wall:>12.1f}", flush=True)


def section_ess(tables: list[str], reference: dict[str, dict[str, float]]) -> None:
    print("\n== effective samples of N per second: defaults (8 chains, all cores) vs R ==")
    print(f"{'table':24} {'sweeps':>9} {'wall s':>7} {'ESS bulk':>8} {'tail':>6} "
          f"{'ESS/s':>7} {'stopped':>14} | {'R ESS/s(a)':>10} {'×(a)':>6} "
          f"{'×(b) floor':>10} {'×(c) same law':>13}")
    for name in tables:
        model = LCMCR(seed=1).fit(load(name))
        info = model.estimate_.diagnostics
        ess = min(info["ess_bulk"] or 0.0, info["ess_tail"] or 0.0)
        per_second = ess / info["seconds"]
        wall_r = reference[name]["wall_seconds"]
        readme = R_README_ESS.get(name, 370.0 if name in MIXING else math.nan)
        same_law = r_ess_same_law(model)
        ratios = [per_second / (r_ess / wall_r) for r_ess in (readme, R_DRAWS, same_law)]
        sweeps = info["chains"] * (info["iterations"] + info["burnin"] + info["warmup"])
        print(f"{name:24} {sweeps:>9,} {info['seconds']:>7.1f} {info['ess_bulk']:>8.0f} "
              f"{info['ess_tail']:>6.0f} {per_second:>7.0f} {info['stopped']:>14} | "
              f"{readme / wall_r:>10.0f} {ratios[0]:>6.1f} {ratios[1]:>10.1f} "
              f"{ratios[2]:>13.1f}", flush=True)
    print("ESS/s uses min(bulk, tail) ESS of the pooled chains; × = ours / R's.")


def section_agree(tables: list[str], reference: dict[str, dict[str, float]]) -> None:
    print("\n== agreement with R (K*=10, a=b=0.25): ours = 8 chains to ESS ≥ 4,000 ==")
    print(f"{'table':24} {'':6} {'ours':>9} {'± MCSE':>7} {'R':>9} {'± R SE':>7} "
          f"{'diff':>7} {'z':>6}   R-hat  ESS")
    for name in tables:
        model = LCMCR(seed=7, min_ess=4000, max_seconds=180).fit(load(name))
        estimate, r = model.estimate_, reference[name]
        info = estimate.diagnostics
        pooled = model.draws_.ravel()
        r_ess = r_ess_same_law(model)
        rows = (("median", estimate.point, r["estimate_point"], 0.5, info["mcse_point"]),
                ("2.5%", estimate.lower, r["lo95"], 0.025, info["mcse_lower"]),
                ("97.5%", estimate.upper, r["hi95"], 0.975, info["mcse_upper"]))
        for index, (label, ours, theirs, prob, mcse) in enumerate(rows):
            r_se = quantile_se(pooled, prob, r_ess)
            # N is a count: a quantile is only resolved to about one person.
            spread = max(math.hypot(r_se, mcse or 0.0), 1.0)
            z = (ours - theirs) / spread
            tail = (f"  {info['rhat']:.3f}  {info['ess_bulk']:,.0f}/{info['ess_tail']:,.0f}"
                    f"  R ESS≈{r_ess:.0f}" if index == 0 else "")
            print(f"{name if index == 0 else '':24} {label:6} {ours:>9,.0f} {mcse or 0:>7,.0f} "
                  f"{theirs:>9,.0f} {r_se:>7,.0f} {ours / theirs - 1:>+7.1%} {z:>+6.1f}{tail}",
                  flush=True)
        for warning in estimate.warnings:
            print(f"{'':24} ! {warning[:150]}")


def section_hard(tables: list[str], reference: dict[str, dict[str, float]]) -> None:
    print("\n== tables where R's chains did not converge: defaults, three seeds ==")
    for name in tables:
        r = reference[name]
        print(f"{name}: R {r['estimate_point']:,.0f} [{r['lo95']:,.0f}, {r['hi95']:,.0f}]")
        for seed in (1, 2, 3):
            model = LCMCR(seed=seed).fit(load(name))
            estimate = model.estimate_
            info = estimate.diagnostics
            medians = ", ".join(f"{m:,.0f}" for m in info["chain_medians"])
            print(f"  seed {seed}: {estimate.point:,.0f} [{estimate.lower:,.0f}, "
                  f"{estimate.upper:,.0f}]  R-hat {info['rhat']:.3f}  ESS "
                  f"{info['ess_bulk']:,.0f}/{info['ess_tail']:,.0f}  {info['chains']}×"
                  f"{info['iterations']:,} sweeps  {info['seconds']:.0f} s  stopped: "
                  f"{info['stopped']}  chain medians {medians}  k* median "
                  f"{info['k_star']['median']:.0f}  at cap "
                  f"{info['truncation']['share_of_sweeps_at_cap']:.2%}", flush=True)
            for warning in estimate.warnings:
                print(f"      ! {warning.split(';')[0][:140]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", choices=["sweep", "ess", "agree", "hard"])
    parser.add_argument("--tables", nargs="*")
    args = parser.parse_args()
    reference = r_reference()
    LCMCR(seed=0, chains=1, burnin=10, samples=1, thinning=1).fit(load("Rcapture_hare"))
    everything = MIXING + HARD
    chosen = args.tables or everything
    if args.only in (None, "sweep"):
        section_sweep(chosen, reference)
    if args.only in (None, "ess"):
        section_ess(chosen, reference)
    if args.only in (None, "agree"):
        section_agree([t for t in chosen if t in MIXING], reference)
    if args.only in (None, "hard"):
        section_hard([t for t in chosen if t in HARD], reference)


if __name__ == "__main__":
    main()
