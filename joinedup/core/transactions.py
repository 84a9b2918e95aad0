"""Transactions that read before they write, without holding SQLite's write lock while they read.

On SQLite joinedup opens every transaction IMMEDIATE (`config.settings.base.SQLITE_OPTIONS`): the one write lock is
taken at BEGIN, so a transaction that reads and then writes never fails half-way because another connection wrote in
between — it waits its turn (the busy timeout) instead. The price is that the lock is held while it reads, and SQLite
has one writer: everyone else's writes, the API's requests among them, wait meanwhile.

Background work that reads much before it writes — the worker's matching of the mentions that arrived, a child's
alert evaluation — runs through `reads_then_writes`. On SQLite it is first run in a DEFERRED transaction: its reads
take no lock and see one snapshot, and the write lock is taken at its first write. If another connection has
committed since that snapshot began, or holds the lock at that moment, SQLite refuses the write at once ("database is
locked": SQLITE_BUSY_SNAPSHOT or SQLITE_BUSY; no waiting), the attempt is rolled back whole, and the work is done again:
once more the same way, then (`DEFERRED_ATTEMPTS`) in an IMMEDIATE transaction, holding the lock from its start like
any other. Either way its reads and writes are one serializable transaction: what it read is still so when it writes,
as when the lock was held throughout.

On PostgreSQL (row locks, no single writer), and inside a transaction already open, it is `transaction.atomic()`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from django.db import OperationalError, transaction

logger = logging.getLogger(__name__)
T = TypeVar("T")

REFUSED = frozenset({"SQLITE_BUSY", "SQLITE_BUSY_SNAPSHOT"})
# Attempts without the lock before one that holds it throughout. Another attempt reads again, as the locked one
# would: it costs no more work, and the others' writes need not wait while it reads.
DEFERRED_ATTEMPTS = 2


def refused_for_another_writer(exc: OperationalError) -> bool:
    """Whether SQLite refused a write because another connection wrote since this transaction's snapshot, or is
    writing now."""
    name = getattr(exc.__cause__, "sqlite_errorname", "")
    return name in REFUSED if name else "database is locked" in str(exc).lower()


def reads_then_writes(fn: Callable[..., T], *args, using: str | None = None, **kwargs) -> T:
    """`fn(*args, **kwargs)` in one transaction that holds SQLite's write lock only from its first write (see the
    module's note); on PostgreSQL, or within a transaction, in `transaction.atomic()`. On SQLite `fn` may run up to
    `DEFERRED_ATTEMPTS + 1` times (each attempt but the last rolled back whole), so it must not act outside the
    database except on commit (`transaction.on_commit`), nor catch the "database is locked" it may meet."""
    connection = transaction.get_connection(using)
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        with transaction.atomic(using=using):
            return fn(*args, **kwargs)
    for attempt in range(1, DEFERRED_ATTEMPTS + 1):
        try:
            with _begin(connection, "DEFERRED"), transaction.atomic(using=using):
                return fn(*args, **kwargs)
        except OperationalError as exc:
            if not refused_for_another_writer(exc):
                raise
            logger.debug("%s: another connection wrote meanwhile (attempt %d): run again%s",
                         getattr(fn, "__qualname__", "the work"), attempt,
                         ", holding the write lock" if attempt == DEFERRED_ATTEMPTS else "")
    with _begin(connection, "IMMEDIATE"), transaction.atomic(using=using):
        return fn(*args, **kwargs)


class _begin:
    """The next BEGIN on this SQLite connection in `mode`; the configured mode again after it."""

    def __init__(self, connection, mode: str):
        self.connection, self.mode = connection, mode

    def __enter__(self):
        self.connection.ensure_connection()  # sets transaction_mode from the settings' OPTIONS
        self.configured = self.connection.transaction_mode
        self.connection.transaction_mode = self.mode

    def __exit__(self, *exc_info):
        self.connection.transaction_mode = self.configured
        return False
