"""Walking the stored audit trail's hash chain (`joinedup audit verify`): an operator's check, not a screen's read."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from joinedup.audit import chain
from joinedup.audit.models import AuditEvent, AuditEventPerson

BATCH = 2000
COLUMNS = (*chain.FIELDS, "row_hash")


def stored_rows(batch: int = BATCH) -> Iterator[tuple[dict[str, Any], list[Any]]]:
    """Every audit row in id order with the people it names, read a batch at a time (keyset paging by id)."""
    last = 0
    while True:
        rows = list(AuditEvent.objects.filter(id__gt=last).order_by("id").values(*COLUMNS)[:batch])
        if not rows:
            return
        people: dict[int, list[Any]] = defaultdict(list)
        for event_id, person_id in AuditEventPerson.objects.filter(
                event_id__gte=rows[0]["id"], event_id__lte=rows[-1]["id"]).values_list("event_id", "person_id"):
            people[event_id].append(person_id)
        for row in rows:
            yield row, people.get(row["id"], [])
        last = rows[-1]["id"]


def chain_verify(*, anchors: Mapping[int, str] | None = None,
                 progress: Callable[[int], None] | None = None) -> chain.Verification:
    """Verify the whole stored trail (see `joinedup.audit.chain.verify_rows`)."""
    return chain.verify_rows(stored_rows(), anchors=anchors, progress=progress)
