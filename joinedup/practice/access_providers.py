"""Practice's legitimate relationship: a role in a meeting about the child (its minute-taker, or an attendee).

Attendees are minuted as names with their agency, not as joinedup users: a user attended when an attendee's
name and agency are theirs.
"""

from __future__ import annotations

from django.db.models import Q

from joinedup.access.policy import Relation
from joinedup.access.relationships import Provider, Relationship, register
from joinedup.practice.models import Meeting, MeetingAttendee


def _meetings_of(viewer):
    attended = MeetingAttendee.objects.filter(name__iexact=viewer.get_full_name().strip() or "\0",
                                              agency_name=viewer.agency.name if viewer.agency_id else "\0")
    return Meeting.objects.filter(Q(created_by_id=viewer.pk) | Q(pk__in=attended.values("meeting_id")))


def _meeting(viewer, person_id):
    meeting = _meetings_of(viewer).filter(children__pk=person_id).order_by("held_at").first()
    if meeting is None:
        return []
    return [Relationship(Relation.MEETING, f"{meeting.title} ({meeting.held_at:%d %b %Y})", meeting.held_at)]


def _meeting_q(viewer):
    return Q(pk__in=Meeting.children.through.objects.filter(meeting__in=_meetings_of(viewer)).values("person_id"))


def register_providers() -> None:
    register(Provider("practice.meeting", (Relation.MEETING,), _meeting, _meeting_q))
