"""Writes to accounts. Each runs in one transaction and writes its audit row in it."""

from joinedup.accounts.services.agencies import agency_create, agency_get_or_create, team_create
from joinedup.accounts.services.tokens import api_token_create, api_token_revoke
from joinedup.accounts.services.users import (
    actor_for,
    user_create,
    user_deactivate,
    user_set_password,
    user_set_role,
)

__all__ = [
    "actor_for",
    "agency_create",
    "agency_get_or_create",
    "api_token_create",
    "api_token_revoke",
    "team_create",
    "user_create",
    "user_deactivate",
    "user_set_password",
    "user_set_role",
]
