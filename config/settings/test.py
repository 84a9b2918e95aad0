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
# Tasks run at once when queued (in the ingest transaction, where the database backend would write the task's row):
# a test sees what the worker would do, in the same order. tests/jobs runs the database backend and the worker.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
# A file load does not queue a linkage run: tests link when they mean to (tests/jobs checks the queuing).
JOINEDUP_LINK_AFTER_FILE_INGEST = False

INSTALLED_APPS = [*INSTALLED_APPS, *LAB_APPS]  # noqa: F405 - the lab: simulator, benchmarks, demo (development only)
