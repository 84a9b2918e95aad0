"""Settings shared by every environment; values that differ come from the environment."""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from joinedup.api.rates import parse_rate
from joinedup.core.logging import log_format, logging_config

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("JOINEDUP_VAR_DIR", BASE_DIR / "var"))


def env_list(name: str, default: str = "") -> list[str]:
    """A comma-separated environment variable as a list of non-empty, stripped strings."""
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_bool(name: str, default: bool = False) -> bool:
    """A yes/no environment variable; accepts 1/0, true/false, yes/no, on/off."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = False
ALLOWED_HOSTS: list[str] = []

# The lab — the simulator, the benchmarks, the FEBRL profile and the demo loader — is development-only: the
# development and test settings add LAB_APPS; production never installs or imports it (ADR 0013).
LAB_APPS = ["joinedup_lab", "joinedup_lab.simulate"]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "axes",
    # Multi-factor sign-in: TOTP authenticator apps and single-use recovery codes (ADR 0010).
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
    "rules.apps.AutodiscoverRulesConfig",
    # Domain apps, lowest first (see docs/adr/0001-dependency-order.md).
    "joinedup.core",
    "joinedup.audit",
    "joinedup.accounts",
    "joinedup.access",
    "joinedup.ingest",
    "joinedup.people",
    "joinedup.chronology",
    "joinedup.casework",
    "joinedup.practice",
    "joinedup.alerts",
    "joinedup.returns",
    "joinedup.api",
    "joinedup.web",
    # Background work and schedules (ADR 0017): django-tasks (Django 6's task framework, backported) with its
    # database backend; `joinedup worker` runs them.
    "django_tasks",
    "django_tasks_db",
    "joinedup.jobs",
]

MIDDLEWARE = [
    # /healthz and /readyz for the load balancer: before host checks, the TLS redirect and sessions.
    "joinedup.core.health.HealthMiddleware",
    # /metrics for operators (loopback or the metrics token; anyone else: the ordinary 404), as early, for the same
    # reasons; then django-prometheus's first middleware (requests and their latency through the whole chain).
    "joinedup.core.metrics.MetricsMiddleware",
    "joinedup.core.metrics.RouteMetricsBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "joinedup.core.middleware.RequestIdMiddleware",
    "joinedup.core.sessions.IdleTimeoutSessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Which second factor (if any) this session passed; then: a password-only session opens only the sign-in
    # pages, and a session whose user was deactivated (or whose authenticator was removed) is ended.
    "django_otp.middleware.OTPMiddleware",
    "joinedup.web.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # An address too long for a page (414) and a method a page does not answer (405), answered with our pages.
    "joinedup.web.middleware.RequestLimitsMiddleware",
    "joinedup.audit.middleware.PersonalDataMiddleware",
    # Latency and responses by route (the URL pattern's name, never the path): django-prometheus's last middleware.
    "joinedup.core.metrics.RouteMetricsMiddleware",
    # AxesMiddleware must be last: it turns a lockout into the lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "joinedup.web.context_processors.service",
            ],
        },
    },
]

# --- Database --------------------------------------------------------------------------------
# DATABASE_URL selects the server; without it joinedup uses the embedded SQLite file under var/.
DEFAULT_SQLITE_PATH = VAR_DIR / "joinedup.sqlite3"

SQLITE_OPTIONS = {
    # WAL for concurrent readers, FULL so an acknowledged commit survives power loss,
    # a 5 s busy timeout so writers queue rather than fail, and foreign keys enforced.
    "init_command": (
        "PRAGMA journal_mode=WAL;"
        "PRAGMA synchronous=FULL;"
        "PRAGMA foreign_keys=ON;"
        "PRAGMA busy_timeout=5000;"
    ),
    "transaction_mode": "IMMEDIATE",
    "timeout": 5,
}


def database_from_url(url: str) -> dict:
    """The Django DATABASES entry for a URL, with joinedup's durability options for each engine."""
    config = dj_database_url.parse(url, conn_max_age=0)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["OPTIONS"] = dict(SQLITE_OPTIONS)
        # Kept open between requests and the worker's tasks, as on PostgreSQL: no reopening (and re-running the
        # pragmas) for each, and the connection's page cache stays warm.
        config["CONN_MAX_AGE"] = 60
    elif config["ENGINE"] == "django.db.backends.postgresql":
        config["CONN_MAX_AGE"] = 60
        config["CONN_HEALTH_CHECKS"] = True
        config.setdefault("OPTIONS", {})
    config["ATOMIC_REQUESTS"] = True
    return config


