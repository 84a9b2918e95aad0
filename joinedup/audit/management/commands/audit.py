"""`joinedup audit verify`: walk the audit trail's hash chain and say where it first breaks, or that it holds.

    joinedup audit verify                        every row, in id order
    joinedup audit verify --anchor 1204:9f86d0…  also insist that the row at position 1204 has that hash

Progress goes to standard error; the last line of standard output is one JSON object:
`{"ok": true, "rows": N, "head": {"id", "position", "hash"}}`, or with `"ok": false` and
`"broken": {"problem", "id", "previous_id", "position", "message"}`. The exit status is 1 when the chain is broken.

The chain shows a row changed, removed or inserted anywhere before the newest row. It cannot show the newest rows
removed (or the whole trail rewritten) unless a head printed earlier was kept somewhere the database's owner
cannot write: keep `POSITION:HASH` from each run that verifies (the second line of the output) and pass it back
as `--anchor`.
See docs/adr/0009-audit-hash-chain.md.
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from joinedup.audit.chain import parse_anchor
from joinedup.audit.models import AuditEvent
from joinedup.audit.verify import chain_verify

PROGRESS_EVERY = 50_000


class Command(BaseCommand):
    help = "The audit trail's tamper check: `joinedup audit verify` walks the hash chain (see -h of the subcommand)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="job", required=True, metavar="{verify}")
        verify = sub.add_parser("verify", help="Walk the hash chain; report the first broken link or that all rows "
                                               "verify (exit status 1 when broken).")
        verify.add_argument("--anchor", action="append", default=[], metavar="POSITION:HASH",
                            help="A head printed by an earlier run and kept outside the database (repeatable): the "
                                 "row at POSITION must still have HASH.")

    def handle(self, *args, job: str, anchor: list[str], **options):
        try:
            anchors = dict(parse_anchor(text) for text in anchor)
        except ValueError as exc:
            raise CommandError(f"--anchor: {exc}") from exc
        total = AuditEvent.objects.count()
        self.stderr.write(f"Verifying the audit trail's hash chain: {total:,} rows…")

        def progress(done: int) -> None:
            if done % PROGRESS_EVERY == 0:
                self.stderr.write(f"  {done:,} of {total:,} rows verified")

        result = chain_verify(anchors=anchors, progress=progress)
        if result.ok:
            self.stdout.write(f"All {result.rows:,} audit rows verify.")
            self.stdout.write(f"Head (keep it outside the database; pass it back as --anchor): "
                              f"{result.head_position}:{result.head_hash}")
        else:
            self.stdout.write(f"The audit trail is broken: {result.broken.message}. "
                              f"{result.rows:,} rows verified before it.")
        self.stdout.write(json.dumps(result.as_dict(), sort_keys=True))
        if not result.ok:
            where = f"row {result.broken.id}" if result.broken.id is not None else f"position {result.broken.position}"
            raise CommandError(f"audit trail broken at {where}: {result.broken.problem}", returncode=1)
