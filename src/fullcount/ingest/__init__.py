"""Ingest: read a source file into the case, accounting for every row.

Every input row becomes exactly one record or one quarantined row (raw text, row and
line number, reason); blank rows are counted apart. The file's SHA-256, size, name and
ingest time are recorded; the same bytes again are a no-op, a changed file under the
same source and file name is a new version (the older version's records stay). One
ingest is one transaction: interrupted, it leaves the case as it was.
"""

from __future__ import annotations

import gc
import hashlib
import json
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from fullcount.case import Case, current_actor, fetch_one, utc_now
from fullcount.errors import IngestError
from fullcount.ingest.encoding import EncodingChoice, choose_encoding
from fullcount.ingest.fields import FIELD_NAMES, NAME_FIELDS, suggest_mapping
from fullcount.ingest.readers import (
    Batch,
    CsvReader,
    JsonReader,
    RowRules,
    SourceReader,
    XlsxReader,
)
from fullcount.normalize.ages import read_age
from fullcount.normalize.dates import ParsedDate, parse_date
from fullcount.settings import check_source_name, record_source

__all__ = ["IngestResult", "ingest_file", "open_reader", "resolve_mapping", "file_sha256"]

FORMATS = {".csv": "csv", ".txt": "csv", ".tsv": "tsv", ".tab": "tsv", ".xlsx": "xlsx",
           ".xlsm": "xlsx", ".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl"}

ProgressStart = Callable[[str, int], Callable[[int], None]]


@dataclass
class IngestResult:
    """What one ingest did; ``rows_read == records + quarantined`` always holds."""

    file: str
    source: str
    status: str  # "ingested" or "unchanged"
    version: int
    sha256: str
    size_bytes: int
    format: str
    encoding: str | None
    mapping: dict[str, str]
    mapping_origin: str
    file_id: int | None = None  # the file version's row in `sources`
    rows_read: int = 0
    records: int = 0
    quarantined: int = 0
    blank_skipped: int = 0
    quarantine_reasons: dict[str, int] = field(default_factory=dict)
    flagged: dict[str, int] = field(default_factory=dict)
    unmapped_columns: list[str] = field(default_factory=list)
    superseded: list[int] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def detect_format(path: Path, declared: str = "auto") -> str:
    if declared and declared != "auto":
        return declared
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        with path.open("rb") as handle:
            head = handle.read(4)
        if head.startswith(b"PK"):
            return "xlsx"
        raise IngestError(
            f"cannot tell the format of {path} from its name",
            hint="Pass --format csv, tsv, xlsx, json or jsonl.",
        )
    return fmt


def open_reader(path: Path, *, file_format: str = "auto", encoding: str = "auto",
                sheet: str = "") -> SourceReader:
    """Open ``path`` with the reader for its format (encoding detected unless declared)."""
    fmt = detect_format(path, file_format)
    if fmt == "xlsx":
        return XlsxReader(path, sheet=sheet)
    choice: EncodingChoice = choose_encoding(path, encoding)
    if fmt in ("csv", "tsv"):
        return CsvReader(path, choice, tsv=fmt == "tsv")
    if fmt in ("json", "jsonl"):
        return JsonReader(path, choice, lines=fmt == "jsonl")
    raise IngestError(f"unknown format '{fmt}'", hint="Use csv, tsv, xlsx, json or jsonl.")


