"""`fullcount validate`: run the whole pipeline on synthetic lists with a known total, many
times, and report how close the recommended estimate comes and how often its interval
holds the truth."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from fullcount.cli.app import (
    JsonOption,
    add_row,
    app,
    command,
    err,
    out,
    print_json,
    progress_bars,
    table,
)
from fullcount.cli.estimate_command import DEFAULT_LINKAGE_DRAWS
from fullcount.errors import FullcountError
from fullcount.validate import (
    QUICK_SCENARIOS,
    SCENARIOS,
    RunResult,
    Scenario,
    ValidationProgress,
    ValidationResult,
    at_heterogeneity,
    percent,
    run_validation,
    scenario_named,
    summarise,
)

QUICK_LINKAGE_DRAWS = 20
_NAMES = ", ".join(s.name for s in SCENARIOS)
_QUICK_NAMES = ", ".join(s.name for s in QUICK_SCENARIOS)


@command(app, "validate")
def validate(
    replicates: Annotated[int, typer.Option(
        "--replicates", "-r", metavar="R", min=1,
        help="Replicates per scenario: fresh synthetic lists (seed S, S+1, …) taken "
        "through the whole pipeline. Coverage is known to about ±√(0.05·0.95/R): 20 "
        "replicates tell 95% from 80%, 100 tell it from 90%.")],
    scenarios: Annotated[str, typer.Option(
        "--scenarios", metavar="NAME,...",
        help=f"Scenarios to run, comma-separated, or `all`. Each changes one thing about "
        f"the lists from a realistic baseline (2,000 people, 4 lists): {_NAMES}. "
        f"Smoke-run scenarios (tiny N): {_QUICK_NAMES}.")] = "all",
    quick: Annotated[bool, typer.Option(
        "--quick", help=f"A smoke run: the tiny scenarios ({_QUICK_NAMES}) with "
        f"{QUICK_LINKAGE_DRAWS} linkage draws unless --linkage-draws says otherwise. "
        "Minutes, not hours; too small to judge the methods by.")] = False,
    linkage_draws: Annotated[int | None, typer.Option(
        "--linkage-draws", metavar="M",
        help=f"Linkages drawn per estimate, as `fullcount estimate --linkage-draws` "
        f"(default {DEFAULT_LINKAGE_DRAWS}, as there; 0 leaves out the intervals with "
        "linkage uncertainty).")] = None,
    heterogeneity: Annotated[float | None, typer.Option(
        "--heterogeneity", metavar="H", min=0.0,
        help="Run every scenario that has capture heterogeneity at H instead (as `fullcount "
        "synth --heterogeneity`: 0 none, 0.5 moderate, 1 the realistic default, which "
        "includes a class of people most lists almost never record). Such runs are "
        "named NAME@hH.")] = None,
    workers: Annotated[int, typer.Option(
        "--workers", "-w", min=1,
        help="Replicates run at the same time, each in its own process (each needs "
        "about one core and, for 50,000 people, a few GB of memory).")] = 2,
    seed: Annotated[int, typer.Option(
        min=0, help="Seed of the first replicate; replicate r uses seed + r. Same seed, "
        "same lists and same figures.")] = 1,
    out_file: Annotated[Path | None, typer.Option(
        "--out", "-o", metavar="FILE.json",
        help="Also write every run and every aggregate to this JSON file.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Check the whole pipeline against a known truth: how close is the recommended total,
    and how often does its 95% interval contain the true number of people?

    Each replicate generates synthetic lists of a known population (as `fullcount
    synth`), creates a case in a temporary folder, ingests, normalises, links and
    estimates exactly as those commands do by default, and compares the recommended
    total with the truth. The same methods are also run on the true overlaps of the
    lists (who each list really recorded), which tells the estimators' own errors apart
    from linkage errors. The temporary folders are removed.

    Per scenario the table shows: bias (on average, how far above or below the true
    total the estimate is, in %), RMSE (the typical size of the error), and coverage
    (the share of replicates whose interval contains the true total; it should be close
    to 95%) of the interval with linkage uncertainty, of the register-only interval, and
    of the estimate on the true overlaps; and which method the rule recommended.

    The full grid takes hours (the 50,000-person scenario alone tens of minutes per
    replicate); start with --quick.
    """
    if quick and scenarios != "all":
        raise FullcountError("--quick chooses the scenarios itself",
                             hint="Use either --quick or --scenarios NAME,...")
    chosen = _scenarios(scenarios, quick)
    if heterogeneity is not None:
        chosen = at_heterogeneity(chosen, heterogeneity)
    draws = linkage_draws if linkage_draws is not None else (
        QUICK_LINKAGE_DRAWS if quick else DEFAULT_LINKAGE_DRAWS)
    if draws < 0 or draws == 1:
        raise FullcountError(f"--linkage-draws must be 0 (off) or at least 2, got {draws}",
                             hint="100 draws are usually enough.")
    if out_file is not None and not out_file.parent.is_dir():
        raise FullcountError(f"cannot write {out_file}: {out_file.parent} is not a folder",
                             hint="Choose a file in an existing folder.")

    finished: dict[str, int] = {}
    with progress_bars() as start:
        bars = {s.name: start(f"{s.name} ({_replicates(replicates)})", replicates)
                for s in chosen} if start else {}

        def progress(event: ValidationProgress) -> None:
            if event.result is None:
                return
            finished[event.scenario] = finished.get(event.scenario, 0) + 1
            if event.scenario in bars:
                bars[event.scenario](finished[event.scenario])
            err.print(_run_line(event.result, event.done, event.total), markup=False)

        err.print(f"validating: {len(chosen)} scenario(s) × {_replicates(replicates)}, "
                  f"{draws} linkage draws, {workers} worker(s)", markup=False)
        result = run_validation(chosen, replicates, seed=seed, linkage_draws=draws,
                                workers=workers, progress=progress)
    data = result.to_dict()
    if out_file is not None:
        try:
            out_file.write_text(json.dumps(data, ensure_ascii=False, indent=2, default=str)
                                + "\n", encoding="utf-8")
        except OSError as exc:
            raise FullcountError(f"cannot write {out_file}: {exc.strerror or exc}") from None
    if as_json:
        print_json(data)
    else:
        _print(result)
        if out_file is not None:
            out.print(f"Every run and aggregate: {out_file}", markup=False)
    failed = [r for r in result.runs if r.error]
    if failed:
        raise FullcountError(
            f"{len(failed)} of {len(result.runs)} replicates failed (left out of the "
            f"figures); the first: {failed[0].scenario} #{failed[0].replicate} (seed "
            f"{failed[0].seed}): {failed[0].error}",
            hint="Re-run that scenario with the same seed to reproduce it.")


