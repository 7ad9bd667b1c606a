"""Linkage: clustering with reviewers' decisions, the threshold the model chooses, the
checks on trained weights, and the link stage on synthetic lists (the register, checked
against the truth; hard cases across scripts; decisions; incremental linking)."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from link_fixtures import (
    CRAFTED_APART,
    CRAFTED_PEOPLE,
    CRAFTED_TWINS,
    Reference,
    copy_case,
    ingest_and_normalise,
    linked_pairs,
    new_case,
    parse_reference,
    record_id,
    register,
    source_files,
    synth_lists,
    write_crafted,
)

from fullcount.case import Case
from fullcount.cluster import cluster
from fullcount.errors import FullcountError
from fullcount.link.decisions import current_decisions, record_decision, withdraw_decision
from fullcount.link.engine import NAME_FREQUENCY
from fullcount.link.evaluate import evaluate_register
from fullcount.link.explain import explain_pair, resolve_record
from fullcount.link.model import KNOWN_DIFFERENT, VETO_LEVELS, check_weights
from fullcount.link.stage import LinkResult, best_expected_f1_threshold, run_link_stage
from fullcount.synth import SynthSummary

# The model's comparisons, in the order each pair stores its levels and weights.
COMPARISONS = ["given_name", "family_name", "father_name", "sex", "age", "date_of_death",
               "place"]
# what each pair stores and an explanation shows: the comparisons, then the full-name
# frequency correction
PARTS = [*COMPARISONS, NAME_FREQUENCY]


def _ids(*values: int) -> np.ndarray:
    return np.array(values, dtype=np.int64)


def _run(record_ids: list[int], pairs: list[tuple[int, int, float]], threshold: float = 0.5,
         must: list[tuple[int, int]] | None = None,
         cannot: list[tuple[int, int]] | None = None) -> tuple[list[set[int]], int]:
    """Cluster, returning the clusters as sets of record ids (in label order)."""
    left = np.array([a for a, _, _ in pairs], dtype=np.int64)
    right = np.array([b for _, b, _ in pairs], dtype=np.int64)
    prob = np.array([p for _, _, p in pairs], dtype=np.float64)

    def arrays(decided: list[tuple[int, int]] | None) -> tuple[np.ndarray, np.ndarray] | None:
        if decided is None:
            return None
        return _ids(*[a for a, _ in decided]), _ids(*[b for _, b in decided])

    result = cluster(np.array(record_ids, dtype=np.int64), left, right, prob, threshold,
                     must_link=arrays(must), cannot_link=arrays(cannot))
    groups: list[set[int]] = [set() for _ in range(result.n_clusters)]
    for rid, label in zip(result.record_ids, result.labels, strict=True):
        groups[int(label)].add(int(rid))
    return groups, result.cut_links


# ------------------------------------------------------------------------- clustering


def test_chains_join_and_clusters_are_numbered_by_smallest_record_id() -> None:
    # record ids in no particular order; 40-50 and 30-60 are below the threshold
    groups, cut = _run([50, 10, 30, 20, 40, 60],
                       [(10, 20, 0.9), (20, 30, 0.8), (40, 50, 0.3), (30, 60, 0.49)])
    assert groups == [{10, 20, 30}, {40}, {50}, {60}]
    assert cut == 0


def test_labels_follow_the_order_of_the_record_ids_given() -> None:
    ids = _ids(7, 3, 9, 1)
    result = cluster(ids, _ids(7), _ids(9), np.array([0.99]), 0.5)
    assert list(result.record_ids) == [7, 3, 9, 1]
    # clusters by smallest id: {1} -> 0, {3} -> 1, {7, 9} -> 2
    assert list(result.labels) == [2, 1, 2, 0]
    assert result.n_clusters == 3


def test_a_pair_at_the_threshold_links() -> None:
    assert _run([1, 2], [(1, 2, 0.7)], threshold=0.7)[0] == [{1, 2}]
    assert _run([1, 2], [(1, 2, 0.7)], threshold=0.7000001)[0] == [{1}, {2}]


def test_records_without_pairs_are_singletons_and_no_records_no_clusters() -> None:
    assert _run([5, 3, 8], [])[0] == [{3}, {5}, {8}]
    empty = cluster(_ids(), _ids(), _ids(), np.array([], dtype=np.float64), 0.5)
    assert empty.n_clusters == 0 and len(empty.labels) == 0


def test_a_pair_naming_an_unknown_record_is_an_error() -> None:
    with pytest.raises(ValueError, match="not being clustered"):
        cluster(_ids(1, 2), _ids(1), _ids(3), np.array([0.9]), 0.5)


def test_must_link_joins_across_a_gap() -> None:
    pairs = [(10, 20, 0.9), (30, 40, 0.95), (20, 30, 0.01)]
    assert _run([10, 20, 30, 40], pairs)[0] == [{10, 20}, {30, 40}]
    groups, _ = _run([10, 20, 30, 40], pairs, must=[(20, 30)])
    assert groups == [{10, 20, 30, 40}]
    # also when the two records were never a candidate pair
    groups, _ = _run([10, 20, 30, 40, 50], pairs, must=[(50, 10)])
    assert groups == [{10, 20, 50}, {30, 40}]


@pytest.mark.parametrize(("pairs", "expected"), [
    # weakest link in the middle of the chain
    ([(1, 2, 0.99), (2, 3, 0.6), (3, 4, 0.95)], [{1, 2}, {3, 4}]),
    # weakest link at one end
    ([(1, 2, 0.6), (2, 3, 0.99), (3, 4, 0.95)], [{1}, {2, 3, 4}]),
    ([(1, 2, 0.99), (2, 3, 0.95), (3, 4, 0.6)], [{1, 2, 3}, {4}]),
])
def test_cannot_link_cuts_the_weakest_link_of_a_chain(pairs: list[tuple[int, int, float]],
                                                      expected: list[set[int]]) -> None:
    groups, cut = _run([1, 2, 3, 4, 5], [*pairs, (4, 5, 0.3)], cannot=[(1, 4)])
    assert groups == [*expected, {5}]
    assert cut == 1


def test_cannot_link_inside_a_cycle_keeps_the_strongest_links() -> None:
    # 1-2-3-1 with a cannot-link on 1-3: the direct pair goes, and of the chain 1-2-3
    # the weaker link (2-3) is cut
    groups, cut = _run([1, 2, 3], [(1, 2, 0.9), (2, 3, 0.8), (1, 3, 0.97)], cannot=[(1, 3)])
    assert groups == [{1, 2}, {3}]
    assert cut == 1


def test_cannot_link_on_a_directly_linked_pair_only_splits_it() -> None:
    groups, _ = _run([1, 2, 3], [(1, 2, 0.99), (2, 3, 0.2)], cannot=[(2, 1)])
    assert groups == [{1}, {2}, {3}]


def test_cannot_link_between_separate_clusters_changes_nothing() -> None:
    groups, cut = _run([1, 2, 3, 4], [(1, 2, 0.9), (3, 4, 0.9)], cannot=[(1, 3)])
    assert groups == [{1, 2}, {3, 4}]
    assert cut == 0


def test_must_link_is_before_any_score_when_a_cannot_link_cuts() -> None:
    # the reviewer said 1 and 2 are one person: the 0.99 link 2-3 goes instead
    groups, cut = _run([1, 2, 3], [(1, 2, 0.3), (2, 3, 0.99)], must=[(1, 2)],
                       cannot=[(1, 3)])
    assert groups == [{1, 2}, {3}]
    assert cut == 1


def test_clusters_do_not_depend_on_the_order_of_the_pairs() -> None:
    pairs = [(1, 2, 0.9), (2, 3, 0.9)]
    one, _ = _run([1, 2, 3], pairs, cannot=[(1, 3)])
    other, _ = _run([1, 2, 3], pairs[::-1], cannot=[(1, 3)])
    assert one == other


def _components(n: int, edges: list[tuple[int, int]]) -> list[int]:
    """Reference connected components (union-find), as a root per node."""
    parent = list(range(n))

    def find(v: int) -> int:
        while parent[v] != v:
            v = parent[v]
        return v

    for a, b in edges:
        parent[find(a)] = find(b)
    return [find(v) for v in range(n)]


@st.composite
def graphs(draw: st.DrawFn) -> dict[str, Any]:
    n = draw(st.integers(1, 14))
    ids = draw(st.lists(st.integers(0, 10_000), min_size=n, max_size=n, unique=True))
    node_pairs = st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)).filter(
        lambda p: p[0] != p[1])
    # probabilities from a small set, so that ties and the threshold itself occur
    edges = draw(st.lists(st.tuples(node_pairs, st.sampled_from(
        [0.05, 0.2, 0.5, 0.6, 0.6, 0.8, 0.9, 0.99])), max_size=30 if n > 1 else 0))
    cannot = draw(st.lists(node_pairs, max_size=5 if n > 1 else 0))
    cannot_codes = {frozenset(p) for p in cannot}
    must = [p for p in draw(st.lists(node_pairs, max_size=3 if n > 1 else 0))
            if frozenset(p) not in cannot_codes]  # one decision per pair
    return {"ids": ids, "edges": edges, "cannot": cannot, "must": must,
            "threshold": draw(st.sampled_from([0.0, 0.5, 0.6, 0.85, 1.0]))}


@given(graphs())
@settings(max_examples=300, deadline=None)
def test_clusters_honour_cannot_links_and_are_components_otherwise(g: dict[str, Any]) -> None:
    ids = np.array(g["ids"], dtype=np.int64)
    n = len(ids)
    left = ids[[a for (a, _), _ in g["edges"]]] if g["edges"] else _ids()
    right = ids[[b for (_, b), _ in g["edges"]]] if g["edges"] else _ids()
    prob = np.array([p for _, p in g["edges"]], dtype=np.float64)

    def decided(pairs: list[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray] | None:
        return (ids[[a for a, _ in pairs]], ids[[b for _, b in pairs]]) if pairs else None

    plain = cluster(ids, left, right, prob, g["threshold"], must_link=decided(g["must"]))
    kept = [(a, b) for (a, b), p in g["edges"] if p >= g["threshold"]] + g["must"]
    reference = _components(n, kept)
    # without cannot-links: exactly the connected components of the kept links
    assert all((plain.labels[i] == plain.labels[j]) == (reference[i] == reference[j])
               for i in range(n) for j in range(n))
    assert plain.cut_links == 0
    # numbered 0..k-1 in order of each cluster's smallest record id
    smallest = {int(lab): int(ids[plain.labels == lab].min()) for lab in set(plain.labels)}
    assert sorted(smallest) == list(range(plain.n_clusters))
    assert [smallest[k] for k in range(plain.n_clusters)] == sorted(smallest.values())

    result = cluster(ids, left, right, prob, g["threshold"], must_link=decided(g["must"]),
                     cannot_link=decided(g["cannot"]))
    labels = result.labels
    for a, b in g["cannot"]:
        assert labels[a] != labels[b]
    # a refinement of the plain clusters
    assert all(plain.labels[i] == plain.labels[j]
               for i in range(n) for j in range(n) if labels[i] == labels[j])
    # nothing cut without need: a kept link left out would have joined a cannot-link pair
    for a, b in kept:
        if labels[a] != labels[b]:
            joined = {labels[a], labels[b]}
            assert any(labels[x] in joined and labels[y] in joined for x, y in g["cannot"])
    if not any(reference[x] == reference[y] for x, y in g["cannot"]):
        assert result.cut_links == 0
        assert list(result.labels) == list(plain.labels)
    smallest = {int(lab): int(ids[labels == lab].min()) for lab in set(labels)}
    assert [smallest[k] for k in range(result.n_clusters)] == sorted(smallest.values())


# ------------------------------------------------------------------------- threshold


def _brute_force_expected_f1(p: np.ndarray) -> float:
    """The best expected F1 over every threshold a pair's probability gives."""
    total = p.sum()
    best = 0.0
    for t in np.unique(p):
        chosen = p[p >= t]
        tp, fp = chosen.sum(), (1 - chosen).sum()
        best = max(best, 2 * tp / (2 * tp + fp + (total - tp)))
    return best


