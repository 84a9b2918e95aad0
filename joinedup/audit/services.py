"""Writing the audit trail. Call inside the transaction of the write or read being audited."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from joinedup.audit.models import AuditEvent
from joinedup.core import context
from joinedup.core.actor import ActorRef
from joinedup.core.time import utc_now


def audit_event_record(
    *,
    actor: ActorRef,
    action: str,
    object_type: str = "",
    object_id: Any = "",
    subject_person_id: uuid.UUID | None = None,
    reason: str = "",
    detail: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Append one audit event; if the insert fails the caller's transaction (and request) fails."""
    event = AuditEvent.objects.create(
        occurred_at=utc_now(),
        actor_id=actor.id,
        actor_username=actor.username,
        agency_id=actor.agency_id,
        agency_name=actor.agency_name,
        role=actor.role,
        action=str(action),
        object_type=object_type,
        object_id=str(object_id or ""),
        subject_person_id=subject_person_id,
        reason=reason,
        request_id=context.current_request_id(),
        detail=dict(detail or {}),
    )
    ctx = context.current()
    if ctx is not None:
        ctx.audit_count += 1
    return event


def audit_read_many(
    *, actor: ActorRef, action: str, object_type: str, object_ids: list[Any], reason: str = ""
) -> AuditEvent:
    """Audit a list or search: one row naming every record shown."""
    return audit_event_record(
        actor=actor,
        action=action,
        object_type=object_type,
        reason=reason,
        detail={"object_ids": [str(i) for i in object_ids]},
    )
