"""Supervision written to the child's file (issue 13): a session discussing two children writes each decision to
that child's chronology and case page at once, with its actions (owner, due date) in the documented format;
marking an action done writes a new version of the child's record; a conflict when someone did it first; who is
due for supervision (newly qualified workers sooner, a worker's own interval wins); bad input names each field;
404s for anyone without a relationship; every read and write audited."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import pytest
from django.test import Client

from joinedup.accounts.models import AgencyKind, Role, User
from joinedup.accounts.services import agency_create
from joinedup.audit.models import AuditEvent
from joinedup.casework.models import Case
from joinedup.casework.services import Conflict, StepInvalid, allocation_set, contact_decide
from joinedup.casework.services.recording import today
from joinedup.chronology.selectors import chronology_for
from joinedup.ingest.models import SourceRecord, SourceRecordVersion
from joinedup.people.models import Person
from joinedup.practice.models import SupervisionAction, SupervisionDiscussion, SupervisionSession
from joinedup.practice.selectors.supervision import (
    actions_open_for_owner,
    actions_open_for_team,
    actions_overdue_for,
    child_supervision,
    session_for_viewer,
    sessions_for,
    supervision_status,
)
from joinedup.practice.services.supervision import parse_action, supervision_action_done, supervision_record
from tests.casework.conftest import new_child_contact
from tests.conftest import SYSTEM, sign_in

pytestmark = [pytest.mark.both_databases, pytest.mark.django_db]


@dataclass
class Authority:
    csc: object
    team: object
    manager: User
    worker: User
    colleague: User
    front_door: User
    ruby: Person
    leo: Person
    outsider_child: Person
    other_worker: User


def _child_with_case(front_door, given: str, family: str) -> Person:
    made = new_child_contact(front_door, given=given, family=family, rag="red")
    contact_decide(user=front_door, person=made.person, record_pk=made.record_pk, decision="strategy_discussion",
                   primary_need="N1", revision=made.contact.revision)
    return Person.objects.get(pk=made.person.pk)


@pytest.fixture
def authority(make_user, make_team) -> Authority:
    """A children's services with a front door and two teams; Ruby and Leo (each with an open case) are
    allocated to Sam Okafor in Tess Manning's team; another team's child is allocated elsewhere."""
    csc = agency_create(actor=SYSTEM, code="northbrook-childrens-services", name="Northbrook Children's Services",
                        kind=AgencyKind.CHILDRENS_SOCIAL_CARE)
    front_door = make_user(role=Role.FRONT_DOOR, agency=csc, team=make_team(csc, is_front_door=True))
    team, other_team = make_team(csc), make_team(csc)
    manager = make_user(role=Role.TEAM_MANAGER, agency=csc, team=team, first_name="Tess", last_name="Manning",
                        job_title="Team manager")
    worker = make_user(role=Role.SOCIAL_WORKER, agency=csc, team=team, first_name="Sam", last_name="Okafor",
                       job_title="Social worker")
    colleague = make_user(role=Role.SOCIAL_WORKER, agency=csc, team=team, first_name="Ada", last_name="Reyes")
    other_worker = make_user(role=Role.SOCIAL_WORKER, agency=csc, team=other_team, first_name="Olu", last_name="Park")
    ruby = _child_with_case(front_door, "Ruby", "Calloway")
    leo = _child_with_case(front_door, "Leo", "Marsh")
    outsider = _child_with_case(front_door, "Ivy", "Stone")
    for child in (ruby, leo):
        allocation_set(actor_user=manager, person=child, worker=worker)
    allocation_set(actor_user=manager, person=outsider, worker=other_worker)
    return Authority(csc, team, manager, worker, colleague, front_door, ruby, leo, outsider, other_worker)


def two_children_session(a: Authority, *, held_on: dt.date | None = None) -> SupervisionSession:
    day = held_on or today()
    return supervision_record(user=a.manager, worker=a.worker, held_on=day, notes="Workload heavy; booked training.",
                              discussions=[
                                  {"person": a.ruby, "decision": "Convene a strategy discussion this week.",
                                   "actions": [
                                       {"text": "Book the strategy discussion", "owner": a.worker,
                                        "due_on": day + dt.timedelta(days=3)},
                                       {"text": "Ask the school for attendance", "owner": a.colleague.pk,
                                        "due_on": day + dt.timedelta(days=7)},
                                   ]},
                                  {"person": a.leo.pk, "decision": "Continue the plan; see Leo alone next visit.",
                                   "actions": [{"text": "Visit and see Leo alone", "owner": a.worker,
                                                "due_on": day + dt.timedelta(days=5)}]},
                              ])


def supervision_events(person: Person) -> list:
    return [e for e in chronology_for(viewer=None, person=person).events if e.kind == "supervision"]


def html(response) -> str:
    return response.content.decode()


def client_of(user: User) -> Client:
    """A browser of one's own (the `signed_in` fixture shares one client between users)."""
    return sign_in(Client(), user)  # both steps: password, then the authenticator's code


