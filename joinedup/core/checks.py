"""System checks: production refuses a database that could lose acknowledged commits."""

from __future__ import annotations

from collections.abc import Mapping

from django.conf import settings
from django.core import checks
from django.db import DatabaseError, connections

# Settings whose "off" value lets PostgreSQL acknowledge a commit it has not made durable.
DURABILITY_SETTINGS = ("fsync", "synchronous_commit", "full_page_writes")


def postgresql_durability_errors(server_settings: Mapping[str, str], alias: str = "default") -> list:
    """Errors for every durability setting the server has turned off (values as `SHOW` prints them)."""
    errors = []
    for name in DURABILITY_SETTINGS:
        value = server_settings.get(name, "").strip().lower()
        if value == "off":
            errors.append(
                checks.Error(
                    f"PostgreSQL ({alias}) runs with {name}=off: acknowledged records can be lost in a crash.",
                    hint=f"Set {name}=on in postgresql.conf (or for the joinedup role) and restart.",
                    id="joinedup.E001",
                )
            )
    return errors


def sqlite_durability_errors(pragmas: Mapping[str, str], alias: str = "default") -> list:
    """Errors when the SQLite connection is not in WAL mode with synchronous=FULL and foreign keys on."""
    errors = []
    expected = {"journal_mode": "wal", "synchronous": "2", "foreign_keys": "1"}
    for name, want in expected.items():
        if str(pragmas.get(name, "")).lower() != want:
            errors.append(
                checks.Error(
                    f"SQLite ({alias}) has {name}={pragmas.get(name)!r}; joinedup needs {want!r}.",
                    hint="Use the SQLite OPTIONS from config.settings.base.",
                    id="joinedup.E002",
                )
            )
    return errors


def read_durability_settings(connection) -> dict[str, str]:
    """Ask the live database how it is configured (PostgreSQL settings or SQLite pragmas)."""
    values: dict[str, str] = {}
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for name in DURABILITY_SETTINGS:
                cursor.execute(f"SHOW {name}")
                values[name] = cursor.fetchone()[0]
        elif connection.vendor == "sqlite":
            for name in ("journal_mode", "synchronous", "foreign_keys"):
                cursor.execute(f"PRAGMA {name}")
                values[name] = str(cursor.fetchone()[0])
    return values


@checks.register(checks.Tags.database, deploy=True)
def check_database_durability(app_configs=None, databases=None, **kwargs) -> list:
    """In production, refuse a database configured so that a crash can lose acknowledged commits."""
    if getattr(settings, "JOINEDUP_ENVIRONMENT", "") != "production":
        return []
    errors = []
    for alias in databases or ["default"]:
        connection = connections[alias]
        try:
            values = read_durability_settings(connection)
        except DatabaseError as exc:  # e.g. the embedded file's folder missing: say so, not a traceback
            where = connection.settings_dict.get("NAME", "") if connection.vendor == "sqlite" else alias
            errors.append(checks.Error(
                f"the database could not be opened ({type(exc).__name__}): {where}",
                hint="Check that it is running and reachable; for the embedded database, that its folder exists "
                     "and joinedup may write to it (JOINEDUP_VAR_DIR).",
                id="joinedup.E003"))
            continue
        if connection.vendor == "postgresql":
            errors.extend(postgresql_durability_errors(values, alias))
        elif connection.vendor == "sqlite":
            errors.extend(sqlite_durability_errors(values, alias))
    return errors
