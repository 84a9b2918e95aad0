"""The people app's one doorway into the linkage engine (`joinedup.people.linkage`).

Services speak in mention dicts (with their database `id`), identity rows (dicts keyed by `unique_id`)
and person decisions; this module adapts them to the engine, so the engine can change without the
services noticing. Thresholds live in the engine (`linkage.pipeline.ACCEPT`, `REVIEW_LOW`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from joinedup.people.linkage.model import NotTrainable
from joinedup.people.linkage.pipeline import ACCEPT, REVIEW_LOW, LinkResult, link_prepared, release_memory
from joinedup.people.linkage.prepare import Prepared
from joinedup.people.linkage.prepare import prepare as engine_prepare
from joinedup.people.linkage.rows import tuple_row

__all__ = ["ACCEPT", "REVIEW_LOW", "NotTrainable", "Prepared", "keys_for", "link", "prepare", "prepare_rows",
           "release_memory", "scorer", "train", "tuple_row"]


def prepare_rows(mentions: Sequence[Mapping[str, Any]]) -> tuple[dict[str, dict[str, Any]], list[str | None], dict]:
    """(identity rows by uid, uid of each mention by position or None, unlinkable reasons by position)."""
    prepared = engine_prepare(mentions, context=False)
    return prepared.rows(), prepared.row_of_mention, prepared.unlinkable


def prepare(mentions: Iterable[Mapping[str, Any]]) -> Prepared:
    """Mentions prepared for `link`, read once in order (a stream of them will do: a batch run's millions are not
    held at once); what linking reads of them afterwards is kept in the result."""
    return engine_prepare(mentions)


def train(mentions: Iterable[Mapping[str, Any]], *, charts_dir: str | None = None, seed: int = 1,
          fallback: dict | None = None) -> tuple[dict, int]:
    """A trained model (JSON-serialisable) and the number of identity rows it was trained on. The mentions are read
    once, in order (a stream will do). What the rows cannot teach (a training rule that finds no pairs) is taken from
    `fallback`; `NotTrainable` when they teach nothing."""
    from joinedup.people.linkage.model import train as engine_train

    table = engine_prepare(mentions, context=False).table  # only the rows: the rest of the preparation is let go
    release_memory(table.num_rows)
    return engine_train(table, seed=seed, charts_dir=charts_dir, fallback=fallback), table.num_rows


def link(
    mentions: Sequence[Mapping[str, Any]] | Prepared, model: dict, *, engine_name: str = "duckdb",
    must_link: Sequence[tuple[int, int]] = (), cannot_link: Sequence[tuple[int, int]] = (),
    progress: Callable[[str], None] | None = None, spark_options: Mapping[str, Any] | None = None,
    prepare_seconds: float | None = None, pair_columns: Sequence[str] | None = None,
) -> LinkResult:
    """Batch-link mentions (or mentions already `prepare`d) with a trained model; decisions are pairs of mention
    positions.

    `spark_options` (master, config, checkpoint_dir) build the Spark session for `engine_name="spark"`;
    without them Spark runs in local mode on this machine.
    """
    predictor = None
    if engine_name == "spark":
        from joinedup.people.linkage.spark import predict_pairs_spark, spark_session

        session = spark_session(**dict(spark_options or {}))

        def predictor(table, model, threshold):
            return predict_pairs_spark(table, model, threshold, spark=session)

    if not isinstance(mentions, Prepared):
        t = time.perf_counter()
        mentions = engine_prepare(mentions)
        prepare_seconds = time.perf_counter() - t
    return link_prepared(mentions, model=model, must_link=must_link, cannot_link=cannot_link,
                         predictor=predictor, progress=progress, prepare_seconds=prepare_seconds,
                         pair_columns=pair_columns)


def keys_for(row: Mapping[str, Any]) -> list[str]:
    """Blocking keys of an identity row, for our own online index."""
    from joinedup.people.linkage.online import blocking_keys

    return blocking_keys(row)


def scorer(model: Mapping[str, Any]):
    """The pure-Python mirror of the model (`linkage.online.Scorer`)."""
    from joinedup.people.linkage.online import Scorer

    return Scorer(model)
