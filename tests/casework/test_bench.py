"""`joinedup bench frontdoor`: a small run gives the figures the issue asks for, and the page it times is right."""

from __future__ import annotations

import datetime as dt
import gc
import io
import random

import pytest

from joinedup.casework.clocks import clocks_from_settings
from joinedup.casework.lifecycle import fold
from joinedup.casework.services.recording import as_fold_record
from joinedup_lab.benches import frontdoor as bench

NOW = dt.datetime(2026, 12, 2, 11, 30, tzinfo=dt.UTC)  # a Wednesday morning


def _made(children=400, open_contacts=40, seed=3):
    rng = random.Random(seed)
    pop = bench.population(children, NOW.date(), rng)
    return pop, bench.casework_records(pop, open_contacts=open_contacts, now=NOW, rng=rng)


def test_the_authority_has_the_children_asked_for_in_families():
    pop, _cw = _made()
    kids = pop.children()
    assert len(kids) == 400
    assert all(pop.families[pop.family_of[n]].adults for n in kids)  # every child lives with an adult
    assert all(pop.dob[n] <= NOW.date() and (NOW.date() - pop.dob[n]).days < 18 * 366 for n in kids)


def test_no_agency_record_is_of_a_day_after_the_authority_is_made():
    """Ingest refuses a record of something that has not happened yet (issue 18): the bench's authority, built for
    70,000 children, once held GP registrations of parents who turn 16 after today, and stopped its build."""
    rng = random.Random(7)  # a seed whose families include a parent who turns 16 after today (the old code's failure)
    pop = bench.population(3000, NOW.date(), rng)
    days = [r.get("occurred_on") or r["occurred_at"][:10] for batch in bench.universal_records(pop, NOW.date(), rng)
            for r in batch]
    assert days and max(days) <= (NOW.date() - dt.timedelta(days=1)).isoformat()
    assert bench._day_between(random.Random(1), NOW.date(), NOW.date() - dt.timedelta(days=1)) == (
        NOW.date() - dt.timedelta(days=1))


def test_every_casework_record_is_placed_by_the_fold_and_the_open_contacts_are_as_asked():
    _pop, cw = _made()
    latest = {}
    for version in [*cw.first, *cw.later]:  # the later version of a record is its current one
        latest[(version["agency_id"], version["source_record_id"])] = version
    by_child: dict[str, list] = {}
    for payload in latest.values():
        by_child.setdefault(payload["mentions"][0]["local_person_id"], []).append(as_fold_record(payload))
    open_contacts = 0
    for records in by_child.values():
        made = fold(records, clocks=clocks_from_settings())
        assert made.issues == []
        open_contacts += sum(c.is_open for c in made.contacts)
    assert open_contacts == len(cw.open_contacts) == 40
    received = [c.received_at for c in cw.open_contacts]
    assert all(NOW - dt.timedelta(days=8) < at < NOW for at in received)  # the last five working days
    assert {c.rag for c in cw.open_contacts} == {"", "red", "amber", "green"}
    assert cw.counts["decided_contacts"] > 100 and cw.counts["cases"] > 10


@pytest.fixture
def unfrozen_afterwards():
    """The bench settles its process as a server worker (gc.freeze); give the test process its heap back."""
    yield
    gc.unfreeze()


@pytest.mark.both_databases
def test_run_here_times_the_queue_page_and_checks_what_it_lists(db, unfrozen_afterwards):
    out = io.StringIO()
    result = bench.run_here(children=300, open_contacts=60, samples=3, seed=2, out=out)
    assert result["children"] == 300 and result["persons"] > 300
    assert result["open_contacts"] == result["open_contacts_built"] == 60  # as the page states it
    assert result["page_rows"] == 50  # the first page of 60
    assert sum(result["by_rag"].values()) == 60 and 0 < result["overdue"] <= 60
    # The first row is the contact whose clock runs out first, worked out from the records the bench made
    # (run_here raises if the page lists another first); with any contact overdue, it is overdue.
    assert result["first_contact"]["overdue"] is True
    assert result["p95_ms"] >= result["p50_ms"] > 0 and result["queries"] > 0
    assert result["open_cases"] > 0 and result["decided_contacts"] > 0
    assert "GET /front-door/: p50" in out.getvalue()
    assert gc.get_freeze_count() > 0  # measured as a worker serves: start-up objects frozen (core.runtime)


def test_the_page_listing_another_contact_first_is_refused(db, unfrozen_afterwards, monkeypatch):
    """The bench does not report figures for a page that lists the contacts in the wrong order."""
    monkeypatch.setattr(bench, "expected_first",  # the contact due last is not the one the page lists first
                        lambda built: max(built.casework.open_contacts, key=lambda c: (c.next_due_at, c.received_at)))
    with pytest.raises(RuntimeError, match="most urgent"):
        bench.run_here(children=60, open_contacts=8, samples=1, seed=4, out=io.StringIO())


@pytest.mark.sqlite
def test_a_small_run_on_a_fresh_sqlite_file_returns_the_figures():
    out = io.StringIO()
    result = bench.run(children=150, open_contacts=12, samples=2, postgresql=False, out=out)
    assert result["sqlite"]["database"] == "sqlite"
    assert result["open_contacts"] == 12 and result["children"] == 150
    assert result["p95_ms"] == result["sqlite"]["p95_ms"] and result["target_p95_ms"] == 150
    assert "SQLite: migrating" in out.getvalue()
