"""The people app's gauges for operators' metrics (`joinedup.core.metrics`, docs/operations.md "Metrics"): the
identity work waiting, read from the database at each scrape (the task queue's own gauges: `jobs.metrics`)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from django.db.models import Count, Min
from prometheus_client.core import GaugeMetricFamily

from joinedup.core.time import utc_now
from joinedup.ingest.models import Mention
from joinedup.people.models import LinkageRun, ReviewItem, ReviewStatus


def _age(oldest: datetime | None, now: datetime) -> float:
    return max(0.0, (now - oldest).total_seconds()) if oldest is not None else 0.0


def identity_work_gauges() -> Iterator[GaugeMetricFamily]:
    """The matches-to-review queue (depth and age), mentions no linkage has placed yet (depth and age), and when the
    last batch linkage run finished."""
    now = utc_now()
    review = ReviewItem.objects.filter(status=ReviewStatus.OPEN).aggregate(n=Count("pk"), oldest=Min("created_at"))
    yield GaugeMetricFamily("joinedup_review_queue_items",
                            "Possible matches waiting for a person's ruling (open items of the matches-to-review "
                            "queue).", value=review["n"])
    yield GaugeMetricFamily("joinedup_review_queue_oldest_age_seconds",
                            "How long the oldest open item of the matches-to-review queue has waited (0: none).",
                            value=_age(review["oldest"], now))
    awaiting = Mention.objects.filter(withdrawn=False, link__isnull=True).aggregate(
        n=Count("pk"), oldest=Min("record__current__received_at"))
    yield GaugeMetricFamily("joinedup_mentions_awaiting_linkage",
                            "People named in current records whom no linkage has placed yet (the worker links what "
                            "files load, and matches what the API receives, as it runs those tasks).",
                            value=awaiting["n"])
    yield GaugeMetricFamily("joinedup_mentions_awaiting_linkage_oldest_age_seconds",
                            "How long ago the oldest record with a mention awaiting linkage was received (0: none).",
                            value=_age(awaiting["oldest"], now))
    last = LinkageRun.objects.filter(finished_at__isnull=False).order_by("-finished_at").values_list(
        "finished_at", flat=True).first()
    yield GaugeMetricFamily("joinedup_linkage_last_batch_run_finished_timestamp_seconds",
                            "When the last batch linkage run (`joinedup link`) finished, in seconds since 1970 "
                            "(0: never).", value=last.timestamp() if last is not None else 0.0)
