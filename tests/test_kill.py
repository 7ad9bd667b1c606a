"""Kill test: each pipeline stage killed with SIGKILL at a random moment leaves the case
as it was before the stage (or, killed after its commit, as after it), and re-running
the stage completes with the same result as an uninterrupted run.

20 runs, five per stage (ingest, normalise, link, estimate). Each stage runs in a child
process on a copy of a prepared case; the parent measures the stage's duration once, on
an uninterrupted run, and kills later runs at a seeded moment drawn uniformly over it.
After each kill: the case opens as writer (which discards an unfinished ingest's rows),
every count adds up, the audit chain verifies, the stage's audit entry exists exactly
when its outputs do, and running the stage again gives the uninterrupted run's result.
The figures (killed before or after the commit, recovery times) are printed at the end
(``pytest -s``).
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from fullcount.case import GENESIS_HASH, Case, entry_hash
from fullcount.estimate.stage import run_estimate_stage
from fullcount.ingest import ingest_file
from fullcount.link.stage import run_link_stage
from fullcount.normalize.stage import run_normalize_stage
from fullcount.synth import generate

STAGES = ("ingest", "normalize", "link", "estimate")
RUNS_PER_STAGE = 5  # 20 in all
SEED = 20261129

# The synthetic lists (about 4,900 records); linking them takes a few seconds.
SYNTH_N, SYNTH_LISTS, SYNTH_SEED = 3000, 4, 5
# Ingest is fast (about 50,000 rows a second), so the ingest stage reads a larger list
# to last long enough to be killed in the middle: BIG_ROWS rows, one ragged in BAD_EVERY.
BIG_ROWS, BAD_EVERY = 40_000, 1000
BIG_BAD = len(range(0, BIG_ROWS, BAD_EVERY))

# The child runs one stage on the case, then closes it (the close checkpoints).
CHILD = f"""
import sys
from pathlib import Path
sys.path.insert(0, {str(Path(__file__).parent)!r})
from fullcount.case import Case
from test_kill import run_stage

stage, folder, big = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
case = Case.open(folder)
print("ready", flush=True)
run_stage(case, stage, big)
case.close()
"""


def run_stage(case: Case, stage: str, big: Path) -> None:
    """The stage as the child runs it, in this process."""
    if stage == "ingest":
        ingest_file(case, big, source="big")
    elif stage == "normalize":
        run_normalize_stage(case)
    elif stage == "link":
        run_link_stage(case)
    else:
        run_estimate_stage(case, ["loglinear"])


def count(case: Case, sql: str, params: list[Any] | None = None) -> int:
    row = case.con.execute(sql, params or []).fetchone()
    assert row is not None
    return int(row[0])


def outcome(case: Case, stage: str) -> Any:
    """What the stage produces, in a form to compare between runs."""
    if stage == "ingest":
        return tuple(count(case, f"SELECT count(*) FROM {table}")
                     for table in ("sources", "records", "quarantine"))
    if stage == "normalize":
        return (count(case, "SELECT count(*) FROM current_records "
                            "WHERE normalize_version IS NOT NULL"),
                count(case, "SELECT count(DISTINCT name_key) FROM current_records"),
                count(case, "SELECT count(date_iso) FROM current_records"))
    if stage == "link":
        return (count(case, "SELECT count(*) FROM entities"),
                count(case, "SELECT count(*) FROM entity_records"))
    latest = case.con.execute(
        "SELECT max(estimate_id) FROM estimates").fetchone()
    if latest is None or latest[0] is None:
        return ()
    return tuple(case.con.execute("""
        SELECT method, stratum, round(point, 6), round(lower, 6), round(upper, 6)
        FROM estimates WHERE run_id = (SELECT run_id FROM estimates
                                       WHERE estimate_id = ?)
        ORDER BY method, stratum""", [latest[0]]).fetchall())


def audit_entries(case: Case, stage: str) -> int:
    return count(case, "SELECT count(*) FROM audit_log WHERE action = ?", [stage])


def check_audit_chain(case: Case) -> None:
    """Every entry chains to the one before and its hash is what its fields give."""
    prev = GENESIS_HASH
    rows = case.con.execute("SELECT entry_id, logged_at, actor, action, details::VARCHAR, "
                            "prev_hash, hash FROM audit_log ORDER BY entry_id").fetchall()
    for number, (entry_id, at, actor, action, body, prev_hash, digest) in enumerate(rows, 1):
        assert entry_id == number, f"audit entry ids skip at {entry_id}"
        assert prev_hash == prev, f"audit entry {entry_id} does not chain to {entry_id - 1}"
        assert digest == entry_hash(prev_hash, entry_id, at.isoformat(), actor, action, body), \
            f"audit entry {entry_id}: hash does not match its fields"
        prev = digest


def check_consistent(case: Case) -> None:
    """Counts add up across the case's tables."""
    for file_id, rows_read, records, quarantined in case.con.execute(
            "SELECT file_id, rows_read, records, quarantined FROM sources").fetchall():
        assert rows_read == records + quarantined
        assert count(case, "SELECT count(*) FROM record_rows WHERE file_id = ?",
                     [file_id]) == records
        assert count(case, "SELECT count(*) FROM quarantine_rows WHERE file_id = ?",
                     [file_id]) == quarantined
    # The writer discarded an unfinished ingest's rows on opening.
    for table in ("record_rows", "quarantine_rows"):
        assert count(case, f"SELECT count(*) FROM {table} WHERE file_id NOT IN "
                           "(SELECT file_id FROM sources)") == 0
    # The register covers all current records or none of them (linking is one step).
    current = count(case, "SELECT count(*) FROM current_records")
    linked = count(case, "SELECT count(*) FROM entity_records "
                         "WHERE record_id IN (SELECT record_id FROM current_records)")
    assert linked in (0, current), f"{linked:,} of {current:,} current records are linked"
    assert count(case, "SELECT count(*) FROM entity_records "
                       "WHERE record_id NOT IN (SELECT record_id FROM records)") == 0
    assert count(case, "SELECT count(*) FROM entities") == count(
        case, "SELECT count(DISTINCT entity_id) FROM entity_records")
    # Every estimate belongs to a complete run: one the audit log records, with as many
    # rows as the log lists.
    logged = {}
    for (details,) in case.con.execute(
            "SELECT details::VARCHAR FROM audit_log WHERE action = 'estimate'").fetchall():
        entry = json.loads(details)
        logged[entry["run_id"]] = len(entry["estimates"])
    for run_id, rows in case.con.execute(
            "SELECT run_id, count(*) FROM estimates GROUP BY run_id").fetchall():
        assert run_id in logged, f"estimates of run {run_id} have no audit entry"
        assert rows >= logged[run_id]
    check_audit_chain(case)


