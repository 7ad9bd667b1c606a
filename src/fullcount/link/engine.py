"""Running Splink: train a model on a case's records and score candidate pairs, on
DuckDB (default) or Spark.

Splink works in a scratch database (an in-memory DuckDB, spilling to a folder inside the
case, or a Spark session), never in the case database itself: its many intermediate
tables never reach the case, and an interrupted run leaves the case untouched. Only the
results (model, pairs) are written to the case, by the link stage, in one transaction.
"""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
from splink import Linker, block_on

from fullcount.errors import FullcountError
from fullcount.link.model import WeightReport, check_weights, settings_creator

# Columns whose term frequencies adjust an agreement's weight (a shared rare name is
# stronger evidence than a shared common one; a day with many deaths is weaker).
TF_COLUMNS = ("given_key", "family_key", "father_key", "day_lo", "place")

Step = Callable[[str], None]

# Splink logs every SQL step at INFO; the CLI shows its own progress instead.
logging.getLogger("splink").setLevel(logging.WARNING)


@dataclass
class TrainedModel:
    """A Splink model (as Splink saves it) and what training found."""

    model: dict[str, Any]
    report: WeightReport
    training: dict[str, Any] = field(default_factory=dict)


class SplinkEngine:
    """One Splink backend for the length of a link run: ``with SplinkEngine(...) as e``."""

    def __init__(self, engine: str, *, workdir: Path, memory_limit: str = "1GB",
                 threads: int = 0, spark_master: str = "local[*]") -> None:
        self.engine = engine
        self.workdir = workdir
        self.memory_limit = memory_limit
        self.threads = threads
        self.spark_master = spark_master
        self.db_api: Any = None
        self._con: duckdb.DuckDBPyConnection | None = None
        self._spark: Any = None
        self._names = 0

    def __enter__(self) -> SplinkEngine:
        if self.engine == "duckdb":
            from splink import DuckDBAPI

            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir.mkdir(parents=True)
            config: dict[str, Any] = {"memory_limit": self.memory_limit,
                                      "temp_directory": str(self.workdir)}
            if self.threads:
                config["threads"] = self.threads
            self._con = duckdb.connect(":memory:", config=config)
            self.db_api = DuckDBAPI(connection=self._con)
        elif self.engine == "spark":
            from fullcount.link.spark import spark_api

            self.db_api, self._spark = spark_api(self.spark_master, self.workdir)
        else:
            raise FullcountError(f"unknown linkage engine '{self.engine}'",
                                 hint="Use duckdb or spark.")
        return self

    def __exit__(self, *exc: object) -> None:
        if self._con is not None:
            self._con.close()
        shutil.rmtree(self.workdir, ignore_errors=True)

    # -- data in and out ---------------------------------------------------------------

    def register(self, table: pa.Table, name: str) -> Any:
        """Make an Arrow table a Splink input."""
        self._names += 1
        if self.engine == "spark":
            from fullcount.link.spark import to_spark

            return self.db_api.register(to_spark(self._spark, table),
                                        table_name=f"{name}_{self._names}")
        return self.db_api.register(table, table_name=f"{name}_{self._names}")

    def to_arrow(self, splink_df: Any) -> pa.Table:
        if self.engine == "spark":
            from fullcount.link.spark import from_spark

            return from_spark(splink_df.as_spark_dataframe())
        table: pa.Table = self._con.sql(  # type: ignore[union-attr]
            f"SELECT * FROM {splink_df.physical_name}").fetch_arrow_table()
        return table

    # -- the model -----------------------------------------------------------------------

    def linker(self, records: Any, model: dict[str, Any] | None = None) -> Linker:
        """A Linker over ``records``: with the generated settings, or a saved model."""
        settings: Any = settings_creator() if model is None else _for_dialect(
            model, self.engine)
        return Linker(records, settings, log_level=logging.ERROR)

    def train(self, records: Any, table: pa.Table, *, seed: int, u_sample_pairs: int,
              step: Step | None = None) -> TrainedModel:
        """Estimate the model from the records, without labels, and check its weights.

        1. the prior (how likely two random records match) from near-certain rules;
        2. u probabilities from random pairs (almost all non-matches);
        3. starting m probabilities from high-precision deterministic pairs (same name,
           same father's name, same day), so EM starts near the right answer instead of
           wandering to a solution where, say, matching dates are rare among matches;
        4. EM on pairs sharing a name (trains every other comparison), then on pairs
           sharing a day and province (trains the names);
        5. checks on the weights (``check_weights``), repairs reported.
        """
        say = step or (lambda _: None)
        linker = self.linker(records)
        training: dict[str, Any] = {"records": table.num_rows, "seed": seed}
        say("estimating the prior match probability")
        linker.training.estimate_probability_two_random_records_match(
            [block_on("name_key", "father_key"), block_on("name_key", "day_lo")], recall=0.7)
        say("estimating u from random pairs")
        linker.training.estimate_u_using_random_sampling(max_pairs=u_sample_pairs, seed=seed)
        say("seeding m from near-certain pairs")
        seeded = self._seed_m(linker, table)
        training["seed_pairs"] = seeded
        max_pairs = 5e6
        for columns in (("given_key", "family_key"), ("day_lo", "province")):
            say(f"EM on pairs sharing {' and '.join(columns)}")
            linker.training.estimate_parameters_using_expectation_maximisation(
                block_on(*columns), estimate_without_term_frequencies=True,
                max_pairs=max_pairs)
        model = linker.misc.save_model_to_json()
        report = check_weights(model)
        training["prior"] = model.get("probability_two_random_records_match")
        return TrainedModel(model, report, training)

    def _seed_m(self, linker: Linker, records: pa.Table) -> int:
        """Starting m probabilities from pairs that agree on name, father's name and day
        of death (almost surely one person). Returns how many pairs were used; with too
        few, Splink's default starting values stay."""
        con = duckdb.connect()
        con.register("r", records)
        labels = con.execute("""
            SELECT a.unique_id AS unique_id_l, b.unique_id AS unique_id_r
            FROM r a JOIN r b ON a.name_key = b.name_key AND a.father_key = b.father_key
                AND a.day_lo = b.day_lo AND a.day_lo = a.day_hi AND b.day_lo = b.day_hi
                AND a.unique_id < b.unique_id
        """).fetch_arrow_table()
        con.close()
        if labels.num_rows >= 50:
            linker.training.estimate_m_from_pairwise_labels(self.register(labels, "seed"))
        return int(labels.num_rows)

    # -- scoring -------------------------------------------------------------------------

    def predict(self, linker: Linker, *, keep_above: float) -> pa.Table:
        """Every candidate pair of the linker's records, scored."""
        return _pairs(self.to_arrow(
            linker.inference.predict(threshold_match_probability=keep_above or None)),
            linker)

    def predict_new(self, linker: Linker, existing: Any, new: Any, *,
                    keep_above: float) -> pa.Table:
        """Pairs involving new records only: new against existing, and new among
        themselves. Term frequencies come from all records."""
        for column in TF_COLUMNS:
            linker.table_management.compute_tf_table(column)
        between = _pairs(self.to_arrow(linker.inference.predict_between(
            existing, new, threshold_match_probability=keep_above or None)), linker)
        within = _pairs(self.to_arrow(linker.inference.predict_within(
            new, threshold_match_probability=keep_above or None)), linker)
        return pa.concat_tables([between, within])