# --- a session writes to each child's file ---------------------------------------------------------------


def test_a_session_writes_each_childs_decision_to_their_chronology_and_case_page_at_once(authority, signed_in):
    a = authority
    day = today()
    session = two_children_session(a)

    assert session.manager == a.manager and session.worker == a.worker and session.held_on == day
    assert SupervisionDiscussion.objects.filter(session=session).count() == 2
    assert SupervisionAction.objects.filter(discussion__session=session).count() == 3

    [ruby_event] = supervision_events(a.ruby)
    detail = ruby_event.detail
    assert ruby_event.occurred_on == day and ruby_event.agency_code == a.csc.code
    assert detail["decision"] == "Convene a strategy discussion this week."
    assert detail["session_id"] == str(session.pk)
    assert detail["supervisor_role"] == "Team manager"
    assert detail["case_id"] == Case.objects.get(person=a.ruby, is_open=True).case_ref
    # The documented format the overdue-action alert rule reads: "YYYY-MM-DD | <owner's full name> | <what>".
    assert detail["actions"] == [
        f"{day + dt.timedelta(days=3):%Y-%m-%d} | Sam Okafor ({a.worker.username}) | Book the strategy discussion",
        f"{day + dt.timedelta(days=7):%Y-%m-%d} | Ada Reyes ({a.colleague.username}) | Ask the school for attendance",
    ]
    assert "actions_done" not in detail
    assert "Convene a strategy discussion" in ruby_event.summary
    [leo_event] = supervision_events(a.leo)
    assert leo_event.detail["actions"] == [
        f"{day + dt.timedelta(days=5):%Y-%m-%d} | Sam Okafor ({a.worker.username}) | Visit and see Leo alone"]
    # Each child's record names only that child, and the discussion keeps it.
    assert SupervisionDiscussion.objects.get(session=session, person=a.ruby).record_id == ruby_event.record_pk

    # The case pages show each child's own decision, not the other's.
    client = signed_in(a.worker)
    ruby_page = html(client.get(f"/cases/{Case.objects.get(person=a.ruby).pk}/"))
    leo_page = html(client.get(f"/cases/{Case.objects.get(person=a.leo).pk}/"))
    assert "Supervision decisions" in ruby_page and "Convene a strategy discussion this week." in ruby_page
    assert "Ask the school for attendance" in ruby_page and "Ada Reyes" in ruby_page
    assert "see Leo alone next visit" not in ruby_page
    assert "see Leo alone next visit" in leo_page and "Convene a strategy" not in leo_page
    # And the chronology page.
    chronology = html(client.get(f"/people/{a.ruby.pk}/chronology/"))
    assert "Convene a strategy discussion this week." in chronology

    # One audit row per child written to, naming the child.
    rows = AuditEvent.objects.filter(action="supervision.record", object_id=str(session.pk))
    assert {r.subject_person_id for r in rows} == {a.ruby.pk, a.leo.pk}
    assert all(r.actor_username == a.manager.username for r in rows)