def resolve_mapping(
    columns: list[str], header: list[str], *, explicit: dict[str, str] | None,
    configured: dict[str, str], path: Path, source: str,
) -> tuple[dict[str, str], str]:
    """Choose the column mapping: command line, then settings, then a complete suggestion."""
    if explicit:
        mapping, origin = {**configured, **explicit}, "command line"
    elif configured:
        mapping, origin = dict(configured), "settings"
    else:
        suggestion = suggest_mapping(header)
        if not suggestion.complete:
            proposed = "\n".join(f'  {f} = "{c}"' for f, c in suggestion.mapping.items())
            problems = []
            if suggestion.unrecognised:
                problems.append("unrecognised columns: " + ", ".join(
                    f"'{c}'" for c in suggestion.unrecognised))
            if suggestion.duplicates:
                problems.append("columns that map to a field already taken: " + ", ".join(
                    f"'{c}'" for c in suggestion.duplicates))
            if not any(f in suggestion.mapping for f in NAME_FIELDS):
                problems.append("no column recognised as a name")
            raise IngestError(
                f"{path}: source '{source}' has no column mapping and its headers cannot all "
                f"be mapped automatically ({'; '.join(problems)}).\n"
                f"Proposed mapping:\n{proposed or '  (none)'}",
                hint=f"Review it with `fullcount ingest {path.name} --source {source} --suggest`, "
                "or pass --map FIELD=COLUMN for each field (repeatable).",
            )
        mapping, origin = suggestion.mapping, "suggested from headers"
    for fld, column in mapping.items():
        if fld not in FIELD_NAMES:
            raise IngestError(
                f"'{fld}' is not a record field",
                hint=f"Fields: {', '.join(FIELD_NAMES)}",
            )
        if column not in columns:
            raise IngestError(
                f"{path}: the mapping for source '{source}' puts {fld} in column '{column}', "
                "which this file does not have. Its columns are: "
                + ", ".join(f"'{c}'" for c in columns),
                hint=f"Fix [sources.{source}.mapping] in fullcount.toml, or pass "
                f"--map {fld}=COLUMN.",
            )
        if header.count(column) > 1:
            raise IngestError(
                f"{path}: column '{column}' (mapped to {fld}) appears {header.count(column)} "
                "times in the header, so which one holds the field is ambiguous",
                hint=f"Map the one you mean by its position-suffixed name, e.g. "
                f"--map {fld}='{column} (2)', or rename the columns in the file.",
            )
    if not any(f in mapping for f in NAME_FIELDS):
        raise IngestError(
            f"{path}: no column is mapped to a name (full_name, given_name or family_name); "
            "every record needs one",
            hint=f"Pass --map full_name=COLUMN, or set [sources.{source}.mapping].",
        )
    return mapping, origin


