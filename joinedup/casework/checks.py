"""System checks of casework's settings: a malformed JOINEDUP_CONTACT stops the service at start, naming the setting."""

from __future__ import annotations

from django.core import checks


@checks.register()
def contact_settings_check(app_configs=None, **kwargs) -> list:
    from joinedup.casework.call_lines import contact_settings

    try:
        contact_settings()
    except ValueError as exc:
        return [checks.Error(str(exc), hint="See JOINEDUP_CONTACT in config/settings/base.py.", id="joinedup.E101")]
    return []
