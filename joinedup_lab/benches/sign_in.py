"""Signing a Django test client in for the benches that time pages (`joinedup bench …`), with both steps done:
Django's login, then django-otp's own `login` with the user's real authenticator device (given one if they have
none), so the pages see a fully signed-in session exactly as after the sign-in forms."""

from __future__ import annotations

from django.http import HttpRequest
from django_otp import login as otp_login

from joinedup.accounts.mfa import totp_device_of
from joinedup.accounts.models import User
from joinedup.accounts.services.mfa import totp_device_provision
from joinedup.core.actor import ActorRef

BENCH_ACTOR = ActorRef.system("bench")


def client_sign_in(client, user: User) -> None:
    """`client.force_login(user)` and the second factor with the user's TOTP device."""
    client.force_login(user, backend="joinedup.accounts.backends.UserBackend")
    device = totp_device_of(user) or totp_device_provision(actor=BENCH_ACTOR, user=user)
    request = HttpRequest()
    request.session = client.session
    request.user = user
    otp_login(request, device)
    request.session.save()
