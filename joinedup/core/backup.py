"""Backups that restore (issue 18): the database copied whole, with a manifest saying what a restore must find.

`joinedup backup --out FILE` and `joinedup restore --from FILE` (joinedup/audit/management/commands) call this
module; it knows databases, not the domain (the commands add the audit trail's head, its row and its check).

- **SQLite**: SQLite's online backup API (`sqlite3.Connection.backup`, one step, so the copy is one consistent
  snapshot while the server keeps writing: WAL lets readers and the writer go on together). The copy is made a
  single self-contained file (journal mode DELETE) and checked with `PRAGMA integrity_check` before it is hashed.
  A restore copies the checked backup into the live file with the same API, in one write transaction: the live
  database is replaced whole or, on any error, not at all.
- **PostgreSQL**: `pg_dump --format=custom` inside a REPEATABLE READ transaction whose snapshot the dump shares
  (`--snapshot`), so the manifest's row counts are exactly the dump's; `pg_restore --clean --if-exists --no-owner
  --single-transaction`, so a restore that fails part-way leaves the database as it was. The newest pg_dump and
  pg_restore on PATH or under /usr/lib/postgresql/*/bin are used (never older than the server). The connection
  comes from the settings through libpq's environment (PGHOST, PGPASSWORD…), never the command line.

The manifest (`FILE.json`) holds the vendor, the time, joinedup's version, each app's newest applied migration,
the row count of every table, whatever the caller adds (`extra`) and the file's sha256. A restore refuses before
touching the database unless the file's checksum and vendor match the manifest and the file is whole (SQLite:
`PRAGMA integrity_check` and a `django_migrations` table; PostgreSQL: the archive read through to the end), and
unless the operator says yes when the database already holds data.
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader

import joinedup
from joinedup.core.time import utc_now

FORMAT = "joinedup-backup/1"
VENDORS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
# Tables `joinedup migrate` fills by itself: rows there do not make a database one that "has data".
MIGRATE_FILLS = frozenset({"django_migrations", "django_content_type", "auth_permission"})
CHUNK = 1024 * 1024
SQLITE_MAGIC = b"SQLite format 3\x00"
PG_MAGIC = b"PGDMP"
PG_BIN_GLOB = "/usr/lib/postgresql/*/bin"  # Debian's layout: one folder per major version
PG_LOCK_TIMEOUT_MS = 60_000  # a restore waits this long for sessions holding the tables, then fails (nothing changed)
# Connection options Django passes to libpq that pg_dump and pg_restore take from the environment.
PG_OPTION_ENV = {"sslmode": "PGSSLMODE", "sslrootcert": "PGSSLROOTCERT", "sslcert": "PGSSLCERT",
                 "sslkey": "PGSSLKEY", "sslcrl": "PGSSLCRL", "connect_timeout": "PGCONNECT_TIMEOUT",
                 "options": "PGOPTIONS", "passfile": "PGPASSFILE", "service": "PGSERVICE",
                 "target_session_attrs": "PGTARGETSESSIONATTRS"}

Progress = Callable[[str], None]
Facts = Callable[[Any], Mapping[str, Any]]  # given a DB-API cursor on the snapshot, facts to keep in the manifest


class BackupError(Exception):
    """A backup or restore refused or failed; the message says what is wrong and what to do."""


def _quiet(_line: str) -> None:
    return None


# --- what a database holds -----------------------------------------------------------------------------


def table_names(cursor, vendor: str) -> list[str]:
    """Every table of the database (SQLite) or of its current schema (PostgreSQL), by name."""
    if vendor == "sqlite":
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    else:
        cursor.execute("SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                       "WHERE c.relkind IN ('r', 'p') AND n.nspname = current_schema()")
    return sorted(row[0] for row in cursor.fetchall())


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def row_counts(cursor, vendor: str, tables: list[str] | None = None) -> dict[str, int]:
    """The exact number of rows in each table (every table unless `tables` names some)."""
    counts = {}
    for name in table_names(cursor, vendor) if tables is None else tables:
        cursor.execute(f"SELECT COUNT(*) FROM {_quote(name)}")  # noqa: S608 - a table name read from the catalogue
        counts[name] = int(cursor.fetchone()[0])
    return counts


def tables_with_rows(cursor, vendor: str) -> list[str]:
    """The tables holding rows, leaving out those `migrate` fills by itself."""
    out = []
    for name in table_names(cursor, vendor):
        if name in MIGRATE_FILLS:
            continue
        cursor.execute(f"SELECT 1 FROM {_quote(name)} LIMIT 1")  # noqa: S608 - a table name read from the catalogue
        if cursor.fetchone() is not None:
            out.append(name)
    return out


def migration_heads(cursor) -> dict[str, str]:
    """Each app's newest applied migration (by name: they are numbered), from `django_migrations`."""
    cursor.execute("SELECT app, name FROM django_migrations")
    heads: dict[str, str] = {}
    for app, name in cursor.fetchall():
        heads[app] = max(heads.get(app, ""), name)
    return dict(sorted(heads.items()))


