"""A worker whose practice settings the viewer may set (their team manager, the head of service); None otherwise."""

from __future__ import annotations

from joinedup.accounts.models import User
from joinedup.practice.relationships import may_set_worker_practice
from joinedup.practice.settings import practice_settings


def worker_for_settings(*, viewer, worker_id) -> User | None:
    worker = User.objects.filter(pk=worker_id, is_active=True).select_related("team", "agency").first()
    if worker is None or not may_set_worker_practice(viewer, worker):
        return None
    return worker


def usual_settings() -> dict:
    """The deployment's values a blank answer stands for."""
    policy = practice_settings()
    return {"supervision_every_days": policy.supervision_every_days,
            "newly_qualified_supervision_every_days": policy.newly_qualified_supervision_every_days,
            "caseload_limit": policy.caseload_limit}
