"""LogLinear (hierarchical log-linear models, as Rcapture's closedpMS.t and closedpCI.t).

Checked against Rcapture 1.4-4 on the reference tables (selected model, number of
models and of eligible models, estimate and profile-likelihood interval), against the
closed form for two lists, and on simulated populations of known size.
"""

from __future__ import annotations

import csv
import functools
import math
import re
from itertools import combinations
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import optimize, special

from fullcount.estimate import CaptureHistories, EstimationError, HistoriesError
from fullcount.estimate._loglinear_models import (
    enumerate_models,
    interaction_terms,
    model_name,
    parse_model_name,
)
from fullcount.estimate.loglinear import LogLinear

DATA = Path(__file__).parent / "data" / "mse"

UP_TO_FIVE_LISTS = ["Rcapture_HIV", "Rcapture_lesbian", "SparseMSE_UKdat_5", "SparseMSE_Ned_5",
                    "SparseMSE_NewOrl_5", "SparseMSE_Western", "dga_example_3lists",
                    "dga_example_5lists"]
SIX_LISTS = ["Rcapture_hare", "SparseMSE_UKdat", "SparseMSE_Ned"]


def _reference(dataset: str, criterion: str) -> dict[str, object]:
    """Rcapture's closedpMS.t row for ``dataset`` and ``criterion`` ("aic" / "bic")."""
    with (DATA / "reference_estimates.csv").open(newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r["dataset"] == dataset
                and r["method"] == f"Rcapture_closedpMS_{criterion.upper()}"]
    assert len(rows) == 1, (dataset, criterion)
    row = rows[0]
    found = re.search(r"maxorder=(\d+) \((\d+) models, (\d+) eligible\); best \w+=(\[[\d,]*\])",
                      row["settings"])
    assert found, row["settings"]
    return {"max_order": int(found[1]), "models": int(found[2]), "eligible": int(found[3]),
            "model": found[4], "point": float(row["estimate_point"]),
            "lower": float(row["lo95"]), "upper": float(row["hi95"])}


@functools.cache
def _histories(dataset: str) -> CaptureHistories:
    return CaptureHistories.from_csv(DATA / f"{dataset}.csv")


@functools.cache
def _fitted(dataset: str, criterion: str) -> LogLinear:
    return LogLinear(criterion=criterion).fit(_histories(dataset))


def _relative(ours: float, theirs: float) -> float:
    return abs(ours - theirs) / abs(theirs)


def _check_against_rcapture(dataset: str, criterion: str) -> None:
    ref = _reference(dataset, criterion)
    model = _fitted(dataset, criterion)
    e = model.estimate_
    assert e.diagnostics["model"] == model.model_ == ref["model"]
    assert e.settings["max_order"] == ref["max_order"]
    assert e.diagnostics["models_fitted"] == ref["models"]
    assert e.diagnostics["models_eligible"] == ref["eligible"]
    # R prints two decimals: the estimate agrees to that (relative 1e-4), and so do the
    # interval bounds, which the brief only asks to be within 1%.
    assert _relative(e.point, ref["point"]) < 1e-4
    assert _relative(e.lower, ref["lower"]) < 1e-4
    assert _relative(e.upper, ref["upper"]) < 1e-4
    assert e.method == "loglinear" and e.settings["criterion"] == criterion
    assert e.n_observed == _histories(dataset).n_observed
    assert e.warnings == ()


# ------------------------------------------------------------------ agreement with R


@pytest.mark.parametrize("criterion", ["aic", "bic"])
@pytest.mark.parametrize("dataset", UP_TO_FIVE_LISTS)
def test_matches_rcapture_up_to_five_lists(dataset: str, criterion: str) -> None:
    _check_against_rcapture(dataset, criterion)


@pytest.mark.slow
@pytest.mark.parametrize("criterion", ["aic", "bic"])
@pytest.mark.parametrize("dataset", SIX_LISTS)
def test_matches_rcapture_six_lists(dataset: str, criterion: str) -> None:
    _check_against_rcapture(dataset, criterion)


