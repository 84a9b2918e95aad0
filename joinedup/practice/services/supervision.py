"""Supervision written to the child's file (issue 13).

A manager supervises a worker on a day and discusses some of the worker's children. For each child the
decision and the actions agreed (what, who, by when) are kept in the session's tables and written, in the same
transaction, to the child's file as one `supervision` record of the authority (docs/formats/README.md,
"Practice"), through the casework recording helpers: so the decision is in the child's chronology and on the
case page at once, and the alert rules see its actions in the same request. When an action is done, the
child's record gets a new version with the action's string added to `actions_done` (the old version is kept).

The record's `actions` are strings `"<due YYYY-MM-DD> | <owner's full name> | <what>"` (`action_string`);
an action done is the very same string in `actions_done`, so a reader (the overdue-action alert rule) can tell
which are still open by comparing the two lists.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.db import transaction

from joinedup.accounts.models import Role, User
from joinedup.accounts.services import actor_for
from joinedup.audit.actions import AuditAction
from joinedup.audit.services import audit_event_record
from joinedup.casework.models import Allocation, Case
from joinedup.casework.services.recording import (
    Conflict,
    StepInvalid,
    author_role,
    child_mention,
    lock,
    new_record,
    next_version,
    now,
    today,
    write,
)
from joinedup.ingest.models import SourceRecord
from joinedup.people.models import Person
from joinedup.practice.models import SupervisionAction, SupervisionDiscussion, SupervisionSession
from joinedup.practice.relationships import may_record_supervision, may_view_supervision

RECORD_KIND = "supervision"
RECORD_CODE = "case_supervision"
SEPARATOR = " | "
DECISION_LIMIT = 4000
NOTES_LIMIT = 4000
ACTION_LIMIT = 500  # SupervisionAction.text
NOTE_LIMIT = 500  # SupervisionAction.done_note
MAX_ACTIONS = 10  # per child (the screen offers three)
MAX_CHILDREN = 60
OLDEST_DAYS = 366  # a session is recorded within a year of being held
LATEST_DUE_DAYS = 366  # an action is due within a year of the session
SUPERVISED_ROLES = (Role.SOCIAL_WORKER, Role.TEAM_MANAGER, Role.FRONT_DOOR)
OWNER_ROLES = (Role.SOCIAL_WORKER, Role.TEAM_MANAGER, Role.FRONT_DOOR, Role.HEAD_OF_SERVICE)


def local_today() -> dt.date:
    from joinedup.casework.services.recording import today

    return today()


def owner_name(user: User) -> str:
    """How an action's owner is named in the child's record: their full name and, in brackets, their username, so
    the overdue-action alert finds the very person (a `|` would break the format)."""
    name = " ".join((user.get_full_name() or user.username).replace("|", "/").split())
    return f"{name} ({user.username})" if user.username != name else name


def action_string(*, due_on: dt.date, owner: str, text: str) -> str:
    """One action as the child's record holds it: `"YYYY-MM-DD | <owner's full name> | <what>"` (one line)."""
    return SEPARATOR.join((due_on.isoformat(), owner, " ".join(text.split())))


def parse_action(value: str) -> tuple[dt.date | None, str, str]:
    """(due, owner, what) of an action string; a string another system wrote badly gives (None, "", string)."""
    parts = str(value).split(SEPARATOR, 2)
    if len(parts) == 3:
        try:
            return dt.date.fromisoformat(parts[0].strip()), parts[1].strip(), parts[2].strip()
        except ValueError:
            pass
    return None, "", str(value)


# --- reading what the manager entered ----------------------------------------------------------------------


def _as_pk(value) -> Any:
    if hasattr(value, "pk"):
        return value.pk
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError):
        return None


def _worker(user: User, value, errors: dict[str, str]) -> User | None:
    """A worker the manager may supervise: active, in the same authority, in the manager's team (a team
    manager) or anywhere in the service (a head of service); never themselves."""
    pk = _as_pk(value) if value not in (None, "") else None
    if pk is None:
        errors["worker"] = "Choose the worker you supervised"
        return None
    worker = User.objects.select_related("team").filter(pk=pk).first()
    allowed = (
        worker is not None and worker.is_active and worker.pk != user.pk and worker.agency_id == user.agency_id
        and worker.role in SUPERVISED_ROLES
        and (user.role == Role.HEAD_OF_SERVICE or (user.team_id is not None and worker.team_id == user.team_id))
    )
    if not allowed:
        errors["worker"] = "Choose a worker in your team"
        return None
    return worker


