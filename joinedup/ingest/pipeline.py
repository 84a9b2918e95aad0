"""Reading and preparing a file's records ahead of storing them, so that storing rarely waits.

Preparing a record (parsing, checking against the format, canonical JSON, derived columns) is pure
Python and needs no database, so it runs alongside the process that stores the previous batch:

- with `workers=0`, in one background thread of this process (it shares the GIL with the storing);
- with `workers>=1`, in that many worker processes (started fresh with "spawn", so they share no
  database connection with this one). Each is told which records of which file to prepare (the n-th
  batch of a file) and reads them itself, so this process neither reads nor sends the records; what
  comes back is one pickle (plain tuples, no memo) of the prepared records' columns, ready to insert.
  On a 2-core machine one worker stores about 1.5× as many records a second into SQLite as the thread
  does, and 1.1× into PostgreSQL (whose server then needs the other core).

Either way the batches come back in file order, at most a few ahead of the one being stored, and a load of several
files (`batches_of`) starts preparing the next file as soon as the end of this one is known.
"""

from __future__ import annotations

import gc
import io
import multiprocessing
import pickle
import queue
import threading
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from itertools import islice
from operator import attrgetter
from pathlib import Path
from typing import Any

from joinedup.ingest.bulk import Adapter
from joinedup.ingest.prepare import PreparedRecord, prepare_record
from joinedup.ingest.readers import Item, file_format, json_lines, parse_json_line, read_items
from joinedup.ingest.validation import Problem

Unit = tuple[int, str] | Item  # a JSON line not parsed yet, or an item read already (CSV, JSON)
Prepared = list[tuple[Item, PreparedRecord | None]]  # each item with its prepared record, if it had one
_FIELDS = ("problems", "agency_code", "source_record_id", "version", "canonical", "sha256", "vendor", "db_columns",
           "db_mentions", "warnings")
_fields_of = attrgetter(*_FIELDS)


def read_units(path: Path) -> Iterator[Unit]:
    """A file's records as units of work: JSON lines unparsed (the workers parse them), others as read."""
    if file_format(path) == "jsonl":
        yield from json_lines(path)
    else:
        yield from read_items(path)


def prepare_units(units: Iterable[Unit], db: Adapter) -> Prepared:
    """Parse and prepare units here (what a worker does, without the transport)."""
    out: Prepared = []
    for unit in units:
        for item in [unit] if isinstance(unit, Item) else parse_json_line(*unit):
            out.append((item, prepare_record(item.record, db) if item.record is not None else None))
    return out


def _worker_start() -> None:
    gc.set_threshold(100_000, 50, 100)


def _ready() -> bool:
    return True


def _prepare_remote(units: list[Unit], vendor: str) -> list[tuple[int, list[Problem], tuple[Any, ...] | None]]:
    """In a worker: prepare units, returning plain tuples (cheap to send back)."""
    out = []
    for item, prepared in prepare_units(units, Adapter(vendor=vendor)):
        fields = None if prepared is None else _fields_of(prepared)
        out.append((item.line, item.problems, fields))
    return out


# In a worker: the file it last read from, how many of its units it has read, and the rest of them. Batches come to
# a worker in file order, so with one worker each file is read once, straight through; with more, each skips the
# units of the batches the others prepare (reading them, not preparing them).
_reading: list[Any] = [None, 0, iter(())]


def _units_of(path: str, start: int, count: int) -> list[Unit]:
    """In a worker: units `start` to `start + count` of a file (fewer at its end)."""
    name, read, units = _reading
    if name != path or start < read:
        close = getattr(units, "close", None)
        if close is not None:
            close()
        name, read, units = path, 0, read_units(Path(path))
    if start > read:
        deque(islice(units, start - read), maxlen=0)
    chunk = list(islice(units, count))
    _reading[:] = [name, start + len(chunk), units]
    return chunk


def _prepare_range(path: str, start: int, count: int, vendor: str) -> tuple[int, int, bytes]:
    """In a worker: read and prepare units `start` to `start + count` of a file; returns how many units there were,
    how many records (items) they held, and those as one pickle without a memo (plain tuples and strings: cheaper
    both ways)."""
    units = _units_of(path, start, count)
    prepared = _prepare_remote(units, vendor)
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, pickle.HIGHEST_PROTOCOL)
    pickler.fast = True  # no memo: nothing in it refers to itself
    pickler.dump(prepared)
    return len(units), len(prepared), buffer.getvalue()


def _rebuild(compact: list[tuple[int, list[Problem], tuple[Any, ...] | None]]) -> Prepared:
    return [
        (Item(line, problems=problems), None) if fields is None else (Item(line, True), PreparedRecord(None, *fields))
        for line, problems, fields in compact
    ]


