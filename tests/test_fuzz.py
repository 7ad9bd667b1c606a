"""Fuzz harness for ingest: hostile and broken files must be refused with a clear error
or ingested with every row accounted for, never crash.

Inputs (drawn with hypothesis): random bytes under every file extension; CSV rows in the
right and wrong encodings (double-encoded UTF-8, Windows-1256 declared as UTF-8, UTF-16
without a byte-order mark); cells over ``ingest.max_cell_chars`` and very long lines;
deep JSON nesting and numbers no float can hold; damaged and zip-bomb workbooks;
formula-injection cells; odd source names, file names and column names. For each:

- ingest raises a ``FullcountError`` (a message for the user) or succeeds; any other
  exception is a crash;
- an accepted file has ``rows_read == records + quarantined``, in the result, in
  ``sources`` and counted in the tables, and, where the number of data rows written is
  known, ``rows_read + blank_skipped`` equals it (anything else is rows lost);
- quarantined rows keep their raw text;
- the case still opens (``fullcount.toml`` included).

The fixed hostile cases (a 10,000-level JSON, zip bombs, path tricks, the quarantine
export) are tests of their own; then random inputs fill the rest of
``FULLCOUNT_FUZZ_SECONDS`` (default 120, counted from the first test here), and the
last test prints a summary: inputs tried, crashes (must be 0), rows lost (must be 0).
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import os
import random
import subprocess
import sys
import time
import traceback
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from fullcount.case import Case
from fullcount.errors import FullcountError
from fullcount.ingest import ingest_file
from fullcount.settings import SOURCE_NAME, load_settings

FUZZ_SECONDS = float(os.environ.get("FULLCOUNT_FUZZ_SECONDS", "120"))
MAX_CELL = 65_536  # ingest.max_cell_chars by default

HEADER = ["name", "age", "date of death", "city"]
FORMULAS = ['=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", "@SUM(1)", "-2+3",
            "=1+1", '=cmd|"/c calc"!A1', "\t=1", "\r=1", "=DDE(\"cmd\";\"/c calc\";\"x\")"]
PATH_TRICKS = ["../../etc/passwd", "..", ".", "/etc/passwd", "a/b", "a\\b", "a\x00b",
               "x" * 300, "", " ", "con", "nul", "=HYPERLINK(\"http://x\",\"y\")",
               "name\nwith newline", "\u202egnp.exe", "ok_name"]
ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "cp1256",
             "cp1252", "latin-1", "mojibake", "utf-32"]


@dataclass
class Tally:
    """What the harness saw, over every test in this file."""

    tried: int = 0
    accepted: int = 0
    refused: int = 0
    crashes: list[str] = field(default_factory=list)
    rows_lost: int = 0
    losses: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)  # accepted, but accounted wrongly
    rows_read: int = 0
    rows_checked: int = 0  # rows of accepted files whose number written is known
    kinds: dict[str, int] = field(default_factory=dict)


TALLY = Tally()


@dataclass
class Input:
    kind: str
    name: str
    data: bytes
    expected_rows: int | None = None  # data rows written, when that is determinable
    options: dict[str, Any] = field(default_factory=dict)
    encoding: str | None = None  # the encoding the text was written in
    text: str | None = None  # the text as written, to find quarantined rows' raw text in


class Harness:
    """One case that every input goes into, each under a source name of its own."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.files = folder / "files"
        self.files.mkdir(parents=True)
        self.crash_dir = folder / "crashes"
        self.case = Case.create(folder / "case")
        self.count = 0
        self.started = time.monotonic()  # the budget covers the fixed cases too

    def close(self) -> None:
        self.case.close()

    def reopen(self) -> None:
        """Close and open the case again: it must open (settings and database)."""
        self.case.close()
        self.case = Case.open(self.case.path)

    def rotate(self) -> None:
        """Check that the case opens, then go on in a new one (fullcount.toml grows with
        every source, and reading it again after each ingest would slow the run down)."""
        self.reopen()
        self.case.close()
        self.case = Case.create(self.folder / f"case-{self.count}")

    def feed(self, item: Input, *, source: str | None = None) -> Any:
        """Ingest one input and check the invariants; record what happened."""
        self.count += 1
        TALLY.tried += 1
        TALLY.kinds[item.kind] = TALLY.kinds.get(item.kind, 0) + 1
        folder = self.files / str(self.count)
        folder.mkdir()
        try:
            path = folder / item.name
            path.write_bytes(item.data)
        except (OSError, ValueError):  # the name cannot be a file here: ingest must say so
            path = folder / item.name
        source = f"f{self.count}" if source is None else source
        try:
            result = ingest_file(self.case, path, source=source, **item.options)
        except FullcountError as error:
            TALLY.refused += 1
            assert error.message
            self.check_unchanged()
            return error
        except Exception as exc:  # noqa: BLE001 - anything else is a crash, recorded
            self.crashed(item, path, exc)
            return exc
        TALLY.accepted += 1
        try:
            self.check_accounted(item, result)
            load_settings(self.case.path)  # a mapping written to fullcount.toml must load
        except Exception as exc:  # noqa: BLE001 - recorded; the run goes on
            TALLY.violations.append(f"{item.kind} {item.name!r} {item.options}: "
                                    f"{type(exc).__name__}: {str(exc)[:500]}")
        if self.count % 100 == 0:
            self.rotate()
        return result

    def crashed(self, item: Input, path: Path, exc: BaseException) -> None:
        self.crash_dir.mkdir(exist_ok=True)
        keep = self.crash_dir / f"{len(TALLY.crashes)}-{item.kind}.bin"
        keep.write_bytes(item.data)
        TALLY.crashes.append(
            f"{item.kind} {item.name!r} {item.options} (saved as {keep}): "
            f"{type(exc).__name__}: {str(exc)[:300]}\n"
            + "".join(traceback.format_exception(exc)[-3:]))
        try:  # the case must survive even a crash
            self.case.discard_unfinished()
            self.check_unchanged()
        except Exception:  # noqa: BLE001
            self.reopen()

    def check_unchanged(self) -> None:
        con = self.case.con
        for table in ("record_rows", "quarantine_rows"):
            orphans = con.execute(f"SELECT count(*) FROM {table} WHERE file_id NOT IN "
                                  "(SELECT file_id FROM sources)").fetchone()
            assert orphans == (0,), f"a refused ingest left rows in {table}"

    def check_accounted(self, item: Input, result: Any) -> None:
        con = self.case.con
        if result.status != "ingested":
            return
        TALLY.rows_read += result.rows_read
        assert result.rows_read == result.records + result.quarantined
        fid = result.file_id
        row = con.execute("SELECT rows_read, records, quarantined FROM sources "
                          "WHERE file_id = ?", [fid]).fetchone()
        assert row == (result.rows_read, result.records, result.quarantined)
        in_tables = con.execute(
            "SELECT (SELECT count(*) FROM records WHERE file_id = $1), "
            "(SELECT count(*) FROM quarantine WHERE file_id = $1)", [fid]).fetchone()
        assert in_tables == (result.records, result.quarantined)
        numbers = [r[0] for r in con.execute(
            "SELECT row_number FROM records WHERE file_id = $1 UNION ALL "
            "SELECT row_number FROM quarantine WHERE file_id = $1 ORDER BY 1",
            [fid]).fetchall()]
        assert numbers == list(range(1, result.rows_read + 1))
        raws = con.execute("SELECT raw_text, reason_code FROM quarantine WHERE file_id = ?",
                           [fid]).fetchall()
        for raw, reason in raws:
            assert raw, f"a row quarantined for {reason} lost its raw text"
            if (item.text is not None and result.format in ("csv", "tsv", "jsonl")
                    and result.encoding and item.encoding
                    and _same_codec(result.encoding, item.encoding, exact=True)
                    and reason != "bad_bytes"):
                assert raw in item.text, f"raw text of a {reason} row is not as in the file"
        if item.expected_rows is not None and _same_codec(result.encoding, item.encoding):
            seen = result.rows_read  # blank rows are counted apart, and not written
            TALLY.rows_checked += item.expected_rows
            if seen != item.expected_rows:
                TALLY.rows_lost += abs(item.expected_rows - seen)
                TALLY.losses.append(f"{item.kind} {item.name!r}: wrote {item.expected_rows} "
                                    f"rows, ingest saw {seen} ({result.encoding})")


