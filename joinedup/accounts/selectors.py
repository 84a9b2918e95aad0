"""Reads of accounts that take the viewer: colleagues are visible within the viewer's own agency; the
administration screens' reads only to the authority's system administrator."""

from __future__ import annotations

import uuid

from django.db.models import Count, Q, QuerySet

from joinedup.accounts.models import Agency, ApiToken, Role, Team, User
from joinedup.accounts.roles import SYSTEM_ACCOUNT_ROLES, administers_accounts
from joinedup.accounts.services.tokens import token_digest
from joinedup.core.time import utc_now


def users_visible_to(*, viewer: User) -> QuerySet[User]:
    """Active people of the viewer's agency (a staff directory; not its systems' accounts); nobody else's staff."""
    if viewer.agency_id is None:
        return User.objects.none()
    return (User.objects.filter(agency_id=viewer.agency_id, is_active=True, is_system_account=False)
            .select_related("agency", "team"))


def user_get_for_viewer(*, viewer: User, user_id: uuid.UUID) -> User | None:
    """One colleague, or None if they do not exist or the viewer may not see them (callers answer 404)."""
    return users_visible_to(viewer=viewer).filter(pk=user_id).first()


def api_token_user(*, secret: str) -> tuple[User, ApiToken] | None:
    """The active user behind a live (unexpired, unrevoked) token secret, or None."""
    token = (
        ApiToken.objects.select_related("user", "user__agency")
        .filter(digest=token_digest(secret), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None or (token.expires_at is not None and token.expires_at <= utc_now()):
        return None
    return token.user, token


def case_reviewers():
    """Active case reviewers, whom a head of service may commission (independent reviewers: any agency)."""
    return User.objects.filter(role=Role.CASE_REVIEWER, is_active=True).order_by("last_name", "first_name", "id")


# --- The administration screens (the authority's system administrator only; anyone else gets nothing) ---------------


def agencies_for_admin(*, viewer: User) -> QuerySet[Agency]:
    """Every agency, with how many teams and active accounts each has; none unless the viewer administers."""
    if not administers_accounts(viewer):
        return Agency.objects.none()
    return Agency.objects.annotate(
        team_count=Count("teams", distinct=True),
        account_count=Count("users", filter=Q(users__is_active=True, users__is_superuser=False), distinct=True),
    ).order_by("name")


def agency_for_admin(*, viewer: User, agency_id: uuid.UUID) -> Agency | None:
    return agencies_for_admin(viewer=viewer).filter(pk=agency_id).first()


def teams_for_admin(*, viewer: User, agency: Agency) -> QuerySet[Team]:
    """An agency's teams, with how many active accounts each has."""
    if not administers_accounts(viewer):
        return Team.objects.none()
    return Team.objects.filter(agency=agency).annotate(
        member_count=Count("members", filter=Q(members__is_active=True), distinct=True)).order_by("name")


def team_for_admin(*, viewer: User, team_id: uuid.UUID) -> Team | None:
    if not administers_accounts(viewer):
        return None
    return Team.objects.select_related("agency").filter(pk=team_id).first()


ACCOUNT_STATES = ("active", "deactivated", "all")


def accounts_for_admin(*, viewer: User, agency_id: uuid.UUID | None = None, team_id: uuid.UUID | None = None,
                       name: str = "", state: str = "active") -> QuerySet[User]:
    """Accounts (people and systems) an administrator manages: never a superuser (the operators'). Filtered by
    agency, team, a part of the name or username, and active or deactivated."""
    if not administers_accounts(viewer):
        return User.objects.none()
    found = User.objects.filter(is_superuser=False).select_related("agency", "team")
    if agency_id:
        found = found.filter(agency_id=agency_id)
    if team_id:
        found = found.filter(team_id=team_id)
    if state == "active":
        found = found.filter(is_active=True)
    elif state == "deactivated":
        found = found.filter(is_active=False)
    for word in name.split():
        found = found.filter(Q(first_name__icontains=word) | Q(last_name__icontains=word)
                             | Q(username__icontains=word))
    return found.order_by("last_name", "first_name", "username")


def account_for_admin(*, viewer: User, user_id: uuid.UUID) -> User | None:
    return accounts_for_admin(viewer=viewer, state="all").filter(pk=user_id).first()


def token_holders_for_admin(*, viewer: User) -> QuerySet[User]:
    """The active system accounts a token may be issued to."""
    return accounts_for_admin(viewer=viewer).filter(is_system_account=True, role__in=SYSTEM_ACCOUNT_ROLES)


def tokens_for_admin(*, viewer: User, state: str = "live") -> QuerySet[ApiToken]:
    """API tokens (never their secrets: only a prefix and a digest are stored), newest first; `state`: live (neither
    revoked nor expired), revoked or expired, or all."""
    if not administers_accounts(viewer):
        return ApiToken.objects.none()
    found = ApiToken.objects.select_related("user", "user__agency").order_by("-created_at")
    now = utc_now()
    live = Q(revoked_at__isnull=True) & (Q(expires_at__isnull=True) | Q(expires_at__gt=now))
    if state == "live":
        found = found.filter(live)
    elif state == "ended":
        found = found.exclude(live)
    return found


def token_for_admin(*, viewer: User, token_id: uuid.UUID) -> ApiToken | None:
    return tokens_for_admin(viewer=viewer, state="all").filter(pk=token_id).first()


def password_link_user(*, uidb64: str, token: str) -> User | None:
    """The person a set-password link is for, while it still works (unused, unexpired); else None."""
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_str
    from django.utils.http import urlsafe_base64_decode

    if not uidb64 or not token or len(uidb64) > 64 or len(token) > 128:
        return None
    try:
        user_id = uuid.UUID(force_str(urlsafe_base64_decode(uidb64)))
    except (TypeError, ValueError, OverflowError):
        return None
    user = User.objects.filter(pk=user_id, is_active=True, is_system_account=False).first()
    if user is None or not default_token_generator.check_token(user, token):
        return None
    return user
