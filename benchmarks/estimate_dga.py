"""DGA timings and agreement with the dga R package on the reference tables.

    python benchmarks/estimate_dga.py [--repeat 5]

For every dga row of tests/data/mse/reference_estimates.csv: our posterior median and
95% interval on dga's own N_missing grid and on the grid chosen automatically, dga's
figures, and the best-of-``repeat`` wall time of a fit (dga's time, from a 2-core
machine, alongside).
"""

from __future__ import annotations

import argparse
import csv
import re
import time
from pathlib import Path

from fullcount.estimate.dga import DGA
from fullcount.estimate.histories import CaptureHistories

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "mse"


def _best_time(model: DGA, histories: CaptureHistories, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        model.fit(histories)
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with (DATA / "reference_estimates.csv").open(encoding="utf-8") as handle:
        rows = [row for row in csv.DictReader(handle) if row["method"] == "dga"]
    print(f"{'table':<24} {'K':>1} {'dga median [95%]':>26} {'ours, dga grid':>26} "
          f"{'ours, auto grid':>26} {'rel.diff':>8} {'ours s':>7} {'dga s':>6}")
    DGA(draws=0).fit(CaptureHistories.from_csv(DATA / "dga_example_3lists.csv"))  # warm up
    for row in rows:
        histories = CaptureHistories.from_csv(DATA / f"{row['dataset']}.csv")
        edge = int(re.search(r"Nmissing=0:(\d+)", row["settings"]).group(1))
        same = DGA(max_missing=edge, draws=0).fit(histories).estimate_
        auto_model = DGA(draws=0)
        seconds = _best_time(auto_model, histories, args.repeat)
        auto = auto_model.estimate_
        reference = (float(row["estimate_point"]), float(row["lo95"]), float(row["hi95"]))
        worst = max(abs(a - b) / b for a, b in zip(
            (auto.point, auto.lower, auto.upper), reference, strict=True))

        def shown(p: float, lo: float, hi: float) -> str:
            return f"{p:,.0f} [{lo:,.0f}, {hi:,.0f}]"

        flag = " (warns)" if auto.warnings else ""
        print(f"{row['dataset']:<24} {histories.k:>1} {shown(*reference):>26} "
              f"{shown(same.point, same.lower, same.upper):>26} "
              f"{shown(auto.point, auto.lower, auto.upper):>26} {worst:>8.2%} "
              f"{seconds:>7.3f} {float(row['wall_seconds']):>6.2f}{flag}")


if __name__ == "__main__":
    main()
