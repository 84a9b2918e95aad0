"""Minutes of meetings where dissent is recorded (issue 13): strategy discussions, conferences, core groups and
safeguarding partnership meetings.

What this means in practice:
- Minutes are started (`meeting_start`: kind, title, when, chair; for a meeting about children, the child's case
  or the children), then written as a draft (`meeting_draft_update`): who attended (agency, role, present or
  apologies), the items, each item's decisions, and where every attendee stood on each decision — agreed,
  abstained, or dissented *with their reason* (a dissent without its reason is refused, naming the field).
- Every draft edit names the revision it was based on; a different revision is a `Conflict`, never a lost update.
- Approval (`meeting_approve`) locks the minutes: from then on every edit is refused with `MinutesLocked`, whose
  sentence says that a correction makes a new version. A correction (`meeting_correct`) is a new draft version
  copying everything; the old version is kept, and marked superseded when the correction is approved.
- On approval of minutes about children, each child's file gets one `meeting_minutes` record (docs/formats,
  "Practice") written through the casework recording helpers, so the decisions and every dissent with its reason
  are in each child's chronology at once and seen by the alert rules. A correction's approval writes the next
  version of those records. Partnership meetings have no children and write no record.
- A dissent in approved minutes can be escalated under the partnership's resolution protocol
  (`meetings_escalation`).

The database does not (yet) refuse changes to approved minutes' rows by itself (only a dissent without its
reason, by a check constraint): these services are the only writers, and each locks the meeting's row and checks
its status before changing anything.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from joinedup.accounts.models import User
from joinedup.accounts.services import actor_for
from joinedup.audit.actions import AuditAction
from joinedup.audit.services import audit_event_record
from joinedup.casework.lifecycle import Refused
from joinedup.casework.models import Case
from joinedup.casework.relationships import may_view_case, may_view_chronology
from joinedup.casework.services.recording import (
    Conflict,
    StepInvalid,
    child_mention,
    lock,
    new_record,
    next_version,
    now,
    write,
)
from joinedup.ingest.models import Mention, SourceRecord
from joinedup.people.models import Person
from joinedup.practice.models import (
    DissentEscalation,
    Meeting,
    MeetingAttendee,
    MeetingDecision,
    MeetingItem,
    MeetingKind,
    MeetingPosition,
    MinutesStatus,
    Stance,
)
from joinedup.practice.relationships import may_approve_meeting, may_record_meeting, may_view_meeting
from joinedup.practice.services.meetings_input import (
    NAME_LIMIT,
    AttendeeIn,
    DecisionIn,
    ItemIn,
    PositionIn,
    document,
    moment,
    text,
)

CHILD_KINDS = frozenset({MeetingKind.STRATEGY_DISCUSSION, MeetingKind.INITIAL_CONFERENCE,
                         MeetingKind.REVIEW_CONFERENCE, MeetingKind.CORE_GROUP})
RECORD_KIND = "meeting_minutes"
LOCKED_SENTENCE = ("These minutes are approved and locked, so they cannot be changed. A correction makes a new "
                   "version and keeps this one: choose 'Correct these minutes'.")


class MinutesLocked(Refused):
    """Approved (or superseded) minutes were about to be changed: the sentence says a correction is the way."""

    def __init__(self, sentence: str = LOCKED_SENTENCE):
        super().__init__(sentence)


class CorrectionUnderway(Refused):
    """A correction of these minutes is already being drafted: `meeting_id` names it, to continue it."""

    def __init__(self, sentence: str, *, meeting_id):
        super().__init__(sentence)
        self.meeting_id = meeting_id


# --- who may do what --------------------------------------------------------------------------------------------


def row_or_none(queryset, pk):
    """The row with this key, or None (a key that is not even well formed names nothing)."""
    if not pk:
        return None
    try:
        return queryset.filter(pk=pk).first()
    except (ValueError, TypeError, ValidationError):
        return None


def children_of(meeting: Meeting) -> list[Person]:
    return list(meeting.children.order_by("pk"))


def may_write(user: User, meeting: Meeting) -> bool:
    return may_record_meeting(user, meeting.kind) and may_view_meeting(user, meeting, children_of(meeting))


def locked_meeting(meeting_id) -> Meeting:
    meeting = row_or_none(Meeting.objects.select_for_update(), meeting_id)
    if meeting is None:
        raise PermissionError("no such meeting")
    return meeting


def _refuse_unless_draft(meeting: Meeting) -> None:
    if meeting.status == MinutesStatus.SUPERSEDED:
        later = Meeting.objects.filter(series=meeting.series).order_by("-version").first()
        raise MinutesLocked(f"These minutes (version {meeting.version}) were corrected by version {later.version} "
                            "and are kept unchanged. Correct the latest version if something is still wrong.")
    if meeting.status != MinutesStatus.DRAFT:
        raise MinutesLocked()


def _audit(user: User, action: str, meeting: Meeting, **detail) -> None:
    children = [str(pk) for pk in meeting.children.order_by("pk").values_list("pk", flat=True)]
    audit_event_record(actor=actor_for(user), action=action, object_type="meeting", object_id=meeting.pk,
                       subject_person_id=children[0] if children else None,
                       detail={"series": str(meeting.series), "version": meeting.version, "kind": meeting.kind,
                               "children": children, **detail})


# --- minutes ----------------------------------------------------------------------------------------------------


@transaction.atomic
def meeting_start(*, user: User, kind: str, title: str, held_at: Any, chair: str = "", case_id=None,
                  children: list | tuple = ()) -> Meeting:
    """Start a meeting's minutes (a draft). A meeting about children names the child's case (the child) and/or the
    children by id; each must be a child the recorder has a relationship with (otherwise `PermissionError`, as
    if they did not exist). A partnership meeting names no child."""
    errors: dict[str, str] = {}
    if kind not in MeetingKind.values:
        errors["kind"] = "Select what kind of meeting it was"
    elif not may_record_meeting(user, kind) or user.agency_id is None:
        raise PermissionError("may not record this kind of meeting")
    title = text(title, "title", errors, required="Enter the meeting's title", limit=NAME_LIMIT)
    held = moment(held_at, "held_at", errors, label="the meeting was held")
    chair = text(chair, "chair", errors, limit=NAME_LIMIT)
    persons: list[Person] = []
    case = None
    if kind == MeetingKind.PARTNERSHIP:
        if case_id or children:
            errors["children"] = ("A safeguarding partnership meeting is not about named children: start a child's "
                                  "meeting from their case")
    elif kind in CHILD_KINDS:
        if case_id:
            case = row_or_none(Case.objects.select_related("person").filter(agency_id=user.agency_id), case_id)
            if case is None or not may_view_case(user, case.person):
                raise PermissionError("no such case")
            persons.append(case.person)
        for person_id in children:
            person = row_or_none(Person.objects.filter(merged_into__isnull=True), person_id)
            if person is None or not may_view_chronology(user, person):
                raise PermissionError("no such child")
            if person not in persons:
                persons.append(person)
        if not persons:
            errors["children"] = "Name the child the meeting was about: start the minutes from the child's case"
    if errors:
        raise StepInvalid(errors)
    at = now()
    meeting = Meeting.objects.create(agency_id=user.agency_id, kind=kind, title=title, held_at=held, chair=chair,
                                     case=case, created_at=at, created_by=user)
    meeting.children.set(persons)
    _audit(user, AuditAction.MEETING_RECORD, meeting, what="started")
    return meeting


def _replace_rows(meeting: Meeting, attendees: list[AttendeeIn], items: list[ItemIn]) -> None:
    """The draft's rows become exactly the document (a draft's rows are nobody else's: nothing points at them)."""
    MeetingPosition.objects.filter(decision__item__meeting=meeting).delete()
    MeetingDecision.objects.filter(item__meeting=meeting).delete()
    MeetingItem.objects.filter(meeting=meeting).delete()
    MeetingAttendee.objects.filter(meeting=meeting).delete()
    MeetingAttendee.objects.bulk_create([
        MeetingAttendee(meeting=meeting, name=a.name, agency_name=a.agency, role=a.role, present=a.present, order=n)
        for n, a in enumerate(attendees)])
    rows = list(MeetingAttendee.objects.filter(meeting=meeting).order_by("order"))  # keys on every database
    positions = []
    for i, item in enumerate(items):
        item_row = MeetingItem.objects.create(meeting=meeting, order=i, title=item.title, discussion=item.discussion)
        for j, d in enumerate(item.decisions):
            decision = MeetingDecision.objects.create(item=item_row, order=j, text=d.text)
            positions += [MeetingPosition(decision=decision, attendee=rows[p.attendee], stance=p.stance,
                                          reason=p.reason) for p in d.positions]
    MeetingPosition.objects.bulk_create(positions)


