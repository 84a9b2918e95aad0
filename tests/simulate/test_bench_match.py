"""`joinedup bench match` at a small size, as the command runs it (a worker process on a throwaway SQLite file)."""

from __future__ import annotations

import io

from joinedup_lab.benches import match as bench_match


def test_a_small_run_stores_every_person_searchable_and_matches_the_copies_to_them():
    out = io.StringIO()
    result = bench_match.run(persons=300, samples=20, seed=1, out=out)
    assert result["persons"] == 300 and result["persons_stored"] == 300  # one Person row each, stored whole
    assert result["found_by_name_and_dob"] == 1.0  # each found by the people search (its search text written)
    assert result["samples"] == 20
    # half the probes are copies of stored persons with one typo or swapped day and month, half strangers
    assert result["noisy_copies_attached"] == 1.0 and result["strangers_wrongly_attached"] == 0.0
    assert 0 < result["p50_ms"] <= result["p95_ms"] <= result["max_ms"]
