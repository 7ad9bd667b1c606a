"""The link stage: which records are the same person.

Trains a Splink model on the case (or reuses the stored one), scores candidate pairs,
clusters them with the review decisions, and writes the model, the pairs and the
register (``entities``, ``entity_records``) in one transaction: interrupted, the case is
as it was.

Clustering is connected components of the pairs at or above the threshold, then a
check: every pair of records inside an entity is scored (the few not already scored),
and where one is vetoed (two different given names, say: brothers chained together
through a record that lacks one) the entity is cut at its weakest links until no vetoed
pair or reviewer's cannot-link remains inside an entity.

When a linked case gains records (a new source, a new version), ``fullcount link`` links
only the new records: new against existing and new among themselves, with the stored
model. Earlier pairs and decisions stay as they are. ``--retrain`` starts over.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from fullcount import __version__
from fullcount.cluster import cannot_links, cluster, default_max_entity_records
from fullcount.errors import FullcountError
from fullcount.link.engine import SplinkEngine
from fullcount.link.model import BLOCKING_RULES, choose_blocking_rules
from fullcount.link.prepare import link_input, memory_only

if TYPE_CHECKING:
    from fullcount.case import Case

Progress = Callable[[str], None]

# Bounds for the threshold the model chooses.
_THRESHOLD_RANGE = (0.2, 0.95)


@dataclass
class LinkResult:
    mode: str                 # "full", "rescore", "incremental" or "recluster"
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
    vetoed_pairs: int = 0     # pairs a disagreement rules out (cannot-links)
    checked_pairs: int = 0    # pairs inside entities scored after clustering
    split_components: int = 0  # clusters too large to be one person, split
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
                   retrain: bool = False, rescore: bool = False,
                   progress: Progress | None = None) -> LinkResult:
    """Link the case's current records into entities (see the module docstring).

    ``retrain``: train a new model and score every pair. ``rescore``: score every pair
    again with the stored model (what linking everything at once with that model
    gives; incremental runs should agree with it)."""
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
    model_row = con.execute("SELECT model_id, splink_model, training FROM link_models "
                            "ORDER BY model_id DESC LIMIT 1").fetchone()
    linked = _fetch(case, "SELECT count(*) FROM entity_records "
                          "WHERE record_id IN (SELECT record_id FROM current_records)")
    stale = _fetch(case, "SELECT count(*) FROM entity_records "
                         "WHERE record_id NOT IN (SELECT record_id FROM current_records)")
    new_count = n_records - linked
    if retrain or model_row is None or linked == 0 or stale:
        mode = "full"
    elif rescore:
        mode = "rescore"
    elif new_count:
        mode = "incremental"
    else:
        mode = "recluster"

    seconds: dict[str, float] = {}
    started = time.perf_counter()
    table = link_input(con)
    record_ids = table["unique_id"].to_numpy()
    seconds["prepare"] = time.perf_counter() - started
    checks: list[dict[str, str]] = []
    weights: dict[str, list[tuple[str, float]]] = {}
    training: dict[str, Any] = {}
    model: dict[str, Any]
    keep_above = settings.keep_pairs_above
    max_size = settings.max_entity_records or default_max_entity_records(_fetch(
        case, "SELECT count(DISTINCT source) FROM current_records"))
    if mode == "full":
        rules, rule_pairs = choose_blocking_rules(table)
        training["blocking_rules"], training["blocking_rule_pairs"] = rules, rule_pairs
    else:
        assert model_row is not None
        rules = json.loads(model_row[2]).get("blocking_rules") or [
            list(broad) for broad, _ in BLOCKING_RULES]
    work = case.path / ".link-work"
    with SplinkEngine(engine, workdir=work, rules=rules,
                      memory_limit=case.settings.engine.memory_limit,
                      threads=case.settings.engine.threads,
                      spark_master=settings.spark_master,
                      encrypt_temp=case.encrypted) as splink:
        records = splink.register(table, "records")
        splink.use_name_frequencies(table)
        t0 = time.perf_counter()
        if mode == "full":
            trained = splink.train(records, table, seed=case.settings.case.seed,
                                   u_sample_pairs=settings.u_sample_pairs, step=say)
            seconds["train"] = time.perf_counter() - t0
            model = trained.model
            training.update(trained.training)
            checks = [c.to_dict() for c in trained.report.checks]
            weights = trained.report.weights
            model_id = _fetch(case, "SELECT coalesce(max(model_id), 0) FROM link_models") + 1
            say(f"scoring candidate pairs of {n_records:,} records")
            t0 = time.perf_counter()
            new_pairs = splink.predict(splink.linker(records, model), keep_above=keep_above)
        else:
            assert model_row is not None
            model_id, model = int(model_row[0]), json.loads(model_row[1])
            if mode == "rescore":
                say(f"scoring candidate pairs of {n_records:,} records")
                new_pairs = splink.predict(splink.linker(records, model),
                                           keep_above=keep_above)
            elif mode == "incremental":
                linked_ids = con.execute(
                    "SELECT record_id FROM entity_records").fetch_arrow_table()["record_id"]
                is_new = pc.invert(pc.is_in(table["unique_id"], value_set=linked_ids))
                say(f"scoring {new_count:,} new records against {linked:,} linked ones")
                new_pairs = splink.predict_new(
                    splink.linker(records, model),
                    splink.register(table.filter(pc.invert(is_new)), "existing"),
                    splink.register(table.filter(is_new), "new"), keep_above=keep_above)
            else:
                new_pairs = _empty_pairs()
        seconds["predict"] = time.perf_counter() - t0
        new_pairs = _with_model(new_pairs, model_id)

        say("clustering")
        t0 = time.perf_counter()
        stored = pa.concat_tables([new_pairs.select(_CLUSTER_COLUMNS), con.execute(f"""
            SELECT {', '.join(_CLUSTER_COLUMNS)} FROM pairs
            WHERE {'FALSE' if mode in ('full', 'rescore') else 'TRUE'}
              AND record_id_l IN (SELECT record_id FROM current_records)
              AND record_id_r IN (SELECT record_id FROM current_records)
        """).fetch_arrow_table().cast(new_pairs.select(_CLUSTER_COLUMNS).schema)])
        prob = stored["match_probability"].to_numpy()
        if threshold is not None:
            chosen, origin = threshold, "command line"
        elif settings.threshold > 0:
            chosen, origin = settings.threshold, "settings"
        else:
            chosen, origin = best_expected_f1_threshold(prob[prob >= keep_above]), "model"
        decisions = con.execute("""
            SELECT d.record_id_l, d.record_id_r, d.decision FROM current_decisions d
            WHERE d.decision IN ('match', 'non_match')
              AND d.record_id_l IN (SELECT record_id FROM current_records)
              AND d.record_id_r IN (SELECT record_id FROM current_records)
        """).fetchall()
        must = _pair_arrays([(a, b) for a, b, d in decisions if d == "match"])
        declined = _pair_arrays([(a, b) for a, b, d in decisions if d == "non_match"])
        clusters = _cluster(record_ids, stored, chosen, must, declined, max_size)
        # Pairs inside an entity that are not among the kept pairs (never candidates,
        # or below the floor): score them now, and cut the entity where one is vetoed.
        unscored = _unscored_pairs_within(record_ids, clusters.labels, stored)
        checked_pairs = unscored.num_rows
        if checked_pairs:
            say(f"checking {checked_pairs:,} unscored pairs inside entities")
            # all kept, whatever their probability, so that they are not checked again
            checked = _with_model(splink.score_pairs(records, model, unscored), model_id)
            new_pairs = pa.concat_tables([new_pairs, checked])
            stored = pa.concat_tables([stored, checked.select(_CLUSTER_COLUMNS)])
            clusters = _cluster(record_ids, stored, chosen, must, declined, max_size)
        seconds["cluster"] = time.perf_counter() - t0
    vetoed = stored["veto"].to_numpy(zero_copy_only=False).astype(bool)
    prob = stored["match_probability"].to_numpy()
    uncertain = int(np.count_nonzero(
        (prob >= settings.uncertain_low) & (prob < settings.uncertain_high) & ~vetoed))
    con.register("link_new_pairs", new_pairs)
    try:
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
            if mode in ("full", "rescore"):
                con.execute("DELETE FROM pairs")
            if new_pairs.num_rows:
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
                mode=mode,
                engine=engine if mode != "recluster" or checked_pairs else "none",
                records=n_records, new_records=new_count if mode != "full" else n_records,
                pairs=n_pairs, pairs_scored=new_pairs.num_rows,
                entities=clusters.n_clusters, threshold=chosen, threshold_origin=origin,
                model_id=model_id, uncertain_pairs=uncertain, cut_links=clusters.cut_links,
                vetoed_pairs=int(vetoed.sum()), split_components=clusters.split_components,
                decisions_applied={"match": 0 if must is None else len(must[0]),
                                   "non_match": 0 if declined is None else len(declined[0])},
                checked_pairs=checked_pairs,
                checks=checks, weights=weights, seconds=seconds)
            audit = result.to_dict()
            audit.pop("weights")
            audit["data_version"] = _data_version(case)
            case.audit("link", audit)
        seconds["write"] = time.perf_counter() - t0
    finally:
        for name in ("link_new_pairs", "link_members"):
            with contextlib.suppress(duckdb.Error):  # not registered
                con.unregister(name)
    return result


_CLUSTER_COLUMNS = ["record_id_l", "record_id_r", "match_probability", "veto"]


def _with_model(pairs: pa.Table, model_id: int) -> pa.Table:
    return pairs.append_column(
        "model_id", pa.array(np.full(pairs.num_rows, model_id, dtype=np.int32)))


def _cluster(record_ids: np.ndarray, pairs: pa.Table, threshold: float,
             must: tuple[np.ndarray, np.ndarray] | None,
             declined: tuple[np.ndarray, np.ndarray] | None, max_size: int) -> Any:
    """Cluster with the pairs' links, the reviewers' decisions and the vetoes: a vetoed
    pair is a cannot-link unless a reviewer decided it is a match."""
    left = pairs["record_id_l"].to_numpy()
    right = pairs["record_id_r"].to_numpy()
    vetoed = pairs["veto"].to_numpy(zero_copy_only=False).astype(bool)
    return cluster(record_ids, left, right, pairs["match_probability"].to_numpy(), threshold,
                   must_link=must, cannot_link=cannot_links(left, right, vetoed, must, declined),
                   max_size=max_size)


# Entities larger than this are not checked pair by pair (their pairs would be too many);
# the link stage reports them.
_MAX_CHECKED_ENTITY = 2_000


def _unscored_pairs_within(record_ids: np.ndarray, labels: np.ndarray,
                           scored: pa.Table) -> pa.Table:
    """Pairs of records in one cluster that are not among ``scored``."""
    con = memory_only()
    try:
        con.register("members", pa.table({"record_id": record_ids, "label": labels}))
        con.register("scored", scored.select(["record_id_l", "record_id_r"]))
        return con.execute(f"""
            WITH m AS (
                SELECT record_id, label FROM members WHERE label IN (
                    SELECT label FROM members GROUP BY label
                    HAVING count(*) BETWEEN 3 AND {_MAX_CHECKED_ENTITY})
            )
            SELECT a.record_id AS record_id_l, b.record_id AS record_id_r
            FROM m a JOIN m b ON a.label = b.label AND a.record_id < b.record_id
            ANTI JOIN scored s
                ON s.record_id_l = a.record_id AND s.record_id_r = b.record_id
            ORDER BY 1, 2
        """).fetch_arrow_table()
    finally:
        con.close()


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
    """No pairs, in the shape ``SplinkEngine`` returns them."""
    return pa.table({"record_id_l": pa.array([], pa.int64()),
                     "record_id_r": pa.array([], pa.int64()),
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
