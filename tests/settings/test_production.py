"""Production fails closed: without its secrets it refuses to start, with them `check --deploy` is clean."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
JOINEDUP = str(Path(sys.executable).with_name("joinedup"))
GOOD_KEY = "k" + "8fJ2mQ9xLr4Tz7Wc1Nv6Bq3Hs5Yd0Pa2Ge9Ku4Xo7Ri1Fm3Vl6Sj8Tw0"


def run(args, **env):
    base = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    base.update({"JOINEDUP_ENV": "production", "DATABASE_URL": settings.DATABASE_URL}, **env)
    return subprocess.run(args, cwd=ROOT, env=base, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(("env", "complaint"), [
    ({}, "SECRET_KEY is not set"),
    ({"SECRET_KEY": GOOD_KEY}, "ALLOWED_HOSTS is not set"),
    ({"SECRET_KEY": "short", "ALLOWED_HOSTS": "joinedup.example"}, "SECRET_KEY is too weak"),
    ({"SECRET_KEY": GOOD_KEY, "ALLOWED_HOSTS": "*"}, "'*' is refused"),
])
def test_production_without_its_secrets_refuses_to_start(env, complaint):
    result = run([JOINEDUP, "check"], **env)
    assert result.returncode != 0
    assert complaint in result.stderr


def test_production_without_a_database_refuses_to_start_unless_embedded_on_purpose():
    secrets = {"SECRET_KEY": GOOD_KEY, "ALLOWED_HOSTS": "joinedup.example"}
    missing = run([JOINEDUP, "check"], **secrets, DATABASE_URL="")
    assert missing.returncode != 0 and "DATABASE_URL is not set" in missing.stderr
    both = run([JOINEDUP, "check"], **secrets, JOINEDUP_EMBEDDED="1")
    assert both.returncode != 0 and "choose one database" in both.stderr
    probe = "from django.conf import settings; print(settings.DATABASES['default']['ENGINE'])"
    embedded = run([JOINEDUP, "shell", "-c", probe], **secrets, DATABASE_URL="", JOINEDUP_EMBEDDED="1")
    assert embedded.returncode == 0, embedded.stderr
    assert embedded.stdout.strip().splitlines()[-1] == "django.db.backends.sqlite3"


def test_wsgi_application_refuses_to_load_without_secrets():
    result = run([sys.executable, "-c", "import config.wsgi"])
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_check_deploy_with_production_settings_reports_nothing():
    result = run([JOINEDUP, "check", "--deploy", "--database", "default", "--fail-level", "WARNING"],
                 SECRET_KEY=GOOD_KEY, ALLOWED_HOSTS="joinedup.example")
    assert result.returncode == 0, result.stderr + result.stdout
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_a_loaded_wsgi_worker_has_imported_its_views_and_frozen_them_out_of_full_collections():
    # core.runtime.settle_after_load: a full garbage collection no longer walks the start-up heap (p95 of a
    # 1,000-event chronology: 175 ms before, about 100 ms after; docs/benchmarks.md).
    probe = ("import gc, sys; import config.wsgi; "
             "print(gc.get_freeze_count(), 'joinedup.web.views.chronology' in sys.modules)")
    result = run([sys.executable, "-c", probe], SECRET_KEY=GOOD_KEY, ALLOWED_HOSTS="joinedup.example")
    assert result.returncode == 0, result.stderr
    frozen, views_loaded = result.stdout.split()
    assert int(frozen) > 10_000  # about 100,000 objects (modules, classes, URL patterns…)
    assert views_loaded == "True"
