"""Reading an age as lists write it: a number, a range, an approximation, in any digits.

An age that cannot be read is kept as given and flagged; it is never a reason to
quarantine a row.
"""

from __future__ import annotations

import re

from fullcount.normalize.script import fold_script

MAX_AGE = 120

# Longest alternatives first: the regex takes the first that matches.
_APPROX = re.compile(
    r"^(approximately|approx\.?|about|around|circa|ca\.|c\.|~|almost|nearly|over|under|"
    r"حدودا|حدود|تقریبا|حوالی|نحو)\s*"
)
_UNIT = re.compile(r"\s*(years?|yrs?|y/o|yo|years old|ساله|سال|سنة|عاما|عام)$")
_MONTHS = re.compile(r"^([0-9]{1,2})\s*(months?|mos?|ماهه|ماه|شهرا|أشهر|اشهر)$")
_RANGE = re.compile(r"^([0-9]{1,3})\s*(?:-|–|—|to|تا|الی|إلى|الى)\s*([0-9]{1,3})$")
_DECADE = re.compile(r"^([0-9])0s$")
_NUMBER = re.compile(r"^([0-9]{1,3})(?:\.0+)?\s*\??$")


def read_age(text: str | None) -> tuple[int, int] | None:
    """Return ``(min, max)`` years for an age as written, or ``None`` if unreadable.

    >>> read_age("۲۳"), read_age("20-25"), read_age("about 30"), read_age("6 months")
    ((23, 23), (20, 25), (30, 30), (0, 0))
    """
    if text is None:
        return None
    value = fold_script(text).casefold().strip()
    value = _APPROX.sub("", value)
    value = _UNIT.sub("", value).strip()
    if not value:
        return None
    if match := _MONTHS.match(value):
        return (0, 0) if int(match.group(1)) < 12 else None
    if match := _RANGE.match(value):
        low, high = int(match.group(1)), int(match.group(2))
        return (low, high) if low <= high <= MAX_AGE else None
    if match := _DECADE.match(value):
        low = int(match.group(1)) * 10
        return (low, low + 9)
    if match := _NUMBER.match(value):
        age = int(match.group(1))
        return (age, age) if age <= MAX_AGE else None
    return None