def _expected_f1_at(p: np.ndarray, t: float) -> float:
    chosen = p[p >= t]
    tp, fp = chosen.sum(), (1 - chosen).sum()
    return 2 * tp / (2 * tp + fp + (p.sum() - tp))


def test_threshold_without_pairs_is_one_half() -> None:
    assert best_expected_f1_threshold(np.array([])) == 0.5


def test_threshold_is_kept_within_its_bounds() -> None:
    assert best_expected_f1_threshold(np.full(50, 0.99)) == 0.95
    assert best_expected_f1_threshold(np.full(50, 0.1)) == 0.2
    # sure matches and sure non-matches: the best cut is at the matches, capped at 0.95
    mixed = np.concatenate([np.full(10, 0.99), np.full(100, 0.01)])
    assert best_expected_f1_threshold(mixed) == 0.95


def test_threshold_takes_in_a_middle_group_when_it_pays() -> None:
    # 10 pairs at 0.9, 20 at 0.6, 100 at 0.01: including the 0.6 group raises the
    # expected F1 from 0.56 to 0.81
    p = np.concatenate([np.full(10, 0.9), np.full(20, 0.6), np.full(100, 0.01)])
    assert best_expected_f1_threshold(p) == pytest.approx(0.6)
    # and leaves out one that does not: 10 at 0.9, 40 at 0.25 (0.62 without, 0.55 with)
    p = np.concatenate([np.full(10, 0.9), np.full(40, 0.25)])
    assert best_expected_f1_threshold(p) == pytest.approx(0.9)


