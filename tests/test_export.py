"""Exports as a user runs them: `fullcount export entities|histories`, plain and
`--pseudonymise`. A pseudonymised file holds no name of the synthetic people, the same
person gets the same pseudonym in every export of a case (and another in another case),
dates are coarsened, cells a spreadsheet would execute are escaped, and every export is
in the audit log."""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from link_fixtures import copy_case, new_case, source_files
from typer.testing import CliRunner, Result

from fullcount.case import Case
from fullcount.case.audit import verify_audit
from fullcount.cli import app
from fullcount.estimate.histories import read_histories_csv
from fullcount.estimate.stage import histories_from_case
from fullcount.export import PSEUDONYM_KEY, pseudonym, spreadsheet_cell
from fullcount.settings import SETTINGS_FILE
from fullcount.synth import generate

FORMULA = '=HYPERLINK("http://x","y")'


def ok(*args: str | Path) -> Result:
    result = CliRunner().invoke(app, [str(a) for a in args], env={"FULLCOUNT_CASE": None})
    assert result.exit_code == 0, (
        f"fullcount {args} failed ({result.exit_code}):\n{result.output}\n{result.exception!r}")
    return result


def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@dataclass
class Linked:
    """A linked case (not yet exported from: it has no pseudonym secret) and its truth."""

    case: Path
    truth: Path


@pytest.fixture(scope="module")
def linked(tmp_path_factory: pytest.TempPathFactory) -> Linked:
    """Synthetic lists plus a hostile one whose id and name are spreadsheet formulas."""
    root = tmp_path_factory.mktemp("export")
    lists = generate(root / "lists", n=300, lists=3, seed=4)
    hostile = root / "hostile.csv"
    with hostile.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "name", "father", "date of death", "place", "province"])
        writer.writerow([FORMULA, FORMULA, "@SUM(1)", "2022-11-15", "Sanandaj", "Kurdistan"])
    case = new_case(root / "case", [*source_files(lists), ("hostile", hostile)])
    ok("link", "--case", case)
    return Linked(case, lists.out_dir / "truth")


@pytest.fixture()
def case(linked: Linked, tmp_path: Path) -> Path:
    return copy_case(linked.case, tmp_path / "case")


def synthetic_names(truth: Path) -> set[str]:
    """Every name of the synthetic people, whole and in parts, in both scripts."""
    names: set[str] = set()
    for person in read(truth / "people.csv"):
        for script in ("fa", "latin"):
            given, family = person[f"given_name_{script}"], person[f"family_name_{script}"]
            names |= {f"{given} {family}", family, person[f"father_name_{script}"]}
    return {n for n in names if len(n) >= 4}


def test_pseudonymised_entities_hold_no_names(case: Path, linked: Linked,
                                              tmp_path: Path) -> None:
    plain, hidden = tmp_path / "plain.csv", tmp_path / "hidden.csv"
    ok("export", "entities", "--out", plain, "--case", case)
    printed = ok("export", "entities", "--pseudonymise", "--out", hidden,
                 "--case", case).stdout
    assert "pseudonymised" in printed
    names = synthetic_names(linked.truth)
    plain_text = plain.read_text("utf-8")
    assert sum(name in plain_text for name in names) > len(names) // 2  # the check can fail
    rows = read(hidden)
    # provinces stay (Kohgiluyeh and Boyer-Ahmad holds a name): all else is checked
    provinces = {p["province_latin"] for p in read(linked.truth / "people.csv")}
    assert {r["province_canonical"] for r in rows} <= provinces | {""}
    hidden_text = "\n".join(",".join(v for k, v in r.items() if k != "province_canonical")
                            for r in rows)
    assert [name for name in names if name in hidden_text] == []
    assert list(rows[0]) == ["source", "record_id", "entity_id", "entity_records",
                             "name_pseudonym", "father_pseudonym", "date_month",
                             "province_canonical"]
    assert len(rows) == len(read(plain))
    assert all(re.fullmatch(r"[0-9a-f]{16}", r["name_pseudonym"]) for r in rows)


