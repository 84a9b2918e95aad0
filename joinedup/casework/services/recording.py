"""How a casework step recorded in joinedup becomes children's social care records (ADR 0008): the records
are built as a case system would send them, checked by the fold, written through the ingest service,
linked to the child the worker chose, and projected. Used by `contacts` and `steps`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.db.models import Q

from joinedup.accounts.models import Agency, AgencyKind, User
from joinedup.accounts.services import actor_for
from joinedup.casework.clocks import clocks_from_settings
from joinedup.casework.lifecycle import Casework, check
from joinedup.casework.projection import casework_records
from joinedup.casework.state import CaseworkRecord
from joinedup.chronology.events import event_from_payload
from joinedup.core.time import utc_now
from joinedup.ingest.models import Mention, SourceRecord
from joinedup.ingest.services import VIA_JOINEDUP, records_ingest
from joinedup.people.models import Person
from joinedup.people.recorded import agency_person_id, mentions_link_recorded

SOURCE_SYSTEM = "joinedup"
SCHEMA = "joinedup.agency-record/1"


class StepInvalid(ValueError):
    """What the worker entered is incomplete or wrong: each field named with its problem."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class Conflict(Exception):
    """Someone else changed the case (or contact) since the worker loaded it."""

    def __init__(self, message: str, *, current_revision: int):
        super().__init__(message)
        self.message = message
        self.current_revision = current_revision


@dataclass(frozen=True)
class NewPerson:
    """A child nobody has recorded yet, as the worker or partner describes them."""

    given_name: str = ""
    family_name: str = ""
    dob: dt.date | None = None
    sex: str = ""
    nhs_number: str = ""
    postcode: str = ""
    address_line: str = ""


def authority_for(user: User) -> Agency | None:
    """The children's social care agency a user records for: their own, or (a partner) the authority's."""
    if user.agency_id and user.agency.kind == AgencyKind.CHILDRENS_SOCIAL_CARE:
        return user.agency
    return Agency.objects.filter(kind=AgencyKind.CHILDRENS_SOCIAL_CARE, is_active=True).order_by("name").first()


def author_role(user: User) -> str:
    return user.job_title or user.get_role_display() or ""