@given(st.lists(st.floats(0.21, 0.94), min_size=1, max_size=60))
@settings(max_examples=300, deadline=None)
def test_threshold_maximises_expected_f1(values: list[float]) -> None:
    p = np.array(values)
    chosen = best_expected_f1_threshold(p)
    assert 0.2 <= chosen <= 0.95
    assert _expected_f1_at(p, chosen) == pytest.approx(_brute_force_expected_f1(p), abs=1e-9)


# ------------------------------------------------------------------- checks on weights


def _level(label: str, m: float | None, u: float | None) -> dict[str, Any]:
    return {"label_for_charts": label, "m_probability": m, "u_probability": u}


def _null() -> dict[str, Any]:
    return {"label_for_charts": "missing on either side", "is_null_level": True}


def _comparison(name: str, *levels: dict[str, Any]) -> dict[str, Any]:
    return {"output_column_name": name, "comparison_levels": [_null(), *levels]}


def _name(part: str, label: str, *, same: float = 0.8, known: float = 0.01,
          different: float = 0.05) -> dict[str, Any]:
    return _comparison(
        f"{part}_name",
        _level(f"same {label}", same, 0.01),
        _level("one is part of the other (compound name)", 0.02, 0.002),
        _level(KNOWN_DIFFERENT, known, 0.05),
        _level("same phonetic key", 0.05, 0.005),
        _level("similar spelling (Jaro-Winkler ≥ 0.9)", 0.04, 0.01),
        _level("somewhat similar (Jaro-Winkler ≥ 0.75)", 0.03, 0.1),
        _level("different", different, 0.823))


def _model(**overrides: dict[str, Any]) -> dict[str, Any]:
    """A small saved model in Splink's shape, with plausible m and u."""
    parts = {
        "given_name": _name("given", "given name"),
        "family_name": _name("family", "family name"),
        "father_name": _name("father", "father's name"),
        "sex": _comparison("sex", _level("same sex", 0.99, 0.6), _level("different", 0.01, 0.4)),
        "date_of_death": _comparison(
            "date_of_death", _level("same day", 0.6, 0.005), _level("within 2 days", 0.2, 0.01),
            _level("same month", 0.1, 0.1), _level("different", 0.1, 0.885)),
        "place": _comparison("place", _level("same town", 0.8, 0.02),
                             _level("same province", 0.1, 0.1), _level("different", 0.1, 0.88)),
    }
    parts.update(overrides)
    return {"probability_two_random_records_match": 1e-4, "comparisons": list(parts.values())}


def _levels(model: dict[str, Any], name: str) -> dict[str, dict[str, Any]]:
    comparison = next(c for c in model["comparisons"] if c["output_column_name"] == name)
    return {lv["label_for_charts"]: lv for lv in comparison["comparison_levels"]}


def _bits(level: dict[str, Any]) -> float:
    return math.log2(level["m_probability"] / level["u_probability"])


def test_check_weights_lowers_a_level_that_outweighs_a_stricter_one() -> None:
    date = _comparison(
        "date_of_death",
        _level("same day", 0.6, 0.002),        # 300
        _level("within 2 days", 0.3, 0.0005),  # 600: more than 'same day'
        _level("same month", 0.05, 0.02),
        _level("different", 0.05, 0.9775))
    model = _model(date_of_death=date)
    report = check_weights(model)
    levels = _levels(model, "date_of_death")
    assert levels["within 2 days"]["m_probability"] == pytest.approx(300 * 0.0005)
    assert levels["same day"]["m_probability"] == 0.6
    assert levels["missing on either side"] == _null()  # the null level is left alone
    ordered = [_bits(levels[k]) for k in ("same day", "within 2 days", "same month",
                                          "different")]
    assert ordered == sorted(ordered, reverse=True)
    found = [c for c in report.checks if c.comparison == "date_of_death"]
    assert [c.level for c in found] == ["within 2 days"]
    assert "stricter" in found[0].problem and "lowered" in found[0].action
    assert dict(report.weights["date_of_death"])["within 2 days"] == pytest.approx(
        math.log2(300))


def test_check_weights_repairs_a_chain_of_violations_in_order() -> None:
    place = _comparison("place", _level("same town", 0.5, 0.05),          # 10
                        _level("same province", 0.4, 0.02),              # 20
                        _level("different", 0.1, 0.001))                 # 100
    model = _model(place=place)
    check_weights(model)
    levels = _levels(model, "place")
    assert _bits(levels["same province"]) == pytest.approx(math.log2(10))
    assert _bits(levels["different"]) <= math.log2(10) + 1e-9


