"""Finding numeric claims in text: "168 killed and 1,500 wounded in 27 attacks" is three.

Rule-based and offline, for English, Persian and Arabic (CLAIMS.md §3.3 explains why no
trained model is used). For each sentence:

1. every number or range is read (``numbers``);
2. numbers that are not counts are dropped: years and dates ("the 1988 massacre",
   "سال ۱۴۰۱", "16 September 2022"), ages ("a 24-year-old", "۲۴ ساله", "under the age of
   18"), durations ("444 days"), labels ("Article 6", "ماده ۲۸۶", "Ward 209", "page 14"),
   phone numbers, times, percentages, money, ordinals and codes ("COVID-19");
3. the bound is read from the words just before the number ("at least", "دست‌کم",
   "ما لا يقل عن") or just after it ("or more", "على الأقل"); a range is ``between``;
4. the category is taken, in order, from the number's own noun ("27 attacks", "۵۲
   گروگان"), a category word just before it ("killed at least 168", "the death toll rose
   to 312"), the words after it up to the next number ("168 people were killed"), then
   up to the end of the clause (Persian puts the verb last: "۱۶۸ نفر در ۲۷ حمله کشته
   شدند"), and last from an earlier number's noun ("45 deaths, but monitors counted at
   least 121"). Arabic puts the verb first, so there the words before come before those
   after. A number whose noun is not a person, a case or a category ("300 homes", "۱۶۰
   شهر") is not a claim, nor is a number without any category;
5. "including 44 children", "60 of them children", "از جمله ۶۰ کودک", "بينهم ١٢" make a
   subset claim (``part_of``), never to be added to its parent;
6. who claims it ("according to X", "X said", "به گزارش X", "وفقاً لـ X"), the period,
   the place and the event are read from the sentence and given to each claim from the
   nearest mention.

Every claim keeps its sentence and the offsets of the sentence and the quantity in the
original text, so ``text[claim.quantity.start:claim.quantity.end] == claim.quantity.text``.
Claims are suggestions for a reviewer (CLAIMS.md §3, recommendation 3), not findings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Literal

from fullcount.claims.lexicon import (
    ATTRIBUTION_PREFIXES,
    BOUND_RX,
    CASE_SET,
    CATEGORY_RX,
    EVENT_CATEGORIES,
    EVENT_NOUNS,
    FUNCTION_SET,
    LABEL_SET,
    LANGUAGES,
    MONTH_SET,
    OTHER_SET,
    PERSON_SET,
    POST_BOUND_RX,
    REPORTING_VERBS,
    STATUS_SET,
    YEAR_WORD_SET,
    Bound,
    Category,
    Language,
    terms_regex,
)
from fullcount.claims.numbers import (
    Folded,
    Quantity,
    Token,
    _integral,
    _Reading,
    _words,
    fold_pattern,
    fold_term,
    fold_text,
    scan,
)
from fullcount.errors import FullcountError
from fullcount.normalize.dates import parse_date

__all__ = ["Claim", "detect_language", "extract_claims", "split_sentences"]


Unit = Literal["persons", "events", "cases"]


@dataclass(frozen=True)
class Claim:
    """One numeric claim: a quantity, its bound and category, and what the sentence says
    about who claims it, when and where.

    ``bound`` is one of exact / at_least / at_most / about / between; ``strict`` marks
    "more than"/"fewer than" (the number itself excluded) and ``from_below`` marks
    "nearly"/"almost". ``bound_type`` gives the finer register code of CLAIMS.md §2.
    """

    quantity: Quantity
    bound: Bound
    category: Category
    language: Language
    sentence: str
    sentence_start: int
    sentence_end: int
    unit: Unit = "persons"
    strict: bool = False
    from_below: bool = False
    bound_text: str | None = None  # the words that set the bound, as written
    category_text: str | None = None  # the word that set the category, as written
    subgroup: str | None = None  # the counted noun of a subset: "children", "کودک"
    part_of: Quantity | None = None  # the parent quantity of a subset claim
    claimant: str | None = None
    event: str | None = None
    place: str | None = None
    period: str | None = None  # as written: "November 2019", "سال ۱۴۰۱", "since 1979"
    period_start: str | None = None  # ISO date, when the period can be read
    period_end: str | None = None
    cumulative: bool = False  # "since 1979", "از سال ۱۳۶۰": a running total

    @property
    def low(self) -> int:
        return self.quantity.low

    @property
    def high(self) -> int:
        return self.quantity.high

    @property
    def is_subset(self) -> bool:
        return self.part_of is not None

    @property
    def bound_type(self) -> str:
        """The register's bound code: exact, at_least, more_than, at_most, less_than,
        approx, approx_below, range or vague (CLAIMS.md §2)."""
        if self.quantity.vague_term is not None:
            return "vague"
        if self.bound == "between":
            return "range"
        if self.bound == "about":
            return "approx_below" if self.from_below else "approx"
        if self.bound == "at_least" and self.strict:
            return "more_than"
        if self.bound == "at_most" and self.strict:
            return "less_than"
        return self.bound


# ------------------------------------------------------------------ sentences, language

_ABBREVIATIONS = frozenset(_words("""mr mrs ms dr prof no nos art arts p pp para paras vol fig
    e.g i.e st jr sr gen col lt capt sgt gov sen rep jan feb mar apr jun jul aug sep sept
    oct nov dec inc ltd co corp approx ca cf vs v u.s u.n u.k e.u al op cit ibid"""))
_BOUNDARY = re.compile(r"[.!?؟]+[\"'”’»)\]]*(?=\s)|\n[ \t]*\n|[\u2029]")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each sentence in ``text`` (whitespace trimmed)."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        end = match.end()
        if match.group().startswith((".",)) and not match.group().startswith(".."):
            word = re.search(r"([\w.]+)$", text[start:match.start()])
            before = word.group(1).lower() if word else ""
            after = text[end:end + 3].lstrip()[:1]
            if (before in _ABBREVIATIONS or (len(before) == 1 and before.isalpha())
                    or (after and after.islower())):
                continue
        spans.append((start, end))
        start = end
    spans.append((start, len(text)))
    trimmed = []
    for s, e in spans:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if s < e:
            trimmed.append((s, e))
    return trimmed


_PERSIAN_LETTERS = frozenset("پچژگیکۀ")
_ARABIC_LETTERS = frozenset("ةيكىؤإأ")


def detect_language(text: str) -> Language:
    """'fa', 'ar' or 'en' by script: Persian and Arabic by the letters only one uses."""
    arabic_script = sum("\u0600" <= ch <= "\u06ff" for ch in text)
    latin = sum(ch.isascii() and ch.isalpha() for ch in text)
    if arabic_script <= latin:
        return "en"
    # letters only one language writes, its own digits, and the Arabic article
    persian = sum(ch in _PERSIAN_LETTERS or "۰" <= ch <= "۹" for ch in text)
    arabic = (sum(ch in _ARABIC_LETTERS or "٠" <= ch <= "٩" for ch in text)
              + 3 * text.count("ة") + 2 * len(re.findall(r"(?<!\w)ال\w", text)))
    return "fa" if persian >= arabic else "ar"


# ------------------------------------------------------------------ word lists used here

_TIME_UNITS = frozenset(fold_term(w) for w in _words("""days day weeks week months month years year
    hours hour minutes minute decades decade nights night centuries century روز روزه هفته
    ماه ماهه سال ساله ساعت دقیقه دهه قرن شب ثانیه يوم أيام يوما أسبوع أسابيع شهر أشهر
    شهرا سنة سنوات عام أعوام عاما ساعة ساعات دقيقة ليلة"""))
_PERCENT = frozenset(fold_term(w) for w in _words("% ٪ percent per درصد بالمئة بالمائة"))
_MONEY_AFTER = frozenset(fold_term(w) for w in _words("""dollars dollar euros euro pounds rials rial
    tomans toman usd تومان ریال دلار یورو دولار دينار ليرة"""))
_MONEY_BEFORE = frozenset({"$", "€", "£", "us$", "usd"})
_TIME_AFTER = frozenset(fold_term(w) for w in _words("am pm a.m p.m o'clock صبح عصر ظهر شب"))
_ORDINAL_SUFFIXES = frozenset({"st", "nd", "rd", "th", "ام", "مین", "امین", "s"})
_AGE_BEFORE = frozenset({"aged", "age", "ages"})
_YEAR_NOUNS = frozenset(fold_term(w) for w in _words("year years سال سالهای دهه عام العام سنة decade"))
_COPULAS = frozenset(_words("were are was is aged children minors those people"))
_PRONOUNS = frozenset(_words("he she it they we i you this that these those there"))
_CLAUSE_STOPS = {
    "en": re.compile(r"[;:]|\b(?:but|while|whereas|although|though)\b"),
    "fa": re.compile(r"[;؛:]|(?<![^\W\d_])(?:اما|ولی|در حالی که|درحالی که|هرچند)(?![^\W\d_])"),
    "ar": re.compile(fold_pattern(r"[;؛:]|(?<![^\W\d_])(?:لكن|بينما|غير أن)(?![^\W\d_])")),
}
# Words between a category word and its number: "the death toll had risen to 4,012".
_LINK_WORDS = {
    "en": frozenset(_words("""the a an of to at some had has have been risen rose reached reach
        climbed climb stands stood now is was were total number figure put puts reportedly
        further another additional as by increased jumped reaching bringing brings
        raising stand stood standing officially""")),
    "fa": frozenset(fold_term(w) for w in _words("به را از تعداد شمار آمار رقم رسید")),
    "ar": frozenset(fold_term(w) for w in _words("الى إلى ب بلغ ارتفع ارتفعت عدد")),
}
_SUBSET_BEFORE = {
    "en": re.compile(r"(?:including|incl\.?|among them|among whom|of whom|of which|"
                     r"among those|among the dead|among the victims)\s*$"),
    "fa": re.compile(fold_pattern(r"(?:از جمله|ازجمله|شامل|از این میان|از این تعداد|از آن میان)")
                     + r"\s*$"),
    "ar": re.compile(fold_pattern(r"(?:بينهم|بينهن|من بينهم|منهم|منهن|بينها)") + r"\s*$"),
}
_SUBSET_AFTER = {
    "en": re.compile(r"\s*(?:of them|of whom)\b"),
    "fa": re.compile(r"\s*" + fold_pattern("(?:نفر |تن )?(?:از آنان|از آنها|از آن ها|از ایشان)")),
    "ar": re.compile(r"\s*" + fold_pattern("(?:منهم|منهن)")),
}
_OF_THE = {  # a sentence that opens on its whole: "Of the 1,100 detained, ..."
    "en": re.compile(r"\s*of\s+(?:the|these|those|all)?\s*"),
    "fa": re.compile(r"\s*از(?:\s+(?:مجموع|میان|بین))?\s*"),
    "ar": re.compile(fold_pattern(r"\s*(?:من\s+(?:بين|أصل)?|من)\s*")),
}
# Verbs that may stand between a number and its noun ("58 recorded attacks").
_HEAD_STOPS = {
    "en": frozenset(REPORTING_VERBS["en"]) | frozenset(
        _words("remain remains remained still later now then")),
    "fa": frozenset(),
    "ar": frozenset(),
}
_AMONG_THE = re.compile(r"\b(?:were|are|was)\s+among\s+(?:the|those)\s*$")
_BETWEEN_WORDS = frozenset(fold_term(w) for w in _words("between from بین میان از بين من"))
_EVENT_MODIFIERS = frozenset(_words("""prison nationwide mass popular student presidential recent
    latest ongoing armed military post-election bloody"""))
_ORG_WORDS = frozenset(_words("""ministry court council commission committee agency office
    international rights watch network group organisation organization centre center
    association union party army guard guards corps report database statement
    revolutionary assembly parliament judiciary police"""))
_PLACE_STOP = frozenset(_words("""the a an this that these those january february march april may
    june july august september october november december monday tuesday wednesday
    thursday friday saturday sunday article ward branch resolution case section chapter
    page annex islam"""))
_FA_PLACE_PREFIX = re.compile(
    r"(?<![^\W\d_])(?:در|از)\s+(?:(?:شهر|استان|شهرستان|روستای|منطقه|بخش)\s+)?")
_AR_PLACE_PREFIX = re.compile(fold_pattern(r"(?<![^\W\d_])(?:في|ب)\s*(?:(?:مدينة|محافظة|بلدة|قرية)\s+)?"))
_COUNTRIES = {
    "fa": frozenset(fold_term(w) for w in _words("""ایران عراق سوریه افغانستان لبنان یمن غزه ترکیه
        پاکستان اوکراین""")),
    "ar": frozenset(fold_term(w) for w in _words("""إيران العراق سوريا سورية أفغانستان لبنان اليمن
        غزة تركيا""")),
}


@lru_cache(maxsize=1)
def _gazetteer():  # type: ignore[no-untyped-def]
    from fullcount.normalize.places import load_gazetteer

    return load_gazetteer()


@cache
def _regex(kind: str, language: Language) -> re.Pattern[str]:
    if kind == "verbs":
        return re.compile(terms_regex(REPORTING_VERBS[language], language, affixes=False))
    if kind == "prefixes":
        body = terms_regex(ATTRIBUTION_PREFIXES[language], language, affixes=False)
        if language == "ar":  # "وفقاً لوزارة": the ل is glued to the name
            body = body.removesuffix(r"(?![^\W\d_])")
        return re.compile(body)
    if kind == "events":
        return re.compile(terms_regex(EVENT_NOUNS[language], language))
    raise ValueError(kind)


# ------------------------------------------------------------------ candidates


@dataclass
class _Candidate:
    reading: _Reading
    low: int
    high: int
    start: int  # folded offsets within the sentence
    end: int
    bound: Bound = "exact"
    strict: bool = False
    from_below: bool = False
    bound_span: tuple[int, int] | None = None
    head: str = "neutral"  # category, person, case, other, neutral
    head_noun: str | None = None
    category: Category | None = None
    category_span: tuple[int, int] | None = None
    how: str = ""  # which rule set the category
    status: _Match | None = None  # "300 detainees": the category if nothing else says
    subset: bool = False
    parent: _Candidate | None = None

    @property
    def left(self) -> int:
        """Where the claim's words start: the bound phrase, or the number."""
        return self.bound_span[0] if self.bound_span else self.start


