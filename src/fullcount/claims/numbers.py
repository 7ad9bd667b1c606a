"""Reading the numbers that documents write, in English, Persian and Arabic, to whole counts.

A quantity is one number or a range, as written:

* digits, in ASCII, Persian (۰–۹) or Arabic-Indic (٠–٩), with thousands separators
  ("1,500", "۱٬۵۰۰", "١،٥٠٠") or without ("۱۵۰۰"), and with a decimal before a scale word
  ("1.5 million", "۱٫۵ میلیون", "۱/۵ میلیون");
* number words: English ("fifteen hundred", "two thousand", "Twenty-seven", "a dozen",
  "two hundred and fifty", "half a million"), Persian ("صد و شصت و هشت", "هزار و پانصد",
  "سی هزار", "یک و نیم میلیون") and, for the common cases, Arabic ("ثلاثة", "ثمانية وستون");
* scales after digits ("120 thousand", "۷ هزار", "۲ هزار و ۵۰۰", "١٢٠ ألف");
* ranges: "200-300", "200 to 300", "between 200 and 300", "۲۰۰ تا ۳۰۰", "بین ۲۰۰ و ۳۰۰",
  "بين ١٥٠٠ و٢٠٠٠"; a scale written once serves both ends ("20 to 30 thousand");
* vague orders of magnitude, coded as a range by the rule below.

Vague terms (CLAIMS.md §1.3 asks that the rule be recorded). A plural of a unit means at
least two of it and fewer than the next order of magnitude:

=========================================================  ===================
term                                                       coded as
=========================================================  ===================
tens, ده‌ها, چند ده, عشرات                                    20–99
dozens, several dozen                                      24–99
scores                                                     40–99
hundreds, several/a few hundred, صدها, چند صد, مئات         200–999
thousands, several/a few thousand, هزاران, چند هزار, آلاف     2,000–9,999
tens of thousands, ده‌ها هزار, عشرات الآلاف                  20,000–99,999
hundreds of thousands, صدها هزار, مئات الآلاف               200,000–999,999
millions, میلیون‌ها, ملايين                                  2,000,000–9,999,999
=========================================================  ===================

This is wider than ACLED's conservative point coding (dozens = 12, hundreds = 100); a
register that wants ACLED's rule can take ``low`` of a dozen as 12 from ``vague_term``.

The word "one" (and "a", یک, واحد) alone is an article far more often than a count, so a
lone "one" is not read as a quantity; "1" in digits is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from fullcount.normalize.script import fold_script

__all__ = ["Folded", "Quantity", "find_quantities", "fold_pattern", "fold_term", "fold_text",
           "parse_quantity"]


def _words(text: str) -> list[str]:
    """The whitespace-separated words of ``text`` (word lists are kept as prose)."""
    return text.split()


# ------------------------------------------------------------------ folding with offsets

_DASHES = frozenset("–—‒−―‐‑")
_QUOTES = frozenset("’‘`´ʼ")


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    if ch.isspace() or ch in "\u200c\u200b":  # ZWNJ separates the parts of a word
        return " "
    if ch in _DASHES:
        return "-"
    if ch in _QUOTES:
        return "'"
    folded = fold_script(ch)  # Arabic letter forms, digits; "" for marks and tatweel
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in folded)


@dataclass(frozen=True)
class Folded:
    """A text folded for matching (lower case, one letter form, ASCII digits, marks
    dropped) with, for each folded character, the offset of its source character, so
    that every match maps back to the original text."""

    text: str
    origin: tuple[int, ...]  # len(text) + 1 entries; the last is the original's length

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Original offsets of the folded span ``[start, end)``."""
        if end <= start:
            return self.origin[start], self.origin[start]
        return self.origin[start], self.origin[end - 1] + 1


def fold_text(text: str, offset: int = 0) -> Folded:
    """Fold ``text`` for matching; offsets in the result count from ``offset``."""
    chars: list[str] = []
    origin: list[int] = []
    for index, ch in enumerate(text):
        folded = _fold_char(ch)
        chars.append(folded)
        origin.extend([offset + index] * len(folded))
    origin.append(offset + len(text))
    return Folded("".join(chars), tuple(origin))


def fold_term(term: str) -> str:
    """A lexicon entry folded as text is, so that the two compare."""
    return " ".join(fold_text(term).text.split())


