"""`fullcount normalize`: the derived columns linkage compares (runs after ingest too)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from fullcount.case import Case
from fullcount.cli.app import CaseOption, JsonOption, app, command, out, print_json, progress_bars
from fullcount.normalize.stage import NormalizeResult, run_normalize_stage


@command(app, "normalize")
def normalize(
    case_dir: CaseOption = Path("."),
    redo: Annotated[bool, typer.Option(
        "--all", help="Normalise every record again, not only new ones.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Derive comparable columns from every record: a cross-script name key and canonical
    Latin name (Persian and Latin spellings of one name get one key), father's-name key,
    titles, the date of death as an ISO date with its calendar and precision (Jalali,
    lunar Hijri or Gregorian), the canonical place and province, and sex.

    The columns as given and the raw rows are never changed. Ingest runs this
    automatically; run it yourself after changing the gazetteer or with --all.
    """
    with Case.open(case_dir) as case, progress_bars() as start:
        result = run_normalize_stage(case, redo=redo, progress=start)
    if as_json:
        print_json(result.to_dict())
        return
    report_normalize(result)


def report_normalize(result: NormalizeResult) -> None:
    if result.records == 0:
        out.print("Every record is already normalised (use --all to redo them).")
        return
    out.print(f"Normalised {result.records:,} records "
              f"({result.distinct.get('names', 0):,} distinct names, "
              f"{result.distinct.get('dates', 0):,} dates, "
              f"{result.distinct.get('places', 0):,} places).", markup=False)
    cover = result.coverage
    total = max(cover.get("records", 0), 1)
    out.print("  with a name key {:.1%}, a readable date {:.1%}, a known place {:.1%}, "
              "a province {:.1%}, sex {:.1%} (of the case's {:,} records)".format(
                  *(cover.get(k, 0) / total for k in (
                      "name_key", "date_iso", "place_canonical", "province_canonical",
                      "sex_code")), total), markup=False)
