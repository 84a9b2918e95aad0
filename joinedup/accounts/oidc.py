"""Sign in with your organisation: OpenID Connect (Entra ID and other providers) through mozilla-django-oidc.

Configured by JOINEDUP_OIDC_* (config/settings/base.py: `oidc_from_env`); the provider's endpoints come from its
discovery document. The authorisation code flow with PKCE, state and nonce (mozilla-django-oidc), and on top of it
what that library leaves out: the ID token's issuer, audience and authorised party are checked here.

Who signs in: an account is matched to an existing joinedup user, never created (agency and role are joinedup's).
First by the provider's subject (`ExternalIdentity`), else — when JOINEDUP_OIDC_MATCH_EMAIL is on and the provider
does not say the email is unverified — by a unique active user with that email, whose subject is then remembered.
Anything else is refused with the reason (`OrganisationOutcome.refused`), never a new account.

The second factor: an ID token whose `amr` claim names one of JOINEDUP_OIDC_MFA_AMR (default mfa, otp, hwk) has
passed the provider's multi-factor sign-in; otherwise joinedup asks for its own authenticator code as after a
password.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import SuspiciousOperation
from django.db import IntegrityError, transaction
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import import_from_settings

from joinedup.accounts.backends import active_user
from joinedup.accounts.models import ExternalIdentity, User
from joinedup.accounts.services.users import actor_for
from joinedup.audit.actions import AuditAction
from joinedup.audit.services import audit_event_record
from joinedup.core.actor import ActorRef
from joinedup.core.time import utc_now

DISCOVERY_CACHE_SECONDS = 3600
OIDC_ACTOR = ActorRef.system("organisation-sign-in")
_discovery: dict[str, tuple[float, dict[str, Any]]] = {}
_discovery_lock = threading.Lock()


class OrganisationSignInUnavailable(Exception):
    """The provider could not be reached or described itself wrongly; sign in with a password meanwhile."""


def oidc_config() -> dict[str, Any]:
    return getattr(settings, "JOINEDUP_OIDC", None) or {}


def oidc_configured() -> bool:
    return bool(oidc_config().get("issuer"))


def provider_metadata() -> dict[str, Any]:
    """The provider's discovery document, fetched once an hour; its issuer must be the one configured."""
    config = oidc_config()
    issuer = config["issuer"]
    with _discovery_lock:
        cached = _discovery.get(issuer)
        if cached is not None and time.monotonic() - cached[0] < DISCOVERY_CACHE_SECONDS:
            return cached[1]
    try:
        response = requests.get(f"{issuer}/.well-known/openid-configuration", timeout=config.get("timeout", 10))
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise OrganisationSignInUnavailable(f"discovery at {issuer} failed: {exc.__class__.__name__}") from exc
    if str(document.get("issuer", "")).rstrip("/") != issuer:
        raise OrganisationSignInUnavailable(f"discovery at {issuer} names another issuer: {document.get('issuer')!r}")
    for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        if not document.get(key):
            raise OrganisationSignInUnavailable(f"discovery at {issuer} has no {key}")
    with _discovery_lock:
        _discovery[issuer] = (time.monotonic(), document)
    return document


def forget_provider_metadata() -> None:
    with _discovery_lock:
        _discovery.clear()


def oidc_setting(attr: str, *default):
    """mozilla-django-oidc's settings, from JOINEDUP_OIDC and the discovery document."""
    config = oidc_config()
    fixed = {
        "OIDC_RP_CLIENT_ID": config.get("client_id"),
        "OIDC_RP_CLIENT_SECRET": config.get("client_secret"),
        "OIDC_RP_SIGN_ALGO": config.get("sign_algo", "RS256"),
        "OIDC_RP_SCOPES": "openid email profile",
        "OIDC_USE_NONCE": True,
        "OIDC_USE_PKCE": True,
        "OIDC_CREATE_USER": False,
        "OIDC_TIMEOUT": config.get("timeout", 10),
        "OIDC_AUTHENTICATION_CALLBACK_URL": "web:sign-in-organisation-callback",
        "OIDC_STORE_ACCESS_TOKEN": False,
        "OIDC_STORE_ID_TOKEN": False,
    }
    if attr in fixed:
        return fixed[attr]
    discovered = {
        "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
        "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
        "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
        "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
    }
    if attr in discovered:
        return provider_metadata().get(discovered[attr]) or (default[0] if default else None)
    return import_from_settings(attr, *default)


@dataclass
class OrganisationOutcome:
    """What an organisation sign-in found, for the callback screen: the user, or why there is none."""

    user: User | None = None
    refused: str = ""  # unknown | ambiguous | deactivated | linked_elsewhere | claims
    amr: list[str] = field(default_factory=list)
    second_factor: bool = False
    email: str = ""
    matched_by: str = ""  # subject | email