def test_child_supervision_reads_the_childs_records_and_follows_the_relationship(authority):
    a = authority
    two_children_session(a)
    [decision] = child_supervision(viewer=a.worker, person=a.ruby)
    assert decision.decision == "Convene a strategy discussion this week."
    assert [(x.owner, x.text, x.done) for x in decision.actions] == [
        (f"Sam Okafor ({a.worker.username})", "Book the strategy discussion", False),
        (f"Ada Reyes ({a.colleague.username})", "Ask the school for attendance", False)]
    case = Case.objects.get(person=a.ruby)
    assert child_supervision(viewer=a.worker, person=a.ruby, case_ref=case.case_ref) == [decision]
    assert child_supervision(viewer=a.worker, person=a.ruby, case_ref="another-case") == []
    # Nobody without a relationship to the child sees it.
    assert child_supervision(viewer=a.other_worker, person=a.ruby) == []
    assert child_supervision(viewer=a.colleague, person=a.ruby) == []


def test_a_session_with_notes_only_still_counts_and_writes_no_record(authority):
    a = authority
    before = SourceRecord.objects.filter(kind="supervision").count()
    session = supervision_record(user=a.manager, worker=a.worker, held_on=today(), notes="Wellbeing check.",
                                 discussions=[])
    assert SourceRecord.objects.filter(kind="supervision").count() == before
    assert AuditEvent.objects.filter(action="supervision.record", object_id=str(session.pk)).count() == 1
    [status] = supervision_status(viewer=a.manager, workers=[a.worker])
    assert status.last_held_on == today()


# --- actions ----------------------------------------------------------------------------------------------


def test_marking_an_action_done_writes_a_new_version_and_a_second_marking_is_a_conflict(authority, signed_in):
    a = authority
    session = two_children_session(a)
    action = SupervisionAction.objects.get(discussion__session=session, text="Ask the school for attendance")
    record_pk = action.discussion.record_id

    done = supervision_action_done(user=a.colleague, action=action, note="School sent attendance: 71%.")
    assert done.done_at is not None and done.done_by == a.colleague and done.done_note.startswith("School sent")
    record = SourceRecord.objects.select_related("current").get(pk=record_pk)
    detail = record.current.payload["detail"]
    assert record.current.payload["version"] == 2
    assert detail["actions_done_on"] == [today().isoformat()]
    assert detail["actions_done"] == [f"{today() + dt.timedelta(days=7):%Y-%m-%d} | Ada Reyes ({a.colleague.username}) | Ask the school for "
                                      "attendance"]
    assert set(detail["actions_done"]) <= set(detail["actions"])
    assert SourceRecordVersion.objects.filter(record_id=record_pk).count() == 2  # the first version is kept
    [event] = supervision_events(a.ruby)
    assert event.versions_received == 2
    assert AuditEvent.objects.filter(action="supervision.action_done", object_id=str(action.pk),
                                     subject_person_id=a.ruby.pk).exists()

    # The manager, a moment later, does not overwrite it: a conflict, nothing written.
    with pytest.raises(Conflict) as caught:
        supervision_action_done(user=a.manager, action=action.pk)
    assert "Ada Reyes marked this action done" in caught.value.message
    assert SourceRecordVersion.objects.filter(record_id=record_pk).count() == 2

    # A second action of the same child: its string joins the first in a third version.
    other = SupervisionAction.objects.get(discussion__session=session, text="Book the strategy discussion")
    supervision_action_done(user=a.manager, action=other)
    detail = SourceRecord.objects.select_related("current").get(pk=record_pk).current.payload["detail"]
    assert len(detail["actions_done"]) == 2 and detail["actions_done"][1].endswith("| Book the strategy discussion")

    # The case page shows them done; the owner's open actions no longer list them.
    page = html(signed_in(a.worker).get(f"/cases/{Case.objects.get(person=a.ruby).pk}/"))
    assert page.count("govuk-tag--green\">Done") == 2
    assert [x.text for x in actions_open_for_owner(viewer=a.worker)] == ["Visit and see Leo alone"]


