"""The normalize stage: derived columns on every record, from its mapped fields.

Names, dates, places and sex repeat a great deal across a case, so each distinct value
is normalised once in Python and the results are joined back onto the records in one
SQL statement, inside one transaction: interrupted, the case is as it was. The mapped
fields and the raw row are never changed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from fullcount.normalize.dates import parse_date
from fullcount.normalize.names import parse_name
from fullcount.normalize.places import Gazetteer, load_gazetteer, match_place, match_province
from fullcount.normalize.sex import read_sex

if TYPE_CHECKING:
    from fullcount.case import Case

# Bump when a rule changes so that `fullcount normalize` redoes older rows.
NORMALIZE_VERSION = 1


def _name_sql(table: str = "") -> str:
    """The string a record's name is read from: the full name, else given + family
    (columns of ``table``, an alias, when given)."""
    t = f"{table}." if table else ""
    return (f"coalesce(NULLIF(trim({t}full_name), ''), "
            f"NULLIF(trim(concat_ws(' ', {t}given_name, {t}family_name)), ''))")


def _pending_sql(redo: bool, table: str = "") -> str:
    """Which records to normalise: those of registered files not yet normalised with
    the current rules (all of them with ``redo``)."""
    t = f"{table}." if table else ""
    registered = f"{t}file_id IN (SELECT file_id FROM sources)"
    if redo:
        return registered
    return f"{registered} AND {t}normalize_version IS DISTINCT FROM {NORMALIZE_VERSION}"

Progress = Callable[[str, int], Callable[[int], None]]


@dataclass
class NormalizeResult:
    records: int = 0
    distinct: dict[str, int] = field(default_factory=dict)
    # Over all records of the case: how many, and how many have each column set.
    coverage: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"records": self.records, "distinct": self.distinct, "coverage": self.coverage}


def _distinct(case: Case, expression: str, where: str) -> list[Any]:
    rows = case.con.execute(
        f"SELECT DISTINCT {expression} FROM record_rows WHERE {where}").fetchall()
    return [row[0] if len(row) == 1 else row for row in rows
            if any(v is not None for v in row)]


def _names_table(values: list[str], tick: Callable[[int], None] | None) -> pa.Table:
    columns: dict[str, list[Any]] = {k: [] for k in (
        "value", "name_key", "name_latin", "given_key", "family_key", "father_from_name",
        "titles", "swapped")}
    for done, value in enumerate(values, 1):
        parsed = parse_name(value)
        columns["value"].append(value)
        columns["name_key"].append(parsed.key or None)
        columns["name_latin"].append(parsed.latin or None)
        columns["given_key"].append(parsed.given_key or None)
        columns["family_key"].append(parsed.family_key or None)
        columns["father_from_name"].append(parsed.father_key or None)
        columns["titles"].append(list(parsed.titles))
        columns["swapped"].append(parsed.swapped)
        if tick is not None and done % 2000 == 0:
            tick(done)
    return pa.table(columns, schema=pa.schema([
        ("value", pa.string()), ("name_key", pa.string()), ("name_latin", pa.string()),
        ("given_key", pa.string()), ("family_key", pa.string()),
        ("father_from_name", pa.string()), ("titles", pa.list_(pa.string())),
        ("swapped", pa.bool_())]))


def _dates_table(values: list[str]) -> pa.Table:
    parsed = [parse_date(v) for v in values]
    return pa.table({
        "value": pa.array(values, pa.string()),
        "iso": pa.array([p.iso for p in parsed], pa.string()),
        "iso_end": pa.array([p.iso_end or p.iso for p in parsed], pa.string()),
        "precision": pa.array([p.precision for p in parsed], pa.string()),
        "calendar": pa.array([p.calendar for p in parsed], pa.string()),
        "reason": pa.array([p.reason for p in parsed], pa.string()),
    })


def _places_table(pairs: list[tuple[str | None, str | None]],
                  gazetteer: Gazetteer | None) -> pa.Table:
    places, provinces, canonical, province_canonical = [], [], [], []
    for place, province in pairs:
        match = (match_place(place, province_hint=province, gazetteer=gazetteer)
                 if place else None)
        if match is None and province:
            match = match_province(province, gazetteer=gazetteer)
        places.append(place)
        provinces.append(province)
        canonical.append(match.canonical if match is not None and match.kind != "province"
                         else None)
        province_canonical.append(match.province if match is not None else None)
    return pa.table({
        "place": pa.array(places, pa.string()), "province": pa.array(provinces, pa.string()),
        "place_canonical": pa.array(canonical, pa.string()),
        "province_canonical": pa.array(province_canonical, pa.string()),
    })


def run_normalize_stage(case: Case, *, redo: bool = False,
                        progress: Progress | None = None) -> NormalizeResult:
    """Fill the normalised columns of every record that needs it (all with ``redo``)."""
    from fullcount.case import fetch_one

    where = _pending_sql(redo)
    result = NormalizeResult()
    result.records = fetch_one(case.con,
        f"SELECT count(*) FROM record_rows WHERE {where}")[0]
    if result.records == 0:
        return result
    names = _distinct(case, _name_sql(), where)
    fathers = _distinct(case, "NULLIF(trim(father_name), '')", where)
    dates = _distinct(case, "NULLIF(trim(date_of_death), '')", where)
    places = _distinct(case, "NULLIF(trim(place), ''), NULLIF(trim(province), '')", where)
    sexes = _distinct(case, "NULLIF(trim(sex), '')", where)
    result.distinct = {"names": len(names), "fathers": len(fathers), "dates": len(dates),
                       "places": len(places), "sexes": len(sexes)}
    tick = progress("normalising names", len(names)) if progress else None
    name_table = _names_table(names, tick)
    if tick is not None:
        tick(len(names))
    father_table = pa.table({"value": pa.array(fathers, pa.string()),
                             # A father's-name column holds a given name (and maybe a
                             # family name): its given-name key is the comparable part.
                             "father_key": pa.array(
                                 [parse_name(v).given_key or None for v in fathers],
                                 pa.string())})
    date_table = _dates_table(dates)
    extra = case.settings.normalize.gazetteer
    gazetteer = load_gazetteer(case.path / extra) if extra else None
    place_table = _places_table([tuple(p) for p in places], gazetteer)  # type: ignore[misc]
    sex_table = pa.table({"value": pa.array(sexes, pa.string()),
                          "code": pa.array([read_sex(v) for v in sexes], pa.string())})
    con = case.con
    for name, table in (("norm_names", name_table), ("norm_fathers", father_table),
                        ("norm_dates", date_table), ("norm_places", place_table),
                        ("norm_sexes", sex_table)):
        con.register(name, table)
    try:
        with case.transaction():
            con.execute(f"""
                UPDATE record_rows SET
                    name_key = d.name_key, name_latin = d.name_latin,
                    given_key = d.given_key, family_key = d.family_key,
                    father_key = d.father_key, name_titles = d.titles,
                    name_swapped = d.swapped, sex_code = d.sex_code,
                    date_iso = d.date_iso, date_end = d.date_end,
                    date_precision = d.date_precision, date_calendar = d.date_calendar,
                    date_reason = d.date_reason, place_canonical = d.place_canonical,
                    province_canonical = d.province_canonical,
                    normalize_version = {NORMALIZE_VERSION}
                FROM (
                    SELECT r.record_id, n.name_key, n.name_latin, n.given_key, n.family_key,
                           coalesce(f.father_key, n.father_from_name) AS father_key,
                           n.titles, n.swapped, s.code AS sex_code,
                           TRY_CAST(t.iso AS DATE) AS date_iso,
                           TRY_CAST(t.iso_end AS DATE) AS date_end,
                           t.precision AS date_precision, t.calendar AS date_calendar,
                           t.reason AS date_reason, p.place_canonical, p.province_canonical
                    FROM record_rows r
                    LEFT JOIN norm_names n ON n.value = {_name_sql('r')}
                    LEFT JOIN norm_fathers f ON f.value = NULLIF(trim(r.father_name), '')
                    LEFT JOIN norm_dates t ON t.value = NULLIF(trim(r.date_of_death), '')
                    LEFT JOIN norm_places p
                        ON p.place IS NOT DISTINCT FROM NULLIF(trim(r.place), '')
                        AND p.province IS NOT DISTINCT FROM NULLIF(trim(r.province), '')
                    LEFT JOIN norm_sexes s ON s.value = NULLIF(trim(r.sex), '')
                    WHERE {_pending_sql(redo, 'r')}
                ) d
                WHERE record_rows.record_id = d.record_id
            """)
            coverage = fetch_one(con, """
                SELECT count(*), count(name_key), count(date_iso), count(place_canonical),
                       count(province_canonical), count(sex_code)
                FROM record_rows WHERE file_id IN (SELECT file_id FROM sources)
            """)
            result.coverage = dict(zip(
                ("records", "name_key", "date_iso", "place_canonical", "province_canonical",
                 "sex_code"), (int(c) for c in coverage)))
            case.audit("normalize", {"version": NORMALIZE_VERSION, **result.to_dict()})
    finally:
        for name in ("norm_names", "norm_fathers", "norm_dates", "norm_places", "norm_sexes"):
            con.unregister(name)
    return result
