"""A contact taken through to a child protection plan and on to closure, through the services: every step a
record, a chronology event and an audit row; illegal steps refused with a sentence; conflicts detected."""

from __future__ import annotations

import datetime as dt

import pytest

from joinedup.audit.models import AuditEvent
from joinedup.casework.lifecycle import Refused
from joinedup.casework.models import Case, CaseClock, Contact
from joinedup.casework.services import Conflict, StepInvalid, case_step_record
from joinedup.chronology.selectors import events_for_people
from joinedup.ingest.models import SourceRecord
from tests.casework.conftest import new_child_contact

pytestmark = pytest.mark.django_db


def today():
    from joinedup.casework.services.recording import today as t

    return t()


def step(user, case_id, name, revision=None, **data):
    return case_step_record(user=user, case_id=case_id, step=name, data=data, revision=revision)


def test_contact_to_plan_to_closure(front_door):
    from joinedup.casework.services import contact_decide

    t = today()
    made = new_child_contact(front_door, rag="red", received_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=20))
    decided = contact_decide(user=front_door, person=made.person, record_pk=made.record_pk,
                             decision="strategy_discussion", primary_need="N1", revision=made.contact.revision)
    case = Case.objects.get(pk=decided.case_id)
    assert case.stage == "Strategy discussion to hold" and case.is_open and case.primary_need == "N1"
    contact = Contact.objects.get(record_id=decided.record_pk)
    assert not contact.is_open and contact.decision == "strategy_discussion" and contact.case_id == case.pk

    held = dt.datetime.now(dt.UTC) - dt.timedelta(days=19)
    s = step(front_door, case.pk, "strategy_discussion", held_at=held, decision="section_47",
             attendees="Police: detective constable\nHospital: named nurse")
    assert s.stage == "Referral" and len(s.strategies) == 1
    s = step(front_door, case.pk, "section47_start", started_on=t - dt.timedelta(days=19))
    assert s.stage == "Section 47 enquiry"
    s = step(front_door, case.pk, "section47_complete", completed_on=t - dt.timedelta(days=12),
             outcome="substantiated", conference_needed=True)
    assert s.stage == "Initial conference to hold"
    case.refresh_from_db()
    assert case.stage == "Initial conference to hold"
    assert CaseClock.objects.filter(case=case, kind="icpc", met_at__isnull=True).exists()

    with pytest.raises(Refused, match="while a child protection plan is open"):
        step(front_door, case.pk, "core_group", held_on=t)
    s = step(front_door, case.pk, "initial_conference", held_on=t - dt.timedelta(days=10), outcome="plan",
             category="neglect")
    assert s.stage == "Child protection plan"
    plan = s.open_protection_plan()
    assert plan.initial_category == plan.latest_category == "neglect" and plan.previous_plans == 0
    case.refresh_from_db()
    assert case.stage == "Child protection plan" and case.latest_category == "neglect"
    assert case.next_due_label.startswith("First core group")

    with pytest.raises(Refused, match="cannot be closed while the child protection plan"):
        step(front_door, case.pk, "close", closed_on=t, reason="RC7")
    step(front_door, case.pk, "core_group", held_on=t - dt.timedelta(days=5), attendees="School: designated teacher")
    with pytest.raises(Refused, match="needs an open child protection plan"):  # same day as the ICPC
        step(front_door, case.pk, "review_conference", held_on=t - dt.timedelta(days=10), outcome="plan_ends")
    s = step(front_door, case.pk, "review_conference", held_on=t - dt.timedelta(days=2), outcome="plan_continues",
             category="physical_abuse")
    assert [c.category for c in s.open_protection_plan().categories] == ["neglect", "physical_abuse"]
    s = step(front_door, case.pk, "review_conference", held_on=t, outcome="plan_ends")
    assert s.open_protection_plan() is None and s.protection_plans[0].latest_category == "physical_abuse"
    s = step(front_door, case.pk, "close", closed_on=t, reason="RC7")
    case.refresh_from_db()
    assert not case.is_open and case.stage == "Closed" and case.closure_reason == "RC7"
    with pytest.raises(Refused, match="closed on"):
        step(front_door, case.pk, "strategy_discussion", held_at=dt.datetime.now(dt.UTC), decision="section_47",
             attendees=["Police: sergeant"])


def test_every_step_is_a_record_an_event_and_an_audit_row(front_door, case_at_strategy):
    case = Case.objects.get(pk=case_at_strategy.case_id)
    before_audit = AuditEvent.objects.filter(action="case.step").count()
    step(front_door, case.pk, "strategy_discussion", held_at=dt.datetime.now(dt.UTC), decision="section_47",
         attendees=["Police: sergeant"])
    assert AuditEvent.objects.filter(action="case.step").count() == before_audit + 1
    kinds = {e.kind for e in events_for_people({case.person_id: "child"})}
    assert {"csc_contact", "referral", "strategy_discussion"} <= kinds
    assert SourceRecord.objects.filter(kind="strategy_discussion", current__received_via="joinedup").count() == 1


