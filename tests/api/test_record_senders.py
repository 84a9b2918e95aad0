"""Only agencies' systems send records (`POST /api/v1/records/`): an account of the agency in a sending role
(`joinedup.access.policy.RECORD_SENDING_ROLES`). Any other role's token — the DPO's, a case reviewer's, a
worker's — is refused with 403 naming why, and nothing is stored or audited as received."""

from __future__ import annotations

import copy
import json

import pytest
from django.test import Client

from joinedup.access.policy import RECORD_SENDING_ROLES, may_send_records
from joinedup.accounts.models import AgencyKind, Role
from joinedup.accounts.services import actor_for, api_token_create, user_deactivate
from joinedup.audit.models import AuditEvent
from joinedup.ingest.models import SourceRecord
from tests.conftest import sign_in
from tests.ingest.conftest import EXAMPLE

pytestmark = [pytest.mark.both_databases, pytest.mark.django_db]

URL = "/api/v1/records/"
NOT_SENDING = sorted(set(Role.values) - set(RECORD_SENDING_ROLES))


def _token_client(user) -> Client:
    _, secret = api_token_create(actor=actor_for(user), user=user, name="feed")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def _record(agency, source_id="SR-1") -> dict:
    record = copy.deepcopy(EXAMPLE)
    record["agency_id"], record["source_record_id"] = agency.code, source_id
    return record


def _post(client, body):
    response = client.post(URL, data=json.dumps(body), content_type="application/json")
    return response.status_code, response.json()


def test_the_sending_roles_are_a_partner_agencys_feed_and_an_authoritys_case_system():
    assert {Role.PARTNER_PRACTITIONER, Role.SYSTEM_ADMINISTRATOR} == RECORD_SENDING_ROLES
    assert may_send_records(None) is False


@pytest.mark.parametrize("role", sorted(Role.values))
def test_the_permission_is_the_policys_predicate(role, make_user):
    user = make_user(role=role)
    assert user.has_perm("ingest.send_records") is (role in RECORD_SENDING_ROLES) is may_send_records(user)


@pytest.mark.parametrize("role", sorted(RECORD_SENDING_ROLES))
def test_a_sending_roles_token_stores_its_agencys_record(role, make_user, make_agency):
    agency = make_agency(kind=AgencyKind.ACUTE_HOSPITAL)
    status, body = _post(_token_client(make_user(role=role, agency=agency)), _record(agency))
    assert status == 201, body
    assert body["status"] == "created"
    assert SourceRecord.objects.filter(agency=agency, source_record_id="SR-1").exists()


@pytest.mark.parametrize("role", NOT_SENDING)
def test_any_other_roles_token_is_refused_with_403_naming_why(role, make_user, make_agency):
    agency = make_agency(kind=AgencyKind.CHILDRENS_SOCIAL_CARE)
    user = make_user(role=role, agency=agency)
    status, body = _post(_token_client(user), _record(agency))
    assert status == 403
    [error] = body["errors"]
    assert error["field"] == ""
    assert f"your role ({Role(role).label}) may not send records" in error["problem"]
    assert "partner practitioner or a system administrator" in error["problem"]
    # A batch is refused as a whole, before any record is read.
    status, body = _post(_token_client(user), {"records": [_record(agency, "SR-2"), "not a record"]})
    assert status == 403 and "may not send records" in body["errors"][0]["problem"]
    assert not SourceRecord.objects.exists()
    assert not AuditEvent.objects.filter(action="record.ingest").exists()
    # The same role signed in with a session is refused too: the rule is about the account, not the credential.
    browser = sign_in(Client(), user)  # both steps: password, then the authenticator's code
    assert browser.post(URL, data=json.dumps(_record(agency)), content_type="application/json").status_code == 403


def test_a_deactivated_senders_token_is_refused(make_user, make_agency):
    agency = make_agency(kind=AgencyKind.POLICE)
    feed = make_user(role=Role.PARTNER_PRACTITIONER, agency=agency)
    client = _token_client(feed)
    user_deactivate(actor=actor_for(feed), user=feed, reason="feed retired")
    status, _body = _post(client, _record(agency))
    assert status in (401, 403)
    assert not SourceRecord.objects.exists()


def test_the_schema_documents_the_refusal():
    schema = Client().get(f"{URL[:-len('records/')]}schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    operation = schema["paths"][URL]["post"]
    assert "may not send records" in operation["responses"]["403"]["description"]
    assert "sending role" in operation["description"]
