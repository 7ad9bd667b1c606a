"""Personal names across Persian script and Latin transliterations: parse, key, compare.

One victim appears as ``شهید سید محمدرضا حسینی فرزند علی`` in an NGO list, ``محمد رضا
حسيني`` in an official statement typed on an Arabic keyboard, ``HOSSEINI, Mohammad-Reza``
in a media table and ``Seyyed Muhammadreza Husseini s/o Ali`` in a testimony. This
module brings such strings to one form:

* ``normalize_persian(text)``: script folding, with the rules that fired.
* ``parse_name(text)``: titles, given name, family name and father's name apart, order
  swaps and run-together names detected, each part keyed and romanised.
* ``name_key(text)``: a blocking key, the same for the same name in Persian or any Latin
  spelling (titles, "son of X", compound spacing and given/family order do not count).
* ``phonetic_key(text)``: a coarser key for a second, high-recall blocking pass.
* ``name_similarity(a, b)``: 0..1, per component, across scripts.

How keys are made (see ``_translit``): a word is looked up in a hand-compiled lexicon of
Iranian given names, surnames and compound parts (``_name_lexicon``) by its Persian
spelling or its folded Latin spelling; a word not found exactly is tried as a compound of
lexicon words, then by its consonant skeleton. The key of a lexicon name is the skeleton
of its canonical spelling, refined with its long vowels where two lexicon names share a
skeleton (حسن Hassan / حسین Hossein, محمد / محمود), so a known name and an unknown
spelling of it get the same key, and frequent near-miss names do not. The key is for
blocking; whether two records are the same person is for the linkage stage to decide,
with ``name_similarity`` as one feature among father's name, date and place.

Limits: a typo that changes a consonant (اهمدی for احمدی) changes the key (similarity
still scores it high); namesakes get one key by design; a name the lexicon lacks is keyed
by rule, which misses where Persian spelling hides a vowel (رهنورد: Rahnavard) or Latin
spelling adds one. Measured figures: ``benchmarks/names.py``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

from fullcount.normalize import _name_lexicon as lx
from fullcount.normalize._translit import (
    ZWNJ,
    arabize,
    collapse_doubles,
    jaro_winkler,
    latin_fold,
    latin_skeleton,
    normalize_persian_cached,
    persian_skeleton,
    romanize_persian_word,
    word_script,
)

__all__ = [
    "ParsedName",
    "name_key",
    "name_similarity",
    "normalize_persian",
    "parse_name",
    "phonetic_key",
]


def normalize_persian(text: str | None, *, zwnj: str = " ") -> tuple[str, tuple[str, ...]]:
    """Fold Persian/Arabic script to one spelling; return ``(text, rules_fired)``.

    Unicode NFKC (Arabic presentation forms), Arabic code points to Persian (ي ى→ی, ك→ک,
    ة→ه, أ إ ٱ آ→ا, ؤ→و, ئ→ی so that رضائی = رضایی), tatweel, harakat, lone hamza and
    bidi marks removed, Kurdish/Urdu letter forms folded, Persian and Arabic-Indic digits
    to ASCII, whitespace collapsed, UTF-8 mojibake (``Ù…Ø­Ù…Ø¯``) repaired. A zero-width
    non-joiner becomes ``zwnj`` (a space by default; ``""`` joins the parts). Latin text
    passes through unchanged apart from whitespace and NFKC. ``None`` gives ``("", ())``.
    """
    if not isinstance(text, str):
        return "", ()
    return normalize_persian_cached(text, zwnj)


# ============================================================== the lexicon, indexed

_GIVEN = frozenset("mf")


class _Entry:
    """One lexicon name: canonical Latin form, Persian spellings, roles and keys."""

    __slots__ = ("bare", "canonical", "folds", "key", "persian", "roles")

    def __init__(self, canonical: str, persian: tuple[str, ...], roles: frozenset[str],
                 folds: tuple[str, ...]) -> None:
        self.canonical = canonical
        self.persian = persian
        self.roles = roles
        self.folds = folds
        self.key = ""
        self.bare = ""

    def __repr__(self) -> str:
        return f"<{self.canonical} {''.join(sorted(self.roles))} {self.key}>"


def _persian_word(text: str) -> str:
    """A Persian spelling as one normalised run of letters (no ZWNJ, no spaces)."""
    norm, _ = normalize_persian_cached(text, ZWNJ)
    return norm.replace(ZWNJ, "").replace(" ", "")


_ARTICLE_L = frozenset({"al", "el", "ol", "ul"})
_ARTICLE_ASSIMILATED = frozenset(
    v + c for v in "aeou" for c in ("d", "r", "s", "sh", "z", "t", "n", "th", "dh"))
_DIN = frozenset({"din", "deen", "dine", "dean"})


def _latin_parts(parts: list[str]) -> list[str]:
    """Arabic articles inside a Latin name: an ``al``-type article is joined to what
    follows (Abd al-Hamid → abd alhamid, as عبدالحمید keeps its ل), dropped before Din
    and at the start of a name (al-Din, Al-Mousawi); assimilated articles (ad-Din,
    ar-Rahman) are dropped, as Persian-style romanisation writes them."""
    out: list[str] = []
    i = 0
    n = len(parts)
    while i < n:
        part = parts[i]
        if i + 1 < n:
            nxt = parts[i + 1]
            if part in _ARTICLE_L:
                if nxt in _DIN or not out:
                    i += 1
                else:
                    out.append(part + nxt)
                    i += 2
                continue
            if part in _ARTICLE_ASSIMILATED and len(nxt) >= 3 and nxt.startswith(part[1:]):
                i += 1
                continue
        out.append(part)
        i += 1
    return out


@lru_cache(maxsize=100_000)
def _latin_unit_fold(text: str, final: bool = True) -> str:
    """The fold of a Latin name written as one or more words (Abu al-Fadl → abulfadl);
    ``final=False`` gives the form it takes inside a longer run-together word."""
    parts = [p for p in re.split(r"[\s\-]+", text.casefold()) if p]
    return latin_fold("".join(_latin_parts(parts)), final)


def _build_lexicon() -> tuple[dict[str, _Entry], dict[str, _Entry], dict[str, _Entry],
                              dict[str, list[_Entry]], list[_Entry]]:
    """Entries and their indexes: by Persian spelling, by Arabic-orthography Persian
    spelling (بویا for پویا), by folded Latin spelling (word-final and inner forms), and
    by consonant skeleton (several entries may share one)."""
    by_persian: dict[str, _Entry] = {}
    entries: list[_Entry] = []
    latin_forms: dict[_Entry, list[str]] = {}
    for block in (lx.MALE, lx.FEMALE, lx.SURNAMES, lx.AFFIXES):
        for line in block.strip().splitlines():
            roles, fa, canonical, variants = line.split("|")
            persian = tuple(_persian_word(f) for f in fa.split(","))
            latin = [canonical] + [v.replace("_", " ") for v in variants.split()]
            folds = tuple(dict.fromkeys(_latin_unit_fold(v) for v in latin))
            existing = by_persian.get(persian[0])
            if existing is not None:  # the same name listed twice: merge
                existing.roles = existing.roles | frozenset(roles)
                existing.folds = tuple(dict.fromkeys(existing.folds + folds))
                latin_forms[existing].extend(latin)
                continue
            entry = _Entry(canonical, persian, frozenset(roles), folds)
            latin_forms[entry] = latin
            by_persian[persian[0]] = entry
            entries.append(entry)

    fa_index: dict[str, _Entry] = {}
    fa_arabized: dict[str, _Entry] = {}
    la_index: dict[str, _Entry] = {}
    skeletons: dict[str, list[_Entry]] = {}
    for entry in entries:
        for form in entry.persian:
            fa_index.setdefault(form, entry)
            fa_arabized.setdefault(arabize(form), entry)
            bare, final = persian_skeleton(form)
            skeletons.setdefault(bare + final, []).append(entry)
        for fold in entry.folds:
            la_index.setdefault(fold, entry)
            bare, final = latin_skeleton(fold)
            skeletons.setdefault(bare + final, []).append(entry)
        for variant in latin_forms[entry]:
            la_index.setdefault(_latin_unit_fold(variant, False), entry)
    for key in list(skeletons):
        skeletons[key] = list(dict.fromkeys(skeletons[key]))

    # Keys: the skeleton of the canonical spelling; where two names share it, the
    # Persian spelling's skeleton with its long vowels (حسن hsn / حسین hsIn).
    # Affixes never stand alone, so they only need keys apart from each other.
    base: dict[tuple[bool, str], list[_Entry]] = {}
    for entry in entries:
        bare, final = latin_skeleton(latin_fold(entry.canonical))
        entry.bare, entry.key = bare, bare + final
        affix = entry.roles <= {"p", "q", "x", "y"}
        base.setdefault((affix, entry.key), []).append(entry)
    taken = {k for (affix, k), group in base.items() if len(group) == 1 and not affix}
    for (affix, _), group in base.items():
        if len(group) == 1 or affix:
            continue
        for entry in group:
            bare, final = persian_skeleton(entry.persian[0], long_vowels=True)
            full = bare + final
            suffix = ""
            while full + suffix in taken:
                suffix = str(int(suffix or "1") + 1)
            entry.bare, entry.key = bare + suffix, full + suffix
            taken.add(entry.key)
    return fa_index, fa_arabized, la_index, skeletons, entries


_FA_INDEX, _FA_ARABIZED, _LA_INDEX, _SKELETONS, _ENTRIES = _build_lexicon()
_FA_MAX = max(map(len, _FA_INDEX))
_LA_MAX = max(map(len, _LA_INDEX))

_TITLE_WORDS = lx.TITLES
_SEYED_PREFIXES_LA = ("seyyed", "seyed", "sayyed", "sayed", "sayyid", "syed")
_SEYED_PREFIXES_FA = ("سیده", "سید")
_POST_SUFFIXES = ("سادات", "sadat", "بیگم", "begum", "beygom")


@lru_cache(maxsize=100_000)
def _lookup_affix(low: str, script: str) -> _Entry | None:
    """The affix entry a whole word is (زاده, Zadeh, میر, Abdol ...), or None."""
    if script == "fa":
        entry = _FA_INDEX.get(low)
    else:
        entry = _LA_INDEX.get(_latin_unit_fold(low))
    if entry is not None and entry.roles <= {"p", "x", "q", "y"}:
        return entry
    return None


# ======================================================================= atoms

@dataclass(frozen=True, slots=True)
class _Atom:
    entry: _Entry | None
    bare: str  # key in a non-final position of its component
    full: str  # key in the final position
    latin: str  # lower-case Latin rendering
    exact: bool  # found by exact spelling (or as a compound of exact pieces)


def _entry_atom(entry: _Entry, exact: bool, spelling: str = "") -> _Atom:
    """An atom for a lexicon name; a fuzzy match keeps its own ``spelling`` to show and
    compare, an exact one the canonical spelling."""
    latin = entry.canonical.lower() if exact or not spelling else spelling
    return _Atom(entry, entry.bare, entry.key, latin, exact)


def _join_key(atoms: tuple[_Atom, ...]) -> str:
    """A component's key: its atoms' keys, the last in final form. Letters doubled where
    two atoms meet are collapsed, as they are within a word (so Reza Zadeh, Rezazadeh
    and رضازاده get one key)."""
    return collapse_doubles("".join(a.bare for a in atoms[:-1]) + atoms[-1].full)


def _segment(text: str, index: dict[str, _Entry], min_len: int, max_len: int,
             overlap: bool) -> tuple[_Entry, ...] | None:
    """Split ``text`` into the fewest lexicon pieces (a suffix never first, a prefix
    never last), longer pieces first among equals (Arian+nejad over Aria+nejad); None
    when no full split exists. With ``overlap`` a piece may start with the previous
    piece's last consonant (Hassan+nejad folds to hasanejad)."""
    n = len(text)
    best: list[tuple[int, int, tuple[_Entry, ...]] | None] = [None] * (n + 1)
    best[0] = (0, 0, ())
    for i in range(n):
        here = best[i]
        if here is None or here[0] >= 4:
            continue
        starts = (i, i - 1) if overlap and i > 0 and text[i - 1] not in "aeiu" else (i,)
        for start in starts:
            for j in range(i + max(min_len - (i - start), 1), min(n, start + max_len) + 1):
                entry = index.get(text[start:j])
                if entry is None:
                    continue
                if i == 0 and entry.roles <= {"x", "y"}:
                    continue
                cand = (here[0] + 1, here[1] - (j - start) ** 2, here[2] + (entry,))
                current = best[j]
                if current is None or cand[:2] < current[:2]:
                    best[j] = cand
    result = best[n]
    if result is None or len(result[2]) < 2:
        return None
    if result[2][-1].roles <= {"p", "q"}:
        return None
    return result[2]