def fold_pattern(pattern: str) -> str:
    """A regular expression with its Arabic-script letters folded as text is; escapes
    (``\\W``, ``\\d``) and everything else are left alone."""
    out = []
    escaped = False
    for ch in pattern:
        if escaped or not "\u0600" <= ch <= "\u06ff":
            out.append(ch)
        else:
            out.append(_fold_char(ch))
        escaped = ch == "\\" and not escaped
    return "".join(out)


# ------------------------------------------------------------------ tokens

TOKEN = re.compile(r"\d+(?:[.,٫٬،/]\d+)*|[^\W\d_]+(?:'[^\W\d_]+)*|\S")


@dataclass(frozen=True)
class Token:
    text: str
    start: int
    end: int

    @property
    def is_number(self) -> bool:
        return self.text[0].isdigit()

    @property
    def is_word(self) -> bool:
        return self.text[0].isalpha()


def tokenize(text: str) -> list[Token]:
    return [Token(m.group(), m.start(), m.end()) for m in TOKEN.finditer(text)]


# ------------------------------------------------------------------ number words

_EN_SMALL = {w: i for i, w in enumerate(
    _words("zero one two three four five six seven eight nine ten eleven twelve thirteen "
           "fourteen fifteen sixteen seventeen eighteen nineteen"))}
_EN_TENS = {w: 10 * i for i, w in enumerate(
    _words("twenty thirty forty fifty sixty seventy eighty ninety"), start=2)}
_FA_SMALL = {
    "یک": 1, "یه": 1, "دو": 2, "سه": 3, "چهار": 4, "پنج": 5, "شش": 6, "شیش": 6, "هفت": 7,
    "هشت": 8, "نه": 9, "ده": 10, "یازده": 11, "دوازده": 12, "سیزده": 13, "چهارده": 14,
    "پانزده": 15, "پونزده": 15, "شانزده": 16, "هفده": 17, "هجده": 18, "هیجده": 18,
    "نوزده": 19, "بیست": 20, "سی": 30, "چهل": 40, "پنجاه": 50, "شصت": 60, "هفتاد": 70,
    "هشتاد": 80, "نود": 90, "یکصد": 100, "دویست": 200, "سیصد": 300, "چهارصد": 400,
    "پانصد": 500, "ششصد": 600, "هفتصد": 700, "هشتصد": 800, "نهصد": 900,
}
# Arabic: masculine and feminine forms of the units, and the tens (nominative and
# oblique), as folded (ة→ه, ي→ی, أ→ا).
_AR_SMALL = {fold_term(w): v for w, v in {
    "واحد": 1, "اثنان": 2, "اثنين": 2, "ثلاث": 3, "ثلاثة": 3, "أربع": 4, "أربعة": 4,
    "خمس": 5, "خمسة": 5, "ست": 6, "ستة": 6, "سبع": 7, "سبعة": 7, "ثماني": 8, "ثمانية": 8,
    "تسع": 9, "تسعة": 9, "عشر": 10, "عشرة": 10, "أحد عشر": 11, "عشرون": 20, "عشرين": 20,
    "ثلاثون": 30, "ثلاثين": 30, "أربعون": 40, "أربعين": 40, "خمسون": 50, "خمسين": 50,
    "ستون": 60, "ستين": 60, "سبعون": 70, "سبعين": 70, "ثمانون": 80, "ثمانين": 80,
    "تسعون": 90, "تسعين": 90, "مئتان": 200, "مئتين": 200, "مائتان": 200, "مائتين": 200,
}.items()}
_HUNDRED = frozenset({"hundred", "صد", fold_term("مئة"), fold_term("مائة")})
_SCALES = {
    "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000,
    "هزار": 1_000, "میلیون": 1_000_000, "ملیون": 1_000_000, "میلیارد": 1_000_000_000,
    fold_term("ألف"): 1_000, fold_term("آلاف"): 1_000, fold_term("الاف"): 1_000,
    fold_term("مليون"): 1_000_000, fold_term("ملايين"): 1_000_000,
    fold_term("مليار"): 1_000_000_000,
}
# Words that are a number but far more often something else (نه "no", ده "village",
# one/a/یک articles): read only before a scale or as part of a longer number.
_WEAK = frozenset({"one", "a", "an", "یک", "یه", "نه", "ده", fold_term("واحد")})
_AND = frozenset({"and", "و"})
_TENS_VALUES = frozenset({20, 30, 40, 50, 60, 70, 80, 90})
_BARE_SCALES = frozenset({"هزار", fold_term("ألف")})
_HALF = frozenset({"half", "نیم"})


def _small(word: str) -> int | None:
    return _EN_SMALL.get(word, _EN_TENS.get(word, _FA_SMALL.get(word, _AR_SMALL.get(word))))


