"""Concerns from anyone, answered (issue 13): a relative, a neighbour, a whistleblower or a professional tells
the authority something about one or more children; a named responder answers it by a deadline; what was done
is recorded and the raiser can be told.

What this means in practice:
- Who raised it (name, how to reach them) is kept on the `Concern` row only. It is never written to a child's
  record, chronology, alert or audit row; the screens and API show it only to the roles the deployment names
  (`practice.relationships.may_see_raiser`). A concern whose words name the raiser is refused, so that the name
  cannot reach the children's files through the text either.
- Each child named gets a `concern` record of the authority (docs/formats/README.md, "Practice"): the kind of
  raiser only, the concern's words, the responder's role and the deadline. Answering it and telling the raiser
  are new versions of those records, so each child's chronology shows the concern at once and keeps every
  earlier version, and the alert rules see an unanswered concern by its `response_due_at` and `responded_at`.
- The records of one concern are named `JU-CONCERN-<concern id, 32 hex digits>-<n>`, n = 1… for the children
  in the order of their ids, so the concern's records are found by exact key.
- The deadline defaults to the end of the Nth working day after the concern was received (setting
  `concern_response_working_days`, 5 by default; bank holidays in England do not count).
- Two people answering at once: each write names the concern's `revision` it saw; a different one is a
  `Conflict`, never a lost update.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

from django.db import transaction

from joinedup.accounts.models import User
from joinedup.accounts.services import actor_for
from joinedup.audit.actions import AuditAction
from joinedup.audit.services import audit_event_record
from joinedup.casework.clocks import add_working_days, clocks_from_settings, end_of_day
from joinedup.casework.services.recording import (
    Conflict,
    StepInvalid,
    author_role,
    authority_for,
    child_mention,
    lock,
    new_record,
    next_version,
    now,
    write,
)
from joinedup.ingest.models import SourceRecord
from joinedup.people.models import MentionLink, Person
from joinedup.practice.models import Concern, RaisedBy
from joinedup.practice.relationships import CSC_STAFF, may_record_concern, may_respond_concern
from joinedup.practice.settings import practice_settings

TEXT_LIMIT = 4000
NAME_LIMIT = 200
CONTACT_LIMIT = 300
HOW_LIMIT = 300
MAX_CHILDREN = 20
LATE_LIMIT = dt.timedelta(minutes=5)  # clocks differ: "now" from a phone may be a little ahead
RECORD_PREFIX = "JU-CONCERN-"

RAISED_BY: dict[str, str] = dict(RaisedBy.choices)


def _iso(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def response_due(received_at: dt.datetime, *, working_days: int | None = None) -> dt.datetime:
    """When a concern received at `received_at` must be answered by: the end (UK time) of the Nth working day
    after the day it was received. A concern received on Christmas Eve with 5 days is due at the end of the fifth
    working day after the bank holidays."""
    days = practice_settings().concern_response_working_days if working_days is None else working_days
    clocks = clocks_from_settings()
    day = received_at.astimezone(clocks.tz).date()
    return end_of_day(add_working_days(day, days), clocks).replace(microsecond=0)


def record_ids_of(concern: Concern) -> list[str]:
    """The source record ids of the concern's `concern` records, one per child (see the module docstring)."""
    count = concern.children.count()
    return [f"{RECORD_PREFIX}{concern.pk.hex}-{n}" for n in range(1, count + 1)]


def concern_records(concern: Concern) -> list[SourceRecord]:
    """The children's `concern` records of this concern, in the order they were written."""
    ids = record_ids_of(concern)
    rows = {r.source_record_id: r for r in SourceRecord.objects.select_related("current", "agency").filter(
        agency_id=concern.agency_id, source_record_id__in=ids)}
    return [rows[i] for i in ids if i in rows]


def _names_raiser(text: str, name: str, contact: str) -> bool:
    """Whether the words name who raised it (their full name as a phrase, or their contact details)."""
    lowered = text.casefold()
    if name.strip() and re.search(rf"(?<!\w){re.escape(' '.join(name.casefold().split()))}(?!\w)",
                                  " ".join(lowered.split())):
        return True
    contact = contact.strip().casefold()
    return len(contact) >= 5 and contact in lowered


def _moment(value, errors: dict[str, str], name: str, label: str, *, at: dt.datetime,
            not_before: dt.datetime | None = None, not_before_label: str = "") -> dt.datetime | None:
    if value in (None, ""):
        return at
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        value = dt.datetime.combine(value, dt.time(12), tzinfo=clocks_from_settings().tz)
    if not isinstance(value, dt.datetime):
        errors[name] = f"Enter {label} as a real date and time"
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=clocks_from_settings().tz)
    if value > at + LATE_LIMIT:
        errors[name] = f"{label.capitalize()} must be now or in the past"
        return None
    if not_before is not None and value < not_before:
        errors[name] = f"{label.capitalize()} must be on or after {not_before_label}"
        return None
    return value


