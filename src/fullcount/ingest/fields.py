"""The record schema's mapped fields and the header names that map to them.

A source file's columns are mapped to these fields. ``suggest_mapping`` proposes a
mapping from header names in English, Persian and Arabic; a file whose headers are
all recognised ingests without a hand-written mapping.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from fullcount.normalize.script import fold_script


@dataclass(frozen=True)
class Field:
    name: str
    description: str
    headers: tuple[str, ...]


FIELDS: tuple[Field, ...] = (
    Field(
        "source_row_id",
        "the source's own identifier or row number for this person",
        ("id", "record id", "row id", "victim id", "no", "no.", "number", "#", "ref",
         "ردیف", "شماره", "کد", "شناسه", "رقم", "الرقم", "م"),
    ),
    Field(
        "full_name",
        "the whole name in one cell, as written (titles and all)",
        ("name", "full name", "fullname", "victim", "victim name", "name of victim",
         "deceased", "نام و نام خانوادگی", "نام ونام خانوادگی", "نام کامل", "اسم",
         "نام جانباخته", "نام قربانی", "الاسم", "الاسم الكامل", "اسم الضحية"),
    ),
    Field(
        "given_name",
        "first (given) name",
        ("first name", "firstname", "given name", "forename", "first", "نام کوچک",
         "نام", "الاسم الاول"),
    ),
    Field(
        "family_name",
        "family name (surname)",
        ("last name", "lastname", "surname", "family name", "familyname", "family",
         "نام خانوادگی", "نام فامیل", "فامیلی", "شهرت", "اسم العائلة", "الكنية", "اللقب"),
    ),
    Field(
        "father_name",
        "father's name",
        ("father", "father name", "father's name", "fathers name", "name of father",
         "نام پدر", "پدر", "اسم الاب"),
    ),
    Field(
        "sex",
        "sex or gender, as given",
        ("sex", "gender", "جنسیت", "جنس", "الجنس"),
    ),
    Field(
        "age",
        "age at death: a number or a range, as given",
        ("age", "age at death", "سن", "العمر", "عمر"),
    ),
    Field(
        "date_of_death",
        "date of death, or of the incident when that is all the list gives, as written",
        ("date of death", "death date", "date", "date of incident", "incident date",
         "date killed", "died", "تاریخ فوت", "تاریخ", "تاریخ مرگ", "تاریخ جان باختن",
         "تاریخ جانباختن", "تاریخ کشته شدن", "تاریخ حادثه", "تاریخ شهادت", "تاریخ درگذشت",
         "تاریخ الوفاة", "تاریخ الوفاه", "التاریخ"),
    ),
    Field(
        "place",
        "place of death or incident (town, city or village), as written",
        ("place", "city", "town", "location", "place of death", "place of incident",
         "village", "شهر", "محل", "محل فوت", "محل جان باختن", "محل حادثه", "مکان", "محل شهادت",
         "المدینة", "المکان"),
    ),
    Field(
        "province",
        "province or region, as written",
        ("province", "region", "state", "استان", "المحافظة", "المحافظه"),
    ),
    Field(
        "notes",
        "free notes: circumstances, source remarks",
        ("notes", "note", "comments", "comment", "remarks", "description", "details",
         "circumstances", "توضیحات", "یادداشت", "ملاحظات", "شرح", "تفاصیل"),
    ),
)

FIELD_NAMES: tuple[str, ...] = tuple(f.name for f in FIELDS)
NAME_FIELDS: tuple[str, ...] = ("full_name", "given_name", "family_name")

_PUNCT = re.compile(r"[\s_\-.:'’`\"()\[\]/\\]+")


def header_key(header: str) -> str:
    """Fold a header for comparison: script, case, spacing and punctuation ignored."""
    folded = fold_script(header, zwnj="").casefold()
    return _PUNCT.sub("", folded)


_KNOWN: dict[str, str] = {}
for _field in FIELDS:
    for _header in _field.headers:
        _KNOWN.setdefault(header_key(_header), _field.name)


def recognise(header: str) -> str | None:
    """Return the field a header name stands for, or ``None`` if it is not known."""
    return _KNOWN.get(header_key(header))


@dataclass(frozen=True)
class MappingSuggestion:
    """A proposed column mapping: field -> column, plus what could not be placed."""

    mapping: dict[str, str]
    unrecognised: tuple[str, ...]
    duplicates: tuple[str, ...]

    @property
    def complete(self) -> bool:
        """True when every header was recognised and a name field is mapped."""
        return (
            not self.unrecognised
            and not self.duplicates
            and any(f in self.mapping for f in NAME_FIELDS)
        )


def suggest_mapping(headers: list[str]) -> MappingSuggestion:
    """Propose a mapping for ``headers`` from their names.

    A lone Persian «نام» (or English "name") with no family-name column is the whole name;
    next to a family-name column it is the given name.
    """
    mapping: dict[str, str] = {}
    unrecognised: list[str] = []
    duplicates: list[str] = []
    found = [(h, recognise(h)) for h in headers if h.strip()]
    has_family = any(f == "family_name" for _, f in found)
    for header, field in found:
        if field == "given_name" and header_key(header) == header_key("نام") and not has_family:
            field = "full_name"
        if field == "full_name" and header_key(header) in ("name", "اسم") and has_family:
            field = "given_name"
        if field is None:
            unrecognised.append(header)
        elif field in mapping:
            duplicates.append(header)
        else:
            mapping[field] = header
    return MappingSuggestion(mapping, tuple(unrecognised), tuple(duplicates))
