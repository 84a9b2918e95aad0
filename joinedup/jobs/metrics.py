"""The task queue's gauges for operators' metrics (`joinedup.core.metrics`, docs/operations.md "Metrics"): its depth
and the age of its oldest waiting task, tasks running and failed, and the freshest worker heartbeat."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Count, Max, Min
from django_tasks_db.models import DBTaskResult
from prometheus_client.core import GaugeMetricFamily

from joinedup.core.time import utc_now
from joinedup.jobs.models import WorkerHeartbeat


def queue_gauges() -> Iterator[GaugeMetricFamily]:
    now = utc_now()
    counts = dict(DBTaskResult.objects.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    oldest = DBTaskResult.objects.filter(status="READY").aggregate(oldest=Min("enqueued_at"))["oldest"]
    yield GaugeMetricFamily("joinedup_task_queue_depth", "Tasks queued and not started (`joinedup worker` runs them).",
                            value=counts.get("READY", 0))
    yield GaugeMetricFamily("joinedup_task_queue_oldest_age_seconds",
                            "How long the oldest task not yet started has waited (0: none).",
                            value=max(0.0, (now - oldest).total_seconds()) if oldest is not None else 0.0)
    yield GaugeMetricFamily("joinedup_task_queue_running", "Tasks a worker has claimed and not finished.",
                            value=counts.get("RUNNING", 0))
    yield GaugeMetricFamily("joinedup_task_queue_failed", "Tasks that failed (kept until pruned).",
                            value=counts.get("FAILED", 0))
    seen = WorkerHeartbeat.objects.aggregate(seen=Max("seen_at"))["seen"]
    yield GaugeMetricFamily("joinedup_worker_heartbeat_age_seconds",
                            "Seconds since the freshest `joinedup worker` heartbeat (-1: no worker has started).",
                            value=(now - seen).total_seconds() if seen is not None else -1.0)