@transaction.atomic
def meeting_draft_update(*, user: User, meeting_id, revision: int | None, data: dict[str, Any]) -> Meeting:
    """Replace the draft's content with `data`: `attendees` (each `name`, `agency`, `role`, `present`), `items`
    (each `title`, `discussion`, `decisions`: each `text` and `positions`: each `attendee` — an index into
    `attendees` — `stance` and, for a dissent, `reason`), and optionally `title`, `held_at`, `chair`.

    `revision` is the draft's revision the writer saw (None: do not check). Approved minutes: `MinutesLocked`."""
    meeting = locked_meeting(meeting_id)
    if not may_write(user, meeting):
        raise PermissionError("may not write these minutes")
    _refuse_unless_draft(meeting)
    if revision is not None and revision != meeting.revision:
        raise Conflict("Someone else changed these minutes while you were working on them. Check what they "
                       "changed, then make your change again.", current_revision=meeting.revision)
    errors: dict[str, str] = {}
    changed: dict[str, Any] = {}
    if "title" in data:
        changed["title"] = text(data["title"], "title", errors, required="Enter the meeting's title", limit=NAME_LIMIT)
    if "held_at" in data:
        changed["held_at"] = moment(data["held_at"], "held_at", errors, label="the meeting was held")
    if "chair" in data:
        changed["chair"] = text(data["chair"], "chair", errors, limit=NAME_LIMIT)
    attendees, items = document(data, errors)
    if errors:
        raise StepInvalid(errors)
    _replace_rows(meeting, attendees, items)
    for name, value in changed.items():
        setattr(meeting, name, value)
    meeting.revision += 1
    meeting.save(update_fields=[*changed, "revision"])
    _audit(user, AuditAction.MEETING_RECORD, meeting, what="edited", revision=meeting.revision)
    return meeting


