"""Concerns from anyone, answered (issue 13): a concern about two children is in each child's chronology at once;
who raised it is kept on the concern only (never in a record, chronology or audit row) and shown only to the named
roles; the deadline runs in working days; answering it and telling the raiser are new versions of the children's
records; a stale revision is a conflict; the log and the pages answer 404 to those who may not see a concern."""

from __future__ import annotations

import datetime as dt
import json
import re
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from joinedup.accounts.models import AgencyKind, Role
from joinedup.accounts.services import agency_create
from joinedup.audit.models import AuditEvent
from joinedup.casework.services import Conflict, StepInvalid
from joinedup.chronology.selectors import chronology_for
from joinedup.ingest.models import Mention, SourceRecord, SourceRecordVersion
from joinedup.practice.models import Concern
from joinedup.practice.selectors.concerns import (
    concern_for_viewer,
    concern_rows,
    concerns_for,
    unanswered_concern_counts,
    unanswered_concerns,
)
from joinedup.practice.services.concerns import (
    concern_raiser_told,
    concern_record,
    concern_records,
    concern_respond,
    response_due,
)
from tests.casework.conftest import new_child_contact
from tests.conftest import SYSTEM, sign_in
from tests.practice.test_concerns_fixtures import (  # noqa: F401 - fixtures
    csc_fixture,
    front_door_fixture,
    front_door_team_fixture,
    head_fixture,
    hospital_fixture,
    manager_fixture,
    nurse_fixture,
)

pytestmark = pytest.mark.django_db

UK = ZoneInfo("Europe/London")
NAME = "Zelda Quorn"
CONTACT = "07700 900123"


def html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


@pytest.fixture
def people(front_door):
    """Two children known to children's social care."""
    ruby = new_child_contact(front_door).person
    sam = new_child_contact(front_door, given="Sam", family="Calloway", dob=dt.date(2020, 1, 9)).person
    return ruby, sam


@pytest.fixture
def dpo(make_user, csc):
    return make_user(role=Role.DATA_PROTECTION_OFFICER, agency=csc)


def record(user, children, responder, **kwargs):
    kwargs.setdefault("raised_by", "neighbour")
    kwargs.setdefault("summary", "Shouting and a child crying late at night, most nights this week.")
    return concern_record(user=user, children=children, responder=responder, raiser_name=NAME,
                          raiser_contact=CONTACT, **kwargs)


# --- the deadline ---------------------------------------------------------------------------------------------


@pytest.mark.both_databases
def test_the_deadline_is_n_working_days_across_the_bank_holidays(front_door, manager, people, settings):
    christmas_eve = dt.datetime(2025, 12, 24, 10, 0, tzinfo=UK)
    # 25, 26 December and 1 January are bank holidays: the fifth working day after Christmas Eve is 5 January.
    assert response_due(christmas_eve) == dt.datetime(2026, 1, 5, 23, 59, 59, tzinfo=UK)
    assert response_due(dt.datetime(2026, 12, 7, 9, 0, tzinfo=UK)) == dt.datetime(2026, 12, 14, 23, 59, 59, tzinfo=UK)
    concern = record(front_door, [people[0]], manager, received_at=christmas_eve)
    assert concern.response_due_at == dt.datetime(2026, 1, 5, 23, 59, 59, tzinfo=UK)
    (rec,) = concern_records(concern)
    assert rec.current.payload["detail"]["response_due_at"] == "2026-01-05T23:59:59Z"
    # The number of working days is a setting.
    settings.JOINEDUP_PRACTICE = {"concern_response_working_days": 2}
    assert response_due(christmas_eve) == dt.datetime(2025, 12, 30, 23, 59, 59, tzinfo=UK)
    # A deadline given is kept (a day means the end of it).
    given = record(front_door, [people[0]], manager, response_due_at=dt.date(2030, 1, 2))
    assert given.response_due_at == dt.datetime(2030, 1, 2, 23, 59, 59, tzinfo=UK)


