"""`fullcount link`, `explain`, `decide`, `evaluate`: the register of people and how it
was made (`export entities` writes it out)."""

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
    out,
    print_json,
    progress_steps,
    safe,
    table,
)
from fullcount.errors import FullcountError
from fullcount.link.decisions import DECISIONS, record_decision, withdraw_decision
from fullcount.link.evaluate import Evaluation, evaluate_register
from fullcount.link.explain import PairExplanation, explain_pair, resolve_record
from fullcount.link.stage import LinkResult, run_link_stage


@command(app, "link")
def link(
    case_dir: CaseOption = Path("."),
    engine: Annotated[str | None, typer.Option(
        help="Where to run: duckdb (this machine) or spark (local[*] or [link] "
        "spark_master). Default: [link] engine in fullcount.toml.")] = None,
    threshold: Annotated[float | None, typer.Option(
        min=0.01, max=0.99,
        help="Match probability from which two records are one person. Default: [link] "
        "threshold, or chosen by the trained model (best expected F1).")] = None,
    retrain: Annotated[bool, typer.Option(
        help="Train a new model and score every pair again, instead of linking only the "
        "records added since the last run.")] = False,
    rescore: Annotated[bool, typer.Option(
        help="Score every pair again with the stored model (no training): what linking "
        "everything at once with that model gives.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Decide which records are the same person, within and across lists, and build the
    register of people (entities).

    A Splink model (Fellegi-Sunter) compares names across scripts (Persian and Latin
    spellings share keys), father's name, sex, age, date and place of death; it is
    trained on the case without labels, its weights are checked, and candidate pairs are
    scored. Pairs at or above the threshold, together with reviewers' decisions, make
    the entities. Run again after ingesting a new list: only the new records are linked.
    """
    with Case.open(case_dir) as case, progress_steps("linking") as say:
        result = run_link_stage(case, engine=engine, threshold=threshold, retrain=retrain,
                                rescore=rescore, progress=say)
    if as_json:
        print_json(result.to_dict())
        return
    report_link(result)


def report_link(result: LinkResult) -> None:
    what = {"full": f"Linked {result.records:,} records",
            "incremental": f"Linked {result.new_records:,} new records against the "
                           f"{result.records - result.new_records:,} already linked",
            "recluster": f"Re-clustered {result.records:,} records (no new records)",
            "rescore": f"Scored every pair of {result.records:,} records again with the "
                       "stored model"}
    out.print(f"{what[result.mode]} ({result.engine}): {result.entities:,} people.",
              markup=False)
    out.print(f"  {result.pairs:,} candidate pairs kept, {result.uncertain_pairs:,} "
              f"uncertain (for review); threshold {result.threshold:.2f} "
              f"({result.threshold_origin})", markup=False)
    applied = result.decisions_applied
    if any(applied.values()):
        out.print(f"  reviewers' decisions applied: {applied.get('match', 0):,} match, "
                  f"{applied.get('non_match', 0):,} not a match"
                  + (f"; {result.cut_links:,} link(s) cut to keep them"
                     if result.cut_links else ""), markup=False)
    if result.weights:
        grid = table("comparison", "level: weight (bits)", title="Trained weights")
        for name, levels in result.weights.items():
            add_row(grid, name, "; ".join(f"{label}: {w:+.1f}" for label, w in levels))
        out.print(grid)
    for check in result.checks:
        out.print(f"  check: {safe(check['comparison'])} / {safe(check['level'])}: "
                  f"{safe(check['problem'])} -> {safe(check['action'])}")


@command(app, "explain")
def explain(
    record_a: Annotated[str, typer.Argument(
        help="A record: its id, or SOURCE:ROW (e.g. ngo_a:214).", show_default=False)],
    record_b: Annotated[str, typer.Argument(help="The other record.", show_default=False)],
    case_dir: CaseOption = Path("."),
    as_json: JsonOption = False,
) -> None:
    """Why two records are, or are not, the same person: the match weight of the pair,
    comparison by comparison (positive bits for a match, negative against)."""
    with Case.open(case_dir, readonly=True) as case:
        a, b = resolve_record(case, record_a), resolve_record(case, record_b)
        explanation = explain_pair(case, a, b)
    if as_json:
        print_json(explanation.to_dict())
        return
    report_explanation(explanation)


def report_explanation(e: PairExplanation) -> None:
    grid = table("comparison", "left", "right", "level", "weight (bits)",
                 title=f"Records {e.record_id_l} and {e.record_id_r}")
    add_row(grid, "prior", "", "", "any two records of the case", f"{e.prior_weight:+.2f}")
    for part in e.comparisons:
        add_row(grid, part.comparison, part.left, part.right, part.level,
                f"{part.weight:+.2f}")
    add_row(grid, "total", "", "", "", f"{e.match_weight:+.2f}")
    out.print(grid)
    verdict = "the same person" if e.same_entity else "different people"
    out.print(f"Match probability {e.match_probability:.4f} (threshold {e.threshold:.2f}, "
              f"{e.origin}); in the register: {verdict}.", markup=False)


@command(app, "decide")
def decide(
    record_a: Annotated[str | None, typer.Argument(
        help="A record: its id, or SOURCE:ROW.", show_default=False)] = None,
    record_b: Annotated[str | None, typer.Argument(
        help="The other record.", show_default=False)] = None,
    decision: Annotated[str | None, typer.Argument(
        help=f"One of: {', '.join(DECISIONS)}.", show_default=False)] = None,
    reviewer: Annotated[str, typer.Option(help="Your name, for the audit log.")] = "",
    note: Annotated[str | None, typer.Option(help="Why (kept with the decision).")] = None,
    undo: Annotated[int | None, typer.Option(
        help="Withdraw decision number N instead of deciding.")] = None,
    case_dir: CaseOption = Path("."),
) -> None:
    """Record a reviewer's decision on a pair of records: match (must be one person),
    non_match (must be two) or unsure. It applies at the next `fullcount link`.
    The review page (`fullcount review`) is the usual way; this is the same from the
    command line."""
    if not reviewer.strip():
        raise FullcountError("say who decides", hint="Add --reviewer 'Your Name'.")
    with Case.open(case_dir) as case:
        if undo is not None:
            withdraw_decision(case, undo, reviewer=reviewer)
            out.print(f"Decision {undo} withdrawn; run `fullcount link` to apply.")
            return
        if record_a is None or record_b is None or decision is None:
            raise FullcountError("give two records and a decision",
                                 hint="e.g. fullcount decide ngo_a:12 media_b:40 non_match "
                                      "--reviewer 'A. Analyst'")
        a, b = resolve_record(case, record_a), resolve_record(case, record_b)
        made = record_decision(case, a, b, decision, reviewer=reviewer, note=note)
    out.print(f"Decision {made.decision_id}: records {made.record_id_l} and "
              f"{made.record_id_r}: {made.decision}. Run `fullcount link` to apply.",
              markup=False)


@command(app, "evaluate")
def evaluate(
    truth: Annotated[Path, typer.Option(
        "--truth", help="The truth folder written by `fullcount synth` (truth/ with "
        "records.csv), or any folder with a records.csv of source,row_number,person_id.",
        exists=True, file_okay=False)],
    case_dir: CaseOption = Path("."),
    as_json: JsonOption = False,
) -> None:
    """Compare the register with a known truth: pairwise and cluster precision, recall
    and F1, the number of people against the true number, and the capture-history table
    against the true one."""
    with Case.open(case_dir, readonly=True) as case:
        result = evaluate_register(case, truth)
    if as_json:
        print_json(result.to_dict())
        return
    report_evaluation(result)


def report_evaluation(e: Evaluation) -> None:
    grid = table("", "precision", "recall", "F1")
    add_row(grid, "pairs of records", f"{e.precision:.4f}", f"{e.recall:.4f}", f"{e.f1:.4f}")
    add_row(grid, "people (exact clusters)", f"{e.cluster_precision:.4f}",
            f"{e.cluster_recall:.4f}", f"{e.cluster_f1:.4f}")
    out.print(grid)
    out.print(f"People: {e.entities:,} in the register, {e.true_people:,} in the truth "
              f"({e.entity_error:+.2%}). True pairs among kept candidate pairs: "
              f"{e.blocking_recall:.2%}.", markup=False)
    if e.records_without_truth:
        out.print(f"  {e.records_without_truth:,} records are not in the truth file.",
                  markup=False)
    grid = table(*[f"{i + 1}" for i in range(len(e.lists))], "true", "linked", "difference",
                 title="Capture histories (1 = on the list): "
                       + ", ".join(f"{i + 1} = {name}" for i, name in enumerate(e.lists)))
    for row in e.histories:
        add_row(grid, *row["pattern"], f"{row['true']:,}", f"{row['linked']:,}",
                f"{row['linked'] - row['true']:+,}")
    out.print(grid)
