"""schemathesis explores every operation of the OpenAPI schema as a signed-in user: no server errors."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import positive_data_acceptance

from joinedup.accounts.models import Role
from joinedup.accounts.services import actor_for, api_token_create
from joinedup.core.time import utc_now

# An address longer than 4,096 characters is refused with 414 before anything is looked up (documented on every
# operation); when the generated query string is that long, its invalid values are refused by that 414.
_REFUSALS = SchemathesisConfig().projects.default.checks.negative_data_rejection.expected_statuses  # its defaults
CONFIG = SchemathesisConfig.from_dict({"checks": {"negative_data_rejection": {"expected-statuses": [*_REFUSALS, "414"]}}})
# Loading the schema touches no database (the schema view is public and reads no personal data).
schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", get_wsgi_application(), config=CONFIG)

# Casework writes follow rules no schema can state (a contact received within the last 30 days, dates not in
# the future, the rules of the road from referral to closure), so a well-formed body may rightly be refused with
# a 422 naming the field or saying why. Every other check still applies to those answers.
RULED_WRITES = {
    ("POST", "/api/v1/contacts/"),
    ("POST", "/api/v1/contacts/{record_id}/rating/"),
    ("POST", "/api/v1/contacts/{record_id}/decision/"),
    ("POST", "/api/v1/cases/{case_id}/steps/"),
}


def call_and_validate(case, headers: dict) -> None:
    response = case.call(headers=headers)
    ruled = (case.operation.method.upper(), case.operation.path) in RULED_WRITES
    excluded = [positive_data_acceptance] if ruled and response.status_code == 422 else []
    case.validate_response(response, headers=headers, excluded_checks=excluded)


@pytest.fixture
def token(make_user):
    """A token for a social worker with a colleague to find; requests keep the test's transaction."""
    user = make_user(role=Role.SOCIAL_WORKER)
    make_user(agency=user.agency)
    _, secret = api_token_create(actor=actor_for(user), user=user, name="schemathesis")
    # Like Django's test client: keep the test's database connection open across WSGI requests.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield secret
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors(case, token):
    call_and_validate(case, {"Authorization": f"Bearer {token}"})


@pytest.mark.django_db
def test_an_address_too_long_is_refused_with_the_414_every_operation_documents(token):
    """A query string past 4,096 characters is refused with 414 before anything is looked up: schemathesis checks the
    answer against the schema (the 414 is documented), and an invalid value refused that way counts as refused."""
    operation = schema["/api/v1/supervision/due/"]["GET"]
    case = operation.Case(query={"limit": "9" * 5000})
    response = case.call(headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 414
    assert response.json()["errors"][0]["problem"] == "The address is longer than 4,096 characters."
    case.validate_response(response, headers={"Authorization": f"Bearer {token}"})
    raw = schema.raw_schema["paths"]
    assert all("414" in op["responses"] for methods in raw.values() for op in methods.values() if "responses" in op)
    assert "414" in CONFIG.projects.default.checks.negative_data_rejection.expected_statuses


# --- the casework operations as the front door, against a real contact and case ---------------------------------

casework_schema = schema.include(path_regex=r"^/api/v1/(front-door|contacts|cases|referrals)/")


@pytest.fixture
def front_door_token(front_door):
    """A front-door worker's token, and (in `aim`) an open contact and a case to aim well-formed requests at."""
    _, secret = api_token_create(actor=actor_for(front_door), user=front_door, name="schemathesis")
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield secret, {"user": front_door}
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def aim_at_real_things(case, aim: dict) -> None:
    """Well-formed requests go to a real case and contact, at their current revision and with today's dates, so
    the generated bodies reach the casework services (random ids and dates would only ever be refused). A case
    that closed, or a contact that was decided, is replaced by a new one."""
    from joinedup.casework.models import Case, Contact
    from joinedup.casework.services import contact_decide
    from tests.casework.conftest import new_child_contact

    if case.meta is None or not case.meta.generation.mode.is_positive:
        return
    user, params = aim["user"], case.path_parameters or {}
    revision = None
    if "case_id" in params:
        row = Case.objects.filter(pk=aim.get("case_id"), is_open=True).first()
        if row is None:
            made = new_child_contact(user)
            aim["case_id"] = contact_decide(user=user, person=made.person, record_pk=made.record_pk,
                                            decision="strategy_discussion", revision=made.contact.revision).case_id
            row = Case.objects.get(pk=aim["case_id"])
        params["case_id"], revision = str(row.pk), row.revision
    if "record_id" in params:
        row = Contact.objects.filter(record_id=aim.get("record_id"), is_open=True).first()
        if row is None:
            aim["record_id"] = new_child_contact(user, given="Ava", family="Moss").record_pk
            row = Contact.objects.get(record_id=aim["record_id"])
        params["record_id"], revision = row.record_id, row.revision
    if not isinstance(case.body, dict):
        return
    if "revision" in case.body and revision is not None:
        case.body["revision"] = revision
    now = utc_now()
    for name, value in case.body.items():
        if isinstance(value, str) and name.endswith("_on"):
            case.body[name] = now.date().isoformat()
        elif isinstance(value, str) and name.endswith("_at"):
            case.body[name] = now.isoformat()


@pytest.mark.django_db
@casework_schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_casework_as_the_front_door_no_server_errors(case, front_door_token):
    secret, aim = front_door_token
    aim_at_real_things(case, aim)
    call_and_validate(case, {"Authorization": f"Bearer {secret}"})


# --- sending records as an agency's system (the social worker above may not: 403) --------------------------------

records_schema = schema.include(path_regex=r"^/api/v1/records/$")


@pytest.fixture
def feed_token(make_user):
    """A partner agency's feed account's token (a sending role: joinedup.access.policy.RECORD_SENDING_ROLES)."""
    user = make_user(role=Role.PARTNER_PRACTITIONER)
    _, secret = api_token_create(actor=actor_for(user), user=user, name="schemathesis feed")
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield secret
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.django_db
@records_schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_sending_records_as_a_feed_no_server_errors(case, feed_token):
    call_and_validate(case, {"Authorization": f"Bearer {feed_token}"})
