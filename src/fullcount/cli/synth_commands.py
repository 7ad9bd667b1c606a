"""`fullcount synth` (synthetic lists with known truth) and `fullcount demo`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import Progress
from rich.table import Table

from fullcount.case import Case
from fullcount.case.summary import case_status
from fullcount.claims.compare import compare_claims
from fullcount.claims.register import accept_claims, extract_into_case
from fullcount.cli.app import (
    add_row,
    app,
    command,
    err,
    out,
    print_json,
    progress_bars,
    progress_steps,
    safe,
    table,
)
from fullcount.cli.normalize_command import report_normalize
from fullcount.errors import FullcountError
from fullcount.estimate.stage import run_estimate_stage
from fullcount.ingest import ingest_file
from fullcount.link.evaluate import evaluate_register
from fullcount.link.stage import run_link_stage
from fullcount.normalize.stage import run_normalize_stage
from fullcount.report import write_report
from fullcount.synth import SynthSummary, generate

DEMO_MARKER = ".fullcount-demo"


def _generate(out_dir: Path, *, n: int, lists: int, seed: int, noise: float,
              malformed_rate: float, heterogeneity: float = 1.0,
              dependence: float = 1.0) -> SynthSummary:
    try:
        if err.is_terminal:
            with Progress(console=err, transient=True) as progress:
                task = progress.add_task("generating lists", total=None)
                return generate(out_dir, n=n, lists=lists, seed=seed, noise=noise,
                                malformed_rate=malformed_rate, heterogeneity=heterogeneity,
                                dependence=dependence,
                                progress=lambda done, total: progress.update(
                                    task, completed=done, total=total))
        return generate(out_dir, n=n, lists=lists, seed=seed, noise=noise,
                        malformed_rate=malformed_rate, heterogeneity=heterogeneity,
                        dependence=dependence)
    except ValueError as exc:
        raise FullcountError(str(exc), hint="See `fullcount synth --help`.") from exc


def _summary_table(summary: SynthSummary) -> Table:
    grid = table("source", "file", "format", "script", "people", "rows",
                 "expected records", "expected quarantined",
                 title=f"Synthetic lists: {summary.n:,} people, {summary.n_observed:,} on at "
                 f"least one list, {summary.n - summary.n_observed:,} on none")
    for src in summary.sources:
        fmt = src.format + (f"/{src.encoding}" if src.encoding else "")
        add_row(grid, src.name, src.path, fmt, src.script, f"{src.n_persons:,}",
                f"{src.rows_written:,}", f"{src.expected_records:,}",
                f"{src.expected_quarantined:,}")
    return grid


@command(app, "synth")
def synth(
    out_dir: Annotated[Path, typer.Option(
        "--out", "-o", help="Folder to write the lists and truth files into.")],
    n: Annotated[int, typer.Option(
        "--n", help="True number of victims in the simulated population.")] = 5000,
    lists: Annotated[int, typer.Option(
        help="Number of documentation sources (lists), 2 to 8.")] = 4,
    seed: Annotated[int, typer.Option(help="Random seed: same seed, same bytes.")] = 1,
    noise: Annotated[float, typer.Option(
        help="Amount of realistic noise (spelling variants, typos, missing fields, "
        "duplicates): 0 = clean, 1 = realistic, more = worse.")] = 1.0,
    malformed_rate: Annotated[float, typer.Option(
        help="Share of extra malformed rows that ingest must quarantine.")] = 0.01,
    heterogeneity: Annotated[float, typer.Option(
        help="How much people differ in how likely a list is to record them (documentability "
        "class, region, provincial centre, child, province): 0 = everyone equally likely on "
        "a given list, 1 = realistic, up to 3.")] = 1.0,
    dependence: Annotated[float, typer.Option(
        help="How much lists copy earlier lists (media reprinting an NGO's names): "
        "0 = lists independent for a given person, 1 = realistic, up to 3.")] = 1.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Generate synthetic victim lists with known truth, for trying fullcount and testing it.

    Simulates a closed population of victims of an event series in Iran (names in
    Persian script with their usual Latin spellings, father's name, sex, age, Jalali or
    Gregorian date, town and province) and several sources that each record some of
    them, with heterogeneous and dependent capture (--heterogeneity and --dependence
    scale both; 0 and 0 give the textbook case that simple estimators assume). Each
    source is written as its own file (CSV, XLSX, JSON; UTF-8, Windows-1256, UTF-16)
    with realistic noise and a few malformed rows. truth/ holds who is who, the true
    total and the true overlaps. Everyone in it is invented.
    """
    summary = _generate(out_dir, n=n, lists=lists, seed=seed, noise=noise,
                        malformed_rate=malformed_rate, heterogeneity=heterogeneity,
                        dependence=dependence)
    if as_json:
        print_json(summary.to_dict())
        return
    out.print(_summary_table(summary))
    out.print(f"Lists in {summary.out_dir}; truth in {summary.out_dir / 'truth'}", markup=False)


_PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


def _demo_statements(folder: Path, *, documented: int, run: Any) -> list[Path]:
    """Two invented public statements (English, Persian) whose claims fall on every side
    of the evidence: one the register already exceeds, one consistent with the estimate,
    one far above it, and two that count something else."""
    folder.mkdir(parents=True, exist_ok=True)
    best = run.recommended or (run.estimates[0] if run.estimates else None)
    point = round(best.point if best else documented, -2)
    upper = best.upper if best else documented
    english = folder / "statement_en.txt"
    english.write_text(
        "Statement on the events of the autumn (invented for the fullcount demo).\n\n"
        f"The interior ministry said that {round(documented * 0.2, -1):,.0f} people were "
        "killed during the unrest. "
        f"A coalition of rights groups said at least {round(documented * 0.95, -2):,.0f} "
        "people were killed between September and December. "
        f"An exile group claimed that more than {round(upper * 3, -3):,.0f} protesters "
        "were killed. "
        "Medical workers reported 41 attacks on hospitals, and lawyers said more than "
        "20,000 people were detained.\n", encoding="utf-8")
    persian = folder / "statement_fa.txt"
    persian.write_text(
        "به گزارش یک سازمان حقوق بشری، حدود "
        f"{f'{point:.0f}'.translate(_PERSIAN_DIGITS)} نفر در جریان اعتراضات کشته شدند.\n",
        encoding="utf-8")
    return [english, persian]


