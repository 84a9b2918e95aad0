"""Durability: SQLite opened with WAL and synchronous=FULL; production refuses a PostgreSQL that can lose commits."""

import pytest
from django.db import connection
from django.test import override_settings

from joinedup.core.checks import check_database_durability, postgresql_durability_errors, sqlite_durability_errors


@pytest.mark.parametrize("name", ["fsync", "synchronous_commit", "full_page_writes"])
def test_each_unsafe_postgresql_setting_is_an_error(name):
    settings_ = {"fsync": "on", "synchronous_commit": "on", "full_page_writes": "on", name: "off"}
    errors = postgresql_durability_errors(settings_)
    assert [e.id for e in errors] == ["joinedup.E001"]
    assert f"{name}=off" in errors[0].msg


def test_safe_postgresql_settings_pass():
    assert postgresql_durability_errors({"fsync": "on", "synchronous_commit": "local", "full_page_writes": "on"}) == []


def test_sqlite_without_wal_is_an_error():
    assert [e.id for e in sqlite_durability_errors({"journal_mode": "delete", "synchronous": "2", "foreign_keys": "1"})] == [
        "joinedup.E002"]


@pytest.mark.postgresql
@pytest.mark.django_db
def test_production_check_reads_the_live_server():
    with override_settings(JOINEDUP_ENVIRONMENT="production"):
        assert check_database_durability(databases=["default"]) == []
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit = off")
        try:
            errors = check_database_durability(databases=["default"])
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SET synchronous_commit = on")
    assert [e.id for e in errors] == ["joinedup.E001"]
    assert "synchronous_commit=off" in errors[0].msg


@pytest.mark.django_db
def test_check_is_silent_outside_production():
    with override_settings(JOINEDUP_ENVIRONMENT="development"):
        assert check_database_durability(databases=["default"]) == []


@pytest.mark.sqlite
@pytest.mark.django_db
def test_sqlite_connection_is_opened_durably():
    with connection.cursor() as cursor:
        values = {}
        for pragma in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout"):
            cursor.execute(f"PRAGMA {pragma}")
            values[pragma] = cursor.fetchone()[0]
    assert values["journal_mode"] == "wal"
    assert values["synchronous"] == 2  # FULL
    assert values["foreign_keys"] == 1
    assert values["busy_timeout"] >= 5000
    assert connection.transaction_mode == "IMMEDIATE"
    with override_settings(JOINEDUP_ENVIRONMENT="production"):
        assert check_database_durability(databases=["default"]) == []


def test_an_embedded_database_whose_folder_is_missing_is_named_not_a_traceback(tmp_path):
    """Production on the embedded file (JOINEDUP_EMBEDDED=1) with no var/ folder: `check --deploy` names the file and
    the folder to make, as a system check error, instead of crashing with sqlite3's traceback."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    missing = tmp_path / "no-such-var"
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "JOINEDUP_ENV": "production",
           "DJANGO_SETTINGS_MODULE": "config.settings.production", "JOINEDUP_EMBEDDED": "1",
           "JOINEDUP_VAR_DIR": str(missing), "SECRET_KEY": "k" * 30 + "abcdefghijklmnopqrstuvwxyz",
           "ALLOWED_HOSTS": "joinedup.example.org"}
    done = subprocess.run([sys.executable, "-m", "joinedup.cli", "check", "--deploy"], cwd=root, env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode != 0
    assert "joinedup.E003" in done.stderr and str(missing / "joinedup.sqlite3") in done.stderr
    assert "Traceback" not in done.stderr and not missing.exists()
