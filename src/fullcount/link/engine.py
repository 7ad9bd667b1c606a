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
from typing import Any, Self

import duckdb
import pyarrow as pa
from splink import Linker, block_on

from fullcount.case.keys import NO_EXTENSION_DOWNLOADS, load_encryption
from fullcount.errors import FullcountError
from fullcount.link.model import (
    TF_MINIMUM_U,
    VETO_LEVELS,
    Check,
    WeightReport,
    check_weights,
    model_in_dialect,
    settings_creator,
)
from fullcount.link.prepare import memory_only

# Columns whose term frequencies adjust an agreement's weight (a shared rare name is
# stronger evidence than a shared common one; a day with many deaths is weaker).
TF_COLUMNS = ("given_key", "family_key", "father_key", "day_lo", "place")

Step = Callable[[str], None]

# Near-certain pairs (almost surely one person) and the comparisons whose m they measure:
# the comparisons not in the rule.
_DAYS = "a.day_lo = a.day_hi AND b.day_lo = b.day_hi"   # both dates to the day
_AGES = "a.age_lo = a.age_hi AND a.age_lo = b.age_lo AND b.age_lo = b.age_hi"
SEED_RULES: dict[str, tuple[str, tuple[str, ...]]] = {
    "name, father's name and day": (
        ("a.name_key = b.name_key AND a.father_key = b.father_key "
         f"AND a.day_lo = b.day_lo AND {_DAYS}"),
        ("sex", "age", "place")),
    "name, father's name, town and age": (
        ("a.name_key = b.name_key AND a.father_key = b.father_key "
         f"AND a.place = b.place AND {_AGES}"),
        ("date_of_death",)),
    "name, day, town and age": (
        ("a.name_key = b.name_key AND a.day_lo = b.day_lo AND a.place = b.place "
         f"AND {_DAYS} AND {_AGES}"),
        ("father_name",)),
}
MIN_SEED_PAIRS = 50

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

    def __init__(self, engine: str, *, workdir: Path, rules: list[list[str]],
                 memory_limit: str = "1GB", threads: int = 0,
                 spark_master: str = "local[*]", encrypt_temp: bool = False) -> None:
        self.engine = engine
        self.encrypt_temp = encrypt_temp  # the case is encrypted: so must its spill be
        self.rules = rules  # blocking rules, as lists of columns (model.BLOCKING_RULES)
        self.workdir = workdir
        self.memory_limit = memory_limit
        self.threads = threads
        self.spark_master = spark_master
        self.db_api: Any = None
        self._con: duckdb.DuckDBPyConnection | None = None
        self._spark: Any = None
        self._names = 0
        self._name_frequencies: pa.Table | None = None

    def __enter__(self) -> Self:
        if self.encrypt_temp and self.engine != "duckdb":
            raise FullcountError(
                f"the {self.engine} engine would write the names of an encrypted case "
                f"unencrypted to {self.workdir}",
                hint="Link an encrypted case with the duckdb engine.")
        if self.engine == "duckdb":
            from splink import DuckDBAPI

            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir.mkdir(parents=True)
            config: dict[str, Any] = {"memory_limit": self.memory_limit,
                                      "temp_directory": str(self.workdir)}
            if self.threads:
                config["threads"] = self.threads
            if self.encrypt_temp:
                config.update(NO_EXTENSION_DOWNLOADS)
            self._con = duckdb.connect(":memory:", config=config)
            if self.encrypt_temp:
                load_encryption(self._con)
            self._con.execute("SET enable_progress_bar = false")
            self.db_api = DuckDBAPI(connection=self._con)
        elif self.engine == "spark":
            from fullcount.link.spark import spark_api

            self.db_api, self._spark = spark_api(self.spark_master, self.workdir,
                                                 self.memory_limit)
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

    def to_arrow(self, splink_df: Any, columns: list[str] | None = None) -> pa.Table:
        """A Splink table as Arrow; with ``columns``, only those of them it has (on Spark,
        chosen before the rows are collected)."""
        if self.engine == "spark":
            from fullcount.link.spark import from_spark

            frame = splink_df.as_spark_dataframe()
            if columns is not None:
                frame = frame.select(*[c for c in columns if c in frame.columns])
            return from_spark(frame)
        table: pa.Table = self._con.sql(  # type: ignore[union-attr]
            f"SELECT * FROM {splink_df.physical_name}").fetch_arrow_table()
        return table

    # -- the model -----------------------------------------------------------------------

    def linker(self, records: Any, model: dict[str, Any] | None = None) -> Linker:
        """A Linker over ``records``: with the generated settings, or a saved model."""
        settings: Any = settings_creator(self.rules) if model is None else _for_dialect(
            model, self.engine, self.rules)
        return Linker(records, settings, log_level=logging.ERROR)

    def train(self, records: Any, table: pa.Table, *, seed: int, u_sample_pairs: int,
              step: Step | None = None) -> TrainedModel:
        """Estimate the model from the records, without labels, and check its weights.

        1. the prior (how likely two random records match) from near-certain rules;
        2. u probabilities from random pairs (almost all non-matches);
        3. m probabilities from near-certain pairs (``SEED_RULES``): pairs that agree on
           name, father's name and day of death say how often one person's records
           disagree on sex, age and place; pairs that agree on name, father's name, town
           and exact age say it for the date; name, day, town and exact age for the
           father's name;
        4. EM, started from those m, on pairs sharing a name (trains the other
           comparisons) and on pairs sharing a day and province (trains the names);
        5. for sex, age, date, place and father's name the near-certain pairs' m are kept
           where there were enough of them: on a large case EM on pairs sharing a name mistakes
           namesakes for matches and learns that a different date or age hardly counts
           against a match (measured on 100,000 synthetic records: a different date
           -2.5 bits, 44% of linked pairs false). Names keep EM's m; vetoes and checks
           follow (``check_weights``).
        """
        say = step or (lambda _: None)
        linker = self.linker(records)
        training: dict[str, Any] = {"records": table.num_rows, "seed": seed}
        say("estimating the prior match probability")
        linker.training.estimate_probability_two_random_records_match(
            [block_on("name_key", "father_key"), block_on("name_key", "day_lo")], recall=0.7)
        say("estimating u from random pairs")
        # one chunk: Splink's default of ten costs Spark some seventy small queries
        linker.training.estimate_u_using_random_sampling(max_pairs=u_sample_pairs, seed=seed,
                                                         num_chunks=1)
        say("m from near-certain pairs")
        seeded: dict[str, dict[str, Any]] = {}
        training["seed_pairs"] = {}
        for name, (condition, comparisons) in SEED_RULES.items():
            count = self._seed_m(linker, table, condition)
            training["seed_pairs"][name] = count
            if count >= MIN_SEED_PAIRS:
                snapshot = linker.misc.save_model_to_json()
                for comparison in snapshot["comparisons"]:
                    if comparison["output_column_name"] in comparisons:
                        seeded[comparison["output_column_name"]] = comparison
        training["em_failed"] = []
        for columns in (("given_key", "family_key"), ("day_lo", "province")):
            say(f"EM on pairs sharing {' and '.join(columns)}")
            before = linker.misc.save_model_to_json()
            try:
                linker.training.estimate_parameters_using_expectation_maximisation(
                    block_on(*columns), estimate_without_term_frequencies=True,
                    max_pairs=5e6)
            except ValueError as exc:
                # On a small case EM can drive a level's m below what a float holds,
                # and Splink refuses it: that session's estimates are dropped (the
                # linker, left mid-session, is made again from the model before it),
                # the earlier ones and the checks below stand.
                training["em_failed"].append({"block_on": list(columns), "error": str(exc)})
                linker = self.linker(records, before)
        model = linker.misc.save_model_to_json()
        for comparison in model["comparisons"]:
            reference = seeded.get(comparison["output_column_name"])
            if reference is None:
                continue
            for level, seed_level in zip(comparison["comparison_levels"],
                                         reference["comparison_levels"], strict=True):
                if seed_level.get("m_probability") is not None:
                    level["m_probability"] = seed_level["m_probability"]
                elif not level.get("is_null_level"):
                    level["m_probability"] = None  # never seen among near-certain pairs
        training["m_from_near_certain_pairs"] = sorted(seeded)
        report = check_weights(model)
        for failed in training["em_failed"]:
            report.checks.append(Check(
                "(training)", "EM on pairs sharing " + " and ".join(failed["block_on"]),
                "did not finish (a probability too small for a float)",
                "its estimates dropped; earlier estimates kept"))
        training["prior"] = model.get("probability_two_random_records_match")
        return TrainedModel(model, report, training)

    def _seed_m(self, linker: Linker, records: pa.Table, condition: str) -> int:
        """Set m from the pairs of records meeting ``condition`` (SQL on ``a`` and
        ``b``), taken as matches. Returns how many pairs there were; with fewer than
        ``MIN_SEED_PAIRS`` nothing is set."""
        con = memory_only()
        con.register("r", records)
        labels = con.execute(f"""
            SELECT a.unique_id AS unique_id_l, b.unique_id AS unique_id_r
            FROM r a JOIN r b ON {condition} AND a.unique_id < b.unique_id
        """).fetch_arrow_table()
        con.close()
        if labels.num_rows >= MIN_SEED_PAIRS:
            linker.training.estimate_m_from_pairwise_labels(self.register(labels, "seed"))
        return int(labels.num_rows)

    # -- scoring -------------------------------------------------------------------------

    def predict(self, linker: Linker, *, keep_above: float) -> pa.Table:
        """The candidate pairs of the linker's records at or above ``keep_above``."""
        return self._pairs(linker.inference.predict(threshold_match_probability=keep_above),
                           linker, keep_above)

    def score_pairs(self, records: Any, model: dict[str, Any], pairs: pa.Table) -> pa.Table:
        """Score given pairs of records (``record_id_l``, ``record_id_r``) with ``model``,
        whether or not a blocking rule would have made them candidates. Every pair is
        returned."""
        linker = self.linker(records, model)
        blocked = pa.table({
            "match_key": pa.array(["0"] * pairs.num_rows, pa.string()),
            "join_key_l": pairs["record_id_l"], "join_key_r": pairs["record_id_r"]})
        linker.table_management.register_blocked_pairs_for_predict(
            self.register(blocked, "check_pairs"))
        return self._pairs(linker.inference.predict(), linker, 0.0)

    def predict_new(self, linker: Linker, existing: Any, new: Any, *,
                    keep_above: float) -> pa.Table:
        """Pairs involving new records only: new against existing, and new among
        themselves. Term frequencies come from all records."""
        for column in TF_COLUMNS:
            linker.table_management.compute_tf_table(column)
        between = self._pairs(linker.inference.predict_between(
            existing, new, threshold_match_probability=keep_above), linker, keep_above)
        within = self._pairs(linker.inference.predict_within(
            new, threshold_match_probability=keep_above), linker, keep_above)
        return pa.concat_tables([between, within])

    def use_name_frequencies(self, records: pa.Table) -> None:
        """How common each record's full name is in ``records`` (see ``pairs_sql``)."""
        self._name_frequencies = name_frequencies(records)

    def _pairs(self, predictions: Any, linker: Linker, keep_above: float) -> pa.Table:
        """Splink's predictions as the case's pair rows (see ``pairs_sql``)."""
        if self._name_frequencies is None:
            raise RuntimeError("use_name_frequencies() must come before scoring")
        local = self.engine != "duckdb"
        con = memory_only() if local else self._con
        assert con is not None
        try:
            con.register(NAME_FREQUENCY_TABLE, self._name_frequencies)
            if local:
                # only what pairs_sql reads: Splink's predictions also carry every
                # compared column of both records, too wide to collect by the million
                con.register("predictions",
                             self.to_arrow(predictions, columns=prediction_columns(linker)))
            table = "predictions" if local else predictions.physical_name
            return con.sql(pairs_sql(linker, table, keep_above)).fetch_arrow_table()
        finally:
            if local:
                con.close()