@dataclass(frozen=True)
class _Match:
    start: int
    end: int
    category: Category | None


class _Sentence:
    """One sentence being read: its folded text, tokens, numbers and category words."""

    def __init__(self, text: str, start: int, end: int, language: Language) -> None:
        self.source = text
        self.start = start
        self.end = end
        self.language = language
        self.original = text[start:end]
        self.folded: Folded = fold_text(self.original)
        self.text = self.folded.text
        self.tokens, self.readings = scan(self.text)
        regex, categories = CATEGORY_RX[language]
        self.matches = [
            _Match(m.start(), m.end(), categories[int(m.lastgroup[1:])])  # type: ignore[index]
            for m in regex.finditer(self.text)]
        self._phones = [m.span() for m in _PHONE.finditer(self.text)]

    def surface(self, start: int, end: int) -> str:
        """The original text of the folded span ``[start, end)``."""
        s, e = self.folded.span(start, end)
        return self.original[s:e]

    def token_at(self, index: int) -> Token | None:
        return self.tokens[index] if 0 <= index < len(self.tokens) else None

    def capitalized(self, token: Token) -> bool:
        s, _ = self.folded.span(token.start, token.end)
        return self.original[s].isupper()

    def match_at(self, position: int) -> _Match | None:
        for match in self.matches:
            if match.start <= position < match.end:
                return match
        return None


