"""The second factor every user passes after their password: a TOTP authenticator app (RFC 6238) and
single-use recovery codes, kept as django-otp devices (`TOTPDevice`, `StaticDevice`). Reads and helpers here;
the writes (enrolling, verifying, issuing codes, resetting) are in `services/mfa.py`."""

from __future__ import annotations

import re
import time
from base64 import b32decode, b32encode

import segno
from django.contrib.auth import SESSION_KEY
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import hotp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from joinedup.accounts.models import User

TOTP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"
# A session whose first step was an organisation sign-in whose provider proved a second factor (its ID token's
# `amr` claim): {"user": "<user id>", "amr": [...]}. Set by the organisation sign-in callback only.
IDP_SECOND_FACTOR_SESSION_KEY = "joinedup_idp_second_factor"

_TOTP_CODE = re.compile(r"^\d{6}$")
_RECOVERY_CODE = re.compile(r"^[a-z2-7]{8}$")


def totp_device_of(user: User) -> TOTPDevice | None:
    """The user's confirmed authenticator app, or None if they have not set one up."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("-created_at", "-id").first()


def pending_totp_device_of(user: User) -> TOTPDevice | None:
    """An authenticator app being set up (its first code not yet entered), or None."""
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-created_at", "-id").first()


def recovery_device_of(user: User) -> StaticDevice | None:
    return StaticDevice.objects.filter(user=user, confirmed=True).first()


def recovery_codes_left(user: User) -> int:
    """How many unused recovery codes the user has."""
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def secret_base32(device: TOTPDevice) -> str:
    """The shared secret as authenticator apps take it when typed in (RFC 4648 base 32, no padding)."""
    return b32encode(device.bin_key).decode("ascii").rstrip("=")


def secret_for_reading(device: TOTPDevice) -> str:
    """The secret in groups of four, easier to type: "ABCD EFGH …"."""
    secret = secret_base32(device)
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def otpauth_uri(device: TOTPDevice) -> str:
    """The `otpauth://totp/…` URI a QR code carries (issuer from OTP_TOTP_ISSUER, label the username)."""
    return device.config_url


def qr_code_svg(uri: str, *, label: str) -> str:
    """The URI as a QR code in inline SVG (no image request, nothing for the CSP to allow), named for screen
    readers."""
    svg = segno.make(uri, error="m").svg_inline(scale=5, border=4, dark="#0b0c0c", light="#ffffff", title=label)
    return svg.replace("<svg ", f'<svg role="img" aria-label="{label}" focusable="false" ', 1)


def code_at(device: TOTPDevice, unix_time: float) -> str:
    """The 6-digit code the device's authenticator app shows at a moment (what a phone computes)."""
    return code_for_step(device, int((unix_time - device.t0) // device.step))


def code_for_step(device: TOTPDevice, step: int) -> str:
    return f"{hotp(device.bin_key, step, digits=device.digits):0{device.digits}d}"


def code_now(device: TOTPDevice) -> str:
    """The code an authenticator app shows now, by the server's clock."""
    return code_at(device, time.time())


def code_from_base32(secret: str, unix_time: float | None = None) -> str:
    """The 6-digit code for a secret as typed into an authenticator app (what the app computes from it)."""
    text = secret.replace(" ", "").upper()
    key = b32decode(text + "=" * (-len(text) % 8))
    return f"{hotp(key, int((time.time() if unix_time is None else unix_time) // 30)):06d}"


def key_hex_from_base32(secret: str) -> str:
    """A base-32 secret as django-otp stores it (hex)."""
    text = secret.replace(" ", "").upper()
    return b32decode(text + "=" * (-len(text) % 8)).hex()


def next_code(device: TOTPDevice) -> str:
    """A code the server accepts now for a device signing in again and again (tests, benches): the current step,
    or, if that was used already, the next one an authenticator app a few seconds fast would show (within the
    device's tolerance; a used step is never accepted twice)."""
    device.refresh_from_db()
    now_step = int((time.time() - device.t0) // device.step) + device.drift
    step = max(now_step, device.last_t + 1)
    if step > now_step + device.tolerance:  # more sign-ins this half-minute than the tolerance allows: wait
        time.sleep((step - device.tolerance - now_step) * device.step)
    return code_for_step(device, step)


def normalised_code(raw: str) -> str:
    """A code as typed, without spaces or hyphens; recovery codes in lower case."""
    return re.sub(r"[\s-]", "", raw or "").lower()


def is_totp_code(code: str) -> bool:
    return bool(_TOTP_CODE.match(code))


def is_recovery_code(code: str) -> bool:
    return bool(_RECOVERY_CODE.match(code))


def new_recovery_code() -> str:
    """A random recovery code: 8 characters of base 32 (40 bits), django-otp's static token."""
    return StaticToken.random_token()


def recovery_code_for_reading(code: str) -> str:
    return f"{code[:4]} {code[4:]}"


def session_second_factor(session, user) -> str:
    """Which second factor this session passed for `user`: "totp", "recovery_code", "organisation" or ""."""
    if user is None or not getattr(user, "is_authenticated", False):
        return ""
    device = getattr(user, "otp_device", None)
    if device is not None and getattr(user, "is_verified", lambda: False)():
        return "recovery_code" if isinstance(device, StaticDevice) else "totp"
    idp = session.get(IDP_SECOND_FACTOR_SESSION_KEY) or {}
    if idp.get("user") == str(user.pk) and session.get(SESSION_KEY) == str(user.pk):
        return "organisation"
    return ""


def session_had_device(session) -> bool:
    """Whether the session was verified with a device (read before django-otp drops a device that has gone)."""
    return DEVICE_ID_SESSION_KEY in session
