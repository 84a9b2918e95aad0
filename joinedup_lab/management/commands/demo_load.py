"""`joinedup demo`: load the demo authority (idempotently) and print how to sign in."""

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from joinedup.core.progress import Reporter
from joinedup.ingest.models import Mention
from joinedup_lab.demo.fixture import COLLEAGUES, USERS
from joinedup_lab.demo.load import (
    allocate_children_on_plans,
    allocate_open_cases,
    load_demo,
    record_demo_contacts,
    register_simulated_agencies,
    sign_in_details,
)
from joinedup_lab.demo.practice import load_practice, supervision_children


class Command(BaseCommand):
    help = "Load the demo authority (agencies, teams, users); existing data is kept. Prints sign-in details."

    def add_arguments(self, parser):
        parser.add_argument(
            "--credentials", type=Path, default=settings.VAR_DIR / "demo-credentials.json",
            help="Where the demo users' passwords and authenticator keys are kept (default var/demo-credentials.json).",
        )
        parser.add_argument(
            "--simulated", type=Path, default=None,
            help="A simulated authority (from `joinedup simulate`) whose agencies are registered too, and whose "
                 "linked records the demo's casework is about (allocations, contacts, the practice file).",
        )
        parser.add_argument(
            "--users-only", action="store_true",
            help="Only the demo agencies, teams and users (and the simulated authority's agencies): `make demo` "
                 "loads them before linking, so that the alerts linking raises go to the demo teams at once.",
        )
        parser.add_argument(
            "--no-sign-in-details", action="store_true",
            help="Do not print the users' passwords; `joinedup demo-users` prints them (`make demo` does, last).",
        )

    def handle(self, *args, credentials: Path, simulated: Path | None, users_only: bool, no_sign_in_details: bool,
               **options):
        verbose = options["verbosity"] > 1
        if simulated is not None:
            manifest = simulated / "agencies.json"
            if not manifest.exists():
                raise CommandError(f"--simulated: {manifest} does not exist; run `joinedup simulate --out {simulated}`")
            agencies = json.loads(manifest.read_text())
            added = register_simulated_agencies(agencies)
            said = f"Simulated authority in {simulated}: {len(agencies)} agencies"
            said += f", {added} registered now" if added else ", all registered already"
            if not Mention.objects.filter(link__person__isnull=False).exists():
                said += (" (its records are not linked yet: `joinedup ingest --register-agencies "
                         f"{simulated}`, then `joinedup link`; `make demo` runs both)")
            self.stdout.write(said + ".")
        users = load_demo(credentials, progress=lambda m: self.stdout.write(f"  {m}") if verbose else None)
        if users_only:
            self.stdout.write(f"Demo users: {len(users)} who sign in (their passwords: `joinedup demo-users`) and "
                              f"{len(COLLEAGUES)} colleagues holding other children; kept in {credentials}.")
            return
        allocated = allocate_open_cases(prefer=supervision_children(simulated)) if simulated is not None else []
        if allocated:
            self.stdout.write(f"Allocated {len(allocated)} children with an open case to sam.okafor, for example "
                              f"{allocated[0].display_name} (NHS number {allocated[0].nhs_number or 'not known'}): look them up as "
                              "priya.shah (A&E), then see the notice as sam.okafor.")
        others = allocate_children_on_plans() if simulated is not None else 0
        if others:
            self.stdout.write(f"Allocated the other {others} children on a plan or looked after to sam.okafor's "
                              "colleagues (every child on a plan has a social worker): see Caseloads as tara.lindqvist.")
        contacts = record_demo_contacts() if simulated is not None else 0
        if contacts:
            self.stdout.write(f"The front door has {contacts} new contacts about children partners know (one a referral "
                              "by priya.shah): sign in as femi.adeyemi and open the Front door.")
        if simulated is not None:
            loaded = load_practice(simulated, progress=Reporter(
                (lambda m: self.stdout.write(f"  {m}")) if verbose else (lambda m: None)))
            self.stdout.write(loaded if isinstance(loaded, str) else loaded.line())
        if no_sign_in_details:
            self.stdout.write(f"Sign-in details of the {len(USERS)} demo users: `joinedup demo-users` "
                              f"(kept in {credentials}).")
            return
        lines = sign_in_details(credentials)
        self.stdout.write(self.style.SUCCESS("\n" + lines[0]))
        for line in lines[1:]:
            self.stdout.write(line)
