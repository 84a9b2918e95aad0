"""`joinedup worker`: runs the task queue (django-tasks' database backend, `django_tasks_db`) and the schedule.

A thread says the worker is alive every 5 s (`WorkerHeartbeat`; /readyz reads it), in its own connection, so a
long task (a linkage run of minutes) does not make the worker look dead. One loop, every `interval` seconds (0.2 by
default): queue every scheduled job that is due (`JOINEDUP_SCHEDULE`: each job's task and how many minutes apart; a job
is claimed by a conditional update, so with several workers each run is queued once), then run every ready task,
oldest first, each claimed so no two workers run it. SIGTERM or SIGINT lets the task in hand finish, then stops.

A worker killed in the middle of a task leaves it claimed and unfinished; the task's own transaction is rolled
back. What such a task was doing is picked up by the schedule: mentions left unmatched by the next
`people.link_if_needed`, alerts by the next `alerts.run_scheduled` (docs/operations.md, "Background work").
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Callable

from django.conf import settings
from django.db import DatabaseError, close_old_connections, connection, transaction
from django.utils.module_loading import import_string

from joinedup.core.time import utc_now
from joinedup.jobs.models import ScheduledJob, WorkerHeartbeat

logger = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 5.0
SCHEDULE_CHECK_SECONDS = 5.0


def schedule() -> dict[str, dict]:
    """The schedule in force: {name: {"task": dotted path, "every_minutes": float}} (0 minutes: off)."""
    return {name: job for name, job in settings.JOINEDUP_SCHEDULE.items() if float(job["every_minutes"]) > 0}


def enqueue_due(*, now: dt.datetime | None = None, worker_id: str = "") -> list[str]:
    """Queue each scheduled job whose interval has passed since it was last queued; the names queued."""
    now = now or utc_now()
    queued = []
    for name, job in schedule().items():
        every = dt.timedelta(minutes=float(job["every_minutes"]))
        row, _ = ScheduledJob.objects.get_or_create(name=name)
        if row.last_enqueued_at is not None and now - row.last_enqueued_at < every:
            continue
        with transaction.atomic():  # the claim and the task row commit together, or neither
            claimed = ScheduledJob.objects.filter(name=name, last_enqueued_at=row.last_enqueued_at).update(
                last_enqueued_at=now, last_enqueued_by=worker_id)
            if claimed:
                import_string(job["task"]).enqueue()
                queued.append(name)
    return queued


def heartbeat(worker_id: str, started_at: dt.datetime) -> None:
    now = utc_now()
    WorkerHeartbeat.objects.update_or_create(worker_id=worker_id, defaults={
        "host": socket.gethostname()[:255], "pid": os.getpid(), "started_at": started_at, "seen_at": now})


class Heartbeat(threading.Thread):
    """Writes the worker's heartbeat every `HEARTBEAT_SECONDS` until stopped, whatever the loop is running."""

    def __init__(self, worker_id: str, started: dt.datetime):
        super().__init__(name="joinedup-worker-heartbeat", daemon=True)
        self.worker_id, self.started = worker_id, started
        self.stopped = threading.Event()

    def run(self) -> None:
        try:
            while not self.stopped.wait(HEARTBEAT_SECONDS):
                try:
                    heartbeat(self.worker_id, self.started)
                except DatabaseError as exc:  # the database is away: /readyz says so; try again next time
                    logger.warning("worker heartbeat not written: %s", type(exc).__name__)
        finally:
            connection.close()  # this thread's own connection


def fresh_heartbeat(*, within_seconds: float | None = None) -> bool:
    """Whether some worker said it was alive recently (`JOINEDUP_WORKER_STALE_SECONDS`, 60 by default)."""
    seconds = within_seconds if within_seconds is not None else settings.JOINEDUP_WORKER_STALE_SECONDS
    return WorkerHeartbeat.objects.filter(seen_at__gte=utc_now() - dt.timedelta(seconds=seconds)).exists()


def run_ready_tasks(worker_id: str) -> int:
    """Run every task that is ready now, oldest first; how many ran."""
    from django_tasks_db.management.commands.db_worker import Worker

    worker = Worker(queue_names=["*"], interval=0, batch=True, backend_name="default", startup_delay=False,
                    max_tasks=None, worker_id=worker_id, excluded_queue_names=[])
    worker.run()
    return worker._run_tasks


def run_worker(*, interval: float = 0.2, once: bool = False, with_schedule: bool = True,
               parent_pid: int | None = None, say: Callable[[str], None] = lambda line: None) -> None:
    """The loop (see the module's note). `parent_pid`: stop once that process has ended (this one is re-parented)."""
    from django_tasks import task_backends
    from django_tasks_db import DatabaseBackend

    if not isinstance(task_backends["default"], DatabaseBackend):
        raise RuntimeError("the worker runs the database task backend (TASKS['default'] is "
                           f"{type(task_backends['default']).__name__})")
    worker_id = f"{socket.gethostname()}-{os.getpid()}"[:100]
    started = utc_now()
    stopping = False

    def stop(signum, frame) -> None:
        nonlocal stopping
        stopping = True
        say(f"{signal.strsignal(signum)}: stopping after the task in hand")

    if not once:
        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
    jobs = ", ".join(f"{name} every {float(job['every_minutes']):g} min" for name, job in schedule().items())
    say(f"joinedup worker {worker_id}: tasks every {interval:g} s; "
        + (f"schedule: {jobs or 'nothing'}" if with_schedule else "no schedule"))
    heartbeat(worker_id, started)
    beating = None
    if not once:
        beating = Heartbeat(worker_id, started)
        beating.start()
    try:
        _loop(worker_id, interval=interval, once=once, with_schedule=with_schedule, parent_pid=parent_pid, say=say,
              stopping=lambda: stopping)
    finally:
        if beating is not None:
            beating.stopped.set()
            beating.join(timeout=10)


def _loop(worker_id: str, *, interval: float, once: bool, with_schedule: bool, parent_pid: int | None,
          say: Callable[[str], None], stopping: Callable[[], bool]) -> None:
    checked = 0.0
    while True:
        close_old_connections()
        now = time.monotonic()
        if with_schedule and (once or now - checked >= SCHEDULE_CHECK_SECONDS):
            for name in enqueue_due(worker_id=worker_id):
                say(f"queued {name}")
            checked = now
        ran = run_ready_tasks(worker_id)
        if ran:
            logger.info("worker ran %d task(s)", ran)
        if once or stopping() or (parent_pid is not None and os.getppid() != parent_pid):
            return
        time.sleep(interval)
        if stopping():
            return
