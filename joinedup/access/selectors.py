"""Reads that the access policy gates: the audit trail."""

from __future__ import annotations

from django.db.models import QuerySet

from joinedup.access.policy import may_view_audit_trail
from joinedup.audit.models import AuditEvent


def audit_events_for_viewer(*, viewer, action: str = "", actor_username: str = "") -> QuerySet[AuditEvent]:
    """The audit trail, newest first, optionally filtered; empty for anyone the policy does not allow."""
    if not may_view_audit_trail(viewer):
        return AuditEvent.objects.none()
    events = AuditEvent.objects.all()
    if action:
        events = events.filter(action=action)
    if actor_username:
        events = events.filter(actor_username=actor_username)
    return events.order_by("-id")
