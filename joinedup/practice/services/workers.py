"""A worker's own practice settings (issue 13): whether they are newly qualified (supervised more often), their
own supervision interval and their own caseload limit. Blank means the deployment's (`JOINEDUP_PRACTICE`).
Set by their team manager or the head of service; audited with what changed, before and after."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.db import transaction

from joinedup.accounts.models import User
from joinedup.accounts.services import actor_for
from joinedup.audit.actions import AuditAction
from joinedup.audit.services import audit_event_record
from joinedup.casework.services.recording import StepInvalid
from joinedup.practice.relationships import may_set_worker_practice

MAX_SUPERVISION_DAYS = 92  # once a quarter at the least
MAX_CASELOAD_LIMIT = Decimal("60")
FIELDS = ("newly_qualified", "supervision_every_days", "caseload_limit")


def _days(value, errors: dict[str, str]) -> int | None:
    text = str(value if value is not None else "").strip()
    if not text:
        return None
    if not text.isdigit() or not 1 <= int(text) <= MAX_SUPERVISION_DAYS:
        errors["supervision_every_days"] = (f"Enter how often in days, a whole number from 1 to {MAX_SUPERVISION_DAYS},"
                                            " or leave it blank for the usual interval")
        return None
    return int(text)


def _limit(value, errors: dict[str, str]) -> Decimal | None:
    text = str(value if value is not None else "").strip()
    if not text:
        return None
    try:
        limit = Decimal(text)
    except InvalidOperation:
        limit = None
    if limit is None or not limit.is_finite() or not Decimal("0.5") <= limit <= MAX_CASELOAD_LIMIT \
            or limit != limit.quantize(Decimal("0.1")):
        errors["caseload_limit"] = (f"Enter the caseload limit as a number from 0.5 to {MAX_CASELOAD_LIMIT} (one "
                                    "decimal place at most), or leave it blank for the usual limit")
        return None
    return limit


def _flag(value, errors: dict[str, str]) -> bool | None:
    if isinstance(value, bool):
        return value
    text = str(value if value is not None else "").strip().lower()
    if text in ("yes", "true"):
        return True
    if text in ("no", "false"):
        return False
    errors["newly_qualified"] = "Select whether they are newly qualified"
    return None


@transaction.atomic
def worker_practice_set(*, user: User, worker: User, newly_qualified, supervision_every_days, caseload_limit,
                        why: str = "") -> User:
    """Set a worker's newly-qualified flag, own supervision interval and own caseload limit (blank: the usual).
    PermissionError when `user` may not; StepInvalid naming each field that is wrong (nothing is changed)."""
    if not may_set_worker_practice(user, worker):
        raise PermissionError("Only the worker's team manager or the head of service sets these")
    errors: dict[str, str] = {}
    new = {"newly_qualified": _flag(newly_qualified, errors), "supervision_every_days": _days(supervision_every_days, errors),
           "caseload_limit": _limit(caseload_limit, errors)}
    if errors:
        raise StepInvalid(errors)
    locked = User.objects.select_for_update().get(pk=worker.pk)
    before = {f: getattr(locked, f) for f in FIELDS}
    changed = [f for f in FIELDS if before[f] != new[f]]
    if not changed:
        raise StepInvalid({"newly_qualified": "Nothing has changed: change at least one answer"})
    User.objects.filter(pk=worker.pk).update(**new)
    audit_event_record(actor=actor_for(user), action=AuditAction.USER_UPDATE, object_type="user", object_id=worker.pk,
                       reason=(why or "").strip(),
                       detail={"changed": changed, "before": {f: _shown(before[f]) for f in changed},
                               "after": {f: _shown(new[f]) for f in changed}})
    worker.refresh_from_db()
    return worker


def _shown(value):
    return str(value) if isinstance(value, Decimal) else value
