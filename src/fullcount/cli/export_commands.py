"""`fullcount export entities` and `export histories`: tables of the case written to
CSV, plain or pseudonymised (for someone who must not see names), each one audited."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from fullcount.case import Case
from fullcount.cli.app import CaseOption, JsonOption, app, command, out, print_json
from fullcount.export import ExportResult, export_entities, export_histories

export_app = typer.Typer(help="Write tables of the case to files.", no_args_is_help=True)
app.add_typer(export_app, name="export")

OutOption = Annotated[Path, typer.Option(
    "--out", "-o", help="CSV file to write.", dir_okay=False, show_default=False)]
PseudonymiseOption = Annotated[bool, typer.Option(
    "--pseudonymise", "--pseudonymize",
    help="For sharing with someone who must not see names: names become keyed hashes "
    "(the same name, the same pseudonym, in every export of this case), dates and places "
    "are coarsened as \\[export] in fullcount.toml says, no free text is written.")]


@command(export_app, "entities")
def entities(
    out_file: OutOption,
    case_dir: CaseOption = Path("."),
    pseudonymise: PseudonymiseOption = False,
    as_json: JsonOption = False,
) -> None:
    """Write the register as CSV: one row per record with its source, its row in the
    source file (source_row: the file's own id column if it had one, else the row
    number), its record id and the entity (person) it belongs to, with the entity's
    best-known name, date and place. The export is recorded in the audit log."""
    with Case.open(case_dir) as case:
        result = export_entities(case, out_file, pseudonymise=pseudonymise)
    report_export(result, out_file, "records", as_json=as_json)


@command(export_app, "histories")
def histories(
    out_file: OutOption,
    case_dir: CaseOption = Path("."),
    pseudonymise: PseudonymiseOption = False,
    as_json: JsonOption = False,
) -> None:
    """Write the capture histories as CSV: how many people each combination of lists
    recorded (per stratum of \\[strata] by), one 0/1 column per list plus count; what
    `fullcount estimate --histories` reads. Pseudonymised, strata by names, places or
    dates are labelled by keyed hashes. The export is recorded in the audit log."""
    with Case.open(case_dir) as case:
        result = export_histories(case, out_file, pseudonymise=pseudonymise)
    report_export(result, out_file, "capture histories", as_json=as_json)


def report_export(result: ExportResult, out_file: Path, what: str, *, as_json: bool) -> None:
    if as_json:
        print_json({**result.to_dict(), "path": str(out_file)})
        return
    how = ""
    if result.pseudonymised:
        how = " (pseudonymised" + (f"; dates by {result.date_precision}, places: "
                                   f"{result.place}" if result.date_precision else "") + ")"
    out.print(f"Wrote {result.rows:,} {what} to {out_file}{how}", markup=False)
