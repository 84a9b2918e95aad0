"""POST /api/v1/records/: one record or a batch, by bearer token of the sending agency's user."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from joinedup.accounts.models import Role
from joinedup.accounts.services import actor_for, api_token_create
from joinedup.audit.models import AuditEvent
from joinedup.ingest.models import Mention, SourceRecord
from joinedup.ingest.schema import load_schema as _load_schema

KINDS = len(_load_schema()["$defs"]["kind"]["enum"])  # the format's kinds, counted from its schema

pytestmark = [pytest.mark.both_databases, pytest.mark.django_db]

URL = "/api/v1/records/"


@pytest.fixture
def feed(make_user, agency):
    """A client authenticated by the token of the agency's feed user."""
    user = make_user(role=Role.PARTNER_PRACTITIONER, agency=agency)
    _, secret = api_token_create(actor=actor_for(user), user=user, name="ED feed")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    client.user = user
    return client


def post(client: Client, body) -> tuple[int, dict]:
    response = client.post(URL, data=json.dumps(body), content_type="application/json")
    return response.status_code, response.json()


def test_one_record_is_created_then_unchanged(feed, make_record):
    record = make_record()
    status, body = post(feed, record)
    assert status == 201
    assert body["status"] == "created" and body["sequence"] == 1 and body["current"] and body["errors"] == []
    assert body["source_record_id"] == record["source_record_id"] and body["received_at"].endswith("Z")
    stored = SourceRecord.objects.get()
    assert stored.current.received_via == "api" and stored.current.received_by_id == feed.user.pk
    assert Mention.objects.filter(record=stored).count() == 2

    status, again = post(feed, record)
    assert status == 200
    assert again == {**body, "status": "unchanged"}  # the original outcome: same sequence, same received_at
    assert SourceRecord.objects.get().versions.count() == 1


def test_a_new_version_is_201(feed, make_record):
    post(feed, make_record())
    status, body = post(feed, make_record(version=2, amended_at="2023-04-10T09:00:00Z"))
    assert status == 201 and body["status"] == "new_version" and body["sequence"] == 2


def test_a_bad_record_is_422_per_field_and_nothing_is_stored(feed, make_record):
    record = make_record(version=2, kind="gossip")
    record["mentions"][0]["dob"] = "2020-02-30"
    record["mentions"][1]["nhs_number"] = "12"
    status, body = post(feed, record)
    assert status == 422
    assert body["errors"] == [
        {"field": "kind", "problem": f"is not one of the {KINDS} values the format allows (see docs/formats/README.md)"},
        {"field": "mentions[0].dob", "problem": "must be a real date written YYYY-MM-DD"},
        {"field": "mentions[1].nhs_number", "problem": "must be 10 digits with no spaces"},
        {"field": "amended_at", "problem": "is required when version is 2 or more"},
    ]
    assert not SourceRecord.objects.exists() and not Mention.objects.exists()
    assert not AuditEvent.objects.filter(action="record.ingest").exists()


def test_another_agencys_record_is_403_naming_agency_id(make_user, make_agency, make_record):
    outsider = make_user(role=Role.PARTNER_PRACTITIONER, agency=make_agency())
    _, secret = api_token_create(actor=actor_for(outsider), user=outsider, name="other feed")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    status, body = post(client, make_record())
    assert status == 403
    assert [e["field"] for e in body["errors"]] == ["agency_id"]
    assert not SourceRecord.objects.exists()


def test_an_unknown_agency_is_not_yours_either(feed, make_record, agency):
    status, body = post(feed, make_record(agency_id="no-such-agency"))
    assert status == 403
    assert body["errors"] == [{"field": "agency_id", "problem": f"you may send records for your own agency ('{agency.code}') only"}]
    status, body = post(feed, {"records": [make_record(agency_id="no-such-agency")]})
    assert status == 200
    assert body["outcomes"][0]["errors"] == [
        {"field": "agency_id", "problem": "no agency 'no-such-agency' is registered with joinedup"}
    ]


def test_a_batch_stores_the_good_and_names_the_bad(feed, make_record):
    good = make_record()
    bad = make_record(source_record_id="NGH-2")
    del bad["recorded_at"]
    status, body = post(feed, {"records": [good, bad, good]})
    assert status == 200
    assert [o["status"] for o in body["outcomes"]] == ["created", "refused", "unchanged"]
    assert body["outcomes"][1]["errors"] == [{"field": "recorded_at", "problem": "is required"}]
    assert body["counts"] == {"created": 1, "new_version": 0, "unchanged": 1, "refused": 1}
    assert SourceRecord.objects.count() == 1
    event = AuditEvent.objects.get(action="record.ingest")
    assert event.actor_id == feed.user.pk and event.detail["via"] == "api" and event.detail["refused"] == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ([1, 2], ""),
        ({"records": []}, "records"),
        ({"records": "x"}, "records"),
        ({"records": [{}, "not a record"]}, "records[1]"),
    ],
)
def test_malformed_bodies_are_422(feed, body, field):
    status, answer = post(feed, body)
    assert status == 422 and answer["errors"][0]["field"] == field


def test_a_batch_is_at_most_1000_records(feed, make_record):
    status, body = post(feed, {"records": [make_record()] * 1001})
    assert status == 422 and body["errors"][0]["field"] == "records"
    assert not SourceRecord.objects.exists()


def test_invalid_json_is_422(feed):
    response = feed.post(URL, data="{not json", content_type="application/json")
    assert response.status_code == 422


def test_a_token_is_needed(client, make_record):
    response = client.post(URL, data=json.dumps(make_record()), content_type="application/json")
    assert response.status_code in {401, 403}


def test_the_schema_documents_the_operation(client):
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    operation = schema["paths"]["/api/v1/records/"]["post"]
    assert operation["operationId"] == "records_create"
    assert set(operation["requestBody"]["content"]) == {"application/json"}
    assert {"200", "201", "401", "403", "422"} <= set(operation["responses"])
    request = schema["components"]["schemas"]["RecordOrBatchRequest"]
    assert len(request["oneOf"]) == 2