# --- recording ----------------------------------------------------------------------------------------------------


def test_a_concern_about_two_children_is_in_each_childs_chronology_at_once(front_door, manager, people):
    ruby, sam = people
    concern = record(front_door, [ruby, sam], manager, raised_by="relative")
    assert set(concern.children.all()) == {ruby, sam}
    records = concern_records(concern)
    assert len(records) == 2 and {r.kind for r in records} == {"concern"}
    for child in (ruby, sam):
        events = [e for e in chronology_for(viewer=None, person=child).events if e.kind == "concern"]
        assert len(events) == 1
        detail = events[0].detail
        assert detail["raised_by"] == "relative" and detail["responder_role"] == "Team manager"
        assert detail["text"].startswith("Shouting") and "response_due_at" in detail
    event = AuditEvent.objects.get(action="concern.record")
    assert event.object_id == str(concern.pk)
    assert set(event.detail["children"]) == {str(ruby.pk), str(sam.pk)} and len(event.detail["records"]) == 2


def _stored_anywhere(text: str) -> list[str]:
    """Where `text` is stored outside the concern itself: record versions, mentions, audit rows."""
    found = []
    needle = text.casefold()
    for v in SourceRecordVersion.objects.all():
        if needle in json.dumps(v.payload).casefold():
            found.append(f"record version {v.pk}")
    for m in Mention.objects.all().values():
        if needle in json.dumps(m, default=str).casefold():
            found.append(f"mention {m['id']}")
    for a in AuditEvent.objects.all():
        if needle in (json.dumps(a.detail, default=str) + a.reason).casefold():
            found.append(f"audit {a.action}")
    return found


@pytest.mark.both_databases
def test_who_raised_it_is_never_in_a_record_chronology_or_audit_row(front_door, manager, people, head, signed_in):
    ruby, sam = people
    concern = record(front_door, [ruby, sam], manager)
    concern_respond(user=manager, concern_id=concern.pk, response="Visited; the children were seen.", revision=0)
    concern_raiser_told(user=manager, concern_id=concern.pk, how=f"Telephoned on {CONTACT}", revision=1)
    signed_in(head).get(f"/concerns/{concern.pk}/")  # the head of service reads it: audited, but not the name
    for secret in (NAME, "Quorn", CONTACT):
        assert _stored_anywhere(secret) == []
    for child in (ruby, sam):
        page = html(signed_in(head).get(f"/people/{child.pk}/chronology/"))
        assert "Quorn" not in page and "Concern raised" in page
    assert Concern.objects.get(pk=concern.pk).raiser_name == NAME  # kept on the concern only


def test_words_naming_the_raiser_are_refused(front_door, manager, people):
    with pytest.raises(StepInvalid) as refused:
        record(front_door, [people[0]], manager, summary="Zelda  quorn says the children are left alone.")
    assert "names who raised it" in refused.value.errors["summary"]
    with pytest.raises(StepInvalid) as refused:
        record(front_door, [people[0]], manager, summary=f"Call back on {CONTACT}.")
    assert "summary" in refused.value.errors
    concern = record(front_door, [people[0]], manager)
    with pytest.raises(StepInvalid) as refused:
        concern_respond(user=manager, concern_id=concern.pk, response="Told Zelda Quorn we visited.", revision=0)
    assert "response" in refused.value.errors
    assert not SourceRecord.objects.filter(kind="concern").exclude(pk=concern_records(concern)[0].pk).exists()


def test_what_is_missing_is_named_and_nothing_is_written(front_door, hospital, make_user):
    outsider = make_user(role=Role.TEAM_MANAGER, agency=hospital)
    with pytest.raises(StepInvalid) as refused:
        concern_record(user=front_door, raised_by="", summary=" ", children=[], responder=None)
    assert set(refused.value.errors) == {"raised_by", "summary", "children", "responder"}
    with pytest.raises(StepInvalid) as refused:
        concern_record(user=front_door, raised_by="anonymous", summary="x", children=[], responder=outsider,
                       raiser_name="Someone", received_at=dt.datetime.now(dt.UTC) + dt.timedelta(days=1))
    assert {"raiser_name", "responder", "received_at"} <= set(refused.value.errors)
    assert not Concern.objects.exists() and not SourceRecord.objects.filter(kind="concern").exists()


