"""When the audit write fails, the request fails and returns no data (on both databases)."""

import pytest
from django.db import connection
from django.test import Client

from joinedup.accounts.models import Role
from joinedup.api.serializers import UserSerializer  # noqa: F401 - the API must import cleanly
from tests.conftest import sign_in

pytestmark = [pytest.mark.both_databases, pytest.mark.django_db]


def break_audit_inserts():
    """Make the real database refuse every new audit row (undone when the test's transaction rolls back)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE FUNCTION test_refuse_insert() RETURNS trigger LANGUAGE plpgsql AS $$ "
                "BEGIN RAISE EXCEPTION 'audit store unavailable'; END; $$"
            )
            cursor.execute(
                "CREATE TRIGGER test_refuse_insert BEFORE INSERT ON audit_auditevent "
                "FOR EACH ROW EXECUTE FUNCTION test_refuse_insert()"
            )
        else:
            cursor.execute(
                "CREATE TRIGGER test_refuse_insert BEFORE INSERT ON audit_auditevent "
                "BEGIN SELECT RAISE(ABORT, 'audit store unavailable'); END"
            )


def test_web_page_with_personal_data_fails_without_its_audit_row(make_user):
    user = make_user(role=Role.SOCIAL_WORKER, first_name="Marguerite", last_name="Vantongeren",
                     phone="01632 960123")
    client = Client(raise_request_exception=False)
    sign_in(client, user)
    assert client.get("/account/").status_code == 200  # works while the audit store works

    break_audit_inserts()
    response = client.get("/account/")

    assert response.status_code == 500
    body = response.content.decode()
    for value in ("Marguerite", "Vantongeren", "01632 960123", user.email):
        assert value not in body


def test_api_read_of_personal_data_fails_without_its_audit_row(make_user):
    viewer = make_user(role=Role.SOCIAL_WORKER)
    colleague = make_user(role=Role.TEAM_MANAGER, agency=viewer.agency, last_name="Oyelaran-Whitfield")
    client = Client(raise_request_exception=False)
    sign_in(client, viewer)
    url = f"/api/v1/users/{colleague.pk}/"
    assert client.get(url).status_code == 200

    break_audit_inserts()
    response = client.get(url)

    assert response.status_code == 500
    assert b"Oyelaran-Whitfield" not in response.content
    assert colleague.email.encode() not in response.content
