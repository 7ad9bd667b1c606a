"""Reading an age as lists write it: a number, a range, an approximation or a word, in
any digits, to ``(min, max)`` whole years.

An age that cannot be read is kept as given and flagged; it is never a reason to
quarantine a row.

Words are read as these ranges (years, both ends included), chosen so that the range
holds every age the word is commonly used for:

==========================================================  ===========  ==========================
word                                                        range        why
==========================================================  ===========  ==========================
newborn, نوزاد                                              0–0          first weeks of life
infant, baby, شیرخوار                                       0–1          under two
toddler                                                     1–3
child, kid, minor, juvenile, کودک, بچه, طفل, خردسال, صغیر,   0–17         UN Convention on the Rights
  "under 18", "زیر ۱۸ سال"                                               of the Child: under 18
teenager, teen, adolescent, نوجوان                          13–19        the "teen" years
middle-aged, میانسال                                        40–59
elderly, old, senior, سالمند, مسن, پیر, کهنسال               60–120       UN/WHO: older persons 60+
==========================================================  ===========  ==========================

"over N" and "under N" are strict ("under 18" is 0–17, "over 60" is 61–120); "about N"
stays N, as lists use it for an age they were told; "N months" is the years they make.
"adult" is deliberately not read: it says little and lists use it loosely.
"""

from __future__ import annotations

import re

from fullcount.normalize.script import fold_script

__all__ = ["AGE_WORDS", "MAX_AGE", "read_age"]

MAX_AGE = 120

AGE_WORDS: dict[str, tuple[int, int]] = {
    **dict.fromkeys(["newborn", "new born", "new-born", "نوزاد"], (0, 0)),
    **dict.fromkeys(["infant", "baby", "شیرخوار", "شیر خوار"], (0, 1)),
    **dict.fromkeys(["toddler"], (1, 3)),
    **dict.fromkeys(["child", "kid", "minor", "juvenile", "کودک", "بچه", "طفل", "خردسال",
                     "صغیر", "پسربچه", "پسر بچه", "دختربچه", "دختر بچه", "طفل صغیر",
                     "کودک خردسال"], (0, 17)),
    **dict.fromkeys(["teenager", "teen", "adolescent", "نوجوان"], (13, 19)),
    **dict.fromkeys(["middle-aged", "middle aged", "میانسال", "میان سال"], (40, 59)),
    **dict.fromkeys(["elderly", "old", "senior", "old man", "old woman", "سالمند",
                     "مسن", "پیر", "کهنسال", "کهن سال", "پیرمرد", "پیر مرد", "پیرزن",
                     "پیر زن"], (60, MAX_AGE)),
}

# Longest alternatives first: the regex takes the first that matches.
_APPROX = re.compile(
    r"^(approximately|approx\.?|about|around|circa|ca\.|c\.|~|almost|nearly|aged|age|"
    r"حدودا|حدود|تقریبا|حوالی|نحو|سن)\s*"
)
_OVER = re.compile(r"^(over|above|older than|more than|بالای|بیش از|بیشتر از|بالاتر از)\s*")
_UNDER = re.compile(r"^(under|below|younger than|less than|زیر|کمتر از|کم تر از)\s*")
_UNIT = re.compile(r"\s*(years?|yrs?|y/o|yo|years old|year old|ساله|سال|سنة|عاما|عام)$")
_MONTHS = re.compile(r"^([0-9]{1,4})\s*(months?|mos?|ماهه|ماه|شهرا|أشهر|اشهر)$")
_SHORT = re.compile(r"^[0-9]{1,3}\s*(days?|weeks?|روزه|روز|هفته|هفتگی)$")
_RANGE = re.compile(r"^([0-9]{1,3})\s*(?:-|–|—|to|تا|الی|إلى|الى|/)\s*([0-9]{1,3})$")
_DECADE = re.compile(r"^([1-9])0\s*'?s$")
_DECADE_WORDS = {"twenties": 20, "thirties": 30, "forties": 40, "fifties": 50,
                 "sixties": 60, "seventies": 70, "eighties": 80, "nineties": 90}
_NUMBER = re.compile(r"^([0-9]{1,3})(?:[.,٫][0-9]+)?\s*\??$")
_SPACES = re.compile(r"\s+")


def read_age(text: str | None) -> tuple[int, int] | None:
    """Return ``(min, max)`` years for an age as written, or ``None`` if unreadable.

    >>> read_age("۲۳"), read_age("20-25"), read_age("about 30"), read_age("کودک")
    ((23, 23), (20, 25), (30, 30), (0, 17))
    """
    if text is None:
        return None
    value = fold_script(text).casefold().strip().strip(".")
    value = _SPACES.sub(" ", value.replace("ـ", ""))
    if value in AGE_WORDS:
        return AGE_WORDS[value]
    value = _APPROX.sub("", value)
    bound = 0
    if match := _OVER.match(value):
        bound, value = 1, value[match.end():]
    elif match := _UNDER.match(value):
        bound, value = -1, value[match.end():]
    value = _UNIT.sub("", value).strip()
    if not value:
        return None
    if bound == 0 and value in AGE_WORDS:  # "about a teenager" is still a teenager
        return AGE_WORDS[value]
    if bound == 0 and value.startswith(("in his ", "in her ", "in their ")):
        value = value.split(" ", 2)[2]
    age: tuple[int, int] | None = None
    if match := _MONTHS.match(value):
        years = int(match.group(1)) // 12
        age = (years, years) if years <= MAX_AGE else None
    elif _SHORT.match(value):
        age = (0, 0)
    elif match := _RANGE.match(value):
        low, high = int(match.group(1)), int(match.group(2))
        age = (low, high) if low <= high <= MAX_AGE else None
    elif match := _DECADE.match(value):
        low = int(match.group(1)) * 10
        age = (low, low + 9)
    elif value in _DECADE_WORDS:
        age = (_DECADE_WORDS[value], _DECADE_WORDS[value] + 9)
    elif value in ("teens", "his teens", "her teens"):
        age = (13, 19)
    elif match := _NUMBER.match(value):
        years = int(match.group(1))
        age = (years, years) if years <= MAX_AGE else None
    if age is None or bound == 0:
        return age
    if bound > 0:  # "over 60": strictly more than the lower end
        return (age[1] + 1, MAX_AGE) if age[1] < MAX_AGE else None
    return (0, age[0] - 1) if age[0] > 0 else None
