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
