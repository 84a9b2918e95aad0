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


# --- casework: a projection of children's social care records (ADR 0008) ---------------------------------
# Rebuilt per person by `casework.projection.casework_project` from the fold (`casework.lifecycle`); never
# edited. Keys are stable across rebuilds: a contact's is its record's, a case's a UUID5 of agency and episode.


class Case(models.Model):
    """One episode of need for one child at one authority: from a referral to closure."""

    id = models.UUIDField(primary_key=True, editable=False)
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="cases")
    case_ref = models.CharField(max_length=200, help_text="The sender's episode id, or the referral's record id.")
    referral_record = models.ForeignKey("ingest.SourceRecord", null=True, on_delete=models.PROTECT, related_name="+")
    opened_on = models.DateField(help_text="The referral date.")
    source_code = models.CharField(max_length=8, blank=True, help_text="CIN referral source.")
    primary_need = models.CharField(max_length=4, blank=True)
    stage = models.CharField(max_length=64)
    is_open = models.BooleanField()
    closed_on = models.DateField(null=True, blank=True)
    closure_reason = models.CharField(max_length=8, blank=True)
    latest_category = models.CharField(max_length=32, blank=True, help_text="Of the latest child protection plan.")
    next_due_on = models.DateField(null=True, blank=True, help_text="The next statutory deadline not yet met.")
    next_due_label = models.CharField(max_length=200, blank=True)
    last_seen_on = models.DateField(null=True, blank=True, help_text="The last visit in which the child was seen.")
    revision = models.PositiveIntegerField(help_text="Record versions the case holds: a write names the one it saw.")

    class Meta:
        indexes = [
            models.Index(fields=["agency", "is_open", "next_due_on"], name="case_open_due_idx"),
            models.Index(fields=["person", "opened_on"], name="case_person_idx"),
        ]

    def __str__(self) -> str:
        return f"case {self.case_ref} ({self.stage})"


class Contact(models.Model):
    """A contact to children's social care's front door: who raised it, about whom, RAG, clocks, decision."""

    id = models.BigAutoField(primary_key=True)
    record = models.ForeignKey("ingest.SourceRecord", on_delete=models.PROTECT, related_name="+",
                               help_text="The contact's record: screens and the API name a contact by it.")
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="contacts")
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.PROTECT, related_name="contacts")
    received_at = models.DateTimeField()
    source_code = models.CharField(max_length=8, blank=True)
    raised_by = models.CharField(max_length=32, blank=True)
    summary = models.CharField(max_length=300, blank=True, help_text="The start of what was said.")
    rag = models.CharField(max_length=8, blank=True)
    rag_due_at = models.DateTimeField(null=True, blank=True)
    decision = models.CharField(max_length=64, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_due_at = models.DateTimeField()
    is_open = models.BooleanField(help_text="No decision yet.")
    next_due_at = models.DateTimeField(null=True, blank=True, help_text="The earlier of its clocks, while open.")
    referrer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", help_text="The partner who made it in joinedup.")
    referred_as = models.CharField(max_length=200, blank=True,
                                   help_text="The child as the partner described them (what the partner is shown).")
    revision = models.PositiveIntegerField()

    class Meta:
        indexes = [
            # The front-door queue reads only open contacts: a partial index keeps it small (SQLite cannot use
            # a boolean column's index for `is_open = true` otherwise).
            models.Index(fields=["agency", "next_due_at", "received_at", "id"], condition=models.Q(is_open=True),
                         name="contact_queue_idx"),
            models.Index(fields=["referrer", "received_at"], name="contact_referrer_idx"),
        ]
        constraints = [models.UniqueConstraint(fields=["record", "person"], name="contact_one_per_record_person")]

    def __str__(self) -> str:
        return f"contact {self.record_id} ({self.decision or 'open'})"


class CaseClock(models.Model):
    """One statutory or local clock of a contact or case: due when, met when (or stopped)."""

    id = models.BigAutoField(primary_key=True)
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.PROTECT, related_name="clocks")
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.PROTECT, related_name="clocks")
    kind = models.CharField(max_length=32)
    label = models.CharField(max_length=200)
    source_key = models.CharField(max_length=300)
    started_at = models.DateTimeField()
    due_at = models.DateTimeField()
    due_on = models.DateField(null=True, blank=True)
    met_at = models.DateTimeField(null=True, blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["agency", "kind", "due_at"], name="clock_kind_due_idx"),
            models.Index(fields=["person"], name="clock_person_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} due {self.due_at:%Y-%m-%d %H:%M}"


class CaseworkIssue(models.Model):
    """A children's social care record the fold could not place in the child's case, and why."""

    id = models.BigAutoField(primary_key=True)
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    record = models.ForeignKey("ingest.SourceRecord", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=64)
    occurred_on = models.DateField()
    sentence = models.TextField()

    class Meta:
        indexes = [models.Index(fields=["agency", "occurred_on"], name="casework_issue_idx")]

    def __str__(self) -> str:
        return self.sentence
