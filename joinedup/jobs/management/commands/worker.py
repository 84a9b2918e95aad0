"""`joinedup worker`: run background work (matching and alerts after records arrive, linking after file loads) and
the schedule (time-based alert rules, escalation, incremental linking, audit-chain verification). No cron."""

import os

from django.core.management.base import BaseCommand, CommandError

from joinedup.jobs.worker import run_worker


class Command(BaseCommand):
    help = "Run the task queue and the schedule until stopped (SIGTERM or Ctrl-C finish the task in hand)."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=0.2, help="Seconds between looks for new tasks.")
        parser.add_argument("--once", action="store_true", help="Queue what is due, run what is ready, then stop.")
        parser.add_argument("--no-schedule", action="store_true", help="Run tasks only; another worker keeps the "
                                                                       "schedule.")
        parser.add_argument("--quiet", action="store_true", help="No lines on starting and queuing.")
        parser.add_argument("--with-parent", action="store_true",
                            help="Stop when the process that started this one ends (`joinedup serve --with-worker`).")

    def handle(self, *args, interval, once, no_schedule, quiet, with_parent, **options):
        if interval <= 0:
            raise CommandError("--interval: must be more than 0 seconds")
        try:
            run_worker(interval=interval, once=once, with_schedule=not no_schedule,
                       parent_pid=os.getppid() if with_parent else None,
                       say=(lambda line: None) if quiet else (lambda line: self.stderr.write(line)))
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
