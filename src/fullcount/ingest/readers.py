"""Readers turn a source file into a header and batches of rows.

Each reader accounts for every input row: a row is either a good row (cells aligned to
the header) or a rejected row (raw text, row and line number, reason). Blank rows are
skipped and counted. Readers stream: memory does not grow with the file (JSON, read
whole, is the exception).

Why Python's csv module and not DuckDB's ``read_csv``: DuckDB's reader does not expose
the line a row came from, silently skips blank lines and sniffs quoting unreliably on
damaged files; an analyst needs "line 214" and every row accounted for. The per-row work
here is a few C calls; everything after it (mapping, JSON, validation joins, writing)
runs in DuckDB on whole batches.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, cast

from fullcount.errors import IngestError
from fullcount.ingest.encoding import EncodingChoice

Progress = Callable[[int], None]  # bytes (or rows) done so far


@dataclass
class Rejected:
    row_number: int
    line_number: int | None
    raw_text: str
    reason_code: str
    reason: str


@dataclass
class Batch:
    """Good rows, column-major: ``columns[i]`` holds the cells of header column ``i``."""

    columns: list[list[str]]
    row_numbers: list[int]
    line_numbers: list[int | None]
    raw: list[str] | None = None  # the row as read, when the format has its own text (JSON)
    rejected: list[Rejected] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.row_numbers)


@dataclass(frozen=True)
class RowRules:
    """What makes a row unusable, given the mapping."""

    name_columns: tuple[int, ...]
    max_cell_chars: int
    batch_rows: int


class RowClassifier:
    """Decide for one row of cells whether it is good, and if not, why."""

    def __init__(self, header: list[str], rules: RowRules) -> None:
        self.header = header
        self.header_stripped = [h.strip() for h in header]
        self.width = len(header)
        self.rules = rules

    def problem(self, cells: list[str]) -> tuple[str, str] | None:
        if len(cells) != self.width:
            return "ragged", f"has {len(cells)} cells where the header has {self.width}"
        longest = max(map(len, cells))
        if longest > self.rules.max_cell_chars:
            column = self.header[max(range(self.width), key=lambda i: len(cells[i]))]
            return "cell_too_large", (
                f"cell in column '{column}' has {longest:,} characters, over the "
                f"{self.rules.max_cell_chars:,} limit (ingest.max_cell_chars)"
            )
        # A file concatenated after the first keeps its byte-order mark: \ufeffName.
        if cells[0].strip().removeprefix("\ufeff") == self.header_stripped[0] and (
            [c.strip() for c in cells[1:]] == self.header_stripped[1:]
        ):
            return "repeated_header", "repeats the header line (were files concatenated?)"
        if "\x00" in "".join(cells):
            return "nul_bytes", "contains NUL (0x00) bytes: binary data or a wrong encoding"
        for i in self.rules.name_columns:
            if cells[i].strip():
                return None
        if self.rules.name_columns:
            names = ", ".join(f"'{self.header[i]}'" for i in self.rules.name_columns)
            return "no_name", f"has no name: {names} empty"
        return None


def _blank(cells: list[str]) -> bool:
    return not any(c.strip() for c in cells)


def _deduplicate(header: list[str]) -> list[str]:
    """Keep header names unique by suffixing repeats: name, name (2), name (3).

    A suffixed name the header already has (``name, name (2), name``) takes the next
    free number, so that no two columns share a name. NUL, which the SQL that stores
    the columns cannot hold, is shown as U+FFFD.
    """
    names = [name.strip().replace("\x00", "\ufffd") or "(unnamed)" for name in header]
    seen: dict[str, int] = {}
    taken = set(names)
    unique = []
    for key in names:
        seen[key] = seen.get(key, 0) + 1
        candidate = key
        if seen[key] > 1:
            while (candidate := f"{key} ({seen[key]})") in taken:
                seen[key] += 1
            taken.add(candidate)
        unique.append(candidate)
    return unique


class SourceReader:
    """Common interface: ``header`` (as read), ``columns`` (unique names) and ``batches``."""

    format: str
    encoding: str | None = None
    header: list[str]
    header_line: int | None = None
    blank_skipped: int = 0

    @property
    def columns(self) -> list[str]:
        return _deduplicate(self.header)

    def batches(self, rules: RowRules, progress: Progress | None = None) -> Iterator[Batch]:
        raise NotImplementedError


# --------------------------------------------------------------------------- CSV / TSV


_DELIMITERS = [",", "\t", ";", "|", "؛"]


def _sniff_delimiter(line: str, default: str) -> str:
    counts = {d: line.count(d) for d in _DELIMITERS}
    best = max(counts, key=lambda d: (counts[d], d == default))  # a tie goes to the default
    return best if counts[best] > 0 else default


class CsvReader(SourceReader):
    def __init__(self, path: Path, encoding: EncodingChoice, *, tsv: bool = False) -> None:
        self.path = path
        self.enc = encoding
        self.encoding = encoding.name
        self.format = "tsv" if tsv else "csv"
        self._default_delimiter = "\t" if tsv else ","
        self.size = path.stat().st_size
        self._read_header()

    def _open(self) -> io.TextIOWrapper:
        errors = "surrogateescape" if self.enc.invalid_lines else "strict"
        # newline="" keeps line ends as they are, so the csv module sees quoted newlines
        # and line numbers count \n, \r\n and lone \r ends alike.
        return self.path.open("r", encoding=self.enc.name, errors=errors, newline="")

    def _read_header(self) -> None:
        with self._open() as handle:
            for line_number, line in enumerate(handle, 1):
                if line.strip():
                    self.delimiter = _sniff_delimiter(line, self._default_delimiter)
                    line = line.removeprefix("\ufeff")
                    header = next(csv.reader([line], delimiter=self.delimiter), [])
                    if any(_has_surrogates(h) for h in header):
                        raise IngestError(
                            f"{self.path} line {line_number}: the header has bytes that are "
                            f"not valid {self.enc.name}",
                            hint="Re-run with --encoding NAME (e.g. windows-1256).",
                        )
                    self.header = [h.strip() for h in header]
                    self.header_line = line_number
                    return
        raise IngestError(
            f"{self.path} is empty: it has no header line and no rows",
            hint="Check that this is the file you meant; nothing was ingested.",
        )

    def batches(self, rules: RowRules, progress: Progress | None = None) -> Iterator[Batch]:
        """Parse rows. Rejected rows come last, in one batch, with their raw text taken
        from a second pass over just their lines (rejects are few; good rows stream)."""
        pending: list[tuple[Rejected, int]] = []  # rejected rows and their last line
        for batch in self._parse(rules, progress, pending):
            batch.rejected = []
            if len(batch):
                yield batch
        if pending:
            self._fill_raw_text(pending)
            yield Batch([[] for _ in self.header], [], [],
                        rejected=[item for item, _ in pending])

    def _parse(self, rules: RowRules, progress: Progress | None,
               pending: list[tuple[Rejected, int]]) -> Iterator[Batch]:
        classify = RowClassifier(self.header, rules).problem
        width = len(self.header)
        check_surrogates = self.enc.invalid_lines > 0
        # The csv module refuses a field over its (process-wide) limit, 131,072 by default;
        # let cells up to the case's limit through so that the classifier names the column.
        csv.field_size_limit(max(csv.field_size_limit(), rules.max_cell_chars + 1))
        with self._open() as handle:
            for _ in range(self.header_line or 0):  # the header was read already
                next(handle)
            reader = csv.reader(handle, delimiter=self.delimiter, strict=True)
            offset = self.header_line or 0
            last_line = 0  # reader.line_num counts lines read since the header
            row_number = 0
            good: list[list[str]] = []
            row_numbers: list[int] = []
            line_numbers: list[int | None] = []
            rejected: list[Rejected] = []
            done = False
            while not done:
                try:
                    for cells in reader:
                        start = last_line + 1
                        last_line = reader.line_num
                        if (not cells or not cells[0].strip()) and _blank(cells):
                            self.blank_skipped += 1
                            continue
                        row_number += 1
                        problem = classify(cells)
                        if problem is None and check_surrogates and any(
                            _has_surrogates(c) for c in cells
                        ):
                            problem = ("bad_bytes", f"has bytes that are not valid {self.enc.name}")
                        if problem is None:
                            good.append(cells)
                            row_numbers.append(row_number)
                            line_numbers.append(start + offset)
                        else:
                            if problem[0] == "ragged" and last_line > start:
                                problem = ("ragged", (f"{problem[1]}; it spans lines "
                                           f"{start + offset}-{last_line + offset} "
                                           "(an unclosed quote?)"))
                            item = Rejected(row_number, start + offset, "", *problem)
                            rejected.append(item)
                            pending.append((item, last_line + offset))
                        if len(good) + len(rejected) >= rules.batch_rows:
                            yield _columnar(good, width, row_numbers, line_numbers, rejected)
                            good, row_numbers, line_numbers, rejected = [], [], [], []
                            if progress is not None:
                                progress(cast(io.BufferedReader, handle.buffer).tell())
                    done = True
                except csv.Error as exc:
                    start = last_line + 1
                    last_line = reader.line_num
                    row_number += 1
                    problem = ("bad_quoting", f"cannot be parsed as CSV ({exc})")
                    if "field larger than field limit" in str(exc):
                        problem = ("cell_too_large", (
                            f"has a cell over {csv.field_size_limit():,} characters, over the "
                            f"{rules.max_cell_chars:,} limit (ingest.max_cell_chars)"
                            + (f"; it spans lines {start + offset}-{last_line + offset} "
                               "(an unclosed quote?)" if last_line > start else "")))
                    item = Rejected(row_number, start + offset, "", *problem)
                    rejected.append(item)
                    pending.append((item, last_line + offset))
            if good or rejected:
                yield _columnar(good, width, row_numbers, line_numbers, rejected)
            if progress is not None:
                progress(self.size)

    def _fill_raw_text(self, pending: list[tuple[Rejected, int]]) -> None:
        """Set each rejected row's raw text: its physical lines, exactly as in the file."""
        wanted = iter(sorted(pending, key=lambda item: item[0].line_number or 0))
        current = next(wanted, None)
        lines: list[str] = []
        with self._open() as handle:
            for number, line in enumerate(handle, 1):
                while current is not None and number > current[1]:
                    current[0].raw_text = _raw_text(lines, self.enc.name)
                    lines = []
                    current = next(wanted, None)
                if current is None:
                    break
                if number >= (current[0].line_number or 0):
                    lines.append(line)
            while current is not None:
                current[0].raw_text = _raw_text(lines, self.enc.name)
                lines = []
                current = next(wanted, None)


