"""`joinedup alerts`: the scheduled alert jobs.

    joinedup alerts run                  time-based rules for children on plans or with open cases, then
                                         escalate alerts nobody acknowledged in time (run it every 15 min)
    joinedup alerts run --all            every rule for every child (after a bulk load such as `make demo`)
    joinedup alerts run --no-escalate    evaluate only
    joinedup alerts escalate             escalate only
    joinedup alerts evaluate PERSON_ID…  every rule for the given people (and the children living with them)

Progress goes to standard error, the summary to standard output; the exit status is 0 unless the command
itself fails. See docs/alerts-operations.md for running it from cron or a systemd timer.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.core.management.base import BaseCommand, CommandError

from joinedup.alerts.services import (
    alerts_escalate_overdue,
    alerts_evaluate_people,
    alerts_run_scheduled,
    catalogue_rules,
    escalate_after,
)
from joinedup.core.actor import ActorRef
from joinedup.core.progress import command_reporter


def _when(value: str) -> dt.datetime:
    try:
        out = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise CommandError(f"--at: expected an ISO 8601 date-time, got {value!r}") from exc
    return out if out.tzinfo else out.replace(tzinfo=dt.UTC)


class Command(BaseCommand):
    help = "Scheduled alert jobs: evaluate time-based rules, escalate unacknowledged alerts (see `joinedup alerts run -h`)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="job", required=True, metavar="{run,escalate,evaluate}")
        run = sub.add_parser("run", help="Evaluate time-based rules for children on plans or with open cases, "
                                         "then escalate alerts left unacknowledged.")
        run.add_argument("--all", action="store_true", dest="all_children",
                         help="Every rule for every child (after a bulk load), not only the time-based ones.")
        run.add_argument("--no-escalate", action="store_true", help="Evaluate only.")
        run.add_argument("--at", default=None, help="Judge as of this time (ISO 8601; default now).")
        esc = sub.add_parser("escalate", help="Escalate alerts nobody acknowledged within "
                                              "JOINEDUP_ALERT_ESCALATE_AFTER_HOURS.")
        esc.add_argument("--at", default=None, help="Judge as of this time (ISO 8601; default now).")
        ev = sub.add_parser("evaluate", help="Every rule for the given people and the children living with them.")
        ev.add_argument("person_ids", nargs="+", metavar="PERSON_ID")
        ev.add_argument("--at", default=None, help="Judge as of this time (ISO 8601; default now).")

    def handle(self, *args, job: str, **options):
        at = _when(options["at"]) if options.get("at") else None
        progress = command_reporter(self.stderr)  # plain lines, and a bar on a terminal for the children evaluated
        actor = ActorRef.system(f"joinedup alerts {job}")
        rules = catalogue_rules()
        if not rules:
            self.stderr.write("No rules in the catalogue (joinedup.alerts.rules.catalogue): nothing will be raised.")
        if job == "evaluate":
            try:
                ids = [uuid.UUID(p) for p in options["person_ids"]]
            except ValueError as exc:
                raise CommandError(f"PERSON_ID: {exc}") from exc
            n, result = alerts_evaluate_people(person_ids=ids, at=at, rules=rules, actor=actor, progress=progress)
            self.stdout.write(f"{n:,} children evaluated: {result}.")
            return
        if job == "run":
            what = "every rule for every child" if options["all_children"] else \
                f"{sum(r.time_based for r in rules)} time-based rules for children on plans or with open cases"
            progress(f"Evaluating {what}…")
            n, result = alerts_run_scheduled(at=at, rules=rules, all_children=options["all_children"], actor=actor,
                                             progress=progress)
            self.stdout.write(f"{n:,} children evaluated: {result}.")
            if options["no_escalate"]:
                return
        progress(f"Escalating alerts unacknowledged for more than {escalate_after().total_seconds() / 3600:g} hours…")
        done, nobody = alerts_escalate_overdue(now=at, actor=actor, progress=progress)
        self.stdout.write(f"{done:,} alerts escalated to a manager" + (f"; {nobody:,} have no manager to go to"
                                                                       if nobody else "") + ".")