# Given and family names are compared apart, and Fellegi-Sunter multiplies their
# evidence as if they were independent; but names come in regional and family
# combinations, so that two records sharing a common full name share much more often
# than the two parts' frequencies suggest (measured: with a million synthetic records,
# namesakes chained through records with little else in common linked 5% too few
# people). When both names agree exactly, the weight is corrected from the parts'
# frequencies to the full name's: log2(tf(given) * tf(family) / tf(full name)), the
# full name's frequency among the *other* records (so that a name only one person has
# counts as rare). The same correction for the full name within a town (names are
# regional) was tried and dropped: at a million records it split 4% too many people.
NAME_FREQUENCY = "name_frequency"
NAME_FREQUENCY_TABLE = "link_name_frequencies"
NAME_FREQUENCY_LABELS = {1: "both names agree: how common the full name is",
                         0: "not both names agree"}


def name_frequencies(records: pa.Table) -> pa.Table:
    """Per record of the linkage input: the share of the other records (with a name)
    that have its full name (``name_key``); at least one."""
    con = memory_only()
    try:
        con.register("r", records)
        table: pa.Table = con.execute("""
            SELECT unique_id,
                   greatest(count(*) OVER (PARTITION BY name_key) - 1, 1)::DOUBLE
                       / count(*) OVER () AS tf_name
            FROM r WHERE name_key IS NOT NULL
        """).fetch_arrow_table()
        return table
    finally:
        con.close()


