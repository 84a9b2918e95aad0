"""Children's social care casework held in joinedup: who a child is allocated to, partners' look-ups, notices."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Allocation(models.Model):
    """A child allocated to a social worker (in a team) from one time to another; history is kept."""

    id = models.BigAutoField(primary_key=True)
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="allocations")
    worker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="allocations")
    team = models.ForeignKey("accounts.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    allocated_by_id = models.UUIDField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["person", "ended_at"], name="allocation_current_idx")]
        constraints = [
            models.UniqueConstraint(fields=["person"], condition=models.Q(ended_at__isnull=True),
                                    name="allocation_one_current_per_person")
        ]

    def __str__(self) -> str:
        return f"{self.person_id} → {self.worker_id}"


class PartnerLookup(models.Model):
    """A partner practitioner looking a child up (A&E, GP, police, school). Kept for the allocated worker."""

    id = models.BigAutoField(primary_key=True)
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    looked_up_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey("accounts.Agency", null=True, on_delete=models.PROTECT, related_name="+")
    looked_up_at = models.DateTimeField()
    reason = models.CharField(max_length=300, blank=True)
    new_encounter = models.BooleanField(help_text="First look-up of this child by this user in the encounter window.")

    class Meta:
        indexes = [models.Index(fields=["looked_up_by", "person", "looked_up_at"], name="lookup_encounter_idx")]

    def __str__(self) -> str:
        return f"{self.looked_up_by_id} looked up {self.person_id} at {self.looked_up_at:%Y-%m-%d %H:%M}"


class Notice(models.Model):
    """Something a worker (or, with nobody allocated, a team) should know: e.g. a partner looked up their child."""

    id = models.BigAutoField(primary_key=True)
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="notices")
    team = models.ForeignKey("accounts.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="notices")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=32)
    text = models.CharField(max_length=500)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)
    lookup = models.ForeignKey(PartnerLookup, null=True, blank=True, on_delete=models.PROTECT, related_name="notices")

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notice_inbox_idx")]

    def __str__(self) -> str:
        return self.text