def _day(value, errors: dict[str, str], name: str, message: str) -> dt.date | None:
    if value in (None, ""):
        errors[name] = message
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        try:
            value = dt.date.fromisoformat(str(value))
        except ValueError:
            errors[name] = f"{message} as a real date"
            return None
    return value


def _text(value, errors: dict[str, str], name: str, *, limit: int, missing: str = "", label: str = "") -> str:
    text = str(value or "").strip()
    if missing and not text:
        errors[name] = missing
    elif len(text) > limit:
        errors[name] = f"{label or 'This'} must be {limit:,} characters or fewer"
    return text


def _allowed_teams(user: User, worker: User | None) -> set:
    teams = {user.team_id} if user.team_id else set()
    if worker is not None and worker.role == Role.TEAM_MANAGER and worker.team_id:
        teams.add(worker.team_id)  # a head of service supervising a team manager: the team's children
    return teams


def _child(user: User, worker: User | None, value, errors: dict[str, str], name: str) -> Person | None:
    """A child the worker has a relationship to: allocated to the worker, or to the manager's team."""
    pk = _as_pk(value) if value not in (None, "") else None
    person = Person.objects.filter(pk=pk).first() if pk is not None else None
    allocation = (Allocation.objects.filter(person=person, ended_at__isnull=True).select_related("worker").first()
                  if person is not None else None)
    teams = _allowed_teams(user, worker)
    allowed = allocation is not None and allocation.worker.agency_id == user.agency_id and (
        (worker is not None and allocation.worker_id == worker.pk)
        or allocation.team_id in teams or allocation.worker.team_id in teams)
    if not allowed:
        errors[name] = "Choose a child allocated to the worker or to your team"
        return None
    return person


def _owner(user: User, value, errors: dict[str, str], name: str, where: str) -> User | None:
    pk = _as_pk(value) if value not in (None, "") else None
    if pk is None:
        errors[name] = f"{where}: choose who will do it"
        return None
    owner = User.objects.filter(pk=pk).first()
    if owner is None or not owner.is_active or owner.agency_id != user.agency_id or owner.role not in OWNER_ROLES:
        errors[name] = f"{where}: choose a colleague in children's social care to do it"
        return None
    return owner


