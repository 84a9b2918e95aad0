"""The casework API (issue 12): a contact taken to a child protection plan through the API only; bad input and
illegal steps refused with 422 naming the field or saying why, writing nothing; a stale revision is 409; two
writers on one case, one wins; callers without a relationship get 404; reads and writes are audited."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connections
from django.test import Client

from joinedup.accounts.models import AgencyKind, Role
from joinedup.accounts.services import actor_for, agency_create, api_token_create, team_create
from joinedup.audit.models import AuditEvent
from joinedup.casework.models import Case, Contact, Notice
from joinedup.casework.services import allocation_set, case_step_record, contact_decide
from joinedup.casework.services.recording import today
from joinedup.ingest.models import SourceRecord, SourceRecordVersion
from tests.casework.conftest import new_child_contact
from tests.conftest import SYSTEM

pytestmark = pytest.mark.django_db

CONTACTS = "/api/v1/contacts/"


def api(user) -> Client:
    """A client that authenticates as an agency's system does: a bearer token."""
    _, secret = api_token_create(actor=actor_for(user), user=user, name="case system")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def post(client: Client, url: str, body: dict):
    return client.post(url, body, content_type="application/json")


def step(client: Client, case_id, name: str, revision: int, **fields):
    return post(client, f"/api/v1/cases/{case_id}/steps/", {"step": name, "revision": revision, **fields})


def fields_of(response) -> dict[str, str]:
    return {e["field"]: e["problem"] for e in response.json()["errors"]}


def days_ago(n: int) -> str:
    return (today() - dt.timedelta(days=n)).isoformat()


def moment_days_ago(n: int) -> str:
    return (dt.datetime.now(dt.UTC) - dt.timedelta(days=n)).isoformat()


def written() -> tuple[int, int]:
    """How many records and record versions are stored (a refused step writes neither)."""
    return SourceRecord.objects.count(), SourceRecordVersion.objects.count()


def revision_of(case_id) -> int:
    return Case.objects.get(pk=case_id).revision


def to_plan(user, case_id):
    """Take a case at 'strategy discussion to hold' to a child protection plan (through the services)."""
    now = dt.datetime.now(dt.UTC)
    for name, data in [
        ("strategy_discussion", {"held_at": now, "decision": "section_47",
                                 "attendees": ["Police: sergeant"]}),
        ("section47_start", {"started_on": today()}),
        ("section47_complete", {"completed_on": today(), "outcome": "substantiated", "conference_needed": True}),
        ("initial_conference", {"held_on": today(), "outcome": "plan", "category": "neglect"}),
    ]:
        case_step_record(user=user, case_id=case_id, step=name, data=data, revision=None)


# --- the journey ----------------------------------------------------------------------------------------------


