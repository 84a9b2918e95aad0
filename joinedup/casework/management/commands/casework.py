"""`joinedup casework rebuild` re-reads every child's children's social care records into the casework tables
(after an upgrade that changes the fold, or to check them); `joinedup casework issues` lists the records the
fold could not place, with the reason, for the authority's data quality work."""

from django.core.management.base import BaseCommand
from django.db import transaction

from joinedup.casework.models import CaseworkIssue
from joinedup.casework.projection import casework_project, people_with_casework


class Command(BaseCommand):
    help = "Rebuild the casework tables from the records, or list the records that could not be placed."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("rebuild", help="Re-fold every child's casework records (idempotent).")
        issues = sub.add_parser("issues", help="Records the fold could not place, and why.")
        issues.add_argument("--limit", type=int, default=50)

    def handle(self, *args, action, **options):
        if action == "rebuild":
            people = people_with_casework()
            self.stderr.write(f"Casework: re-reading the records of {len(people):,} children…")
            with transaction.atomic():
                totals = casework_project(people, progress=self.stderr.write)
            self.stdout.write(f"{totals['cases']:,} cases, {totals['contacts']:,} contacts, {totals['issues']:,} "
                              f"records not placed, for {totals['people']:,} children.")
            return
        rows = CaseworkIssue.objects.select_related("record").order_by("occurred_on", "id")
        self.stdout.write(f"{rows.count():,} records could not be placed.")
        for issue in rows[: options["limit"]]:
            self.stdout.write(f"{issue.occurred_on} {issue.record.source_record_id} ({issue.kind}): {issue.sentence}")
