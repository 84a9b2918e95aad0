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