def _same_codec(found: str | None, written: str | None, *, exact: bool = False) -> bool:
    """Whether the ingest read the text in the encoding it was written in (or, unless
    ``exact``, a single-byte one that splits it into the same lines and cells)."""
    if written is None:
        return True
    if found is None:
        return False
    single = {"cp1256", "cp1252", "latin_1", "iso8859-1", "iso8859-6", "iso8859_6"}
    a, b = codecs.lookup(found).name, codecs.lookup(written).name
    if a in single and b in single and not exact:
        return True
    return a.removesuffix("-le").removesuffix("-be") == b.removesuffix("-le").removesuffix(
        "-be") or {a, b} == {"utf-8", "utf-8-sig"}


@pytest.fixture(scope="module")
def harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    state = Harness(tmp_path_factory.mktemp("fuzz"))
    yield state
    state.close()
    Case.open(state.case.path).close()  # the case opens after all of it


# --------------------------------------------------------------------- input makers


def csv_text(rows: list[list[str]], delimiter: str = ",") -> str:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()


def encode(text: str, encoding: str) -> bytes:
    if encoding == "mojibake":  # UTF-8 read as Windows-1252 and saved as UTF-8 again
        return text.encode("utf-8").decode("cp1252", "replace").encode("utf-8")
    return text.encode(encoding, "replace")