def _facts(cursor, vendor: str, extra: Facts | None) -> dict[str, Any]:
    out = {"migration_heads": migration_heads(cursor), "row_counts": row_counts(cursor, vendor)}
    if extra is not None:
        out.update(extra(cursor))
    return out


def vendor_of_connection() -> str:
    """"sqlite" or "postgresql": the vendor of the database joinedup is configured for (DATABASE_URL)."""
    vendor = connection.vendor
    if vendor not in VENDORS:
        raise BackupError(f"joinedup backs up SQLite and PostgreSQL databases, not {vendor}")
    return vendor


# --- files -----------------------------------------------------------------------------------------------


def manifest_path(path: Path) -> Path:
    """Where a backup's manifest lives: beside it, its name with .json added."""
    return path.with_name(path.name + ".json")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _private_file(path: Path) -> None:
    """Create `path` empty, readable by its owner only (a backup holds every record), refusing one that exists."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(fd)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:,.1f} MB"


# --- PostgreSQL's tools ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PgTools:
    pg_dump: Path
    pg_restore: Path
    version: tuple[int, ...]

    @property
    def major(self) -> int:
        return self.version[0]


def _tool_version(tool: Path) -> tuple[int, ...] | None:
    try:
        done = subprocess.run([str(tool), "--version"], capture_output=True, text=True, timeout=30, check=False)
    except OSError:
        return None
    match = re.search(r"\)\s+(\d+)(?:\.(\d+))?", done.stdout)
    if done.returncode != 0 or match is None:
        return None
    return tuple(int(part) for part in match.groups() if part is not None)


def pg_tools() -> PgTools:
    """The newest pg_dump and pg_restore found side by side on PATH or under /usr/lib/postgresql/*/bin."""
    folders = [Path(p) for p in os.environ.get("PATH", "").split(os.pathsep) if p]
    folders += [Path(p) for p in sorted(glob.glob(PG_BIN_GLOB))]
    found: list[PgTools] = []
    for folder in dict.fromkeys(folders):
        dump, restore = folder / "pg_dump", folder / "pg_restore"
        if not (os.access(dump, os.X_OK) and os.access(restore, os.X_OK)):
            continue
        version = _tool_version(dump)
        if version is not None:
            found.append(PgTools(dump, restore, version))
    if not found:
        raise BackupError("pg_dump and pg_restore were not found on PATH or under /usr/lib/postgresql/*/bin: install "
                          "PostgreSQL's client tools of the server's version or newer (Debian: postgresql-client)")
    # On a tie, the version's own binaries rather than Debian's pg_wrapper, which picks a version by its own rules.
    return max(found, key=lambda t: (t.version, t.pg_dump.resolve().name != "pg_wrapper"))


def _server_major() -> int:
    connection.ensure_connection()
    return int(connection.pg_version) // 10000


def _checked_pg_tools() -> PgTools:
    tools = pg_tools()
    server = _server_major()
    if tools.major < server:
        raise BackupError(f"{tools.pg_dump} is version {tools.major}, older than the PostgreSQL {server} server: "
                          f"install postgresql-client-{server} (pg_dump cannot dump a newer server)")
    return tools


