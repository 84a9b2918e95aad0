"""Reads that the access policy gates: the audit trail."""

from __future__ import annotations

import datetime as dt
import uuid

from django.db.models import QuerySet

from joinedup.access.policy import may_view_audit_trail
from joinedup.audit.models import AuditEvent, AuditEventPerson


def _utc_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)


def audit_events_for_viewer(
    *, viewer, action: str = "", actor_username: str = "", person_id: uuid.UUID | None = None,
    date_from: dt.date | None = None, date_to: dt.date | None = None, up_to_id: int | None = None,
) -> QuerySet[AuditEvent]:
    """The audit trail, newest first, optionally filtered; empty for anyone the policy does not allow.

    `person_id`: rows naming that person (as their subject or among everyone the read showed); `date_from` and
    `date_to`: UTC days, both included; `up_to_id`: rows written up to that one (an export stays reproducible, the
    trail being append-only).
    """
    if not may_view_audit_trail(viewer):
        return AuditEvent.objects.none()
    events = AuditEvent.objects.all()
    if action:
        events = events.filter(action=action)
    if actor_username:
        events = events.filter(actor_username=actor_username)
    if person_id is not None:
        events = events.filter(id__in=AuditEventPerson.objects.filter(person_id=person_id).values("event_id"))
    if date_from is not None:
        events = events.filter(occurred_at__gte=_utc_midnight(date_from))
    if date_to is not None:
        events = events.filter(occurred_at__lt=_utc_midnight(date_to + dt.timedelta(days=1)))
    if up_to_id is not None:
        events = events.filter(id__lte=up_to_id)
    return events.order_by("-id")
