"""An ingest killed part-way leaves the case as it was; a locked case says who holds it.

The ingest runs in a child process that is killed with SIGKILL (no cleanup runs) at
three points, recognised from how much the ingest has written to the case files (as a
share of what a complete run writes) rather than from timing: early, half-way, and near
the end. Rows written before the kill are never visible, and the next writer discards
them.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from fullcount.case import Case
from fullcount.errors import CaseLockedError
from fullcount.ingest import ingest_file

ROWS = 300_000
BAD_EVERY = 10_000  # one ragged row in every BAD_EVERY
BAD = ROWS // BAD_EVERY

INGEST = """
import sys
from fullcount.case import Case
from fullcount.ingest import ingest_file
with Case.open(sys.argv[1]) as case:
    ingest_file(case, sys.argv[2], source="big")
"""

HOLD = """
import sys, time
from fullcount.case import Case
case = Case.open(sys.argv[1], readonly=sys.argv[2] == "read")
print("ready", flush=True)
time.sleep(60)
"""


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A list of ROWS people (about 8 MB) with a ragged row in every BAD_EVERY."""
    path = tmp_path_factory.mktemp("big") / "big_list.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write("Name,Age,Date of death,City\n")
        handle.writelines(
            f"Person {i} Family{i % 997},{i % 90},2022-09-{1 + i % 28:02d},City{i % 50}\n"
            if i % BAD_EVERY else f"Person {i},{i % 90}\n"
            for i in range(ROWS))
    return path


def snapshot(case: Case) -> dict[str, Any]:
    con = case.con
    return {
        table: con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        for table in ("sources", "records", "quarantine", "audit_log")
    } | {
        "sources_rows": con.execute("SELECT * FROM sources ORDER BY file_id").fetchall(),
        "last_audit": con.execute(
            "SELECT entry_id, hash FROM audit_log ORDER BY entry_id DESC LIMIT 1").fetchone(),
        "settings": (case.path / "fullcount.toml").read_text(encoding="utf-8"),
    }


@pytest.fixture
def case_dir(tmp_path: Path) -> Path:
    """A case with one small list already in it, so that "as before" is not "empty"."""
    folder = tmp_path / "case"
    small = tmp_path / "small.csv"
    small.write_text("Name,Age\nAli,23\nSara,30\n,40\nReza\n", encoding="utf-8")
    with Case.create(folder) as case:
        result = ingest_file(case, small, source="small")
        assert (result.records, result.quarantined) == (2, 2)
    return folder


def written_bytes(folder: Path) -> int:
    """Bytes in the case database and its write-ahead log (they grow as batches commit)."""
    total = 0
    for name in ("case.duckdb", "case.duckdb.wal"):
        try:
            total += (folder / name).stat().st_size
        except FileNotFoundError:
            pass
    return total


