"""The claims register: documents and claims stored in the case with offsets and hashes,
reviewed (accept, reject, edit, add) with an audit trail, and set against the documented
count and the estimate with a verdict and its reason; the `fullcount claims` commands.

Every document, person and figure here is invented."""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cli_runner import fails, ok

from fullcount.case import Case, utc_now
from fullcount.case.audit import verify_audit
from fullcount.claims.compare import (
    ClaimComparison,
    ClaimInterval,
    compare_claims,
    export_claims,
)
from fullcount.claims.register import (
    accept_claims,
    add_claim,
    document_text,
    edit_claim,
    extract_into_case,
    get_claim,
    list_claims,
    reject_claims,
)
from fullcount.errors import FullcountError
from fullcount.ingest import ingest_file

ENGLISH = """Press statement, 3 December 2019.

According to the Iran Rights Group, at least 212 people were killed in Tehran in November \
2019, including 44 children. More than 2,300 protesters were wounded in 41 raids on homes. \
The ministry said that 3,117 people died.

Dozens of people remain disappeared.
"""

HTML = """<!doctype html>
<html><head><title>Monitors' statement</title><style>p {color: red}</style></head>
<body><h1>Statement of the monitors</h1>
<p>At least 168 people were killed in 27 attacks, according to the monitors.</p>
<p>Nearly 300 people were detained.</p>
<script>var x = 5000;</script>
</body></html>
"""

PERSIAN = """بیانیه مطبوعاتی

به گزارش سازمان حقوق بشر، دست‌کم ۲۱۲ نفر در تهران کشته شدند. بیش از ۲۳۰۰ نفر زخمی شدند. \
صدها نفر بازداشت شدند.
"""


@pytest.fixture
def documents(tmp_path: Path) -> dict[str, Path]:
    folder = tmp_path / "documents"
    folder.mkdir()
    paths = {"en": folder / "statement.txt", "html": folder / "monitors.html",
             "fa": folder / "bayanieh.txt"}
    paths["en"].write_text(ENGLISH, encoding="utf-8")
    paths["html"].write_text(HTML, encoding="utf-8")
    paths["fa"].write_text(PERSIAN, encoding="utf-8")
    return paths


@pytest.fixture
def case(tmp_path: Path) -> Iterator[Case]:
    with Case.create(tmp_path / "case") as opened:
        yield opened


def actions(case: Case) -> list[tuple[str, dict[str, Any]]]:
    return [(action, json.loads(details)) for action, details in case.con.execute(
        "SELECT action, details FROM audit_log ORDER BY entry_id").fetchall()]


# ---------------------------------------------------------------- schema


def test_a_case_of_schema_v4_is_migrated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         ) -> None:
    import fullcount.case as case_module
    from fullcount.case import schema

    with monkeypatch.context() as patch:
        patch.setattr(case_module, "MIGRATIONS", schema.MIGRATIONS[:4])
        patch.setattr(case_module, "SCHEMA_VERSION", 4)
        Case.create(tmp_path / "old").close()
    with Case.open(tmp_path / "old") as case:
        assert case.migrated_from == 4
        assert case.schema_version == schema.SCHEMA_VERSION == 5
        tables = {r[0] for r in case.con.execute("SHOW TABLES").fetchall()}
        assert {"claims", "claim_documents", "entities"} <= tables
        assert actions(case)[-1] == ("migrate", {"from": 4, "to": 5})
        add_claim(case, quote="212 killed", category="killed", value=212,
                  reviewer="A. Analyst")
        assert verify_audit(case).ok


# ---------------------------------------------------------------- extraction