DATABASE_URL = os.environ.get("DATABASE_URL", "").strip() or f"sqlite:///{DEFAULT_SQLITE_PATH}"
DATABASES = {"default": database_from_url(DATABASE_URL)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts and sign-in --------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "joinedup.accounts.backends.UserBackend",  # Django's ModelBackend; each request's user read with agency and team
    # "Sign in with your organisation" (OpenID Connect); inert unless JOINEDUP_OIDC_* are set.
    "joinedup.accounts.oidc.OrganisationSignInBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "web:sign-in"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:signed-out"

# Idle timeout: the session expires 30 minutes after it was last refreshed (a sliding window); a request refreshes it
# when it was last refreshed a minute or more ago (joinedup.core.sessions), so it ends 29-30 minutes after the last request.
SESSION_COOKIE_AGE = int(os.environ.get("JOINEDUP_IDLE_TIMEOUT_SECONDS", 30 * 60))
SESSION_REFRESH_SECONDS = 60
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# Sign-in throttling: 5 failures for one username from one address locks that pair out for
# 15 minutes (a finite cool-off, so a lockout cannot become a permanent denial of service).
AXES_FAILURE_LIMIT = int(os.environ.get("JOINEDUP_SIGNIN_FAILURE_LIMIT", 5))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("JOINEDUP_SIGNIN_COOLOFF_MINUTES", 15)))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# Failures are cleared when both sign-in steps succeed (web.views.auth), not at the password: a right password
# must not wipe the wrong codes that followed the last one.
AXES_RESET_ON_SUCCESS = False
AXES_LOCKOUT_TEMPLATE = "web/locked_out.html"
AXES_ENABLE_ADMIN = False
AXES_VERBOSE = False

# Second factor for every user (security promise 7): a TOTP authenticator app (RFC 6238, 6 digits, 30 s) with
# single-use recovery codes, through django-otp. Wrong codes back off per device (1, 2, 4, 8… seconds) and each
# one also counts as a failed sign-in for django-axes above, so 5 failures of either kind lock the username and
# address out for the cool-off and end the half-signed-in session.
OTP_TOTP_ISSUER = os.environ.get("JOINEDUP_TOTP_ISSUER", "joinedup")
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1
JOINEDUP_RECOVERY_CODES = 10
# The only pages a session that has passed the password (or organisation) step but not the second factor may
# open (URL names; a health check, when one is added, belongs here too). Static files are served before any of
# this; the API answers such a session as anonymous (its machine clients use bearer tokens, unaffected).
JOINEDUP_SECOND_FACTOR_OPEN_URL_NAMES = [
    "web:sign-in", "web:sign-out", "web:signed-out", "web:sign-in-code", "web:sign-in-set-up",
    "web:sign-in-organisation", "web:sign-in-organisation-callback",
]


def oidc_from_env() -> dict:
    """"Sign in with your organisation" (OpenID Connect) from JOINEDUP_OIDC_*; empty when not configured.

    Set the issuer, client id and client secret together (a partial configuration is refused, naming what is
    missing). The provider's endpoints come from its discovery document ({issuer}/.well-known/openid-configuration).
    """
    required = {name: os.environ.get(name, "").strip()
                for name in ("JOINEDUP_OIDC_ISSUER", "JOINEDUP_OIDC_CLIENT_ID", "JOINEDUP_OIDC_CLIENT_SECRET")}
    if not any(required.values()):
        return {}
    missing = [name for name, value in required.items() if not value]
    if missing:
        raise ImproperlyConfigured(
            f"{', '.join(missing)} not set: organisation sign-in needs JOINEDUP_OIDC_ISSUER, JOINEDUP_OIDC_CLIENT_ID "
            "and JOINEDUP_OIDC_CLIENT_SECRET together (or none of them)")
    return {
        "issuer": required["JOINEDUP_OIDC_ISSUER"].rstrip("/"),
        "client_id": required["JOINEDUP_OIDC_CLIENT_ID"],
        "client_secret": required["JOINEDUP_OIDC_CLIENT_SECRET"],
        # What the sign-in page calls the provider: "Sign in with Northbrook Council".
        "name": os.environ.get("JOINEDUP_OIDC_NAME", "").strip() or "your organisation",
        # An ID token whose `amr` claim holds one of these already proves a second factor (RFC 8176 values);
        # otherwise joinedup asks for its own authenticator code.
        "mfa_amr": env_list("JOINEDUP_OIDC_MFA_AMR", "mfa,otp,hwk"),
        "sign_algo": os.environ.get("JOINEDUP_OIDC_SIGN_ALGO", "RS256"),
        # Match a first-time organisation account to the joinedup user with the same email (then remember the
        # subject); off: only subjects an administrator linked (`joinedup signin link-organisation`) sign in.
        "match_email": env_bool("JOINEDUP_OIDC_MATCH_EMAIL", True),
        "timeout": float(os.environ.get("JOINEDUP_OIDC_TIMEOUT_SECONDS", 10)),
    }


