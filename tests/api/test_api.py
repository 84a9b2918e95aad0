"""The API: versioned under /api/v1, OpenAPI 3 schema at a stable URL, session and token authentication."""

import pytest
from django.test import Client

from joinedup.accounts.models import Role
from joinedup.accounts.services import actor_for, api_token_create, api_token_revoke

pytestmark = pytest.mark.django_db


def test_schema_is_openapi_3_at_a_stable_url(client):
    response = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert {"/api/v1/me/", "/api/v1/users/{user_id}/", "/api/v1/agencies/"} <= set(schema["paths"])
    assert "bearerAuth" in schema["components"]["securitySchemes"]


def test_unauthenticated_requests_are_refused(client):
    response = client.get("/api/v1/me/")
    assert response.status_code in {401, 403}
    assert response.json()["errors"][0]["problem"]


def test_bearer_token_authenticates_and_revocation_takes_effect_at_once(make_user):
    admin = make_user(role=Role.SYSTEM_ADMINISTRATOR)
    feed = make_user(role=Role.PARTNER_PRACTITIONER)
    token, secret = api_token_create(actor=actor_for(admin), user=feed, name="A&E feed")
    assert secret not in (token.digest, token.prefix)  # only a digest is stored
    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    response = api.get("/api/v1/me/")
    assert response.status_code == 200
    assert response.json()["username"] == feed.username

    api_token_revoke(actor=actor_for(admin), token=token, reason="Feed retired")
    assert api.get("/api/v1/me/").status_code == 401
    assert Client(HTTP_AUTHORIZATION="Bearer ju_not-a-token").get("/api/v1/me/").status_code == 401


def test_colleague_in_another_agency_is_404_not_403(make_user, signed_in):
    viewer = make_user()
    outsider = make_user()
    client = signed_in(viewer)
    assert client.get(f"/api/v1/users/{outsider.pk}/").status_code == 404
    listed = client.get("/api/v1/users/").json()["results"]
    assert outsider.username not in {u["username"] for u in listed}
    assert viewer.username in {u["username"] for u in listed}
