"""The review queue: the uncertain pairs, most consequential first.

A pair is uncertain when its match probability lies in the band ``[uncertain_low,
uncertain_high)`` of the case's settings (vetoed pairs are never in it: a veto is a
disagreement no model weight can overcome). The queue is ordered by how much a
reviewer's decision is expected to change the number of people:

- the two records are in *different* entities: "match" would merge them (one person
  fewer), and the model gives that outcome probability ``p``;
- they are in the *same* entity: "not a match" would split it (one person more), with
  probability ``1 - p``.

So the expected change is ``p`` or ``1 - p``; ties go to the pair nearer to even odds,
then to the lower record ids, so the order is stable.

The queue is computed once (at the start of a review session, and again after decisions
are applied) into a temporary table holding what the queue page shows, so that a page of
the queue reads one small table however large the case is.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fullcount.case import Case

QUEUE_TABLE = "review_queue"
PAGE_SIZE = 50


@dataclass(frozen=True)
class QueueFilter:
    """Which pairs of the queue to show: a source, a place (town or province) and a range
    of dates of death, each matching when either record of the pair matches."""

    source: str = ""
    place: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    show_decided: bool = False

    def where(self) -> tuple[str, list[Any]]:
        """The SQL condition on ``q`` (the queue) and its parameters."""
        clauses, params = ["TRUE"], []
        if self.source:
            clauses.append("? IN (q.source_l, q.source_r)")
            params.append(self.source)
        if self.place:
            clauses.append("lower(?) IN (lower(q.place_l), lower(q.place_r), "
                           "lower(q.province_l), lower(q.province_r))")
            params.append(self.place.strip())
        if self.date_from is not None:
            clauses.append("greatest(q.date_l, q.date_r) >= ?")
            params.append(self.date_from)
        if self.date_to is not None:
            clauses.append("least(q.date_l, q.date_r) <= ?")
            params.append(self.date_to)
        return " AND ".join(clauses), params

    def query(self) -> dict[str, str]:
        """The filter as URL query parameters (empty ones left out)."""
        items = {"source": self.source, "place": self.place,
                 "date_from": self.date_from.isoformat() if self.date_from else "",
                 "date_to": self.date_to.isoformat() if self.date_to else "",
                 "show_decided": "1" if self.show_decided else ""}
        return {k: v for k, v in items.items() if v}


def build_queue(case: Case) -> int:
    """(Re)compute the queue table from the case's pairs and register; returns its size."""
    settings = case.settings.link
    case.con.execute(f"""
        CREATE OR REPLACE TEMP TABLE {QUEUE_TABLE} AS
        WITH band AS (
            SELECT record_id_l, record_id_r, match_probability
            FROM pairs
            WHERE match_probability >= ? AND match_probability < ? AND NOT veto
        ), ids AS (
            SELECT record_id_l AS record_id FROM band
            UNION SELECT record_id_r FROM band
        ), r AS (
            SELECT c.record_id, c.source, c.row_number,
                   coalesce(NULLIF(trim(c.full_name), ''),
                            NULLIF(trim(concat_ws(' ', c.given_name, c.family_name)), ''),
                            c.name_latin, '') AS name,
                   c.date_iso, c.place_canonical, c.province_canonical, e.entity_id
            FROM current_records c JOIN ids USING (record_id)
            LEFT JOIN entity_records e USING (record_id)
        ), ranked AS (
            SELECT b.record_id_l, b.record_id_r, b.match_probability,
                   l.entity_id AS entity_l, r2.entity_id AS entity_r,
                   coalesce(l.entity_id = r2.entity_id, FALSE) AS same_entity,
                   CASE WHEN l.entity_id = r2.entity_id THEN 1 - b.match_probability
                        ELSE b.match_probability END AS expected_change,
                   l.source AS source_l, r2.source AS source_r,
                   l.row_number AS row_l, r2.row_number AS row_r,
                   l.name AS name_l, r2.name AS name_r,
                   l.date_iso AS date_l, r2.date_iso AS date_r,
                   l.place_canonical AS place_l, r2.place_canonical AS place_r,
                   l.province_canonical AS province_l, r2.province_canonical AS province_r
            FROM band b
            JOIN r l ON l.record_id = b.record_id_l
            JOIN r r2 ON r2.record_id = b.record_id_r
        )
        SELECT row_number() OVER (ORDER BY expected_change DESC,
                                           abs(match_probability - 0.5),
                                           record_id_l, record_id_r) AS position, *
        FROM ranked ORDER BY position
    """, [settings.uncertain_low, settings.uncertain_high])
    return int(case.con.execute(f"SELECT count(*) FROM {QUEUE_TABLE}").fetchone()[0])


