"""The meetings API: start minutes about a case, write the draft (a dissent needs its reason; a stale revision is
409), approve (locked: an edit is refused with the sentence), correct (version 2, version 1 kept), escalate a
dissent and record the outcome; reads audited; 404 for anyone without a relationship. Then schemathesis against a
real draft."""

from __future__ import annotations

import datetime as dt

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from joinedup.accounts.models import Role
from joinedup.accounts.services import actor_for, api_token_create
from joinedup.audit.models import AuditEvent
from joinedup.casework.models import Case
from joinedup.chronology.selectors import chronology_for
from joinedup.practice.models import Meeting
from tests.api.test_schemathesis import schema

pytestmark = pytest.mark.django_db

REASON = "Two earlier call-outs; the account changed twice."


@pytest.fixture
def api(client):
    """A JSON client for a user's bearer token."""

    def make(user):
        _, secret = api_token_create(actor=actor_for(user), user=user, name="test")
        headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}

        class Api:
            def get(self, url):
                return client.get(url, **headers)

            def post(self, url, body=None):
                return client.post(url, body or {}, content_type="application/json", **headers)

            def put(self, url, body):
                return client.put(url, body, content_type="application/json", **headers)

        return Api()

    return make


@pytest.fixture
def case(case_at_strategy):
    return Case.objects.select_related("person").get(pk=case_at_strategy.case_id)


@pytest.fixture
def hos(make_user, csc):
    return make_user(role=Role.HEAD_OF_SERVICE, agency=csc)


def draft(revision, reason=REASON):
    return {"revision": revision, "attendees": [
        {"name": "Sam Okafor", "agency": "Social care", "role": "Team manager"},
        {"name": "Dee Hollis", "agency": "Police", "role": "Detective sergeant"},
        {"name": "Ann Lowe", "agency": "School", "role": "DSL", "present": False}],
        "items": [{"title": "The bruise", "discussion": "Seen at A&E.", "decisions": [
            {"text": "No further action.", "positions": [
                {"attendee": 0, "stance": "agreed"}, {"attendee": 1, "stance": "dissented", "reason": reason}]}]}]}


def started(api, user, case):
    held = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)).isoformat().replace("+00:00", "Z")
    response = api(user).post("/api/v1/meetings/", {"kind": "strategy_discussion", "title": "Strategy discussion",
                                                     "held_at": held, "case": str(case.pk)})
    assert response.status_code == 201, response.json()
    return response.json()


@pytest.mark.both_databases
def test_minutes_through_the_api(api, front_door, hos, case):
    body = started(api, front_door, case)
    assert body["status"] == "draft" and body["revision"] == 0 and body["children"][0]["id"] == str(case.person.pk)
    url = f"/api/v1/meetings/{body['id']}/"
    worker = api(front_door)

    response = worker.put(url, draft(0, reason=""))
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "items[0].decisions[0].positions[1].reason",
                                          "problem": "Say why Dee Hollis dissented: a dissent is recorded with its "
                                                     "reason"}]
    response = worker.put(url, draft(0))
    assert response.status_code == 200 and response.json()["revision"] == 1 and response.json()["dissents"] == 1
    response = worker.put(url, draft(0))
    assert response.status_code == 409 and response.json()["current_revision"] == 1

    manager = api(hos)
    assert manager.post(url + "approval/", {"revision": 0}).status_code == 409
    response = manager.post(url + "approval/", {"revision": 1})
    assert response.status_code == 200 and response.json()["status"] == "approved"
    (event,) = [e for e in chronology_for(viewer=None, person=case.person).events if e.kind == "meeting_minutes"]
    assert event.detail["dissent"] == [f"No further action. — Police: Detective sergeant: {REASON}"]

    response = worker.put(url, draft(1))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "status"
    assert "approved and locked" in response.json()["errors"][0]["problem"]
    assert "A correction makes a new version" in response.json()["errors"][0]["problem"]

    response = worker.post(url + "corrections/")
    assert response.status_code == 201
    v2 = response.json()
    assert v2["version"] == 2 and v2["corrects"] == body["id"] and v2["status"] == "draft"
    assert [v["version"] for v in v2["versions"]] == [1, 2]
    assert worker.post(url + "corrections/").status_code == 422  # one correction at a time
    assert worker.get(url).json()["status"] == "approved"  # kept, still the approved minutes

    dissent = next(p for p in worker.get(url).json()["items"][0]["decisions"][0]["positions"]
                   if p["stance"] == "dissented")
    due = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    response = worker.post(url + "escalations/", {"position": dissent["id"], "stage": 1, "owner": str(hos.pk),
                                                  "deadline_on": due})
    assert response.status_code == 201, response.json()
    escalation = response.json()
    assert (escalation["stage"], escalation["owner"], escalation["deadline_on"], escalation["resolved"]) == (
        1, str(hos.pk), due, None)
    response = worker.post(url + "escalations/", {"position": dissent["id"], "stage": 2, "owner": str(hos.pk),
                                                  "deadline_on": due})
    assert response.status_code == 422 and "already escalated at stage 1" in response.json()["errors"][0]["problem"]
    listed = manager.get("/api/v1/meeting-escalations/").json()
    assert [r["id"] for r in listed["results"]] == [escalation["id"]]
    response = manager.post(f"/api/v1/meeting-escalations/{escalation['id']}/outcome/",
                            {"outcome": "Agreed a section 47 enquiry.", "resolved": True})
    assert response.status_code == 200 and response.json()["resolved"] is True
    assert manager.get("/api/v1/meeting-escalations/").json()["results"] == []

    listed = worker.get("/api/v1/meetings/?kind=strategy_discussion").json()
    assert [r["id"] for r in listed["results"]] == [v2["id"]]  # the latest version
    assert worker.get("/api/v1/meetings/?kind=partnership").json()["results"] == []
    assert AuditEvent.objects.filter(action="meeting.view", object_id=body["id"]).exists()
    assert AuditEvent.objects.filter(action="dissent.resolve").exists()