def data_rows(rows: list[list[str]]) -> int:
    """The rows that are not blank (ingest counts blank rows apart)."""
    return sum(1 for r in rows if any(c.strip() for c in r))


cell_text = st.one_of(
    st.text(max_size=20),
    st.sampled_from(FORMULAS),
    st.text(alphabet="آابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهیيك ‌", min_size=1, max_size=20),
    st.sampled_from(["", " ", "\n", '"', "\r\n", "\x00", "1401/13/02", "23", "\ufeffname"]),
)
row_strategy = st.lists(cell_text, min_size=0, max_size=6)


@st.composite
def random_bytes(draw: st.DrawFn) -> Input:
    ext = draw(st.sampled_from([".csv", ".tsv", ".json", ".jsonl", ".xlsx", ".txt", ".dat",
                                ""]))
    data = draw(st.one_of(st.binary(max_size=2048),
                          st.binary(max_size=64).map(lambda b: b"name,age\n" + b),
                          st.binary(max_size=64).map(lambda b: b"PK\x03\x04" + b)))
    return Input("random_bytes", f"random{ext}", data,
                 options=draw(st.sampled_from([{}, {"mapping": {"full_name": "name"}}])))


@st.composite
def csv_rows(draw: st.DrawFn) -> Input:
    """Good-shaped and ragged CSV rows in one encoding or another."""
    width = len(HEADER)
    rows = draw(st.lists(st.one_of(
        st.lists(cell_text, min_size=width, max_size=width), row_strategy), max_size=30))
    encoding = draw(st.sampled_from(ENCODINGS))
    tsv = draw(st.booleans())
    text = csv_text([HEADER, *rows], "\t" if tsv else ",")
    declared = draw(st.sampled_from([None, None, "utf-8", "cp1256"]))
    options: dict[str, Any] = {"mapping": {"full_name": "name"}}
    if declared:
        options["encoding"] = declared
    written = None if encoding == "mojibake" else encoding
    # A declared encoding decides how the file is read; the count is known only if it
    # is the one the file was written in.
    return Input("csv_encoding", "list.tsv" if tsv else "list.csv", encode(text, encoding),
                 expected_rows=data_rows(rows), options=options,
                 encoding=written or "utf-8",
                 text=encode(text, encoding).decode(encoding) if written else None)


