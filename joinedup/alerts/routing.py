"""Who holds an alert: the allocated social worker, else the responsible authority's front-door team; process
failures copy the holding team's manager; a rule can send its alerts elsewhere (`Rule.route`: the head of
service, or the team manager told whatever the kind). docs/alerts-operations.md,
"Routing". Reads only; `alerts.services` writes the route onto the alert.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from joinedup.accounts.models import Agency, AgencyKind, Role, Team, User
from joinedup.alerts.rules.base import (
    PROCESS_FAILURE,
    ROUTE_HEAD_OF_SERVICE,
    ROUTE_MANAGER_TOO,
    ROUTE_USUAL,
)
from joinedup.casework.selectors import current_allocation
from joinedup.casework.services import front_door_team
from joinedup.chronology.selectors import child_status
from joinedup.ingest.models import Mention
from joinedup.people.models import Person


@dataclass(frozen=True)
class Route:
    """Who holds an alert: the allocated worker (and their team), or the responsible authority's front door."""

    routed_to: User | None
    team: Team | None
    manager: User | None
    agency: Agency | None
    reason: str

    def key(self) -> tuple:
        return (_pk(self.routed_to), _pk(self.team), _pk(self.manager), _pk(self.agency))


def _pk(obj) -> object:
    return None if obj is None else obj.pk


def team_manager(team: Team | None, *, besides: User | None = None) -> User | None:
    """The team's manager (an active user in the team-manager role), not the worker themself."""
    if team is None:
        return None
    qs = User.objects.filter(team=team, role=Role.TEAM_MANAGER, is_active=True)
    if besides is not None:
        qs = qs.exclude(pk=besides.pk)
    return qs.order_by("last_name", "first_name", "username").first()


def responsible_agency(*, person: Person, on: dt.date) -> Agency | None:
    """The children's social care agency whose plan covers the child; else the one whose records name the child
    most recently; else the only (or first) children's social care agency."""
    code = child_status(person=person, on=on).responsible_agency_code
    if code:
        agency = Agency.objects.filter(code=code).first()
        if agency is not None:
            return agency
    latest = (Mention.objects.filter(link__person=person, withdrawn=False, agency__kind=AgencyKind.CHILDRENS_SOCIAL_CARE)
              .order_by("-occurred_on").values_list("agency_id", flat=True).first())
    if latest is not None:
        return Agency.objects.get(pk=latest)
    return Agency.objects.filter(kind=AgencyKind.CHILDRENS_SOCIAL_CARE, is_active=True).order_by("name").first()


def head_of_service(agency: Agency | None, *, besides: User | None = None) -> User | None:
    """A head of service at the authority (an active user in that role), not `besides`."""
    if agency is None:
        return None
    qs = User.objects.filter(agency=agency, role=Role.HEAD_OF_SERVICE, is_active=True)
    if besides is not None:
        qs = qs.exclude(pk=besides.pk)
    return qs.order_by("last_name", "first_name", "username").first()


def route_for(*, person: Person, rule_kind: str, on: dt.date, base: Route | None = None,
              route: str = ROUTE_USUAL) -> Route:
    """To the allocated social worker; with none, to the responsible authority's front-door team. Process failures
    go to the team manager of the holding team as well. (`base`: the route already found for this child, without a
    manager.)

    A rule can send its alerts elsewhere (`Rule.route`): to the authority's head of service (R23, a concern
    unanswered; with nobody in that role, as usual); or as usual with the team manager told whatever the rule's
    kind (R21, a child not seen)."""
    found = base if base is not None else base_route(person=person, on=on)
    if route == ROUTE_HEAD_OF_SERVICE:
        head = head_of_service(found.agency)
        if head is not None:
            return Route(head, None, None, found.agency, f"the head of service at {found.agency.name}")
        found = Route(found.routed_to, found.team, None, found.agency,
                      found.reason + "; no head of service at the authority")
    if rule_kind == PROCESS_FAILURE or route == ROUTE_MANAGER_TOO:
        manager = team_manager(found.team, besides=found.routed_to)
        if manager is not None:
            found = Route(found.routed_to, found.team, manager, found.agency, found.reason + "; its team manager told")
    return found


def base_route(*, person: Person, on: dt.date) -> Route:
    """The allocated worker and their team; else the responsible authority's front-door team (no manager yet)."""
    allocation = current_allocation(person=person)
    if allocation is not None:
        worker = allocation.worker
        team = allocation.team or worker.team
        route = Route(worker, team, None, worker.agency, "the allocated social worker")
    else:
        agency = responsible_agency(person=person, on=on)
        team = front_door_team(agency.pk) if agency is not None else None
        if team is not None:
            reason = f"no allocated worker: the front door of {agency.name}"
        elif agency is not None:
            reason = f"no allocated worker and no front-door team at {agency.name}"
        else:
            reason = "no allocated worker and no children's social care agency"
        route = Route(None, team, None, agency, reason)
    return route