def _read(user: User, worker_value, held_on_value, notes_value, discussions) -> tuple:
    """Everything entered, checked; `StepInvalid` names each field (which child, which action) at once."""
    errors: dict[str, str] = {}
    worker = _worker(user, worker_value, errors)
    held_on = _day(held_on_value, errors, "held_on", "Enter the date of the supervision")
    if held_on is not None:
        if held_on > today():
            errors["held_on"] = "The date of the supervision must be today or in the past"
        elif held_on < today() - dt.timedelta(days=OLDEST_DAYS):
            errors["held_on"] = "The date of the supervision must be within the last year"
    notes = _text(notes_value, errors, "notes", limit=NOTES_LIMIT, label="Notes about the worker")
    if not isinstance(discussions, (list, tuple)):
        errors["discussions"] = "List the children discussed"
        discussions = []
    if len(discussions) > MAX_CHILDREN:
        errors["discussions"] = f"Record at most {MAX_CHILDREN} children in one session"
    read: list[tuple[Person, str, list[tuple[str, User, dt.date]]]] = []
    seen: dict = {}
    for i, item in enumerate(discussions):
        item = item if isinstance(item, dict) else {}
        at = f"discussions[{i}]"
        person = _child(user, worker, item.get("person"), errors, f"{at}.person")
        who = person.display_name if person is not None else f"Child {i + 1}"
        if person is not None:
            if person.pk in seen:
                errors[f"{at}.person"] = f"{who} is listed twice: record one decision for each child"
            seen[person.pk] = i
        decision = _text(item.get("decision"), errors, f"{at}.decision", limit=DECISION_LIMIT,
                         missing=f"Enter the decision about {who}", label=f"The decision about {who}")
        actions = item.get("actions") or []
        if not isinstance(actions, (list, tuple)):
            errors[f"{at}.actions"] = f"List the actions agreed about {who}"
            actions = []
        if len(actions) > MAX_ACTIONS:
            errors[f"{at}.actions"] = f"Agree at most {MAX_ACTIONS} actions about {who} in one session"
        agreed: list[tuple[str, User, dt.date]] = []
        strings: set[str] = set()
        for j, action in enumerate(actions):
            action = action if isinstance(action, dict) else {}
            where = f"Action {j + 1} about {who}"
            name = f"{at}.actions[{j}]"
            text = _text(action.get("text"), errors, f"{name}.text", limit=ACTION_LIMIT,
                         missing=f"{where}: enter what is to be done", label=f"{where}: what is to be done")
            owner = _owner(user, action.get("owner"), errors, f"{name}.owner", where)
            due = _day(action.get("due_on"), errors, f"{name}.due_on", f"{where}: enter the date it is due")
            if due is not None and held_on is not None and "held_on" not in errors:
                if due < held_on:
                    errors[f"{name}.due_on"] = f"{where}: the due date must be on or after the supervision"
                elif due > held_on + dt.timedelta(days=LATEST_DUE_DAYS):
                    errors[f"{name}.due_on"] = f"{where}: the due date must be within a year of the supervision"
            if text and owner is not None and due is not None:
                string = action_string(due_on=due, owner=owner_name(owner), text=text)
                if string in strings:
                    errors[f"{name}.text"] = f"{where} is the same as an earlier one: record it once"
                strings.add(string)
                agreed.append((text, owner, due))
        if person is not None:
            read.append((person, decision, agreed))
    if errors:
        raise StepInvalid(errors)
    return worker, held_on, notes, read


# --- the services ----------------------------------------------------------------------------------------


def _open_case_ref(person: Person, agency_id) -> str:
    case = Case.objects.filter(person=person, agency_id=agency_id, is_open=True).order_by("-opened_on").first()
    return case.case_ref if case is not None else ""


@transaction.atomic
def supervision_record(*, user: User, worker, held_on, notes: str = "",
                       discussions: list[dict[str, Any]]) -> SupervisionSession:
    """Record a supervision session and write each child's decision to the child's file.

    `worker` is the worker supervised (a User or their id); `discussions` is one entry per child discussed:
    `{"person": Person or id, "decision": str, "actions": [{"text": str, "owner": User or id, "due_on": date}]}`.
    The manager is `user` (a team manager supervising a member of their team, or a head of service). Each child
    must be allocated to the worker or to the manager's team. Raises `PermissionError` (not a manager),
    `StepInvalid` naming each field (`worker`, `held_on`, `notes`, `discussions[0].decision`,
    `discussions[0].actions[1].due_on`, …: which child, which action).
    """
    if not may_record_supervision(user):
        raise PermissionError("may not record supervision")
    worker, held_on, notes, read = _read(user, worker, held_on, notes, discussions)
    at = now()
    agency = user.agency
    role = author_role(user)
    people = {person.pk: lock(person) for person, _, _ in sorted(read, key=lambda r: str(r[0].pk))}
    session = SupervisionSession.objects.create(agency=agency, worker=worker, manager=user, held_on=held_on,
                                                notes=notes, recorded_at=at, recorded_by=user)
    for person, decision, agreed in read:
        person = people[person.pk]
        actions = [action_string(due_on=due, owner=owner_name(owner), text=text) for text, owner, due in agreed]
        payload = new_record(
            agency=agency, kind=RECORD_KIND, mention=child_mention(agency=agency, person=person, new=None),
            detail={"code": RECORD_CODE, "session_id": str(session.pk), "decision": decision, "actions": actions,
                    "supervisor_role": role, "case_id": _open_case_ref(person, agency.pk)},
            when=held_on, user=user, now=at)
        person, record_ids = write(user=user, payloads=[payload], person=person)
        discussion = SupervisionDiscussion.objects.create(session=session, person=person, decision=decision,
                                                          record_id=record_ids[0])
        SupervisionAction.objects.bulk_create([
            SupervisionAction(discussion=discussion, text=text, owner=owner, due_on=due) for text, owner, due in agreed
        ])
        audit_event_record(actor=actor_for(user), action=AuditAction.SUPERVISION_RECORD,
                           object_type="supervision_session", object_id=session.pk, subject_person_id=person.pk,
                           detail={"worker": worker.username, "held_on": held_on.isoformat(),
                                   "record": f"{payload['agency_id']}:{payload['source_record_id']}",
                                   "actions": len(agreed)})
    if not read:  # notes about the worker only: still a session (it counts for their supervision frequency)
        audit_event_record(actor=actor_for(user), action=AuditAction.SUPERVISION_RECORD,
                           object_type="supervision_session", object_id=session.pk,
                           detail={"worker": worker.username, "held_on": held_on.isoformat(), "children": 0})
    return session


