"""Exports: the register and the capture histories written to CSV, plain or
pseudonymised, each one recorded in the audit log (what, how many rows, the file's name;
never the data).

A pseudonymised export is for someone who must not see names (a statistician checking
the estimate): names become keyed hashes (HMAC-SHA256 with a secret kept in the case, so
the same name gets the same pseudonym in every export of one case and a different one in
another case), dates are cut to ``[export] date_precision``, places to ``[export] place``,
and no free text (notes, raw cells, extra columns) is ever written.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import duckdb

from fullcount.case import Case
from fullcount.case.files import spreadsheet_cell, write_csv  # noqa: F401 (re-exported)

PSEUDONYM_KEY = "export_pseudonym_key"  # in ``meta``: encrypted whenever the case is
PSEUDONYM_CHARS = 16  # hex characters kept of each HMAC (64 bits)
# Strata fields whose values may be shared as they are; any other field (names, places,
# ids, notes, dates as written) gives strata labelled by a keyed hash when pseudonymised.
SHAREABLE_STRATA = frozenset({"sex", "age", "province"})
DATE_FORMATS = {"day": "%Y-%m-%d", "month": "%Y-%m", "year": "%Y"}


@dataclass(frozen=True)
class ExportResult:
    """What an export wrote (also what its audit entry records)."""

    what: str
    file: str
    rows: int
    pseudonymised: bool
    columns: list[str]
    date_precision: str | None = None
    place: str | None = None
    strata_by: list[str] | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def export_entities(case: Case, path: Path, *, pseudonymise: bool = False) -> ExportResult:
    """Write the register as CSV, one row per current record with its entity (person).

    Plain: the record's source and row, record and entity ids, and the entity's
    best-known names, date and place. Pseudonymised: names replaced by keyed hashes,
    the source's own row ids left out, date and place coarsened as configured.
    """
    settings = case.settings.export
    with case.transaction():
        if pseudonymise:
            key = pseudonym_key(case)
            date = DATE_FORMATS[settings.date_precision]
            places = {"place": ", n.place_canonical, n.province_canonical",
                      "province": ", n.province_canonical", "none": ""}[settings.place]
            select = f"""
                SELECT r.source, r.record_id, e.entity_id, n.n_records AS entity_records,
                       {_pseudonym_sql("coalesce(n.name_key, n.name_latin, n.name_persian)",
                                       key, "name")} AS name_pseudonym,
                       {_pseudonym_sql("n.father_key", key, "name")} AS father_pseudonym,
                       strftime(n.date_iso, '{date}') AS date_{settings.date_precision}
                       {places}"""
        else:
            select = """
                SELECT r.source, coalesce(r.source_row_id, r.row_number::VARCHAR) AS source_row,
                       r.row_number, r.record_id, e.entity_id, n.n_records AS entity_records,
                       n.name_persian, n.name_latin, n.date_iso, n.place_canonical,
                       n.province_canonical"""
        cursor = case.con.execute(f"""{select}
            FROM current_records r
            LEFT JOIN entity_records e USING (record_id)
            LEFT JOIN entities n USING (entity_id)
            ORDER BY e.entity_id NULLS LAST, r.record_id""")
        header = [d[0] for d in cursor.description]
        rows = write_csv(path, header, _batches(cursor))
        result = ExportResult(
            "entities", path.name, rows, pseudonymise, header,
            date_precision=settings.date_precision if pseudonymise else None,
            place=settings.place if pseudonymise else None)
        case.audit("export", _audited(result))
    return result


def export_histories(case: Case, path: Path, *, pseudonymise: bool = False) -> ExportResult:
    """Write the capture histories (per stratum of ``[strata] by``) as CSV: a ``stratum``
    column when the case has strata, one 0/1 column per list, and ``count``; the file
    `fullcount estimate --histories` reads. Pseudonymised, strata defined by anything but
    sex, age or province are labelled by keyed hashes."""
    from fullcount.estimate.stage import histories_from_case

    strata_by = list(case.settings.strata.by)
    with case.transaction():
        by_stratum, _warnings = histories_from_case(case, strata_by)
        hide = pseudonymise and any(name not in SHAREABLE_STRATA for name in strata_by)
        key = pseudonym_key(case) if hide else b""
        lists = next(iter(by_stratum.values())).lists if by_stratum else ()
        header = (["stratum"] if strata_by else []) + list(lists) + ["count"]
        lines = []
        for stratum, histories in sorted(by_stratum.items()):
            label = pseudonym(stratum, key, "stratum") if hide else stratum
            for pattern, count in zip(histories.patterns, histories.counts):
                lines.append(([label] if strata_by else [])
                             + [int(v) for v in pattern] + [int(count)])
        rows = write_csv(path, header, lines)
        result = ExportResult("histories", path.name, rows, pseudonymise, header,
                              strata_by=strata_by)
        case.audit("export", _audited(result))
    return result


def pseudonym_key(case: Case) -> bytes:
    """The case's secret for keyed hashes, made on first use and kept in ``meta``.
    Call inside a transaction."""
    stored = case.meta(PSEUDONYM_KEY)
    if stored is None:
        stored = secrets.token_hex(32)
        case.con.execute("INSERT INTO meta VALUES (?, ?)", [PSEUDONYM_KEY, stored])
    return bytes.fromhex(stored)


def pseudonym(value: str, key: bytes, kind: str) -> str:
    """The keyed hash standing for ``value`` (of a ``kind``: name, stratum)."""
    message = f"{kind}\x1f{value}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:PSEUDONYM_CHARS]


def _pseudonym_sql(expression: str, key: bytes, kind: str) -> str:
    """``pseudonym`` as a DuckDB expression (HMAC-SHA256 per RFC 2104, from sha256), so
    that a million names are hashed in the engine; NULL stays NULL."""
    block = key.ljust(64, b"\0") if len(key) <= 64 else hashlib.sha256(key).digest().ljust(64, b"\0")
    inner = bytes(b ^ 0x36 for b in block).hex()
    outer = bytes(b ^ 0x5C for b in block).hex()
    prefix = f"{kind}\x1f".encode().hex()
    message = f"from_hex('{prefix}') || encode({expression})"
    return (f"left(sha256(from_hex('{outer}') || from_hex(sha256(from_hex('{inner}') || "
            f"{message}))), {PSEUDONYM_CHARS})")


def _batches(cursor: duckdb.DuckDBPyConnection) -> Iterable[tuple[Any, ...]]:
    while batch := cursor.fetchmany(50_000):
        yield from batch


def _audited(result: ExportResult) -> dict[str, Any]:
    return {k: v for k, v in result.to_dict().items() if v is not None and k != "columns"}
