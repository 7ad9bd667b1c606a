"""Linkage on Spark: Arrow tables in and out with their types and nulls, a DuckDB-trained
model carried over to Spark's SQL dialect, and the link stage on Spark (trained there,
and incremental with a stored model) against the same stage on DuckDB.

Spark runs locally (``local[*]``) from the Splink wheel's jar; it needs Java.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pytest
from link_fixtures import copy_case, ingest_and_normalise, new_case, register, source_files

from fullcount.case import Case
from fullcount.errors import FullcountError
from fullcount.link.engine import SplinkEngine
from fullcount.link.evaluate import evaluate_register
from fullcount.link.model import BLOCKING_RULES, model_in_dialect
from fullcount.link.stage import LinkResult, run_link_stage
from fullcount.synth import SynthSummary, generate

pytestmark = pytest.mark.skipif(shutil.which("java") is None,
                                reason="Spark needs Java 17+, and `java` is not on PATH")

# Small: Spark's cost here is per query (Splink runs a few hundred), not per record.
N, LISTS, SEED = 300, 3, 5


@pytest.fixture(scope="module")
def lists(tmp_path_factory: pytest.TempPathFactory) -> SynthSummary:
    return generate(tmp_path_factory.mktemp("lists"), n=N, lists=LISTS, seed=SEED)


@pytest.fixture(scope="module")
def duckdb_linked(tmp_path_factory: pytest.TempPathFactory, lists: SynthSummary
                  ) -> tuple[Path, LinkResult]:
    """Every list, linked on DuckDB."""
    case_dir = new_case(tmp_path_factory.mktemp("duckdb") / "case", source_files(lists))
    with Case.open(case_dir) as case:
        return case_dir, run_link_stage(case, engine="duckdb")


def test_arrow_tables_keep_types_and_nulls_through_spark(tmp_path: Path) -> None:
    table = pa.table({
        "unique_id": pa.array([1, 2, 3], pa.int64()),
        "given_key": pa.array(["hosein", None, "zahra"], pa.string()),
        "given_known": pa.array([True, None, False], pa.bool_()),
        "age_lo": pa.array([23, None, 2**40], pa.int64()),
        "day_lo": pa.array([None, None, None], pa.int64()),
    })
    rules = [list(broad) for broad, _ in BLOCKING_RULES]
    with SplinkEngine("spark", workdir=tmp_path / "work", rules=rules) as splink:
        back = splink.to_arrow(splink.register(table, "records"))
    assert back.schema == table.schema
    assert back.sort_by("unique_id").to_pydict() == table.to_pydict()


def test_a_duckdb_model_is_carried_to_spark_level_by_level(
        duckdb_linked: tuple[Path, LinkResult]) -> None:
    case_dir, _ = duckdb_linked
    with Case.open(case_dir, readonly=True) as case:
        model_json, training = case.con.execute(
            "SELECT splink_model, training FROM link_models").fetchone()
    model, rules = json.loads(model_json), json.loads(training)["blocking_rules"]
    spark = model_in_dialect(model, rules, "spark")
    assert spark["probability_two_random_records_match"] == (
        model["probability_two_random_records_match"])
    for ours, theirs in zip(spark["comparisons"], model["comparisons"], strict=True):
        assert ours["output_column_name"] == theirs["output_column_name"]
        for level, trained in zip(ours["comparison_levels"], theirs["comparison_levels"],
                                  strict=True):
            assert level["label_for_charts"] == trained["label_for_charts"]
            for key in ("m_probability", "u_probability"):
                assert level.get(key) == trained.get(key)
    conditions = [lv["sql_condition"] for c in spark["comparisons"]
                  for lv in c["comparison_levels"]]
    # DuckDB's function names are translated to Spark's (Splink's jar)
    assert any("jaro_winkler(" in sql for sql in conditions)
    assert not any("jaro_winkler_similarity" in sql for sql in conditions)

    model["comparisons"][0]["comparison_levels"].pop(2)
    with pytest.raises(FullcountError, match="--retrain"):
        model_in_dialect(model, rules, "spark")


@pytest.mark.slow
def test_spark_trains_a_register_like_duckdbs(
        tmp_path: Path, lists: SynthSummary, duckdb_linked: tuple[Path, LinkResult]) -> None:
    case_dir, on_duckdb = duckdb_linked
    case_dir = copy_case(case_dir, tmp_path / "case")
    with Case.open(case_dir) as case:
        on_spark = run_link_stage(case, engine="spark", retrain=True)
        records = case.con.execute("SELECT count(*) FROM current_records").fetchone()[0]
        in_entities = len(register(case))
        engines = case.con.execute(
            "SELECT engine FROM link_models ORDER BY model_id").fetchall()
        ev = evaluate_register(case, lists.out_dir)
    with Case.open(duckdb_linked[0], readonly=True) as case:
        ev_duckdb = evaluate_register(case, lists.out_dir)
    print(f"\n{records} records: {on_spark.entities} entities on Spark, "
          f"{on_duckdb.entities} on DuckDB ({ev.true_people} people); F1 {ev.f1:.4f} vs "
          f"{ev_duckdb.f1:.4f}; threshold {on_spark.threshold:.3f} vs "
          f"{on_duckdb.threshold:.3f}; seconds {on_spark.seconds}")
    assert (on_spark.mode, on_spark.engine) == ("full", "spark")
    assert [e for (e,) in engines] == ["duckdb", "spark"]
    assert in_entities == on_spark.records == records
    assert on_spark.pairs == on_spark.pairs_scored > 0
    # Same training on the same records; random samples (u, EM) may differ by backend.
    assert abs(on_spark.entities - on_duckdb.entities) <= 0.03 * on_duckdb.entities
    assert ev.f1 >= ev_duckdb.f1 - 0.02


@dataclass
class Incremental:
    result: LinkResult
    entities: dict[tuple[str, int], int]
    pairs: set[tuple[int, int]]


def _link_new_list(case_dir: Path, new: list[tuple[str, Path]], engine: str) -> Incremental:
    with Case.open(case_dir) as case:
        ingest_and_normalise(case, new)
        result = run_link_stage(case, engine=engine)
        pairs = {(a, b) for a, b in case.con.execute(
            "SELECT record_id_l, record_id_r FROM pairs").fetchall()}
        return Incremental(result, register(case), pairs)


@pytest.mark.slow
def test_spark_links_new_records_with_a_stored_model(tmp_path: Path,
                                                     lists: SynthSummary) -> None:
    """A model trained on DuckDB, new records linked on Spark: the same pairs and the
    same register as linking them on DuckDB."""
    files = source_files(lists)
    first = new_case(tmp_path / "first", files[:-1])
    with Case.open(first) as case:
        run_link_stage(case, engine="duckdb")
    on_duckdb = _link_new_list(copy_case(first, tmp_path / "duckdb"), files[-1:], "duckdb")
    on_spark = _link_new_list(first, files[-1:], "spark")
    print(f"\nincremental: {on_spark.result.new_records} new records, "
          f"{on_spark.result.pairs_scored} pairs scored on Spark, "
          f"{on_duckdb.result.pairs_scored} on DuckDB; entities {on_spark.result.entities} "
          f"vs {on_duckdb.result.entities}; seconds {on_spark.result.seconds}")
    assert (on_spark.result.mode, on_spark.result.engine) == ("incremental", "spark")
    assert on_spark.result.model_id == on_duckdb.result.model_id == 1
    assert on_spark.result.pairs_scored > 0
    assert on_spark.pairs == on_duckdb.pairs
    assert on_spark.entities == on_duckdb.entities