def ingest_file(
    case: Case,
    path: Path | str,
    *,
    source: str,
    mapping: dict[str, str] | None = None,
    encoding: str | None = None,
    file_format: str | None = None,
    sheet: str | None = None,
    supersede: bool = False,
    progress: ProgressStart | None = None,
) -> IngestResult:
    """Ingest one file as (a version of) ``source``; see the module docstring."""
    check_source_name(source)
    path = Path(path)
    try:
        is_file = path.is_file()
    except OSError as exc:  # a name too long for the file system, say
        raise IngestError(f"{path} cannot be read: {exc.strerror}") from exc
    if not is_file:
        raise IngestError(f"{path} does not exist or is not a file")
    configured = case.settings.sources.get(source)
    encoding = encoding or (configured.encoding if configured else "auto")
    file_format = file_format or (configured.format if configured else "auto")
    sheet = sheet if sheet is not None else (configured.sheet if configured else "")

    sha256 = file_sha256(path)
    size = path.stat().st_size
    same = case.con.execute(
        "SELECT source, version, file_name, ingested_at, format, encoding, mapping, "
        "mapping_origin, superseded_by IS NULL, file_id FROM sources WHERE sha256 = ? "
        "ORDER BY file_id",
        [sha256],
    ).fetchall()
    restored_note = None
    if same:
        other = [row for row in same if row[0] != source]
        if other:
            raise IngestError(
                f"{path} has exactly the bytes already ingested as source '{other[0][0]}' "
                f"(file {other[0][2]}, {other[0][3]:%Y-%m-%d %H:%M})",
                hint="Ingesting one list under two sources would count its people twice; "
                "nothing was ingested.",
            )
        current = [row for row in same if row[8]]
        if current:
            prior = current[0]
            return IngestResult(
                file=str(path), source=source, status="unchanged", version=prior[1],
                file_id=prior[9],
                sha256=sha256, size_bytes=size, format=prior[4], encoding=prior[5],
                mapping=json.loads(prior[6]), mapping_origin=prior[7],
                notes=[f"identical to version {prior[1]} ingested {prior[3]:%Y-%m-%d %H:%M}; "
                       "nothing to do"],
            )
        # The bytes of a replaced version came back: the file changed again, so this is a
        # new version (the old one stays as it was, for the record).
        restored_note = (f"same bytes as replaced version {same[-1][1]} of {same[-1][2]}; "
                         "ingested again as the current version")

    reader = open_reader(path, file_format=file_format, encoding=encoding, sheet=sheet)
    columns = reader.columns
    used, origin = resolve_mapping(
        columns, reader.header, explicit=mapping,
        configured=configured.mapping if configured else {}, path=path, source=source,
    )
    index = {column: i for i, column in enumerate(columns)}
    rules = RowRules(
        name_columns=tuple(index[used[f]] for f in NAME_FIELDS if f in used),
        max_cell_chars=case.settings.ingest.max_cell_chars,
        batch_rows=case.settings.ingest.batch_rows,
    )
    result = IngestResult(
        file=str(path), source=source, status="ingested", version=0, sha256=sha256,
        size_bytes=size, format=reader.format, encoding=reader.encoding, mapping=used,
        mapping_origin=origin,
        unmapped_columns=[c for c in columns if c not in used.values()],
    )
    if restored_note:
        result.notes.append(restored_note)
    if isinstance(reader, CsvReader | JsonReader):
        enc = reader.enc if isinstance(reader, CsvReader) else None
        if enc is not None and enc.how != "declared":
            result.notes.append(f"encoding {reader.encoding} ({enc.how})")

    # Rows are written batch by batch under a file_id that has no `sources` row yet, so
    # they stay invisible; the final transaction registers the file and makes them visible
    # all at once. Interrupted, nothing shows and the rows are discarded (here, or by the
    # next writer to open the case after a crash).
    file_id = fetch_one(case.con,
        "SELECT greatest((SELECT max(file_id) FROM sources), "
        "(SELECT max(file_id) FROM record_rows), (SELECT max(file_id) FROM quarantine_rows), 0)"
        " + 1")[0]
    if isinstance(reader, CsvReader):
        total = reader.size
    elif isinstance(reader, XlsxReader):
        total = reader.rows_total
    else:
        total = len(reader.items) if isinstance(reader, JsonReader) else 0
    tick = progress(f"{path.name} → {source}", total) if progress else None
    reasons: Counter[str] = Counter()
    writer = _RecordWriter(case, columns, used, file_id=file_id, source=source,
                           raw_json=isinstance(reader, JsonReader))
    try:
        # Parsing (Python, holds the GIL) overlaps with writing the previous batch
        # (DuckDB, releases it); at most one batch waits, so memory stays flat.
        with _gc_paused(), _duckdb_threads(case, 1), ThreadPoolExecutor(max_workers=1) as pool:
            in_flight: Future[None] | None = None
            for batch in reader.batches(rules, tick):
                if in_flight is not None:
                    in_flight.result()
                in_flight = pool.submit(writer.write, batch)
                reasons.update(r.reason_code for r in batch.rejected)
            if in_flight is not None:
                in_flight.result()
        result.records = writer.records
        result.quarantined = writer.quarantined
        result.rows_read = result.records + result.quarantined
        result.blank_skipped = reader.blank_skipped
        result.quarantine_reasons = dict(reasons.most_common())
        result.flagged = writer.flag_counts()
        with case.transaction():
            version, superseded = _register_file(
                case, file_id, path, source, result, reader, supersede=supersede)
            result.version, result.superseded = version, superseded
            result.file_id = file_id
            case.audit("ingest", {
                "file": path.name, "source": source, "version": version, "sha256": sha256,
                "size_bytes": size, "format": result.format, "encoding": result.encoding,
                "mapping": used, "rows_read": result.rows_read, "records": result.records,
                "quarantined": result.quarantined, "superseded_file_ids": superseded,
            })
    except BaseException:
        case.discard_unfinished(file_id)
        raise
    if origin != "settings" and not (configured and configured.mapping):
        record_source(case.path, source, mapping=used)
        case.reload_settings()
        result.notes.append(f"mapping recorded in fullcount.toml [sources.{source}.mapping]")
    return result


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector: parsing allocates millions of small lists
    that hold no cycles, and collection passes over them triple the time to ingest."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _register_file(case: Case, file_id: int, path: Path, source: str, result: IngestResult,
                   reader: SourceReader, *, supersede: bool) -> tuple[int, list[int]]:
    """Insert the file's chain-of-custody row; supersede the previous version(s)."""
    con = case.con
    previous = con.execute(
        "SELECT file_id, version FROM sources WHERE source = ? AND superseded_by IS NULL "
        + ("" if supersede else "AND file_name = ?"),
        [source] if supersede else [source, path.name],
    ).fetchall()
    version = fetch_one(con,
        "SELECT coalesce(max(version), 0) + 1 FROM sources WHERE source = ? AND file_name = ?",
        [source, path.name],
    )[0]
    con.execute(
        "INSERT INTO sources VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)",
        [file_id, source, version, path.name, str(path.resolve()), result.sha256,
         result.size_bytes, result.format, result.encoding,
         json.dumps(reader.header, ensure_ascii=False),
         json.dumps(result.mapping, ensure_ascii=False), result.mapping_origin,
         result.rows_read, result.records, result.quarantined, result.blank_skipped,
         utc_now(), current_actor()],
    )
    superseded = [row[0] for row in previous]
    if superseded:
        con.execute(
            "UPDATE sources SET superseded_by = ? WHERE file_id IN "
            f"({', '.join('?' * len(superseded))})", [file_id, *superseded],
        )
    return version, superseded