def _text(value: str, errors: dict[str, str], name: str, *, missing: str, limit: int, what: str) -> str:
    value = (value or "").strip()
    if not value:
        errors[name] = missing
    elif len(value) > limit:
        errors[name] = f"{what} must be {limit:,} characters or fewer"
    return value


def eligible_responder(user: User | None, agency_id) -> bool:
    """A named, active member of the authority's children's social care who can answer a concern."""
    return bool(user is not None and user.is_active and user.agency_id == agency_id and user.role in CSC_STAFF)


def responders_for(agency) -> list[User]:
    """Who may be named to answer a concern at this authority, by name."""
    return list(User.objects.filter(agency=agency, is_active=True, role__in=sorted(CSC_STAFF))
                .select_related("team").order_by("last_name", "first_name", "username"))


@transaction.atomic
def concern_record(*, user: User, raised_by: str, summary: str, children: Sequence[Person],
                   responder: User | None, raiser_name: str = "", raiser_contact: str = "",
                   identity_withheld: bool = True, received_at: dt.datetime | None = None,
                   response_due_at: dt.datetime | dt.date | None = None) -> Concern:
    """Log a concern and write a `concern` record to each child's file. `children` were chosen through the
    person search by the caller; `response_due_at` (a day means the end of that day) defaults to `response_due`."""
    if not may_record_concern(user):
        raise PermissionError("may not record concerns")
    at = now()
    errors: dict[str, str] = {}
    if raised_by not in RAISED_BY:
        errors["raised_by"] = "Select who raised the concern"
    raiser_name = " ".join((raiser_name or "").split())
    raiser_contact = (raiser_contact or "").strip()
    if len(raiser_name) > NAME_LIMIT:
        errors["raiser_name"] = f"Their name must be {NAME_LIMIT} characters or fewer"
    if len(raiser_contact) > CONTACT_LIMIT:
        errors["raiser_contact"] = f"How to reach them must be {CONTACT_LIMIT} characters or fewer"
    if raised_by == RaisedBy.ANONYMOUS and (raiser_name or raiser_contact):
        errors["raiser_name"] = "An anonymous concern has no name or contact: choose who raised it, or leave them empty"
    summary = _text(summary, errors, "summary", missing="Enter what the concern is", limit=TEXT_LIMIT,
                    what="What the concern is")
    if summary and _names_raiser(summary, raiser_name, raiser_contact):
        errors["summary"] = ("The concern names who raised it. Keep their name and contact only in 'Who raised "
                             "it': the concern's words go into each child's records")
    people = list({p.pk: p for p in children}.values())
    if not people:
        errors["children"] = "Choose at least one child the concern is about"
    elif len(people) > MAX_CHILDREN:
        errors["children"] = f"A concern can name at most {MAX_CHILDREN} children"
    authority = authority_for(user)
    if authority is None:
        errors["agency"] = "There is no children's social care agency to log it with"
    if responder is None or (authority is not None and not eligible_responder(responder, authority.pk)):
        errors["responder"] = "Choose who will answer it: a named member of the authority's children's social care"
    received = _moment(received_at, errors, "received_at", "when it was received", at=at)
    due = response_due_at
    if received is not None and due in (None, ""):
        due = response_due(received)
    elif isinstance(due, dt.date) and not isinstance(due, dt.datetime):
        due = end_of_day(due, clocks_from_settings()).replace(microsecond=0)
    if received is not None and isinstance(due, dt.datetime):
        if due.tzinfo is None:
            due = due.replace(tzinfo=clocks_from_settings().tz)
        if due <= received:
            errors["response_due_at"] = "The response deadline must be after the concern was received"
    elif received is not None:
        errors["response_due_at"] = "Enter the response deadline as a real date"
    if errors:
        raise StepInvalid(errors)
    concern = Concern.objects.create(
        agency=authority, received_at=received, raised_by=raised_by, raiser_name=raiser_name,
        raiser_contact=raiser_contact, identity_withheld=bool(identity_withheld), summary=summary,
        responder=responder, response_due_at=due, recorded_at=at, recorded_by=user, revision=0)
    people.sort(key=lambda p: str(p.pk))  # the same lock order everywhere: no deadlock between two writes
    concern.children.set(people)
    keys = []
    for n, person in enumerate(people, start=1):
        person = lock(person)
        payload = new_record(
            agency=authority, kind="concern", mention=child_mention(agency=authority, person=person, new=None),
            detail={"raised_by": raised_by, "text": summary, "responder_role": author_role(responder),
                    "response_due_at": _iso(due)},
            when=received, user=user, now=at)
        payload["source_record_id"] = f"{RECORD_PREFIX}{concern.pk.hex}-{n}"
        write(user=user, payloads=[payload], person=person)
        keys.append(f"{authority.code}:{payload['source_record_id']}")
    audit_event_record(actor=actor_for(user), action=AuditAction.CONCERN_RECORD, object_type="concern",
                       object_id=concern.pk, subject_person_id=people[0].pk if len(people) == 1 else None,
                       detail={"raised_by": raised_by, "identity_withheld": concern.identity_withheld,
                               "children": [str(p.pk) for p in people], "responder": str(responder.pk),
                               "response_due_at": _iso(due), "records": keys})
    return concern