_PHONE = re.compile(r"(?:\+|\b00)\d[\d\s().-]{6,}\d|\(?\b\d{2,4}\)?[\s.-]\d{3,4}[\s.-]\d{3,4}\b")


def _word(token: Token | None) -> str:
    return token.text if token is not None else ""


def _not_a_count(s: _Sentence, r: _Reading, low: int, high: int) -> str | None:
    """Why the number read at ``r`` is not a count, or None if it may be one."""
    lang = s.language
    tokens = s.tokens
    first, last = tokens[r.first], tokens[r.last - 1]
    p1, p2 = s.token_at(r.first - 1), s.token_at(r.first - 2)
    n1, n2 = s.token_at(r.last), s.token_at(r.last + 1)
    w1, w2 = _word(n1), _word(n2)
    b1, b2 = _word(p1), _word(p2)
    if any(a <= first.start < b for a, b in s._phones):
        return "phone number"
    if first.is_number and first.text.startswith("0") and len(first.text) > 2:
        return "code"
    if b1 == "+":
        return "phone number"
    if w1 in _PERCENT or (w1 == "per" and w2 == "cent") or (
            w1 == fold_term("في") and w2.endswith(fold_term("المئة"))):
        return "percentage"
    if b1 in _MONEY_BEFORE or w1 in _MONEY_AFTER:
        return "money"
    if w1 == ":" and n2 is not None and n2.is_number or b1 == ":" and p2 is not None and (
            p2.is_number):
        return "time"
    if w1 in _TIME_AFTER:
        return "time"
    # glued to letters: COVID-19, G7, 40th, 1980s, 5km
    if p1 is not None and p1.end == first.start and p1.is_word and p1.text.isascii():
        return "code"
    if p1 is not None and b1 == "-" and p1.end == first.start and p2 is not None and (
            p2.end == p1.start and p2.is_word):
        return "code"
    if n1 is not None and n1.start == last.end and n1.is_word and (
            n1.text.isascii() or n1.text in _ORDINAL_SUFFIXES):
        return "ordinal or code"
    if w1 == "-" and n1 is not None and n1.start == last.end and n2 is not None and (
            n2.start == n1.end and n2.is_word and w2 != "plus"):
        return "compound modifier"  # "40-day", "24-year-old", "3-member"
    if b1 in LABEL_SET[lang] or b1 in LABEL_SET["en"] or b1 == "#" or (
            b1 == "." and b2 in ("no", "nos", "p", "pp", "art")):
        return "label"
    # ages
    if w1 in _TIME_UNITS:
        return "duration or age"
    if b1 in _AGE_BEFORE or (b1 == "of" and b2 in _AGE_BEFORE):
        return "age"
    if b1 == "," and w1 == "," and low == high and low <= 120 and p2 is not None and (
            p2.is_word):
        return "age"  # "The boy, 17, was shot"
    if b1 in ("under", "over", "below", "above") and low <= 120 and b2 in _COPULAS and (
            n1 is None or not n1.is_word or w1 in _TIME_UNITS):
        return "age"
    # dates and years
    if _is_month(s, p1) or _is_month(s, n1):
        return "date"
    if b1 in _YEAR_NOUNS:
        return "year"
    year_like = (not r.words and not r.scaled and first.is_number and first.text.isdigit()
                 and len(first.text) == 4 and (1300 <= low <= 1420 or 1800 <= low <= 2100)
                 and (high == low or high <= 2100))
    counted = w1 in PERSON_SET[lang] or w1 in CASE_SET[lang]
    if year_like and not counted and (
            b1 in YEAR_WORD_SET[lang] or b1 in YEAR_WORD_SET["en"]
            or BOUND_RX[lang][0].search(s.text[:first.start]) is None):
        return "year"  # a year unless a bound makes it a count ("at least 1988 executions")
    if b1 in EVENT_WORDS[lang] and (low < 100 or year_like) and not counted:
        return "year"  # "کشتار ۶۷", "اعتراضات ۱۴۰۱"
    if low == 0:
        return "zero"
    return None


