"""A dissent taken up under the safeguarding partnership's resolution protocol (issue 13).

What this means in practice: a dissent in approved minutes is escalated (`dissent_escalate`) to a stage of the
protocol — 1 between the practitioners, 2 their managers, 3 senior managers, 4 the partnership — with an owner
and a deadline. The stage ends with its outcome (`escalation_outcome_record`), resolved or not. The same dissent
goes to a later stage only after the earlier one ended unresolved, and one stage is open at a time. The
children's `meeting_minutes` records say `escalated` from the first escalation on (their next version).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from joinedup.accounts.models import User
from joinedup.accounts.services import actor_for
from joinedup.audit.actions import AuditAction
from joinedup.audit.services import audit_event_record
from joinedup.casework.lifecycle import Refused
from joinedup.casework.services.recording import StepInvalid, now
from joinedup.practice.models import DissentEscalation, EscalationStage, Meeting, MeetingPosition, MinutesStatus, Stance
from joinedup.practice.relationships import may_approve_meeting, may_view_meeting
from joinedup.practice.services.meetings import (
    children_of,
    locked_meeting,
    may_write,
    row_or_none,
    write_children_records,
)
from joinedup.practice.services.meetings_input import day, flag, text


def _key(value) -> bool:
    """A well-formed row id (64-bit): anything else names nothing."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**63


def escalation_resolved(escalation: DissentEscalation) -> bool | None:
    """Whether a stage that ended resolved the disagreement (None while the stage is open)."""
    return None if escalation.resolved_at is None else bool(escalation.resolved)


def _same_dissent(position: MeetingPosition) -> list[DissentEscalation]:
    """The escalations of this dissent in every version of the minutes, oldest first (a correction copies a
    dissent: the same item and decision, the same attendee by name and agency)."""
    decision = position.decision
    return list(DissentEscalation.objects.filter(
        series=decision.item.meeting.series, position__decision__order=decision.order,
        position__decision__item__order=decision.item.order, position__attendee__name=position.attendee.name,
        position__attendee__agency_name=position.attendee.agency_name,
    ).select_related("owner").order_by("raised_at", "pk"))


@transaction.atomic
def dissent_escalate(*, user: User, position_id: int, stage: Any, owner_id: Any, deadline_on: Any
                     ) -> DissentEscalation:
    """Escalate a dissent in approved minutes: the protocol's stage, who owns it, and by when. The same dissent
    goes to a later stage only after an earlier one ended unresolved; one stage is open at a time. The children's
    records say `escalated` from then on (their next version)."""
    position = (MeetingPosition.objects.select_related("decision__item__meeting", "attendee")
                .filter(pk=position_id).first()) if _key(position_id) else None
    if position is None:
        raise PermissionError("no such position")
    meeting = locked_meeting(position.decision.item.meeting_id)
    if not may_write(user, meeting):
        raise PermissionError("may not escalate from these minutes")
    if meeting.status == MinutesStatus.DRAFT:
        raise Refused("A dissent is escalated from approved minutes: approve the minutes first.")
    if meeting.status == MinutesStatus.SUPERSEDED:
        raise Refused("These minutes were corrected: escalate the dissent from the latest version.")
    if position.stance != Stance.DISSENTED:
        raise StepInvalid({"position": "Only a dissent can be escalated"})
    errors: dict[str, str] = {}
    if isinstance(stage, bool) or stage not in EscalationStage.values:
        errors["stage"] = "Select the stage of the resolution protocol (1 to 4)"
        stage = None
    owner = row_or_none(User.objects.filter(is_active=True).exclude(role="").exclude(agency=None), owner_id)
    if owner is None:
        errors["owner"] = "Choose who owns this stage of the escalation"
    deadline = day(deadline_on, "deadline_on", errors)
    history = _same_dissent(position)
    last = history[-1] if history else None
    if last is not None and last.resolved_at is None:
        raise Refused(f"This dissent is already escalated at stage {last.stage} (owner {last.owner.get_full_name()}, "
                      f"due {last.deadline_on:%d/%m/%Y}): record that stage's outcome first.")
    if last is not None and escalation_resolved(last):
        raise Refused(f"This dissent was resolved at stage {last.stage} on {last.resolved_at:%d/%m/%Y}.")
    if last is not None and last.stage >= EscalationStage.PARTNERSHIP:
        raise Refused("Stage 4, the safeguarding partnership, is the protocol's last stage.")
    if last is not None and stage is not None and stage <= last.stage:
        errors["stage"] = f"Stage {last.stage} ended unresolved: the next stage is {last.stage + 1} or later"
    if errors:
        raise StepInvalid(errors)
    at = now()
    escalation = DissentEscalation.objects.create(series=meeting.series, position=position, stage=stage, owner=owner,
                                                  deadline_on=deadline, raised_at=at, raised_by=user)
    records = write_children_records(user=user, meeting=meeting, at=at, only_if_changed=True)
    audit_event_record(actor=actor_for(user), action=AuditAction.DISSENT_ESCALATE, object_type="dissent_escalation",
                       object_id=escalation.pk, detail={
                           "meeting": str(meeting.pk), "series": str(meeting.series), "position": position.pk,
                           "stage": stage, "owner": str(owner.pk), "deadline_on": deadline.isoformat(),
                           "records": records})
    return escalation


@transaction.atomic
def escalation_outcome_record(*, user: User, escalation_id: int, outcome: Any, resolved: Any) -> DissentEscalation:
    """End a stage with its outcome: resolved, or not (then the dissent may go to the next stage). The stage's
    owner records it, or a manager who may approve the minutes."""
    escalation = (DissentEscalation.objects.select_for_update().filter(pk=escalation_id).first()
                  if _key(escalation_id) else None)
    if escalation is None:
        raise PermissionError("no such escalation")
    meeting = Meeting.objects.get(pk=escalation.position.decision.item.meeting_id)
    if user.pk != escalation.owner_id and not (
            may_approve_meeting(user, meeting) and may_view_meeting(user, meeting, children_of(meeting))):
        raise PermissionError("may not record this escalation's outcome")
    if escalation.resolved_at is not None:
        raise Refused(f"The outcome of this stage was recorded on {escalation.resolved_at:%d/%m/%Y}. If the "
                      "disagreement goes on, escalate it to the next stage.")
    errors: dict[str, str] = {}
    said = text(outcome, "outcome", errors, required="Say what the outcome of this stage was")
    ended = flag(resolved, "resolved", errors, "Select whether the disagreement was resolved")
    if errors:
        raise StepInvalid(errors)
    escalation.outcome, escalation.resolved, escalation.resolved_at = said, bool(ended), now()
    escalation.save(update_fields=["outcome", "resolved", "resolved_at"])
    audit_event_record(actor=actor_for(user), action=AuditAction.DISSENT_RESOLVE, object_type="dissent_escalation",
                       object_id=escalation.pk, detail={"series": str(escalation.series), "stage": escalation.stage,
                                                        "resolved": bool(ended)})
    return escalation