def prediction_columns(linker: Linker) -> list[str]:
    """The columns of Splink's predictions that ``pairs_sql`` reads."""
    columns = ["unique_id_l", "unique_id_r", "match_weight"]
    for c in linker._settings_obj.comparisons:
        name = c.output_column_name
        columns += [f"gamma_{name}", f"mw_{name}"]
        if c._has_tf_adjustments:
            columns.append(f"mw_tf_adj_{name}")
    return columns + [f"tf_{key}_{side}" for key in ("given_key", "family_key")
                      for side in ("l", "r")]


def pairs_sql(linker: Linker, table: str, keep_above: float) -> str:
    """SQL turning Splink's predictions in ``table`` into the case's pair rows: lower
    record id first; per comparison the level (gamma) and its weight, term-frequency
    part included, then the full-name frequency correction (``NAME_FREQUENCY``; level 1
    when applied); the match weight and probability with that correction; ``veto`` when
    some comparison fell in one of ``VETO_LEVELS``. Pairs below ``keep_above`` are left
    out unless vetoed. Needs ``NAME_FREQUENCY_TABLE`` (``name_frequencies``)."""
    comparisons = linker._settings_obj.comparisons
    gammas = ", ".join(f"gamma_{c.output_column_name}" for c in comparisons)
    weights = ", ".join(
        f"mw_{c.output_column_name}"
        + (f" + mw_tf_adj_{c.output_column_name}" if c._has_tf_adjustments else "")
        for c in comparisons)
    vetoes = [f"gamma_{c.output_column_name} = {level.comparison_vector_value}"
              for c in comparisons for level in c.comparison_levels
              if (c.output_column_name, level.label_for_charts) in VETO_LEVELS]
    veto = " OR ".join(vetoes) or "FALSE"
    exact = {c.output_column_name: c._comparison_levels_excluding_null[0]
             .comparison_vector_value for c in comparisons}
    floor = TF_MINIMUM_U

    def tf(column: str) -> str:
        return f"log2(greatest(coalesce(tf_{column}_l, tf_{column}_r), {floor}))"

    return f"""
        WITH scored AS (
            SELECT p.*, CASE
                WHEN gamma_given_name = {exact["given_name"]}
                     AND gamma_family_name = {exact["family_name"]}
                     AND f.tf_name IS NOT NULL THEN 1
                ELSE 0 END AS name_frequency_level
            FROM {table} p LEFT JOIN {NAME_FREQUENCY_TABLE} f ON f.unique_id = p.unique_id_l
        ), corrected AS (
            SELECT s.*, CASE name_frequency_level
                WHEN 1 THEN {tf("given_key")} + {tf("family_key")}
                            - log2(greatest(f.tf_name, {floor}))
                ELSE 0.0 END AS name_frequency_bits
            FROM scored s LEFT JOIN {NAME_FREQUENCY_TABLE} f ON f.unique_id = s.unique_id_l
        ), weighed AS (
            SELECT *, match_weight + name_frequency_bits AS corrected FROM corrected
        ), rows AS (
            SELECT least(unique_id_l, unique_id_r) AS record_id_l,
                   greatest(unique_id_l, unique_id_r) AS record_id_r,
                   corrected AS match_weight,
                   CASE WHEN corrected >= 0 THEN 1.0 / (1.0 + pow(2.0, -corrected))
                        ELSE pow(2.0, corrected) / (1.0 + pow(2.0, corrected))
                   END AS match_probability,
                   [{gammas}, name_frequency_level]::TINYINT[] AS gammas,
                   [{weights}, name_frequency_bits]::DOUBLE[] AS weights,
                   ({veto}) AS veto
            FROM weighed
        )
        SELECT * FROM rows WHERE match_probability >= {keep_above!r} OR veto
    """


def _for_dialect(model: dict[str, Any], engine: str, rules: list[list[str]]) -> dict[str, Any]:
    """A saved model for ``engine``: as it is if it was saved in that engine's SQL
    dialect, else made again for it (``model_in_dialect``)."""
    if model.get("sql_dialect", "duckdb") == engine:
        return json.loads(json.dumps(model))
    return model_in_dialect(model, rules, engine)
