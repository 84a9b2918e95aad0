"""Signing in and out: throttled with a finite cool-off, idle timeout, audited."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from joinedup.core.sessions import REFRESHED_AT
from tests.conftest import PASSWORD, totp_code

pytestmark = pytest.mark.django_db


def test_sign_in_page_renders_with_csp_nonce(client):
    response = client.get("/sign-in/")
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    nonce = csp.split("'nonce-")[1].split("'")[0]
    assert f'nonce="{nonce}"' in response.content.decode()
    assert "script-src 'self' 'nonce-" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp


def test_sign_in_then_home_then_sign_out(client, make_user):
    user = make_user(first_name="Ngozi")
    response = client.post("/sign-in/", {"username": user.username, "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == "/sign-in/code/"  # then the authenticator's code
    response = client.post("/sign-in/code/", {"code": totp_code(user)}, follow=True)
    assert response.redirect_chain[-1][0] == "/"
    assert "Welcome, Ngozi" in response.content.decode()
    response = client.post("/sign-out/", follow=True)
    assert "You have signed out" in response.content.decode()
    assert client.get("/").status_code == 302


def test_sign_out_needs_post(client, make_user, signed_in):
    signed_in(make_user())
    assert client.get("/sign-out/").status_code == 405


def test_wrong_password_names_the_problem(client, make_user):
    user = make_user()
    response = client.post("/sign-in/", {"username": user.username, "password": "wrong"})
    assert response.status_code == 200
    assert "Enter a correct username and password" in response.content.decode()
    response = client.post("/sign-in/", {"username": "", "password": ""})
    body = response.content.decode()
    assert "Enter your username" in body and "Enter your password" in body


def test_repeated_failures_lock_out_then_the_cool_off_ends(client, make_user):
    user = make_user()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/sign-in/", {"username": user.username, "password": "wrong"})
    locked = client.post("/sign-in/", {"username": user.username, "password": PASSWORD})
    assert locked.status_code == 429
    assert "Too many attempts" in locked.content.decode()
    assert "_auth_user_id" not in client.session

    # The cool-off is finite: once it has passed, the right password works again.
    AccessAttempt.objects.update(attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1))
    response = client.post("/sign-in/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302


def test_lockout_is_per_username_and_address(client, make_user):
    victim, other = make_user(), make_user()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/sign-in/", {"username": victim.username, "password": "wrong"})
    assert client.post("/sign-in/", {"username": other.username, "password": PASSWORD}).status_code == 302


def test_idle_session_expires_after_thirty_minutes(client, make_user, signed_in):
    signed_in(make_user())
    assert settings.SESSION_COOKIE_AGE == 30 * 60 and settings.SESSION_REFRESH_SECONDS == 60
    assert client.get("/").status_code == 200
    session = Session.objects.get(session_key=client.session.session_key)
    assert timedelta(minutes=29) < session.expire_date - timezone.now() <= timedelta(minutes=30)
    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/sign-in/")


def _refreshed_at(session_key: str) -> int:
    return Session.objects.get(session_key=session_key).get_decoded()[REFRESHED_AT]


def test_a_request_pushes_the_idle_timeout_on_at_most_once_a_minute(client, make_user, signed_in):
    signed_in(make_user())
    assert client.get("/").status_code == 200
    key = client.session.session_key
    refreshed = _refreshed_at(key)
    # Within the minute: the session is not written again (no UPDATE, no commit waiting for the disk).
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").status_code == 200
    assert not [q for q in queries if q["sql"].startswith('UPDATE "django_session"')]
    assert _refreshed_at(key) == refreshed
    # Last refreshed more than a minute ago, with 20 minutes left: the next request gives it 30 minutes again.
    session = Session.objects.get(session_key=key)
    data = session.get_decoded()
    data[REFRESHED_AT] = refreshed - 61
    Session.objects.filter(pk=key).update(session_data=SessionStore().encode(data),
                                          expire_date=timezone.now() + timedelta(minutes=20))
    assert client.get("/").status_code == 200
    session = Session.objects.get(session_key=key)
    assert timedelta(minutes=29) < session.expire_date - timezone.now() <= timedelta(minutes=30)
    assert _refreshed_at(key) >= refreshed


def test_deactivated_user_is_signed_out_on_next_request(client, make_user, signed_in):
    user = make_user()
    signed_in(user)
    assert client.get("/").status_code == 200
    type(user).objects.filter(pk=user.pk).update(is_active=False)
    assert client.get("/").status_code == 302
