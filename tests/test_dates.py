"""Dates in three calendars: conversions checked day by day, every listed format, the
reasons given for impossible dates, calendar detection, ranges; property-based where
natural (round trips, totality, ISO validity, idempotence)."""

from __future__ import annotations

from datetime import date, timedelta

import jdatetime
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fullcount.normalize import DateRules, ParsedDate, parse_date
from fullcount.normalize.dates import (
    HIJRI_MONTHS,
    JALALI_MONTHS,
    MONTH_NAMES,
    from_gregorian,
    month_length,
    to_gregorian,
)

PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
ARABIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
JALALI_FA = ["فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد", "شهریور", "مهر", "آبان", "آذر",
             "دی", "بهمن", "اسفند"]
HIJRI_FA = ["محرم", "صفر", "ربیع‌الاول", "ربیع‌الثانی", "جمادی‌الاول", "جمادی‌الثانی", "رجب",
            "شعبان", "رمضان", "شوال", "ذی‌القعده", "ذی‌الحجه"]
HIJRI_AR = ["محرم", "صفر", "ربيع الأول", "ربيع الآخر", "جمادى الأولى", "جمادى الآخرة", "رجب",
            "شعبان", "رمضان", "شوال", "ذو القعدة", "ذو الحجة"]
HIJRI_LATIN = ["Muharram", "Safar", "Rabi' al-awwal", "Rabi' al-thani", "Jumada al-ula",
               "Jumada al-akhirah", "Rajab", "Sha'ban", "Ramadan", "Shawwal",
               "Dhu al-Qa'dah", "Dhu al-Hijjah"]


def day_of(text: str, rules: DateRules | None = None) -> str | None:
    parsed = parse_date(text, rules) if rules else parse_date(text)
    assert parsed.precision in (None, "day"), parsed
    return parsed.iso


# --------------------------------------------------------------------------- calendars


def test_every_jalali_day_1300_to_1450_round_trips() -> None:
    """Each day of 1300–1450 AP, written Y/M/D, reads as the next Gregorian day after the
    one before, and converts back to itself; months have the Jalali lengths."""
    j = jdatetime.date(1300, 1, 1)
    expected = date(1921, 3, 21)  # 1 Farvardin 1300
    days = 0
    while j.year <= 1450:
        parsed = parse_date(f"{j.year}/{j.month:02d}/{j.day:02d} ش")
        assert parsed.iso == expected.isoformat(), (j, parsed)
        assert from_gregorian(expected, "jalali") == (j.year, j.month, j.day)
        assert j.day <= month_length("jalali", j.year, j.month)
        j += timedelta(days=1)
        expected += timedelta(days=1)
        days += 1
    assert days == 55_152  # 151 years: 121 of 365 days and 30 leap years


@pytest.mark.parametrize("jalali, gregorian", [
    ("1300/01/01", "1921-03-21"),  # Nowruz 1300
    ("1357/11/22", "1979-02-11"),  # the revolution
    ("1388/03/22", "2009-06-12"),  # the presidential election
    ("1398/08/24", "2019-11-15"),  # the November 2019 protests begin
    ("1399/12/30", "2021-03-20"),  # 1399 is a leap year
    ("1401/06/25", "2022-09-16"),  # Mahsa (Jina) Amini dies
    ("1403/01/01", "2024-03-20"),
    ("1404/01/01", "2025-03-21"),
])
def test_jalali_anchor_dates(jalali: str, gregorian: str) -> None:
    assert day_of(jalali) == gregorian


def test_every_hijri_day_round_trips() -> None:
    """Each day of AH 1343–1500 (the Umm al-Qura tables) converts to consecutive
    Gregorian days and back. Months have 29 or 30 days, except a few in the tables'
    early years (before AH 1365), which were published with 28 or 31."""
    day = to_gregorian("hijri", 1343, 1, 1)
    for year in range(1343, 1501):
        for month in range(1, 13):
            length = month_length("hijri", year, month)
            assert length in ((29, 30) if year >= 1365 else (28, 29, 30, 31))
            for d in range(1, length + 1):
                assert to_gregorian("hijri", year, month, d) == day
                assert from_gregorian(day, "hijri") == (year, month, d)
                day += timedelta(days=1)


@pytest.mark.parametrize("hijri, gregorian", [
    ("1 Muharram 1444", "2022-07-30"),
    ("1 Ramadan 1443", "2022-04-02"),
    ("1 Ramadan 1444", "2023-03-23"),
    ("1 Shawwal 1444", "2023-04-21"),  # Eid al-Fitr 2023
    ("10 Dhu al-Hijjah 1444", "2023-06-28"),  # Eid al-Adha 2023
    ("12 Rabi' al-awwal 1444", "2022-10-08"),
])
def test_hijri_anchor_dates(hijri: str, gregorian: str) -> None:
    assert day_of(hijri) == gregorian


