"""Casework's legitimate relationships: allocation, the allocated team, front-door duty (the child of a contact
at the viewer's front door, while it is open and for a time after), service oversight (children known to the head
of service's authority), the household of a child one works with, and referrals made by the viewer's agency."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Exists, OuterRef, Q

from joinedup.access.policy import FRONT_DOOR_DUTY_DAYS_DEFAULT, Relation
from joinedup.access.relationships import Provider, Relationship, register
from joinedup.accounts.models import AgencyKind
from joinedup.casework.models import Allocation, Case, Contact
from joinedup.core.time import utc_now


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


def duty_days() -> int:
    """How long after a contact arrived its child stays in front-door duty once it is decided."""
    return int(getattr(settings, "JOINEDUP_ACCESS", {}).get("front_door_duty_days", FRONT_DOOR_DUTY_DAYS_DEFAULT))


def _duty_contacts(viewer):
    """The contacts that give the viewer front-door duty: at their front door, open or arrived within the duty days."""
    if not _in_csc(viewer) or viewer.role != "front_door":
        return Contact.objects.none()
    since = utc_now() - dt.timedelta(days=duty_days())
    return Contact.objects.filter(agency_id=viewer.agency_id).filter(Q(is_open=True) | Q(received_at__gte=since))


def _known_to_service(viewer):
    """Querysets of person ids known to a head of service's authority: its contacts, cases and current allocations."""
    if not _in_csc(viewer) or viewer.role != "head_of_service":
        return []
    return [Contact.objects.filter(agency_id=viewer.agency_id).values("person_id"),
            Case.objects.filter(agency_id=viewer.agency_id).values("person_id"),
            Allocation.objects.filter(worker__agency_id=viewer.agency_id, ended_at__isnull=True).values("person_id")]


def _duty(viewer, person_id):
    contact = _duty_contacts(viewer).filter(person_id=person_id).order_by("-received_at").first()
    if contact is not None:
        ends = None if contact.is_open else contact.received_at + dt.timedelta(days=duty_days())
        return [Relationship(Relation.FRONT_DOOR_DUTY, f"A contact at the front door of {viewer.agency.name}, "
                             f"received {contact.received_at:%d %b %Y}", contact.received_at, ends)]
    if any(ids.filter(person_id=person_id).exists() for ids in _known_to_service(viewer)):
        return [Relationship(Relation.SERVICE_OVERSIGHT, f"Known to {viewer.agency.name} (head of service)")]
    return []


def _duty_q(viewer):
    if viewer.role == "front_door":
        return Q(pk__in=_duty_contacts(viewer).values("person_id")) if _in_csc(viewer) else None
    known = _known_to_service(viewer)
    if not known:
        return None
    q = Q(pk__in=known[0])
    for ids in known[1:]:
        q |= Q(pk__in=ids)
    return q


def _children_worked(viewer) -> Q | None:
    """A filter on `person_id` selecting the children the viewer works with (subqueries, never a list of ids: an
    authority's children can outnumber a database's parameters): their allocations, their team's, the contacts at
    their front door, or those known to their service. None: nobody."""
    allocations, kind = _working_allocations(viewer)
    if kind is not None:
        return Q(person_id__in=allocations.values("person_id"))
    if viewer.role == "front_door":
        return Q(person_id__in=_duty_contacts(viewer).values("person_id")) if _in_csc(viewer) else None
    known = _known_to_service(viewer)
    if not known:
        return None
    q = Q(person_id__in=known[0])
    for ids in known[1:]:
        q |= Q(person_id__in=ids)
    return q


def _household(viewer, person_id):
    """Someone who lived with, or was recorded with, a child the viewer works (their household and companions)."""
    from joinedup.people.models import MentionLink, ResidenceEpisode
    from joinedup.people.residence import CO_RESIDENCE_MARGIN_DAYS
    from joinedup.people.selectors import AROUND_CHILD_ROLES

    worked = _children_worked(viewer)
    if worked is None:
        return []
    children = worked & ~Q(person_id=person_id)
    margin = dt.timedelta(days=CO_RESIDENCE_MARGIN_DAYS)
    lived_with = ResidenceEpisode.objects.filter(person_id=person_id).filter(Exists(
        ResidenceEpisode.objects.filter(children, address_key=OuterRef("address_key"),
                                        first_seen_on__lte=OuterRef("presumed_until") + margin,
                                        presumed_until__gte=OuterRef("first_seen_on") - margin)))
    first = lived_with.order_by("first_seen_on").values_list("first_seen_on", flat=True).first()
    if first is not None:
        return [Relationship(Relation.HOUSEHOLD, "Lived with a child you work with", first)]
    child_records = MentionLink.objects.filter(children).values("mention__record_id")
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