def _replicates(count: int) -> str:
    return f"{count} replicate" + ("" if count == 1 else "s")


def _scenarios(names: str, quick: bool) -> list[Scenario]:
    if quick:
        return list(QUICK_SCENARIOS)
    wanted = [n.strip() for n in names.split(",") if n.strip()]
    if not wanted:
        raise FullcountError("--scenarios names no scenario",
                             hint=f"Scenarios: all, {_NAMES}, {_QUICK_NAMES}.")
    if wanted == ["all"]:
        return list(SCENARIOS)
    return [scenario_named(n) for n in dict.fromkeys(wanted)]


def _run_line(r: RunResult, done: int, total: int) -> str:
    where = f"  [{done}/{total}] {r.scenario} #{r.replicate} (seed {r.seed})"
    seconds = r.seconds.get("total", 0.0)
    if r.error:
        return f"{where}: failed after {seconds:.0f} s: {r.error}"
    lead = r.with_linkage or r.register
    if lead is None:
        return f"{where}: no recommended total ({seconds:.0f} s)"
    return (f"{where}: {r.method} {lead.point:,.0f} ({lead.lower:,.0f} – {lead.upper:,.0f}), "
            f"true {r.true_n:,}; {r.documented:,} in the register, {r.true_observed:,} "
            f"truly listed; {seconds:.0f} s")


def _coverage(scores: dict[str, Any] | None) -> str:
    if not scores:
        return "–"
    covered = round(scores["coverage"] * scores["runs"])
    return f"{scores['coverage']:.0%} ({covered}/{scores['runs']})"


def _cells(s: dict[str, Any]) -> list[str]:
    lead = s["with_linkage"] or s["register"]
    methods = ", ".join(f"{m} {c}" for m, c in s["methods"].items())
    return [f"{s['runs']}" + (f" ({s['failed']} failed)" if s["failed"] else ""),
            percent(lead, "bias"), percent(lead, "rmse", signed=False),
            _coverage(s["with_linkage"]), _coverage(s["register"]),
            _coverage(s["true_linkage"]), percent(s["true_linkage"], "bias"),
            methods or "–",
            "–" if s["linkage_f1"] is None else f"{s['linkage_f1']:.3f}",
            "–" if s["seconds_per_replicate"] is None else
            f"{s['seconds_per_replicate']:,.0f}"]


def _print(result: ValidationResult) -> None:
    grid = table("scenario", "N", "lists", "runs", "bias", "RMSE", "coverage",
                 "coverage, register only", "coverage, true linkage", "bias, true linkage",
                 "method chosen", "link F1", "s / run",
                 title=f"Validation: {_replicates(result.replicates)} per scenario ("
                 + (f"seed {result.seed}" if result.replicates == 1 else
                    f"seeds {result.seed}–{result.seed + result.replicates - 1}")
                 + f"), {result.linkage_draws} linkage draws, "
                 f"{result.seconds / 60:,.1f} min")
    grid.columns[0].no_wrap = True
    by_scenario = result.by_scenario
    for s in result.scenarios:
        add_row(grid, s.name, f"{s.n:,}", s.lists, *_cells(by_scenario[s.name]))
    if len(result.scenarios) > 1:
        add_row(grid, "all", "", "", *_cells(summarise(result.runs)))
    out.print(grid)
    for s in result.scenarios:
        out.print(f"  {s.name}: noise {s.noise:g}, heterogeneity {s.heterogeneity:g}, "
                  f"dependence {s.dependence:g}" + (f"; {s.about}" if s.about else ""),
                  markup=False)
    lead = "with linkage uncertainty" if result.linkage_draws else "from the register"
    out.print(
        f"bias, RMSE, coverage: the recommended total ({lead}) against the true total; "
        "bias is the mean of estimate / truth − 1, RMSE its root mean square. Coverage "
        "is the share of replicates whose 95% interval contains the true total (in "
        "brackets: how many of how many): near 95% is right, well below means intervals "
        "too narrow to trust; with few replicates it is a rough figure. 'register only' "
        "treats the linkage as certain; 'true linkage' estimates from who each list "
        "really recorded, so low coverage there is the estimators' own failing, not the "
        "linkage's.", markup=False)
