"""Signing in and out, in two steps (docs/architecture.md, "Signing in").

1. A password (throttled by django-axes), or "Sign in with your organisation" (OpenID Connect).
2. A second factor: the 6-digit code of the user's authenticator app, or one of their single-use recovery codes;
   a user without an authenticator app sets one up first and is shown their recovery codes once. An organisation
   sign-in whose provider proved a second factor (`amr`) skips this step.
Until step 2 the session opens only these pages (web.middleware.SecondFactorMiddleware).
"""

from __future__ import annotations

import logging

import requests
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_lockout_response
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, user_login_failed
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import SuspiciousOperation
from django.http import HttpResponseRedirect
from django.middleware.csrf import rotate_token
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods
from django_otp import login as otp_login
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from joinedup.accounts.mfa import (
    IDP_SECOND_FACTOR_SESSION_KEY,
    otpauth_uri,
    qr_code_svg,
    recovery_code_for_reading,
    secret_for_reading,
    session_second_factor,
    totp_device_of,
)
from joinedup.accounts.oidc import (
    OIDC_ACTOR,
    OrganisationOutcome,
    OrganisationSignInUnavailable,
    oidc_config,
    oidc_configured,
    oidc_setting,
    provider_metadata,
)
from joinedup.accounts.services import actor_for
from joinedup.accounts.services.mfa import (
    recovery_codes_issue,
    second_factor_check,
    totp_device_begin,
    totp_device_confirm,
)
from joinedup.audit.actions import AuditAction
from joinedup.audit.services import audit_event_record
from joinedup.web.forms import SignInForm
from joinedup.web.forms_signin import SecondFactorForm, SetUpCodeForm
from joinedup.web.middleware import second_factor_url

log = logging.getLogger(__name__)


def _next_url(request) -> str:
    """The page asked for before signing in, if it is one of ours."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()},
                                                     require_https=request.is_secure()):
        return candidate
    return ""


def _after_sign_in(request) -> HttpResponseRedirect:
    return HttpResponseRedirect(_next_url(request) or resolve_url(settings.LOGIN_REDIRECT_URL))


def _second_factor_passed(request, device) -> None:
    """The session is now fully signed in: remember the device, new session key and CSRF token, and clear the
    sign-in failures of this username and address."""
    otp_login(request, device)
    request.session.cycle_key()
    rotate_token(request)
    AxesProxyHandler.update_request(request)
    AxesProxyHandler.reset_attempts(ip_address=request.axes_ip_address, username=request.user.get_username())


def _no_store(response):
    add_never_cache_headers(response)
    response["Cache-Control"] = "no-store"
    return response


class SignInView(auth_views.LoginView):
    """Step 1: username and password (django-axes throttles failures), or the organisation's sign-in."""

    template_name = "web/sign_in.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["organisation"] = oidc_config().get("name") if oidc_configured() else ""
        return context

    def get_success_url(self):
        next_url = self.get_redirect_url()
        user = self.request.user
        if user.is_authenticated and not session_second_factor(self.request.session, user):
            return second_factor_url(user, next_url)
        return next_url or resolve_url(settings.LOGIN_REDIRECT_URL)

    def form_valid(self, form):
        response = super().form_valid(form)
        audit_event_record(actor=actor_for(form.get_user()), action=AuditAction.SIGN_IN_STARTED,
                           object_type="user", object_id=form.get_user().pk, detail={"via": "password"})
        return response


