"""`joinedup bench arrival`, small: records posted at a steady rate through gunicorn, matched and judged by a
running `joinedup worker`; every record is answered and every one's alert (R1, a baby's injury) is seen, and a
backlog queued while the worker is stopped drains once it starts. The figures are checked for sense, not speed
(speed is the bench's, on a quiet machine: docs/benchmarks.md)."""

from __future__ import annotations

import io

from joinedup_lab.benches import arrival


def test_a_small_arrival_run_sees_every_records_alert_and_drains_the_backlog():
    out = io.StringIO()
    result = arrival.run(children=150, rate=2, seconds=4, backlog=6, seed=2, out=out)
    r = result["sqlite"]
    assert r["records"] == 8 and r["errors"] == 0 and r["alerts_missing"] == 0
    assert 0 < r["request_p50_ms"] <= r["request_p95_ms"] <= r["request_max_ms"]
    assert 0 < r["alert_p50_s"] <= r["alert_p95_s"] <= r["alert_max_s"]
    assert r["backlog"] == 6 and r["drain_per_second"] > 0
    assert r["peak_arrival_per_second"] > 0 and r["peak_hour"][:2] == "20"
    assert set(result["targets"]) == {"request_p95_at_most_50_ms", "alert_p95_at_most_1_s",
                                      "drains_at_least_twice_the_peak"}
    assert "SQLite: posting 8 records at 2 a second" in out.getvalue()
