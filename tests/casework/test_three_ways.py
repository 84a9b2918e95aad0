"""One model, whichever way it arrives: the same case — a contact decided for a strategy discussion, a
section 47 enquiry that needs a conference, an initial conference with a plan, a core group and a review that
changes the category — recorded three times, about three children: in the screens (forms, through the Django
client), through the casework API, and sent by an authority's own case system as agency records
(`POST /api/v1/records/`, linked by online matching). The three cases the fold makes are the same.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from joinedup.accounts.models import Role
from joinedup.casework.clocks import clocks_from_settings
from joinedup.casework.models import Case, Contact
from joinedup.casework.projection import casework_of
from joinedup.people.models import LinkageModel, Person
from tests.casework.conftest import CSC_CODE
from tests.people.conftest import authority, authority_records, trained_model  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.both_databases]

TZ = clocks_from_settings().tz


def local_today() -> dt.date:
    return dt.datetime.now(TZ).date()


BASE = local_today() - dt.timedelta(days=25)
RECEIVED = dt.datetime.combine(BASE, dt.time(10, 0), tzinfo=TZ)
STRATEGY = dt.datetime.combine(BASE + dt.timedelta(days=1), dt.time(11, 30), tzinfo=TZ)
S47_START, S47_END = BASE + dt.timedelta(days=1), BASE + dt.timedelta(days=8)
ICPC, CORE_GROUP, REVIEW = (BASE + dt.timedelta(days=n) for n in (10, 14, 20))
CONCERN = "Bruising to the ear seen at nursery; explanation changed."


def ddmmyyyy(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


def hidden_revision(page: str) -> str:
    return re.search(r'name="revision" value="(\d+)"', page).group(1)


def iso_z(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def normal(person: Person) -> dict:
    """What the fold makes of the child's records, without ids, keys or who recorded it when."""
    cw = casework_of(person)
    assert cw.issues == [], cw.issues
    (case,) = cw.cases
    (contact,) = cw.contacts
    return {
        "contact": (contact.received_at, contact.source_code, contact.raised_by, contact.rag, contact.decision,
                    contact.case_key == case.key, [(c.kind, c.due_at, c.met_at is not None) for c in contact.clocks]),
        "case": (case.stage, case.opened_on, case.source_code, case.primary_need, case.route, case.nfa,
                 case.is_open),
        "strategies": [(s.held_at, s.held_on, s.decision, s.attendees) for s in case.strategies],
        "enquiries": [(q.started_on, q.completed_on, q.outcome, q.conference_needed, bool(q.icpc_key))
                      for q in case.enquiries],
        "conferences": [(c.conference_type, c.held_on, c.outcome, c.category) for c in case.conferences],
        "plans": [(p.started_on, p.ended_on, [(c.on, c.category) for c in p.categories], p.previous_plans,
                   p.core_groups, p.reviews) for p in case.protection_plans],
        "clocks": sorted((c.kind, c.due_on or c.due_at, c.met_at is not None, c.stopped_at is not None)
                         for c in case.clocks),
    }


@pytest.fixture
def linking_model(db, trained_model):  # noqa: F811
    """A trained linkage model, so records a case system posts are matched to people on arrival."""
    LinkageModel.objects.create(trained_at="2026-01-01T00:00:00Z", model=trained_model, identity_rows=0)


def through_the_screens(client) -> Person:
    made = client.post("/contacts/new/", {
        "do": "record", "child": "new", "given_name": "Poppy", "family_name": "Harrow", "dob": "04/05/2023",
        "raised_by": "agency", "source_code": "2A", "text": CONCERN, "rag": "amber",
        "received_at": RECEIVED.strftime("%d/%m/%Y %H:%M"),
    })
    assert made.status_code == 302, made.content[:2000]
    contact = Contact.objects.get(person__family_name="Harrow")
    url = f"/contacts/{contact.record_id}/"
    page = client.get(url).content.decode()
    decided = client.post(url, {"do": "decide", "decision": "strategy_discussion", "primary_need": "N1",
                                "revision": hidden_revision(page.split('value="decide"')[1])})
    assert decided.status_code == 302, decided.content[:2000]
    case = Case.objects.get(person=contact.person)
    for step, data in (
        ("strategy_discussion", {"held_at": STRATEGY.strftime("%d/%m/%Y %H:%M"), "decision": "section_47",
                                 "attendees": "Police: detective sergeant\nNursery: manager"}),
        ("section47_start", {"started_on": ddmmyyyy(S47_START)}),
        ("section47_complete", {"completed_on": ddmmyyyy(S47_END), "outcome": "substantiated",
                                "conference_needed": "yes"}),
        ("initial_conference", {"held_on": ddmmyyyy(ICPC), "outcome": "plan", "category": "neglect"}),
        ("core_group", {"held_on": ddmmyyyy(CORE_GROUP)}),
        ("review_conference", {"held_on": ddmmyyyy(REVIEW), "outcome": "plan_continues",
                               "category": "physical_abuse"}),
    ):
        step_url = f"/cases/{case.pk}/steps/{step}/"
        form = client.get(step_url).content.decode()
        done = client.post(step_url, {**data, "revision": hidden_revision(form)})
        assert done.status_code == 302, (step, done.content.decode()[:3000])
    return contact.person