@pytest.mark.parametrize("kind", ["en", "html", "fa"])
def test_extract_stores_claims_with_offsets_into_the_documents_text(
        case: Case, documents: dict[str, Path], kind: str) -> None:
    path = documents[kind]
    result = extract_into_case(case, path)
    assert not result.already_present and result.claims
    doc = result.document
    assert doc.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert doc.size_bytes == path.stat().st_size
    assert doc.format == ("html" if kind == "html" else "text")
    text = document_text(case, doc.document_id)
    assert doc.characters == len(text)
    for claim in result.claims:
        assert claim.status == "proposed" and claim.scope is None
        assert claim.document_id == doc.document_id
        assert text[claim.quote_start:claim.quote_end] == claim.quote
        assert text[claim.quantity_start:claim.quantity_end] == claim.quantity_text
        assert claim.quote_start <= claim.quantity_start < claim.quantity_end <= claim.quote_end
        assert claim.origin.startswith("fullcount.claims rules")
        assert claim.history[0]["action"] == "proposed"
    action, details = actions(case)[-1]
    assert action == "claims_extract"
    assert details["sha256"] == doc.sha256
    assert details["claim_ids"] == [c.claim_id for c in result.claims]
    if kind == "html":
        assert "var x" not in text and "color" not in text


def test_extracted_values_bounds_and_subsets(case: Case, documents: dict[str, Path]) -> None:
    claims = extract_into_case(case, documents["en"]).claims
    found = {(c.quantity_text, c.bound_type, c.category, c.unit): c for c in claims}
    at_least = found[("212", "at_least", "killed", "persons")]
    assert (at_least.value_point, at_least.value_low, at_least.value_high) == (212, 212, None)
    assert at_least.claimant == "the Iran Rights Group" and at_least.place == "Tehran"
    children = found[("44", "exact", "killed", "persons")]
    assert children.parent_claim_id == at_least.claim_id and children.subgroup == "children"
    assert found[("41", "exact", "attacks", "events")].value_low == 41
    more = found[("2,300", "more_than", "wounded", "persons")]
    assert (more.value_low, more.value_high) == (2300, None)
    dozens = found[("Dozens", "vague", "disappeared", "persons")]
    assert (dozens.value_point, dozens.value_low, dozens.value_high) == (None, 24, 99)
    assert dozens.vague_term == "dozens" and dozens.claimed == "dozens (24–99)"

    persian = extract_into_case(case, documents["fa"]).claims
    assert [(c.language, c.bound_type, c.value_low, c.category) for c in persian] == [
        ("fa", "at_least", 212, "killed"), ("fa", "more_than", 2300, "wounded"),
        ("fa", "vague", 200, "detained")]
    assert persian[0].claimant == "سازمان حقوق بشر"

    nearly = next(c for c in extract_into_case(case, documents["html"]).claims
                  if c.bound_type == "approx_below")
    assert (nearly.value_point, nearly.value_low, nearly.value_high) == (300, 270, 300)


def test_the_same_file_twice_is_a_no_op_that_says_so(case: Case, documents: dict[str, Path],
                                                     tmp_path: Path) -> None:
    first = extract_into_case(case, documents["en"])
    entries = len(actions(case))
    again = extract_into_case(case, documents["en"])
    renamed = tmp_path / "copy-of-statement.txt"
    shutil.copy(documents["en"], renamed)
    copied = extract_into_case(case, renamed)
    for result in (again, copied):
        assert result.already_present
        assert result.document == first.document
        assert [c.claim_id for c in result.claims] == [c.claim_id for c in first.claims]
    assert len(actions(case)) == entries
    assert len(list_claims(case)) == len(first.claims)


def test_a_missing_or_unreadable_document_is_a_clear_error(case: Case, tmp_path: Path) -> None:
    with pytest.raises(FullcountError, match="no such file"):
        extract_into_case(case, tmp_path / "nope.txt")
    (tmp_path / "old.doc").write_bytes(b"\xd0\xcf\x11\xe0" + b"\x00" * 100)
    with pytest.raises(FullcountError, match="old Microsoft Office"):
        extract_into_case(case, tmp_path / "old.doc")
    assert list_claims(case) == []
    assert case.con.execute("SELECT count(*) FROM claim_documents").fetchone()[0] == 0


# ---------------------------------------------------------------- review


