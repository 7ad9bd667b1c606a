"""Reading dates as victim lists write them, in three calendars, to ISO Gregorian dates.

Calendars: Jalali (Solar Hijri, Iran's civil calendar), lunar Hijri and Gregorian. Dates
come numeric (1401/06/27, 27/06/1401, 1401-6-27, 14010627) or with month names in
Persian, Arabic, Sorani Kurdish or Latin letters ("27 Shahrivar 1401", "۲۷ شهریور ۱۴۰۱",
"12 Rabi' al-awwal 1444", "١٢ ربيع الأول ١٤٤٤ هـ", "September 18, 2022"), in any digits,
at day, month or year precision, or as ranges ("1401-1402", "Shahrivar–Mehr 1401",
"27 تا 30 شهریور 1401", "between 2022-09-01 and 2022-09-30").

Which calendar. A year such as 1401 is Jalali (2022) or lunar Hijri (1980). Explicit
markers decide first: a month name, "ش", "ه.ش", "هجری شمسی", "SH", "AP" (Jalali);
"ق", "ه.ق", "هـ", "هجری قمری", "AH" (lunar Hijri); "م", "میلادی", "AD", "CE"
(Gregorian). An unmarked year is read in the calendar whose plausible range holds it
(``DateRules``: Jalali 1300–1420, lunar Hijri 1343–1470, Gregorian 1900–2100 by
default); where the Jalali and Hijri ranges overlap, **an unmarked date is Jalali** unless
the rules say otherwise (``DateRules(unmarked="hijri")`` for a source known to use the
lunar calendar). So "1401/06/27" is Jalali and "1444/03/12" is lunar Hijri, and a Jalali
1401 is never read as the Gregorian year 1401.

Day and month order. Persian and Arabic writers put the day first (27/06/1401) or the
year first (1401/06/27), so Jalali and Hijri dates are never read month-first. A
Gregorian d/m/Y date is read day-first; it is read month-first only when the day cannot
be first (09/18/2022), and flagged ``ambiguous`` when both orders give real, different
dates (05/06/2022).

Lunar Hijri dates are converted with the Umm al-Qura tables (package ``hijridate``,
AH 1343–1500). Iran's official lunar calendar follows local moon sighting and can differ
from them by a day, rarely two: compare Hijri-derived dates with that tolerance.

    >>> d = parse_date("۲۷ شهریور ۱۴۰۱")
    >>> d.iso, d.precision, d.calendar
    ('2022-09-18', 'day', 'jalali')
    >>> parse_date("1401/13/02").reason
    'month 13 does not exist in the Jalali calendar'
"""

from __future__ import annotations

import calendar as gregorian_calendar
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

import jdatetime
from hijridate import Gregorian, Hijri

from fullcount.normalize.script import fold_for_matching

__all__ = [
    "GREGORIAN_MONTHS",
    "HIJRI_MONTHS",
    "JALALI_MONTHS",
    "Calendar",
    "DateRules",
    "ParsedDate",
    "Precision",
    "from_gregorian",
    "month_length",
    "parse_date",
    "to_gregorian",
]

Precision = Literal["day", "month", "year", "range"]
Calendar = Literal["jalali", "hijri", "gregorian"]

CALENDAR_LABELS: dict[str, str] = {
    "jalali": "Jalali", "hijri": "lunar Hijri", "gregorian": "Gregorian"}

# Years read at all when the calendar is marked (by a month name or a marker). The Hijri
# bounds are those of the Umm al-Qura tables that hijridate carries.
SUPPORTED_YEARS: dict[str, tuple[int, int]] = {
    "jalali": (1200, 1500), "hijri": (1343, 1500), "gregorian": (1800, 2200)}


