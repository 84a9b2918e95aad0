"""Which roles an agency of each kind may hold, who administers accounts, and which accounts may hold a token
issued from the screens. Facts about accounts that the access policy (joinedup.access.policy) builds on; they live
here, below access, so that accounts' own services refuse what would escape need-to-know.

Why each line (security promise 1, need to know): the relationships that show a person are given to a role only in
the agency kind the product means it for (joinedup.access.relationships). A children's social care role in a
partner agency, or a partner practitioner inside children's social care (whose "agency record" relationship would
then reach every child the authority holds), would see what the product never meant that role to see.
"""

from __future__ import annotations

from joinedup.accounts.models import AgencyKind, Role

_CSC = frozenset({AgencyKind.CHILDRENS_SOCIAL_CARE})
_PARTNERS = frozenset(AgencyKind.values) - _CSC
_ANY = frozenset(AgencyKind.values)

# role -> the agency kinds whose staff may hold it.
ROLE_AGENCY_KINDS: dict[str, frozenset[str]] = {
    Role.SOCIAL_WORKER: _CSC,
    Role.TEAM_MANAGER: _CSC,
    Role.FRONT_DOOR: _CSC,
    Role.HEAD_OF_SERVICE: _CSC,
    Role.PERFORMANCE: _CSC,
    Role.SYSTEM_ADMINISTRATOR: _CSC,  # the authority's: it runs joinedup and its case system's feed
    Role.PARTNER_PRACTITIONER: _PARTNERS,
    Role.DATA_PROTECTION_OFFICER: _ANY,  # each agency may name its own (claims are e-mailed to the agency's DPOs)
    Role.CASE_REVIEWER: _ANY,  # independent reviewers: they see only what a head of service commissions
    Role.PARTNERSHIP_MEMBER: _ANY,  # the safeguarding partnership is every agency's
}

# Roles that must name a team: a team manager's relationships are their team's allocations.
TEAM_REQUIRED_ROLES = frozenset({Role.TEAM_MANAGER})

# An agency's system calling the API (an account no person signs in to) holds one of these roles: a partner agency's
# feed runs as a partner practitioner, the authority's case system as a system administrator
# (joinedup.access.policy.RECORD_SENDING_ROLES). The screens issue tokens only to such accounts: a token passes no
# second factor and its secret is seen by the administrator who issues it, so it must never act as a person.
SYSTEM_ACCOUNT_ROLES = frozenset({Role.PARTNER_PRACTITIONER, Role.SYSTEM_ADMINISTRATOR})

# Roles that reach beyond the relationships of one worker (the whole authority's children, the audit trail, the
# returns, every account): granting one is e-mailed to the data protection officers as well as audited.
WIDE_REACH_ROLES = frozenset({Role.HEAD_OF_SERVICE, Role.DATA_PROTECTION_OFFICER, Role.PERFORMANCE,
                              Role.SYSTEM_ADMINISTRATOR})


def role_fits_agency(role: str, agency_kind: str) -> bool:
    """Whether staff of an agency of this kind may hold this role."""
    return agency_kind in ROLE_AGENCY_KINDS.get(role, frozenset())


def roles_for_agency_kind(agency_kind: str) -> list[str]:
    """The roles an agency of this kind may give its staff, in the order of Role."""
    return [role for role in Role.values if role_fits_agency(role, agency_kind)]


def administers_accounts(user) -> bool:
    """A person who is the system administrator of an authority (a children's social care agency): they manage
    agencies, teams, users and API tokens. Nobody else, and never a system account."""
    return bool(
        user is not None and getattr(user, "is_authenticated", False) and user.is_active
        and user.role == Role.SYSTEM_ADMINISTRATOR and not user.is_system_account
        and user.agency_id is not None and user.agency.kind == AgencyKind.CHILDRENS_SOCIAL_CARE
    )