class SignOutView(auth_views.LogoutView):
    """Signing out (POST only, with CSRF); audited before the session ends."""

    def post(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            audit_event_record(actor=actor_for(request.user), action=AuditAction.SIGN_OUT,
                               object_type="user", object_id=request.user.pk)
        return super().post(request, *args, **kwargs)


@require_GET
def signed_out(request):
    """Confirmation that the session has ended."""
    return render(request, "web/signed_out.html")


def _start_again(request) -> HttpResponseRedirect:
    next_url = _next_url(request)
    return HttpResponseRedirect(reverse("web:sign-in") + (f"?next={next_url}" if next_url else ""))


@require_http_methods(["GET", "POST"])
def sign_in_code(request):
    """Step 2: the code from the authenticator app, or a recovery code. Wrong codes make the device wait longer
    each time and count as failed sign-ins for django-axes: at its limit the session ends and the username is
    locked out from this address for the cool-off."""
    user = request.user
    if not user.is_authenticated:
        return _start_again(request)
    if session_second_factor(request.session, user):
        return _after_sign_in(request)
    if totp_device_of(user) is None:
        return HttpResponseRedirect(second_factor_url(user, _next_url(request)))
    credentials = {"username": user.get_username()}
    form = SecondFactorForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        if AxesProxyHandler.is_locked(request, credentials):
            logout(request)
            return get_lockout_response(request, None, credentials)
        checked = second_factor_check(user=user, code=form.cleaned_data["code"])
        if checked.ok:
            _second_factor_passed(request, checked.device)
            if checked.method == "recovery_code":
                messages.success(request, f"You signed in with a recovery code. It cannot be used again. You have "
                                          f"{checked.recovery_codes_left} left: get new ones from Your account.")
            return _after_sign_in(request)
        if checked.wait_until is not None:
            status = 429
            form.add_error("code", f"Too many wrong codes. Wait {checked.wait_seconds} seconds, then enter the "
                                   "code your app shows then")
        else:
            user_login_failed.send(sender=__name__, credentials=credentials, request=request)
            if getattr(request, "axes_locked_out", False):
                logout(request)  # AxesMiddleware answers with the lockout page
                return get_lockout_response(request, None, credentials)
            form.add_error("code", "That code is not right. Enter the code your authenticator app shows for "
                                   "joinedup now, or a recovery code you have not used")
    return _no_store(render(request, "web/sign_in_code.html", {"form": form, "next": _next_url(request)},
                            status=status))


@require_http_methods(["GET", "POST"])
def sign_in_set_up(request):
    """Set up an authenticator app: at the first sign-in (after the password), or from Your account to replace
    one. Shows the secret as a QR code and as text, and asks for the first code to prove the app has it. At the
    first set-up, recovery codes are issued and shown once."""
    user = request.user
    if not user.is_authenticated:
        return _start_again(request)
    passed = session_second_factor(request.session, user)
    replacing = totp_device_of(user) is not None
    if replacing and not passed:
        return HttpResponseRedirect(second_factor_url(user, _next_url(request)))  # prove the app you have first
    device = totp_device_begin(user=user)
    form = SetUpCodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        checked, codes = totp_device_confirm(user=user, device=device, code=form.cleaned_data["code"])
        if checked.ok:
            if not passed:
                audit_event_record(actor=actor_for(user), action=AuditAction.SIGN_IN, object_type="user",
                                   object_id=user.pk, detail={"second_factor": "totp", "set_up": True})
            _second_factor_passed(request, checked.device)
            if codes:
                return _recovery_codes_page(request, codes, first=True)
            messages.success(request, "Your new authenticator app is set up. The old one no longer works.")
            return _after_sign_in(request) if not replacing else redirect("web:account")
        if checked.wait_until is not None:
            status = 429
            form.add_error("code", f"Too many wrong codes. Wait {checked.wait_seconds} seconds, then try again")
        else:
            form.add_error("code", "That code is not right. Check the app added joinedup with this secret, then "
                                   "enter the code it shows now")
    uri = otpauth_uri(device)
    return _no_store(render(request, "web/sign_in_set_up.html", {
        "form": form,
        "next": _next_url(request),
        "replacing": replacing,
        "qr_svg": qr_code_svg(uri, label="QR code of your joinedup secret, for your authenticator app"),
        "secret": secret_for_reading(device),
        "issuer": settings.OTP_TOTP_ISSUER,
        "username": user.get_username(),
    }, status=status))


def _recovery_codes_page(request, codes: list[str], *, first: bool):
    return _no_store(render(request, "web/recovery_codes.html", {
        "codes": [recovery_code_for_reading(c) for c in codes],
        "first": first,
        "next": _next_url(request) or resolve_url(settings.LOGIN_REDIRECT_URL),
    }))


@require_http_methods(["GET", "POST"])
@login_required
def account_recovery_codes(request):
    """Get new recovery codes from Your account (the old ones stop working); shown once."""
    if request.method == "POST":
        codes = recovery_codes_issue(actor=actor_for(request.user), user=request.user)
        return _recovery_codes_page(request, codes, first=False)
    return render(request, "web/recovery_codes_new.html", {"count": settings.JOINEDUP_RECOVERY_CODES})


# --- Sign in with your organisation (OpenID Connect) ------------------------------------------------------------

REFUSALS = {
    "unknown": "Your organisation account is not linked to a joinedup user. Ask your joinedup administrator to "
               "add you (with the email address your organisation uses), then sign in again.",
    "ambiguous": "More than one joinedup user has your email address, so joinedup cannot tell which one you are. "
                 "Ask your joinedup administrator to link your organisation account to your user.",
    "deactivated": "Your joinedup account has been deactivated. Contact your system administrator.",
    "linked_elsewhere": "Your joinedup user is already linked to a different account at your organisation. Sign in "
                        "with that account, or ask your joinedup administrator.",
    "claims": "Your organisation's answer did not match itself, so joinedup did not sign you in. Try again.",
    "": "joinedup could not sign you in with your organisation. Try again, or sign in with your username and "
        "password.",
}


class OrganisationSignInStart(OIDCAuthenticationRequestView):
    """Sends the browser to the organisation's sign-in (authorisation code flow with PKCE, state and nonce)."""

    get_settings = staticmethod(oidc_setting)

    def __init__(self, **kwargs):  # mozilla-django-oidc reads its endpoints here; ours are discovered in get()
        super(OIDCAuthenticationRequestView, self).__init__(**kwargs)

    def get(self, request):
        if not oidc_configured():
            return redirect("web:sign-in")
        try:
            self.OIDC_OP_AUTH_ENDPOINT = provider_metadata()["authorization_endpoint"]
        except OrganisationSignInUnavailable as exc:
            log.warning("organisation sign-in unavailable: %s", exc)
            return _unavailable(request)
        self.OIDC_RP_CLIENT_ID = oidc_config()["client_id"]
        return _no_store(super().get(request))


class OrganisationSignInCallback(OIDCAuthenticationCallbackView):
    """Where the organisation sends the browser back: the code is exchanged, the ID token checked, the joinedup
    user found (never created) — then the second factor, unless the provider proved one."""

    get_settings = staticmethod(oidc_setting)

    def get(self, request):
        if not oidc_configured():
            return redirect("web:sign-in")
        try:
            return _no_store(super().get(request))
        except (OrganisationSignInUnavailable, requests.RequestException) as exc:
            log.warning("organisation sign-in failed: %s", exc.__class__.__name__)
            return _unavailable(request)
        except SuspiciousOperation as exc:
            log.warning("organisation sign-in refused: %s", exc)
            return self._refuse("", status=400)

    def login_success(self):
        request, user = self.request, self.user
        outcome: OrganisationOutcome = request.joinedup_organisation
        next_url = request.session.get("oidc_login_next") or ""
        login(request, user)
        detail = {"via": "organisation", "issuer": oidc_config()["issuer"], "amr": outcome.amr,
                  "matched_by": outcome.matched_by}
        if outcome.second_factor:
            request.session[IDP_SECOND_FACTOR_SESSION_KEY] = {"user": str(user.pk), "amr": outcome.amr}
            request.session.cycle_key()
            AxesProxyHandler.update_request(request)
            AxesProxyHandler.reset_attempts(ip_address=request.axes_ip_address, username=user.get_username())
            audit_event_record(actor=actor_for(user), action=AuditAction.SIGN_IN, object_type="user",
                               object_id=user.pk, detail={**detail, "second_factor": "organisation"})
            return HttpResponseRedirect(next_url or resolve_url(settings.LOGIN_REDIRECT_URL))
        audit_event_record(actor=actor_for(user), action=AuditAction.SIGN_IN_STARTED, object_type="user",
                           object_id=user.pk, detail=detail)
        return HttpResponseRedirect(second_factor_url(user, next_url))

    def login_failure(self):
        outcome: OrganisationOutcome | None = getattr(self.request, "joinedup_organisation", None)
        reason = outcome.refused if outcome is not None else ""
        if outcome is not None and reason:
            audit_event_record(actor=OIDC_ACTOR, action=AuditAction.ORGANISATION_SIGN_IN_REFUSED,
                               object_type="user", object_id=outcome.user.pk if outcome.user else "",
                               detail={"issuer": oidc_config()["issuer"], "refused": reason, "email": outcome.email})
        return self._refuse(reason, status=403)

    def _refuse(self, reason: str, *, status: int):
        return _no_store(render(self.request, "web/sign_in_refused.html", {
            "problem": REFUSALS.get(reason, REFUSALS[""]),
            "organisation": oidc_config().get("name", "your organisation"),
        }, status=status))


def _unavailable(request):
    return _no_store(render(request, "web/sign_in_refused.html", {
        "problem": "Signing in with your organisation is not working at the moment. Sign in with your username and "
                   "password, or try again later.",
        "organisation": oidc_config().get("name", "your organisation"),
    }, status=503))
