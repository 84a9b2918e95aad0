"""Values every page needs: service name, version, menu, and a banner outside production."""

from django.conf import settings
from django.urls import reverse

import joinedup
from joinedup.access.claims import active_claims
from joinedup.accounts.mfa import session_second_factor
from joinedup.web.navigation import navigation_for


def _signed_in(request, user) -> bool:
    if user is None or not user.is_authenticated:
        return False
    session = getattr(request, "session", None)
    return session is None or not hasattr(user, "is_verified") or bool(session_second_factor(session, user))


def service(request) -> dict:
    """Context for the base template."""
    user = getattr(request, "user", None)
    environment = getattr(settings, "JOINEDUP_ENVIRONMENT", "")
    signed_in = _signed_in(request, user)
    # The menu only once both sign-in steps are done (a password-only session opens nothing else).
    navigation = navigation_for(user, request.path) if signed_in else []
    more = [item for item in navigation if item.more]
    return {
        "service_name": "joinedup",
        "version": joinedup.__version__,
        "environment_banner": "Demo" if environment in {"development", "test"} else "",
        "signed_in": signed_in,
        "navigation": navigation,
        "navigation_more": more,  # the entries under the menu's "More" (navigation.MORE_FIRST)
        "navigation_more_current": any(item.current for item in more),
        "account_path": reverse("web:account"),
        # Self-claims and break-glass in force: shown on every page until they end.
        "access_claims": list(active_claims(user=user)) if _signed_in(request, user) else [],
    }
