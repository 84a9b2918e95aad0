"""Backups that restore (issue 18): `joinedup backup` and `joinedup restore`, run as an operator runs them.

Each database pass makes a scratch database beside the suite's own (PostgreSQL: a copy of the test database's
schema on the same server; SQLite: a copy of the test database's file), loads a small realistic dataset into it
through the product's services (tests/core/backup_dataset.py), and runs the commands in subprocesses with
DATABASE_URL pointed at it: the suite's database is never backed up or restored. Rows are read straight from the
scratch database with the driver and compared whole, table by table.

The checks a backup must pass before a restore touches anything are also tried one by one in this process
(`backup_checked`), which reads files only.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
import stat
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

import joinedup
from joinedup.core import backup
from tests.conftest import database_vendor

ROOT = Path(__file__).resolve().parents[2]
# The tables the dataset must fill, so that "every row came back" means something.
KEY_TABLES = ("ingest_sourcerecord", "ingest_sourcerecordversion", "ingest_mention", "people_person",
              "people_mentionlink", "alerts_alert", "alerts_alertstep", "casework_allocation", "accounts_user",
              "audit_auditevent", "audit_auditeventperson")


# --- a scratch database ----------------------------------------------------------------------------------


class Scratch:
    """A database of the pass's vendor that only one test uses: its URL for the commands, its rows for the test."""

    def __init__(self, vendor: str, url: str, *, path: Path | None = None, pg: dict | None = None):
        self.vendor, self.url, self.path, self.pg = vendor, url, path, pg

    def connect(self):
        if self.vendor == "sqlite":
            return sqlite3.connect(self.path)
        import psycopg

        return psycopg.connect(**self.pg, autocommit=True)

    def rows(self) -> dict[str, list[tuple]]:
        """Every row of every table, in a stable order (the whole database, as the driver reads it)."""
        with closing(self.connect()) as db:
            cur = db.cursor()
            if self.vendor == "sqlite":
                cur.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
            else:
                cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            out = {}
            for table in sorted(r[0] for r in cur.fetchall()):
                cur.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - names read from the catalogue
                out[table] = sorted((tuple(r) for r in cur.fetchall()), key=repr)
            return out

    def query(self, sql: str) -> list[tuple]:
        with closing(self.connect()) as db:
            return [tuple(r) for r in db.execute(sql).fetchall()]

    def execute(self, *statements: str) -> None:
        with closing(self.connect()) as db:
            for sql in statements:
                db.execute(sql)
            if self.vendor == "sqlite":
                db.commit()


def _pg_params(settings_dict: dict, name: str) -> dict:
    params = {"dbname": name, "user": settings_dict.get("USER"), "password": settings_dict.get("PASSWORD"),
              "host": settings_dict.get("HOST"), "port": settings_dict.get("PORT")}
    return {k: v for k, v in params.items() if v not in (None, "")}


def _pg_url(params: dict) -> str:
    auth = quote(str(params.get("user", "")), safe="")
    if params.get("password"):
        auth += ":" + quote(str(params["password"]), safe="")
    port = f":{params['port']}" if params.get("port") else ""
    return f"postgres://{auth}@{params.get('host', '')}{port}/{params['dbname']}"


def _test_database() -> dict:
    settings_dict = dict(connection.settings_dict)
    # Django names test databases test_… (PostgreSQL), the test settings test-<pid>.sqlite3: never copy another.
    assert Path(str(settings_dict["NAME"])).name.startswith("test"), f"not a test database: {settings_dict['NAME']}"
    return settings_dict


def _sqlite_copy(source: str | Path, path: Path) -> Scratch:
    """The test database as committed (migrated, and empty between tests), copied with SQLite's backup API."""
    with closing(sqlite3.connect(source)) as db, closing(sqlite3.connect(path)) as target:
        db.backup(target)
    return Scratch("sqlite", f"sqlite:///{path}", path=path)


