"""Ingest of damaged and awkward source files: every row is accounted for.

Each test writes a small file with one kind of trouble and checks three things: the
accounting (``rows_read == records + quarantined``, in the result, in ``sources`` and
counted in the tables), the specific outcome (which rows are quarantined, why, with their
raw text exactly as in the file and their row and line numbers), and, where the whole
file is refused, a clear message and a case left exactly as it was.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fullcount.case import Case
from fullcount.errors import IngestError
from fullcount.ingest import IngestResult, ingest_file

# --------------------------------------------------------------------------- helpers


@pytest.fixture
def case(tmp_path: Path):
    with Case.create(tmp_path / "case") as opened:
        yield opened


def write(folder: Path, name: str, data: bytes | str) -> Path:
    path = folder / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def state(case: Case) -> dict[str, Any]:
    """What a refused file must not change: every table's rows and the settings file."""
    con = case.con
    return {
        "sources": con.execute("SELECT * FROM sources ORDER BY file_id").fetchall(),
        "records": con.execute("SELECT count(*) FROM records").fetchone()[0],
        "quarantine": con.execute("SELECT count(*) FROM quarantine").fetchone()[0],
        "audit_log": con.execute("SELECT entry_id, hash FROM audit_log ORDER BY entry_id")
        .fetchall(),
        "settings": (case.path / "fullcount.toml").read_text(encoding="utf-8"),
    }


def file_id(case: Case, result: IngestResult) -> int:
    if result.file_id is not None:
        return result.file_id
    return case.con.execute(
        "SELECT file_id FROM sources WHERE sha256 = ?", [result.sha256]).fetchone()[0]


def accounted(case: Case, result: IngestResult) -> int:
    """Check the accounting in the result, in ``sources`` and in the tables; return file_id."""
    assert result.status == "ingested"
    assert result.rows_read == result.records + result.quarantined
    assert sum(result.quarantine_reasons.values()) == result.quarantined
    fid = file_id(case, result)
    con = case.con
    in_records = con.execute("SELECT count(*) FROM records WHERE file_id = ?", [fid]).fetchone()[0]
    in_quarantine = con.execute(
        "SELECT count(*) FROM quarantine WHERE file_id = ?", [fid]).fetchone()[0]
    assert (in_records, in_quarantine) == (result.records, result.quarantined)
    row = con.execute("SELECT rows_read, records, quarantined, blank_skipped FROM sources "
                      "WHERE file_id = ?", [fid]).fetchone()
    assert row == (result.rows_read, result.records, result.quarantined, result.blank_skipped)
    # Row numbers 1..rows_read, each exactly once across the two tables.
    numbers = sorted(r[0] for r in con.execute(
        "SELECT row_number FROM records WHERE file_id = ? UNION ALL "
        "SELECT row_number FROM quarantine WHERE file_id = ?", [fid, fid]).fetchall())
    assert numbers == list(range(1, result.rows_read + 1))
    return fid


def quarantined(case: Case, fid: int) -> list[tuple[int, int | None, str, str]]:
    return case.con.execute(
        "SELECT row_number, line_number, raw_text, reason_code FROM quarantine "
        "WHERE file_id = ? ORDER BY row_number", [fid]).fetchall()


def records(case: Case, fid: int) -> list[dict[str, Any]]:
    cursor = case.con.execute(
        "SELECT * FROM records WHERE file_id = ? ORDER BY row_number", [fid])
    names = [d[0] for d in cursor.description]
    rows = [dict(zip(names, row)) for row in cursor.fetchall()]
    for row in rows:
        row["raw"] = json.loads(row["raw"])
        row["extra"] = json.loads(row["extra"]) if row["extra"] is not None else None
    return rows


def refused(case: Case, path: Path, **options: Any) -> IngestError:
    """Ingest ``path`` expecting a whole-file refusal that leaves the case unchanged."""
    before = state(case)
    options.setdefault("source", "ngo_a")
    with pytest.raises(IngestError) as caught:
        ingest_file(case, path, **options)
    assert state(case) == before
    assert caught.value.message
    return caught.value


def text_of(error: IngestError) -> str:
    return f"{error.message}\n{error.hint or ''}"


# ------------------------------------------------------------------------- encodings

PERSIAN_1256 = [  # Arabic yeh (U+064A) and kaf: Windows-1256 has no Persian yeh (U+06CC)
    ("علي رضايي", "23", "تهران"),
    ("مريم كريمي", "30", "زاهدان"),
    ("پروانه گلزار", "17", "اصفهان"),
    ("ژاله چمران", "45", "کرمانشاه"),
]


def persian_cp1256(folder: Path) -> Path:
    lines = ["نام,سن,شهر"] + [",".join(row) for row in PERSIAN_1256]
    return write(folder, "list_1256.csv", ("\r\n".join(lines) + "\r\n").encode("cp1256"))