def test_a_partner_practitioner_may_not_record_a_concern(nurse, manager, people):
    with pytest.raises(PermissionError):
        record(nurse, [people[0]], manager)


# --- answering, telling the raiser --------------------------------------------------------------------------------


@pytest.mark.both_databases
def test_answering_and_telling_the_raiser_are_new_versions_of_each_childs_record(front_door, manager, people):
    ruby, sam = people
    concern = record(front_door, [ruby, sam], manager)
    with pytest.raises(StepInvalid) as early:
        concern_raiser_told(user=manager, concern_id=concern.pk, how="By telephone", revision=0)
    assert "Record what was done" in early.value.errors["response"]
    concern = concern_respond(user=manager, concern_id=concern.pk, response="Visited both children at home.",
                              revision=0)
    assert concern.revision == 1 and concern.responded_by == manager and concern.responded_at is not None
    concern = concern_raiser_told(user=manager, concern_id=concern.pk, how="By telephone", revision=1)
    assert concern.revision == 2 and concern.raiser_told_how == "By telephone"
    for rec in concern_records(concern):
        versions = list(SourceRecordVersion.objects.filter(record=rec).order_by("sequence"))
        assert [v.payload["version"] for v in versions] == [1, 2, 3]
        assert "response" not in versions[0].payload["detail"]
        assert versions[1].payload["detail"]["response"] == "Visited both children at home."
        assert "raiser_told_at" not in versions[1].payload["detail"]
        assert versions[2].payload["detail"]["raiser_told_at"] and "how" not in versions[2].payload["detail"]
    for child in (ruby, sam):
        (event,) = [e for e in chronology_for(viewer=None, person=child).events if e.kind == "concern"]
        assert event.versions_received == 3 and event.detail["responded_at"]
    steps = [a.detail["step"] for a in AuditEvent.objects.filter(action="concern.respond").order_by("occurred_at")]
    assert steps == ["response", "raiser_told"]


@pytest.mark.both_databases
def test_a_stale_revision_is_a_conflict_and_writes_nothing(front_door, manager, head, people):
    concern = record(front_door, [people[0]], manager)
    concern_respond(user=manager, concern_id=concern.pk, response="Visited.", revision=0)
    before = SourceRecordVersion.objects.count()
    with pytest.raises(Conflict) as conflict:
        concern_respond(user=head, concern_id=concern.pk, response="Something else.", revision=0)
    assert conflict.value.current_revision == 1
    assert SourceRecordVersion.objects.count() == before
    assert Concern.objects.get(pk=concern.pk).response == "Visited."


def test_only_the_responder_or_a_head_of_service_answers(front_door, manager, head, people, make_user, csc):
    concern = record(front_door, [people[0]], manager)
    worker = make_user(role=Role.SOCIAL_WORKER, agency=csc)
    with pytest.raises(PermissionError):
        concern_respond(user=worker, concern_id=concern.pk, response="x", revision=0)
    with pytest.raises(PermissionError):
        concern_respond(user=front_door, concern_id=concern.pk, response="x", revision=0)  # recorded it only
    assert concern_respond(user=head, concern_id=concern.pk, response="Passed to the team.", revision=0).revision == 1


# --- reading ------------------------------------------------------------------------------------------------------