def _unfinished(meeting: Meeting) -> dict[str, str]:
    """What approval needs: someone present, at least one item, and every present attendee's position on every
    decision (silence is not recorded as agreement)."""
    errors: dict[str, str] = {}
    attendees = list(meeting.attendees.order_by("order"))
    present = [a for a in attendees if a.present]
    if not present:
        errors["attendees"] = "Record who attended the meeting before approving its minutes"
    items = list(meeting.items.order_by("order").prefetch_related("decisions__positions"))
    if not items:
        errors["items"] = "Record at least one item before approving the minutes"
    for i, item in enumerate(items):
        for j, decision in enumerate(sorted(item.decisions.all(), key=lambda d: d.order)):
            stood = {p.attendee_id for p in decision.positions.all()}
            missing = [a.name for a in present if a.pk not in stood]
            if missing:
                errors[f"items[{i}].decisions[{j}].positions"] = (
                    f"Record where {_names(missing)} stood on “{_short(decision.text)}”: agreed, dissented (with "
                    "the reason) or abstained")
    if meeting.held_at > now() + dt.timedelta(minutes=5):
        errors["held_at"] = "Minutes are approved after the meeting: its date and time is in the future"
    return errors


def _names(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


@transaction.atomic
def meeting_approve(*, user: User, meeting_id, revision: int | None) -> Meeting:
    """Approve the draft the approver read (`revision`) and lock it. A correction's approval supersedes the version
    it corrects. Minutes about children are written to each child's file at once."""
    meeting = locked_meeting(meeting_id)
    if not (may_approve_meeting(user, meeting) and may_view_meeting(user, meeting, children_of(meeting))):
        raise PermissionError("may not approve these minutes")
    _refuse_unless_draft(meeting)
    if revision is not None and revision != meeting.revision:
        raise Conflict("Someone changed these minutes since you read them. Read them again before approving.",
                       current_revision=meeting.revision)
    errors = _unfinished(meeting)
    if errors:
        raise StepInvalid(errors)
    at = now()
    meeting.status, meeting.approved_at, meeting.approved_by = MinutesStatus.APPROVED, at, user
    meeting.save(update_fields=["status", "approved_at", "approved_by"])
    superseded = None
    if meeting.corrects_id:
        old = locked_meeting(meeting.corrects_id)
        old.status = MinutesStatus.SUPERSEDED
        old.save(update_fields=["status"])
        superseded = old.version
    records = write_children_records(user=user, meeting=meeting, at=at)
    _audit(user, AuditAction.MEETING_APPROVE, meeting, supersedes=superseded, records=records)
    return meeting


@transaction.atomic
def meeting_correct(*, user: User, meeting_id) -> Meeting:
    """Start a correction of approved minutes: a new draft version copying everything. The approved version stays
    as it is (and stays the approved one) until the correction is approved."""
    meeting = locked_meeting(meeting_id)
    if not may_write(user, meeting):
        raise PermissionError("may not correct these minutes")
    if meeting.status == MinutesStatus.DRAFT:
        raise Refused("These minutes are still a draft: change them directly. A correction is for approved minutes.")
    if meeting.status == MinutesStatus.SUPERSEDED:
        raise MinutesLocked(f"Version {meeting.version} was already corrected: correct the latest version.")
    underway = Meeting.objects.filter(corrects=meeting).first()
    if underway is not None:
        raise CorrectionUnderway(f"A correction of these minutes (version {underway.version}) is already being "
                                 "written: continue it.", meeting_id=underway.pk)
    latest = Meeting.objects.filter(series=meeting.series).order_by("-version").values_list("version", flat=True)[0]
    new = Meeting.objects.create(
        series=meeting.series, version=latest + 1, corrects=meeting, agency_id=meeting.agency_id, kind=meeting.kind,
        title=meeting.title, held_at=meeting.held_at, chair=meeting.chair, case_id=meeting.case_id,
        created_at=now(), created_by=user)
    new.children.set(children_of(meeting))
    attendees = {a.pk: n for n, a in enumerate(meeting.attendees.order_by("order"))}
    _replace_rows(new, [AttendeeIn(a.name, a.agency_name, a.role, a.present) for a in meeting.attendees.order_by("order")],
                  [ItemIn(item.title, item.discussion, tuple(
                      DecisionIn(d.text, tuple(PositionIn(attendees[p.attendee_id], p.stance, p.reason)
                                              for p in d.positions.order_by("attendee__order")))
                      for d in item.decisions.order_by("order")))
                   for item in meeting.items.order_by("order")])
    _audit(user, AuditAction.MEETING_CORRECT, new, corrects=meeting.version)
    return new


# --- the children's files ---------------------------------------------------------------------------------------


def _iso(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def _escalated(meeting: Meeting) -> bool:
    return DissentEscalation.objects.filter(series=meeting.series).exists()


def minutes_detail(meeting: Meeting) -> dict[str, Any]:
    """The `meeting_minutes` record's detail (docs/formats/README.md, "Practice")."""
    attendees = list(meeting.attendees.order_by("order"))
    decisions, dissent = [], []
    for item in meeting.items.order_by("order"):
        for decision in item.decisions.order_by("order"):
            decisions.append(decision.text)
            for p in decision.positions.filter(stance=Stance.DISSENTED).select_related("attendee").order_by(
                    "attendee__order"):
                dissent.append(f"{decision.text} — {p.attendee.agency_name}: {p.attendee.role}: {p.reason}")
    return {
        "meeting_id": str(meeting.series), "minutes_version": meeting.version, "meeting_type": meeting.kind,
        "attendees": [f"{a.agency_name}: {a.role}" for a in attendees if a.present],
        "decisions": decisions, "dissent": dissent, "escalated": _escalated(meeting),
    }


def _child_records(meeting: Meeting) -> dict[Any, SourceRecord]:
    """The `meeting_minutes` record each child's file already holds for these minutes (any version), by child."""
    records = {r.pk: r for r in SourceRecord.objects.filter(
        agency_id=meeting.agency_id, kind=RECORD_KIND, current__payload__detail__meeting_id=str(meeting.series),
    ).select_related("current", "agency")}
    out: dict[Any, SourceRecord] = {}
    for record_id, person_id in Mention.objects.filter(record_id__in=list(records), mention_id="m1").values_list(
            "record_id", "link__person_id"):
        if person_id is not None:
            out[person_id] = records[record_id]
    return out


def write_children_records(*, user: User, meeting: Meeting, at: dt.datetime, only_if_changed: bool = False
                            ) -> list[str]:
    """Write (or write the next version of) each child's `meeting_minutes` record; returns their keys."""
    if meeting.kind not in CHILD_KINDS:
        return []
    detail = minutes_detail(meeting)
    existing = _child_records(meeting)
    keys = []
    for child in children_of(meeting):
        person = lock(child)
        old = existing.get(person.pk)
        if old is not None:
            before = dict(old.current.payload.get("detail") or {})
            if only_if_changed and all(before.get(k) == v for k, v in detail.items() if v not in ("", [], None)):
                continue
            payload = next_version(old, detail=detail, user=user, now=at)
            payload["occurred_at"] = _iso(meeting.held_at)
        else:
            payload = new_record(agency=meeting.agency, kind=RECORD_KIND,
                                 mention=child_mention(agency=meeting.agency, person=person, new=None),
                                 detail=detail, when=meeting.held_at, user=user, now=at)
        write(user=user, payloads=[payload], person=person)
        keys.append(f"{payload['agency_id']}:{payload['source_record_id']}")
    return keys

