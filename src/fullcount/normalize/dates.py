"""Reading dates as lists write them: Jalali (Solar Hijri) or Gregorian, numeric or with
month names, in Persian or ASCII digits, to an ISO Gregorian date with its precision.

    >>> parse_date("۲۷ شهریور ۱۴۰۱")
    ParsedDate(iso='2022-09-18', precision='day', calendar='jalali', ambiguous=False)

Ingest uses it to flag dates that cannot be read (the row is kept as given all the same).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from typing import Literal

import jdatetime

from fullcount.normalize.script import fold_script

Precision = Literal["day", "month", "year"]
Calendar = Literal["jalali", "gregorian"]

# Plausible year ranges: Jalali 1300-1420 is 1921-2042; Gregorian 1900-2100.
JALALI_YEARS = range(1300, 1421)
GREGORIAN_YEARS = range(1900, 2101)

JALALI_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("فروردین", "farvardin"),
            ("اردیبهشت", "ordibehesht", "ordibehest"),
            ("خرداد", "khordad", "khordaad"),
            ("تیر", "tir"),
            ("مرداد", "امرداد", "mordad", "amordad"),
            ("شهریور", "shahrivar", "shahrivar"),
            ("مهر", "mehr"),
            ("آبان", "ابان", "aban", "aabaan"),
            ("آذر", "اذر", "azar", "aazar"),
            ("دی", "dey", "dei"),
            ("بهمن", "bahman"),
            ("اسفند", "esfand", "esfand"),
        ],
        start=1,
    )
    for name in names
}
GREGORIAN_MONTHS = {
    name.lower(): number
    for number in range(1, 13)
    for name in (calendar.month_name[number], calendar.month_abbr[number])
} | {"sept": 9}
# Persian spellings of Gregorian months, as Iranian media write them.
GREGORIAN_MONTHS |= {
    name: number
    for number, name in enumerate(
        ["ژانویه", "فوریه", "مارس", "آوریل", "مه", "ژوئن", "ژوئیه", "اوت", "سپتامبر",
         "اکتبر", "نوامبر", "دسامبر"],
        start=1,
    )
}


@dataclass(frozen=True)
class ParsedDate:
    iso: str  # YYYY-MM-DD; for month or year precision, the first day of the period
    precision: Precision
    calendar: Calendar
    ambiguous: bool = False  # day and month could be swapped (both <= 12)


# Digits are ASCII here: fold_script has already turned Persian and Arabic-Indic ones.
_NUMERIC = re.compile(r"^([0-9]{1,4})\s*[/\-.]\s*([0-9]{1,2})\s*(?:[/\-.]\s*([0-9]{1,4}))?$")
_TIME = re.compile(r"[T ][0-9]{1,2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?$")
_WORDS = re.compile(r"[^\W\d_]+|[0-9]+")


def parse_date(text: str | None) -> ParsedDate | None:
    """Read a date as written; ``None`` if it is empty or cannot be read as a real date."""
    if text is None:
        return None
    folded = fold_script(text).strip().rstrip(".").strip()
    folded = _TIME.sub("", folded)
    if not folded:
        return None
    if folded.isascii() and folded.isdigit():
        return _year_only(int(folded))
    match = _NUMERIC.match(folded)
    if match:
        return _numeric(*match.groups())
    return _with_month_name(folded)


def _year_only(year: int) -> ParsedDate | None:
    if year in JALALI_YEARS:
        return ParsedDate(_jalali_iso(year, 1, 1), "year", "jalali")
    if year in GREGORIAN_YEARS:
        return ParsedDate(f"{year:04d}-01-01", "year", "gregorian")
    return None


def _numeric(first: str, second: str, third: str | None) -> ParsedDate | None:
    a, b = int(first), int(second)
    if third is None:  # year and month
        if len(first) == 4:
            return _build(a, b, None)
        if len(second) == 4:
            return _build(b, a, None)
        return None
    c = int(third)
    if len(first) == 4:  # Y/M/D
        return _build(a, b, c)
    if len(third) == 4:  # D/M/Y, or M/D/Y when the day cannot be first
        if a > 12 >= b:
            return _build(c, b, a)
        if b > 12 >= a:
            return _build(c, a, b)
        parsed = _build(c, b, a)
        if parsed is not None and a != b:
            return ParsedDate(parsed.iso, parsed.precision, parsed.calendar, ambiguous=True)
        return parsed
    return None


def _with_month_name(text: str) -> ParsedDate | None:
    tokens = _WORDS.findall(text.lower())
    numbers = [int(t) for t in tokens if t.isascii() and t.isdigit()]
    words = [t for t in tokens if not t[0].isdigit()]
    month_j = [JALALI_MONTHS[w] for w in words if w in JALALI_MONTHS]
    month_g = [GREGORIAN_MONTHS[w] for w in words if w in GREGORIAN_MONTHS]
    years = [n for n in numbers if n >= 1000]
    days = [n for n in numbers if n < 1000]
    if len(years) != 1 or len(days) > 1 or len(month_j) + len(month_g) != 1:
        return None
    year, day = years[0], (days[0] if days else None)
    if month_j and year in JALALI_YEARS:
        return _build(year, month_j[0], day)
    if month_g and year in GREGORIAN_YEARS:
        return _build(year, month_g[0], day)
    return None


def _build(year: int, month: int, day: int | None) -> ParsedDate | None:
    precision: Precision = "day" if day is not None else "month"
    if not 1 <= month <= 12:
        return None
    if year in JALALI_YEARS:
        try:
            iso = _jalali_iso(year, month, day or 1)
        except ValueError:
            return None
        return ParsedDate(iso, precision, "jalali")
    if year in GREGORIAN_YEARS:
        try:
            iso = date(year, month, day or 1).isoformat()
        except ValueError:
            return None
        return ParsedDate(iso, precision, "gregorian")
    return None


def _jalali_iso(year: int, month: int, day: int) -> str:
    return jdatetime.date(year, month, day).togregorian().isoformat()
