"""DGA (Madigan & York model averaging over decomposable graphs) against the dga R package.

The reference rows are dga 2.0.2's posterior medians and 95% intervals in
tests/data/mse/reference_estimates.csv; their settings name the prior per cell (delta)
and the N_missing grid each was computed on.
"""

from __future__ import annotations

import csv
import math
import re
from pathlib import Path

import numpy as np
import pytest

from fullcount.estimate._graphs import decomposable_graphs
from fullcount.estimate.dga import DGA, GridPosterior, missing_grid
from fullcount.estimate.histories import CaptureHistories
from fullcount.estimate.result import EstimationError

DATA = Path(__file__).parent / "data" / "mse"


def _dga_rows() -> list[dict[str, str]]:
    with (DATA / "reference_estimates.csv").open(encoding="utf-8") as handle:
        return [row for row in csv.DictReader(handle) if row["method"] == "dga"]


DGA_ROWS = _dga_rows()


def _histories(dataset: str) -> CaptureHistories:
    return CaptureHistories.from_csv(DATA / f"{dataset}.csv")


def _simulate(rng: np.random.Generator, n_total: int, capture: np.ndarray,
              weights: list[float] | None = None) -> CaptureHistories:
    """Lists that record each of ``n_total`` people independently (given a latent class)."""
    weights = weights or [1.0]
    classes = rng.choice(len(weights), size=n_total, p=weights)
    on_list = (rng.random((n_total, capture.shape[-1])) < np.atleast_2d(capture)[classes])
    seen = on_list.any(axis=1)
    return CaptureHistories.from_arrays(on_list[seen].astype(np.uint8), np.ones(seen.sum()))


