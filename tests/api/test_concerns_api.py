"""The concerns and working hypotheses API (issue 13): a concern recorded, answered and the raiser told through the
API; who raised it given only to the named roles (and audited when given); 422 naming each field, 409 for a stale
revision, 404 for what the caller may not see; hypotheses written and revised with their evidence, categories
changed with their history."""

from __future__ import annotations

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from joinedup.accounts.models import Role
from joinedup.accounts.services import actor_for, api_token_create
from joinedup.audit.models import AuditEvent
from joinedup.chronology.selectors import chronology_for
from joinedup.ingest.models import SourceRecordVersion
from joinedup.practice.models import Concern
from tests.api.test_schemathesis import schema
from tests.casework.conftest import new_child_contact

pytestmark = pytest.mark.django_db

CONCERNS = "/api/v1/concerns/"
NAME = "Zelda Quorn"


def api(user) -> Client:
    _, secret = api_token_create(actor=actor_for(user), user=user, name="case system")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def post(client: Client, url: str, body: dict):
    return client.post(url, body, content_type="application/json")


def fields_of(response) -> dict[str, str]:
    return {e["field"]: e["problem"] for e in response.json()["errors"]}


@pytest.fixture
def head(make_user, csc):
    return make_user(role=Role.HEAD_OF_SERVICE, agency=csc)


@pytest.fixture
def child(front_door):
    return new_child_contact(front_door).person


def new_concern(client, child, responder, **fields) -> dict:
    body = {"raised_by": "whistleblower", "raiser_name": NAME, "raiser_contact": "zq@example.invalid",
            "summary": "Visits are being recorded that did not happen.", "children": [str(child.pk)],
            "responder": str(responder.pk), **fields}
    return post(client, CONCERNS, body)


def test_a_concern_recorded_answered_and_the_raiser_told(front_door, manager, head, child):
    made = new_concern(api(front_door), child, manager)
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["raised_by"] == "whistleblower" and body["status"] == "open" and body["revision"] == 0
    assert body["raiser"] is None and body["raiser_withheld"] is True and body["identity_withheld"] is True
    assert body["children"][0]["id"] == str(child.pk) and body["responder"]["id"] == str(manager.pk)
    assert len(body["records"]) == 1 and NAME not in made.content.decode()
    url = f"{CONCERNS}{body['id']}/"
    as_manager = api(manager)
    answered = post(as_manager, f"{url}response/", {"response": "Checked the visit records.", "revision": 0})
    assert answered.status_code == 200 and answered.json()["status"] == "answered"
    stale = post(as_manager, f"{url}raiser-told/", {"how": "By email", "revision": 0})
    assert stale.status_code == 409 and stale.json()["current_revision"] == 1
    told = post(as_manager, f"{url}raiser-told/", {"how": "By email", "revision": 1})
    assert told.status_code == 200 and told.json()["status"] == "told" and told.json()["raiser_told_how"] == ""
    assert not AuditEvent.objects.filter(action="concern.raiser_view").exists()
    # The head of service sees who raised it; that is audited.
    seen = api(head).get(url)
    assert seen.status_code == 200
    assert seen.json()["raiser"] == {"name": NAME, "contact": "zq@example.invalid"}
    assert seen.json()["raiser_told_how"] == "By email"
    assert AuditEvent.objects.filter(action="concern.raiser_view", actor_username=head.username).count() == 1
    # In the child's chronology: three versions, and never the name.
    (event,) = [e for e in chronology_for(viewer=None, person=child).events if e.kind == "concern"]
    assert event.versions_received == 3 and event.detail["response"] == "Checked the visit records."
    assert not any(NAME in str(v.payload) for v in SourceRecordVersion.objects.all())
    listed = api(head).get(CONCERNS, {"status": "answered"})
    assert listed.status_code == 200 and [c["id"] for c in listed.json()["results"]] == [body["id"]]
    assert "raiser" not in listed.json()["results"][0]
    assert api(head).get(CONCERNS, {"status": "open"}).json()["results"] == []


def test_bad_input_is_422_naming_each_field_and_writes_nothing(front_door, manager, child):
    client = api(front_door)
    refused = post(client, CONCERNS, {"children": [str(child.pk)], "summary": " ", "raised_by": "neighbour"})
    assert refused.status_code == 422
    assert set(fields_of(refused)) == {"summary", "responder"}
    wrong = post(client, CONCERNS, {"children": "not a list", "raised_by": "ghost", "identity_withheld": "yes"})
    assert wrong.status_code == 422 and {"children", "raised_by", "identity_withheld"} <= set(fields_of(wrong))
    naming = new_concern(client, child, manager, summary=f"{NAME} says visits were faked.")
    assert naming.status_code == 422 and "names who raised it" in fields_of(naming)["summary"]
    assert not Concern.objects.exists()


def test_what_the_caller_may_not_see_is_404(front_door, manager, child, nurse, make_user, csc):
    made = new_concern(api(front_door), child, manager).json()
    unknown = new_concern(api(front_door), child, manager, children=["00000000-0000-0000-0000-000000000000"])
    assert unknown.status_code == 404
    worker = make_user(role=Role.SOCIAL_WORKER, agency=csc)
    assert api(worker).get(f"{CONCERNS}{made['id']}/").status_code == 404
    assert post(api(worker), f"{CONCERNS}{made['id']}/response/", {"response": "x", "revision": 0}).status_code == 404
    assert api(nurse).get(CONCERNS).status_code == 404
    assert new_concern(api(nurse), child, manager).status_code == 403


