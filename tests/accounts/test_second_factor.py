"""Multi-factor sign-in for every user (security promise 7): after the password, a code from the user's
authenticator app (TOTP) or a single-use recovery code; until then no page opens. Setting an app up, codes right
and wrong, recovery codes, throttling, and API bearer tokens left as they were."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from joinedup.accounts.mfa import code_from_base32, code_now, recovery_codes_left, totp_device_of
from joinedup.accounts.models import Role
from joinedup.accounts.services import actor_for, api_token_create
from joinedup.accounts.services.mfa import recovery_codes_issue, second_factor_reset
from joinedup.audit.actions import AuditAction
from joinedup.audit.models import AuditEvent
from tests.conftest import PASSWORD, SYSTEM, sign_in, totp_code

pytestmark = pytest.mark.django_db

# The pages a password-only session may open; everything else is behind the second factor.
OPEN = {"web:sign-in", "web:sign-out", "web:signed-out", "web:sign-in-code", "web:sign-in-set-up",
        "web:sign-in-organisation", "web:sign-in-organisation-callback"}


def _web_routes(resolver=None, prefix="", namespace=""):
    """(view name, URL) for every route of the screens, its parameters filled with well-formed values."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            if str(pattern.pattern).startswith("api/"):
                continue
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _web_routes(pattern, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            route = prefix + str(pattern.pattern)
            route = re.sub(r"<uuid:\w+>", str(uuid.uuid4()), route)
            route = re.sub(r"<int:\w+>", "1", route)
            route = re.sub(r"<(?:slug|str|path):\w+>", "x", route)
            yield f"{namespace}{pattern.name}", "/" + route


def _code_page(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith("/sign-in/code/")


def test_a_password_only_session_opens_no_page(make_user, password_only):
    user = make_user(role=Role.DATA_PROTECTION_OFFICER)
    client = password_only(user)
    routes = list(_web_routes())
    assert len(routes) >= 40 and {"web:home", "web:person", "web:audit-trail", "web:account"} <= {n for n, _ in routes}
    before = AuditEvent.objects.count()
    for name, url in routes:
        if name in OPEN:
            continue
        response = client.get(url)
        assert _code_page(response), (name, url, response.status_code)
        assert response["Location"] == f"/sign-in/code/?next={url.replace('/', '%2F')}", response["Location"]
        assert _code_page(client.post(url, {"decision": "same", "reason": "x"})), (name, url)
    assert AuditEvent.objects.count() == before  # no view ran: nothing read, nothing written
    # The open pages: the code page itself, signing out; sign-in and set-up send it on to the code.
    assert client.get("/sign-in/code/").status_code == 200
    assert _code_page(client.get("/sign-in/"))
    assert _code_page(client.get("/sign-in/set-up/"))  # an app is set up already: prove it, not replace it
    assert client.get("/signed-out/").status_code == 200
    assert b"Audit trail" not in client.get("/sign-in/code/").content  # no menu before the second step
    # The API answers such a session as nobody, while the same user's bearer token works as before.
    assert client.get("/api/v1/me/").status_code in (401, 403)
    _, secret = api_token_create(actor=SYSTEM, user=user, name="feed")
    assert Client(HTTP_AUTHORIZATION=f"Bearer {secret}").get("/api/v1/me/").status_code == 200


@pytest.mark.both_databases
def test_the_right_code_signs_in_and_a_wrong_one_is_refused(make_user, password_only):
    user = make_user(first_name="Ngozi")
    client = password_only(user)
    assert AuditEvent.objects.filter(actor_id=user.pk, action=AuditAction.SIGN_IN_STARTED).count() == 1

    wrong = f"{(int(code_now(totp_device_of(user))) + 1) % 1_000_000:06d}"
    response = client.post("/sign-in/code/", {"code": wrong, "next": "/account/"})
    assert response.status_code == 200 and "That code is not right" in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    assert _code_page(client.get("/"))  # still not signed in
    assert AuditEvent.objects.filter(actor_id=user.pk, action=AuditAction.MFA_FAILED).count() == 1
    response = client.post("/sign-in/code/", {"code": "12ab"})
    assert "Enter the 6-digit code from your authenticator app, like 123456" in response.content.decode()

    _time_passes(user)  # a wrong code makes the app wait a second before the next try
    key_before = client.session.session_key
    response = client.post("/sign-in/code/", {"code": totp_code(user), "next": "/account/"})
    assert response.status_code == 302 and response["Location"] == "/account/"
    assert client.session.session_key != key_before  # a new session key once fully signed in
    assert "Welcome, Ngozi" in client.get("/").content.decode()
    row = AuditEvent.objects.filter(actor_id=user.pk, action=AuditAction.SIGN_IN).get()
    assert row.detail["second_factor"] == "totp"
    # The same code never works twice (another session replaying it).
    replay = Client()
    replay.post("/sign-in/", {"username": user.username, "password": PASSWORD})
    used = totp_device_of(user)
    response = replay.post("/sign-in/code/", {"code": _code_of_step(used, used.last_t)})
    assert response.status_code == 200 and "That code is not right" in response.content.decode()
    assert _code_page(replay.get("/"))


def _step(device) -> int:
    return int((timezone.now().timestamp() - device.t0) // device.step) + device.drift


def _code_of_step(device, step: int) -> str:
    from joinedup.accounts.mfa import code_for_step

    return code_for_step(device, step)


def _time_passes(user) -> None:
    """As if the seconds of back-off after wrong codes had gone by (the clock is not the code under test)."""
    long_ago = timezone.now() - timedelta(hours=1)
    TOTPDevice.objects.filter(user=user).exclude(throttling_failure_timestamp=None).update(
        throttling_failure_timestamp=long_ago)
    StaticDevice.objects.filter(user=user).exclude(throttling_failure_timestamp=None).update(
        throttling_failure_timestamp=long_ago)


@pytest.mark.both_databases
def test_a_user_without_an_app_sets_one_up_and_sees_recovery_codes_once(make_user):
    user = make_user(mfa=False)
    client = Client()
    response = client.post("/sign-in/", {"username": user.username, "password": PASSWORD, "next": "/account/"})
    assert response["Location"] == "/sign-in/set-up/?next=%2Faccount%2F"
    assert response.status_code == 302 and client.get("/").status_code == 302  # nothing opens yet
    page = client.get(response["Location"])
    body = page.content.decode()
    assert page.status_code == 200 and page["Cache-Control"] == "no-store"
    assert '<svg role="img" aria-label="QR code of your joinedup secret' in body  # inline, no image request
    secret = re.search(r'<code id="totp-secret">([A-Z2-7 ]+)</code>', body).group(1)
    assert len(secret.replace(" ", "")) == 32  # 20 random bytes
    assert secret in client.get("/sign-in/set-up/").content.decode()  # a reload shows the same secret
    assert not TOTPDevice.objects.filter(user=user, confirmed=True).exists()

    response = client.post("/sign-in/set-up/", {"code": "000000" if code_from_base32(secret) != "000000"
                                                 else "111111"})
    assert "That code is not right" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    _time_passes(user)

    response = client.post("/sign-in/set-up/", {"code": code_from_base32(secret), "next": "/account/"})
    body = response.content.decode()
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    codes = re.findall(r"<li><code>([a-z2-7]{4} [a-z2-7]{4})</code></li>", body)
    assert len(codes) == settings.JOINEDUP_RECOVERY_CODES == len(set(codes))
    assert "will not show them again" in body and 'href="/account/"' in body
    assert client.get("/account/").status_code == 200  # signed in
    assert "10 left" in client.get("/account/").content.decode()
    assert TOTPDevice.objects.filter(user=user, confirmed=True).count() == 1
    assert {e.action for e in AuditEvent.objects.filter(actor_id=user.pk)} >= {
        AuditAction.SIGN_IN_STARTED, AuditAction.MFA_ENROL, AuditAction.SIGN_IN}
    for code in codes:  # shown once: nowhere to see them again
        assert code not in client.get("/account/").content.decode()

    # The next sign-in asks for the code, not for a new app.
    client.post("/sign-out/")
    response = client.post("/sign-in/", {"username": user.username, "password": PASSWORD})
    assert _code_page(response)


def test_a_recovery_code_works_once(make_user):
    user = make_user()
    codes = recovery_codes_issue(actor=actor_for(user), user=user)
    client = Client()
    client.post("/sign-in/", {"username": user.username, "password": PASSWORD})
    response = client.post("/sign-in/code/", {"code": f"{codes[3][:4]} {codes[3][4:].upper()}"}, follow=True)
    assert response.redirect_chain[-1][0] == "/"
    assert "You signed in with a recovery code" in response.content.decode() and "9 left" in response.content.decode()
    assert recovery_codes_left(user) == 9
    row = AuditEvent.objects.filter(actor_id=user.pk, action=AuditAction.SIGN_IN).get()
    assert row.detail == {"second_factor": "recovery_code", "recovery_codes_left": 9}
    assert "With a recovery code" in client.get("/account/").content.decode()
    client.post("/sign-out/")

    again = Client()
    again.post("/sign-in/", {"username": user.username, "password": PASSWORD})
    response = again.post("/sign-in/code/", {"code": codes[3]})
    assert response.status_code == 200 and "That code is not right" in response.content.decode()
    assert _code_page(again.get("/"))
    _time_passes(user)
    assert again.post("/sign-in/code/", {"code": codes[4]}).status_code == 302  # another, unused, works


def test_new_recovery_codes_from_your_account_replace_the_old(make_user, signed_in):
    user = make_user()
    old = recovery_codes_issue(actor=SYSTEM, user=user)
    client = signed_in(user)
    assert "Get new codes" in client.get("/account/").content.decode()
    assert client.get("/account/recovery-codes/").status_code == 200
    response = client.post("/account/recovery-codes/")
    new = [c.replace(" ", "") for c in re.findall(r"<li><code>([a-z2-7 ]{9})</code></li>", response.content.decode())]
    assert len(new) == 10 and not set(new) & set(old) and response["Cache-Control"] == "no-store"
    assert set(StaticToken.objects.filter(device__user=user).values_list("token", flat=True)) == set(new)
    assert AuditEvent.objects.filter(action=AuditAction.RECOVERY_CODES_ISSUE, actor_id=user.pk).exists()


def test_wrong_codes_are_throttled_then_lock_out_for_the_cool_off(make_user, password_only):
    user = make_user()
    client = password_only(user)
    wrong = f"{(int(code_now(totp_device_of(user))) + 500_000) % 1_000_000:06d}"
    assert "not right" in client.post("/sign-in/code/", {"code": wrong}).content.decode()
    # The device backs off: even the right code is not tried until the wait is over.
    response = client.post("/sign-in/code/", {"code": totp_code(user)})
    assert response.status_code == 429 and "Too many wrong codes. Wait" in response.content.decode()
    assert _code_page(client.get("/"))
    # Each wrong code is also a failed sign-in for django-axes: at its limit the session ends, the username is
    # locked out from this address, and the right password is refused until the cool-off is over.
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _time_passes(user)
        response = client.post("/sign-in/code/", {"code": wrong})
    assert response.status_code == 429 and "Too many attempts" in response.content.decode()
    assert "Try again in 15 minutes." in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert client.post("/sign-in/", {"username": user.username, "password": PASSWORD}).status_code == 429
    assert AuditEvent.objects.filter(actor_id=user.pk, action=AuditAction.MFA_FAILED).count() == \
        settings.AXES_FAILURE_LIMIT
    AccessAttempt.objects.update(attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1))
    _time_passes(user)
    sign_in(client, user)  # after the cool-off, both steps work again
    assert client.get("/").status_code == 200
    assert not AccessAttempt.objects.filter(username=user.username).exists()  # cleared by the full sign-in


def test_setting_up_a_new_app_from_your_account_replaces_the_old(make_user, signed_in):
    user = make_user()
    old, codes = totp_device_of(user), recovery_codes_issue(actor=SYSTEM, user=user)
    client = signed_in(user)
    page = client.get("/account/authenticator/").content.decode()
    secret = re.search(r'<code id="totp-secret">([A-Z2-7 ]+)</code>', page).group(1)
    assert totp_device_of(user) == old  # the old app works until the new one has given a code
    response = client.post("/account/authenticator/", {"code": code_from_base32(secret)})
    assert response.status_code == 302 and response["Location"] == "/account/"
    assert not TOTPDevice.objects.filter(pk=old.pk).exists()
    assert client.get("/account/").status_code == 200  # this session moved to the new app
    assert recovery_codes_left(user) == len(codes)  # recovery codes are kept
    assert AuditEvent.objects.filter(actor_id=user.pk, action=AuditAction.MFA_ENROL).latest("id").detail[
        "replaced"] == 1


def test_a_reset_second_factor_ends_the_session_and_asks_for_a_new_app(make_user, signed_in):
    admin = make_user(role=Role.SYSTEM_ADMINISTRATOR)
    user = make_user(agency=admin.agency)
    client = signed_in(user)
    assert client.get("/").status_code == 200
    with pytest.raises(ValueError, match="reason"):
        second_factor_reset(actor=actor_for(admin), user=user, reason=" ")
    second_factor_reset(actor=actor_for(admin), user=user, reason="Lost phone, confirmed by telephone")
    response = client.get("/people/")
    assert response.status_code == 302 and response["Location"].startswith("/sign-in/?next=")
    assert "_auth_user_id" not in client.session
    response = client.post("/sign-in/", {"username": user.username, "password": PASSWORD})
    assert response["Location"].startswith("/sign-in/set-up/")


def test_the_test_helper_signs_in_again_and_again_within_one_step(make_user):
    """The fixtures sign a user in several times a minute: each code is a real, unused one the server accepts."""
    user = make_user()
    steps = []
    for _ in range(4):
        client = sign_in(Client(), user)
        assert client.get("/").status_code == 200
        steps.append(totp_device_of(user).last_t)
    assert steps == sorted(set(steps))  # each sign-in used a later step than the one before


# --- A permission removed takes effect on the next request; sessions end on revocation ----------------------------

def test_deactivating_a_user_ends_their_session_and_their_tokens(make_user, signed_in):
    from joinedup.accounts.services import user_deactivate

    admin = make_user(role=Role.SYSTEM_ADMINISTRATOR)
    user = make_user(agency=admin.agency)
    client = signed_in(user)
    _, secret = api_token_create(actor=SYSTEM, user=user, name="feed")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert client.get("/account/").status_code == 200 and api.get("/api/v1/me/").status_code == 200
    session_key = client.session.session_key

    user_deactivate(actor=actor_for(admin), user=user, reason="Left the authority")

    response = client.get("/account/")
    assert response.status_code == 302 and response["Location"].startswith("/sign-in/")
    assert not Session.objects.filter(session_key=session_key).exists()  # the session itself is gone
    assert api.get("/api/v1/me/").status_code == 401
    assert client.post("/sign-in/", {"username": user.username, "password": PASSWORD}).status_code == 200


def test_a_changed_role_changes_the_very_next_request(make_user, signed_in):
    from joinedup.accounts.services import user_set_role

    dpo = make_user(role=Role.DATA_PROTECTION_OFFICER)
    client = signed_in(dpo)
    assert client.get("/audit/").status_code == 200
    assert "Audit trail" in client.get("/").content.decode()

    user_set_role(actor=SYSTEM, user=dpo, role=Role.SOCIAL_WORKER, reason="Moved to the assessment team")

    assert client.get("/audit/").status_code == 404  # the page the old role needed, on the very next request
    assert "Audit trail" not in client.get("/").content.decode()
    row = AuditEvent.objects.filter(action=AuditAction.USER_UPDATE, object_id=str(dpo.pk)).latest("id")
    assert row.detail == {"changed": ["role"], "role_before": "data_protection_officer", "role": "social_worker"}
    with pytest.raises(ValueError, match="role: 'boss' is not a role"):
        user_set_role(actor=SYSTEM, user=dpo, role="boss", reason="x")