hijri_days = st.dates(min_value=date(1925, 1, 1), max_value=date(2077, 11, 1))


@given(hijri_days, st.sampled_from(["fa", "ar", "latin", "numeric"]))
def test_hijri_dates_round_trip_in_any_writing(day: date, style: str) -> None:
    y, m, d = from_gregorian(day, "hijri")
    text = {
        "fa": f"{d} {HIJRI_FA[m - 1]} {y} ه.ق".translate(PERSIAN_DIGITS),
        "ar": f"{d} {HIJRI_AR[m - 1]} {y} هـ".translate(ARABIC_DIGITS),
        "latin": f"{d} {HIJRI_LATIN[m - 1]} {y} AH",
        "numeric": f"{y}/{m}/{d} AH",
    }[style]
    parsed = parse_date(text)
    assert (parsed.iso, parsed.calendar, parsed.precision) == (day.isoformat(), "hijri", "day")


jalali_days = st.dates(min_value=date(1925, 1, 1), max_value=date(2040, 12, 31))


@given(jalali_days, st.sampled_from(["ymd", "dmy", "dash", "fa-name", "latin-name", "marked"]))
def test_jalali_dates_round_trip_in_any_writing(day: date, style: str) -> None:
    j = jdatetime.date.fromgregorian(date=day)
    latin = MONTH_NAMES["jalali"][j.month - 1]
    text = {
        "ymd": f"{j.year}/{j.month:02d}/{j.day:02d}".translate(PERSIAN_DIGITS),
        "dmy": f"{j.day:02d}/{j.month:02d}/{j.year}",
        "dash": f"{j.year}-{j.month}-{j.day}",
        "fa-name": f"{j.day} {JALALI_FA[j.month - 1]} {j.year}".translate(PERSIAN_DIGITS),
        "latin-name": f"{j.day} {latin} {j.year}",
        "marked": f"{j.year}/{j.month}/{j.day} هجری شمسی",
    }[style]
    parsed = parse_date(text)
    assert (parsed.iso, parsed.calendar, parsed.ambiguous) == (day.isoformat(), "jalali", False)


# --------------------------------------------------------------------------- properties


@given(st.text(max_size=60))
@settings(max_examples=1500)
def test_parse_is_total_and_iso_always_valid(text: str) -> None:
    parsed = parse_date(text)
    assert isinstance(parsed, ParsedDate) and parsed.original == text
    if parsed.iso is None:
        assert parsed.reason and parsed.precision is None and parsed.iso_end is None
    else:
        assert parsed.reason is None and parsed.iso_end is not None
        assert date.fromisoformat(parsed.iso) <= date.fromisoformat(parsed.iso_end)
        assert len(parsed.iso) == 10 and parsed.precision in ("day", "month", "year", "range")


date_like = st.one_of(
    st.builds(lambda d: d.isoformat(), jalali_days),
    st.builds(lambda d, sep: "{1}{0}{2:02d}{0}{3:02d}".format(sep, *_jalali(d)),
              jalali_days, st.sampled_from("/-.")),
    st.builds(lambda d: f"{MONTH_NAMES['jalali'][_jalali(d)[1] - 1]} {_jalali(d)[0]}",
              jalali_days),
    st.builds(lambda d: d.strftime("%B %Y"), jalali_days),
    st.builds(lambda a, b: f"{a} - {b}", st.integers(1300, 1410), st.integers(1410, 1420)),
    st.builds(lambda d: f"{_jalali(d)[0]}", jalali_days),
    st.text(alphabet="0123456789/-. ", max_size=12),
)


def _jalali(day: date) -> tuple[int, int, int]:
    return from_gregorian(day, "jalali")


@given(date_like)
@settings(max_examples=500)
def test_reading_the_iso_output_gives_the_same_dates(text: str) -> None:
    parsed = parse_date(text)
    if parsed.iso is None:
        return
    again = parse_date(parsed.iso)
    assert (again.iso, again.calendar, again.precision) == (parsed.iso, "gregorian", "day")
    interval = parse_date(f"{parsed.iso} to {parsed.iso_end}")
    assert (interval.iso, interval.iso_end) == (parsed.iso, parsed.iso_end)


# --------------------------------------------------------------------------- formats