def test_check_weights_floors_disagreements_at_recording_error_rates() -> None:
    sex = _comparison("sex", _level("same sex", 0.99, 0.6), _level("different", 1e-12, 0.4))
    father = _name("father", "father's name")
    father["comparison_levels"][6]["m_probability"] = 1e-9  # somewhat similar
    model = _model(sex=sex, father_name=father)
    report = check_weights(model)
    assert _levels(model, "sex")["different"]["m_probability"] == pytest.approx(0.005)
    assert _levels(model, "father_name")["somewhat similar (Jaro-Winkler ≥ 0.75)"][
        "m_probability"] == pytest.approx(0.01)
    raised = {(c.comparison, c.level) for c in report.checks if "raised" in c.action}
    assert ("sex", "different") in raised
    # the sex mismatch is a recording error, not a veto: about -6.3 bits, not -38
    assert dict(report.weights["sex"])["different"] == pytest.approx(math.log2(0.005 / 0.4))


def test_check_weights_gives_an_untrained_level_its_floor() -> None:
    sex = _comparison("sex", _level("same sex", 0.99, 0.6), _level("different", None, 0.4))
    model = _model(sex=sex)
    report = check_weights(model)
    assert _levels(model, "sex")["different"]["m_probability"] == pytest.approx(0.005)
    assert any(c.comparison == "sex" and "not trained" in c.problem for c in report.checks)


def test_check_weights_flags_agreement_against_a_match() -> None:
    place = _comparison("place", _level("same town", 0.01, 0.02),
                        _level("same province", 0.01, 0.1), _level("different", 0.98, 0.88))
    report = check_weights(_model(place=place))
    problems = {(c.level, c.problem) for c in report.checks if c.comparison == "place"}
    assert ("same town", "full agreement counts against a match") in problems


def test_check_weights_known_different_names_never_count_for_a_match() -> None:
    model = _model(family_name=_name("family", "family name", known=0.2))  # +2 bits
    report = check_weights(model)
    levels = _levels(model, "family_name")
    assert _bits(levels[KNOWN_DIFFERENT]) <= _bits(levels["different"]) + 1e-9
    assert any(c.comparison == "family_name" and c.level == KNOWN_DIFFERENT
               and "counts for a match" in c.problem for c in report.checks)


def test_check_weights_caps_veto_levels_below_even_odds() -> None:
    model = _model()
    untouched = {(c["output_column_name"], lv["label_for_charts"]): lv["m_probability"]
                 for c in model["comparisons"] for lv in c["comparison_levels"]
                 if not lv.get("is_null_level")}
    report = check_weights(model)
    prior = model["probability_two_random_records_match"]
    prior_bits = math.log2(prior / (1 - prior))
    best = {c["output_column_name"]: max(_bits(lv) for lv in c["comparison_levels"]
                                         if not lv.get("is_null_level"))
            for c in model["comparisons"]}
    vetoes = {(name, label) for name, label in VETO_LEVELS if name in best}
    capped = {(c.comparison, c.level) for c in report.checks if "veto" in c.action}
    assert capped == vetoes  # none of them was strong enough on its own
    for name, label in vetoes:
        level = _levels(model, name)[label]
        everything_else = sum(max(0.0, w) for other, w in best.items() if other != name)
        # agreement on every other comparison still leaves the pair 6 bits below even odds
        assert prior_bits + everything_else + _bits(level) <= -6.0 + 1e-9
        assert dict(report.weights[name])[label] == pytest.approx(_bits(level))
    for (name, label), m in untouched.items():
        if (name, label) not in VETO_LEVELS:
            assert _levels(model, name)[label]["m_probability"] == m, (name, label)


# ----------------------------------------------------------------------- the stage

@dataclass
class Linked:
    case_dir: Path
    lists: Path
    result: LinkResult


@pytest.fixture(scope="module")
def lists(tmp_path_factory: pytest.TempPathFactory) -> SynthSummary:
    return synth_lists(tmp_path_factory.mktemp("lists"))


@pytest.fixture(scope="module")
def linked(tmp_path_factory: pytest.TempPathFactory, lists: SynthSummary) -> Linked:
    """The four synthetic lists, linked once."""
    case_dir = new_case(tmp_path_factory.mktemp("linked") / "case", source_files(lists))
    with Case.open(case_dir) as case:
        result = run_link_stage(case)
    return Linked(case_dir, lists.out_dir, result)


def test_link_stage_writes_a_register_of_every_record(linked: Linked) -> None:
    result = linked.result
    assert result.mode == "full" and result.engine == "duckdb"
    with Case.open(linked.case_dir, readonly=True) as case:
        con = case.con
        records = con.execute("SELECT count(*) FROM current_records").fetchone()[0]
        assert result.records == result.new_records == records
        # every current record in exactly one entity
        assert con.execute("""
            SELECT count(*), count(DISTINCT record_id) FROM entity_records
            WHERE record_id IN (SELECT record_id FROM current_records)""").fetchone() == (
            records, records)
        assert con.execute("SELECT count(*) FROM entity_records").fetchone()[0] == records
        entities = con.execute("SELECT count(*), sum(n_records), min(entity_id), "
                               "max(entity_id) FROM entities").fetchone()
        assert entities == (result.entities, records, 1, result.entities)
        # entities' counts and sources agree with their records
        mismatched = con.execute("""
            SELECT count(*) FROM entities n JOIN (
                SELECT e.entity_id, count(*) AS k, list(DISTINCT r.source ORDER BY r.source) AS s
                FROM entity_records e JOIN current_records r USING (record_id)
                GROUP BY e.entity_id) m USING (entity_id)
            WHERE n.n_records <> m.k OR n.sources <> m.s""").fetchone()[0]
        assert mismatched == 0
        # an entity of several records holds a link at or above the threshold; one
        # record has no link
        weakest = con.execute("""
            SELECT count(*) FILTER (WHERE n_records > 1 AND
                                    (min_link_probability IS NULL OR min_link_probability < ?)),
                   count(*) FILTER (WHERE n_records = 1 AND min_link_probability IS NOT NULL),
                   count(DISTINCT model_id), min(model_id)
            FROM entities""", [result.threshold]).fetchone()
        assert weakest == (0, 0, 1, result.model_id)
        assert 0.2 <= result.threshold <= 0.95 and result.threshold_origin == "model"