def test_accept_reject_edit_add_are_audited_with_the_reviewer(
        case: Case, documents: dict[str, Path]) -> None:
    claims = extract_into_case(case, documents["en"]).claims
    first, second = claims[0].claim_id, claims[1].claim_id
    accepted = accept_claims(case, [first], reviewer="A. Analyst", scope="all")
    assert accepted.changed == [first]
    assert accept_claims(case, [first], reviewer="A. Analyst").unchanged == [first]
    reject_claims(case, [second], reviewer="B. Reviewer", note="a subset, counted in 1")
    edit = edit_claim(case, first, {"bound": "range", "low": "200", "high": "۲۵۰",
                                    "claimant": "Iran Rights Group"},
                      reviewer="B. Reviewer", note="the report gives a range")
    assert edit.changes["bound_type"] == ("at_least", "range")
    assert edit.changes["value_high"] == (None, 250)
    added = add_claim(case, quote="The authorities' figure is 3,117.", category="killed",
                      value="3,117", claimant="the authorities", scope="all",
                      reviewer="A. Analyst")
    assert added.origin == "manual" and added.status == "accepted"
    assert added.document_id is None and added.value_low == added.value_high == 3117

    log = actions(case)
    assert [a for a, _ in log[-4:]] == ["claims_accept", "claims_reject", "claims_edit",
                                        "claims_add"]
    assert log[-4][1] == {"claim_ids": [first], "reviewer": "A. Analyst", "note": None,
                          "scope": "all"}
    assert log[-3][1]["note"] == "a subset, counted in 1"
    assert log[-2][1]["changes"]["value_low"] == [212.0, 200.0]
    assert log[-1][1]["fields"]["claimant"] == "the authorities"

    stored = get_claim(case, first)
    assert stored.status == "accepted" and stored.reviewer == "B. Reviewer"
    assert [h["action"] for h in stored.history] == ["proposed", "accepted", "edited"]
    assert stored.history[-1]["changes"]["claimant"] == ["the Iran Rights Group",
                                                          "Iran Rights Group"]
    rejected = get_claim(case, second)
    assert rejected.status == "rejected" and rejected.note == "a subset, counted in 1"
    assert {c.claim_id for c in list_claims(case, "accepted")} == {first, added.claim_id}
    assert verify_audit(case).ok


def test_edits_keep_the_bound_and_its_numbers_consistent(case: Case) -> None:
    claim = add_claim(case, quote="about 300 killed", category="killed", value=300,
                      bound="approx", reviewer="A")
    assert (claim.value_low, claim.value_high) == pytest.approx((270, 330))
    wider = edit_claim(case, claim.claim_id, {"tolerance": 0.2}, reviewer="A").claim
    assert (wider.value_low, wider.value_high) == pytest.approx((240, 360))
    at_most = edit_claim(case, claim.claim_id, {"bound": "at_most"}, reviewer="A").claim
    assert (at_most.value_point, at_most.value_low, at_most.value_high) == (300, 0, 300)
    vague = edit_claim(case, claim.claim_id, {"bound": "vague", "vague_term": "hundreds",
                                              "low": 200, "high": 999}, reviewer="A").claim
    assert (vague.value_point, vague.value_low, vague.value_high) == (None, 200, 999)
    exact = edit_claim(case, claim.claim_id, {"bound": "exact", "value": "1.5 million"},
                       reviewer="A").claim
    assert (exact.value_low, exact.vague_term, exact.claimed) == (1_500_000, None, "1,500,000")
    unchanged = edit_claim(case, claim.claim_id, {"value": 1_500_000}, reviewer="A")
    assert unchanged.changes == {}
    at_least = edit_claim(case, claim.claim_id, {"bound": "at_least", "low": 250},
                          reviewer="A").claim
    assert (at_least.value_point, at_least.value_low, at_least.value_high) == (250, 250, None)
    at_most = edit_claim(case, claim.claim_id, {"bound": "less_than", "high": 90},
                         reviewer="A").claim
    assert (at_most.claimed, at_most.value_low, at_most.value_high) == ("fewer than 90", 0, 90)
    # one end alone says which bound a claim added by hand has
    assert add_claim(case, quote="q", category="killed", low=7, reviewer="A").claimed == \
        "at least 7"
    assert add_claim(case, quote="q", category="killed", high=7, reviewer="A").claimed == \
        "at most 7"


