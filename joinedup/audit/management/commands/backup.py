"""`joinedup backup --out FILE`: the whole database copied, safe while the server runs, with a manifest beside it.

    joinedup backup --out /srv/backups/joinedup-2026-01-31.backup

writes FILE (SQLite: a copy made with SQLite's online backup API; PostgreSQL: a `pg_dump --format=custom`
archive) and FILE.json, its manifest: the database vendor, when, joinedup's version, each app's newest migration,
the row count of every table, the audit trail's head and the file's sha256. Neither is ever overwritten; both are
readable by their owner only (they hold every record). The backup is audited (`database.backup`).

Progress goes to standard error; the last line of standard output is one JSON object:
`{"ok": true, "file", "manifest", "sha256", "size_bytes", "tables", "rows"}`. Exit status 2 when the backup is
refused or fails (nothing is left behind). See docs/operations.md, "Backups".
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from joinedup.audit.actions import AuditAction
from joinedup.audit.models import AuditEvent
from joinedup.audit.services import audit_event_record
from joinedup.core.actor import ActorRef
from joinedup.core.backup import BackupError, backup_make, manifest_path
from joinedup.core.progress import command_reporter


def audit_head_read(cursor) -> dict:
    """The audit trail's head in the backup's snapshot: a restore verifies the chain anchored at it."""
    cursor.execute(f"SELECT chain_position, row_hash FROM {AuditEvent._meta.db_table} "  # noqa: S608 - our table
                   f"ORDER BY id DESC LIMIT 1")
    row = cursor.fetchone()
    return {"audit_head": {"position": int(row[0]), "hash": str(row[1])} if row else None}


class Command(BaseCommand):
    help = ("Back up the whole database to FILE, safe while the server runs, with its manifest in FILE.json "
            "(see docs/operations.md, \"Backups\").")

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, metavar="FILE",
                            help="The backup file to write (must not exist); its manifest is FILE.json.")

    def handle(self, *args, out: str, **options):
        progress = command_reporter(self.stderr)
        try:
            manifest = backup_make(out, progress=progress, extra=audit_head_read)
        except BackupError as exc:
            raise CommandError(f"backup refused: {exc}", returncode=2) from exc
        path = Path(out).expanduser().absolute()
        rows = sum(manifest["row_counts"].values())
        audit_event_record(
            actor=ActorRef.system("joinedup backup"), action=AuditAction.DATABASE_BACKUP, object_type="backup",
            object_id=manifest["sha256"][:64],
            detail={"file": str(path), "sha256": manifest["sha256"], "size_bytes": manifest["size_bytes"],
                    "vendor": manifest["vendor"], "made_at": manifest["made_at"], "tables": len(manifest["row_counts"]),
                    "rows": rows, "audit_head": manifest.get("audit_head")},
        )
        self.stdout.write(f"Backed up {rows:,} rows in {len(manifest['row_counts'])} tables to {path} "
                          f"({manifest['size_bytes']:,} bytes); manifest {manifest_path(path)}.")
        self.stdout.write(f"sha256 {manifest['sha256']}")
        self.stdout.write(json.dumps({"ok": True, "file": str(path), "manifest": str(manifest_path(path)),
                                      "sha256": manifest["sha256"], "size_bytes": manifest["size_bytes"],
                                      "tables": len(manifest["row_counts"]), "rows": rows}, sort_keys=True))