# -- graphs ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("k", "expected"), [(3, 8), (4, 61), (5, 822)])
def test_number_of_decomposable_graphs(k: int, expected: int) -> None:
    # OEIS A058862: labelled chordal graphs. For K = 4 the missing 3 are the 4-cycles.
    assert len(decomposable_graphs(k)) == expected
    assert 2 ** (k * (k - 1) // 2) - expected == {3: 0, 4: 3, 5: 202}[k]


@pytest.mark.parametrize("k", [3, 4, 5])
def test_cliques_and_separators_form_a_junction_tree(k: int) -> None:
    """Cliques minus separators count every vertex and every edge exactly once."""
    def size(mask: int) -> int:
        return mask.bit_count()

    graphs = decomposable_graphs(k)
    for graph in graphs:
        assert sum(size(c) for c in graph.cliques) - sum(size(s) for s in graph.separators) == k
        pairs = sum(math.comb(size(c), 2) for c in graph.cliques) \
            - sum(math.comb(size(s), 2) for s in graph.separators)
        assert pairs == len(graph.edges)
        assert graph.subset_coefficients().sum() == 1
    assert sum(g.is_saturated for g in graphs) == 1
    assert sum(g.is_independence for g in graphs) == 1
    names = tuple("abcde"[:k])
    notations = {g.notation(names) for g in graphs}
    assert len(notations) == len(graphs)
    assert "][".join(names) in {n.strip("[]") for n in notations}  # [a][b][c] …


# -- agreement with dga ---------------------------------------------------------------------


def _reference_grid_edge(settings: str) -> int:
    return int(re.search(r"Nmissing=0:(\d+)", settings).group(1))


@pytest.mark.parametrize("row", DGA_ROWS, ids=[r["dataset"] for r in DGA_ROWS])
def test_matches_dga_reference(row: dict[str, str]) -> None:
    histories = _histories(row["dataset"])
    k = histories.k
    # dga's suggested delta 2^-K: one prior person spread over the 2^K cells.
    assert f"delta=2^-{k};" in row["settings"]
    assert f"all {len(decomposable_graphs(k))} decomposable" in row["settings"]
    reference = [float(row[c]) for c in ("estimate_point", "lo95", "hi95")]
    assert histories.n_observed == int(row["n_observed"])

    # On dga's own grid the posterior is the same: equal to the person.
    same_grid = DGA(max_missing=_reference_grid_edge(row["settings"]), draws=0).fit(histories)
    ours = [same_grid.estimate_.point, same_grid.estimate_.lower, same_grid.estimate_.upper]
    assert ours == pytest.approx(reference, abs=1)

    # With the grid chosen automatically: within 2% (measured: within 0.04%).
    auto = DGA(draws=0).fit(histories).estimate_
    assert auto.point == pytest.approx(reference[0], rel=0.02)
    assert auto.lower == pytest.approx(reference[1], rel=0.02)
    assert auto.upper == pytest.approx(reference[2], rel=0.02)
    assert auto.method == "dga"

    degenerate = reference[1] <= histories.n_observed  # dga's lower bound: nobody missing
    assert bool(auto.warnings) == degenerate
    assert auto.diagnostics["degenerate"] == degenerate


def test_madigan_york_three_lists_top_graphs() -> None:
    model = DGA(draws=0).fit(_histories("dga_example_3lists"))
    probabilities = model.graph_probabilities_
    assert sum(probabilities.values()) == pytest.approx(1)
    assert len(probabilities) == 8
    assert list(probabilities.values()) == sorted(probabilities.values(), reverse=True)
    text = model.summary()
    assert "731" in text and "posterior over graphs" in text
    assert model.top_graphs_[0]["graph"] in text


# -- simulated populations ------------------------------------------------------------------


def test_interval_covers_known_total_for_independent_lists() -> None:
    rng = np.random.default_rng(20240601)
    capture = np.array([0.3, 0.25, 0.2, 0.15])
    covered, points = 0, []
    for _ in range(20):
        estimate = DGA(draws=0).fit(_simulate(rng, 2000, capture)).estimate_
        covered += estimate.lower <= 2000 <= estimate.upper
        points.append(estimate.point)
        assert not estimate.warnings
    assert covered >= 17  # 95% intervals: 17 of 20 or more unless something is wrong
    assert np.mean(points) == pytest.approx(2000, rel=0.05)


def test_saturated_graph_dominating_is_reported_not_estimated() -> None:
    # Two latent classes on 5 lists, 20,000 people (the reference simulation's
    # MV2016_2class design where dga returned the observed count).
    rng = np.random.default_rng(7)
    capture = np.array([[0.033, 0.033, 0.099, 0.132, 0.033],
                        [0.660, 0.825, 0.759, 0.990, 0.693]])
    histories = _simulate(rng, 20_000, capture, [0.9, 0.1])
    estimate = DGA(draws=0).fit(histories).estimate_
    assert estimate.point == histories.n_observed  # what dga returns …
    assert estimate.diagnostics["degenerate"]      # … and what we say about it
    assert estimate.diagnostics["p_saturated"] > 0.99
    assert any(w.startswith("degenerate") and "not an estimate" in w for w in estimate.warnings)
    assert any("saturated graph" in w for w in estimate.warnings)


def test_grid_edge_is_reported_not_estimated() -> None:
    # A uniform prior on N makes sparse-table posteriors improper: the grid never
    # catches the tail.
    estimate = DGA(prior="uniform", draws=0).fit(_histories("SparseMSE_Artificial_3")).estimate_
    assert any(w.startswith("degenerate") and "grid" in w for w in estimate.warnings)
    # A grid edge set too low is reported too.
    estimate = DGA(max_missing=500, draws=0).fit(_histories("SparseMSE_NewOrl_5")).estimate_
    assert any("grid edge" in w and "max_missing" in w for w in estimate.warnings)


@pytest.mark.parametrize("patterns", [
    {"100": 50, "010": 40, "001": 30},     # no overlaps at all
    {"100": 50},                           # one list recorded everyone
    {"111": 40},                           # everyone on every list
    {"100": 1, "011": 1},                  # two people
    {"11000": 3, "00110": 2, "00001": 1},  # five sparse lists
    {"1000": 400_000, "0100": 300_000, "0010": 200_000, "0001": 100_000,
     "1100": 60_000, "1010": 40_000, "0011": 20_000, "1111": 5_000},  # large counts
])
def test_sparse_and_odd_tables_give_numbers_or_warnings(patterns: dict[str, int]) -> None:
    model = DGA(draws=100, seed=1).fit(CaptureHistories.from_patterns(patterns))
    estimate = model.estimate_
    values = [estimate.point, estimate.lower, estimate.upper]
    assert all(math.isfinite(v) for v in values)
    assert estimate.n_observed <= estimate.lower <= estimate.point <= estimate.upper
    assert np.all(np.isfinite(model.posterior_.probability))
    if estimate.lower <= estimate.n_observed:
        assert estimate.warnings


# -- the posterior and its draws ------------------------------------------------------------


def test_posterior_grid_and_draws() -> None:
    histories = _histories("Rcapture_HIV")
    model = DGA(seed=3, draws=4000).fit(histories)
    posterior = model.posterior_
    assert isinstance(posterior, GridPosterior)
    assert posterior.probability.sum() == pytest.approx(1)
    assert posterior.n_total[0] == histories.n_observed
    assert posterior.quantile(0.5) == model.estimate_.point
    draws = model.estimate_.draws
    assert draws is not None and draws.shape == (4000,) and model.estimate_.seed == 3
    assert np.median(draws) == pytest.approx(model.estimate_.point, rel=0.02)
    assert np.array_equal(model.sample_draws(500, seed=9), model.sample_draws(500, seed=9))
    assert DGA(seed=3, draws=4000).fit(histories).estimate_.draws.tolist() == draws.tolist()
    # Strata combine by adding draws.
    other = DGA(seed=4).fit(_histories("Rcapture_lesbian"))
    total = model.sample_draws(2000, seed=1) + other.sample_draws(2000, seed=2)
    assert np.median(total) == pytest.approx(11220 + 5131, rel=0.03)
    assert DGA(draws=0).fit(histories).estimate_.draws is None


def test_grid_beyond_twenty_thousand_has_wider_cells() -> None:
    missing, width = missing_grid(75_840)
    assert missing[20_000] == 20_000 and np.all(width[:20_001] == 1)
    assert np.all(width[20_001:] == 3) and np.all(np.diff(missing[20_000:]) == 3)
    assert missing[-1] <= 75_840
    missing, width = missing_grid(6_260)
    assert missing.size == 6_261 and np.all(width == 1)


def test_uniform_prior_moves_the_estimate_up_slightly() -> None:
    histories = _histories("Rcapture_HIV")
    default = DGA(draws=0).fit(histories).estimate_
    uniform = DGA(prior="uniform", draws=0).fit(histories).estimate_
    assert default.point < uniform.point < default.point * 1.05
    assert uniform.settings["prior"] == "uniform"


# -- contract and bad input -----------------------------------------------------------------


def test_constructor_only_stores_parameters() -> None:
    model = DGA(delta=0.1, prior="uniform", level=0.9, max_missing=1000, draws=5, seed=2)
    assert model.get_params() == {"delta": 0.1, "prior": "uniform", "level": 0.9,
                                  "max_missing": 1000, "draws": 5, "seed": 2, "top_graphs": 5}
    assert not any(name.endswith("_") for name in vars(model))
    with pytest.raises(EstimationError, match="not fitted"):
        model.summary()
    with pytest.raises(EstimationError, match="not fitted"):
        model.sample_draws(10)
    fitted = model.fit(_histories("dga_example_3lists"))
    assert fitted is model and fitted.estimate_.level == 0.9


def test_wrong_number_of_lists_says_what_to_use() -> None:
    two = CaptureHistories.from_patterns({"10": 5, "01": 4, "11": 3})
    with pytest.raises(EstimationError, match="3 to 5 lists.*Chapman"):
        DGA().fit(two)
    with pytest.raises(EstimationError, match="3 to 5 lists.*LCMCR.*merge"):
        DGA().fit(_histories("SparseMSE_UKdat"))


@pytest.mark.parametrize(("params", "message"), [
    ({"delta": 0}, "delta"),
    ({"delta": -1.0}, "delta"),
    ({"delta": float("nan")}, "delta"),
    ({"delta": "small"}, "delta"),
    ({"prior": "jeffreys"}, r"prior must be one of \['1/N', 'uniform'\]"),
    ({"level": 1.5}, "level"),
    ({"level": 0}, "level"),
    ({"max_missing": 0}, "max_missing"),
    ({"max_missing": 2.5}, "max_missing"),
    ({"draws": -1}, "draws"),
    ({"top_graphs": 0}, "top_graphs"),
])
def test_bad_parameters_are_named(params: dict[str, object], message: str) -> None:
    with pytest.raises(EstimationError, match=message):
        DGA(**params).fit(_histories("dga_example_3lists"))


def test_fit_takes_capture_histories() -> None:
    with pytest.raises(EstimationError, match="CaptureHistories"):
        DGA().fit({"111": 4})  # type: ignore[arg-type]
    model = DGA(draws=0).fit(_histories("dga_example_3lists"))
    with pytest.raises(EstimationError, match="size"):
        model.sample_draws(-1)