# ------------------------------------------------------------------ vague terms

_VAGUE: list[tuple[str, int, int]] = [
    # longest first, so that "tens of thousands" wins over "tens"
    ("hundreds of thousands", 200_000, 999_999), ("tens of thousands", 20_000, 99_999),
    ("several hundred thousand", 200_000, 999_999), ("several dozen", 24, 99),
    ("several hundred", 200, 999), ("a few hundred", 200, 999), ("few hundred", 200, 999),
    ("several thousand", 2_000, 9_999), ("a few thousand", 2_000, 9_999),
    ("few thousand", 2_000, 9_999), ("millions", 2_000_000, 9_999_999),
    ("thousands", 2_000, 9_999), ("hundreds", 200, 999), ("dozens", 24, 99),
    ("scores", 40, 99), ("tens", 20, 99),
    ("صدها هزار", 200_000, 999_999), ("ده ها هزار", 20_000, 99_999),
    ("دهها هزار", 20_000, 99_999), ("میلیون ها", 2_000_000, 9_999_999),
    ("میلیونها", 2_000_000, 9_999_999), ("چند صد هزار", 200_000, 999_999),
    ("چندین هزار", 2_000, 9_999), ("چند هزار", 2_000, 9_999), ("چندهزار", 2_000, 9_999),
    ("چندین صد", 200, 999), ("چند صد", 200, 999), ("چندصد", 200, 999),
    ("چند ده", 20, 99), ("هزاران", 2_000, 9_999), ("صدها", 200, 999),
    ("ده ها", 20, 99), ("دهها", 20, 99),
    ("مئات الآلاف", 200_000, 999_999), ("عشرات الآلاف", 20_000, 99_999),
    ("مئات الالاف", 200_000, 999_999), ("عشرات الالاف", 20_000, 99_999),
    ("ملايين", 2_000_000, 9_999_999), ("آلاف", 2_000, 9_999), ("الاف", 2_000, 9_999),
    ("مئات", 200, 999), ("عشرات", 20, 99),
]
_VAGUE_FOLDED = sorted(((fold_term(t), lo, hi) for t, lo, hi in _VAGUE),
                       key=lambda v: -len(v[0]))
_VAGUE_RX = re.compile(
    r"(?<![^\W\d_])(?:و|ال|وال)?(" + "|".join(re.escape(t) for t, _, _ in _VAGUE_FOLDED)
    + r")(?![^\W\d_])")
_VAGUE_RANGE = {t: (lo, hi) for t, lo, hi in _VAGUE_FOLDED}


# ------------------------------------------------------------------ quantities


@dataclass(frozen=True)
class Quantity:
    """A number or range as written: ``text == source[start:end]``.

    ``low == high`` for one number. For a vague term ("dozens") ``low``/``high`` are the
    coded range and ``vague_term`` the word."""

    low: int
    high: int
    text: str
    start: int
    end: int
    vague_term: str | None = None

    @property
    def is_range(self) -> bool:
        return self.low != self.high


@dataclass
class _Reading:
    """A number found in folded text: token span, value, and how it was written."""

    first: int  # token index of the first token
    last: int  # token index after the last token
    low: float
    high: float
    vague_term: str | None = None
    scaled: bool = False  # a scale word ("million", "هزار") is part of it
    words: bool = False  # written in words
    range_sep: str | None = None  # "-", "to", "and", "تا", ... for a range


_THOUSANDS = re.compile(r"^\d{1,3}(?:[,٬،]\d{3})+$")
_THOUSANDS_DECIMAL = re.compile(r"^(\d{1,3}(?:[,٬،]\d{3})*)[.٫](\d+)$")
_PLAIN = re.compile(r"^\d+$")


def _digits_value(text: str, before_scale: bool) -> float | None:
    """The value of a digit token, or None if it is not a plain number (a date, a code)."""
    if _PLAIN.match(text):
        return float(text)
    if _THOUSANDS.match(text):
        return float(re.sub(r"[,٬،]", "", text))
    if match := _THOUSANDS_DECIMAL.match(text):
        whole, decimals = re.sub(r"[,٬،]", "", match.group(1)), match.group(2)
        if not before_scale and len(decimals) == 3 and "," not in text:
            return float(whole + decimals)  # "1.500" written with a dot for thousands
        return float(f"{whole}.{decimals}")
    if before_scale and re.match(r"^\d+/\d+$", text):  # Persian ۱/۵ میلیون
        return float(text.replace("/", "."))
    return None


