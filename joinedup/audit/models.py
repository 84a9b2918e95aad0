"""The audit event: one row per read or write of personal data, never changed once written."""

from django.db import models


class AuditEvent(models.Model):
    """Who (user, agency, role) did what (action) to which record, about whom, why, when (UTC).

    Rows keep a snapshot of the actor rather than foreign keys, so that no later change to a user
    or agency can alter, cascade into or block the history. The database refuses UPDATE and DELETE
    on this table (see migration 0002); protected values (such as a refuge address) are never stored.
    """

    id = models.BigAutoField(primary_key=True)
    occurred_at = models.DateTimeField(db_index=True)
    actor_id = models.UUIDField(null=True, blank=True, db_index=True)
    actor_username = models.CharField(max_length=150)
    agency_id = models.UUIDField(null=True, blank=True)
    agency_name = models.CharField(max_length=200, blank=True)
    role = models.CharField(max_length=64, blank=True)
    action = models.CharField(max_length=64, db_index=True)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    subject_person_id = models.UUIDField(null=True, blank=True, db_index=True)
    reason = models.TextField(blank=True)
    request_id = models.CharField(max_length=64, blank=True, db_index=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object_idx")]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {self.actor_username} {self.action} {self.object_type}"