def _columnar(rows: list[list[str]], width: int, row_numbers: list[int],
              line_numbers: list[int | None], rejected: list[Rejected]) -> Batch:
    columns = [list(column) for column in zip(*rows)] if rows else [[] for _ in range(width)]
    return Batch(columns, row_numbers, line_numbers, rejected=rejected)


def _new_batch(width: int) -> Batch:
    return Batch([[] for _ in range(width)], [], [])


_SURROGATE = re.compile("[\udc80-\udcff]")


def _has_surrogates(text: str) -> bool:
    return _SURROGATE.search(text) is not None


def _raw_text(lines: list[str], encoding: str) -> str:
    """The row's text as read; undecodable bytes shown as \\xNN escapes."""
    text = "".join(lines)
    if _has_surrogates(text):
        text = text.encode(encoding, "surrogateescape").decode(encoding, "backslashreplace")
    return text.rstrip("\r\n")


# ------------------------------------------------------------------------------ XLSX


def cell_text(value: Any) -> str:
    """A spreadsheet or JSON value as text, the way a person reads it in the cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


# A workbook member that inflates more than this many times, to more than this many
# bytes, is a zip bomb: real workbooks deflate 5-20:1. (The sizes checked are those the
# zip declares; Python's zipfile never inflates a member past its declared size.)
XLSX_MAX_RATIO = 100
XLSX_RATIO_FLOOR = 32 << 20


def _check_not_a_bomb(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except Exception:  # noqa: BLE001 - not a zip, or a damaged one: openpyxl says which
        return
    for member in members:
        if (member.file_size > XLSX_RATIO_FLOOR
                and member.file_size > XLSX_MAX_RATIO * max(member.compress_size, 1)):
            raise IngestError(
                f"{path} is not a workbook fullcount will read: its part {member.filename} "
                f"inflates from {member.compress_size:,} to {member.file_size:,} bytes "
                f"(over {XLSX_MAX_RATIO}:1), the mark of a zip bomb",
                hint="If the workbook is genuine, export the sheet as CSV and ingest that.",
            )


class XlsxReader(SourceReader):
    format = "xlsx"

    def __init__(self, path: Path, *, sheet: str = "") -> None:
        import openpyxl

        self.path = path
        _check_not_a_bomb(path)
        # Opened as a file object, which openpyxl reads whatever the file's name: a
        # workbook named .dat, or one read with --format xlsx, is still a workbook.
        self._file = path.open("rb")
        try:
            # A damaged workbook fails in openpyxl, zipfile, zlib or the XML parser, with
            # whatever error each raises (BadZipFile, zlib.error, ParseError, KeyError...).
            self.book = openpyxl.load_workbook(self._file, read_only=True, data_only=True)
            names = self.book.sheetnames
            if sheet and sheet not in names:
                raise IngestError(
                    f"{path} has no sheet '{sheet}'; its sheets are: {', '.join(names)}",
                    hint="Pass --sheet with one of those names.",
                )
            if not names:
                raise IngestError(f"{path} has no sheets")
            self.sheet = sheet or names[0]
            self.rows_total = self.book[self.sheet].max_row or 0
        except IngestError:
            self._file.close()
            raise
        except Exception as exc:
            self._file.close()
            raise IngestError(
                f"{path} is not a readable Excel (.xlsx) file: {type(exc).__name__}: {exc}",
                hint="Re-save it from Excel as .xlsx, or export it as CSV.",
            ) from exc
        self._read_header()

    def _rows(self) -> Iterator[tuple[int, list[str]]]:
        # The sheet is parsed as it is read: damage in its XML or its compressed bytes
        # shows only now, as whatever openpyxl, ElementTree or zlib raise.
        rows = enumerate(self.book[self.sheet].iter_rows(values_only=True), 1)
        number = 0
        while True:
            try:
                number, values = next(rows)
            except StopIteration:
                return
            except Exception as exc:
                self.book.close()
                self._file.close()
                raise IngestError(
                    f"{self.path} (sheet '{self.sheet}') is damaged and cannot be read past "
                    f"row {number}: {type(exc).__name__}: {exc}",
                    hint="Re-save it from Excel as .xlsx, or export it as CSV; nothing was "
                    "ingested.",
                ) from exc
            yield number, [cell_text(v) for v in values]

    def _read_header(self) -> None:
        for number, cells in self._rows():
            if not _blank(cells):
                while cells and not cells[-1].strip():
                    cells.pop()
                self.header = [c.strip() for c in cells]
                self.header_line = number
                return
        raise IngestError(
            f"{self.path} (sheet '{self.sheet}') is empty: no header row and no rows",
            hint="Check the sheet name (--sheet) and that this is the file you meant.",
        )

    def batches(self, rules: RowRules, progress: Progress | None = None) -> Iterator[Batch]:
        classify = RowClassifier(self.header, rules).problem
        width = len(self.header)
        batch = _new_batch(width)
        row_number = 0
        for line, cells in self._rows():
            if line <= (self.header_line or 0):
                continue
            if _blank(cells):
                self.blank_skipped += 1
                continue
            row_number += 1
            overflow = cells[width:]
            cells = (cells + [""] * width)[:width]
            problem = classify(cells)
            if problem is None and any(c.strip() for c in overflow):
                problem = ("ragged", "has values to the right of the last header column")
            if problem is None:
                for column, cell in zip(batch.columns, cells):
                    column.append(cell)
                batch.row_numbers.append(row_number)
                batch.line_numbers.append(line)
            else:
                raw = json.dumps(cells + overflow, ensure_ascii=False)
                batch.rejected.append(Rejected(row_number, line, raw, *problem))
            if len(batch) + len(batch.rejected) >= rules.batch_rows:
                yield batch
                if progress is not None:
                    progress(line)
                batch = _new_batch(width)
        if len(batch) or batch.rejected:
            yield batch
        if progress is not None:
            progress(self.rows_total)
        self.book.close()
        self._file.close()


# ------------------------------------------------------------------------ JSON / JSONL


class JsonReader(SourceReader):
    """A JSON array of objects, or JSON Lines (one object per line)."""

    def __init__(self, path: Path, encoding: EncodingChoice, *, lines: bool) -> None:
        self.path = path
        self.encoding = encoding.name
        self.format = "jsonl" if lines else "json"
        self.items: list[tuple[int, int | None, str, Any]] = []  # row, line, raw, value
        try:
            text = path.read_text(encoding=encoding.name, errors="surrogateescape")
        except UnicodeError as exc:
            raise IngestError(f"{path} cannot be decoded as {encoding.name}: {exc}") from exc
        if lines:
            self._split_lines(text)
        else:
            self._parse_array(text)
        keys: dict[str, None] = {}
        damaged = _has_surrogates(text)  # undecodable bytes: their rows are quarantined,
        for _, _, raw, value in self.items:  # and their keys are not columns
            if isinstance(value, dict) and not (damaged and _has_surrogates(raw)):
                keys.update(dict.fromkeys(value))
        if not keys:
            raise IngestError(
                f"{path} holds no JSON objects, so there are no columns to read",
                hint="Expected an array of objects, or one object per line (JSON Lines).",
            )
        self.header = list(keys)

    def _split_lines(self, text: str) -> None:
        row = 0
        lines = _LINE_END.split(text)
        if lines[-1] == "":
            lines.pop()
        for line_number, line in enumerate(lines, 1):
            if not line.strip():
                self.blank_skipped += 1
                continue
            row += 1
            try:
                value: Any = json.loads(line)
                if _SURROGATE_ESCAPE.search(line) and _LONE_SURROGATE.search(
                    json.dumps(value, ensure_ascii=False)
                ):
                    value = _Unreadable(_NOT_UNICODE)
            except (ValueError, RecursionError) as exc:  # ValueError: also 5,000-digit numbers
                value = _Unreadable(f"is not valid JSON ({exc})")
            self.items.append((row, line_number, line, value))

    def _parse_array(self, text: str) -> None:
        try:
            value = json.loads(text)
        except (ValueError, RecursionError) as exc:  # JSONDecodeError, or a too-long number
            raise IngestError(
                f"{self.path} is not valid JSON: {exc}",
                hint="If it has one object per line, name it .jsonl or pass --format jsonl.",
            ) from exc
        if isinstance(value, dict):  # {"records": [...]} wrappers are common
            arrays = [v for v in value.values() if isinstance(v, list)]
            if len(arrays) != 1:
                raise IngestError(
                    f"{self.path} is a JSON object, not an array of rows",
                    hint="Expected [ {...}, {...} ] or an object holding exactly one array.",
                )
            value = arrays[0]
        if not isinstance(value, list):
            raise IngestError(f"{self.path} holds a single JSON value, not an array of rows")
        for row, item in enumerate(value, 1):
            raw = json.dumps(item, ensure_ascii=False)
            if _UNPAIRED.search(raw):  # not undecodable bytes (those are \udc80-\udcff)
                raw, item = json.dumps(item), _Unreadable(_NOT_UNICODE)
            self.items.append((row, None, raw, item))

    def batches(self, rules: RowRules, progress: Progress | None = None) -> Iterator[Batch]:
        classify = RowClassifier(self.header, rules).problem
        width = len(self.header)
        batch = _new_batch(width)
        batch.raw = []
        for done, (row, line, raw, value) in enumerate(self.items, 1):
            if isinstance(value, _Unreadable):
                problem: tuple[str, str] | None = ("bad_json", value.reason)
                cells: list[str] = []
            elif not isinstance(value, dict):
                kind = _JSON_TYPES.get(type(value), type(value).__name__)
                problem = ("not_an_object", f"is a JSON {kind}, not an object")
                cells = []
            else:
                cells = [cell_text(value.get(key)) for key in self.header]
                problem = classify(cells)
                if problem is None and _has_surrogates(raw):
                    problem = ("bad_bytes", f"has bytes that are not valid {self.encoding}")
            if problem is None:
                for column, cell in zip(batch.columns, cells):
                    column.append(cell)
                batch.row_numbers.append(row)
                batch.line_numbers.append(line)
                batch.raw.append(raw)
            else:
                text = raw
                if _has_surrogates(text):
                    text = text.encode(self.encoding or "utf-8", "surrogateescape").decode(
                        self.encoding or "utf-8", "backslashreplace")
                batch.rejected.append(Rejected(row, line, text, *problem))
            if len(batch) + len(batch.rejected) >= rules.batch_rows:
                yield batch
                if progress is not None:
                    progress(done)
                batch = _new_batch(width)
                batch.raw = []
        if len(batch) or batch.rejected:
            yield batch
        if progress is not None:
            progress(len(self.items))


@dataclass(frozen=True)
class _Unreadable:
    reason: str


_JSON_TYPES = {list: "array", str: "string", int: "number", float: "number",
               bool: "true/false value", type(None): "null"}

# JSON Lines ends lines with \n (or \r\n); str.splitlines would also split at U+2028,
# U+0085 and other characters that a JSON string may hold as they are.
_LINE_END = re.compile(r"\r\n|\r|\n")
# A \uD800-\uDFFF escape without its pair decodes to a lone surrogate, which is not
# text: it cannot be stored, so its row is quarantined.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_UNPAIRED = re.compile("[\ud800-\udc7f\udd00-\udfff]")
_NOT_UNICODE = "has a \\uD800-\\uDFFF escape without its pair: not valid Unicode text"
