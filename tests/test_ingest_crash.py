"""An ingest killed part-way leaves the case as it was; a locked case says who holds it.

The ingest runs in a child process that is killed with SIGKILL (no cleanup runs) at
three points, each recognised from the files the ingest writes rather than from timing:
while rows are parsed into the staging database, once half of it is written, and during
the final copy into the case (the case database starts to grow).
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


def staging_files(folder: Path) -> list[Path]:
    return sorted(folder.glob(".staging-*"))


def staging_bytes(folder: Path) -> int:
    total = 0
    for path in staging_files(folder):
        try:
            total += path.stat().st_size
        except FileNotFoundError:
            pass
    return total


def started(folder: Path, _: int) -> bool:
    return bool(staging_files(folder))


def half_staged(folder: Path, _: int) -> bool:
    return staging_bytes(folder) > 4_000_000  # about half of what 300,000 rows stage


def copying(folder: Path, size_before: int) -> bool:
    return (folder / "case.duckdb").stat().st_size != size_before


@pytest.mark.slow
@pytest.mark.parametrize("kill_when", [started, half_staged, copying],
                         ids=["early-parsing", "middle-staged", "late-final-copy"])
def test_killed_ingest_leaves_case_as_before(case_dir: Path, big_csv: Path,
                                             kill_when: Callable[[Path, int], bool]) -> None:
    with Case.open(case_dir) as case:
        before = snapshot(case)
    size_before = (case_dir / "case.duckdb").stat().st_size
    child = subprocess.Popen([sys.executable, "-c", INGEST, str(case_dir), str(big_csv)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    try:
        while child.poll() is None and not kill_when(case_dir, size_before):
            assert time.monotonic() < deadline, "the ingest did not reach the kill point"
            time.sleep(0.001)
        finished = child.poll() is not None
        child.send_signal(signal.SIGKILL)
    finally:
        child.kill()
        _, stderr = child.communicate(timeout=30)
    assert not finished, f"the ingest ended before the kill point: {stderr.decode()}"
    assert child.returncode == -signal.SIGKILL
    assert staging_files(case_dir), "killed mid-ingest, the child leaves its scratch file"

    with Case.open(case_dir) as case:  # the next writer removes the stale scratch file
        assert not staging_files(case_dir)
        assert snapshot(case) == before
        result = ingest_file(case, big_csv, source="big")
        assert result.status == "ingested"
        assert (result.rows_read, result.records, result.quarantined) == (ROWS, ROWS - BAD, BAD)
        assert result.quarantine_reasons == {"ragged": BAD}
        after = snapshot(case)
    assert not staging_files(case_dir)
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
