"""Matching place names as lists write them to a gazetteer of Iranian provinces and cities.

    >>> m = match_place("Orumiyeh")
    >>> m.canonical, m.canonical_fa, m.province, m.kind
    ('Urmia', 'ارومیه', 'West Azerbaijan', 'city')

What is folded before matching: script (Arabic ي ك ة and Kurdish letters to Persian ones,
Persian and Arabic digits), case, Latin diacritics, punctuation, spaces and ZWNJ inside a
name ("Shahr-e Kord" = "Shahrekord", "بندر عباس" = "بندرعباس"), the Persian ezafe
("Bandar-e Abbas" = "Bandar Abbas"), prefixes such as "city of", "شهر", "شهرستان",
"استان", and a trailing country ("Tehran, Iran"). A qualifier after a comma or in brackets
that names a province ("Mahabad (West Azerbaijan)") serves as a province hint.

Matching tries, in order: a listed spelling (``how="name"`` for the canonical Latin or
Persian name, ``"variant"`` for another listed one); then, for Latin text, a
transliteration key that folds the usual variation (ou/oo/u, e/i/a, gh/q, kh/x, w/v,
doubled letters, a dropped h, final -eh/-e/-a) — ``"transliteration"``; then, for Persian
text, a spelling key that folds letters that sound alike (ط/ت, ص/ث/س, ذ/ض/ظ/ز, ح/ه, غ/ق)
and Arabic renderings of پ چ ژ گ — ``"spelling"``. The loose keys only match where they
point to a single place and have at least three consonants, so common words rarely match.

Provinces: a name that is only a province ("Kurdistan", "سیستان و بلوچستان") is the
province. A name shared by a province and its own capital ("Tehran", "Isfahan") is read as
the city — the province is the same either way — unless written as a province ("Tehran
Province", "استان تهران"). A name shared with a city of another province ("Golestan") is
read as the province, flagged ``ambiguous``, with the city among the ``alternatives``.
Two cities of one name (Nurabad in Fars and in Lorestan) need a ``province_hint``;
without one the first listed is returned, flagged ``ambiguous``.

Unknown places return ``None``; ``fold_place(text)`` gives the folded form, to group the
spellings of places the gazetteer does not know.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Literal

from fullcount.errors import FullcountError
from fullcount.normalize.script import fold_for_matching

__all__ = [
    "COLUMNS",
    "Gazetteer",
    "GazetteerError",
    "Place",
    "PlaceMatch",
    "fold_place",
    "load_gazetteer",
    "match_place",
    "match_province",
]

Kind = Literal["city", "province"]
COLUMNS = ("kind", "name", "name_fa", "province", "latin_variants", "persian_variants")
MAX_CHARS = 200  # longer text is not a place cell


class GazetteerError(FullcountError):
    """A gazetteer file cannot be read; the message names the file, line and column."""


@dataclass(frozen=True)
class Place:
    """One gazetteer entry: a city or a province, with its spellings."""

    kind: Kind
    name: str
    name_fa: str
    province: str  # canonical Latin name of the province (a province names itself)
    latin_variants: tuple[str, ...] = ()
    persian_variants: tuple[str, ...] = ()

    @property
    def spellings(self) -> tuple[str, ...]:
        return tuple(s for s in (self.name, self.name_fa, *self.latin_variants,
                                 *self.persian_variants) if s)


@dataclass(frozen=True)
class PlaceMatch:
    """A place as written, matched to the gazetteer."""

    canonical: str
    canonical_fa: str
    province: str
    province_fa: str
    kind: Kind
    how: str  # "name", "variant", "transliteration" or "spelling" (see module docstring)
    original: str
    folded: str
    ambiguous: bool = False  # the name is also another place (see ``alternatives``)
    alternatives: tuple[str, ...] = ()  # e.g. ("Nurabad (Lorestan)",)


# --------------------------------------------------------------------------- folding

_SEGMENTS = re.compile(r"[,،;:()\[\]{}|/\\]+|\s+-\s+")
_TOKEN = re.compile(r"[^\W_]+")
_CONNECTORS = frozenset({"and", "va", "o", "و", "&"})
_EZAFE = frozenset({"e", "ye", "i", "yi"})
_PREFIXES: tuple[tuple[str, ...], ...] = tuple(tuple(p.split()) for p in sorted([
    "the city of", "city of", "the town of", "town of", "village of", "the village of",
    "county of", "the county of", "province of", "the province of", "city", "town",
    "village", "the", "ostan e", "ostan", "shahrestan e", "shahrestan", "شهر", "شهرستان",
    "استان", "روستای", "روستا", "بخش",
], key=lambda p: -len(p.split())))
_SUFFIXES: tuple[tuple[str, ...], ...] = tuple(tuple(s.split()) for s in sorted([
    "islamic republic of iran", "iran", "ایران", "city", "town", "county", "province",
    "region", "ostan", "shahrestan", "district",
], key=lambda s: -len(s.split())))
_PROVINCE_WORDS = frozenset({"province", "ostan", "استان"})
_COUNTRY = frozenset({"iran", "ایران", "islamic republic of iran", "جمهوری اسلامی ایران"})


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(fold_for_matching(text).replace("&", " and "))


def _strip(tokens: list[str]) -> tuple[list[str], bool]:
    """Drop prefixes and suffixes ("city of", "استان", ", Iran"); say whether the text
    called itself a province."""
    province = False
    changed = True
    while changed and len(tokens) > 1:
        changed = False
        for affix in _PREFIXES:
            if len(tokens) > len(affix) and tuple(tokens[:len(affix)]) == affix:
                province |= bool(_PROVINCE_WORDS & set(affix))
                tokens, changed = tokens[len(affix):], True
                break
        for affix in _SUFFIXES:
            if len(tokens) > len(affix) and tuple(tokens[-len(affix):]) == affix:
                province |= bool(_PROVINCE_WORDS & set(affix))
                tokens, changed = tokens[:-len(affix)], True
                break
    return tokens, province


def fold_place(text: str) -> str:
    """The folded form of a place as written (script, case, punctuation, prefixes and
    suffixes), for grouping the spellings of places the gazetteer does not know."""
    return " ".join(_strip(_tokens(text))[0])


def _exact_keys(tokens: list[str]) -> set[str]:
    """Keys of a spelling: glued, with and without the ezafe ("Bandar-e Abbas")."""
    kept = [t for t in tokens if t not in _CONNECTORS]
    keys = {"".join(kept)}
    if len(kept) > 1:
        keys.add(kept[0] + "".join(t for t in kept[1:] if t not in _EZAFE))
    keys.discard("")
    return keys


_LATIN = re.compile(r"^[a-z0-9']+$")
_DIGRAPHS = (("tch", "c"), ("kh", "x"), ("gh", "q"), ("sh", "$"), ("ch", "c"), ("zh", "j"),
             ("dj", "j"), ("dh", "z"), ("ph", "f"), ("w", "v"), ("ck", "k"))
_DOUBLED = re.compile(r"(.)\1+")
_LONE_H = re.compile(r"h(?=[^aeiouy]|$)|(?<=[^aeiouy])h")
_VOWELS = re.compile(r"[aeiouy]+")


def _latin_key(key: str) -> str | None:
    """Transliteration key: consonants folded, vowel runs reduced to "V"; None if it has
    fewer than two consonants (too short to tell places from words)."""
    if not _LATIN.match(key):
        return None
    key = _DOUBLED.sub(r"\1", key.replace("'", ""))
    for old, new in _DIGRAPHS:
        key = key.replace(old, new)
    key = _LONE_H.sub("", _DOUBLED.sub(r"\1", key))
    key = _VOWELS.sub("V", key)
    return key if len(key.replace("V", "")) >= 2 else None


def _edits_within(a: str, b: str, limit: int, *, replace: bool = True) -> bool:
    """Whether at most ``limit`` edits turn ``a`` into ``b`` (Levenshtein; a replaced letter
    counts as two edits unless ``replace``)."""
    if abs(len(a) - len(b)) > limit:
        return False
    change = 1 if replace else 2
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, start=1):
        current = [i]
        for j, y in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1,
                               previous[j - 1] + (0 if x == y else change)))
        if min(current) > limit:
            return False
        previous = current
    return previous[-1] <= limit


# Letters that sound alike in Persian, and Arabic renderings of Persian letters.
_PERSIAN_LOOSE = str.maketrans({"ط": "ت", "ث": "س", "ص": "س", "ذ": "ز", "ض": "ز", "ظ": "ز",
                                "ح": "ه", "غ": "ق", "ع": "ا", "پ": "ب", "چ": "ج", "ژ": "ز",
                                "گ": "ج", "ء": ""})
_PERSIAN = re.compile(r"^[\u0600-\u06ff]+$")


def _persian_key(key: str) -> str | None:
    if not _PERSIAN.match(key):
        return None
    key = _DOUBLED.sub(r"\1", key.translate(_PERSIAN_LOOSE))
    return key if len(key) >= 3 else None


# --------------------------------------------------------------------------- gazetteer


class Gazetteer:
    """Places and the indexes to match spellings to them."""

    def __init__(self, places: Iterable[Place]) -> None:
        self.places: tuple[Place, ...] = tuple(places)
        self.provinces: dict[str, Place] = {
            p.name: p for p in self.places if p.kind == "province"}
        for place in self.places:
            if place.province not in self.provinces:
                raise GazetteerError(
                    f"{place.name}: province '{place.province}' is not in the gazetteer")
        self._exact: dict[str, dict[int, bool]] = {}
        self._loose: dict[str, dict[int, set[str]]] = {}  # key -> place -> its spellings
        self._spelling: dict[str, dict[int, set[str]]] = {}
        for index, place in enumerate(self.places):
            for spelling in place.spellings:
                canonical = spelling in (place.name, place.name_fa)
                for key in _exact_keys(_tokens(spelling)):
                    seen = self._exact.setdefault(key, {})
                    seen[index] = seen.get(index, False) or canonical
                    if (loose := _latin_key(key)) is not None:
                        self._loose.setdefault(loose, {}).setdefault(index, set()).add(key)
                    if (persian := _persian_key(key)) is not None:
                        self._spelling.setdefault(persian, {}).setdefault(index, set()).add(key)

    def __len__(self) -> int:
        return len(self.places)

    def province(self, text: str) -> Place | None:
        """The province a text names, by any of its spellings."""
        found = self.match(text, provinces_only=True)
        return self.provinces[found.province] if found is not None else None

    def match(self, text: str | None, province_hint: str | None = None, *,
              provinces_only: bool = False) -> PlaceMatch | None:
        """Match a place as written; ``None`` if it is not in the gazetteer.

        ``province_hint`` (any spelling of a province, e.g. the record's province column)
        decides between places of the same name and is otherwise not binding.
        ``provinces_only`` matches provinces alone (for a province column)."""
        if text is None or not text.strip() or len(text) > MAX_CHARS:
            return None
        named = self.province(province_hint) if province_hint else None
        hint = named.name if named is not None else None
        folded = fold_place(text)
        segments = [s for s in _SEGMENTS.split(fold_for_matching(text)) if s.strip()]
        whole = self._match_tokens(_tokens(text), hint, provinces_only)
        if whole is not None or len(segments) < 2:
            return self._result(whole, text, folded)
        # "Mahabad, West Azerbaijan", "Zahedan (Sistan and Baluchestan)", "Iran - Tehran"
        segments = [s for s in segments if " ".join(_tokens(s)) not in _COUNTRY]
        hints = [p.name for s in segments if (p := self.province(s)) is not None]
        segment_hint = hint or (hints[-1] if hints else None)
        for segment in segments:
            found = self._match_tokens(_tokens(segment), segment_hint, provinces_only)
            if found is not None:
                return self._result(found, text, folded)
        return None

    def _result(self, found: tuple[int, str, tuple[int, ...]] | None, text: str,
                folded: str) -> PlaceMatch | None:
        if found is None:
            return None
        index, how, others = found
        place = self.places[index]
        province = self.provinces[place.province]
        return PlaceMatch(
            canonical=place.name, canonical_fa=place.name_fa, province=province.name,
            province_fa=province.name_fa, kind=place.kind, how=how, original=text,
            folded=folded, ambiguous=bool(others),
            alternatives=tuple(f"{self.places[i].name} ({self.places[i].province})"
                               if self.places[i].kind == "city"
                               else f"{self.places[i].name} (province)" for i in others))

    def _match_tokens(self, tokens: list[str], hint: str | None, provinces_only: bool,
                      ) -> tuple[int, str, tuple[int, ...]] | None:
        stripped, as_province = _strip(list(tokens))
        forms = [tokens, stripped]
        if stripped and stripped[0] in ("al", "el"):  # "al-Ahwaz"
            forms.append(stripped[1:])
        elif stripped and stripped[0].startswith("ال") and len(stripped[0]) > 4:
            forms.append([stripped[0][2:], *stripped[1:]])
        keys = [k for form in forms if form for k in sorted(_exact_keys(form))]
        for key in keys:
            if key in self._exact:
                found = self._exact[key]
                chosen = self._choose(list(found), hint, as_province, loose=False,
                                      provinces_only=provinces_only)
                if chosen is not None:
                    index, others = chosen
                    return index, "name" if found[index] else "variant", others
        for tier, index_of, key_of in (("transliteration", self._loose, _latin_key),
                                       ("spelling", self._spelling, _persian_key)):
            for key in keys:
                loose = key_of(key)
                if loose is None or loose not in index_of:
                    continue
                # A key also fits ordinary words ("river" and Ravar, "person" and
                # Parsian): the text must also be near a listed spelling — one edit in six
                # letters or more, two in eleven or more; with two consonants, only a
                # letter added or left out.
                squeezed = _DOUBLED.sub(r"\1", key)
                limit = (len(squeezed) - 1) // 5
                replace = len(loose.replace("V", "")) > 2
                near = {i: spelt for i, spelt in index_of[loose].items() if any(
                    _edits_within(squeezed, _DOUBLED.sub(r"\1", s), limit, replace=replace)
                    for s in spelt)}
                if near:
                    chosen = self._choose(sorted(near), hint, as_province, loose=True,
                                          provinces_only=provinces_only)
                    if chosen is not None:
                        return chosen[0], tier, chosen[1]
        return None

    def _choose(self, candidates: list[int], hint: str | None, as_province: bool, *,
                loose: bool, provinces_only: bool = False,
                ) -> tuple[int, tuple[int, ...]] | None:
        """The candidate a name most likely means, and the others it could mean."""
        places = self.places
        if provinces_only or (as_province and any(
                places[i].kind == "province" for i in candidates)):
            candidates = [i for i in candidates if places[i].kind == "province"]
            if not candidates:
                return None
        if hint is not None and any(places[i].province == hint for i in candidates):
            candidates = [i for i in candidates if places[i].province == hint]
        if len({places[i].province for i in candidates}) == 1:
            # One province: a city over the province it is the capital of.
            cities = [i for i in candidates if places[i].kind == "city"]
            if len(cities) <= 1:
                return (cities or candidates)[0], ()
        if loose:
            return None  # a loose key that fits several places decides nothing
        provinces = [i for i in candidates if places[i].kind == "province"]
        first = provinces[0] if provinces else candidates[0]
        others = tuple(i for i in candidates if i != first and not (
            places[i].kind == "province" and places[i].name == places[first].province))
        return first, others


# --------------------------------------------------------------------------- loading


def _read_rows(text: str, source: str) -> list[tuple[int, dict[str, str]]]:
    lines = text.splitlines()
    numbered = [(n, line) for n, line in enumerate(lines, start=1)
                if line.strip() and not line.lstrip().startswith("#")]
    if not numbered:
        raise GazetteerError(f"{source} has no header row",
                             hint=f"The first row must be: {','.join(COLUMNS)}")
    reader = csv.reader(io.StringIO("\n".join(line for _, line in numbered)))
    rows = list(reader)
    header = [h.strip().lstrip("\ufeff") for h in rows[0]]
    if tuple(header) != COLUMNS:
        raise GazetteerError(
            f"{source} line {numbered[0][0]}: the columns are {', '.join(header)}",
            hint=f"A gazetteer has exactly these columns: {','.join(COLUMNS)}")
    out = []
    for (number, _), row in zip(numbered[1:], rows[1:], strict=True):
        if len(row) != len(COLUMNS):
            raise GazetteerError(
                f"{source} line {number}: {len(row)} fields where {len(COLUMNS)} are needed",
                hint="Quote a field that contains a comma; separate variants with |.")
        out.append((number, {c: v.strip() for c, v in zip(COLUMNS, row, strict=True)}))
    return out


def _places_from_rows(rows: list[tuple[int, dict[str, str]]], source: str,
                      known: Gazetteer | None) -> list[tuple[int, Place]]:
    provinces = {p.name for p in known.provinces.values()} if known else set()
    provinces |= {row["name"] for _, row in rows if row["kind"] == "province"}
    places = []
    for number, row in rows:
        where = f"{source} line {number}"
        if row["kind"] not in ("city", "province"):
            raise GazetteerError(f"{where}: kind '{row['kind']}' is not 'city' or 'province'")
        if not row["name"] and not row["name_fa"]:
            raise GazetteerError(f"{where}: the place has no name (name or name_fa)")
        province = row["province"] or (row["name"] if row["kind"] == "province" else "")
        if province not in provinces and known is not None:
            found = known.province(province) if province else None
            province = found.name if found else province
        if province not in provinces:
            raise GazetteerError(
                f"{where}: province '{row['province']}' is not a province in the gazetteer",
                hint="Use a province's name (e.g. " + ", ".join(sorted(provinces)[:4])
                + " …) or add a row with kind=province for it.")
        places.append((number, Place(
            kind=row["kind"], name=row["name"] or row["name_fa"],  # type: ignore[arg-type]
            name_fa=row["name_fa"], province=province,
            latin_variants=tuple(v.strip() for v in row["latin_variants"].split("|")
                                 if v.strip()),
            persian_variants=tuple(v.strip() for v in row["persian_variants"].split("|")
                                   if v.strip()))))
    return places


@lru_cache(maxsize=1)
def _builtin() -> Gazetteer:
    text = resources.files("fullcount.normalize").joinpath(
        "data/gazetteer.csv").read_text(encoding="utf-8")
    rows = _read_rows(text, "gazetteer.csv (built in)")
    return Gazetteer(p for _, p in _places_from_rows(rows, "gazetteer.csv (built in)", None))


def load_gazetteer(extra: str | Path | None = None) -> Gazetteer:
    """The built-in gazetteer, extended by a user CSV with the same columns.

    A user row with the same kind, name and province as a built-in place adds its
    variants to that place; any other row adds a place. Its province may be written in
    any spelling the gazetteer knows, or be a province the same file adds."""
    builtin = _builtin()
    if extra is None:
        return builtin
    path = Path(extra)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise GazetteerError(f"cannot read the gazetteer {path}: {error}",
                             hint="Give a UTF-8 CSV file with the columns "
                             + ",".join(COLUMNS)) from None
    added = _places_from_rows(_read_rows(text, str(path)), str(path), builtin)
    places = list(builtin.places)
    where = {(p.kind, p.name.casefold(), p.province): i for i, p in enumerate(places)}
    for _, place in added:
        key = (place.kind, place.name.casefold(), place.province)
        if key in where:
            old = places[where[key]]
            places[where[key]] = Place(
                old.kind, old.name, old.name_fa or place.name_fa, old.province,
                tuple(dict.fromkeys(old.latin_variants + place.latin_variants)),
                tuple(dict.fromkeys(old.persian_variants + place.persian_variants
                                    + ((place.name_fa,) if place.name_fa
                                       and place.name_fa != old.name_fa else ()))))
        else:
            where[key] = len(places)
            places.append(place)
    return Gazetteer(places)


def match_province(text: str | None, *, gazetteer: Gazetteer | None = None,
                   ) -> PlaceMatch | None:
    """Match a province column: the province a text names ("Tehran" is the province
    here, not the city), or None if it names none."""
    return (gazetteer or _builtin()).match(text, provinces_only=True)


def match_place(text: str | None, province_hint: str | None = None, *,
                gazetteer: Gazetteer | None = None) -> PlaceMatch | None:
    """Match a place as written to the (built-in, unless given) gazetteer; see the
    module docstring for what is folded and how ties are decided."""
    return (gazetteer or _builtin()).match(text, province_hint)