def test_pairs_are_ordered_and_hold_a_level_and_weight_per_comparison(linked: Linked) -> None:
    with Case.open(linked.case_dir, readonly=True) as case:
        con = case.con
        n, unique, disordered, wrong_length = con.execute(f"""
            SELECT count(*), count(DISTINCT (record_id_l, record_id_r)),
                   count(*) FILTER (WHERE record_id_l >= record_id_r),
                   count(*) FILTER (WHERE len(gammas) <> {len(PARTS)}
                                       OR len(weights) <> {len(PARTS)})
            FROM pairs""").fetchone()
        assert n == linked.result.pairs == linked.result.pairs_scored > 1000
        assert (unique, disordered, wrong_length) == (n, 0, 0)
        model = json.loads(con.execute("SELECT splink_model FROM link_models").fetchone()[0])
        prior = model["probability_two_random_records_match"]
        pairs = con.execute("SELECT gammas, weights, match_weight, match_probability "
                            "FROM pairs").fetchall()
    assert [c["output_column_name"] for c in model["comparisons"]] == COMPARISONS
    levels = [sum(not lv.get("is_null_level") for lv in c["comparison_levels"])
              for c in model["comparisons"]] + [2]  # name frequency: applied or not
    prior_bits = math.log2(prior / (1 - prior))
    for gammas, weights, match_weight, probability in pairs:
        assert all(-1 <= g < k for g, k in zip(gammas, levels, strict=True))
        # Splink's match weight is the prior plus the comparisons' weights
        assert match_weight == pytest.approx(prior_bits + sum(weights), abs=1e-6)
        assert probability == pytest.approx(2 ** match_weight / (1 + 2 ** match_weight),
                                            rel=1e-6, abs=1e-12)


def test_register_agrees_with_the_truth(linked: Linked) -> None:
    with Case.open(linked.case_dir, readonly=True) as case:
        ev = evaluate_register(case, linked.lists)
    print(f"\nregister vs truth: F1 {ev.f1:.4f} (precision {ev.precision:.4f}, recall "
          f"{ev.recall:.4f}), {ev.entities} people vs {ev.true_people} "
          f"({ev.entity_error:+.2%}), blocking recall {ev.blocking_recall:.4f}, "
          f"cluster F1 {ev.cluster_f1:.4f}")
    assert ev.records == linked.result.records and ev.records_without_truth == 0
    # measured (1,500 people, 4 lists, seed 5): F1 0.982 (precision 0.983, recall
    # 0.981), 1,159 people for 1,149 (+0.9%), true pairs among the kept candidate pairs
    # (match probability >= 0.001) 0.983, cluster F1 0.971
    assert ev.f1 >= 0.97
    assert ev.precision >= 0.965 and ev.recall >= 0.965
    assert abs(ev.entity_error) <= 0.02
    assert ev.blocking_recall >= 0.975
    assert ev.cluster_f1 >= 0.95
    # the capture histories the estimators will see
    assert sum(h["true"] for h in ev.histories) == ev.true_people
    assert sum(h["linked"] for h in ev.histories) == ev.entities
    worst = max(abs(h["linked"] - h["true"]) for h in ev.histories)
    assert worst <= 0.05 * max(h["true"] for h in ev.histories)


def test_trained_weights_are_plausible(linked: Linked) -> None:
    with Case.open(linked.case_dir, readonly=True) as case:
        model = json.loads(case.con.execute(
            "SELECT splink_model FROM link_models").fetchone()[0])
    weights: dict[str, dict[str, float]] = {}
    for c in model["comparisons"]:
        weights[c["output_column_name"]] = {
            lv["label_for_charts"]: _bits(lv) for lv in c["comparison_levels"]
            if not lv.get("is_null_level")}
    # what the stage reports is what it stored
    assert list(linked.result.weights) == list(weights)
    for name, reported in linked.result.weights.items():
        assert [label for label, _ in reported] == list(weights[name])
        assert [w for _, w in reported] == pytest.approx(list(weights[name].values()))
    for name, by_label in weights.items():
        top = next(iter(by_label))
        assert by_label[top] > 0, f"{name}: full agreement must count for a match"
        assert by_label["different"] < 0, f"{name}: disagreement must count against"
    date = weights["date_of_death"]
    assert date["same day"] > date["within 2 days"] > date["different"]
    assert weights["place"]["same town"] > weights["place"]["same province"]
    assert weights["age"]["same age"] > weights["age"]["different"]
    assert weights["given_name"][KNOWN_DIFFERENT] < -15  # a veto
    assert weights["father_name"][KNOWN_DIFFERENT] < -15
    assert weights["sex"]["different"] >= -8  # a typo, not a veto


def test_link_is_audited_with_the_data_version(linked: Linked) -> None:
    with Case.open(linked.case_dir, readonly=True) as case:
        entries = [json.loads(d) for (d,) in case.con.execute(
            "SELECT details FROM audit_log WHERE action = 'link'").fetchall()]
        shas = [s for (s,) in case.con.execute(
            "SELECT sha256 FROM current_sources ORDER BY file_id").fetchall()]
    assert len(entries) == 1
    assert entries[0]["mode"] == "full" and entries[0]["entities"] == linked.result.entities
    assert entries[0]["data_version"] == ",".join(shas)


# ---------------------------------------------------------- hand-made hard cases


@pytest.fixture(scope="module")
def crafted(tmp_path_factory: pytest.TempPathFactory, lists: SynthSummary) -> Path:
    """The synthetic lists (so that EM has data) and the two hand-made lists, linked."""
    root = tmp_path_factory.mktemp("crafted")
    files = source_files(lists) + write_crafted(root / "lists")
    case_dir = new_case(root / "case", files)
    with Case.open(case_dir) as case:
        run_link_stage(case)
    return case_dir


