"""Creating and deactivating users, and describing a user as an audit actor."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.db import transaction

from joinedup.accounts.models import Agency, Role, Team, User
from joinedup.audit.actions import AuditAction
from joinedup.audit.services import audit_event_record
from joinedup.core.actor import ActorRef


def actor_for(user: User) -> ActorRef:
    """The audit trail's snapshot of a signed-in user: who, which agency, which role."""
    agency = user.agency
    return ActorRef(
        id=user.pk,
        username=user.username,
        agency_id=agency.pk if agency else None,
        agency_name=agency.name if agency else "",
        role=user.role,
    )


@transaction.atomic
def user_create(
    *,
    actor: ActorRef,
    username: str,
    password: str | None,
    agency: Agency,
    role: str,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    team: Team | None = None,
    job_title: str = "",
    phone: str = "",
    is_system_account: bool = False,
) -> User:
    """Create a user in an agency with a role; the password must pass the password rules. Without a password
    (None) the account cannot sign in until one is set (a one-time link) or, for a system account, ever."""
    if role not in Role.values:
        raise ValueError(f"role: {role!r} is not a role; expected one of {', '.join(Role.values)}")
    if team is not None and team.agency_id != agency.pk:
        raise ValueError(f"team: {team} belongs to another agency than {agency}")
    user = User(
        username=username, first_name=first_name, last_name=last_name, email=email,
        agency=agency, team=team, role=role, job_title=job_title, phone=phone, is_system_account=is_system_account,
    )
    if password is None:
        user.set_unusable_password()
    else:
        validate_password(password, user)
        user.set_password(password)
    user.save()
    audit_event_record(
        actor=actor, action=AuditAction.USER_CREATE, object_type="user", object_id=user.pk,
        detail={"agency": agency.code, "role": role, **({"system_account": True} if is_system_account else {})},
    )
    return user


@transaction.atomic
def user_deactivate(*, actor: ActorRef, user: User, reason: str) -> User:
    """Stop a user signing in; their sessions end on their next request. Users are never deleted."""
    if not reason.strip():
        raise ValueError("reason: say why the account is being deactivated")
    User.objects.filter(pk=user.pk).update(is_active=False)
    user.refresh_from_db()
    audit_event_record(
        actor=actor, action=AuditAction.USER_DEACTIVATE, object_type="user", object_id=user.pk, reason=reason
    )
    return user


@transaction.atomic
def user_set_password(*, actor: ActorRef, user: User, password: str) -> User:
    """Give a user a new password (which must pass the password rules); audited, never logged."""
    validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    audit_event_record(actor=actor, action=AuditAction.USER_UPDATE, object_type="user", object_id=user.pk,
                       detail={"changed": ["password"]})
    return user


@transaction.atomic
def user_set_role(*, actor: ActorRef, user: User, role: str, reason: str) -> User:
    """Change what a user does; what they may see changes with their very next request (the role is read from
    the database on every request, never cached in the session)."""
    if role not in Role.values:
        raise ValueError(f"role: {role!r} is not a role; expected one of {', '.join(Role.values)}")
    if not reason.strip():
        raise ValueError("reason: say why the role is changing")
    before = User.objects.get(pk=user.pk).role
    User.objects.filter(pk=user.pk).update(role=role)
    user.refresh_from_db()
    audit_event_record(actor=actor, action=AuditAction.USER_UPDATE, object_type="user", object_id=user.pk,
                       reason=reason, detail={"changed": ["role"], "role_before": before, "role": role})
    return user
