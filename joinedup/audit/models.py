"""The audit event: one row per read or write of personal data, never changed once written, hash-chained."""

from django.db import models


class AuditEvent(models.Model):
    """Who (user, agency, role) did what (action) to which record, about whom, why, when (UTC).

    Rows keep a snapshot of the actor rather than foreign keys, so that no later change to a user
    or agency can alter, cascade into or block the history. The database refuses UPDATE and DELETE
    on this table (see migration 0002); protected values (such as a refuge address) are never stored.

    Rows form a hash chain in id order (`joinedup.audit.chain`, ADR 0009): `chain_position` counts them 1, 2, 3…,
    `prev_hash` is the previous row's `row_hash`, and `row_hash` covers every field here and the people the row
    names (`AuditEventPerson`). Only `joinedup.audit.services.audit_event_record` writes them, one at a time.
    """

    id = models.BigAutoField(primary_key=True)
    chain_position = models.PositiveBigIntegerField(unique=True)
    prev_hash = models.CharField(max_length=64)
    row_hash = models.CharField(max_length=64)
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


class AuditEventPerson(models.Model):
    """A person an audit event names: its subject, and everyone a read showed (append-only, like its event).

    One row per (event, person), so the trail can be filtered by person on an index on either database; the
    event's `row_hash` covers the set, so a row added or removed here breaks the chain at its event.
    """

    id = models.BigAutoField(primary_key=True)
    event = models.ForeignKey(AuditEvent, on_delete=models.PROTECT, related_name="people", db_index=False)
    person_id = models.UUIDField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["event", "person_id"], name="audit_event_person_unique")]
        indexes = [models.Index(fields=["person_id", "event"], name="audit_person_event_idx")]

    def __str__(self) -> str:
        return f"{self.event_id} {self.person_id}"
