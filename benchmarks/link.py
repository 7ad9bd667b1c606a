"""Linkage at scale: time, peak memory and quality of `fullcount link` on synthetic lists.

    python benchmarks/link.py [--n 62000] [--engine duckdb|spark] [--memory-limit 6GB]

Generates synthetic lists (about 1.6 records per person: n = 62,000 gives about 100,000
records, n = 615,000 about a million), ingests and normalises them into a fresh case
(not timed), then runs the link stage in a child process and reports its wall time and
peak memory (the child's VmHWM, which counts DuckDB's or Spark's driver memory; a Spark
executor in local mode runs inside the driver's JVM, whose memory is *not* in the
Python child's figure, so for Spark the JVM's peak is read from /proc as well).
Then the register is compared with the truth: entity count against the true number of
people, pairwise precision, recall and F1.
Targets (issue 5): 1,000,000 records on DuckDB in <= 5 min and <= 8 GB on 2 cores, with
the entity count within 2% of the truth.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import tempfile
import time
from pathlib import Path

from fullcount.case import Case
from fullcount.ingest import ingest_file
from fullcount.link.evaluate import evaluate_register
from fullcount.normalize.stage import run_normalize_stage
from fullcount.synth import generate


def _peak_kib(pid: int | str = "self") -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _java_peaks() -> int:
    total = 0
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if b"java" in (proc / "cmdline").read_bytes()[:200]:
                    total += _peak_kib(proc.name)
            except OSError:
                continue
    return total


def _link(case_dir: str, engine: str, queue: mp.Queue) -> None:  # type: ignore[type-arg]
    from fullcount.link.stage import run_link_stage

    started = time.perf_counter()
    with Case.open(case_dir) as case:
        result = run_link_stage(case, engine=engine, retrain=True)
    seconds = time.perf_counter() - started
    java = _java_peaks() if engine == "spark" else 0
    queue.put({"seconds": seconds, "peak_mib": _peak_kib() / 1024,
               "java_peak_mib": java / 1024, "result": result.to_dict()})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=62_000)
    parser.add_argument("--lists", type=int, default=4)
    parser.add_argument("--engine", default="duckdb", choices=["duckdb", "spark"])
    parser.add_argument("--memory-limit", default="6GB",
                        help="the case's [engine] memory_limit for DuckDB")
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_TMP")) as tmp:
        started = time.perf_counter()
        summary = generate(Path(tmp) / "lists", n=args.n, lists=args.lists, seed=args.seed)
        print(f"synth: {time.perf_counter() - started:.1f} s for n={args.n:,}", flush=True)
        case_dir = Path(tmp) / "case"
        with Case.create(case_dir) as case:
            text = (case_dir / "fullcount.toml").read_text()
            (case_dir / "fullcount.toml").write_text(
                text.replace('memory_limit = "1GB"', f'memory_limit = "{args.memory_limit}"'))
            case.reload_settings()
            started = time.perf_counter()
            for src in summary.sources:
                ingest_file(case, summary.out_dir / src.path, source=src.name)
            run_normalize_stage(case)
            records = case.con.execute("SELECT count(*) FROM records").fetchone()[0]
            print(f"ingest + normalise: {time.perf_counter() - started:.1f} s for "
                  f"{records:,} records", flush=True)
        queue: mp.Queue = mp.get_context("spawn").Queue()  # type: ignore[type-arg]
        child = mp.get_context("spawn").Process(target=_link,
                                                args=(str(case_dir), args.engine, queue))
        child.start()
        report = queue.get()
        child.join()
        with Case.open(case_dir, readonly=True) as case:
            quality = evaluate_register(case, summary.out_dir / "truth")
    result = report["result"]
    print(f"link ({args.engine}): {report['seconds']:.1f} s wall, peak memory "
          f"{report['peak_mib']:,.0f} MiB (Python + DuckDB)"
          + (f" + {report['java_peak_mib']:,.0f} MiB (JVM)" if args.engine == "spark" else ""))
    print("  steps: " + ", ".join(f"{k} {v:.1f} s" for k, v in result["seconds"].items()))
    print(f"  {records:,} records, {result['pairs_scored']:,} candidate pairs kept, "
          f"threshold {result['threshold']:.2f}")
    print(f"  people: {quality.entities:,} vs true {quality.true_people:,} "
          f"({quality.entity_error:+.2%}); pairwise precision {quality.precision:.4f}, "
          f"recall {quality.recall:.4f}, F1 {quality.f1:.4f}; true pairs kept as "
          f"candidates {quality.blocking_recall:.2%}")
    print(json.dumps({"records": records, "engine": args.engine,
                      "seconds": round(report["seconds"], 1),
                      "peak_mib": round(report["peak_mib"]),
                      "entity_error": round(quality.entity_error, 4),
                      "f1": round(quality.f1, 4)}))


if __name__ == "__main__":
    main()