def watch_ingest(case_dir: Path, big_csv: Path,
                 stop: Callable[[int], bool]) -> tuple[subprocess.Popen[bytes], bool]:
    """Start an ingest in a child process and poll the case files until ``stop(grown)``
    (bytes written since the start) or the child ends; return the child and whether it
    ended by itself."""
    start = written_bytes(case_dir)
    child = subprocess.Popen([sys.executable, "-c", INGEST, str(case_dir), str(big_csv)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while child.poll() is None and not stop(written_bytes(case_dir) - start):
        assert time.monotonic() < deadline, "the ingest neither finished nor got there"
        time.sleep(0.001)
    return child, child.poll() is not None


@pytest.fixture(scope="module")
def full_growth(tmp_path_factory: pytest.TempPathFactory, big_csv: Path) -> int:
    """How many bytes a complete ingest of ``big_csv`` writes while it runs."""
    folder = tmp_path_factory.mktemp("reference") / "case"
    Case.create(folder).close()
    seen = [0]

    def record(grown: int) -> bool:
        seen[0] = max(seen[0], grown)
        return False

    child, ended = watch_ingest(folder, big_csv, record)
    child.communicate(timeout=120)
    assert ended and child.returncode == 0
    assert seen[0] > 1_000_000
    return seen[0]


@pytest.mark.slow
@pytest.mark.parametrize("fraction", [0.05, 0.5, 0.9], ids=["early", "middle", "late"])
def test_killed_ingest_leaves_case_as_before(case_dir: Path, big_csv: Path, full_growth: int,
                                             fraction: float) -> None:
    with Case.open(case_dir) as case:
        before = snapshot(case)
    child, finished = watch_ingest(case_dir, big_csv,
                                   lambda grown: grown >= fraction * full_growth)
    try:
        child.send_signal(signal.SIGKILL)
    finally:
        child.kill()
        _, stderr = child.communicate(timeout=30)
    assert not finished, f"the ingest ended before the kill point: {stderr.decode()}"
    assert child.returncode == -signal.SIGKILL

    with Case.open(case_dir, readonly=True) as case:  # a reader sees the case as before
        assert snapshot(case) == before
        unfinished = case.con.execute(
            "SELECT count(*) FROM record_rows WHERE file_id NOT IN "
            "(SELECT file_id FROM sources)").fetchone()[0]
    if fraction > 0.3:
        assert unfinished > 0, "the kill came after rows were written: some must be left"
    with Case.open(case_dir) as case:  # the next writer discards the unfinished rows
        assert snapshot(case) == before
        assert case.con.execute(
            "SELECT count(*) FROM record_rows WHERE file_id NOT IN "
            "(SELECT file_id FROM sources)").fetchone()[0] == 0
        result = ingest_file(case, big_csv, source="big")
        assert result.status == "ingested"
        assert (result.rows_read, result.records, result.quarantined) == (ROWS, ROWS - BAD, BAD)
        assert result.quarantine_reasons == {"ragged": BAD}
        after = snapshot(case)
    assert after["records"] == before["records"] + ROWS - BAD
    assert after["quarantine"] == before["quarantine"] + BAD
    assert after["sources"] == before["sources"] + 1
    assert after["audit_log"] == before["audit_log"] + 1


@pytest.fixture
def holder(case_dir: Path) -> Iterator[Callable[[str], subprocess.Popen[str]]]:
    """Start a child process that holds the case open ("write" or "read") until killed."""
    children: list[subprocess.Popen[str]] = []

    def hold(mode: str) -> subprocess.Popen[str]:
        child = subprocess.Popen([sys.executable, "-c", HOLD, str(case_dir), mode],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        children.append(child)
        line = child.stdout.readline() if child.stdout else ""
        assert line.strip() == "ready", child.stderr.read() if child.stderr else ""
        return child

    yield hold
    for child in children:
        child.kill()
        child.communicate(timeout=30)


def test_second_writer_and_readers_are_told_who_holds_the_lock(
        case_dir: Path, holder: Callable[[str], subprocess.Popen[str]]) -> None:
    child = holder("write")
    for readonly in (False, True):
        with pytest.raises(CaseLockedError) as caught:
            Case.open(case_dir, readonly=readonly)
        assert f"locked by PID {child.pid}" in caught.value.message
        assert "wait for it to finish" in (caught.value.hint or "")

    done = subprocess.run(
        [sys.executable, "-m", "fullcount", "ingest", str(case_dir / "fullcount.toml"),
         "--source", "x", "--case", str(case_dir)],
        capture_output=True, text=True, timeout=60, check=False,
        env={k: v for k, v in os.environ.items() if k != "FULLCOUNT_CASE"})
    assert done.returncode != 0
    assert f"locked by PID {child.pid}" in done.stderr
    assert "Traceback" not in done.stderr

    child.kill()  # the OS releases a dead process's locks
    child.wait(timeout=30)
    with Case.open(case_dir) as case:
        assert case.con.execute("SELECT count(*) FROM records").fetchone()[0] == 2


def test_readers_share_a_case(case_dir: Path,
                              holder: Callable[[str], subprocess.Popen[str]]) -> None:
    holder("read")
    with Case.open(case_dir, readonly=True) as case:
        assert case.con.execute("SELECT count(*) FROM records").fetchone()[0] == 2


def test_writer_blocked_by_a_reader_names_the_reader(
        case_dir: Path, holder: Callable[[str], subprocess.Popen[str]]) -> None:
    child = holder("read")
    with pytest.raises(CaseLockedError) as caught:
        Case.open(case_dir)
    named = re.search(r"PID (\d+)", caught.value.message)
    assert named is not None and int(named.group(1)) != os.getpid()
    assert int(named.group(1)) == child.pid
