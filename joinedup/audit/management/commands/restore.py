"""`joinedup restore --from FILE [--yes]`: replace the database with a backup made by `joinedup backup`, then prove it.

    joinedup restore --from /srv/backups/joinedup-2026-01-31.backup --yes

Before anything is touched the backup is refused, with the reason, unless: its manifest (FILE.json) is there, the
file's sha256 and size match it, it is of this database's vendor and of this joinedup's migrations or older, the
file is whole (SQLite: `PRAGMA integrity_check` and a `django_migrations` table; PostgreSQL: the archive listed
and read through to its end), and — when the database already holds data — `--yes` was given. The restore
itself replaces the database whole or not at all (SQLite's backup API in one write transaction; `pg_restore
--single-transaction`). Stop `joinedup serve` first.

Then it checks the restored database: the row count of every table against the manifest, the migrations applied,
and the audit trail's hash chain (anchored at the head the backup held), and writes its `database.restore` audit
row into the restored chain, with the outcome.

Progress goes to standard error; the last line of standard output is one JSON object (`ok`, `row_counts`,
`audit_chain`, `migrations_to_apply`…). Exit status: 0 restored and verified; 1 restored but a check failed;
2 refused or failed before the database changed. See docs/operations.md, "Backups".
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from joinedup.audit.actions import AuditAction
from joinedup.audit.services import audit_event_record
from joinedup.audit.verify import chain_verify
from joinedup.core.actor import ActorRef
from joinedup.core.backup import (
    BackupError,
    backup_checked,
    database_rows_present,
    restore_apply,
    restore_verify,
    unapplied_migrations,
)
from joinedup.core.progress import command_reporter

PROGRESS_EVERY = 50_000


class Command(BaseCommand):
    help = ("Replace the database with a backup made by `joinedup backup`, after checking it; then verify row "
            "counts and the audit chain (see docs/operations.md, \"Backups\").")

    def add_arguments(self, parser):
        parser.add_argument("--from", required=True, dest="source", metavar="FILE",
                            help="The backup file; its manifest FILE.json must be beside it.")
        parser.add_argument("--yes", action="store_true",
                            help="Replace a database that already holds data (everything in it is lost).")

    def handle(self, *args, source: str, yes: bool, **options):
        progress = command_reporter(self.stderr)
        try:
            with backup_checked(source, progress=progress) as checked:
                present = database_rows_present()
                if present and not yes:
                    raise BackupError(
                        f"joinedup's database already holds data ({len(present)} tables with rows, among them "
                        f"{', '.join(present[:4])}); restoring replaces all of it with the backup made at "
                        f"{checked.manifest['made_at']}. Run again with --yes to do so. Nothing was changed")
                manifest = checked.manifest
                try:
                    restore_apply(checked, progress=progress)
                except BackupError as exc:
                    raise CommandError(f"restore failed: {exc}", returncode=2) from exc
        except BackupError as exc:
            said = str(exc) if "Nothing was changed" in str(exc) else f"{exc}. Nothing was changed"
            raise CommandError(f"restore refused: {said}", returncode=2) from exc

        progress(f"Counting the rows of the {len(manifest['row_counts'])} tables the manifest names…")
        counts = restore_verify(manifest)
        head = manifest.get("audit_head")
        anchors = {int(head["position"]): str(head["hash"])} if isinstance(head, dict) else {}
        progress("Verifying the audit trail's hash chain" + (f" (anchored at the backup's head, position "
                                                            f"{head['position']})…" if anchors else "…"))

        def chain_progress(done: int) -> None:
            if done % PROGRESS_EVERY == 0:
                progress(f"  {done:,} audit rows verified")

        chain = chain_verify(anchors=anchors, progress=chain_progress)
        pending = unapplied_migrations()
        ok = counts["ok"] and chain.ok
        path = Path(source).expanduser().absolute()
        audit_event_record(
            actor=ActorRef.system("joinedup restore"), action=AuditAction.DATABASE_RESTORE, object_type="backup",
            object_id=manifest["sha256"][:64],
            detail={"file": str(path), "sha256": manifest["sha256"], "vendor": manifest["vendor"],
                    "backup_made_at": manifest["made_at"], "backup_joinedup_version": manifest.get("joinedup_version"),
                    "replaced_data": bool(present), "verified": ok, "row_counts_match": not counts["mismatches"],
                    "mismatches": counts["mismatches"][:20], "migrations_match": counts["migrations_match"],
                    "audit_chain": chain.as_dict(), "migrations_to_apply": pending},
        )
        self._report(path, manifest, counts, chain, pending)
        if not ok:
            raise CommandError("the restored database does not match its backup's manifest (see above)", returncode=1)

    def _report(self, path, manifest, counts, chain, pending) -> None:
        write = self.stdout.write
        write(f"Restored {path} (made {manifest['made_at']} by joinedup {manifest.get('joinedup_version', '?')}).")
        if not counts["mismatches"]:
            write(f"Row counts match the manifest: {counts['rows']:,} rows in {counts['tables']} tables.")
        for m in counts["mismatches"]:
            found = "no such table" if m["found"] is None else f"{m['found']:,} rows"
            write(f"Row count differs: {m['table']} has {found}, the manifest says {m['expected']:,}.")
        if not counts["migrations_match"]:
            write("The migrations applied differ from the manifest's.")
        if chain.ok:
            write(f"The audit trail verifies: {chain.rows:,} rows; the restore is recorded after them.")
        else:
            write(f"The audit trail is broken: {chain.broken.message}.")
        if pending:
            write(f"{pending} migration{'s' if pending != 1 else ''} of this version {'are' if pending != 1 else 'is'} "
                  f"not applied yet: run `joinedup migrate`.")
        write(json.dumps({"ok": counts["ok"] and chain.ok, "file": str(path), "sha256": manifest["sha256"],
                          "row_counts": {"match": not counts["mismatches"], "tables": counts["tables"],
                                         "rows": counts["rows"], "mismatches": counts["mismatches"]},
                          "migrations_match": counts["migrations_match"], "audit_chain": chain.as_dict(),
                          "migrations_to_apply": pending}, sort_keys=True))
