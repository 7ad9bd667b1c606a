"""The linkage commands as a user runs them (`link`, `explain`, `decide`, `evaluate`,
`export entities`, `status`), on synthetic lists, with the numbers checked against the
case and the truth."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from cli_runner import fails, fullcount, ok
from link_fixtures import copy_case, new_case, source_files, synth_lists

from fullcount.case import Case
from fullcount.link.evaluate import evaluate_register


@dataclass
class Linked:
    case: Path
    truth: Path
    output: str
    records: int
    people: int


@pytest.fixture(scope="module")
def linked(tmp_path_factory: pytest.TempPathFactory) -> Linked:
    """The synthetic lists ingested and normalised, then `fullcount link` once."""
    root = tmp_path_factory.mktemp("link-cli")
    lists = synth_lists(root / "lists")
    case = new_case(root / "case", source_files(lists))
    output = ok("link", "--case", case).output
    with Case.open(case, readonly=True) as opened:
        records, people = opened.con.execute("""
            SELECT count(*), count(DISTINCT entity_id)
            FROM current_records JOIN entity_records USING (record_id)""").fetchone()
    return Linked(case, lists.out_dir / "truth", output, records, people)


def _stored_pair(case: Path, *, matched: bool) -> tuple[str, str]:
    """SOURCE:ROW references of a stored pair in one entity (or in two)."""
    with Case.open(case, readonly=True) as opened:
        row = opened.con.execute(f"""
            SELECT a.source || ':' || a.row_number, b.source || ':' || b.row_number
            FROM pairs p
            JOIN current_records a ON a.record_id = p.record_id_l
            JOIN current_records b ON b.record_id = p.record_id_r
            JOIN entity_records ea ON ea.record_id = a.record_id
            JOIN entity_records eb ON eb.record_id = b.record_id
            WHERE (ea.entity_id = eb.entity_id) = {matched} AND a.source <> b.source
            ORDER BY p.match_probability {'DESC' if matched else 'ASC'}, a.record_id
            LIMIT 1""").fetchone()
    assert row is not None
    return row[0], row[1]


def _unpaired(case: Path) -> tuple[str, str]:
    """SOURCE:ROW references of two records of different lists that are not a pair."""
    with Case.open(case, readonly=True) as opened:
        row = opened.con.execute("""
            WITH a AS (SELECT * FROM current_records ORDER BY record_id LIMIT 1)
            SELECT a.source || ':' || a.row_number, b.source || ':' || b.row_number
            FROM a JOIN current_records b ON a.source <> b.source AND a.date_iso <> b.date_iso
            WHERE NOT EXISTS (SELECT 1 FROM pairs p
                              WHERE p.record_id_l = least(a.record_id, b.record_id)
                                AND p.record_id_r = greatest(a.record_id, b.record_id))
            ORDER BY a.record_id, b.record_id LIMIT 1""").fetchone()
    assert row is not None
    return row[0], row[1]


def test_link_prints_how_many_people(linked: Linked) -> None:
    assert f"Linked {linked.records:,} records (duckdb): {linked.people:,} people." \
        in linked.output
    assert "candidate pairs kept" in linked.output and "threshold" in linked.output
    assert "Trained weights" in linked.output and "date_of_death" in linked.output


def test_link_again_as_json_reclusters(linked: Linked, tmp_path: Path) -> None:
    case = copy_case(linked.case, tmp_path / "case")
    result = json.loads(ok("link", "--case", case, "--json").stdout)
    assert result["mode"] == "recluster" and result["pairs_scored"] == 0
    assert result["records"] == linked.records
    assert abs(result["entities"] - linked.people) <= 0.002 * linked.people
    again = json.loads(ok("link", "--case", case, "--threshold", "0.99", "--json").stdout)
    assert again["threshold"] == 0.99 and again["threshold_origin"] == "command line"
    assert again["entities"] >= result["entities"]  # a stricter threshold splits


def test_explain_source_row_references(linked: Linked) -> None:
    a, b = _stored_pair(linked.case, matched=True)
    printed = ok("explain", a, b, "--case", linked.case).stdout
    assert "Match probability" in printed and "the same person" in printed
    for comparison in ("given_name", "family_name", "father_name", "date_of_death", "place"):
        assert comparison in printed
    data = json.loads(ok("explain", a, b, "--case", linked.case, "--json").stdout)
    assert len(data["comparisons"]) == 8  # 7 comparisons + name frequency
    assert data["same_entity"] is True and data["origin"] == "stored"
    assert data["match_probability"] >= data["threshold"]
    assert data["match_weight"] == pytest.approx(
        data["prior_weight"] + sum(c["weight"] for c in data["comparisons"]), abs=1e-6)


def test_explain_a_pair_in_different_entities(linked: Linked) -> None:
    a, b = _stored_pair(linked.case, matched=False)
    printed = ok("explain", a, b, "--case", linked.case).stdout
    assert "different people" in printed


def test_explain_a_pair_that_was_never_a_candidate(linked: Linked) -> None:
    a, b = _unpaired(linked.case)
    result = fullcount("explain", a, b, "--case", linked.case, "--json")
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["origin"] == "scored now" and len(data["comparisons"]) == 8  # 7 comparisons + name frequency


def test_explain_bad_references_say_what_is_wrong(linked: Linked) -> None:
    a, _ = _stored_pair(linked.case, matched=True)
    missing = fails("explain", "ngo_a:999999", a, "--case", linked.case)
    assert "no current record is row 999999 of source 'ngo_a'" in missing.stderr
    assert "fullcount sources" in missing.stderr
    nonsense = fails("explain", "Mohammad Hosseini", a, "--case", linked.case)
    assert "is not a record" in nonsense.stderr and "SOURCE:ROW" in nonsense.stderr
    same = fails("explain", a, a, "--case", linked.case)
    assert "two different records" in " ".join(same.stderr.split())


def test_explain_before_linking_says_to_link(tmp_path: Path, linked: Linked) -> None:
    bare = tmp_path / "bare"
    ok("init", bare)
    ok("ingest", linked.truth.parent / "ngo_a.csv", "--source", "ngo_a", "--case", bare)
    with Case.open(bare, readonly=True) as opened:
        first, second = [f"ngo_a:{n}" for (n,) in opened.con.execute(
            "SELECT row_number FROM current_records ORDER BY row_number LIMIT 2").fetchall()]
    result = fails("explain", first, second, "--case", bare)
    assert "no linkage model yet" in result.stderr and "fullcount link" in result.stderr
    result = fails("evaluate", "--truth", linked.truth, "--case", bare)
    assert "no register yet" in result.stderr


def test_link_an_empty_case_fails_clearly(tmp_path: Path) -> None:
    ok("init", tmp_path / "empty")
    result = fails("link", "--case", tmp_path / "empty")
    assert "no records to link" in result.stderr and "fullcount ingest" in result.stderr


def test_decide_then_link_applies_the_decision(linked: Linked, tmp_path: Path) -> None:
    case = copy_case(linked.case, tmp_path / "case")
    a, b = _stored_pair(case, matched=True)
    anonymous = fails("decide", a, b, "non_match", "--case", case)
    assert "say who decides" in anonymous.stderr and "--reviewer" in anonymous.stderr
    wrong = fails("decide", a, b, "perhaps", "--reviewer", "A. Analyst", "--case", case)
    assert "'perhaps' is not a decision" in wrong.stderr
    incomplete = fails("decide", a, "--reviewer", "A. Analyst", "--case", case)
    assert "give two records and a decision" in incomplete.stderr

    made = ok("decide", a, b, "non_match", "--reviewer", "A. Analyst", "--note",
              "two brothers", "--case", case).stdout
    assert "Decision 1:" in made and "non_match" in made
    relinked = ok("link", "--case", case).stdout
    assert "Re-clustered" in relinked
    assert "reviewers' decisions applied: 0 match, 1 not a match" in relinked
    data = json.loads(ok("explain", a, b, "--case", case, "--json").stdout)
    assert data["same_entity"] is False
    status = json.loads(ok("status", "--case", case, "--json").stdout)
    assert status["decisions"] == {"non_match": 1}

    undone = ok("decide", "--undo", "1", "--reviewer", "A. Analyst", "--case", case).stdout
    assert "withdrawn" in undone
    again = fails("decide", "--undo", "1", "--reviewer", "A. Analyst", "--case", case)
    assert "already withdrawn" in again.stderr
    ok("link", "--case", case)
    data = json.loads(ok("explain", a, b, "--case", case, "--json").stdout)
    assert data["same_entity"] is True


def test_evaluate_prints_f1_against_the_truth(linked: Linked) -> None:
    with Case.open(linked.case, readonly=True) as case:
        expected = evaluate_register(case, linked.truth)
    printed = ok("evaluate", "--truth", linked.truth, "--case", linked.case).stdout
    assert "F1" in printed
    pairs_row = next(line for line in printed.splitlines() if "pairs of records" in line)
    assert f"{expected.f1:.4f}" in pairs_row
    assert (f"People: {expected.entities:,} in the register, {expected.true_people:,} in "
            f"the truth") in printed
    assert "Capture histories" in printed
    data = json.loads(ok("evaluate", "--truth", linked.truth, "--case", linked.case,
                         "--json").stdout)
    assert data["f1"] == pytest.approx(expected.f1) and data["f1"] >= 0.93
    assert data["entities"] == linked.people
    # the synth output folder (holding truth/) is accepted too
    parent = json.loads(ok("evaluate", "--truth", linked.truth.parent, "--case", linked.case,
                           "--json").stdout)
    assert parent["f1"] == data["f1"]


def test_evaluate_without_a_truth_file_fails_clearly(linked: Linked, tmp_path: Path) -> None:
    result = fails("evaluate", "--truth", tmp_path, "--case", linked.case)
    assert "no truth file" in result.stderr and "--truth" in result.stderr


def test_export_entities_writes_one_row_per_record(linked: Linked, tmp_path: Path) -> None:
    out = tmp_path / "register.csv"
    printed = ok("export", "entities", "--out", out, "--case", linked.case).stdout
    assert f"Wrote {linked.records:,} records" in printed
    with out.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert {"source", "source_row", "record_id", "entity_id"} <= set(rows[0])
    assert len(rows) == linked.records
    assert len({r["record_id"] for r in rows}) == linked.records
    assert len({r["entity_id"] for r in rows}) == linked.people
    with Case.open(linked.case, readonly=True) as case:
        truth = {(str(rid), src, str(row), str(ent)) for rid, src, row, ent in case.con.execute("""
            SELECT r.record_id, r.source, coalesce(r.source_row_id, r.row_number::VARCHAR),
                   e.entity_id
            FROM current_records r JOIN entity_records e USING (record_id)""").fetchall()}
    assert {(r["record_id"], r["source"], r["source_row"], r["entity_id"]) for r in rows} == truth
    # the witness list's own ids (W-0001 ...) are the rows it knows
    assert any(r["source"] == "witness_d" and r["source_row"].startswith("W-") for r in rows)


def test_status_mentions_the_register(linked: Linked) -> None:
    printed = ok("status", "--case", linked.case).stdout
    assert (f"Register: {linked.people:,} people from {linked.records:,} records"
            in printed)
    assert "link done" in printed
    data = json.loads(ok("status", "--case", linked.case, "--json").stdout)
    assert data["entities"] == linked.people and data["unlinked_records"] == 0
    assert data["pairs"] > 0 and 0.2 <= data["threshold"] <= 0.95
