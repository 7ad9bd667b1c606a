"""Review page server times on a large case: the queue's pages must stay under 200 ms.

Builds a linked synthetic case (``--people`` people; 620,000 give about a million
records) or uses ``--case DIR`` (a linked case; it is copied, never changed), starts the
review application in-process and requests each kind of page ``--repeat`` times, reading
the server's own time from its Server-Timing header (no network in the figure). Prints
medians and 95th percentiles, the time to build the queue when a session starts, and the
time to apply one decision (re-clustering the whole register).

    python benchmarks/review.py --people 620000 --keep /tmp/case-1m
    python benchmarks/review.py --case /tmp/case-1m
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient

from fullcount.case import Case, fetch_one
from fullcount.ingest import ingest_file
from fullcount.link.stage import run_link_stage
from fullcount.normalize.stage import run_normalize_stage
from fullcount.review import ReviewSession, create_app
from fullcount.review.app import COOKIE
from fullcount.synth import generate


def build(folder: Path, people: int, lists: int, seed: int, memory_limit: str) -> Path:
    started = time.perf_counter()
    summary = generate(folder / "lists", n=people, lists=lists, seed=seed)
    case_dir = folder / "case"
    with Case.create(case_dir) as case:
        text = (case_dir / "fullcount.toml").read_text()
        (case_dir / "fullcount.toml").write_text(
            text.replace('memory_limit = "1GB"', f'memory_limit = "{memory_limit}"'))
        case.reload_settings()
        for src in summary.sources:
            ingest_file(case, summary.out_dir / src.path, source=src.name)
        run_normalize_stage(case)
        run_link_stage(case)
    print(f"built a linked case of {people:,} people in "
          f"{time.perf_counter() - started:.0f} s", flush=True)
    return case_dir


def timed(client: TestClient, path: str, repeat: int) -> list[float]:
    """Server times (ms) of ``repeat`` requests of ``path``."""
    times = []
    for _ in range(repeat):
        response = client.get(path)
        assert response.status_code in (200, 303), (path, response.status_code)
        times.append(float(response.headers["server-timing"].split("dur=")[1]))
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", type=Path, help="a linked case to use (copied)")
    parser.add_argument("--people", type=int, default=620_000)
    parser.add_argument("--lists", type=int, default=4)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--memory-limit", default="6GB")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--keep", type=Path, help="keep the built case in this folder")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_TMP")) as tmp:
        if args.case:
            case_dir = Path(tmp) / "case"
            shutil.copytree(args.case, case_dir)
        else:
            case_dir = build(Path(tmp), args.people, args.lists, args.seed,
                             args.memory_limit)
            if args.keep:
                shutil.copytree(case_dir, args.keep)
        with Case.open(case_dir) as case:
            records = fetch_one(case.con, "SELECT count(*) FROM current_records")[0]
            pairs = fetch_one(case.con, "SELECT count(*) FROM pairs")[0]
            session = ReviewSession(case, {"testserver"}, reviewer="Benchmark")
            started = time.perf_counter()
            session.start()
            start_s = time.perf_counter() - started
            print(f"{records:,} records, {pairs:,} pairs, {session.entities_at_start:,} "
                  f"people; queue of {session.queue_size:,} uncertain pairs built in "
                  f"{start_s:.2f} s", flush=True)
            client = TestClient(create_app(session), follow_redirects=False)
            client.cookies.set(COOKIE, session.token)
            first = case.con.execute(
                "SELECT record_id_l, record_id_r, source_l, province_l, date_l, entity_l "
                "FROM review_queue WHERE date_l IS NOT NULL AND province_l IS NOT NULL "
                "ORDER BY position LIMIT 1").fetchone()
            a, b, source, province, day, entity = first
            deep = session.queue_size // 2
            paths = {
                "queue, first page": "/",
                f"queue, page at position {deep:,}": f"/?after={deep}",
                "queue, by source": f"/?source={source}",
                "queue, by province": f"/?place={province}",
                "queue, by province, decided shown": f"/?place={province}&show_decided=1",
                "queue, by date range": f"/?date_from={day}&date_to={day}",
                "queue, all filters": f"/?source={source}&place={province}"
                                      f"&date_from={day}&date_to={day}",
                "next pair (redirect)": "/next",
                "pair view": f"/pair/{a}/{b}",
                "entity view": f"/entity/{entity}",
                "summary": "/summary",
            }
            print(f"{'page':<34} {'median ms':>10} {'p95 ms':>8}")
            for name, path in paths.items():
                times = sorted(timed(client, path, args.repeat))
                p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
                print(f"{name:<34} {statistics.median(times):>10.1f} {p95:>8.1f}",
                      flush=True)
            response = client.post(f"/pair/{a}/{b}/decide",
                                   data={"csrf": session.csrf, "decision": "non_match"},
                                   headers={"origin": "http://testserver"})
            print(f"decide (POST): {response.headers['server-timing']}")
            started = time.perf_counter()
            client.post("/apply", data={"csrf": session.csrf},
                        headers={"origin": "http://testserver"})
            print(f"apply one decision (re-cluster {records:,} records, rebuild the "
                  f"queue): {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