def _iso(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def child_mention(*, agency: Agency, person: Person | None, new: NewPerson | None) -> dict[str, Any]:
    """The child as this record names them: the authority's id for them and what joinedup knows of them."""
    mention: dict[str, Any] = {"mention_id": "m1", "role": "subject"}
    if person is not None:
        mention["local_person_id"] = agency_person_id(person=person, agency_code=agency.code)
        values = {"given_name": person.given_name, "family_name": person.family_name,
                  "dob": person.dob.isoformat() if person.dob else "", "sex": person.sex,
                  "nhs_number": person.nhs_number}
    else:
        new = new or NewPerson()
        mention["local_person_id"] = f"JU{uuid.uuid4().hex[:16].upper()}"
        values = {"given_name": new.given_name, "family_name": new.family_name,
                  "dob": new.dob.isoformat() if new.dob else "", "sex": new.sex, "nhs_number": new.nhs_number}
        if new.postcode or new.address_line:
            mention["address"] = {"lines": [new.address_line] if new.address_line else [],
                                  "postcode": new.postcode or None}
    mention.update({k: v for k, v in values.items() if v})
    if not any(mention.get(k) for k in ("given_name", "family_name")):
        mention["relationship_label"] = "child"
    return mention


def new_record(*, agency: Agency, kind: str, mention: dict, detail: dict, when: dt.date | dt.datetime,
               ended_on: dt.date | None = None, user: User, now: dt.datetime) -> dict[str, Any]:
    """A first version, as a case system would send it."""
    record: dict[str, Any] = {
        "schema": SCHEMA, "agency_id": agency.code, "source_system": SOURCE_SYSTEM,
        "source_record_id": f"JU-{uuid.uuid4().hex[:20]}", "version": 1, "kind": kind,
        "recorded_at": _iso(now), "mentions": [mention],
        "detail": {**{k: v for k, v in detail.items() if v not in (None, "", [])}, "author_role": author_role(user)},
    }
    if isinstance(when, dt.datetime):
        record["occurred_at"] = _iso(when)
    else:
        record["occurred_on"] = when.isoformat()
    if ended_on is not None:
        record["ended_on"] = ended_on.isoformat()
    return record


def next_version(record: SourceRecord, *, detail: dict | None = None, ended_on: dt.date | None = None,
                 user: User, now: dt.datetime) -> dict[str, Any]:
    """The next version of a record joinedup wrote, with detail changed (None values removed) or an end."""
    payload = dict(record.current.payload)
    if payload.get("source_system") != SOURCE_SYSTEM:
        raise StepInvalid({"": f"This {record.kind.replace('_', ' ')} came from {payload.get('source_system')}, "
                               "the authority's case system: record the change there."})
    merged = dict(payload.get("detail") or {})
    for key, value in (detail or {}).items():
        if value in (None, "", []):
            merged.pop(key, None)
        else:
            merged[key] = value
    merged["author_role"] = author_role(user)
    payload.update({"version": int(payload["version"]) + 1, "amended_at": _iso(now), "detail": merged})
    if ended_on is not None:
        payload["ended_on"] = ended_on.isoformat()
    return payload


def as_fold_record(payload: dict, *, record_pk: int | None = None, versions: int = 1) -> CaseworkRecord:
    """A record about to be written, as the fold will read it once stored."""
    event = event_from_payload(payload, mention_ids={"m1"}, record_pk=record_pk, versions_received=versions)
    return CaseworkRecord.from_event(event)


def lock(person: Person) -> Person:
    """Hold the child's row until the transaction ends: one step at a time per child."""
    return Person.objects.select_for_update().get(pk=person.pk)


def current(person: Person) -> list[CaseworkRecord]:
    return casework_records([person.pk]).get(person.pk, [])


def checked(existing: list[CaseworkRecord], payloads: Iterable[dict]) -> Casework:
    """Fold the child's records with the ones about to be written; `Refused` says why a step is not allowed."""
    by_key = {r.key: r for r in existing}
    new = []
    for p in payloads:
        key = f"{p['agency_id']}:{p['source_record_id']}"
        old = by_key.get(key)
        new.append(as_fold_record(p, record_pk=old.record_pk if old else None,
                                  versions=(old.versions + 1) if old else 1))
    return check(existing, new, clocks=clocks_from_settings())


def write(*, user: User, payloads: list[dict], person: Person | None) -> tuple[Person, list[int]]:
    """Store the records (through ingest), link their child mention to the person (a new person when None),
    project the child's casework and let the alert rules see it. Returns the person and the record ids."""
    actor = actor_for(user)
    result = records_ingest(actor=actor, records=payloads, via=VIA_JOINEDUP)
    refused = [o for o in result.outcomes if o.status == "refused"]
    if refused:  # built by joinedup itself: a refusal is a fault, not the worker's input
        raise RuntimeError(f"casework record refused by ingest: {refused[0].errors}")
    keys = [(p["agency_id"], p["source_record_id"]) for p in payloads]
    query = Q(pk__in=[])
    for code, srid in keys:
        query |= Q(agency__code=code, source_record_id=srid)
    record_ids = list(SourceRecord.objects.filter(query).values_list("pk", flat=True))
    child_mentions = list(Mention.objects.filter(pk__in=result.mention_ids, mention_id="m1", record_id__in=record_ids)
                          .values_list("pk", flat=True))
    # Sends persons_linked: the casework receiver projects the child, the alert rules evaluate them.
    person = mentions_link_recorded(mention_ids=child_mentions, person=person, user=user, actor=actor)
    return Person.objects.get(pk=person.pk), record_ids  # names and dates as linking refreshed them


def record_of(key: str) -> SourceRecord:
    code, srid = key.split(":", 1)
    return SourceRecord.objects.select_related("current").get(agency__code=code, source_record_id=srid)


def today() -> dt.date:
    return dt.datetime.now(clocks_from_settings().tz).date()


_RECORDED_AT: ContextVar[dt.datetime | None] = ContextVar("joinedup_recorded_at", default=None)


@contextmanager
def recorded_as_of(moment: dt.datetime) -> Iterator[None]:
    """Within it, casework and practice services date what they store (recorded, approved, done, answered) at
    `moment` rather than now: loading a simulated authority's history (`joinedup demo`). The audit trail and
    ingest keep the real time. A context variable: other threads and requests are unaffected."""
    token = _RECORDED_AT.set(moment)
    try:
        yield
    finally:
        _RECORDED_AT.reset(token)


def now() -> dt.datetime:
    """When a casework or practice service stores something: now, or the moment of `recorded_as_of`."""
    return _RECORDED_AT.get() or utc_now()