@dataclass(frozen=True)
class QueuePage:
    rows: list[dict[str, Any]]
    total: int          # pairs in the queue matching the filter
    decided: int        # of which a reviewer has decided
    offset: int

    @property
    def remaining(self) -> int:
        return self.total - self.decided


_DECIDED = f"""
    {QUEUE_TABLE} q LEFT JOIN current_decisions d
        ON d.record_id_l = q.record_id_l AND d.record_id_r = q.record_id_r
"""


def queue_page(case: Case, where: QueueFilter, *, offset: int = 0,
               limit: int = PAGE_SIZE) -> QueuePage:
    """One page of the queue (undecided pairs only, unless the filter shows decided ones)
    and the progress counts under the filter."""
    condition, params = where.where()
    total, decided = case.con.execute(
        f"SELECT count(*), count(d.decision) FROM {_DECIDED} WHERE {condition}",
        params).fetchone()
    undecided = "" if where.show_decided else "AND d.decision IS NULL"
    cursor = case.con.execute(f"""
        SELECT q.*, d.decision, d.reviewer FROM {_DECIDED}
        WHERE {condition} {undecided}
        ORDER BY q.position LIMIT ? OFFSET ?""", [*params, limit, max(offset, 0)])
    names = [c[0] for c in cursor.description]
    rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    return QueuePage(rows, int(total), int(decided), max(offset, 0))


def next_pair(case: Case, where: QueueFilter, *, after: int = 0) -> tuple[int, int] | None:
    """The first undecided pair of the queue after position ``after`` (wrapping round to
    the start), or ``None`` when every pair under the filter is decided."""
    condition, params = where.where()
    row = case.con.execute(f"""
        SELECT q.record_id_l, q.record_id_r FROM {_DECIDED}
        WHERE {condition} AND d.decision IS NULL
        ORDER BY q.position <= ?, q.position LIMIT 1""", [*params, after]).fetchone()
    return (int(row[0]), int(row[1])) if row else None


def queue_position(case: Case, left: int, right: int) -> int:
    """A pair's position in the queue (0 when it is not in it)."""
    row = case.con.execute(f"SELECT position FROM {QUEUE_TABLE} "
                           "WHERE record_id_l = ? AND record_id_r = ?",
                           [left, right]).fetchone()
    return int(row[0]) if row else 0


def filter_choices(case: Case) -> dict[str, list[str]]:
    """The values the queue's filters can take: its sources and its provinces."""
    sources = [r[0] for r in case.con.execute(f"""
        SELECT DISTINCT s FROM (SELECT source_l AS s FROM {QUEUE_TABLE}
                                UNION SELECT source_r FROM {QUEUE_TABLE})
        ORDER BY s""").fetchall()]
    places = [r[0] for r in case.con.execute(f"""
        SELECT p FROM (SELECT province_l AS p FROM {QUEUE_TABLE}
                       UNION ALL SELECT province_r FROM {QUEUE_TABLE})
        WHERE p IS NOT NULL GROUP BY p ORDER BY count(*) DESC, p LIMIT 200""").fetchall()]
    return {"sources": sources, "places": places}