@pytest.mark.parametrize("person", list(CRAFTED_PEOPLE))
def test_one_person_across_scripts_and_spellings_is_one_entity(crafted: Path,
                                                               person: str) -> None:
    with Case.open(crafted, readonly=True) as case:
        labels = register(case)
    refs = CRAFTED_PEOPLE[person]
    entity = {labels[parse_reference(r)] for r in refs}
    assert len(entity) == 1, f"{person}: {refs} split over {len(entity)} entities"
    # and nobody else's hand-made records joined them
    others = [r for p, rs in CRAFTED_PEOPLE.items() if p != person for r in rs]
    assert [r for r in others if labels[parse_reference(r)] in entity] == []


@pytest.mark.parametrize("pair", list(CRAFTED_APART))
def test_people_who_agree_on_all_but_one_name_stay_apart(crafted: Path, pair: str) -> None:
    a_ref, b_ref = CRAFTED_APART[pair]
    with Case.open(crafted, readonly=True) as case:
        a, b = record_id(case, a_ref), record_id(case, b_ref)
        explained = explain_pair(case, a, b)
    assert not explained.same_entity
    # a veto: far below even odds, however much else agrees
    assert explained.match_probability < 0.01
    assert any(part.weight < -15 for part in explained.comparisons)


def test_twin_brothers_with_rare_names_stay_apart(crafted: Path) -> None:
    with Case.open(crafted, readonly=True) as case:
        for hassan in CRAFTED_TWINS[0]:
            for hossein in CRAFTED_TWINS[1]:
                a, b = record_id(case, hassan), record_id(case, hossein)
                explained = explain_pair(case, a, b)
                levels = {p.comparison: p.level for p in explained.comparisons}
                assert levels["given_name"] == KNOWN_DIFFERENT
                assert not explained.same_entity, (hassan, hossein)
                vetoed = case.con.execute(
                    "SELECT veto FROM pairs WHERE record_id_l = ? AND record_id_r = ?",
                    [min(a, b), max(a, b)]).fetchone()
                # kept only when it had to cut an entity; never kept as a plain link
                assert vetoed in (None, (True,))


def test_a_vetoed_pair_stays_below_even_odds(crafted: Path) -> None:
    with Case.open(crafted, readonly=True) as case:
        worst = case.con.execute(
            "SELECT max(match_weight) FROM pairs WHERE veto").fetchone()[0]
    # _apply_vetoes: "a pair in one of them stays below even odds (by 6 bits) when every
    # other comparison agrees as well as it can"
    assert worst <= -6.0


def test_twins_each_keep_their_records_across_scripts(crafted: Path) -> None:
    with Case.open(crafted, readonly=True) as case:
        for fa, en in CRAFTED_TWINS:
            assert explain_pair(case, record_id(case, fa), record_id(case, en)).same_entity


def test_explain_a_pair_of_brothers_level_by_level(crafted: Path) -> None:
    with Case.open(crafted, readonly=True) as case:
        hassan, hossein = record_id(case, "crafted_fa:6"), record_id(case, "crafted_en:7")
        explained = explain_pair(case, hossein, hassan)  # either order
        threshold = case.con.execute("SELECT threshold FROM link_models").fetchone()[0]
    assert (explained.record_id_l, explained.record_id_r) == (min(hassan, hossein),
                                                             max(hassan, hossein))
    assert [p.comparison for p in explained.comparisons] == PARTS
    levels = {p.comparison: p.level for p in explained.comparisons}
    assert levels == {
        "given_name": KNOWN_DIFFERENT, "family_name": "same family name",
        "father_name": "same father's name", "sex": "same sex", "age": "within 3 years",
        "date_of_death": "same day", "place": "same town",
        NAME_FREQUENCY: "not both names agree"}
    weights = {p.comparison: p.weight for p in explained.comparisons}
    assert weights["given_name"] < -15
    assert all(weights[k] > 0 for k in ("family_name", "father_name", "date_of_death",
                                         "place"))
    assert explained.match_weight == pytest.approx(
        explained.prior_weight + sum(weights.values()), abs=1e-6)
    assert explained.threshold == pytest.approx(threshold)
    # the compared values are shown as normalised keys, one per side
    values = {p.comparison: (p.left, p.right) for p in explained.comparisons}
    assert values["date_of_death"] == ("2022-11-21", "2022-11-21")
    assert values["place"][0] == values["place"][1] == "Isfahan, Isfahan"
    assert values["given_name"][0] != values["given_name"][1]


def test_explain_a_cross_script_pair_from_what_was_stored(crafted: Path) -> None:
    with Case.open(crafted, readonly=True) as case:
        explained = explain_pair(case, record_id(case, "crafted_fa:1"),
                                 record_id(case, "crafted_en:1"))
    assert explained.origin == "stored" and explained.same_entity
    assert explained.match_probability > 0.99
    levels = {p.comparison: p.level for p in explained.comparisons}
    assert levels["given_name"] == "same given name"
    assert levels["family_name"] == "same family name"
    assert levels["age"] == "same age"


def test_a_pair_scored_now_weighs_what_the_stage_stored(crafted: Path, tmp_path: Path) -> None:
    copy = copy_case(crafted, tmp_path / "case")
    with Case.open(copy) as case:
        sample = case.con.execute("""
            SELECT record_id_l, record_id_r FROM pairs
            ORDER BY match_probability DESC, record_id_l LIMIT 3""").fetchall()
        sample += case.con.execute("""
            SELECT record_id_l, record_id_r FROM pairs
            ORDER BY abs(match_probability - 0.5), record_id_l LIMIT 3""").fetchall()
        stored = [explain_pair(case, a, b) for a, b in sample]
        case.con.execute("DELETE FROM pairs")
        now = [explain_pair(case, a, b) for a, b in sample]
    for before, after in zip(stored, now, strict=True):
        assert (before.origin, after.origin) == ("stored", "scored now")
        assert [p.level for p in after.comparisons] == [p.level for p in before.comparisons]
        assert [p.weight for p in after.comparisons] == pytest.approx(
            [p.weight for p in before.comparisons], abs=1e-6)
        assert after.match_probability == pytest.approx(before.match_probability, abs=1e-9)


