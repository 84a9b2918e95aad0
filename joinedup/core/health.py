"""`/healthz` and `/readyz`, for a load balancer or an orchestrator: answered before anything else runs.

`/healthz`: the process is up and answering (no database). `/readyz`: this instance can do its work — the
database answers and takes writes (PostgreSQL: not a read-only replica or standby; SQLite: the write lock can be
taken, as any write takes it), every migration is applied, and (in production, `JOINEDUP_READY_NEEDS_WORKER`) a
`joinedup worker` said it was alive within `JOINEDUP_WORKER_STALE_SECONDS`. Both answer JSON, never personal data, whatever
the Host header (a probe often calls by address) and over plain HTTP (TLS ends at the proxy in front); neither is
audited or logged as a page. 200 when well, 503 with the failing check named when not.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse
from django.utils import timezone

log = logging.getLogger(__name__)

PATHS = ("/healthz", "/readyz")
_migrated = False  # once every migration is applied it stays so for this process's life


def _database() -> str | None:
    """None when the database answers and takes writes; else what is wrong, in words."""
    try:
        with connection.cursor() as c:
            if connection.vendor == "postgresql":
                c.execute("SELECT pg_is_in_recovery(), current_setting('transaction_read_only')")
                recovery, read_only = c.fetchone()
                if recovery or read_only != "off":
                    return "the database is read-only (a standby or replica)"
            else:
                with transaction.atomic():  # SQLite begins IMMEDIATE (settings): the write lock, as a write takes it
                    c.execute("PRAGMA query_only")
                    if c.fetchone()[0]:
                        return "the database is read-only"
    except DatabaseError as exc:
        log.warning("readyz: the database did not answer: %s", type(exc).__name__)
        return "the database did not answer"
    return None


def _migrations() -> str | None:
    global _migrated
    if _migrated:
        return None
    try:
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError:
        return "the migrations could not be read"
    if plan:
        return f"{len(plan)} migration{'s' if len(plan) != 1 else ''} not applied"
    _migrated = True
    return None


def _worker() -> str | None:
    """None when a `joinedup worker` said it was alive lately (the jobs app's heartbeat; ADR 0017)."""
    from django.apps import apps

    heartbeat = apps.get_model("jobs", "WorkerHeartbeat")  # the app above core, by name
    try:
        newest = heartbeat.objects.order_by("-seen_at").values_list("seen_at", flat=True).first()
    except DatabaseError:
        return "the worker's heartbeat could not be read"
    stale = settings.JOINEDUP_WORKER_STALE_SECONDS
    if newest is None:
        return "no worker has started (run `joinedup worker`)"
    if (timezone.now() - newest).total_seconds() > stale:
        return f"no worker heartbeat in the last {stale:g} s (run `joinedup worker`)"
    return None


def ready() -> tuple[bool, dict[str, str]]:
    database = _database()
    migrations = _migrations() if database is None else "not checked: no database"
    checks = {"database": database or "answers and takes writes", "migrations": migrations or "all applied"}
    worker = None
    if settings.JOINEDUP_READY_NEEDS_WORKER:
        worker = _worker() if database is None and migrations is None else "not checked"
        checks["worker"] = worker or "heartbeat fresh"
    return database is None and migrations is None and worker is None, checks


class HealthMiddleware:
    """First in the chain: the probes never meet host checks, the TLS redirect, sessions or the audit."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info.rstrip("/")
        if path not in PATHS:
            return self.get_response(request)
        if request.method not in ("GET", "HEAD"):
            response = JsonResponse({"status": "refused", "reason": "only GET and HEAD"}, status=405)
            response["Allow"] = "GET, HEAD"
        elif path == "/healthz":
            response = JsonResponse({"status": "up"})
        else:
            ok, checks = ready()
            response = JsonResponse({"status": "ready" if ok else "not ready", "checks": checks},
                                    status=200 if ok else 503)
        response["Cache-Control"] = "no-store"
        return response