def pg_environment(settings_dict: Mapping[str, Any], *, application: str) -> dict[str, str]:
    """The environment for pg_dump/pg_restore: the settings' connection as libpq's variables (the password in
    PGPASSWORD, so it never appears in a process list), on top of this process's environment."""
    env = dict(os.environ)
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("NAME", "PGDATABASE"),
                     ("PASSWORD", "PGPASSWORD")):
        value = settings_dict.get(key)
        if value not in (None, ""):
            env[var] = str(value)
    for option, var in PG_OPTION_ENV.items():
        value = (settings_dict.get("OPTIONS") or {}).get(option)
        if value not in (None, ""):
            env[var] = str(value)
    env["PGAPPNAME"] = application
    return env


def _pg_run(args: list[str], env: Mapping[str, str], what: str) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(args, env=dict(env), capture_output=True, encoding="utf-8", errors="replace",
                              check=False)
    except OSError as exc:
        raise BackupError(f"{what}: {args[0]} could not be run: {exc}") from exc


def _tail(text: str, lines: int = 12) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


# --- backing up ------------------------------------------------------------------------------------------


def _sqlite_path() -> Path:
    name = str(connection.settings_dict["NAME"])
    if name in ("", ":memory:") or name.startswith("file::memory:"):
        raise BackupError("the SQLite database is in memory: there is no file to back up or restore")
    return Path(name)


def _sqlite_backup(tmp: Path, progress: Progress, extra: Facts | None) -> dict[str, Any]:
    live = _sqlite_path()
    if not live.exists():
        raise BackupError(f"the SQLite database {live} does not exist")
    progress(f"Copying the SQLite database {live} ({_megabytes(live.stat().st_size)}) with SQLite's online backup…")
    started = time.monotonic()
    source = sqlite3.connect(live, timeout=30)
    copy = sqlite3.connect(tmp)
    try:
        source.backup(copy)  # one step: a single consistent snapshot, however busy the server is
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file (no -wal beside it)
        progress(f"  copied in {time.monotonic() - started:.1f} s; checking the copy (PRAGMA integrity_check)…")
        problems = _integrity_problems(copy)
        if problems:
            raise BackupError(f"the copy of {live} fails SQLite's integrity check ({problems[0]}): the database "
                              f"itself may be damaged; nothing was written")
        progress("  the copy is whole; counting its rows…")
        facts = _facts(copy.cursor(), "sqlite", extra)
        facts["database"] = {"file": str(live), "sqlite_version": sqlite3.sqlite_version}
    finally:
        copy.close()
        source.close()
    return facts


def _read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)


def _integrity_problems(db: sqlite3.Connection) -> list[str]:
    rows = [row[0] for row in db.execute("PRAGMA integrity_check").fetchall()]
    return [] if rows == ["ok"] else rows


def _pg_backup(tmp: Path, progress: Progress, extra: Facts | None) -> dict[str, Any]:
    tools = _checked_pg_tools()
    settings_dict = connection.settings_dict
    env = pg_environment(settings_dict, application="joinedup backup")
    # The counts are read in the transaction whose snapshot pg_dump shares: they are exactly the dump's rows.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot(), version()")
        snapshot, server = cursor.fetchone()
        progress("Counting the rows of every table (in the snapshot the dump shares)…")
        facts = _facts(cursor, "postgresql", extra)
        progress(f"Dumping {settings_dict['NAME']} with {tools.pg_dump} (--format=custom)…")
        started = time.monotonic()
        done = _pg_run([str(tools.pg_dump), "--format=custom", f"--snapshot={snapshot}", f"--file={tmp}",
                        "--no-password"], env, "pg_dump")
        if done.returncode != 0:
            raise BackupError(f"pg_dump failed (exit {done.returncode}); nothing was written:\n{_tail(done.stderr)}")
        progress(f"  dumped in {time.monotonic() - started:.1f} s ({_megabytes(tmp.stat().st_size)})")
    facts["database"] = {"name": str(settings_dict["NAME"]), "host": str(settings_dict.get("HOST") or ""),
                         "server_version": server, "pg_dump_version": ".".join(map(str, tools.version))}
    return facts


