"""Casework's permissions. Whether a user may see a child at all, and how much, is decided by the legitimate
relationships the access app gathers (joinedup.access.relationships, the one written policy in
joinedup.access.policy): the whole picture (`Scope.FULL`) for the allocated worker, the allocated team's manager,
front-door duty, the head of service, a self-claim or break-glass; the pseudonymised chronology for a commissioned
case reviewer.
"""

from __future__ import annotations

from joinedup.access.policy import (
    CONTACT_RECORDING_ROLES,
    DECIDING_ROLES,
    FRONT_DOOR_ROLES,
    PLACEMENT_ADDRESS,
    Relation,
    Scope,
    may_see_field_group,
)
from joinedup.access.relationships import relationships_to, scope_of
from joinedup.accounts.models import Role


def _active(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active and user.role)


def may_view_chronology(user, person) -> bool:
    """The full chronology (names and every agency's records): a relationship that gives the whole picture."""
    return _active(user) and person is not None and scope_of(user, person.pk) == Scope.FULL


def may_view_pseudonymised_chronology(user, person) -> bool:
    """The chronology with names and identifiers replaced: the whole picture, or a case-review commission."""
    return _active(user) and person is not None and scope_of(user, person.pk) in (Scope.FULL, Scope.PSEUDONYMISED)


def may_export_chronology(user, person) -> bool:
    """Exports are pseudonymised: whoever may see the chronology, or is commissioned to review the case."""
    return may_view_pseudonymised_chronology(user, person)


def may_allocate(user) -> bool:
    return _active(user) and user.role in {Role.TEAM_MANAGER, Role.FRONT_DOOR}


# --- casework (issue 12); the access-control issue replaces these with recorded relationships ----------------



def _in_social_care(user) -> bool:
    from joinedup.accounts.models import AgencyKind

    return _active(user) and user.agency_id is not None and user.agency.kind == AgencyKind.CHILDRENS_SOCIAL_CARE


def may_view_front_door(user) -> bool:
    """The front-door queue: front-door workers, team managers and heads of service in children's social care."""
    return _in_social_care(user) and user.role in FRONT_DOOR_ROLES


def may_record_contact(user) -> bool:
    """Children's social care staff take contacts (the front door, and a worker told something about a child)."""
    return _in_social_care(user) and user.role in CONTACT_RECORDING_ROLES


def may_decide_contact(user) -> bool:
    """The front door and team managers rate contacts and decide what happens next."""
    return _in_social_care(user) and user.role in DECIDING_ROLES


def may_make_referral(user) -> bool:
    """Partner practitioners raise concerns with children's social care and see what became of them."""
    return _active(user) and user.role == Role.PARTNER_PRACTITIONER and user.agency_id is not None


def may_view_case(user, person) -> bool:
    """A child's cases: the same relationship as their chronology."""
    return _in_social_care(user) and may_view_chronology(user, person)


def may_record_case_step(user, person) -> bool:
    """The front door (taking a case to its first plan), the allocated worker and their team manager."""
    if not _in_social_care(user):
        return False
    if user.role == Role.FRONT_DOOR:
        return True
    if user.role in (Role.SOCIAL_WORKER, Role.TEAM_MANAGER):
        return may_view_chronology(user, person)
    return False


def may_view_placement_address(user, person) -> bool:
    """A looked-after child's placement postcode: the roles the access policy's field group "placement address" names
    (social workers and team managers in children's social care), with the whole picture of the child."""
    if not _in_social_care(user) or not may_see_field_group(user, PLACEMENT_ADDRESS):
        return False
    return may_view_chronology(user, person)


# Marking a chronology entry significant is a judgement in the child's casework, so only those who work the case
# make it: the allocated worker, the allocated team's manager and the front door (its duty to enquire). Not case
# reviewers (they review a pseudonymised chronology), not heads of service (oversight, not casework), and not a
# self-claim or break-glass (seeing a child's records is not working their case).
CASE_WORK_RELATIONS = frozenset({Relation.ALLOCATION, Relation.TEAM, Relation.FRONT_DOOR_DUTY})


def may_mark_significant(user, person) -> bool:
    """Mark or unmark a chronology entry as significant: a relationship of working the child's case."""
    if not _in_social_care(user) or person is None:
        return False
    return any(r.kind in CASE_WORK_RELATIONS for r in relationships_to(user, person.pk))
