"""schemathesis explores every operation of the OpenAPI schema as a signed-in user: no server errors."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from joinedup.accounts.models import Role
from joinedup.accounts.services import actor_for, api_token_create

# Loading the schema touches no database (the schema view is public and reads no personal data).
schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", get_wsgi_application())


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
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"})
