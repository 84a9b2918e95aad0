"""`joinedup demo`: load the demo authority (idempotently) and print how to sign in."""

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from joinedup.accounts.models import Agency
from joinedup_lab.demo.load import (
    allocate_open_cases,
    load_demo,
    record_demo_contacts,
    register_simulated_agencies,
    second_factor_instructions,
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
            help="A simulated authority (from `joinedup simulate`) whose agencies are registered too.",
        )

    def handle(self, *args, credentials: Path, simulated: Path | None, **options):
        if simulated is not None:
            manifest = simulated / "agencies.json"
            if not manifest.exists():
                raise CommandError(f"--simulated: {manifest} does not exist; run `joinedup simulate --out {simulated}`")
            added = register_simulated_agencies(json.loads(manifest.read_text()))
            self.stdout.write(f"Simulated authority in {simulated}: {added} agencies registered "
                              "(its records: `joinedup ingest`, then `joinedup link`; `make demo` runs both).")
        users = load_demo(credentials, progress=lambda m: self.stdout.write(f"  {m}") if options["verbosity"] > 1 else None)
        allocated = allocate_open_cases(prefer=supervision_children(simulated)) if simulated is not None else []
        if allocated:
            self.stdout.write(f"Allocated {len(allocated)} children with an open case to sam.okafor, for example "
                              f"{allocated[0].display_name} (NHS number {allocated[0].nhs_number or 'not known'}): look them up as "
                              "priya.shah (A&E), then see the notice as sam.okafor.")
        contacts = record_demo_contacts() if simulated is not None else 0
        if contacts:
            self.stdout.write(f"The front door has {contacts} new contacts about children partners know (one a referral "
                              "by priya.shah): sign in as femi.adeyemi and open the Front door.")
        if simulated is not None:
            loaded = load_practice(simulated, progress=lambda m: self.stdout.write(f"  {m}")
                                   if options["verbosity"] > 1 else None)
            self.stdout.write(loaded if isinstance(loaded, str) else loaded.line())
        agencies = {a.code: a.name for a in Agency.objects.all()}
        self.stdout.write(self.style.SUCCESS("\nDemo users (synthetic data only) — sign in at http://127.0.0.1:8000/sign-in/"))
        width = max(len(spec.username) for spec, _ in users)
        for spec, password in users:
            self.stdout.write(
                f"  {spec.username:<{width}}  {password}  {spec.role.label if hasattr(spec.role, 'label') else spec.role}, "
                f"{agencies.get(spec.agency, spec.agency)}"
            )
        self.stdout.write(f"\nPasswords and authenticator keys are kept in {credentials}.")
        self.stdout.write(second_factor_instructions(credentials))
