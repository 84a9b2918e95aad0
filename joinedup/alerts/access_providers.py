"""Alerts' legitimate relationships: front-door duty for a child whose open alert the viewer's front-door team
holds (no allocated worker), with nobody named or with them, and service oversight for a child with an alert at the
head of service's authority."""

from __future__ import annotations

from django.db.models import Q

from joinedup.access.policy import Relation
from joinedup.access.relationships import Provider, Relationship, register
from joinedup.alerts.models import OPEN_STATUSES, Alert


def _alerts_giving(viewer):
    if viewer.agency_id is None:
        return Alert.objects.none(), None
    if viewer.role == "front_door" and viewer.team_id is not None:
        held = (Alert.objects.filter(team_id=viewer.team_id).filter(Q(routed_to__isnull=True) | Q(routed_to=viewer))
                .filter(status__in=OPEN_STATUSES))  # the team's, or given to them in it (`alert_reassign`)
        return held, Relation.FRONT_DOOR_DUTY
    if viewer.role == "head_of_service":
        return Alert.objects.filter(agency_id=viewer.agency_id), Relation.SERVICE_OVERSIGHT
    return Alert.objects.none(), None


def _alert(viewer, person_id):
    alerts, kind = _alerts_giving(viewer)
    if kind is None:
        return []
    found = alerts.filter(person_id=person_id).order_by("raised_at").first()
    if found is None:
        return []
    held = "held by your front-door team" if kind == Relation.FRONT_DOOR_DUTY else f"at {viewer.agency.name}"
    return [Relationship(kind, f"An alert ({found.rule_id}) {held}, raised {found.raised_at:%d %b %Y}",
                         found.raised_at)]


def _alert_q(viewer):
    alerts, kind = _alerts_giving(viewer)
    return None if kind is None else Q(pk__in=alerts.values("person_id"))


def register_providers() -> None:
    register(Provider("alerts.held", (Relation.FRONT_DOOR_DUTY, Relation.SERVICE_OVERSIGHT), _alert, _alert_q))
