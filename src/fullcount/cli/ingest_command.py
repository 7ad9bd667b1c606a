"""`fullcount ingest`: read source files into the case."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any

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
    progress_bars,
    report_error,
    safe,
    table,
)
from fullcount.cli.normalize_command import report_normalize
from fullcount.errors import FullcountError, IngestError
from fullcount.ingest import IngestResult, ingest_file, open_reader
from fullcount.ingest.fields import FIELD_NAMES, FIELDS, suggest_mapping
from fullcount.ingest.readers import RowRules
from fullcount.normalize.stage import run_normalize_stage
from fullcount.settings import check_source_name, record_source

FIELD_HELP = "; ".join(f"{f.name}: {f.description}" for f in FIELDS)


def source_name_for(path: Path) -> str:
    """A source name from a file name: ngo_a.csv -> ngo_a."""
    name = re.sub(r"[^A-Za-z0-9_\-]+", "_", path.stem).strip("_-").lower()
    return name[:64] or "source"


def parse_map_options(values: list[str]) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for value in values:
        field, sep, column = value.partition("=")
        field, column = field.strip(), column.strip()
        if not sep or not field or not column:
            raise FullcountError(
                f"--map '{value}' is not FIELD=COLUMN",
                hint="For example: --map full_name='Name of victim' --map age=Age",
            )
        if field not in FIELD_NAMES:
            raise FullcountError(
                f"--map '{value}': '{field}' is not a record field",
                hint=f"Fields: {', '.join(FIELD_NAMES)}",
            )
        mapping[field] = column
    return mapping


@command(app, "ingest")
def ingest(
    files: Annotated[list[Path], typer.Argument(
        help="Source files: CSV/TSV (any common encoding), XLSX, JSON or JSON Lines.",
        show_default=False)],
    source: Annotated[str | None, typer.Option(
        "--source", "-s",
        help="Name of the source (the organisation's list) these files belong to, e.g. "
        "ngo_a. Default: each file's name without extension.")] = None,
    case_dir: CaseOption = Path("."),
    map_: Annotated[list[str] | None, typer.Option(
        "--map", metavar="FIELD=COLUMN",
        help="Say which column holds a field (repeatable); overrides fullcount.toml. "
        f"Fields: {', '.join(FIELD_NAMES)}.")] = None,
    suggest: Annotated[bool, typer.Option(
        "--suggest",
        help="Propose a column mapping from the headers, show it with sample values, and "
        "ask before using it (saved to fullcount.toml).")] = False,
    yes: Annotated[bool, typer.Option(
        "--yes", "-y", help="Accept the suggested mapping without asking.")] = False,
    encoding: Annotated[str | None, typer.Option(
        help="Text encoding of CSV/TSV/JSON files, e.g. utf-8, utf-16, windows-1256 "
        "(default: detected).")] = None,
    file_format: Annotated[str | None, typer.Option(
        "--format", help="csv, tsv, xlsx, json or jsonl (default: from the file name).")] = None,
    sheet: Annotated[str | None, typer.Option(
        help="XLSX: the sheet to read (default: the first).")] = None,
    supersede: Annotated[bool, typer.Option(
        "--supersede",
        help="This file replaces ALL current files of the source (a new export of the "
        "whole list under a new file name). Without it, only a file of the same name is "
        "replaced; older versions stay queryable either way.")] = False,
    normalize: Annotated[bool, typer.Option(
        "--normalize/--no-normalize",
        help="Normalise the new records afterwards (see `fullcount normalize`).")] = True,
    as_json: JsonOption = False,
) -> None:
    """Read lists into the case. Every row becomes a record or is quarantined with its
    raw text and the reason; nothing is dropped.

    Columns are mapped to record fields by \\[sources.NAME.mapping] in fullcount.toml, by
    --map, or automatically when every header is recognised (English or Persian names
    such as "Full name", «نام», «نام خانوادگی», «نام پدر», «سن», «تاریخ فوت», «شهر»).
    The same file again is a no-op; a changed file of the same name is a new version.
    Rows whose age or date cannot be read are kept and flagged.
    """
    explicit = parse_map_options(map_ or [])
    if source is not None:
        check_source_name(source)
    results: list[dict[str, Any]] = []
    failed = 0
    with Case.open(case_dir) as case:
        for path in files:
            name = source or source_name_for(path)
            try:
                if suggest:
                    accepted = _suggest(case, path, name, encoding=encoding,
                                        file_format=file_format, sheet=sheet, yes=yes,
                                        quiet=as_json)
                    if accepted is None:
                        continue
                    explicit = accepted
                with progress_bars() as start:
                    result = ingest_file(
                        case, path, source=name, mapping=explicit or None,
                        encoding=encoding, file_format=file_format, sheet=sheet,
                        supersede=supersede, progress=start,
                    )
            except FullcountError as exc:
                failed += 1
                results.append({"file": str(path), "source": name, "error": exc.message,
                                "hint": exc.hint})
                report_error(exc)
                continue
            results.append(result.to_dict())
            if not as_json:
                _report(result)
        normalized = None
        if normalize and any(r.get("status") == "ingested" for r in results):
            with progress_bars() as start:
                normalized = run_normalize_stage(case, progress=start)
            if not as_json:
                report_normalize(normalized)
    if as_json:
        print_json({
            "files": results,
            "totals": {key: sum(r.get(key, 0) for r in results)
                       for key in ("rows_read", "records", "quarantined", "blank_skipped")},
            "normalize": normalized.to_dict() if normalized else None,
        })
    if failed:
        raise typer.Exit(1)


def _report(result: IngestResult) -> None:
    if result.status == "unchanged":
        out.print(f"{result.file}: unchanged — {result.notes[0]}", markup=False)
        return
    out.print(
        f"[bold]{safe(result.file)}[/bold] → source [bold]{safe(result.source)}[/bold] "
        f"(version {result.version}, {result.format}"
        + (f", {result.encoding}" if result.encoding else "") + ")"
    )
    out.print(
        f"  {result.rows_read:,} rows read = {result.records:,} records + "
        f"{result.quarantined:,} quarantined"
        + (f"  ({result.blank_skipped:,} blank lines skipped)" if result.blank_skipped else "")
    )
    if result.quarantine_reasons:
        reasons = ", ".join(f"{k} {v:,}" for k, v in result.quarantine_reasons.items())
        out.print(f"  quarantined: {reasons} — see `fullcount quarantine list "
                  f"--source {result.source}`", markup=False)
    if result.flagged:
        out.print("  kept but flagged: " + ", ".join(
            f"{k} {v:,}" for k, v in result.flagged.items()))
    if result.unmapped_columns:
        out.print("  unmapped columns kept in `extra`: " + ", ".join(result.unmapped_columns),
                  markup=False)
    for note in result.notes:
        out.print(f"  {note}", markup=False)
    if result.superseded:
        out.print(f"  replaces file version(s) {result.superseded}; they stay queryable")


def _suggest(case: Case, path: Path, source: str, *, encoding: str | None,
             file_format: str | None, sheet: str | None, yes: bool,
             quiet: bool) -> dict[str, str] | None:
    """Show the proposed mapping with sample values; return it if the user accepts."""
    if not path.is_file():
        raise IngestError(f"{path} does not exist or is not a file")
    reader = open_reader(path, file_format=file_format or "auto",
                         encoding=encoding or "auto", sheet=sheet or "")
    suggestion = suggest_mapping(reader.header)
    samples: dict[str, list[str]] = {c: [] for c in reader.columns}
    for batch in reader.batches(RowRules(name_columns=(), max_cell_chars=1 << 20,
                                         batch_rows=1_000)):
        for column, values in zip(reader.columns, batch.columns):
            samples[column] = [v for v in values if v.strip()][:3]
        break
    field_of = {column: field for field, column in suggestion.mapping.items()}
    if not quiet:
        grid = table("column", "→ field", "sample values", title=f"Proposed mapping for {path}")
        for column in reader.columns:
            add_row(grid, column, field_of.get(column, "(extra)"),
                    " | ".join(samples.get(column, [])))
        out.print(grid)
        if suggestion.unrecognised:
            out.print("Not recognised (kept as extra columns unless you map them): "
                      + ", ".join(suggestion.unrecognised), markup=False)
    if not suggestion.mapping:
        raise IngestError(f"{path}: no column could be recognised",
                          hint="Map columns yourself with --map FIELD=COLUMN.")
    if not yes:
        if not typer.get_text_stream("stdin").isatty():
            out.print("Re-run with --yes to accept this mapping, or set it in fullcount.toml "
                      f"under [sources.{source}.mapping]. Nothing was ingested.", markup=False)
            return None
        if not typer.confirm(f"Use this mapping for source '{source}' and ingest?"):
            out.print("Nothing was ingested.")
            return None
    record_source(case.path, source, mapping=suggestion.mapping)
    case.reload_settings()
    return suggestion.mapping