def test_same_person_same_pseudonym(case: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "1.csv", tmp_path / "2.csv"
    ok("export", "entities", "--pseudonymise", "--out", first, "--case", case)
    ok("export", "entities", "--pseudonymise", "--out", second, "--case", case)
    by_entity: dict[str, set[str]] = {}
    for row in read(first) + read(second):
        by_entity.setdefault(row["entity_id"], set()).add(row["name_pseudonym"])
    assert all(len(p) == 1 for p in by_entity.values())
    assert first.read_bytes() == second.read_bytes()
    with Case.open(case, readonly=True) as opened:  # the engine's HMAC is Python's
        key = bytes.fromhex(opened.meta(PSEUDONYM_KEY) or "")
        entity, name_key = opened.con.execute(
            "SELECT entity_id, name_key FROM entities WHERE name_key IS NOT NULL "
            "ORDER BY entity_id LIMIT 1").fetchone()
    assert len(key) == 32
    assert by_entity[str(entity)] == {pseudonym(name_key, key, "name")}


def test_other_case_other_pseudonyms(linked: Linked, tmp_path: Path) -> None:
    """Two cases of the same lists have their own secrets: pseudonyms do not match."""
    one, two = (copy_case(linked.case, tmp_path / name) for name in ("one", "two"))
    ok("export", "entities", "--pseudonymise", "--out", tmp_path / "1.csv", "--case", one)
    ok("export", "entities", "--pseudonymise", "--out", tmp_path / "2.csv", "--case", two)
    first = {r["entity_id"]: r["name_pseudonym"] for r in read(tmp_path / "1.csv")}
    second = {r["entity_id"]: r["name_pseudonym"] for r in read(tmp_path / "2.csv")}
    assert first.keys() == second.keys()
    assert not set(first.values()) & set(second.values())


def test_dates_and_places_are_coarsened_as_configured(case: Path, tmp_path: Path) -> None:
    out = tmp_path / "month.csv"
    ok("export", "entities", "--pseudonymise", "--out", out, "--case", case)
    dates = [r["date_month"] for r in read(out)]
    assert dates and all(re.fullmatch(r"\d{4}-\d{2}", d) for d in dates if d)
    settings = case / SETTINGS_FILE
    settings.write_text(settings.read_text("utf-8")
                        .replace('date_precision = "month"', 'date_precision = "year"')
                        .replace('place = "province"', 'place = "none"'), "utf-8")
    ok("export", "entities", "--pseudonymise", "--out", out, "--case", case)
    rows = read(out)
    assert "province_canonical" not in rows[0] and "place_canonical" not in rows[0]
    assert all(re.fullmatch(r"\d{4}", r["date_year"]) for r in rows if r["date_year"])


def test_cells_a_spreadsheet_would_run_are_escaped(case: Path, tmp_path: Path) -> None:
    for value in ("=1+1", "+1", "-1", "@SUM(1)", "\tx", "\rx"):
        assert spreadsheet_cell(value) == "'" + value
    assert spreadsheet_cell("Ali") == "Ali" and spreadsheet_cell(None) == ""
    out = tmp_path / "plain.csv"
    ok("export", "entities", "--out", out, "--case", case)
    rows = read(out)
    assert any(r["source_row"] == "'" + FORMULA for r in rows)
    hidden = tmp_path / "hidden.csv"
    ok("export", "entities", "--pseudonymise", "--out", hidden, "--case", case)
    for path in (out, hidden):
        cells = [cell for row in read(path) for cell in row.values()]
        assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]


def test_histories_export_reads_back(case: Path, tmp_path: Path) -> None:
    out = tmp_path / "histories.csv"
    ok("export", "histories", "--out", out, "--case", case)
    with Case.open(case, readonly=True) as opened:
        expected = histories_from_case(opened)[0]["all"]
    written = read_histories_csv(out)["all"]
    assert written.pattern_counts() == expected.pattern_counts()
    assert written.lists == expected.lists


def test_histories_strata_by_place_are_hashed(case: Path, tmp_path: Path) -> None:
    settings = case / SETTINGS_FILE
    settings.write_text(settings.read_text("utf-8").replace("by = []", 'by = ["place"]'),
                        "utf-8")
    plain, hidden = tmp_path / "plain.csv", tmp_path / "hidden.csv"
    ok("export", "histories", "--out", plain, "--case", case)
    ok("export", "histories", "--pseudonymise", "--out", hidden, "--case", case)
    plain_strata, hidden_strata = read_histories_csv(plain), read_histories_csv(hidden)
    assert len(plain_strata) == len(hidden_strata) > 1
    assert not set(plain_strata) & set(hidden_strata)
    assert all(re.fullmatch(r"[0-9a-f]{16}", s) for s in hidden_strata)
    assert (sorted(h.n_observed for h in plain_strata.values())
            == sorted(h.n_observed for h in hidden_strata.values()))


def test_every_export_is_audited(case: Path, tmp_path: Path) -> None:
    ok("export", "entities", "--out", tmp_path / "plain.csv", "--case", case)
    ok("export", "entities", "--pseudonymise", "--out", tmp_path / "hidden.csv",
       "--case", case)
    ok("export", "histories", "--pseudonymise", "--out", tmp_path / "h.csv", "--case", case)
    entries = json.loads(ok("audit", "show", "--action", "export", "--json",
                            "--case", case).stdout)
    details = [e["details"] for e in entries]
    assert [(d["what"], d["file"], d["pseudonymised"]) for d in details] == [
        ("entities", "plain.csv", False), ("entities", "hidden.csv", True),
        ("histories", "h.csv", True)]
    assert details[0]["rows"] == len(read(tmp_path / "plain.csv"))
    assert details[1]["date_precision"] == "month" and details[1]["place"] == "province"
    with Case.open(case, readonly=True) as opened:
        assert verify_audit(opened).ok
    # the log holds what was exported, not the data (nor the secret)
    text = json.dumps(details, ensure_ascii=False)
    assert "Hyperlink" not in text and "HYPERLINK" not in text
    assert len(text) < 1_000