class OrganisationSignInBackend(OIDCAuthenticationBackend):
    """The OpenID Connect authentication backend. Inert unless configured, and only ever for the callback (it
    answers nothing to a username and password)."""

    def __init__(self, *args, **kwargs):  # settings are read per sign-in (the provider may be configured later)
        self.UserModel = get_user_model()

    get_settings = staticmethod(oidc_setting)

    def _configure(self) -> None:
        self.OIDC_OP_TOKEN_ENDPOINT = self.get_settings("OIDC_OP_TOKEN_ENDPOINT")
        self.OIDC_OP_USER_ENDPOINT = self.get_settings("OIDC_OP_USER_ENDPOINT")
        self.OIDC_OP_JWKS_ENDPOINT = self.get_settings("OIDC_OP_JWKS_ENDPOINT")
        self.OIDC_RP_CLIENT_ID = self.get_settings("OIDC_RP_CLIENT_ID")
        self.OIDC_RP_CLIENT_SECRET = self.get_settings("OIDC_RP_CLIENT_SECRET")
        self.OIDC_RP_SIGN_ALGO = self.get_settings("OIDC_RP_SIGN_ALGO")
        self.OIDC_RP_IDP_SIGN_KEY = None

    def authenticate(self, request, **kwargs):
        if request is None or not oidc_configured() or "nonce" not in kwargs:
            return None
        if "username" in kwargs or "password" in kwargs:
            return None
        request.joinedup_organisation = OrganisationOutcome()
        self._configure()
        return super().authenticate(request, **kwargs)

    def verify_token(self, token, **kwargs):
        """The signature and nonce (mozilla-django-oidc), then what it leaves out: issuer, audience, party."""
        payload = super().verify_token(token, **kwargs)
        issuer = oidc_config()["issuer"]
        client_id = oidc_config()["client_id"]
        if str(payload.get("iss", "")).rstrip("/") != issuer:
            raise SuspiciousOperation("ID token from another issuer")
        audience = payload.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if client_id not in audiences:
            raise SuspiciousOperation("ID token for another client")
        if len(audiences) > 1 and payload.get("azp") != client_id:
            raise SuspiciousOperation("ID token for several clients without us as the authorised party")
        if "exp" not in payload or not payload.get("sub"):
            raise SuspiciousOperation("ID token without expiry or subject")
        return payload

    def get_or_create_user(self, access_token, id_token, payload):
        """Find the joinedup user this provider account is (never create one); note the second factor."""
        outcome: OrganisationOutcome = self.request.joinedup_organisation
        claims = self.get_userinfo(access_token, id_token, payload)
        if claims.get("sub") not in (None, payload["sub"]):
            outcome.refused = "claims"
            return None
        config = oidc_config()
        issuer, subject = config["issuer"], str(payload["sub"])
        email = str(claims.get("email") or payload.get("email") or "").strip()
        outcome.email = email
        amr = payload.get("amr") or []
        outcome.amr = [str(a) for a in amr] if isinstance(amr, list) else [str(amr)]
        outcome.second_factor = bool(set(outcome.amr) & set(config.get("mfa_amr", [])))

        linked = ExternalIdentity.objects.select_related("user", "user__agency").filter(
            issuer=issuer, subject=subject).first()
        if linked is not None:
            user, outcome.matched_by = linked.user, "subject"
        else:
            user = self._match_by_email(outcome, issuer, claims, email)
            if user is None:
                return None
        if not self.user_can_authenticate(user):
            outcome.refused, outcome.user = "deactivated", user
            return None
        if linked is None:
            try:
                with transaction.atomic():
                    linked = ExternalIdentity.objects.create(user=user, issuer=issuer, subject=subject)
                    audit_event_record(actor=actor_for(user), action=AuditAction.ORGANISATION_ACCOUNT_LINK,
                                       object_type="user", object_id=user.pk,
                                       detail={"issuer": issuer, "subject": subject, "matched_by": "email"})
            except IntegrityError:
                outcome.refused = "linked_elsewhere"
                return None
        ExternalIdentity.objects.filter(pk=linked.pk).update(last_used_at=utc_now())
        outcome.user = user
        return user

    def _match_by_email(self, outcome: OrganisationOutcome, issuer: str, claims: dict, email: str) -> User | None:
        config = oidc_config()
        if not email or not config.get("match_email", True) or claims.get("email_verified") is False:
            outcome.refused = "unknown"
            return None
        candidates = list(User.objects.select_related("agency").filter(email__iexact=email)[:2])
        if not candidates:
            outcome.refused = "unknown"
            return None
        if len(candidates) > 1:
            outcome.refused = "ambiguous"
            return None
        user = candidates[0]
        if ExternalIdentity.objects.filter(issuer=issuer, user=user).exists():
            outcome.refused = "linked_elsewhere"  # this user signs in as another account of the same provider
            return None
        outcome.matched_by = "email"
        return user

    def get_user(self, user_id):
        """As Django's: a deactivated user is nobody (their session ends on the next request)."""
        return active_user(user_id)


@transaction.atomic
def organisation_account_link(*, actor: ActorRef, user: User, subject: str, issuer: str | None = None) -> ExternalIdentity:
    """Link a provider account (its subject) to a joinedup user, for providers whose emails are not to be
    trusted for matching (JOINEDUP_OIDC_MATCH_EMAIL off)."""
    issuer = (issuer or oidc_config().get("issuer") or "").rstrip("/")
    if not issuer:
        raise ValueError("issuer: organisation sign-in is not configured (JOINEDUP_OIDC_ISSUER) and none was given")
    if not subject.strip():
        raise ValueError("subject: give the provider's subject (the `sub` claim) for this user")
    identity = ExternalIdentity.objects.create(user=user, issuer=issuer, subject=subject.strip(),
                                               created_by_id=actor.id, modified_by_id=actor.id)
    audit_event_record(actor=actor, action=AuditAction.ORGANISATION_ACCOUNT_LINK, object_type="user",
                       object_id=user.pk, detail={"issuer": issuer, "subject": subject, "matched_by": "administrator"})
    return identity
