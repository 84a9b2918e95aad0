"""`joinedup bench chronology`: a small run gives the figures the issue asks for."""

from __future__ import annotations

import gc
import io

import pytest

from joinedup_lab.benches import chronology as bench

KEYS = {"events", "agencies", "p50_ms", "p95_ms", "page_kb"}


def test_the_records_name_the_child_the_asked_number_of_times_across_the_agencies():
    agencies, records = bench.synthetic_records(events=60, agencies=12, household=4, seed=2)
    child = [r for r in records if r["mentions"][0]["given_name"] == bench.CHILD[0]]
    assert len(agencies) == 12 and len(child) == 60
    assert {r["agency_id"] for r in child} == {code for code, _name, _kind in agencies}
    assert {r["kind"] for r in child} >= {"cp_plan", "cin_plan", "looked_after_episode"}
    assert any("injury" in r["detail"] for r in child)
    assert len({r["mentions"][0]["given_name"] for r in records}) == 4  # the child and 3 housemates


@pytest.fixture
def unfrozen_afterwards():
    """The bench settles its process as a server worker (gc.freeze); give the test process its heap back."""
    yield
    gc.unfreeze()


@pytest.mark.both_databases
def test_run_here_measures_the_page_in_the_current_database(db, unfrozen_afterwards):
    out = io.StringIO()
    result = bench.run_here(events=40, agencies=12, household=4, samples=2, seed=1, out=out)
    assert set(result) >= KEYS | {"database", "household_p95_ms"}
    assert result["events"] == 40 and result["agencies"] == 12 and result["household"] == 4
    assert result["page_kb"] > 0 and "own: p50" in out.getvalue()
    assert result["rows_listed"] == 40
    assert gc.get_freeze_count() > 0  # measured as a worker serves: start-up objects frozen (core.runtime)


@pytest.mark.sqlite
def test_a_small_run_after_setup_alone_lists_every_record_of_the_child(tmp_path, monkeypatch):
    """As `joinedup bench chronology` runs after `make setup` alone: development settings, a var folder with no
    collected static files (no manifest) and no secret key yet. The page lists each of the child's records once."""
    monkeypatch.setenv("DJANGO_SETTINGS_MODULE", "config.settings.development")
    monkeypatch.setenv("JOINEDUP_ENV", "development")
    monkeypatch.setenv("JOINEDUP_VAR_DIR", str(tmp_path))
    out = io.StringIO()
    result = bench.run(events=30, agencies=12, household=3, samples=2, postgresql=False, out=out)
    assert not (tmp_path / "staticfiles").exists()
    assert set(result) >= KEYS and result["sqlite"]["database"] == "sqlite"
    assert result["events"] == 30 and result["agencies"] == 12 and result["household"] == 3
    assert result["sqlite"]["rows_listed"] == 30  # the page lists every record naming the child, none twice
    assert result["sqlite"]["household_rows_listed"] > 30  # and the housemates' while they lived with her
    assert result["p95_ms"] == result["sqlite"]["p95_ms"]
    assert "SQLite: migrating" in out.getvalue()
