"""Commands that create and inspect a case: init, status, sources, quarantine; and
protect it: rekey, encrypt."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from fullcount.case import Case, keys
from fullcount.case.summary import (
    case_status,
    export_quarantine,
    list_quarantine,
    list_sources,
    quarantined_row,
)
from fullcount.cli.app import (
    CaseOption,
    JsonOption,
    add_row,
    app,
    command,
    out,
    print_json,
    quarantine_app,
    safe,
    table,
)
from fullcount.errors import CaseError


@command(app, "init")
def init(
    directory: Annotated[Path, typer.Argument(
        help="Folder for the new case; created if missing. It must not hold a case already.")],
    name: Annotated[str | None, typer.Option(
        help="A name for the case, shown in reports (default: the folder's name).")] = None,
    encrypt: Annotated[bool, typer.Option(
        "--encrypt", help="Encrypt the case's database with a key derived from a "
        "passphrase, asked for twice (or $FULLCOUNT_KEY). Every command then needs it; "
        "a lost passphrase cannot be recovered.")] = False,
) -> None:
    """Create a new case: a folder with fullcount.toml (settings) and case.duckdb (tables).

    Then add lists with `fullcount ingest FILE --source NAME --case DIR`.
    """
    passphrase = None
    if encrypt:
        Case.create_check(directory)  # refuse an existing case before asking anything
        passphrase = keys.new_passphrase(keys.PASSPHRASE_ENV, what="passphrase")
    with Case.create(directory, name=name, encrypt=encrypt, passphrase=passphrase) as case:
        out.print(f"Created {'encrypted ' if encrypt else ''}case "
                  f"[bold]{safe(case.settings.case.name)}[/bold] in {safe(case.path)}")
        out.print(f"  settings: {case.path / 'fullcount.toml'}", markup=False)
        out.print(f"  tables:   {case.path / 'case.duckdb'}", markup=False)
        out.print(f"Next: fullcount ingest LIST.csv --source ngo_a --case {directory}",
                  markup=False)


@command(app, "status")
def status(case_dir: CaseOption = Path("."), as_json: JsonOption = False) -> None:
    """What the case holds: sources, records, quarantined rows, flags, last activity."""
    with Case.open(case_dir, readonly=True) as case:
        info = case_status(case)
    if as_json:
        print_json(info)
        return
    out.print(f"[bold]{safe(info['name'])}[/bold]  ({safe(info['case'])}, "
              f"schema v{info['schema_version']})")
    out.print(
        f"{info['sources']} source(s), {info['files']} current file(s): "
        f"{info['rows_read']:,} rows read = {info['records']:,} records + "
        f"{info['quarantined']:,} quarantined"
    )
    if info["per_source"]:
        grid = table("source", "files", "rows read", "records", "quarantined")
        for row in info["per_source"]:
            add_row(grid, row["source"], row["files"], f"{row['rows_read']:,}",
                    f"{row['records']:,}", f"{row['quarantined']:,}")
        out.print(grid)
    if info["quarantine_reasons"]:
        reasons = ", ".join(f"{k} {v:,}" for k, v in info["quarantine_reasons"].items())
        out.print(f"Quarantined by reason: {reasons}  (see `fullcount quarantine list`)")
    if info["flagged"]:
        flags = ", ".join(f"{k} {v:,}" for k, v in info["flagged"].items())
        out.print(f"Records kept but flagged: {flags}")
    if info["entities"]:
        decided = ", ".join(f"{k} {v:,}" for k, v in info["decisions"].items()) or "none"
        out.print(f"Register: {info['entities']:,} people from {info['records']:,} records; "
                  f"{info['pairs']:,} candidate pairs, {info['uncertain_pairs']:,} uncertain "
                  f"({info['uncertain_decided']:,} reviewed; `fullcount review`); "
                  f"threshold {info['threshold']:.2f}", markup=False)
        pending = info["unapplied_decisions"]
        out.print(f"Review decisions: {decided}"
                  + (f"; {pending:,} not yet applied (run `fullcount link`)" if pending
                     else ""), markup=False)
    out.print("Stages: " + ", ".join(f"{k} {v}" for k, v in info["stages"].items()),
              markup=False)
    if info["last_activity"]:
        last = info["last_activity"]
        out.print(f"Last activity: {last['action']} by {last['actor']} at {last['at']} UTC",
                  markup=False)


@command(app, "sources")
def sources(
    case_dir: CaseOption = Path("."),
    all_versions: Annotated[bool, typer.Option(
        "--all", help="Also list older versions of files that were replaced.")] = False,
    as_json: JsonOption = False,
) -> None:
    """The ingested files: rows read, records, quarantined, and their chain of custody
    (SHA-256, size, when and by whom)."""
    with Case.open(case_dir, readonly=True) as case:
        rows = list_sources(case, all_versions=all_versions)
    if as_json:
        print_json(rows)
        return
    if not rows:
        out.print("No files ingested yet. Add one with `fullcount ingest FILE --source NAME`.")
        return
    grid = table("source", "file", "ver", "format", "rows read", "records", "quarantined",
                 "sha256", "ingested (UTC)")
    for row in rows:
        version = str(row["version"]) + ("" if row["current"] else " (old)")
        add_row(grid, row["source"], row["file_name"], version,
                f"{row['format']}/{row['encoding']}" if row["encoding"] else row["format"],
                f"{row['rows_read']:,}", f"{row['records']:,}", f"{row['quarantined']:,}",
                row["sha256"][:12], row["ingested_at"][:19])
    out.print(grid)


@command(quarantine_app, "list")
def quarantine_list(
    case_dir: CaseOption = Path("."),
    source: Annotated[str | None, typer.Option(help="Only rows from this source.")] = None,
    reason: Annotated[str | None, typer.Option(
        help="Only rows quarantined for this reason code (e.g. ragged, no_name).")] = None,
    limit: Annotated[int, typer.Option(help="Show at most this many rows (0: all).")] = 50,
    as_json: JsonOption = False,
) -> None:
    """List quarantined rows: where each came from and why it could not be read."""
    with Case.open(case_dir, readonly=True) as case:
        rows = list_quarantine(case, source=source, reason=reason, limit=limit or None)
        total = case_status(case)["quarantined"]
    if as_json:
        print_json(rows)
        return
    if not rows:
        out.print("No quarantined rows" + (" match." if source or reason else "."))
        return
    grid = table("id", "source", "file", "row", "line", "reason", "raw text")
    for row in rows:
        raw = row["raw_text"].replace("\n", "⏎")
        add_row(grid, row["quarantine_id"], row["source"], row["file_name"], row["row_number"],
                row["line_number"] or "", f"{row['reason_code']}: {row['reason']}",
                raw[:60] + ("…" if len(raw) > 60 else ""))
    out.print(grid)
    if len(rows) < total and not (source or reason):
        out.print(f"Showing {len(rows)} of {total:,}; use --limit 0 for all, or "
                  "`fullcount quarantine export FILE`.")


@command(quarantine_app, "show")
def quarantine_show(
    quarantine_id: Annotated[int, typer.Argument(help="The id from `quarantine list`.")],
    case_dir: CaseOption = Path("."),
    as_json: JsonOption = False,
) -> None:
    """Show one quarantined row in full: its raw text exactly as read, and why."""
    with Case.open(case_dir, readonly=True) as case:
        row = quarantined_row(case, quarantine_id)
    if as_json:
        print_json(row)
        return
    for key in ("quarantine_id", "source", "file_name", "version", "file_path", "sha256",
                "row_number", "line_number", "reason_code", "reason"):
        out.print(f"{key:>14}: {row[key]}", markup=False)
    out.print("      raw text:", markup=False)
    out.print(row["raw_text"], markup=False)


@command(quarantine_app, "export")
def quarantine_export(
    target: Annotated[Path, typer.Argument(
        help="File to write: .csv (default) or .jsonl.")],
    case_dir: CaseOption = Path("."),
    source: Annotated[str | None, typer.Option(help="Only rows from this source.")] = None,
    reason: Annotated[str | None, typer.Option(help="Only rows with this reason code.")] = None,
) -> None:
    """Export quarantined rows (raw text, file, row, line, reason) to fix them by hand;
    a corrected file can then be ingested as a new version."""
    with Case.open(case_dir, readonly=True) as case:
        count = export_quarantine(case, target, source=source, reason=reason)
    out.print(f"Wrote {count:,} quarantined row(s) to {target}", markup=False)


@command(app, "rekey")
def rekey(case_dir: CaseOption = Path(".")) -> None:
    """Change an encrypted case's passphrase: asks for the old one (or $FULLCOUNT_KEY)
    and the new one twice (or $FULLCOUNT_NEW_KEY).

    The database is copied under the new key and checked before it replaces the old
    file, so an interruption leaves the case openable with one passphrase or the other.
    """
    with Case.open(case_dir) as case:
        if not case.encrypted:
            raise CaseError(f"case {case.path} is not encrypted",
                            hint="Encrypt it with `fullcount encrypt`.")
        case.rekey(keys.new_passphrase(keys.NEW_PASSPHRASE_ENV))
        out.print(f"Case {case.path} now opens with the new passphrase only.", markup=False)


@command(app, "encrypt")
def encrypt_case(case_dir: CaseOption = Path(".")) -> None:
    """Encrypt an existing case: asks for a passphrase twice (or $FULLCOUNT_NEW_KEY).

    The old unencrypted file is replaced, but its contents may survive on the disk and in
    backups: for names that must never be readable, create the case with `init --encrypt`.
    """
    with Case.open(case_dir) as case:
        if case.encrypted:
            raise CaseError(f"case {case.path} is already encrypted",
                            hint="Change its passphrase with `fullcount rekey`.")
        case.rekey(keys.new_passphrase(keys.NEW_PASSPHRASE_ENV, what="passphrase"))
        out.print(f"Case {case.path} is now encrypted; every command needs its passphrase "
                  f"(or ${keys.PASSPHRASE_ENV}).", markup=False)