def test_the_identity_is_shown_only_to_the_named_roles(front_door, manager, head, dpo, people, make_user, csc):
    concern = record(front_door, [people[0]], manager)
    for viewer, shown in ((head, True), (dpo, True), (manager, False), (front_door, False)):
        view = concern_for_viewer(viewer=viewer, concern_id=concern.pk)
        assert view is not None and view.raiser_shown is shown
        assert (view.raiser_name == NAME) is shown and (view.raiser_contact == CONTACT) is shown
        assert view.raiser_withheld is not shown
    open_ = record(front_door, [people[0]], manager, identity_withheld=False)
    assert concern_for_viewer(viewer=manager, concern_id=open_.pk).raiser_name == NAME
    worker = make_user(role=Role.SOCIAL_WORKER, agency=csc)
    assert concern_for_viewer(viewer=worker, concern_id=concern.pk) is None


def test_pages_show_withheld_except_to_the_named_roles_and_audit_the_identity(front_door, manager, head, people,
                                                                              signed_in, client):
    concern = record(front_door, [people[0]], manager)
    page = html(signed_in(manager).get(f"/concerns/{concern.pk}/"))
    assert "Withheld" in page and NAME not in page and CONTACT not in page
    assert not AuditEvent.objects.filter(action="concern.raiser_view").exists()
    assert AuditEvent.objects.filter(action="concern.view", object_id=str(concern.pk)).exists()
    client.post("/sign-out/")
    page = html(signed_in(head).get(f"/concerns/{concern.pk}/"))
    assert NAME in page and CONTACT in page
    seen = AuditEvent.objects.get(action="concern.raiser_view")
    assert seen.object_id == str(concern.pk) and seen.actor_username == head.username
    log = html(signed_in(head).get("/concerns/"))
    assert NAME not in log and "Ruby Calloway" in log  # the log never lists who raised it


def test_the_log_lists_unanswered_first_with_overdue_marked(front_door, manager, head, people, signed_in):
    late = record(front_door, [people[0]], manager, summary="Old worry about the stairs.",
                  received_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=20))
    fresh = record(front_door, [people[1]], manager, summary="New worry about school.")
    done = record(front_door, [people[1]], manager, summary="Answered worry about food.")
    concern_respond(user=manager, concern_id=done.pk, response="Food bank referral made.", revision=0)
    rows = concern_rows(concerns_for(viewer=head), viewer=head)
    assert [r.concern.pk for r in rows] == [late.pk, fresh.pk, done.pk]
    assert [r.status for r in rows] == ["overdue", "open", "answered"]
    page = html(signed_in(manager).get("/concerns/"))
    assert page.index("Old worry") < page.index("New worry") < page.index("Answered worry")
    assert "Overdue" in page
    overdue = html(signed_in(manager).get("/concerns/", {"status": "overdue"}))
    assert "Old worry" in overdue and "New worry" not in overdue
    assert any(str(late.pk) in a.detail["object_ids"] for a in AuditEvent.objects.filter(action="concern.view"))
    # For the dashboard: the authority's unanswered concerns and their counts, for managers only.
    assert unanswered_concern_counts(viewer=head) == {"unanswered": 2, "overdue": 1}
    listed = unanswered_concerns(viewer=manager)
    assert [u.concern_id for u in listed] == [late.pk, fresh.pk] and listed[0].overdue and listed[0].children == 1
    assert unanswered_concerns(viewer=front_door) is None and unanswered_concern_counts(viewer=front_door) is None


def test_404s(front_door, manager, people, nurse, make_user, signed_in, client):
    concern = record(front_door, [people[0]], manager)
    other = agency_create(actor=SYSTEM, code="elsewhere-csc", name="Elsewhere", kind=AgencyKind.CHILDRENS_SOCIAL_CARE)
    stranger = make_user(role=Role.TEAM_MANAGER, agency=other)
    assert signed_in(stranger).get(f"/concerns/{concern.pk}/").status_code == 404
    assert client.get("/concerns/00000000-0000-0000-0000-000000000000/").status_code == 404
    assert html(client.get("/concerns/")).count("Shouting") == 0
    client.post("/sign-out/")
    assert signed_in(nurse).get("/concerns/").status_code == 404
    assert client.get("/concerns/new/").status_code == 404
    client.post("/sign-out/")
    # The recorder may read it but not answer it: the answer form is refused.
    response = signed_in(front_door).post(f"/concerns/{concern.pk}/", {"do": "respond", "response": "x",
                                                                       "revision": "0"})
    assert response.status_code == 404


