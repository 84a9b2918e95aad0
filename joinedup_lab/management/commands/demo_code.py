"""`joinedup demo-code USERNAME`: the code a demo user's authenticator app would show now (demo only)."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from joinedup.accounts.mfa import code_now, totp_device_of
from joinedup.accounts.models import User
from joinedup_lab.demo.fixture import USERS


class Command(BaseCommand):
    help = ("Print the 6-digit sign-in code a demo user's authenticator app shows now, for signing in to the demo "
            "without a phone. Only the demo's users, never in production.")

    def add_arguments(self, parser):
        parser.add_argument("username", help="A demo user, e.g. sam.okafor (see `joinedup demo`).")

    def handle(self, *args, username: str, **options):
        if getattr(settings, "JOINEDUP_ENVIRONMENT", "") == "production":
            raise CommandError("demo-code: refused in production; real users read their code from their own app")
        demo_users = sorted(u.username for u in USERS)
        if username not in demo_users:
            raise CommandError(f"username: {username!r} is not a demo user; expected one of {', '.join(demo_users)}")
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"username: {username!r} is not loaded; run `joinedup demo` first")
        device = totp_device_of(user)
        if device is None:
            raise CommandError(f"username: {username!r} has no authenticator app; run `joinedup demo` again")
        left = device.step - int(time.time() - device.t0) % device.step
        self.stdout.write(code_now(device))
        if options["verbosity"] > 1:
            self.stderr.write(f"(shown by the app for {left} more seconds)")
