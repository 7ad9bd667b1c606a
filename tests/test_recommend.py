"""The recommended estimate: the order of preference, the checks that set a method aside,
the reasons given, the warning when methods disagree, and `fullcount estimate` marking
the recommended total."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from fullcount.estimate import CaptureHistories, Estimate
from fullcount.estimate.recommend import DISAGREEMENT_RATIO, recommend
from fullcount.estimate.stage import estimate_histories

DATA = Path(__file__).parent / "data" / "mse"

GOOD_LCMCR = {"rhat": 1.002, "ess_bulk": 2_500.0, "ess_tail": 1_800.0,
              "truncation": {"share_of_sweeps_at_cap": 0.0, "n_max": 210_000},
              "k_star": {"share_at_K_star": 0.0}}


def _estimate(method: str, point: float, lower: float, upper: float, *,
              stratum: str = "all", diagnostics: dict[str, Any] | None = None,
              warnings: tuple[str, ...] = ()) -> Estimate:
    settings = {"max_rhat": 1.01} if method == "lcmcr" else {}
    return Estimate(method=method, point=point, lower=lower, upper=upper, level=0.95,
                    n_observed=8_000, stratum=stratum, settings=settings,
                    diagnostics=diagnostics if diagnostics is not None else (
                        GOOD_LCMCR if method == "lcmcr" else {}),
                    warnings=warnings)


def test_lcmcr_leads_when_its_checks_pass_and_the_others_agree() -> None:
    chosen = recommend([_estimate("loglinear", 10_100, 9_700, 10_600),
                        _estimate("lcmcr", 10_400, 9_600, 11_500),
                        _estimate("dga", 10_250, 9_800, 10_900)], k=4)
    assert chosen is not None
    assert chosen.method == "lcmcr" and chosen.checks_passed and not chosen.disagreement
    assert chosen.estimate.point == 10_400
    assert chosen.reasons[0].startswith("LCMCR is recommended: 10,400")
    assert any("R-hat 1.002" in r for r in chosen.reasons)
    assert any("agree with it" in r and "DGA" in r and "log-linear" in r
               for r in chosen.reasons)
    assert any("Linkage uncertainty is not included" in r for r in chosen.reasons)
    assert chosen.compared == ("lcmcr", "dga", "loglinear")


@pytest.mark.parametrize(("diagnostics", "said"), [
    ({**GOOD_LCMCR, "rhat": 1.08}, "chains do not agree (R-hat 1.080"),
    ({**GOOD_LCMCR, "rhat": None}, "R-hat unknown"),
    ({**GOOD_LCMCR, "ess_tail": 150.0}, "too few effective draws (ESS 150"),
    ({**GOOD_LCMCR, "truncation": {"share_of_sweeps_at_cap": 0.02, "n_max": 210_000}},
     "reaches the cap"),
    ({**GOOD_LCMCR, "k_star": {"share_at_K_star": 0.6}}, "every latent class"),
])
def test_lcmcr_is_set_aside_when_a_check_fails(diagnostics: dict[str, Any],
                                               said: str) -> None:
    chosen = recommend([_estimate("lcmcr", 10_400, 9_600, 11_500, diagnostics=diagnostics),
                        _estimate("dga", 10_250, 9_800, 10_900),
                        _estimate("loglinear", 10_100, 9_700, 10_600)], k=4)
    assert chosen is not None and chosen.method == "dga" and chosen.checks_passed
    set_aside = next(r for r in chosen.reasons if r.startswith("LCMCR was set aside"))
    assert said in set_aside and "10,400" in set_aside  # its figure is still shown


def test_degenerate_dga_gives_way_to_log_linear() -> None:
    dga = _estimate("dga", 8_001, 8_000, 30_000, warnings=((
        "degenerate: the posterior puts 60% of its mass on no one being missed, so its "
        "median is the observed count (8,000); that is not an estimate of the total. "
        "The data do not identify the unobserved count under these models."),))
    chosen = recommend([dga, _estimate("loglinear", 10_100, 9_700, 10_600)], k=3,
                       skipped={"lcmcr": "LCMCR needs at least 3 lists"})
    assert chosen is not None and chosen.method == "loglinear"
    assert any(r.startswith("DGA was set aside: degenerate: the posterior puts 60%")
               for r in chosen.reasons)
    assert any("LCMCR was not used" in r for r in chosen.reasons)


def test_a_warning_on_the_interval_with_linkage_uncertainty_sets_a_method_aside() -> None:
    drawn = "5 of 100 drawn linkages gave dga estimates with a warning (e.g.: degenerate)"
    dga = _estimate("dga", 10_250, 9_800, 10_900, diagnostics={"linkage": {
        "point": 8_100, "lower": 8_000, "upper": 25_000, "warnings": [drawn]}})
    log_linear = _estimate("loglinear", 10_100, 9_700, 10_600, diagnostics={"linkage": {
        "point": 10_150, "lower": 9_600, "upper": 10_800, "warnings": []}})
    chosen = recommend([dga, log_linear], k=3, skipped={"lcmcr": "not run"})
    assert chosen is not None and chosen.method == "loglinear" and chosen.checks_passed
    assert any(r.startswith("DGA was set aside: with linkage uncertainty, 5 of 100 drawn")
               for r in chosen.reasons)


def test_two_lists_recommend_chapman() -> None:
    chosen = recommend([_estimate("chapman", 5_000, 4_600, 5_500),
                        _estimate("loglinear", 5_010, 4_600, 5_520)], k=2)
    assert chosen is not None and chosen.method == "chapman"
    assert "assumes that being on one list" in chosen.reasons[0]


def test_intervals_that_do_not_overlap_are_a_disagreement() -> None:
    chosen = recommend([_estimate("lcmcr", 10_400, 9_600, 11_500),
                        _estimate("loglinear", 14_000, 12_800, 15_200)], k=4)
    assert chosen is not None and chosen.method == "lcmcr" and chosen.disagreement
    sentence = next(r for r in chosen.reasons if "disagree widely" in r)
    assert "do not overlap" in sentence and "14,000" in sentence
    assert "range across methods" in sentence


def test_totals_far_apart_are_a_disagreement_even_when_intervals_overlap() -> None:
    wide = _estimate("lcmcr", 10_000, 8_000, 40_000)
    far = _estimate("loglinear", 10_000 * (DISAGREEMENT_RATIO + 0.2), 9_000, 30_000)
    chosen = recommend([wide, far], k=3)
    assert chosen is not None and chosen.disagreement
    assert any("times the other" in r for r in chosen.reasons)


def test_when_no_method_passes_its_checks_the_first_is_shown_with_a_caveat() -> None:
    bad = _estimate("lcmcr", 10_400, 9_600, 11_500, diagnostics={**GOOD_LCMCR, "rhat": 1.2})
    open_ended = _estimate("loglinear", 10_100, 9_700, 90_000, warnings=((
        "the profile likelihood does not fall enough as N grows: the 95% interval has no "
        "upper end below 90,000, reported as its upper bound"),))
    chosen = recommend([bad, open_ended], k=4)
    assert chosen is not None and chosen.method == "lcmcr" and not chosen.checks_passed
    assert chosen.reasons[0].startswith("No method passed its checks. LCMCR is shown, 10,400")
    assert any(r.startswith("LCMCR fails its checks: its chains do not agree")
               for r in chosen.reasons)
    assert any(r.startswith("log-linear was set aside: the profile likelihood")
               for r in chosen.reasons)


def test_strata_recommend_the_total_and_check_every_stratum() -> None:
    north = _estimate("lcmcr", 6_000, 5_500, 6_800, stratum="north")
    south = _estimate("lcmcr", 4_000, 3_600, 4_600, stratum="south",
                      diagnostics={**GOOD_LCMCR, "rhat": 1.05})
    total = _estimate("lcmcr", 10_000, 9_300, 10_900, stratum="total", diagnostics={})
    loglinear = [_estimate("loglinear", 5_900, 5_500, 6_300, stratum="north"),
                 _estimate("loglinear", 3_900, 3_600, 4_300, stratum="south"),
                 _estimate("loglinear", 9_800, 9_300, 10_300, stratum="total")]
    chosen = recommend([north, south, total, *loglinear], k=4)
    assert chosen is not None and chosen.method == "loglinear"
    assert chosen.estimate.stratum == "total"
    assert any("in stratum south" in r for r in chosen.reasons)


def test_a_linkage_interval_is_part_of_the_reasons() -> None:
    e = _estimate("lcmcr", 10_400, 9_600, 11_500, diagnostics={
        **GOOD_LCMCR, "linkage": {"point": 10_350, "lower": 9_300, "upper": 11_900,
                                  "linkage_draws": 100, "widening": 1.36}})
    chosen = recommend([e], k=4)
    assert chosen is not None and chosen.linkage is not None
    assert chosen.to_dict()["with_linkage"] == {"point": 10_350, "lower": 9_300,
                                                "upper": 11_900}
    assert any("Over 100 plausible linkages" in r and "9,300 – 11,900" in r
               for r in chosen.reasons)
    assert any("no cross-check" in r for r in chosen.reasons)


def test_a_run_marks_its_recommended_total() -> None:
    h = CaptureHistories.from_patterns({"100": 300, "010": 250, "001": 200, "110": 80,
                                        "101": 60, "011": 50, "111": 20})
    run = estimate_histories({"all": h}, ["loglinear", "dga"], seed=1)
    assert run.recommendation is not None and run.recommended is not None
    marked = [e for e in run.estimates if "recommended" in e.diagnostics]
    assert marked == [run.recommended]
    assert marked[0].diagnostics["recommended"]["reasons"] == list(
        run.recommendation.reasons)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run([sys.executable, "-m", "fullcount", "estimate", *args],
                          capture_output=True, text=True, env=env, timeout=300, check=False)


def test_cli_json_marks_the_recommended_total(tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    path.write_text("a,b,c,count\n1,0,0,300\n0,1,0,250\n0,0,1,200\n1,1,0,80\n1,0,1,60\n"
                    "0,1,1,50\n1,1,1,20\n", encoding="utf-8")
    result = _cli("--histories", str(path), "--method", "loglinear", "--method", "dga",
                  "--json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    chosen = [row for row in rows if row["recommended"]]
    assert len(chosen) == 1 and chosen[0]["recommendation"]["reasons"]
    assert chosen[0]["recommendation"]["method"] == chosen[0]["method"]
    assert all(row["linkage"] is None for row in rows)
    human = _cli("--histories", str(path), "--method", "loglinear", "--method", "dga")
    assert human.returncode == 0, human.stderr
    assert "Recommended" in human.stdout and "is recommended:" in human.stdout
    refused = _cli("--histories", str(path), "--linkage-draws", "10")
    assert refused.returncode == 1 and "needs a case" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_cli_on_a_case_shows_both_intervals(tmp_path: Path) -> None:
    from test_linkage_uncertainty import build_hand_made

    register = build_hand_made(tmp_path)
    result = _cli("--case", str(register.case_dir), "--method", "loglinear", "--method",
                  "dga", "--linkage-draws", "4", "--json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert all(row["linkage"]["linkage_draws"] == 4 for row in rows)
    assert sum(row["recommended"] for row in rows) == 1
    human = _cli("--case", str(register.case_dir), "--method", "loglinear",
                 "--linkage-draws", "3")
    assert human.returncode == 0, human.stderr
    assert "with linkage uncertainty (3 draws)" in human.stdout


# Capture histories of the demo's linked register (4 lists, synthetic people): LCMCR with
# R's default 10 latent classes fills every class in most draws.
DEMO_PATTERNS = {"0001": 268, "0010": 301, "0011": 113, "0100": 457, "0101": 154,
                 "0110": 211, "0111": 114, "1000": 365, "1001": 148, "1010": 174,
                 "1011": 98, "1100": 606, "1101": 282, "1110": 418, "1111": 225}


def test_lcmcr_that_fills_every_class_is_refitted_with_more_and_can_be_recommended() -> None:
    from fullcount.estimate.histories import CaptureHistories
    from fullcount.estimate.stage import MAX_K_STAR, estimate_histories

    histories = {"all": CaptureHistories.from_patterns(DEMO_PATTERNS)}
    run = estimate_histories(histories, ["loglinear", "lcmcr"], seed=1)
    lcmcr = next(e for e in run.estimates if e.method == "lcmcr")
    tried = lcmcr.diagnostics["k_star_tried"]
    assert tried[0] == 10 and tried == sorted(tried) and tried[-1] <= MAX_K_STAR
    assert lcmcr.settings["K_star"] == tried[-1]
    assert not any("latent classes were in use" in w for w in lcmcr.warnings)
    assert run.recommendation is not None and run.recommendation.method == "lcmcr"
