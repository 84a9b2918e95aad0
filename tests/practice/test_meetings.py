"""Minutes where dissent is recorded, through the services: a dissent needs its reason; approval locks the
minutes; a correction is a new version and the old one is kept; the children's chronologies show the decisions
and every dissent with its reason at once; escalation under the resolution protocol; conflicts; audit."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from joinedup.accounts.models import Role
from joinedup.audit.models import AuditEvent
from joinedup.casework.lifecycle import Refused
from joinedup.casework.models import Case
from joinedup.casework.services import Conflict, StepInvalid
from joinedup.chronology.selectors import chronology_for
from joinedup.ingest.models import SourceRecord
from joinedup.practice.models import DissentEscalation, Meeting, MeetingPosition, MinutesStatus
from joinedup.practice.selectors.meetings import (
    escalation_for_viewer,
    meeting_for_viewer,
    meetings_for,
    open_escalations,
)
from joinedup.practice.services.meetings import (
    LOCKED_SENTENCE,
    CorrectionUnderway,
    MinutesLocked,
    meeting_approve,
    meeting_correct,
    meeting_draft_update,
    meeting_start,
)
from joinedup.practice.services.meetings_escalation import dissent_escalate, escalation_outcome_record
from tests.casework import conftest as casework
from tests.casework.conftest import new_child_contact

# The casework fixtures: an authority with a front door, and a child's case at the strategy discussion.
csc, front_door_team, front_door = casework.csc, casework.front_door_team, casework.front_door
case_at_strategy = casework.case_at_strategy

pytestmark = pytest.mark.django_db

NFA = "No further action: the injury is accepted as accidental."
POLICE_REASON = "The father's account changed twice and there were two earlier call-outs to the address."


def held(hours=2):
    return dt.datetime.now(dt.UTC) - dt.timedelta(hours=hours)


def strategy_minutes(*, police_reason=POLICE_REASON):
    """Three professionals; one decision; the police dissent (with `police_reason`)."""
    return {
        "attendees": [
            {"name": "Sam Okafor", "agency": "Children's social care", "role": "Team manager (chair)", "present": True},
            {"name": "Dee Hollis", "agency": "Police", "role": "Detective sergeant", "present": True},
            {"name": "Priya Natt", "agency": "Health", "role": "Named nurse", "present": True},
            {"name": "Ann Lowe", "agency": "School", "role": "Designated safeguarding lead", "present": False},
        ],
        "items": [{"title": "The bruise seen at A&E", "discussion": "Explanation given: fell against a table.",
                   "decisions": [{"text": NFA, "positions": [
                       {"attendee": 0, "stance": "agreed"},
                       {"attendee": 1, "stance": "dissented", "reason": police_reason},
                       {"attendee": 2, "stance": "abstained", "reason": "Not seen the child."},
                   ]}]}],
    }


@pytest.fixture
def hos(make_user, csc):
    return make_user(role=Role.HEAD_OF_SERVICE, agency=csc)


@pytest.fixture
def case(case_at_strategy):
    return Case.objects.select_related("person").get(pk=case_at_strategy.case_id)


@pytest.fixture
def sibling(front_door, case):
    made = new_child_contact(front_door, given="Rory", family="Calloway", dob=dt.date(2021, 1, 9))
    return made.person


def started(user, case, **kwargs):
    kwargs.setdefault("children", [])
    return meeting_start(user=user, kind="strategy_discussion", title="Strategy discussion: bruise", held_at=held(),
                         chair="Sam Okafor", case_id=case.pk, **kwargs)


def approved(front_door, hos, case, **kwargs):
    meeting = started(front_door, case, **kwargs)
    meeting = meeting_draft_update(user=front_door, meeting_id=meeting.pk, revision=0, data=strategy_minutes())
    return meeting_approve(user=hos, meeting_id=meeting.pk, revision=meeting.revision)


def minutes_events(person):
    return [e for e in chronology_for(viewer=None, person=person).events if e.kind == "meeting_minutes"]


@pytest.mark.both_databases
def test_a_dissent_without_its_reason_is_refused_naming_the_field(front_door, case):
    meeting = started(front_door, case)
    with pytest.raises(StepInvalid) as refused:
        meeting_draft_update(user=front_door, meeting_id=meeting.pk, revision=0,
                             data=strategy_minutes(police_reason="   "))
    field = "items[0].decisions[0].positions[1].reason"
    assert set(refused.value.errors) == {field}
    assert "Say why Dee Hollis dissented" in refused.value.errors[field]
    meeting.refresh_from_db()
    assert meeting.revision == 0 and not MeetingPosition.objects.exists()  # nothing written
    # The database refuses one too, whoever writes it.
    meeting_draft_update(user=front_door, meeting_id=meeting.pk, revision=0, data=strategy_minutes())
    position = MeetingPosition.objects.get(stance="dissented")
    with pytest.raises(IntegrityError), transaction.atomic():
        MeetingPosition.objects.filter(pk=position.pk).update(reason="")


def test_what_is_entered_is_checked_field_by_field(front_door, case):
    with pytest.raises(StepInvalid) as refused:
        meeting_start(user=front_door, kind="strategy_discussion", title=" ", held_at=None, case_id=case.pk)
    assert set(refused.value.errors) == {"title", "held_at"}
    with pytest.raises(StepInvalid) as refused:
        meeting_start(user=front_door, kind="core_group", title="Core group", held_at=held())
    assert "children" in refused.value.errors
    meeting = started(front_door, case)
    data = strategy_minutes()
    data["attendees"].append({"name": "", "agency": "", "role": "x"})
    data["items"][0]["decisions"][0]["positions"] += [{"attendee": 9, "stance": "agreed"},
                                                      {"attendee": 0, "stance": "agreed"},
                                                      {"attendee": 2, "stance": "maybe"}]
    data["items"].append({"title": "", "decisions": [{"text": ""}]})
    with pytest.raises(StepInvalid) as refused:
        meeting_draft_update(user=front_door, meeting_id=meeting.pk, revision=0, data=data)
    assert set(refused.value.errors) == {
        "attendees[4].name", "attendees[4].agency", "items[0].decisions[0].positions[3].attendee",
        "items[0].decisions[0].positions[4].attendee", "items[0].decisions[0].positions[5].attendee",
        "items[1].title", "items[1].decisions[0].text"}


@pytest.mark.both_databases
def test_approval_writes_the_decisions_and_every_dissent_to_each_childs_chronology(front_door, hos, case, sibling):
    before = SourceRecord.objects.filter(kind="meeting_minutes").count()
    meeting = started(front_door, case, children=[sibling.pk])
    meeting = meeting_draft_update(user=front_door, meeting_id=meeting.pk, revision=0, data=strategy_minutes())
    assert minutes_events(case.person) == []  # a draft is not in anyone's file
    meeting = meeting_approve(user=hos, meeting_id=meeting.pk, revision=1)
    assert meeting.status == MinutesStatus.APPROVED and meeting.approved_by == hos
    assert SourceRecord.objects.filter(kind="meeting_minutes").count() == before + 2
    for child in (case.person, sibling):
        (event,) = minutes_events(child)
        assert event.detail["meeting_id"] == str(meeting.series)
        assert event.detail["minutes_version"] == 1
        assert event.detail["meeting_type"] == "strategy_discussion"
        assert event.detail["decisions"] == [NFA]
        assert event.detail["dissent"] == [f"{NFA} — Police: Detective sergeant: {POLICE_REASON}"]
        assert event.detail["attendees"] == ["Children's social care: Team manager (chair)",
                                             "Police: Detective sergeant", "Health: Named nurse"]
        assert event.detail["escalated"] is False
        assert POLICE_REASON in event.summary  # what the chronology shows
        assert event.occurred_at == meeting.held_at


def test_approval_needs_every_present_attendees_position(front_door, hos, case):
    meeting = started(front_door, case)
    data = strategy_minutes()
    data["items"][0]["decisions"][0]["positions"] = [{"attendee": 1, "stance": "dissented", "reason": "No."}]
    meeting = meeting_draft_update(user=front_door, meeting_id=meeting.pk, revision=0, data=data)
    with pytest.raises(StepInvalid) as refused:
        meeting_approve(user=hos, meeting_id=meeting.pk, revision=1)
    problem = refused.value.errors["items[0].decisions[0].positions"]
    assert "Sam Okafor and Priya Natt" in problem and "Ann Lowe" not in problem  # apologies need no position
    meeting.refresh_from_db()
    assert meeting.status == MinutesStatus.DRAFT


@pytest.mark.both_databases
def test_approved_minutes_are_locked(front_door, hos, case):
    meeting = approved(front_door, hos, case)
    rows = list(MeetingPosition.objects.filter(decision__item__meeting=meeting).values_list("pk", "stance", "reason"))
    with pytest.raises(MinutesLocked) as refused:
        meeting_draft_update(user=front_door, meeting_id=meeting.pk, revision=meeting.revision,
                             data={**strategy_minutes(), "title": "Changed afterwards"})
    assert refused.value.sentence == LOCKED_SENTENCE
    assert "approved and locked" in LOCKED_SENTENCE and "A correction makes a new version" in LOCKED_SENTENCE
    with pytest.raises(MinutesLocked):
        meeting_approve(user=hos, meeting_id=meeting.pk, revision=meeting.revision)
    meeting.refresh_from_db()
    assert meeting.title == "Strategy discussion: bruise" and meeting.status == MinutesStatus.APPROVED
    assert list(MeetingPosition.objects.filter(decision__item__meeting=meeting)
                .values_list("pk", "stance", "reason")) == rows


@pytest.mark.both_databases
def test_a_correction_is_version_2_and_version_1_is_kept(front_door, hos, case):
    v1 = approved(front_door, hos, case)
    v2 = meeting_correct(user=front_door, meeting_id=v1.pk)
    assert (v2.series, v2.version, v2.status, v2.corrects_id) == (v1.series, 2, MinutesStatus.DRAFT, v1.pk)
    assert list(v2.children.all()) == [case.person] and v2.case_id == case.pk
    view = meeting_for_viewer(viewer=front_door, meeting_id=v2.pk)
    assert view.document()["items"] == meeting_for_viewer(viewer=front_door, meeting_id=v1.pk).document()["items"]
    with pytest.raises(CorrectionUnderway) as refused:
        meeting_correct(user=front_door, meeting_id=v1.pk)
    assert refused.value.meeting_id == v2.pk
    v1.refresh_from_db()
    assert v1.status == MinutesStatus.APPROVED  # still the approved minutes until the correction is

    data = view.document()
    data["items"][0]["decisions"][0]["positions"][1]["reason"] = POLICE_REASON + " The GP had also raised concern."
    v2 = meeting_draft_update(user=front_door, meeting_id=v2.pk, revision=0, data=data)
    v2 = meeting_approve(user=hos, meeting_id=v2.pk, revision=1)
    v1.refresh_from_db()
    assert v1.status == MinutesStatus.SUPERSEDED and v2.status == MinutesStatus.APPROVED
    assert MeetingPosition.objects.filter(decision__item__meeting=v1, reason=POLICE_REASON).exists()  # kept
    (event,) = minutes_events(case.person)  # one record, its next version
    assert event.detail["minutes_version"] == 2 and event.version == 2
    assert "The GP had also raised concern." in event.detail["dissent"][0]
    record = SourceRecord.objects.get(kind="meeting_minutes", source_record_id=event.source_record_id)
    assert record.versions.count() == 2
    with pytest.raises(MinutesLocked, match="corrected by version 2"):
        meeting_draft_update(user=front_door, meeting_id=v1.pk, revision=None, data=data)
    with pytest.raises(MinutesLocked):
        meeting_correct(user=front_door, meeting_id=v1.pk)
    assert [m.version for m in meeting_for_viewer(viewer=front_door, meeting_id=v1.pk).versions] == [1, 2]
    (row,) = meetings_for(viewer=front_door)
    assert row.meeting.pk == v2.pk and row.versions == 2 and row.dissents == 1


@pytest.mark.both_databases
def test_a_stale_revision_is_a_conflict_never_a_lost_update(front_door, hos, case):
    meeting = started(front_door, case)
    meeting_draft_update(user=front_door, meeting_id=meeting.pk, revision=0, data=strategy_minutes())
    with pytest.raises(Conflict) as conflict:
        meeting_draft_update(user=front_door, meeting_id=meeting.pk, revision=0, data={"attendees": [], "items": []})
    assert conflict.value.current_revision == 1
    with pytest.raises(Conflict):
        meeting_approve(user=hos, meeting_id=meeting.pk, revision=0)
    meeting.refresh_from_db()
    assert meeting.revision == 1 and meeting.attendees.count() == 4 and meeting.status == MinutesStatus.DRAFT


def test_escalation_stages_owner_deadline_and_outcome(front_door, hos, case, make_user, csc):
    meeting = approved(front_door, hos, case)
    dissent = MeetingPosition.objects.get(decision__item__meeting=meeting, stance="dissented")
    agreed = MeetingPosition.objects.get(decision__item__meeting=meeting, stance="agreed")
    owner = make_user(role=Role.TEAM_MANAGER, agency=csc)
    due = dt.date.today() + dt.timedelta(days=5)

    with pytest.raises(StepInvalid) as refused:
        dissent_escalate(user=front_door, position_id=agreed.pk, stage=1, owner_id=owner.pk, deadline_on=due)
    assert "position" in refused.value.errors
    with pytest.raises(StepInvalid) as refused:
        dissent_escalate(user=front_door, position_id=dissent.pk, stage=7, owner_id=None,
                         deadline_on=dt.date(2001, 1, 1))
    assert set(refused.value.errors) == {"stage", "owner", "deadline_on"}

    first = dissent_escalate(user=front_door, position_id=dissent.pk, stage=1, owner_id=owner.pk, deadline_on=due)
    assert (first.stage, first.owner, first.deadline_on, first.series) == (1, owner, due, meeting.series)
    assert minutes_events(case.person)[0].detail["escalated"] is True  # the child's file says so at once
    with pytest.raises(Refused, match="already escalated at stage 1"):
        dissent_escalate(user=front_door, position_id=dissent.pk, stage=2, owner_id=owner.pk, deadline_on=due)
    (row,) = open_escalations(viewer=owner)
    assert (row.stage, row.deadline_on, row.dissenter, row.reason, row.meeting_id, row.overdue) == (
        1, due, "Police: Detective sergeant", POLICE_REASON, meeting.pk, False)
    assert open_escalations(viewer=front_door, owner=owner) == []  # not their team's
    assert open_escalations(viewer=hos, owner=owner) == [row]

    with pytest.raises(StepInvalid) as refused:
        escalation_outcome_record(user=owner, escalation_id=first.pk, outcome="", resolved=None)
    assert set(refused.value.errors) == {"outcome", "resolved"}
    with pytest.raises(PermissionError):  # neither the owner nor an approver of the minutes
        escalation_outcome_record(user=front_door, escalation_id=first.pk, outcome="x", resolved=False)
    ended = escalation_outcome_record(user=owner, escalation_id=first.pk, outcome="Managers could not agree.",
                                      resolved=False)
    assert ended.resolved_at is not None and ended.resolved is False and ended.outcome == "Managers could not agree."
    assert ended.outcome_shown == "Not resolved: Managers could not agree."
    assert open_escalations(viewer=owner) == []
    with pytest.raises(Refused, match="outcome of this stage was recorded"):
        escalation_outcome_record(user=owner, escalation_id=first.pk, outcome="again", resolved=True)

    with pytest.raises(StepInvalid) as refused:
        dissent_escalate(user=front_door, position_id=dissent.pk, stage=1, owner_id=hos.pk, deadline_on=due)
    assert refused.value.errors == {"stage": "Stage 1 ended unresolved: the next stage is 2 or later"}
    second = dissent_escalate(user=front_door, position_id=dissent.pk, stage=2, owner_id=hos.pk, deadline_on=due)
    escalation_outcome_record(user=hos, escalation_id=second.pk, outcome="Section 47 enquiry agreed.", resolved=True)
    with pytest.raises(Refused, match="was resolved at stage 2"):
        dissent_escalate(user=front_door, position_id=dissent.pk, stage=3, owner_id=hos.pk, deadline_on=due)
    assert escalation_for_viewer(viewer=owner, escalation_id=first.pk) is not None  # the owner reads the minutes
    assert meeting_for_viewer(viewer=owner, meeting_id=meeting.pk) is not None

    # After a correction, the same dissent (copied) carries its history on.
    v2 = meeting_correct(user=front_door, meeting_id=meeting.pk)
    v2 = meeting_approve(user=hos, meeting_id=v2.pk, revision=0)
    copied = MeetingPosition.objects.get(decision__item__meeting=v2, stance="dissented")
    ((_decision, cell),) = meeting_for_viewer(viewer=front_door, meeting_id=v2.pk).dissents
    assert [e.stage for e in cell.escalations] == [1, 2]  # the dissent's history goes with it
    with pytest.raises(Refused, match="was resolved at stage 2"):
        dissent_escalate(user=front_door, position_id=copied.pk, stage=3, owner_id=hos.pk, deadline_on=due)
    with pytest.raises(Refused, match="escalate the dissent from the latest version"):
        dissent_escalate(user=front_door, position_id=dissent.pk, stage=3, owner_id=hos.pk, deadline_on=due)
    assert minutes_events(case.person)[0].detail["escalated"] is True


def test_a_draft_dissent_is_not_escalated(front_door, case, hos):
    meeting = started(front_door, case)
    meeting_draft_update(user=front_door, meeting_id=meeting.pk, revision=0, data=strategy_minutes())
    dissent = MeetingPosition.objects.get(stance="dissented")
    with pytest.raises(Refused, match="approve the minutes first"):
        dissent_escalate(user=front_door, position_id=dissent.pk, stage=1, owner_id=hos.pk,
                         deadline_on=dt.date.today())
    assert not DissentEscalation.objects.exists()


def test_partnership_meetings_name_no_child_and_write_no_record(make_user, csc, hos):
    member = make_user(role=Role.PARTNERSHIP_MEMBER)
    worker = make_user(role=Role.SOCIAL_WORKER, agency=csc)
    with pytest.raises(PermissionError):
        meeting_start(user=worker, kind="partnership", title="Board", held_at=held())
    before = SourceRecord.objects.count()
    meeting = meeting_start(user=member, kind="partnership", title="Partnership board", held_at=held())
    data = strategy_minutes()
    data["items"][0]["decisions"][0]["text"] = "Adopt the revised escalation protocol."
    meeting = meeting_draft_update(user=member, meeting_id=meeting.pk, revision=0, data=data)
    meeting = meeting_approve(user=member, meeting_id=meeting.pk, revision=1)
    assert meeting.status == MinutesStatus.APPROVED and SourceRecord.objects.count() == before
    assert meeting_for_viewer(viewer=hos, meeting_id=meeting.pk) is not None
    assert meeting_for_viewer(viewer=worker, meeting_id=meeting.pk) is None
    assert [r.meeting.pk for r in meetings_for(viewer=member, kind="partnership")] == [meeting.pk]
    assert meetings_for(viewer=member, kind="core_group") == []


def test_not_allowed_is_not_found(front_door, hos, case, make_user, csc, make_agency):
    meeting = approved(front_door, hos, case)
    stranger = make_user(role=Role.SOCIAL_WORKER, agency=csc)  # no relationship to the child
    other = make_user(role=Role.HEAD_OF_SERVICE)  # another authority
    for user in (stranger, other):
        assert meeting_for_viewer(viewer=user, meeting_id=meeting.pk) is None
        assert meetings_for(viewer=user) == []
        with pytest.raises(PermissionError):
            meeting_correct(user=user, meeting_id=meeting.pk)
    with pytest.raises(PermissionError):
        started(stranger, case)
    with pytest.raises(PermissionError):
        meeting_start(user=front_door, kind="strategy_discussion", title="t", held_at=held(),
                      children=["00000000-0000-0000-0000-000000000000"])
    with pytest.raises(PermissionError):
        meeting_draft_update(user=front_door, meeting_id="not-a-uuid", revision=0, data={})
    assert meeting_for_viewer(viewer=front_door, meeting_id="not-a-uuid") is None
    with pytest.raises(PermissionError):  # a social worker or the front door does not approve
        meeting_approve(user=front_door, meeting_id=meeting_correct(user=front_door, meeting_id=meeting.pk).pk,
                        revision=0)


def test_every_write_is_audited(front_door, hos, case, make_user, csc):
    meeting = approved(front_door, hos, case)
    dissent = MeetingPosition.objects.get(decision__item__meeting=meeting, stance="dissented")
    escalation = dissent_escalate(user=front_door, position_id=dissent.pk, stage=1, owner_id=hos.pk,
                                  deadline_on=dt.date.today())
    escalation_outcome_record(user=hos, escalation_id=escalation.pk, outcome="Agreed.", resolved=True)
    correction = meeting_correct(user=front_door, meeting_id=meeting.pk)
    rows = AuditEvent.objects.filter(object_type__in=["meeting", "dissent_escalation"]).order_by("id")
    assert [(r.action, r.actor_username) for r in rows] == [
        ("meeting.record", front_door.username), ("meeting.record", front_door.username),
        ("meeting.approve", hos.username), ("dissent.escalate", front_door.username),
        ("dissent.resolve", hos.username), ("meeting.correct", front_door.username)]
    approve = rows.get(action="meeting.approve")
    assert approve.subject_person_id == case.person.pk and len(approve.detail["records"]) == 1
    assert rows.get(action="meeting.correct").object_id == str(correction.pk)
    assert Meeting.objects.filter(series=meeting.series).count() == 2


@pytest.mark.both_databases
def test_the_database_refuses_changes_to_approved_minutes_that_go_round_the_services(front_door, hos, case):
    from django.db import DatabaseError

    from joinedup.practice.models import MeetingAttendee, MeetingDecision, MeetingItem

    meeting = approved(front_door, hos, case)
    attempts = [
        lambda: Meeting.objects.filter(pk=meeting.pk).update(title="Changed behind the services"),
        lambda: Meeting.objects.filter(pk=meeting.pk).update(status=MinutesStatus.DRAFT),
        lambda: MeetingPosition.objects.filter(decision__item__meeting=meeting).update(stance="agreed", reason=""),
        lambda: MeetingDecision.objects.filter(item__meeting=meeting).update(text="Something else"),
        lambda: MeetingAttendee.objects.create(meeting=meeting, name="Added later", agency_name="X", role="Y"),
        lambda: MeetingItem.objects.filter(meeting=meeting).update(title="Renamed"),
        lambda: meeting.children.clear(),
    ]
    for attempt in attempts:
        with pytest.raises(DatabaseError, match="approved minutes are locked"), transaction.atomic():
            attempt()
    meeting.refresh_from_db()
    assert meeting.title == "Strategy discussion: bruise" and meeting.status == MinutesStatus.APPROVED
    # a correction approved supersedes it: the one change the database allows
    v2 = meeting_correct(user=front_door, meeting_id=meeting.pk)
    meeting_approve(user=hos, meeting_id=v2.pk, revision=v2.revision)
    meeting.refresh_from_db()
    assert meeting.status == MinutesStatus.SUPERSEDED


def test_a_sealed_siblings_name_is_blanked_in_the_minutes_but_kept_as_written(front_door, hos, case, sibling):
    from joinedup.access import sealing
    from joinedup.chronology.restriction import SEALED_NAME
    from joinedup.practice.models import MeetingItem

    minutes = strategy_minutes()
    minutes["items"][0]["discussion"] = "Rory Calloway was there too; rory was upset."
    meeting = meeting_draft_update(user=front_door, meeting_id=started(front_door, case).pk, revision=0, data=minutes)
    meeting = meeting_approve(user=hos, meeting_id=meeting.pk, revision=meeting.revision)
    assert "Rory Calloway was there" in meeting_for_viewer(viewer=front_door, meeting_id=meeting.pk).items[0].item.discussion
    sealing.person_seal(user=hos, person_id=sibling.pk, reason="Adoption order made today")
    shown = meeting_for_viewer(viewer=front_door, meeting_id=meeting.pk).items[0].item.discussion
    assert shown == f"{SEALED_NAME} was there too; {SEALED_NAME} was upset."
    assert MeetingItem.objects.get(meeting=meeting).discussion == "Rory Calloway was there too; rory was upset."