@pytest.mark.parametrize("text, iso, precision, calendar", [
    # Jalali, numeric, in any digits and order
    ("1401/06/27", "2022-09-18", "day", "jalali"),
    ("27/06/1401", "2022-09-18", "day", "jalali"),
    ("1401-6-27", "2022-09-18", "day", "jalali"),
    ("1401.06.27", "2022-09-18", "day", "jalali"),
    ("۱۴۰۱/۰۶/۲۷", "2022-09-18", "day", "jalali"),
    ("١٤٠١/٠٦/٢٧", "2022-09-18", "day", "jalali"),
    ("14010627", "2022-09-18", "day", "jalali"),
    ("1401/06/27 14:30", "2022-09-18", "day", "jalali"),
    ("1401/06", "2022-08-23", "month", "jalali"),
    ("06/1401", "2022-08-23", "month", "jalali"),
    ("1401", "2022-03-21", "year", "jalali"),
    # Jalali with month names, Persian, Kurdish and Latin
    ("27 Shahrivar 1401", "2022-09-18", "day", "jalali"),
    ("Shahrivar 27, 1401", "2022-09-18", "day", "jalali"),
    ("27 shahrivar 1401", "2022-09-18", "day", "jalali"),
    ("۲۷ شهریور ۱۴۰۱", "2022-09-18", "day", "jalali"),
    ("۲۷ شهریورماه ۱۴۰۱", "2022-09-18", "day", "jalali"),
    ("۲۷ شهریور ماه ۱۴۰۱", "2022-09-18", "day", "jalali"),
    ("یکشنبه ۲۷ شهریور ۱۴۰۱", "2022-09-18", "day", "jalali"),
    ("سه‌شنبه ۲۴ آبان ۱۳۹۸", "2019-11-15", "day", "jalali"),
    ("٢٧ خەرمانان ١٤٠١", "2022-09-18", "day", "jalali"),  # Sorani Kurdish month name
    ("Esfand 1398", "2020-02-20", "month", "jalali"),
    ("اسفند ۱۳۹۸", "2020-02-20", "month", "jalali"),
    ("آبان ۹۸", "2019-10-23", "month", "jalali"),  # two-digit year, with a month name
    ("۲۴ آبان ۹۸", "2019-11-15", "day", "jalali"),
    # explicit Jalali markers
    ("1401/06/27 ش", "2022-09-18", "day", "jalali"),
    ("۱۴۰۱/۰۶/۲۷ ه.ش", "2022-09-18", "day", "jalali"),
    ("1401 هجری شمسی", "2022-03-21", "year", "jalali"),
    ("1401 SH", "2022-03-21", "year", "jalali"),
    ("1401 AP", "2022-03-21", "year", "jalali"),
    # lunar Hijri
    ("1444 AH", "2022-07-30", "year", "hijri"),
    ("۱۴۴۴ ه‍.ق", "2022-07-30", "year", "hijri"),
    ("1401 ق", "1980-11-09", "year", "hijri"),
    ("1401/06/27 هجری قمری", "1981-05-01", "day", "hijri"),
    ("1444/03/12", "2022-10-08", "day", "hijri"),  # unmarked, but no Jalali year 1444 yet
    ("12/03/1444", "2022-10-08", "day", "hijri"),
    ("محرم ۱۴۴۴", "2022-07-30", "month", "hijri"),
    ("۱۲ ربیع‌الاول ۱۴۴۴", "2022-10-08", "day", "hijri"),
    ("١٢ ربيع الأول ١٤٤٤ هـ", "2022-10-08", "day", "hijri"),
    ("12 Rabi al-Awwal 1444", "2022-10-08", "day", "hijri"),
    ("12 Rabi-ol-Avval 1444", "2022-10-08", "day", "hijri"),
    ("Muharram 1444", "2022-07-30", "month", "hijri"),
    ("Safar 1444 AH", "2022-08-28", "month", "hijri"),
    ("Ramazan 1444", "2023-03-23", "month", "hijri"),
    ("1 Dhul-Hijjah 1444", "2023-06-19", "day", "hijri"),
    ("ذی‌الحجه ۱۴۴۴", "2023-06-19", "month", "hijri"),
    # Gregorian
    ("2022-09-18", "2022-09-18", "day", "gregorian"),
    ("2022/09/18", "2022-09-18", "day", "gregorian"),
    ("18/09/2022", "2022-09-18", "day", "gregorian"),
    ("18.09.2022", "2022-09-18", "day", "gregorian"),
    ("09/18/2022", "2022-09-18", "day", "gregorian"),
    ("2022-09-18T10:20:00Z", "2022-09-18", "day", "gregorian"),
    ("2022-09-18 00:00:00", "2022-09-18", "day", "gregorian"),
    ("September 18, 2022", "2022-09-18", "day", "gregorian"),
    ("Sunday, September 18, 2022", "2022-09-18", "day", "gregorian"),
    ("18 Sep 2022", "2022-09-18", "day", "gregorian"),
    ("18th of September 2022", "2022-09-18", "day", "gregorian"),
    ("Sept. 2022", "2022-09-01", "month", "gregorian"),
    ("۱۸ سپتامبر ۲۰۲۲", "2022-09-18", "day", "gregorian"),
    ("١٨ سبتمبر ٢٠٢٢", "2022-09-18", "day", "gregorian"),
    ("2022", "2022-01-01", "year", "gregorian"),
    ("2022 م", "2022-01-01", "year", "gregorian"),
    ("2022 میلادی", "2022-01-01", "year", "gregorian"),
])
def test_formats(text: str, iso: str | None, precision: str | None,
                 calendar: str | None) -> None:
    parsed = parse_date(text)
    assert (parsed.iso, parsed.precision, parsed.calendar if iso else None) == (
        iso, precision, calendar), parsed


