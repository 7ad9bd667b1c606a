"""`fullcount audit verify` and `audit show`: the case's tamper-evident log of every
stage run, review decision and export."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from fullcount.case import Case
from fullcount.case.audit import AuditReport, audit_entries, verify_audit
from fullcount.cli.app import (
    CaseOption,
    JsonOption,
    add_row,
    app,
    command,
    err,
    out,
    print_json,
    safe,
    table,
)

audit_app = typer.Typer(help="The case's audit log: check it, list it.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")


@command(audit_app, "verify")
def verify(case_dir: CaseOption = Path("."), as_json: JsonOption = False) -> None:
    """Check that no entry of the audit log was edited, deleted or reordered: every
    entry's hash is recomputed and the chain followed. Exit code 1 names each problem."""
    with Case.open(case_dir, readonly=True) as case:
        report = verify_audit(case)
    if as_json:
        print_json(report.to_dict())
    else:
        report_verification(report)
    if not report.ok:
        raise typer.Exit(1)


def report_verification(report: AuditReport) -> None:
    if report.ok:
        out.print(f"OK: {report.entries:,} entries, chain intact; head entry "
                  f"{report.head_entry_id} hash {report.head_hash}", markup=False)
        if not report.anchored:
            out.print("  note: the case stores no head hash, so deleting the latest "
                      "entries would not be detected.", markup=False)
        return
    err.print(f"[bold red]audit log tampered:[/bold red] {len(report.problems)} problem(s) "
              f"in {report.entries:,} entries")
    for problem in report.problems:
        err.print(f"  {safe(problem.kind)}: {safe(problem.message)}")


@command(audit_app, "show")
def show(
    case_dir: CaseOption = Path("."),
    action: Annotated[str | None, typer.Option(
        help="Only entries of this action (ingest, normalize, link, estimate, decision, "
        "export, ...).")] = None,
    limit: Annotated[int | None, typer.Option(
        min=1, help="Only the latest N entries.")] = None,
    as_json: JsonOption = False,
) -> None:
    """List the audit log: when, who, what, and a one-line summary of the details."""
    with Case.open(case_dir, readonly=True) as case:
        entries = audit_entries(case, action=action, limit=limit)
    if as_json:
        print_json([entry.to_dict() for entry in entries])
        return
    grid = table("#", "time (UTC)", "actor", "action", "details", title="Audit log")
    for entry in entries:
        add_row(grid, entry.entry_id, f"{entry.logged_at:%Y-%m-%d %H:%M:%S}", entry.actor,
                entry.action, entry.summary())
    out.print(grid)
    if not entries:
        out.print("No entries" + (f" with action '{action}'." if action else "."),
                  markup=False)