class Preparer:
    """Prepares files' records in batches, in a background thread or in worker processes."""

    def __init__(self, *, workers: int, db: Adapter | None = None) -> None:
        self.db = db or Adapter()
        self.workers = workers
        self.pool: ProcessPoolExecutor | None = None
        if workers > 0:
            self.pool = ProcessPoolExecutor(
                max_workers=workers, mp_context=multiprocessing.get_context("spawn"), initializer=_worker_start
            )
            # Start the workers now (each imports the checking code) rather than on the first batch.
            for future in [self.pool.submit(_ready) for _ in range(workers)]:
                future.result()

    def close(self) -> None:
        """Stop the worker processes."""
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> Preparer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def batches(self, path: Path, size: int, limit: int | None = None) -> Iterator[Prepared]:
        """The file's records (the first `limit` at most) prepared, in batches of `size`, in file order."""
        for _, batch in self.batches_of([path], size, limit):
            yield batch

    def batches_of(self, paths: Sequence[Path], size: int, limit: int | None = None) -> Iterator[tuple[int, Prepared]]:
        """The files' records prepared, in batches of at most `size` (a batch holds one file's records), in order,
        each with the index of its file in `paths`. `limit` counts records in all: a file is read up to what is
        left of it after the records of the files before (a line may hold several records, a FHIR bundle).

        The next file is started as soon as this one's end is known, while its last batches are still being
        stored: otherwise the storing waited for each file's first batch to be prepared (1.5 s of a 10 s,
        100,000-record load of 10 files, issue 18)."""
        if self.pool is None:
            yield from in_background(self._prepared_here(paths, size, limit))
            return
        # The workers read the files themselves: a file's batch n is its units n × size onwards. Where a file ends is
        # known when a batch comes back short; the few batches asked for beyond it come back empty.
        pool, depth = self.pool, self.workers + 1
        pending: deque[tuple[int, int, Future[Any]]] = deque()  # (file index, units asked for, its batch)
        current, start = 0, 0  # the file being asked of, and its next unit
        closed = False  # no more of `current` will be asked for: its end, or the limit, is reached
        asked: list[tuple[int, Future[Any]]] = []  # the batches asked of `current` not back yet
        held = 0  # records in the batches of `current` back already
        before = 0  # records in the files before `current`
        try:
            while True:
                while current < len(paths):
                    waiting = []
                    for count, future in asked:
                        if not future.done() or future.exception() is not None:
                            waiting.append((count, future))  # a batch that failed raises when its turn comes
                            continue
                        read, items, _ = future.result()
                        held += items
                        closed = closed or read < count  # a batch came back short: the file ends there
                    asked = waiting
                    left = None if limit is None else limit - before
                    if left is not None and start >= left:
                        closed = True
                    if closed:
                        if asked:
                            break  # how many records the file held is not known yet
                        before += held
                        current, start, closed, held = current + 1, 0, False, 0
                        # Batches asked for beyond its end came back empty: they no longer hold a place.
                        pending = deque(entry for entry in pending if entry[2].result()[0])
                        continue
                    if len(pending) > depth:
                        break
                    count = size if left is None else min(size, left - start)
                    future = pool.submit(_prepare_range, str(paths[current]), start, count, self.db.vendor)
                    pending.append((current, count, future))
                    asked.append((count, future))
                    start += count
                if not pending:
                    return
                index, _, future = pending.popleft()
                _, items, data = future.result()
                if items:
                    yield index, _rebuild(pickle.loads(data))  # noqa: S301 - from our own worker, as the pool's results are
        finally:
            for _, _, future in pending:
                future.cancel()

    def _prepared_here(self, paths: Sequence[Path], size: int, limit: int | None) -> Iterator[tuple[int, Prepared]]:
        before = 0  # records in the files before
        for index, path in enumerate(paths):
            units: Iterator[Unit] = read_units(path)
            if limit is not None:
                if before >= limit:
                    return
                units = islice(units, limit - before)
            for chunk in _chunks(units, size):
                prepared = prepare_units(chunk, self.db)
                before += len(prepared)
                if prepared:
                    yield index, prepared


def _chunks(units: Iterator[Unit], size: int) -> Iterator[list[Unit]]:
    while chunk := list(islice(units, size)):
        yield chunk


_DONE = object()


def in_background(source: Iterator[Any], depth: int = 2) -> Iterator[Any]:
    """Iterate `source` in a daemon thread, up to `depth` items ahead; its exceptions re-raise here."""
    buffer: queue.Queue[tuple[Any, BaseException | None]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(value: Any, error: BaseException | None = None) -> bool:
        while not stop.is_set():
            try:
                buffer.put((value, error), timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for value in source:
                if not put(value):
                    return
            put(_DONE)
        except BaseException as exc:
            put(_DONE, exc)

    thread = threading.Thread(target=produce, name="ingest-prepare", daemon=True)
    thread.start()
    try:
        while True:
            value, error = buffer.get()
            if error is not None:
                raise error
            if value is _DONE:
                return
            yield value
    finally:
        stop.set()
