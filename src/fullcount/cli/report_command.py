"""`fullcount report`: the HTML (and PDF) report of a case."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from fullcount.case import Case
from fullcount.cli.app import CaseOption, app, command, out, progress_steps


@command(app, "report")
def report(
    case_dir: CaseOption = Path("."),
    out_file: Annotated[Path | None, typer.Option(
        "--out", "-o", help="Where to write the HTML report (default: report.html in "
        "the case folder). The PDF goes beside it.", dir_okay=False)] = None,
    pdf: Annotated[bool, typer.Option(
        "--pdf", help="Also write the report as PDF (A4), with the same content.")] = False,
    names: Annotated[bool, typer.Option(
        "--names", help="Add the list of the people documented (names in both scripts, "
        "date and place of death) as an appendix. Off by default: the report is often "
        "published, and the names are the victims' data.")] = False,
) -> None:
    """Write the report: one self-contained HTML file (fonts and figures inside; it opens
    offline and fetches nothing) with the summary (documented and estimated, with
    intervals), the sources and their hashes, linkage and review, the overlaps between
    lists, the estimates by method and stratum with leave-one-list-out checks, deaths over
    time and by province, the public claims set against the evidence, methods and
    limitations in plain language, and the settings, seeds and audit trail. Run
    `fullcount estimate` (and accept claims with `fullcount claims`) first.
    """
    with Case.open(case_dir) as case, progress_steps("writing the report") as say:
        say("reading the case and drawing the figures")
        from fullcount.report import write_report

        if pdf:
            say("typesetting the PDF")
        written = write_report(case, out_file, pdf=pdf, with_names=names)
    out.print(f"Report: {written.html}", markup=False)
    if written.pdf:
        out.print(f"PDF:    {written.pdf}", markup=False)