# A word that shares its skeleton with several lexicon names (حسن, حسین) is taken for the
# nearest one only if it is close to it; otherwise it is a name the lexicon lacks.
_NEAREST_MIN = {"fa": 0.95, "la": 0.97}


def _nearest(entries: list[_Entry], text: str, script: str) -> _Entry | None:
    if len(entries) == 1:
        return entries[0]
    if script == "fa":
        scored = [(max(jaro_winkler(text, p) for p in e.persian), e) for e in entries]
    else:
        scored = [(max(jaro_winkler(text, f) for f in e.folds), e) for e in entries]
    score, entry = max(scored, key=lambda se: se[0])
    return entry if score >= _NEAREST_MIN[script] else None


@lru_cache(maxsize=200_000)
def _resolve_persian(word: str, whole: bool) -> tuple[_Atom, ...]:
    """Atoms of one normalised Persian string (a word, or a component's words joined)."""
    entry = _FA_INDEX.get(word) or _FA_ARABIZED.get(word)
    if entry is not None:
        return (_entry_atom(entry, True),)
    if word.startswith("ال") and len(word) > 4:
        entry = _FA_INDEX.get(word[2:]) or _FA_ARABIZED.get(word[2:])
        if entry is not None:
            return (_entry_atom(entry, True),)
    pieces = _segment(word, _FA_INDEX, 2, _FA_MAX, False)
    if pieces is None and any(c in word for c in "بجزک"):
        pieces = _segment(word, _FA_ARABIZED, 2, _FA_MAX, False)
    if pieces is not None:
        return tuple(_entry_atom(e, True) for e in pieces)
    if whole:
        return ()
    bare, final = persian_skeleton(word)
    spelling = romanize_persian_word(word).lower()
    candidates = _SKELETONS.get(bare + final)
    if candidates:
        entry = _nearest(candidates, word, "fa")
        if entry is not None:
            return (_entry_atom(entry, False, spelling),)
    if not bare and not final:
        return ()
    return (_Atom(None, bare, bare + final, spelling, False),)


