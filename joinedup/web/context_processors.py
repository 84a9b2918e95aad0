"""Values every page needs: service name, version, menu, and a banner outside production."""

from django.conf import settings

import joinedup
from joinedup.web.navigation import navigation_for


def service(request) -> dict:
    """Context for the base template."""
    user = getattr(request, "user", None)
    environment = getattr(settings, "JOINEDUP_ENVIRONMENT", "")
    return {
        "service_name": "joinedup",
        "version": joinedup.__version__,
        "environment_banner": "Demo" if environment in {"development", "test"} else "",
        "navigation": navigation_for(user, request.path) if user is not None and user.is_authenticated else [],
    }
