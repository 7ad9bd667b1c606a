"""`fullcount estimate`: how many people in total, from a case or a table of histories."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from fullcount.case import Case
from fullcount.cli.app import (
    CaseOption,
    JsonOption,
    add_row,
    app,
    command,
    err,
    out,
    print_json,
    table,
)
from fullcount.errors import FullcountError
from fullcount.estimate.histories import read_histories_csv
from fullcount.estimate.methods import DESCRIPTIONS, METHODS
from fullcount.estimate.result import Estimate
from fullcount.estimate.stage import EstimateRun, estimate_histories, run_estimate_stage

METHOD_HELP = "; ".join(f"{name}: {text}" for name, text in DESCRIPTIONS.items())
# Linkage draws on a case unless --linkage-draws says otherwise: enough for Rubin's
# between-draw variance and the pooled posterior's tails to be stable; on 81,000 records
# (50,000 people) drawing them takes 3 s, LCMCR over them a minute, DGA 17 s, log-linear
# under a second (benchmarks/linkage_draws.py).
DEFAULT_LINKAGE_DRAWS = 100


@command(app, "estimate")
def estimate(
    histories_file: Annotated[Path | None, typer.Option(
        "--histories",
        help="Estimate from a CSV of capture histories instead of a case: one 0/1 column "
        "per list plus `count` (and optionally `stratum`).")] = None,
    case_dir: CaseOption = Path("."),
    methods: Annotated[list[str] | None, typer.Option(
        "--method", "-m",
        help=f"Method(s) to run (repeatable; default: every one that applies). "
        f"{METHOD_HELP}.")] = None,
    seed: Annotated[int | None, typer.Option(
        help="Random seed for the Bayesian methods (default: the case's seed, or 1).")] = None,
    level: Annotated[float, typer.Option(help="Interval level.")] = 0.95,
    sensitivity: Annotated[bool, typer.Option(
        "--leave-one-out", help="Also estimate with each list left out in turn.")] = False,
    linkage_draws: Annotated[int | None, typer.Option(
        "--linkage-draws", metavar="M",
        help=f"On a case: also estimate over M linkages drawn from the match probabilities "
        f"(reviewers' decisions hold in every draw), giving intervals with linkage "
        f"uncertainty (default {DEFAULT_LINKAGE_DRAWS}; 0 turns it off). On 80,000 "
        f"records, 100 draws take about a minute for LCMCR, seconds for the others.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Estimate the total number of people, including those no list recorded, with
    intervals, by multiple systems estimation.

    On a case, capture histories come from the register of people (linkage) and the
    strata in fullcount.toml; results are stored in the case with their settings, seed
    and data version. Each method is also run over plausible linkages drawn from the
    match probabilities (--linkage-draws), so that intervals include the uncertainty of
    who is the same person. With --histories, any table of counts can be estimated
    without a case.

    One total is recommended (LCMCR when its checks pass, else DGA, else log-linear;
    Chapman for two lists), with the reasons, and a warning when the methods disagree.
    """
    for method in methods or []:
        if method not in METHODS:
            raise FullcountError(f"unknown method '{method}'",
                                 hint=f"Methods: {', '.join(METHODS)}.")
    if not 0 < level < 1:
        raise FullcountError(f"--level must be between 0 and 1, got {level}")
    if linkage_draws is not None and (linkage_draws < 0 or linkage_draws == 1):
        raise FullcountError(f"--linkage-draws must be 0 (off) or at least 2, got "
                             f"{linkage_draws}", hint="100 draws are usually enough.")
    if linkage_draws and histories_file is not None:
        raise FullcountError(
            "--linkage-draws needs a case: a table of capture histories has no match "
            "probabilities to draw linkages from", hint="Drop --linkage-draws, or "
            "estimate on the case (--case DIR).")

    def step(what: str) -> None:
        if not as_json and err.is_terminal:
            err.print(f"  fitting {what} …", markup=False)

    if histories_file is not None:
        histories = read_histories_csv(histories_file)
        run = estimate_histories(histories, methods, seed=1 if seed is None else seed,
                                 level=level, sensitivity=sensitivity, on_step=step)
    else:
        with Case.open(case_dir) as case:
            run = run_estimate_stage(
                case, methods, seed=seed, level=level, sensitivity=sensitivity,
                linkage_draws=DEFAULT_LINKAGE_DRAWS if linkage_draws is None else linkage_draws,
                on_step=step)
    if not run.estimates:
        reasons = "; ".join(f"{m}: {why}" for m, why in run.skipped.items())
        raise FullcountError(f"no estimate could be made ({reasons})",
                             hint="Choose another method with --method, or see "
                             "`fullcount estimate --help`.")
    if as_json:
        print_json([_row(e, run) for e in run.estimates + run.sensitivity])
        return
    _print(run)


def _row(e: Estimate, run: EstimateRun) -> dict[str, object]:
    row = e.to_dict()
    diagnostics = dict(row["diagnostics"])
    linkage = diagnostics.pop("linkage", None)
    diagnostics.pop("recommended", None)
    row["diagnostics"] = diagnostics
    recommended = run.recommendation is not None and run.recommended is e
    return {**row, "run_id": run.run_id, "data_version": run.data_version,
            "recommended": recommended,
            "linkage": linkage,
            **({"recommendation": run.recommendation.to_dict()}
               if recommended and run.recommendation else {})}


def _print(run: EstimateRun) -> None:
    with_linkage = any("lower" in e.diagnostics.get("linkage", {}) for e in run.estimates)
    columns = ["method", "stratum", "observed", "estimate", "interval"]
    if with_linkage:
        draws = run.linkage.draws if run.linkage else 0
        columns.append(f"with linkage uncertainty ({draws} draws)")
    grid = table(*columns, "level",
                 title=f"Estimates (run {run.run_id}, data {run.data_version})")
    for e in run.estimates:
        linkage = e.diagnostics.get("linkage", {})
        cells = [e.method + (" *" if e is run.recommended else ""), e.stratum or "all",
                 f"{e.n_observed:,}", f"{e.point:,.0f}", f"{e.lower:,.0f} – {e.upper:,.0f}"]
        if with_linkage:
            cells.append(f"{linkage['lower']:,.0f} – {linkage['upper']:,.0f}"
                         if "lower" in linkage else "")
        add_row(grid, *cells, f"{e.level:.0%}")
    out.print(grid)
    if run.recommendation is not None:
        chosen = run.recommendation
        flag = "  [methods disagree]" if chosen.disagreement else ""
        caution = "  [no method passed its checks]" if not chosen.checks_passed else ""
        out.print(f"* Recommended{flag}{caution}:", markup=False)
        for reason in chosen.reasons:
            out.print(f"  - {reason}", markup=False)
    for e in run.estimates:
        for warning in e.warnings:
            out.print(f"  ! {e.method} [{e.stratum}]: {warning}", markup=False)
        for warning in e.diagnostics.get("linkage", {}).get("warnings", []):
            out.print(f"  ! {e.method} [{e.stratum}] with linkage uncertainty: {warning}",
                      markup=False)
    if run.sensitivity:
        grid = table("left out", "method", "stratum", "estimate", "interval",
                     title="Leave one list out")
        for e in run.sensitivity:
            add_row(grid, e.settings.get("left_out", ""), e.method.split(" without")[0],
                    e.stratum or "all", f"{e.point:,.0f}", f"{e.lower:,.0f} – {e.upper:,.0f}")
        out.print(grid)
    for method, why in run.skipped.items():
        out.print(f"  skipped {method}: {why}", markup=False)
    for warning in run.warnings:
        out.print(f"  ! {warning}", markup=False)