EVENT_WORDS = {lang: frozenset(fold_term(w) for w in EVENT_NOUNS[lang]) for lang in LANGUAGES}


def _is_month(s: _Sentence, token: Token | None) -> bool:
    """A month name next to a number ("15 November", "آبان ۹۸"); next to a number even
    می, دی, تیر and مهر are months, but "300 may have died" is not May."""
    if token is None or token.text not in MONTH_SET[s.language] | MONTH_SET["en"]:
        return False
    return token.text not in ("may", "march") or s.capitalized(token)


def _bound(s: _Sentence, c: _Candidate, floor: int) -> None:
    if c.reading.range_sep is not None or c.reading.vague_term is not None:
        c.bound = "between"
        p1 = s.token_at(c.reading.first - 1)
        if p1 is not None and p1.text in _BETWEEN_WORDS and c.reading.range_sep is not None:
            c.bound_span = (p1.start, p1.end)
        return
    before = s.text[floor:c.start]
    regex, table = BOUND_RX[s.language]
    if match := regex.search(before):
        key = " ".join(match.group(1).split())
        c.bound, c.strict, c.from_below = table[key]
        c.bound_span = (floor + match.start(1), floor + match.end(1))
        return
    post_rx, post_table = POST_BOUND_RX[s.language]
    positions = [c.end]
    n1 = s.token_at(c.reading.last)
    if n1 is not None and n1.is_word:
        positions.append(n1.end)
    if n1 is not None and n1.text == "-":
        positions.append(n1.end)
    for position in positions:
        if match := post_rx.match(s.text, position):
            key = " ".join(match.group(1).split())
            c.bound, c.strict, c.from_below = post_table[key]
            c.bound_span = (match.start(1), match.end(1))
            return


def _head(s: _Sentence, c: _Candidate) -> None:
    """What the number counts, from the words right after it."""
    lang = s.language
    k = c.reading.last
    # "dozens of protesters", "عشرات الآلاف من السكان"
    if (c.reading.vague_term is not None or c.reading.range_sep is not None) and _word(
            s.token_at(k)) in ("of", fold_term("من")):
        k += 1
        if _word(s.token_at(k)) == "the":
            k += 1
    seen_unknown = False
    for step in range(4):
        token = s.token_at(k + step)
        if token is None:
            break
        match = s.match_at(token.start)
        if match is not None and match.category is not None and match.start >= c.end:
            if _status_noun(s, match):
                c.head, c.status = "person", match
                c.head_noun = s.surface(match.start, match.end)
                return
            c.head, c.category, c.category_span, c.how = (
                "category", match.category, (match.start, match.end), "head")
            return
        word = token.text
        if word in PERSON_SET[lang]:
            c.head, c.head_noun = "person", s.surface(token.start, token.end)
            return
        if word in CASE_SET[lang]:
            c.head, c.head_noun = "case", s.surface(token.start, token.end)
            following = s.token_at(k + step + 1)
            if following is not None and following.text in ("of", fold_term("من")):
                following = s.token_at(k + step + 2)
            named = s.match_at(following.start) if following is not None else None
            if named is not None and named.category is not None and not _status_noun(s, named):
                c.category, c.category_span, c.how = (
                    named.category, (named.start, named.end), "head")
            return
        if word in OTHER_SET[lang]:
            c.head = "other"
            return
        if word in _HEAD_STOPS[lang]:
            continue  # "58 recorded attacks", "38 said they had been tortured"
        if word in FUNCTION_SET[lang] or word in _PRONOUNS or not token.is_word:
            break
        if lang == "en" and s.capitalized(token):
            continue  # "168 Baluch protesters", "300 Baha'is"
        seen_unknown = True
    c.head = "other" if seen_unknown else "neutral"


def _status_noun(s: _Sentence, match: _Match) -> bool:
    words = " ".join(s.text[match.start:match.end].split())
    language = s.language
    if language == "ar":  # the clitics: "والمعتقلين"
        return words in STATUS_SET[language] or re.sub(
            r"^(?:و|ف|ب|ل)?(?:ال)?", "", words) in STATUS_SET[language]
    return words in STATUS_SET[language]


