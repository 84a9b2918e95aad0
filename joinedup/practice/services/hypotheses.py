"""Working hypotheses and categories of concern (issue 13): the opposite of early, fixed categorisation.

A worker writes what they think may be happening to a child as a hypothesis, with the chronology entries that
support it and those that count against it, and revises it as the picture changes; competing hypotheses are held
side by side. Each hypothesis is a `hypothesis` record of the authority and every revision a new version of it
(statement, status `open`/`supported`/`refuted`/`withdrawn`, `evidence_for`, `evidence_against`, `text` = why),
so the child's chronology shows it and every earlier version stays readable. The child's categories of concern
are one `concern_category` record, a new version at each change (`categories`, `text` = why).

Both are written through the casework recording helpers (ADR 0008) under the child's row lock; a revision names
the version it was based on and a different one is a `Conflict`, never a lost update.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction

from joinedup.accounts.models import User
from joinedup.accounts.services import actor_for
from joinedup.audit.actions import AuditAction
from joinedup.audit.services import audit_event_record
from joinedup.casework.services.recording import (
    Conflict,
    StepInvalid,
    authority_for,
    child_mention,
    lock,
    new_record,
    next_version,
    now,
    write,
)
from joinedup.ingest.models import SourceRecord
from joinedup.people.models import Person
from joinedup.practice.relationships import may_write_hypothesis
from joinedup.practice.selectors.hypotheses import (
    CATEGORIES,
    HYPOTHESIS_STATUSES,
    category_record,
    child_practice_records,
    evidence_events,
)

STATEMENT_LIMIT = 2000
WHY_LIMIT = 4000
EVIDENCE_LIMIT = 100


@dataclass(frozen=True)
class Written:
    """A hypothesis or a set of categories as written: its record and the version now current."""

    record_pk: int
    key: str
    version: int


def _iso(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _evidence(values: Iterable, known: set[str], errors: dict[str, str], name: str, what: str) -> list[str]:
    keys = [str(v).strip() for v in values or [] if str(v).strip()]
    keys = list(dict.fromkeys(keys))
    if len(keys) > EVIDENCE_LIMIT:
        errors[name] = f"Choose at most {EVIDENCE_LIMIT} entries as evidence {what}"
    elif any(k not in known for k in keys):
        errors[name] = f"Choose the evidence {what} from this child's chronology entries"
    return keys


def _hypothesis_fields(person: Person, *, statement: str, status: str, evidence_for, evidence_against, why: str,
                       why_required: bool) -> tuple[dict, dict[str, str]]:
    errors: dict[str, str] = {}
    statement = (statement or "").strip()
    if not statement:
        errors["statement"] = "Enter the hypothesis: what you think may be happening"
    elif len(statement) > STATEMENT_LIMIT:
        errors["statement"] = f"The hypothesis must be {STATEMENT_LIMIT:,} characters or fewer"
    if status not in HYPOTHESIS_STATUSES:
        errors["status"] = "Select whether it is open, supported, refuted or withdrawn"
    known = set(evidence_events(person))
    for_ = _evidence(evidence_for, known, errors, "evidence_for", "for it")
    against = _evidence(evidence_against, known, errors, "evidence_against", "against it")
    both = [k for k in for_ if k in against]
    if both and "evidence_against" not in errors:
        errors["evidence_against"] = "An entry cannot be evidence both for and against the same hypothesis"
    why = (why or "").strip()
    if why_required and not why:
        errors["why"] = "Say why you are revising it"
    elif len(why) > WHY_LIMIT:
        errors["why"] = f"Why must be {WHY_LIMIT:,} characters or fewer"
    detail = {"statement": statement, "status": status, "evidence_for": for_, "evidence_against": against,
              "text": why}
    return detail, errors


def _allowed(user: User, person: Person) -> None:
    if not may_write_hypothesis(user, person):
        raise PermissionError("may not write hypotheses about this child")


def _written(payload: dict, record_ids: list[int]) -> Written:
    return Written(record_pk=record_ids[0], key=f"{payload['agency_id']}:{payload['source_record_id']}",
                   version=int(payload["version"]))


def _audit(user: User, action: str, person: Person, written: Written, **detail) -> None:
    audit_event_record(actor=actor_for(user), action=action, object_type="source_record",
                       object_id=written.record_pk, subject_person_id=person.pk,
                       detail={"record": written.key, "version": written.version, **detail})


@transaction.atomic
def hypothesis_write(*, user: User, person: Person, statement: str, status: str = "open", evidence_for=(),
                     evidence_against=(), why: str = "") -> Written:
    """A new working hypothesis about the child (`why`: what led to it, optional)."""
    _allowed(user, person)
    person = lock(person)
    detail, errors = _hypothesis_fields(person, statement=statement, status=status, evidence_for=evidence_for,
                                        evidence_against=evidence_against, why=why, why_required=False)
    authority = authority_for(user)
    if authority is None:
        errors["agency"] = "There is no children's social care agency to record it for"
    if errors:
        raise StepInvalid(errors)
    at = now()
    payload = new_record(agency=authority, kind="hypothesis",
                         mention=child_mention(agency=authority, person=person, new=None), detail=detail, when=at,
                         user=user, now=at)
    _, record_ids = write(user=user, payloads=[payload], person=person)
    written = _written(payload, record_ids)
    _audit(user, AuditAction.HYPOTHESIS_RECORD, person, written, status=detail["status"], revised=False)
    return written


def _own_record(records: list[SourceRecord], record_pk: int) -> SourceRecord:
    record = next((r for r in records if r.pk == record_pk), None)
    if record is None:
        raise PermissionError("not one of this child's records")
    return record


@transaction.atomic
def hypothesis_revise(*, user: User, person: Person, record_pk: int, statement: str, status: str, evidence_for=(),
                      evidence_against=(), why: str, revision: int | None) -> Written:
    """A new version of one of the child's hypotheses. `revision` is the version the worker saw (None: do not
    check); `why` says what changed."""
    _allowed(user, person)
    person = lock(person)
    record = _own_record(child_practice_records(person, "hypothesis"), record_pk)
    current_version = int(record.current.payload.get("version", 1))
    if revision is not None and revision != current_version:
        raise Conflict("Someone else revised this hypothesis while you were working on it. Read their revision, "
                       "then make yours again.", current_revision=current_version)
    detail, errors = _hypothesis_fields(person, statement=statement, status=status, evidence_for=evidence_for,
                                        evidence_against=evidence_against, why=why, why_required=True)
    if record.agency_id != user.agency_id:
        errors[""] = "This hypothesis was written by another authority: revise it there"
    if errors:
        raise StepInvalid(errors)
    payload = next_version(record, detail=detail, user=user, now=now())
    _, record_ids = write(user=user, payloads=[payload], person=person)
    written = _written(payload, record_ids)
    _audit(user, AuditAction.HYPOTHESIS_RECORD, person, written, status=detail["status"], revised=True)
    return written


@transaction.atomic
def categories_set(*, user: User, person: Person, categories: Iterable[str], why: str,
                   revision: int | None) -> Written:
    """Set or change the child's categories of concern, saying why; the earlier sets are kept as earlier versions.
    `revision` is the version the worker saw (0 when the child had none; None: do not check)."""
    _allowed(user, person)
    person = lock(person)
    authority = authority_for(user)
    if authority is None:
        raise StepInvalid({"agency": "There is no children's social care agency to record it for"})
    record = category_record(person, authority.pk)
    current_version = int(record.current.payload.get("version", 1)) if record is not None else 0
    if revision is not None and revision != current_version:
        raise Conflict("Someone else changed this child's categories while you were working on them. Read the "
                       "change, then make yours again.", current_revision=current_version)
    errors: dict[str, str] = {}
    chosen = [str(c) for c in categories or []]
    if any(c not in CATEGORIES for c in chosen):
        errors["categories"] = "Select categories from the list"
    chosen = [c for c in CATEGORIES if c in chosen]  # the list's order, each once
    before = (record.current.payload.get("detail") or {}).get("categories") or [] if record is not None else []
    if "categories" not in errors:
        if not chosen and record is None:
            errors["categories"] = "Select at least one category of concern"
        elif record is not None and set(chosen) == set(before):
            errors["categories"] = "These are the categories already recorded: change at least one"
    why = (why or "").strip()
    if not why:
        errors["why"] = "Say why the categories are changing" if record is not None else "Say why"
    elif len(why) > WHY_LIMIT:
        errors["why"] = f"Why must be {WHY_LIMIT:,} characters or fewer"
    if errors:
        raise StepInvalid(errors)
    at = now()
    detail = {"categories": chosen, "text": why}
    if record is None:
        payload = new_record(agency=authority, kind="concern_category",
                             mention=child_mention(agency=authority, person=person, new=None), detail=detail,
                             when=at, user=user, now=at)
    else:
        payload = next_version(record, detail=detail, user=user, now=at)
        payload["occurred_at"] = _iso(at)  # each set is in the chronology from the day it was made
        payload.pop("occurred_on", None)
    _, record_ids = write(user=user, payloads=[payload], person=person)
    written = _written(payload, record_ids)
    _audit(user, AuditAction.CATEGORY_CHANGE, person, written, count=len(chosen))
    return written