@dataclass(frozen=True)
class DateRules:
    """Plausible years of an *unmarked* date in each calendar, and which calendar wins
    where two ranges overlap (a case setting can tune these per source)."""

    jalali_years: tuple[int, int] = (1300, 1420)  # 1921–2042
    hijri_years: tuple[int, int] = (1343, 1470)  # 1924–2048
    gregorian_years: tuple[int, int] = (1900, 2100)
    unmarked: Calendar = "jalali"

    def __post_init__(self) -> None:
        for name in ("jalali", "hijri", "gregorian"):
            low, high = getattr(self, f"{name}_years")
            lo_ok, hi_ok = SUPPORTED_YEARS[name]
            if not lo_ok <= low <= high <= hi_ok:
                raise ValueError(
                    f"{name}_years must lie within {lo_ok}–{hi_ok} with low <= high; "
                    f"got {low}–{high}")
        if self.unmarked not in CALENDAR_LABELS:
            raise ValueError(f"unmarked must be one of {', '.join(CALENDAR_LABELS)}; "
                             f"got {self.unmarked!r}")

    def years(self, calendar: str) -> tuple[int, int]:
        return getattr(self, f"{calendar}_years")  # type: ignore[no-any-return]


DEFAULT_RULES = DateRules()


@dataclass(frozen=True)
class ParsedDate:
    """What a date as written says. Always returned: ``iso is None`` when unreadable,
    with ``reason`` saying why.

    ``iso`` is the first day of the period (the day itself, the first of the month or
    year, the start of a range) and ``iso_end`` its last day, so [iso, iso_end] is the
    interval the text allows, whatever the precision.
    """

    iso: str | None
    precision: Precision | None
    calendar: Calendar | None  # as detected; also set for some unreadable dates
    original: str
    reason: str | None = None  # why unreadable, for the user
    ambiguous: bool = False  # day and month could be swapped (Gregorian d/m/Y, both <= 12)
    iso_end: str | None = None
    note: str | None = None  # how a doubtful reading was decided (e.g. two-digit year)

    @property
    def readable(self) -> bool:
        return self.iso is not None


# --------------------------------------------------------------------------- calendars


def month_length(calendar: str, year: int, month: int) -> int:
    """Days in ``month`` of ``year`` in ``calendar`` (month must be 1..12)."""
    if calendar == "jalali":
        if month <= 6:
            return 31
        if month <= 11:
            return 30
        return 30 if jdatetime.date(year, 1, 1).isleap() else 29
    if calendar == "hijri":
        return int(Hijri(year, month, 1).month_length())
    return gregorian_calendar.monthrange(year, month)[1]


def to_gregorian(calendar: str, year: int, month: int, day: int) -> date:
    """The Gregorian date of a valid date in ``calendar``."""
    if calendar == "jalali":
        return jdatetime.date(year, month, day).togregorian()  # type: ignore[no-any-return]
    if calendar == "hijri":
        g = Hijri(year, month, day).to_gregorian()
        return date(g.year, g.month, g.day)
    return date(year, month, day)


def from_gregorian(day: date, calendar: str) -> tuple[int, int, int]:
    """``(year, month, day)`` of a Gregorian date in ``calendar`` (for showing dates the
    way a source wrote them)."""
    if calendar == "jalali":
        j = jdatetime.date.fromgregorian(date=day)
        return j.year, j.month, j.day
    if calendar == "hijri":
        h = Gregorian.fromdate(day).to_hijri()
        return h.year, h.month, h.day
    return day.year, day.month, day.day


# --------------------------------------------------------------------------- month names

_ROMAN = {"i": "1", "ii": "2"}
# Arabic articles that Latin spellings of Hijri months write, drop or glue at will.
_ARTICLES = frozenset({"al", "ul", "ol", "el", "il", "ath", "as", "us", "os", "l",
                       "az", "uz", "ad", "ud"})
_LATIN_WORD = re.compile(r"^[a-z']+$")


def _month_key(words: list[str]) -> str:
    """One key for a month name however it is spelt: glued, articles dropped, and the
    common transliteration variants (dh/z, th/s, w/v, doubled letters) folded."""
    if all(_LATIN_WORD.match(w) for w in words):
        parts = [_ROMAN.get(w, w.replace("'", "")) for w in words if w not in _ARTICLES]
        key = "".join(parts)
        key = key.replace("dh", "z").replace("th", "s").replace("w", "v")
        key = key.replace("ou", "u").replace("oo", "u").replace("ee", "i")
        key = re.sub(r"(.)\1+", r"\1", key)
        return re.sub(r"(?<=[aeiou])h$", "", key)
    return "".join(words).replace("آ", "ا")