def _strip_links(text: str, language: Language) -> str:
    """``text`` without the link words and punctuation at its end."""
    words = _LINK_WORDS[language]
    while True:
        stripped = text.rstrip(" ,:،")
        match = re.search(r"([^\W\d_]+)\s*$", stripped)
        if match and match.group(1) in words:
            text = stripped[:match.start()]
            continue
        return stripped


def _category_before(s: _Sentence, c: _Candidate, floor: int) -> _Match | None:
    """A category word just before the number, with only link words between."""
    before = _strip_links(s.text[floor:c.left], s.language)
    end = floor + len(before)
    for match in s.matches:
        if match.end == end and match.category is not None:
            return match
    return None


def _first_after(s: _Sentence, c: _Candidate, start: int, end: int,
                 owned: set[_Match]) -> _Match | None:
    """The first category word in ``[start, end)`` that no other number owns. A status
    noun there ("۲۰۰ نفر از بازداشت‌شدگان") says who, not what happened: it is kept as
    the fallback."""
    for match in s.matches:
        if start <= match.start < end and match.category is not None and (
                match not in owned and match.category not in EVENT_CATEGORIES):
            if _status_noun(s, match):
                if c.status is None:
                    c.status = match
                continue
            return match
    return None


def _categorise(s: _Sentence, cands: list[_Candidate]) -> None:
    lang = s.language
    owned: set[_Match] = set()
    pre: dict[int, _Match] = {}
    for index, c in enumerate(cands):
        if c.category_span is not None:
            owned.update(m for m in s.matches if (m.start, m.end) == c.category_span)
        floor = cands[index - 1].end if index else 0
        if c.category is None and (match := _category_before(s, c, floor)) is not None and (
                not _mismatch(c, match)) and not (c.head == "other" and _status_noun(s, match)):
            pre[index] = match
            owned.add(match)
    stop_rx = _CLAUSE_STOPS[lang]
    for index, c in enumerate(cands):
        if c.category is not None:
            continue
        if index in pre:
            _set(c, pre[index], "before")
            continue
        if c.head == "other":
            continue
        after_start = c.bound_span[1] if c.bound_span and c.bound_span[0] > c.end else c.end
        next_start = cands[index + 1].left if index + 1 < len(cands) else len(s.text)
        stop = stop_rx.search(s.text, after_start)
        clause_end = stop.start() if stop else len(s.text)
        earlier = [m for m in s.matches if m.end <= c.left and m.category is not None
                   and m not in pre.values() and not _mismatch(c, m)
                   and not _status_noun(s, m)]
        rules: list[tuple[str, _Match | None]] = []
        if lang == "ar":
            rules.append(("earlier", earlier[-1] if earlier else None))
        rules.append(("after", _first_after(s, c, after_start, min(next_start, clause_end),
                                            owned)))
        rules.append(("clause", _first_after(s, c, after_start, clause_end, owned)))
        rules.append(("status", c.status))
        if lang != "ar":
            rules.append(("earlier", earlier[-1] if earlier else None))
        for how, match in rules:
            if match is not None:
                _set(c, match, how)
                break


def _mismatch(c: _Candidate, match: _Match) -> bool:
    """A count of persons cannot take an event word ("در این حملات ۱۶۸ نفر کشته")."""
    return c.head == "person" and match.category in EVENT_CATEGORIES


def _set(c: _Candidate, match: _Match, how: str) -> None:
    c.category, c.category_span, c.how = match.category, (match.start, match.end), how


def _subsets(s: _Sentence, cands: list[_Candidate]) -> None:
    lang = s.language
    for index, c in enumerate(cands):
        floor = cands[index - 1].end if index else 0
        before = s.text[floor:c.left]
        previous = cands[index - 1] if index else None
        marked = bool(_SUBSET_BEFORE[lang].search(before)) or bool(
            _SUBSET_AFTER[lang].match(s.text, c.end))
        chained = (previous is not None and previous.subset and re.fullmatch(
            r"\s*(?:[^\W\d_]+\s+)?(?:and|و|,|،)\s*", before) is not None)
        if marked or chained:
            parent = previous.parent if chained and previous else next(
                (p for p in reversed(cands[:index]) if not p.subset and p.category), None)
            if parent is not None:
                c.subset, c.parent = True, parent
        if (index + 1 < len(cands) and _AMONG_THE.search(
                s.text[c.end:cands[index + 1].left]) and not c.subset):
            c.subset, c.parent = True, cands[index + 1]
    if cands and _OF_THE[lang].fullmatch(s.text[:cands[0].left]):
        comma = re.compile(r"[,،]").search(s.text, cands[0].end)
        for c in cands[1:]:
            if comma is not None and c.left > comma.start() and not c.subset:
                c.subset, c.parent = True, cands[0]
    for c in cands:
        if c.subset and c.parent is not None and c.parent.category is not None and (
                c.how != "head" or c.category is None):
            c.category, c.how = c.parent.category, "subset"
            c.category_span = c.parent.category_span


# ------------------------------------------------------------------ attributes


@dataclass(frozen=True)
class _Mention:
    start: int  # folded offsets within the sentence
    end: int
    text: str  # as written
    anchor: int  # where the mention attaches (the verb of "X said", the prefix)


def _claimants(s: _Sentence) -> list[_Mention]:
    lang = s.language
    found: list[_Mention] = []
    text = s.text
    for m in _regex("prefixes", lang).finditer(text):
        rest = text[m.end():]
        stop = re.search(fold_pattern(r"[,،;:.()\"]|\bthat\b|\bwho\b|(?<![^\W\d_])(?:که|إن|أن)"
                                      r"(?![^\W\d_])"), rest)
        span_end = m.end() + (stop.start() if stop else len(rest))
        words = text[m.end():span_end].split()
        if lang != "en" and len(words) > 6:
            words = words[:6]
        if 1 <= len(words) <= 10 and not any(ch.isdigit() for ch in "".join(words)):
            start = m.end() + len(text[m.end():span_end]) - len(text[m.end():span_end].lstrip())
            end = _end_of_words(text, start, len(words))
            end = start + len(text[start:end].rstrip(" .,،;:"))
            found.append(_Mention(start, end, s.surface(start, end), m.start()))
    for m in _regex("verbs", lang).finditer(text):
        mention = (_subject_before(s, m.start(), m.end()) if lang != "ar"
                   else _subject_after(s, m.end()))
        if mention is not None:
            found.append(mention)
    return found