# --------------------------------------------------------------------------- calendar choice


def test_jalali_1401_is_never_gregorian_1401() -> None:
    for text in ("1401", "1401/06/27", "27/06/1401", "۱۴۰۱", "Shahrivar 1401"):
        parsed = parse_date(text)
        assert parsed.calendar == "jalali" and parsed.iso is not None
        assert parsed.iso.startswith("2022-"), parsed
    # A Gregorian month name with a Jalali-looking year is refused, not read as AD 1401.
    refused = parse_date("September 1401")
    assert refused.iso is None and "Gregorian" in (refused.reason or "")


def test_markers_decide_between_jalali_and_hijri() -> None:
    assert parse_date("1401/06/27").calendar == "jalali"
    assert parse_date("1401/06/27 ه.ق").calendar == "hijri"
    assert parse_date("1401/06/27 AH").iso == "1981-05-01"
    assert parse_date("1444").note == "no calendar marked: 1444 read as lunar Hijri"


def test_date_rules_are_configurable() -> None:
    hijri_source = DateRules(unmarked="hijri")
    assert parse_date("1401/06/27", hijri_source).calendar == "hijri"
    assert parse_date("1401/06/27 ش", hijri_source).calendar == "jalali"  # markers win
    wide = DateRules(jalali_years=(1300, 1450))
    assert parse_date("1444/01/01", wide).calendar == "jalali"
    narrow = DateRules(gregorian_years=(1950, 2030))
    assert parse_date("1940").iso is not None and parse_date("1940", narrow).iso is None
    with pytest.raises(ValueError, match="jalali_years"):
        DateRules(jalali_years=(1100, 1400))
    with pytest.raises(ValueError, match="unmarked"):
        DateRules(unmarked="julian")  # type: ignore[arg-type]


# --------------------------------------------------------------------------- refusals


@pytest.mark.parametrize("text, reason", [
    ("1401/13/02", "month 13 does not exist in the Jalali calendar"),
    ("1401/00/10", "month 0 does not exist in the Jalali calendar"),
    ("1401/07/32", "day 32 does not exist in Mehr 1401 (Jalali; the month has 30 days)"),
    ("1401/06/32", "day 32 does not exist in Shahrivar 1401 (Jalali; the month has 31 days)"),
    ("1401/12/30", "day 30 does not exist in Esfand 1401 (Jalali; the month has 29 days)"),
    ("32 Mehr 1401", "day 32 does not exist in Mehr 1401"),
    ("2022-13-01", "month 13 does not exist in the Gregorian calendar"),
    ("2022-02-30", "day 30 does not exist in February 2022 (Gregorian; the month has 28 days)"),
    ("32/01/2022", "day 32 does not exist in January 2022"),
    ("28/13/2022", "neither 28 nor 13 can be a month"),
    ("1444/13/01 AH", "month 13 does not exist in the lunar Hijri calendar"),
    ("30 Muharram 1444", "day 30 does not exist in Muharram 1444 (lunar Hijri; the month has 29"),
    ("06/27/1401", "month 27 does not exist in the Jalali calendar"),  # never month-first
    ("27 Shahrivar 1401 AH", "is a Jalali month but the date is marked lunar Hijri"),
    ("Shahrivar 2022", "year 2022 is not a plausible Jalali year"),
    ("1250/01/01", "no plausible range"),
    ("99/01/01", "two-digit years are ambiguous"),
    ("12/05", "no year"),
    ("Shahrivar", "no year"),
    ("27", "a number alone is not a date"),
    ("1401/06/27/5", "too many numbers"),
    ("unknown", "written as unknown"),
    ("نامعلوم", "written as unknown"),
    ("", "empty"),
    ("Ali Rezaei 1401", "'ali' is not part of a date"),
    ("1401/06/27 to 1401/06/20", "the range ends (2022-09-11) before it starts (2022-09-18)"),
    ("1401 ش - 1444 ق", "different calendars"),
    ("x" * 200, "too long to be a date"),
])
def test_impossible_dates_are_refused_with_a_reason(text: str, reason: str) -> None:
    parsed = parse_date(text)
    assert parsed.iso is None and reason in (parsed.reason or ""), parsed