def test_criteria_are_rcaptures() -> None:
    """AIC and BIC differ between models as deviance + 2 (or log n) per parameter."""
    table = _fitted("Rcapture_HIV", "bic").models_
    n = _histories("Rcapture_HIV").n_observed
    parameters = 15 - table["df"]
    for column, penalty in (("aic", 2.0), ("bic", math.log(n))):
        implied = table[column] - table["deviance"] - penalty * parameters
        assert np.allclose(implied, implied[0], rtol=0, atol=1e-6)
    # The BIC-selected model is the independence model: its Poisson estimate is the one
    # Rcapture's closedp.t prints for Mt, n + exp(intercept).
    best = table.index("[1,2,3,4]")
    assert table["abundance"][best] == pytest.approx(11124.58, abs=0.01)


def test_artificial_table_without_mle_is_refused_not_estimated() -> None:
    """Rcapture returned 1.2e13 here (selecting among models it had flagged)."""
    model = LogLinear()
    with pytest.raises(EstimationError, match="does not exist"):
        model.fit(_histories("SparseMSE_Artificial_3"))
    table = model.models_
    assert len(table) == 8 and not table["eligible"].any()
    # What R picked when nothing was eligible, and the absurd total it implies.
    silly = int(table.ranked("aic", eligible_only=False)[0])
    assert table.name(silly) == "[12,3]"
    assert table["abundance"][silly] > 1e12
    assert not hasattr(model, "estimate_")


# ------------------------------------------------------------------ known truths


@pytest.mark.parametrize("counts", [
    {"10": 60, "01": 40, "11": 20},
    {"10": 403, "01": 545, "11": 37},
    {"10": 3, "01": 9, "11": 11},
])
def test_two_lists_is_lincoln_petersen(counts: dict[str, int]) -> None:
    h = CaptureHistories.from_patterns(counts)
    model = LogLinear().fit(h)
    e = model.estimate_
    n1, n2, m = counts["10"] + counts["11"], counts["01"] + counts["11"], counts["11"]
    lincoln_petersen = n1 * n2 / m
    assert model.model_ == "[1,2]" and e.diagnostics["df"] == 0
    assert e.diagnostics["poisson_estimate"] == pytest.approx(lincoln_petersen, rel=1e-9)
    assert e.diagnostics["deviance"] == pytest.approx(0.0, abs=1e-8)
    # The point is the maximum of the multinomial profile likelihood over continuous N,
    # just below: where psi(N + 1) - psi(N - n + 1) + sum_j log(1 - n_j / N) = 0.
    def score(total: float) -> float:
        return (special.digamma(total + 1) - special.digamma(total - h.n_observed + 1)
                + math.log(1 - n1 / total) + math.log(1 - n2 / total))

    assert e.point == pytest.approx(optimize.brentq(score, max(n1, n2) + 1e-9,
                                                    10 * lincoln_petersen), rel=1e-7)
    assert h.n_observed <= e.lower <= e.point <= lincoln_petersen <= e.upper


def _independent_lists(rng: np.random.Generator, total: int,
                       probabilities: list[float]) -> CaptureHistories:
    captured = rng.random((total, len(probabilities))) < np.array(probabilities)
    seen = captured[captured.any(axis=1)].astype(int)
    return CaptureHistories.from_arrays(seen, np.ones(len(seen), dtype=int))


def test_intervals_cover_the_true_total_on_simulated_lists() -> None:
    rng = np.random.default_rng(20240601)
    total, replicates = 1500, 60
    true_model = selected = 0
    for _ in range(replicates):
        h = _independent_lists(rng, total, [0.25, 0.2, 0.3, 0.15])
        e = LogLinear(model="[1,2,3,4]").fit(h).estimate_
        true_model += e.lower <= total <= e.upper
        e = LogLinear().fit(h).estimate_
        selected += e.lower <= total <= e.upper
    # Nominal 95%: 57 of 60 expected; 52 or fewer would happen with probability < 1%.
    assert true_model >= 53
    assert selected >= 50  # selection adds some spurious interactions


# ------------------------------------------------------------------ the model space


@pytest.mark.parametrize(("k", "max_order", "count"), [
    (2, 1, 1), (3, 1, 1), (3, 2, 8), (4, 2, 64), (4, 3, 113), (5, 4, 6893), (6, 2, 32768),
])
def test_number_of_models_is_rcaptures(k: int, max_order: int, count: int) -> None:
    _, included = enumerate_models(k, max_order)
    assert len(included) == count
    assert len({row.tobytes() for row in included}) == count


