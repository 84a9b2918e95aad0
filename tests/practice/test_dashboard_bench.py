"""`joinedup bench dashboard`: a small run builds the authority, times the head of service's and a team manager's
dashboard, and the page shows what the data made says — the bench counts it itself and stops if it differs; here
the figures are counted once more from the database's records and rows."""

from __future__ import annotations

import datetime as dt
import gc
import io
from zoneinfo import ZoneInfo

import pytest

from joinedup_lab.benches import dashboard as bench

LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def unfrozen_afterwards():
    """The bench settles its process as a server worker (gc.freeze); give the test process its heap back."""
    yield
    gc.unfreeze()


@pytest.mark.both_databases
def test_run_here_times_the_dashboard_and_checks_what_it_shows(db, unfrozen_afterwards):
    from joinedup.casework.models import Allocation, Case, CaseClock
    from joinedup.ingest.models import SourceRecord
    from joinedup.practice.models import Concern

    out = io.StringIO()
    result = bench.run_here(children=400, samples=3, seed=2, out=out)
    assert result["children"] == 400 and result["visits"] > 0 and result["visit_clocks"] > 0
    assert result["workers"] >= 5 and result["supervision_sessions"] > result["workers"]
    assert result["allocations"] > 0 and result["concerns"] > 0
    assert result["p95_ms"] >= result["p50_ms"] > 0 and result["team_p95_ms"] > 0 and result["queries"] > 0
    assert set(result["checked"]) == {"contacts", "referrals", "decisions_on_time", "decisions_late", "not_seen",
                                      "supervision_overdue", "concerns_overdue"}
    assert "GET /dashboard/ (head of service): p50" in out.getvalue()

    # Counted again, from the database this time: contacts and referrals over the 13 weeks, concerns past due.
    today = dt.datetime.now(LONDON).date()
    first = today - dt.timedelta(days=today.weekday()) - dt.timedelta(weeks=12)
    start = dt.datetime.combine(first, dt.time(), tzinfo=LONDON)
    contacts = SourceRecord.objects.filter(kind="csc_contact", occurred_at__gte=start).count()
    referrals = SourceRecord.objects.filter(kind="referral", occurred_on__gte=first).count()
    assert result["shown"]["contacts"] == contacts > 0
    assert result["shown"]["referrals"] == referrals > 0
    now = dt.datetime.now(dt.UTC)
    assert result["shown"]["concerns_overdue"] == Concern.objects.filter(responded_at__isnull=True,
                                                                         response_due_at__lt=now).count()
    # Every visit record became part of a case, and children on a plan or in care have visit clocks.
    assert SourceRecord.objects.filter(kind="visit").count() == result["visits"]
    on_plan = Case.objects.filter(is_open=True, stage__in=("Child protection plan", "Looked after"))
    assert on_plan.exists() and not on_plan.exclude(pk__in=CaseClock.objects.filter(kind="visit")
                                                     .values("case_id")).exists()
    assert on_plan.filter(last_seen_on__isnull=False).exists()
    assert Allocation.objects.filter(ended_at__isnull=True).count() == result["allocations"]


def test_a_page_that_differs_from_the_data_is_refused(db, unfrozen_afterwards, monkeypatch):
    """The bench reports no figures for a page that shows something else than the data made."""
    real = bench.expected

    def one_more_contact(built, now):
        want = real(built, now)
        want["contacts"][-1] += 1
        return want

    monkeypatch.setattr(bench, "expected", one_more_contact)
    with pytest.raises(RuntimeError, match="differ from the data made"):
        bench.run_here(children=120, samples=1, seed=4, out=io.StringIO())


@pytest.mark.sqlite
def test_a_small_run_on_a_fresh_sqlite_file_returns_the_figures():
    out = io.StringIO()
    result = bench.run(children=150, samples=2, postgresql=False, out=out)
    assert result["sqlite"]["database"] == "sqlite" and result["children"] == 150
    assert result["p95_ms"] == result["sqlite"]["p95_ms"] and result["target_p95_ms"] == 300
    assert "SQLite: migrating" in out.getvalue()