def test_only_the_owner_or_a_manager_marks_an_action_done(authority):
    a = authority
    session = two_children_session(a)
    action = SupervisionAction.objects.get(discussion__session=session, text="Visit and see Leo alone")
    for stranger in (a.colleague, a.other_worker, a.front_door):
        with pytest.raises(PermissionError):
            supervision_action_done(user=stranger, action=action)
    with pytest.raises(PermissionError):
        supervision_action_done(user=a.worker, action=999_999_999)
    with pytest.raises(StepInvalid) as caught:
        supervision_action_done(user=a.worker, action=action, note="x" * 501)
    assert set(caught.value.errors) == {"note"}
    assert SupervisionAction.objects.get(pk=action.pk).done_at is None


def test_open_actions_of_an_owner_and_of_a_team(authority):
    a = authority
    two_children_session(a)
    assert [x.text for x in actions_open_for_owner(viewer=a.worker)] == [
        "Book the strategy discussion", "Visit and see Leo alone"]  # the earliest due first
    assert [x.text for x in actions_open_for_owner(viewer=a.manager, owner=a.colleague)] == [
        "Ask the school for attendance"]
    assert actions_open_for_owner(viewer=a.other_worker, owner=a.worker) is None
    assert actions_open_for_team(viewer=a.manager).count() == 3
    assert actions_open_for_team(viewer=a.worker) is None


def test_overdue_actions_are_on_the_home_page_of_their_owner_and_their_manager_until_done(authority):
    """R22 retired (ADR 0016): an action past its due day is work on its owner's and their manager's home page,
    counted as the supervision page lists it, not an alert."""
    a = authority
    session = two_children_session(a, held_on=today() - dt.timedelta(days=6))  # due in 3, 7 and 5 days: two past
    mine = actions_overdue_for(viewer=a.worker)
    assert (mine.mine, mine.team) == (2, 0)
    assert (actions_overdue_for(viewer=a.manager).mine, actions_overdue_for(viewer=a.manager).team) == (0, 2)
    assert not actions_overdue_for(viewer=a.colleague)  # hers is due tomorrow
    assert not actions_overdue_for(viewer=a.other_worker)
    assert actions_overdue_for(viewer=a.colleague, today=today() + dt.timedelta(days=2)).mine == 1

    page = html(client_of(a.worker).get("/"))
    assert "You have 2 actions from supervision past their due date." in page and 'href="/supervision/"' in page
    page = html(client_of(a.manager).get("/"))
    assert "Your team has 2 actions from supervision past their due date." in page
    assert not re.search(r"You have \d+ action", page)
    assert "Supervision actions overdue" not in html(client_of(a.colleague).get("/"))

    for action in SupervisionAction.objects.filter(discussion__session=session, owner=a.worker):
        supervision_action_done(user=a.worker, action=action)
    assert not actions_overdue_for(viewer=a.worker) and not actions_overdue_for(viewer=a.manager)
    assert "Supervision actions overdue" not in html(client_of(a.worker).get("/"))


# --- who sees sessions -----------------------------------------------------------------------------------


def test_sessions_are_seen_by_the_worker_the_manager_the_team_manager_and_the_head_of_service(authority, make_user):
    a = authority
    session = two_children_session(a)
    head = make_user(role=Role.HEAD_OF_SERVICE, agency=a.csc)
    second_manager = make_user(role=Role.TEAM_MANAGER, agency=a.csc, team=a.team)
    for viewer in (a.worker, a.manager, second_manager, head):
        assert list(sessions_for(viewer=viewer)) == [session]
        assert session_for_viewer(viewer=viewer, session_id=session.pk) is not None
    for viewer in (a.colleague, a.other_worker, a.front_door):
        assert list(sessions_for(viewer=viewer)) == []
        assert session_for_viewer(viewer=viewer, session_id=session.pk) is None


# --- supervision frequency ------------------------------------------------------------------------------------


