"""Linkage uncertainty: linkages drawn from the match probabilities, reviewers' decisions
held in every draw, and estimates combined over the draws (pooled posterior draws for
LCMCR and DGA, Rubin's rules on log N for log-linear models and Chapman).

Most tests use a small hand-made register: synthetic lists ingested, the register taken
from the generator's truth, and candidate pairs written directly (every two records of
one person, plus pairs of records of different people), so that each test can set the
match probabilities it needs. One test links with the real link stage."""

from __future__ import annotations

import csv
import json
import math
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest
from link_fixtures import new_case, source_files, synth_lists
from scipy.stats import t

from fullcount.case import Case
from fullcount.estimate import LCMCR, CaptureHistories, Estimate, EstimationError
from fullcount.estimate.dga import DGA
from fullcount.estimate.linkage import (
    CandidateLinks,
    estimate_over_linkages,
    linkage_uncertainty,
    rubin_log_scale,
    same_people,
)
from fullcount.estimate.loglinear import LogLinear
from fullcount.estimate.stage import estimate_histories, histories_from_case, run_estimate_stage
from fullcount.ingest import ingest_file
from fullcount.link.decisions import record_decision
from fullcount.synth import generate

# Short LCMCR runs: these tests check the plumbing, not LCMCR.
FAST_LCMCR = {"burnin": 300, "thinning": 2, "warmup": 100}


@dataclass
class Register:
    case_dir: Path
    person: dict[int, str]   # record id -> true person


@pytest.fixture(scope="module")
def hand_made(tmp_path_factory: pytest.TempPathFactory) -> Register:
    return build_hand_made(tmp_path_factory.mktemp("linkage"))


def build_hand_made(root: Path) -> Register:
    """400 synthetic people on 3 lists; the true register; pairs: every two records of one
    person (probability 1) and each record with the next record of someone else
    (probability 0); a linkage model with threshold 0.5."""
    summary = generate(root / "lists", n=400, lists=3, seed=11)
    with Case.create(root / "case") as case:
        for src in summary.sources:
            ingest_file(case, summary.out_dir / src.path, source=src.name)
        with (summary.out_dir / "truth" / "records.csv").open(encoding="utf-8") as handle:
            truth = {(r["source"], int(r["row_number"])): r["person_id"]
                     for r in csv.DictReader(handle) if r["expected"] == "record"}
        rows = case.con.execute("SELECT record_id, source, row_number FROM current_records "
                                "ORDER BY record_id").fetchall()
        person = {rid: truth[(source, int(row))] for rid, source, row in rows}
        ids = sorted(person)
        people = sorted(set(person.values()))
        number = {p: i + 1 for i, p in enumerate(people)}
        same = [(a, b) for i, a in enumerate(ids) for b in ids[i + 1:]
                if person[a] == person[b]]
        different = [(a, b) for a, b in pairwise(ids) if person[a] != person[b]]
        with case.transaction() as con:
            con.executemany("INSERT INTO entity_records VALUES (?, ?)",
                            [(number[person[r]], r) for r in ids])
            con.execute("""
                INSERT INTO link_models VALUES (1, now(), 'duckdb', '{}', 0.5, 'settings',
                                                '[]', '{}', 'test')""")
            con.executemany(
                "INSERT INTO pairs VALUES (?, ?, 1, 0.0, ?, [], [], false)",
                [(a, b, 1.0) for a, b in same] + [(a, b, 0.0) for a, b in different])
    return Register(root / "case", person)


@contextmanager
def copy_of(register: Register, to: Path) -> Iterator[Case]:
    shutil.copytree(register.case_dir, to)
    with Case.open(to) as case:
        yield case


def _set_probability(case: Case, value: float, where: str = "TRUE") -> None:
    case.con.execute(f"UPDATE pairs SET match_probability = ? WHERE {where}", [value])


def _baseline(histories: dict[str, CaptureHistories], method: str,
              seed: int = 1) -> dict[str, Estimate]:
    if method == "lcmcr":
        model = LCMCR(chains=2, samples=400, seed=seed, **FAST_LCMCR)
    elif method == "dga":
        model = DGA(seed=seed)
    else:
        model = LogLinear()
    return {s: model.fit(h).estimate_.with_stratum(s) for s, h in histories.items()}


# ------------------------------------------------------------------- drawing linkages


