"""Request and response shapes of the meetings API (issue 13): minutes with attendees, items, decisions and where
each attendee stood on each decision (a dissent with its reason), their versions, and escalations of dissent.

Requests are typed strictly (the casework API's fields: text is text, a date is YYYY-MM-DD, a date and time
carries its offset); what they mean (required text, a dissent's reason, whether the minutes may still change) is
the services' to decide, with every problem named by its field (`items[0].decisions[1].positions[2].reason`).
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from joinedup.api.casework_input import Code, Day, Flag, Listing, Moment, Text, WholeNumber
from joinedup.practice.models import EscalationStage, MeetingKind, MinutesStatus, Stance
from joinedup.practice.selectors.meetings import EscalationRow, MeetingRow, MeetingView
from joinedup.practice.services.meetings import CHILD_KINDS
from joinedup.practice.services.meetings_escalation import escalation_resolved
from joinedup.practice.services.meetings_input import (
    DISCUSSION_LIMIT,
    MAX_ATTENDEES,
    MAX_DECISIONS,
    MAX_ITEMS,
    TEXT_LIMIT,
)

CHILD_KIND_TABLE = {k: v for k, v in MeetingKind.choices if k in CHILD_KINDS}


def _text(help_text: str, *, limit: int = TEXT_LIMIT, needed: bool = False) -> Text:
    return Text(allow_blank=True, max_length=limit, needed=needed, help_text=help_text)


def _revision(what: str = "draft") -> WholeNumber:
    return WholeNumber(min_value=0, max_value=2**31 - 1, required=True,
                       help_text=f"The {what}'s revision you read; if it has changed since, the answer is 409.")


# --- requests ---------------------------------------------------------------------------------------------------


class _StartSerializer(serializers.Serializer):
    title = _text("The meeting's title.", limit=200, needed=True)
    held_at = Moment(needed=True, help_text="When it was held (the minutes may be started up to a year ahead; they "
                                            "are approved after the meeting).")
    chair = _text("Who chaired it.", limit=200)


class PartnershipMeetingStartSerializer(_StartSerializer):
    """A safeguarding partnership meeting: no child is named (partnership members and heads of service)."""

    kind = Code(table={MeetingKind.PARTNERSHIP: ""}, component="PartnershipMeetingKind", needed=True)


class ChildMeetingStartSerializer(_StartSerializer):
    """A meeting about a child: `case` names the child's case; `children` adds other children it was about (for
    example siblings). Each must be a child you have a relationship with (404 otherwise)."""

    kind = Code(table=CHILD_KIND_TABLE, component="ChildMeetingKind", needed=True)
    case = serializers.UUIDField(help_text="The child's case (the id of /api/v1/cases/{case_id}/).")
    children = Listing(child=serializers.UUIDField(), max_length=20, required=False,
                       help_text="Other children the meeting was about, by person id.")


class AttendeeInSerializer(serializers.Serializer):
    name = _text("Their name.", limit=200, needed=True)
    agency = _text("Their agency, for example 'Police'.", limit=200, needed=True)
    role = _text("Their role, for example 'Detective sergeant'.", limit=200, needed=True)
    present = Flag(required=False, help_text="false: they sent apologies (default true).")


class PositionInSerializer(serializers.Serializer):
    attendee = WholeNumber(min_value=0, max_value=MAX_ATTENDEES - 1, needed=True,
                           help_text="The attendee, by their place in `attendees` (0 is the first).")
    stance = Code(table=dict(Stance.choices), component="Stance", needed=True)
    reason = _text("Why. Required for a dissent.")


class DecisionInSerializer(serializers.Serializer):
    text = _text("What was decided.", needed=True)
    positions = PositionInSerializer(many=True, max_length=MAX_ATTENDEES, required=False,
                                     help_text="Where each attendee stood on this decision.")


class ItemInSerializer(serializers.Serializer):
    title = _text("The item.", limit=300, needed=True)
    discussion = _text("What was said.", limit=DISCUSSION_LIMIT)
    decisions = DecisionInSerializer(many=True, max_length=MAX_DECISIONS, required=False)


class DraftSerializer(serializers.Serializer):
    """The whole draft, replacing what it held: the attendees, and the items with their decisions and positions
    (leave `title`, `held_at` or `chair` out to keep them)."""

    revision = _revision()
    title = _text("The meeting's title.", limit=200)
    held_at = Moment(help_text="When it was held.")
    chair = _text("Who chaired it.", limit=200)
    attendees = AttendeeInSerializer(many=True, max_length=MAX_ATTENDEES)
    items = ItemInSerializer(many=True, max_length=MAX_ITEMS)


class ApprovalSerializer(serializers.Serializer):
    """Approve the draft you read: the minutes are locked from then on."""

    revision = _revision()


class EscalationInSerializer(serializers.Serializer):
    """Escalate a dissent in approved minutes under the resolution protocol."""

    position = WholeNumber(min_value=1, max_value=2**63 - 1, required=True,
                           help_text="The dissent: a position's `id` in these minutes.")
    stage = WholeNumber(min_value=1, max_value=4, needed=True, help_text="1 between the practitioners, 2 their "
                        "managers, 3 senior managers, 4 the safeguarding partnership.")
    owner = serializers.UUIDField(required=False, help_text="Who owns this stage (a user's id).")
    deadline_on = Day(needed=True, help_text="By when (today or later, within a year).")


class OutcomeInSerializer(serializers.Serializer):
    """End a stage: what came of it, and whether the disagreement was resolved."""

    outcome = _text("What came of this stage.", needed=True)
    resolved = Flag(needed=True, help_text="false: not resolved (the dissent may go to the next stage).")


# --- responses --------------------------------------------------------------------------------------------------


class ChildSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    given_name = serializers.CharField()
    family_name = serializers.CharField()


class EscalationSerializer(serializers.Serializer):
    """One stage of a dissent's escalation."""

    id = serializers.IntegerField()
    position = serializers.IntegerField(help_text="The dissent's position id (in the version escalated from).")
    stage = serializers.ChoiceField(choices=EscalationStage.choices)
    owner = serializers.UUIDField()
    owner_name = serializers.CharField()
    deadline_on = serializers.DateField()
    raised_at = serializers.DateTimeField()
    outcome = serializers.CharField(help_text="What happened at the stage (see `resolved` for whether it resolved it).")
    resolved_at = serializers.DateTimeField(allow_null=True, help_text="When the stage ended; null while open.")
    resolved = serializers.BooleanField(allow_null=True, help_text="Whether it resolved the disagreement.")


class PositionSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="Names a dissent to escalate.")
    attendee = serializers.IntegerField(help_text="The attendee's place in `attendees`.")
    stance = serializers.ChoiceField(choices=Stance.choices)
    reason = serializers.CharField()
    escalations = EscalationSerializer(many=True)


class DecisionSerializer(serializers.Serializer):
    number = serializers.IntegerField(help_text="1, 2, … across the meeting.")
    text = serializers.CharField()
    positions = PositionSerializer(many=True)


class ItemSerializer(serializers.Serializer):
    title = serializers.CharField()
    discussion = serializers.CharField()
    decisions = DecisionSerializer(many=True)


class AttendeeSerializer(serializers.Serializer):
    name = serializers.CharField()
    agency = serializers.CharField()
    role = serializers.CharField()
    present = serializers.BooleanField()


class VersionSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    version = serializers.IntegerField()
    status = serializers.ChoiceField(choices=MinutesStatus.choices)
    approved_at = serializers.DateTimeField(allow_null=True)


class MeetingSerializer(serializers.Serializer):
    """One version of a meeting's minutes. `revision` is what a draft edit or approval names."""

    id = serializers.UUIDField()
    series = serializers.UUIDField(help_text="The same for every version of these minutes (`meeting_id` in the "
                                             "children's `meeting_minutes` records).")
    version = serializers.IntegerField()
    status = serializers.ChoiceField(choices=MinutesStatus.choices)
    kind = serializers.ChoiceField(choices=MeetingKind.choices)
    title = serializers.CharField()
    held_at = serializers.DateTimeField()
    chair = serializers.CharField()
    case = serializers.UUIDField(allow_null=True)
    children = ChildSerializer(many=True)
    revision = serializers.IntegerField()
    approved_at = serializers.DateTimeField(allow_null=True)
    corrects = serializers.UUIDField(allow_null=True, help_text="The approved version this one corrects.")
    correction = serializers.UUIDField(allow_null=True, help_text="A later version correcting this one.")
    versions = VersionSerializer(many=True)
    attendees = AttendeeSerializer(many=True)
    items = ItemSerializer(many=True)
    dissents = serializers.IntegerField(help_text="How many positions are dissents.")