def test_record_references_resolve_or_say_what_is_wrong(crafted: Path) -> None:
    with Case.open(crafted, readonly=True) as case:
        rid = record_id(case, "crafted_en:5")
        assert resolve_record(case, "crafted_en:5") == rid
        assert resolve_record(case, f" {rid} ") == rid
        with pytest.raises(FullcountError, match="no current record is row 99 of source "
                                                 "'crafted_en'"):
            resolve_record(case, "crafted_en:99")
        with pytest.raises(FullcountError, match="not a record"):
            resolve_record(case, "Hosseini")
        with pytest.raises(FullcountError, match="no current record with id"):
            resolve_record(case, "987654321")
        with pytest.raises(FullcountError, match="two\\s+different records"):
            explain_pair(case, rid, rid)


# ------------------------------------------------------------------------ decisions


def _entity_of(case: Case, record: int) -> int:
    return int(case.con.execute("SELECT entity_id FROM entity_records WHERE record_id = ?",
                                [record]).fetchone()[0])


def _members(case: Case, record: int) -> set[int]:
    return {r for (r,) in case.con.execute("""
        SELECT record_id FROM entity_records WHERE entity_id = (
            SELECT entity_id FROM entity_records WHERE record_id = ?)""", [record]).fetchall()}


# An entity that is a whole component of the links at the threshold, with no vetoed
# pair: what clustering makes of it depends on nothing else in the case.
_SELF_CONTAINED = """
    SELECT e.entity_id FROM entities e WHERE e.n_records {size}
      AND NOT EXISTS (
        SELECT 1 FROM pairs p
        JOIN entity_records a ON a.record_id = p.record_id_l
        JOIN entity_records b ON b.record_id = p.record_id_r
        WHERE (a.entity_id = e.entity_id OR b.entity_id = e.entity_id)
          AND (p.veto OR (p.match_probability >= ? AND a.entity_id <> b.entity_id)))
    ORDER BY e.entity_id"""


def test_decisions_split_join_and_withdraw(linked: Linked, tmp_path: Path) -> None:
    copy = copy_case(linked.case_dir, tmp_path / "case")
    with Case.open(copy) as case:
        threshold = linked.result.threshold
        big = case.con.execute(_SELF_CONTAINED.format(size=">= 3"), [threshold]).fetchone()[0]
        single = [e for (e,) in case.con.execute(_SELF_CONTAINED.format(size="= 1"),
                                                 [threshold]).fetchall()[:2]]
        a, b = case.con.execute("SELECT min(record_id), max(record_id) FROM entity_records "
                                "WHERE entity_id = ?", [big]).fetchone()
        c, d = [case.con.execute("SELECT record_id FROM entity_records WHERE entity_id = ?",
                                 [e]).fetchone()[0] for e in single]
        original = _members(case, a)
        assert b in original and len(original) >= 3

        apart = record_decision(case, b, a, "non_match", reviewer="A. Analyst",
                                note="different fathers in the NGO's notes")
        assert (apart.record_id_l, apart.record_id_r) == (a, b)
        split = run_link_stage(case)
        assert split.mode == "recluster" and split.pairs_scored == 0
        assert split.decisions_applied == {"match": 0, "non_match": 1}
        # the entity is cut in two, and only in two
        assert _entity_of(case, a) != _entity_of(case, b)
        assert _members(case, a) | _members(case, b) == original

        together = record_decision(case, c, d, "match", reviewer="A. Analyst")
        joined = run_link_stage(case)
        assert joined.decisions_applied == {"match": 1, "non_match": 1}
        assert _members(case, c) == {c, d}

        # the latest decision on a pair is the one that counts; 'unsure' links nothing
        unsure = record_decision(case, a, b, "unsure", reviewer="B. Reviewer")
        assert {(x.record_id_l, x.record_id_r, x.decision) for x in current_decisions(case)} == {
            (a, b, "unsure"), (c, d, "match")}
        run_link_stage(case)
        assert _members(case, a) == original
        withdraw_decision(case, unsure.decision_id, reviewer="B. Reviewer")
        assert {x.decision for x in current_decisions(case)} == {"non_match", "match"}
        run_link_stage(case)
        assert _entity_of(case, a) != _entity_of(case, b)

        withdraw_decision(case, apart.decision_id, reviewer="A. Analyst")
        withdraw_decision(case, together.decision_id, reviewer="A. Analyst")
        assert current_decisions(case) == []
        restored = run_link_stage(case)
        assert restored.decisions_applied == {"match": 0, "non_match": 0}
        assert _members(case, a) == original
        assert _members(case, c) == {c} and _members(case, d) == {d}

        actions = [r[0] for r in case.con.execute(
            "SELECT action FROM audit_log WHERE action LIKE 'decision%' ORDER BY entry_id"
        ).fetchall()]
        assert actions == ["decision"] * 3 + ["decision_withdrawn"] * 3
        logged = json.loads(case.con.execute(
            "SELECT details FROM audit_log WHERE action = 'decision' ORDER BY entry_id "
            "LIMIT 1").fetchone()[0])
        assert logged["decision"] == "non_match" and logged["reviewer"] == "A. Analyst"
        assert logged["note"] == "different fathers in the NGO's notes"
        with pytest.raises(FullcountError, match="already withdrawn"):
            withdraw_decision(case, apart.decision_id, reviewer="A. Analyst")


def test_a_cannot_link_inside_a_chain_cuts_it(linked: Linked, tmp_path: Path) -> None:
    copy = copy_case(linked.case_dir, tmp_path / "case")
    with Case.open(copy) as case:
        # two records of a self-contained entity that are not a linked pair themselves:
        # only cutting the chain between them keeps them apart
        row = case.con.execute(f"""
            SELECT a.record_id, b.record_id FROM entity_records a
            JOIN entity_records b ON a.entity_id = b.entity_id AND a.record_id < b.record_id
            WHERE a.entity_id IN ({_SELF_CONTAINED.format(size=">= 3")})
              AND NOT EXISTS (SELECT 1 FROM pairs p WHERE p.record_id_l = a.record_id
                              AND p.record_id_r = b.record_id AND p.match_probability >= ?)
            ORDER BY a.record_id LIMIT 1""", [linked.result.threshold] * 2).fetchone()
        assert row is not None, "no entity linked through a chain in this case"
        a, b = row
        original = _members(case, a)
        record_decision(case, a, b, "non_match", reviewer="A. Analyst")
        result = run_link_stage(case)
        assert _entity_of(case, a) != _entity_of(case, b)
        assert _members(case, a) | _members(case, b) == original
        assert result.cut_links >= 1