@pytest.mark.parametrize(("changes", "message", "hint"), [
    ({"category": "murdered"}, "category: 'murdered' is not allowed", "killed, executed"),
    ({"bound": "roughly"}, "bound: 'roughly' is not allowed", "at_least, more_than"),
    ({"unit": "raids"}, "unit: 'raids' is not allowed", "persons, events, cases"),
    ({"value": "many"}, "value: 'many' is not a number", "1,500"),
    ({"value": "-5"}, "value: '-5' is not a number", None),
    ({"bound": "range", "low": 300, "high": 200}, "low (300) is above high (200)", None),
    ({"bound": "range", "low": 300, "high": ""}, "bound 'range' needs both ends", None),
    ({"bound": "vague", "low": 20, "high": 99}, "a vague claim needs its vague term", None),
    ({"value": "200-300"}, "value: '200-300' is a range", "--bound range"),
    ({"high": 300}, "bound 'at_least' takes one number, and --high does not say which",
     "--value N"),
    ({"value": 5, "low": 5}, "give --value alone", "--bound range"),
    ({"period_start": "1398/08/24"}, "period_start: '1398/08/24' is not a date",
     "YYYY-MM-DD"),
    ({"period_start": "2019-12-01", "period_end": "2019-11-01"}, "starts (2019-12-01) after",
     None),
    ({"scope": "Tehran"}, "scope: 'Tehran' is not a part of this case", "--scope all"),
    ({"tolerance": 2}, "tolerance: 2 is outside 0 to 1", None),
    ({"parent": 999}, "there is no claim 999", None),
    ({"status": "accepted"}, "the status is not edited", "claims accept"),
    ({"colour": "red"}, "'colour' is not a field", "category, unit"),
    ({"quote": "something else"}, "is the document's own sentence", "--translation"),
    ({}, "nothing to change", None),
])
def test_edit_errors_name_the_field_and_what_is_allowed(
        case: Case, documents: dict[str, Path], changes: dict[str, Any], message: str,
        hint: str | None) -> None:
    claim = extract_into_case(case, documents["en"]).claims[0]
    before = len(actions(case))
    with pytest.raises(FullcountError) as info:
        edit_claim(case, claim.claim_id, changes, reviewer="A")
    assert message in info.value.message
    if hint:
        assert hint in (info.value.hint or "")
    assert get_claim(case, claim.claim_id) == claim
    assert len(actions(case)) == before


def test_review_needs_a_reviewer_and_known_ids(case: Case) -> None:
    claim = add_claim(case, quote="212 killed", category="killed", value=212, reviewer="A",
                      status="proposed")
    with pytest.raises(FullcountError, match="say who reviews"):
        accept_claims(case, [claim.claim_id], reviewer="  ")
    with pytest.raises(FullcountError, match="there is no claim 41, 42; nothing was changed"):
        accept_claims(case, [claim.claim_id, 41, 42], reviewer="A")
    assert get_claim(case, claim.claim_id).status == "proposed"
    with pytest.raises(FullcountError, match="'maybe' is not allowed"):
        list_claims(case, "maybe")


# ---------------------------------------------------------------- comparison