@pytest.fixture(scope="module")
def scratch(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[Scratch]:
    """A migrated, empty database of the pass's vendor, copied from the test database's schema, for the round trip.

    Module-scoped so that it is made before any test's transaction holds the test database open (PostgreSQL copies
    only a database nobody is connected to), and made once (each PostgreSQL CREATE and DROP DATABASE costs a
    checkpoint). Tests using it are marked django_db, so that the test database is set up first."""
    with django_db_blocker.unblock():
        settings_dict = _test_database()
        connection.close()
    if database_vendor() == "sqlite":
        yield _sqlite_copy(settings_dict["NAME"], tmp_path_factory.mktemp("backup") / "scratch.sqlite3")
        return
    import psycopg

    name = f"{settings_dict['NAME']}_backup_{uuid.uuid4().hex[:8]}"
    server = _pg_params(settings_dict, "postgres")
    with closing(psycopg.connect(**server, autocommit=True)) as db:
        try:
            db.execute(f'CREATE DATABASE "{name}" TEMPLATE "{settings_dict["NAME"]}"')
            migrated = True
        except psycopg.errors.ObjectInUse:  # another session is connected to the test database: migrate a new one
            db.execute(f'CREATE DATABASE "{name}"')
            migrated = False
    params = _pg_params(settings_dict, name)
    made = Scratch("postgresql", _pg_url(params), pg=params)
    try:
        if not migrated:
            done = run(made, tmp_path_factory.mktemp("migrate"), "migrate", "--noinput", "-v", "0")
            assert done.returncode == 0, done.stderr[-3000:]
        yield made
    finally:
        with closing(psycopg.connect(**server, autocommit=True)) as db:
            db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def fresh_sqlite(tmp_path) -> Scratch:
    """A new SQLite database of this test's own (WAL lets it be copied while the test's transaction is open)."""
    return _sqlite_copy(_test_database()["NAME"], tmp_path / "fresh.sqlite3")


def run(db: Scratch, tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    """`joinedup <args>` against the scratch database, as an operator runs it (`python -m tests.core.backup_dataset`
    when the only argument is "load")."""
    env = {**os.environ, "DATABASE_URL": db.url, "JOINEDUP_ENV": "test",
           "DJANGO_SETTINGS_MODULE": "config.settings.test", "JOINEDUP_VAR_DIR": str(tmp_path)}
    argv = ["-m", "tests.core.backup_dataset"] if args == ("load",) else ["-m", "joinedup.cli", *args]
    return subprocess.run([sys.executable, *argv], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
                          check=False)


def last_json(text: str) -> dict:
    return json.loads(text.strip().splitlines()[-1])


# --- the round trip --------------------------------------------------------------------------------------


class SessionWriter(threading.Thread):
    """The server at work during a backup: a session row committed every few milliseconds, numbered in order."""

    def __init__(self, db: Scratch):
        super().__init__(daemon=True)
        self.db, self.written, self.stopping, self.failed = db, 0, threading.Event(), None

    @staticmethod
    def key(n: int) -> str:
        return f"backup-test-session-{n:012d}"

    def run(self) -> None:
        try:
            insert = "INSERT INTO django_session (session_key, session_data, expire_date) VALUES (%s, %s, %s)"
            if self.db.vendor == "sqlite":
                insert = insert.replace("%s", "?")
            with closing(self.db.connect()) as db:
                while not self.stopping.is_set():
                    db.execute(insert, (self.key(self.written), "e30", "2099-01-01 00:00:00"))
                    if self.db.vendor == "sqlite":
                        db.commit()
                    self.written += 1
                    time.sleep(0.005)
        except Exception as exc:  # reported by the test, in __exit__
            self.failed = exc

    def __enter__(self) -> SessionWriter:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopping.set()
        self.join(timeout=30)
        assert self.failed is None, self.failed


def _damage(db: Scratch) -> list[str]:
    """An operator's mistakes and a forger's work after the backup: rows changed and deleted, a table dropped, and
    an audit row that breaks the chain (the trail refuses UPDATE and DELETE, not INSERT)."""
    cascade = " CASCADE" if db.vendor == "postgresql" else ""
    return [
        "UPDATE people_person SET given_name = 'Changed', family_name = 'Name'",
        "UPDATE alerts_alert SET sentence = 'altered', status = 'dismissed'",
        "DELETE FROM people_mentionlink",
        f"DROP TABLE alerts_alertstep{cascade}",
        "INSERT INTO audit_auditevent (id, chain_position, prev_hash, row_hash, occurred_at, actor_id, actor_username, "
        "agency_id, agency_name, role, action, object_type, object_id, subject_person_id, reason, request_id, detail) "
        "SELECT id + 1000, chain_position + 1000, prev_hash, row_hash, occurred_at, actor_id, 'forger', agency_id, "
        "agency_name, role, 'record.view', object_type, object_id, subject_person_id, reason, request_id, detail "
        "FROM audit_auditevent WHERE id = (SELECT MAX(id) FROM audit_auditevent)",
    ]


def _cut_short(file: Path, manifest: dict, out: Path) -> Path:
    """The backup cut in half, with a manifest made to match it: only a check of the file itself can refuse it."""
    body = file.read_bytes()[: file.stat().st_size // 2]
    path = out / "cut.backup"
    path.write_bytes(body)
    backup.manifest_path(path).write_text(json.dumps(
        dict(manifest, sha256=hashlib.sha256(body).hexdigest(), size_bytes=len(body))))
    return path


@pytest.mark.both_databases
@pytest.mark.django_db
def test_a_backup_restores_every_row_and_the_audit_chain_after_damage(scratch, tmp_path):
    loaded = run(scratch, tmp_path, "load")
    assert loaded.returncode == 0, loaded.stderr[-3000:]
    made_of = last_json(loaded.stdout)
    assert made_of["persons"] == 3 and made_of["alerts"] >= 1
    before = scratch.rows()
    for table in KEY_TABLES:
        assert before[table], f"the dataset left {table} empty"
    assert scratch.query("SELECT COUNT(*) FROM ingest_sourcerecordversion WHERE version = 2") == [(1,)]  # corrected

    # Back up while the database is in use (a sign-in's session committed every few milliseconds): the file and its
    # manifest, the owner's only; the manifest says exactly what the file holds, one moment of the database.
    out = tmp_path / "backups"
    out.mkdir()
    file = out / "joinedup.backup"
    with SessionWriter(scratch) as writer:
        made = run(scratch, tmp_path, "backup", "--out", str(file))
    assert made.returncode == 0, made.stderr[-3000:]
    assert re.search(r"^(Copying|Dumping) ", made.stderr, re.MULTILINE)  # progress for the long step
    manifest = json.loads(backup.manifest_path(file).read_text())
    assert last_json(made.stdout)["sha256"] == manifest["sha256"] == hashlib.sha256(file.read_bytes()).hexdigest()
    assert manifest["vendor"] == scratch.vendor and manifest["joinedup_version"] == joinedup.__version__
    assert manifest["size_bytes"] == file.stat().st_size
    in_backup = manifest["row_counts"].pop("django_session")
    assert 0 < in_backup <= writer.written, (in_backup, writer.written)  # sessions written before the snapshot
    assert manifest["row_counts"] == {table: len(rows) for table, rows in before.items() if table != "django_session"}
    heads: dict[str, str] = {}
    for _id, app, name, _applied in before["django_migrations"]:
        heads[app] = max(heads.get(app, ""), name)
    assert manifest["migration_heads"] == heads
    for path in (file, backup.manifest_path(file)):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    after_backup = scratch.rows()
    [backup_row] = [r for r in after_backup["audit_auditevent"] if r not in before["audit_auditevent"]]
    assert "database.backup" in backup_row and manifest["sha256"] in backup_row  # audited, naming the checksum

    # Damage the database, then offer a damaged backup and the good one without --yes: both refused, saying why,
    # and nothing changes.
    scratch.execute(*_damage(scratch))
    damaged = scratch.rows()
    assert "alerts_alertstep" not in damaged and not damaged["people_mentionlink"]
    assert damaged["people_person"] != before["people_person"]
    refused = run(scratch, tmp_path, "restore", "--from", str(_cut_short(file, manifest, out)), "--yes")
    assert refused.returncode == 2, refused.stdout + refused.stderr[-2000:]
    assert re.search(r"restore refused: .*cut\.backup (is not a readable (SQLite database|archive)|fails SQLite's "
                     r"integrity check|cannot be read to its end).*Nothing was changed", refused.stderr), refused.stderr
    assert scratch.rows() == damaged
    unasked = run(scratch, tmp_path, "restore", "--from", str(file))
    assert unasked.returncode == 2, unasked.stdout + unasked.stderr[-2000:]
    assert "already holds data" in unasked.stderr and "Run again with --yes" in unasked.stderr
    assert scratch.rows() == damaged

    # Restore: every row of every table is back, the forged audit row and the backup's own row are gone, and the
    # restore is recorded as the next row of the restored chain, which verifies.
    restored = run(scratch, tmp_path, "restore", "--from", str(file), "--yes")
    assert restored.returncode == 0, restored.stdout + restored.stderr[-3000:]
    assert re.search(r"^(Replacing|Restoring) ", restored.stderr, re.MULTILINE)
    report = last_json(restored.stdout)
    assert report["ok"] and report["row_counts"]["match"] and report["audit_chain"]["ok"]
    assert report["audit_chain"]["anchors_checked"] == [manifest["audit_head"]["position"]]
    assert "Row counts match the manifest" in restored.stdout and "The audit trail verifies" in restored.stdout
    now = scratch.rows()
    assert set(now) == set(before)
    for table in before:
        if table not in ("audit_auditevent", "django_session"):
            assert now[table] == before[table], table
    # The sessions committed before the backup's snapshot, and none after: a consistent moment.
    assert sorted(row[0] for row in now["django_session"]) == [SessionWriter.key(n) for n in range(in_backup)]
    [restore_row] = [r for r in now["audit_auditevent"] if r not in before["audit_auditevent"]]
    assert sorted([*before["audit_auditevent"], restore_row], key=repr) == now["audit_auditevent"]
    assert "database.restore" in restore_row and manifest["sha256"] in restore_row
    verified = run(scratch, tmp_path, "audit", "verify", "--anchor",
                   f"{manifest['audit_head']['position']}:{manifest['audit_head']['hash']}")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    chain = last_json(verified.stdout)
    assert chain["ok"] and chain["rows"] == len(before["audit_auditevent"]) + 1


@pytest.mark.sqlite
@pytest.mark.django_db
def test_a_restore_whose_rows_differ_from_the_manifest_fails(fresh_sqlite, tmp_path):
    """Counts are checked after the restore, not assumed: a manifest that promises other counts (its checksum right)
    ends in exit status 1 naming the table, and the restore's audit row says it did not verify."""
    file = tmp_path / "empty.backup"
    made = run(fresh_sqlite, tmp_path, "backup", "--out", str(file))
    assert made.returncode == 0, made.stderr[-3000:]
    manifest = json.loads(backup.manifest_path(file).read_text())
    manifest["row_counts"]["people_person"] = 7
    backup.manifest_path(file).write_text(json.dumps(manifest))
    done = run(fresh_sqlite, tmp_path, "restore", "--from", str(file), "--yes")  # --yes: the backup's audit row is data
    assert done.returncode == 1, done.stdout + done.stderr[-2000:]
    assert "Row count differs: people_person has 0 rows, the manifest says 7." in done.stdout
    report = last_json(done.stdout)
    assert not report["ok"] and report["row_counts"]["mismatches"] == [
        {"table": "people_person", "expected": 7, "found": 0}]
    [(detail,)] = fresh_sqlite.query("SELECT detail FROM audit_auditevent WHERE action = 'database.restore'")
    detail = json.loads(detail) if isinstance(detail, str) else detail
    assert detail["verified"] is False and detail["row_counts_match"] is False


# --- what is refused before the database is touched (files only) -----------------------------------------


def _offer(tmp_path: Path, body: bytes, **manifest) -> Path:
    """A file and a manifest for it (honest unless told otherwise) claiming to be a backup of this pass's vendor."""
    path = tmp_path / "offered.backup"
    path.write_bytes(body)
    claims = {"format": backup.FORMAT, "vendor": database_vendor(), "made_at": "2026-01-31T02:00:00Z",
              "joinedup_version": joinedup.__version__, "sha256": hashlib.sha256(body).hexdigest(),
              "size_bytes": len(body), "migration_heads": {"audit": "0003_hash_chain"}, "row_counts": {}, **manifest}
    backup.manifest_path(path).write_text(json.dumps(claims))
    return path


def _refusal(path: Path) -> str:
    with pytest.raises(backup.BackupError) as refused, backup.backup_checked(path):
        pytest.fail("the backup was accepted")
    return str(refused.value)


def _not_joinedup_sqlite(tmp_path: Path) -> bytes:
    other = tmp_path / "other.sqlite3"
    with closing(sqlite3.connect(other)) as db:
        db.execute("CREATE TABLE notes (text TEXT)")
        db.commit()
    return other.read_bytes()


@pytest.mark.both_databases
def test_a_backup_is_refused_unless_it_matches_its_manifest_and_this_database(tmp_path):
    vendor = database_vendor()
    other_vendor = "postgresql" if vendor == "sqlite" else "sqlite"
    body = _not_joinedup_sqlite(tmp_path)

    assert "does not match its manifest: sha256" in _refusal(_offer(tmp_path, body, sha256="0" * 64))
    assert "does not match its manifest" in _refusal(_offer(tmp_path, body, size_bytes=len(body) + 1))
    assert re.search(r"this is a backup of a (PostgreSQL|SQLite) database and joinedup's database \(DATABASE_URL\) is",
                     _refusal(_offer(tmp_path, body, vendor=other_vendor)))
    assert "migration audit.9999_future of the backup is unknown to this joinedup" in _refusal(
        _offer(tmp_path, body, migration_heads={"audit": "9999_future"}))
    assert "has a row count that is not a whole number" in _refusal(_offer(tmp_path, body, row_counts={"x": "many"}))
    assert re.search(r"is not an? (SQLite database file|pg_dump custom-format archive)\. Nothing was changed",
                     _refusal(_offer(tmp_path, b"\x00garbage" * 100)))
    if vendor == "sqlite":
        assert "has no django_migrations table: it is not a joinedup database" in _refusal(_offer(tmp_path, body))
    else:
        assert "is not a pg_dump custom-format archive" in _refusal(_offer(tmp_path, body))
    path = _offer(tmp_path, body)
    backup.manifest_path(path).write_text("{not json")
    assert "is not readable JSON" in _refusal(path)
    backup.manifest_path(path).unlink()
    assert "no manifest" in _refusal(path) and "beside the backup" in _refusal(path)


def test_a_backup_is_never_overwritten(tmp_path):
    existing = tmp_path / "kept.backup"
    existing.write_bytes(b"an earlier backup")
    with pytest.raises(backup.BackupError, match=r"--out: .*kept\.backup exists; give a new name"):
        backup.backup_make(existing)
    assert existing.read_bytes() == b"an earlier backup"
    with pytest.raises(backup.BackupError, match="does not exist"):
        backup.backup_make(tmp_path / "no-such-folder" / "x.backup")


# --- PostgreSQL's tools and connection -------------------------------------------------------------------


def test_postgres_tools_missing_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(backup, "PG_BIN_GLOB", str(tmp_path / "postgresql" / "*" / "bin"))
    with pytest.raises(backup.BackupError, match="pg_dump and pg_restore were not found on PATH or under"):
        backup.pg_tools()


def test_postgres_tools_newest_version_is_chosen(monkeypatch, tmp_path):
    for version in ("13", "16", "15"):
        folder = tmp_path / "postgresql" / version / "bin"
        folder.mkdir(parents=True)
        for tool in ("pg_dump", "pg_restore"):
            script = folder / tool
            script.write_text(f"#!/bin/sh\necho '{tool} (PostgreSQL) {version}.2 (Debian {version}.2-1)'\n")
            script.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.setattr(backup, "PG_BIN_GLOB", str(tmp_path / "postgresql" / "*" / "bin"))
    tools = backup.pg_tools()
    assert tools.version == (16, 2) and tools.pg_dump == tmp_path / "postgresql" / "16" / "bin" / "pg_dump"


def test_the_connection_and_password_go_to_libpq_through_the_environment():
    env = backup.pg_environment({"NAME": "joinedup", "USER": "app", "PASSWORD": "s3cret-pw", "HOST": "db.internal",
                                 "PORT": 5433, "OPTIONS": {"sslmode": "verify-full"}}, application="joinedup backup")
    assert (env["PGDATABASE"], env["PGUSER"], env["PGPASSWORD"], env["PGHOST"], env["PGPORT"], env["PGSSLMODE"]) == (
        "joinedup", "app", "s3cret-pw", "db.internal", "5433", "verify-full")
