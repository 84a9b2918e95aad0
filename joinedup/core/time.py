"""Time helpers: joinedup stores UTC and shows UK local time."""

from datetime import datetime

from django.utils import timezone


def utc_now() -> datetime:
    """The current time in UTC, as every stored timestamp is."""
    return timezone.now()