@lru_cache(maxsize=200_000)
def _resolve_latin(fold: str, whole: bool, spelling: str = "") -> tuple[_Atom, ...]:
    """Atoms of one folded Latin string (a word, or a component's words joined);
    ``spelling`` is the word as written (lower case), kept for names not found exactly."""
    entry = _LA_INDEX.get(fold)
    if entry is not None:
        return (_entry_atom(entry, True),)
    pieces = _segment(fold, _LA_INDEX, 3, _LA_MAX, True)
    if pieces is not None:
        return tuple(_entry_atom(e, True) for e in pieces)
    if whole:
        return ()
    bare, final = latin_skeleton(fold)
    spelling = spelling or fold
    candidates = _SKELETONS.get(bare + final)
    if candidates:
        entry = _nearest(candidates, fold, "la")
        if entry is not None:
            return (_entry_atom(entry, False, spelling),)
    if not bare and not final:
        return ()
    return (_Atom(None, bare, bare + final, spelling, False),)


# ================================================================= words and units

@dataclass(frozen=True, slots=True)
class _Word:
    text: str  # as normalised (ZWNJ kept between parts)
    parts: tuple[str, ...]  # Latin parts lower-cased
    script: str  # "fa", "la" or "other"
    low: str  # parts joined: for matching titles and markers
    dot: bool  # followed by a full stop (an abbreviation or initial)
    spec: tuple[str, tuple[str, ...]]  # (script, parts): what keys are computed from


_SON_OF = re.compile(r"(?<![^\W\d_])([sdSD])\s*/\s*[oO](?![^\W\d_])")
_TOKEN = re.compile(
    r"(?P<word>[^\W\d_](?:[^\W\d_]|['’ʼ`\u200c](?=[^\W\d_])|-(?=[^\W\d_]))*)(?P<dot>\.)?"
    r"|(?P<sep>[,;()\[\]{}|/\\:]|\s[-–—]+\s|[–—])"
)
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z][a-z])")
_PART_SPLIT = re.compile("[-\u200c]")
_APOSTROPHES = re.compile("['’ʼ`]")


@lru_cache(maxsize=200_000)
def _make_word(text: str, dot: bool) -> _Word:
    script = word_script(text)
    if script == "la":
        parts = tuple(p for p in (_APOSTROPHES.sub("", q).casefold()
                                  for q in _PART_SPLIT.split(text)) if p)
    else:
        parts = tuple(p for p in _PART_SPLIT.split(text) if p)
    return _Word(text, parts, script, "".join(parts), dot, (script, parts))


def _son_of(match: re.Match[str]) -> str:
    return " son of " if match.group(1) in "sS" else " daughter of "


def _tokenize(norm: str) -> list[_Word | str]:
    """Words and separators (``,`` ``;`` ``(`` ``)`` ``:`` ...) of a normalised name."""
    if "/" in norm:
        norm = _SON_OF.sub(_son_of, norm)
    items: list[_Word | str] = []
    for m in _TOKEN.finditer(norm):
        word, dot_mark, sep = m.groups()
        if word is None:
            items.append(sep.strip()[:1] or "-")
            continue
        dot = dot_mark is not None
        if _CAMEL.search(word) and "-" not in word and word_script(word) == "la":
            pieces = _CAMEL.split(word)
            items.extend(_make_word(p, False) for p in pieces[:-1])
            items.append(_make_word(pieces[-1], dot))
        else:
            items.append(_make_word(word, dot))
    return items


_PHRASE_STARTS = {id(t): frozenset(k[0] for k in t) for t in (lx.FATHER_MARKERS, lx.TITLE_PHRASES)}


def _phrase_at(words: list[_Word], i: int, table: dict[tuple[str, ...], str]) -> int:
    """Length of the longest phrase of ``table`` starting at ``words[i]`` (0 if none)."""
    if words[i].low not in _PHRASE_STARTS[id(table)]:
        return 0
    for length in (4, 3, 2, 1):
        if i + length <= len(words) and tuple(w.low for w in words[i:i + length]) in table:
            return length
    return 0


def _word_title(word: _Word) -> tuple[str, str] | None:
    return _TITLE_WORDS.get(word.low)