@command(app, "demo")
def demo(
    directory: Annotated[Path, typer.Argument(
        help="Folder for the demo (lists/ and case/ inside).")] = Path("fullcount-demo"),
    n: Annotated[int, typer.Option("--n", help="True number of victims to simulate.")] = 5000,
    lists: Annotated[int, typer.Option(help="Number of lists, 2 to 8.")] = 4,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 1,
    force: Annotated[bool, typer.Option(
        "--force", help="Replace an earlier demo in the same folder.")] = False,
) -> None:
    """Run fullcount end to end on synthetic lists: generate them, create a case, ingest
    every list, and compare what was read with the known truth.

    Every stage that exists runs; the printout says what was done and where the
    outputs are. Safe to run anywhere: it only writes inside DIRECTORY.
    """
    directory = directory.resolve()
    if directory.exists() and any(directory.iterdir()):
        if not (directory / DEMO_MARKER).exists():
            raise FullcountError(
                f"{directory} exists and is not an earlier demo folder",
                hint="Choose another folder, e.g. `fullcount demo ./my-demo`.",
            )
        if not force:
            raise FullcountError(
                f"{directory} holds an earlier demo",
                hint="Pass --force to replace it, or choose another folder.",
            )
        shutil.rmtree(directory)
    directory.mkdir(parents=True)
    (directory / DEMO_MARKER).write_text("made by `fullcount demo`; safe to delete\n")

    out.print(f"[bold]1. Synthetic lists[/bold] ({n:,} people, {lists} sources, seed {seed})")
    summary = _generate(directory / "lists", n=n, lists=lists, seed=seed, noise=1.0,
                        malformed_rate=0.01)
    out.print(_summary_table(summary))

    out.print("[bold]2. Case[/bold]")
    case_dir = directory / "case"
    with Case.create(case_dir, name=f"fullcount demo (seed {seed})") as case:
        out.print(f"  created {case_dir}")
        out.print("[bold]3. Ingest[/bold]")
        checks: list[dict[str, Any]] = []
        for src in summary.sources:
            with progress_bars() as start:
                result = ingest_file(case, summary.out_dir / src.path, source=src.name,
                                     progress=start)
            ok = (result.records, result.quarantined) == (
                src.expected_records, src.expected_quarantined)
            checks.append({"source": src.name, "ok": ok})
            mark = "[green]✓[/green]" if ok else "[red]✗[/red]"
            out.print(
                f"  {mark} {safe(src.path)}: {result.rows_read:,} rows read = {result.records:,} "
                f"records + {result.quarantined:,} quarantined (truth: "
                f"{src.expected_records:,} + {src.expected_quarantined:,})"
            )
        out.print("[bold]4. Normalise[/bold] (names across scripts, dates across calendars, "
                  "places)")
        with progress_bars() as start:
            normalized = run_normalize_stage(case, progress=start)
        report_normalize(normalized)
        status = case_status(case)
        out.print(
            f"  case now holds {status['records']:,} records from {status['sources']} "
            f"sources; {status['quarantined']:,} rows quarantined"
            + (", flagged: " + ", ".join(f"{k} {v:,}" for k, v in status["flagged"].items())
               if status["flagged"] else ""))
        out.print("[bold]5. Link[/bold] (which records are the same person, within and "
                  "across lists)")
        with progress_steps("linking") as say:
            linked = run_link_stage(case, progress=say)
        out.print(f"  {linked.records:,} records -> {linked.entities:,} people; "
                  f"{linked.uncertain_pairs:,} uncertain pairs for review "
                  f"(threshold {linked.threshold:.2f})", markup=False)
        quality = evaluate_register(case, summary.out_dir / "truth")
        out.print(f"  against the truth: pairwise F1 {quality.f1:.3f} (precision "
                  f"{quality.precision:.3f}, recall {quality.recall:.3f}); people "
                  f"{quality.entities:,} vs {quality.true_people:,} "
                  f"({quality.entity_error:+.1%})", markup=False)
        out.print("[bold]6. Estimate[/bold] (how many in total, including those no list "
                  "recorded; 100 linkages drawn from the match probabilities)")
        with progress_steps("estimating") as say:
            run = run_estimate_stage(case, ["loglinear", "lcmcr"], linkage_draws=100,
                                     sensitivity=True, on_step=say)
        truth = json.loads((summary.out_dir / "truth" / "summary.json").read_text())
        for estimate in run.estimates:
            linkage = estimate.diagnostics.get("linkage") or {}
            out.print(f"  {estimate.method}: {estimate.point:,.0f} "
                      f"({estimate.level:.0%} interval {estimate.lower:,.0f} – "
                      f"{estimate.upper:,.0f}"
                      + (f"; with linkage uncertainty {linkage['lower']:,.0f} – "
                         f"{linkage['upper']:,.0f}" if "lower" in linkage else "") + ")"
                      + ("  [recommended]" if estimate is run.recommended else ""),
                      markup=False)
        out.print(f"  true total: {truth['n']:,} people ({truth['n_observed']:,} on at least "
                  "one list)")
        out.print("[bold]7. Claims[/bold] (two synthetic public statements, their numeric "
                  "claims set against the evidence)")
        documents = _demo_statements(directory / "documents", documented=linked.entities,
                                     run=run)
        for path in documents:
            extracted = extract_into_case(case, path)
            accept_claims(case, [c.claim_id for c in extracted.claims], reviewer="demo",
                          scope="all")
        for comparison in compare_claims(case):
            out.print(f"  #{comparison.claim_id} {comparison.claimed} {comparison.category}: "
                      f"{comparison.verdict_label}", markup=False)
        out.print("[bold]8. Report[/bold]")
        with progress_steps("writing the report") as say:
            say("drawing the figures")
            written = write_report(case)
        out.print(f"  {written.html}", markup=False)
    out.print("[bold]Review[/bold] the uncertain pairs in your browser: "
              f"`fullcount review --case {safe(case_dir)}`; the PDF: "
              f"`fullcount report --pdf --case {safe(case_dir)}`")
    out.print("[bold]Where things are[/bold]")
    out.print(f"  lists:  {summary.out_dir}", markup=False)
    out.print(f"  truth:  {summary.out_dir / 'truth'}", markup=False)
    out.print(f"  report: {written.html}", markup=False)
    out.print(f"  case:   {case_dir}  (try `fullcount status --case {case_dir}`, "
              f"`fullcount evaluate --truth {summary.out_dir / 'truth'} --case {case_dir}`)", markup=False)
    if not all(c["ok"] for c in checks):
        raise FullcountError("ingest counts differ from the synthetic truth (see ✗ above)")