def _end_of_words(text: str, start: int, count: int) -> int:
    end = start
    for _ in range(count):
        match = re.compile(r"\s*\S+").match(text, end)
        if match is None:
            break
        end = match.end()
    return end


_FA_SUBJECT_STOP = re.compile(fold_pattern(
    r"(?<![^\W\d_])(?:در|از|به|با|تا|برای|طی|روز|امروز|دیروز|دست|بیش|حدود|نزدیک|که|را)"
    r"(?![^\W\d_])|\d"))
_EN_AUX = re.compile(r"\s+(?:has|have|had|also|now|previously|later|earlier|has also|"
                     r"have also)\s*$")


def _subject_before(s: _Sentence, verb_start: int, verb_end: int) -> _Mention | None:
    """The subject of a reporting verb: "X said", "X اعلام کرد"."""
    lang = s.language
    text = s.text
    head = text[:verb_start]
    if lang == "en":
        # inverted: ", said the ministry."
        after = text[verb_end:]
        if re.search(r"[,،]\s*$", head) and (tail := re.match(r"\s+(the [^,.;]{2,60})[.;]?\s*$",
                                                              after)):
            return _Mention(verb_end + tail.start(1), verb_end + tail.end(1),
                            s.surface(verb_end + tail.start(1), verb_end + tail.end(1)),
                            verb_start)
        head = _EN_AUX.sub("", head)
        cut = max((m.end() for m in re.finditer(
            r"[,;:()\"“”]|\b(?:but|while|that|and|whereas|when)\b", head)), default=0)
        verbs = list(_regex("verbs", "en").finditer(head, cut))
        if verbs:  # "X says it can document 3,428 killings": the subject of the first verb
            head = head[:verbs[0].start()].rstrip()
        words = head[cut:].split()
        if not words or len(words) > 8 or any(  # a year may name a report: "The March 2021 report"
                any(ch.isdigit() for ch in w) and not re.fullmatch(r"(?:19|20)\d\d", w)
                for w in words):
            return None
        if words[0] in _PRONOUNS or len(words) == 1 and words[0] in FUNCTION_SET["en"]:
            return None
        start = cut + len(head[cut:]) - len(head[cut:].lstrip())
        end = start + len(head[cut:].strip())
        return _Mention(start, end, s.surface(start, end), verb_start)
    # Persian: the subject is the words before the verb back to a comma; when those hold
    # the claim itself (SOV: "X ۳۵ مورد ... را ثبت کرده است"), the clause's first words.
    cut = max((m.end() for m in re.finditer(r"[,،;؛:]", head)), default=0)
    words = head[cut:].split()
    if words and len(words) <= 6 and not any(ch.isdigit() for ch in "".join(words)) and (
            not _FA_SUBJECT_STOP.search(head[cut:])):
        start = cut + len(head[cut:]) - len(head[cut:].lstrip())
        end = start + len(head[cut:].strip())
        return _Mention(start, end, s.surface(start, end), verb_start)
    clause = max((m.end() for m in _CLAUSE_STOPS["fa"].finditer(head)), default=0)
    while clause < len(head) and head[clause] in " ,،":
        clause += 1
    stop = _FA_SUBJECT_STOP.search(head, clause)
    end = stop.start() if stop else len(head)
    subject = head[clause:end].strip(" ,،")
    if not subject or len(subject.split()) > 6 or _regex("prefixes", "fa").search(subject):
        return None
    start = clause + head[clause:].index(subject)
    return _Mention(start, start + len(subject), s.surface(start, start + len(subject)), start)


def _subject_after(s: _Sentence, verb_end: int) -> _Mention | None:
    """Arabic: the subject after the verb, "قالت المنظمة إن"."""
    rest = s.text[verb_end:]
    stop = re.search(fold_pattern(r"[,،;:.]|\d|(?<![^\W\d_])(?:إن|أن|في|عن)(?![^\W\d_])"), rest)
    chunk = rest[:stop.start() if stop else len(rest)]
    named = next((m for m in s.matches if verb_end <= m.start < verb_end + len(chunk)), None)
    if named is not None:  # "وثقت اللجنة مقتل ...": the subject ends before the claim
        chunk = chunk[:named.start - verb_end]
    words = chunk.split()
    if not 1 <= len(words) <= 5:
        return None
    start = verb_end + len(chunk) - len(chunk.lstrip())
    end = start + len(chunk.strip())
    return _Mention(start, end, s.surface(start, end), verb_end)


_EN_MONTH = (r"(?:january|february|march|april|may|june|july|august|september|october|"
             r"november|december)")
_EN_DATE = (rf"(?:\d{{1,2}}(?:st|nd|rd|th)?\s+{_EN_MONTH}(?:\s+(?:19|20)\d\d)?|"
            rf"{_EN_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+(?:19|20)\d\d)?|"
            rf"{_EN_MONTH}(?:\s+(?:of\s+)?(?:19|20)\d\d)?|(?:the\s+)?(?:19|20)\d0s|"
            rf"(?:19|20)\d\d)")
_EN_PERIOD = re.compile(
    rf"(?<![\w-])(?:(?:since|between|from)\s+)?{_EN_DATE}(?:\s*(?:and|to|until|-)\s*{_EN_DATE})?"
    r"(?![\w-])")
_FA_MONTHS = ("فروردین|اردیبهشت|خرداد|تیر|مرداد|امرداد|شهریور|مهر|آبان|آذر|دی|بهمن|اسفند|"
              "ژانویه|فوریه|مارس|آوریل|مه|ژوئن|ژوئیه|جولای|اوت|سپتامبر|اکتبر|نوامبر|دسامبر")
