"""Why two records are (or are not) one person: the match weight of a pair, comparison by
comparison, as Splink's waterfall chart shows it.

A pair the link stage kept is explained from what was stored with it (the level each
comparison fell in and its weight). Any other pair (not a candidate, or below the
kept-pairs floor) is scored now with the case's model and the case's term frequencies.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from fullcount.errors import FullcountError
from fullcount.link.engine import NAME_FREQUENCY, NAME_FREQUENCY_LABELS
from fullcount.link.prepare import link_input

if TYPE_CHECKING:
    from fullcount.case import Case

_REFERENCE = re.compile(r"^(?P<source>[A-Za-z0-9][A-Za-z0-9_\-]*):(?P<row>\d+)$")


@dataclass
class ComparisonWeight:
    comparison: str
    level: str
    weight: float            # bits, term-frequency adjustment included
    left: str = ""           # the compared values, for display
    right: str = ""


@dataclass
class PairExplanation:
    record_id_l: int
    record_id_r: int
    prior_weight: float      # bits: how likely any two records of the case match
    comparisons: list[ComparisonWeight] = field(default_factory=list)
    match_weight: float = 0.0
    match_probability: float = 0.0
    threshold: float = 0.5
    origin: str = "stored"   # "stored" or "scored now"
    same_entity: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def resolve_record(case: Case, reference: str | int) -> int:
    """A record id from a reference: a record id, or ``SOURCE:ROW`` (the row number as
    ingest counted it)."""
    from fullcount.case import fetch_one

    text = str(reference).strip()
    match = _REFERENCE.match(text)
    if match:
        row = case.con.execute(
            "SELECT record_id FROM current_records WHERE source = ? AND row_number = ?",
            [match["source"], int(match["row"])]).fetchone()
        if row is None:
            raise FullcountError(f"no current record is row {match['row']} of source "
                                 f"'{match['source']}'",
                                 hint="See `fullcount sources` for the sources and rows.")
        return int(row[0])
    if not text.isdigit():
        raise FullcountError(f"'{text}' is not a record: give a record id or SOURCE:ROW "
                             "(e.g. ngo_a:214)")
    if fetch_one(case.con, "SELECT count(*) FROM current_records WHERE record_id = ?",
                 [int(text)])[0] == 0:
        raise FullcountError(f"there is no current record with id {text}")
    return int(text)


def _model(case: Case) -> tuple[int, dict[str, Any], float]:
    row = case.con.execute("SELECT model_id, splink_model, threshold FROM link_models "
                           "ORDER BY model_id DESC LIMIT 1").fetchone()
    if row is None:
        raise FullcountError("the case has no linkage model yet",
                             hint="Run `fullcount link` first.")
    return int(row[0]), json.loads(row[1]), float(row[2])


def level_labels(model: dict[str, Any]) -> list[tuple[str, dict[int, str]]]:
    """Per comparison of a saved model: its name and its levels' labels by gamma (-1 for
    the null level; the last level is 0 and the first non-null level the highest); then
    the full-name frequency correction (``engine.pairs_sql``)."""
    out = []
    for comparison in model["comparisons"]:
        levels = comparison["comparison_levels"]
        non_null = [lv for lv in levels if not lv.get("is_null_level")]
        labels = {len(non_null) - 1 - i: lv.get("label_for_charts", "") for i, lv
                  in enumerate(non_null)}
        labels[-1] = "missing on either side"
        out.append((comparison["output_column_name"], labels))
    out.append((NAME_FREQUENCY, NAME_FREQUENCY_LABELS))
    return out


def explain_pair(case: Case, a: int, b: int) -> PairExplanation:
    """The match-weight breakdown of records ``a`` and ``b`` (record ids)."""
    if a == b:
        raise FullcountError("a record is always the same person as itself; give two "
                             "different records")
    left, right = min(a, b), max(a, b)
    _, model, threshold = _model(case)
    labels = level_labels(model)
    prior = model.get("probability_two_random_records_match") or 1e-4
    prior_bits = math.log2(prior / (1 - prior))
    row = case.con.execute("SELECT gammas, weights, match_weight, match_probability "
                           "FROM pairs WHERE record_id_l = ? AND record_id_r = ?",
                           [left, right]).fetchone()
    origin = "stored"
    if row is None:
        row = _score_now(case, model, left, right)
        origin = "scored now"
    gammas, weights, match_weight, probability = row
    values = _compared_values(case, left, right)
    parts = [ComparisonWeight(name, level_map.get(int(g), f"level {g}"), float(w),
                              *values.get(name, ("", "")))
             for (name, level_map), g, w in zip(labels, gammas, weights, strict=True)]
    same = case.con.execute("""
        SELECT count(DISTINCT entity_id) = 1 AND count(*) = 2 FROM entity_records
        WHERE record_id IN (?, ?)""", [left, right]).fetchone()
    return PairExplanation(left, right, prior_bits, parts, float(match_weight),
                           float(probability), threshold, origin,
                           bool(same[0]) if same else False)


def _score_now(case: Case, model: dict[str, Any],
               left: int, right: int) -> tuple[list[int], list[float], float, float]:
    """Score one pair with the stored model, with term frequencies from the whole case:
    as the link stage scores the pairs inside an entity (``SplinkEngine.score_pairs``)."""
    import tempfile

    from fullcount.link.engine import SplinkEngine

    everyone = link_input(case.con)
    pair = pa.table({"record_id_l": pa.array([left], pa.int64()),
                     "record_id_r": pa.array([right], pa.int64())})
    with tempfile.TemporaryDirectory(prefix="fullcount-explain-") as scratch, \
            SplinkEngine("duckdb", workdir=Path(scratch) / "work", rules=[],
                         encrypt_temp=case.encrypted) as splink:
        splink.use_name_frequencies(everyone)
        table = splink.score_pairs(splink.register(everyone, "records"), model, pair)
    if table.num_rows != 1:
        raise FullcountError(f"could not score records {left} and {right}")
    pair = table.to_pylist()[0]
    return pair["gammas"], pair["weights"], pair["match_weight"], pair["match_probability"]


def _compared_values(case: Case, left: int, right: int) -> dict[str, tuple[str, str]]:
    rows = {r[0]: r[1:] for r in case.con.execute("""
        SELECT record_id, coalesce(given_key, ''), coalesce(family_key, ''),
               coalesce(father_key, ''), coalesce(sex_code, ''),
               coalesce(age, ''), coalesce(date_iso::VARCHAR, '') ||
                   CASE WHEN date_precision IS NOT NULL AND date_precision <> 'day'
                        THEN ' (' || date_precision || ')' ELSE '' END,
               concat_ws(', ', place_canonical, province_canonical)
        FROM current_records WHERE record_id IN (?, ?)""", [left, right]).fetchall()}
    names = ("given_name", "family_name", "father_name", "sex", "age", "date_of_death",
             "place")
    # (the name-frequency row shows no values: it is about the names above)
    a, b = rows.get(left), rows.get(right)
    if a is None or b is None:
        return {}
    return {name: (str(x), str(y)) for name, x, y in zip(names, a, b, strict=True)}