@pytest.mark.both_databases
def test_contact_to_plan_and_a_review_through_the_api_only(front_door):
    client = api(front_door)
    made = post(client, CONTACTS, {
        "new_person": {"given_name": "Ruby", "family_name": "Calloway", "dob": "2023-05-04", "sex": "female"},
        "raised_by": "agency", "source_code": "3E", "raised_by_name": "Named nurse, St Aldric's",
        "text": "Bruise on the cheek of a non-mobile baby.", "rag": "red", "received_at": moment_days_ago(20),
    })
    assert made.status_code == 201, made.content
    contact = made.json()
    assert contact["status"] == "open" and contact["rag"] == "red" and contact["person"]["given_name"] == "Ruby"
    assert {c["kind"] for c in contact["clocks"]} == {"contact_decision", "contact_rag"}

    shown = client.get(f"{CONTACTS}{contact['id']}/")
    assert shown.status_code == 200 and shown.json()["may_decide"] is True
    decided = post(client, f"{CONTACTS}{contact['id']}/decision/", {
        "decision": "strategy_discussion", "primary_need": "N1", "reason": "Injury to a non-mobile baby.",
        "revision": shown.json()["revision"]})
    assert decided.status_code == 201, decided.content
    assert decided.json()["status"] == "decided" and decided.json()["decision"] == "strategy_discussion"
    case_id = decided.json()["case_id"]

    case = client.get(f"/api/v1/cases/{case_id}/").json()
    assert case["stage"] == "Strategy discussion to hold" and case["primary_need"] == "N1"
    assert case["source_code"] == "3E" and [c["id"] for c in case["contacts"]] == [contact["id"]]
    assert "strategy_discussion" in [s["step"] for s in case["next_steps"]]

    journey = [
        ("strategy_discussion", {"held_at": moment_days_ago(19), "decision": "section_47", "text": "Agreed.",
                                 "attendees": ["Police: detective constable", "Hospital: named nurse"]}),
        ("section47_start", {"started_on": days_ago(19)}),
        ("section47_complete", {"completed_on": days_ago(12), "outcome": "substantiated", "conference_needed": True}),
        ("initial_conference", {"held_on": days_ago(10), "outcome": "plan", "category": "neglect"}),
        ("core_group", {"held_on": days_ago(5), "attendees": ["School: designated teacher"], "text": "Plan agreed."}),
        ("review_conference", {"held_on": days_ago(2), "outcome": "plan_continues", "category": "physical_abuse"}),
    ]
    for name, data in journey:
        response = step(client, case_id, name, case["revision"], **data)
        assert response.status_code == 201, (name, response.content)
        assert response.json()["revision"] > case["revision"]
        case = response.json()

    final = client.get(f"/api/v1/cases/{case_id}/").json()
    assert final == case | {"clocks": final["clocks"]}  # the step's answer is the case as a read makes it
    assert final["stage"] == "Child protection plan" and final["is_open"] and final["closure"] is None
    assert final["referral_date"] <= days_ago(19)
    (strategy,) = final["strategy_discussions"]
    assert strategy["decision"] == "section_47" and len(strategy["attendees"]) == 2
    (enquiry,) = final["enquiries"]
    assert enquiry["outcome"] == "substantiated" and enquiry["conference_needed"] is True
    assert enquiry["completed_on"] == days_ago(12) and enquiry["initial_conference"]
    assert [(c["conference_type"], c["outcome"]) for c in final["conferences"]] == [
        ("initial", "plan"), ("review", "plan_continues")]
    (plan,) = final["protection_plans"]
    assert plan["is_open"] and plan["started_on"] == days_ago(10)
    assert (plan["initial_category"], plan["latest_category"]) == ("neglect", "physical_abuse")
    assert [(c["on"], c["category"]) for c in plan["categories"]] == [
        (days_ago(10), "neglect"), (days_ago(2), "physical_abuse")]
    assert plan["core_groups"] == [days_ago(5)] and plan["reviews"] == [days_ago(2)]
    clocks = {c["kind"]: c for c in final["clocks"]}
    assert clocks["icpc"]["met_at"] and clocks["core_group"]["met_at"] and not clocks["icpc"]["overdue"]
    assert {"core_group", "review_conference"} <= {s["step"] for s in final["next_steps"]}
    assert "close" not in {s["step"] for s in final["next_steps"]}
    row = Case.objects.get(pk=case_id)
    assert (row.stage, row.latest_category, row.revision) == ("Child protection plan", "physical_abuse",
                                                              final["revision"])
    # Every step was written as a children's social care record, received via joinedup.
    kinds = set(SourceRecord.objects.filter(current__received_via="joinedup").values_list("kind", flat=True))
    assert {"csc_contact", "referral", "strategy_discussion", "section47_enquiry", "conference", "cp_plan",
            "core_group"} <= kinds


def test_a_looked_after_placement_postcode_is_shown_only_to_the_allocated_worker(front_door, case_at_strategy,
                                                                                  make_user, csc):
    client = api(front_door)
    case_id = case_at_strategy.case_id
    response = step(client, case_id, "looked_after_start", revision_of(case_id), started_on=today().isoformat(),
                    legal_status="V2", placement_type="U4", placement_provider="PR1", placement_postcode="nb1 2ab",
                    category_of_need="N1")
    assert response.status_code == 201, response.content
    (episode,) = response.json()["looked_after_episodes"]
    assert episode["placement_type"] == "U4" and "placement_postcode" not in episode

    worker = make_user(role=Role.SOCIAL_WORKER, agency=csc)
    allocation_set(actor_user=front_door, person=case_at_strategy.person, worker=worker)
    (episode,) = api(worker).get(f"/api/v1/cases/{case_id}/").json()["looked_after_episodes"]
    assert episode["placement_postcode"] == "NB1 2AB"


