"""The access policy as plain predicates over a user (and later, a relationship to a person).

Deny by default: each predicate answers False for anonymous, inactive or role-less users.
"""

from __future__ import annotations

import rules

from joinedup.accounts.models import Role

AUDIT_TRAIL_ROLES = frozenset({Role.DATA_PROTECTION_OFFICER, Role.SYSTEM_ADMINISTRATOR})


def _active(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


@rules.predicate
def may_view_audit_trail(user) -> bool:
    """Data protection officers and system administrators may read the whole audit trail."""
    return _active(user) and user.role in AUDIT_TRAIL_ROLES


@rules.predicate
def may_view_staff_directory(user) -> bool:
    """Any active member of an agency may see their own agency's colleagues."""
    return _active(user) and user.agency_id is not None and bool(user.role)


@rules.predicate
def may_manage_api_tokens(user) -> bool:
    """System administrators issue and revoke the tokens agencies' systems use."""
    return _active(user) and user.role == Role.SYSTEM_ADMINISTRATOR


# Children's social care (and its front door) hold the statutory duty to enquire, so they may look up
# anyone; a partner agency's practitioner sees only people their own agency has records about.
WHOLE_PICTURE_ROLES = frozenset({Role.SOCIAL_WORKER, Role.TEAM_MANAGER, Role.FRONT_DOOR, Role.HEAD_OF_SERVICE})
# Case reviewers work from pseudonymised chronologies: they may find a child, then see what
# joinedup.casework.relationships allows (see there).
MATCH_REVIEW_ROLES = frozenset({Role.FRONT_DOOR, Role.TEAM_MANAGER})


@rules.predicate
def may_look_up_people(user) -> bool:
    """Children's social care staff, partner practitioners and case reviewers may search for a person."""
    return _active(user) and user.agency_id is not None and (
        user.role in WHOLE_PICTURE_ROLES or user.role in (Role.PARTNER_PRACTITIONER, Role.CASE_REVIEWER)
    )


@rules.predicate
def may_look_up_child_status(user) -> bool:
    """Anyone working with children may ask whether a child is on a plan or looked after, and whom to call."""
    return _active(user) and user.agency_id is not None and (
        user.role in WHOLE_PICTURE_ROLES or user.role == Role.PARTNER_PRACTITIONER
    )


@rules.predicate
def may_receive_notices(user) -> bool:
    """Children's social care staff are told when partners look up their children; partner practitioners are
    told the outcome of the referrals they made."""
    return _active(user) and (user.role in WHOLE_PICTURE_ROLES
                              or (user.role == Role.PARTNER_PRACTITIONER and user.agency_id is not None))


@rules.predicate
def sees_every_person(user) -> bool:
    """Children's social care roles see any person's page; others only those their agency knows."""
    return _active(user) and user.role in WHOLE_PICTURE_ROLES


SIGHTING_ROLES = frozenset({Role.SOCIAL_WORKER, Role.TEAM_MANAGER, Role.FRONT_DOOR})


@rules.predicate
def may_identify_sightings(user) -> bool:
    """Social workers, front-door workers and team managers say who an unidentified adult ("Steve") is."""
    return _active(user) and user.role in SIGHTING_ROLES


@rules.predicate
def may_review_matches(user) -> bool:
    """Front-door workers and team managers decide uncertain matches (confirm, reject, split)."""
    return _active(user) and user.role in MATCH_REVIEW_ROLES
