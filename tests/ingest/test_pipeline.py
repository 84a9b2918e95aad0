"""The preparing pipeline: worker processes that read their own batches of a file give exactly what the thread gives.

With `--workers 1` or more each worker is told "batch n of this file" and reads the file itself (this process never
reads or sends the records); the batches that come back must be the same records, lines, problems and columns, in
the same order, as when a thread of this process reads and prepares them, whatever the batch size and limit, with
blank lines, a byte-order mark, lines that are not JSON, FHIR bundles (one line, several records) and CSV.
No database is used.
"""

from __future__ import annotations

import copy
import json
import time
from pathlib import Path
from typing import Any

import pytest

from joinedup.ingest.bulk import Adapter
from joinedup.ingest.formats import record_to_fhir_bundle, write_csv
from joinedup.ingest.pipeline import Preparer

from .conftest import EXAMPLE

pytestmark = pytest.mark.both_databases


def _record(n: int, **changes: Any) -> dict[str, Any]:
    record = copy.deepcopy(EXAMPLE)
    record["agency_id"] = "northbrook-general-hospital"
    record["source_record_id"] = f"R-{n}"
    record.update(changes)
    return record


def _files(folder: Path) -> list[Path]:
    lines = ["\ufeff" + json.dumps(_record(0))]
    for n in range(1, 23):
        if n % 5 == 0:
            lines.append("")  # blank lines are skipped, not records
            lines.append("   ")
        if n == 7:
            lines.append("{not json")
        if n == 11:
            lines.append(json.dumps(record_to_fhir_bundle(_record(n))))  # one line, more than one record
            continue
        if n == 13:
            lines.append(json.dumps(_record(n, kind="no_such_kind")))  # refused by the format
            continue
        lines.append(json.dumps(_record(n, version=1 + n % 3)))
    jsonl = folder / "records.jsonl"
    jsonl.write_text("\n".join(lines) + "\n", encoding="utf-8")
    csv = folder / "records.csv"
    csv.write_text(write_csv(_record(100 + n) for n in range(9)), encoding="utf-8")
    many = folder / "many.json"
    many.write_text(json.dumps([_record(200 + n) for n in range(5)]), encoding="utf-8")
    return [jsonl, csv, many]


def _plain(batches: list[Any]) -> list[list[tuple[Any, ...]]]:
    """Batches as comparable values: each item's line and problems, and its prepared record's fields."""
    out = []
    for batch in batches:
        rows = []
        for item, prepared in batch:
            fields = None if prepared is None else (
                prepared.problems, prepared.agency_code, prepared.source_record_id, prepared.version,
                prepared.canonical, prepared.sha256, prepared.vendor, prepared.db_columns, prepared.db_mentions,
                prepared.warnings,
            )
            rows.append((item.line, item.problems, fields))
        out.append(rows)
    return out


@pytest.mark.parametrize("workers", [1, 2])
def test_workers_reading_their_own_batches_give_what_the_thread_gives(tmp_path, workers):
    files = _files(tmp_path)
    db = Adapter("sqlite")
    cases = [(size, limit) for size in (1, 4, 50) for limit in (None, 5, 24)]
    with Preparer(workers=0, db=db) as thread, Preparer(workers=workers, db=db) as pool:
        for path in files:
            for size, limit in cases:
                expected = _plain(list(thread.batches(path, size, limit)))
                got = _plain(list(pool.batches(path, size, limit)))
                assert got == expected, (path.name, size, limit)
                assert expected and all(expected)  # something in every batch, none empty
        # The same file again (a worker starts it over), and a batch loop left early then a fresh one.
        jsonl = files[0]
        first = next(iter(pool.batches(jsonl, 4)))
        assert _plain([first]) == _plain(list(thread.batches(jsonl, 4, 4)))
        assert _plain(list(pool.batches(jsonl, 3))) == _plain(list(thread.batches(jsonl, 3)))
    lines = [line for batch in expected for line, _, _ in batch]
    assert lines == sorted(lines)


def _file_by_file(preparer: Preparer, paths: list[Path], size: int, limit: int | None) -> list[tuple[int, Any]]:
    """What the command read before files were prepared across: each file on its own, given what the records of
    the files before left of the limit."""
    out, remaining = [], limit
    for index, path in enumerate(paths):
        if remaining is not None and remaining <= 0:
            break
        for batch in preparer.batches(path, size, remaining):
            out.append((index, _plain([batch])[0]))
            if remaining is not None:
                remaining -= len(batch)
    return out


@pytest.mark.parametrize("workers", [0, 1, 2])
def test_files_prepared_one_after_another_give_what_each_file_gives_on_its_own(tmp_path, workers):
    """The next file is asked for as soon as this one's end is known; the batches, their files and the limit (which
    counts records in all the files) come out as when each file was read on its own."""
    files = _files(tmp_path)
    (tmp_path / "empty.jsonl").write_text("\n\n", encoding="utf-8")
    paths = [files[0], tmp_path / "empty.jsonl", files[1], files[0], files[2]]
    db = Adapter("sqlite")
    with Preparer(workers=0, db=db) as thread, Preparer(workers=workers, db=db) as preparer:
        for size, limit in [(4, None), (50, None), (1, None), (3, 24), (4, 25), (5, 40), (7, 61), (2, 1000)]:
            expected = _file_by_file(thread, paths, size, limit)
            got = [(index, _plain([batch])[0]) for index, batch in preparer.batches_of(paths, size, limit)]
            assert got == expected, (size, limit)
            # 24 + 0 + 9 + 24 + 5 records: the limit stops within the first file, the third, the fourth or the last.
            assert sum(len(batch) for _, batch in expected) == min(limit or 62, 62)
        # A stream left early, then a fresh one: the workers start their files over.
        stream = preparer.batches_of(paths, 4)
        next(stream)
        stream.close()
        assert [(i, _plain([b])[0]) for i, b in preparer.batches_of(paths, 6)] == _file_by_file(thread, paths, 6, None)


@pytest.mark.parametrize("workers", [0, 1, 2])
def test_a_file_that_cannot_be_read_stops_the_stream_only_after_the_files_before_it(tmp_path, workers):
    """Starting on the next file early must not bring its failure forward: every batch of the files before it is
    given first (and stored by the command), then the error is raised."""
    files = _files(tmp_path)
    paths = [files[0], tmp_path / "gone.jsonl", files[1]]
    with Preparer(workers=0, db=Adapter("sqlite")) as thread, Preparer(workers=workers, db=Adapter("sqlite")) as preparer:
        got = []
        with pytest.raises(FileNotFoundError):
            for index, batch in preparer.batches_of(paths, 3):
                got.append((index, _plain([batch])[0]))
                time.sleep(0.05)  # storing takes a while: the workers get ahead, into the file that fails
        assert got == [(0, batch) for batch in _plain(list(thread.batches(files[0], 3)))]