@st.composite
def huge_fields(draw: st.DrawFn) -> Input:
    """Cells just over (or under) the cell limit, very long lines, unclosed quotes."""
    over = draw(st.integers(-2, 2000))
    many = draw(st.integers(0, 3))
    long_line = draw(st.sampled_from([0, 0, 10_000, 200_000]))
    rows: list[list[str]] = [["Ali", "23", "2022-09-18", "Tehran"] for _ in range(many)]
    rows.insert(draw(st.integers(0, many)), ["x" * (MAX_CELL + over), "1", "", ""])
    if long_line:
        rows.append(["a"] * long_line)
    text = csv_text([HEADER, *rows])
    if draw(st.booleans()):
        text += '"an unclosed quote,1,,\r\nBahar,2,,\r\n'
        return Input("huge_fields", "huge.csv", text.encode(), options={
            "mapping": {"full_name": "name"}}, text=text, encoding="utf-8")
    return Input("huge_fields", "huge.csv", text.encode(), expected_rows=data_rows(rows),
                 options={"mapping": {"full_name": "name"}}, text=text, encoding="utf-8")


def nested(depth: int, leaf: Any = "x") -> str:
    return "[" * depth + json.dumps(leaf) + "]" * depth


@st.composite
def json_input(draw: st.DrawFn) -> Input:
    """Arrays of objects and JSON Lines with deep nesting and numbers too big to hold."""
    leaves = st.one_of(
        st.none(), st.booleans(), st.text(max_size=10), st.sampled_from(FORMULAS),
        st.integers(), st.floats(allow_nan=False, allow_infinity=False))
    value = st.recursive(leaves, lambda inner: st.lists(inner, max_size=3)
                         | st.dictionaries(st.text(max_size=5), inner, max_size=3),
                         max_leaves=10)
    item = st.one_of(
        st.fixed_dictionaries({"name": value}, optional={"age": value, "city": value}),
        value)
    items = [json.dumps(v, ensure_ascii=draw(st.booleans())) for v in draw(
        st.lists(item, min_size=1, max_size=10))]
    special = draw(st.sampled_from(["", "deep", "bignum", "bigfloat", "nan", "neardepth"]))
    if special == "deep":
        items.append('{"name": ' + nested(draw(st.integers(500, 10_000))) + "}")
    elif special == "neardepth":  # about as deep as the parser goes
        items.append('{"name": ' + nested(draw(st.integers(980, 1010))) + "}")
    elif special == "bignum":
        items.append('{"name": "n", "age": ' + "9" * draw(st.integers(300, 6000)) + "}")
    elif special == "bigfloat":
        items.append('{"name": "n", "age": 1e' + str(draw(st.integers(300, 100_000))) + "}")
    elif special == "nan":
        items.append('{"name": "n", "age": ' + draw(st.sampled_from(
            ["NaN", "Infinity", "-Infinity"])) + "}")
    lines = draw(st.booleans())
    if lines:
        text = "\n".join(items) + "\n"
        name, expected = "list.jsonl", len(items)
    else:
        text = "[" + ",\n".join(items) + "]"
        name, expected = "list.json", len(items)
    return Input(f"json_{special or 'plain'}", name, text.encode(), expected_rows=expected,
                 options=draw(st.sampled_from([{}, {"mapping": {"full_name": "name"}}])),
                 encoding="utf-8", text=text if lines else None)


