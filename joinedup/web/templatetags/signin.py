"""What Your account shows about signing in: the authenticator app and the recovery codes left."""

from django import template

from joinedup.accounts.mfa import recovery_codes_left, session_second_factor, totp_device_of

register = template.Library()


@register.simple_tag(takes_context=True)
def sign_in_security(context, user) -> dict:
    request = context.get("request")
    device = totp_device_of(user)
    return {
        "authenticator_since": device.created_at if device is not None else None,
        "recovery_codes_left": recovery_codes_left(user),
        "this_session": session_second_factor(request.session, user) if request is not None else "",
    }


@register.filter
def duration_in_words(value) -> str:
    """A cool-off as people say it: "15 minutes", "1 hour 30 minutes" (django-axes passes a timedelta)."""
    seconds = int(value.total_seconds()) if hasattr(value, "total_seconds") else 0
    if seconds <= 0:
        return "a few minutes"
    hours, minutes = divmod((seconds + 59) // 60, 60)
    parts = [f"{hours} hour{'s' if hours != 1 else ''}"] if hours else []
    if minutes or not parts:
        parts.append(f"{minutes} minute{'s' if minutes != 1 else ''}")
    return " ".join(parts)
