"""CaptureHistories, Estimate, Chapman, strata, leave-one-out and the estimate stage."""

from __future__ import annotations

import csv
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fullcount.case import Case
from fullcount.estimate import (
    CaptureHistories,
    Chapman,
    Estimate,
    EstimationError,
    HistoriesError,
    combine_strata,
    leave_one_out,
    read_histories_csv,
)
from fullcount.estimate.stage import estimate_histories, histories_from_case, run_estimate_stage
from fullcount.ingest import ingest_file
from fullcount.synth import generate

DATA = Path(__file__).parent / "data" / "mse"


# ------------------------------------------------------------------ CaptureHistories


def test_from_patterns_frame_and_csv_agree() -> None:
    h1 = CaptureHistories.from_csv(DATA / "Rcapture_HIV.csv")
    h2 = CaptureHistories.from_patterns(h1.pattern_counts(), lists=h1.lists)
    h3 = CaptureHistories.from_frame(h1.to_frame())
    for other in (h2, h3):
        assert other.lists == h1.lists
        assert np.array_equal(other.patterns, h1.patterns)
        assert np.array_equal(other.counts, h1.counts)
    assert h1.n_observed == 1896 and h1.k == 4
    assert h1.list_sizes() == {"c1": 466, "c2": 630, "c3": 693, "c4": 236}


def test_duplicates_are_summed_and_zero_counts_dropped() -> None:
    h = CaptureHistories.from_arrays([[1, 0], [1, 0], [0, 1], [1, 1]], [3, 4, 0, 2])
    assert h.pattern_counts() == {"10": 7, "11": 2}


def test_full_table_has_every_observable_pattern() -> None:
    h = CaptureHistories.from_patterns({"101": 5, "010": 2})
    bits, counts = h.full_table()
    assert len(bits) == 7 and counts.sum() == 7
    assert counts[int("101", 2) - 1] == 5


@pytest.mark.parametrize(("patterns", "counts", "message"), [
    ([[1, 0, 0]], [1], None),
    ([[1]], [3], "at least 2 lists"),
    ([[0, 0], [1, 0]], [2, 3], "no list marked"),
    ([[1, 2]], [3], "0 or 1"),
    ([[1, 0]], [-1], "whole numbers"),
    ([[1, 0]], [1.5], "whole numbers"),
    ([[1, 0]], [float("nan")], "missing"),
    ([[1, 0]], [0], "no one was observed"),
    ([[1, 0], [0, 1]], [1], "one count per pattern"),
])
def test_bad_histories_are_rejected_clearly(patterns: list[list[float]], counts: list[float],
                                           message: str | None) -> None:
    if message is None:
        CaptureHistories.from_arrays(patterns, counts)
        return
    with pytest.raises(HistoriesError, match=message):
        CaptureHistories.from_arrays(patterns, counts)


def test_bad_pattern_strings() -> None:
    with pytest.raises(HistoriesError, match="0 and 1"):
        CaptureHistories.from_patterns({"1a": 3})
    with pytest.raises(HistoriesError, match="different lengths"):
        CaptureHistories.from_patterns({"10": 3, "111": 1})


def test_csv_errors_name_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    path.write_text("a,b,n\n1,0,3\n", encoding="utf-8")
    with pytest.raises(HistoriesError, match="no 'count' column"):
        read_histories_csv(path)
    path.write_text("a,b,count\n1,0,3\n1,x,2\n", encoding="utf-8")
    with pytest.raises(HistoriesError, match="line 3"):
        read_histories_csv(path)


