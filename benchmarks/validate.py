"""Validation of the whole pipeline: bias, RMSE and interval coverage of the recommended
total on synthetic lists with a known population, over the scenario grid.

    python benchmarks/validate.py [--replicates 20] [--scenarios all|NAME,...]
                                  [--linkage-draws 100] [--workers 2] [--seed 1]
                                  [--heterogeneity H] [--out results.json]

Runs ``fullcount.validate.run_validation`` (synth → case → ingest → normalise → link →
estimate with linkage draws, plus the same methods on the true capture histories) and
prints, as it goes, a line per finished replicate and a table row per finished scenario,
then the whole table, the time per replicate and per stage, and how often each method
was recommended. Temporary cases go under $BENCH_TMP (default: the system's).

The full grid is slow: at N = 2,000 and 100 linkage draws a replicate takes about three
minutes of one core (LCMCR over the drawn linkages is most of it), so 20 replicates of
the 12 scenarios take the better part of a day on 2 cores; the N = 50,000 scenario
dominates. Pass --scenarios to run part of it.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np

from fullcount.validate import (
    LINKAGE_DRAWS,
    SCENARIOS,
    RunResult,
    ValidationProgress,
    at_heterogeneity,
    format_table,
    run_validation,
    scenario_named,
)

STAGES = ("synth", "ingest", "normalize", "link", "estimate", "true_estimate", "total")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", type=int, default=20)
    parser.add_argument("--scenarios", default="all",
                        help="all, or comma-separated names: "
                        + ", ".join(s.name for s in SCENARIOS))
    parser.add_argument("--linkage-draws", type=int, default=LINKAGE_DRAWS)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--heterogeneity", type=float,
                        help="run the scenarios with heterogeneity at H (as `fullcount "
                        "validate --heterogeneity`)")
    parser.add_argument("--out", type=Path, help="write every run and aggregate as JSON")
    args = parser.parse_args()
    scenarios = (list(SCENARIOS) if args.scenarios == "all"
                 else [scenario_named(n.strip()) for n in args.scenarios.split(",")])
    if args.heterogeneity is not None:
        scenarios = at_heterogeneity(scenarios, args.heterogeneity)
    print(f"{len(scenarios)} scenario(s) x {args.replicates} replicate(s), "
          f"{args.linkage_draws} linkage draws, {args.workers} worker(s), seeds "
          f"{args.seed}..{args.seed + args.replicates - 1}", flush=True)

    finished: dict[str, list[RunResult]] = {s.name: [] for s in scenarios}
    header_printed = False

    def progress(event: ValidationProgress) -> None:
        nonlocal header_printed
        r = event.result
        if r is None:
            return
        lead = r.with_linkage or r.register
        print(f"  [{event.done}/{event.total}] {r.scenario} #{r.replicate}: "
              + (f"FAILED {r.error}" if r.error else
                 f"{r.method} {lead.point:,.0f} ({lead.lower:,.0f}-{lead.upper:,.0f})"
                 if lead else "no total")
              + f", true {r.true_n:,}, {r.seconds.get('total', 0):.0f} s", flush=True)
        finished[r.scenario].append(r)
        if len(finished[r.scenario]) == args.replicates:
            scenario = next(s for s in scenarios if s.name == r.scenario)
            print(format_table([(scenario, finished[r.scenario])],
                               header=not header_printed, legend=False), flush=True)
            header_printed = True

    started = time.perf_counter()
    result = run_validation(scenarios, args.replicates, seed=args.seed,
                            linkage_draws=args.linkage_draws, workers=args.workers,
                            progress=progress, work_dir=os.environ.get("BENCH_TMP"))
    wall = time.perf_counter() - started
    print()
    print(result.summary())
    print()
    print("seconds per replicate (mean over replicates; one worker each):")
    print(f"{'scenario':<24}" + "".join(f"{stage:>14}" for stage in STAGES))
    for s in scenarios:
        runs = [r for r in result.runs_of(s.name) if not r.error]
        means = [np.mean([r.seconds.get(stage, np.nan) for r in runs]) if runs else np.nan
                 for stage in STAGES]
        print(f"{s.name:<24}" + "".join(f"{m:>14.1f}" for m in means))
    overall = result.overall
    print(f"methods recommended: on the case {overall['methods']}; on the true linkage "
          f"{overall['methods_true_linkage']}")
    print(f"wall time {wall / 60:.1f} min for {len(result.runs)} replicates "
          f"({wall / max(len(result.runs), 1):.0f} s each with {args.workers} workers)")
    if args.out:
        args.out.write_text(json.dumps(result.to_dict(), indent=2) + "\n", encoding="utf-8")
        print(f"written: {args.out}")
    print(json.dumps({s["name"]: {k: s["summary"][k] for k in ("with_linkage", "register",
                                                                "true_linkage", "methods")}
                      for s in result.to_dict()["scenarios"]}))


if __name__ == "__main__":
    main()
