"""Telling the data protection officer: every self-claim, break-glass and approved unsealing is e-mailed to the DPOs
of the agency concerned (or every DPO, when it has none) once it is committed. The e-mail says who, what, why (the
reason from the list) and until when — never the name or id of the person whose record was opened, nor free text
(which may name people): the DPO reads those in joinedup. A failure to send is logged and never undoes the act;
the DPO's queue in joinedup holds it either way. SMTP settings: `JOINEDUP_EMAIL_*` (config/settings/base.py)."""

from __future__ import annotations

import logging

from django.core.mail import send_mail
from django.db import transaction

from joinedup.accounts.models import Role, User

log = logging.getLogger(__name__)


def dpo_addresses(agency_id) -> list[str]:
    """The e-mail addresses of the agency's data protection officers (else every DPO's)."""
    dpos = User.objects.filter(role=Role.DATA_PROTECTION_OFFICER, is_active=True).exclude(email="")
    own = list(dpos.filter(agency_id=agency_id).values_list("email", flat=True))
    return own or list(dpos.values_list("email", flat=True))


def who(user: User) -> str:
    """"Name (Role, Agency)" of the user who acted."""
    return (f"{user.get_full_name() or user.username} ({user.get_role_display()}, "
            f"{user.agency.name if user.agency_id else 'no agency'})")


def tell_the_dpo_after_commit(*, agency_id, subject: str, body: str, what: str) -> None:
    """Send once the surrounding transaction commits (`what`: for the log, with no personal data)."""
    def send() -> None:
        try:
            send_mail(f"joinedup: {subject}", body, None, dpo_addresses(agency_id))
        except Exception:  # the act stands; the DPO still sees it in their queue
            log.exception("could not e-mail the data protection officer about %s", what)

    transaction.on_commit(send)
