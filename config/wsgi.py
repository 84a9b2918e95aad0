"""WSGI entry point (gunicorn config.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

application = get_wsgi_application()

from joinedup.core.runtime import settle_after_load  # noqa: E402 - after Django is set up

settle_after_load()  # each gunicorn worker imports this module after forking