def test_windows_1256_is_detected_and_decoded(case: Case, tmp_path: Path) -> None:
    result = ingest_file(case, persian_cp1256(tmp_path), source="ngo_a")
    fid = accounted(case, result)
    assert result.encoding == "cp1256"
    assert any("cp1256" in note and "detected" in note for note in result.notes)
    assert (result.rows_read, result.records) == (4, 4)
    got = [(r["full_name"], r["age"], r["place"]) for r in records(case, fid)]
    assert got == PERSIAN_1256
    assert records(case, fid)[0]["raw"] == {"نام": "علي رضايي", "سن": "23", "شهر": "تهران"}


def test_windows_1256_the_detector_gives_up_on_is_still_read(tmp_path: Path) -> None:
    # A synthetic official list (10,000 people, seed 1) that charset-normalizer 3.5
    # returns no match for: its chunks look noisy to it. Found by `fullcount validate`.
    from fullcount.ingest.encoding import choose_encoding
    from fullcount.synth import generate

    summary = generate(tmp_path / "lists", n=10_000, lists=3, seed=1, heterogeneity=0.5)
    path = summary.out_dir / next(s.path for s in summary.sources if s.name == "official_c")
    choice = choose_encoding(path)
    assert (choice.name, choice.how, choice.invalid_lines) == ("cp1256", "detected", 0)


def test_binary_is_not_taken_for_windows_1256(tmp_path: Path) -> None:
    from fullcount.ingest.encoding import _arabic_in_cp1256

    text = ",".join(row[0] for row in PERSIAN_1256).encode("cp1256")
    assert _arabic_in_cp1256(text)
    assert not _arabic_in_cp1256(text + bytes(range(32)))
    assert not _arabic_in_cp1256(b"Name,Age\nAli,23\n" * 20)


def test_windows_1256_declared_as_utf8_is_refused(case: Case, tmp_path: Path) -> None:
    error = refused(case, persian_cp1256(tmp_path), encoding="utf-8")
    assert "list_1256.csv" in error.message
    assert "utf-8" in error.message
    assert "cp1256" in (error.hint or "") or "windows-1256" in (error.hint or "")
    assert "--encoding" in (error.hint or "")


def test_one_line_of_cp1256_in_a_utf8_file_is_quarantined(case: Case, tmp_path: Path) -> None:
    data = ("Name,Age\nAli,23\nسارا,30\n".encode()
            + "علي,40\n".encode("cp1256") + b"Reza,50\n")
    result = ingest_file(case, write(tmp_path, "mixed.csv", data), source="ngo_a")
    fid = accounted(case, result)
    assert result.encoding == "utf-8"
    escaped = "".join(f"\\x{b:02x}" for b in "علي".encode("cp1256"))
    assert quarantined(case, fid) == [(3, 4, escaped + ",40", "bad_bytes")]
    assert [r["full_name"] for r in records(case, fid)] == ["Ali", "سارا", "Reza"]


@pytest.mark.parametrize(("name", "codec", "delimiter"), [
    ("bom8.csv", "utf-8-sig", ","),
    ("bom16.csv", "utf-16", ","),
    ("excel_unicode_text.txt", "utf-16", "\t"),
    ("bom16.tsv", "utf-16", "\t"),
])
def test_byte_order_marks(case: Case, tmp_path: Path, name: str, codec: str,
                          delimiter: str) -> None:
    text = delimiter.join(["Name", "Age"]) + "\r\n" + delimiter.join(["مریم", "۲۳"]) + "\r\n"
    result = ingest_file(case, write(tmp_path, name, text.encode(codec)), source="ngo_a")
    fid = accounted(case, result)
    assert result.encoding == codec
    header = json.loads(case.con.execute(
        "SELECT header FROM sources WHERE file_id = ?", [fid]).fetchone()[0])
    assert header == ["Name", "Age"]  # no BOM glued to the first column's name
    assert result.mapping == {"full_name": "Name", "age": "Age"}
    [record] = records(case, fid)
    assert (record["full_name"], record["age_min"], record["age_max"]) == ("مریم", 23, 23)
    assert record["raw"] == {"Name": "مریم", "Age": "۲۳"}


def test_damaged_line_under_a_utf8_byte_order_mark(case: Case, tmp_path: Path) -> None:
    data = "Name,Age\r\nAli,23\r\n".encode("utf-8-sig") + "علي,40\r\n".encode("cp1256")
    result = ingest_file(case, write(tmp_path, "bom.csv", data + b"Reza,5\r\n"),
                         source="ngo_a")
    fid = accounted(case, result)
    assert result.encoding == "utf-8-sig"
    assert quarantined(case, fid) == [(2, 3, "\\xda\\xe1\\xed,40", "bad_bytes")]
    assert [r["full_name"] for r in records(case, fid)] == ["Ali", "Reza"]


