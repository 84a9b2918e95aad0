"""The append-only audit trail: who did or saw what personal data, when, and why."""
