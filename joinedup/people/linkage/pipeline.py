"""Batch linkage end to end: mentions → rows → model → scored pairs → clusters → a person index per mention."""

from __future__ import annotations

import contextlib
import ctypes
import gc
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

import pyarrow as pa

from .clean import clear_caches
from .cluster import REASON_NHS_KEYING, Clusters, ReviewPair, cluster, multiple_births
from .context import link_by_context, link_by_household
from .family import PERSON_FIELDS, nhs_keying_errors
from .model import train
from .predict import predict_pairs
from .prepare import Prepared, prepare
from .rows import groups_of

# Thresholds on Splink's match probability (see the package docstring for the measurements behind them).
ACCEPT = 0.9
REVIEW_LOW = 0.5

LINKED_IDENTITY = "identity"
KEYING_ERROR_PROBABILITY = 0.5  # not a match probability: the pair is queued for its conflict, not its score


@dataclass
class LinkResult:
    """The outcome of a batch run.

    `person_of_mention[i]` is a cluster index for every mention (an unlinkable mention nobody could
    resolve gets a cluster of its own); `linked_by[i]` says how: "identity", a context rule, or
    "unlinked: <reason>". `review` holds the pairs of identity rows a person should decide on (map them to
    mentions with `mentions_of_row`). Cluster indices are not stable between runs: keep your own ids.
    """

    prepared: Prepared
    model: dict[str, Any]
    pairs: pa.Table
    clusters: Clusters
    person_of_mention: list[int]
    linked_by: list[str]
    review: list[ReviewPair]
    timings: dict[str, float] = field(default_factory=dict)
    context_rows: dict[str, str] = field(default_factory=dict)  # identity row → how its household placed it

    def mentions_of_row(self) -> dict[str, list[int]]:
        """unique_id → the indices of the mentions it stands for."""
        out: dict[str, list[int]] = defaultdict(list)
        for i, uid in enumerate(self.prepared.row_of_mention):
            if uid is not None:
                out[uid].append(i)
        return dict(out)


def identity_links(rows: Iterable[Mapping[str, Any]]) -> list[tuple[str, str]]:
    """Must-link pairs chaining the rows of each agency-held identity (mentions of one local person id)."""
    by_identity: dict[str, list[str]] = defaultdict(list)
    for r in rows:
        if r.get("source_identity"):
            by_identity[r["source_identity"]].append(r["unique_id"])
    links = []
    for ids in by_identity.values():
        ids.sort()
        links.extend(pairwise(ids))
    return links


def _named_together(
    mentions: Sequence[Mapping[str, Any]], row_of_mention: Sequence[str | None], rows: Mapping[str, Mapping[str, Any]]
) -> list[tuple[Mapping[str, Any], Mapping[str, Any]]]:
    """Pairs of rows with a forename and date of birth whose mentions are in one record (two people, then)."""
    out = []
    for _key, idxs in groups_of(mentions, "record_key"):  # a record at a time (millions of them)
        uids = {uid for i in idxs if (uid := row_of_mention[i]) is not None and uid in rows
                and rows[uid]["dob"] and rows[uid]["given"]}
        if len(uids) > 1:
            ordered = sorted(uids)
            out.extend((rows[a], rows[b]) for i, a in enumerate(ordered) for b in ordered[i + 1 :]
                       if rows[a]["dob"] == rows[b]["dob"])
    return out


def on_mentioned_rows(review: Iterable[ReviewPair], alias_links: Iterable[tuple[str, str]]) -> list[ReviewPair]:
    """Review pairs with each former-name row replaced by the row of the mention it came from (a person reviews
    records, and a former name's row has none of its own); a pair that becomes one row, or repeats, is dropped."""
    main_of = {alias: main for main, alias in alias_links}
    out, seen = [], set()
    for r in review:
        a, b = main_of.get(r.a, r.a), main_of.get(r.b, r.b)
        if a != b and (min(a, b), max(a, b)) not in seen:
            seen.add((min(a, b), max(a, b)))
            out.append(ReviewPair(a, b, r.probability, r.reason))
    return out


def _edges(pairs: pa.Table) -> Iterator[tuple[str, str, float]]:
    """(left row, right row, probability) for each scored pair, read a batch at a time (millions of pairs)."""
    for batch in pairs.select(["unique_id_l", "unique_id_r", "match_probability"]).to_batches(max_chunksize=100_000):
        yield from zip(*(column.to_pylist() for column in batch.columns), strict=True)


class _PersonKeys(Mapping):
    """uid → the row's `family.person_key` tuple, made when read (a million rows' tuples are not held at once)."""

    def __init__(self, rows: Mapping[str, Mapping[str, Any]]) -> None:
        self._rows = rows

    def __getitem__(self, uid: str) -> tuple:
        row = self._rows[uid]
        return tuple(row[c] for c in PERSON_FIELDS)

    def __iter__(self) -> Iterator[str]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)