def _pairs(predictions: pa.Table, linker: Linker) -> pa.Table:
    """Splink's predictions as the case's pair rows: lower record id first, and per
    comparison the level (gamma) and the match weight with its term-frequency part."""
    settings = linker._settings_obj
    names = [c.output_column_name for c in settings.comparisons]
    con = duckdb.connect()
    con.register("p", predictions)
    cols = set(predictions.column_names)
    gammas = ", ".join(f"gamma_{n}" for n in names)
    weights = ", ".join(
        f"mw_{n} + {'mw_tf_adj_' + n if 'mw_tf_adj_' + n in cols else '0.0'}" for n in names)
    table = con.execute(f"""
        SELECT least(unique_id_l, unique_id_r) AS record_id_l,
               greatest(unique_id_l, unique_id_r) AS record_id_r,
               match_weight, match_probability,
               [{gammas}]::TINYINT[] AS gammas,
               [{weights}]::DOUBLE[] AS weights
        FROM p
    """).fetch_arrow_table()
    con.close()
    return table


def _for_dialect(model: dict[str, Any], engine: str) -> dict[str, Any]:
    """A saved (DuckDB-dialect) model for ``engine``: for Spark the settings are made
    again for Spark's dialect and the trained probabilities copied over level by level."""
    if engine == "duckdb":
        return json.loads(json.dumps(model))
    from fullcount.link.spark import model_for_spark

    return model_for_spark(model)