def through_the_api(client) -> Person:
    made = client.post("/api/v1/contacts/", {
        "new_person": {"given_name": "Rowan", "family_name": "Ashby", "dob": "2023-05-04"},
        "raised_by": "agency", "source_code": "2A", "text": CONCERN, "rag": "amber",
        "received_at": RECEIVED.isoformat(),
    }, content_type="application/json")
    assert made.status_code == 201, made.content
    record_id = made.json()["id"]
    revision = client.get(f"/api/v1/contacts/{record_id}/").json()["revision"]
    decided = client.post(f"/api/v1/contacts/{record_id}/decision/", {
        "decision": "strategy_discussion", "primary_need": "N1", "revision": revision}, content_type="application/json")
    assert decided.status_code == 201, decided.content
    case_id = decided.json()["case_id"]
    for step, data in (
        ("strategy_discussion", {"held_at": STRATEGY.isoformat(), "decision": "section_47",
                                 "attendees": ["Police: detective sergeant", "Nursery: manager"]}),
        ("section47_start", {"started_on": S47_START.isoformat()}),
        ("section47_complete", {"completed_on": S47_END.isoformat(), "outcome": "substantiated",
                                "conference_needed": True}),
        ("initial_conference", {"held_on": ICPC.isoformat(), "outcome": "plan", "category": "neglect"}),
        ("core_group", {"held_on": CORE_GROUP.isoformat()}),
        ("review_conference", {"held_on": REVIEW.isoformat(), "outcome": "plan_continues",
                               "category": "physical_abuse"}),
    ):
        revision = client.get(f"/api/v1/cases/{case_id}/").json()["revision"]
        done = client.post(f"/api/v1/cases/{case_id}/steps/", {"step": step, "revision": revision, **data},
                           content_type="application/json")
        assert done.status_code == 201, (step, done.content)
    return Case.objects.get(pk=case_id).person


def from_a_case_system(client) -> Person:
    child = {"mention_id": "m1", "role": "subject", "local_person_id": "MOS-40417", "given_name": "Sage",
             "family_name": "Whitcombe", "dob": "2023-05-04", "sex": "female"}

    def record(srid, kind, detail, *, at=None, on=None, ended_on=None, version=1):
        out = {"schema": "joinedup.agency-record/1", "agency_id": CSC_CODE, "source_system": "mosaic",
               "source_record_id": srid, "version": version, "kind": kind, "mentions": [child],
               "recorded_at": iso_z(RECEIVED + dt.timedelta(days=1)), "detail": {"case_id": "EP-9", **detail}}
        if version > 1:
            out["amended_at"] = iso_z(RECEIVED + dt.timedelta(days=21))
        if at is not None:
            out["occurred_at"] = iso_z(at)
        else:
            out["occurred_on"] = on.isoformat()
        if ended_on is not None:
            out["ended_on"] = ended_on.isoformat()
        return out

    decided_at = RECEIVED + dt.timedelta(hours=3)
    records = [
        record("C-1", "csc_contact", {"raised_by": "agency", "source_code": "2A", "text": CONCERN, "rag": "amber",
                                      "rag_at": iso_z(RECEIVED), "decision": "strategy_discussion",
                                      "decided_at": iso_z(decided_at)}, at=RECEIVED),
        record("R-1", "referral", {"source_code": "2A", "primary_need": "N1", "route": "strategy_discussion",
                                   "contact_id": "C-1"}, at=RECEIVED),
        record("SD-1", "strategy_discussion", {"decision": "section_47",
                                               "attendees": ["Police: detective sergeant", "Nursery: manager"]},
               at=STRATEGY),
        record("S47-1", "section47_enquiry", {"outcome": "substantiated", "conference_needed": True,
                                              "strategy_id": "SD-1"}, on=S47_START, ended_on=S47_END),
        record("CF-1", "conference", {"conference_type": "initial", "outcome": "plan", "category": "neglect"},
               on=ICPC),
        record("CP-1", "cp_plan", {"category": "neglect", "initial_category": "neglect"}, on=ICPC),
        record("CG-1", "core_group", {}, on=CORE_GROUP),
        record("CF-2", "conference", {"conference_type": "review", "outcome": "plan_continues",
                                      "category": "physical_abuse"}, on=REVIEW),
        record("CP-1", "cp_plan", {"category": "physical_abuse", "initial_category": "neglect"}, on=ICPC, version=2),
    ]
    sent = client.post("/api/v1/records/", {"records": records}, content_type="application/json")
    assert sent.status_code in (200, 201), sent.content
    assert {o["status"] for o in sent.json()["outcomes"]} <= {"created", "new_version"}, sent.json()
    return Person.objects.get(family_name="Whitcombe", merged_into__isnull=True)


def test_screens_api_and_case_system_make_the_same_case(csc, front_door, make_user, signed_in, client,
                                                        linking_model):
    screens = normal(through_the_screens(signed_in(front_door)))
    api = normal(through_the_api(client))
    client.post("/sign-out/")
    case_system = make_user(role=Role.SYSTEM_ADMINISTRATOR, agency=csc)  # the authority's own system's account
    fed = normal(from_a_case_system(signed_in(case_system)))

    assert screens["case"][0] == "Child protection plan"
    assert screens["plans"][0][2] == [(ICPC, "neglect"), (REVIEW, "physical_abuse")]
    # The decision's time is when the worker decided (now) in joinedup, and what the case system says when fed.
    for state in (screens, api, fed):
        (decision_clock, rag_clock) = state["contact"][-1]
        assert decision_clock[0] == "contact_decision" and decision_clock[2] and rag_clock[0] == "contact_rag"
    assert screens == api == fed