def orphan_rows(folder: Path) -> int:
    """Rows of an ingest that never committed, as a reader sees them before recovery."""
    with Case.open(folder, readonly=True) as case:
        return sum(count(case, f"SELECT count(*) FROM {table} WHERE file_id NOT IN "
                               "(SELECT file_id FROM sources)")
                   for table in ("record_rows", "quarantine_rows"))


# ------------------------------------------------------------------------- fixtures


@dataclass
class Prepared:
    """A case folder for each stage, ready to run it, and what an uninterrupted run does."""

    big: Path
    before: dict[str, Path]
    duration: dict[str, float] = field(default_factory=dict)
    reference: dict[str, Any] = field(default_factory=dict)
    figures: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def spawn(stage: str, folder: Path, big: Path) -> tuple[subprocess.Popen[str], float]:
    """Start the stage in a child; return it and the moment it is about to start."""
    child = subprocess.Popen([sys.executable, "-c", CHILD, stage, str(folder), str(big)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             start_new_session=True)
    assert child.stdout is not None
    line = child.stdout.readline()
    if line.strip() != "ready":
        child.kill()
        _, err = child.communicate(timeout=60)
        raise AssertionError(f"the {stage} child did not start: {err}")
    return child, time.monotonic()


def write_big_list(path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write("Name,Age,Date of death,City\n")
        handle.writelines(
            f"Person {i} Family{i % 997},{i % 90},2022-09-{1 + i % 28:02d},City{i % 50}\n"
            if i % BAD_EVERY else f"Person {i},{i % 90}\n"
            for i in range(BIG_ROWS))


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Prepared]:
    root = tmp_path_factory.mktemp("kill")
    summary = generate(root / "lists", n=SYNTH_N, lists=SYNTH_LISTS, seed=SYNTH_SEED)
    big = root / "big_list.csv"
    write_big_list(big)
    before = {stage: root / f"before-{stage}" for stage in STAGES}
    with Case.create(before["normalize"]) as case:
        for src in summary.sources:
            ingest_file(case, summary.out_dir / src.path, source=src.name)
    # The ingest stage adds a list to a case that already holds some, so that "as
    # before" is not "empty".
    shutil.copytree(before["normalize"], before["ingest"])
    shutil.copytree(before["normalize"], before["link"])
    with Case.open(before["link"]) as case:
        run_normalize_stage(case)
    shutil.copytree(before["link"], before["estimate"])
    with Case.open(before["estimate"]) as case:
        run_link_stage(case)
    shutil.rmtree(before["estimate"] / ".link-work", ignore_errors=True)
    state = Prepared(big=big, before=before)
    for stage in STAGES:  # an uninterrupted run: its duration and its result
        folder = shutil.copytree(before[stage], root / f"reference-{stage}")
        child, started = spawn(stage, folder, big)
        _, err = child.communicate(timeout=300)
        state.duration[stage] = time.monotonic() - started
        assert child.returncode == 0, err
        with Case.open(folder) as case:
            state.reference[stage] = outcome(case, stage)
            check_consistent(case)
        shutil.rmtree(folder)
    yield state
    print_figures(state)


def print_figures(state: Prepared) -> None:
    print("\n\nkill test figures (SIGKILL at a uniform random moment of the stage)")
    print(f"{'stage':<10} {'runs':>4} {'before':>6} {'after':>5} {'stage s':>8} "
          f"{'recover s (mean/max)':>21} {'rerun s':>8} {'discarded rows':>15} "
          f"{'link-work left':>14}")
    totals = [0, 0, 0]
    for stage in STAGES:
        runs = state.figures.get(stage, [])
        if not runs:
            continue
        before = sum(not r["committed"] for r in runs)
        after = len(runs) - before
        totals = [totals[0] + len(runs), totals[1] + before, totals[2] + after]
        recover = [r["recover_s"] for r in runs]
        print(f"{stage:<10} {len(runs):>4} {before:>6} {after:>5} "
              f"{state.duration[stage]:>8.2f} "
              f"{statistics.mean(recover):>10.3f}/{max(recover):<10.3f} "
              f"{statistics.mean(r['rerun_s'] for r in runs):>8.2f} "
              f"{sum(r['discarded'] for r in runs):>15,} "
              f"{sum(r['link_work_left'] for r in runs):>14}")
        for r in runs:
            print(f"    kill at {r['kill_at_s']:.3f} s of {state.duration[stage]:.2f} s: "
                  f"{'after' if r['committed'] else 'before'} commit"
                  f"{' (the stage had ended: not killed)' if r['ended_first'] else ''}, "
                  f"{r['discarded']:,} unfinished rows discarded, "
                  f"recovered in {r['recover_s']:.3f} s, re-run {r['rerun_s']:.2f} s")
    print(f"{'all':<10} {totals[0]:>4} {totals[1]:>6} {totals[2]:>5}")


# ---------------------------------------------------------------------------- test


@pytest.mark.slow
@pytest.mark.parametrize("stage,run", [(s, i) for s in STAGES for i in range(RUNS_PER_STAGE)])
def test_stage_killed_at_random_moment(prepared: Prepared, tmp_path: Path, stage: str,
                                       run: int) -> None:
    folder = shutil.copytree(prepared.before[stage], tmp_path / "case")
    with Case.open(folder, readonly=True) as case:
        before_outcome = outcome(case, stage)
        before_entries = audit_entries(case, stage)
    kill_at = random.Random(f"{SEED}-{stage}-{run}").uniform(0, prepared.duration[stage])

    child, started = spawn(stage, folder, prepared.big)
    time.sleep(max(0.0, started + kill_at - time.monotonic()))
    try:
        os.killpg(child.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass  # it finished first
    _, err = child.communicate(timeout=60)
    assert child.returncode in (0, -signal.SIGKILL), err
    link_work_left = (folder / ".link-work").exists()

    discarded = orphan_rows(folder)
    t0 = time.perf_counter()
    case = Case.open(folder)  # as writer: an unfinished ingest's rows are discarded
    recover_s = time.perf_counter() - t0
    try:
        check_consistent(case)
        entries = audit_entries(case, stage)
        assert entries in (before_entries, before_entries + 1)
        committed = entries == before_entries + 1
        # No partial stage: its outputs are there exactly when its audit entry is.
        assert outcome(case, stage) == (prepared.reference[stage] if committed
                                        else before_outcome)
        t0 = time.perf_counter()
        run_stage(case, stage, prepared.big)  # re-running completes ...
        rerun_s = time.perf_counter() - t0
        check_consistent(case)
        # ... with the result of an uninterrupted run
        assert outcome(case, stage) == prepared.reference[stage]
        assert audit_entries(case, stage) == (
            before_entries + 1 + (committed and stage in ("link", "estimate")))
    finally:
        case.close()
    assert not (folder / ".link-work").exists()
    prepared.figures.setdefault(stage, []).append({
        "kill_at_s": kill_at, "committed": committed, "recover_s": recover_s,
        "rerun_s": rerun_s, "discarded": discarded, "link_work_left": link_work_left,
        "ended_first": child.returncode == 0,
    })
