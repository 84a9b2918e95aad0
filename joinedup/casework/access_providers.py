"""Casework's legitimate relationships: allocation, the allocated team, front-door duty, the head of service,
the household of a child one works with, and referrals made by the viewer's agency."""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, Q

from joinedup.access.policy import Relation
from joinedup.access.relationships import ALL, Provider, Relationship, register
from joinedup.accounts.models import AgencyKind
from joinedup.casework.models import Allocation, Contact


def _in_csc(viewer) -> bool:
    return viewer.agency_id is not None and viewer.agency.kind == AgencyKind.CHILDRENS_SOCIAL_CARE


def _working_allocations(viewer):
    """Current allocations the viewer works: their own (a social worker), their team's (a team manager)."""
    current = Allocation.objects.filter(ended_at__isnull=True)
    if viewer.role == "social_worker":
        return current.filter(worker_id=viewer.pk), Relation.ALLOCATION
    if viewer.role == "team_manager" and viewer.team_id is not None:
        return current.filter(Q(team_id=viewer.team_id) | Q(worker__team_id=viewer.team_id)), Relation.TEAM
    return Allocation.objects.none(), None


def _allocation(viewer, person_id):
    allocations, kind = _working_allocations(viewer)
    if kind is None:
        return []
    found = allocations.filter(person_id=person_id).select_related("worker").first()
    if found is None:
        return []
    source = "Allocated to you" if kind == Relation.ALLOCATION else f"Allocated to {found.worker} in your team"
    return [Relationship(kind, source, found.started_at)]


def _allocation_q(viewer):
    allocations, kind = _working_allocations(viewer)
    return None if kind is None else Q(pk__in=allocations.values("person_id"))


def _duty(viewer, person_id):
    if not _in_csc(viewer):
        return []
    if viewer.role == "front_door":
        return [Relationship(Relation.FRONT_DOOR_DUTY, f"Front door of {viewer.agency.name}")]
    if viewer.role == "head_of_service":
        return [Relationship(Relation.SERVICE_OVERSIGHT, f"Head of service, {viewer.agency.name}")]
    return []


def _duty_q(viewer):
    return ALL if _in_csc(viewer) and viewer.role in ("front_door", "head_of_service") else None


def _household(viewer, person_id):
    """Someone who lived with, or was recorded with, a child the viewer works (their household and companions)."""
    from joinedup.people.models import MentionLink, ResidenceEpisode
    from joinedup.people.residence import CO_RESIDENCE_MARGIN_DAYS
    from joinedup.people.selectors import AROUND_CHILD_ROLES

    allocations, kind = _working_allocations(viewer)
    if kind is None:
        return []
    children = list(allocations.exclude(person_id=person_id).values_list("person_id", flat=True))
    if not children:
        return []
    margin = dt.timedelta(days=CO_RESIDENCE_MARGIN_DAYS)
    lived_with = ResidenceEpisode.objects.filter(person_id=person_id).filter(Exists(
        ResidenceEpisode.objects.filter(person_id__in=children, address_key=OuterRef("address_key"),
                                        first_seen_on__lte=OuterRef("presumed_until") + margin,
                                        presumed_until__gte=OuterRef("first_seen_on") - margin)))
    first = lived_with.order_by("first_seen_on").values_list("first_seen_on", flat=True).first()
    if first is not None:
        return [Relationship(Relation.HOUSEHOLD, "Lived with a child you work with", first)]
    child_records = MentionLink.objects.filter(person_id__in=children).values("mention__record_id")
    with_child = (MentionLink.objects.filter(person_id=person_id, mention__record_id__in=child_records,
                                             mention__role__in=AROUND_CHILD_ROLES, mention__withdrawn=False)
                  .order_by("mention__occurred_on").values_list("mention__occurred_on", flat=True).first())
    if with_child is not None:
        return [Relationship(Relation.HOUSEHOLD, "Recorded with a child you work with", with_child)]
    return []


def _referral(viewer, person_id):
    if viewer.agency_id is None:
        return []
    made = (Contact.objects.filter(person_id=person_id, referrer__agency_id=viewer.agency_id)
            .order_by("received_at").values_list("received_at", flat=True).first())
    return [] if made is None else [Relationship(Relation.REFERRAL, f"Referred by {viewer.agency.name}", made)]


def _referral_q(viewer):
    if viewer.agency_id is None:
        return None
    return Q(pk__in=Contact.objects.filter(referrer__agency_id=viewer.agency_id).values("person_id"))


def register_providers() -> None:
    register(Provider("casework.allocation", (Relation.ALLOCATION, Relation.TEAM), _allocation, _allocation_q))
    register(Provider("casework.duty", (Relation.FRONT_DOOR_DUTY, Relation.SERVICE_OVERSIGHT), _duty, _duty_q))
    register(Provider("casework.household", (Relation.HOUSEHOLD,), _household, lambda viewer: None))
    register(Provider("casework.referral", (Relation.REFERRAL,), _referral, _referral_q))

