"""The `joinedup` console script: Django's management commands under friendlier names.

`joinedup serve`, `joinedup migrate`, `joinedup check --deploy`, `joinedup demo`, `joinedup simulate`…
JOINEDUP_ENV picks the settings (development by default here; production for deployments).
"""

from __future__ import annotations

import os
import sys

SETTINGS_BY_ENV = {
    "development": "config.settings.development",
    "production": "config.settings.production",
    "test": "config.settings.test",
}

# Friendlier names for a few commands; anything else is passed to Django as it is.
ALIASES = {"serve": "serve", "demo": "demo_load", "demo-code": "demo_code", "demo-users": "demo_users",
           "token": "api_token"}


def configure_settings() -> None:
    """Choose the settings module from JOINEDUP_ENV unless DJANGO_SETTINGS_MODULE is already set."""
    if "DJANGO_SETTINGS_MODULE" in os.environ:
        return
    env = os.environ.get("JOINEDUP_ENV", "development")
    if env not in SETTINGS_BY_ENV:
        sys.exit(f"joinedup: JOINEDUP_ENV={env!r} is not one of {', '.join(SETTINGS_BY_ENV)}")
    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS_BY_ENV[env]


def main(argv: list[str] | None = None) -> int:
    """Run a management command: `joinedup <command> [options]`."""
    argv = list(sys.argv if argv is None else argv)
    configure_settings()
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    if len(argv) > 1:
        argv[1] = ALIASES.get(argv[1], argv[1])
    argv[0] = "joinedup"
    try:
        execute_from_command_line(argv)
    except ImproperlyConfigured as exc:
        print(f"joinedup: configuration error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