def test_certain_probabilities_draw_the_register_every_time(hand_made: Register,
                                                            tmp_path: Path) -> None:
    with copy_of(hand_made, tmp_path / "c") as case:
        links = CandidateLinks.from_case(case)
        register, _ = histories_from_case(case)
        assert set(np.unique(links.probability)) == {1.0}  # pairs at 0 never link
        for labels in links.draws(5, seed=3):
            assert same_people(labels, links.records.entity)
        assert all(h.keys() == register.keys()
                   and h["all"].pattern_counts() == register["all"].pattern_counts()
                   for h in links.sample_histories(5, seed=3))


@pytest.mark.parametrize("method", ["loglinear", "lcmcr", "dga"])
def test_certain_linkage_gives_the_estimators_own_interval(hand_made: Register,
                                                           tmp_path: Path,
                                                           method: str) -> None:
    # Every pair has probability 0 or 1: linkage adds nothing, and the interval with
    # linkage uncertainty is exactly the estimator's own (see estimate_over_linkages).
    with copy_of(hand_made, tmp_path / "c") as case:
        histories, _ = histories_from_case(case)
        baseline = _baseline(histories, method)
        run = linkage_uncertainty(case, {method: baseline}, draws=4, seed=2,
                                  params={"lcmcr": FAST_LCMCR})
    result = run.results[method]["all"]
    assert (result.with_linkage.point, result.with_linkage.lower,
            result.with_linkage.upper) == (baseline["all"].point, baseline["all"].lower,
                                           baseline["all"].upper)
    assert result.widening == 1.0
    assert result.with_linkage.diagnostics["linkage"]["between_share"] == 0.0


def test_all_pairs_decided_by_reviewers_is_certain_linkage(hand_made: Register,
                                                           tmp_path: Path) -> None:
    with copy_of(hand_made, tmp_path / "c") as case:
        # every pair reviewed (written in one statement: record_decision is one
        # transaction per pair), then every probability a coin toss
        case.con.execute("""
            INSERT INTO decisions
            SELECT row_number() OVER (ORDER BY record_id_l, record_id_r), record_id_l,
                   record_id_r, CASE WHEN match_probability = 1 THEN 'match'
                   ELSE 'non_match' END, 't', now(), NULL, NULL
            FROM pairs""")
        _set_probability(case, 0.5)
        links = CandidateLinks.from_case(case)
        assert len(links.probability) == 0
        assert links.decided["match"] > 0 and links.decided["non_match"] > 0
        for labels in links.draws(3, seed=1):
            assert same_people(labels, links.records.entity)
        histories, _ = histories_from_case(case)
        baseline = _baseline(histories, "loglinear")
        run = linkage_uncertainty(case, {"loglinear": baseline}, draws=3, seed=1)
    with_linkage = run.results["loglinear"]["all"].with_linkage
    assert (with_linkage.lower, with_linkage.upper) == (baseline["all"].lower,
                                                        baseline["all"].upper)


def test_draws_vary_when_pairs_are_a_coin_toss(hand_made: Register, tmp_path: Path) -> None:
    with copy_of(hand_made, tmp_path / "c") as case:
        _set_probability(case, 0.5, "match_probability = 1")
        links = CandidateLinks.from_case(case)
        draws = links.sample_histories(20, seed=4)
    people = {sum(h.n_observed for h in d.values()) for d in draws}
    patterns = {json.dumps(d["all"].pattern_counts(), sort_keys=True) for d in draws}
    assert len(people) > 5 and len(patterns) > 10
    # true pairs that do not link split people: never fewer than the register
    register_people = len(set(hand_made.person.values()))
    assert min(people) >= register_people


def test_reviewed_decisions_and_vetoes_hold_in_every_draw(hand_made: Register,
                                                          tmp_path: Path) -> None:
    with copy_of(hand_made, tmp_path / "c") as case:
        _set_probability(case, 0.5)
        pairs = case.con.execute("SELECT record_id_l, record_id_r FROM pairs "
                                 "ORDER BY ALL").fetchall()
        matched, declined, unsure, vetoed = pairs[0], pairs[1], pairs[2], pairs[3]
        record_decision(case, *matched, "match", reviewer="t")
        record_decision(case, *declined, "non_match", reviewer="t")
        record_decision(case, *unsure, "unsure", reviewer="t")
        case.con.execute("UPDATE pairs SET veto = true, match_probability = 0.99 "
                         "WHERE record_id_l = ? AND record_id_r = ?", list(vetoed))
        # a chain of coin-toss links around the declined pair, so that only the
        # cannot-link keeps it apart
        a, b = declined
        other = next(r for r in sorted(hand_made.person) if r not in (a, b))
        case.con.executemany("INSERT INTO pairs VALUES (?, ?, 1, 0.0, 0.9, [], [], false)",
                             [tuple(sorted((a, other))), tuple(sorted((other, b)))])
        links = CandidateLinks.from_case(case)
        ids = links.records.record_ids

        def together(labels: np.ndarray, pair: tuple[int, int]) -> bool:
            i, j = np.searchsorted(ids, pair)
            return bool(labels[i] == labels[j])

        unsure_linked = []
        for labels in links.draws(40, seed=5):
            assert together(labels, matched)
            assert not together(labels, declined)
            assert not together(labels, vetoed)
            unsure_linked.append(together(labels, unsure))
    # an unsure decision leaves the pair to its probability
    assert any(unsure_linked) and not all(unsure_linked)