# ================================================================ the parsed name

@dataclass(frozen=True, slots=True)
class ParsedName:
    """A personal name taken apart.

    ``given``/``family``/``father`` are the parts as written (after script
    normalisation); the ``*_key`` fields are their cross-script keys (see
    ``name_key``); ``latin`` is a canonical Latin rendering ("Mohammadreza Hosseini");
    ``titles`` holds the stripped titles in canonical form ("Seyed", "Shahid");
    ``rules`` says which normalisations and parsing rules fired. ``given`` is the part
    that looks like a given name, wherever it was written: ``swapped`` is True when it
    came second (HOSSEINI, Mohammad; حسینی محمد), and ``order_evidence`` says what
    decided ("comma"; "lexicon": a known given name or surname; "suffix": a surname
    ending such as -zadeh, -pour, -i; "position": nothing, so written order).
    ``female_title`` is set when a title marks a woman (Seyedeh, Sadat, Khanom, Mrs).
    """

    original: str
    script: str  # "persian", "latin", "mixed", "other" or "" (nothing to parse)
    titles: tuple[str, ...]
    given: str
    family: str
    father: str
    given_key: str
    family_key: str
    father_key: str
    latin: str
    rules: tuple[str, ...]
    swapped: bool
    order_evidence: str = "position"
    female_title: bool = False

    @property
    def key(self) -> str:
        """The full-name blocking key (as ``name_key``)."""
        return " ".join(sorted(k for k in (self.given_key, self.family_key) if k))


@dataclass(frozen=True, slots=True)
class _Component:
    """A given, family or father's name as compared: its key, its canonical Latin
    form, that form folded (what similarity compares), and whether every atom is a
    lexicon name found by its exact spelling."""

    key: str
    latin: str
    fold: str
    resolved: bool


_EMPTY_COMPONENT = _Component("", "", "", False)

Spec = tuple[tuple[str, tuple[str, ...]], ...]  # (script, parts) of each word


@lru_cache(maxsize=200_000)
def _atoms(spec: Spec) -> tuple[_Atom, ...]:
    """Atoms of a run of words: the words joined and looked up whole or as a compound
    of lexicon names (so spacing does not count), else word by word."""
    scripts = {s for s, _ in spec}
    if scripts == {"fa"}:
        parts = [p for _, ps in spec for p in ps]
        return _resolve_persian("".join(parts), True) or tuple(
            a for p in parts for a in _resolve_persian(p, False))
    if scripts == {"la"}:
        parts = _latin_parts([p for _, ps in spec for p in ps])
        return _resolve_latin(latin_fold("".join(parts)), True) or tuple(
            a for p in parts for a in _resolve_latin(latin_fold(p), False, p))
    collected: list[_Atom] = []
    for script, ps in spec:
        for p in ps:
            if script == "fa":
                collected.extend(_resolve_persian(p, False))
            elif script == "la":
                collected.extend(_resolve_latin(latin_fold(p), False, p))
            elif p:
                low = p.casefold()
                collected.append(_Atom(None, low, low, low, False))
    return tuple(collected)


def _component(words: tuple[_Word, ...]) -> _Component:
    return _component_of(_atoms(_spec(words))) if words else _EMPTY_COMPONENT


@lru_cache(maxsize=200_000)
def _component_of(atoms: tuple[_Atom, ...]) -> _Component:
    if not atoms:
        return _EMPTY_COMPONENT
    latin = "".join(a.latin for a in atoms)
    latin = latin[:1].upper() + latin[1:]
    resolved = all(a.exact and a.entry is not None for a in atoms)
    return _Component(_join_key(atoms), latin, latin_fold(latin), resolved)


# ---------------------------------------------------------------- roles of units

_FAMILY_ENDINGS_LA = ("zade", "zadeh", "pur", "nejad", "jad", "zehi", "vand", "lu", "dust",
                      "abadi", "ian", "yan", "far", "nia", "xani", "i")
_FAMILY_ENDINGS_FA = ("زاده", "پور", "نژاد", "زهی", "وند", "لو", "دوست", "ابادی", "یان",
                      "فر", "نیا", "خانی", "ی")


@lru_cache(maxsize=200_000)
def _unit_roles(spec: Spec) -> tuple[float, float, bool]:
    """(given-name score, family-name score, whether the lexicon said so) of one unit
    of a name: a known given name scores (2, -1), a known surname or compound surname
    (-1, 2), a fuzzy match half that; an unknown word ending like a surname (-i/ی,
    -zadeh, -pour ...) (0, 1)."""
    scripts = {s for s, _ in spec}
    if scripts == {"fa"}:
        text = "".join(p for _, ps in spec for p in ps)
    elif scripts == {"la"}:
        text = latin_fold("".join(_latin_parts([p for _, ps in spec for p in ps])))
    else:
        return 0.0, 0.0, False
    atoms = _atoms(spec)
    if atoms and all(a.entry is not None for a in atoms):
        weight = 2.0 if all(a.exact for a in atoms) else 1.0
        roles = [a.entry.roles for a in atoms if a.entry is not None]
        last = roles[-1]
        family = "s" in last or (len(roles) > 1 and "x" in last) or (
            len(roles) > 1 and roles[0] <= {"p"})
        given = all(r & {"m", "f", "q", "y"} for r in roles) and any(r & _GIVEN for r in roles) \
            or (len(roles) == 1 and bool(last & _GIVEN))
        if given and not family:
            return weight, -weight / 2, True
        if family and not given:
            return -weight / 2, weight, True
        return 0.0, weight / 2, True
    endings = _FAMILY_ENDINGS_FA if scripts == {"fa"} else _FAMILY_ENDINGS_LA
    if len(text) > 3 and text.endswith(endings):
        return 0.0, 1.0 if not text.endswith(("i", "ی")) or len(text) > 5 else 0.5, False
    return 0.0, 0.0, False


def _spec(words: list[_Word] | tuple[_Word, ...]) -> Spec:
    return tuple([w.spec for w in words])


