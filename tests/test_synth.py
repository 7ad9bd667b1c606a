"""Tests of the synthetic victim-list generator (``fullcount.synth``).

The reference reader below implements ingest's row rules independently with the csv,
json and openpyxl modules, so the truth files are checked against the files as written.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import random
from pathlib import Path

import jdatetime
import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fullcount.ingest.fields import NAME_FIELDS, recognise, suggest_mapping
from fullcount.synth import SynthSummary, generate
from fullcount.synth import lexicon as lx
from fullcount.synth.dates import EVENT_DAYS, Calendar, day_to_date, format_day
from fullcount.synth.render import typo

ALL_LISTS = 8

# The malformed kinds each file type must carry (at least one each for >= 50 rows).
DEFECTS_BY_FORMAT = {
    ("csv", "utf-8"): {"ragged", "repeated_header", "no_name", "bad_bytes"},
    ("csv", "utf-8-sig"): {"ragged", "repeated_header", "no_name", "bad_bytes"},
    ("csv", "cp1256"): {"ragged", "repeated_header", "no_name"},
    ("tsv", "utf-16"): {"ragged", "repeated_header", "no_name"},
    ("jsonl", "utf-8"): {"bad_json", "no_name"},
    ("json", "utf-8"): {"bad_json", "no_name"},
    ("xlsx", None): {"no_name"},
}


# ----------------------------------------------------------------------------------
# A reference reader: ingest's row rules, written with plain Python tools.


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _has_bad_bytes(cells: list[str]) -> bool:
    return any("\udc80" <= ch <= "\udcff" for cell in cells for ch in cell)


def read_source(path: Path, fmt: str, encoding: str | None):
    """Return (headers, rows); each row is (defect or "", {header: value})."""
    if fmt in ("csv", "tsv"):
        return _read_delimited(path, encoding, "\t" if fmt == "tsv" else ",")
    if fmt == "jsonl":
        return _read_json_items(
            [ln.rstrip("\r") for ln in path.read_text("utf-8").split("\n")], lines=True)
    if fmt == "json":
        return _read_json_items(json.loads(path.read_text("utf-8")), lines=False)
    return _read_xlsx(path)


def _read_delimited(path: Path, encoding: str, delimiter: str):
    raw = path.read_bytes()
    if encoding == "utf-16":
        text = raw.decode("utf-16")
    else:
        text = raw.decode(encoding, errors="surrogateescape")
    header = None
    rows = []
    for cells in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
        if not cells or all(c == "" for c in cells):
            continue
        if header is None:
            header = cells
            names = [k for k, h in enumerate(header) if recognise(h) in NAME_FIELDS]
            continue
        if len(cells) != len(header):
            defect = "ragged"
        elif cells == header:
            defect = "repeated_header"
        elif _has_bad_bytes(cells):
            defect = "bad_bytes"
        elif all(not cells[k].strip() for k in names):
            defect = "no_name"
        else:
            defect = ""
        rows.append((defect, dict(zip(header, cells)) if not defect else {}))
    return header, rows


def _read_json_items(items, lines: bool):
    keys: list[str] = []
    rows = []
    for item in items:
        if lines:
            if not item.strip():
                continue
            try:
                item = json.loads(item)
            except json.JSONDecodeError:
                rows.append(("bad_json", {}))
                continue
        if not isinstance(item, dict):
            rows.append(("bad_json", {}))
            continue
        keys += [k for k in item if k not in keys]
        named = [k for k in item if recognise(k) in NAME_FIELDS]
        if all(_blank(item[k]) for k in named):
            rows.append(("no_name", {}))
        else:
            rows.append(("", item))
    return keys, rows


def _read_xlsx(path: Path):
    wb = openpyxl.load_workbook(path, read_only=True)
    ws = wb.worksheets[0]
    header = None
    rows = []
    for values in ws.iter_rows(values_only=True):
        if header is not None:  # read-only mode may drop trailing empty cells
            values = tuple(values) + (None,) * (len(header) - len(values))
        if all(v is None or v == "" for v in values):
            continue
        if header is None:
            header = [str(v) for v in values]
            names = [k for k, h in enumerate(header) if recognise(h) in NAME_FIELDS]
            continue
        if all(_blank(values[k]) for k in names):
            rows.append(("no_name", {}))
        else:
            rows.append(("", dict(zip(header, values))))
    wb.close()
    return header, rows


def read_truth(out: Path, name: str) -> list[dict[str, str]]:
    with open(out / "truth" / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def files_of(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes()
            for p in sorted(out.rglob("*")) if p.is_file()}


# ----------------------------------------------------------------------------------
# Fixtures: generated once per module.


@pytest.fixture(scope="module")
def big(tmp_path_factory) -> SynthSummary:
    out = tmp_path_factory.mktemp("big")
    return generate(out, n=2000, lists=ALL_LISTS, seed=7)


@pytest.fixture(scope="module")
def clean(tmp_path_factory) -> SynthSummary:
    out = tmp_path_factory.mktemp("clean")
    return generate(out, n=400, lists=ALL_LISTS, seed=5, noise=0, malformed_rate=0)


@pytest.fixture(scope="module")
def big_read(big):
    return {s.name: read_source(big.out_dir / s.path, s.format, s.encoding)
            for s in big.sources}


# ----------------------------------------------------------------------------------
# Reproducibility


def test_same_seed_gives_identical_bytes_and_another_seed_differs(tmp_path):
    a = generate(tmp_path / "a", n=500, lists=ALL_LISTS, seed=3)
    b = generate(tmp_path / "b", n=500, lists=ALL_LISTS, seed=3)
    c = generate(tmp_path / "c", n=500, lists=ALL_LISTS, seed=4)
    fa, fb, fc = files_of(a.out_dir), files_of(b.out_dir), files_of(c.out_dir)
    assert {Path(s.path).suffix for s in a.sources} >= {".csv", ".xlsx", ".json", ".jsonl",
                                                        ".tsv"}
    assert fa.keys() == fb.keys() == fc.keys()
    for name in fa:
        assert fa[name] == fb[name], f"{name} differs between two runs with the same seed"
    for s in a.sources:
        assert fa[s.path] != fc[s.path], f"{s.path} is the same for seeds 3 and 4"
    assert fa["truth/people.csv"] != fc["truth/people.csv"]


def test_adding_a_list_leaves_the_population_and_earlier_lists_unchanged(tmp_path):
    four = generate(tmp_path / "four", n=300, lists=4, seed=9)
    five = generate(tmp_path / "five", n=300, lists=5, seed=9)
    for s in four.sources:
        assert (four.out_dir / s.path).read_bytes() == (five.out_dir / s.path).read_bytes()
    p4 = read_truth(four.out_dir, "people.csv")
    p5 = read_truth(five.out_dir, "people.csv")
    assert [{k: r[k] for k in r4} for r, r4 in zip(p5, p4)] == p4


# ----------------------------------------------------------------------------------
# Truth consistency


def test_truth_files_agree_with_each_other_and_the_summary(big):
    out = big.out_dir
    people = read_truth(out, "people.csv")
    records = read_truth(out, "records.csv")
    summary = json.loads((out / "truth" / "summary.json").read_text("utf-8"))
    names = [s.name for s in big.sources]

    assert len(people) == big.n == summary["n"] == 2000
    assert summary["n_observed"] == big.n_observed
    assert summary["capture_histories"] == big.capture_histories
    assert [s["name"] for s in summary["sources"]] == names
    assert sum(big.capture_histories.values()) == big.n_observed < big.n
    assert all(len(k) == len(names) and set(k) <= {"0", "1"} and "1" in k
               for k in big.capture_histories)

    flags = {r["person_id"]: [int(r[name]) for name in names] for r in people}
    histories: dict[str, int] = {}
    for f in flags.values():
        if any(f):
            key = "".join(map(str, f))
            histories[key] = histories.get(key, 0) + 1
    assert histories == big.capture_histories

    for j, s in enumerate(big.sources):
        mine = [r for r in records if r["source"] == s.name]
        good = [r for r in mine if r["expected"] == "record"]
        bad = [r for r in mine if r["expected"] == "quarantine"]
        assert [int(r["row_number"]) for r in mine] == list(range(1, s.rows_written + 1))
        assert all(r["file"] == s.path for r in mine)
        assert len(good) == s.expected_records
        assert len(bad) == s.expected_quarantined
        assert all(r["defect"] == "" for r in good)
        assert all(r["defect"] in DEFECTS_BY_FORMAT[(s.format, s.encoding)] for r in bad)
        assert all(r["person_id"] for r in good)
        recorded = {r["person_id"] for r in good}
        flagged = {pid for pid, f in flags.items() if f[j]}
        assert recorded == flagged
        assert s.n_persons == len(flagged) == sum(
            v for k, v in big.capture_histories.items() if k[j] == "1")
        assert s.n_duplicates == sum(int(r["is_duplicate"]) for r in good)
        assert s.expected_records == s.n_persons + s.n_duplicates
        # Damaged copies belong to people the list also records correctly.
        assert {r["person_id"] for r in bad if r["person_id"]} <= recorded
        assert 0.15 * big.n < s.n_persons < 0.65 * big.n
    assert (out / "README.txt").read_text("utf-8").startswith("SYNTHETIC DATA")


def test_reference_reader_counts_and_classifies_every_row(big, big_read):
    records = read_truth(big.out_dir, "records.csv")
    for s in big.sources:
        _, rows = big_read[s.name]
        assert len(rows) == s.rows_written, s.path
        expected = [r["defect"] for r in records if r["source"] == s.name]
        assert [d for d, _ in rows] == expected, s.path


def test_headers_are_recognised_by_ingest(big, big_read):
    for s in big.sources:
        headers, _ = big_read[s.name]
        suggestion = suggest_mapping(list(headers))
        assert suggestion.complete, (s.path, headers, suggestion)
        assert set(suggestion.mapping) == set(s.fields), s.path
        assert "source_row_id" in suggestion.mapping


def test_formats_encodings_and_byte_order_marks(big):
    by_format = {(s.format, s.encoding) for s in big.sources}
    assert by_format == set(DEFECTS_BY_FORMAT)
    for s in big.sources:
        head = (big.out_dir / s.path).read_bytes()[:4]
        if s.encoding == "utf-16":
            assert head[:2] == b"\xff\xfe"
        elif s.encoding == "utf-8-sig":
            assert head[:3] == b"\xef\xbb\xbf"
        elif s.format == "xlsx":
            assert head == b"PK\x03\x04"
        else:
            assert not head.startswith(b"\xef\xbb\xbf")


def test_cp1256_file_is_windows_1256_with_arabic_yeh(big):
    (s,) = [s for s in big.sources if s.encoding == "cp1256"]
    raw = (big.out_dir / s.path).read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    text = raw.decode("cp1256")
    assert "ي" in text  # Arabic yeh, U+064A
    assert "ی" not in text  # Persian yeh cannot be encoded
    assert "نام خانوادگي" in text


def test_persian_digit_source_writes_persian_digits(big, big_read):
    (s,) = [s for s in big.sources if s.name == "ngo_h"]
    _, rows = big_read[s.name]
    ids = [cells["ردیف"] for d, cells in rows if not d]
    assert ids and all(ch in "۰۱۲۳۴۵۶۷۸۹" for i in ids for ch in i)


def test_each_malformed_kind_is_present_in_every_large_file(big):
    for s in big.sources:
        assert s.rows_written >= 50
        assert set(s.defects) == DEFECTS_BY_FORMAT[(s.format, s.encoding)], s.path
        assert s.expected_quarantined >= 0.01 * s.expected_records - 1


def test_no_malformed_rows_when_the_rate_is_zero(clean):
    assert all(s.expected_quarantined == 0 and not s.defects for s in clean.sources)


# ----------------------------------------------------------------------------------
# The capture model


def test_capture_is_heterogeneous_and_dependent(big):
    people = read_truth(big.out_dir, "people.csv")

    def rate(rows, name):
        return sum(int(r[name]) for r in rows) / len(rows)

    by_class = {c: [r for r in people if r["latent_class"] == c]
                for c in ("high", "medium", "low")}
    for s in big.sources:
        high, medium, low = (rate(by_class[c], s.name) for c in ("high", "medium", "low"))
        assert high > medium > low, s.name
        assert high - low > 0.2, s.name
    # media_b partly copies ngo_a: within a class, being in ngo_a raises the chance.
    low_class = by_class["low"]
    in_a = [r for r in low_class if r["ngo_a"] == "1"]
    not_a = [r for r in low_class if r["ngo_a"] == "0"]
    assert rate(in_a, "media_b") > 2 * rate(not_a, "media_b")


def test_common_full_names_are_shared_by_distinct_people(big):
    people = read_truth(big.out_dir, "people.csv")
    counts: dict[str, int] = {}
    for r in people:
        key = r["given_name_fa"] + " " + r["family_name_fa"]
        counts[key] = counts.get(key, 0) + 1
    shared = sum(c for c in counts.values() if c > 1) / len(people)
    assert 0.05 < shared < 0.5
    assert any(r["sibling_of"] for r in people)


# ----------------------------------------------------------------------------------
# Noise


def test_noise_zero_writes_canonical_values(clean):
    out = clean.out_dir
    people = {r["person_id"]: r for r in read_truth(out, "people.csv")}
    records = read_truth(out, "records.csv")
    assert all(r["noise"] == "" and r["is_duplicate"] == "0" for r in records)
    cal = Calendar()
    start = day_to_date(0)

    def jalali(iso: str) -> str:
        return format_day(cal, (dt.date.fromisoformat(iso) - start).days, "j_slash")

    for s in clean.sources:
        _, rows = read_source(out / s.path, s.format, s.encoding)
        pids = [r["person_id"] for r in records if r["source"] == s.name]
        assert len(rows) == len(pids) == s.n_persons
        for (_, cells), pid in zip(rows, pids):
            p = people[pid]
            values = list(cells.values())
            if s.script == "latin":
                given, family = p["given_name_latin"], p["family_name_latin"]
            else:
                given, family = p["given_name_fa"], p["family_name_fa"]
                if s.encoding == "cp1256":  # the only change: Arabic yeh for Persian yeh
                    given, family = given.replace("ی", "ي"), family.replace("ی", "ي")
            if s.layout == "full":
                assert values[1] == f"{given} {family}", (s.name, values)
            else:
                assert values[1:3] == [given, family], (s.name, values)
            if s.name == "ngo_a":
                assert cells["تاریخ جان باختن"] == jalali(p["date_of_death"])
                assert cells["سن"] == p["age"]
            if s.name == "media_b":
                assert cells["Age"] == int(p["age"])
                date = dt.date.fromisoformat(p["date_of_death"])
                assert cells["Date of death"] == f"{date:%B} {date.day}, {date.year}"


def _typos_and_variants(summary: SynthSummary) -> tuple[int, int]:
    records = read_truth(summary.out_dir, "records.csv")
    tags = [set(r["noise"].split(";")) for r in records]
    return sum("typo" in t for t in tags), sum("translit" in t for t in tags)


def test_more_noise_gives_more_typos_and_variants(tmp_path, big):
    low = generate(tmp_path / "low", n=2000, lists=ALL_LISTS, seed=7, noise=0.3)
    high = generate(tmp_path / "high", n=2000, lists=ALL_LISTS, seed=7, noise=2.0)
    t_low, v_low = _typos_and_variants(low)
    t_mid, v_mid = _typos_and_variants(big)
    t_high, v_high = _typos_and_variants(high)
    assert 0 < t_low < t_mid < t_high
    assert 0 < v_low < v_mid < v_high


def test_duplicates_are_differently_written_rows_of_one_person(big, big_read):
    records = read_truth(big.out_dir, "records.csv")
    for s in big.sources:
        _, rows = big_read[s.name]
        mine = [r for r in records if r["source"] == s.name]
        cells_of: dict[str, list[dict]] = {}
        for r, (defect, cells) in zip(mine, rows):
            if not defect:
                cells_of.setdefault(r["person_id"], []).append(cells)
        dups = [r["person_id"] for r in mine if r["is_duplicate"] == "1"]
        assert dups, s.name
        for pid in dups:
            first, second = cells_of[pid][:2]
            id_key = next(iter(first))
            strip = lambda c: {k: v for k, v in c.items() if k != id_key}  # noqa: E731
            assert strip(first) != strip(second)


def test_realistic_noise_appears(big):
    records = read_truth(big.out_dir, "records.csv")
    tags = set()
    for r in records:
        tags |= set(r["noise"].split(";"))
    for expected in ("translit", "typo", "joint", "arabic_letters", "patronymic",
                     "run_together", "swap", "sayyid_title", "martyr", "date_off_by_one",
                     "date_month_only", "date_format", "date_unreadable", "age_range",
                     "age_approx", "persian_digits", "missing:age"):
        assert expected in tags, expected


# ----------------------------------------------------------------------------------
# Arguments and progress


@pytest.mark.parametrize("kwargs", [
    {"n": 0}, {"n": -5}, {"n": 2.5}, {"n": True}, {"lists": 1}, {"lists": 9},
    {"lists": "4"}, {"seed": -1}, {"seed": "1"}, {"noise": -0.1}, {"noise": math.nan},
    {"noise": math.inf}, {"malformed_rate": -0.01}, {"malformed_rate": 0.9},
    {"progress": 5},
])
def test_bad_arguments_raise_value_error(tmp_path, kwargs):
    with pytest.raises(ValueError):
        generate(tmp_path, **kwargs)


def test_out_dir_that_is_a_file_is_rejected(tmp_path):
    target = tmp_path / "file"
    target.write_text("x")
    with pytest.raises(ValueError, match="not a directory"):
        generate(target, n=10)


def test_progress_reports_every_step(tmp_path):
    calls: list[tuple[int, int]] = []
    generate(tmp_path, n=50, lists=3, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(k, 6) for k in range(1, 7)]


def test_tiny_population_works(tmp_path):
    s = generate(tmp_path, n=1, lists=2, seed=0)
    assert s.n == 1 and s.n_observed in (0, 1)
    assert sum(s.capture_histories.values()) == s.n_observed


# ----------------------------------------------------------------------------------
# Properties of the building blocks


def _osa_distance(a: str, b: str) -> int:
    """Edit distance with insertions, deletions, substitutions and adjacent swaps."""
    d = [[i + j if i * j == 0 else 0 for j in range(len(b) + 1)] for i in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[len(a)][len(b)]


_NAMES = [(e.fa, "fa") for e in lx.MALE_NAMES + lx.FEMALE_NAMES + lx.FAMILY_NAMES[:200]]
_NAMES += [(e.la, "latin") for e in lx.MALE_NAMES + lx.FAMILY_NAMES[:200]]


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(_NAMES), st.integers(0, 2**32))
def test_typo_is_exactly_one_edit(name_script, seed):
    name, script = name_script
    out = typo(name, script, random.Random(seed))
    assert out != name
    assert _osa_distance(name, out) == 1


_CAL = Calendar()


@settings(max_examples=200, deadline=None)
@given(st.integers(0, EVENT_DAYS - 1))
def test_written_dates_read_back_to_the_true_day(day):
    truth = day_to_date(day)
    jalali = format_day(_CAL, day, "j_slash")
    assert jdatetime.datetime.strptime(jalali, "%Y/%m/%d").togregorian().date() == truth
    assert dt.date.fromisoformat(format_day(_CAL, day, "g_iso")) == truth
    assert dt.datetime.strptime(format_day(_CAL, day, "g_dmy"), "%d/%m/%Y").date() == truth
    assert dt.datetime.strptime(format_day(_CAL, day, "g_text_mdy"), "%B %d, %Y").date() == truth
