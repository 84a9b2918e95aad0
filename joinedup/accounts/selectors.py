"""Reads of accounts that take the viewer: colleagues are visible within the viewer's own agency."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet

from joinedup.accounts.models import ApiToken, Role, User
from joinedup.accounts.services.tokens import token_digest
from joinedup.core.time import utc_now


def users_visible_to(*, viewer: User) -> QuerySet[User]:
    """Active users of the viewer's agency (a staff directory); nobody else's staff."""
    if viewer.agency_id is None:
        return User.objects.none()
    return User.objects.filter(agency_id=viewer.agency_id, is_active=True).select_related("agency", "team")


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