def _run_together(word: _Word) -> tuple[tuple[_Atom, ...], tuple[_Atom, ...]] | None:
    """Split one word typed as given+family (Mohammadrezahosseini, جعفرنجفی) by the
    lexicon: the longest run of given names followed by a surname (or a stem and a
    surname suffix). None when the word is a single known name or does not split."""
    if word.script not in ("fa", "la"):
        return None
    if word.script == "fa":
        atoms = _resolve_persian("".join(word.parts), True)
    else:
        atoms = _resolve_latin(latin_fold("".join(_latin_parts(list(word.parts)))), True)
    if not atoms:
        return _given_prefix_split(word) if len(word.parts) == 1 else None
    if len(atoms) < 2 or any(a.entry is None for a in atoms):
        return None
    roles = [a.entry.roles for a in atoms if a.entry is not None]
    for k in range(len(atoms) - 1, 0, -1):
        if not all(r & (_GIVEN | {"q", "y"}) for r in roles[:k]):
            continue
        if not any(r & _GIVEN for r in roles[:k]):
            continue
        rest = roles[k:]
        if ("s" in rest[-1] and len(rest) >= 1) or (len(rest) >= 2 and "x" in rest[-1]) or (
                len(rest) >= 2 and rest[0] <= {"p"}):
            if rest[-1] <= {"x"} and len(rest) == 1:
                continue
            return atoms[:k], atoms[k:]
    return None


def _given_prefix_split(word: _Word) -> tuple[tuple[_Atom, ...], tuple[_Atom, ...]] | None:
    """A run-together word whose surname the lexicon lacks (Ailarhaghi, اسماعیلمولودی):
    the longest known given name at the start, when what follows looks like a surname
    (ends in -i/ی or a surname suffix, at least four letters)."""
    endings: tuple[str, ...]
    if word.script == "fa":
        text, index, endings = word.parts[0], _FA_INDEX, _FAMILY_ENDINGS_FA
    else:
        text, index, endings = latin_fold(word.parts[0]), _LA_INDEX, _FAMILY_ENDINGS_LA
    for j in range(len(text) - 4, 2, -1):
        entry = index.get(text[:j])
        if entry is None or not entry.roles & _GIVEN:
            continue
        rest = text[j:]
        if not rest.endswith(endings):
            return None
        if word.script == "fa":
            family = _resolve_persian(rest, False)
        else:
            family = _resolve_latin(rest, False, rest)
        if not family:
            return None
        return (_entry_atom(entry, True),), family
    return None


# ================================================================== the parser

@dataclass(frozen=True, slots=True)
class _Analysis:
    """A parse and the components similarity compares."""

    parsed: ParsedName
    given: _Component
    family: _Component
    father: _Component


# A name has a handful of words; a cell longer than this is cut (and flagged "truncated").
_MAX_CHARS = 1000
_MAX_WORDS = 16

_EMPTY = _Analysis(
    ParsedName("", "", (), "", "", "", "", "", "", "", (), False, "position", False),
    _EMPTY_COMPONENT, _EMPTY_COMPONENT, _EMPTY_COMPONENT)

_UNNAMED_WORDS = lx.UNNAMED_MARKERS | lx.UNNAMED_FILLERS


def parse_name(text: str | None) -> ParsedName:
    """Take a personal name apart (see ``ParsedName``); never raises.

    ``None``, non-strings and blank strings give an empty parse (``script == ""``).
    """
    if not isinstance(text, str):
        return _EMPTY.parsed
    return _analyse(text).parsed


def name_key(text: str | None) -> str:
    """Cross-script blocking key of a full name; ``""`` when there is no name.

    The same for Persian and Latin spellings of one name, with or without titles,
    "son of X" phrases, compound spacing (محمدرضا / محمد رضا / Mohammad-Reza) and with
    given and family names in either order. It is the given-name and family-name keys,
    sorted and joined by a space.
    """
    if not isinstance(text, str):
        return ""
    return _analyse(text).parsed.key


_PHONETIC = str.maketrans({"q": "k", "g": "k", "p": "b", "x": "h", "C": "S", "A": None,
                           "U": None, "I": None})
_TRAILING_MARK = re.compile(r"[aeiu]?\d*$")
_FINAL_MARK = re.compile(r"[aeiu]$")


def _phonetic(key: str) -> str:
    return _TRAILING_MARK.sub("", key).translate(_PHONETIC)


def phonetic_key(text: str | None) -> str:
    """A coarser blocking key than ``name_key``: consonant skeletons only, with q/gh/g/k,
    p/b, kh/h and ch/sh merged and final vowels ignored. It also joins near-miss names
    (Hassan/Hossein, Zahra/Zohreh): use it for a second, high-recall blocking pass."""
    if not isinstance(text, str):
        return ""
    parsed = _analyse(text).parsed
    keys = [_phonetic(k) for k in (parsed.given_key, parsed.family_key) if k]
    return " ".join(sorted(k for k in keys if k))


