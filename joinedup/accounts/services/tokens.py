"""Issuing and revoking API tokens. The secret is shown once; only its SHA-256 digest is kept."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q

from joinedup.accounts.models import ApiToken, User
from joinedup.audit.actions import AuditAction
from joinedup.audit.services import audit_event_record
from joinedup.core.actor import ActorRef
from joinedup.core.time import utc_now

TOKEN_PREFIX = "ju_"  # noqa: S105 - a public marker, not a secret


def token_digest(secret: str) -> str:
    """The stored form of a token secret."""
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def api_token_create(
    *, actor: ActorRef, user: User, name: str, expires_at: datetime | None = None
) -> tuple[ApiToken, str]:
    """Issue a token for a user's system; returns the row and the secret, which is never stored."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, prefix=secret[:12], digest=token_digest(secret), expires_at=expires_at,
        created_by_id=actor.id, modified_by_id=actor.id,
    )
    audit_event_record(
        actor=actor, action=AuditAction.TOKEN_CREATE, object_type="api_token", object_id=token.pk,
        detail={"user": user.username, "name": name},
    )
    return token, secret


@transaction.atomic
def api_token_revoke(*, actor: ActorRef, token: ApiToken, reason: str) -> ApiToken:
    """Revoke a token at once; requests using it are refused from then on."""
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=utc_now(), modified_by_id=actor.id)
    token.refresh_from_db()
    audit_event_record(
        actor=actor, action=AuditAction.TOKEN_REVOKE, object_type="api_token", object_id=token.pk, reason=reason
    )
    return token


LAST_USED_EVERY_SECONDS = 60  # a busy feed writes its token's "last used" at most once a minute


def api_token_mark_used(*, token: ApiToken) -> None:
    """Record when a token was last used (shown to the administrator beside it; not audited: the requests it makes
    are). One conditional update, skipped while the time kept is under a minute old."""
    now = utc_now()
    ApiToken.objects.filter(pk=token.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - timedelta(seconds=LAST_USED_EVERY_SECONDS))
    ).update(last_used_at=now)
