"""Writing the audit trail. Call inside the transaction of the write or read being audited.

Rows are hash-chained (`joinedup.audit.chain`, ADR 0009), so they are appended one writer at a time: on PostgreSQL
a transaction-scoped advisory lock (`CHAIN_LOCK`), taken before the head of the chain is read and held to commit;
on SQLite the database's own write lock (every transaction begins IMMEDIATE: `config/settings/base.py`). Two rows
can never claim the same position (a unique constraint), so a broken lock would fail an insert, never fork the chain.

The lock is held from a row's insert to the commit, so a page that audited its read before rendering held every other
writer of the chain back while it rendered. A page that only reads therefore holds its rows (`audit_at_end`) and
appends them as the last thing in its transaction: still in the same transaction as the read, but the lock is held
for the inserts and the commit alone.
"""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from django.db import connection, transaction

from joinedup.audit import chain
from joinedup.audit.models import AuditEvent, AuditEventPerson
from joinedup.core import context
from joinedup.core.actor import ActorRef
from joinedup.core.time import utc_now

# pg_advisory_xact_lock key that serialises appends to the chain (any fixed bigint no other code uses).
CHAIN_LOCK = 0x6A75_6175_6469_7431  # "juaudit1"

_PG_HEAD = (
    "SELECT nextval(pg_get_serial_sequence('audit_auditevent', 'id')), "
    "(SELECT chain_position FROM audit_auditevent ORDER BY id DESC LIMIT 1), "
    "(SELECT row_hash FROM audit_auditevent ORDER BY id DESC LIMIT 1)"
)
_SQLITE_HEAD = "SELECT id, chain_position, row_hash FROM audit_auditevent ORDER BY id DESC LIMIT 1"


def _uuid_or_none(value: Any, name: str) -> uuid.UUID | None:
    if value in (None, ""):
        return None
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError as exc:
        raise ValueError(f"{name}: {value!r} is not a UUID") from exc


def _head() -> tuple[int, int, str]:
    """(id for the new row, position of the last row (0 for none), hash of the last row), under the chain lock."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Two statements: in READ COMMITTED each statement sees what was committed when it started, so the
            # head must be read by a statement that starts after the lock is granted (not in the same one).
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK])
            cursor.execute(_PG_HEAD)
            new_id, position, digest = cursor.fetchone()
        else:
            # SQLite: this transaction already holds the database's write lock (BEGIN IMMEDIATE).
            cursor.execute(_SQLITE_HEAD)
            last = cursor.fetchone()
            new_id, position, digest = (last[0] + 1, last[1], last[2]) if last else (1, 0, None)
    return new_id, position or 0, digest or chain.GENESIS


def _append(values: dict[str, Any], people: list[uuid.UUID], event: AuditEvent | None = None) -> AuditEvent:
    """Insert the row after the chain's head (filling `event`, if given, with what it was written as)."""
    new_id, position, previous = _head()
    row = {"id": new_id, "chain_position": position + 1, "prev_hash": previous, **values}
    if event is None:
        event = AuditEvent()
    for name, value in {**row, "row_hash": chain.row_hash(row, people)}.items():
        setattr(event, name, value)
    event.save(force_insert=True)
    if people:
        AuditEventPerson.objects.bulk_create([AuditEventPerson(event_id=new_id, person_id=p) for p in people])
    return event


def audit_event_record(
    *,
    actor: ActorRef,
    action: str,
    object_type: str = "",
    object_id: Any = "",
    subject_person_id: uuid.UUID | None = None,
    reason: str = "",
    detail: Mapping[str, Any] | None = None,
    person_ids: Iterable[uuid.UUID | str] | None = None,
) -> AuditEvent:
    """Append one audit event; if the insert fails the caller's transaction (and request) fails.

    `person_ids`: everyone the read or write showed. The row names them, its subject, and (for `object_type`
    "person") its object and `detail["object_ids"]`; the trail can be filtered by any of them.
    """
    # `detail` is stored as the database will hand it back (JSON through and through), so that its hash
    # computed now is the hash `joinedup audit verify` computes from the stored row.
    values = {
        "occurred_at": utc_now(),
        "actor_id": _uuid_or_none(actor.id, "actor.id"),
        "actor_username": str(actor.username),
        "agency_id": _uuid_or_none(actor.agency_id, "actor.agency_id"),
        "agency_name": str(actor.agency_name or ""),
        "role": str(actor.role or ""),
        "action": str(action),
        "object_type": str(object_type or ""),
        "object_id": str(object_id or ""),
        "subject_person_id": _uuid_or_none(subject_person_id, "subject_person_id"),
        "reason": str(reason or ""),
        "request_id": str(context.current_request_id() or ""),
        "detail": json.loads(json.dumps(dict(detail or {}))),
    }
    people = chain.persons_named(subject_person_id=values["subject_person_id"], object_type=values["object_type"],
                                 object_id=values["object_id"], detail=values["detail"], person_ids=person_ids or ())
    ctx = context.current()
    if ctx is not None and ctx.held_audit is not None and len(connection.atomic_blocks) == ctx.held_audit_depth:
        # Held to the end of the page's transaction (`audit_at_end`); not when a service's own atomic block is open.
        event = AuditEvent(**values)
        ctx.held_audit.append((values, people, event))
        ctx.audit_count += 1
        return event
    if connection.in_atomic_block:
        event = _append(values, people)
    else:  # the head read and the insert must share a transaction (and, on PostgreSQL, the lock)
        with transaction.atomic():
            event = _append(values, people)
    if ctx is not None:
        ctx.audit_count += 1
    return event


@contextlib.contextmanager
def audit_at_end() -> Iterator[None]:
    """Inside a request's transaction: the audit rows asked for in the block, outside any inner atomic block, are
    appended when the block ends without an error (in the order asked), so the chain's lock is held from then to the
    commit rather than while the page renders. An error discards them with the rest of the transaction. Outside a
    request or a transaction, or nested, rows are written as they are asked for."""
    ctx = context.current()
    if ctx is None or ctx.held_audit is not None or not connection.in_atomic_block:
        yield
        return
    ctx.held_audit, ctx.held_audit_depth = [], len(connection.atomic_blocks)
    try:
        yield
        held = ctx.held_audit
    finally:
        ctx.held_audit, ctx.held_audit_depth = None, 0
    for values, people, event in held:
        _append(values, people, event)


def audit_read_many(
    *, actor: ActorRef, action: str, object_type: str, object_ids: list[Any], reason: str = "",
    person_ids: Iterable[uuid.UUID | str] | None = None, detail: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Audit a list or search: one row naming every record shown (and every person, in `person_ids`)."""
    return audit_event_record(
        actor=actor,
        action=action,
        object_type=object_type,
        reason=reason,
        detail={**(detail or {}), "object_ids": [str(i) for i in object_ids]},
        person_ids=person_ids,
    )
