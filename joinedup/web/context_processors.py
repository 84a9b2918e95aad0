"""Values every page needs: service name, version, menu, and a banner outside production."""

from django.conf import settings

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
    return {
        "service_name": "joinedup",
        "version": joinedup.__version__,
        "environment_banner": "Demo" if environment in {"development", "test"} else "",
        # The menu only once both sign-in steps are done (a password-only session opens nothing else).
        "navigation": navigation_for(user, request.path) if _signed_in(request, user) else [],
        # Self-claims and break-glass in force: shown on every page until they end.
        "access_claims": list(active_claims(user=user)) if _signed_in(request, user) else [],
    }