def backup_make(out: Path | str, *, progress: Progress | None = None, extra: Facts | None = None) -> dict[str, Any]:
    """Back the database up to `out` and write its manifest beside it; returns the manifest.

    Neither file exists until both are complete (each is written under a temporary name and renamed), neither is
    ever overwritten, and both are readable by their owner only."""
    progress = progress or _quiet
    out = Path(out).expanduser().absolute()
    manifest_file = manifest_path(out)
    for path in (out, manifest_file):
        if path.exists():
            raise BackupError(f"--out: {path} exists; give a new name (a backup is never overwritten)")
    if not out.parent.is_dir():
        raise BackupError(f"--out: the folder {out.parent} does not exist")
    vendor = vendor_of_connection()
    made_at = utc_now()
    tmp = out.with_name(f".{out.name}.partial-{os.getpid()}")
    tmp_manifest = manifest_file.with_name(f".{manifest_file.name}.partial-{os.getpid()}")
    try:
        _private_file(tmp)
        facts = _sqlite_backup(tmp, progress, extra) if vendor == "sqlite" else _pg_backup(tmp, progress, extra)
        progress("Computing the backup's sha256…")
        _fsync(tmp)
        manifest = {
            "format": FORMAT,
            "file": out.name,
            "vendor": vendor,
            "made_at": made_at.isoformat().replace("+00:00", "Z"),
            "joinedup_version": joinedup.__version__,
            "size_bytes": tmp.stat().st_size,
            "sha256": sha256_of(tmp),
            **facts,
        }
        _private_file(tmp_manifest)
        tmp_manifest.write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        _fsync(tmp_manifest)
        os.replace(tmp, out)
        os.replace(tmp_manifest, manifest_file)
        _fsync(out.parent)
    finally:
        for path in (tmp, tmp_manifest):
            path.unlink(missing_ok=True)
    return manifest


# --- restoring -------------------------------------------------------------------------------------------


@dataclass
class Checked:
    """A backup checked and staged for restoring: its manifest and a private copy of the file, hashed as copied."""

    source: Path
    manifest: dict[str, Any]
    staged: Path
    archive_tables: list[str] = field(default_factory=list)  # PostgreSQL: the tables the archive holds


def read_manifest(path: Path) -> dict[str, Any]:
    """The manifest beside the backup at `path`, checked for the fields a restore relies on."""
    where = manifest_path(path)
    if not path.is_file():
        raise BackupError(f"--from: {path} is not a file")
    if not where.is_file():
        raise BackupError(f"--from: no manifest {where} beside the backup: joinedup restores only backups made by "
                          f"`joinedup backup`, whose manifest says what a restore must find")
    try:
        manifest = json.loads(where.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise BackupError(f"the manifest {where} is not readable JSON: {exc}") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"the manifest {where} is not a {FORMAT} manifest")
    expected = {"vendor": str, "sha256": str, "size_bytes": int, "made_at": str, "migration_heads": dict,
                "row_counts": dict}
    for key, kind in expected.items():
        if not isinstance(manifest.get(key), kind):
            raise BackupError(f"the manifest {where} has no valid {key!r}")
    if not all(isinstance(n, int) and n >= 0 for n in manifest["row_counts"].values()):
        raise BackupError(f"the manifest {where} has a row count that is not a whole number")
    if not all(isinstance(v, str) for v in manifest["migration_heads"].values()):
        raise BackupError(f"the manifest {where} has a migration head that is not a name")
    return manifest


def _unknown_migrations(heads: Mapping[str, str]) -> list[str]:
    known = set(MigrationLoader(None, ignore_no_migrations=True).graph.nodes)
    return [f"{app}.{name}" for app, name in sorted(heads.items()) if (app, name) not in known]