def workbook_bytes(rows: list[list[Any]]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@st.composite
def xlsx_input(draw: st.DrawFn) -> Input:
    """Workbooks with odd cells, and the same with bytes damaged."""
    xcell = st.one_of(st.none(), st.integers(-10**15, 10**15), st.floats(allow_nan=False),
                      st.text(max_size=20).map(_xml_safe), st.sampled_from(FORMULAS))
    rows = draw(st.lists(st.lists(xcell, max_size=6), max_size=15))
    data = workbook_bytes([HEADER, *rows])
    damage = draw(st.sampled_from(["", "", "flip", "truncate"]))
    if damage == "flip":
        rng = random.Random(draw(st.integers(0, 2**32)))
        buffer = bytearray(data)
        for _ in range(draw(st.integers(1, 20))):
            buffer[rng.randrange(len(buffer))] = rng.randrange(256)
        data = bytes(buffer)
    elif damage == "truncate":
        data = data[:draw(st.integers(0, len(data)))]
    return Input(f"xlsx_{damage or 'plain'}", "book.xlsx", data,
                 options={"mapping": {"full_name": "name"}})


def _xml_safe(text: str) -> str:
    """Characters a workbook can hold (openpyxl refuses XML control characters)."""
    return "".join(c for c in text if c in "\t\n\r" or (" " <= c and c not in "\ufffe\uffff"))


@st.composite
def odd_names(draw: st.DrawFn) -> Input:
    """Path tricks in file names and column names (the mapping goes to fullcount.toml)."""
    name = draw(st.one_of(st.sampled_from(PATH_TRICKS), st.text(min_size=1, max_size=40)))
    ext = draw(st.sampled_from([".csv", ".json", ""]))
    column = draw(st.one_of(st.sampled_from(PATH_TRICKS), st.text(min_size=1, max_size=30),
                            st.sampled_from(FORMULAS + ['"]]\n[case]\nname="x', "a\"b'c"])))
    text = csv_text([[column, "age"], ["Ali", "1"], ["Sara", "2"]])
    return Input("odd_names", name + ext, text.encode(), options={"file_format": "csv"},
                 encoding="utf-8", text=text)


inputs = st.one_of(random_bytes(), csv_rows(), huge_fields(), json_input(), xlsx_input(),
                   odd_names())


# ----------------------------------------------------------------------------- tests


def test_path_tricks_in_source_names(harness: Harness) -> None:
    text = csv_text([HEADER, ["Ali", "1", "", ""]]).encode()
    for index, source in enumerate(PATH_TRICKS):
        item = Input("source_name", f"s{index}.csv", text + str(index).encode() + b",,,\r\n")
        result = harness.feed(item, source=source)
        assert isinstance(result, FullcountError) != bool(SOURCE_NAME.fullmatch(source)), \
            (source, result)


def test_nul_and_overlong_file_names_are_refused(harness: Harness) -> None:
    """Names no file can have, and paths that are not files, are refused with a message."""
    for path in (harness.folder / "list\x00.csv", harness.folder / ("x" * 300 + ".csv"),
                 harness.folder / ("a" * 5000), harness.folder / "..",
                 harness.folder / "../../no/such/passwd", Path("/dev/zero"), Path("/")):
        TALLY.tried += 1
        with pytest.raises(FullcountError):
            ingest_file(harness.case, path, source="s")
        TALLY.refused += 1


def test_json_10000_levels_deep(harness: Harness) -> None:
    deep = nested(10_000)
    for name, text in (("deep.json", "[" + '{"name": ' + deep + "}]"),
                       ("deep_item.json", '[{"name": "Ali"}, ' + deep + "]"),
                       ("deep.jsonl", '{"name": "Ali"}\n{"name": ' + deep + "}\n")):
        result = harness.feed(Input("json_deep_10000", name, text.encode(),
                                    options={"mapping": {"full_name": "name"}}))
        assert not TALLY.crashes, TALLY.crashes[-1]
        if name.endswith(".jsonl"):  # one row each: the deep one quarantined
            assert (result.records, result.quarantined) == (1, 1)


def test_json_numbers_too_big(harness: Harness) -> None:
    for number in ("9" * 5000, "1e999", "-1e999", "NaN", "Infinity", "1" + "0" * 400 + ".5"):
        for lines in (False, True):
            text = f'{{"name": "Ali {number[:5]}", "age": {number}}}'
            text = text + "\n" if lines else f"[{text}]"
            harness.feed(Input("json_bignum", "n.jsonl" if lines else "n.json", text.encode(),
                               expected_rows=1, encoding="utf-8"))
    assert not TALLY.crashes, "\n".join(TALLY.crashes)


def zip_bomb(kind: str, megabytes: int) -> bytes:
    """A small workbook whose sheet inflates to ``megabytes`` MB: one huge cell, or a
    million tiny rows, or a dimension that claims a million rows it does not have."""
    plain = zipfile.ZipFile(io.BytesIO(workbook_bytes([["name", "age"], ["Ali", 1]])))
    out = io.BytesIO()
    head = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns='
            b'"http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension '
            b'ref="A1:XFD1048576"/><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>'
            b"name</t></is></c></row>")
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in plain.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                archive.writestr(info, plain.read(info.filename))
                continue
            with archive.open(info.filename, "w", force_zip64=True) as sheet:
                sheet.write(head)
                if kind == "cell":
                    sheet.write(b'<row r="2"><c r="A2" t="inlineStr"><is><t>')
                    for _ in range(megabytes):
                        sheet.write(b"A" * (1 << 20))
                    sheet.write(b"</t></is></c></row>")
                elif kind == "rows":
                    row = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>'
                    chunk = row * ((1 << 20) // len(row))
                    for _ in range(megabytes):
                        sheet.write(chunk)
                sheet.write(b"</sheetData></worksheet>")
    return out.getvalue()


@pytest.mark.parametrize("kind,megabytes", [("cell", 400), ("rows", 100), ("claims", 0)])
def test_zip_bomb_workbooks(harness: Harness, tmp_path: Path, kind: str,
                            megabytes: int) -> None:
    """Refused, or read in bounded time and memory: the child has 1.5 GB and 60 s."""
    path = tmp_path / f"bomb_{kind}.xlsx"
    path.write_bytes(zip_bomb(kind, megabytes))
    assert path.stat().st_size < 2_000_000
    TALLY.tried += 1
    TALLY.kinds["xlsx_bomb"] = TALLY.kinds.get("xlsx_bomb", 0) + 1
    script = (
        "import resource, sys\n"
        "resource.setrlimit(resource.RLIMIT_AS, (1536 << 20, 1536 << 20))\n"
        "from pathlib import Path\n"
        "from fullcount.case import Case\n"
        "from fullcount.errors import FullcountError\n"
        "from fullcount.ingest import ingest_file\n"
        "with Case.create(Path(sys.argv[2])) as case:\n"
        "    try:\n"
        "        r = ingest_file(case, Path(sys.argv[1]), source='bomb',\n"
        "                        mapping={'full_name': 'name'})\n"
        "        print('accepted', r.rows_read, r.records, r.quarantined)\n"
        "    except FullcountError as e:\n"
        "        print('refused', e.message)\n")
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", script, str(path), str(tmp_path / "case")],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    if kind == "claims":  # a false dimension is harmless: one row, read
        assert done.stdout.startswith("accepted 0 0 0") or done.stdout.startswith("accepted")
    else:
        assert done.stdout.startswith("refused") and "zip bomb" in done.stdout, done.stdout
    assert time.monotonic() - started < 60
    TALLY.refused += done.stdout.startswith("refused")
    TALLY.accepted += done.stdout.startswith("accepted")


def damaged_workbook(how: str) -> bytes:
    """A workbook of 50 rows whose sheet XML is cut short, or whose compressed bytes are
    damaged partway through the sheet (found only while rows are read)."""
    plain = zipfile.ZipFile(io.BytesIO(workbook_bytes(
        [["name", "age"], *[[f"Person {i}", i] for i in range(50)]])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in plain.infolist():
            data = plain.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml" and how == "cut":
                data = data[:len(data) * 2 // 3]
            archive.writestr(info, data)
    data = bytearray(out.getvalue())
    if how == "deflate":
        start = data.index(b"xl/worksheets/sheet1.xml") + 200
        data[start:start + 40] = bytes(40)
    return bytes(data)


@pytest.mark.parametrize("how", ["cut", "deflate"])
def test_damaged_sheet_is_refused_with_a_message(harness: Harness, how: str) -> None:
    result = harness.feed(Input(f"xlsx_{how}", "damaged.xlsx", damaged_workbook(how),
                                options={"mapping": {"full_name": "name"}}))
    assert isinstance(result, FullcountError), result
    assert "damaged.xlsx" in result.message


FORMULA_ROWS = ['=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", "@SUM(1)",
                "-2+3+cmd|' /C calc'!A0"]


def _executable(cell: str) -> bool:
    return cell[:1] in ("=", "+", "-", "@", "\t", "\r")


def test_quarantine_export_escapes_formula_cells(tmp_path: Path) -> None:
    folder = tmp_path / "case"
    source = tmp_path / "=HYPERLINK(1).csv"
    # Each formula alone on its line: one cell where the header has two, so quarantined
    # with the formula as its raw text.
    source.write_text("Name,Age\nAli,1\n" + "\n".join(FORMULA_ROWS) + "\n", encoding="utf-8")
    with Case.create(folder) as case:
        result = ingest_file(case, source, source="s")
        assert result.quarantined == len(FORMULA_ROWS)
    target = tmp_path / "quarantine.csv"
    done = subprocess.run([sys.executable, "-m", "fullcount", "quarantine", "export",
                           str(target), "--case", str(folder)],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    with target.open(encoding="utf-8", newline="") as handle:
        cells = [cell for row in csv.reader(handle) for cell in row]
    assert any("HYPERLINK" in cell for cell in cells)  # the rows are there ...
    dangerous = [cell for cell in cells if _executable(cell)]
    assert not dangerous, f"cells a spreadsheet would run: {dangerous}"  # ... but inert


@pytest.mark.slow
def test_fuzz_ingest(harness: Harness) -> None:
    """Random inputs for FULLCOUNT_FUZZ_SECONDS; then the summary."""
    started = harness.started
    deadline = started + FUZZ_SECONDS

    @settings(max_examples=40, deadline=None, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(inputs)
    def fuzz(item: Input) -> None:
        if time.monotonic() < deadline:
            harness.feed(item)

    while time.monotonic() < deadline:
        fuzz()
    harness.reopen()
    print(f"\n\nfuzz: {TALLY.tried:,} inputs tried in {time.monotonic() - started:.0f} s, "
          f"{TALLY.accepted:,} accepted ({TALLY.rows_read:,} rows read), "
          f"{TALLY.refused:,} refused with a message; crashes: {len(TALLY.crashes)}, "
          f"rows lost: {TALLY.rows_lost} (of {TALLY.rows_checked:,} rows counted against "
          f"what was written); accounting violations: {len(TALLY.violations)}")
    print("by kind: " + ", ".join(f"{k} {v}" for k, v in sorted(TALLY.kinds.items())))
    for crash in TALLY.crashes[:10]:
        print("CRASH", crash)
    for loss in TALLY.losses[:10]:
        print("LOST", loss)
    for violation in TALLY.violations[:10]:
        print("VIOLATION", violation)
    assert not TALLY.crashes, f"{len(TALLY.crashes)} crashes; the first:\n{TALLY.crashes[0]}"
    assert TALLY.rows_lost == 0, "\n".join(TALLY.losses[:10])
    assert not TALLY.violations, "\n".join(TALLY.violations[:10])
