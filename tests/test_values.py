"""Reading dates, ages and headers as lists write them (property-based where natural)."""

from __future__ import annotations

from datetime import date, timedelta

import jdatetime
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fullcount.ingest.fields import FIELDS, recognise, suggest_mapping
from fullcount.normalize.ages import read_age
from fullcount.normalize.dates import JALALI_MONTHS, parse_date
from fullcount.normalize.script import fold_digits, fold_script

PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
ARABIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
JALALI_NAMES = ["فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد", "شهریور", "مهر", "آبان",
                "آذر", "دی", "بهمن", "اسفند"]

days = st.dates(min_value=date(1950, 1, 1), max_value=date(2040, 12, 31))


@given(days)
def test_gregorian_formats_round_trip(day: date) -> None:
    iso = day.isoformat()
    for text in (iso, day.strftime("%Y/%m/%d"), day.strftime("%B %d, %Y"),
                 day.strftime("%d %b %Y")):
        parsed = parse_date(text)
        assert parsed is not None and parsed.iso == iso, text
        assert parsed.calendar == "gregorian" and parsed.precision == "day"


@given(days)
def test_day_first_dates_round_trip_or_say_ambiguous(day: date) -> None:
    parsed = parse_date(day.strftime("%d/%m/%Y"))
    assert parsed is not None
    assert parsed.iso == day.isoformat()
    assert parsed.ambiguous == (day.day <= 12 and day.day != day.month)


@given(days, st.sampled_from(["ascii", "persian", "arabic"]))
def test_jalali_dates_round_trip_in_any_digits(day: date, digits: str) -> None:
    j = jdatetime.date.fromgregorian(date=day)
    text = f"{j.year}/{j.month:02d}/{j.day:02d}"
    if digits == "persian":
        text = text.translate(PERSIAN_DIGITS)
    elif digits == "arabic":
        text = text.translate(ARABIC_DIGITS)
    parsed = parse_date(text)
    assert parsed is not None and parsed.iso == day.isoformat()
    assert parsed.calendar == "jalali"
    named = parse_date(f"{j.day} {JALALI_NAMES[j.month - 1]} {j.year}".translate(PERSIAN_DIGITS))
    assert named is not None and named.iso == day.isoformat()


@given(days)
def test_month_precision(day: date) -> None:
    j = jdatetime.date.fromgregorian(date=day)
    parsed = parse_date(f"{JALALI_NAMES[j.month - 1]} {j.year}")
    assert parsed is not None and parsed.precision == "month"
    assert parsed.iso == jdatetime.date(j.year, j.month, 1).togregorian().isoformat()
    parsed = parse_date(day.strftime("%B %Y"))
    assert parsed is not None and parsed.precision == "month"
    assert parsed.iso == day.replace(day=1).isoformat()


@pytest.mark.parametrize("text", [
    "1401/13/02", "1401/07/32", "2022-02-30", "28/13/2022", "unknown", "نامعلوم", "?", "",
    "   ", "12/05", "99/01/01", "Shahrivar", "1401/06/27/5",
])
def test_unreadable_dates(text: str) -> None:
    parsed = parse_date(text)
    assert parsed.iso is None and parsed.reason, parsed


def test_known_dates() -> None:
    assert parse_date("۲۷ شهریور ۱۴۰۱").iso == "2022-09-18"  # type: ignore[union-attr]
    assert parse_date("1401/06/27").iso == "2022-09-18"  # type: ignore[union-attr]
    assert parse_date("September 18, 2022").iso == "2022-09-18"  # type: ignore[union-attr]
    assert parse_date("2022-09-18 00:00:00").iso == "2022-09-18"  # type: ignore[union-attr]
    assert parse_date("1401").precision == "year"  # type: ignore[union-attr]
    assert parse_date("Esfand 1398").iso == "2020-02-20"  # type: ignore[union-attr]
    assert set(JALALI_MONTHS.values()) == set(range(1, 13))


@given(st.integers(0, 120), st.sampled_from(["ascii", "persian"]))
def test_ages_round_trip(age: int, digits: str) -> None:
    text = str(age) if digits == "ascii" else str(age).translate(PERSIAN_DIGITS)
    assert read_age(text) == (age, age)
    assert read_age(f"about {text}") == (age, age)
    assert read_age(f"حدوداً {text}") == (age, age)
    assert read_age(f"{text} ساله") == (age, age)


