"""The documentation sources: who they are, what they capture and how they write it.

Profiles are assigned in a fixed cycle, so that with four lists all of CSV, XLSX and
JSON appear. Header names are taken from ``fullcount.ingest.fields`` so that ingest
recognises every column without a hand-written mapping.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from fullcount.ingest.fields import recognise


def header(field_name: str, text: str) -> str:
    """``text`` if ingest recognises it as a header for ``field_name`` (else a bug here)."""
    if recognise(text) != field_name:
        raise ValueError(f"{text!r} is not a known header for {field_name}")
    return text


@dataclass(frozen=True)
class Capture:
    """How a source reaches people (logit scale)."""

    base: float
    latent: tuple[float, float, float]        # by documentability class high/medium/low
    regions: dict[str, float] = field(default_factory=dict)  # community region -> shift
    capital: float = 0.0                     # shift for provincial centres
    child: float = 0.0                       # shift for children
    province_sd: float = 0.3                 # random visibility per province
    copies_from: str = ""                    # kind of an earlier list this one copies
    copy_rate: float = 0.0                   # share of that list's people it copies


@dataclass(frozen=True)
class Noise:
    """Per-record probabilities at ``noise=1`` (multiplied by ``noise``, then capped)."""

    translit: float = 0.15      # a record spells a name differently from the house style
    house: float = 0.5          # a name's house spelling differs from the canonical one
    joint: float = 0.15         # a compound written joined/spaced/ZWNJ differently
    arabic: float = 0.05        # Arabic code points (ي ك ة) in Persian text
    typo: float = 0.04
    missing: float = 0.05       # per optional field
    sayyid_title: float = 0.4   # Seyed/Seyedeh in the name cell of a sayyid
    martyr: float = 0.0         # شهید before the name
    haj: float = 0.2            # Haj for men over 45
    patronymic: float = 0.04    # "son of X" inside the name cell
    run_together: float = 0.02
    swap: float = 0.03
    short_name: float = 0.02    # a compound given name cut to one part
    unnamed: float = 0.002
    case: float = 0.05          # ALL CAPS / lower case (Latin)
    date_format: float = 0.15   # another date format than the source's usual one
    date_partial: float = 0.04
    date_off: float = 0.05      # off by one day
    date_shift: float = 0.01    # off by 2-7 days
    date_unreadable: float = 0.01
    age_off: float = 0.06
    age_range: float = 0.03
    age_approx: float = 0.03
    age_unreadable: float = 0.01
    digits: float = 0.25        # Persian digits where the source usually writes ASCII
    place_coarse: float = 0.04  # the provincial centre instead of the town
    duplicate: float = 0.03     # a second row for the same person


@dataclass(frozen=True)
class Profile:
    kind: str
    fmt: str                  # csv, tsv, xlsx, jsonl, json
    encoding: str             # utf-8, utf-8-sig, cp1256, utf-16
    header_language: str      # fa, en
    script: str               # fa (Persian script) or latin
    layout: str               # full (one name cell) or split (given + family)
    columns: tuple[tuple[str, str], ...]  # (field, header) in column order
    date_formats: tuple[str, ...]         # first is the usual one
    sex_words: tuple[tuple[str, str], ...]  # (male, female) spellings, first usual
    id_style: str
    capture: Capture
    noise: Noise
    digits: str = "ascii"     # ascii, persian (everywhere)
    ordered_by_date: bool = True
    notes: tuple[str, ...] = ()

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(f for f, _ in self.columns)

    @property
    def headers(self) -> list[str]:
        return [h for _, h in self.columns]

    @property
    def extension(self) -> str:
        return self.fmt


_NOTES_FA = ("بازداشت و سپس جان باخت", "در تجمع جان باخت", "به گزارش خانواده",
             "پیکر با تاخیر تحویل خانواده شد", "هویت توسط بستگان تایید شد",
             "منبع: کانال محلی")
_NOTES_EN = ("died in custody", "killed during a protest", "reported by family",
             "body returned to family after a delay", "identity confirmed by relatives",
             "source: local channel")

_C = Capture

PROFILES: tuple[Profile, ...] = (
    Profile(
        kind="ngo", fmt="csv", encoding="utf-8", header_language="fa", script="fa",
        layout="full",
        columns=(("source_row_id", header("source_row_id", "ردیف")),
                 ("full_name", header("full_name", "نام و نام خانوادگی")),
                 ("father_name", header("father_name", "نام پدر")),
                 ("sex", header("sex", "جنسیت")),
                 ("age", header("age", "سن")),
                 ("date_of_death", header("date_of_death", "تاریخ جان باختن")),
                 ("place", header("place", "شهر")),
                 ("province", header("province", "استان")),
                 ("notes", header("notes", "توضیحات"))),
        date_formats=("j_slash", "j_text_fa", "j_slash_nopad", "j_dash", "g_iso"),
        sex_words=(("مرد", "زن"), ("مذکر", "مونث")),
        id_style="int",
        capture=_C(-0.2, (1.2, 0.0, -2.2), {"kurd": 0.4, "baluch": 0.4}),
        noise=Noise(martyr=0.15, duplicate=0.04),
        notes=_NOTES_FA,
    ),
    Profile(
        kind="media", fmt="xlsx", encoding="", header_language="en", script="latin",
        layout="split",
        columns=(("source_row_id", header("source_row_id", "ID")),
                 ("given_name", header("given_name", "First name")),
                 ("family_name", header("family_name", "Last name")),
                 ("sex", header("sex", "Gender")),
                 ("age", header("age", "Age")),
                 ("date_of_death", header("date_of_death", "Date of death")),
                 ("place", header("place", "City")),
                 ("province", header("province", "Province"))),
        date_formats=("g_text_mdy", "g_iso", "g_text_dmy", "g_dmy"),
        sex_words=(("Male", "Female"), ("M", "F")),
        id_style="xlsx_int",
        capture=_C(-0.9, (1.2, 0.0, -2.2), {"baluch": -0.4}, capital=0.5, child=0.6,
                   copies_from="ngo", copy_rate=0.3),
        noise=Noise(sayyid_title=0.3, duplicate=0.02, patronymic=0.0),
        ordered_by_date=False,
    ),
    Profile(
        kind="official", fmt="csv", encoding="cp1256", header_language="fa", script="fa",
        layout="split",
        columns=(("source_row_id", header("source_row_id", "شماره")),
                 ("given_name", header("given_name", "نام")),
                 ("family_name", header("family_name", "نام خانوادگی")),
                 ("father_name", header("father_name", "نام پدر")),
                 ("sex", header("sex", "جنسیت")),
                 ("date_of_death", header("date_of_death", "تاریخ فوت")),
                 ("place", header("place", "محل فوت")),
                 ("province", header("province", "استان"))),
        date_formats=("j_slash", "j_reversed", "j_slash_nopad"),
        sex_words=(("مذکر", "مونث"), ("مرد", "زن")),
        id_style="padded",
        capture=_C(-0.7, (1.2, 0.0, -2.2), {"kurd": -1.0, "baluch": -1.0}, capital=0.3),
        noise=Noise(arabic=0.35, martyr=0.1, patronymic=0.3, duplicate=0.015,
                    digits=0.0),
    ),
    Profile(
        kind="witness", fmt="jsonl", encoding="utf-8", header_language="en", script="latin",
        layout="full",
        columns=(("source_row_id", header("source_row_id", "id")),
                 ("full_name", header("full_name", "name")),
                 ("father_name", header("father_name", "father's name")),
                 ("sex", header("sex", "sex")),
                 ("age", header("age", "age")),
                 ("date_of_death", header("date_of_death", "date of incident")),
                 ("place", header("place", "place")),
                 ("notes", header("notes", "notes"))),
        date_formats=("g_dmy", "g_text_mdy", "j_text_la", "g_iso"),
        sex_words=(("M", "F"), ("male", "female")),
        id_style="witness",
        capture=_C(-1.2, (0.8, 0.0, -1.2), {"kurd": 0.3}, province_sd=0.5),
        noise=Noise(translit=0.3, house=0.7, typo=0.06, patronymic=0.15, swap=0.05,
                    date_partial=0.12, date_off=0.1, date_shift=0.03, age_off=0.12,
                    age_range=0.08, age_approx=0.1, duplicate=0.05),
        ordered_by_date=False,
        notes=_NOTES_EN,
    ),
    Profile(
        kind="ngo", fmt="csv", encoding="utf-8-sig", header_language="en", script="fa",
        layout="split",
        columns=(("source_row_id", header("source_row_id", "No.")),
                 ("given_name", header("given_name", "Given name")),
                 ("family_name", header("family_name", "Family name")),
                 ("father_name", header("father_name", "Father name")),
                 ("sex", header("sex", "Sex")),
                 ("age", header("age", "Age")),
                 ("date_of_death", header("date_of_death", "Date")),
                 ("place", header("place", "Town")),
                 ("province", header("province", "Province"))),
        date_formats=("j_slash", "g_iso", "j_text_fa"),
        sex_words=(("M", "F"), ("مرد", "زن")),
        id_style="int",
        capture=_C(-0.4, (1.0, 0.0, -1.8), {"kurd": 0.5}, copies_from="witness",
                   copy_rate=0.25),
        noise=Noise(martyr=0.1, duplicate=0.03),
    ),
    Profile(
        kind="media", fmt="json", encoding="utf-8", header_language="en", script="latin",
        layout="full",
        columns=(("source_row_id", header("source_row_id", "ref")),
                 ("full_name", header("full_name", "victim name")),
                 ("sex", header("sex", "gender")),
                 ("age", header("age", "age")),
                 ("date_of_death", header("date_of_death", "died")),
                 ("place", header("place", "location")),
                 ("province", header("province", "region"))),
        date_formats=("g_iso", "g_text_mdy"),
        sex_words=(("male", "female"), ("M", "F")),
        id_style="media",
        capture=_C(-1.0, (1.4, 0.0, -2.4), {}, capital=0.6, child=0.5,
                   copies_from="ngo", copy_rate=0.3),
        noise=Noise(sayyid_title=0.3, duplicate=0.02, patronymic=0.02),
        ordered_by_date=False,
    ),
    Profile(
        kind="official", fmt="tsv", encoding="utf-16", header_language="fa", script="fa",
        layout="split",
        columns=(("source_row_id", header("source_row_id", "کد")),
                 ("given_name", header("given_name", "نام کوچک")),
                 ("family_name", header("family_name", "نام خانوادگی")),
                 ("father_name", header("father_name", "نام پدر")),
                 ("age", header("age", "سن")),
                 ("date_of_death", header("date_of_death", "تاریخ")),
                 ("place", header("place", "محل")),
                 ("province", header("province", "استان"))),
        date_formats=("j_slash", "j_text_fa"),
        sex_words=(("مرد", "زن"),),
        id_style="int",
        capture=_C(-0.8, (1.2, 0.0, -2.0), {"kurd": -0.8, "baluch": -1.2}, capital=0.3),
        noise=Noise(arabic=0.2, patronymic=0.2, martyr=0.05, duplicate=0.015),
    ),
    Profile(
        kind="ngo", fmt="csv", encoding="utf-8", header_language="fa", script="fa",
        layout="full",
        columns=(("source_row_id", header("source_row_id", "ردیف")),
                 ("full_name", header("full_name", "نام قربانی")),
                 ("father_name", header("father_name", "پدر")),
                 ("sex", header("sex", "جنس")),
                 ("age", header("age", "سن")),
                 ("date_of_death", header("date_of_death", "تاریخ شهادت")),
                 ("place", header("place", "محل")),
                 ("province", header("province", "استان")),
                 ("notes", header("notes", "ملاحظات"))),
        date_formats=("j_slash", "j_text_fa"),
        sex_words=(("مرد", "زن"),),
        id_style="int",
        capture=_C(-0.5, (1.2, 0.0, -2.0), {"baluch": 0.8}, province_sd=0.5),
        noise=Noise(martyr=0.25, duplicate=0.04),
        digits="persian",
        notes=_NOTES_FA,
    ),
)

MIN_LISTS = 2
MAX_LISTS = len(PROFILES)


def source_names(count: int) -> list[str]:
    """``ngo_a``, ``media_b``, ``official_c``, … for the first ``count`` profiles."""
    return [f"{p.kind}_{chr(ord('a') + i)}" for i, p in enumerate(PROFILES[:count])]