def _read_number(tokens: list[Token], i: int) -> _Reading | None:
    """Read one number (digits and/or words, with scales) starting at token ``i``."""
    n = len(tokens)
    total = 0.0
    current: float | None = None
    last_part: float | None = None  # value of the last component, for "and"/"و" joins
    words = scaled = joined = False
    first = tokens[i].text
    if first in ("a", "an") and not (i + 1 < n and (tokens[i + 1].text in _HUNDRED
                                                     or tokens[i + 1].text in _SCALES
                                                     or tokens[i + 1].text == "dozen")):
        return None
    if first == "half" and i + 2 < n and tokens[i + 1].text == "a" and (
            tokens[i + 2].text in _SCALES):
        scale = _SCALES[tokens[i + 2].text]
        return _Reading(i, i + 3, scale / 2, scale / 2, scaled=True, words=True)
    if first in ("نیم", fold_term("نصف")) and i + 1 < n and tokens[i + 1].text in _SCALES:
        scale = _SCALES[tokens[i + 1].text]  # نیم میلیون, نصف مليون
        return _Reading(i, i + 2, scale / 2, scale / 2, scaled=True, words=True)
    j = i
    while j < n:
        token = tokens[j].text
        if tokens[j].is_number:
            if current is not None:
                break
            follows_scale = j + 1 < n and tokens[j + 1].text in _SCALES
            value = _digits_value(token, follows_scale)
            if value is None:
                if j == i:
                    return None
                break
            current, last_part, joined = value, value, False
        elif token in ("a", "an") and j == i:
            current, last_part, words = 1.0, 1.0, True
        elif (small := _small(token)) is not None:
            if current is not None and not joined and not (
                    last_part in _TENS_VALUES and small < 10):  # "twenty-seven"
                break
            current = (current or 0.0) + small
            last_part, words, joined = float(small), True, False
        elif token in _HUNDRED:
            current = (current if current is not None else 1.0) * 100
            last_part, words, joined = 100.0, True, False
        elif token in _SCALES:
            if current is None and joined and token in _BARE_SCALES:
                current = 1.0  # "یک میلیون و هزار": the bare thousand after و
            elif current is None:
                if j != i:
                    break
                if token not in _BARE_SCALES:
                    return None
                current, words = 1.0, True  # هزار, ألف alone: a thousand
            total += current * _SCALES[token]
            last_part, current, scaled, joined = float(_SCALES[token]), None, True, False
        elif token == "dozen" and current is not None:
            current *= 12
            last_part, words = 12.0, True
        elif token == "-" and words and j + 1 < n and _small(tokens[j + 1].text) is not None:
            pass  # the hyphen of "twenty-seven"
        elif token in _AND and j > i and j + 1 < n:
            nxt = tokens[j + 1].text
            if current is not None and (nxt == "نیم" or (
                    nxt == "a" and j + 2 < n and tokens[j + 2].text == "half")):
                current += 0.5  # "one and a half million", "یک و نیم میلیون"
                j += 2 if nxt == "نیم" else 3
                continue
            previous = tokens[j - 1]
            if token == "and" and previous.text not in _HUNDRED and previous.text not in _SCALES:
                break  # English joins with "and" only after hundred/thousand
            value = (_digits_value(nxt, False) if tokens[j + 1].is_number
                     else 100 if nxt in _HUNDRED else 1000 if nxt in _BARE_SCALES
                     else _small(nxt))
            if previous.is_number or value is None or last_part is None or value >= last_part:
                break  # "۱۵۰۰ و ۳۰۰" are two numbers
            joined = True
        elif token.startswith("و") and (value := _small(token[1:])) is not None and (
                last_part is not None and current is not None):
            # Arabic glues "and": "مئة وثمانية وستون" is 100 + 8 + 60
            if not (value < last_part or (last_part < 10 and value in _TENS_VALUES)):
                break
            current += value
            last_part, words = float(value), True
        else:
            break
        j += 1
    # a trailing "and"/"و"/"-" is not part of the number
    while j > i and tokens[j - 1].text in _AND | {"-"}:
        j -= 1
    if j == i:
        return None
    value = total + (current or 0.0)
    if value <= 0:
        return None
    if j - i == 1 and tokens[i].text in _WEAK:
        return None  # a lone "one", "a", "یک", "نه", "ده"
    return _Reading(i, j, value, value, None, scaled, words)


_RANGE_SEPS = {"-", "to", "تا", "الی", fold_term("إلى"), fold_term("الى"), "and", "و",
               "till", "until"}
