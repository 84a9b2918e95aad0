"""Writes to a chronology (each with its audit row in the same transaction)."""

from __future__ import annotations

from django.db import transaction

from joinedup.accounts.services import actor_for
from joinedup.audit.actions import AuditAction
from joinedup.audit.services import audit_event_record
from joinedup.chronology.models import SignificantMark
from joinedup.core.time import utc_now


@transaction.atomic
def event_mark_significant(*, actor_user, person, record, significant: bool, note: str = "") -> SignificantMark:
    """Mark (or unmark) one event as significant in a person's chronology; the history is kept."""
    note = note.strip()
    if len(note) > 500:
        raise ValueError("note: keep the note to 500 characters.")
    mark = SignificantMark.objects.create(
        person=person,
        record=record,
        significant=bool(significant),
        note=note,
        marked_by_id=actor_user.pk,
        marked_by_name=actor_user.get_full_name() or actor_user.username,
        marked_at=utc_now(),
    )
    audit_event_record(
        actor=actor_for(actor_user),
        action=AuditAction.EVENT_MARK if significant else AuditAction.EVENT_UNMARK,
        object_type="source_record",
        object_id=record.pk,
        subject_person_id=person.pk,
        reason=note,
        detail={"source_record_id": record.source_record_id},
    )
    return mark