@contextmanager
def _duckdb_threads(case: Case, threads: int) -> Iterator[None]:
    """Limit DuckDB's threads while Python parses on the other core."""
    previous = fetch_one(case.con, "SELECT current_setting('threads')")[0]
    case.con.execute(f"SET threads = {int(threads)}")
    try:
        yield
    finally:
        case.con.execute(f"SET threads = {int(previous)}")


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


class _RecordWriter:
    """Writes batches into ``record_rows`` and ``quarantine_rows`` with set-based SQL.

    Each batch is mapped, trimmed, validated and turned into JSON by one statement and
    committed on its own; memory stays flat however large the file. The rows stay
    invisible until the caller registers the file (see ``ingest_file``).
    """

    def __init__(self, case: Case, columns: list[str], mapping: dict[str, str], *,
                 file_id: int, source: str, raw_json: bool) -> None:
        self.con = case.con
        self.file_id = file_id
        self.source = source
        self.records = 0
        self.quarantined = 0
        self.raw_json = raw_json
        index = {column: i for i, column in enumerate(columns)}
        self.lookups: dict[str, tuple[int, _Lookup]] = {}
        if "age" in mapping:
            self.lookups["age_lookup"] = (index[mapping["age"]], _Lookup(
                read_age, {"age_min": pa.int32(), "age_max": pa.int32()},
                lambda age: {"age_min": age[0], "age_max": age[1]}))
        if "date_of_death" in mapping:
            self.lookups["date_lookup"] = (index[mapping["date_of_death"]], _Lookup(
                _readable_date, {}, lambda _: {}))
        self.first_record = fetch_one(self.con,
            "SELECT coalesce(max(record_id), 0) FROM record_rows")[0]
        self.first_quarantine = fetch_one(self.con,
            "SELECT coalesce(max(quarantine_id), 0) FROM quarantine_rows")[0]

        def field_sql(name: str) -> str:
            if name not in mapping:
                return "NULL"
            return f"NULLIF(trim(b.c{index[mapping[name]]}), '')"

        unmapped = [c for c in columns if c not in mapping.values()]
        extra = ("json_object(" + ", ".join(
            f"{_sql_string(c)}, b.c{index[c]}" for c in unmapped) + ")") if unmapped else "NULL"
        raw = "b.raw_text::JSON" if raw_json else "json_object(" + ", ".join(
            f"{_sql_string(c)}, b.c{i}" for i, c in enumerate(columns)) + ")"
        joins, flags = [], []
        if "age_lookup" in self.lookups:
            joins.append(f"LEFT JOIN age_lookup a ON a.value = b.c{index[mapping['age']]}")
            flags.append("CASE WHEN a.readable = false THEN 'age_unreadable' END")
        if "date_lookup" in self.lookups:
            joins.append("LEFT JOIN date_lookup d "
                         f"ON d.value = b.c{index[mapping['date_of_death']]}")
            flags.append("CASE WHEN d.readable = false THEN 'date_unreadable' END")
        flag_list = ("list_filter([" + ", ".join(flags) + "], x -> x IS NOT NULL)"
                     if flags else "[]::VARCHAR[]")
        age = "age_lookup" in self.lookups
        self.insert_sql = f"""
            INSERT INTO record_rows (record_id, file_id, source, row_number, line_number,
                source_row_id, full_name, given_name, family_name, father_name, sex, age,
                age_min, age_max, date_of_death, place, province, notes, extra, raw, flags)
            SELECT {self.first_record} + b.ordinal, {file_id}, {_sql_string(source)},
                   b.row_number, b.line_number,
                   {field_sql('source_row_id')}, {field_sql('full_name')},
                   {field_sql('given_name')}, {field_sql('family_name')},
                   {field_sql('father_name')}, {field_sql('sex')}, {field_sql('age')},
                   {'a.age_min' if age else 'NULL'}, {'a.age_max' if age else 'NULL'},
                   {field_sql('date_of_death')}, {field_sql('place')},
                   {field_sql('province')}, {field_sql('notes')},
                   {extra}, {raw}, {flag_list}
            FROM batch b {' '.join(joins)}
        """

    def write(self, batch: Batch) -> None:
        """Write one batch of good and rejected rows, committed on its own."""
        con = self.con
        if len(batch):
            data: dict[str, Any] = {f"c{i}": column for i, column in enumerate(batch.columns)}
            data["ordinal"] = pa.array(
                range(self.records + 1, self.records + len(batch) + 1), type=pa.int64())
            data["row_number"] = pa.array(batch.row_numbers, type=pa.int64())
            data["line_number"] = pa.array(batch.line_numbers, type=pa.int64())
            if self.raw_json:
                data["raw_text"] = batch.raw
            con.register("batch", pa.table(data))
            for name, (column, lookup) in self.lookups.items():
                con.register(name, lookup.table(batch.columns[column]))
            con.execute(self.insert_sql)
            for name in ("batch", *self.lookups):
                con.unregister(name)
            self.records += len(batch)
        if batch.rejected:
            con.register("batch_rejected", pa.table({
                "ordinal": pa.array(range(self.quarantined + 1,
                                          self.quarantined + len(batch.rejected) + 1),
                                    type=pa.int64()),
                "row_number": pa.array([r.row_number for r in batch.rejected], pa.int64()),
                "line_number": pa.array([r.line_number for r in batch.rejected], pa.int64()),
                "raw_text": pa.array([r.raw_text for r in batch.rejected], pa.string()),
                "reason_code": pa.array([r.reason_code for r in batch.rejected], pa.string()),
                "reason": pa.array([r.reason for r in batch.rejected], pa.string()),
            }))
            con.execute(f"""
                INSERT INTO quarantine_rows (quarantine_id, file_id, source, row_number,
                    line_number, raw_text, reason_code, reason)
                SELECT {self.first_quarantine} + ordinal, {self.file_id},
                       {_sql_string(self.source)}, row_number, line_number, raw_text,
                       reason_code, reason
                FROM batch_rejected
            """)
            con.unregister("batch_rejected")
            self.quarantined += len(batch.rejected)

    def flag_counts(self) -> dict[str, int]:
        rows = self.con.execute(
            "SELECT flag, count(*) FROM (SELECT unnest(flags) AS flag FROM record_rows "
            "WHERE file_id = ?) GROUP BY flag ORDER BY flag", [self.file_id]).fetchall()
        return {flag: count for flag, count in rows}