_BETWEEN = {"between", "بین", "میان", fold_term("بين"), "from", "از", fold_term("من"),
            fold_term("ما بين")}
_CHANGE = re.compile(r"(?:rose|risen|rising|increased|increasing|climbed|jumped|grew|"
                     r"fell|dropped|decreased|went up|gone up|doubled)\s+from\s*$")


def _vague_at(text: str, tokens: list[Token], i: int) -> _Reading | None:
    match = _VAGUE_RX.match(text, tokens[i].start)
    if not match:
        return None
    end = match.end()
    j = i
    while j < len(tokens) and tokens[j].start < end:
        j += 1
    low, high = _VAGUE_RANGE[match.group(1)]
    return _Reading(i, j, low, high, vague_term=match.group(1), words=True)


def _read_quantity(text: str, tokens: list[Token], i: int) -> _Reading | None:
    """A number or range starting at token ``i``."""
    vague = _vague_at(text, tokens, i)
    # "hundreds" is vague, but "five hundred" is not: a number word wins when it reads
    number = _read_number(tokens, i)
    if vague is not None and (number is None or number.last <= vague.last):
        return vague
    if number is None:
        return None
    j = number.last
    # a range: NUMBER SEP NUMBER (with "and"/"و" only after "between"/"بین")
    if j + 1 < len(tokens) and tokens[j].text in _RANGE_SEPS:
        sep = tokens[j].text
        between = i > 0 and tokens[i - 1].text in _BETWEEN
        if i > 1 and f"{tokens[i - 2].text} {tokens[i - 1].text}" in _BETWEEN:
            between = True
        ok = sep not in _AND or between
        if sep == "-" and (tokens[j].start != tokens[j - 1].end
                           and tokens[j].end == tokens[j + 1].start):
            ok = False  # "200 -300" is not written as a range
        if sep == "to" and _CHANGE.search(text[:tokens[i].start]):
            ok = False  # "rose from 251 to 314": two figures, not a range
        second = _read_number(tokens, j + 1) if ok else None
        if second is not None:
            low = number.low
            if second.scaled and not number.scaled and low < second.low and (
                    low * 1000 <= second.low):
                # "20 to 30 thousand": the scale serves both ends
                scale = next(_SCALES[t.text] for t in tokens[second.first:second.last]
                             if t.text in _SCALES)
                low *= scale
            if low < second.low:
                return _Reading(i, second.last, low, second.low, None,
                                number.scaled or second.scaled, number.words, sep)
    return number


def _integral(value: float) -> int | None:
    rounded = round(value)
    return rounded if abs(value - rounded) < 1e-6 else None


def scan(folded: str) -> tuple[list[Token], list[_Reading]]:
    """Tokens of folded text and every number or range read in them, left to right."""
    tokens = tokenize(folded)
    readings: list[_Reading] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.is_number or token.is_word:
            reading = _read_quantity(folded, tokens, i)
            if reading is not None:
                readings.append(reading)
                i = reading.last
                continue
        i += 1
    # "و۲۰۰۰" arrives as a word token "و" glued to digits: that is a separate token here
    return tokens, readings


def find_quantities(text: str) -> list[Quantity]:
    """Every whole-number quantity in ``text`` (counts or not: years, ages and codes
    included; ``extract_claims`` decides which are claims)."""
    folded = fold_text(text)
    tokens, readings = scan(folded.text)
    found = []
    for reading in readings:
        low, high = _integral(reading.low), _integral(reading.high)
        if low is None or high is None:
            continue
        start, end = folded.span(tokens[reading.first].start, tokens[reading.last - 1].end)
        found.append(Quantity(low, high, text[start:end], start, end, reading.vague_term))
    return found


def parse_quantity(text: str) -> tuple[int, int] | None:
    """``(low, high)`` of a quantity written alone, or None if ``text`` is not one.

    >>> parse_quantity("fifteen hundred"), parse_quantity("۱٫۵ میلیون")
    ((1500, 1500), (1500000, 1500000))
    >>> parse_quantity("between 200 and 300"), parse_quantity("dozens")
    ((200, 300), (24, 99))
    """
    folded = fold_text(text.strip())
    tokens = tokenize(folded.text)
    if not tokens:
        return None
    start = 1 if tokens[0].text in _BETWEEN and len(tokens) > 1 else 0
    reading = _read_quantity(folded.text, tokens, start)
    if reading is None or reading.last != len(tokens):
        return None
    low, high = _integral(reading.low), _integral(reading.high)
    return None if low is None or high is None else (low, high)
