"""Visits (issue 13), through the service and the screens: a seen visit meets the plan's visit clock; a child not
seen (or not seen alone when the plan requires it) opens an accompanied revisit and tells the team manager at
once; only a visit that sees the child closes it; bad input names each field; a stale revision is a conflict;
anyone without a relationship gets 404; every write and read is audited; the visit is in the chronology."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from joinedup.accounts.models import Role
from joinedup.audit.models import AuditEvent
from joinedup.casework.lifecycle import Refused
from joinedup.casework.models import Case, CaseClock, Notice
from joinedup.casework.services import Conflict, StepInvalid, case_step_record
from joinedup.chronology.selectors import events_for_people
from joinedup.ingest.models import SourceRecord
from joinedup.practice.selectors.visits import case_visits_for, visits_due_for
from joinedup.practice.services import visit_record
from tests.conftest import sign_in
from tests.practice.test_visits_helpers import (  # noqa: F401 - fixtures
    case_at_referral,
    case_on_plan,
    csc_fixture,
    front_door_fixture,
    front_door_team_fixture,
    hospital_fixture,
    nurse_fixture,
    plan_case_fixture,
    revision_of,
    safeguarding_fixture,
)

pytestmark = [pytest.mark.both_databases, pytest.mark.django_db]


def record(user, case, revision="current", **data):
    return visit_record(user=user, case_id=case.pk, data=data,
                        revision=revision_of(case) if revision == "current" else revision)


def ago(**kw) -> dt.datetime:
    return dt.datetime.now(dt.UTC) - dt.timedelta(**kw)


def clocks(case, kind: str):
    return list(CaseClock.objects.filter(case_id=case.pk, kind=kind).order_by("started_at", "due_at"))


def signed_in_as(user) -> Client:
    """A fresh browser session for this user (a client signs in once)."""
    return sign_in(Client(), user)  # both steps: password, then the authenticator's code


def html(response) -> str:
    return response.content.decode()


def hidden(page: str, name: str) -> str:
    return re.search(rf'name="{name}"[^>]*? value="([^"]*)"', page).group(1)


# --- the service --------------------------------------------------------------------------------------------


def test_a_seen_visit_meets_the_plans_visit_clock(plan_case, safeguarding):
    [due] = clocks(plan_case, "visit")
    assert due.met_at is None and due.label.startswith("Statutory visit (child protection plan")
    result = record(safeguarding.worker, plan_case, child_seen=True, seen_alone=True, text="Ruby showed me her room.",
                    child_words="I like my new bed.", visit_type="statutory", location="At home",
                    present="Mother\nMother's partner")
    assert result.revisit is None and result.notice is None and not result.visit.needs_revisit
    first, second = clocks(plan_case, "visit")
    assert first.met_at is not None and second.met_at is None  # the next one runs from this visit
    assert second.due_on > first.due_on or second.started_at > first.started_at
    assert not clocks(plan_case, "revisit")
    case = Case.objects.get(pk=plan_case.pk)
    assert case.last_seen_on == result.visit.on
    detail = SourceRecord.objects.get(kind="visit").current.payload["detail"]
    assert detail["child_seen"] is True and detail["seen_alone"] is True and detail["seen_alone_required"] is True
    assert detail["present"] == ["Mother", "Mother's partner"] and detail["case_id"] == case.case_ref
    assert detail["child_words"] == "I like my new bed." and "not_seen_reason" not in detail
    assert Notice.objects.filter(kind="child_not_seen").count() == 0


def test_not_seen_opens_an_accompanied_revisit_and_tells_the_team_manager(plan_case, safeguarding):
    result = record(safeguarding.worker, plan_case, child_seen=False, not_seen_reason="Nobody answered the door.",
                    visited_at=ago(hours=3))
    assert result.visit.needs_revisit and result.revisit is not None
    [revisit] = clocks(plan_case, "revisit")
    assert revisit.met_at is None and revisit.stopped_at is None
    assert revisit.due_at == result.revisit.due_at  # one working day on a plan
    assert revisit.due_at - revisit.started_at <= dt.timedelta(days=4)
    notice = Notice.objects.get(kind="child_not_seen")
    assert notice.recipient == safeguarding.manager and notice.team is None and notice.person_id == plan_case.person_id
    assert "Ruby Calloway was not seen" in notice.text and "An accompanied revisit is due by" in notice.text
    assert "Nobody answered the door." in notice.text
    detail = SourceRecord.objects.get(kind="visit").current.payload["detail"]
    assert detail["child_seen"] is False and detail["seen_alone"] is False  # false when not seen
    assert [c.met_at for c in clocks(plan_case, "visit")] == [None]  # not seeing the child meets nothing


def test_only_a_visit_that_sees_the_child_closes_the_revisit(plan_case, safeguarding):
    worker = safeguarding.worker
    record(worker, plan_case, child_seen=False, visited_at=ago(hours=5))
    record(worker, plan_case, child_seen=False, accompanied=True, visited_at=ago(hours=3))
    revisits = clocks(plan_case, "revisit")
    assert len(revisits) == 2 and all(c.met_at is None for c in revisits)  # a second not-seen visit opens another
    assert Notice.objects.filter(kind="child_not_seen", recipient=safeguarding.manager).count() == 2
    seen = record(worker, plan_case, child_seen=True, seen_alone=True, accompanied=True, visited_at=ago(hours=1))
    assert all(c.met_at == seen.visit.at for c in clocks(plan_case, "revisit"))
    assert clocks(plan_case, "visit")[0].met_at is not None


def test_seen_but_not_alone_when_the_plan_requires_it(plan_case, safeguarding):
    result = record(safeguarding.worker, plan_case, child_seen=True, seen_alone=False,
                    not_seen_alone_reason="Mother would not leave the room.", visited_at=ago(hours=4))
    assert result.visit.seen_alone_required  # on a plan and 8 years old: required by default
    assert result.revisit is not None and result.revisit.label == "Accompanied revisit: the child was not seen alone"
    notice = Notice.objects.get(kind="child_not_seen")
    assert "seen but not alone" in notice.text and "Mother would not leave the room." in notice.text
    assert clocks(plan_case, "visit")[0].met_at is not None  # the child was seen: the plan's visit is met
    # Seen again, but still not alone: the revisit stays open; seen alone closes it.
    record(safeguarding.worker, plan_case, child_seen=True, seen_alone=False, visited_at=ago(hours=2))
    assert clocks(plan_case, "revisit")[0].met_at is None
    record(safeguarding.worker, plan_case, child_seen=True, seen_alone=True, visited_at=ago(hours=1))
    assert all(c.met_at is not None for c in clocks(plan_case, "revisit"))


def test_seen_alone_is_required_by_default_only_on_a_plan_for_a_child_of_four_or_more(front_door, safeguarding):
    toddler = case_on_plan(front_door, given="Ivy", family="Stone", dob=dt.date.today() - dt.timedelta(days=365 * 2))
    result = record(front_door, toddler, child_seen=True, seen_alone=False)
    assert not result.visit.seen_alone_required and result.revisit is None
    no_plan = case_at_referral(front_door)
    result = record(front_door, no_plan, child_seen=True, seen_alone=False)
    assert not result.visit.seen_alone_required and result.revisit is None
    result = record(front_door, no_plan, child_seen=True, seen_alone=False, seen_alone_required=True)
    assert result.revisit is not None  # the worker said the plan requires it
    # Off a plan, a revisit is due in five working days (counted as weekdays: a Sunday's is due on Friday; a visit
    # before the working day starts, 09:00 UK time, counts that day as the first).
    uk = ZoneInfo("Europe/London")
    started = result.revisit.started_at.astimezone(uk)
    start, due = started.date(), result.revisit.due_at.astimezone(uk).date()
    weekdays = sum(1 for n in range(1, (due - start).days + 1) if (start + dt.timedelta(days=n)).weekday() < 5)
    weekdays += start.weekday() < 5 and started.time() < dt.time(9)
    assert weekdays >= 5 and (due - start).days <= 9


def test_with_nobody_allocated_the_front_door_team_is_told(front_door, front_door_team):
    case = case_at_referral(front_door)
    record(front_door, case, child_seen=False)
    notice = Notice.objects.get(kind="child_not_seen")
    assert notice.recipient is None and notice.team == front_door_team


def test_bad_input_names_each_field_and_writes_nothing(plan_case, safeguarding):
    worker = safeguarding.worker
    with pytest.raises(StepInvalid) as exc:
        record(worker, plan_case)
    assert exc.value.errors == {"child_seen": "Select whether you saw the child"}
    with pytest.raises(StepInvalid) as exc:
        record(worker, plan_case, child_seen="yes", visit_type="drive_by", visited_at=ago(hours=-2),
               text="x" * 4001, present=["a"] * 31)
    assert set(exc.value.errors) == {"seen_alone", "visit_type", "visited_at", "text", "present"}
    assert exc.value.errors["visited_at"] == "When the visit was must be now or in the past"
    with pytest.raises(StepInvalid) as exc:
        record(worker, plan_case, child_seen=True, seen_alone="perhaps", visited_at=ago(days=40))
    assert "on or after the referral" in exc.value.errors["visited_at"] and "seen_alone" in exc.value.errors
    with pytest.raises(StepInvalid) as exc:
        record(worker, plan_case, child_seen=False, visited_at="yesterday teatime")
    assert set(exc.value.errors) == {"visited_at"}
    assert not SourceRecord.objects.filter(kind="visit").exists()
    assert not AuditEvent.objects.filter(action="visit.record").exists()


def test_a_stale_revision_is_a_conflict(plan_case, safeguarding):
    before = revision_of(plan_case)
    record(safeguarding.manager, plan_case, child_seen=True, seen_alone=True)
    with pytest.raises(Conflict) as exc:
        record(safeguarding.worker, plan_case, revision=before, child_seen=False)
    assert exc.value.current_revision == before + 1
    assert SourceRecord.objects.filter(kind="visit").count() == 1
    assert not Notice.objects.filter(kind="child_not_seen").exists()


def test_a_closed_case_takes_no_visits(front_door):
    case = case_at_referral(front_door)
    t = dt.date.today()
    case_step_record(user=front_door, case_id=case.pk, step="assessment_complete",
                     data={"authorised_on": t, "factors": ["21"], "outcome": "no_further_action"}, revision=None)
    case_step_record(user=front_door, case_id=case.pk, step="close", data={"closed_on": t, "reason": "RC8"},
                     revision=None)
    with pytest.raises(Refused, match="visits are recorded in an open case"):
        record(front_door, case, child_seen=True, seen_alone=True)


def test_without_a_relationship_nobody_records_or_reads(plan_case, make_user, csc, nurse):
    other_worker = make_user(role=Role.SOCIAL_WORKER, agency=csc)
    for user in (other_worker, nurse):
        with pytest.raises(PermissionError):
            record(user, plan_case, child_seen=True, seen_alone=True)
        assert case_visits_for(viewer=user, case_id=plan_case.pk) is None
    assert visits_due_for(viewer=nurse) is None


def test_audit_and_the_chronology(plan_case, safeguarding):
    result = record(safeguarding.worker, plan_case, child_seen=False)
    event = AuditEvent.objects.get(action="visit.record")
    assert event.subject_person_id == plan_case.person_id and event.object_id == str(plan_case.pk)
    assert event.detail["records"] == [result.record_key] and event.detail["child_seen"] is False
    assert event.detail["told"] == safeguarding.manager.username and event.detail["revisit_due"]
    [visit] = [e for e in events_for_people({plan_case.person_id: "child"}) if e.kind == "visit"]
    assert visit.kind_label == "Social work visit" and "child seen: no" in visit.summary


def test_what_a_worker_has_due(plan_case, safeguarding, front_door, make_user, csc):
    record(safeguarding.worker, plan_case, child_seen=False)
    due = visits_due_for(viewer=safeguarding.worker)
    assert [d.kind for d in due] == ["revisit", "visit"]  # the revisit is due first
    assert all(d.person.pk == plan_case.person_id and d.case_id == plan_case.pk for d in due)
    assert [d.kind for d in visits_due_for(viewer=safeguarding.manager)] == ["revisit", "visit"]
    assert visits_due_for(viewer=make_user(role=Role.SOCIAL_WORKER, agency=csc)) == []
    assert visits_due_for(viewer=front_door) is None


# --- the screens -------------------------------------------------------------------------------------------


def test_the_form_asks_three_things_first_with_now_filled_in(plan_case, safeguarding, signed_in):
    client = signed_in(safeguarding.worker)
    page = html(client.get(f"/cases/{plan_case.pk}/visits/new/"))
    required = set(re.findall(r'name="(\w+)"[^>]*\srequired', page))
    assert required == {"child_seen", "seen_alone", "visited_at"}
    assert page.index('name="child_seen"') < page.index('name="seen_alone"') < page.index('name="text"')
    assert re.search(r'name="visited_at" type="text" inputmode="numeric" value="\d\d/\d\d/\d{4} \d\d:\d\d"', page)
    assert "Did you see Ruby Calloway?" in page and "Their plan requires it" in page
    assert f'data-visit-draft="{plan_case.pk}"' in page and "joinedup/visit-draft.mjs" in page
    assert "Ruby" not in re.search(r'data-visit-draft="([^"]*)"', page).group(1)  # the draft's key: the case id
    assert AuditEvent.objects.filter(action="case.view", object_id=str(plan_case.pk),
                                     detail__visit_form=True).exists()


def test_recording_on_the_page_then_the_confirmation_clears_the_draft(plan_case, safeguarding, signed_in):
    client = signed_in(safeguarding.worker)
    page = html(client.get(f"/cases/{plan_case.pk}/visits/new/"))
    response = client.post(f"/cases/{plan_case.pk}/visits/new/", {
        "revision": hidden(page, "revision"), "visited_at": hidden(page, "visited_at"),
        "opened_at": hidden(page, "opened_at"), "child_seen": "no", "seen_alone_required": "yes",
        "not_seen_reason": "Curtains drawn, no answer."})
    assert response.status_code == 302
    visit = SourceRecord.objects.select_related("current").get(kind="visit")
    record_pk = visit.pk
    # "When", as filled in, is the moment the form was opened, to the second.
    occurred = dt.datetime.fromisoformat(visit.current.payload["occurred_at"].replace("Z", "+00:00"))
    assert occurred == dt.datetime.fromisoformat(hidden(page, "opened_at"))
    assert response["Location"] == f"/cases/{plan_case.pk}/visits/{record_pk}/"
    done = html(client.get(response["Location"]))
    assert "Visit recorded" in done and f'data-visit-draft-sent="{plan_case.pk}"' in done
    assert "an accompanied revisit is due by" in done and "Tess Manning has been told" in done
    again = html(client.get(response["Location"]))  # only straight after sending does the page clear the draft
    assert "data-visit-draft-sent" not in again and "Visit on" in again and "Curtains drawn, no answer." in again

    case_page = html(client.get(f"/cases/{plan_case.pk}/"))
    section = case_page[case_page.index('id="visits"'):]
    assert "Record a visit" in section and "Not seen" in section
    assert "Accompanied revisit: the child was not seen" in case_page  # in the clocks table
    chronology = html(client.get(f"/people/{plan_case.person_id}/chronology/"))
    assert "Social work visit" in chronology and "Curtains drawn, no answer." in chronology
    manager = signed_in_as(safeguarding.manager)
    assert "Ruby Calloway was not seen on a visit" in html(manager.get("/notices/"))


def test_page_errors_name_each_field_and_keep_what_was_typed(plan_case, safeguarding, signed_in):
    client = signed_in(safeguarding.worker)
    page = html(client.get(f"/cases/{plan_case.pk}/visits/new/"))
    response = client.post(f"/cases/{plan_case.pk}/visits/new/", {
        "revision": hidden(page, "revision"), "visited_at": "31/02/2026 25:00", "child_seen": "yes",
        "text": "Kept across the error."})
    body = html(response)
    assert response.status_code == 200 and "There is a problem" in body
    assert 'href="#visit-seen_alone">Select whether you saw the child alone' in body
    assert 'href="#visit-visited_at">Enter when the visit was' in body
    assert "Kept across the error." in body and 'data-bound="true"' in body
    assert not SourceRecord.objects.filter(kind="visit").exists()


def test_a_conflict_on_the_page(plan_case, safeguarding, signed_in):
    client = signed_in(safeguarding.worker)
    page = html(client.get(f"/cases/{plan_case.pk}/visits/new/"))
    record(safeguarding.manager, plan_case, child_seen=True, seen_alone=True)
    body = html(client.post(f"/cases/{plan_case.pk}/visits/new/", {
        "revision": hidden(page, "revision"), "child_seen": "yes", "seen_alone": "yes", "text": "Mine."}))
    assert "Someone else changed this case" in body and "Mine." in body
    assert hidden(body, "revision") == str(revision_of(plan_case))
    assert SourceRecord.objects.filter(kind="visit").count() == 1


def test_pages_are_404_without_a_relationship(plan_case, safeguarding, make_user, csc, signed_in):
    record(safeguarding.worker, plan_case, child_seen=True, seen_alone=True)
    record_pk = SourceRecord.objects.get(kind="visit").pk
    client = signed_in(make_user(role=Role.SOCIAL_WORKER, agency=csc))
    assert client.get(f"/cases/{plan_case.pk}/visits/new/").status_code == 404
    assert client.post(f"/cases/{plan_case.pk}/visits/new/", {"child_seen": "yes"}).status_code == 404
    assert client.get(f"/cases/{plan_case.pk}/visits/{record_pk}/").status_code == 404
    worker = signed_in_as(safeguarding.worker)
    assert worker.get(f"/cases/{plan_case.pk}/visits/{record_pk + 999}/").status_code == 404  # not a visit of the case


def test_the_visits_due_page(plan_case, safeguarding, signed_in, nurse):
    client = signed_in(safeguarding.worker)
    page = html(client.get("/visits/due/"))
    assert "Ruby Calloway" in page and "Statutory visit (child protection plan" in page
    assert AuditEvent.objects.filter(action="case.list", reason="visits due").exists()
    assert signed_in_as(nurse).get("/visits/due/").status_code == 404
