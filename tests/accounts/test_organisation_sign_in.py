"""Sign in with your organisation (OpenID Connect), against a real provider: django-oidc-provider in a project of
its own, started by the `oidc_provider` fixture. The whole redirect flow: joinedup sends the browser to the
provider, the person signs in there, the provider sends the browser back with a code, joinedup exchanges it (a
real back-channel call), checks the signed ID token and finds — never creates — the joinedup user."""

from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session
from django.test import Client, override_settings

from joinedup.accounts.models import ExternalIdentity, Role, User
from joinedup.accounts.oidc import forget_provider_metadata
from joinedup.audit.actions import AuditAction
from joinedup.audit.models import AuditEvent
from tests.accounts.conftest import through_the_provider
from tests.conftest import totp_code

pytestmark = pytest.mark.django_db


@pytest.fixture
def organisation(oidc_provider):
    forget_provider_metadata()
    with override_settings(JOINEDUP_OIDC=oidc_provider.config):
        yield oidc_provider
    forget_provider_metadata()


def _sign_in_with_organisation(client: Client, username: str, next_url: str = ""):
    """Press "Sign in with Northbrook Council", sign in at the provider, come back; the callback's response."""
    start = client.get("/sign-in/organisation/" + (f"?next={next_url}" if next_url else ""))
    assert start.status_code == 302, start.content[:500]
    assert "code_challenge=" in start["Location"] and "nonce=" in start["Location"]  # PKCE and a nonce
    back = through_the_provider(start["Location"], username)
    return client.get(back.removeprefix("http://testserver"))


def test_a_provider_that_proved_a_second_factor_signs_the_user_in(organisation, make_user):
    user = make_user(role=Role.FRONT_DOOR, email=organisation.email_of("ada").upper(), first_name="Ada")
    client = Client()
    page = client.get("/sign-in/").content.decode()
    assert "Sign in with Northbrook Council" in page

    response = _sign_in_with_organisation(client, "ada", next_url="/account/")

    assert response.status_code == 302 and response["Location"] == "/account/", response.content[:800]
    assert client.get("/").status_code == 200 and "Welcome, Ada" in client.get("/").content.decode()
    body = client.get("/account/").content.decode()
    assert "Your organisation checked your second factor" in body
    identity = ExternalIdentity.objects.get(user=user)
    assert identity.issuer == organisation.issuer and identity.subject  # remembered for next time
    row = AuditEvent.objects.filter(actor_id=user.pk, action=AuditAction.SIGN_IN).get()
    assert row.detail["second_factor"] == "organisation" and row.detail["amr"] == ["pwd", "mfa"]
    assert row.detail["matched_by"] == "email"

    # Next time the subject finds the user, whatever their email has become in joinedup.
    User.objects.filter(pk=user.pk).update(email="ada.new@northbrook.example")
    again = Client()
    assert _sign_in_with_organisation(again, "ada")["Location"] == "/"
    assert AuditEvent.objects.filter(actor_id=user.pk, action=AuditAction.SIGN_IN).latest("id").detail[
        "matched_by"] == "subject"


def test_without_the_providers_second_factor_joinedup_asks_for_its_own(organisation, make_user):
    user = make_user(email=organisation.email_of("ben"), first_name="Ben")
    client = Client()
    response = _sign_in_with_organisation(client, "ben", next_url="/account/")
    assert response.status_code == 302 and response["Location"] == "/sign-in/code/?next=%2Faccount%2F"
    assert client.get("/people/").status_code == 302  # nothing opens on the provider's password alone
    assert AuditEvent.objects.filter(actor_id=user.pk, action=AuditAction.SIGN_IN_STARTED).get().detail[
        "amr"] == ["pwd"]
    response = client.post("/sign-in/code/", {"code": totp_code(user), "next": "/account/"})
    assert response["Location"] == "/account/"
    assert client.get("/account/").status_code == 200


