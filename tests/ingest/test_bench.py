"""The ingest benchmark's plumbing: a subprocess migrates a fresh database and times `joinedup ingest`."""

from __future__ import annotations

import io

from joinedup.ingest.pipeline import in_background
from joinedup_lab.benches.ingest import _measure


def test_measure_runs_migrate_and_ingest_in_a_subprocess(tmp_path, small_authority):
    out, _ = small_authority
    progress = io.StringIO()
    figures = _measure("SQLite", out, 300, f"sqlite:///{tmp_path / 'bench.sqlite3'}", progress)
    assert figures["records"] == 300 and figures["refused"] == 0
    assert figures["records_per_second"] > 0 and figures["peak_rss_mb"] > 0
    assert "SQLite: 300 records in" in progress.getvalue()
    assert (tmp_path / "bench.sqlite3").exists()


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
