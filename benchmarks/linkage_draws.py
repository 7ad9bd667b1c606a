"""Linkage uncertainty at scale: M drawn linkages of a synthetic case, estimated with
LCMCR and log-linear models, and the intervals with and without linkage uncertainty.

    python benchmarks/linkage_draws.py [--n 50000] [--lists 4] [--draws 100] [--case DIR]

Generates synthetic lists of n people (about 1.6 records per person), ingests,
normalises and links them with the real pipeline (not timed; or reuses a linked case
with --case), estimates on the register as `fullcount estimate` does (LCMCR adaptive, up
to its 60 s budget), then times: drawing and clustering M linkages (with their capture
histories), and each method over the M draws. Prints the interval widths from the
register alone and with linkage uncertainty, and the people per draw against the
register and the truth.
Target (issue): M = 100 draws on a 50,000-record case in minutes.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from fullcount.case import Case
from fullcount.estimate.linkage import CandidateLinks, estimate_over_linkages
from fullcount.estimate.stage import estimate_histories, histories_from_case
from fullcount.ingest import ingest_file
from fullcount.normalize.stage import run_normalize_stage
from fullcount.synth import generate

METHODS = ("loglinear", "lcmcr")


def build(root: Path, n: int, lists: int, seed: int) -> tuple[Path, int]:
    from fullcount.link.stage import run_link_stage

    started = time.perf_counter()
    summary = generate(root / "lists", n=n, lists=lists, seed=seed)
    with Case.create(root / "case") as case:
        for src in summary.sources:
            ingest_file(case, summary.out_dir / src.path, source=src.name)
        run_normalize_stage(case)
        result = run_link_stage(case)
    print(f"built: {n:,} people, {result.records:,} records, {result.pairs:,} pairs "
          f"({result.uncertain_pairs:,} uncertain), threshold {result.threshold:.2f}, "
          f"in {time.perf_counter() - started:.0f} s", flush=True)
    return root / "case", n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=50_000)
    parser.add_argument("--lists", type=int, default=4)
    parser.add_argument("--draws", type=int, default=100)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--case", type=Path, help="a linked case to reuse (not changed)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_TMP")) as tmp:
        if args.case is not None:
            case_dir, truth = args.case, None
        else:
            case_dir, truth = build(Path(tmp), args.n, args.lists, args.seed)
        with Case.open(case_dir, readonly=True) as case:
            records = case.con.execute("SELECT count(*) FROM current_records").fetchone()[0]
            histories, _ = histories_from_case(case)
            started = time.perf_counter()
            run = estimate_histories(histories, list(METHODS), seed=1)
            baseline_seconds = time.perf_counter() - started
            started = time.perf_counter()
            links = CandidateLinks.from_case(case)
            loaded = time.perf_counter() - started
            started = time.perf_counter()
            draws = links.sample_histories(args.draws, seed=1)
            drawn = time.perf_counter() - started
        register = links.register_histories()
        people = np.array([sum(h.n_observed for h in d.values()) for d in draws])
        p = links.probability
        print(f"case: {records:,} records, {len(p):,} pairs drawn: "
              f"{np.count_nonzero(p < 0.1):,} below 0.1, "
              f"{np.count_nonzero((p >= 0.1) & (p < 0.9)):,} from 0.1 to 0.9, "
              f"{np.count_nonzero(p >= 0.9):,} from 0.9; expected links "
              f"{p.sum():,.0f}")
        print(f"register estimates (as `fullcount estimate`): {baseline_seconds:.1f} s")
        print(f"draw + cluster + histories, M = {args.draws}: {drawn:.1f} s "
              f"({1000 * drawn / args.draws:.0f} ms per draw; loading {loaded:.1f} s)")
        print(f"people observed: register {sum(h.n_observed for h in register.values()):,}"
              f"; draws median {np.median(people):,.0f} (min {people.min():,}, max "
              f"{people.max():,})" + (f"; true people {truth:,}" if truth else ""))
        figures: dict[str, object] = {"records": records, "draws": args.draws,
                                      "draw_seconds": round(drawn, 1)}
        baseline = {m: {e.stratum: e for e in run.estimates if e.method == m}
                    for m in METHODS}
        for method in METHODS:
            started = time.perf_counter()
            result = estimate_over_linkages(method, draws, baseline[method],
                                            register=register, seed=1)["all"]
            seconds = time.perf_counter() - started
            without, with_ = result.without, result.with_linkage
            info = with_.diagnostics["linkage"]
            extra = f"share of variance from linkage {info.get('between_share', 0.0):.2f}"
            if "pooled_draws" in info:
                extra += (f", pooled R-hat {info.get('pooled_rhat') or float('nan'):.4f}, "
                          f"{info['pooled_draws']:,} pooled draws")
            print(f"{method}: {seconds:.1f} s for {args.draws} draws "
                  f"({info['distinct_histories']} distinct)")
            print(f"  register alone:    {without.point:,.0f} ({without.lower:,.0f} – "
                  f"{without.upper:,.0f}), width {without.upper - without.lower:,.0f}")
            print(f"  with linkage unc.: {with_.point:,.0f} ({with_.lower:,.0f} – "
                  f"{with_.upper:,.0f}), width {with_.upper - with_.lower:,.0f} "
                  f"(x{result.widening:.2f}); {extra}")
            for warning in (*without.warnings, *with_.warnings):
                print(f"  ! {warning}")
            figures[method] = {"seconds": round(seconds, 1),
                               "width_without": round(without.upper - without.lower),
                               "width_with": round(with_.upper - with_.lower),
                               "widening": round(result.widening, 2)}
        print(json.dumps(figures))


if __name__ == "__main__":
    main()
