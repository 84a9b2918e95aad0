"""The same model on Splink's Spark backend, for authorities whose volumes outgrow one machine.

`predict_pairs_spark(table, model, threshold)` scores exactly the pairs `predict.predict_pairs` scores,
with the same SQL (the profile's conditions use only `levenshtein`, `substr`, `length` and `abs`, which
Spark SQL and DuckDB share), so probabilities agree to floating-point rounding (tested to 1e-6). Training
stays on DuckDB: it samples and runs EM on small tables, and its hash-based sampling differs by engine.

Local mode (the default; what the tests and `joinedup bench linkage --engine spark` use): a session with
`master="local[2]"`, Splink's similarity jar on `spark.jars` (found inside the installed splink package:
`splink.backends.spark.similarity_jar_location()`), a checkpoint directory (a temporary one unless given)
and no network.

On a cluster, build the session yourself and pass it in, e.g.

    spark = spark_session(
        master="spark://spark-master.internal:7077",   # or "yarn", "k8s://https://…"
        config={
            "spark.executor.memory": "8g",
            "spark.executor.cores": "4",
            "spark.executor.instances": "10",
            "spark.driver.memory": "4g",
            "spark.sql.shuffle.partitions": "400",
        },
        checkpoint_dir="hdfs:///tmp/joinedup-checkpoints",  # a path every executor can reach
    )
    pairs = predict_pairs_spark(table, model, 0.5, spark=spark)

The jar must be readable by the driver (Spark ships `spark.jars` to the executors); the checkpoint
directory must be shared storage (HDFS, S3, a mounted volume) when executors run on other machines.
"""

from __future__ import annotations

import logging
import tempfile
from typing import Any

import pyarrow as pa

from .model import profile_of, splink_settings
from .predict import PAIR_COLUMNS, gamma_columns, select_pairs


def spark_session(
    *,
    master: str = "local[2]",
    app_name: str = "joinedup-linkage",
    checkpoint_dir: str | None = None,
    driver_memory: str = "2g",
    config: dict[str, str] | None = None,
):
    """A Spark session ready for Splink: similarity jar on the classpath, checkpoint directory, quiet logs."""
    from pyspark.sql import SparkSession
    from splink.backends.spark import similarity_jar_location

    builder = (
        SparkSession.builder.master(master)
        .appName(app_name)
        .config("spark.jars", similarity_jar_location())
        .config("spark.driver.memory", driver_memory)
        .config("spark.sql.shuffle.partitions", "8")
        .config("spark.default.parallelism", "8")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.host", "127.0.0.1")
    )
    for key, value in (config or {}).items():
        builder = builder.config(key, value)
    logging.getLogger("py4j").setLevel(logging.WARNING)  # its INFO lines outlive the test runner's streams
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    spark.sparkContext.setCheckpointDir(checkpoint_dir or tempfile.mkdtemp(prefix="joinedup-spark-"))
    return spark


def predict_pairs_spark(
    table: pa.Table, model: dict[str, Any], threshold: float = 0.0, *, spark=None
) -> pa.Table:
    """Score the model's blocked pairs on Spark; the same columns and order as `predict.predict_pairs`.

    Uses `spark` if given, else a local session (`spark_session()`), which is left running for reuse.
    """
    from splink import Linker
    from splink.backends.spark import SparkAPI

    spark = spark or spark_session()
    profile = profile_of(model)
    db_api = SparkAPI(spark_session=spark, break_lineage_method="persist", num_partitions_on_repartition=8)
    frame = spark.createDataFrame(table)
    linker = Linker(db_api.register(frame), splink_settings(model, matching_columns=True), log_level=None)
    splink_logger = logging.getLogger("splink")
    level = splink_logger.level
    splink_logger.setLevel(logging.ERROR)
    try:
        df = linker.inference.predict(threshold_match_probability=threshold or None, warning_mode="never")
        selected = df.as_spark_dataframe().select(*PAIR_COLUMNS, *gamma_columns(profile))
        predictions = selected.toArrow()
    finally:
        splink_logger.setLevel(level)
    return select_pairs(_normalise(predictions), profile)


def _normalise(predictions: pa.Table) -> pa.Table:
    """Spark's Arrow output: large strings and int32 gammas → the DuckDB path's string and int types."""
    fields = []
    arrays = []
    for name in predictions.column_names:
        column = predictions.column(name)
        if pa.types.is_large_string(column.type):
            column = column.cast(pa.string())
        arrays.append(column)
        fields.append(name)
    return pa.table(dict(zip(fields, arrays, strict=True)))