def test_newly_qualified_workers_are_due_sooner_and_a_workers_own_interval_wins(authority, make_user, settings):
    a = authority
    held = today() - dt.timedelta(days=20)
    newly = make_user(role=Role.SOCIAL_WORKER, agency=a.csc, team=a.team, first_name="Nia", last_name="New")
    own = make_user(role=Role.SOCIAL_WORKER, agency=a.csc, team=a.team, first_name="Omar", last_name="Own")
    # No screen or service sets these yet (the accounts admin does): set as an administrator would.
    User.objects.filter(pk=newly.pk).update(newly_qualified=True)
    User.objects.filter(pk=own.pk).update(newly_qualified=True, supervision_every_days=7)
    newly.refresh_from_db()
    own.refresh_from_db()
    for worker in (a.worker, newly, own):
        supervision_record(user=a.manager, worker=worker, held_on=held, discussions=[])

    status = {s.worker.pk: s for s in supervision_status(viewer=a.manager, today=today())}
    regular, nq, mine = status[a.worker.pk], status[newly.pk], status[own.pk]
    assert (regular.interval_days, regular.next_due_on, regular.overdue) == (28, held + dt.timedelta(days=28), False)
    assert (nq.interval_days, nq.next_due_on, nq.overdue, nq.days_overdue) == (14, held + dt.timedelta(days=14),
                                                                             True, 6)
    assert (mine.interval_days, mine.overdue, mine.days_overdue) == (7, True, 13)  # their own setting beats NQ
    assert regular.last_held_on == held and regular.sessions == 1
    # Most overdue first; a colleague never supervised is due from the day they joined.
    ordered = supervision_status(viewer=a.manager, today=today())
    assert [s.worker for s in ordered[:2]] == [own, newly]
    never = status[a.colleague.pk]
    assert never.last_held_on is None and never.next_due_on == a.colleague.date_joined.date() + dt.timedelta(days=28)
    # The deployment's setting changes the default.
    settings.JOINEDUP_PRACTICE = {"supervision_every_days": 30, "newly_qualified_supervision_every_days": 10}
    [again] = supervision_status(viewer=a.manager, workers=[a.worker, a.other_worker])  # another team's: left out
    assert again.interval_days == 30 and again.worker == a.worker
    assert supervision_status(viewer=a.manager, workers=[newly])[0].interval_days == 10


def test_supervision_status_is_the_team_for_a_team_manager_the_service_for_a_head_and_nothing_for_others(
        authority, make_user):
    a = authority
    head = make_user(role=Role.HEAD_OF_SERVICE, agency=a.csc)
    team = {s.worker for s in supervision_status(viewer=a.manager)}
    assert team == {a.worker, a.colleague}
    service = {s.worker for s in supervision_status(viewer=head)}
    assert {a.worker, a.colleague, a.other_worker, a.manager, a.front_door} <= service and head not in service
    assert supervision_status(viewer=a.worker) == []
    outsider = make_user(role=Role.TEAM_MANAGER)  # another authority
    assert supervision_status(viewer=outsider) == []


# --- bad input -------------------------------------------------------------------------------------------


def test_bad_input_names_each_field_which_child_and_which_action_and_writes_nothing(authority):
    a = authority
    day = today()
    with pytest.raises(StepInvalid) as caught:
        supervision_record(user=a.manager, worker=a.worker, held_on=day + dt.timedelta(days=1), discussions=[
            {"person": a.ruby, "decision": "", "actions": [
                {"text": "", "owner": a.worker, "due_on": day},
                {"text": "Call the GP", "owner": None, "due_on": None},
            ]},
            {"person": a.outsider_child, "decision": "Not ours"},
            {"person": a.ruby.pk, "decision": "Twice"},
        ])
    errors = caught.value.errors
    assert errors["held_on"] == "The date of the supervision must be today or in the past"
    assert errors["discussions[0].decision"] == "Enter the decision about Ruby Calloway"
    assert errors["discussions[0].actions[0].text"] == "Action 1 about Ruby Calloway: enter what is to be done"
    assert errors["discussions[0].actions[1].owner"] == "Action 2 about Ruby Calloway: choose who will do it"
    assert errors["discussions[0].actions[1].due_on"] == "Action 2 about Ruby Calloway: enter the date it is due"
    assert errors["discussions[1].person"] == "Choose a child allocated to the worker or to your team"
    assert "listed twice" in errors["discussions[2].person"]
    with pytest.raises(StepInvalid) as caught:
        supervision_record(user=a.manager, worker=a.other_worker, held_on=day, discussions=[
            {"person": a.leo, "decision": "Fine", "actions": [
                {"text": "Chase", "owner": a.worker, "due_on": day - dt.timedelta(days=1)},
                {"text": "x" * 501, "owner": a.worker, "due_on": day}]}])
    errors = caught.value.errors
    assert errors["worker"] == "Choose a worker in your team"
    assert errors["discussions[0].actions[0].due_on"] == ("Action 1 about Leo Marsh: the due date must be on or after "
                                                         "the supervision")
    assert "500 characters" in errors["discussions[0].actions[1].text"]
    assert not SupervisionSession.objects.exists()
    assert not SourceRecord.objects.filter(kind="supervision").exists()


