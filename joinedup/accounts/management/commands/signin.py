"""`joinedup signin reset-second-factor|link-organisation`: an administrator's sign-in tasks."""

from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError

from joinedup.accounts.models import User
from joinedup.accounts.oidc import organisation_account_link
from joinedup.accounts.services.mfa import second_factor_reset
from joinedup.core.actor import ActorRef

CLI_ACTOR = ActorRef.system("joinedup-cli")


class Command(BaseCommand):
    help = ("Reset a user's second factor (a lost phone: they set up a new authenticator app at their next sign-in), "
            "or link their organisation account (OpenID Connect subject) to their joinedup user.")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        reset = sub.add_parser("reset-second-factor", help="Remove a user's authenticator app and recovery codes.")
        reset.add_argument("--user", required=True, help="Username.")
        reset.add_argument("--reason", required=True, help="Why, for the audit trail.")
        link = sub.add_parser("link-organisation", help="Link an organisation account to a user.")
        link.add_argument("--user", required=True, help="Username.")
        link.add_argument("--subject", required=True, help="The provider's `sub` claim for this person.")
        link.add_argument("--issuer", default=None, help="The provider (default JOINEDUP_OIDC_ISSUER).")

    def handle(self, *args, action, **options):
        user = User.objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"--user: no user {options['user']!r}")
        try:
            if action == "reset-second-factor":
                removed = second_factor_reset(actor=CLI_ACTOR, user=user, reason=options["reason"])
                self.stdout.write(f"Removed {removed} second-factor devices of {user.username}; they set up a new "
                                  "authenticator app at their next sign-in.")
            else:
                organisation_account_link(actor=CLI_ACTOR, user=user, subject=options["subject"],
                                          issuer=options["issuer"])
                self.stdout.write(f"Linked {options['subject']!r} to {user.username}.")
        except ValueError as exc:
            raise CommandError(f"--{exc}") from exc
        except IntegrityError as exc:
            raise CommandError("--subject: that account, or another account of this provider, is already linked "
                               f"to {user.username} or someone else") from exc
