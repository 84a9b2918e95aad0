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
    LINKAGE_TRAIN = "linkage.train", "Linkage model trained"
    LINKAGE_RUN = "linkage.run", "People re-linked"
    LINKAGE_ONLINE = "linkage.online", "New mentions matched on arrival"
    MATCH_DECIDE = "match.decide", "Uncertain match decided"
    PERSON_SPLIT = "person.split", "Identity split from a person"
    PERSON_VIEW = "person.view", "Person viewed"
    PERSON_SEARCH = "person.search", "People searched"
    REVIEW_LIST = "review.list", "Review queue viewed"
    REVIEW_VIEW = "review.view", "Uncertain match viewed"
    RECORD_INGEST = "record.ingest", "Agency records received"
