"""The normalize stage on a case: derived columns filled, raw fields untouched, checked
against the synthetic truth."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from fullcount.case import Case
from fullcount.ingest import ingest_file
from fullcount.normalize.stage import NORMALIZE_VERSION, run_normalize_stage
from fullcount.synth import generate


@pytest.fixture(scope="module")
def normalized(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("norm")
    summary = generate(root / "lists", n=1500, lists=5, seed=9)
    with Case.create(root / "case") as case:
        for src in summary.sources:
            ingest_file(case, summary.out_dir / src.path, source=src.name)
        before = case.con.execute(
            "SELECT record_id, full_name, given_name, family_name, date_of_death, raw "
            "FROM records ORDER BY record_id").fetchall()
        result = run_normalize_stage(case)
        after = case.con.execute(
            "SELECT record_id, full_name, given_name, family_name, date_of_death, raw "
            "FROM records ORDER BY record_id").fetchall()
        assert before == after  # the fields as given and the raw rows never change
        assert result.records == len(before)
    return root / "case", summary.out_dir


def _truth(lists: Path) -> tuple[dict[tuple[str, int], str], dict[str, dict[str, str]]]:
    with (lists / "truth" / "records.csv").open(encoding="utf-8") as handle:
        rows = {(r["source"], int(r["row_number"])): r["person_id"]
                for r in csv.DictReader(handle) if r["expected"] == "record"}
    with (lists / "truth" / "people.csv").open(encoding="utf-8") as handle:
        people = {r["person_id"]: r for r in csv.DictReader(handle)}
    return rows, people


def test_every_record_is_normalised_and_rerun_is_a_no_op(normalized: tuple[Path, Path]
                                                          ) -> None:
    case_dir, _ = normalized
    with Case.open(case_dir) as case:
        left = case.con.execute(
            "SELECT count(*) FROM records WHERE normalize_version IS DISTINCT FROM ?",
            [NORMALIZE_VERSION]).fetchone()[0]
        assert left == 0
        assert run_normalize_stage(case).records == 0
        total = case.con.execute("SELECT count(*) FROM records").fetchone()[0]
        assert run_normalize_stage(case, redo=True).records == total
        actions = [r[0] for r in case.con.execute(
            "SELECT action FROM audit_log ORDER BY entry_id").fetchall()]
        assert actions.count("normalize") == 2


def test_dates_agree_with_the_truth(normalized: tuple[Path, Path]) -> None:
    case_dir, lists = normalized
    rows, people = _truth(lists)
    with Case.open(case_dir, readonly=True) as case:
        records = case.con.execute(
            "SELECT source, row_number, date_iso, date_end, date_precision FROM records "
            "WHERE date_iso IS NOT NULL").fetchall()
    close = 0
    for source, row_number, start, end, _precision in records:
        truth = date.fromisoformat(people[rows[(source, row_number)]]["date_of_death"])
        # Noise includes off-by-one days and day/month-only dates: the truth must lie in
        # the interval the text allows, give or take a day.
        close += start - timedelta(days=1) <= truth <= end + timedelta(days=1)
    assert close / len(records) >= 0.97


def test_places_and_sex_agree_with_the_truth(normalized: tuple[Path, Path]) -> None:
    case_dir, lists = normalized
    rows, people = _truth(lists)
    with Case.open(case_dir, readonly=True) as case:
        records = case.con.execute(
            "SELECT source, row_number, province_canonical, sex_code FROM records").fetchall()
    with_province = [r for r in records if r[2] is not None]
    right = sum(people[rows[(r[0], r[1])]]["province_latin"] == r[2] for r in with_province)
    assert right / len(with_province) >= 0.97
    with_sex = [r for r in records if r[3] is not None]
    right = sum(people[rows[(r[0], r[1])]]["sex"] == r[3] for r in with_sex)
    assert right / len(with_sex) >= 0.99


def test_one_person_mostly_gets_one_name_key_across_scripts(normalized: tuple[Path, Path]
                                                             ) -> None:
    case_dir, lists = normalized
    rows, _ = _truth(lists)
    with Case.open(case_dir, readonly=True) as case:
        records = case.con.execute(
            "SELECT source, row_number, name_key FROM records").fetchall()
    keys: dict[str, list[str]] = {}
    for source, row_number, key in records:
        keys.setdefault(rows[(source, row_number)], []).append(key)
    pairs = same = 0
    for person_keys in keys.values():
        for i in range(len(person_keys)):
            for j in range(i + 1, len(person_keys)):
                pairs += 1
                same += person_keys[i] == person_keys[j]
    assert pairs > 500
    assert same / pairs >= 0.85  # measured about 0.9; the rest are injected typos


def test_cli_normalize_and_ingest_runs_it(tmp_path: Path) -> None:
    lists = tmp_path / "lists"
    generate(lists, n=300, lists=2, seed=2)
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "fullcount", *args], capture_output=True,
                              text=True, env=env, timeout=300)

    assert run("init", str(tmp_path / "case")).returncode == 0
    files = sorted(str(p) for p in lists.iterdir() if p.suffix in (".csv", ".xlsx"))
    ingested = run("ingest", *files, "--case", str(tmp_path / "case"), "--json")
    assert ingested.returncode == 0, ingested.stderr
    report = json.loads(ingested.stdout)
    assert report["normalize"]["records"] == report["totals"]["records"]
    again = run("normalize", "--case", str(tmp_path / "case"))
    assert "already normalised" in again.stdout
    redo = run("normalize", "--all", "--case", str(tmp_path / "case"), "--json")
    assert json.loads(redo.stdout)["records"] == report["totals"]["records"]


def test_case_gazetteer_setting_extends_places(tmp_path: Path) -> None:
    with Case.create(tmp_path / "case") as case:
        (tmp_path / "case" / "my_places.csv").write_text(
            "kind,name,name_fa,province,latin_variants,persian_variants\n"
            "city,Qaleh Now,قلعه نو,Tehran,Ghaleh No|Qal'eh-ye Now,\n", encoding="utf-8")
        path = tmp_path / "list.csv"
        path.write_text("Name,City\nAli Rezaei,Ghaleh No\n", encoding="utf-8")
        ingest_file(case, path, source="a")
        run_normalize_stage(case)
        before = case.con.execute("SELECT place_canonical FROM records").fetchone()[0]
        text = (tmp_path / "case" / "fullcount.toml").read_text(encoding="utf-8")
        (tmp_path / "case" / "fullcount.toml").write_text(
            text.replace('gazetteer = ""', 'gazetteer = "my_places.csv"'), encoding="utf-8")
        case.reload_settings()
        run_normalize_stage(case, redo=True)
        after = case.con.execute(
            "SELECT place_canonical, province_canonical FROM records").fetchone()
    assert before is None
    assert after == ("Qaleh Now", "Tehran")
