"""Registers the policy's predicates as Django permissions (found by rules' autodiscovery)."""

import rules

from joinedup.access import policy

rules.add_perm("audit.view_trail", policy.may_view_audit_trail)
rules.add_perm("accounts.view_directory", policy.may_view_staff_directory)
rules.add_perm("accounts.manage_api_tokens", policy.may_manage_api_tokens)
rules.add_perm("access.seal_person", policy.may_seal)
rules.add_perm("ingest.send_records", policy.may_send_records)
