"""Practice recorded in joinedup that is more than one child's event: supervision sessions and their actions,
meetings with their minutes (decisions, who agreed and who dissented, escalations), and concerns from anyone.

What each means for a child is also written to the child's file as a children's social care record (ADR 0008,
docs/practice.md): a supervision decision, approved minutes, a concern and its answer are chronology events at
once and seen by the alert rules. Visits, working hypotheses and categories of concern are records only.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class SupervisionSession(models.Model):
    """A manager supervising a worker on a day; the children discussed each get a decision and actions."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    worker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="supervised_sessions")
    manager = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="supervising_sessions")
    held_on = models.DateField()
    notes = models.TextField(blank=True, help_text="About the worker (wellbeing, learning), not about a child.")
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        indexes = [models.Index(fields=["worker", "held_on"], name="supervision_worker_idx")]

    def __str__(self) -> str:
        return f"supervision of {self.worker_id} on {self.held_on}"


class SupervisionDiscussion(models.Model):
    """One child discussed in a session: the decision, written to the child's file as a `supervision` record."""

    id = models.BigAutoField(primary_key=True)
    session = models.ForeignKey(SupervisionSession, on_delete=models.PROTECT, related_name="discussions")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    decision = models.TextField()
    record = models.ForeignKey("ingest.SourceRecord", null=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["session", "person"], name="supervision_child_once")]

    def __str__(self) -> str:
        return self.decision[:80]


class SupervisionAction(models.Model):
    """An action agreed in supervision about a child: who does it, by when, and when it was done."""

    id = models.BigAutoField(primary_key=True)
    discussion = models.ForeignKey(SupervisionDiscussion, on_delete=models.PROTECT, related_name="actions")
    text = models.CharField(max_length=500)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="supervision_actions")
    due_on = models.DateField()
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+")
    done_note = models.CharField(max_length=500, blank=True)

    class Meta:
        indexes = [models.Index(fields=["owner", "done_at", "due_on"], name="supervision_action_owner_idx")]

    def __str__(self) -> str:
        return self.text


class MeetingKind(models.TextChoices):
    STRATEGY_DISCUSSION = "strategy_discussion", "Strategy discussion"
    INITIAL_CONFERENCE = "initial_conference", "Initial child protection conference"
    REVIEW_CONFERENCE = "review_conference", "Review child protection conference"
    CORE_GROUP = "core_group", "Core group"
    PARTNERSHIP = "partnership", "Safeguarding partnership meeting"


class MinutesStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    APPROVED = "approved", "Approved (locked)"
    SUPERSEDED = "superseded", "Corrected by a later version"


