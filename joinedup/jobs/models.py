"""The worker's own rows: who is working (a heartbeat, for /readyz) and when each scheduled job was last queued."""

from django.db import models


class WorkerHeartbeat(models.Model):
    """A `joinedup worker` process, and when it last said it was alive (every few seconds)."""

    worker_id = models.CharField(primary_key=True, max_length=100)
    host = models.CharField(max_length=255)
    pid = models.IntegerField()
    started_at = models.DateTimeField()
    seen_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-seen_at"]

    def __str__(self) -> str:
        return f"{self.worker_id} (seen {self.seen_at:%Y-%m-%d %H:%M:%S})"


class ScheduledJob(models.Model):
    """One entry of the schedule (`JOINEDUP_SCHEDULE`) and when a worker last queued it. Queuing is claimed by a
    conditional update of `last_enqueued_at`, so with several workers each run is queued once."""

    name = models.CharField(primary_key=True, max_length=100)
    last_enqueued_at = models.DateTimeField(null=True, blank=True)
    last_enqueued_by = models.CharField(max_length=100, blank=True)

    def __str__(self) -> str:
        return self.name
