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
are applied) into a temporary table holding what the queue page shows, each pair's
current decision included (kept up to date as reviewers decide), so that a page of the
queue reads one table, in position order, however large the case is.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from fullcount.case import fetch_dicts, fetch_one

if TYPE_CHECKING:
    from fullcount.case import Case

QUEUE_TABLE = "review_queue"
PAGE_SIZE = 50


@dataclass(frozen=True)
class QueueFilter:
    """Which pairs of the queue to show: a source, a place (town or province) and a range
    of dates of death, each matching when either record of the pair matches."""

    source: str = ""
    place: str = ""             # a town or province, as the queue spells it
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    show_decided: bool = False

    def where(self) -> tuple[str, list[Any]]:
        """The SQL condition on ``q`` (the queue) and its parameters."""
        clauses: list[str] = ["TRUE"]
        params: list[Any] = []
        if not self.show_decided:
            clauses.append("q.decision IS NULL")
        if self.source:
            clauses.append("? IN (q.source_l, q.source_r)")
            params.append(self.source)
        if self.place:
            clauses.append("? IN (q.place_l, q.place_r, q.province_l, q.province_r)")
            params.append(self.place)
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


@dataclass(frozen=True)
class QueueInfo:
    size: int
    sources: list[str]          # the sources in the queue
    places: list[str]           # its towns and provinces, most frequent first

    def spelling(self, place: str) -> str:
        """The queue's spelling of a place typed in any letter case ('' if unknown)."""
        wanted = place.strip().casefold()
        return next((p for p in self.places if p.casefold() == wanted), "") if wanted else ""


def build_queue(case: Case) -> QueueInfo:
    """(Re)compute the queue table from the case's pairs, register and decisions."""
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
                                           k.record_id_l, k.record_id_r) AS position,
               k.*, d.decision, d.reviewer
        FROM ranked k LEFT JOIN current_decisions d
            ON d.record_id_l = k.record_id_l AND d.record_id_r = k.record_id_r
        ORDER BY position
    """, [settings.uncertain_low, settings.uncertain_high])
    size = int(fetch_one(case.con, f"SELECT count(*) FROM {QUEUE_TABLE}")[0])
    sources = [r[0] for r in case.con.execute(f"""
        SELECT DISTINCT s FROM (SELECT source_l AS s FROM {QUEUE_TABLE}
                                UNION SELECT source_r FROM {QUEUE_TABLE})
        ORDER BY s""").fetchall()]
    places = [r[0] for r in case.con.execute(f"""
        SELECT p FROM (SELECT unnest([place_l, place_r, province_l, province_r]) AS p
                       FROM {QUEUE_TABLE})
        WHERE p IS NOT NULL GROUP BY p ORDER BY count(*) DESC, p""").fetchall()]
    return QueueInfo(size, sources, places)


def refresh_decision(case: Case, left: int, right: int) -> None:
    """Bring one pair's decision in the queue up to date (after a decision or an undo)."""
    case.con.execute(f"""
        UPDATE {QUEUE_TABLE} q SET decision = d.decision, reviewer = d.reviewer
        FROM (SELECT max(decision) AS decision, max(reviewer) AS reviewer
              FROM current_decisions WHERE record_id_l = ? AND record_id_r = ?) d
        WHERE q.record_id_l = ? AND q.record_id_r = ?""", [left, right, left, right])


@dataclass(frozen=True)
class QueuePage:
    rows: list[dict[str, Any]]
    total: int          # pairs in the queue matching the filter (decided or not)
    decided: int        # of which a reviewer has decided
    more: bool          # pairs follow this page

    @property
    def remaining(self) -> int:
        return self.total - self.decided

    @property
    def last_position(self) -> int:
        return int(self.rows[-1]["position"]) if self.rows else 0


def queue_counts(case: Case, where: QueueFilter) -> tuple[int, int]:
    """(pairs, decided pairs) under the filter, whether it shows decided pairs or not."""
    everything = QueueFilter(where.source, where.place, where.date_from, where.date_to,
                             show_decided=True)
    condition, params = everything.where()
    total, decided = fetch_one(
        case.con, f"SELECT count(*), count(q.decision) FROM {QUEUE_TABLE} q WHERE {condition}",
        params)
    return int(total), int(decided)


def queue_page(case: Case, where: QueueFilter, *, after: int = 0,
               limit: int = PAGE_SIZE) -> QueuePage:
    """The pairs after queue position ``after`` (undecided only, unless the filter shows
    decided ones), and the progress counts under the filter. Paging is by position, so a
    page deep in a long queue costs what the first does."""
    total, decided = queue_counts(case, where)
    condition, params = where.where()
    rows = fetch_dicts(case.con, f"""
        SELECT q.* FROM {QUEUE_TABLE} q
        WHERE {condition} AND q.position > ?
        ORDER BY q.position LIMIT ?""", [*params, max(after, 0), limit + 1])
    return QueuePage(rows[:limit], total, decided, len(rows) > limit)


def page_start_before(case: Case, where: QueueFilter, position: int,
                      limit: int = PAGE_SIZE) -> int | None:
    """The ``after`` of the page before the one starting at ``position`` (None: none)."""
    condition, params = where.where()
    rows = case.con.execute(f"""
        SELECT q.position FROM {QUEUE_TABLE} q
        WHERE {condition} AND q.position < ?
        ORDER BY q.position DESC LIMIT ?""", [*params, position, limit + 1]).fetchall()
    if not rows:
        return None
    return int(rows[-1][0]) if len(rows) > limit else 0


def next_pair(case: Case, where: QueueFilter, *, after: int = 0) -> tuple[int, int] | None:
    """The first undecided pair of the queue after position ``after`` (wrapping round to
    the start), or ``None`` when every pair under the filter is decided."""
    undecided = QueueFilter(where.source, where.place, where.date_from, where.date_to)
    condition, params = undecided.where()
    for clause, bound in (("q.position > ?", after), ("q.position <= ?", after)):
        row = case.con.execute(f"""
            SELECT q.record_id_l, q.record_id_r FROM {QUEUE_TABLE} q
            WHERE {condition} AND {clause}
            ORDER BY q.position LIMIT 1""", [*params, bound]).fetchone()
        if row:
            return int(row[0]), int(row[1])
    return None


def queue_position(case: Case, left: int, right: int) -> int:
    """A pair's position in the queue (0 when it is not in it)."""
    row = case.con.execute(f"SELECT position FROM {QUEUE_TABLE} "
                           "WHERE record_id_l = ? AND record_id_r = ?",
                           [left, right]).fetchone()
    return int(row[0]) if row else 0
