"""Casework reads: current allocation, whom a partner should call, a worker's notices."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from joinedup.accounts.models import Team, User
from joinedup.casework.models import Allocation, Notice
from joinedup.casework.services import front_door_team


def current_allocation(*, person) -> Allocation | None:
    return (Allocation.objects.filter(person=person, ended_at__isnull=True)
            .select_related("worker", "worker__team", "team").first())


@dataclass(frozen=True)
class Contact:
    """Whom a partner should call about a child."""

    worker: User | None
    team: Team | None

    @property
    def phone(self) -> str:
        if self.worker is not None and self.worker.phone:
            return self.worker.phone
        return self.team.phone if self.team is not None else ""


def contact_for(*, person, responsible_agency_id) -> Contact:
    """The allocated worker (and their team); with nobody allocated, the responsible authority's front door."""
    allocation = current_allocation(person=person)
    if allocation is not None:
        return Contact(allocation.worker, allocation.team or allocation.worker.team)
    if responsible_agency_id is None:
        return Contact(None, None)
    return Contact(None, front_door_team(responsible_agency_id))


def notices_for(*, viewer) -> QuerySet[Notice]:
    """The viewer's own notices and their team's (the front door's unallocated ones)."""
    q = Q(recipient=viewer)
    if viewer.team_id:
        q |= Q(team_id=viewer.team_id)
    return Notice.objects.filter(q).select_related("person")
