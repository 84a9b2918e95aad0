"""Signing in takes two steps; this middleware holds every page behind the second.

After django-otp's OTPMiddleware has said which device (if any) verified the session:
- a session whose user is gone or deactivated is ended (flushed), so revocation takes effect on the next request;
- a session that was verified with a device that has since been removed (an administrator's reset) is signed out;
- a session past the password (or organisation) step but not the second factor may open only the pages named in
  JOINEDUP_SECOND_FACTOR_OPEN_URL_NAMES; any other page sends it to enter a code (or to set up an authenticator
  app first), and the API treats it as anonymous (bearer tokens are unaffected: they never had a session).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import SESSION_KEY, logout
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponseRedirect
from django.urls import Resolver404, resolve, reverse

from joinedup.accounts.mfa import session_had_device, session_second_factor, totp_device_of


def second_factor_url(user, next_url: str = "") -> str:
    """Where a password-only session goes next: its code, or setting up an authenticator app first."""
    name = "web:sign-in-code" if totp_device_of(user) is not None else "web:sign-in-set-up"
    url = reverse(name)
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


class SecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = request.session
        had_user = SESSION_KEY in session
        had_device = session_had_device(session)
        user = request.user
        if not user.is_authenticated:
            if had_user:
                session.flush()  # the user was deactivated (or removed): their session ends now
            return self.get_response(request)
        if session_second_factor(session, user):
            return self.get_response(request)
        if had_device:
            logout(request)  # the device that verified this session was removed: sign in again
            return HttpResponseRedirect(f"{reverse('web:sign-in')}?{urlencode({'next': request.get_full_path()})}")
        if request.path_info.startswith(settings.STATIC_URL):
            return self.get_response(request)
        try:
            name = resolve(request.path_info).view_name
        except Resolver404:
            name = ""
        if name in settings.JOINEDUP_SECOND_FACTOR_OPEN_URL_NAMES:
            return self.get_response(request)
        if request.path_info.startswith("/api/"):
            request.user = AnonymousUser()  # DRF's session authentication then finds nobody
            return self.get_response(request)
        next_url = request.get_full_path() if request.method in {"GET", "HEAD"} else ""
        return HttpResponseRedirect(second_factor_url(user, next_url))


class RequestLimitsMiddleware:
    """Answer what a page cannot take with a page of our own, never a bare one: an address longer than
    `errors.MAX_URL_CHARACTERS` (414, nothing looked up), and a method a page does not answer (Django's 405 has an
    empty body). Sits after the CSP middleware, so these pages carry the same headers as any other."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from joinedup.web.views import errors

        if len(request.get_full_path()) > errors.MAX_URL_CHARACTERS:
            return errors.uri_too_long(request)
        response = self.get_response(request)
        if (response.status_code == 405 and not getattr(response, "streaming", False) and not response.content
                and not request.path_info.startswith("/api/")):
            allowed = response.get("Allow")
            response = errors.method_not_allowed(request)
            if allowed:
                response["Allow"] = allowed
        return response