def test_draws_are_reproducible_with_a_seed(hand_made: Register, tmp_path: Path) -> None:
    with copy_of(hand_made, tmp_path / "c") as case:
        _set_probability(case, 0.5, "match_probability = 0")
        _set_probability(case, 0.7, "match_probability = 1")
        links = CandidateLinks.from_case(case)
        first = [labels.copy() for labels in links.draws(5, seed=9)]
        again = list(links.draws(5, seed=9))
        other = list(links.draws(5, seed=10))
        histories, _ = histories_from_case(case)
        baseline = _baseline(histories, "lcmcr")
        runs = [linkage_uncertainty(case, {"lcmcr": baseline}, draws=5, seed=seed,
                                    posterior_draws=50, params={"lcmcr": FAST_LCMCR})
                for seed in (9, 9, 10)]
        draws = links.sample_histories(5, seed=9)
    assert all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))
    assert not all(np.array_equal(a, b) for a, b in zip(first, other, strict=True))
    same, repeat, different = (r.results["lcmcr"]["all"].with_linkage for r in runs)
    assert (same.point, same.lower, same.upper) == (repeat.point, repeat.lower, repeat.upper)
    assert (same.lower, same.upper) != (different.lower, different.upper)
    # the fits run in threads, each with its own seed: one thread or two, the same result
    one, two = (estimate_over_linkages("lcmcr", draws, baseline, seed=9, threads=threads,
                                       posterior_draws=50, params=FAST_LCMCR)["all"]
                for threads in (1, 2))
    assert (one.with_linkage.lower, one.with_linkage.upper) == (
        two.with_linkage.lower, two.with_linkage.upper) == (same.lower, same.upper)


# --------------------------------------------------------------- combining the draws


def test_rubin_without_between_draw_variance_is_the_estimators_interval() -> None:
    combined = rubin_log_scale(np.full(10, 1_000.0), np.full(10, 900.0),
                               np.full(10, 1_200.0), 0.95)
    assert combined.point == pytest.approx(1_000.0, rel=1e-12)
    assert combined.lower == pytest.approx(900.0, rel=1e-12)
    assert combined.upper == pytest.approx(1_200.0, rel=1e-12)
    assert combined.info["between_variance"] == 0.0
    assert combined.info["df"]["lower"] is None  # infinite


def test_between_draw_variance_widens_the_interval() -> None:
    rng = np.random.default_rng(1)
    points = 1_000.0 * np.exp(rng.normal(0.0, 0.05, size=50))
    # every draw's own interval is as wide (on the log scale) as in the test above
    combined = rubin_log_scale(points, points * 0.9, points * 1.2, 0.95)
    theta = np.log(points)
    within_lo, within_hi = (math.log(1 / 0.9) / 1.959964) ** 2, (math.log(1.2) / 1.959964) ** 2
    between = theta.var(ddof=1)
    assert combined.info["between_variance"] == pytest.approx(between)
    assert combined.info["total_variance"]["lower"] == pytest.approx(
        within_lo + (1 + 1 / 50) * between)
    assert combined.info["total_variance"]["upper"] == pytest.approx(
        within_hi + (1 + 1 / 50) * between)
    centre = math.exp(theta.mean())
    assert combined.point == pytest.approx(centre)
    assert combined.upper / combined.lower > 1.2 / 0.9
    assert 0 < combined.info["between_share"] < 1
    # with few draws that disagree, Student's t on Rubin's degrees of freedom
    few = np.array([800.0, 1_000.0, 1_250.0])
    small = rubin_log_scale(few, few * 0.9, few * 1.2, 0.95)
    b = np.log(few).var(ddof=1)
    df = 2 * (1 + within_hi / ((1 + 1 / 3) * b)) ** 2
    assert small.info["df"]["upper"] == pytest.approx(df)
    assert small.upper == pytest.approx(math.exp(
        np.log(few).mean() + t.ppf(0.975, df) * math.sqrt(within_hi + (1 + 1 / 3) * b)))