def test_decisions_refuse_what_they_cannot_record(linked: Linked) -> None:
    with Case.open(linked.case_dir) as case:
        a, b = [r for (r,) in case.con.execute(
            "SELECT record_id FROM current_records ORDER BY record_id LIMIT 2").fetchall()]
        with pytest.raises(FullcountError, match="not a decision"):
            record_decision(case, a, b, "maybe", reviewer="A. Analyst")
        with pytest.raises(FullcountError, match="two different records"):
            record_decision(case, a, a, "match", reviewer="A. Analyst")
        with pytest.raises(FullcountError, match="reviewer"):
            record_decision(case, a, b, "match", reviewer="  ")
        with pytest.raises(FullcountError, match="not both current records"):
            record_decision(case, a, 987654321, "match", reviewer="A. Analyst")
        with pytest.raises(FullcountError, match="no decision 4242"):
            withdraw_decision(case, 4242, reviewer="A. Analyst")
        assert case.con.execute("SELECT count(*) FROM decisions").fetchone()[0] == 0


# ---------------------------------------------------------------------- incremental


@dataclass
class Incremental:
    first: LinkResult
    second: LinkResult
    third: LinkResult
    new_records: int
    old_pairs_after: int             # pairs among the first lists' records, after
    stored_threshold_after_second: float
    f1: float
    labels: dict[Reference, int]
    same_model_labels: dict[Reference, int]


@pytest.fixture(scope="module")
def incremental(tmp_path_factory: pytest.TempPathFactory, lists: SynthSummary) -> Incremental:
    """Three lists linked, the fourth ingested and linked incrementally, then once more
    with nothing new; and every pair of the final records scored afresh with the same
    stored model, for comparison."""
    files = source_files(lists)
    root = tmp_path_factory.mktemp("incremental")
    case_dir = new_case(root / "case", files[:3])
    with Case.open(case_dir) as case:
        first = run_link_stage(case)
        before = {r for (r,) in case.con.execute(
            "SELECT record_id FROM current_records").fetchall()}
        ingest_and_normalise(case, files[3:])
        second = run_link_stage(case)
        stored_threshold = case.con.execute(
            "SELECT threshold FROM link_models").fetchone()[0]
        pairs = case.con.execute("SELECT record_id_l, record_id_r FROM pairs").fetchall()
        labels = register(case)
        third = run_link_stage(case)
        f1 = evaluate_register(case, lists.out_dir).f1
        model = json.loads(case.con.execute(
            "SELECT splink_model FROM link_models").fetchone()[0])
        del model
    # every pair of the final records scored afresh with the same stored model
    rescored_dir = copy_case(case_dir, root / "rescored")
    with Case.open(rescored_dir) as case:
        rescored = run_link_stage(case, rescore=True, threshold=second.threshold)
        assert rescored.mode == "rescore" and rescored.model_id == second.model_id
        same_model_labels = register(case)
    return Incremental(
        first, second, third, second.records - len(before),
        sum(a in before and b in before for a, b in pairs), stored_threshold, f1, labels,
        same_model_labels)


def test_incremental_link_scores_only_the_new_records(incremental: Incremental) -> None:
    first, second = incremental.first, incremental.second
    assert first.mode == "full"
    assert second.mode == "incremental"
    assert second.model_id == first.model_id  # the stored model, not a new one
    assert second.new_records == incremental.new_records > 0
    assert second.records == first.records + incremental.new_records
    assert second.pairs_scored < second.pairs
    assert second.pairs == first.pairs + second.pairs_scored
    assert incremental.old_pairs_after == first.pairs  # earlier pairs kept as they were
    assert len(incremental.labels) == second.records  # every record in an entity


def test_relinking_with_nothing_new_reclusters(incremental: Incremental) -> None:
    third = incremental.third
    assert third.mode == "recluster" and third.engine == "none"
    assert third.pairs_scored == 0 and third.new_records == 0
    assert third.pairs == incremental.second.pairs
    assert third.entities == incremental.second.entities
    assert third.threshold == pytest.approx(incremental.second.threshold)


def test_incremental_register_is_as_good_as_a_full_retrain(incremental: Incremental,
                                                           linked: Linked) -> None:
    with Case.open(linked.case_dir, readonly=True) as case:
        full_f1 = evaluate_register(case, linked.lists).f1
        full_labels = register(case)
    inc_pairs = linked_pairs(incremental.labels)
    print(f"\nincremental F1 {incremental.f1:.4f}, full retrain F1 {full_f1:.4f}; "
          f"entities {incremental.second.entities} vs {linked.result.entities}; "
          f"linked pairs only incremental {len(inc_pairs - linked_pairs(full_labels))}, "
          f"only full {len(linked_pairs(full_labels) - inc_pairs)}")
    assert abs(incremental.f1 - full_f1) <= 0.01
    assert abs(incremental.second.entities - linked.result.entities) <= 0.01 * len(full_labels)


def test_incremental_register_matches_scoring_everything_with_the_same_model(
        incremental: Incremental) -> None:
    inc, fresh = linked_pairs(incremental.labels), linked_pairs(incremental.same_model_labels)
    print(f"\nincremental vs same model on all records: {len(inc)} linked pairs, "
          f"{len(inc - fresh)} only incremental, {len(fresh - inc)} only all-at-once")
    # only term frequencies differ (earlier pairs were scored with three lists' counts)
    assert len(inc ^ fresh) <= 0.01 * len(inc)


def test_incremental_link_stores_the_threshold_it_clustered_with(
        incremental: Incremental) -> None:
    assert incremental.stored_threshold_after_second == pytest.approx(
        incremental.second.threshold)