@lru_cache(maxsize=300_000)
def _analyse(text: str) -> _Analysis:
    if not text.strip():
        return _replace_original(_EMPTY, text, [], "") if text else _EMPTY
    norm, script_rules = normalize_persian_cached(text[:_MAX_CHARS], ZWNJ)
    rules: list[str] = list(script_rules)
    items = _tokenize(norm)
    if len(text) > _MAX_CHARS or sum(isinstance(x, _Word) for x in items) > _MAX_WORDS:
        # not a name but a paragraph: key its first words only, and say so
        rules.append("truncated")
        head: list[_Word | str] = []
        count = 0
        for x in items:
            count += isinstance(x, _Word)
            if count > _MAX_WORDS:
                break
            head.append(x)
        items = head
    words_all = [w for w in items if isinstance(w, _Word)]
    if not words_all:
        return _replace_original(_EMPTY, text, rules, "")
    scripts = {w.script for w in words_all}
    script = ("persian" if scripts == {"fa"} else "latin" if scripts == {"la"}
              else "other" if scripts == {"other"} else "mixed")

    if len(words_all) <= 4 and all(w.low in _UNNAMED_WORDS for w in words_all) and any(
            w.low in lx.UNNAMED_MARKERS for w in words_all) or (
            len(words_all) == 2 and words_all[0].low + words_all[1].low in lx.UNNAMED_MARKERS):
        rules.append("unnamed")
        return _replace_original(_EMPTY, text, rules, script)

    # -- father's name: "فرزند علی", "son of Ali", "s/o Ali", "bin Ali"
    flat, father_words = _take_father(items)
    if father_words:
        rules.append("father_phrase")

    # -- groups split at commas; brackets dropped unless they are all there is
    groups: list[list[_Word]] = [[]]
    bracket_words: list[_Word] = []
    depth = 0
    for item in flat:
        if isinstance(item, _Word):
            (bracket_words if depth else groups[-1]).append(item)
        elif item in "([{":
            depth += 1
        elif item in ")]}":
            depth = max(0, depth - 1)
        elif item in ",;" and not depth:
            groups.append([])
    groups = [g for g in groups if g]
    if bracket_words:
        if groups:
            rules.append("bracket_dropped")  # a nickname or note: (Mamad), (Martyr)
            titles_in_brackets = [_word_title(w) for w in bracket_words]
            bracket_titles = [t[0] for t in titles_in_brackets if t is not None]
        else:
            groups = [bracket_words]
            bracket_titles = []
    else:
        bracket_titles = []

    # -- titles
    titles: list[str] = list(bracket_titles)
    female_title = False
    cleaned: list[list[_Word]] = []
    for group in groups:
        kept = _strip_titles(group, titles, rules)
        if kept:
            cleaned.append(kept)
    if titles:
        rules.append("titles")
        female_title = any(t in lx.FEMALE_TITLES for t in titles)

    # -- units: compound parts glued back (Hassan Zadeh, Mir Hosseini, Abd al-Hamid)
    unit_groups = [_units(g, rules) for g in cleaned]
    unit_groups = [g for g in unit_groups if g]

    swapped = False
    evidence = "position"
    given_words: tuple[_Word, ...] = ()
    family_words: tuple[_Word, ...] = ()
    if len(unit_groups) == 2 and not (len(unit_groups[0]) == 1 and len(unit_groups[1]) == 1
                                      and _looks_given_first(unit_groups)):
        family_words = tuple(w for u in unit_groups[0] for w in u)
        given_words = tuple(w for u in unit_groups[1] for w in u)
        swapped, evidence = True, "comma"
        rules.append("comma_order")
    else:
        units = [u for g in unit_groups for u in g]
        if len(units) == 1:
            split = _run_together(units[0][0]) if len(units[0]) == 1 else None
            if split is not None:
                rules.append("run_together")
                word = units[0][0]
                return _finish(text, script, titles, _atoms_text(word, split[0]),
                               _atoms_text(word, split[1]), _component_of(split[0]),
                               _component_of(split[1]), father_words, rules, False,
                               "lexicon", female_title)
            g, f, lexical = _unit_roles(_spec(units[0]))
            if f > g:
                family_words = tuple(units[0])
            else:
                given_words = tuple(units[0])
            evidence = "lexicon" if lexical else ("suffix" if f > 0 else "position")
        elif units:
            split_at, swapped, evidence = _split_units(tuple(_spec(u) for u in units))
            if swapped:
                family_words = tuple(w for u in units[:split_at] for w in u)
                given_words = tuple(w for u in units[split_at:] for w in u)
            else:
                given_words = tuple(w for u in units[:split_at] for w in u)
                family_words = tuple(w for u in units[split_at:] for w in u)
            if swapped:
                rules.append("swapped")
    return _finish(text, script, titles, " ".join(w.text for w in given_words),
                   " ".join(w.text for w in family_words), _component(given_words),
                   _component(family_words), father_words, rules, swapped, evidence,
                   female_title)


def _is_suffix_word(word: _Word) -> bool:
    affix = _lookup_affix(word.low, word.script) if word.script in ("fa", "la") else None
    return affix is not None and bool(affix.roles & {"x", "y"})


def _strip_titles(group: list[_Word], titles: list[str], rules: list[str]) -> list[_Word]:
    """Remove titles and epithets from one comma-separated group of words: leading ones
    (شهید سید, Dr. Seyyed), trailing ones ("Ali Ahmadi (Martyr)"), ones after a family
    name written first (Hosseini Seyed Mohammad), post-titles after the given name
    (زهرا سادات هاشمی) and initials (M. Reza). A weak title (Mashhadi, Sheikh, Bibi) goes
    only when two more words follow it, and never before a surname suffix (ملا زهی)."""
    words: list[_Word] = []
    for w in group:
        words.extend(_split_glued_title(w, rules))
    while words:
        length = _phrase_at(words, 0, lx.TITLE_PHRASES)
        if length and len(words) > length:
            titles.append(lx.TITLE_PHRASES[tuple(w.low for w in words[:length])])
            words = words[length:]
            continue
        title = _word_title(words[0])
        remaining = len(words) - 1
        if title is not None and remaining >= (2 if title[1] == "weak" else 1) and not (
                title[1] == "weak" and _is_suffix_word(words[1])):
            titles.append(title[0])
            words = words[1:]
            continue
        if words[0].script == "la" and len(words[0].low) == 1 and remaining >= 1:
            if words[0].low == "s" and remaining >= 2:
                titles.append("Seyed")
            else:
                rules.append("initial_dropped")
            words = words[1:]
            continue
        break
    while len(words) > 1:
        title = _word_title(words[-1])
        if title is not None and title[1] == "strong" and title[0] not in lx.POST_TITLES:
            titles.append(title[0])
            words = words[:-1]
        else:
            break
    kept: list[_Word] = []
    for idx, w in enumerate(words):
        if 0 < idx < len(words) - 1:
            title = _word_title(w)
            if title is not None and (title[1] == "strong" or title[0] in lx.POST_TITLES):
                titles.append(title[0])
                continue
        if w.script == "la" and len(w.low) == 1 and len(words) > 1:
            rules.append("initial_dropped")
            continue
        kept.append(w)
    return kept


def _take_father(items: list[_Word | str]) -> tuple[list[_Word | str], list[_Word]]:
    """Find a "child of" phrase after the name (فرزند علی, son of Ali, s/o Ali, bin Ali,
    (father: Ali)); return the items without it, and the father's name words.

    The father's name runs to the next separator, at most four words; it stops at a
    title (the record's own name starts again: "... فرزند محمد شهید غزاله"), and a
    surname at its end is given back to the person ("Ali bin Hassan Ahmadi")."""
    starts = _PHRASE_STARTS[id(lx.FATHER_MARKERS)]
    seen_word = False
    for i, item in enumerate(items):
        if not isinstance(item, _Word):
            continue
        if not seen_word or item.low not in starts:  # a name must come first
            seen_word = True
            continue
        seq = [x for x in items[i:i + 4] if isinstance(x, _Word)]
        length = _phrase_at(seq, 0, lx.FATHER_MARKERS)
        if not length:
            continue
        j = i
        consumed = 0
        while consumed < length:  # past the marker words (and separators among them)
            consumed += isinstance(items[j], _Word)
            j += 1
        while j < len(items) and items[j] in (":", "-"):
            j += 1
        k = j
        while k < len(items) and k - j < 4:
            word = items[k]
            if not isinstance(word, _Word):
                break
            title = _word_title(word) if k > j else None
            if title is not None and title[1] == "strong":
                break
            k += 1
        father = [x for x in items[j:k] if isinstance(x, _Word)]
        back: list[_Word] = []
        while len(father) > 1:
            g, f, lexical = _unit_roles(_spec([father[-1]]))
            if not (lexical and f > 0 and g < 0):
                break
            back.insert(0, father.pop())
        if not father:
            continue
        end = k + 1 if items[i - 1:i] == ["("] and items[k:k + 1] == [")"] else k
        return items[:i] + back + items[end:], father
    return list(items), []