@pytest.mark.parametrize("method", ["loglinear", "dga", "lcmcr"])
def test_uncertain_links_widen_the_interval(hand_made: Register, tmp_path: Path,
                                            method: str) -> None:
    with copy_of(hand_made, tmp_path / "c") as case:
        # a third of the true pairs are coin tosses: people split at random
        _set_probability(case, 0.5, "match_probability = 1 AND record_id_l % 3 = 0")
        histories, _ = histories_from_case(case)
        baseline = _baseline(histories, method)
        run = linkage_uncertainty(case, {method: baseline}, draws=12, seed=3,
                                  posterior_draws=200, params={"lcmcr": FAST_LCMCR})
    result = run.results[method]["all"]
    info = result.with_linkage.diagnostics["linkage"]
    assert info["distinct_histories"] > 1
    assert info["people_observed"]["max"] > info["people_observed"]["register"]
    assert result.with_linkage.upper - result.with_linkage.lower > (
        result.without.upper - result.without.lower)
    if method == "loglinear":
        assert info["between_variance"] > 0 and info["combined"].startswith("Rubin")
    else:
        # the same number of posterior draws from every linkage, pooled
        assert info["pooled_draws"] == 12 * 200


def test_draws_sharing_histories_get_their_own_posterior_draws() -> None:
    a = CaptureHistories.from_patterns({"100": 50, "010": 40, "001": 30, "110": 20,
                                        "101": 15, "011": 10, "111": 5})
    b = CaptureHistories.from_patterns({"100": 55, "010": 40, "001": 30, "110": 18,
                                        "101": 15, "011": 10, "111": 5})
    draws = [{"all": a}, {"all": a}, {"all": b}]
    baseline = {"all": DGA(seed=1).fit(a).estimate_.with_stratum("all")}
    result = estimate_over_linkages("dga", draws, baseline, seed=1, posterior_draws=100)
    info = result["all"].with_linkage.diagnostics["linkage"]
    assert info["distinct_histories"] == 2 and info["pooled_draws"] == 300


def test_draws_with_degenerate_estimates_are_flagged() -> None:
    # n-50000 of `fullcount validate`: DGA passed its checks on the register but was
    # degenerate on some drawn linkages, and pooling them gave a median at the observed
    # count with an upper end at 2.5 times the truth
    good = CaptureHistories.from_patterns({"100": 50, "010": 40, "001": 30, "110": 20,
                                           "101": 15, "011": 10, "111": 5})
    bad = CaptureHistories.from_patterns({"100": 5, "010": 5, "001": 5, "111": 150})
    baseline = {"all": DGA(seed=1).fit(good).estimate_.with_stratum("all")}
    assert not baseline["all"].warnings
    few = estimate_over_linkages("dga", [{"all": good}] * 19 + [{"all": bad}], baseline,
                                 seed=1, posterior_draws=50)
    assert not few["all"].with_linkage.warnings      # 1 of 20: within WARNED_SHARE
    many = estimate_over_linkages("dga", [{"all": good}] * 15 + [{"all": bad}] * 5,
                                  baseline, seed=1, posterior_draws=50)
    (warning,) = many["all"].with_linkage.warnings
    assert warning.startswith("5 of 20 drawn linkages gave dga estimates with a warning")
    assert "observed count" in warning
    assert many["all"].to_dict()["warnings"] == [warning]


def test_strata_are_combined_per_draw_into_a_total() -> None:
    north = CaptureHistories.from_patterns({"10": 50, "01": 40, "11": 10}, lists=["a", "b"])
    south = CaptureHistories.from_patterns({"10": 30, "01": 20, "11": 12}, lists=["a", "b"])
    south2 = CaptureHistories.from_patterns({"10": 28, "01": 18, "11": 14}, lists=["a", "b"])
    run = estimate_histories({"north": north, "south": south}, ["chapman"])
    baseline = {e.stratum: e for e in run.estimates}
    draws = [{"north": north, "south": south}, {"north": north, "south": south2}] * 3
    result = estimate_over_linkages("chapman", draws, baseline, level=0.95)
    assert set(result) == {"north", "south", "total"}
    # north is the same in every draw: its own interval; south and the total vary
    assert result["north"].with_linkage.lower == pytest.approx(baseline["north"].lower)
    assert result["north"].with_linkage.diagnostics["linkage"]["between_variance"] == 0
    for stratum in ("south", "total"):
        info = result[stratum].with_linkage.diagnostics["linkage"]
        assert info["between_variance"] > 0
        assert info["total_variance"]["upper"] > info["within_variance"]["upper"]
    with pytest.raises(EstimationError, match="at least 2"):
        estimate_over_linkages("chapman", draws[:1], baseline)