def test_not_allowed_is_404_and_input_is_typed(api, front_door, case, make_user, csc):
    body = started(api, front_door, case)
    url = f"/api/v1/meetings/{body['id']}/"
    stranger = api(make_user(role=Role.SOCIAL_WORKER, agency=csc))
    assert stranger.get(url).status_code == 404
    assert stranger.put(url, draft(0)).status_code == 404
    assert stranger.post(url + "corrections/").status_code == 404
    assert stranger.get("/api/v1/meetings/").json()["results"] == []
    response = stranger.post("/api/v1/meetings/", {"kind": "partnership", "title": "Board",
                                                   "held_at": "2026-01-05T10:00:00Z"})
    assert response.status_code == 403
    response = api(front_door).post("/api/v1/meetings/", {"kind": "core_group", "title": "x",
                                                          "held_at": "2026-01-05T10:00:00Z",
                                                          "case": "00000000-0000-0000-0000-000000000000"})
    assert response.status_code == 404
    response = api(front_door).put(url, {"revision": 0, "attendees": "everyone", "items": [{"title": 3}]})
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"attendees", "items[0].title"}
    assert api(front_door).post("/api/v1/meeting-escalations/99999999999999999999/outcome/",
                                {"outcome": "x", "resolved": True}).status_code == 404
    assert Meeting.objects.count() == 1


# --- schemathesis against a real draft --------------------------------------------------------------------------

meetings_schema = schema.include(path_regex=r"^/api/v1/(meetings|meeting-escalations)/")


@pytest.fixture
def aimed(front_door, case):
    """A front-door worker's token and a draft about a real case to aim well-formed requests at."""
    from joinedup.practice.services.meetings import meeting_start

    _, secret = api_token_create(actor=actor_for(front_door), user=front_door, name="schemathesis")
    meeting = meeting_start(user=front_door, kind="strategy_discussion", title="Strategy",
                            held_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1), case_id=case.pk)
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield secret, {"meeting": meeting, "case": case}
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.django_db
@meetings_schema.parametrize()
@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
def test_meetings_api_no_server_errors(case, aimed):
    """Well-formed requests go to the real draft (at its revision) and case; the minutes' rules (a dissent's
    reason, a locked approval, attendees by place) may rightly refuse them with a 422 naming the field."""
    secret, aim = aimed
    meeting = Meeting.objects.get(pk=aim["meeting"].pk)
    if case.meta is not None and case.meta.generation.mode.is_positive:
        if "meeting_id" in (case.path_parameters or {}):
            case.path_parameters["meeting_id"] = str(meeting.pk)
        if isinstance(case.body, dict):
            if "revision" in case.body:
                case.body["revision"] = meeting.revision
            if "case" in case.body:
                case.body["case"] = str(aim["case"].pk)
                case.body.pop("children", None)
            for name, value in case.body.items():
                if isinstance(value, str) and name.endswith("_at"):
                    case.body[name] = dt.datetime.now(dt.UTC).isoformat()
                elif isinstance(value, str) and name.endswith("_on"):
                    case.body[name] = dt.date.today().isoformat()
    response = case.call(headers={"Authorization": f"Bearer {secret}"})
    excluded = [positive_data_acceptance] if response.status_code == 422 else []
    case.validate_response(response, headers={"Authorization": f"Bearer {secret}"}, excluded_checks=excluded)
    assert schemathesis  # the module is the runner
