"""Scoring candidate pairs with a trained model on DuckDB, and explaining a scored pair field by field."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import pyarrow as pa

from .model import duckdb_connection, duckdb_linker, profile_of
from .profiles import Profile

PAIR_COLUMNS = ("unique_id_l", "unique_id_r", "match_probability", "match_weight")


def gamma_columns(profile: Profile) -> list[str]:
    """The comparison-vector columns of a prediction, one per comparison (`gamma_<name>`)."""
    return [f"gamma_{c.name}" for c in profile.comparisons]


def select_pairs(predictions: pa.Table, profile: Profile) -> pa.Table:
    """Keep the pair, probability, weight and gamma columns, rows sorted by ids (Splink gives l < r)."""
    table = predictions.select([*PAIR_COLUMNS, *gamma_columns(profile)])
    return table.sort_by([("unique_id_l", "ascending"), ("unique_id_r", "ascending")])


def predict_pairs(
    table: pa.Table, model: dict[str, Any], threshold: float = 0.0, *, threads: int | None = None
) -> pa.Table:
    """Score every pair the model's blocking rules generate, keeping those with probability ≥ threshold.

    Returns an Arrow table with unique_id_l < unique_id_r, match_probability, match_weight and one
    `gamma_<comparison>` column per comparison (-1 = missing, then 0 = disagree up to the best level).
    """
    profile = profile_of(model)
    connection = duckdb_connection(threads=threads)
    linker = duckdb_linker(table, model, matching_columns=True, connection=connection)
    splink_logger = logging.getLogger("splink")
    level = splink_logger.level
    splink_logger.setLevel(logging.ERROR)
    df = None
    try:
        df = linker.inference.predict(threshold_match_probability=threshold or None, warning_mode="never")
        # sorted as `select_pairs` sorts, by DuckDB (which spills), so the pairs are never held twice
        sql = ("SELECT " + ", ".join([*PAIR_COLUMNS, *gamma_columns(profile)])  # noqa: S608 - profile columns
               + " FROM p ORDER BY unique_id_l, unique_id_r")
        predictions = df.as_duckdbpyrelation().query("p", sql).to_arrow_table()
    finally:
        splink_logger.setLevel(level)
        del linker, df
        connection.close()  # DuckDB's buffers go before the pairs are clustered
    return predictions


def comparison_summary(row: Mapping[str, Any], model: dict[str, Any] | None = None) -> dict[str, str]:
    """Which fields agreed, were close, disagreed or were missing, from a scored pair's gamma columns.

    `row` is one row of `predict_pairs` (or anything with `gamma_<comparison>` keys); the model only names
    the profile (default: the person profile).
    """
    from .profiles import PERSON

    profile = profile_of(model) if model is not None else PERSON
    out = {}
    for c in profile.comparisons:
        gamma = row.get(f"gamma_{c.name}")
        out[c.name] = "missing" if gamma is None else c.level_for_gamma(int(gamma)).summary
    return out