# Sources: Iranian calendar month names as used by the Statistical Centre of Iran and the
# Iranian press; Sorani Kurdish month names as used by Kurdish-language media; Islamic
# month names in their Persian, Arabic and common Latin spellings. Facts, compiled here.
_JALALI_SPELLINGS = [
    ("Farvardin", "فروردین خاکەلێوە | farvardin farvardeen farwardin"),
    ("Ordibehesht", "اردیبهشت گوڵان | ordibehesht ordibehest ordibahesht ordibeheshth"),
    ("Khordad", "خرداد جۆزەردان | khordad khordaad xordad khurdad"),
    ("Tir", "تیر پووشپەڕ | tir teer"),
    ("Mordad", "مرداد امرداد گەلاوێژ | mordad amordad murdad mordaad"),
    ("Shahrivar", "شهریور خەرمانان | shahrivar shahriwar sharivar shahrivar shahrevar"),
    ("Mehr", "مهر ڕەزبەر | mehr mihr"),
    ("Aban", "آبان خەزەڵوەر گەڵاڕێزان | aban aaban abaan"),
    ("Azar", "آذر سەرماوەز | azar aazar"),
    ("Dey", "دی بەفرانبار | dey dei"),
    ("Bahman", "بهمن ڕێبەندان | bahman"),
    ("Esfand", "اسفند ڕەشەمە | esfand isfand espand"),
]
_HIJRI_SPELLINGS = [
    ("Muharram", "محرم|محرم الحرام | muharram|moharram|muharrem|muharram al-haram"),
    ("Safar", "صفر|صفر المظفر | safar|saphar|safar al-muzaffar"),
    ("Rabi' al-awwal", ("ربیع الاول|ربیع الاولی|ربیع الأول | rabi al-awwal|rabi' al-awwal|"
     "rabiul awwal|rabiulawal|rabi ul-awwal|rabi-ol-avval|rabiolavval|rabi i|"
     "rabee al-awwal|rabi al-auwal|rabi al-ula")),
    ("Rabi' al-thani", ("ربیع الثانی|ربیع الآخر|ربیع الاخر|ربیع الثانیه | rabi al-thani|"
     "rabi' al-thani|rabi ath-thani|rabi al-akhir|rabi ul-akhir|rabiul akhir|rabiulakhir|"
     "rabi-ol-sani|rabius sani|rabiussani|rabi ii|rabee al-thani|rabi al-sani|rabi ul-sani")),
    ("Jumada al-ula", ("جمادی الاول|جمادی الاولی|جمادی الأولى | jumada al-ula|jumada al-oola|"
     "jumada al-awwal|jumada i|jamadi al-awwal|jamadi ul-awwal|jamadiulawal|jomadi-ol-avval|"
     "jumadal ula|jamadi al-ula|jumada al-ulla")),
    ("Jumada al-akhirah", ("جمادی الثانی|جمادی الثانیه|جمادی الاخر|جمادی الاخره|جمادی الآخرة | "
     "jumada al-thani|jumada al-thaniyah|jumada al-akhirah|jumada al-akhira|jumada al-akhir|"
     "jumada ii|jamadi al-thani|jamadi ul-akhir|jamadiulakhir|jamadi us-sani|jomadi-ol-sani|"
     "jumadas sani|jamadi al-sani|jamadi ul-sani")),
    ("Rajab", "رجب|رجب المرجب | rajab|radjab|rajab al-murajjab"),
    ("Sha'ban", "شعبان|شعبان المعظم | shaban|sha'ban|shaaban|shaban al-muazzam"),
    ("Ramadan", "رمضان|رمضان المبارک | ramadan|ramazan|ramadhan|ramzan|ramadan al-mubarak"),
    ("Shawwal", "شوال|شوال المکرم | shawwal|shawal|shavval|shawwal al-mukarram"),
    ("Dhu al-Qa'dah", ("ذی القعده|ذیقعده|ذوالقعده|ذو القعده | dhu al-qadah|dhu al-qa'dah|"
     "dhu al-qidah|dhul qadah|dhul-qa'dah|dhu'l-qi'dah|dhu'l-qa'da|zul qadah|zulqadah|"
     "zul qida|zil qadah|zilqad|zi al-qadah|zi-ol-ghadeh|ziqadeh|zeqadeh|zulqaada|"
     "dhul qidah|dhu al-qa'da")),
    ("Dhu al-Hijjah", ("ذی الحجه|ذیحجه|ذوالحجه|ذو الحجه | dhu al-hijjah|dhu al-hijja|"
     "dhul hijjah|dhul-hijja|dhu'l-hijja|dhu'l-hijjah|zul hijjah|zulhijjah|zil hijjah|"
     "zilhaj|zilhijja|zi al-hijjah|zi-ol-hajjeh|zihajjeh|zilhajj|dhu al-hijah")),
]
_GREGORIAN_SPELLINGS = [
    (gregorian_calendar.month_name[n], (f"{fa} | {gregorian_calendar.month_name[n].lower()} "
                                        f"{gregorian_calendar.month_abbr[n].lower()}{extra}"))
    for n, fa, extra in [
        # Persian spellings, then Arabic (Egyptian-style) ones.
        (1, "ژانویه ژانویهٔ يناير", ""), (2, "فوریه فبراير", ""), (3, "مارس", ""),
        (4, "آوریل أبريل", ""), (5, "مه می مايو", ""), (6, "ژوئن يونيو", ""),
        (7, "ژوئیه جولای يوليو", ""), (8, "اوت آگوست أغسطس", ""),
        (9, "سپتامبر سبتمبر", " sept"), (10, "اکتبر أكتوبر", ""),
        (11, "نوامبر نوفمبر", ""), (12, "دسامبر ديسمبر", "")]
]
MONTH_NAMES: dict[str, list[str]] = {
    "jalali": [name for name, _ in _JALALI_SPELLINGS],
    "hijri": [name for name, _ in _HIJRI_SPELLINGS],
    "gregorian": [name for name, _ in _GREGORIAN_SPELLINGS],
}


