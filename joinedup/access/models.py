"""Relationships the access app records itself: self-claims and break-glass, and case-review commissions.

People are named by UUID without a foreign key (as the audit trail does): the access app sits below the people
app in the import layers, and a claim must outlive any merge or split of the person it was about.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class ClaimOutcome(models.TextChoices):
    """The data protection officer's finding on one self-claim or break-glass."""

    APPROPRIATE = "appropriate", "Appropriate"
    INAPPROPRIATE = "inappropriate", "Not appropriate: taken up with the user's manager"
    NEEDS_FOLLOW_UP = "needs_follow_up", "Needs follow-up"


class AccessClaim(models.Model):
    """A self-claimed relationship or a break-glass: a reason, a time limit, and the DPO's review."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="access_claims")
    person_id = models.UUIDField(db_index=True)
    kind = models.CharField(max_length=16, choices=[("self_claim", "Self-claimed relationship"),
                                                    ("break_glass", "Break-glass (emergency) access")])
    reason_code = models.CharField(max_length=32)
    reason_text = models.TextField()
    started_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True, help_text="Ended early by the user.")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    outcome = models.CharField(max_length=32, choices=ClaimOutcome.choices, blank=True)
    review_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["user", "person_id", "expires_at"], name="claim_user_person_idx"),
                   models.Index(fields=["reviewed_at", "started_at"], name="claim_review_idx")]

    def __str__(self) -> str:
        return f"{self.kind} by {self.user_id} ({self.started_at:%Y-%m-%d %H:%M})"


class ReviewCommission(models.Model):
    """A case reviewer commissioned to review one child's case: pseudonymised views only, for a period."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="commissions")
    person_id = models.UUIDField(db_index=True)
    reference = models.CharField(max_length=200, help_text="The review's name, e.g. 'Child Safeguarding Practice Review 2026/3'.")
    starts_on = models.DateField()
    ends_on = models.DateField()
    commissioned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.reference} ({self.starts_on}–{self.ends_on})"


# --- Sealed records (issue 15, promise 3; joinedup.access.sealing) -----------------------------------------------


class Seal(models.Model):
    """A person sealed (an adoption, a court order): restricted for everyone, unsealed only per user for a while."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person_id = models.UUIDField(db_index=True)
    reference = models.CharField(max_length=16, unique=True,
                                 help_text="What the sealer gives to whoever must ask for it to be unsealed.")
    reason = models.TextField()
    sealed_at = models.DateTimeField()
    sealed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-sealed_at"]

    def __str__(self) -> str:
        return self.reference


class UnsealStatus(models.TextChoices):
    PENDING = "pending", "Waiting for approval"
    APPROVED = "approved", "Approved"
    REFUSED = "refused", "Refused"


class UnsealRequest(models.Model):
    """One user's request to see a sealed person, a second person's decision, its expiry and the DPO's review."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    seal = models.ForeignKey(Seal, on_delete=models.PROTECT, related_name="unseal_requests")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    reason = models.TextField()
    status = models.CharField(max_length=16, choices=UnsealStatus.choices, default=UnsealStatus.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    expires_at = models.DateTimeField(null=True, blank=True, help_text="When an approved unsealing ends.")
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True, help_text="When the DPO reviewed it.")

    class Meta:
        ordering = ["-requested_at"]
        indexes = [models.Index(fields=["requested_by", "status", "expires_at"], name="unseal_user_idx")]

    def __str__(self) -> str:
        return f"{self.seal.reference}: {self.status}"
