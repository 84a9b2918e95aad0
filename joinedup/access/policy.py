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