def _build_months(
    spellings: list[tuple[str, str]], separator: str | None,
) -> dict[str, int]:
    table: dict[str, int] = {}
    for number, (_, spelt) in enumerate(spellings, start=1):
        for half in spelt.split(" | "):
            for name in (half.split(separator) if separator else half.split()):
                words = re.findall(r"[^\W\d_']+(?:'[^\W\d_]+)*", fold_for_matching(name))
                table[_month_key(words)] = number
    return table


JALALI_MONTHS = _build_months(_JALALI_SPELLINGS, None)
HIJRI_MONTHS = _build_months(_HIJRI_SPELLINGS, "|")
GREGORIAN_MONTHS = _build_months(_GREGORIAN_SPELLINGS, None)
_MONTHS: dict[str, tuple[Calendar, int]] = {}
for _calendar, _table in (("jalali", JALALI_MONTHS), ("hijri", HIJRI_MONTHS),
                          ("gregorian", GREGORIAN_MONTHS)):
    for _key, _number in _table.items():
        if _key in _MONTHS and _MONTHS[_key] != (_calendar, _number):
            raise RuntimeError(f"month spelling {_key!r} is in two calendars")
        _MONTHS[_key] = (_calendar, _number)  # type: ignore[assignment]
_LONGEST_MONTH = 4  # words in the longest month name ("dhu al qa dah")

# --------------------------------------------------------------------------- vocabulary

_L = r"[^\W\d_]"  # a letter, in any script


def _words_rx(pattern: str) -> re.Pattern[str]:
    """``pattern`` as whole words: not touching a letter on either side (digits may)."""
    return re.compile(rf"(?<!{_L})(?:{pattern})(?!{_L})")


_MARKERS: list[tuple[Calendar, re.Pattern[str]]] = [
    ("jalali", _words_rx(
        r"هجری\s*شمسی|هجری\s*خورشیدی|ه\s*\.?\s*ش\.?|شمسی|خورشیدی|ش|solar\s+hijri|"
        r"hijri\s+shamsi|shamsi|jalali|s\.?\s?h\.?|h\.?\s?sh\.?|a\.?\s?p\.?")),
    ("hijri", _words_rx(
        r"هجری\s*قمری|ه\s*\.?\s*ق\.?|قمری|ق|هجریه|ه|lunar\s+hijri|hijri\s+qamari|hijri|"
        r"qamari|a\.?\s?h\.?|h")),
    ("gregorian", _words_rx(r"میلادی|م|gregorian|a\.?\s?d\.?|c\.?\s?e\.?")),
]
_WEEKDAYS = _words_rx(
    r"(?:(?:یک|دو|سه|چهار|پنج)\s*)?شنبه|جمعه|السبت|الاحد|الاثنین|الثلاثا|الثلاثاء|الاربعا|"
    r"الاربعاء|الخمیس|الجمعه|monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
    r"mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun")
