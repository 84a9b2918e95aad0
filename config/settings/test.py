"""Settings for the test suite: the database comes from DATABASE_URL (PostgreSQL or SQLite)."""

import os

from .base import *  # noqa: F403
from .base import DATABASES, VAR_DIR

SECRET_KEY = "test-only-" + "x" * 60
DEBUG = False
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
JOINEDUP_ENVIRONMENT = "test"

# The SQLite pass uses a real file (not :memory:) so WAL and the other pragmas are exercised.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    test_dir = VAR_DIR / "test"
    test_dir.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["TEST"] = {"NAME": str(test_dir / f"test-{os.getpid()}.sqlite3")}

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# pytest-django's live server serves files straight from the apps; the manifest is for deployments.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True

INSTALLED_APPS = [*INSTALLED_APPS, *LAB_APPS]  # noqa: F405 - the lab: simulator, benchmarks, demo (development only)
