"""Records per second for the whole normalise stage on about a million records.

    python benchmarks/normalize.py [--n 615000] [--lists 4]

Generates synthetic lists (about 1.6 records per person, so n = 615,000 gives about a
million records), ingests them into a fresh case, then times `run_normalize_stage`
(which normalises each distinct name, date, place and sex once and joins the results
back in SQL). Target: >= 20,000 records/s on 2 cores. Prints the time of each step,
records/s, and the distinct values it had to normalise.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from fullcount.case import Case
from fullcount.ingest import ingest_file
from fullcount.normalize.stage import run_normalize_stage
from fullcount.synth import generate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=615_000)
    parser.add_argument("--lists", type=int, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        summary = generate(Path(tmp) / "lists", n=args.n, lists=args.lists, seed=3)
        print(f"synth: {time.perf_counter() - started:.1f} s for n={args.n:,}")
        with Case.create(Path(tmp) / "case") as case:
            started = time.perf_counter()
            for src in summary.sources:
                ingest_file(case, summary.out_dir / src.path, source=src.name)
            records = case.con.execute("SELECT count(*) FROM records").fetchone()[0]
            print(f"ingest: {time.perf_counter() - started:.1f} s for {records:,} records")
            started = time.perf_counter()
            result = run_normalize_stage(case)
            seconds = time.perf_counter() - started
    rate = result.records / seconds
    print(f"normalize: {seconds:.1f} s for {result.records:,} records = {rate:,.0f} records/s")
    print("distinct values normalised: " + ", ".join(
        f"{k} {v:,}" for k, v in result.distinct.items()))
    print(f"target >= 20,000 records/s: {'met' if rate >= 20_000 else 'NOT met'}")


if __name__ == "__main__":
    main()
