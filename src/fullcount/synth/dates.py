"""Dates of the synthetic event series, and how sources write them.

Truth is Gregorian. Sources write Jalali (Solar Hijri) or Gregorian dates in several
formats, sometimes only the month or the year, sometimes off by a day, sometimes
unreadably. Jalali dates come from ``jdatetime`` through a table built once per run.
"""

from __future__ import annotations

import datetime as dt

import jdatetime

# The event series: a crackdown of about seven months, crossing the Persian new year so
# that both Jalali years 1401 and 1402 occur.
EVENT_START = dt.date(2022, 9, 17)
EVENT_DAYS = 226  # through 2023-04-30

JALALI_MONTHS_FA = ("فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد", "شهریور",
                    "مهر", "آبان", "آذر", "دی", "بهمن", "اسفند")
JALALI_MONTHS_LA = ("Farvardin", "Ordibehesht", "Khordad", "Tir", "Mordad", "Shahrivar",
                    "Mehr", "Aban", "Azar", "Dey", "Bahman", "Esfand")
GREGORIAN_MONTHS = ("January", "February", "March", "April", "May", "June", "July",
                    "August", "September", "October", "November", "December")

_FA_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
_AR_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def persian_digits(text: str) -> str:
    return text.translate(_FA_DIGITS)


def arabic_digits(text: str) -> str:
    return text.translate(_AR_DIGITS)


def day_to_date(day: int) -> dt.date:
    """Day offset from the start of the event series to a Gregorian date."""
    return EVENT_START + dt.timedelta(days=int(day))


class Calendar:
    """Gregorian and Jalali parts for every day offset a record may carry."""

    MARGIN = 40  # days either side of the series, for shifted dates

    def __init__(self) -> None:
        self._greg: dict[int, tuple[int, int, int]] = {}
        self._jal: dict[int, tuple[int, int, int]] = {}
        for day in range(-self.MARGIN, EVENT_DAYS + self.MARGIN):
            g = day_to_date(day)
            j = jdatetime.date.fromgregorian(date=g)
            self._greg[day] = (g.year, g.month, g.day)
            self._jal[day] = (j.year, j.month, j.day)

    def gregorian(self, day: int) -> tuple[int, int, int]:
        return self._greg[day]

    def jalali(self, day: int) -> tuple[int, int, int]:
        return self._jal[day]


# Formats: name -> (calendar, precision). Precision "day", "month" or "year".
DAY_FORMATS = {
    "j_slash": "jalali",        # 1401/06/27
    "j_slash_nopad": "jalali",  # 1401/6/27
    "j_dash": "jalali",         # 1401-06-27
    "j_reversed": "jalali",     # 27/06/1401
    "j_text_fa": "jalali",      # 27 شهریور 1401
    "j_text_la": "jalali",      # 27 Shahrivar 1401
    "g_iso": "gregorian",       # 2022-09-18
    "g_dmy": "gregorian",       # 18/09/2022
    "g_text_mdy": "gregorian",  # September 18, 2022
    "g_text_dmy": "gregorian",  # 18 Sep 2022
}


def format_day(cal: Calendar, day: int, fmt: str) -> str:
    if DAY_FORMATS[fmt] == "jalali":
        y, m, d = cal.jalali(day)
        if fmt == "j_slash":
            return f"{y}/{m:02d}/{d:02d}"
        if fmt == "j_slash_nopad":
            return f"{y}/{m}/{d}"
        if fmt == "j_dash":
            return f"{y}-{m:02d}-{d:02d}"
        if fmt == "j_reversed":
            return f"{d:02d}/{m:02d}/{y}"
        if fmt == "j_text_fa":
            return f"{d} {JALALI_MONTHS_FA[m - 1]} {y}"
        return f"{d} {JALALI_MONTHS_LA[m - 1]} {y}"
    y, m, d = cal.gregorian(day)
    if fmt == "g_iso":
        return f"{y}-{m:02d}-{d:02d}"
    if fmt == "g_dmy":
        return f"{d:02d}/{m:02d}/{y}"
    if fmt == "g_text_mdy":
        return f"{GREGORIAN_MONTHS[m - 1]} {d}, {y}"
    return f"{d} {GREGORIAN_MONTHS[m - 1][:3]} {y}"


def format_partial(cal: Calendar, day: int, fmt: str, precision: str, variant: int) -> str:
    """Month-only or year-only form in the calendar of ``fmt``."""
    if DAY_FORMATS[fmt] == "jalali":
        y, m, _ = cal.jalali(day)
        if precision == "year":
            return str(y)
        if fmt == "j_text_la":
            return f"{JALALI_MONTHS_LA[m - 1]} {y}"
        return f"{JALALI_MONTHS_FA[m - 1]} {y}" if variant % 2 == 0 else f"{y}/{m:02d}"
    y, m, _ = cal.gregorian(day)
    if precision == "year":
        return str(y)
    return f"{GREGORIAN_MONTHS[m - 1]} {y}" if variant % 2 == 0 else f"{y}-{m:02d}"


def unreadable_date(cal: Calendar, day: int, fmt: str, variant: int) -> str:
    """A date cell that cannot be read: a word, or an impossible date."""
    if DAY_FORMATS[fmt] == "jalali":
        y, m, d = cal.jalali(day)
        forms = ("نامعلوم", "نامشخص", f"{y}/13/{d:02d}", f"{y}/{m:02d}/32", "؟")
    else:
        y, m, d = cal.gregorian(day)
        forms = ("unknown", "n.d.", f"{y}-02-30", f"{d:02d}/13/{y}", "?")
    return forms[variant % len(forms)]