# --- bad input and the rules of the road ---------------------------------------------------------------------


@pytest.mark.both_databases
def test_bad_input_is_422_naming_each_field_and_writes_nothing(front_door, case_at_strategy):
    client = api(front_door)
    case_id = case_at_strategy.case_id
    before = written()

    # Types, as the API parses them.
    response = step(client, case_id, "initial_conference", "3", held_on="2026-02-30", outcome="maybe",
                    category=7)
    assert response.status_code == 422
    problems = fields_of(response)
    assert set(problems) == {"revision", "held_on", "outcome", "category"}
    assert "YYYY-MM-DD" in problems["held_on"]

    # Meaning, as the service checks it (the same words the screens use), every field at once.
    response = step(client, case_id, "close", revision_of(case_id),
                    closed_on=(today() + dt.timedelta(days=3)).isoformat())
    assert response.status_code == 422
    assert fields_of(response) == {"closed_on": "The date the case closed must be today or in the past",
                                   "reason": "Select the reason for closing the case"}

    response = step(client, case_id, "strategy_discussion", revision_of(case_id),
                    held_at=(dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).isoformat(), attendees=[])
    assert response.status_code == 422
    problems = fields_of(response)
    assert set(problems) == {"held_at", "attendees", "decision"}
    assert "now or in the past" in problems["held_at"]

    response = step(client, case_id, "strategy_discussion", revision_of(case_id), held_at="2026-03-01T10:00:00",
                    attendees="Police: sergeant", decision="section_47")
    assert set(fields_of(response)) == {"held_at", "attendees"}  # no offset; a string is not a list

    response = step(client, case_id, "teleport", revision_of(case_id))
    assert response.status_code == 422 and set(fields_of(response)) == {"step"}
    assert post(client, f"/api/v1/cases/{case_id}/steps/", ["not", "an", "object"]).status_code == 422

    # Contacts: types first, then what the service requires.
    response = post(client, CONTACTS, {"raised_by": "martian", "received_at": "yesterday", "rag": "purple",
                                       "new_person": {"nhs_number": "123", "dob": "04/05/2023"}})
    assert response.status_code == 422
    assert set(fields_of(response)) == {"raised_by", "received_at", "rag", "new_person.nhs_number",
                                        "new_person.dob"}
    response = post(client, CONTACTS, {"raised_by": "agency", "text": "   ",
                                       "received_at": moment_days_ago(45)})
    assert response.status_code == 422
    assert set(fields_of(response)) == {"person", "source_code", "text", "received_at"}
    assert written() == before


@pytest.mark.both_databases
def test_illegal_transitions_are_422_with_the_sentence_and_write_nothing(front_door, case_at_strategy):
    client = api(front_door)
    case_id = case_at_strategy.case_id
    before, steps_audited = written(), AuditEvent.objects.filter(action="case.step").count()

    response = step(client, case_id, "initial_conference", revision_of(case_id), held_on=today().isoformat(),
                    outcome="plan", category="neglect")
    assert response.status_code == 422
    assert fields_of(response) == {"step": "An initial child protection conference needs a section 47 enquiry "
                                           "first: none has been started in this case."}

    response = step(client, case_id, "section47_start", revision_of(case_id), started_on=today().isoformat())
    assert response.status_code == 422 and "follows a strategy discussion" in fields_of(response)["step"]

    # A plan comes only from an initial conference: with none, there is no plan to meet about or review.
    response = step(client, case_id, "core_group", revision_of(case_id), held_on=today().isoformat())
    assert response.status_code == 422 and "while a child protection plan is open" in fields_of(response)["step"]
    response = step(client, case_id, "review_conference", revision_of(case_id), held_on=today().isoformat(),
                    outcome="plan_continues", category="neglect")
    assert response.status_code == 422 and "needs an open child protection plan" in fields_of(response)["step"]
    assert written() == before
    assert AuditEvent.objects.filter(action="case.step").count() == steps_audited

    to_plan(front_door, case_id)
    before = written()
    response = step(client, case_id, "close", revision_of(case_id), closed_on=today().isoformat(), reason="RC7")
    assert response.status_code == 422
    assert fields_of(response)["step"].startswith("The case cannot be closed while the child protection plan")
    response = step(client, case_id, "initial_conference", revision_of(case_id), held_on=today().isoformat(),
                    outcome="plan", category="neglect")
    assert response.status_code == 422 and "has had its initial conference" in fields_of(response)["step"]
    assert written() == before
    assert Case.objects.get(pk=case_id).stage == "Child protection plan"


