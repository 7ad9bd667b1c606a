"""The CLI as a user runs it: subprocesses on synthetic lists, counts checked against truth."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


def fullcount(*args: str | Path, cwd: Path | None = None, check: bool = True,
              input_text: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run the `fullcount` command as a user would, in a child process."""
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "COLUMNS": "200"}
    env.pop("FULLCOUNT_CASE", None)
    result = subprocess.run(
        [sys.executable, "-m", "fullcount", *map(str, args)], capture_output=True, text=True,
        cwd=cwd, env=env, input=input_text, timeout=300,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"fullcount {args} failed ({result.returncode}):\n"
                             f"{result.stdout}\n{result.stderr}")
    return result


@pytest.fixture(scope="module")
def lists(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth")
    fullcount("synth", "--n", "3000", "--lists", "5", "--seed", "11", "--out", out)
    return out


def truth_rows(lists: Path) -> list[dict[str, str]]:
    with (lists / "truth" / "records.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_synth_then_ingest_matches_truth(lists: Path, tmp_path: Path) -> None:
    summary = json.loads((lists / "truth" / "summary.json").read_text(encoding="utf-8"))
    assert summary["n"] == 3000
    case = tmp_path / "case"
    fullcount("init", case)
    files = [lists / src["path"] for src in summary["sources"]]
    result = fullcount("ingest", *files, "--case", case, "--json")
    report = json.loads(result.stdout)
    by_source = {f["source"]: f for f in report["files"]}
    truth = truth_rows(lists)
    for src in summary["sources"]:
        got = by_source[src["name"]]
        rows = [r for r in truth if r["source"] == src["name"]]
        assert got["rows_read"] == len(rows) == src["rows_written"]
        assert got["records"] == sum(r["expected"] == "record" for r in rows)
        assert got["quarantined"] == sum(r["expected"] == "quarantine" for r in rows)
        assert got["rows_read"] == got["records"] + got["quarantined"]
        assert got["status"] == "ingested" and got["version"] == 1
    assert report["totals"]["records"] == sum(s["expected_records"] for s in summary["sources"])

    # Which rows were quarantined, and why, agrees row by row with the truth.
    export = tmp_path / "quarantine.csv"
    fullcount("quarantine", "export", export, "--case", case)
    # The generator's truth files call a JSON value that is not an object "bad_json" too.
    same_kind = {"not_an_object": "bad_json"}
    with export.open(encoding="utf-8", newline="") as handle:
        quarantined = {(r["source"], int(r["row_number"]),
                        same_kind.get(r["reason_code"], r["reason_code"]))
                       for r in csv.DictReader(handle)}
    expected = {(r["source"], int(r["row_number"]), r["defect"])
                for r in truth if r["expected"] == "quarantine"}
    assert quarantined == expected

    status = json.loads(fullcount("status", "--case", case, "--json").stdout)
    assert status["records"] == report["totals"]["records"]
    assert status["quarantined"] == report["totals"]["quarantined"]
    assert status["sources"] == len(summary["sources"])

    # The same bytes again: a no-op that says so.
    again = json.loads(fullcount("ingest", files[0], "--case", case, "--json").stdout)
    assert again["files"][0]["status"] == "unchanged"
    assert again["totals"]["records"] == 0
    status_after = json.loads(fullcount("status", "--case", case, "--json").stdout)
    assert status_after["records"] == status["records"]


def test_sources_json_records_chain_of_custody(lists: Path, tmp_path: Path) -> None:
    import hashlib

    case = tmp_path / "case"
    fullcount("init", case)
    path = lists / "ngo_a.csv"
    fullcount("ingest", path, "--source", "ngo_a", "--case", case)
    rows = json.loads(fullcount("sources", "--case", case, "--json").stdout)
    assert len(rows) == 1
    assert rows[0]["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert rows[0]["size_bytes"] == path.stat().st_size
    assert rows[0]["file_name"] == "ngo_a.csv"
    assert rows[0]["mapping_origin"] == "suggested from headers"
    text = (case / "fullcount.toml").read_text(encoding="utf-8")
    assert "[sources.ngo_a.mapping]" in text  # the mapping used is recorded


def test_human_output_and_quarantine_commands(lists: Path, tmp_path: Path) -> None:
    case = tmp_path / "case"
    fullcount("init", case)
    printed = fullcount("ingest", lists / "ngo_a.csv", "--case", case).stdout
    assert "rows read" in printed and "quarantined" in printed
    listing = fullcount("quarantine", "list", "--case", case, "--limit", "0").stdout
    assert "ragged" in listing or "no_name" in listing
    rows = json.loads(fullcount("quarantine", "list", "--case", case, "--json").stdout)
    shown = fullcount("quarantine", "show", str(rows[0]["quarantine_id"]), "--case", case).stdout
    assert rows[0]["raw_text"].splitlines()[0] in shown
    assert "reason" in shown
    status = fullcount("status", "--case", case).stdout
    assert "records" in status


def test_errors_are_one_message_without_traceback(tmp_path: Path) -> None:
    result = fullcount("status", "--case", tmp_path / "nowhere", check=False)
    assert result.returncode != 0
    assert "error:" in result.stderr and "Traceback" not in result.stderr
    assert "fullcount init" in result.stderr

    case = tmp_path / "case"
    fullcount("init", case)
    bad = tmp_path / "list.csv"
    bad.write_text("Colour,Shape\nred,round\n", encoding="utf-8")
    result = fullcount("ingest", bad, "--case", case, check=False)
    assert result.returncode == 1
    assert "error:" in result.stderr and "Traceback" not in result.stderr
    assert "--suggest" in result.stderr and "--map" in result.stderr

    result = fullcount("ingest", bad, "--case", case, "--map", "nom=Colour", check=False)
    assert result.returncode == 1 and "not a record field" in result.stderr

    debug = fullcount("--debug", "ingest", bad, "--case", case, check=False)
    assert "Traceback" in debug.stderr


def test_map_option_and_suggest(tmp_path: Path) -> None:
    case = tmp_path / "case"
    fullcount("init", case)
    path = tmp_path / "list.csv"
    path.write_text("Victim,Years,Colour\nAli Rezaei,23,red\nSara Karimi,31,blue\n",
                    encoding="utf-8")
    proposal = fullcount("ingest", path, "--case", case, "--suggest").stdout
    assert "Victim" in proposal and "Ali Rezaei" in proposal  # sample values shown
    assert "Nothing was ingested" in proposal
    result = fullcount("ingest", path, "--case", case, "--map", "full_name=Victim",
                       "--map", "age=Years", "--json")
    report = json.loads(result.stdout)["files"][0]
    assert report["records"] == 2 and report["mapping_origin"] == "command line"
    assert report["unmapped_columns"] == ["Colour"]


def test_suggest_with_yes_saves_mapping_and_ingests(tmp_path: Path) -> None:
    case = tmp_path / "case"
    fullcount("init", case)
    path = tmp_path / "list.csv"
    path.write_text("نام,نام خانوادگی,سن\nعلی,رضایی,۲۳\n", encoding="utf-8")
    result = fullcount("ingest", path, "--source", "ngo_a", "--case", case, "--suggest",
                       "--yes", "--json")
    report = json.loads(result.stdout)["files"][0]
    assert report["records"] == 1
    assert 'given_name = "نام"' in (case / "fullcount.toml").read_text(encoding="utf-8")


def test_demo_runs_end_to_end(tmp_path: Path) -> None:
    result = fullcount("demo", tmp_path / "demo", "--n", "800", "--lists", "4")
    assert "✗" not in result.stdout
    assert result.stdout.count("✓") == 4
    assert (tmp_path / "demo" / "case" / "case.duckdb").exists()
    report = tmp_path / "demo" / "case" / "report.html"
    assert f"report: {report}" in result.stdout.replace("\n", "")
    assert report.stat().st_size > 100_000          # fonts and figures inside
    assert "[recommended]" in result.stdout and "with linkage uncertainty" in result.stdout
    for verdict in ("below documented", "consistent", "above the estimate",
                    "not comparable"):
        assert verdict in result.stdout
    again = fullcount("demo", tmp_path / "demo", "--n", "800", check=False)
    assert again.returncode != 0 and "--force" in again.stderr
    fullcount("demo", tmp_path / "demo", "--n", "800", "--force")
    other = tmp_path / "not-a-demo"
    other.mkdir()
    (other / "precious.txt").write_text("keep me")
    refused = fullcount("demo", other, check=False)
    assert refused.returncode != 0 and (other / "precious.txt").exists()


def test_help_texts_speak_to_analysts() -> None:
    top = fullcount("--help").stdout
    for name in ("init", "ingest", "sources", "quarantine", "status", "synth", "demo",
                 "link", "review", "estimate", "claims", "report"):
        assert name in top
    ingest_help = fullcount("ingest", "--help").stdout
    assert "quarantined" in ingest_help and "--suggest" in ingest_help
    assert "--json" in fullcount("status", "--help").stdout
    assert "--json" in fullcount("sources", "--help").stdout
