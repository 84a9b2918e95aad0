"""Casework writes, each audited in its transaction: allocation, partners' look-ups and notices
(`allocation`); contacts, referrals and every statutory step to closure (`contacts`, `steps`), written as
children's social care records (ADR 0008)."""

from joinedup.casework.services.allocation import (
    ENCOUNTER_HOURS,
    allocation_set,
    front_door_team,
    notice_mark_read,
    partner_lookup_record,
)
from joinedup.casework.services.contacts import ContactResult, contact_decide, contact_rate, contact_record
from joinedup.casework.services.recording import Conflict, NewPerson, StepInvalid
from joinedup.casework.services.steps import STEPS, Step, case_step_record, next_steps

__all__ = [
    "ENCOUNTER_HOURS", "STEPS", "Conflict", "ContactResult", "NewPerson", "Step", "StepInvalid", "allocation_set",
    "case_step_record", "contact_decide", "contact_rate", "contact_record", "front_door_team", "next_steps",
    "notice_mark_read", "partner_lookup_record",
]