JOINEDUP_OIDC = oidc_from_env()

# --- Security headers ------------------------------------------------------------------------
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# --- Internationalisation and time -----------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = False
USE_TZ = True

# --- Static files (GOV.UK Frontend compiled at set-up; no CDN) -------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# --- API -------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "joinedup.api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_VERSIONING_CLASS": "rest_framework.versioning.NamespaceVersioning",
    "ALLOWED_VERSIONS": ["v1"],
    "DEFAULT_PAGINATION_CLASS": "joinedup.api.pagination.StrictLimitOffsetPagination",
    "PAGE_SIZE": 100,
    "EXCEPTION_HANDLER": "joinedup.api.errors.exception_handler",
    "UNAUTHENTICATED_USER": None,
    # Per API token: JOINEDUP_API_RATE requests a window, counted in the database so every process shares the count.
    "DEFAULT_THROTTLE_CLASSES": ["joinedup.api.throttling.ApiTokenRateThrottle"],
}
# Requests each API token may make: "600/min" (the default), "20/s", "10000/hour", "100000/day"; "off" for no limit.
# Over it: 429 naming the limit, with Retry-After (joinedup.api.throttling; docs/operations.md, "Rate limits").
JOINEDUP_API_RATE = os.environ.get("JOINEDUP_API_RATE", "600/min").strip()
try:
    parse_rate(JOINEDUP_API_RATE)
except ValueError as exc:
    raise ImproperlyConfigured(str(exc)) from exc
# The task queue (ADR 0017): matching and alert evaluation after records arrive, linking after a file load, and the
# schedule, run by `joinedup worker` from the database (SQLite or PostgreSQL: no other server to run).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# The schedule the worker keeps: each job's task and how many minutes apart (0: off). Minutes can be set by
# JOINEDUP_SCHEDULE, e.g. "alerts.run_scheduled=30,audit.verify_chain=0".
JOINEDUP_SCHEDULE = {
    "alerts.run_scheduled": {"task": "joinedup.alerts.tasks.run_scheduled", "every_minutes": 15},  # and escalation
    "people.link_if_needed": {"task": "joinedup.people.tasks.link_if_needed", "every_minutes": 10},
    "audit.verify_chain": {"task": "joinedup.audit.tasks.verify_chain", "every_minutes": 1440},
}
for _item in env_list("JOINEDUP_SCHEDULE"):
    _name, _, _minutes = _item.partition("=")
    if _name.strip() not in JOINEDUP_SCHEDULE:
        raise ImproperlyConfigured(f"JOINEDUP_SCHEDULE: no job {_name.strip()!r}; the jobs are "
                                   f"{', '.join(JOINEDUP_SCHEDULE)}")
    try:
        JOINEDUP_SCHEDULE[_name.strip()]["every_minutes"] = float(_minutes)
    except ValueError as exc:
        raise ImproperlyConfigured(f"JOINEDUP_SCHEDULE: {_item!r} is not NAME=MINUTES") from exc
# A worker that has not said it is alive for this long is gone (/readyz, when it needs a worker).
JOINEDUP_WORKER_STALE_SECONDS = 60
JOINEDUP_READY_NEEDS_WORKER = env_bool("JOINEDUP_READY_NEEDS_WORKER", False)
# A file load queues a linkage run for the worker when it ends (`joinedup ingest --link-follows` does not).
JOINEDUP_LINK_AFTER_FILE_INGEST = True

SPECTACULAR_SETTINGS = {
    "TITLE": "joinedup API",
    "DESCRIPTION": "Versioned REST API of joinedup. Every read of personal data is audited.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "joinedup.api.schema.add_error_responses",
    ],
}

# --- Logging: no personal data in logs; request ids tie log lines to audit events -----------
# One console handler; every line carries its request id and nothing personal: URLs' query strings, exceptions'
# messages and SQL text are withheld wherever they are logged (joinedup.core.logging). JOINEDUP_LOG_LEVEL=DEBUG is safe.
# Each line is a JSON object (one line per request among them, with its request id); JOINEDUP_LOG_FORMAT=plain for text.
LOGGING = logging_config(os.environ.get("JOINEDUP_LOG_LEVEL", "INFO"), log_format())