class _ClusterOfMention(Mapping):
    """mention index → the cluster of its identity row, for the mentions that have one; read through
    `row_of_mention` and the clusters rather than held as a dict of millions of mentions."""

    def __init__(self, row_of_mention: Sequence[str | None], clusters: Mapping[str, int]) -> None:
        self._rows = row_of_mention
        self._clusters = clusters
        self._len: int | None = None

    def __getitem__(self, i: int) -> int:
        uid = self._rows[i] if i.__class__ is int and 0 <= i < len(self._rows) else None
        if uid is None:
            raise KeyError(i)
        return self._clusters[uid]

    def __contains__(self, i: object) -> bool:
        return i.__class__ is int and 0 <= i < len(self._rows) and self._rows[i] is not None  # type: ignore[operator]

    def get(self, i: int, default: Any = None) -> Any:
        uid = self._rows[i] if i.__class__ is int and 0 <= i < len(self._rows) else None
        return default if uid is None else self._clusters[uid]

    def __iter__(self) -> Iterator[int]:
        return (i for i, uid in enumerate(self._rows) if uid is not None)

    def items(self):  # type: ignore[override]
        clusters = self._clusters
        return ((i, clusters[uid]) for i, uid in enumerate(self._rows) if uid is not None)

    def __len__(self) -> int:
        if self._len is None:
            self._len = sum(1 for uid in self._rows if uid is not None)
        return self._len


def _rows_for(pairs: Iterable[tuple[int, int]], row_of_mention: Sequence[str | None]) -> list[tuple[str, str]]:
    out = []
    for a, b in pairs:
        ra, rb = row_of_mention[a], row_of_mention[b]
        if ra is not None and rb is not None and ra != rb:
            out.append((ra, rb))
    return out


def link_mentions(mentions: Sequence[Mapping[str, Any]], **options: Any) -> LinkResult:
    """Link mentions into persons (see `LinkResult`): prepare them, then `link_prepared` with the same keyword
    options (model, accept, review_low, must_link, cannot_link, seed, predictor, progress, pair_columns).

    Trains a model unless one is given. `must_link` / `cannot_link` are review decisions as pairs of
    mention indices (a decision about an unlinkable mention has no identity row and is ignored).
    `predictor(table, model, threshold)` replaces DuckDB scoring (e.g. `spark.predict_pairs_spark`).
    """
    t = time.perf_counter()
    prepared = prepare(mentions)
    return link_prepared(prepared, prepare_seconds=time.perf_counter() - t, **options)


# Below this many rows a structure let go is small, and giving its memory back is not worth a full collection.
RELEASE_ROWS = 50_000


