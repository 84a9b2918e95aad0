"""Alerts: a named rule's finding about one child, routed to a person, and every step taken on it.

One open alert per rule per child (the database enforces it): new evidence updates the open alert.
An alert is closed by a person (acted on, or dismissed with a reason) or by joinedup when the rule no
longer finds anything (e.g. the overdue visit was recorded). An "escalate" alert (a child not seen) closes
only with a manager's agreement: anyone else proposes closing it, and it stays open, awaiting a manager's
agreement, until a team manager of the team holding it (or a head of service) agrees or disagrees. `AlertStep` is the alert's history and
appears in the child's chronology; the database refuses UPDATE and DELETE on it.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class AlertStatus(models.TextChoices):
    NEW = "new", "New"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    AWAITING_AGREEMENT = "proposed", "Awaiting a manager's agreement"
    ACTED = "acted", "Acted on"
    DISMISSED = "dismissed", "Dismissed"
    RESOLVED = "resolved", "No longer applies"


OPEN_STATUSES = (AlertStatus.NEW, AlertStatus.ACKNOWLEDGED, AlertStatus.AWAITING_AGREEMENT)
# What a proposal to close an escalate alert proposes (the status the alert takes when a manager agrees).
PROPOSABLE_OUTCOMES = (AlertStatus.ACTED, AlertStatus.DISMISSED)


class Alert(models.Model):
    """What a rule found about a child, the exact records behind it, and who holds it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="alerts")
    # The rule as it stood when the alert was raised (the catalogue may change later).
    rule_id = models.CharField(max_length=16)
    rule_name = models.CharField(max_length=300)
    rule_kind = models.CharField(max_length=32)
    rule_explanation = models.TextField(blank=True)
    rule_evidence = models.TextField(blank=True, help_text="The rule's citation (guidance, study).")
    # The finding, replaced as new evidence arrives.
    sentence = models.TextField()
    evidence = models.JSONField(
        default=list,
        help_text='The records that triggered it: [{"key", "record_id", "version_id", "version"}], in the order '
                  "the rule gave them.",
    )
    severity = models.CharField(max_length=16, default="standard")
    context_factors = models.JSONField(default=list, blank=True)
    due_at = models.DateTimeField(null=True, blank=True, help_text="Process failures: when the missing step fell due.")
    subjects_seen = models.JSONField(
        default=list, blank=True,
        help_text="Everything the alert has been about since it was raised (`Finding.subjects`: the records it "
                  "cited, or R5's adults, R22's actions): only a finding about something new updates it.")
    status = models.CharField(max_length=16, choices=AlertStatus.choices, default=AlertStatus.NEW)
    raised_at = models.DateTimeField()
    evidence_updated_at = models.DateTimeField()
    evaluated_at = models.DateTimeField(help_text="The time the rule judged against when it last fired.")
    applies_at = models.DateTimeField(
        null=True, blank=True,
        help_text="When the finding applied, if it was found at the time of a record received late (a back-dated "
                  "record judged at its own day, docs/alerts-operations.md); empty when it applies now.")
    # Routing.
    agency = models.ForeignKey("accounts.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                               help_text="The children's social care agency responsible for the child.")
    routed_to = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="alerts_routed")
    team = models.ForeignKey("accounts.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="alerts")
    manager = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="alerts_copied",
                                help_text="Process failures: the team manager, told as well.")
    routed_at = models.DateTimeField()
    routing_reason = models.CharField(max_length=300, blank=True)
    # Lifecycle.
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                        related_name="+")
    escalated_at = models.DateTimeField(null=True, blank=True)
    escalated_to = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="alerts_escalated")
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    outcome = models.TextField(blank=True, help_text="What was done (acted) or why not (dismissed).")
    outcome_link = models.CharField(max_length=500, blank=True, help_text="A link or reference to what was done.")
    # A proposal to close an escalate alert, awaiting (or, once agreed, given) a manager's agreement. Cleared when
    # a manager disagrees (the alert's steps keep the history).
    proposed_outcome = models.CharField(
        max_length=16, blank=True, choices=[(s.value, s.label) for s in PROPOSABLE_OUTCOMES],
        help_text="acted or dismissed: what the proposal closes the alert as.")
    proposed_text = models.TextField(blank=True, help_text="What was done, or why no action is needed.")
    proposed_link = models.CharField(max_length=500, blank=True)
    proposed_at = models.DateTimeField(null=True, blank=True)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")

    class Meta:
        ordering = ["-raised_at"]
        indexes = [
            models.Index(fields=["routed_to", "status"], name="alert_worker_inbox_idx"),
            models.Index(fields=["team", "status"], name="alert_team_inbox_idx"),
            models.Index(fields=["person", "rule_id"], name="alert_person_rule_idx"),
            models.Index(fields=["status", "raised_at"], name="alert_status_raised_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["person", "rule_id"],
                                    condition=models.Q(status__in=["new", "acknowledged", "proposed"]),
                                    name="alert_one_open_per_rule_per_child"),
        ]

    def __str__(self) -> str:
        return f"{self.rule_id} for {self.person_id} ({self.status})"

    @property
    def kind_label(self) -> str:
        from joinedup.alerts.rules.base import KIND_LABELS

        return KIND_LABELS.get(self.rule_kind, self.rule_kind.replace("_", " ").capitalize())

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def awaiting_agreement(self) -> bool:
        return self.status == AlertStatus.AWAITING_AGREEMENT

    @property
    def new_evidence_since_proposed(self) -> bool:
        return self.proposed_at is not None and self.evidence_updated_at > self.proposed_at

    @property
    def evidence_keys(self) -> list[str]:
        return [e["key"] for e in self.evidence]

    @property
    def new_evidence_since_acknowledged(self) -> bool:
        return self.acknowledged_at is not None and self.evidence_updated_at > self.acknowledged_at


class StepKind(models.TextChoices):
    RAISED = "raised", "Alert raised"
    UPDATED = "updated", "New evidence added"
    ROUTED = "routed", "Alert re-routed"
    ACKNOWLEDGED = "acknowledged", "Alert acknowledged"
    ACTED = "acted", "Alert acted on"
    DISMISSED = "dismissed", "Alert dismissed"
    ESCALATED = "escalated", "Alert escalated"
    PROPOSED = "proposed", "Closing proposed: awaiting a manager's agreement"
    AGREED = "agreed", "Manager agreed: alert closed"
    DISAGREED = "disagreed", "Manager disagreed: alert stays open"
    RESOLVED = "resolved", "Alert closed: no longer applies"


class AlertStep(models.Model):
    """One step in an alert's life: raised, updated, routed, acknowledged, acted on, dismissed, escalated,
    closing proposed, a manager's agreement or disagreement, resolved. Append-only: the history of what was decided, by whom and why."""

    id = models.BigAutoField(primary_key=True)
    alert = models.ForeignKey(Alert, on_delete=models.PROTECT, related_name="steps")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=StepKind.choices)
    at = models.DateTimeField()
    actor_id = models.UUIDField(null=True, blank=True, help_text="The user; empty when joinedup itself acted.")
    actor_name = models.CharField(max_length=300)
    actor_role = models.CharField(max_length=64, blank=True)
    text = models.TextField(blank=True, help_text="The sentence, what was done, or the reason.")
    link = models.CharField(max_length=500, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["person", "at"], name="alert_step_person_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.alert_id})"