# ------------------------------------------------------------------------- the stage


def test_stage_stores_the_interval_with_linkage_uncertainty(hand_made: Register,
                                                            tmp_path: Path) -> None:
    with copy_of(hand_made, tmp_path / "c") as case:
        _set_probability(case, 0.6, "match_probability = 1 AND record_id_l % 4 = 0")
        run = run_estimate_stage(case, ["loglinear", "dga"], linkage_draws=6)
        stored = case.con.execute("SELECT method, diagnostics FROM estimates "
                                  "WHERE run_id = ?", [run.run_id]).fetchall()
        audit = json.loads(case.con.execute(
            "SELECT details FROM audit_log WHERE action = 'estimate'").fetchone()[0])
    assert run.linkage is not None and run.linkage.draws == 6
    for method, diagnostics in stored:
        linkage = json.loads(diagnostics)["linkage"]
        assert linkage["linkage_draws"] == 6 and linkage["lower"] <= linkage["upper"]
    assert audit["linkage_draws"] == 6 and audit["recommended"]["method"] in ("dga",
                                                                               "loglinear")


def test_stage_with_strata_combines_every_draw_into_a_total(hand_made: Register,
                                                            tmp_path: Path) -> None:
    with copy_of(hand_made, tmp_path / "c") as case:
        _set_probability(case, 0.6, "match_probability = 1 AND record_id_l % 4 = 0")
        settings = case.path / "fullcount.toml"
        settings.write_text(settings.read_text(encoding="utf-8").replace(
            "by = []", 'by = ["sex"]'), encoding="utf-8")
        case.reload_settings()
        run = run_estimate_stage(case, ["dga"], linkage_draws=5)
        stored = case.con.execute("SELECT stratum, diagnostics FROM estimates").fetchall()
    strata = {stratum: json.loads(diagnostics)["linkage"] for stratum, diagnostics in stored}
    assert "total" in strata and len(strata) > 2
    total = next(e for e in run.estimates if e.stratum == "total")
    assert total.diagnostics["linkage"]["pooled_draws"] == 5 * 200
    assert run.recommended is total


def test_stage_without_stored_pairs_says_so(hand_made: Register, tmp_path: Path) -> None:
    with copy_of(hand_made, tmp_path / "c") as case:
        case.con.execute("DELETE FROM link_models")
        run = run_estimate_stage(case, ["loglinear"], linkage_draws=3)
    assert run.linkage is None
    assert any("no linkage model" in w for w in run.warnings)


def test_a_stale_register_is_reported(hand_made: Register, tmp_path: Path) -> None:
    with copy_of(hand_made, tmp_path / "c") as case:
        a, b = case.con.execute("SELECT record_id_l, record_id_r FROM pairs "
                                "WHERE match_probability = 1 LIMIT 1").fetchone()
        record_decision(case, a, b, "non_match", reviewer="t")
        run = run_estimate_stage(case, ["loglinear"], linkage_draws=3)
    assert any("re-run `fullcount link`" in w for w in run.warnings)


# ---------------------------------------------------- with the link stage's own register


def test_draws_cluster_as_the_link_stage_does(tmp_path: Path) -> None:
    """Link synthetic lists, make every stored probability 0 or 1 at the threshold and
    link again: every drawn linkage is then the register the link stage wrote (vetoes,
    oversized clusters and all), and the interval is the estimator's own."""
    from fullcount.link.stage import run_link_stage

    case_dir = new_case(tmp_path / "case", source_files(synth_lists(tmp_path / "lists")))
    with Case.open(case_dir) as case:
        run_link_stage(case)
        threshold = case.con.execute("SELECT threshold FROM link_models").fetchone()[0]
        case.con.execute("UPDATE pairs SET match_probability = CASE WHEN "
                         "match_probability >= ? THEN 1.0 ELSE 0.0 END", [threshold])
        assert run_link_stage(case).mode == "recluster"
        links = CandidateLinks.from_case(case)
        assert links.cannot_link is not None  # the synthetic lists have vetoed pairs
        for labels in links.draws(3, seed=1):
            assert same_people(labels, links.records.entity)
        run = run_estimate_stage(case, ["loglinear"], linkage_draws=3)
    e = run.estimates[0]
    assert (e.diagnostics["linkage"]["lower"], e.diagnostics["linkage"]["upper"]) == (
        e.lower, e.upper)
    assert not any("re-run" in w for w in run.warnings)
