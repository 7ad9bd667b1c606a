"""Ingest throughput and peak memory on a large CSV.

    python benchmarks/ingest.py [--rows 1000000] [--repeat 3]

Writes a synthetic CSV (Persian and Latin names, Jalali and Gregorian dates, a few
malformed rows), ingests it into a fresh case in a child process per run, and prints
rows per second and peak resident memory. Each run is a separate process so that peak
memory is that run's own. Memory is also measured at a quarter of the rows to show
whether it grows with the file size. Target: >= 100,000 rows/s; memory flat in size.

Peak memory is fullcount's own working set plus DuckDB's block cache, which DuckDB
bounds by the case's `[engine] memory_limit` (--memory-limit here; the case default is
1GB). With a limit below what the file's records take, memory stays flat in file size.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

GIVEN = ["محمد", "علی", "حسین", "رضا", "زهرا", "فاطمه", "Mohammad", "Ali", "Hossein",
         "Reza", "Zahra", "Fatemeh", "Amir", "Mahsa", "Nika", "Sarina", "Kian", "Hadis"]
FAMILY = ["حسینی", "رضایی", "محمدی", "کریمی", "Hosseini", "Rezaei", "Mohammadi",
          "Karimi", "Ghasemi", "Jafari", "Amini", "Ahmadi", "Moradi", "Rahimi"]
PLACES = ["Tehran", "تهران", "Zahedan", "زاهدان", "Sanandaj", "Mashhad", "Rasht", "Qazvin"]


def write_csv(path: Path, rows: int, seed: int = 7) -> None:
    rng = np.random.default_rng(seed)
    given = np.array(GIVEN)[rng.integers(0, len(GIVEN), rows)]
    family = np.array(FAMILY)[rng.integers(0, len(FAMILY), rows)]
    father = np.array(GIVEN)[rng.integers(0, len(GIVEN), rows)]
    ages = rng.integers(12, 70, rows)
    years = rng.integers(1398, 1402, rows)
    months = rng.integers(1, 13, rows)
    days = rng.integers(1, 29, rows)
    places = np.array(PLACES)[rng.integers(0, len(PLACES), rows)]
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("ID,Given name,Family name,Father's name,Age,Date of death,City,Notes\n")
        chunk = 100_000
        for start in range(0, rows, chunk):
            stop = min(start + chunk, rows)
            lines = []
            for i in range(start, stop):
                if i % 10_000 == 9_999:
                    lines.append(f"{i + 1},broken row\n")
                    continue
                lines.append(
                    f"{i + 1},{given[i]},{family[i]},{father[i]},{ages[i]},"
                    f"{years[i]}/{months[i]:02d}/{days[i]:02d},{places[i]},\n"
                )
            out.write("".join(lines))


def run_once(csv_path: Path, memory_limit: str) -> dict[str, float]:
    """Ingest in a child process; return its seconds, rows and peak RSS."""
    code = (
        "import json, sys, time, tempfile\n"
        "from pathlib import Path\n"
        # VmHWM is this process's own peak; ru_maxrss would carry over the parent's
        # peak across fork and exec on Linux.
        "def peak_mb():\n"
        "    for line in open('/proc/self/status'):\n"
        "        if line.startswith('VmHWM:'):\n"
        "            return int(line.split()[1]) / 1024\n"
        "from fullcount.case import Case\n"
        "from fullcount.ingest import ingest_file\n"
        "with tempfile.TemporaryDirectory() as d:\n"
        "    Case.create(Path(d) / 'case').close()\n"
        "    toml = Path(d) / 'case' / 'fullcount.toml'\n"
        "    toml.write_text(toml.read_text().replace('memory_limit = \"1GB\"',\n"
        "        'memory_limit = \"' + sys.argv[2] + '\"'))\n"
        "    case = Case.open(Path(d) / 'case')\n"
        "    t = time.perf_counter()\n"
        "    r = ingest_file(case, sys.argv[1], source='bench')\n"
        "    s = time.perf_counter() - t\n"
        "    case.close()\n"
        "    print(json.dumps({'seconds': s, 'rows': r.rows_read, 'records': r.records,\n"
        "        'quarantined': r.quarantined,\n"
        "        'peak_mb': peak_mb()}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code, str(csv_path), memory_limit], check=True,
                         capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--memory-limit", default="128MB",
                        help="the case's [engine] memory_limit for the runs")
    args = parser.parse_args()
    print(f"DuckDB memory_limit {args.memory_limit}")
    with tempfile.TemporaryDirectory() as tmp:
        results = {}
        for rows in (args.rows // 4, args.rows):
            path = Path(tmp) / f"rows_{rows}.csv"
            write_csv(path, rows)
            size_mb = path.stat().st_size / 2**20
            runs = [run_once(path, args.memory_limit) for _ in range(args.repeat)]
            seconds = statistics.median(r["seconds"] for r in runs)
            peak = statistics.median(r["peak_mb"] for r in runs)
            results[rows] = (seconds, peak)
            print(f"{rows:>9,} rows ({size_mb:,.0f} MB): median {seconds:.2f} s over "
                  f"{args.repeat} runs = {rows / seconds:,.0f} rows/s; peak RSS median "
                  f"{peak:,.0f} MB; records {runs[0]['records']:,}, quarantined "
                  f"{runs[0]['quarantined']:,}")
        small, large = results[args.rows // 4], results[args.rows]
        print(f"4x the rows: time x{large[0] / small[0]:.2f}, peak memory x{large[1] / small[1]:.2f}")
        print(f"target >= 100,000 rows/s: {'met' if args.rows / large[0] >= 100_000 else 'NOT met'}")


if __name__ == "__main__":
    main()
