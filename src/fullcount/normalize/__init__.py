"""Normalisation of names, dates and places (standalone: works on plain strings)."""

from fullcount.normalize.ages import read_age
from fullcount.normalize.dates import DateRules, ParsedDate, parse_date
from fullcount.normalize.names import (
    ParsedName,
    name_key,
    name_similarity,
    normalize_persian,
    parse_name,
    phonetic_key,
)
from fullcount.normalize.places import (
    Gazetteer,
    Place,
    PlaceMatch,
    fold_place,
    load_gazetteer,
    match_place,
    match_province,
)
from fullcount.normalize.script import fold_digits, fold_script

__all__ = [
    "DateRules", "Gazetteer", "ParsedDate", "ParsedName", "Place", "PlaceMatch", "fold_digits",
    "fold_place", "fold_script", "load_gazetteer", "match_place", "match_province", "name_key",
    "name_similarity", "normalize_persian", "parse_date", "parse_name", "phonetic_key", "read_age",
]
