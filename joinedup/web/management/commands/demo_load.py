"""`joinedup demo`: load the demo authority (idempotently) and print how to sign in."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from joinedup.accounts.models import Agency
from joinedup.web.demo.load import load_demo


class Command(BaseCommand):
    help = "Load the demo authority (agencies, teams, users); existing data is kept. Prints sign-in details."

    def add_arguments(self, parser):
        parser.add_argument(
            "--credentials", type=Path, default=settings.VAR_DIR / "demo-credentials.json",
            help="Where the demo users' passwords are kept (default var/demo-credentials.json).",
        )

    def handle(self, *args, credentials: Path, **options):
        users = load_demo(credentials, progress=lambda m: self.stdout.write(f"  {m}") if options["verbosity"] > 1 else None)
        agencies = {a.code: a.name for a in Agency.objects.all()}
        self.stdout.write(self.style.SUCCESS("\nDemo users (synthetic data only) — sign in at http://127.0.0.1:8000/sign-in/"))
        width = max(len(spec.username) for spec, _ in users)
        for spec, password in users:
            self.stdout.write(
                f"  {spec.username:<{width}}  {password}  {spec.role.label if hasattr(spec.role, 'label') else spec.role}, "
                f"{agencies.get(spec.agency, spec.agency)}"
            )
        self.stdout.write(f"\nPasswords are kept in {credentials}.")
