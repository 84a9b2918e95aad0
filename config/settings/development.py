"""Settings for the embedded demo on one machine: SQLite under var/, served on 127.0.0.1 only."""

import os
import secrets

from .base import *  # noqa: F403
from .base import VAR_DIR, env_bool, env_list


def _local_secret_key() -> str:
    """A secret key made once per checkout and kept in var/secret_key (never committed)."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(64))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _local_secret_key()
DEBUG = env_bool("JOINEDUP_DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
JOINEDUP_ENVIRONMENT = "development"

# The demo sends no real e-mail: each message is a file under var/mail/ (the DPO's notices of break-glass).
EMAIL_BACKEND = os.environ.get("JOINEDUP_EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = str(VAR_DIR / "mail")

# The demo authority is made up, but the DfE validators check a return's LA number and postcodes against the real
# list: the demo borrows one real authority's codes (JOINEDUP_LA_NUMBER / JOINEDUP_LA_GSS override them).
JOINEDUP_RETURNS = {**JOINEDUP_RETURNS,  # noqa: F405
                    "la_number": os.environ.get("JOINEDUP_LA_NUMBER", "").strip() or "318",
                    "la_gss": os.environ.get("JOINEDUP_LA_GSS", "").strip() or "E09000027"}

# The demo's out-of-hours line: a number from Ofcom's range reserved for drama (01632 960000–960999), never a real one.
JOINEDUP_CONTACT = {**JOINEDUP_CONTACT,  # noqa: F405
                    "emergency_duty_team_phone": JOINEDUP_CONTACT["emergency_duty_team_phone"] or "01632 960 999"}  # noqa: F405

INSTALLED_APPS = [*INSTALLED_APPS, *LAB_APPS]  # noqa: F405 - the lab: simulator, benchmarks, demo (development only)