def unapplied_migrations() -> int:
    """How many of this version's migrations the database has not applied (after restoring an older backup)."""
    executor = MigrationExecutor(connection)
    return len(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def _staging_folder() -> Path | None:
    var = Path(settings.VAR_DIR) if getattr(settings, "VAR_DIR", None) else None
    return var if var is not None and var.is_dir() and os.access(var, os.W_OK) else None


def _stage(source: Path, folder: Path, progress: Progress) -> tuple[Path, str, int]:
    """Copy the backup into a private folder, hashing it as it is copied: what is checked is what is restored."""
    staged = folder / "backup"
    _private_file(staged)
    digest = hashlib.sha256()
    size = 0
    progress(f"Copying {source} ({_megabytes(source.stat().st_size)}) to a private staging copy and hashing it…")
    with source.open("rb") as src, staged.open("wb") as dst:
        while chunk := src.read(CHUNK):
            digest.update(chunk)
            dst.write(chunk)
            size += len(chunk)
    return staged, digest.hexdigest(), size


@contextlib.contextmanager
def backup_checked(path: Path | str, *, progress: Progress | None = None) -> Iterator[Checked]:
    """Check the backup at `path` against its manifest and this database, without touching the database; yields it
    staged for `restore_apply`. Raises BackupError, naming the problem, when it must not be restored."""
    progress = progress or _quiet
    source = Path(path).expanduser().absolute()
    manifest = read_manifest(source)
    vendor = vendor_of_connection()
    if manifest["vendor"] != vendor:
        theirs = VENDORS.get(manifest["vendor"], manifest["vendor"])
        raise BackupError(f"this is a backup of a {theirs} database and joinedup's database (DATABASE_URL) is "
                          f"{VENDORS[vendor]}: restore it into a {theirs} database")
    unknown = _unknown_migrations(manifest["migration_heads"])
    if unknown:
        raise BackupError(f"migration {unknown[0]} of the backup is unknown to this joinedup ({joinedup.__version__}): "
                          f"the backup was made by a newer joinedup ({manifest.get('joinedup_version', '?')}); "
                          f"restore it with that version or later. Nothing was changed")
    folder = Path(tempfile.mkdtemp(prefix="joinedup-restore-", dir=_staging_folder()))
    try:
        staged, digest, size = _stage(source, folder, progress)
        if digest != manifest["sha256"] or size != manifest["size_bytes"]:
            raise BackupError(f"{source} does not match its manifest: sha256 {digest} ({size:,} bytes), the manifest "
                              f"says {manifest['sha256']} ({manifest['size_bytes']:,} bytes); the file is damaged or "
                              f"not the one backed up. Nothing was changed")
        progress("  sha256 matches the manifest")
        with staged.open("rb") as f:
            head = f.read(len(SQLITE_MAGIC))
        checked = Checked(source=source, manifest=manifest, staged=staged)
        if vendor == "sqlite":
            _sqlite_check(checked, head, progress)
        else:
            _pg_check(checked, head, progress)
        yield checked
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _sqlite_check(checked: Checked, head: bytes, progress: Progress) -> None:
    name = checked.source
    if not head.startswith(SQLITE_MAGIC):
        raise BackupError(f"{name} is not an SQLite database file. Nothing was changed")
    progress("Checking the backup (PRAGMA integrity_check)…")
    try:
        db = _read_only(checked.staged)
        try:
            problems = _integrity_problems(db)
            has_migrations = db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' "
                                        "AND name = 'django_migrations'").fetchone() is not None
        finally:
            db.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{name} is not a readable SQLite database ({exc}). Nothing was changed") from exc
    if problems:
        raise BackupError(f"{name} fails SQLite's integrity check: {'; '.join(problems[:3])}. Nothing was changed")
    if not has_migrations:
        raise BackupError(f"{name} has no django_migrations table: it is not a joinedup database. Nothing was changed")
    progress("  the backup is whole")


_PG_TABLE = re.compile(r"^\d+; \d+ \d+ TABLE (\S+) (\S+)(?:\s|$)", re.MULTILINE)


def _pg_check(checked: Checked, head: bytes, progress: Progress) -> None:
    name = checked.source
    if not head.startswith(PG_MAGIC):
        raise BackupError(f"{name} is not a pg_dump custom-format archive. Nothing was changed")
    tools = _checked_pg_tools()
    progress(f"Checking the archive with {tools.pg_restore} (its contents, then every row read through)…")
    listed = _pg_run([str(tools.pg_restore), "--list", str(checked.staged)], os.environ, "pg_restore --list")
    if listed.returncode != 0:
        raise BackupError(f"{name} is not a readable archive: {_tail(listed.stderr, 3)}. Nothing was changed")
    tables = _PG_TABLE.findall(listed.stdout)
    if not any(table == "django_migrations" for _schema, table in tables):
        raise BackupError(f"{name} has no django_migrations table: it is not a joinedup database. Nothing was changed")
    read = _pg_run([str(tools.pg_restore), "--file=/dev/null", str(checked.staged)], os.environ, "pg_restore")
    if read.returncode != 0:
        raise BackupError(f"{name} cannot be read to its end (damaged or cut short): {_tail(read.stderr, 3)}. "
                          f"Nothing was changed")
    checked.archive_tables = sorted({table for _schema, table in tables})
    progress("  the archive reads through to its end")
    with connection.cursor() as cursor:
        extra = sorted(set(table_names(cursor, "postgresql")) - set(checked.archive_tables))
    if extra:
        raise BackupError(f"the database has tables the backup does not ({', '.join(extra[:5])}): made by later "
                          f"migrations, a restore would leave them behind. Restore into a new, empty database "
                          f"(createdb) instead. Nothing was changed")