def _readable_date(text: str) -> ParsedDate | None:
    """The date as read, or None when it cannot be read (the row is then flagged)."""
    parsed = parse_date(text)
    return parsed if parsed.iso is not None else None


class _Lookup:
    """Parse each distinct value of a column once per ingest; give DuckDB a table of a
    batch's distinct values and what they parse to, to join on."""

    def __init__(self, parse: Callable[[str], Any], types: dict[str, pa.DataType],
                 columns: Callable[[Any], dict[str, Any]]) -> None:
        self.parse = parse
        self.types = types
        self.columns = columns
        self.cache: dict[str, Any] = {}

    def table(self, values: list[str]) -> pa.Table:
        distinct = [v for v in set(values) if v.strip()]
        if len(self.cache) > 200_000:  # a column of free text: keep memory bounded
            self.cache.clear()
        for value in distinct:
            if value not in self.cache:
                self.cache[value] = self.parse(value)
        parsed = [self.cache[v] for v in distinct]
        data: dict[str, Any] = {
            "value": pa.array(distinct, pa.string()),
            "readable": pa.array([p is not None for p in parsed], pa.bool_()),
        }
        for name, kind in self.types.items():
            data[name] = pa.array(
                [self.columns(p)[name] if p is not None else None for p in parsed], kind)
        return pa.table(data)
