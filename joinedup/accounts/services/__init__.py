"""Writes to accounts. Each runs in one transaction and writes its audit row in it."""

from joinedup.accounts.services.administration import (
    AccountInvalid,
    account_change,
    account_create_person,
    account_create_system,
    account_deactivate,
    account_password_link_issue,
    account_password_set,
    account_reactivate,
    account_token_issue,
    account_token_revoke,
    agency_add,
    agency_change,
    team_add,
    team_change,
)
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
    "AccountInvalid",
    "account_change",
    "account_create_person",
    "account_create_system",
    "account_deactivate",
    "account_password_link_issue",
    "account_password_set",
    "account_reactivate",
    "account_token_issue",
    "account_token_revoke",
    "actor_for",
    "agency_add",
    "agency_change",
    "agency_create",
    "agency_get_or_create",
    "api_token_create",
    "api_token_revoke",
    "team_add",
    "team_change",
    "team_create",
    "user_create",
    "user_deactivate",
    "user_set_password",
    "user_set_role",
]