def release_memory(rows: int | None = None) -> None:
    """Give freed memory back to the system after letting a large structure go: a batch run's peak is what is
    resident at once, and the C allocator otherwise keeps what Python and Arrow freed.

    `rows`: how many rows the structure let go had. Under `RELEASE_ROWS` nothing is done: a full collection costs in
    proportion to everything the process holds, not to what was let go (0.12–0.14 s in a test process holding
    270,000 objects, three times a link run of four records; more in a long-running worker), for a few megabytes."""
    if rows is not None and rows < RELEASE_ROWS:
        return
    clear_caches()
    gc.collect()
    pa.default_memory_pool().release_unused()
    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to trim
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def link_prepared(
    prepared: Prepared,
    *,
    model: dict[str, Any] | None = None,
    accept: float = ACCEPT,
    review_low: float = REVIEW_LOW,
    must_link: Iterable[tuple[int, int]] = (),
    cannot_link: Iterable[tuple[int, int]] = (),
    seed: int = 1,
    predictor: Callable[[pa.Table, dict[str, Any], float], pa.Table] | None = None,
    progress: Callable[[str], None] | None = None,
    prepare_seconds: float | None = None,
    pair_columns: Sequence[str] | None = None,
) -> LinkResult:
    """`link_mentions` on mentions already prepared (`prepare.prepare`, which may read them as a stream): the rest
    reads `prepared.mentions`, not the mentions themselves. `pair_columns` keeps only those columns of the scored
    pairs (a batch run needs the ids and probability, not the comparison vectors, of its millions of pairs)."""
    say = progress or (lambda _msg: None)
    timings: dict[str, float] = {}
    mentions = prepared.mentions
    if prepare_seconds is not None:
        timings["prepare_seconds"] = prepare_seconds
        say(f"prepared {len(mentions):,} mentions into {prepared.table.num_rows:,} identity rows "
            f"({len(prepared.unlinkable):,} unlinkable) in {prepare_seconds:.1f} s")
    table = prepared.table
    every_row = prepared.compact_rows()  # read-only rows over tuples: a dict each would cost gigabytes at scale
    uids = list(every_row)  # the table's order
    attributes = {  # the rows the identifier guard reads: an NHS number, UPN, date of birth or range
        uid: r for uid, r in every_row.items() if r["nhs"] or r["upn"] or r["dob"] or r["dob_lo"] is not None
    }
    births = multiple_births(attributes.values(), _named_together(mentions, prepared.row_of_mention, attributes))
    keyed_wrong = nhs_keying_errors({u: r for u, r in attributes.items() if r["nhs"]}, births)
    if keyed_wrong:  # a sibling's NHS number: the rows are scored and guarded without it
        for uid in keyed_wrong:
            attributes[uid] = every_row[uid] = prepared.compact_row_with(uid, nhs=None)
        nhs = [None if u in keyed_wrong else v for u, v in zip(uids, table.column("nhs").to_pylist(), strict=True)]
        table = table.set_column(table.schema.get_field_index("nhs"), "nhs", pa.array(nhs, type=pa.string()))
        prepared.table = table  # the rows kept (and indexed for online matching) are the rows linked
        say(f"{len(keyed_wrong):,} identity rows hold another person's NHS number; linked without it")
    if model is None:  # trained on the rows as linked (a sibling's NHS number taken off)
        t = time.perf_counter()
        model = train(table, seed=seed)
        timings["train_seconds"] = time.perf_counter() - t
        say(f"trained in {timings['train_seconds']:.1f} s")
    t = time.perf_counter()
    pairs = (predictor or predict_pairs)(table, model, review_low)
    if pair_columns is not None:
        pairs = pairs.select(list(pair_columns))
    release_memory(max(pairs.num_rows, table.num_rows))  # what scoring held (DuckDB's buffers, the unsorted pairs)
    timings["predict_seconds"] = time.perf_counter() - t
    say(f"scored {pairs.num_rows:,} pairs at or above {review_low} in {timings['predict_seconds']:.1f} s")
    t = time.perf_counter()
    identities = ({"unique_id": u, "source_identity": s} for u, s in zip(uids, table.column("source_identity").to_pylist(), strict=True))
    edges = _edges(pairs)
    clusters = cluster(
        uids,
        edges,
        accept=accept,
        review_low=review_low,
        must_link=identity_links(identities) + prepared.alias_links + _rows_for(must_link, prepared.row_of_mention),
        cannot_link=_rows_for(cannot_link, prepared.row_of_mention),
        rows=attributes,
        births=births,
    )
    # adults with no identifier of their own whom the household places (context.link_by_household)
    strong_rows = {u for u, a in attributes.items() if a["nhs"] or a["upn"] or a["dob"]}
    keys_of_row = _PersonKeys(every_row)
    del every_row
    ranges = {u: (a["dob_lo"], a["dob_hi"]) for u, a in attributes.items() if a["dob_lo"] is not None}
    moves = link_by_household(mentions, prepared.row_of_mention, clusters, keys_of_row, strong_rows, ranges,
                              cannot=_rows_for(cannot_link, prepared.row_of_mention))
    del keys_of_row
    context_rows: dict[str, str] = {}
    if moves:
        for uid, index in list(clusters.items()):
            if index in moves:
                clusters[uid], context_rows[uid] = moves[index]
        say(f"{len(moves):,} persons with no identifier of their own placed by their household")
        clusters.review[:] = [r for r in clusters.review if clusters[r.a] != clusters[r.b]]  # joined after all
    clusters.review[:] = on_mentioned_rows(clusters.review, prepared.alias_links)
    seen_pairs = {(min(clusters[r.a], clusters[r.b]), max(clusters[r.a], clusters[r.b])) for r in clusters.review}
    for uid, owner in sorted(keyed_wrong.items()):
        key = (min(clusters[uid], clusters[owner]), max(clusters[uid], clusters[owner]))
        if key[0] != key[1] and key not in seen_pairs:
            seen_pairs.add(key)
            clusters.review.append(ReviewPair(uid, owner, KEYING_ERROR_PROBABILITY, REASON_NHS_KEYING))
    cluster_of_mention = _ClusterOfMention(prepared.row_of_mention, clusters)
    dobs: dict[int, set[str]] = defaultdict(set)
    for uid, attr in attributes.items():
        if attr["dob"]:
            dobs[clusters[uid]].add(attr["dob"])
    next_cluster = max(clusters.values(), default=-1) + 1
    assigned, how = link_by_context(mentions, cluster_of_mention, prepared.unlinkable, dobs, next_cluster)
    next_cluster = max([next_cluster - 1, *assigned.values()]) + 1
    person_of_mention: list[int] = []
    linked_by: list[str] = []
    for i in range(len(mentions)):
        if i in cluster_of_mention:
            person_of_mention.append(cluster_of_mention[i])
            linked_by.append(context_rows.get(prepared.row_of_mention[i], LINKED_IDENTITY))
        elif i in assigned:
            person_of_mention.append(assigned[i])
            linked_by.append(how[i])
        else:
            person_of_mention.append(next_cluster)
            next_cluster += 1
            linked_by.append(f"unlinked: {prepared.unlinkable.get(i, 'unknown')}")
    timings["cluster_seconds"] = time.perf_counter() - t
    say(f"clustered into {next_cluster:,} persons ({len(clusters.review):,} pairs to review) "
        f"in {timings['cluster_seconds']:.1f} s")
    return LinkResult(prepared, model, pairs, clusters, person_of_mention, linked_by, clusters.review, timings,
                      context_rows)
