"""What people add to a chronology: marks of significance. Events themselves are agency records (ingest)."""

from __future__ import annotations

from django.db import models


class SignificantMark(models.Model):
    """One marking or unmarking of an event as significant in a person's chronology. Append-only:
    the latest row for (person, record) is the current state, and earlier rows are its history."""

    id = models.BigAutoField(primary_key=True)
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    record = models.ForeignKey("ingest.SourceRecord", on_delete=models.PROTECT, related_name="+")
    significant = models.BooleanField()
    note = models.CharField(max_length=500, blank=True)
    marked_by_id = models.UUIDField(null=True, blank=True)
    marked_by_name = models.CharField(max_length=300, blank=True)
    marked_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["person", "record", "marked_at"], name="chron_mark_idx")]

    def __str__(self) -> str:
        return f"{self.record_id} {'marked' if self.significant else 'unmarked'} for {self.person_id}"
