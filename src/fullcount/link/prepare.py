"""The linkage input: one row per current record, with the columns the model compares.

Built from the normalised columns in one query. The only Python work is per distinct
name key (its phonetic form and whether the lexicon knows it), a few thousand values
even in a large case.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from fullcount.normalize.names import lexicon_keys, phonetic_of_key

# The columns of the input table, in order (see ``model.comparisons``).
INPUT_COLUMNS = (
    "unique_id", "source", "name_key", "name_joined", "given_key", "family_key",
    "father_key", "given_initial", "family_initial",
    "given_ph", "family_ph", "father_ph", "given_known", "family_known", "father_known",
    "sex_code", "age_lo", "age_hi", "day_lo", "day_hi", "month_no", "place", "province",
)


def _key_table(con: duckdb.DuckDBPyConnection, where: str) -> pa.Table:
    keys = [row[0] for row in con.execute(f"""
        SELECT DISTINCT k FROM (
            SELECT unnest([given_key, family_key, father_key]) AS k
            FROM current_records WHERE {where}
        ) WHERE k IS NOT NULL
    """).fetchall()]
    known = lexicon_keys()
    return pa.table({
        "key": pa.array(keys, pa.string()),
        "ph": pa.array([phonetic_of_key(k) or None for k in keys], pa.string()),
        "known": pa.array([k in known for k in keys], pa.bool_()),
    })


def link_input(con: duckdb.DuckDBPyConnection, where: str = "TRUE") -> pa.Table:
    """The linkage input for the current records matching ``where`` (SQL on
    ``current_records``), as an Arrow table ordered by record id."""
    keys = _key_table(con, where)
    con.register("link_keys", keys)
    try:
        return con.execute(f"""
            SELECT r.record_id AS unique_id, r.source,
                   r.name_key, replace(r.name_key, ' ', '') AS name_joined,
                   r.given_key, r.family_key, r.father_key,
                   left(r.given_key, 1) AS given_initial,
                   left(r.family_key, 1) AS family_initial,
                   g.ph AS given_ph, f.ph AS family_ph, p.ph AS father_ph,
                   coalesce(g.known, FALSE) AS given_known,
                   coalesce(f.known, FALSE) AS family_known,
                   coalesce(p.known, FALSE) AS father_known,
                   r.sex_code,
                   r.age_min AS age_lo, coalesce(r.age_max, r.age_min) AS age_hi,
                   date_diff('day', DATE '1970-01-01', r.date_iso) AS day_lo,
                   date_diff('day', DATE '1970-01-01', coalesce(r.date_end, r.date_iso))
                       AS day_hi,
                   CASE WHEN r.date_end IS NULL OR r.date_end = r.date_iso
                        THEN year(r.date_iso) * 12 + month(r.date_iso) END AS month_no,
                   r.place_canonical AS place, r.province_canonical AS province
            FROM current_records r
            LEFT JOIN link_keys g ON g.key = r.given_key
            LEFT JOIN link_keys f ON f.key = r.family_key
            LEFT JOIN link_keys p ON p.key = r.father_key
            WHERE {where}
            ORDER BY r.record_id
        """).fetch_arrow_table()
    finally:
        con.unregister("link_keys")


def memory_only() -> duckdb.DuckDBPyConnection:
    """A small in-memory DuckDB for work on keys and ids beside the case, that never
    spills to disk (no temp directory): nothing derived from the case's names is ever
    written unencrypted, even for an encrypted case."""
    return duckdb.connect(":memory:", config={"temp_directory": ""})
