"""The validation suite: the synth knobs it varies, one tiny scenario end to end through
the function and the CLI, and its figures."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from fullcount.cli.estimate_command import DEFAULT_LINKAGE_DRAWS
from fullcount.synth import generate
from fullcount.synth.capture import draw_captures
from fullcount.synth.generator import _numpy_rng
from fullcount.synth.population import LATENT_CLASSES, draw_population
from fullcount.synth.profiles import PROFILES
from fullcount.validate import (
    LINKAGE_DRAWS,
    QUICK_SCENARIOS,
    SCENARIOS,
    Total,
    ValidationResult,
    at_heterogeneity,
    run_validation,
    scenario_named,
    score,
)

TINY = scenario_named("quick-lists-3")   # N = 300, 3 lists
SEED = 3
DRAWS = 3


def fullcount(*args: str | Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "COLUMNS": "200"}
    result = subprocess.run([sys.executable, "-m", "fullcount", *map(str, args)],
                            capture_output=True, text=True, env=env, timeout=300,
                            check=False)
    if check and result.returncode != 0:
        raise AssertionError(f"fullcount {args} failed ({result.returncode}):\n"
                             f"{result.stdout}\n{result.stderr}")
    return result


# ----------------------------------------------------------------------------------
# The synth knobs


@pytest.fixture(scope="module")
def population():
    return draw_population(_numpy_rng(1, 0), 200_000)


def odds_ratios(captured: np.ndarray) -> dict[tuple[int, int], float]:
    found = {}
    for a in range(captured.shape[1]):
        for b in range(a + 1, captured.shape[1]):
            x, y = captured[:, a], captured[:, b]
            found[(a, b)] = ((x & y).sum() * (~x & ~y).sum()) / ((x & ~y).sum() * (~x & y).sum())
    return found


def captures(population, heterogeneity: float, dependence: float) -> np.ndarray:
    return draw_captures(lambda j: _numpy_rng(1, 1, j), population, list(PROFILES),
                         heterogeneity=heterogeneity, dependence=dependence)


def test_without_heterogeneity_and_dependence_lists_are_independent(population):
    captured = captures(population, 0.0, 0.0)
    # 200,000 people: the log odds ratio's standard error is about 0.015.
    for pair, ratio in odds_ratios(captured).items():
        assert abs(math.log(ratio)) < 0.07, pair
    # and everyone is equally likely to be on a given list, whatever their class
    for j in range(captured.shape[1]):
        rates = [captured[population.latent == c, j].mean()
                 for c in range(len(LATENT_CLASSES))]
        assert max(rates) - min(rates) < 0.02, PROFILES[j].kind


def test_each_knob_brings_back_its_own_dependence(population):
    # ngo_a (0) and media_b (1): media copies the NGO; official_c (2) copies nobody.
    copying = odds_ratios(captures(population, 0.0, 1.0))
    assert copying[(0, 1)] > 1.5
    assert abs(math.log(copying[(0, 2)])) < 0.07
    heterogeneous = odds_ratios(captures(population, 1.0, 0.0))
    assert all(ratio > 1.2 for ratio in heterogeneous.values())
    captured = captures(population, 1.0, 0.0)
    high, low = (captured[population.latent == LATENT_CLASSES.index(c), 0].mean()
                 for c in ("high", "low"))
    assert high - low > 0.3
    both = odds_ratios(captures(population, 1.0, 1.0))
    assert both[(0, 1)] > heterogeneous[(0, 1)]


def test_default_knobs_keep_the_captures_of_earlier_versions(tmp_path):
    # Pinned before the knobs existed (n=300, lists=5, seed=9): at 1 and 1 they change
    # nothing (the lists' bytes are checked in test_synth).
    summary = generate(tmp_path, n=300, lists=5, seed=9)
    assert summary.capture_histories == {
        "00001": 17, "00010": 5, "00011": 7, "00100": 7, "00101": 7, "00110": 1,
        "00111": 4, "01000": 13, "01001": 9, "01011": 1, "01100": 10, "01101": 4,
        "01110": 1, "01111": 5, "10000": 14, "10001": 9, "10010": 4, "10011": 7,
        "10100": 5, "10101": 5, "10110": 1, "10111": 8, "11000": 21, "11001": 17,
        "11010": 4, "11011": 19, "11100": 12, "11101": 26, "11110": 3, "11111": 10}
    arguments = json.loads((tmp_path / "truth" / "summary.json").read_text("utf-8"))[
        "arguments"]
    assert arguments["heterogeneity"] == 1.0 and arguments["dependence"] == 1.0


def test_knobs_are_recorded_and_checked(tmp_path):
    summary = generate(tmp_path / "a", n=200, lists=3, seed=2, heterogeneity=0,
                       dependence=0.5)
    recorded = json.loads((tmp_path / "a" / "truth" / "summary.json").read_text("utf-8"))
    assert recorded["arguments"]["heterogeneity"] == 0.0 == summary.heterogeneity
    assert recorded["arguments"]["dependence"] == 0.5 == summary.dependence
    assert "homogeneous" in (tmp_path / "a" / "README.txt").read_text("utf-8")
    for bad in ({"heterogeneity": -0.1}, {"dependence": 4.0}, {"dependence": math.nan},
                {"heterogeneity": "1"}):
        with pytest.raises(ValueError):
            generate(tmp_path / "b", n=10, **bad)


# ----------------------------------------------------------------------------------
# The suite


def test_the_grid_is_the_documented_design():
    names = [s.name for s in SCENARIOS]
    assert len(set(names)) == len(names)
    assert names[0] == "baseline"
    base = SCENARIOS[0]
    assert (base.n, base.lists, base.noise, base.heterogeneity, base.dependence) == (
        2000, 4, 1.0, 1.0, 1.0)
    hold = scenario_named("assumptions-hold")
    assert (hold.heterogeneity, hold.dependence) == (0.0, 0.0)
    assert {s.heterogeneity for s in SCENARIOS} == {0.0, 0.5, 1.0}
    assert {s.dependence for s in SCENARIOS} == {0.0, 1.0}
    assert {s.noise for s in SCENARIOS} == {0.5, 1.0, 2.0}
    assert {s.lists for s in SCENARIOS} == {3, 4, 5}
    assert min(s.n for s in SCENARIOS) == 1000 and max(s.n for s in SCENARIOS) == 50_000
    # one factor at a time: every other scenario differs from the baseline in one thing,
    # except assumptions-hold (two)
    for s in SCENARIOS[1:]:
        changed = [f for f in ("n", "lists", "noise", "heterogeneity", "dependence")
                   if getattr(s, f) != getattr(base, f)]
        assert len(changed) == (2 if s is hold else 1), s.name
    assert all(s.n <= 500 for s in QUICK_SCENARIOS)
    # the suite validates what `fullcount estimate` does by default
    assert LINKAGE_DRAWS == DEFAULT_LINKAGE_DRAWS


def test_the_grid_moves_to_another_heterogeneity():
    moved = at_heterogeneity(SCENARIOS, 0.5)
    names = [s.name for s in moved]
    # scenarios without heterogeneity stay as they are; heterogeneity-0.5 is the baseline
    # at 0.5, so it runs once, under the baseline's name
    assert names[:3] == ["baseline@h0.5", "assumptions-hold", "heterogeneity-0"]
    assert "heterogeneity-0.5" not in names and len(moved) == len(SCENARIOS) - 1
    for scenario in moved:
        original = scenario_named(scenario.name.split("@")[0])
        assert scenario.heterogeneity == (0.0 if original.heterogeneity == 0 else 0.5)
        assert (scenario.n, scenario.lists, scenario.noise, scenario.dependence) == (
            original.n, original.lists, original.noise, original.dependence)
    assert at_heterogeneity([SCENARIOS[0]], 1.0) == [SCENARIOS[0]]
    with pytest.raises(Exception, match="heterogeneity must be between 0 and"):
        at_heterogeneity(SCENARIOS, 7.0)


def test_score_of_known_intervals():
    totals = [Total(90, 80, 110), Total(110, 105, 120)]
    s = score(totals, [100, 100])
    assert s["bias"] == pytest.approx(0.0)
    assert s["rmse"] == pytest.approx(0.1)
    assert s["coverage"] == 0.5
    assert s["width"] == pytest.approx(0.225)
    assert score([], []) is None


@pytest.fixture(scope="module")
def validated() -> ValidationResult:
    events = []
    result = run_validation([TINY], 2, seed=SEED, linkage_draws=DRAWS, workers=2,
                            progress=events.append)
    result.events = events  # type: ignore[attr-defined]
    return result


def test_a_tiny_scenario_runs_end_to_end(validated):
    assert [r.seed for r in validated.runs] == [SEED, SEED + 1]
    for r in validated.runs:
        assert r.error is None, r.error
        assert r.true_n == 300
        assert 0 < r.true_observed < 300
        assert abs(r.documented - r.true_observed) < 0.1 * r.true_observed
        assert 0.9 < r.linkage_f1 <= 1
        assert r.method in ("lcmcr", "dga", "loglinear")
        assert r.true_method in ("lcmcr", "dga", "loglinear")
        for total in (r.register, r.with_linkage, r.true_linkage):
            assert total is not None
            assert r.true_observed * 0.9 <= total.lower <= total.point <= total.upper
        # every method the estimate command runs on three lists, in all three versions
        assert set(r.by_method) == {"loglinear", "lcmcr", "dga"}
        assert all(set(v) == {"register", "with_linkage", "true_linkage"}
                   for v in r.by_method.values())
        assert {"synth", "ingest", "normalize", "link", "estimate", "true_estimate",
                "total"} <= set(r.seconds)
    steps = [e.step for e in validated.events]
    assert "linking" in steps and "estimating on the true linkage" in steps
    assert [e.done for e in validated.events if e.result is not None] == [1, 2]


def test_aggregates_have_sensible_values(validated):
    summary = validated.by_scenario[TINY.name]
    assert summary["runs"] == 2 and summary["failed"] == 0
    for variant in ("with_linkage", "register", "true_linkage"):
        figures = summary[variant]
        assert figures["runs"] == 2
        assert 0 <= figures["coverage"] <= 1
        assert math.isfinite(figures["bias"]) and -1 < figures["bias"] < 1
        assert figures["rmse"] >= abs(figures["bias"])
        assert figures["width"] > 0
    assert sum(summary["methods"].values()) == 2
    assert sum(summary["methods_true_linkage"].values()) == 2
    assert set(summary["by_method"]) == {"loglinear", "lcmcr", "dga"}
    data = validated.to_dict()
    json.dumps(data)  # plain data
    assert data["settings"]["seeds"] == [SEED, SEED + 1]
    assert data["overall"]["runs"] == 2
    assert TINY.name in validated.summary()


def test_cli_gives_the_same_figures_for_the_same_seed(validated, tmp_path):
    # one worker here, two in the fixture: the figures depend on the seed only
    written = tmp_path / "validation.json"
    result = fullcount("validate", "--replicates", "2", "--scenarios", TINY.name,
                       "--linkage-draws", str(DRAWS), "--seed", str(SEED), "--workers", "1",
                       "--json", "--out", written)
    data = json.loads(result.stdout)
    assert json.loads(written.read_text("utf-8"))["runs"] == data["runs"]
    assert [s["name"] for s in data["scenarios"]] == [TINY.name]
    assert data["settings"]["linkage_draws"] == DRAWS
    expected = validated.to_dict()["runs"]
    for got, want in zip(data["runs"], expected, strict=True):
        got.pop("seconds"), want.pop("seconds")
        assert got == want
    assert TINY.name in result.stderr  # a line per finished replicate


def test_cli_refuses_unknown_scenarios_and_mixed_options():
    result = fullcount("validate", "--replicates", "1", "--scenarios", "baseline,nope",
                       check=False)
    assert result.returncode == 1
    assert "unknown scenario 'nope'" in result.stderr and "Traceback" not in result.stderr
    result = fullcount("validate", "--replicates", "1", "--quick", "--scenarios", "baseline",
                       check=False)
    assert result.returncode == 1 and "--quick" in result.stderr
    result = fullcount("validate", "--replicates", "1", "--scenarios", "baseline",
                       "--heterogeneity", "7", check=False)
    assert result.returncode == 1 and "heterogeneity must be between" in result.stderr
