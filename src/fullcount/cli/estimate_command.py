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
    as_json: JsonOption = False,
) -> None:
    """Estimate the total number of people, including those no list recorded, with
    intervals, by multiple systems estimation.

    On a case, capture histories come from the register of people (linkage) and the
    strata in fullcount.toml; results are stored in the case with their settings, seed
    and data version. With --histories, any table of counts can be estimated without a
    case.
    """
    for method in methods or []:
        if method not in METHODS:
            raise FullcountError(f"unknown method '{method}'",
                                 hint=f"Methods: {', '.join(METHODS)}.")
    if not 0 < level < 1:
        raise FullcountError(f"--level must be between 0 and 1, got {level}")

    def step(what: str) -> None:
        if not as_json and err.is_terminal:
            err.print(f"  fitting {what} …", markup=False)

    if histories_file is not None:
        histories = read_histories_csv(histories_file)
        run = estimate_histories(histories, methods, seed=1 if seed is None else seed,
                                 level=level, sensitivity=sensitivity, on_step=step)
    else:
        with Case.open(case_dir) as case:
            run = run_estimate_stage(case, methods, seed=seed, level=level,
                                     sensitivity=sensitivity, on_step=step)
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
    return {**e.to_dict(), "run_id": run.run_id, "data_version": run.data_version}


def _print(run: EstimateRun) -> None:
    grid = table("method", "stratum", "observed", "estimate", "interval", "level",
                 title=f"Estimates (run {run.run_id}, data {run.data_version})")
    for e in run.estimates:
        add_row(grid, e.method, e.stratum or "all", f"{e.n_observed:,}", f"{e.point:,.0f}",
                f"{e.lower:,.0f} – {e.upper:,.0f}", f"{e.level:.0%}")
    out.print(grid)
    for e in run.estimates:
        for warning in e.warnings:
            out.print(f"  ! {e.method} [{e.stratum}]: {warning}", markup=False)
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
