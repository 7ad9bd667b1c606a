"""The audit log as a user checks it: `fullcount audit verify` finds an edited, deleted
or reordered entry and names it; `audit show` lists the log."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from link_fixtures import copy_case, new_case, source_files
from typer.testing import CliRunner, Result

from fullcount.case import Case, entry_hash
from fullcount.case.audit import verify_audit
from fullcount.cli import app
from fullcount.synth import generate


def fullcount(*args: str | Path) -> Result:
    return CliRunner().invoke(app, [str(a) for a in args], env={"FULLCOUNT_CASE": None})


@pytest.fixture(scope="module")
def case_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small case: init, three ingests, normalise (five audit entries)."""
    root = tmp_path_factory.mktemp("audit")
    lists = generate(root / "lists", n=200, lists=3, seed=3)
    return new_case(root / "case", source_files(lists))


def tampered(case_dir: Path, to: Path, *statements: str) -> Path:
    """A copy of the case with SQL run on its database behind fullcount's back."""
    copy = copy_case(case_dir, to)
    con = duckdb.connect(str(copy / "case.duckdb"))
    for sql in statements:
        con.execute(sql)
    con.close()
    return copy


def problems(case: Path) -> list[tuple[int | None, str]]:
    result = fullcount("audit", "verify", "--json", "--case", case)
    data = json.loads(result.stdout)
    assert result.exit_code == (0 if data["ok"] else 1)
    return [(p["entry_id"], p["kind"]) for p in data["problems"]]


def test_a_clean_case_verifies(case_dir: Path) -> None:
    result = fullcount("audit", "verify", "--case", case_dir)
    assert result.exit_code == 0, result.output
    with Case.open(case_dir, readonly=True) as case:
        report = verify_audit(case)
        head = case.con.execute(
            "SELECT hash FROM audit_log ORDER BY entry_id DESC LIMIT 1").fetchone()[0]
    assert report.ok and report.entries == 5 and report.head_hash == head
    assert "OK: 5 entries" in result.stdout and head in result.stdout


def test_an_edited_entry_is_named(case_dir: Path, tmp_path: Path) -> None:
    case = tampered(case_dir, tmp_path / "c",
                    """UPDATE audit_log SET details = '{"file": "other.csv"}'
                       WHERE entry_id = 3""")
    assert problems(case) == [(3, "edited")]
    result = fullcount("audit", "verify", "--case", case)
    assert result.exit_code == 1
    assert "entry 3 (ingest" in result.stderr and "changed after it was written" in result.stderr


def test_an_entry_edited_and_rehashed_is_named(case_dir: Path, tmp_path: Path) -> None:
    """Whoever edits an entry and recomputes its hash still breaks the next link."""
    case = copy_case(case_dir, tmp_path / "c")
    con = duckdb.connect(str(case / "case.duckdb"))
    at, actor, action, prev = con.execute(
        "SELECT logged_at, actor, action, prev_hash FROM audit_log WHERE entry_id = 2"
    ).fetchone()
    body = '{"file": "forged.csv"}'
    con.execute("UPDATE audit_log SET details = ?, hash = ? WHERE entry_id = 2",
                [body, entry_hash(prev, 2, at.isoformat(), actor, action, body)])
    con.close()
    assert problems(case) == [(2, "edited")]


def test_a_deleted_entry_is_named(case_dir: Path, tmp_path: Path) -> None:
    case = tampered(case_dir, tmp_path / "c", "DELETE FROM audit_log WHERE entry_id = 3")
    assert problems(case) == [(4, "missing")]
    assert "entry 3 deleted" in fullcount("audit", "verify", "--case", case).stderr
    first = tampered(case_dir, tmp_path / "first", "DELETE FROM audit_log WHERE entry_id = 1")
    assert problems(first) == [(2, "missing")]


def test_deleted_and_renumbered_entries_are_found(case_dir: Path, tmp_path: Path) -> None:
    case = tampered(case_dir, tmp_path / "c", "DELETE FROM audit_log WHERE entry_id = 2",
                    "UPDATE audit_log SET entry_id = entry_id - 1 WHERE entry_id > 2")
    found = problems(case)
    assert found and all(kind in ("moved", "link_broken") for _, kind in found)
    assert (2, "moved") in found


def test_swapped_entries_are_named(case_dir: Path, tmp_path: Path) -> None:
    case = tampered(case_dir, tmp_path / "c", """
        UPDATE audit_log SET entry_id = CASE entry_id WHEN 3 THEN 4 ELSE 3 END
        WHERE entry_id IN (3, 4)""")
    assert problems(case) == [(3, "moved"), (4, "moved")]
    assert "was written as entry 4" in fullcount("audit", "verify", "--case", case).stderr


def test_a_head_hash_in_meta_anchors_the_end(case_dir: Path, tmp_path: Path) -> None:
    """Case.audit records the head in meta, so cutting the latest entry off is
    detected."""
    case = copy_case(case_dir, tmp_path / "c")
    con = duckdb.connect(str(case / "case.duckdb"))
    head = con.execute("SELECT entry_id, hash FROM audit_log ORDER BY entry_id DESC "
                       "LIMIT 1").fetchone()
    stored = dict(con.execute("SELECT key, value FROM meta WHERE key LIKE 'audit_head%'"
                              ).fetchall())
    con.close()
    assert stored == {"audit_head_id": str(head[0]), "audit_head_hash": head[1]}
    assert problems(case) == []
    con = duckdb.connect(str(case / "case.duckdb"))
    con.execute("DELETE FROM audit_log WHERE entry_id = ?", [head[0]])
    con.close()
    assert problems(case) == [(head[0] - 1, "head_mismatch")]


def test_audit_show_lists_entries(case_dir: Path) -> None:
    result = fullcount("audit", "show", "--case", case_dir)
    assert result.exit_code == 0, result.output
    for action in ("init", "ingest", "normalize"):
        assert action in result.stdout
    shown = json.loads(fullcount("audit", "show", "--action", "ingest", "--json",
                                 "--case", case_dir).stdout)
    assert [e["entry_id"] for e in shown] == [2, 3, 4]
    assert all(e["action"] == "ingest" and "file" in e["details"] for e in shown)
    last = json.loads(fullcount("audit", "show", "--limit", "2", "--json",
                                "--case", case_dir).stdout)
    assert [e["entry_id"] for e in last] == [4, 5]


def test_audit_verify_outside_a_case_fails_clearly(tmp_path: Path) -> None:
    result = fullcount("audit", "verify", "--case", tmp_path)
    assert result.exit_code not in (0, None) and "error:" in result.stderr
    assert "Traceback" not in result.output