def test_only_managers_record_supervision(authority, make_user):
    a = authority
    for user in (a.worker, a.front_door, make_user(role=Role.PARTNER_PRACTITIONER)):
        with pytest.raises(PermissionError):
            supervision_record(user=user, worker=a.colleague, held_on=today(), discussions=[])


# --- the screens ---------------------------------------------------------------------------------------------


def test_the_manager_records_a_session_on_one_page_and_only_children_with_a_decision_are_written(
        authority, signed_in):
    a = authority
    client = signed_in(a.manager)
    page = html(client.get("/supervision/"))
    assert "Supervision due" in page and "Sam Okafor" in page and "Ada Reyes" in page
    assert AuditEvent.objects.filter(action="supervision.view", object_type="supervision_session").exists()

    chosen = html(client.post("/supervision/new/", {"do": "choose", "worker": str(a.worker.pk)}))
    assert "Ruby Calloway" in chosen and "Leo Marsh" in chosen and "Ivy Stone" not in chosen
    assert f'value="{today():%d/%m/%Y}"' in chosen  # today is filled in
    assert AuditEvent.objects.filter(action="person.view", subject_person_id=a.ruby.pk,
                                     detail__view="record_supervision").exists()
    ruby = f"c-{a.ruby.pk}"
    leo = f"c-{a.leo.pk}"
    form = {"do": "record", "worker": str(a.worker.pk), "held_on": f"{today():%d/%m/%Y}",
            "children": [str(a.ruby.pk), str(a.leo.pk)],
            f"{ruby}-decision": "Step up to a strategy discussion.",
            f"{ruby}-a1-text": "Book the strategy discussion", f"{ruby}-a1-owner": str(a.worker.pk),
            f"{ruby}-a1-due": "31/02/2026",
            f"{leo}-decision": "", f"{leo}-a1-owner": str(a.worker.pk)}
    refused = html(client.post("/supervision/new/", form))
    assert "There is a problem" in refused
    assert "Action 1 about Ruby Calloway: enter the date it is due as a real date" in refused
    assert f'href="#{ruby}-a1-due"' in refused
    assert not SupervisionSession.objects.exists()

    form[f"{ruby}-a1-due"] = f"{today() + dt.timedelta(days=2):%d/%m/%Y}"
    response = client.post("/supervision/new/", form)
    session = SupervisionSession.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/supervision/{session.pk}/"
    assert [d.person for d in session.discussions.all()] == [a.ruby]  # Leo had no decision: nothing written
    assert supervision_events(a.leo) == []
    shown = html(client.get(f"/supervision/{session.pk}/"))
    assert "1 decision written to the child&#x27;s file" in shown or "1 decision written to the child's file" in shown
    assert "Step up to a strategy discussion." in shown and "Book the strategy discussion" in shown