def test_an_unknown_account_is_refused_and_no_user_is_created(organisation, make_user):
    users_before = User.objects.count()
    client = Client()
    response = _sign_in_with_organisation(client, "cal")
    body = response.content.decode()
    assert response.status_code == 403
    assert "Your organisation account is not linked to a joinedup user" in body
    assert User.objects.count() == users_before and not ExternalIdentity.objects.exists()
    assert "_auth_user_id" not in client.session and client.get("/").status_code == 302
    row = AuditEvent.objects.filter(action=AuditAction.ORGANISATION_SIGN_IN_REFUSED).get()
    assert row.detail["refused"] == "unknown" and row.detail["email"] == organisation.email_of("cal")


def test_an_email_the_provider_has_not_verified_matches_nobody(organisation, make_user):
    make_user(email=organisation.email_of("dee"))
    response = _sign_in_with_organisation(Client(), "dee")
    assert response.status_code == 403 and "not linked to a joinedup user" in response.content.decode()


def test_a_deactivated_user_is_refused_and_an_organisation_session_ends_on_deactivation(organisation, make_user):
    from joinedup.accounts.services import user_deactivate
    from tests.conftest import SYSTEM

    user = make_user(email=organisation.email_of("ada"))
    client = Client()
    assert _sign_in_with_organisation(client, "ada")["Location"] == "/"
    assert client.get("/").status_code == 200
    session_key = client.session.session_key
    user_deactivate(actor=SYSTEM, user=user, reason="Left the council")
    assert client.get("/").status_code == 302
    assert not Session.objects.filter(session_key=session_key).exists()
    response = _sign_in_with_organisation(Client(), "ada")
    assert response.status_code == 403 and "has been deactivated" in response.content.decode()


def test_two_users_with_the_providers_email_are_not_guessed_between(organisation, make_user):
    make_user(email=organisation.email_of("ada"))
    make_user(email=organisation.email_of("ada"))
    response = _sign_in_with_organisation(Client(), "ada")
    assert response.status_code == 403 and "More than one joinedup user" in response.content.decode()


def test_a_callback_without_our_state_is_refused(organisation, make_user):
    make_user(email=organisation.email_of("ada"))
    client = Client()
    start = client.get("/sign-in/organisation/")
    back = through_the_provider(start["Location"], "ada")
    forged = back.removeprefix("http://testserver").replace("state=", "state=x")
    response = client.get(forged)
    assert response.status_code == 400 and "_auth_user_id" not in client.session


def test_not_configured_there_is_no_organisation_sign_in(client):
    with override_settings(JOINEDUP_OIDC={}):
        assert "Sign in with" not in client.get("/sign-in/").content.decode()
        response = client.get("/sign-in/organisation/")
        assert response.status_code == 302 and response["Location"] == "/sign-in/"
        assert client.get("/sign-in/organisation/callback/?code=x&state=y").status_code == 302


def test_a_partial_configuration_is_refused_naming_what_is_missing(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    from config.settings.base import oidc_from_env

    monkeypatch.setenv("JOINEDUP_OIDC_ISSUER", "https://login.example/tenant/v2.0")
    monkeypatch.setenv("JOINEDUP_OIDC_CLIENT_ID", "joinedup")
    monkeypatch.delenv("JOINEDUP_OIDC_CLIENT_SECRET", raising=False)
    with pytest.raises(ImproperlyConfigured, match="JOINEDUP_OIDC_CLIENT_SECRET not set"):
        oidc_from_env()
    monkeypatch.setenv("JOINEDUP_OIDC_CLIENT_SECRET", "s3cret")
    config = oidc_from_env()
    assert config["issuer"] == "https://login.example/tenant/v2.0" and config["mfa_amr"] == ["mfa", "otp", "hwk"]


def test_the_provider_unreachable_is_said_plainly(make_user):
    config = {"issuer": "http://127.0.0.1:9/nowhere", "client_id": "x", "client_secret": "y", "name": "Northbrook",
              "mfa_amr": ["mfa"], "sign_algo": "RS256", "match_email": True, "timeout": 2}
    forget_provider_metadata()
    with override_settings(JOINEDUP_OIDC=config):
        response = Client().get("/sign-in/organisation/")
    assert response.status_code == 503 and "not working at the moment" in response.content.decode()