_FA_AMBIGUOUS_MONTHS = frozenset({"تیر", "مهر", "دی", "مه"})
_FA_DATE = rf"(?:\d{{1,2}}\s+)?(?:{_FA_MONTHS})(?:\s+ماه)?(?:\s+(?:سال\s+)?\d{{2,4}})?"
_FA_PERIOD = re.compile(
    rf"(?<![^\W\d_])(?:(?:از|تا)\s+)?(?:{_FA_DATE}(?:\s+تا\s+{_FA_DATE})?"
    r"|سال(?:\s*های|های)?\s+\d{2,4}(?:\s*(?:تا|-)\s*\d{2,4})?|دهه\s+\d{2,4})"
    r"(?![^\W\d_])")
_AR_PERIOD = re.compile(fold_pattern(
    r"(?<![^\W\d_])(?:منذ\s+)?(?:(?:عام|العام|سنة)\s+\d{4}|\d{1,2}\s+[^\W\d_]+\s+\d{4})"))


def _periods(s: _Sentence, taken: list[tuple[int, int]]) -> list[_Mention]:
    lang = s.language
    found: list[_Mention] = []
    regex = {"en": _EN_PERIOD, "fa": _FA_PERIOD, "ar": _AR_PERIOD}[lang]
    for m in regex.finditer(s.text):
        if any(a < m.end() and m.start() < b for a, b in taken):
            continue
        text = m.group()
        if lang == "en" and re.fullmatch(r"(?:may|march)", text):
            token = next((t for t in s.tokens if t.start == m.start()), None)
            if token is None or not s.capitalized(token):
                continue
        if lang == "en" and re.fullmatch(r"(?:19|20)\d\d", text):
            before = s.text[:m.start()].split()
            if not before or before[-1] not in YEAR_WORD_SET["en"] | {"of", "in"}:
                continue
        if lang == "fa":
            words = text.split()
            if len(words) == 1 and words[0] in _FA_AMBIGUOUS_MONTHS:
                continue
        found.append(_Mention(m.start(), m.end(), s.surface(m.start(), m.end()), m.start()))
    if lang in ("fa", "ar"):  # "اعتراضات ۱۴۰۱", "کشتار ۶۷"
        for m in _regex("events", lang).finditer(s.text):
            year = re.match(r"\s+(\d{2}|\d{4})(?!\d)", s.text[m.end():])
            if year:
                start, end = m.end() + year.start(1), m.end() + year.end(1)
                if not any(a < end and start < b for a, b in taken) and not any(
                        f.start <= start < f.end for f in found):
                    found.append(_Mention(start, end, s.surface(start, end), start))
    return found


def _jalali_century(year: int) -> int:
    """A two-digit Jalali year as Iranians write it ("سال ۶۷", "آبان ۹۸") in full."""
    return 1300 + year if year > 40 else 1400 + year


def _period_dates(folded_period: str, language: Language) -> tuple[str | None, str | None, bool]:
    """ISO start and end of a period as written, and whether it is cumulative."""
    text = folded_period
    cumulative = bool(re.match(r"(?:since|از سال|منذ)\b", text)) or (
        language == "fa" and text.startswith("از ") and " تا " not in text)
    text = re.sub(r"^(?:since|from|between|in|the|از|تا|منذ|عام|العام|سنة|سال(?:\s*های)?)\s+",
                  "", text)
    text = re.sub(r"^(?:the\s+)", "", text)
    if match := re.fullmatch(r"((?:19|20)\d)0s", text):
        text = f"{match.group(1)}0-{match.group(1)}9"
    elif match := re.fullmatch(r"دهه\s+(\d{2})", text):
        decade = 1300 + int(match.group(1))
        text = f"{decade}-{decade + 9}"
    elif language == "fa" and re.fullmatch(r"\d{2}", text):
        text = str(_jalali_century(int(text)))
    elif language == "fa" and (match := re.fullmatch(r"(.*\D)\s(\d{2})", text)):
        text = f"{match.group(1)} {_jalali_century(int(match.group(2)))}"
    parsed = parse_date(text)
    if not parsed.readable:
        return None, None, cumulative
    return parsed.iso, parsed.iso_end or parsed.iso, cumulative


def _places(s: _Sentence) -> list[_Mention]:
    lang = s.language
    found: list[_Mention] = []
    if lang == "en":
        pattern = re.compile(
            r"\b(?i:in|across|near|outside|from)\s+(?:the\s+(?:town|city|village|province|"
            r"county|district|region)\s+of\s+)?([A-Z][\w'’-]+(?:\s+(?:and\s+)?[A-Z][\w'’-]+)*)")
        for m in pattern.finditer(s.original):
            words = m.group(1).split()
            if re.sub(r"['’]s$", "", words[0].lower()) in _PLACE_STOP or words[-1].endswith(
                    ("'s", "’s")) or words[0].lower() in _PLACE_STOP or any(w.lower().strip("'’s") in _ORG_WORDS
                                                      or w.lower() in _ORG_WORDS for w in words):
                continue
            start, end = m.span(1)
            folded_start = s.folded.origin.index(start) if start in s.folded.origin else start
            found.append(_Mention(folded_start, folded_start + (end - start), m.group(1),
                                  folded_start))
        return found
    prefix = _FA_PLACE_PREFIX if lang == "fa" else _AR_PLACE_PREFIX
    for m in prefix.finditer(s.text):
        rest = s.text[m.end():]
        words = re.findall(r"[^\W\d_]+", rest[:60])[:4]
        for count in range(len(words), 0, -1):
            candidate = " ".join(words[:count])
            if not rest.startswith(candidate):
                continue
            if candidate in _COUNTRIES[lang] or _known_place(candidate):
                start = m.end()
                found.append(_Mention(start, start + len(candidate),
                                      s.surface(start, start + len(candidate)), m.start()))
                break
    return found


def _known_place(text: str) -> bool:
    match = _gazetteer().match(text)
    return match is not None and match.how in ("name", "variant")