def test_illegal_steps_are_refused_and_write_nothing(front_door, case_at_strategy):
    case = Case.objects.get(pk=case_at_strategy.case_id)
    records = SourceRecord.objects.count()
    with pytest.raises(Refused, match="needs a section 47 enquiry first"):
        step(front_door, case.pk, "initial_conference", held_on=today(), outcome="plan", category="neglect")
    with pytest.raises(Refused, match="follows a strategy discussion"):
        step(front_door, case.pk, "section47_start", started_on=today())
    assert SourceRecord.objects.count() == records


def test_bad_input_names_each_field(front_door, case_at_strategy):
    case = Case.objects.get(pk=case_at_strategy.case_id)
    with pytest.raises(StepInvalid) as exc:
        step(front_door, case.pk, "initial_conference", held_on=today() + dt.timedelta(days=2), outcome="maybe")
    assert set(exc.value.errors) == {"held_on", "outcome"}
    assert "today or in the past" in exc.value.errors["held_on"]


def test_a_stale_revision_is_a_conflict(front_door, case_at_strategy):
    case = Case.objects.get(pk=case_at_strategy.case_id)
    seen = case.revision
    step(front_door, case.pk, "strategy_discussion", seen, held_at=dt.datetime.now(dt.UTC), decision="section_47",
         attendees=["Police: sergeant"])
    with pytest.raises(Conflict) as exc:
        step(front_door, case.pk, "strategy_discussion", seen, held_at=dt.datetime.now(dt.UTC),
             decision="section_47", attendees=["Police: sergeant"])
    assert exc.value.current_revision > seen


def test_assessment_decision_opens_case_with_assessment_and_clock(front_door):
    made = new_child_contact(front_door, raised_by="relative", source_code="")
    from joinedup.casework.services import contact_decide

    decided = contact_decide(user=front_door, person=made.person, record_pk=made.record_pk, decision="assessment",
                             revision=made.contact.revision)
    case = Case.objects.get(pk=decided.case_id)
    assert case.stage == "Assessment" and case.source_code == "1A"
    clock = CaseClock.objects.get(case=case, kind="assessment")
    from joinedup.casework.clocks import add_working_days

    assert clock.due_on == add_working_days(case.opened_on, 45)


def test_looked_after_episodes_and_the_status_partners_see(front_door):
    from joinedup.casework.services import contact_decide
    from joinedup.chronology.selectors import child_status

    t = today()
    made = new_child_contact(front_door, received_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=25))
    decided = contact_decide(user=front_door, person=made.person, record_pk=made.record_pk, decision="assessment",
                             revision=made.contact.revision)
    case = Case.objects.get(pk=decided.case_id)
    first = t - dt.timedelta(days=20)
    s = step(front_door, case.pk, "looked_after_start", started_on=first, legal_status="V2", placement_type="U6",
             placement_provider="PR1", placement_postcode="nb1  2ab", category_of_need="N1")
    assert s.open_episode().reason_new_episode == "S" and s.open_episode().placement_postcode == "NB1 2AB"
    s = step(front_door, case.pk, "looked_after_change", changed_on=t - dt.timedelta(days=5), reason_new_episode="P",
             legal_status="V2", placement_type="K2", placement_provider="PR4", category_of_need="N1")
    assert [(e.reason_new_episode, e.reason_ended) for e in s.episodes] == [("S", "X1"), ("P", "")]
    status = child_status(person=made.person, on=t)
    assert status.looked_after and status.looked_after_since == first
    # the placement postcode is protected: it is in no chronology event's detail or summary
    events = events_for_people({made.person.pk: "child"})
    assert all("NB1 2AB" not in (e.summary + str(e.detail)) for e in events)
    with pytest.raises(Refused, match="cannot be closed while the looked-after episode"):
        step(front_door, case.pk, "close", closed_on=t, reason="RC7")


def test_a_change_of_legal_status_keeps_the_placement(front_door):
    from joinedup.casework.services import contact_decide

    t = today()
    made = new_child_contact(front_door, received_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=25))
    decided = contact_decide(user=front_door, person=made.person, record_pk=made.record_pk, decision="assessment",
                             revision=made.contact.revision)
    case = Case.objects.get(pk=decided.case_id)
    step(front_door, case.pk, "looked_after_start", started_on=t - dt.timedelta(days=20), legal_status="L2",
         placement_type="U6", placement_provider="PR1", placement_postcode="NB1 2AB", category_of_need="N1")
    s = step(front_door, case.pk, "looked_after_change", changed_on=t - dt.timedelta(days=5),
             reason_new_episode="L", legal_status="C1")
    current = s.open_episode()
    assert (current.legal_status, current.placement_type, current.placement_postcode) == ("C1", "U6", "NB1 2AB")