def write_list(path: Path, people: list[tuple[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Name", "Province"])
        writer.writerows(people)
    return path


def build_register(case: Case, folder: Path, by_province: dict[str, int]) -> None:
    """Two lists over invented people (each on list a, every other one on list b too),
    and a register in which each name is one person."""
    people = [(f"Person {p} {i}", p) for p, n in by_province.items() for i in range(n)]
    ingest_file(case, write_list(folder / "a.csv", people), source="a")
    ingest_file(case, write_list(folder / "b.csv", people[::2]), source="b")
    case.con.execute("""
        INSERT INTO entity_records
        SELECT dense_rank() OVER (ORDER BY full_name), record_id FROM current_records""")
    case.con.execute("""
        INSERT INTO entities (entity_id, n_records, sources)
        SELECT entity_id, count(*), list(DISTINCT source ORDER BY source)
        FROM entity_records JOIN current_records USING (record_id) GROUP BY entity_id""")


def add_estimate(case: Case, method: str, point: float, lower: float, upper: float, *,
                 stratum: str = "all", run_id: str = "run1", recommended: bool = False,
                 linkage: dict[str, float] | None = None, left_out: str | None = None,
                 n_observed: int = 100) -> None:
    estimate_id = case.con.execute(
        "SELECT coalesce(max(estimate_id), 0) + 1 FROM estimates").fetchone()[0]
    diagnostics: dict[str, Any] = {}
    if recommended:
        diagnostics["recommended"] = {"reasons": ["chosen"], "disagreement": False,
                                      "checks_passed": True}
    if linkage:
        diagnostics["linkage"] = linkage
    settings = {"left_out": left_out} if left_out else {}
    case.con.execute(
        "INSERT INTO estimates VALUES (?, ?, ?, ?, ?, ?, ?, 0.95, ?, ?, 1, 'v', 'test', ?, "
        "'[]', ?)",
        [estimate_id, run_id, method, stratum, point, lower, upper, n_observed,
         json.dumps(settings),
         json.dumps(diagnostics), utc_now()])


def claim(case: Case, scope: str | None = "all", **fields: Any) -> int:
    fields.setdefault("category", "killed")
    fields.setdefault("quote", "A claim.")
    return add_claim(case, reviewer="A. Analyst", scope=scope, **fields).claim_id


def verdicts(case: Case, **options: Any) -> dict[int, ClaimComparison]:
    return {c.claim_id: c for c in compare_claims(case, **options)}


@pytest.fixture
def registered(case: Case, tmp_path: Path) -> Case:
    """100 documented people: 60 in North, 40 in South."""
    build_register(case, tmp_path, {"North": 60, "South": 40})
    assert case.con.execute("SELECT count(*) FROM entities").fetchone()[0] == 100
    return case


def test_every_verdict_with_its_reasoning(registered: Case) -> None:
    case = registered
    add_estimate(case, "chapman", 170, 140, 210)
    add_estimate(case, "lcmcr", 200, 150, 300, recommended=True)
    ids = {
        "consistent": claim(case, value=120, bound="at_least"),
        "below": claim(case, value=80),
        "below_open": claim(case, value=100, bound="less_than"),
        "at_documented": claim(case, value=100, bound="at_most"),
        "above": claim(case, value=400, bound="approx"),
        "above_open": claim(case, value=300, bound="more_than"),
        "at_upper": claim(case, value=300, bound="at_least"),
        "between": claim(case, low=110, high=140),
        "events": claim(case, value=41, category="attacks", unit="events"),
        "cases": claim(case, value=500, unit="cases"),
        "wounded": claim(case, value=2300, category="wounded", bound="more_than"),
        "casualties": claim(case, value=250, category="casualties"),
        "unmapped": claim(case, scope=None, value=150),
        "subgroup": claim(case, value=20, subgroup="children"),
    }
    ids["subset"] = claim(case, value=44, subgroup="children", parent=ids["consistent"])
    ids["proposed"] = add_claim(case, quote="x", category="killed", value=150,
                                reviewer="A", status="proposed").claim_id
    result = verdicts(case)
    assert ids["proposed"] not in result
    got = {name: result[i].verdict for name, i in ids.items() if name != "proposed"}
    assert got == {
        "consistent": "consistent", "below": "below_documented",
        "below_open": "below_documented", "at_documented": "below_estimate",
        "above": "above_estimate", "above_open": "above_estimate",
        "at_upper": "consistent", "between": "below_estimate",
        "events": "not_comparable", "cases": "not_comparable",
        "wounded": "not_comparable", "casualties": "not_comparable",
        "unmapped": "not_comparable", "subgroup": "not_comparable",
        "subset": "not_comparable"}

    def why(name: str) -> str:
        return result[ids[name]].reasoning

    assert why("consistent") == (
        "The claim (at least 120) meets the recommended LCMCR estimate 200 (95% interval "
        "150–300) and is not below the 100 people documented in the case.")
    assert why("below") == ("The claim (80, stated as exact) is below the 100 people "
                            "documented in the case: the evidence already exceeds it.")
    assert "fewer than 100" in why("below_open")
    assert why("above") == (
        "The claim (about 400, read as 360–440, ±10%) is above the recommended LCMCR "
        "estimate 200 (95% interval 150–300): even its lowest reading, 360, is above the "
        "upper bound 300.")
    assert "even its lowest reading, more than 300, is above" in why("above_open")
    assert why("between").startswith("The claim (110–140) is not below the 100 people "
                                     "documented in the case, but lies wholly below the "
                                     "recommended LCMCR estimate")
    assert "attacks (events), not people" in why("events")
    assert "never compared with a count of victims" in why("events")
    assert "cases" in why("cases") and "not people" in why("cases")
    assert "the wounded" in why("wounded") and "killed, executed" in why("wounded")
    assert "usually include the wounded" in why("casualties")
    assert f"claims edit {ids['unmapped']} --scope all" in why("unmapped")
    assert "counts only children" in why("subgroup")
    assert f"part (children) of claim {ids['consistent']}" in why("subset")
    assert "nor added to its whole" in why("subset")
    row = result[ids["consistent"]]
    assert row.documented == 100 and row.estimate is not None
    assert (row.estimate.method, row.estimate.lower, row.estimate.upper) == ("lcmcr", 150, 300)
    assert row.verdict_label == "consistent" and row.claimed == "at least 120"
    assert row.interval == ClaimInterval(120, None)
    assert str(result[ids["above_open"]].interval) == "(300, ∞)"
    assert str(result[ids["below_open"]].interval) == "[0, 100)"
    assert result[ids["events"]].documented is None and result[ids["events"]].estimate is None


def test_without_an_estimate_only_the_documented_count_is_compared(registered: Case) -> None:
    case = registered
    low = claim(case, value=50, bound="at_most")
    high = claim(case, value=150, bound="at_least")
    result = verdicts(case)
    assert result[low].verdict == "below_documented"
    assert result[high].verdict == "not_below_documented"
    assert result[high].reasoning == (
        "No estimate has been made yet (run `fullcount estimate`), so the claim is compared "
        "with the documented count only: the claim (at least 150) is not below the 100 "
        "people documented in the case.")
    assert result[high].verdict_label == "not below documented (no estimate)"


def test_a_case_without_a_register_compares_nothing(case: Case) -> None:
    one = claim(case, value=50)
    result = verdicts(case)
    assert result[one].verdict == "not_comparable"
    assert "no register of people yet" in result[one].reasoning


def test_which_estimate_is_used_is_explicit(registered: Case) -> None:
    case = registered
    add_estimate(case, "chapman", 170, 120, 210, run_id="old")
    add_estimate(case, "lcmcr", 900, 800, 1000, run_id="old", recommended=True)
    add_estimate(case, "chapman", 170, 140, 210, run_id="new")
    add_estimate(case, "dga", 190, 150, 260, run_id="new")
    add_estimate(case, "dga without a", 190, 20, 30, run_id="new", left_out="a")
    one = claim(case, value=230, bound="at_most")
    row = verdicts(case)[one]
    assert row.estimate is not None and row.estimate.run_id == "new"
    assert row.estimate.method == "dga" and not row.estimate.recommended
    assert row.verdict == "consistent"
    assert row.reasoning.endswith(
        "No estimate is marked recommended; DGA is used, the first available in the order "
        "LCMCR, DGA, log-linear, Chapman.")
    # the interval with linkage uncertainty is the one compared
    add_estimate(case, "lcmcr", 200, 150, 220, run_id="newest", recommended=True,
                 linkage={"point": 205, "lower": 140, "upper": 260})
    row = verdicts(case)[one]
    assert row.estimate is not None and row.estimate.with_linkage
    assert (row.estimate.lower, row.estimate.upper) == (140, 260)
    assert "with linkage uncertainty" in row.reasoning


def test_claims_about_a_stratum(registered: Case) -> None:
    case = registered
    text = (case.path / "fullcount.toml").read_text(encoding="utf-8")
    (case.path / "fullcount.toml").write_text(text.replace("by = []", 'by = ["province"]'),
                                              encoding="utf-8")
    case.reload_settings()
    add_estimate(case, "lcmcr", 80, 70, 95, stratum="North")
    add_estimate(case, "lcmcr", 50, 45, 60, stratum="South")
    add_estimate(case, "lcmcr", 130, 120, 150, stratum="total", recommended=True)
    add_estimate(case, "chapman", 70, 65, 75, stratum="North")
    north = claim(case, scope="North", value=50, bound="more_than")
    south = claim(case, scope="South", value=70)
    whole = claim(case, value=125, bound="approx")
    with pytest.raises(FullcountError, match="scope: 'East' is not a stratum") as info:
        claim(case, scope="East", value=5)
    assert "North, South" in (info.value.hint or "")
    result = verdicts(case)
    assert result[north].documented == 60 and result[north].verdict == "consistent"
    assert result[north].estimate is not None and result[north].estimate.method == "lcmcr"
    assert "recommended for the whole case" in result[north].reasoning
    assert "in North" in result[north].reasoning
    assert result[south].documented == 40 and result[south].verdict == "above_estimate"
    assert result[whole].documented == 100 and result[whole].estimate is not None
    assert result[whole].estimate.stratum == "total"
    assert result[whole].estimate.recommended and result[whole].verdict == "consistent"
    # a later run that could not estimate one stratum
    add_estimate(case, "lcmcr", 80, 70, 95, stratum="North", run_id="run2", n_observed=60)
    later = verdicts(case)
    assert later[south].verdict == "not_below_documented" and later[south].estimate is None
    assert later[south].reasoning.startswith(
        "The latest estimate run has no estimate for South, so the claim is compared with "
        "the documented count only: the claim (70, stated as exact) is not below the 40 "
        "people documented in South.")
    assert "no estimate of the whole case" in later[whole].reasoning
    # a stratum that is gone (the strata changed) is said to be outside the case
    case.con.execute("UPDATE claims SET scope = 'East' WHERE claim_id = ?", [south])
    assert "not a stratum of this case" in verdicts(case)[south].reasoning


def test_the_approximate_tolerance_is_a_parameter(registered: Case) -> None:
    case = registered
    add_estimate(case, "lcmcr", 200, 150, 300, recommended=True)
    about = claim(case, value=130, bound="approx")
    assert verdicts(case)[about].verdict == "below_estimate"  # 117–143
    wide = verdicts(case, tolerance=0.2)[about]  # 104–156
    assert wide.verdict == "consistent" and "±20%" in wide.reasoning
    edit_claim(case, about, {"tolerance": 0.2}, reviewer="A")
    assert verdicts(case)[about].verdict == "consistent"


def test_export_writes_every_claim_with_its_comparison_safely(
        registered: Case, tmp_path: Path) -> None:
    case = registered
    add_estimate(case, "lcmcr", 200, 150, 300, recommended=True)
    one = claim(case, value=120, bound="at_least", quote="=HYPERLINK(\"x\") 120 killed")
    two = add_claim(case, quote="+44 wounded", category="wounded", value=44, reviewer="A",
                    status="proposed").claim_id
    written = export_claims(case, tmp_path / "claims.csv")
    assert written == 2
    with (tmp_path / "claims.csv").open(encoding="utf-8") as handle:
        rows = {int(r["claim_id"]): r for r in csv.DictReader(handle)}
    assert rows[one]["quote"] == "'=HYPERLINK(\"x\") 120 killed"
    assert rows[two]["quote"] == "'+44 wounded"
    assert rows[one]["verdict"] == "consistent" and rows[one]["documented"] == "100"
    assert rows[one]["estimate_method"] == "lcmcr" and rows[one]["interval"] == "[120, ∞)"
    assert rows[two]["verdict"] == "" and rows[two]["status"] == "proposed"
    assert json.loads(rows[one]["history"])[0]["action"] == "added"
    assert actions(case)[-1] == ("claims_export", {"file": str(tmp_path / "claims.csv"),
                                                   "rows": 2, "status": None})


# ---------------------------------------------------------------- the commands


def test_cli_end_to_end(tmp_path: Path, documents: dict[str, Path]) -> None:
    case_dir = tmp_path / "cli-case"
    ok("init", case_dir)
    with Case.open(case_dir) as case:
        build_register(case, tmp_path, {"North": 60, "South": 40})
        add_estimate(case, "lcmcr", 200, 150, 300, recommended=True)

    extracted = ok("claims", "extract", documents["en"], "--case", case_dir)
    assert "Document 1: statement.txt (text" in extracted.stdout
    assert "6 claim(s) proposed" in extracted.stdout
    assert "at least 212" in extracted.stdout and "attacks" in extracted.stdout
    again = ok("claims", "extract", documents["en"], "--case", case_dir)
    assert "already in the case as document 1" in again.stdout
    assert "nothing was done" in again.stdout
    ok("claims", "extract", documents["fa"], "--case", case_dir)

    listed = json.loads(ok("claims", "list", "--status", "proposed", "--json",
                           "--case", case_dir).stdout)
    assert len(listed) == 9 and {c["status"] for c in listed} == {"proposed"}
    by_text = {(c["document_id"], c["quantity_text"]): c["claim_id"] for c in listed}
    killed, children = by_text[(1, "212")], by_text[(1, "44")]
    attacks, ministry = by_text[(1, "41")], by_text[(1, "3,117")]

    ok("claims", "accept", killed, children, attacks, ministry, "--scope", "all",
       "--reviewer", "A. Analyst", "--case", case_dir)
    rejected = ok("claims", "reject", by_text[(2, "۲۱۲")], "--reviewer", "A. Analyst",
                  "--note", "the same figure as claim 1", "--case", case_dir)
    assert "Rejected: claim(s)" in rejected.stdout
    edited = ok("claims", "edit", ministry, "--bound", "exact", "--value", "3,117",
                "--claimant", "the ministry", "--reviewer", "B. Reviewer", "--case", case_dir)
    assert "claimant: The ministry → the ministry" in edited.stdout
    ok("claims", "add", "--value", "150", "--bound", "at_most", "--category", "killed",
       "--quote", "No more than 150 died, officials said.", "--claimant", "officials",
       "--scope", "all", "--reviewer", "A. Analyst", "--case", case_dir)
    shown = ok("claims", "show", killed, "--case", case_dir)
    assert "accepted by A. Analyst" in shown.stdout

    compared = json.loads(ok("claims", "compare", "--json", "--case", case_dir).stdout)
    verdict = {c["claim_id"]: c["verdict"] for c in compared}
    assert verdict[killed] == "consistent"
    assert verdict[children] == "not_comparable"
    assert verdict[attacks] == "not_comparable"
    assert verdict[ministry] == "above_estimate"
    assert verdict[max(verdict)] == "consistent"
    table = ok("claims", "compare", "--case", case_dir).stdout
    assert "above the estimate" in table and "not comparable" in table

    ok("claims", "export", tmp_path / "claims.csv", "--case", case_dir)
    with (tmp_path / "claims.csv").open(encoding="utf-8") as handle:
        assert len(list(csv.DictReader(handle))) == 10

    assert "OK:" in ok("audit", "verify", "--case", case_dir).stdout


def test_cli_errors_are_clear(tmp_path: Path, documents: dict[str, Path]) -> None:
    case_dir = tmp_path / "cli-case"
    ok("init", case_dir)
    ok("claims", "extract", documents["html"], "--case", case_dir)
    result = fails("claims", "accept", "99", "--reviewer", "A", "--case", case_dir)
    assert "there is no claim 99" in result.stderr and "claims list" in result.stderr
    result = fails("claims", "edit", "1", "--category", "murdered", "--reviewer", "A",
                   "--case", case_dir)
    assert "category: 'murdered' is not allowed" in result.stderr
    assert "killed, executed, wounded" in result.stderr
    result = fails("claims", "edit", "1", "--low", "lots", "--bound", "range", "--reviewer",
                   "A", "--case", case_dir)
    assert "low: 'lots' is not a number" in result.stderr
    result = fails("claims", "accept", "1", "--case", case_dir)
    assert "say who reviews" in result.stderr and "--reviewer" in result.stderr
    unscoped = ok("claims", "accept", "1", "--reviewer", "A", "--case", case_dir)
    assert "Claim(s) 1 have no scope, so they are not compared yet" in unscoped.stdout
    result = fails("claims", "add", "--category", "killed", "--quote", "q", "--reviewer",
                   "A", "--case", case_dir)
    assert "a claim needs its number" in result.stderr and "--value N" in result.stderr
    fails("claims", "extract", tmp_path / "missing.txt", "--case", case_dir)
    fails("claims", "list", "--status", "maybe", "--case", case_dir)
    assert "OK:" in ok("audit", "verify", "--case", case_dir).stdout
