"""The people app's one doorway into the linkage engine (`joinedup.people.linkage`).

Services speak in mention dicts (with their database `id`), identity rows (dicts keyed by `unique_id`)
and person decisions; this module adapts them to the engine, so the engine can change without the
services noticing. Thresholds live in the engine (`linkage.pipeline.ACCEPT`, `REVIEW_LOW`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from joinedup.people.linkage.pipeline import ACCEPT, REVIEW_LOW, LinkResult, link_mentions
from joinedup.people.linkage.prepare import prepare as engine_prepare
from joinedup.people.linkage.rows import tuple_row

__all__ = ["ACCEPT", "REVIEW_LOW", "keys_for", "link", "prepare_rows", "scorer", "train", "tuple_row"]


def prepare_rows(mentions: Sequence[Mapping[str, Any]]) -> tuple[dict[str, dict[str, Any]], list[str | None], dict]:
    """(identity rows by uid, uid of each mention by position or None, unlinkable reasons by position)."""
    prepared = engine_prepare(mentions)
    return prepared.rows(), prepared.row_of_mention, prepared.unlinkable


def train(mentions: Sequence[Mapping[str, Any]], *, charts_dir: str | None = None, seed: int = 1) -> tuple[dict, int]:
    """A trained model (JSON-serialisable) and the number of identity rows it was trained on."""
    from joinedup.people.linkage.model import train as engine_train

    prepared = engine_prepare(mentions)
    return engine_train(prepared.table, seed=seed, charts_dir=charts_dir), prepared.table.num_rows


def link(
    mentions: Sequence[Mapping[str, Any]], model: dict, *, engine_name: str = "duckdb",
    must_link: Sequence[tuple[int, int]] = (), cannot_link: Sequence[tuple[int, int]] = (),
    progress: Callable[[str], None] | None = None, spark_options: Mapping[str, Any] | None = None,
) -> LinkResult:
    """Batch-link mentions with a trained model; decisions are pairs of mention positions.

    `spark_options` (master, config, checkpoint_dir) build the Spark session for `engine_name="spark"`;
    without them Spark runs in local mode on this machine.
    """
    predictor = None
    if engine_name == "spark":
        from joinedup.people.linkage.spark import predict_pairs_spark, spark_session

        session = spark_session(**dict(spark_options or {}))

        def predictor(table, model, threshold):
            return predict_pairs_spark(table, model, threshold, spark=session)

    return link_mentions(mentions, model=model, must_link=must_link, cannot_link=cannot_link,
                         predictor=predictor, progress=progress)


def keys_for(row: Mapping[str, Any]) -> list[str]:
    """Blocking keys of an identity row, for our own online index."""
    from joinedup.people.linkage.online import blocking_keys

    return blocking_keys(row)


def scorer(model: Mapping[str, Any]):
    """The pure-Python mirror of the model (`linkage.online.Scorer`)."""
    from joinedup.people.linkage.online import Scorer

    return Scorer(model)