_TIME = re.compile(
    r"(?:t|\s+|,\s*)[0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:[.,][0-9]+)?)?\s*"
    r"(?:z|[+-][0-9]{2}:?[0-9]{2}|am|pm|a\.m\.|p\.m\.|ق\.?\s?ظ|ب\.?\s?ظ)?$")
_GLUED_MAH = re.compile(r"(?<=[^\W\d_])ماه(?![^\W\d_])")
_ORDINAL = re.compile(r"([0-9])(?:st|nd|rd|th|ام)(?![^\W\d_])")
_FILLERS = frozenset({
    "of", "the", "on", "in", "year", "month", "day", "date", "dated", "died", "de",
    "ماه", "سال", "روز", "تاریخ", "مورخ", "مورخه", "بتاریخ", "در", "هجری", "سنه", "عام",
    "شهر", "یوم", "فی", "تاريخ",
})
_APPROXIMATE = frozenset({
    "about", "around", "approx", "approximately", "circa", "ca", "c", "early", "mid",
    "middle", "late", "end", "beginning", "start", "حدود", "حدودا", "حوالی", "تقریبا",
    "اوایل", "اواسط", "اواخر", "نیمه", "نحو",
})
_UNKNOWN = frozenset({
    "unknown", "unk", "n/a", "na", "none", "null", "nil", "not known", "no date",
    "نامعلوم", "نا معلوم", "نامشخص", "نا مشخص", "مجهول", "غیر معلوم", "معلوم نیست",
})
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)*")
_NUMBER = re.compile(r"[0-9]+")
_NUMERIC_REST = re.compile(r"^[0-9/\-.,\\\s٫؍]*$")
_STRUCTURED_SEP = re.compile(r"[0-9]\s*[/\-.\\٫؍]\s*[0-9]")
_CONNECTOR = _words_rx(r"to|until|till|through|thru|تا|الی|لغایت|and|و")
_BETWEEN = re.compile(rf"^(?:between|from|بین|مابین|ما بین|از)(?!{_L})\s*")
_SPACED_DASH = re.compile(r"\s+-\s+")
MAX_CHARS = 100  # longer text is not a date cell


