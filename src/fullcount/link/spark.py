"""Splink on Spark, for ``link.engine = "spark"``: a Spark session with Splink's similarity
functions, Arrow tables in and out, and a saved model made again in Spark's SQL dialect.

Nothing is downloaded: the only jar is the one inside the Splink wheel. Spark's scratch
files (shuffles, spills, Splink's intermediate tables) go to the link run's work folder
in the case, which the engine deletes when the run ends.
"""

from __future__ import annotations

import re
import shutil
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa

from fullcount.errors import FullcountError

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession
    from splink.backends.spark import SparkAPI

# Spark's console logging at startup (read once, when the JVM starts): errors only. The
# ``org.apache.spark`` level matching the root level also stops PySpark announcing its
# default log level.
_LOG4J2 = """\
rootLogger.level = error
rootLogger.appenderRef.console.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n%ex
logger.spark.name = org.apache.spark
logger.spark.level = error
"""

# The session this process started. A new link run gets a new session in the same JVM
# (starting one takes about half a second; the JVM itself, seconds), because the engine
# deletes the scratch folder the previous session was using.
_session: SparkSession | None = None


def spark_api(master: str, workdir: Path,
              memory_limit: str = "1GB") -> tuple[SparkAPI, SparkSession]:
    """A Splink database API on a Spark session at ``master``, with its scratch files in
    ``workdir``; the driver (which runs the work in local mode) gets ``memory_limit``
    (the case's [engine] memory_limit, DuckDB's notation) when its JVM starts."""
    with warnings.catch_warnings():
        # PySpark 4 warns on import that it is not yet tested with pandas 3; it is not
        # given pandas data here (Arrow in, Arrow out).
        warnings.filterwarnings("ignore", "PySpark does not yet fully support pandas",
                                FutureWarning)
        try:
            from splink.backends.spark import SparkAPI, similarity_jar_location
        except ImportError as exc:
            raise FullcountError(
                "linkage on Spark needs PySpark, which is not installed",
                hint="Install it with `pip install 'fullcount[spark]'`, or set "
                     "engine = \"duckdb\" under [link] in fullcount.toml.") from exc
        jar = Path(similarity_jar_location())
        if not jar.is_file():
            raise FullcountError(
                f"Splink's similarity functions for Spark are missing ({jar})",
                hint="Reinstall Splink (`pip install --force-reinstall splink`).")
        spark = _session_for(master, workdir, jar, _spark_memory(memory_limit))
    checkpoints = workdir / "checkpoints"
    checkpoints.mkdir(parents=True, exist_ok=True)
    spark.sparkContext.setCheckpointDir(str(checkpoints))
    # Splink writes its large intermediate tables as Parquet under the checkpoint folder
    # ("parquet", its default outside Databricks) and registers jaro_winkler & co. from the
    # jar.
    return SparkAPI(spark_session=spark, break_lineage_method="parquet"), spark


def _spark_memory(limit: str) -> str:
    """DuckDB's memory notation (512MB, 4GB, 2GiB) in Spark's (512m, 4g, 2g)."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([KMGT])i?B\s*", limit, re.IGNORECASE)
    if match is None:
        return "1g"
    number, unit = float(match[1]), match[2].lower()
    megabytes = number * {"k": 1 / 1024, "m": 1, "g": 1024, "t": 1024 * 1024}[unit]
    return f"{max(512, int(megabytes))}m"


def _session_for(master: str, workdir: Path, jar: Path, memory: str) -> SparkSession:
    global _session
    from pyspark.sql import SparkSession

    local_dir = workdir / "spark-local"
    if _session is not None:
        conf = _session.sparkContext.getConf() if _alive(_session) else None
        if (conf is not None and conf.get("spark.master") == master
                and conf.get("spark.local.dir") == str(local_dir) and local_dir.is_dir()):
            return _session
        _session.stop()
        _session = None
    shutil.rmtree(workdir, ignore_errors=True)
    local_dir.mkdir(parents=True)
    log_config = workdir / "log4j2.properties"
    log_config.write_text(_LOG4J2, encoding="utf-8")
    builder = (SparkSession.builder.master(master).appName("fullcount link")
               .config("spark.jars", str(jar))
               .config("spark.local.dir", str(local_dir))
               .config("spark.ui.enabled", "false")
               .config("spark.driver.memory", memory)
               # pairs are collected into this process: Spark's default cap on what a
               # collect may bring back (1g) is hit near a million records
               .config("spark.driver.maxResultSize", memory)
               .config("spark.ui.showConsoleProgress", "false")
               .config("spark.driver.extraJavaOptions",
                       f"-Dlog4j2.configurationFile={log_config.as_uri()}"))
    if master.startswith("local"):
        # A local session talks only to itself: no dependence on the host name resolving.
        builder = (builder.config("spark.driver.host", "127.0.0.1")
                   .config("spark.driver.bindAddress", "127.0.0.1"))
    try:
        spark = builder.getOrCreate()
    except Exception as exc:  # PySpark raises plain errors for a missing or failed JVM
        raise FullcountError(
            f"Spark could not start at '{master}': {exc}",
            hint="Spark needs Java 17 or later (`java` on PATH or JAVA_HOME set) and, for "
                 "a cluster, a reachable spark_master under [link] in fullcount.toml.") from exc
    spark.sparkContext.setLogLevel("ERROR")
    # A few partitions per core: Spark's default of 200 makes hundreds of tiny tasks for
    # each of Splink's many small steps. Adaptive execution merges any that stay small.
    spark.conf.set("spark.sql.shuffle.partitions",
                   str(max(8, 2 * spark.sparkContext.defaultParallelism)))
    _session = spark
    return spark


def _alive(spark: SparkSession) -> bool:
    return spark.sparkContext._jsc is not None  # PySpark sets it to None on stop


def to_spark(spark: SparkSession, table: pa.Table) -> DataFrame:
    """An Arrow table as a Spark DataFrame: column types kept (int64 stays bigint with its
    nulls, not a float as through pandas)."""
    return spark.createDataFrame(table)


def from_spark(frame: DataFrame) -> pa.Table:
    """A Spark DataFrame, collected, as an Arrow table."""
    table: pa.Table = frame.toArrow()
    return table
