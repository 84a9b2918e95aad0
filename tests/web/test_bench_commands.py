"""The two browser benches as the `joinedup bench` command runs them: a fresh SQLite database migrated in a
subprocess, seeded, served and measured in another (the path the tests of the measurement itself skip)."""

from __future__ import annotations

import io

from joinedup_lab.benches import contact_time as bench_contact_time
from joinedup_lab.benches import visit_time as bench_visit_time


def test_bench_visit_time_runs_end_to_end_and_records_the_visit():
    out = io.StringIO()
    result = bench_visit_time.run(out=out)
    assert result["required_fields"] == 3 and result["visit_recorded"] is True
    assert result["draft"]["restored_after_offline"] and result["draft"]["cleared_after_sent"]
    assert "SQLite: migrating" in out.getvalue()


def test_bench_contact_time_runs_end_to_end_and_records_the_decision():
    result = bench_contact_time.run(out=io.StringIO())
    assert result["contact_required_fields"] == 4 and result["decision_recorded"] is True
