"""Writes about the second factor: setting up an authenticator app, checking a code at sign-in, issuing
recovery codes, and an administrator's reset. Each is one transaction with its audit row.

Codes are checked by django-otp (`TOTPDevice.verify_token`, `StaticDevice.verify_token`): a TOTP code is taken
within one 30-second step either side of the server's clock and never twice (replay), a recovery code is deleted
when used, and each wrong code makes the device wait longer before the next (1, 2, 4, 8… seconds).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_otp import verify_token
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from joinedup.accounts.mfa import (
    RECOVERY_DEVICE_NAME,
    TOTP_DEVICE_NAME,
    is_recovery_code,
    is_totp_code,
    new_recovery_code,
    pending_totp_device_of,
    recovery_codes_left,
    recovery_device_of,
    totp_device_of,
)
from joinedup.accounts.models import User
from joinedup.accounts.services.users import actor_for
from joinedup.audit.actions import AuditAction
from joinedup.audit.services import audit_event_record
from joinedup.core.actor import ActorRef


@dataclass(frozen=True)
class CodeChecked:
    """What checking a code found: `device` when it was right; else `wait_until` when the device is backing off
    (the code was not even tried), or neither when it was wrong."""

    device: TOTPDevice | StaticDevice | None = None
    method: str = ""
    wait_until: datetime | None = None
    recovery_codes_left: int | None = None

    @property
    def ok(self) -> bool:
        return self.device is not None

    @property
    def wait_seconds(self) -> int:
        if self.wait_until is None:
            return 0
        return max(1, int((self.wait_until - timezone.now()).total_seconds() + 0.999))


def _backing_off(device) -> datetime | None:
    allowed, why = device.verify_is_allowed()
    if allowed:
        return None
    return (why or {}).get("locked_until") or timezone.now()


@transaction.atomic
def totp_device_begin(*, user: User) -> TOTPDevice:
    """The authenticator app being set up: the one already started (so a reloaded page shows the same secret),
    or a new random 20-byte secret. Nothing is trusted until its first code is entered (`totp_device_confirm`)."""
    pending = pending_totp_device_of(user)
    if pending is not None:
        return pending
    return TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)


@transaction.atomic
def totp_device_confirm(*, user: User, device: TOTPDevice, code: str) -> tuple[CodeChecked, list[str]]:
    """Finish setting up an authenticator app with its first code. The new app replaces any earlier one; on a
    user's first set-up, recovery codes are issued and returned (to be shown once)."""
    if device.user_id != user.pk or device.confirmed:
        raise ValueError("device: not an authenticator app this user is setting up")
    wait = _backing_off(device)
    if wait is not None:
        return CodeChecked(method="totp", wait_until=wait), []
    if not is_totp_code(code) or verify_token(user, device.persistent_id, code) is None:
        audit_event_record(actor=actor_for(user), action=AuditAction.MFA_FAILED, object_type="user",
                           object_id=user.pk, detail={"second_factor": "totp", "during": "set-up"})
        return CodeChecked(method="totp"), []
    replaced = list(TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).values_list("pk", flat=True))
    TOTPDevice.objects.filter(pk__in=replaced).delete()
    TOTPDevice.objects.filter(pk=device.pk).update(confirmed=True)
    device.refresh_from_db()
    first = recovery_device_of(user) is None
    codes = _recovery_codes_replace(user) if first else []
    audit_event_record(actor=actor_for(user), action=AuditAction.MFA_ENROL, object_type="user", object_id=user.pk,
                       detail={"second_factor": "totp", "replaced": len(replaced), "recovery_codes_issued": len(codes)})
    return CodeChecked(device=device, method="totp", recovery_codes_left=recovery_codes_left(user)), codes


@transaction.atomic
def totp_device_provision(*, actor: ActorRef, user: User, key_hex: str | None = None) -> TOTPDevice:
    """Give a user a ready authenticator secret without their first code: for the demo (which hands the secret
    over in its credentials file), benches and tests. Real users set theirs up themselves at first sign-in."""
    TOTPDevice.objects.filter(user=user).delete()
    fields = {"key": key_hex} if key_hex else {}
    device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=True, **fields)
    audit_event_record(actor=actor, action=AuditAction.MFA_ENROL, object_type="user", object_id=user.pk,
                       detail={"second_factor": "totp", "provisioned": True})
    return device


def _recovery_codes_replace(user: User) -> list[str]:
    device = recovery_device_of(user)
    if device is None:
        device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    device.token_set.all().delete()
    codes: set[str] = set()
    while len(codes) < settings.JOINEDUP_RECOVERY_CODES:
        codes.add(new_recovery_code())
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in sorted(codes)])
    device.throttle_reset(commit=True)
    return sorted(codes)


@transaction.atomic
def recovery_codes_issue(*, actor: ActorRef, user: User) -> list[str]:
    """New recovery codes for a user (the old ones stop working); returned once, to be shown once."""
    codes = _recovery_codes_replace(user)
    audit_event_record(actor=actor, action=AuditAction.RECOVERY_CODES_ISSUE, object_type="user", object_id=user.pk,
                       detail={"count": len(codes)})
    return codes


@transaction.atomic
def second_factor_check(*, user: User, code: str) -> CodeChecked:
    """Check the code a user typed after their password: six digits go to their authenticator app, eight
    letters and digits to their recovery codes. Right: audited as the sign-in. Wrong: audited as a failure
    (the caller counts it against the sign-in throttle too). Backing off: not tried at all."""
    if is_totp_code(code):
        device, method = totp_device_of(user), "totp"
    elif is_recovery_code(code):
        device, method = recovery_device_of(user), "recovery_code"
    else:
        device, method = None, "unrecognised"
    if device is not None:
        wait = _backing_off(device)
        if wait is not None:
            return CodeChecked(method=method, wait_until=wait)
        verified = verify_token(user, device.persistent_id, code)
        if verified is not None:
            left = recovery_codes_left(user)
            audit_event_record(actor=actor_for(user), action=AuditAction.SIGN_IN, object_type="user",
                               object_id=user.pk, detail={"second_factor": method, "recovery_codes_left": left})
            return CodeChecked(device=verified, method=method, recovery_codes_left=left)
    audit_event_record(actor=actor_for(user), action=AuditAction.MFA_FAILED, object_type="user", object_id=user.pk,
                       detail={"second_factor": method})
    return CodeChecked(method=method)


@transaction.atomic
def second_factor_reset(*, actor: ActorRef, user: User, reason: str) -> int:
    """Remove a user's authenticator app and recovery codes (a lost phone): their sessions verified with them
    end on the next request, and they set up a new app at their next sign-in. Returns how many were removed."""
    if not reason.strip():
        raise ValueError("reason: say why the second factor is being reset")
    removed = TOTPDevice.objects.filter(user=user).delete()[0]
    removed += StaticDevice.objects.filter(user=user).delete()[0]
    audit_event_record(actor=actor, action=AuditAction.MFA_RESET, object_type="user", object_id=user.pk,
                       reason=reason)
    return removed


def second_factor_enrolled(user: User) -> bool:
    return totp_device_of(user) is not None
