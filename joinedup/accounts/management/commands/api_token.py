"""`joinedup token create|list|revoke`: credentials for agencies' systems calling the API."""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError

from joinedup.accounts.models import ApiToken, User
from joinedup.accounts.services import api_token_create, api_token_revoke
from joinedup.core.actor import ActorRef
from joinedup.core.time import utc_now

CLI_ACTOR = ActorRef.system("joinedup-cli")


class Command(BaseCommand):
    help = "Issue, list or revoke API tokens. The secret is printed once and never stored."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Issue a token for a user's system.")
        create.add_argument("--user", required=True, help="Username the token acts as.")
        create.add_argument("--name", required=True, help="What will use it, e.g. 'A&E feed'.")
        create.add_argument("--days", type=int, default=365, help="Days until it expires (default 365).")
        sub.add_parser("list", help="List tokens (never their secrets).")
        revoke = sub.add_parser("revoke", help="Revoke a token at once.")
        revoke.add_argument("--prefix", required=True, help="The token's first 12 characters.")
        revoke.add_argument("--reason", required=True)

    def handle(self, *args, action, **options):
        if action == "create":
            user = User.objects.filter(username=options["user"], is_active=True).first()
            if user is None:
                raise CommandError(f"--user: no active user {options['user']!r}")
            if options["days"] < 1:
                raise CommandError("--days: must be 1 or more")
            _, secret = api_token_create(actor=CLI_ACTOR, user=user, name=options["name"],
                                         expires_at=utc_now() + timedelta(days=options["days"]))
            self.stdout.write(secret)
        elif action == "list":
            for token in ApiToken.objects.select_related("user"):
                state = "revoked" if token.revoked_at else f"expires {token.expires_at:%Y-%m-%d}" if token.expires_at else "live"
                self.stdout.write(f"{token.prefix}  {token.user.username:<20} {token.name:<30} {state}")
        else:
            token = ApiToken.objects.filter(prefix=options["prefix"]).first()
            if token is None:
                raise CommandError(f"--prefix: no token starts {options['prefix']!r}")
            api_token_revoke(actor=CLI_ACTOR, token=token, reason=options["reason"])
            self.stdout.write(f"Revoked {token.prefix}")
