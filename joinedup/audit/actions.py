"""Audit action codes. Stable: once shipped a code is never renamed or reused."""

from django.db import models


class AuditAction(models.TextChoices):
    """What happened. Reads end in `.view`/`.list`/`.search`, writes in a verb."""

    SIGN_IN = "account.sign_in", "Signed in"
    SIGN_IN_FAILED = "account.sign_in_failed", "Sign-in failed"
    SIGN_OUT = "account.sign_out", "Signed out"
    AGENCY_CREATE = "agency.create", "Agency created"
    AGENCY_UPDATE = "agency.update", "Agency changed"
    TEAM_CREATE = "team.create", "Team created"
    USER_CREATE = "user.create", "User created"
    USER_UPDATE = "user.update", "User changed"
    USER_DEACTIVATE = "user.deactivate", "User deactivated"
    USER_VIEW = "user.view", "User viewed"
    USER_LIST = "user.list", "Users listed"
    TOKEN_CREATE = "token.create", "API token created"
    TOKEN_REVOKE = "token.revoke", "API token revoked"
    AUDIT_LIST = "audit.list", "Audit trail viewed"
