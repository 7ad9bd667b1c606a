"""Log-linear model search (LogLinear) against Rcapture's closedpMS.t wall time.

    python benchmarks/estimate_loglinear.py [--repeat 5] [--no-cold] [--seven]

For every reference table that has Rcapture closedpMS.t rows, times
``LogLinear(criterion).fit`` (the whole search over hierarchical models plus the
profile-likelihood interval of the selected model) and prints the median of --repeat
runs beside R's wall time from tests/data/mse/reference_estimates.csv, and the speed-up.
Model averaging (which profiles up to 5,000 models) is timed too.

Targets: at least 5x faster than R on 4 lists (113 models); the 6-list searches
(32,768 models; R took 4 to 10 minutes) under 30 s. Times are in-process after a
warm-up; --cold (default on) also reports, in a fresh process with an empty numba
cache, the one-off cost of compiling the kernels. --seven times 7 simulated lists with
max_order=2 (2^21 models), which Rcapture refuses to run by default.
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "mse"
sys.path.insert(0, str(ROOT / "src"))

from fullcount.estimate import CaptureHistories
from fullcount.estimate.loglinear import LogLinear


def r_wall_times() -> dict[tuple[str, str], float]:
    """R's closedpMS.t wall seconds by (dataset, criterion)."""
    with (DATA / "reference_estimates.csv").open(newline="") as handle:
        return {(row["dataset"], row["method"].rsplit("_", 1)[1].lower()):
                float(row["wall_seconds"])
                for row in csv.DictReader(handle)
                if row["method"].startswith("Rcapture_closedpMS_")}


def median_seconds(run, repeat: int) -> float:
    run()  # warm-up: kernels loaded or compiled
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def cold_start_seconds() -> float:
    """First fit in a fresh process with an empty numba cache (compiles every kernel)."""
    code = ("import time; t = time.perf_counter();"
            "from fullcount.estimate import CaptureHistories;"
            "from fullcount.estimate.loglinear import LogLinear;"
            f"h = CaptureHistories.from_csv({str(DATA / 'SparseMSE_Western.csv')!r});"
            "LogLinear().fit(h); LogLinear(average=True).fit(h);"
            "print(time.perf_counter() - t)")
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache,
               "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")}
        out = subprocess.run([sys.executable, "-c", code], env=env, check=True,
                             capture_output=True, text=True)
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-cold", action="store_true", help="skip the compile-time run")
    parser.add_argument("--seven", action="store_true", help="also time 7 lists, order 2")
    args = parser.parse_args()

    r_times = r_wall_times()
    datasets = sorted({d for d, _ in r_times}, key=lambda d: (
        CaptureHistories.from_csv(DATA / f"{d}.csv").k, d))
    print(f"LogLinear vs Rcapture closedpMS.t, median of {args.repeat} runs "
          f"({os.cpu_count()} cores)\n")
    header = (f"{'table':<22} {'K':>2} {'models':>7} {'crit':>4} {'ours s':>8} {'R s':>8} "
              f"{'faster':>8} {'average s':>10}  selected")
    print(header)
    print("-" * len(header))
    four, six = [], []
    for dataset in datasets:
        h = CaptureHistories.from_csv(DATA / f"{dataset}.csv")
        for criterion in ("aic", "bic"):
            if (dataset, criterion) not in r_times:
                continue
            try:
                model = LogLinear(criterion=criterion).fit(h)
            except Exception as exc:  # noqa: BLE001 - e.g. Artificial_3: no eligible model
                ours = median_seconds(lambda h=h, c=criterion: _attempt(h, c), args.repeat)
                print(f"{dataset:<22} {h.k:>2} {'':>7} {criterion:>4} {ours:>8.3f} "
                      f"{r_times[dataset, criterion]:>8.3f} "
                      f"{r_times[dataset, criterion] / ours:>7.0f}x {'':>10}  "
                      f"refused: {type(exc).__name__}")
                continue
            ours = median_seconds(lambda h=h, c=criterion: LogLinear(criterion=c).fit(h),
                                  args.repeat)
            averaged = median_seconds(
                lambda h=h, c=criterion: LogLinear(criterion=c, average=True).fit(h),
                max(1, args.repeat // 2))
            theirs = r_times[dataset, criterion]
            print(f"{dataset:<22} {h.k:>2} {len(model.models_):>7} {criterion:>4} "
                  f"{ours:>8.3f} {theirs:>8.3f} {theirs / ours:>7.0f}x {averaged:>10.3f}  "
                  f"{model.model_}")
            if h.k == 4:
                four.append(theirs / ours)
            if h.k == 6:
                six.append(ours)
    print()
    if four:
        print(f"4 lists: {min(four):.0f}x to {max(four):.0f}x faster than R "
              f"(target >= 5x): {'met' if min(four) >= 5 else 'NOT MET'}")
    if six:
        print(f"6 lists (32,768 models): {max(six):.2f} s at most "
              f"(target < 30 s): {'met' if max(six) < 30 else 'NOT MET'}")
    if not args.no_cold:
        print(f"first fit in a fresh process, compiling the numba kernels: "
              f"{cold_start_seconds():.1f} s (once; later processes load them from cache)")
    if args.seven:
        rng = np.random.default_rng(7)
        captured = rng.random((3000, 7)) < np.array([0.3, 0.2, 0.25, 0.15, 0.3, 0.2, 0.1])
        seen = captured[captured.any(axis=1)].astype(int)
        h = CaptureHistories.from_arrays(seen, np.ones(len(seen), dtype=int))
        start = time.perf_counter()
        model = LogLinear(max_order=2).fit(h)
        print(f"7 lists, max_order=2 ({len(model.models_):,} models): "
              f"{time.perf_counter() - start:.1f} s")


def _attempt(h: CaptureHistories, criterion: str) -> None:
    try:
        LogLinear(criterion=criterion).fit(h)
    except Exception:  # noqa: BLE001, S110 - timing the refusal itself
        pass


if __name__ == "__main__":
    main()
