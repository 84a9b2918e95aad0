"""Who has a relationship to a child: the one place the chronology's access check lives.

The access-control issue will replace this with relationships recorded and reviewed in the access app
(legitimate relationship, break-glass). Until then a relationship is:
- the allocated social worker, and the team manager of the allocated team;
- front-door (MASH) workers and heads of service (they hold the duty to enquire about any child);
- case reviewers (serious case reviews work from chronologies, exported pseudonymised).
Partner practitioners use the look-up (status and whom to call), not the chronology.
"""

from __future__ import annotations

from joinedup.accounts.models import Role
from joinedup.casework.models import Allocation

ANY_CHILD_ROLES = frozenset({Role.FRONT_DOOR, Role.HEAD_OF_SERVICE, Role.CASE_REVIEWER})


def _active(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active and user.role)


def may_view_chronology(user, person) -> bool:
    """The full chronology (and its export) only for users with a relationship to the child."""
    if not _active(user):
        return False
    if user.role in ANY_CHILD_ROLES:
        return True
    current = Allocation.objects.filter(person=person, ended_at__isnull=True).select_related("worker").first()
    if current is None:
        return False
    if user.role == Role.SOCIAL_WORKER:
        return current.worker_id == user.pk
    if user.role == Role.TEAM_MANAGER:
        return user.team_id is not None and user.team_id in (current.team_id, current.worker.team_id)
    return False


def may_export_chronology(user, person) -> bool:
    """Exports are pseudonymised, but still built from the full chronology: the same relationship."""
    return may_view_chronology(user, person)


def may_allocate(user) -> bool:
    return _active(user) and user.role in {Role.TEAM_MANAGER, Role.FRONT_DOOR}


# --- casework (issue 12); the access-control issue replaces these with recorded relationships ----------------

FRONT_DOOR_ROLES = frozenset({Role.FRONT_DOOR, Role.TEAM_MANAGER, Role.HEAD_OF_SERVICE})
CONTACT_RECORDING_ROLES = frozenset({Role.FRONT_DOOR, Role.TEAM_MANAGER, Role.SOCIAL_WORKER})
DECIDING_ROLES = frozenset({Role.FRONT_DOOR, Role.TEAM_MANAGER})


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
    """A looked-after child's placement postcode: the allocated worker and their team manager only."""
    if not _in_social_care(user) or user.role not in (Role.SOCIAL_WORKER, Role.TEAM_MANAGER):
        return False
    return may_view_chronology(user, person)