def test_damaged_utf16_is_refused_clearly(case: Case, tmp_path: Path) -> None:
    data = "Name,Age\r\nAli,23\r\n".encode("utf-16") + b"\x00\xd8" + "Reza,5\r\n".encode(
        "utf-16-le")  # an unpaired surrogate
    error = refused(case, write(tmp_path, "broken16.csv", data))
    assert "broken16.csv" in error.message
    assert "utf-16" in error.message
    assert "--encoding" in (error.hint or "")


def test_undecodable_byte_beyond_the_detection_sample(case: Case, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Detection guesses from the first MiB; a byte further on that the guessed encoding
    cannot decode quarantines its row instead of stopping the ingest. (The guess is
    fixed here so that the file can be small.)"""
    monkeypatch.setattr("fullcount.ingest.encoding._guess", lambda path: "cp1252")
    lines = ["Name,Age"] + [f"José Müller {i},{i % 90}" for i in range(200)]
    data = ("\n".join(lines) + "\n").encode("cp1252") + b"Bad\x81name,3\nLast,4\n"
    result = ingest_file(case, write(tmp_path, "latin.csv", data), source="ngo_a")
    fid = accounted(case, result)
    assert result.encoding == "cp1252"
    assert quarantined(case, fid) == [(201, 202, "Bad\\x81name,3", "bad_bytes")]
    assert result.records == 201


# ----------------------------------------------------------------------- CSV rows


def test_ragged_rows(case: Case, tmp_path: Path) -> None:
    path = write(tmp_path, "ragged.csv",
                 "Name,Age,City\nAli,23,Tehran\nSara,30\nReza,40,Zahedan,extra\nMina,5,Rasht\n")
    result = ingest_file(case, path, source="ngo_a")
    fid = accounted(case, result)
    assert quarantined(case, fid) == [
        (2, 3, "Sara,30", "ragged"),
        (3, 4, "Reza,40,Zahedan,extra", "ragged"),
    ]
    assert result.quarantine_reasons == {"ragged": 2}
    assert [(r["row_number"], r["line_number"], r["full_name"]) for r in records(case, fid)] == [
        (1, 2, "Ali"), (4, 5, "Mina")]


@pytest.mark.parametrize("data", [
    b"", b"  \n\t\r\n\n   \n", b"\xef\xbb\xbf", b"\xef\xbb\xbf\r\n \r\n",
], ids=["zero-bytes", "whitespace-lines", "bom-only", "bom-and-blank-lines"])
def test_empty_file_is_refused(case: Case, tmp_path: Path, data: bytes) -> None:
    error = refused(case, write(tmp_path, "nothing.csv", data))
    assert "nothing.csv" in error.message
    assert "empty" in error.message
    assert "nothing was ingested" in (error.hint or "")


@pytest.mark.parametrize("data", ["Name,Age\n", "Name,Age", "\n\nName,Age\r\n\r\n  \r\n"])
def test_header_only(case: Case, tmp_path: Path, data: str) -> None:
    result = ingest_file(case, write(tmp_path, "header.csv", data), source="ngo_a")
    accounted(case, result)
    assert (result.rows_read, result.records, result.quarantined) == (0, 0, 0)
    assert result.mapping == {"full_name": "Name", "age": "Age"}
    assert case.con.execute("SELECT count(*) FROM sources").fetchone()[0] == 1


@pytest.mark.parametrize(("header", "row", "mapping", "extra"), [
    ("Full name,Age,Name,Name", "Ali Rezaei,23,Ali,A.",
     {"full_name": "Full name", "age": "Age"}, {"Name": "Ali", "Name (2)": "A."}),
    ("نام و نام خانوادگی,سن,نام,نام", "علی رضایی,23,علی,ع.",
     {"full_name": "نام و نام خانوادگی", "age": "سن"}, {"نام": "علی", "نام (2)": "ع."}),
    # A header that already has "Notes (2)": the repeat takes the next free number.
    ("Name,Notes,Notes (2),Notes", "Ali,a,b,c",
     {"full_name": "Name"}, {"Notes": "a", "Notes (2)": "b", "Notes (3)": "c"}),
])
def test_duplicate_headers_not_mapped_are_kept(case: Case, tmp_path: Path, header: str,
                                               row: str, mapping: dict[str, str],
                                               extra: dict[str, str]) -> None:
    path = write(tmp_path, "dup.csv", f"{header}\n{row}\n")
    result = ingest_file(case, path, source="ngo_a", mapping=mapping)
    fid = accounted(case, result)
    [record] = records(case, fid)
    assert record["extra"] == extra
    assert len(record["raw"]) == len(header.split(","))  # no column lost to a name clash
    assert list(record["raw"].values()) == row.split(",")


@pytest.mark.parametrize(("header", "column"), [("Name,Age,Name", "Name"), ("نام,سن,نام", "نام")])
def test_duplicated_name_column_mapped_is_refused(case: Case, tmp_path: Path, header: str,
                                                  column: str) -> None:
    path = write(tmp_path, "dup.csv", f"{header}\nAli,23,A.\n")
    error = refused(case, path, mapping={"full_name": column})
    assert f"'{column}'" in error.message
    assert "2 times" in error.message
    assert f"{column} (2)" in (error.hint or "") and "--map" in (error.hint or "")
    # Without a mapping, the suggestion says which column it could not place.
    error = refused(case, path)
    assert f"'{column}'" in error.message and "already taken" in error.message


def test_one_megabyte_cell(case: Case, tmp_path: Path) -> None:
    big = "x" * (1 << 20)
    path = write(tmp_path, "big.csv", f"Name,Notes\nAli,ok\nBig,{big}\nSara,fine\n")
    result = ingest_file(case, path, source="ngo_a")
    fid = accounted(case, result)
    assert quarantined(case, fid) == [(2, 3, f"Big,{big}", "cell_too_large")]
    assert [r["full_name"] for r in records(case, fid)] == ["Ali", "Sara"]


def test_cell_over_the_case_limit_names_its_column(case: Case, tmp_path: Path) -> None:
    big = "y" * 100_000  # over max_cell_chars (65,536) but within the csv module's limit
    path = write(tmp_path, "big.csv", f"Name,Notes\nAli,ok\n\"Big\",\"{big}\"\nSara,fine\n")
    result = ingest_file(case, path, source="ngo_a")
    fid = accounted(case, result)
    assert quarantined(case, fid) == [(2, 3, f'"Big","{big}"', "cell_too_large")]
    reason = case.con.execute("SELECT reason FROM quarantine WHERE file_id = ?",
                              [fid]).fetchone()[0]
    assert "'Notes'" in reason and "100,000" in reason


def test_nul_bytes(case: Case, tmp_path: Path) -> None:
    path = write(tmp_path, "nul.csv", b"Name,Age\nAli,23\nSa\x00ra,30\nReza,4\x000\nMina,5\n")
    result = ingest_file(case, path, source="ngo_a")
    fid = accounted(case, result)
    assert quarantined(case, fid) == [
        (2, 3, "Sa\x00ra,30", "nul_bytes"), (3, 4, "Reza,4\x000", "nul_bytes")]
    assert [r["full_name"] for r in records(case, fid)] == ["Ali", "Mina"]


def test_repeated_header(case: Case, tmp_path: Path) -> None:
    path = write(tmp_path, "concat.csv",
                 "Name,Age\nAli,23\n\nName,Age\nSara,30\n Name , Age \nReza,40\n")
    result = ingest_file(case, path, source="ngo_a")
    fid = accounted(case, result)
    assert result.blank_skipped == 1
    assert quarantined(case, fid) == [
        (2, 4, "Name,Age", "repeated_header"), (4, 6, " Name , Age ", "repeated_header")]
    assert [(r["row_number"], r["line_number"]) for r in records(case, fid)] == [
        (1, 2), (3, 5), (5, 7)]


def test_concatenated_files_with_byte_order_marks(case: Case, tmp_path: Path) -> None:
    part = "Name,Age\r\nAli,23\r\n".encode("utf-8-sig")
    path = write(tmp_path, "concat.csv", part + part.replace(b"Ali,23", b"Sara,30"))
    result = ingest_file(case, path, source="ngo_a")
    fid = accounted(case, result)
    assert quarantined(case, fid) == [(2, 3, "\ufeffName,Age", "repeated_header")]
    assert [r["full_name"] for r in records(case, fid)] == ["Ali", "Sara"]


def test_tab_separated_header_with_a_comma(case: Case, tmp_path: Path) -> None:
    path = write(tmp_path, "list.tsv", "Name\tAge (years, approx.)\nAli\t23\n")
    result = ingest_file(case, path, source="ngo_a", mapping={"full_name": "Name"})
    fid = accounted(case, result)
    assert records(case, fid)[0]["raw"] == {"Name": "Ali", "Age (years, approx.)": "23"}


def test_nul_in_a_header_name(case: Case, tmp_path: Path) -> None:
    path = write(tmp_path, "nul.csv", b"Name,No\x00tes\nAli,x\n")
    result = ingest_file(case, path, source="ngo_a", mapping={"full_name": "Name"})
    fid = accounted(case, result)
    assert records(case, fid)[0]["extra"] == {"No\ufffdtes": "x"}


def test_no_recognisable_name_column(case: Case, tmp_path: Path) -> None:
    error = refused(case, write(tmp_path, "odd.csv", "Foo,Bar,Age\nAli,x,23\n"))
    text = text_of(error)
    assert "odd.csv" in error.message
    assert "no column recognised as a name" in error.message
    assert "Proposed mapping" in error.message and 'age = "Age"' in error.message
    assert "--suggest" in text and "--map" in text


def test_mapping_names_a_missing_column(case: Case, tmp_path: Path) -> None:
    path = write(tmp_path, "odd.csv", "Foo,Bar\nAli,23\n")
    error = refused(case, path, mapping={"full_name": "Victim"})
    assert "'Victim'" in error.message
    assert "Its columns are: 'Foo', 'Bar'" in error.message
    assert "--map full_name=" in (error.hint or "")


def test_rows_without_a_name(case: Case, tmp_path: Path) -> None:
    path = write(tmp_path, "noname.csv", "Name,Age\nAli,23\n,30\n   ,40\n\t,\n\u00a0,7\nSara,5\n")
    result = ingest_file(case, path, source="ngo_a")
    fid = accounted(case, result)
    assert result.blank_skipped == 1  # "\t," has no value at all
    assert quarantined(case, fid) == [
        (2, 3, ",30", "no_name"), (3, 4, "   ,40", "no_name"), (4, 6, "\u00a0,7", "no_name")]
    assert [r["full_name"] for r in records(case, fid)] == ["Ali", "Sara"]


def test_unreadable_dates_and_ages_are_kept_and_flagged(case: Case, tmp_path: Path) -> None:
    path = write(tmp_path, "dates.csv",
                 "Name,Age,Date of death\nAli,unknown,1401/13/02\nSara,نامعلوم,unknown\n"
                 "Reza,۲۳,۱۴۰۱/۰۶/۲۷\nMina,20-25,2022-09-18\n")
    result = ingest_file(case, path, source="ngo_a")
    fid = accounted(case, result)
    assert (result.records, result.quarantined) == (4, 0)
    assert result.flagged == {"age_unreadable": 2, "date_unreadable": 2}
    got = [(r["full_name"], r["age"], r["age_min"], r["age_max"], r["date_of_death"],
            sorted(r["flags"])) for r in records(case, fid)]
    assert got == [
        ("Ali", "unknown", None, None, "1401/13/02", ["age_unreadable", "date_unreadable"]),
        ("Sara", "نامعلوم", None, None, "unknown", ["age_unreadable", "date_unreadable"]),
        ("Reza", "۲۳", 23, 23, "۱۴۰۱/۰۶/۲۷", []),
        ("Mina", "20-25", 20, 25, "2022-09-18", []),
    ]


def lines_found(case: Case, fid: int, lines: list[str]) -> None:
    """Every input line is in a record (its cells joined) or in a quarantined raw text."""
    kept = {",".join(r["raw"].values()) for r in records(case, fid)}
    raw = "\n".join(row[2] for row in quarantined(case, fid)).split("\n")
    missing = [line for line in lines if line not in kept and line not in raw]
    assert not missing


def test_unclosed_quote_loses_nothing(case: Case, tmp_path: Path) -> None:
    lines = ["Ali,23", 'Sara,"30', "Reza,40", "Mina,50", "Nima,60"]
    path = write(tmp_path, "quote.csv", "Name,Age\n" + "\n".join(lines) + "\n")
    result = ingest_file(case, path, source="ngo_a")
    fid = accounted(case, result)
    # The csv module reads from the quote to the end of the file as one cell.
    assert quarantined(case, fid) == [(2, 3, "\n".join(lines[1:]), "bad_quoting")]
    lines_found(case, fid, lines)


def test_unclosed_quote_in_a_long_file_loses_nothing(case: Case, tmp_path: Path) -> None:
    """Past the csv module's field limit the swallowed lines are quarantined as one row
    and reading resumes on the next line."""
    lines = [f"Person {i},{i % 90}" for i in range(20_000)]
    lines[100] = 'Person 100,"30'
    path = write(tmp_path, "quote.csv", "Name,Age\n" + "\n".join(lines) + "\n")
    result = ingest_file(case, path, source="ngo_a")
    fid = accounted(case, result)
    [(row, line, raw, reason)] = quarantined(case, fid)
    assert (row, line, reason) == (101, 102, "cell_too_large")
    assert raw.startswith('Person 100,"30\nPerson 101,11\n')
    assert result.records > 10_000  # reading went on after the swallowed lines
    lines_found(case, fid, lines)


# ----------------------------------------------------------------------------- JSON


def test_jsonl_bad_lines(case: Case, tmp_path: Path) -> None:
    lines = ['{"Name": "Ali", "Age": 23}', '{"Name": bad', "[1, 2]", "", '"just text"',
             '{"Name": "  "}', '{"Name": "Sara", "Age": "۳۰"}',
             '{"Name": "Big", "Age": ' + "9" * 5000 + "}"]  # over int's 4,300 digits
    path = write(tmp_path, "list.jsonl", "\n".join(lines) + "\n")
    result = ingest_file(case, path, source="ngo_a")
    fid = accounted(case, result)
    assert result.blank_skipped == 1
    assert quarantined(case, fid) == [
        (2, 2, lines[1], "bad_json"), (3, 3, lines[2], "not_an_object"),
        (4, 5, lines[4], "not_an_object"), (5, 6, lines[5], "no_name"),
        (7, 8, lines[7], "bad_json")]
    reasons = [r[0] for r in case.con.execute(
        "SELECT reason FROM quarantine WHERE file_id = ? ORDER BY row_number", [fid]).fetchall()]
    assert "JSON array" in reasons[1] and "JSON string" in reasons[2]
    got = [(r["row_number"], r["line_number"], r["full_name"], r["age_min"])
           for r in records(case, fid)]
    assert got == [(1, 1, "Ali", 23), (6, 7, "Sara", 30)]


def test_jsonl_line_separators_inside_strings(case: Case, tmp_path: Path) -> None:
    """U+2028, U+0085 and friends are valid inside JSON strings; only \\n ends a line."""
    lines = ['{"Name": "Ali", "Notes": "a\u2028b\u0085c\u2029d"}', '{"Name": "Sara"}']
    path = write(tmp_path, "list.jsonl", "\r\n".join(lines) + "\r\n")
    result = ingest_file(case, path, source="ngo_a")
    fid = accounted(case, result)
    got = [(r["line_number"], r["full_name"], r["notes"]) for r in records(case, fid)]
    assert got == [(1, "Ali", "a\u2028b\u0085c\u2029d"), (2, "Sara", None)]


def test_lone_surrogate_escapes_are_quarantined(case: Case, tmp_path: Path) -> None:
    lines = ['{"Name": "Ali\\ud800"}', '{"Name": "Sara", "\\udd00": 1}',
             '{"Name": "Reza \\ud83d\\ude00"}']  # the last is a proper pair: an emoji
    path = write(tmp_path, "list.jsonl", "\n".join(lines) + "\n")
    result = ingest_file(case, path, source="ngo_a", mapping={"full_name": "Name"})
    fid = accounted(case, result)
    assert quarantined(case, fid) == [(1, 1, lines[0], "bad_json"), (2, 2, lines[1], "bad_json")]
    assert [r["full_name"] for r in records(case, fid)] == ["Reza \U0001f600"]
    array = write(tmp_path, "list.json", "[" + ", ".join(lines) + "]")
    result = ingest_file(case, array, source="ngo_b", mapping={"full_name": "Name"})
    fid = accounted(case, result)
    assert quarantined(case, fid) == [(1, None, '{"Name": "Ali\\ud800"}', "bad_json"),
                                      (2, None, '{"Name": "Sara", "\\udd00": 1}', "bad_json")]


@pytest.mark.parametrize("name", ["list.jsonl", "list.json"])
def test_undecodable_bytes_in_a_json_key(case: Case, tmp_path: Path, name: str) -> None:
    good = [f'{{"Name": "Ali {i}"}}' for i in range(150)]
    bad = b'{"Name": "Sara", "No\xfftes": "x"}'
    if name.endswith(".jsonl"):
        data = "\n".join(good).encode() + b"\n" + bad + b"\n"
    else:
        data = b"[" + ",\n".join(good).encode() + b",\n" + bad + b"]"
    result = ingest_file(case, write(tmp_path, name, data), source="ngo_a",
                         mapping={"full_name": "Name"})
    fid = accounted(case, result)
    [(row, _, raw, reason)] = quarantined(case, fid)
    assert (row, reason) == (151, "bad_bytes")
    assert "No\\xfftes" in raw
    assert result.unmapped_columns == []  # the damaged key did not become a column


def test_deeply_nested_jsonl_line_is_quarantined(case: Case, tmp_path: Path) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    lines = ['{"Name": "Ali"}', deep, '{"Name": "Sara", "Notes": ' + deep + "}"]
    path = write(tmp_path, "deep.jsonl", "\n".join(lines) + "\n")
    result = ingest_file(case, path, source="ngo_a", mapping={"full_name": "Name"})
    fid = accounted(case, result)
    assert quarantined(case, fid) == [(2, 2, lines[1], "bad_json"), (3, 3, lines[2], "bad_json")]


def test_deeply_nested_json_file_is_refused(case: Case, tmp_path: Path) -> None:
    error = refused(case, write(tmp_path, "deep.json", "[" * 100_000 + "]" * 100_000))
    assert "deep.json" in error.message and "not valid JSON" in error.message


def test_json_array_with_non_objects(case: Case, tmp_path: Path) -> None:
    items = [{"Name": "Ali", "Age": 23}, ["Sara", 30], None, "Reza",
             {"Name": "Mina", "Age": "40", "Notes": {"seen": True}}]
    path = write(tmp_path, "list.json", json.dumps(items, ensure_ascii=False))
    result = ingest_file(case, path, source="ngo_a")
    fid = accounted(case, result)
    assert quarantined(case, fid) == [
        (2, None, '["Sara", 30]', "not_an_object"), (3, None, "null", "not_an_object"),
        (4, None, '"Reza"', "not_an_object")]
    got = [(r["row_number"], r["full_name"], r["age"], r["notes"], r["raw"])
           for r in records(case, fid)]
    assert got == [(1, "Ali", "23", None, items[0]),
                   (5, "Mina", "40", '{"seen": true}', items[4])]


def test_json_object_wrapper(case: Case, tmp_path: Path) -> None:
    data = {"exported": "2024-05-01", "records": [{"Name": "Ali"}, {"Name": "Sara"}]}
    result = ingest_file(case, write(tmp_path, "wrapped.json", json.dumps(data)),
                         source="ngo_a")
    fid = accounted(case, result)
    assert [r["full_name"] for r in records(case, fid)] == ["Ali", "Sara"]
    two = {"a": [{"Name": "Ali"}], "b": [{"Name": "Sara"}]}
    error = refused(case, write(tmp_path, "two.json", json.dumps(two)), source="ngo_b")
    assert "two.json" in error.message and "exactly one array" in (error.hint or "")


@pytest.mark.parametrize(("name", "data"), [
    ("cut.json", '[{"Name": "Ali"},'), ("empty.json", "[]"), ("empty.jsonl", "\n\n"),
    ("scalar.json", "42"),
])
def test_unusable_json_files_are_refused(case: Case, tmp_path: Path, name: str,
                                         data: str) -> None:
    error = refused(case, write(tmp_path, name, data))
    assert name in error.message


# ----------------------------------------------------------------------------- XLSX


def workbook(path: Path, rows: list[list[Any]]) -> Path:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


def test_xlsx_rows(case: Case, tmp_path: Path) -> None:
    path = workbook(tmp_path / "list.xlsx", [
        [None],
        ["Name", "Age", "Date of death"],
        ["Ali", 23, dt.datetime(2022, 9, 18)],
        [None, None, None],
        [None, 30, dt.date(2022, 9, 19)],
        ["Sara", 23.0, "1401/06/27"],
        ["Reza", "۴۰", dt.datetime(2022, 9, 18, 10, 30)],
        ["Mina", 5, None, None, "to the right"],
        ["   ", None, None],
    ])
    result = ingest_file(case, path, source="ngo_a")
    fid = accounted(case, result)
    assert result.encoding is None and result.format == "xlsx"
    assert result.blank_skipped == 2
    assert quarantined(case, fid) == [
        (2, 5, '["", "30", "2022-09-19", "", ""]', "no_name"),  # as wide as the sheet
        (5, 8, '["Mina", "5", "", "", "to the right"]', "ragged")]
    got = [(r["row_number"], r["line_number"], r["full_name"], r["age"], r["age_min"],
            r["date_of_death"]) for r in records(case, fid)]
    assert got == [(1, 3, "Ali", "23", 23, "2022-09-18"),
                   (3, 6, "Sara", "23", 23, "1401/06/27"),
                   (4, 7, "Reza", "۴۰", 40, "2022-09-18 10:30:00")]


def test_xlsx_that_is_not_a_zip(case: Case, tmp_path: Path) -> None:
    error = refused(case, write(tmp_path, "list.xlsx", "Name,Age\nAli,23\n"))
    assert "list.xlsx" in error.message and "not a readable Excel" in error.message
    assert "CSV" in (error.hint or "")


@pytest.mark.parametrize(("name", "file_format"), [("export.dat", None), ("export.csv", "xlsx")])
def test_workbook_under_another_name(case: Case, tmp_path: Path, name: str,
                                     file_format: str | None) -> None:
    path = workbook(tmp_path / "real.xlsx", [["Name", "Age"], ["Ali", 23]])
    renamed = write(tmp_path, name, path.read_bytes())
    result = ingest_file(case, renamed, source="ngo_a", file_format=file_format)
    fid = accounted(case, result)
    assert result.format == "xlsx"
    assert [r["full_name"] for r in records(case, fid)] == ["Ali"]


# ------------------------------------------------------------------ Persian, versions


def test_persian_headers_and_digits(case: Case, tmp_path: Path) -> None:
    path = write(tmp_path, "fa.csv",
                 "ردیف,نام,نام خانوادگی,نام پدر,سن,تاریخ فوت,شهر,استان\n"
                 "۱,علی,رضایی,حسن,۲۳,۱۴۰۱/۰۶/۲۷,زاهدان,سیستان و بلوچستان\n"
                 "۲,مریم,کریمی,,۳۰ تا ۳۵,۱۴۰۱/۰۷/۰۸,تهران,تهران\n"
                 "۳,حسین,احمدی,,حدود ۴۰ سال,,,\n")
    result = ingest_file(case, path, source="ngo_a")
    fid = accounted(case, result)
    assert result.mapping == {
        "source_row_id": "ردیف", "given_name": "نام", "family_name": "نام خانوادگی",
        "father_name": "نام پدر", "age": "سن", "date_of_death": "تاریخ فوت", "place": "شهر",
        "province": "استان"}
    got = [(r["source_row_id"], r["given_name"], r["family_name"], r["father_name"],
            r["age_min"], r["age_max"], r["flags"]) for r in records(case, fid)]
    assert got == [("۱", "علی", "رضایی", "حسن", 23, 23, []),
                   ("۲", "مریم", "کریمی", None, 30, 35, []),
                   ("۳", "حسین", "احمدی", None, 40, 40, [])]


def test_reingest_same_changed_and_other_source(case: Case, tmp_path: Path) -> None:
    path = write(tmp_path, "ngo_a.csv", "Name,Age\nAli,23\nSara,30\n")
    first = ingest_file(case, path, source="ngo_a")
    accounted(case, first)
    before = state(case)
    again = ingest_file(case, path, source="ngo_a")
    assert (again.status, again.version, again.rows_read) == ("unchanged", 1, 0)
    assert "nothing to do" in again.notes[0]
    assert state(case) == before

    error = refused(case, path, source="ngo_b")
    assert "'ngo_a'" in error.message and "twice" in (error.hint or "")

    path.write_text("Name,Age\nAli,23\nSara,30\nReza,40\n", encoding="utf-8")
    second = ingest_file(case, path, source="ngo_a")
    fid2 = accounted(case, second)
    fid1 = file_id(case, first)
    assert (second.version, second.superseded, second.records) == (2, [fid1], 3)
    con = case.con
    assert con.execute("SELECT count(*) FROM records WHERE file_id = ?", [fid1]).fetchone()[0] == 2
    current = con.execute("SELECT DISTINCT file_id FROM current_records").fetchall()
    assert current == [(fid2,)]
    assert con.execute("SELECT count(*) FROM current_records").fetchone()[0] == 3
    assert con.execute("SELECT superseded_by FROM sources WHERE file_id = ?",
                       [fid1]).fetchone()[0] == fid2

    # The file goes back to its first content: that is a change too, so a new version
    # becomes current (version 1 stays as it was, for the record).
    path.write_text("Name,Age\nAli,23\nSara,30\n", encoding="utf-8")
    third = ingest_file(case, path, source="ngo_a")
    fid3 = accounted(case, third)
    assert (third.status, third.version, third.superseded) == ("ingested", 3, [fid2])
    assert any("replaced version 1" in note for note in third.notes)
    assert con.execute("SELECT DISTINCT file_id FROM current_records").fetchall() == [(fid3,)]


# ------------------------------------------------------------------------- property

CELL = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
               max_size=8)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(st.lists(CELL, min_size=1, max_size=5), min_size=0, max_size=25))
def test_random_rows_are_all_accounted_for(rows: list[list[str]]) -> None:
    header = ["Name", "Age", "Notes"]
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows([header, *rows])
    non_blank = [row for row in rows if any(cell.strip() for cell in row)]
    with tempfile.TemporaryDirectory() as folder:
        path = write(Path(folder), "random.csv", buffer.getvalue())
        with Case.create(Path(folder) / "case") as case:
            result = ingest_file(case, path, source="ngo_a",
                                 mapping={"full_name": "Name", "age": "Age", "notes": "Notes"})
            fid = accounted(case, result)
            assert result.rows_read == len(non_blank)
            assert result.blank_skipped == len(rows) - len(non_blank)
            for record in records(case, fid):  # each record is its row, cell for cell
                assert record["raw"] == dict(zip(header, non_blank[record["row_number"] - 1]))
            for row_number, _, raw_text, _ in quarantined(case, fid):
                line = io.StringIO(newline="")
                csv.writer(line).writerow(non_blank[row_number - 1])
                assert raw_text == line.getvalue().rstrip("\r\n")


# ------------------------------------------------------------------------------ CLI


def fullcount(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}
    env.pop("FULLCOUNT_CASE", None)
    return subprocess.run([sys.executable, "-m", "fullcount", *args], capture_output=True,
                          text=True, env=env, timeout=60, check=False)


def test_cli_ingest_json_and_refusal(tmp_path: Path) -> None:
    folder = tmp_path / "case"
    done = fullcount("init", str(folder))
    assert done.returncode == 0, done.stderr
    path = write(tmp_path, "ngo_a.csv",
                 "Name,Age\nAli,23\nSara\n,30\n\nReza,40\nName,Age\nMina,۵۰\n")
    done = fullcount("ingest", str(path), "--source", "ngo_a", "--case", str(folder), "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    [entry] = report["files"]
    assert (entry["rows_read"], entry["records"], entry["quarantined"]) == (6, 3, 3)
    assert entry["blank_skipped"] == 1
    assert entry["quarantine_reasons"] == {"ragged": 1, "no_name": 1, "repeated_header": 1}
    assert report["totals"]["rows_read"] == 6

    empty = write(tmp_path, "empty.csv", b"")
    done = fullcount("ingest", str(empty), "--source", "ngo_b", "--case", str(folder))
    assert done.returncode != 0
    assert "error:" in done.stderr and "empty" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    with Case.open(folder, readonly=True) as case:
        assert case.con.execute("SELECT count(*) FROM sources").fetchone()[0] == 1
        assert case.con.execute("SELECT count(*) FROM records").fetchone()[0] == 3