def test_csv_with_strata(tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    path.write_text("stratum,a,b,count\nnorth,1,0,3\nnorth,1,1,2\nsouth,0,1,4\nsouth,1,1,1\n",
                    encoding="utf-8")
    strata = read_histories_csv(path)
    assert set(strata) == {"north", "south"}
    assert strata["south"].pattern_counts() == {"01": 4, "11": 1}


def test_without_a_list_drops_people_only_on_it() -> None:
    h = CaptureHistories.from_csv(DATA / "Rcapture_HIV.csv")
    reduced = h.without("c4")
    assert reduced.lists == ("c1", "c2", "c3")
    assert reduced.n_observed == h.n_observed - 205  # 205 people were only on c4


# ------------------------------------------------------------------------- Estimate


def test_estimate_refuses_nan_and_inconsistent_intervals() -> None:
    with pytest.raises(EstimationError, match="non-finite"):
        Estimate("x", float("nan"), 1, 2, 0.95, 1)
    with pytest.raises(EstimationError, match="does not contain"):
        Estimate("x", 5, 6, 7, 0.95, 1)


# -------------------------------------------------------------------------- Chapman


def test_chapman_formula() -> None:
    h = CaptureHistories.from_patterns({"10": 50, "01": 40, "11": 10})
    e = Chapman().fit(h).estimate_
    n1, n2, m = 60, 50, 10
    assert e.point == pytest.approx((n1 + 1) * (n2 + 1) / (m + 1) - 1)
    variance = (n1 + 1) * (n2 + 1) * (n1 - m) * (n2 - m) / ((m + 1) ** 2 * (m + 2))
    assert e.diagnostics["variance"] == pytest.approx(variance)
    assert e.n_observed <= e.lower < e.point < e.upper
    assert "Chapman" not in " ".join(e.warnings)


def test_chapman_on_two_of_several_lists_and_errors() -> None:
    h = CaptureHistories.from_csv(DATA / "Rcapture_HIV.csv")
    with pytest.raises(EstimationError, match="two lists"):
        Chapman().fit(h)
    e = Chapman(lists=("c1", "c2")).fit(h).estimate_
    assert e.diagnostics["m"] == 33 + 3 + 1  # patterns 1100, 1110, 1101
    with pytest.raises(EstimationError, match="no list named"):
        Chapman(lists=("c1", "zz")).fit(h)
    with pytest.raises(EstimationError, match="not fitted"):
        Chapman().summary()


def test_chapman_warns_on_small_overlap() -> None:
    h = CaptureHistories.from_patterns({"10": 50, "01": 40, "11": 2})
    assert any("unstable" in w for w in Chapman().fit(h).estimate_.warnings)


def test_chapman_interval_covers_truth_in_simulation() -> None:
    rng = np.random.default_rng(3)
    true_n, covered, reps = 2000, 0, 300
    for _ in range(reps):
        a = rng.random(true_n) < 0.3
        b = rng.random(true_n) < 0.25
        h = CaptureHistories.from_arrays(np.column_stack([a, b])[a | b], np.ones((a | b).sum()))
        e = Chapman().fit(h).estimate_
        covered += e.lower <= true_n <= e.upper
    assert covered / reps >= 0.92


@given(st.integers(1, 500), st.integers(1, 500), st.integers(0, 200))
@settings(max_examples=200)
def test_chapman_never_returns_nan(only_a: int, only_b: int, both: int) -> None:
    h = CaptureHistories.from_patterns({"10": only_a, "01": only_b, "11": both})
    e = Chapman().fit(h).estimate_
    assert math.isfinite(e.point) and e.lower <= e.point <= e.upper


# ------------------------------------------------------------- strata, leave-one-out


def test_combine_frequentist_strata() -> None:
    a = Estimate("m", 100, 80, 120, 0.95, 60)
    b = Estimate("m", 200, 170, 230, 0.95, 150)
    total = combine_strata({"a": a, "b": b})
    assert total.point == 300 and total.n_observed == 210
    z = 1.959963984540054
    sd = math.sqrt((40 / (2 * z)) ** 2 + (60 / (2 * z)) ** 2)
    assert total.upper == pytest.approx(300 + z * sd)
    assert total.stratum == "total"


def test_combine_bayesian_strata_sums_draws() -> None:
    rng = np.random.default_rng(0)
    d1, d2 = rng.normal(100, 5, 4000), rng.normal(300, 12, 4000)
    a = Estimate("b", float(np.median(d1)), *np.quantile(d1, [0.025, 0.975]), 0.95, 50,
                 draws=d1)
    b = Estimate("b", float(np.median(d2)), *np.quantile(d2, [0.025, 0.975]), 0.95, 200,
                 draws=d2)
    total = combine_strata({"a": a, "b": b}, seed=1)
    assert total.point == pytest.approx(400, rel=0.01)
    assert (total.upper - total.lower) / 2 == pytest.approx(1.96 * 13, rel=0.08)
    with pytest.raises(EstimationError, match="different methods"):
        combine_strata({"a": a, "c": Estimate("other", 1, 1, 1, 0.95, 1)})


def test_leave_one_out_refits_without_each_list() -> None:
    h = CaptureHistories.from_patterns({"110": 20, "101": 15, "011": 10, "100": 100,
                                        "010": 80, "001": 60, "111": 5})
    results = leave_one_out(lambda: Chapman(), h)
    assert set(results) == {"list1", "list2", "list3"}
    without_3 = Chapman().fit(h.without("list3")).estimate_
    assert results["list3"].point == without_3.point
    assert results["list3"].settings["lists"] == ["list1", "list2"]
    with pytest.raises(EstimationError, match="fewer than 2"):
        leave_one_out(lambda: Chapman(), h.without("list3"))


def test_estimate_histories_runs_methods_and_strata() -> None:
    north = CaptureHistories.from_patterns({"10": 50, "01": 40, "11": 10}, lists=["a", "b"])
    south = CaptureHistories.from_patterns({"10": 30, "01": 20, "11": 12}, lists=["a", "b"])
    run = estimate_histories({"north": north, "south": south}, ["chapman"])
    strata = {e.stratum: e for e in run.estimates}
    assert set(strata) == {"north", "south", "total"}
    assert strata["total"].point == pytest.approx(strata["north"].point + strata["south"].point)
    with pytest.raises(EstimationError, match="unknown method"):
        estimate_histories({"all": north}, ["nope"])


# ---------------------------------------------------------------- the case stage


@pytest.fixture(scope="module")
def linked_case(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """A case holding synthetic lists, with the register filled from the known truth
    (standing in for linkage, which is a later stage)."""
    root = tmp_path_factory.mktemp("stage")
    summary = generate(root / "lists", n=1500, lists=3, seed=5)
    with Case.create(root / "case") as case:
        for src in summary.sources:
            ingest_file(case, summary.out_dir / src.path, source=src.name)
        with (summary.out_dir / "truth" / "records.csv").open(encoding="utf-8") as handle:
            truth = [r for r in csv.DictReader(handle) if r["expected"] == "record"]
        case.con.execute("CREATE TEMP TABLE truth (source VARCHAR, row_number BIGINT, "
                         "person VARCHAR)")
        case.con.executemany("INSERT INTO truth VALUES (?, ?, ?)",
                             [(r["source"], int(r["row_number"]), r["person_id"])
                              for r in truth])
        case.con.execute("""
            INSERT INTO entity_records
            SELECT dense_rank() OVER (ORDER BY t.person), r.record_id
            FROM current_records r JOIN truth t USING (source, row_number)
        """)
    return root / "case", json.loads(
        (summary.out_dir / "truth" / "summary.json").read_text(encoding="utf-8"))


def test_histories_from_case_match_the_truth(linked_case: tuple[Path, dict]) -> None:
    case_dir, truth = linked_case
    with Case.open(case_dir, readonly=True) as case:
        histories, warnings = histories_from_case(case)
    assert warnings == []
    h = histories["all"]
    assert h.n_observed == truth["n_observed"]
    order = [s["name"] for s in truth["sources"]]
    assert sorted(h.lists) == sorted(order)
    # Same capture-history counts as the generator's truth (list order may differ).
    expected = {}
    for pattern, count in truth["capture_histories"].items():
        bits = dict(zip(order, pattern))
        expected["".join(bits[name] for name in h.lists)] = count
    assert h.pattern_counts() == expected


def test_stage_stores_estimates_with_their_provenance(linked_case: tuple[Path, dict],
                                                      tmp_path: Path) -> None:
    import shutil

    case_dir = tmp_path / "case"
    shutil.copytree(linked_case[0], case_dir)
    with Case.open(case_dir) as case:
        run = run_estimate_stage(case, ["chapman"])
        assert run.skipped["chapman"].startswith("Chapman needs exactly 2")
        text = (case_dir / "fullcount.toml").read_text(encoding="utf-8")
        (case_dir / "fullcount.toml").write_text(
            text.replace("by = []", 'by = ["province"]'), encoding="utf-8")
        case.reload_settings()
        strata, _ = histories_from_case(case, ["province"])
        assert len(strata) > 3
        assert sum(h.n_observed for h in strata.values()) == linked_case[1]["n_observed"]


def test_stage_without_a_register_says_what_to_do(tmp_path: Path) -> None:
    with Case.create(tmp_path / "c") as case:
        path = tmp_path / "a.csv"
        path.write_text("Name\nAli\n", encoding="utf-8")
        ingest_file(case, path, source="a")
        path2 = tmp_path / "b.csv"
        path2.write_text("Name\nSara\n", encoding="utf-8")
        ingest_file(case, path2, source="b")
        with pytest.raises(Exception, match="no register of people"):
            run_estimate_stage(case, ["chapman"])


def test_cli_estimate_histories_json(tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    path.write_text("a,b,count\n1,0,50\n0,1,40\n1,1,10\n", encoding="utf-8")
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    result = subprocess.run([sys.executable, "-m", "fullcount", "estimate", "--histories",
                             str(path), "--method", "chapman", "--json"],
                            capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert rows[0]["method"] == "chapman"
    for key in ("method", "stratum", "point", "lower", "upper", "level"):
        assert key in rows[0]
    assert rows[0]["point"] == pytest.approx(61 * 51 / 11 - 1)
    bad = subprocess.run([sys.executable, "-m", "fullcount", "estimate", "--histories",
                          str(DATA / "Rcapture_HIV.csv"), "--method", "chapman"],
                         capture_output=True, text=True, env=env, timeout=120)
    assert bad.returncode == 1 and "Chapman needs exactly 2" in bad.stderr
    assert "Traceback" not in bad.stderr