# --- hypotheses and categories ----------------------------------------------------------------------------------


def test_hypotheses_and_categories_through_the_api(front_door, child, make_user, csc):
    client = api(front_door)
    url = f"/api/v1/people/{child.pk}/hypotheses/"
    contact = next(e.key for e in chronology_for(viewer=None, person=child).events)
    made = post(client, url, {"statement": "Accidental bruise.", "evidence_for": [contact]})
    assert made.status_code == 201, made.content
    h = made.json()
    assert h["current"]["status"] == "open" and h["revision"] == 1
    assert h["current"]["evidence_for"][0]["key"] == contact and h["current"]["evidence_for"][0]["found"] is True
    revisions = f"{url}{h['record_id']}/revisions/"
    missing = post(client, revisions, {"revision": 1, "statement": "x", "status": "open"})
    assert missing.status_code == 422 and "why" in fields_of(missing)
    revised = post(client, revisions, {"revision": 1, "statement": "Accidental bruise.", "status": "withdrawn",
                                       "evidence_against": [contact], "why": "Explanation did not fit."})
    assert revised.status_code == 201 and [v["version"] for v in revised.json()["versions"]] == [2, 1]
    assert revised.json()["versions"][1]["evidence_for"][0]["key"] == contact  # the earlier evidence is kept
    assert post(client, revisions, {"revision": 1, "statement": "y", "status": "open", "why": "z"}).status_code == 409
    unknown = post(client, url, {"statement": "x", "evidence_for": ["elsewhere:R1"]})
    assert unknown.status_code == 422 and "evidence_for" in fields_of(unknown)
    cats = f"/api/v1/people/{child.pk}/concern-categories/"
    assert client.get(cats).json()["current"] is None
    assert post(client, cats, {"categories": ["neglect"], "why": "Home conditions.", "revision": 0}).status_code == 201
    changed = post(client, cats, {"categories": ["emotional_abuse"], "why": "Fear at home.", "revision": 1})
    assert changed.status_code == 201
    assert [s["categories"] for s in changed.json()["history"]] == [["emotional_abuse"], ["neglect"]]
    assert post(client, cats, {"categories": ["neglect"], "why": "x", "revision": 1}).status_code == 409
    assert post(client, cats, {"categories": ["ghost"], "why": "x", "revision": 2}).status_code == 422
    everything = client.get(url).json()
    assert len(everything["hypotheses"]) == 1 and everything["categories"]["revision"] == 2
    worker = make_user(role=Role.SOCIAL_WORKER, agency=csc)
    assert api(worker).get(url).status_code == 404
    assert post(api(worker), url, {"statement": "x"}).status_code == 404
    assert api(worker).get(cats).status_code == 404
    assert client.get("/api/v1/people/00000000-0000-0000-0000-000000000000/hypotheses/").status_code == 404


# --- schemathesis: every concerns and hypotheses operation against a real child and concern ---------------------

practice_schema = schema.include(path_regex=r"^/api/v1/(concerns|people/\{person_id\}/(hypotheses|concern-categories))")


@pytest.fixture
def aimed(front_door, manager):
    """A front-door worker's token (they take concerns and work any child's case until the first plan), a child
    and a concern to aim well-formed requests at; requests keep the test's transaction."""
    from joinedup.practice.services.concerns import concern_record
    from joinedup.practice.services.hypotheses import hypothesis_write

    person = new_child_contact(front_door).person
    concern = concern_record(user=front_door, raised_by="neighbour", summary="Worry.", children=[person],
                             responder=front_door)
    record = hypothesis_write(user=front_door, person=person, statement="First.").record_pk
    _, secret = api_token_create(actor=actor_for(front_door), user=front_door, name="schemathesis")
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield secret, {"person_id": str(person.pk), "concern_id": str(concern.pk), "record_id": record,
                   "responder": str(manager.pk), "children": [str(person.pk)]}
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@practice_schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_concerns_and_hypotheses_no_server_errors(case, aimed):
    """Well-formed requests reach the services (a real child, concern and hypothesis, the current revisions);
    what the rules refuse is a 422 naming the field, anything else must hold to the schema."""
    secret, aim = aimed
    params = case.path_parameters or {}
    for name in ("person_id", "concern_id", "record_id"):
        if name in params and case.meta is not None and case.meta.generation.mode.is_positive:
            params[name] = aim[name]
    if isinstance(case.body, dict) and case.meta is not None and case.meta.generation.mode.is_positive:
        for name in ("responder", "children"):
            if name in case.body:
                case.body[name] = aim[name]
        for name in list(case.body):
            if name.endswith("_at"):
                case.body.pop(name)
        if "revision" in case.body:
            if "concern_id" in params:
                case.body["revision"] = Concern.objects.get(pk=aim["concern_id"]).revision
            elif "record_id" in params:
                case.body["revision"] = SourceRecordVersion.objects.filter(record_id=aim["record_id"]).count()
    response = case.call(headers={"Authorization": f"Bearer {secret}"})
    excluded = [positive_data_acceptance] if response.status_code == 422 else []
    case.validate_response(response, headers={"Authorization": f"Bearer {secret}"}, excluded_checks=excluded)