class _Unreadable(Exception):
    def __init__(self, reason: str, calendar: Calendar | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.calendar = calendar


# --------------------------------------------------------------------------- parsing


@dataclass
class _Part:
    """One date as written, before its calendar is chosen; fields may be missing."""

    year: int | None = None
    month: int | None = None
    day: int | None = None
    day_first: bool = False  # numeric d/m/Y: Gregorian may have it the other way round
    month_calendar: Calendar | None = None  # set by a month name
    month_word: str = ""
    markers: set[str] = field(default_factory=set)
    approximate: bool = False
    notes: list[str] = field(default_factory=list)


@dataclass
class _Reading:
    calendar: Calendar
    start: date
    end: date
    precision: Precision
    ambiguous: bool
    notes: list[str]


def parse_date(text: str | None, rules: DateRules = DEFAULT_RULES) -> ParsedDate:
    """Read a date as written; never raises. Unreadable: ``iso`` is None and ``reason``
    says why. Unmarked years are Jalali where they could also be lunar Hijri (see the
    module docstring and ``DateRules``)."""
    original = "" if text is None else str(text)
    try:
        return _parse(original, rules)
    except _Unreadable as error:
        return ParsedDate(None, None, error.calendar, original, reason=error.reason)


def _parse(original: str, rules: DateRules) -> ParsedDate:
    if len(original) > MAX_CHARS:
        raise _Unreadable(f"too long to be a date ({len(original)} characters)")
    folded = fold_for_matching(original)
    folded = _TIME.sub("", folded).strip(" .,;:()[]")
    if not folded:
        raise _Unreadable("empty")
    bare = folded.strip(" ?!.-/")
    if not bare or bare in _UNKNOWN:
        raise _Unreadable("written as unknown")
    has_between = bool(_BETWEEN.match(folded))
    split = _explicit_range(folded, has_between)
    if split is not None:
        return _range(original, split[0], split[1], rules)
    try:
        reading = _resolve(_read_part(folded), rules, alone=True)
    except _Unreadable as error:
        for left, right in _dash_splits(folded):
            try:
                return _range(original, left, right, rules)
            except _Unreadable:
                continue
        raise error from None
    return _result(original, reading)


def _result(original: str, reading: _Reading) -> ParsedDate:
    return ParsedDate(
        reading.start.isoformat(), reading.precision, reading.calendar,
        original, ambiguous=reading.ambiguous, iso_end=reading.end.isoformat(),
        note="; ".join(reading.notes) or None)


def _explicit_range(folded: str, has_between: bool) -> tuple[str, str] | None:
    """Split "X to Y", "از X تا Y", "between X and Y", "X - Y" into X and Y."""
    text = _BETWEEN.sub("", folded) if has_between else folded
    cuts = [m for m in _CONNECTOR.finditer(text)
            if has_between or m.group() not in ("and", "و")]
    cuts += list(_SPACED_DASH.finditer(text))
    if not cuts:
        if has_between:
            raise _Unreadable("an open-ended period ('from …', 'between …') is not a date")
        return None
    if len(cuts) > 1:
        raise _Unreadable("more than two dates in a range")
    cut = cuts[0]
    left, right = text[:cut.start()].strip(), text[cut.end():].strip()
    if not left or not right:
        raise _Unreadable("a range needs a start and an end")
    return left, right


def _dash_splits(folded: str) -> list[tuple[str, str]]:
    """Places a hyphen could separate two dates ("1401-1402", "27-30 Shahrivar 1401")."""
    positions = [i for i, c in enumerate(folded) if c == "-"]
    if len(positions) > 6:
        return []
    return [(folded[:i].strip(), folded[i + 1:].strip()) for i in positions
            if folded[:i].strip() and folded[i + 1:].strip()]


def _range(original: str, left: str, right: str, rules: DateRules) -> ParsedDate:
    start, end = _read_part(left), _read_part(right)
    # What one end leaves out, it shares with the other: "27–30 Shahrivar 1401",
    # "Shahrivar–Mehr 1401", "September 27 – 30, 2022".
    for part, other in ((start, end), (end, start)):
        if part.month is None and part.day is not None and other.month is not None:
            part.month, part.month_calendar = other.month, other.month_calendar
            part.month_word = other.month_word
        if part.year is None and part.month is not None and other.year is not None:
            part.year = other.year
        if not part.markers and other.markers:
            part.markers = set(other.markers)
    explicit = {c for p in (start, end) for c in (*p.markers, p.month_calendar) if c}
    calendar: Calendar | None = None
    if len(explicit) > 1:
        raise _Unreadable("the two ends of the range are in different calendars ("
                          + " and ".join(sorted(CALENDAR_LABELS[c] for c in explicit)) + ")")
    notes: list[str] = []
    if not explicit and start.year is not None and end.year is not None:
        calendar = _unmarked_calendar([start.year, end.year], rules)
        notes = _unmarked_note(start.year, calendar, rules)
    first = _resolve(start, rules, alone=False, calendar=calendar)
    last = _resolve(end, rules, alone=False, calendar=calendar or first.calendar)
    if last.end < first.start:
        raise _Unreadable(
            f"the range ends ({last.end.isoformat()}) before it starts "
            f"({first.start.isoformat()})", first.calendar)
    reading = _Reading(first.calendar, first.start, last.end, "range",
                       first.ambiguous or last.ambiguous,
                       list(dict.fromkeys(notes + first.notes + last.notes)))
    return _result(original, reading)


def _read_part(text: str) -> _Part:
    """Find the markers, month name and numbers of one date, without judging them."""
    part = _Part()
    for calendar, pattern in _MARKERS:
        if pattern.search(text):
            part.markers.add(calendar)
            text = pattern.sub(" ", text)
    text = _WEEKDAYS.sub(" ", text)
    text = _GLUED_MAH.sub(" ماه", text)  # "شهریورماه"
    text = _ORDINAL.sub(r"\1", text)
    if "?" in text:
        part.approximate = True
    words = list(_WORD.finditer(text))
    month_at: int | None = None
    i = 0
    while i < len(words):
        for span in range(min(_LONGEST_MONTH, len(words) - i), 0, -1):
            key = _month_key([m.group() for m in words[i:i + span]])
            if key in _MONTHS:
                if part.month is not None:
                    raise _Unreadable("more than one month name")
                part.month_calendar, part.month = _MONTHS[key]
                part.month_word = " ".join(m.group() for m in words[i:i + span])
                month_at = words[i].start()
                i += span
                break
        else:
            word = words[i].group()
            if word in _APPROXIMATE:
                part.approximate = True
            elif word not in _FILLERS:
                raise _Unreadable(f"'{word}' is not part of a date")
            i += 1
    rest = _WORD.sub(lambda m: " " * len(m.group()), text)  # keep the positions
    numbers = [(int(m.group()), len(m.group()), m.start()) for m in _NUMBER.finditer(rest)]
    if part.month is not None:
        _named_numbers(part, numbers, month_at or 0)
    else:
        if not _NUMERIC_REST.match(rest):
            odd = next(c for c in rest if not _NUMERIC_REST.match(c))
            raise _Unreadable(f"unexpected character '{odd}'")
        _numeric_numbers(part, numbers, structured=bool(_STRUCTURED_SEP.search(rest)))
    if part.approximate:
        part.notes.append("written as approximate")
    return part


def _named_numbers(part: _Part, numbers: list[tuple[int, int, int]], month_at: int) -> None:
    years = [n for n in numbers if n[1] >= 3]
    smalls = [n for n in numbers if n[1] <= 2]
    if len(years) > 1:
        raise _Unreadable("more than one year")
    if years:
        value, digits, _ = years[0]
        if digits != 4:
            raise _Unreadable(f"the year {value} should have four digits")
        part.year = value
    elif (part.month_calendar == "jalali" and smalls and smalls[-1][2] > month_at
          and (len(smalls) == 2 or smalls[-1][0] > 31)):
        # "آبان ۹۸", "۲۷ شهریور ۰۱": Iranians often drop the century of Jalali years.
        short = smalls.pop()[0]
        part.year = 1300 + short if short >= 20 else 1400 + short
        part.notes.append(f"two-digit year {short:02d} read as {part.year}")
    if len(smalls) > 1:
        raise _Unreadable("more than one day")
    if smalls:
        part.day = smalls[0][0]


def _numeric_numbers(part: _Part, numbers: list[tuple[int, int, int]], structured: bool) -> None:
    digits = [n[1] for n in numbers]
    values = [n[0] for n in numbers]
    if not numbers:
        raise _Unreadable("no date in the text")
    if len(numbers) == 1 and digits[0] == 8:  # 14010627, 20220918
        part.year, part.month, part.day = values[0] // 10000, values[0] // 100 % 100, values[0] % 100
        return
    if any(d > 4 for d in digits):
        raise _Unreadable(f"the number {values[digits.index(max(digits))]} is too long for a date")
    if len(numbers) > 3:
        raise _Unreadable("too many numbers for a date")
    shape = tuple("Y" if d == 4 else "n" if d <= 2 else "?" for d in digits)
    if shape == ("Y",):
        part.year = values[0]
    elif shape == ("n",):
        part.day = values[0]  # only meaningful as one end of a range
    elif shape == ("Y", "n") and structured:
        part.year, part.month = values
    elif shape == ("n", "Y") and structured:
        part.month, part.year = values
    elif shape == ("n", "Y"):  # "30, 2022": a day and a year, the month given elsewhere
        part.day, part.year = values
    elif shape == ("Y", "n", "n"):
        part.year, part.month, part.day = values
    elif shape == ("n", "n", "Y"):
        part.day, part.month, part.year = values
        part.day_first = True
    elif shape in (("n", "n", "n"), ("n", "n")):
        raise _Unreadable("no four-digit year (two-digit years are ambiguous: write the "
                          "year in full)" if len(shape) == 3 else "no year")
    elif shape == ("Y", "Y"):
        raise _Unreadable("two years and no month")
    else:
        raise _Unreadable("not a date format this reads (numbers in an unexpected order "
                          "or with three digits)")


def _unmarked_calendar(years: list[int], rules: DateRules) -> Calendar:
    candidates = [c for c in ("jalali", "hijri", "gregorian")
                  if all(rules.years(c)[0] <= y <= rules.years(c)[1] for y in years)]
    if not candidates:
        shown = " and ".join(str(y) for y in dict.fromkeys(years))
        ranges = ", ".join(f"{CALENDAR_LABELS[c]} {rules.years(c)[0]}–{rules.years(c)[1]}"
                           for c in ("jalali", "hijri", "gregorian"))
        raise _Unreadable(f"year {shown} is in no plausible range ({ranges}) and no "
                          "calendar is marked")
    return rules.unmarked if rules.unmarked in candidates else candidates[0]  # type: ignore[return-value]


def _unmarked_note(year: int, chosen: Calendar, rules: DateRules) -> list[str]:
    """Say so when an unmarked year could have been read in the preferred calendar."""
    low, high = SUPPORTED_YEARS[rules.unmarked]
    if chosen != rules.unmarked and low <= year <= high:
        return [f"no calendar marked: {year} read as {CALENDAR_LABELS[chosen]}"]
    return []


def _resolve(part: _Part, rules: DateRules, *, alone: bool,
             calendar: Calendar | None = None) -> _Reading:
    """Choose the calendar, check the date exists, convert it."""
    notes = list(part.notes)
    if len(part.markers) > 1:
        raise _Unreadable("conflicting calendar markers ("
                          + " and ".join(sorted(CALENDAR_LABELS[c] for c in part.markers)) + ")")
    marker = next(iter(part.markers), None)
    if part.month_calendar and marker and marker != part.month_calendar:
        raise _Unreadable(
            f"'{part.month_word}' is a {CALENDAR_LABELS[part.month_calendar]} month but the "
            f"date is marked {CALENDAR_LABELS[marker]}", part.month_calendar)
    explicit: Calendar | None = part.month_calendar or marker  # type: ignore[assignment]
    if part.day is not None and part.month is None:
        raise _Unreadable("a number alone is not a date" if alone and part.year is None
                          else "no month", explicit)
    if part.year is None:
        raise _Unreadable("no year", explicit)
    year = part.year
    if explicit:
        chosen: Calendar = explicit
        low, high = SUPPORTED_YEARS[chosen]
        if not low <= year <= high:
            raise _Unreadable(f"year {year} is not a plausible {CALENDAR_LABELS[chosen]} year "
                              f"(this reads {low}–{high})", chosen)
    else:
        chosen = calendar or _unmarked_calendar([year], rules)
        if calendar is None:
            notes += _unmarked_note(year, chosen, rules)
    label = CALENDAR_LABELS[chosen]
    month, day, ambiguous = part.month, part.day, False
    if part.day_first and month is not None and day is not None and chosen == "gregorian":
        if month > 12 and day > 12:
            raise _Unreadable(f"neither {day} nor {month} can be a month", chosen)
        if month > 12:
            month, day = day, month
            notes.append("read month first (the day cannot come first)")
        elif day <= 12 and day != month:
            ambiguous = True
            notes.append("day and month could be swapped: read day first")
    if month is None:
        start = to_gregorian(chosen, year, 1, 1)
        end = to_gregorian(chosen, year, 12, month_length(chosen, year, 12))
        return _Reading(chosen, start, end, "year", False, notes)
    if not 1 <= month <= 12:
        raise _Unreadable(f"month {month} does not exist in the {label} calendar", chosen)
    length = month_length(chosen, year, month)
    name = MONTH_NAMES[chosen][month - 1]
    if day is None:
        return _Reading(chosen, to_gregorian(chosen, year, month, 1),
                        to_gregorian(chosen, year, month, length), "month", False, notes)
    if not 1 <= day <= length:
        raise _Unreadable(f"day {day} does not exist in {name} {year} ({label}; the month "
                          f"has {length} days)", chosen)
    day_date = to_gregorian(chosen, year, month, day)
    return _Reading(chosen, day_date, day_date, "day", ambiguous, notes)