def _locked(user: User, concern_id, revision: int | None) -> Concern:
    concern = Concern.objects.select_for_update().filter(pk=concern_id).first()
    if concern is None or not may_respond_concern(user, concern):
        raise PermissionError("may not answer this concern")
    if revision is not None and revision != concern.revision:
        raise Conflict("Someone else changed this concern while you were working on it. Check what they recorded, "
                       "then record yours again.", current_revision=concern.revision)
    return concern


def _child_of(record: SourceRecord, concern: Concern) -> Person:
    """The child a concern record is linked to now (after any merge), else the child it was written about."""
    link = (MentionLink.objects.filter(mention__record=record, mention__mention_id="m1", person__isnull=False)
            .select_related("person").first())
    person = link.person if link is not None else None
    hops = 0
    while person is not None and person.merged_into_id is not None and hops < 20:
        person = Person.objects.get(pk=person.merged_into_id)
        hops += 1
    if person is None:
        person = concern.children.order_by("id")[0]
    return person


def _version_children(user: User, concern: Concern, detail: dict, at: dt.datetime) -> list[str]:
    """A new version of each child's `concern` record with `detail` changed; returns their keys."""
    keys = []
    records = concern_records(concern)
    people = sorted(((_child_of(r, concern), r) for r in records), key=lambda pr: str(pr[0].pk))
    for person, record in people:
        person = lock(person)
        payload = next_version(record, detail=detail, user=user, now=at)
        write(user=user, payloads=[payload], person=person)
        keys.append(f"{record.agency.code}:{record.source_record_id}")
    return keys


@transaction.atomic
def concern_respond(*, user: User, concern_id, response: str, responded_at: dt.datetime | None = None,
                    revision: int | None) -> Concern:
    """Record what was done about a concern (answering again replaces the answer; each child's record keeps the
    earlier one as an earlier version). `revision` is the concern's revision the responder saw."""
    concern = _locked(user, concern_id, revision)
    at = now()
    errors: dict[str, str] = {}
    response = _text(response, errors, "response", missing="Enter what was done", limit=TEXT_LIMIT,
                     what="What was done")
    if response and _names_raiser(response, concern.raiser_name, concern.raiser_contact):
        errors["response"] = ("What was done names who raised the concern. Leave their name out: the answer goes "
                              "into each child's records")
    when = _moment(responded_at, errors, "responded_at", "when it was answered", at=at,
                   not_before=concern.received_at, not_before_label="when the concern was received")
    if errors:
        raise StepInvalid(errors)
    keys = _version_children(user, concern, {"response": response, "responded_at": _iso(when)}, at)
    concern.response, concern.responded_at, concern.responded_by = response, when, user
    concern.revision += 1
    concern.save(update_fields=["response", "responded_at", "responded_by", "revision"])
    audit_event_record(actor=actor_for(user), action=AuditAction.CONCERN_RESPOND, object_type="concern",
                       object_id=concern.pk, detail={"step": "response", "records": keys,
                                                     "overdue": when > concern.response_due_at})
    return concern


@transaction.atomic
def concern_raiser_told(*, user: User, concern_id, how: str, told_at: dt.datetime | None = None,
                        revision: int | None) -> Concern:
    """Record that the raiser was told what was done: when (in each child's records) and how (on the concern only,
    because how they were reached can say who they are)."""
    concern = _locked(user, concern_id, revision)
    at = now()
    errors: dict[str, str] = {}
    if concern.responded_at is None:
        errors["response"] = "Record what was done before recording that the raiser was told"
    how = _text(how, errors, "how", missing="Say how they were told, for example by telephone", limit=HOW_LIMIT,
                what="How they were told")
    when = _moment(told_at, errors, "told_at", "when they were told", at=at, not_before=concern.received_at,
                   not_before_label="when the concern was received")
    if errors:
        raise StepInvalid(errors)
    keys = _version_children(user, concern, {"raiser_told_at": _iso(when)}, at)
    concern.raiser_told_at, concern.raiser_told_how = when, how
    concern.revision += 1
    concern.save(update_fields=["raiser_told_at", "raiser_told_how", "revision"])
    audit_event_record(actor=actor_for(user), action=AuditAction.CONCERN_RESPOND, object_type="concern",
                       object_id=concern.pk, detail={"step": "raiser_told", "records": keys})
    return concern


__all__ = [
    "RAISED_BY", "concern_raiser_told", "concern_record", "concern_records", "concern_respond",
    "eligible_responder", "record_ids_of", "responders_for", "response_due",
]