class Meeting(models.Model):
    """A meeting's minutes. Approved minutes are locked; a correction is a new version and the old one is kept."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    series = models.UUIDField(default=uuid.uuid4, help_text="The same for every version of one meeting's minutes.")
    version = models.PositiveIntegerField(default=1)
    corrects = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="corrected_by", help_text="The approved version this one corrects.")
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=32, choices=MeetingKind.choices)
    title = models.CharField(max_length=200)
    held_at = models.DateTimeField()
    chair = models.CharField(max_length=200, blank=True)
    case = models.ForeignKey("casework.Case", null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False,
                             related_name="+", help_text="The case it was about (casework rows are rebuilt: no FK).")
    children = models.ManyToManyField("people.Person", blank=True, related_name="+")
    status = models.CharField(max_length=16, choices=MinutesStatus.choices, default=MinutesStatus.DRAFT)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    revision = models.PositiveIntegerField(default=0, help_text="Edits of the draft: a write names the one it saw.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["series", "version"], name="meeting_version_unique")]
        indexes = [models.Index(fields=["agency", "kind", "held_at"], name="meeting_kind_idx")]

    def __str__(self) -> str:
        return f"{self.title} (v{self.version}, {self.status})"


class MeetingAttendee(models.Model):
    id = models.BigAutoField(primary_key=True)
    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="attendees")
    name = models.CharField(max_length=200)
    agency_name = models.CharField(max_length=200)
    role = models.CharField(max_length=200)
    present = models.BooleanField(default=True, help_text="False: sent apologies or a report.")
    order = models.PositiveSmallIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name} ({self.role}, {self.agency_name})"


class MeetingItem(models.Model):
    id = models.BigAutoField(primary_key=True)
    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="items")
    order = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(max_length=300)
    discussion = models.TextField(blank=True)

    def __str__(self) -> str:
        return self.title


class MeetingDecision(models.Model):
    id = models.BigAutoField(primary_key=True)
    item = models.ForeignKey(MeetingItem, on_delete=models.PROTECT, related_name="decisions")
    order = models.PositiveSmallIntegerField(default=0)
    text = models.TextField()

    def __str__(self) -> str:
        return self.text[:80]


class Stance(models.TextChoices):
    AGREED = "agreed", "Agreed"
    DISSENTED = "dissented", "Dissented"
    ABSTAINED = "abstained", "Abstained"


class MeetingPosition(models.Model):
    """Where one attendee stood on one decision, and why (a dissent always has its reason)."""

    id = models.BigAutoField(primary_key=True)
    decision = models.ForeignKey(MeetingDecision, on_delete=models.PROTECT, related_name="positions")
    attendee = models.ForeignKey(MeetingAttendee, on_delete=models.PROTECT, related_name="positions")
    stance = models.CharField(max_length=16, choices=Stance.choices)
    reason = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["decision", "attendee"], name="position_once_per_attendee"),
            models.CheckConstraint(condition=~models.Q(stance="dissented") | ~models.Q(reason=""),
                                   name="dissent_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.attendee_id} {self.stance}"


class EscalationStage(models.IntegerChoices):
    PRACTITIONERS = 1, "Stage 1: between the practitioners"
    MANAGERS = 2, "Stage 2: between their managers"
    SENIOR_MANAGERS = 3, "Stage 3: senior managers"
    PARTNERSHIP = 4, "Stage 4: the safeguarding partnership"


class DissentEscalation(models.Model):
    """A dissent taken up under the partnership's resolution protocol: stage, owner, deadline, outcome."""

    id = models.BigAutoField(primary_key=True)
    series = models.UUIDField(help_text="The meeting's minutes it came from (every version).")
    position = models.ForeignKey(MeetingPosition, on_delete=models.PROTECT, related_name="escalations")
    stage = models.PositiveSmallIntegerField(choices=EscalationStage.choices)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    deadline_on = models.DateField()
    raised_at = models.DateTimeField()
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    outcome = models.TextField(blank=True)
    resolved = models.BooleanField(null=True, blank=True,
                                   help_text="Whether the stage resolved the disagreement; empty while it is open.")
    resolved_at = models.DateTimeField(null=True, blank=True, help_text="When the stage ended, resolved or not.")

    class Meta:
        indexes = [models.Index(fields=["owner", "resolved_at", "deadline_on"], name="escalation_owner_idx")]

    def __str__(self) -> str:
        return f"stage {self.stage} escalation due {self.deadline_on}"

    @property
    def outcome_shown(self) -> str:
        """The outcome as the minutes show it: whether it resolved the disagreement, then what happened."""
        if self.resolved is None:
            return self.outcome
        return ("Resolved: " if self.resolved else "Not resolved: ") + self.outcome


class RaisedBy(models.TextChoices):
    RELATIVE = "relative", "A relative"
    NEIGHBOUR = "neighbour", "A neighbour or member of the public"
    WHISTLEBLOWER = "whistleblower", "A whistleblower"
    PROFESSIONAL = "professional", "A professional"
    ANONYMOUS = "anonymous", "Anonymous"


class Concern(models.Model):
    """A concern from anyone, answered: a named responder, a deadline, what was done, whether the raiser was told.

    The raiser's identity is kept here only, never in a record or chronology, and shown only to the roles the
    policy names (`practice.relationships.may_see_raiser`)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    received_at = models.DateTimeField()
    raised_by = models.CharField(max_length=16, choices=RaisedBy.choices)
    raiser_name = models.CharField(max_length=200, blank=True)
    raiser_contact = models.CharField(max_length=300, blank=True)
    identity_withheld = models.BooleanField(default=True, help_text="Show who raised it only to the named roles.")
    summary = models.TextField()
    children = models.ManyToManyField("people.Person", blank=True, related_name="+")
    responder = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="concerns_to_answer")
    response_due_at = models.DateTimeField()
    response = models.TextField(blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    responded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    raiser_told_at = models.DateTimeField(null=True, blank=True)
    raiser_told_how = models.CharField(max_length=300, blank=True)
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    revision = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["agency", "responded_at", "response_due_at"], name="concern_open_idx")]

    def __str__(self) -> str:
        return f"concern {self.id} ({'answered' if self.responded_at else 'open'})"
