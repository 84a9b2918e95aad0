"""Production settings: fail closed. Without its secrets the service refuses to start."""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import JOINEDUP_METRICS, env_bool, env_list

JOINEDUP_ENVIRONMENT = "production"


def _required(name: str, why: str) -> str:
    """An environment variable production cannot run without; a clear error names it if missing."""
    value = os.environ.get(name, "").strip()
    if not value:
        raise ImproperlyConfigured(f"{name} is not set: {why}. joinedup refuses to start without it.")
    return value


SECRET_KEY = _required("SECRET_KEY", "it signs sessions and CSRF tokens")
if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
    raise ImproperlyConfigured("SECRET_KEY is too weak: use at least 50 random characters.")

# The database: a server named by DATABASE_URL, or the embedded SQLite file only when the operator says so. A
# missing variable never quietly becomes a file on the web server's disk.
if not os.environ.get("DATABASE_URL", "").strip():
    if not env_bool("JOINEDUP_EMBEDDED"):
        raise ImproperlyConfigured(
            "DATABASE_URL is not set: name the PostgreSQL server (postgres://user@host/joinedup), or set "
            "JOINEDUP_EMBEDDED=1 to run on the embedded SQLite file var/joinedup.sqlite3 on purpose. "
            "joinedup refuses to start without one or the other.")
elif env_bool("JOINEDUP_EMBEDDED"):
    raise ImproperlyConfigured("DATABASE_URL and JOINEDUP_EMBEDDED=1 are both set: choose one database.")

if JOINEDUP_METRICS["token"] and (len(JOINEDUP_METRICS["token"]) < 32 or len(set(JOINEDUP_METRICS["token"])) < 5):
    raise ImproperlyConfigured("JOINEDUP_METRICS_TOKEN is too weak: use at least 32 random characters, or leave it "
                               "unset (then /metrics answers only on the machine itself).")

_required("ALLOWED_HOSTS", "list the host names this service answers to, comma-separated")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
if "*" in ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must name hosts; '*' is refused in production.")

DEBUG = False
# /readyz answers 503 unless a `joinedup worker` said it was alive in the last minute (ADR 0017).
JOINEDUP_READY_NEEDS_WORKER = env_bool("JOINEDUP_READY_NEEDS_WORKER", True)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# TLS is terminated in front of joinedup; tell Django which header the proxy sets.
if env_bool("JOINEDUP_BEHIND_TLS_PROXY", True):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = True
SECURE_HSTS_SECONDS = 63072000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_NAME = "__Host-sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken"