def may_mark_done(user: User, action: SupervisionAction) -> bool:
    """The action's owner, the manager who supervised, or a manager who may see the session."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    session = action.discussion.session
    if user.pk in (action.owner_id, session.manager_id) and user.agency_id == session.agency_id:
        return True
    return may_record_supervision(user) and may_view_supervision(user, session)


def _string_of(action: SupervisionAction, payload: dict) -> str:
    """The action's string as the child's record holds it (its place among the discussion's actions; names are
    as they were when the session was recorded)."""
    listed = list((payload.get("detail") or {}).get("actions") or [])
    ids = list(SupervisionAction.objects.filter(discussion_id=action.discussion_id).order_by("id")
               .values_list("id", flat=True))
    index = ids.index(action.pk)
    if len(listed) == len(ids):
        return listed[index]
    return action_string(due_on=action.due_on, owner=owner_name(action.owner), text=action.text)


@transaction.atomic
def supervision_action_done(*, user: User, action, note: str = "") -> SupervisionAction:
    """Mark an action agreed in supervision done: the action row, and a new version of the child's `supervision`
    record with the action's string added to `actions_done` (audited).

    `action` is a SupervisionAction or its id. Raises `PermissionError` (not the owner or a manager who may see
    the session, or no such action), `StepInvalid` (`note` too long) and `Conflict` when someone marked it done
    first (nothing is written)."""
    pk = action.pk if hasattr(action, "pk") else action
    row = (SupervisionAction.objects.select_related("discussion__session__worker", "discussion__person", "owner")
           .filter(pk=pk).first())
    if row is None or not may_mark_done(user, row):
        raise PermissionError("may not mark this action done")
    errors: dict[str, str] = {}
    note = _text(note, errors, "note", limit=NOTE_LIMIT, label="What was done")
    if errors:
        raise StepInvalid(errors)
    person = lock(row.discussion.person)  # one change to the child's file at a time
    row = SupervisionAction.objects.select_for_update(of=("self",)).select_related("done_by").get(pk=row.pk)
    if row.done_at is not None:
        who = row.done_by.get_full_name() if row.done_by else "someone"
        raise Conflict(f"{who} marked this action done on {row.done_at:%d/%m/%Y} while you were working on it.",
                       current_revision=1)
    at = now()
    discussion = SupervisionDiscussion.objects.get(pk=row.discussion_id)
    if discussion.record_id is not None:
        record = SourceRecord.objects.select_related("current").get(pk=discussion.record_id)
        detail = record.current.payload.get("detail") or {}
        string = _string_of(row, record.current.payload)
        done = list(detail.get("actions_done") or [])
        done_on = list(detail.get("actions_done_on") or [])
        if string not in done:
            # when each was done, in the same order as `actions_done` (a replay before that day sees it open)
            done_on = done_on[:len(done)] + [""] * (len(done) - len(done_on))
            done.append(string)
            done_on.append(local_today().isoformat())
        payload = next_version(record, detail={"actions_done": done, "actions_done_on": done_on}, user=user, now=at)
        write(user=user, payloads=[payload], person=person)
    row.done_at, row.done_by, row.done_note = at, user, note
    row.save(update_fields=["done_at", "done_by", "done_note"])
    audit_event_record(actor=actor_for(user), action=AuditAction.SUPERVISION_ACTION_DONE,
                       object_type="supervision_action", object_id=row.pk, subject_person_id=person.pk,
                       detail={"session": str(discussion.session_id), "record_id": discussion.record_id})
    return row
