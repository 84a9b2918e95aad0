"""The visits API (issue 13): record a visit (201 with the visit, the revisit it opened), read a case's visits and
visit clocks; 409 for a stale revision, 422 naming each field (or saying the case is closed), 404 without a
relationship; reads and writes audited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from joinedup.accounts.models import Role
from joinedup.accounts.services import actor_for, api_token_create
from joinedup.audit.models import AuditEvent
from joinedup.casework.models import Notice
from joinedup.casework.services import case_step_record
from joinedup.ingest.models import SourceRecord
from tests.practice.test_visits_helpers import (  # noqa: F401 - fixtures
    case_at_referral,
    plan_case_fixture,
    revision_of,
    safeguarding_fixture,
)

pytestmark = [pytest.mark.both_databases, pytest.mark.django_db]


def api(user) -> Client:
    _, secret = api_token_create(actor=actor_for(user), user=user, name="case system")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def url(case) -> str:
    return f"/api/v1/cases/{case.pk}/visits/"


def post(client: Client, case, body: dict):
    return client.post(url(case), body, content_type="application/json")


def fields_of(response) -> dict[str, str]:
    return {e["field"]: e["problem"] for e in response.json()["errors"]}


def test_record_a_visit_and_read_the_case_visits(plan_case, safeguarding):
    client = api(safeguarding.worker)
    at = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)).isoformat()
    response = post(client, plan_case, {"revision": revision_of(plan_case), "child_seen": False, "visited_at": at,
                                        "not_seen_reason": "No answer.", "visit_type": "unannounced",
                                        "present": ["Neighbour"]})
    assert response.status_code == 201, response.content
    visit = response.json()
    assert visit["child_seen"] is False and visit["seen_alone"] is None and visit["needs_revisit"] is True
    assert visit["visit_type_label"] == "Unannounced visit" and visit["present"] == ["Neighbour"]
    assert visit["revisit"]["kind"] == "revisit" and visit["revisit"]["met_at"] is None
    assert visit["case_revision"] == revision_of(plan_case)
    assert visit["id"] == SourceRecord.objects.get(kind="visit").pk
    assert Notice.objects.filter(kind="child_not_seen", recipient=safeguarding.manager).exists()

    response = post(client, plan_case, {"revision": visit["case_revision"], "child_seen": True, "seen_alone": True,
                                        "child_words": "I'm fine.", "text": "Bedroom tidy."})
    assert response.status_code == 201 and response.json()["revisit"] is None

    listing = client.get(url(plan_case))
    assert listing.status_code == 200
    body = listing.json()
    assert [v["child_seen"] for v in body["visits"]] == [True, False]  # newest first
    assert body["revision"] == revision_of(plan_case) and body["may_record"] is True
    assert body["seen_alone_required"] is True and body["last_seen_on"]
    kinds = {(c["kind"], c["met_at"] is not None) for c in body["clocks"]}
    assert ("revisit", True) in kinds and ("visit", True) in kinds and ("visit", False) in kinds
    assert AuditEvent.objects.filter(action="visit.record").count() == 2
    assert AuditEvent.objects.filter(action="case.view", object_id=str(plan_case.pk), detail__visits=2).exists()


def test_bad_input_is_422_naming_each_field(plan_case, safeguarding):
    client = api(safeguarding.worker)
    revision = revision_of(plan_case)
    response = post(client, plan_case, {"revision": revision, "child_seen": True})
    assert response.status_code == 422 and fields_of(response) == {
        "seen_alone": "Select whether you saw the child alone"}
    response = post(client, plan_case, {"revision": revision})
    assert response.status_code == 422 and fields_of(response) == {"child_seen": "Select whether you saw the child"}
    response = post(client, plan_case, {"revision": revision, "child_seen": "yes", "visit_type": "drive_by"})
    assert response.status_code == 422 and set(fields_of(response)) == {"child_seen"}
    response = post(client, plan_case, {"revision": revision, "child_seen": False, "visit_type": "drive_by",
                                        "visited_at": "2026-02-31T10:00:00Z", "present": "mother"})
    assert response.status_code == 422 and set(fields_of(response)) == {"visit_type", "visited_at", "present"}
    future = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).isoformat()
    response = post(client, plan_case, {"revision": revision, "child_seen": False, "visited_at": future})
    assert response.status_code == 422 and fields_of(response) == {
        "visited_at": "When the visit was must be now or in the past"}
    response = post(client, plan_case, {"child_seen": False})
    assert response.status_code == 422 and set(fields_of(response)) == {"revision"}
    assert not SourceRecord.objects.filter(kind="visit").exists()


def test_a_stale_revision_is_409(plan_case, safeguarding):
    client = api(safeguarding.worker)
    stale = revision_of(plan_case)
    assert post(api(safeguarding.manager), plan_case, {"revision": stale, "child_seen": True,
                                                       "seen_alone": True}).status_code == 201
    response = post(client, plan_case, {"revision": stale, "child_seen": False})
    assert response.status_code == 409
    assert response.json()["current_revision"] == stale + 1 and set(fields_of(response)) == {"revision"}
    assert SourceRecord.objects.filter(kind="visit").count() == 1


def test_a_closed_case_is_422_under_case(front_door):
    case = case_at_referral(front_door)
    today = dt.date.today()
    case_step_record(user=front_door, case_id=case.pk, step="assessment_complete", revision=None,
                     data={"authorised_on": today, "factors": ["21"], "outcome": "no_further_action"})
    case_step_record(user=front_door, case_id=case.pk, step="close", data={"closed_on": today, "reason": "RC8"},
                     revision=None)
    client = api(front_door)
    response = post(client, case, {"revision": revision_of(case), "child_seen": True, "seen_alone": True})
    assert response.status_code == 422 and "visits are recorded in an open case" in fields_of(response)["case"]
    assert client.get(url(case)).json()["may_record"] is False


def test_404_without_a_relationship(plan_case, make_user, csc):
    for user in (make_user(role=Role.SOCIAL_WORKER, agency=csc), make_user(role=Role.PARTNER_PRACTITIONER)):
        client = api(user)
        assert client.get(url(plan_case)).status_code == 404
        assert post(client, plan_case, {"revision": 0, "child_seen": True, "seen_alone": True}).status_code == 404
    assert not SourceRecord.objects.filter(kind="visit").exists()


def test_the_schema_documents_both_operations():
    schema = Client().get("/api/v1/schema/", {"format": "json"}).json()
    operations = schema["paths"]["/api/v1/cases/{case_id}/visits/"]
    assert operations["post"]["operationId"] == "cases_visits_create"
    assert {"201", "404", "409", "422"} <= set(operations["post"]["responses"])
    assert operations["get"]["operationId"] == "cases_visits_list"
    components = schema["components"]["schemas"]
    assert len(components["NewVisitRequest"]["oneOf"]) == 2
    assert set(components["SeenVisitRequest"]["required"]) == {"revision", "child_seen", "seen_alone"}
    assert set(components["NotSeenVisitRequest"]["required"]) == {"revision", "child_seen"}
    assert components["SeenVisitChildSeenEnum"]["enum"] == [True]
