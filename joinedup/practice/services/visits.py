"""Recording a social work visit to a child (issue 13): one `visit` record of the authority's children's social
care in the child's open case, written through the casework recording helpers (ADR 0008), so the visit is a
chronology event at once, meets the plan's visit clock when the child was seen, and is seen by the alert rules.

What a worker must say is kept to three things — when (now, unless they change it), whether they saw the child,
and, if so, whether they saw the child alone. Everything else (the kind of visit, where, who was there, the
child's own words, what they saw) is optional.

A child not seen — or seen but not alone when the plan requires it — opens an accompanied revisit (the fold's
`revisit` clock: one working day on a child protection plan, five otherwise, both settings) that nothing but a
visit that saw the child closes, and tells the team manager at once with a `Notice` saying when the revisit is
due: the manager of the allocated worker's team, or, with nobody allocated or no manager, the front-door team.

Whether the plan requires the child be seen alone (`seen_alone_required`) is the worker's to say; when they do
not, joinedup takes it as required for a child on a child protection plan on the day of the visit who is 4 or
older then (a younger child, or a child not on a plan, is not expected to be seen alone).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from joinedup.accounts.models import Role, User
from joinedup.accounts.services import actor_for
from joinedup.audit.actions import AuditAction
from joinedup.audit.services import audit_event_record
from joinedup.casework.clocks import clocks_from_settings
from joinedup.casework.lifecycle import Refused, fold
from joinedup.casework.models import Case, Notice
from joinedup.casework.projection import case_uuid
from joinedup.casework.selectors import current_allocation
from joinedup.casework.services import front_door_team
from joinedup.casework.services.recording import (
    Conflict,
    StepInvalid,
    checked,
    child_mention,
    current,
    lock,
    new_record,
    now,
    write,
)
from joinedup.casework.state import CaseState, Clock, Visit
from joinedup.practice.relationships import may_record_visit

TEXT_LIMIT = 4000
SHORT_LIMIT = 300
PRESENT_LIMIT = 30
SEEN_ALONE_MIN_AGE = 4  # years: younger children are not expected to be seen alone
NOTICE_KIND = "child_not_seen"

VISIT_TYPES: dict[str, str] = {
    "statutory": "Statutory visit",
    "unannounced": "Unannounced visit",
    "joint_police": "Joint visit with the police",
    "joint_health": "Joint visit with health",
}

CONFLICT_MESSAGE = ("Someone else recorded something in this case while you were recording the visit. Check the "
                    "case, then send your visit again: what you entered is kept.")


@dataclass(frozen=True)
class VisitResult:
    """What recording a visit did: the case now, the visit as the fold placed it, the revisit it opened (if any)
    and whom the notice went to."""

    case: CaseState
    visit: Visit
    record_key: str
    record_pk: int
    revisit: Clock | None
    notice: Notice | None


def age_on(dob: dt.date | None, day: dt.date) -> int | None:
    if dob is None:
        return None
    return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))


def on_protection_plan(case: CaseState, day: dt.date) -> bool:
    return any(p.started_on <= day and (p.ended_on is None or day < p.ended_on) for p in case.protection_plans)


def seen_alone_required_default(case: CaseState, dob: dt.date | None, day: dt.date) -> bool:
    """True for a child on a child protection plan that day who is 4 or older (an unknown age counts as older:
    a plan's child whose date of birth is missing is still expected to be seen alone)."""
    if not on_protection_plan(case, day):
        return False
    age = age_on(dob, day)
    return age is None or age >= SEEN_ALONE_MIN_AGE


# --- reading what the worker entered --------------------------------------------------------------------------


def _flag(data: dict, name: str) -> bool | str | None:
    """True, False, None (not given) or "bad"."""
    value = data.get(name)
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("yes", "true", "1", "on"):
        return True
    if isinstance(value, str) and value.lower() in ("no", "false", "0"):
        return False
    return "bad"


def _text(data: dict, name: str, errors: dict, *, limit: int = TEXT_LIMIT) -> str:
    value = data.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        errors[name] = "This must be text"
        return ""
    value = value.strip()
    if len(value) > limit:
        errors[name] = f"This must be {limit:,} characters or fewer"
    return value


def _present(data: dict, errors: dict) -> list[str]:
    value = data.get("present") or []
    if isinstance(value, str):
        value = value.splitlines()
    if not isinstance(value, list | tuple):
        errors["present"] = "List who was present, one per line"
        return []
    out = [str(v).strip() for v in value if str(v).strip()]
    if len(out) > PRESENT_LIMIT:
        errors["present"] = f"List at most {PRESENT_LIMIT} people"
    elif any(len(v) > SHORT_LIMIT for v in out):
        errors["present"] = f"Each line must be {SHORT_LIMIT} characters or fewer"
    return out


def _when(data: dict, errors: dict, *, at: dt.datetime, case: CaseState) -> dt.datetime:
    tz = clocks_from_settings().tz
    value = data.get("visited_at")
    if value in (None, ""):
        return at  # when the worker says nothing: now
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        value = dt.datetime.combine(value, dt.time(12), tzinfo=tz)
    if not isinstance(value, dt.datetime):
        errors["visited_at"] = "Enter when the visit was as a date and time, like 27/3/2026 14:30"
        return at
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    if value > at + dt.timedelta(minutes=5):
        errors["visited_at"] = "When the visit was must be now or in the past"
    elif value.astimezone(tz).date() < case.opened_on:
        errors["visited_at"] = f"When the visit was must be on or after the referral ({case.opened_on:%d/%m/%Y})"
    return value


def visit_detail(data: dict[str, Any], *, case: CaseState, dob: dt.date | None, at: dt.datetime,
                 ) -> tuple[dt.datetime, dict[str, Any]]:
    """(when, the record's detail) from what was entered; `StepInvalid` names every field that is wrong."""
    errors: dict[str, str] = {}
    when = _when(data, errors, at=at, case=case)
    seen = _flag(data, "child_seen")
    if seen is None or seen == "bad":
        errors["child_seen"] = "Select whether you saw the child"
    alone = _flag(data, "seen_alone")
    if alone == "bad" or (seen is True and alone is None):
        errors["seen_alone"] = "Select whether you saw the child alone"
    required = _flag(data, "seen_alone_required")
    if required == "bad":
        errors["seen_alone_required"] = "Select whether the plan requires the child be seen alone"
    accompanied = _flag(data, "accompanied")
    if accompanied == "bad":
        errors["accompanied"] = "Select whether a colleague or manager came with you"
    visit_type = str(data.get("visit_type") or "")
    if visit_type and visit_type not in VISIT_TYPES:
        errors["visit_type"] = "Select the kind of visit from the list"
    location = _text(data, "location", errors, limit=SHORT_LIMIT)
    present = _present(data, errors)
    not_seen_reason = _text(data, "not_seen_reason", errors)
    not_seen_alone_reason = _text(data, "not_seen_alone_reason", errors)
    child_words = _text(data, "child_words", errors)
    text = _text(data, "text", errors)
    if errors:
        raise StepInvalid(errors)
    local_day = when.astimezone(clocks_from_settings().tz).date()
    if required is None:
        required = seen_alone_required_default(case, dob, local_day)
    seen_alone = bool(seen and alone)
    detail = {
        "child_seen": bool(seen), "seen_alone": seen_alone, "visit_type": visit_type, "location": location,
        "present": present,
        # A reason is kept only where it answers the question the visit raises.
        "not_seen_reason": not_seen_reason if not seen else "",
        "not_seen_alone_reason": not_seen_alone_reason if seen and not seen_alone else "",
        "seen_alone_required": bool(required), "accompanied": bool(accompanied), "child_words": child_words,
        "text": text, "case_id": case.case_ref,
    }
    return when, detail


# --- whom to tell ------------------------------------------------------------------------------------------------


def manager_to_tell(person, agency_id) -> tuple[User | None, Any]:
    """(the team manager of the allocated worker's team, None), or (None, the front-door team) when nobody is
    allocated or the team has no manager."""
    allocation = current_allocation(person=person)
    if allocation is not None:
        team = allocation.team or allocation.worker.team
        if team is not None:
            manager = (User.objects.filter(team=team, role=Role.TEAM_MANAGER, is_active=True)
                       .exclude(pk=allocation.worker_id).order_by("last_name", "first_name", "username").first())
            if manager is not None:
                return manager, None
    return None, front_door_team(agency_id)


def _local(moment: dt.datetime) -> str:
    value = moment.astimezone(clocks_from_settings().tz)
    return f"{value.day} {value:%B %Y} at {value:%H:%M}"


def _notice_text(*, person, user: User, visit: Visit, revisit: Clock, detail: dict) -> str:
    who = f"{user.get_full_name() or user.username} ({user.job_title or user.get_role_display()})"
    if visit.seen is False:
        what = f"{person.display_name} was not seen on a visit on {_local(visit.at)} by {who}"
        reason = detail.get("not_seen_reason") or ""
    else:
        what = (f"{person.display_name} was seen but not alone on a visit on {_local(visit.at)} by {who}, "
                "and the plan requires the child be seen alone")
        reason = detail.get("not_seen_alone_reason") or ""
    text = f"{what}. An accompanied revisit is due by {_local(revisit.due_at)}."
    if reason:
        text += f" Why: {reason}"
    return text[:500]


# --- the service -----------------------------------------------------------------------------------------------


@transaction.atomic
def visit_record(*, user: User, case_id, data: dict[str, Any], revision: int | None) -> VisitResult:
    """Record one visit in the case. `revision` is the case's revision the worker saw (None: do not check).

    Raises `PermissionError` (no relationship: callers answer 404), `StepInvalid` (each field named),
    `Conflict` (someone recorded in the case since) or `Refused` (the case is closed)."""
    row = Case.objects.select_related("person").filter(pk=case_id).first()
    if row is None or row.agency_id != user.agency_id or not may_record_visit(user, row.person):
        raise PermissionError("may not record visits in this case")
    person = lock(row.person)
    existing = current(person)
    state = fold(existing, clocks=clocks_from_settings())
    case = next((c for c in state.cases if case_uuid(c.key) == row.pk), None)
    if case is None:
        raise StepInvalid({"case": "This case is no longer this child's (the records were re-linked)"})
    if revision is not None and revision != case.revision:
        raise Conflict(CONFLICT_MESSAGE, current_revision=case.revision)
    if not case.is_open:
        raise Refused(f"The case closed on {case.closed_on:%d/%m/%Y}: visits are recorded in an open case.")
    at = now()
    when, detail = visit_detail(data, case=case, dob=person.dob, at=at)
    agency = row.agency
    payload = new_record(agency=agency, kind="visit", mention=child_mention(agency=agency, person=person, new=None),
                         detail=detail, when=when, user=user, now=at)
    key = f"{payload['agency_id']}:{payload['source_record_id']}"
    after = checked(existing, [payload])
    placed = after.case(case.key)
    visit = next((v for v in placed.visits if v.key == key), None) if placed is not None else None
    if visit is None:
        raise Refused("This visit could not be placed in the child's open case.")
    person, record_ids = write(user=user, payloads=[payload], person=person)
    revisit = next((c for c in placed.clocks if c.kind == "revisit" and c.source_key == key), None)
    notice = None
    if visit.needs_revisit and revisit is not None:
        manager, team = manager_to_tell(person, row.agency_id)
        if manager is not None or team is not None:
            notice = Notice.objects.create(
                recipient=manager, team=team if manager is None else None, person=person, kind=NOTICE_KIND,
                text=_notice_text(person=person, user=user, visit=visit, revisit=revisit, detail=detail),
                created_at=at)
    audit_event_record(
        actor=actor_for(user), action=AuditAction.VISIT_RECORD, object_type="case", object_id=row.pk,
        subject_person_id=person.pk,
        detail={"records": [key], "child_seen": detail["child_seen"], "seen_alone": detail["seen_alone"],
                "revisit_due": revisit.due_at.isoformat() if revisit is not None and visit.needs_revisit else None,
                "notice": notice.pk if notice is not None else None,
                "told": (notice.recipient.username if notice.recipient_id else f"team:{notice.team.code}")
                if notice is not None else None})
    return VisitResult(case=placed, visit=visit, record_key=key, record_pk=record_ids[0], revisit=revisit,
                       notice=notice)