# --------------------------------------------------------------------------- day/month order


@given(st.dates(min_value=date(1950, 1, 1), max_value=date(2040, 12, 31)))
def test_gregorian_day_month_order_is_read_or_flagged(day: date) -> None:
    parsed = parse_date(day.strftime("%d/%m/%Y"))
    assert parsed.iso == day.isoformat()
    swappable = day.day <= 12 and day.day != day.month
    assert parsed.ambiguous == swappable
    assert (parsed.note is not None) == swappable
    if day.day > 12:  # month first, as US lists write it, is read as such
        assert parse_date(day.strftime("%m/%d/%Y")).iso == day.isoformat()


def test_jalali_day_month_order_is_never_ambiguous() -> None:
    parsed = parse_date("05/06/1401")
    assert (parsed.iso, parsed.ambiguous) == ("2022-08-27", False)  # 5 Shahrivar


# --------------------------------------------------------------------------- ranges


@pytest.mark.parametrize("text, iso, iso_end, calendar", [
    ("1401-1402", "2022-03-21", "2024-03-19", "jalali"),
    ("۱۴۰۱ تا ۱۴۰۲", "2022-03-21", "2024-03-19", "jalali"),
    ("Shahrivar–Mehr 1401", "2022-08-23", "2022-10-22", "jalali"),
    ("شهریور تا مهر ۱۴۰۱", "2022-08-23", "2022-10-22", "jalali"),
    ("27-30 Shahrivar 1401", "2022-09-18", "2022-09-21", "jalali"),
    ("۲۷ تا ۳۰ شهریور ۱۴۰۱", "2022-09-18", "2022-09-21", "jalali"),
    ("از ۲۷ شهریور تا ۵ مهر ۱۴۰۱", "2022-09-18", "2022-09-27", "jalali"),
    ("بین ۱۴۰۱/۰۶/۲۷ و ۱۴۰۱/۰۷/۰۵", "2022-09-18", "2022-09-27", "jalali"),
    ("1401/06/27 - 1401/07/05", "2022-09-18", "2022-09-27", "jalali"),
    ("1401/06/27-30", "2022-09-18", "2022-09-21", "jalali"),
    ("Esfand 1401 – Farvardin 1402", "2023-02-20", "2023-04-20", "jalali"),
    ("between 2022-09-01 and 2022-09-30", "2022-09-01", "2022-09-30", "gregorian"),
    ("from September 2022 to October 2022", "2022-09-01", "2022-10-31", "gregorian"),
    ("September 27 – 30, 2022", "2022-09-27", "2022-09-30", "gregorian"),
    ("Sept 2022 - Jan 2023", "2022-09-01", "2023-01-31", "gregorian"),
    ("Muharram–Safar 1444", "2022-07-30", "2022-09-26", "hijri"),
    ("1420-1421", "1999-04-17", "2001-03-25", "hijri"),  # one calendar for both ends
])
def test_ranges(text: str, iso: str, iso_end: str, calendar: str) -> None:
    parsed = parse_date(text)
    assert (parsed.iso, parsed.iso_end, parsed.precision, parsed.calendar) == (
        iso, iso_end, "range", calendar), parsed


def test_periods_carry_their_last_day() -> None:
    month = parse_date("Esfand 1399")  # a leap Esfand
    assert (month.iso, month.iso_end) == ("2021-02-19", "2021-03-20")
    year = parse_date("1444 AH")
    assert (year.iso, year.iso_end, year.precision) == ("2022-07-30", "2023-07-18", "year")
    day = parse_date("1401/06/27")
    assert day.iso == day.iso_end


def test_approximate_and_doubtful_dates_say_so() -> None:
    assert parse_date("around 1401").note == "written as approximate"
    assert parse_date("اواخر شهریور ۱۴۰۱").precision == "month"
    assert parse_date("آبان ۹۸").note == "two-digit year 98 read as 1398"


def test_month_name_tables_cover_every_month() -> None:
    assert set(JALALI_MONTHS.values()) == set(range(1, 13))
    assert set(HIJRI_MONTHS.values()) == set(range(1, 13))
