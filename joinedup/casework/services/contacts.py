"""The front door's writes: a contact recorded (by the front door, a social worker, or a partner making a
referral), rated, and decided within one working day; a decision to assess or to hold a strategy discussion
makes it a referral and opens a case. The partner who made it is told the outcome."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from django.db import transaction

from joinedup.accounts.models import AgencyKind, User
from joinedup.accounts.services import actor_for
from joinedup.audit.actions import AuditAction
from joinedup.audit.services import audit_event_record
from joinedup.casework import codes
from joinedup.casework.clocks import clocks_from_settings
from joinedup.casework.lifecycle import Refused, d
from joinedup.casework.models import Notice
from joinedup.casework.projection import case_uuid
from joinedup.casework.relationships import may_decide_contact, may_make_referral, may_record_contact
from joinedup.casework.services.recording import (
    Conflict,
    NewPerson,
    StepInvalid,
    author_role,
    authority_for,
    checked,
    child_mention,
    current,
    lock,
    new_record,
    next_version,
    now,
    record_of,
    write,
)
from joinedup.casework.state import ContactState
from joinedup.people.models import Person

TEXT_LIMIT = 4000
RECEIVED_LIMIT = dt.timedelta(days=30)  # a contact may be recorded up to this long after it was received

# The census source of a partner's own referral, by the kind of agency they work in.
SOURCE_OF_AGENCY = {
    AgencyKind.SCHOOL: "2A", AgencyKind.GP_PRACTICE: "3A", AgencyKind.COMMUNITY_HEALTH: "3B",
    AgencyKind.ACUTE_HOSPITAL: "3E", AgencyKind.AMBULANCE: "3F", AgencyKind.HOUSING_AUTHORITY: "4",
    AgencyKind.HOUSING_ASSOCIATION: "4", AgencyKind.CHILDRENS_SOCIAL_CARE: "5A", AgencyKind.FAMILY_SUPPORT: "8",
    AgencyKind.POLICE: "6", AgencyKind.PROBATION: "7", AgencyKind.LA_LEGAL: "7",
}
AGENCY_SOURCES = {k: v for k, v in codes.REFERRAL_SOURCES.items() if k[0] in "2345678" or k == "10"}


@dataclass(frozen=True)
class ContactResult:
    contact: ContactState
    person: Person
    record_pk: int
    case_id: uuid.UUID | None = None


def _contact_state(person: Person, key: str) -> ContactState | None:
    from joinedup.casework.clocks import clocks_from_settings
    from joinedup.casework.lifecycle import fold

    return fold(current(person), clocks=clocks_from_settings()).contact(key)


@transaction.atomic
def contact_record(*, user: User, person: Person | None, new_person: NewPerson | None = None, raised_by: str,
                   source_code: str = "", raised_by_name: str = "", text: str, rag: str = "",
                   received_at: dt.datetime | None = None) -> ContactResult:
    """A contact received by the front door (or a partner's referral made in joinedup), about one child."""
    partner = may_make_referral(user)
    if not (partner or may_record_contact(user)):
        raise PermissionError("may not record contacts")
    at = now()
    errors: dict[str, str] = {}
    if person is None and (new_person is None or not (new_person.given_name or new_person.family_name)):
        errors["person"] = "Choose the child, or give a new child's name"
    if partner:
        raised_by = "agency"
        source_code = SOURCE_OF_AGENCY.get(user.agency.kind, "8")
        raised_by_name = raised_by_name or f"{author_role(user)}, {user.agency.name}"
    if raised_by not in codes.RAISED_BY:
        errors["raised_by"] = "Select who raised the concern"
    elif raised_by == "agency":
        if source_code not in AGENCY_SOURCES:
            errors["source_code"] = "Select which kind of agency raised it"
    else:
        source_code = codes.RAISED_BY_SOURCE[raised_by]
    text = (text or "").strip()
    if not text:
        errors["text"] = "Enter what the concern is"
    elif len(text) > TEXT_LIMIT:
        errors["text"] = f"What the concern is must be {TEXT_LIMIT:,} characters or fewer"
    if rag and rag not in codes.RAG_RATINGS:
        errors["rag"] = "Select red, amber or green"
    received = received_at or at
    if received > at + dt.timedelta(minutes=5):
        errors["received_at"] = "When it was received must be now or earlier"
    elif at - received > RECEIVED_LIMIT:
        errors["received_at"] = "A contact received more than 30 days ago cannot be recorded as new"
    authority = authority_for(user)
    if authority is None:
        errors["agency"] = "There is no children's social care agency to send it to"
    if errors:
        raise StepInvalid(errors)
    detail = {
        "code": "contact", "raised_by": raised_by, "source_code": source_code, "raised_by_name": raised_by_name.strip(),
        "text": text, "rag": rag, "rag_at": at.isoformat().replace("+00:00", "Z") if rag else None,
    }
    if partner:
        # The child as the partner described them: what their referrals page and notices show, so a partner never
        # learns from joinedup a name or date of birth they did not give.
        detail.update({"referrer": user.username, "referrer_agency": user.agency.code,
                       "referred_as": _described(new_person)})
    if person is not None:
        person = lock(person)
    payload = new_record(agency=authority, kind="csc_contact", mention=child_mention(
        agency=authority, person=person, new=None if person is not None else new_person), detail=detail,
        when=received, user=user, now=at)
    existing = current(person) if person is not None else []
    checked(existing, [payload])
    person, record_ids = write(user=user, payloads=[payload], person=person)
    key = f"{authority.code}:{payload['source_record_id']}"
    contact = _contact_state(person, key)
    audit_event_record(actor=actor_for(user), action=AuditAction.CONTACT_RECORD, object_type="contact",
                       object_id=record_ids[0], subject_person_id=person.pk,
                       detail={"raised_by": raised_by, "source_code": source_code, "rag": rag, "partner": partner})
    return ContactResult(contact, person, record_ids[0],
                         case_uuid(contact.case_key) if contact and contact.case_key else None)


def _described(new: NewPerson | None) -> str:
    if new is None:
        return ""
    name = f"{new.given_name} {new.family_name}".strip()
    parts = [name] if name else []
    if new.dob:
        parts.append(f"born {new.dob.day} {new.dob:%B %Y}")
    if new.nhs_number:
        parts.append(f"NHS number {new.nhs_number}")
    return ", ".join(parts)[:200]


def _open_contact(*, user: User, person: Person, record_pk: int, revision: int | None):
    from joinedup.ingest.models import SourceRecord

    record = SourceRecord.objects.select_related("current", "agency").filter(pk=record_pk).first()
    if record is None:
        raise StepInvalid({"contact": "There is no such contact"})
    if record.agency_id != user.agency_id:  # another authority's front door
        raise PermissionError("may not rate or decide another authority's contacts")
    key = f"{record.agency.code}:{record.source_record_id}"
    existing = current(person)
    from joinedup.casework.clocks import clocks_from_settings
    from joinedup.casework.lifecycle import fold

    state = fold(existing, clocks=clocks_from_settings())
    contact = state.contact(key)
    if contact is None:
        raise StepInvalid({"contact": "This contact is not about this child"})
    if revision is not None and revision != contact.revision:
        raise Conflict("Someone else changed this contact while you were looking at it. Check what they recorded, "
                       "then decide again.", current_revision=contact.revision)
    return record, existing, state, contact


@transaction.atomic
def contact_rate(*, user: User, person: Person, record_pk: int, rag: str, revision: int | None) -> ContactState:
    """Rate a contact red, amber or green: its RAG clock starts from when it was received."""
    if not may_decide_contact(user):
        raise PermissionError("may not rate contacts")
    if rag not in codes.RAG_RATINGS:
        raise StepInvalid({"rag": "Select red, amber or green"})
    person = lock(person)
    record, existing, _, contact = _open_contact(user=user, person=person, record_pk=record_pk, revision=revision)
    if not contact.is_open:
        raise Refused(f"This contact was decided on {d(contact.decided_at.date())}: its rating no longer changes.")
    at = now()
    payload = next_version(record, detail={"rag": rag, "rag_at": at.isoformat().replace("+00:00", "Z")}, user=user,
                           now=at)
    checked(existing, [payload])
    write(user=user, payloads=[payload], person=person)
    audit_event_record(actor=actor_for(user), action=AuditAction.CONTACT_RATE, object_type="contact",
                       object_id=record_pk, subject_person_id=person.pk, detail={"rag": rag})
    return _contact_state(person, contact.key)


@transaction.atomic
def contact_decide(*, user: User, person: Person, record_pk: int, decision: str, reason: str = "",
                   primary_need: str = "", revision: int | None) -> ContactResult:
    """The front door's decision. Assessment or a strategy discussion makes the contact a referral: a case opens
    (or the child's open case continues), and an assessment starts today when that is the decision."""
    if not may_decide_contact(user):
        raise PermissionError("may not decide contacts")
    errors = {}
    if decision not in codes.CONTACT_DECISIONS:
        errors["decision"] = "Select what happens next"
    if primary_need and primary_need not in codes.PRIMARY_NEEDS:
        errors["primary_need"] = "Select a primary need code from the list"
    if len(reason or "") > TEXT_LIMIT:
        errors["reason"] = f"The reason must be {TEXT_LIMIT:,} characters or fewer"
    if errors:
        raise StepInvalid(errors)
    person = lock(person)
    record, existing, state, contact = _open_contact(user=user, person=person, record_pk=record_pk, revision=revision)
    if not contact.is_open:
        raise Refused(f"This contact was decided already ({contact.decision_label.lower()}, "
                      f"{d(contact.decided_at.astimezone(clocks_from_settings().tz).date())}).")
    at = now()
    payloads = [next_version(record, detail={
        "decision": decision, "decided_at": at.isoformat().replace("+00:00", "Z"),
        "decided_by_role": author_role(user), "decision_reason": (reason or "").strip(),
    }, user=user, now=at)]
    case_key = ""
    if decision in codes.REFERRAL_DECISIONS:
        authority = record.agency
        mention = child_mention(agency=authority, person=person, new=None)
        open_case = state.open_case(authority.code)
        if open_case is None:
            case_ref = f"JU-C-{uuid.uuid4().hex[:16]}"
            case_key = f"{authority.code}:{case_ref}"
            payloads.append(new_record(agency=authority, kind="referral", mention=mention, when=contact.received_at,
                                       detail={"code": "referral", "case_id": case_ref, "source_code": contact.source_code,
                                               "primary_need": primary_need, "route": decision,
                                               "contact_id": record.source_record_id}, user=user, now=at))
        else:
            case_ref, case_key = open_case.case_ref, open_case.key
        if decision == "assessment" and (open_case is None or open_case.open_assessment() is None):
            from joinedup.casework.services.recording import today

            payloads.append(new_record(agency=authority, kind="assessment", mention=mention, when=today(),
                                       detail={"code": "single_assessment", "case_id": case_ref}, user=user, now=at))
    checked(existing, payloads)
    write(user=user, payloads=payloads, person=person)
    decided = _contact_state(person, contact.key)
    if contact.referrer:
        _tell_referrer(contact, decided, person, at)
    audit_event_record(actor=actor_for(user), action=AuditAction.CONTACT_DECIDE, object_type="contact",
                       object_id=record_pk, subject_person_id=person.pk, reason=(reason or "").strip()[:500],
                       detail={"decision": decision, "case": case_key})
    return ContactResult(decided, person, record_pk, case_uuid(case_key) if case_key else None)


def _tell_referrer(contact: ContactState, decided: ContactState | None, person: Person, at: dt.datetime) -> None:
    referrer = User.objects.filter(username=contact.referrer, is_active=True).first()
    if referrer is None:
        return
    label = codes.label(codes.CONTACT_DECISIONS, decided.decision if decided else "")
    about = contact.referred_as or "a child"
    received = contact.received_at.astimezone(clocks_from_settings().tz)
    text = f"Your referral of {received.day} {received:%B %Y} about {about} has been decided: {label.lower()}."
    Notice.objects.create(recipient=referrer, person=person, kind="referral_outcome", text=text[:500], created_at=at)


def record_key_of(record_pk: int) -> str:
    from joinedup.ingest.models import SourceRecord

    code, srid = SourceRecord.objects.filter(pk=record_pk).values_list("agency__code", "source_record_id").get()
    return f"{code}:{srid}"


__all__ = ["ContactResult", "contact_decide", "contact_rate", "contact_record", "record_key_of", "record_of"]
