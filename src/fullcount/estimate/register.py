"""From a register of people to capture histories: the one place that says who is on
which list and in which stratum.

A person is "on" a list when any of their records comes from it. A person's stratum is
the most common stratum value among their records; a tie goes to a known value before
"(unknown)", then to the first in alphabetical order, so the same register always gives
the same histories. The estimate stage uses this for the register written by linkage,
and the linkage draws (``fullcount.estimate.linkage``) for every plausible linkage, so
both count people the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from fullcount.errors import FullcountError
from fullcount.estimate.histories import CaptureHistories

if TYPE_CHECKING:
    from fullcount.case import Case

UNKNOWN_STRATUM = "(unknown)"
ALL = "all"


@dataclass(frozen=True, eq=False)
class RegisterRecords:
    """The current records of a case as the estimate stage sees them, sorted by record id.

    ``list_index[i]`` is the position of record ``i``'s source in ``lists``;
    ``stratum_index[i]`` its stratum value's position in ``strata``; ``entity[i]`` its
    entity in the register (-1 when it is in none: ingested after the last linkage).
    """

    record_ids: np.ndarray
    list_index: np.ndarray
    stratum_index: np.ndarray
    entity: np.ndarray
    lists: tuple[str, ...]
    strata: tuple[str, ...]

    @property
    def linked(self) -> np.ndarray:
        """Which records are in the register."""
        return self.entity >= 0

    def histories(self, labels: np.ndarray, among: np.ndarray | None = None,
                  ) -> dict[str, CaptureHistories]:
        """Capture histories per stratum of the people ``labels`` defines over the
        records ``among`` (a boolean mask; default: every record)."""
        keep = slice(None) if among is None else among
        return histories_from_labels(labels, self.list_index[keep],
                                     self.stratum_index[keep], self.lists, self.strata)


def register_records(case: Case, strata_by: list[str] | None = None) -> RegisterRecords:
    """Read the current records with their list, stratum value and entity (one query)."""
    from fullcount.ingest.fields import FIELD_NAMES

    con = case.con
    for name in strata_by or []:
        if name not in FIELD_NAMES:
            raise FullcountError(
                f"strata.by names '{name}', which is not a record field",
                hint=f"Fields: {', '.join(FIELD_NAMES)}. Fix [strata] in fullcount.toml.")
    lists = tuple(row[0] for row in con.execute(
        "SELECT DISTINCT source FROM current_sources ORDER BY source").fetchall())
    if strata_by:
        value = " || ' / ' || ".join(
            f"coalesce(NULLIF(trim(r.{name}), ''), '{UNKNOWN_STRATUM}')" for name in strata_by)
    else:
        value = f"'{ALL}'"
    # Strata are numbered in the order ties are broken: known values first, then by name.
    columns = con.execute(f"""
        WITH r AS (
            SELECT r.record_id, list_position(?, r.source) - 1 AS list_index,
                   {value} AS stratum
            FROM current_records r
        ), s AS (
            SELECT stratum, row_number() OVER (
                ORDER BY contains(stratum, '{UNKNOWN_STRATUM}'), stratum) - 1 AS stratum_index
            FROM (SELECT DISTINCT stratum FROM r)
        ), e AS (
            SELECT record_id, min(entity_id) AS entity_id FROM entity_records GROUP BY ALL
        )
        SELECT r.record_id, r.list_index, s.stratum_index, coalesce(e.entity_id, -1) AS entity,
               s.stratum
        FROM r JOIN s USING (stratum) LEFT JOIN e USING (record_id)
        ORDER BY r.record_id
    """, [list(lists)]).fetchnumpy()
    index = columns["stratum_index"].astype(np.int64)
    names = np.asarray(columns["stratum"], dtype=object)
    strata = [""] * (int(index.max()) + 1 if len(index) else 0)
    for position, name in zip(*np.unique(index, return_index=True), strict=True):
        strata[int(position)] = str(names[name])
    return RegisterRecords(
        record_ids=columns["record_id"].astype(np.int64),
        list_index=columns["list_index"].astype(np.int64),
        stratum_index=index,
        entity=columns["entity"].astype(np.int64),
        lists=lists,
        strata=tuple(strata),
    )


def histories_from_labels(labels: np.ndarray, list_index: np.ndarray,
                          stratum_index: np.ndarray, lists: tuple[str, ...],
                          strata: tuple[str, ...]) -> dict[str, CaptureHistories]:
    """Capture histories per stratum of the people ``labels`` defines: record ``i``
    belongs to person ``labels[i]``, comes from list ``list_index[i]`` and has stratum
    value ``stratum_index[i]`` (an index into ``strata``, in tie-breaking order)."""
    labels = np.asarray(labels, dtype=np.int64)
    if len(labels) == 0:
        return {}
    k = len(lists)
    _, person = np.unique(labels, return_inverse=True)
    n_people = int(person.max()) + 1
    on_lists = np.zeros(n_people, dtype=np.int64)
    for j in range(k):
        on_lists[person[list_index == j]] |= 1 << (k - 1 - j)  # list 1 = high bit
    # Each person's stratum: the value most of their records have, ties to the lowest
    # index (known before unknown, then alphabetical).
    n_strata = max(len(strata), 1)
    pair, count = np.unique(person * n_strata + stratum_index, return_counts=True)
    owner, value = pair // n_strata, pair % n_strata
    order = np.lexsort((value, -count, owner))
    first = order[np.r_[True, owner[order][1:] != owner[order][:-1]]]
    stratum_of = np.empty(n_people, dtype=np.int64)
    stratum_of[owner[first]] = value[first]
    cells, people = np.unique(stratum_of * (1 << k) + on_lists, return_counts=True)
    result: dict[str, CaptureHistories] = {}
    for s in np.unique(cells >> k):
        mine = (cells >> k) == s
        codes = cells[mine] & ((1 << k) - 1)
        bits = (codes[:, None] >> np.arange(k - 1, -1, -1)) & 1
        result[strata[int(s)]] = CaptureHistories.from_arrays(bits, people[mine], lists)
    return dict(sorted(result.items()))