def _atoms_text(word: _Word, atoms: tuple[_Atom, ...]) -> str:
    if word.script == "fa":
        return "".join(a.entry.persian[0] if a.entry else "" for a in atoms)
    return "".join(a.latin for a in atoms).capitalize()


def _looks_given_first(groups: list[list[list[_Word]]]) -> bool:
    """"Ali, Ahmadi" is rarer than "Ahmadi, Ali"; keep the written order only when the
    lexicon clearly says the first part is the given name."""
    g0, f0, lex0 = _unit_roles(_spec(groups[0][0]))
    g1, f1, lex1 = _unit_roles(_spec(groups[1][0]))
    return lex0 and lex1 and g0 > 0 and f1 > 0 and f0 < 0 and g1 < 0


def _split_glued_title(word: _Word, rules: list[str]) -> tuple[_Word, ...]:
    split = _glued_title(word)
    if len(split) > 1:
        rules.append("glued_title")
    return split


@lru_cache(maxsize=100_000)
def _glued_title(word: _Word) -> tuple[_Word, ...]:
    if len(word.parts) > 1:
        pieces = _PART_SPLIT.split(word.text)
        first = _TITLE_WORDS.get(word.parts[0])
        if first is not None and first[1] == "strong":
            rest = word.text[len(pieces[0]) + 1:]
            return (_make_word(pieces[0], False), _make_word(rest, word.dot))
        last = _TITLE_WORDS.get(word.parts[-1])
        if last is not None and last[0] in lx.POST_TITLES:
            head = word.text[:len(word.text) - len(pieces[-1]) - 1]
            return (_make_word(head, False), _make_word(pieces[-1], word.dot))
        return (word,)
    low = word.low
    for post in _POST_SUFFIXES:
        if low.endswith(post) and len(low) - len(post) >= 3:
            head = low[:-len(post)]
            entry = _FA_INDEX.get(head) if word.script == "fa" else _LA_INDEX.get(
                latin_fold(head))
            if entry is not None and entry.roles & _GIVEN:
                cut = len(word.text) - len(post)
                return (_make_word(word.text[:cut], False), _make_word(word.text[cut:], word.dot))
    prefixes = _SEYED_PREFIXES_FA if word.script == "fa" else _SEYED_PREFIXES_LA
    for prefix in prefixes:
        if low.startswith(prefix) and len(low) - len(prefix) >= 3:
            rest = low[len(prefix):]
            if word.script == "fa":
                atoms = _resolve_persian(rest, True)
            else:
                atoms = _resolve_latin(latin_fold(rest), True)
            entry = atoms[0].entry if atoms else None
            if entry is not None and entry.roles & _GIVEN:
                text_rest = word.text[len(prefix):]
                return (_make_word(word.text[:len(prefix)], False),
                        _make_word(text_rest, word.dot))
    return (word,)


_WEAK_SUFFIXES = frozenset({"far", "nia", "lou", "khani", "panah", "bakhsh"})


def _units(words: list[_Word], rules: list[str]) -> list[list[_Word]]:
    """Group words into name units: suffixes join the word before (حسن زاده), prefixes
    and articles the word after (میر حسینی, Abd al-Hamid)."""
    units: list[list[_Word]] = []
    pending: list[_Word] = []
    total = len(words)
    for idx, w in enumerate(words):
        affix = _lookup_affix(w.low, w.script) if w.script in ("fa", "la") else None
        is_last = idx == total - 1
        if affix is not None:
            roles = affix.roles
            weak = affix.canonical in _WEAK_SUFFIXES
            can_suffix = bool(roles & {"x", "y"}) and units and not pending and (
                not weak or total >= 3)
            can_prefix = bool(roles & {"p", "q"}) and not is_last
            if can_prefix and can_suffix and "x" in roles:
                # پور: before a surname-like word a prefix (Pour Mohammadi), else a suffix
                _, f, _ = _unit_roles(_spec([words[idx + 1]]))
                if f > 0:
                    can_suffix = False
            if can_suffix:
                units[-1].append(w)
                rules.append("suffix_joined")
                continue
            if can_prefix:
                pending.append(w)
                rules.append("prefix_joined")
                continue
        if w.script == "la" and w.low in _ARTICLE_L and not is_last:
            if words[idx + 1].low in _DIN and units and not pending:
                continue  # Salah al Din: the article is dropped, Din joins Salah
            pending.append(w)
            continue
        units.append(pending + [w])
        pending = []
    if pending:
        if units:
            units[-1].extend(pending)
        else:
            units.append(pending)
    return units


@lru_cache(maxsize=100_000)
def _split_units(units: tuple[tuple[tuple[str, tuple[str, ...]], ...], ...]
                 ) -> tuple[int, bool, str]:
    """Choose which units are the given name and which the family name, in which order:
    (number of leading units that form the first part, whether the family name comes
    first, what decided it)."""
    scores = [_unit_roles(u) for u in units]
    n = len(units)
    best: tuple[float, int, int, bool] | None = None
    for swapped in (False, True):
        for k in range(1, n):
            if swapped:
                family_idx, given_idx = range(k), range(k, n)
            else:
                given_idx, family_idx = range(k), range(k, n)
            score = sum(scores[i][0] for i in given_idx) + sum(scores[i][1] for i in family_idx)
            score += 0.0 if swapped else 0.5
            # one family unit, and given names of at most three units, are the norm;
            # compound given names are made of known names, so an unknown word next to
            # a given name more likely starts a compound surname (Hamid Qareh Hasanlou)
            score -= 0.25 * (len(family_idx) - 1) + 0.1 * max(0, len(given_idx) - 3)
            if len(given_idx) > 1:
                score -= 0.5 * sum(1 for i in given_idx if not scores[i][2])
            tie = len(family_idx) == 1
            cand = (score, int(tie), -k if swapped else k, swapped)
            if best is None or cand[:2] > best[:2]:
                best = cand
    assert best is not None
    score, _, k_signed, swapped = best
    lexical = any(s[2] for s in scores)
    heuristic = any(s[1] > 0 and not s[2] for s in scores)
    evidence = "lexicon" if lexical else ("suffix" if heuristic else "position")
    return abs(k_signed), swapped, evidence