def database_rows_present() -> list[str]:
    """The tables of joinedup's database that hold rows `migrate` did not put there (empty: a new database)."""
    vendor = vendor_of_connection()
    if vendor == "sqlite" and not _sqlite_path().exists():
        return []
    with connection.cursor() as cursor:
        return tables_with_rows(cursor, vendor)


def restore_apply(checked: Checked, *, progress: Progress | None = None) -> None:
    """Replace the database with the checked backup: whole, or (on any error) not at all."""
    progress = progress or _quiet
    if checked.manifest["vendor"] == "sqlite":
        _sqlite_restore(checked, progress)
    else:
        _pg_restore(checked, progress)


def _sqlite_restore(checked: Checked, progress: Progress) -> None:
    live = _sqlite_path()
    live.parent.mkdir(parents=True, exist_ok=True)
    connection.close()
    progress(f"Replacing {live} with the backup (SQLite's backup API, one write transaction)…")
    started = time.monotonic()
    source = _read_only(checked.staged)
    target = sqlite3.connect(live, timeout=30)
    try:
        source.backup(target)
    except sqlite3.Error as exc:
        raise BackupError(f"SQLite could not replace {live} ({exc}); it is as it was") from exc
    finally:
        target.close()
        source.close()
    progress(f"  replaced in {time.monotonic() - started:.1f} s")


def _pg_restore(checked: Checked, progress: Progress) -> None:
    tools = _checked_pg_tools()
    connection.close()
    env = pg_environment(connection.settings_dict, application="joinedup restore")
    env["PGOPTIONS"] = f"{env.get('PGOPTIONS', '')} -c lock_timeout={PG_LOCK_TIMEOUT_MS}".strip()
    progress(f"Restoring into {connection.settings_dict['NAME']} with {tools.pg_restore} "
             f"(--clean --if-exists --no-owner, one transaction)…")
    started = time.monotonic()
    done = _pg_run([str(tools.pg_restore), "--clean", "--if-exists", "--no-owner", "--single-transaction",
                    "--exit-on-error", "--no-password", f"--dbname={connection.settings_dict['NAME']}",
                    str(checked.staged)], env, "pg_restore")
    if done.returncode != 0:
        hint = " (is `joinedup serve` still running? stop it first)" if "lock timeout" in done.stderr else ""
        raise BackupError(f"pg_restore failed (exit {done.returncode}){hint}; the restore ran in one transaction, so "
                          f"the database is as it was:\n{_tail(done.stderr)}")
    progress(f"  restored in {time.monotonic() - started:.1f} s")


def restore_verify(manifest: Mapping[str, Any]) -> dict[str, Any]:
    """What the restored database holds against the manifest: row counts of every table it names, and the
    migrations applied. `ok` is False when anything differs."""
    vendor = vendor_of_connection()
    with connection.cursor() as cursor:
        present = set(table_names(cursor, vendor))
        expected = {str(k): int(v) for k, v in manifest["row_counts"].items()}
        found = row_counts(cursor, vendor, [t for t in expected if t in present])
        heads = migration_heads(cursor) if "django_migrations" in present else {}
    mismatches = [{"table": t, "expected": n, "found": found.get(t)} for t, n in sorted(expected.items())
                  if found.get(t) != n]
    return {"ok": not mismatches and heads == manifest["migration_heads"],
            "tables": len(expected), "rows": sum(expected.values()), "mismatches": mismatches,
            "migrations_match": heads == manifest["migration_heads"]}