def _events(s: _Sentence) -> list[_Mention]:
    lang = s.language
    found: list[_Mention] = []
    if lang == "en":
        nouns = "|".join(EVENT_NOUNS["en"])
        pattern = re.compile(rf"\b(?:(?:the|during)\s+|(?=[A-Z]\w*['’]s\s))((?:(?:[A-Z][\w'’-]*|"
                             rf"\d{{4}}|{'|'.join(_EVENT_MODIFIERS)}|[a-z]+'s)\s+){{0,3}}"
                             rf"(?:{nouns}))\b")
        for m in pattern.finditer(s.original):
            start, end = m.span(1)
            folded_start = s.folded.origin.index(start) if start in s.folded.origin else start
            found.append(_Mention(folded_start, folded_start + (end - start), m.group(1),
                                  folded_start))
        return found
    months = _FA_MONTHS if lang == "fa" else r"(?!)"
    for m in _regex("events", lang).finditer(s.text):
        if _INSTITUTION.search(s.text[:m.start()]):
            continue  # "دادگاه‌های انقلاب", "سپاه پاسداران انقلاب" are not events
        tail = re.match(rf"(?:\s+(?:{months}))?(?:\s+\d{{2,4}}(?!\d))?", s.text[m.end():])
        end = m.end() + (tail.end() if tail else 0)
        found.append(_Mention(m.start(), end, s.surface(m.start(), end), m.start()))
    return found


_NEAR_SKIP = frozenset(fold_term(w) for w in _words("in during of on at در طی به في خلال"))


_INSTITUTION = re.compile(r"(?<![^\W\d_])(?:دادگاه|دادگاه های|دادگاههای|سپاه|پاسداران|نهاد|شورای"
                          r"|کمیته|محكمة|محكمه)\s*$")


def _nearest(s: _Sentence, mentions: list[_Mention], c: _Candidate) -> _Mention | None:
    """The mention closest to the claim, in words between them; prepositions, the
    claim's own noun and punctuation do not count ("314 in 2021", "۳۱۴ مورد در سال ۱۴۰۰")."""
    if not mentions:
        return None

    def words_between(start: int, end: int) -> int:
        return sum(1 for t in s.tokens if start <= t.start and t.end <= end and t.is_word
                   and t.text not in _NEAR_SKIP and t.text not in PERSON_SET[s.language]
                   and t.text not in CASE_SET[s.language])

    def distance(m: _Mention) -> tuple[int, int]:
        if m.start >= c.end:
            return words_between(c.end, m.start), 0
        return words_between(m.end, c.left), 1

    return min(mentions, key=distance)


def _claimant_for(mentions: list[_Mention], c: _Candidate) -> _Mention | None:
    """The claimant mentioned last before the claim, else the first after it."""
    before = [m for m in mentions if m.anchor <= c.left]
    if before:
        return max(before, key=lambda m: m.anchor)
    after = [m for m in mentions if m.anchor > c.end]
    return min(after, key=lambda m: m.anchor) if after else None


# ------------------------------------------------------------------ the extractor


def extract_claims(text: str, language: str | None = None) -> list[Claim]:
    """Every numeric claim in ``text``, in reading order.

    ``language`` is "en", "fa" or "ar" for the whole text, or None to decide per
    sentence by its script.
    """
    if language is not None and language not in LANGUAGES:
        raise FullcountError(
            f"claims cannot be extracted from language '{language}'",
            hint="Use en, fa or ar, or leave the language out to detect it per sentence.")
    claims: list[Claim] = []
    for start, end in split_sentences(text):
        lang: Language = language or detect_language(text[start:end])  # type: ignore[assignment]
        claims.extend(_sentence_claims(text, start, end, lang))
    return claims


def _sentence_claims(text: str, start: int, end: int, language: Language) -> list[Claim]:
    s = _Sentence(text, start, end, language)
    cands: list[_Candidate] = []
    for reading in s.readings:
        low, high = _integral(reading.low), _integral(reading.high)
        if low is None or high is None:
            continue
        if _not_a_count(s, reading, low, high) is not None:
            continue
        first, last = s.tokens[reading.first], s.tokens[reading.last - 1]
        cands.append(_Candidate(reading, low, high, first.start, last.end))
    if not cands:
        return []
    for index, c in enumerate(cands):
        _bound(s, c, cands[index - 1].end if index else 0)
        _head(s, c)
    _categorise(s, cands)
    _subsets(s, cands)
    kept = [c for c in cands if c.category is not None and not (
        c.head == "other" and c.how not in ("head", "before"))]
    if not kept:
        return []
    claimants = _claimants(s)
    taken = [(c.start, c.end) for c in kept]
    periods = _periods(s, taken)
    places = _places(s)
    events = _events(s)
    quantities = {id(c): _quantity(s, c) for c in cands}
    claims = []
    for c in kept:
        claimant = _claimant_for(claimants, c)
        period = _nearest(s, periods, c)
        place = _nearest(s, places, c)
        event = _nearest(s, events, c)
        period_start = period_end = None
        cumulative = False
        if period is not None:
            period_start, period_end, cumulative = _period_dates(
                s.text[period.start:period.end], language)
        assert c.category is not None
        claims.append(Claim(
            quantity=quantities[id(c)],
            bound=c.bound,
            category=c.category,
            language=language,
            sentence=s.original,
            sentence_start=start,
            sentence_end=end,
            unit="events" if c.category in EVENT_CATEGORIES else (
                "cases" if c.head == "case" else "persons"),
            strict=c.strict,
            from_below=c.from_below,
            bound_text=s.surface(*c.bound_span) if c.bound_span else None,
            category_text=s.surface(*c.category_span) if c.category_span else None,
            subgroup=c.head_noun if c.subset else None,
            part_of=quantities[id(c.parent)] if c.subset and c.parent is not None else None,
            claimant=claimant.text if claimant else None,
            event=event.text if event else None,
            place=place.text if place else None,
            period=period.text if period else None,
            period_start=period_start,
            period_end=period_end,
            cumulative=cumulative,
        ))
    return claims


def _quantity(s: _Sentence, c: _Candidate) -> Quantity:
    a, b = s.folded.span(c.start, c.end)
    return Quantity(c.low, c.high, s.original[a:b], s.start + a, s.start + b,
                    c.reading.vague_term)