# Operators' metrics at /metrics (joinedup.core.metrics; docs/operations.md, "Metrics"): served to a loopback address
# that came through no proxy (JOINEDUP_METRICS_LOOPBACK=0 turns that off) or to `Authorization: Bearer` with this token.
JOINEDUP_METRICS = {
    "token": os.environ.get("JOINEDUP_METRICS_TOKEN", "").strip(),
    "allow_loopback": env_bool("JOINEDUP_METRICS_LOOPBACK", True),
}

JOINEDUP_SERVICE_NAME = "joinedup"
# An alert nobody has acknowledged after this many hours goes to the manager (`joinedup alerts run`).
JOINEDUP_ALERT_ESCALATE_AFTER_HOURS = float(os.environ.get("JOINEDUP_ALERT_ESCALATE_AFTER_HOURS", 24))
JOINEDUP_ENVIRONMENT = "base"
CSRF_FAILURE_VIEW = "joinedup.web.views.errors.csrf_failure"

# Chronology exports: pseudonyms are HMACs keyed by this. Unset, a key is derived from SECRET_KEY (so
# rotating SECRET_KEY changes every pseudonym); set it to keep pseudonyms stable across a rotation.
JOINEDUP_PSEUDONYM_KEY = os.environ.get("JOINEDUP_PSEUDONYM_KEY", "")

# Casework clocks (docs/casework.md): statutory timescales (Working Together 2023) and local ones (RAG hours,
# working hours). Override any of them with JSON in JOINEDUP_CASEWORK_CLOCKS, e.g. '{"rag_hours": {"red": 2}}'.
JOINEDUP_CASEWORK_CLOCKS = json.loads(os.environ.get("JOINEDUP_CASEWORK_CLOCKS", "{}") or "{}")

# Whom a partner's look-up tells them to call (joinedup.casework.call_lines; docs/chronology.md, "Partner look-up"): the
# children's services front door in its hours, the emergency duty team out of hours. Unset, the front door's name and
# number are its team's (Team.phone) and its hours the working day of JOINEDUP_CASEWORK_CLOCKS (09:00 to 17:00, Monday
# to Friday but bank holidays). Set the emergency duty team's number: without it, a partner looking a child up out of
# hours is told to call the emergency duty team with no number given.
JOINEDUP_CONTACT = {
    "front_door_name": os.environ.get("JOINEDUP_FRONT_DOOR_NAME", ""),
    "front_door_phone": os.environ.get("JOINEDUP_FRONT_DOOR_PHONE", ""),
    "front_door_opens": os.environ.get("JOINEDUP_FRONT_DOOR_OPENS", ""),  # "HH:MM", UK time
    "front_door_closes": os.environ.get("JOINEDUP_FRONT_DOOR_CLOSES", ""),
    "emergency_duty_team_name": os.environ.get("JOINEDUP_EMERGENCY_DUTY_TEAM_NAME", ""),
    "emergency_duty_team_phone": os.environ.get("JOINEDUP_EMERGENCY_DUTY_TEAM_PHONE", ""),
}

# Practice (docs/practice.md): supervision, concerns from anyone, caseloads. Override with JSON in
# JOINEDUP_PRACTICE, e.g. '{"caseload_limit": 16}'.
JOINEDUP_PRACTICE = json.loads(os.environ.get("JOINEDUP_PRACTICE", "{}") or "{}")

# Statutory returns (docs/returns.md): the authority's DfE LA number (3 digits, the CIN census header) and GSS code
# (the SSDA903 validator's placement-location checks), and the validators' own Python (made by `make setup`).
JOINEDUP_RETURNS = {
    "la_number": os.environ.get("JOINEDUP_LA_NUMBER", "").strip(),
    "la_gss": os.environ.get("JOINEDUP_LA_GSS", "").strip(),
    "validator_python": os.environ.get("JOINEDUP_RETURNS_PYTHON", str(BASE_DIR / "var" / "returns-venv" / "bin" / "python")),
}


# E-mail: the data protection officer is told of every self-claim and break-glass (joinedup.access.claims). SMTP in
# production (JOINEDUP_EMAIL_HOST…); development writes each message to a file under var/mail/.
EMAIL_BACKEND = os.environ.get("JOINEDUP_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("JOINEDUP_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("JOINEDUP_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("JOINEDUP_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("JOINEDUP_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_bool("JOINEDUP_EMAIL_TLS", False)
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = os.environ.get("JOINEDUP_EMAIL_FROM", "joinedup@localhost")
