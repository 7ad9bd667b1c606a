"""The whole pipeline at scale, as a user runs it: every stage is a `fullcount` command in
its own process, timed, with its peak memory (GNU time's maximum resident set size; for
Spark the JVM's peak is added, read from /proc while the stage runs).

    python benchmarks/pipeline.py --people 620000 [--engine duckdb|spark] [--draws 100]
    python benchmarks/pipeline.py --lists-from DIR ...   # reuse lists made earlier

620,000 people give about a million records on 4 lists. Stages: synth, init, ingest
(each list), normalize, link, evaluate (against the synthetic truth), estimate (the
default methods, with ``--draws`` linkage draws), report (HTML and PDF). Prints a table
of wall time and peak memory per stage and a JSON line for the record.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path


def _java_peak_kib() -> int:
    total = 0
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if b"java" not in (proc / "cmdline").read_bytes()[:200]:
                continue
            for line in (proc / "status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total


def run_stage(name: str, args: list[str], results: list[dict[str, object]],
              *, watch_java: bool = False) -> str:
    """Run ``fullcount ARGS`` under GNU time; record wall time and peak memory."""
    command = ["/usr/bin/time", "-v", sys.executable, "-m", "fullcount", *args]
    java_peak = [0]
    done = threading.Event()

    def watch() -> None:
        while not done.wait(1.0):
            java_peak[0] = max(java_peak[0], _java_peak_kib())

    watcher = threading.Thread(target=watch, daemon=True)
    if watch_java:
        watcher.start()
    started = time.perf_counter()
    finished = subprocess.run(command, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    done.set()
    if finished.returncode != 0:
        print(finished.stdout[-3000:], finished.stderr[-3000:], sep="\n")
        raise SystemExit(f"stage {name} failed")
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", finished.stderr)[1])
    row = {"stage": name, "seconds": round(seconds, 1), "peak_mib": round(rss / 1024),
           "java_peak_mib": round(java_peak[0] / 1024) if watch_java else None}
    results.append(row)
    extra = f" + {row['java_peak_mib']:,} MiB JVM" if watch_java else ""
    print(f"{name:<28} {seconds:>8.1f} s {rss / 1024:>9,.0f} MiB{extra}", flush=True)
    return finished.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=620_000)
    parser.add_argument("--lists", type=int, default=4)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--engine", default="duckdb", choices=["duckdb", "spark"])
    parser.add_argument("--memory-limit", default="6GB")
    parser.add_argument("--draws", type=int, default=100)
    parser.add_argument("--lists-from", type=Path, help="lists made by an earlier run")
    parser.add_argument("--keep", type=Path, help="keep the case in this folder")
    args = parser.parse_args()
    results: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_TMP")) as tmp:
        lists = args.lists_from or Path(tmp) / "lists"
        if not args.lists_from:
            run_stage("synth", ["synth", "--out", str(lists), "--n", str(args.people),
                                "--lists", str(args.lists), "--seed", str(args.seed)],
                      results)
        case = Path(tmp) / "case"
        run_stage("init", ["init", str(case)], results)
        settings = case / "fullcount.toml"
        text = settings.read_text()
        text = text.replace('memory_limit = "1GB"', f'memory_limit = "{args.memory_limit}"')
        text = text.replace('engine = "duckdb"', f'engine = "{args.engine}"')
        settings.write_text(text)
        truth = json.loads((lists / "truth" / "summary.json").read_text())
        for source in truth["sources"]:
            path = lists / source["path"]
            run_stage(f"ingest {path.name}", ["ingest", str(path), "--source",
                                              source["name"], "--case", str(case),
                                              "--no-normalize"], results)
        run_stage("normalize", ["normalize", "--case", str(case)], results)
        run_stage(f"link ({args.engine})", ["link", "--case", str(case)], results,
                  watch_java=args.engine == "spark")
        quality = json.loads(run_stage("evaluate", ["evaluate", "--truth",
                                                    str(lists / "truth"), "--case",
                                                    str(case), "--json"], results))
        estimate = json.loads(run_stage(
            f"estimate ({args.draws} draws)", ["estimate", "--case", str(case),
                                               "--linkage-draws", str(args.draws),
                                               "--json"], results))
        run_stage("report (HTML + PDF)", ["report", "--pdf", "--case", str(case)], results)
        if args.keep:
            shutil.copytree(case, args.keep)
    total = sum(float(r["seconds"]) for r in results)   # type: ignore[arg-type]
    print(f"{'total':<28} {total:>8.1f} s")
    recommended = _recommended(estimate)
    print(f"records {quality.get('records', '?')}; people {quality['entities']:,} vs true "
          f"{quality['true_people']:,} ({quality['entity_error']:+.2%}), pairwise F1 "
          f"{quality['f1']:.3f}; true total {truth['n']:,}")
    if recommended:
        print(f"recommended: {recommended}")
    print(json.dumps({"people": args.people, "engine": args.engine, "draws": args.draws,
                      "stages": results, "entity_error": quality["entity_error"],
                      "f1": quality["f1"], "true_n": truth["n"],
                      "recommended": recommended}, default=str))


def _recommended(estimate: object) -> dict[str, object] | None:
    rows = estimate.get("estimates", []) if isinstance(estimate, dict) else estimate
    for row in rows or []:
        if isinstance(row, dict) and row.get("recommended"):
            linkage = row.get("linkage") or {}
            return {**{k: row.get(k) for k in ("method", "stratum", "point", "lower",
                                               "upper")},
                    "with_linkage": {k: linkage.get(k) for k in ("point", "lower", "upper")}}
    return None


if __name__ == "__main__":
    main()
