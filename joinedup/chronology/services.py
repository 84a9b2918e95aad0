"""Writes to a chronology (each with its audit row in the same transaction)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from joinedup.accounts.services import actor_for
from joinedup.audit.actions import AuditAction
from joinedup.audit.services import audit_event_record
from joinedup.chronology.models import SignificantMark
from joinedup.chronology.selectors import _ids_of
from joinedup.core.time import utc_now
from joinedup.people.models import Person


class MarkConflict(Exception):
    """Someone changed the entry's mark since the page was loaded (the entry is already as this asks): nothing was
    changed. `current` is the mark that is in force (None: the entry was never marked)."""

    def __init__(self, message: str, *, current: SignificantMark | None):
        super().__init__(message)
        self.message = message
        self.current = current


def _conflict(current: SignificantMark | None, significant: bool) -> MarkConflict:
    if current is None:
        return MarkConflict("This entry is not marked as significant: nothing was changed.", current=None)
    at = timezone.localtime(current.marked_at)
    when = f"{at:%H:%M} on {at.day} {at:%B %Y}"
    done = "marked this entry as significant" if significant else "unmarked this entry"
    return MarkConflict(f"{current.marked_by_name or 'Someone'} {done} at {when}, after this page was loaded: your "
                        "change was not made. The chronology below shows the entry as it is now.", current=current)


@transaction.atomic
def event_mark_significant(*, actor_user, person, record, significant: bool, note: str = "") -> SignificantMark:
    """Mark (or unmark) one event as significant in a person's chronology; the history is kept.

    The change is to the state the caller saw: marking an entry that is marked already (or unmarking one that is not)
    means someone else changed it first, and raises `MarkConflict` (nothing written). One change to a child's marks
    at a time: the child's row is locked (PostgreSQL; on SQLite every write transaction is serialised anyway), so of
    two people marking the same entry at once the second sees the first's mark."""
    note = note.strip()
    if len(note) > 500:
        raise ValueError("note: keep the note to 500 characters.")
    list(Person.objects.select_for_update().filter(pk=person.pk).values_list("pk"))
    current = (SignificantMark.objects.filter(person_id__in=_ids_of(person), record=record)
               .order_by("-marked_at", "-id").first())
    if bool(current is not None and current.significant) == bool(significant):
        raise _conflict(current, bool(significant))
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