@pytest.mark.parametrize("max_order", [2, 3])
def test_models_are_exactly_the_hierarchical_ones(max_order: int) -> None:
    """Brute force over all subsets of the interactions of four lists."""
    inter = [int(m) for m in interaction_terms(4, max_order)]
    present = set()
    for size in range(len(inter) + 1):
        for chosen in combinations(inter, size):
            terms = set(chosen)
            if all(m & ~(1 << j) in terms for m in terms if m.bit_count() > 2
                   for j in range(4) if m >> j & 1):
                present.add(frozenset(terms))
    found, included = enumerate_models(4, max_order)
    assert {frozenset(int(m) for m in found[row]) for row in included} == present


def test_model_names_round_trip() -> None:
    inter, included = enumerate_models(5, 4)
    names = [model_name(5, inter[row]) for row in included]
    assert len(set(names)) == len(names)
    for name, row in zip(names[::7], included[::7], strict=True):
        assert sorted(parse_model_name(name, 5)) == sorted(int(m) for m in inter[row])
    assert model_name(4, []) == "[1,2,3,4]"
    assert model_name(5, parse_model_name("[45,12,3]", 5)) == "[12,45,3]"
    assert model_name(4, parse_model_name("[123]", 4)) == "[123,4]"


# ------------------------------------------------------------------ API


def test_requested_model_reproduces_the_search() -> None:
    """closedpCI.t on one model gives what the AIC search selected."""
    searched = _fitted("Rcapture_HIV", "aic").estimate_
    for spelling in ("[12,3,4]", "[3,4,12]", " [12,4,3] "):
        e = LogLinear(model=spelling).fit(_histories("Rcapture_HIV")).estimate_
        assert e.diagnostics["model"] == "[12,3,4]"
        assert e.point == pytest.approx(searched.point, rel=1e-9)
        assert (e.lower, e.upper) == pytest.approx((searched.lower, searched.upper), rel=1e-9)
        assert e.diagnostics["models_fitted"] == 1


def test_requested_model_that_a_search_would_drop_says_why() -> None:
    table = _fitted("Rcapture_HIV", "bic").models_
    dropped = int(np.flatnonzero(~table["eligible"])[0])
    e = LogLinear(model=table.name(dropped)).fit(_histories("Rcapture_HIV")).estimate_
    assert any("asymptotic bias" in w for w in e.warnings)


def test_model_table_and_summary() -> None:
    model = _fitted("Rcapture_lesbian", "bic")
    table = model.models_
    assert len(table) == 113 and int(table["eligible"].sum()) == 112
    assert table["weight"].sum() == pytest.approx(1.0)
    assert table["weight"][~table["eligible"]].sum() == 0
    top = model.model_table(top=5)
    assert len(top) == 5 and top.name(0) == model.model_ == "[12,14,23,24,34]"
    assert np.all(np.diff(top["bic"]) >= 0)
    by_aic = model.model_table(top=1, by="aic")
    assert by_aic.name(0) == "[124,134,23]"
    text = model.summary()
    assert "[12,14,23,24,34]" in text and "112 of 113 models eligible" in text
    assert "6,337" in text
    assert repr(table) == "ModelTable(113 models, 112 eligible, by BIC)"


def test_averaging() -> None:
    h = _histories("Rcapture_HIV")
    selected = _fitted("Rcapture_HIV", "bic").estimate_
    e = LogLinear(average=True).fit(h).estimate_
    d = e.diagnostics
    assert e.settings["average"] is True
    assert d["weight_covered"] >= 0.999 and 1 < d["models_averaged"] <= d["models_eligible"]
    table = LogLinear(average=True).fit(h).models_
    kept = table.ranked()[:d["models_averaged"]]
    weights = table["weight"][kept] / table["weight"][kept].sum()
    assert d["averaged"][0]["model"] == "[1,2,3,4]"
    assert d["averaged"][0]["weight"] == pytest.approx(weights[0])
    # The averaged total is the weighted mean of the models' profile maxima, each a
    # little below the model's Poisson estimate.
    assert e.point == pytest.approx(np.dot(weights, table["abundance"][kept]), rel=2e-3)
    assert e.lower < e.point < e.upper
    # Model uncertainty widens the interval of the selected model.
    assert e.upper - e.lower > selected.upper - selected.lower
    # With one model the averaged interval is that model's profile interval.
    two = CaptureHistories.from_patterns({"10": 60, "01": 40, "11": 20})
    one, averaged = LogLinear().fit(two).estimate_, LogLinear(average=True).fit(two).estimate_
    assert (averaged.point, averaged.lower, averaged.upper) == pytest.approx(
        (one.point, one.lower, one.upper), rel=1e-7)