class MeetingRowSerializer(serializers.Serializer):
    """A meeting in a list: its latest version."""

    id = serializers.UUIDField()
    series = serializers.UUIDField()
    version = serializers.IntegerField()
    versions = serializers.IntegerField()
    status = serializers.ChoiceField(choices=MinutesStatus.choices)
    kind = serializers.ChoiceField(choices=MeetingKind.choices)
    title = serializers.CharField()
    held_at = serializers.DateTimeField()
    children = ChildSerializer(many=True)
    dissents = serializers.IntegerField()


class EscalationRowSerializer(serializers.Serializer):
    """A stage of escalated dissent you own, with no outcome yet (no child is named)."""

    id = serializers.IntegerField()
    stage = serializers.ChoiceField(choices=EscalationStage.choices)
    deadline_on = serializers.DateField()
    overdue = serializers.BooleanField()
    meeting = serializers.UUIDField()
    meeting_title = serializers.CharField()
    held_at = serializers.DateTimeField()
    decision = serializers.CharField()
    dissenter = serializers.CharField(help_text="'<agency>: <role>'")
    reason = serializers.CharField()


def _child(person) -> dict:
    return {"id": person.pk, "given_name": person.given_name, "family_name": person.family_name}


def escalation_body(e) -> dict[str, Any]:
    return {"id": e.pk, "position": e.position_id, "stage": e.stage, "owner": e.owner_id,
            "owner_name": e.owner.get_full_name() or e.owner.username, "deadline_on": e.deadline_on,
            "raised_at": e.raised_at, "outcome": e.outcome, "resolved_at": e.resolved_at,
            "resolved": escalation_resolved(e)}


def meeting_body(view: MeetingView) -> dict[str, Any]:
    m = view.meeting
    place = {a.pk: n for n, a in enumerate(view.attendees)}
    return MeetingSerializer({
        "id": m.pk, "series": m.series, "version": m.version, "status": m.status, "kind": m.kind, "title": m.title,
        "held_at": m.held_at, "chair": m.chair, "case": m.case_id, "children": [_child(c) for c in view.children],
        "revision": m.revision, "approved_at": m.approved_at, "corrects": m.corrects_id,
        "correction": view.correction.pk if view.correction else None,
        "versions": [{"id": v.pk, "version": v.version, "status": v.status, "approved_at": v.approved_at}
                     for v in view.versions],
        "attendees": [{"name": a.name, "agency": a.agency_name, "role": a.role, "present": a.present}
                      for a in view.attendees],
        "items": [{"title": i.item.title, "discussion": i.item.discussion, "decisions": [
            {"number": d.number, "text": d.decision.text, "positions": [
                {"id": c.position.pk, "attendee": place[c.attendee.pk], "stance": c.position.stance,
                 "reason": c.position.reason, "escalations": [escalation_body(e) for e in c.escalations]}
                for c in d.cells if c.position is not None]}
            for d in i.decisions]} for i in view.items],
        "dissents": len(view.dissents),
    }).data


def row_body(row: MeetingRow) -> dict[str, Any]:
    m = row.meeting
    return {"id": m.pk, "series": m.series, "version": m.version, "versions": row.versions, "status": m.status,
            "kind": m.kind, "title": m.title, "held_at": m.held_at, "children": [_child(c) for c in row.children],
            "dissents": row.dissents}


def escalation_row_body(row: EscalationRow) -> dict[str, Any]:
    return {"id": row.id, "stage": row.stage, "deadline_on": row.deadline_on, "overdue": row.overdue,
            "meeting": row.meeting_id, "meeting_title": row.meeting_title, "held_at": row.held_at,
            "decision": row.decision, "dissenter": row.dissenter, "reason": row.reason}
