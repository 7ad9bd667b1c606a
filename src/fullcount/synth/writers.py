"""Writing a source's rows to its file, including the malformed rows ingest must quarantine.

Every ``Row`` is exactly one data row of the file as ingest counts them, so a row's
number is its position (1-based). Blank lines and all-empty rows, which ingest skips
and does not count, are written separately (``blank_before``).

Files are byte-for-byte reproducible: no clocks, no dict/set iteration over unordered
data, and XLSX archives rewritten with constant timestamps.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from fullcount.synth.dates import persian_digits
from fullcount.synth.profiles import Profile

NAME_FIELDS = ("full_name", "given_name", "family_name")

@dataclass
class Row:
    person: int                      # person index, or -1 for junk
    cells: dict[str, str | int | None] | None
    tags: list[str] = field(default_factory=list)
    duplicate: bool = False
    defect: str = ""                 # "" for a good row
    variant: float = 0.0             # how a malformed row is damaged
    row_id: str | int | None = None
    key: float = 0.0                 # position in the file


# Which malformed kinds each format can carry, in the order they are guaranteed.
DEFECTS = {
    ("csv", "utf-8"): ("ragged", "repeated_header", "no_name", "bad_bytes"),
    ("csv", "utf-8-sig"): ("ragged", "repeated_header", "no_name", "bad_bytes"),
    ("csv", "cp1256"): ("ragged", "repeated_header", "no_name"),
    ("tsv", "utf-16"): ("ragged", "repeated_header", "no_name"),
    ("jsonl", "utf-8"): ("bad_json", "no_name"),
    ("json", "utf-8"): ("bad_json", "no_name"),
    ("xlsx", ""): ("no_name",),
}


def defect_kinds(profile: Profile) -> tuple[str, ...]:
    return DEFECTS[(profile.fmt, profile.encoding)]


# ------------------------------------------------------------------ row ids


def row_id(profile: Profile, k: int) -> str | int:
    style = profile.id_style
    if style == "xlsx_int":
        return 1000 + k
    if style == "padded":
        return f"{k:05d}"
    if style == "witness":
        return f"W-{k:04d}"
    if style == "media":
        return f"MF{k:05d}"
    if profile.fmt == "json":
        return k
    return persian_digits(str(k)) if profile.digits == "persian" else str(k)


# ------------------------------------------------------------------ text encodings

# Windows-1256 has no Persian yeh (U+06CC), heh-with-yeh, or Persian/Arabic-Indic digits:
# legacy exports write Arabic yeh, plain heh and ASCII digits instead.
_CP1256 = {ord("ی"): "ي", ord("ۀ"): "ه", ord("–"): "-"}
_CP1256.update({0x06F0 + d: str(d) for d in range(10)})
_CP1256.update({0x0660 + d: str(d) for d in range(10)})


def to_cp1256(text: str) -> bytes:
    text = text.translate(_CP1256)
    try:
        return text.encode("cp1256")
    except UnicodeEncodeError:
        return text.encode("cp1256", errors="replace")


def encode(text: str, encoding: str) -> bytes:
    if encoding == "cp1256":
        return to_cp1256(text)
    if encoding == "utf-16":
        return b"\xff\xfe" + text.encode("utf-16-le")  # explicit BOM and byte order
    if encoding == "utf-8-sig":
        return b"\xef\xbb\xbf" + text.encode("utf-8")
    return text.encode("utf-8")


# ------------------------------------------------------------------ cells


def _text(value: str | int | None, profile: Profile) -> str:
    if value is None:
        return ""
    if isinstance(value, int):
        text = str(value)
        return persian_digits(text) if profile.digits == "persian" else text
    return value


def _cells_for(row: Row, profile: Profile) -> list[str | int | None]:
    cells = dict(row.cells or {})
    cells["source_row_id"] = row.row_id
    return [cells.get(f) for f in profile.fields]


def _name_columns(profile: Profile) -> list[int]:
    return [k for k, f in enumerate(profile.fields) if f in NAME_FIELDS]


# ------------------------------------------------------------------ CSV / TSV


def _bad_bytes(name: str) -> bytes:
    """A name cell pasted from a legacy (Windows-1256) export into a UTF-8 file."""
    for ch in ',"\t\r\n':
        name = name.replace(ch, " ")
    raw = to_cp1256(name)
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw
    return raw + b"\xff"


def write_delimited(path: Path, profile: Profile, rows: list[Row], blank_before: set[int],
                    rng: random.Random, leading_blank: bool, trailing_empty: int) -> None:
    delimiter = "\t" if profile.fmt == "tsv" else ","
    newline = "\n" if profile.encoding == "utf-8" else "\r\n"
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator=newline)
    header = profile.headers
    width = len(header)
    names = _name_columns(profile)
    bad: dict[str, bytes] = {}
    if leading_blank:
        buf.write(newline)
    writer.writerow(header)
    for k, row in enumerate(rows):
        if k in blank_before:
            if rng.random() < 0.5:
                buf.write(newline)
            else:
                writer.writerow([""] * width)
        if row.defect == "repeated_header":
            writer.writerow(header)
            continue
        cells = [_text(v, profile) for v in _cells_for(row, profile)]
        if row.defect == "no_name":
            for c in names:
                cells[c] = " " if row.variant < 0.3 else ""
        elif row.defect == "ragged":
            cells = _ragged(cells, names, row.variant)
        elif row.defect == "bad_bytes":
            c = next(c for c in names if cells[c].strip())
            token = f"QQBADBYTES{k:07d}QQ"
            bad[token] = _bad_bytes(cells[c])
            cells[c] = token
        writer.writerow(cells)
    for _ in range(trailing_empty):
        writer.writerow([""] * width)
    data = encode(buf.getvalue(), profile.encoding)
    for token, raw in bad.items():
        data = data.replace(token.encode("ascii"), raw)
    path.write_bytes(data)


def _ragged(cells: list[str], names: list[int], variant: float) -> list[str]:
    """A row with the wrong number of cells: an unquoted delimiter, or a cut-off export."""
    name_col = names[0]
    if variant < 0.5:
        text = cells[name_col]
        head, sep, tail = text.partition(" ")
        if sep and tail:
            return cells[:name_col] + [head, tail] + cells[name_col + 1:]
        return cells[:name_col + 1] + [""] + cells[name_col + 1:]
    cut = 1 if variant < 0.8 else 2
    cut = min(cut, len(cells) - (names[-1] + 1))
    if cut <= 0:
        return cells + [""]
    return cells[:-cut]


# ------------------------------------------------------------------ JSON Lines / JSON


def _object(row: Row, profile: Profile, nulls: bool) -> dict[str, object]:
    obj: dict[str, object] = {}
    for (fname, key), value in zip(profile.columns, _cells_for(row, profile)):
        if row.defect == "no_name" and fname in NAME_FIELDS:
            if row.variant < 0.5:
                obj[key] = ""
            continue
        if value is None:
            if nulls:
                obj[key] = None
            continue
        obj[key] = value
    return obj


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def _bad_json_line(row: Row, profile: Profile) -> str:
    """A line that is not a JSON object: cut off, Python-quoted, a bare array, or junk."""
    if row.person < 0:
        return "-- page break --" if row.variant < 0.5 else "<end of export>"
    obj = _object(row, profile, nulls=False)
    text = _dumps(obj)
    if row.variant < 0.5:
        cut = 2 + int((len(text) - 3) * (row.variant / 0.5))
        return text[:max(2, min(cut, len(text) - 1))]
    if row.variant < 0.75:
        return repr(obj)
    return _dumps([v for v in obj.values()])


def write_jsonl(path: Path, profile: Profile, rows: list[Row], blank_before: set[int]) -> None:
    lines = []
    for k, row in enumerate(rows):
        if k in blank_before:
            lines.append("")
        if row.defect == "bad_json":
            lines.append(_bad_json_line(row, profile))
        else:
            lines.append(_dumps(_object(row, profile, nulls=False)))
    path.write_bytes(("\n".join(lines) + "\n").encode("utf-8"))


def write_json(path: Path, profile: Profile, rows: list[Row]) -> None:
    items = []
    for row in rows:
        if row.defect == "bad_json":
            if row.person < 0:
                items.append(_dumps("[record withdrawn]"))
            else:
                obj = _object(row, profile, nulls=True)
                items.append(_dumps([v for v in obj.values()]))
        else:
            items.append(_dumps(_object(row, profile, nulls=True)))
    text = "[\n" + ",\n".join(items) + "\n]\n"
    path.write_bytes(text.encode("utf-8"))


# ------------------------------------------------------------------ XLSX

_FIXED_TIME = dt.datetime(2023, 5, 1, 0, 0, 0)
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def write_xlsx(path: Path, profile: Profile, rows: list[Row], blank_before: set[int]) -> None:
    from openpyxl import Workbook
    from openpyxl.writer.excel import ExcelWriter

    wb = Workbook(write_only=True)
    wb.properties.creator = "fullcount synth"
    wb.properties.created = _FIXED_TIME
    wb.properties.modified = _FIXED_TIME
    ws = wb.create_sheet("Victims")
    width = len(profile.columns)
    names = _name_columns(profile)
    ws.append(profile.headers)
    for k, row in enumerate(rows):
        if k in blank_before:
            ws.append([None] * width)
        cells = _cells_for(row, profile)
        if row.defect == "no_name":
            for c in names:
                cells[c] = " " if row.variant < 0.3 else None
        ws.append(cells)
    # openpyxl's save() stamps the current time; drive its writer directly instead.
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).save()
    path.write_bytes(_fixed_zip(raw.getvalue()))


def _fixed_zip(data: bytes) -> bytes:
    """The same archive with constant entry timestamps and attributes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            entry.create_system = 3
            dst.writestr(entry, src.read(info.filename))
    return out.getvalue()
