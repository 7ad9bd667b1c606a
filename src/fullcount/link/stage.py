"""The link stage: which records are the same person.

Trains a Splink model on the case (or reuses the stored one), scores candidate pairs,
clusters them with the review decisions, and writes the model, the pairs and the
register (``entities``, ``entity_records``) in one transaction: interrupted, the case is
as it was.

When a linked case gains records (a new source, a new version), ``fullcount link`` links
only the new records: new against existing and new among themselves, with the stored
model. Earlier pairs and decisions stay as they are. ``--retrain`` starts over.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from fullcount import __version__
from fullcount.errors import FullcountError
from fullcount.link.cluster import cluster
from fullcount.link.engine import SplinkEngine
from fullcount.link.prepare import link_input

if TYPE_CHECKING:
    from fullcount.case import Case

Progress = Callable[[str], None]

# Bounds for the threshold the model chooses.
_THRESHOLD_RANGE = (0.2, 0.95)


@dataclass
class LinkResult:
    mode: str                 # "full", "incremental" or "recluster"
    engine: str
    records: int              # current records linked
    new_records: int          # records linked for the first time by this run
    pairs: int                # candidate pairs kept in the case
    pairs_scored: int         # candidate pairs scored by this run
    entities: int
    threshold: float
    threshold_origin: str
    model_id: int
    uncertain_pairs: int
    cut_links: int            # links at or above the threshold cut by cannot-links
    vetoed_pairs: int = 0     # candidate pairs a disagreement rules out (cannot-links)
    decisions_applied: dict[str, int] = field(default_factory=dict)
    checks: list[dict[str, str]] = field(default_factory=list)
    weights: dict[str, list[tuple[str, float]]] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _fetch(case: Case, sql: str, params: list[Any] | None = None) -> Any:
    from fullcount.case import fetch_one

    return fetch_one(case.con, sql, params)[0]


def run_link_stage(case: Case, *, engine: str | None = None, threshold: float | None = None,
                   retrain: bool = False, progress: Progress | None = None) -> LinkResult:
    """Link the case's current records into entities (see the module docstring)."""
    say = progress or (lambda _: None)
    settings = case.settings.link
    engine = engine or settings.engine
    con = case.con
    n_records = _fetch(case, "SELECT count(*) FROM current_records")
    if n_records == 0:
        raise FullcountError("the case has no records to link",
                             hint="Ingest lists first with `fullcount ingest`.")
    unnormalised = _fetch(case, "SELECT count(*) FROM current_records "
                                "WHERE normalize_version IS NULL")
    if unnormalised:
        raise FullcountError(
            f"{unnormalised:,} records are not normalised, so they cannot be compared",
            hint="Run `fullcount normalize` first.")
    model_row = con.execute(
        "SELECT model_id, splink_model FROM link_models ORDER BY model_id DESC LIMIT 1"
    ).fetchone()
    linked = _fetch(case, "SELECT count(*) FROM entity_records "
                          "WHERE record_id IN (SELECT record_id FROM current_records)")
    stale = _fetch(case, "SELECT count(*) FROM entity_records "
                         "WHERE record_id NOT IN (SELECT record_id FROM current_records)")
    new_count = n_records - linked
    if retrain or model_row is None or linked == 0 or stale:
        mode = "full"
    elif new_count:
        mode = "incremental"
    else:
        mode = "recluster"

    seconds: dict[str, float] = {}
    started = time.perf_counter()
    table = link_input(con)
    seconds["prepare"] = time.perf_counter() - started
    checks: list[dict[str, str]] = []
    weights: dict[str, list[tuple[str, float]]] = {}
    training: dict[str, Any] = {}
    new_pairs: pa.Table | None = None
    model: dict[str, Any]
    if mode == "recluster":
        assert model_row is not None
        model_id, model = int(model_row[0]), json.loads(model_row[1])
    else:
        work = case.path / ".link-work"
        with SplinkEngine(engine, workdir=work, memory_limit=case.settings.engine.memory_limit,
                          threads=case.settings.engine.threads,
                          spark_master=settings.spark_master) as splink:
            records = splink.register(table, "records")
            if mode == "full":
                t0 = time.perf_counter()
                trained = splink.train(records, table, seed=case.settings.case.seed,
                                       u_sample_pairs=settings.u_sample_pairs, step=say)
                seconds["train"] = time.perf_counter() - t0
                model, training = trained.model, trained.training
                checks = [c.to_dict() for c in trained.report.checks]
                weights = trained.report.weights
                model_id = (_fetch(case, "SELECT coalesce(max(model_id), 0) FROM link_models")
                            + 1)
                say(f"scoring candidate pairs of {n_records:,} records")
                t0 = time.perf_counter()
                linker = splink.linker(records, model)
                new_pairs = splink.predict(linker, keep_above=settings.keep_pairs_above)
            else:
                assert model_row is not None
                model_id, model = int(model_row[0]), json.loads(model_row[1])
                linked_ids = con.execute(
                    "SELECT record_id FROM entity_records").fetch_arrow_table()["record_id"]
                is_new = pc.invert(pc.is_in(table["unique_id"], value_set=linked_ids))
                say(f"scoring {new_count:,} new records against {linked:,} linked ones")
                t0 = time.perf_counter()
                linker = splink.linker(records, model)
                existing = splink.register(table.filter(pc.invert(is_new)), "existing")
                fresh = splink.register(table.filter(is_new), "new")
                new_pairs = splink.predict_new(linker, existing, fresh,
                                               keep_above=settings.keep_pairs_above)
            seconds["predict"] = time.perf_counter() - t0
        new_pairs = new_pairs.append_column(
            "model_id", pa.array(np.full(new_pairs.num_rows, model_id, dtype=np.int32)))

    say("clustering")
    t0 = time.perf_counter()
    con.register("link_new_pairs", new_pairs if new_pairs is not None else _empty_pairs())
    try:
        all_pairs = con.execute(f"""
            SELECT record_id_l, record_id_r, match_probability, veto FROM link_new_pairs
            {'' if mode == 'full' else 'UNION ALL SELECT record_id_l, record_id_r, '
             'match_probability, veto FROM pairs WHERE record_id_l IN (SELECT record_id '
             'FROM current_records) AND record_id_r IN (SELECT record_id FROM '
             'current_records)'}
        """).fetch_arrow_table()
        left = all_pairs["record_id_l"].to_numpy()
        right = all_pairs["record_id_r"].to_numpy()
        prob = all_pairs["match_probability"].to_numpy()
        vetoed = all_pairs["veto"].to_numpy(zero_copy_only=False).astype(bool)
        if threshold is not None:
            chosen, origin = threshold, "command line"
        elif settings.threshold > 0:
            chosen, origin = settings.threshold, "settings"
        else:
            chosen, origin = best_expected_f1_threshold(prob), "model"
        decisions = con.execute("""
            SELECT d.record_id_l, d.record_id_r, d.decision FROM current_decisions d
            WHERE d.decision IN ('match', 'non_match')
              AND d.record_id_l IN (SELECT record_id FROM current_records)
              AND d.record_id_r IN (SELECT record_id FROM current_records)
        """).fetchall()
        must = [(a, b) for a, b, d in decisions if d == "match"]
        cannot = [(a, b) for a, b, d in decisions if d == "non_match"]
        record_ids = table["unique_id"].to_numpy()
        # Vetoed pairs are cannot-links too, unless a reviewer decided they match.
        veto_l, veto_r = left[vetoed], right[vetoed]
        if must:
            agreed = np.array([a * (1 << 32) + b for a, b in must], dtype=np.int64)
            keep = ~np.isin(veto_l * (1 << 32) + veto_r, agreed)
            veto_l, veto_r = veto_l[keep], veto_r[keep]
        declined = _pair_arrays(cannot)
        cannot_l = np.concatenate([veto_l] + ([declined[0]] if declined else []))
        cannot_r = np.concatenate([veto_r] + ([declined[1]] if declined else []))
        clusters = cluster(record_ids, left, right, prob, chosen,
                           must_link=_pair_arrays(must),
                           cannot_link=(cannot_l, cannot_r) if len(cannot_l) else None)
        seconds["cluster"] = time.perf_counter() - t0
        uncertain = int(np.count_nonzero(
            (prob >= settings.uncertain_low) & (prob < settings.uncertain_high) & ~vetoed))
        members = pa.table({"entity_id": pa.array(clusters.labels + 1, pa.int64()),
                            "record_id": pa.array(record_ids, pa.int64())})
        con.register("link_members", members)
        say("writing the register")
        t0 = time.perf_counter()
        with case.transaction():
            if mode == "full":
                con.execute("""
                    INSERT INTO link_models (model_id, created_at, engine, splink_model,
                        threshold, threshold_origin, checks, training, software_version)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, [model_id, _now(), engine, json.dumps(model), chosen, origin,
                      json.dumps(checks), json.dumps(training), __version__])
                con.execute("DELETE FROM pairs")
            if new_pairs is not None:
                con.execute("""
                    INSERT INTO pairs (record_id_l, record_id_r, model_id, match_weight,
                                       match_probability, gammas, weights, veto)
                    SELECT record_id_l, record_id_r, model_id, match_weight,
                           match_probability, gammas, weights, veto FROM link_new_pairs
                """)
            if mode != "full":
                con.execute("UPDATE link_models SET threshold = ?, threshold_origin = ? "
                            "WHERE model_id = ?", [chosen, origin, model_id])
            con.execute("DELETE FROM entity_records")
            con.execute("INSERT INTO entity_records SELECT entity_id, record_id "
                        "FROM link_members")
            _write_entities(case, chosen, model_id)
            n_pairs = _fetch(case, "SELECT count(*) FROM pairs")
            result = LinkResult(
                mode=mode, engine=engine if mode != "recluster" else "none",
                records=n_records, new_records=n_records if mode == "full" else new_count,
                pairs=n_pairs, pairs_scored=new_pairs.num_rows if new_pairs is not None else 0,
                entities=clusters.n_clusters, threshold=chosen, threshold_origin=origin,
                model_id=model_id, uncertain_pairs=uncertain, cut_links=clusters.cut_links,
                vetoed_pairs=int(vetoed.sum()),
                decisions_applied={"match": len(must), "non_match": len(cannot)},
                checks=checks, weights=weights, seconds=seconds)
            audit = result.to_dict()
            audit.pop("weights")
            audit["data_version"] = _data_version(case)
            case.audit("link", audit)
        seconds["write"] = time.perf_counter() - t0
    finally:
        for name in ("link_new_pairs", "link_members"):
            try:
                con.unregister(name)
            except Exception:  # noqa: BLE001 - not registered
                pass
    return result


def best_expected_f1_threshold(probability: np.ndarray) -> float:
    """The threshold that maximises the F1 expected under the model's own match
    probabilities: a pair at p counts as p of a true match and 1 - p of a false one.
    Kept within 0.2..0.95; 0.5 when there are no pairs."""
    if len(probability) == 0:
        return 0.5
    p = np.sort(np.asarray(probability, dtype=np.float64))[::-1]
    tp = np.cumsum(p)                   # expected true matches among the top k
    fp = np.cumsum(1.0 - p)
    fn = tp[-1] - tp
    f1 = 2 * tp / np.maximum(2 * tp + fp + fn, 1e-12)
    best = float(p[int(np.argmax(f1))])
    return float(min(max(best, _THRESHOLD_RANGE[0]), _THRESHOLD_RANGE[1]))


def _pair_arrays(pairs: list[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray] | None:
    if not pairs:
        return None
    return (np.array([a for a, _ in pairs], dtype=np.int64),
            np.array([b for _, b in pairs], dtype=np.int64))


def _empty_pairs() -> pa.Table:
    return pa.table({"record_id_l": pa.array([], pa.int64()),
                     "record_id_r": pa.array([], pa.int64()),
                     "model_id": pa.array([], pa.int32()),
                     "match_weight": pa.array([], pa.float64()),
                     "match_probability": pa.array([], pa.float64()),
                     "gammas": pa.array([], pa.list_(pa.int8())),
                     "weights": pa.array([], pa.list_(pa.float64())),
                     "veto": pa.array([], pa.bool_())})


_PERSIAN = f"[{chr(0x0600)}-{chr(0x06FF)}]"  # Arabic-script letters


def _write_entities(case: Case, threshold: float, model_id: int) -> None:
    """One row per entity with the best-known value of each field among its records."""
    case.con.execute("DELETE FROM entities")
    case.con.execute(f"""
        INSERT INTO entities
        WITH m AS (
            SELECT e.entity_id, r.*,
                   coalesce(NULLIF(trim(r.full_name), ''),
                            NULLIF(trim(concat_ws(' ', r.given_name, r.family_name)), ''))
                       AS written_name
            FROM entity_records e JOIN current_records r USING (record_id)
        ), inside AS (
            SELECT e1.entity_id, min(p.match_probability) AS weakest
            FROM pairs p
            JOIN entity_records e1 ON e1.record_id = p.record_id_l
            JOIN entity_records e2 ON e2.record_id = p.record_id_r
            WHERE e1.entity_id = e2.entity_id AND p.match_probability >= ?
            GROUP BY e1.entity_id
        )
        SELECT m.entity_id, count(*) AS n_records,
               list(DISTINCT m.source ORDER BY m.source) AS sources,
               mode(m.written_name) FILTER (WHERE regexp_matches(m.written_name, '{_PERSIAN}')),
               mode(m.name_latin), mode(m.name_key), mode(m.father_key), mode(m.sex_code),
               coalesce(mode(m.age_min) FILTER (WHERE m.age_min = m.age_max), min(m.age_min)),
               coalesce(mode(m.age_max) FILTER (WHERE m.age_min = m.age_max), max(m.age_max)),
               coalesce(mode(m.date_iso) FILTER (WHERE m.date_precision = 'day'),
                        min(m.date_iso)),
               mode(m.place_canonical), mode(m.province_canonical),
               CASE WHEN count(*) > 1 THEN any_value(i.weakest) END, ?
        FROM m LEFT JOIN inside i USING (entity_id)
        GROUP BY m.entity_id
    """, [threshold, model_id])


def _data_version(case: Case) -> str:
    from fullcount.case import fetch_one

    row = fetch_one(case.con, "SELECT string_agg(sha256, ',' ORDER BY file_id) "
                              "FROM current_sources")
    return str(row[0] or "")


def _now() -> Any:
    from fullcount.case import utc_now

    return utc_now()