def test_level_changes_the_interval() -> None:
    h = _histories("dga_example_3lists")
    narrow = LogLinear(level=0.8).fit(h).estimate_
    wide = _fitted("dga_example_3lists", "bic").estimate_
    assert narrow.point == pytest.approx(wide.point)
    assert wide.lower < narrow.lower < narrow.point < narrow.upper < wide.upper
    assert narrow.level == 0.8


def test_get_params() -> None:
    assert LogLinear(criterion="aic", max_order=2).get_params() == {
        "criterion": "aic", "max_order": 2, "average": False, "level": 0.95, "model": None}


# ------------------------------------------------------------------ bad input


@pytest.mark.parametrize(("params", "message"), [
    ({"criterion": "aicc"}, "criterion must be"),
    ({"level": 1.0}, "level must be"),
    ({"level": 0}, "level must be"),
    ({"max_order": 0}, "max_order must be between 1 and 3"),
    ({"max_order": 4}, "max_order must be between 1 and 3"),
    ({"max_order": 2.5}, "whole number"),
    ({"max_order": True}, "whole number"),
    ({"model": "12,3,4"}, "must be written like"),
    ({"model": "[15,2]"}, "outside 1..4"),
    ({"model": "[1234]"}, "4-way interaction"),
    ({"model": "[1a,2]"}, "not a term"),
])
def test_bad_parameters_say_what_is_wrong(params: dict[str, object], message: str) -> None:
    with pytest.raises(EstimationError, match=message):
        LogLinear(**params).fit(_histories("Rcapture_HIV"))  # type: ignore[arg-type]


def test_bad_histories_say_what_is_wrong() -> None:
    with pytest.raises(EstimationError, match="takes CaptureHistories"):
        LogLinear().fit({"10": 3})  # type: ignore[arg-type]
    empty_list = CaptureHistories.from_arrays([[1, 0, 0], [1, 1, 0], [0, 1, 0]], [5, 3, 4],
                                              ["a", "b", "c"])
    with pytest.raises(EstimationError, match="list 'c' recorded nobody"):
        LogLinear().fit(empty_list)
    with pytest.raises(EstimationError, match="no one appears on more than one"):
        LogLinear().fit(CaptureHistories.from_patterns({"100": 5, "010": 3, "001": 9}))
    with pytest.raises(EstimationError, match="not fitted"):
        LogLinear().summary()
    with pytest.raises(EstimationError, match="not fitted"):
        LogLinear().model_table()


def test_seven_lists_need_an_explicit_max_order() -> None:
    rng = np.random.default_rng(3)
    h = _independent_lists(rng, 400, [0.3] * 7)
    with pytest.raises(EstimationError, match="give max_order"):
        LogLinear().fit(h)
    e = LogLinear(max_order=1).fit(h).estimate_
    assert e.diagnostics["model"] == "[1,2,3,4,5,6,7]" and e.lower <= 400 <= e.upper
    with pytest.raises(EstimationError, match="more than the"):
        LogLinear(max_order=3).fit(h)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(k=st.integers(2, 4), data=st.data())
def test_never_nan_only_estimates_or_errors(k: int, data: st.DataObject) -> None:
    counts = data.draw(st.lists(st.integers(0, 40), min_size=2**k - 1, max_size=2**k - 1))
    patterns = [[(code >> (k - 1 - j)) & 1 for j in range(k)] for code in range(1, 2**k)]
    try:
        h = CaptureHistories.from_arrays(patterns, counts)
    except HistoriesError:  # all zero: not histories at all
        return
    for params in ({}, {"criterion": "aic", "average": True}):
        try:
            e = LogLinear(**params).fit(h).estimate_
        except EstimationError as exc:
            assert exc.message
            continue
        values = (e.point, e.lower, e.upper)
        assert all(math.isfinite(v) for v in values)
        assert h.n_observed <= e.lower <= e.point <= e.upper