def _replace_original(analysis: _Analysis, text: str, rules: list[str],
                      script: str) -> _Analysis:
    p = analysis.parsed
    parsed = ParsedName(text, script, p.titles, "", "", "", "", "", "", "",
                        tuple(dict.fromkeys(rules)), False, "position", False)
    return _Analysis(parsed, _EMPTY_COMPONENT, _EMPTY_COMPONENT, _EMPTY_COMPONENT)


def _finish(text: str, script: str, titles: list[str], given: str, family: str,
            given_c: _Component, family_c: _Component, father_words: list[_Word],
            rules: list[str], swapped: bool, evidence: str, female_title: bool) -> _Analysis:
    father_units = _units(father_words, []) if father_words else []
    father_flat = tuple(w for u in father_units for w in u)
    father_c = _component(father_flat)
    latin = " ".join(x for x in (given_c.latin, family_c.latin) if x)
    parsed = ParsedName(
        original=text,
        script=script,
        titles=tuple(dict.fromkeys(titles)),
        given=given,
        family=family,
        father=" ".join(w.text for w in father_flat),
        given_key=given_c.key,
        family_key=family_c.key,
        father_key=father_c.key,
        latin=latin,
        rules=tuple(dict.fromkeys(rules)),
        swapped=swapped,
        order_evidence=evidence,
        female_title=female_title,
    )
    return _Analysis(parsed, given_c, family_c, father_c)


# ================================================================== similarity

def _component_similarity(a: _Component, b: _Component) -> float:
    if not a.key or not b.key:
        return 0.0
    if a.key == b.key:
        if a.fold == b.fold or (a.resolved and b.resolved):
            return 1.0
        return 0.92 + 0.08 * jaro_winkler(a.fold, b.fold)
    jw = jaro_winkler(a.fold, b.fold)
    if a.resolved and b.resolved:
        # two different names the lexicon knows (Hassan/Hossein): similar, not the same
        return 0.7 * jw
    return 0.95 * max(jw, jaro_winkler(a.key, b.key) * 0.9)


def name_similarity(a: str | None, b: str | None) -> float:
    """Similarity of two full names, 0..1, across scripts and spellings.

    Given and family names are compared separately (Jaro–Winkler on folded canonical
    Latin forms, 1.0 when their keys agree and the lexicon knows both) and combined as a
    geometric mean, in the written order or crossed (for undetected order swaps),
    whichever is better. Two different lexicon names (Hassan/Hossein, Zahra/Zohreh)
    score well below spelling variants of one name. A father's name on both sides that
    differs lowers the score. Empty or missing names give 0.0.
    """
    if not isinstance(a, str) or not isinstance(b, str):
        return 0.0
    return _similarity(a, b) if a <= b else _similarity(b, a)


@lru_cache(maxsize=300_000)
def _similarity(a: str, b: str) -> float:
    x, y = _analyse(a), _analyse(b)
    xg, xf, yg, yf = x.given, x.family, y.given, y.family
    if not (xg.key or xf.key) or not (yg.key or yf.key):
        return 0.0
    xs = [c for c in (xg, xf) if c.key]
    ys = [c for c in (yg, yf) if c.key]
    if len(xs) == 2 and len(ys) == 2:
        straight = math.sqrt(_component_similarity(xg, yg) * _component_similarity(xf, yf))
        crossed = math.sqrt(_component_similarity(xg, yf) * _component_similarity(xf, yg))
        score = max(straight, 0.97 * crossed)
        x_stem, y_stem = _FINAL_MARK.sub("", xg.key), _FINAL_MARK.sub("", yg.key)
        if score < 0.92 and x_stem != y_stem and x_stem + xf.key == y_stem + yf.key:
            # the same name split in two places (Ramin Hossein Panahi / Ramin Hosseinpanahi;
            # Mehdi Ali Mohammadi / Mehdi Alimohammadi), not Ali Mohammadi / Ali Alimohammadi
            score = 0.92
    else:
        # one side has a single part: compare it with each part and with the whole
        short, full = (xs, ys) if len(xs) < len(ys) else (ys, xs)
        part = short[0]
        score = 0.8 * max(_component_similarity(part, c) for c in full)
        if len(full) == 2:
            joined = _Component(full[0].key + full[1].key, "", full[0].fold + full[1].fold,
                                False)
            joined_rev = _Component(full[1].key + full[0].key, "", full[1].fold + full[0].fold,
                                    False)
            score = max(score, 0.95 * _component_similarity(part, joined),
                        0.95 * _component_similarity(part, joined_rev))
        elif len(short) == 1 and len(full) == 1:
            score = _component_similarity(part, full[0]) * (
                1.0 if (x.given.key and y.given.key) or (x.family.key and y.family.key) else 0.9)
    # fathers' names on both sides that disagree count against (namesakes, not siblings:
    # siblings share the father and differ in the given name)
    if x.father.key and y.father.key:
        score *= 0.7 + 0.3 * _component_similarity(x.father, y.father)
    return round(min(1.0, max(0.0, score)), 6)



def phonetic_of_key(key: str | None) -> str:
    """The phonetic form (see ``phonetic_key``) of one component key, such as a
    ``given_key``; ``""`` for no key."""
    return _phonetic(key) if key else ""


@lru_cache(maxsize=1)
def lexicon_keys() -> frozenset[str]:
    """The keys of the names the lexicon knows as whole given names or surnames.

    Two different keys that are both in this set are two different names (Hassan and
    Hossein), not two spellings of one: linkage treats them as a disagreement, however
    alike they look.
    """
    return frozenset(entry.key for entry in _ENTRIES
                     if entry.roles & {"m", "f", "s"} and entry.key)