@pytest.mark.both_databases
def test_a_stale_revision_is_409_with_the_current_revision_and_writes_nothing(front_door, case_at_strategy):
    client = api(front_door)
    case_id = case_at_strategy.case_id
    seen = revision_of(case_id)
    body = {"held_at": moment_days_ago(0), "decision": "section_47", "attendees": ["Police: sergeant"]}
    assert step(client, case_id, "strategy_discussion", seen, **body).status_code == 201
    before = written()

    response = step(client, case_id, "strategy_discussion", seen, **body)
    assert response.status_code == 409
    assert response.json()["current_revision"] == revision_of(case_id) > seen
    assert fields_of(response)["revision"].startswith("Someone else recorded something in this case")
    assert written() == before

    # The same for a contact rated or decided on a stale revision.
    made = new_child_contact(front_door)
    rated = post(client, f"{CONTACTS}{made.record_pk}/rating/", {"rag": "amber", "revision": made.contact.revision})
    assert rated.status_code == 200 and rated.json()["rag"] == "amber"
    before = written()
    response = post(client, f"{CONTACTS}{made.record_pk}/decision/", {"decision": "no_further_action",
                                                                       "revision": made.contact.revision})
    assert response.status_code == 409 and response.json()["current_revision"] == rated.json()["revision"]
    assert written() == before


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_two_writers_on_one_case_one_succeeds_the_other_gets_409(front_door, case_at_strategy, make_user, csc,
                                                                 front_door_team):
    colleague = make_user(role=Role.FRONT_DOOR, agency=csc, team=front_door_team)
    case_id = case_at_strategy.case_id
    seen = revision_of(case_id)
    clients = [api(front_door), api(colleague)]
    barrier = threading.Barrier(len(clients))
    statuses: list[int] = []

    def write(client):
        try:
            barrier.wait(timeout=10)
            response = step(client, case_id, "strategy_discussion", seen, held_at=moment_days_ago(0),
                            decision="section_47", attendees=["Police: sergeant"])
            statuses.append(response.status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(statuses) == [201, 409]
    assert SourceRecord.objects.filter(kind="strategy_discussion").count() == 1
    assert AuditEvent.objects.filter(action="case.step").count() == 1


# --- who may: 404, never a confirmation ------------------------------------------------------------------------


@pytest.mark.both_databases
def test_callers_without_a_relationship_get_404(front_door, case_at_strategy, nurse, make_user, csc):
    case_id, record_pk = case_at_strategy.case_id, case_at_strategy.record_pk
    other_authority = agency_create(actor=SYSTEM, code="southmere-childrens-services",
                                    name="Southmere Children's Services", kind=AgencyKind.CHILDRENS_SOCIAL_CARE)
    other_team = team_create(actor=SYSTEM, agency=other_authority, code="sm-front-door", name="Front Door",
                             is_front_door=True)
    outsiders = [nurse, make_user(role=Role.FRONT_DOOR, agency=other_authority, team=other_team),
                 make_user(role=Role.SOCIAL_WORKER, agency=csc)]  # a worker the child is not allocated to
    before = written()
    for user in outsiders:
        client = api(user)
        assert client.get(f"/api/v1/cases/{case_id}/").status_code == 404, user.role
        response = step(client, case_id, "strategy_discussion", revision_of(case_id), held_at=moment_days_ago(0),
                        decision="section_47", attendees=["Police: sergeant"])
        assert response.status_code == 404, user.role
        assert response.json() == {"errors": [{"field": "", "problem": "Not found."}]}
        assert client.get(f"{CONTACTS}{record_pk}/").status_code == 404
        assert post(client, f"{CONTACTS}{record_pk}/decision/", {"decision": "advice", "revision": 1}).status_code \
            == 404
        queue = client.get("/api/v1/front-door/contacts/")
        if user.role == Role.FRONT_DOOR:  # their own authority's queue, without this authority's contacts
            assert queue.status_code == 200 and queue.json()["count"] == 0
        else:
            assert queue.status_code == 404
    assert api(nurse).get("/api/v1/cases/00000000-0000-0000-0000-000000000000/").status_code == 404
    assert api(front_door).get(f"{CONTACTS}{2**70}/").status_code == 404
    assert api(front_door).get("/api/v1/referrals/").status_code == 404  # not a partner
    assert written() == before


def test_a_role_that_may_not_record_contacts_is_refused(make_user, csc):
    reviewer = make_user(role=Role.CASE_REVIEWER, agency=csc)
    response = post(api(reviewer), CONTACTS, {"raised_by": "relative", "text": "Worried.",
                                              "new_person": {"given_name": "Ruby"}})
    assert response.status_code == 403 and not Contact.objects.exists()


# --- the front door and partners' referrals --------------------------------------------------------------------


@pytest.mark.both_databases
def test_the_front_door_queue_most_urgent_first_with_counts(front_door, nurse):
    red = new_child_contact(front_door, rag="red", given="Ava")
    green = new_child_contact(front_door, rag="green", given="Ben")
    unrated = new_child_contact(front_door, given="Cal")
    client = api(front_door)
    page = client.get("/api/v1/front-door/contacts/").json()
    assert page["count"] == 3
    assert page["results"][0]["id"] == red.record_pk
    assert {r["id"] for r in page["results"]} == {red.record_pk, green.record_pk, unrated.record_pk}
    assert page["counts"] == {"open": 3, "overdue": 0, "red": 1, "amber": 0, "green": 1, "unrated": 1}
    assert [r["id"] for r in client.get("/api/v1/front-door/contacts/?rag=unrated").json()["results"]] == [
        unrated.record_pk]
    assert client.get("/api/v1/front-door/contacts/?overdue=true").json()["count"] == 0
    response = client.get("/api/v1/front-door/contacts/?rag=purple&overdue=maybe")
    assert response.status_code == 422 and set(fields_of(response)) == {"rag"}
    assert client.get("/api/v1/front-door/contacts/?overdue=maybe").status_code == 422


@pytest.mark.both_databases
def test_a_partner_refers_by_identifiers_and_sees_the_outcome(front_door, nurse):
    known = new_child_contact(front_door, given="Ruby", family="Calloway")
    partner = api(nurse)
    response = post(partner, CONTACTS, {
        "new_person": {"given_name": "Ruby", "family_name": "Calloway", "dob": "2023-05-04"},
        "text": "Bruising to both ears; explanation does not fit.", "raised_by": "relative", "source_code": "2A"})
    assert response.status_code == 201, response.content
    referral = response.json()
    # The partner is not told which child it was taken to be, nor anything about the child's case.
    assert referral["person"] is None and referral["case_id"] is None and referral["status"] == "open"
    assert (referral["raised_by"], referral["source_code"]) == ("agency", "3E")  # set from the nurse's agency
    row = Contact.objects.get(record_id=referral["id"])
    assert row.person_id == known.person.pk and row.referrer_id == nurse.pk  # matched on exact identifiers

    unknown = post(partner, CONTACTS, {"new_person": {"given_name": "Zed", "family_name": "Nobody"},
                                       "text": "Left alone at night."}).json()
    assert Contact.objects.get(record_id=unknown["id"]).person_id != known.person.pk
    refused = post(partner, CONTACTS, {"person": str(known.person.pk), "text": "Worried."})
    assert refused.status_code == 422 and set(fields_of(refused)) == {"person"}
    refused = post(partner, CONTACTS, {"new_person": {"dob": "2023-05-04"}, "text": "Worried."})
    assert refused.status_code == 422 and set(fields_of(refused)) == {"new_person"}

    listed = partner.get("/api/v1/referrals/").json()
    assert {r["id"] for r in listed["results"]} == {referral["id"], unknown["id"]}
    decided = post(api(front_door), f"{CONTACTS}{referral['id']}/decision/",
                   {"decision": "assessment", "revision": referral["revision"]})
    assert decided.status_code == 201 and decided.json()["case_id"]
    mine = {r["id"]: r for r in partner.get("/api/v1/referrals/").json()["results"]}
    assert mine[referral["id"]]["status"] == "decided" and mine[referral["id"]]["decision"] == "assessment"
    assert mine[unknown["id"]]["status"] == "open"
    assert Notice.objects.filter(recipient=nurse, kind="referral_outcome").count() == 1


# --- the audit trail -------------------------------------------------------------------------------------------


def audited(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


@pytest.mark.both_databases
def test_reads_and_writes_are_audited(front_door, nurse):
    client = api(front_door)
    made = post(client, CONTACTS, {"new_person": {"given_name": "Ruby", "family_name": "Calloway"},
                                   "raised_by": "neighbour", "text": "Crying for hours."}).json()
    (recorded,) = audited("contact.record")
    assert recorded.object_id == str(made["id"]) and recorded.actor_username == front_door.username

    client.get("/api/v1/front-door/contacts/")
    assert audited("contact.list")[-1].detail["object_ids"] == [str(made["id"])]
    response = client.get(f"{CONTACTS}{made['id']}/")
    assert response["Cache-Control"] == "no-store"
    (viewed,) = audited("contact.view")
    assert viewed.object_id == str(made["id"]) and viewed.subject_person_id is not None

    case_id = post(client, f"{CONTACTS}{made['id']}/decision/", {"decision": "strategy_discussion",
                                                                  "revision": made["revision"]}).json()["case_id"]
    assert audited("contact.decide")[-1].object_id == str(made["id"])
    case = client.get(f"/api/v1/cases/{case_id}/").json()
    (case_viewed,) = audited("case.view")
    assert case_viewed.object_id == case_id and case_viewed.subject_person_id == viewed.subject_person_id
    step(client, case_id, "strategy_discussion", case["revision"], held_at=moment_days_ago(0),
         decision="no_section_47", attendees=["Police: sergeant"])
    (stepped,) = audited("case.step")
    assert stepped.object_id == case_id and stepped.detail["step"] == "strategy_discussion"
    assert stepped.request_id  # written in the request's transaction, stamped with its id

    partner = api(nurse)
    referral = post(partner, CONTACTS, {"new_person": {"given_name": "Zed"}, "text": "Worried."}).json()
    partner.get("/api/v1/referrals/")
    assert audited("referral.list")[-1].detail["object_ids"] == [str(referral["id"])]


def test_the_schema_documents_the_casework_operations_and_their_errors(client):
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    operations = {op["operationId"]: op for methods in schema["paths"].values() for op in methods.values()}
    for name in ("front_door_contacts_list", "contacts_create", "contacts_retrieve", "contacts_rating_create",
                 "contacts_decision_create", "referrals_list", "cases_retrieve", "cases_steps_create"):
        assert {"401", "403", "404"} <= set(operations[name]["responses"]), name
    for name in ("contacts_rating_create", "contacts_decision_create", "cases_steps_create"):
        assert {"409", "422"} <= set(operations[name]["responses"]), name
    steps = schema["components"]["schemas"]["CaseStepRequest"]
    assert steps["discriminator"]["propertyName"] == "step" and len(steps["oneOf"]) == 14


def test_contact_decided_through_the_service_reads_the_same_through_the_api(front_door):
    """The screens' path (the services) and the API make the same contact and case."""
    made = new_child_contact(front_door, rag="amber")
    decided = contact_decide(user=front_door, person=made.person, record_pk=made.record_pk, decision="assessment",
                             primary_need="N2", revision=made.contact.revision)
    client = api(front_door)
    contact = client.get(f"{CONTACTS}{made.record_pk}/").json()
    assert contact["decision"] == "assessment" and contact["case_id"] == str(decided.case_id)
    case = client.get(f"/api/v1/cases/{decided.case_id}/").json()
    assert case["stage"] == "Assessment" and case["primary_need"] == "N2"
    (assessment,) = case["assessments"]
    assert assessment["is_open"] and assessment["authorised_on"] is None
