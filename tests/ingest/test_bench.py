"""The ingest benchmark's plumbing: a subprocess migrates a fresh database and times `joinedup ingest`."""

from __future__ import annotations

import io
import json
import sqlite3

from joinedup.ingest.pipeline import in_background
from joinedup_lab.benches.ingest import TARGET_RATIO, _measure, raw_rows, raw_sqlite_insert, summarise


def test_measure_runs_migrate_and_ingest_in_a_subprocess(tmp_path, small_authority):
    out, _ = small_authority
    progress = io.StringIO()
    figures = _measure("SQLite", out, 300, f"sqlite:///{tmp_path / 'bench.sqlite3'}", progress)
    assert figures["records"] == 300 and figures["refused"] == 0
    assert figures["records_per_second"] > 0 and figures["peak_rss_mb"] > 0
    assert "SQLite: 300 records in" in progress.getvalue()
    assert (tmp_path / "bench.sqlite3").exists()

    # The raw SQLite insert of the same records, and the ratio of the two rates (issue 18).
    raw = raw_sqlite_insert(out, 300, tmp_path / "raw.sqlite3", 100, progress)
    assert raw["records"] == 300 and raw["seconds"] > 0 and raw["records_per_second"] > 0
    with sqlite3.connect(tmp_path / "raw.sqlite3") as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        stored = db.execute("SELECT id, agency, source_record_id, body FROM raw ORDER BY id").fetchall()
    assert stored == raw_rows(out, 300)  # the records the ingest read, in its order, each once
    assert all(agency and srid and isinstance(json.loads(body), dict) for _, agency, srid, body in stored)

    summary = summarise(raw, figures, None)
    assert summary["raw_sqlite_records_per_s"] == raw["records_per_second"] > 0
    assert summary["records_per_s"] == figures["records_per_second"] == summary["sqlite_records_per_second"]
    ratio = figures["records_per_second"] / raw["records_per_second"]
    assert summary["ratio"] == round(ratio, 4)
    assert summary["target_met"] is (ratio >= TARGET_RATIO)
    assert summary["records"] == 300 and summary["postgresql_records_per_second"] is None


def test_background_iteration_keeps_order_and_passes_errors_on():
    assert list(in_background(iter(range(50)), depth=3)) == list(range(50))

    def failing():
        yield 1
        raise ValueError("bad file")

    seen = []
    try:
        for value in in_background(failing()):
            seen.append(value)
    except ValueError as exc:
        assert str(exc) == "bad file"
    else:  # pragma: no cover
        raise AssertionError("the error was lost")
    assert seen == [1]