@given(st.integers(0, 110), st.integers(0, 10))
def test_age_ranges(low: int, width: int) -> None:
    assert read_age(f"{low}-{low + width}") == (low, low + width)
    assert read_age(f"{low + width + 1}-{low}") is None


@pytest.mark.parametrize("text", ["unknown", "نامعلوم", "?", "", "121", "adult", "20-200"])
def test_unreadable_ages(text: str) -> None:
    assert read_age(text) is None


@given(st.text())
@settings(max_examples=300)
def test_fold_script_is_idempotent(text: str) -> None:
    once = fold_script(text)
    assert fold_script(once) == once


def test_fold_script_unifies_keyboards() -> None:
    assert fold_script("كريمي") == fold_script("کریمی") == "کریمی"
    assert fold_script("فاطمة") == "فاطمه"
    assert fold_script("محمـــد") == "محمد"
    assert fold_script("مُحَمَّد") == "محمد"
    assert fold_script("حسن\u200cزاده") == fold_script("حسن زاده")
    assert fold_script("حسن\u200cزاده", zwnj="") == "حسنزاده"
    assert fold_digits("۱۴۰۱/۰۶/۲۷") == "1401/06/27" == fold_digits("١٤٠١/٠٦/٢٧")


def test_every_listed_header_is_recognised_as_its_field() -> None:
    for field in FIELDS:
        for header in field.headers:
            # «نام» alone is ambiguous and resolved by suggest_mapping; all others are direct.
            assert recognise(header) is not None, header


def test_headers_match_across_spelling_and_keyboard() -> None:
    assert recognise("Full Name") == recognise("full_name") == "full_name"
    assert recognise("Father's name") == "father_name"
    assert recognise("تاريخ فوت") == "date_of_death"  # Arabic yeh
    assert recognise("نام\u200cخانوادگی") == "family_name"  # ZWNJ
    assert recognise("Favourite colour") is None


def test_suggest_mapping_persian_headers() -> None:
    headers = ["ردیف", "نام", "نام خانوادگی", "نام پدر", "سن", "تاریخ فوت", "شهر", "استان"]
    suggestion = suggest_mapping(headers)
    assert suggestion.complete
    assert suggestion.mapping == {
        "source_row_id": "ردیف", "given_name": "نام", "family_name": "نام خانوادگی",
        "father_name": "نام پدر", "age": "سن", "date_of_death": "تاریخ فوت", "place": "شهر",
        "province": "استان",
    }


def test_suggest_mapping_lone_name_is_the_full_name() -> None:
    assert suggest_mapping(["نام", "سن"]).mapping == {"full_name": "نام", "age": "سن"}
    assert suggest_mapping(["Name", "Surname"]).mapping == {
        "given_name": "Name", "family_name": "Surname"}


def test_suggest_mapping_reports_what_it_cannot_place() -> None:
    suggestion = suggest_mapping(["Name", "Colour", "City", "Town"])
    assert not suggestion.complete
    assert suggestion.unrecognised == ("Colour",)
    assert suggestion.duplicates == ("Town",)
    assert not suggest_mapping(["Age", "City"]).complete  # no name column


def test_date_parsing_is_total_on_arbitrary_text() -> None:
    # Any text either parses to a valid ISO date or says why not; never an exception.
    @given(st.text(max_size=40))
    @settings(max_examples=500)
    def check(text: str) -> None:
        parsed = parse_date(text)
        if parsed.iso is not None:
            date.fromisoformat(parsed.iso)
        else:
            assert parsed.reason

    check()


def test_age_parsing_is_total_on_arbitrary_text() -> None:
    @given(st.text(max_size=20))
    @settings(max_examples=500)
    def check(text: str) -> None:
        age = read_age(text)
        assert age is None or 0 <= age[0] <= age[1] <= 120

    check()


def test_one_day_apart_dates_differ() -> None:
    day = date(2022, 9, 18)
    assert parse_date((day + timedelta(days=1)).isoformat()) != parse_date(day.isoformat())