# --- the pages ---------------------------------------------------------------------------------------------------


def test_a_concern_is_recorded_answered_and_the_raiser_told_through_the_pages(front_door, manager, people,
                                                                               signed_in, client):
    ruby, sam = people
    page = signed_in(front_door)
    found = html(page.post("/concerns/new/", {"do": "search", "name": "Calloway"}))
    assert "Ruby Calloway" in found and "Sam Calloway" in found
    assert AuditEvent.objects.filter(action="person.search", reason__contains="record a concern").exists()
    nothing = html(page.post("/concerns/new/", {"do": "continue"}))
    assert "Choose at least one child the concern is about" in nothing
    chosen = page.post("/concerns/new/", {"do": "continue", "child": [str(ruby.pk), str(sam.pk)]})
    assert chosen.status_code == 302 and "Calloway" not in chosen["Location"]
    form = html(page.get(chosen["Location"]))
    assert "Ruby Calloway" in form and "Sam Calloway" in form and f'value="{manager.pk}"' in form
    missing = html(page.post("/concerns/new/", {"do": "record", "child": [str(ruby.pk), str(sam.pk)],
                                                "raiser_name": NAME}))
    assert "Select who raised the concern" in missing and "Enter what the concern is" in missing
    assert f'value="{NAME}"' in missing  # what was typed is kept
    made = page.post("/concerns/new/", {
        "do": "record", "child": [str(ruby.pk), str(sam.pk)], "raised_by": "neighbour", "raiser_name": NAME,
        "raiser_contact": CONTACT, "identity_withheld": "yes", "summary": "Children left alone overnight.",
        "responder": str(manager.pk), "received_at": "", "response_due_on": ""})
    concern = Concern.objects.get()
    assert made.status_code == 302 and made["Location"] == f"/concerns/{concern.pk}/"
    assert concern.identity_withheld and concern.raiser_name == NAME and set(concern.children.all()) == {ruby, sam}
    client.post("/sign-out/")
    answering = signed_in(manager)
    detail = html(answering.get(made["Location"]))
    assert "Withheld" in detail and NAME not in detail and "Record what was done" in detail
    stale = html(answering.post(made["Location"], {"do": "respond", "response": "Visited.", "revision": "7"}))
    assert "Someone else changed this concern" in stale
    done = answering.post(made["Location"], {"do": "respond", "response": "Visited; both seen.", "revision": "0"})
    assert done.status_code == 302
    told = answering.post(made["Location"], {"do": "told", "how": "", "revision": "1"})
    assert "Say how they were told" in html(told)
    answering.post(made["Location"], {"do": "told", "how": "By letter", "revision": "1"})
    concern.refresh_from_db()
    assert concern.response == "Visited; both seen." and concern.raiser_told_how == "By letter"
    final = html(answering.get(made["Location"]))
    assert "Answered; raiser told" in final and "By letter" not in final  # how they were reached is withheld too
    assert re.search(r"Told \d+ \w+ \d{4}", final)


def test_the_data_protection_officer_has_the_concerns_log_on_their_home_page(dpo, csc, make_user, signed_in):
    home = html(signed_in(dpo).get("/"))
    assert 'href="/concerns/"' in home
    assert signed_in(dpo).get("/concerns/").status_code == 200
    school = agency_create(actor=SYSTEM, code="millfield-primary", name="Millfield Primary", kind=AgencyKind.SCHOOL)
    teacher = make_user(role=Role.PARTNER_PRACTITIONER, agency=school)
    other = Client()
    sign_in(other, teacher)
    assert 'href="/concerns/"' not in html(other.get("/"))
