"""Casework writes: allocation, partners' look-ups and the notices they raise (each audited)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from joinedup.access.policy import LOOKUP_SHARES, SHARING_LAWFUL_BASIS
from joinedup.accounts.models import Role, Team, User
from joinedup.accounts.services import actor_for
from joinedup.audit.actions import AuditAction
from joinedup.audit.services import audit_event_record
from joinedup.casework.models import Allocation, Notice, PartnerLookup
from joinedup.core.time import utc_now

# A partner's look-ups of one child within this many hours are one encounter: the worker is told once.
ENCOUNTER_HOURS = 12


@transaction.atomic
def allocation_set(*, actor_user, person, worker: User) -> Allocation:
    """Allocate the child to a social worker, ending any current allocation."""
    if not worker.is_active or worker.role not in (Role.SOCIAL_WORKER, Role.TEAM_MANAGER):
        raise ValueError("worker: choose an active social worker or team manager.")
    now = utc_now()
    Allocation.objects.filter(person=person, ended_at__isnull=True).update(ended_at=now)
    allocation = Allocation.objects.create(person=person, worker=worker, team=worker.team, started_at=now,
                                           allocated_by_id=actor_user.pk)
    audit_event_record(actor=actor_for(actor_user), action=AuditAction.ALLOCATION_SET, object_type="allocation",
                       object_id=allocation.pk, subject_person_id=person.pk,
                       detail={"worker": worker.username})
    return allocation


def front_door_team(agency_id) -> Team | None:
    return Team.objects.filter(agency_id=agency_id, is_front_door=True, is_active=True).order_by("name").first()


@transaction.atomic
def partner_lookup_record(*, viewer, person, reason: str = "", responsible_agency_id=None) -> PartnerLookup:
    """Record a partner's look-up; on the first look-up of an encounter tell the allocated worker
    (with nobody allocated, the responsible authority's front door team)."""
    now = utc_now()
    since = now - dt.timedelta(hours=ENCOUNTER_HOURS)
    new = not PartnerLookup.objects.filter(looked_up_by=viewer, person=person, looked_up_at__gte=since).exists()
    lookup = PartnerLookup.objects.create(person=person, looked_up_by=viewer, agency_id=viewer.agency_id,
                                          looked_up_at=now, reason=reason.strip()[:300], new_encounter=new)
    if new:
        who = viewer.get_full_name() or viewer.username
        agency = viewer.agency.name if viewer.agency_id else "a partner agency"
        text = f"{who} ({viewer.job_title or viewer.get_role_display()}, {agency}) looked up {person.display_name}"
        if lookup.reason:
            text += f": {lookup.reason}"
        current = Allocation.objects.filter(person=person, ended_at__isnull=True).first()
        if current is not None:
            Notice.objects.create(recipient_id=current.worker_id, person=person, kind="partner_lookup",
                                  text=text[:500], created_at=now, lookup=lookup)
        elif responsible_agency_id is not None and (team := front_door_team(responsible_agency_id)) is not None:
            Notice.objects.create(team=team, person=person, kind="partner_lookup", text=text[:500], created_at=now,
                                  lookup=lookup)
    audit_event_record(actor=actor_for(viewer), action=AuditAction.PERSON_LOOKUP, object_type="person",
                       object_id=person.pk, subject_person_id=person.pk, reason=lookup.reason,
                       # The decision to share (plan status and whom to call), with its lawful basis and reason.
                       detail={"new_encounter": new, "shared": list(LOOKUP_SHARES), "lawful_basis": SHARING_LAWFUL_BASIS,
                               "decision": "shared"})
    return lookup


@transaction.atomic
def notice_mark_read(*, viewer, notice: Notice) -> None:
    if notice.read_at is None:
        notice.read_at = utc_now()
        notice.save(update_fields=["read_at"])