def test_the_owner_marks_an_action_done_on_the_session_page(authority, signed_in):
    a = authority
    session = two_children_session(a)
    action = SupervisionAction.objects.get(discussion__session=session, text="Visit and see Leo alone")
    client = signed_in(a.worker)
    page = html(client.get(f"/supervision/{session.pk}/"))
    assert page.count("Mark done") == 2  # Sam owns two of the three actions
    assert AuditEvent.objects.filter(action="supervision.view", object_id=str(session.pk),
                                     subject_person_id=a.leo.pk).exists()
    response = client.post(f"/supervision/{session.pk}/", {"do": "done", "action": action.pk, "note": "Seen alone."})
    assert response.status_code == 302
    assert SupervisionAction.objects.get(pk=action.pk).done_note == "Seen alone."
    assert "Action marked done" in html(client.get(response["Location"]))
    # The list page shows the worker's own sessions and remaining actions.
    listing = html(client.get("/supervision/"))
    assert "Book the strategy discussion" in listing and "Visit and see Leo alone" not in listing
    assert "Supervision due" not in listing


def test_pages_answer_404_without_a_relationship(authority, make_agency):
    a = authority
    session = two_children_session(a)
    action = SupervisionAction.objects.get(discussion__session=session, text="Visit and see Leo alone")
    nurse = User.objects.get(pk=a.front_door.pk)
    nurse.agency = make_agency(kind=AgencyKind.ACUTE_HOSPITAL)
    nurse.role = Role.PARTNER_PRACTITIONER
    nurse.save()
    assert client_of(nurse).get("/supervision/").status_code == 404
    client = client_of(a.other_worker)
    assert client.get("/supervision/").status_code == 200  # their own (no) sessions
    assert client.get(f"/supervision/{session.pk}/").status_code == 404
    assert client.get("/supervision/new/").status_code == 404
    assert client.post(f"/supervision/{session.pk}/", {"do": "done", "action": action.pk}).status_code == 404
    client = client_of(a.colleague)  # in the team, but neither the worker supervised nor a manager
    assert client.get(f"/supervision/{session.pk}/").status_code == 404
    client = client_of(a.worker)  # the worker sees the session, but marks only their own actions done
    other = SupervisionAction.objects.get(discussion__session=session, text="Ask the school for attendance")
    assert client.post(f"/supervision/{session.pk}/", {"do": "done", "action": other.pk}).status_code == 404
    client = client_of(a.manager)
    assert client.get("/supervision/00000000-0000-0000-0000-000000000000/").status_code == 404
    refused = client.post("/supervision/new/", {"do": "choose", "worker": str(a.other_worker.pk)})
    assert refused.status_code == 200 and "Choose the worker you supervised" in html(refused)
    assert SupervisionAction.objects.filter(done_at__isnull=False).count() == 0


def test_action_strings_round_trip():
    day = dt.date(2026, 3, 27)
    from joinedup.practice.services.supervision import action_string

    value = action_string(due_on=day, owner="Sam Okafor", text="Call the GP |\nabout the rash")
    assert value == "2026-03-27 | Sam Okafor | Call the GP | about the rash"
    assert parse_action(value) == (day, "Sam Okafor", "Call the GP | about the rash")
    assert parse_action("whatever") == (None, "", "whatever")
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \| [^|]+ \| .+", value)


def test_recorded_as_of_dates_what_the_service_stores_but_not_the_audit_trail(authority):
    """Loading history (`joinedup demo`): the session is dated at the simulated moment; its audit row at the real
    time; outside the block the services' clock is the real one again."""
    from joinedup.casework.services.recording import now, recorded_as_of

    a = authority
    moment = dt.datetime(2026, 3, 4, 10, 30, tzinfo=dt.UTC)
    before = dt.datetime.now(dt.UTC)
    with recorded_as_of(moment):
        assert now() == moment
        session = supervision_record(user=a.manager, worker=a.worker, held_on=moment.date(), notes="",
                                     discussions=[{"person": a.ruby, "decision": "Carry on."}])
    assert abs((now() - dt.datetime.now(dt.UTC)).total_seconds()) < 5
    session.refresh_from_db()
    assert session.recorded_at == moment
    audited = AuditEvent.objects.filter(object_id=str(session.pk)).order_by("occurred_at").first()
    assert audited is not None and audited.occurred_at >= before
