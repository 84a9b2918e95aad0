"""`core.transactions.reads_then_writes`: on SQLite, work that reads before it writes holds the one write lock only
from its first write, and stays one serializable transaction — another connection's commit while it reads sends it
round again, on fresh reads (twice without the lock, then once holding it from the start); on PostgreSQL, and inside
a transaction already open, it is `transaction.atomic()`.

Each step writes a row whose name says how many rows it read, so a write made on stale reads would show."""

from __future__ import annotations

import sqlite3

import pytest
from django.db import OperationalError, connection, transaction

from joinedup.core.transactions import DEFERRED_ATTEMPTS, reads_then_writes
from joinedup.jobs.models import ScheduledJob


def _other_connection() -> sqlite3.Connection:
    """Another process's connection to the same file, which never waits for the lock (a busy timeout of 0)."""
    return sqlite3.connect(connection.settings_dict["NAME"], timeout=0, isolation_level=None)


def _other_writes(name: str) -> None:
    """Another connection takes the write lock and commits a row; "database is locked" if the lock is held."""
    other = _other_connection()
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("INSERT INTO jobs_scheduledjob (name, last_enqueued_by) VALUES (?, '')", (name,))
        other.execute("COMMIT")
    finally:
        other.close()


class Work:
    """Reads how many rows there are, lets another connection write during the first `interrupted` attempts, then
    writes a row named after what it read."""

    def __init__(self, interrupted: int = 0) -> None:
        self.interrupted, self.attempts = interrupted, 0
        self.others_waited: list[bool] = []  # for each interrupted attempt: whether the other found the lock held

    def __call__(self, *, tag: str) -> str:
        self.attempts += 1
        seen = ScheduledJob.objects.count()
        if self.attempts <= self.interrupted:
            try:
                _other_writes(f"other-{self.attempts}")
                self.others_waited.append(False)
            except sqlite3.OperationalError as exc:  # refused at once: this attempt holds the lock
                assert "locked" in str(exc)
                self.others_waited.append(True)
        name = f"{tag}-after-{seen}"
        ScheduledJob.objects.create(name=name)
        return name


@pytest.mark.sqlite
@pytest.mark.django_db(transaction=True)
def test_reads_take_no_lock_and_a_quiet_run_commits_once():
    work = Work(interrupted=0)
    other_wrote_while_it_read = []

    def reads_while_another_writes(**kwargs):
        ScheduledJob.objects.count()  # a read: the snapshot begins, no lock taken
        other = _other_connection()
        try:
            other.execute("BEGIN IMMEDIATE")  # would be refused at once were the lock held
            other.execute("ROLLBACK")  # nothing written: the snapshot is still the latest
            other_wrote_while_it_read.append(True)
        finally:
            other.close()
        return work(**kwargs)

    assert reads_then_writes(reads_while_another_writes, tag="quiet") == "quiet-after-0"
    assert other_wrote_while_it_read == [True] and work.attempts == 1
    assert list(ScheduledJob.objects.values_list("name", flat=True)) == ["quiet-after-0"]
    assert connection.transaction_mode == "IMMEDIATE"  # the configured mode again for everyone else


@pytest.mark.sqlite
@pytest.mark.django_db(transaction=True)
def test_a_commit_by_another_connection_while_it_reads_sends_it_round_again_on_fresh_reads():
    work = Work(interrupted=1)
    assert reads_then_writes(work, tag="work") == "work-after-1"  # the second attempt saw the other's row
    assert work.attempts == 2 and work.others_waited == [False]  # the other did not wait: no lock while reading
    assert sorted(ScheduledJob.objects.values_list("name", flat=True)) == ["other-1", "work-after-1"]
    assert connection.transaction_mode == "IMMEDIATE"


@pytest.mark.sqlite
@pytest.mark.django_db(transaction=True)
def test_after_the_attempts_without_the_lock_it_holds_the_lock_from_the_start():
    work = Work(interrupted=DEFERRED_ATTEMPTS + 1)
    assert reads_then_writes(work, tag="work") == f"work-after-{DEFERRED_ATTEMPTS}"
    assert work.attempts == DEFERRED_ATTEMPTS + 1
    # The attempts without the lock let the other write; the last held the lock while it read: the other was refused.
    assert work.others_waited == [False] * DEFERRED_ATTEMPTS + [True]
    names = set(ScheduledJob.objects.values_list("name", flat=True))
    assert names == {*(f"other-{n}" for n in range(1, DEFERRED_ATTEMPTS + 1)), f"work-after-{DEFERRED_ATTEMPTS}"}
    assert connection.transaction_mode == "IMMEDIATE"


@pytest.mark.sqlite
@pytest.mark.django_db(transaction=True)
def test_any_other_database_error_is_raised_at_once_and_its_writes_rolled_back():
    calls = []

    def broken():
        calls.append(1)
        ScheduledJob.objects.create(name="half-done")
        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM no_such_table")

    with pytest.raises(OperationalError, match="no such table"):
        reads_then_writes(broken)
    assert calls == [1] and not ScheduledJob.objects.exists()
    assert connection.transaction_mode == "IMMEDIATE"


@pytest.mark.both_databases
@pytest.mark.django_db
def test_inside_a_transaction_or_on_postgresql_it_is_one_atomic_block():
    work = Work()
    with transaction.atomic():
        assert reads_then_writes(work, tag="nested") == "nested-after-0"
        assert connection.in_atomic_block
    assert work.attempts == 1

    def fails():
        ScheduledJob.objects.create(name="undone")
        raise ValueError("no")

    with pytest.raises(ValueError):
        reads_then_writes(fails)
    assert list(ScheduledJob.objects.values_list("name", flat=True)) == ["nested-after-0"]


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_the_work_runs_once_in_a_transaction():
    work = Work()
    assert reads_then_writes(work, tag="pg") == "pg-after-0"
    assert work.attempts == 1 and ScheduledJob.objects.filter(name="pg-after-0").exists()
