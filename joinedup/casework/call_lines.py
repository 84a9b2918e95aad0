"""Whom a partner calls about a child, and when (docs/chronology.md, "Partner look-up"): the children's services
front door in its hours, the emergency duty team out of hours. Every number and the front door's hours are settings
(`JOINEDUP_CONTACT` in config/settings/base.py):

- `front_door_name`, `front_door_phone`: the front door's duty line; unset, the front-door team's own name and
  number (Team.phone) of the responsible authority (or, with none known, of the one children's services front door);
- `front_door_opens`, `front_door_closes` ("HH:MM", UK time): its hours on a working day (Monday to Friday, not a
  bank holiday in England: `casework.clocks`); unset, the casework clocks' working day (09:00 to 17:00);
- `emergency_duty_team_name`, `emergency_duty_team_phone`: the out-of-hours service.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.conf import settings

from joinedup.accounts.models import AgencyKind, Team
from joinedup.casework.clocks import clocks_from_settings, is_working_day
from joinedup.core.time import utc_now

SETTING = "JOINEDUP_CONTACT"
DEFAULT_FRONT_DOOR_NAME = "the children's services front door"
DEFAULT_EMERGENCY_NAME = "the emergency duty team"
KEYS = frozenset({"front_door_name", "front_door_phone", "front_door_opens", "front_door_closes",
                  "emergency_duty_team_name", "emergency_duty_team_phone"})
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


@dataclass(frozen=True)
class Line:
    """A number to call: whose, the number (may be empty when none is configured), and when it answers."""

    name: str
    phone: str
    hours: str


@dataclass(frozen=True)
class CallLines:
    """The front door and the out-of-hours line, and which of them answers now."""

    front_door: Line
    out_of_hours: Line
    front_door_open: bool

    @property
    def now(self) -> Line:
        return self.front_door if self.front_door_open else self.out_of_hours


def contact_settings() -> dict[str, str]:
    """`JOINEDUP_CONTACT`, checked: unknown keys and hours not written HH:MM (or opening after closing) are refused
    with the setting named (ValueError)."""
    raw = dict(getattr(settings, SETTING, None) or {})
    unknown = set(raw) - KEYS
    if unknown:
        raise ValueError(f"{SETTING}: unknown setting(s) {', '.join(sorted(unknown))}; known: {', '.join(sorted(KEYS))}")
    values = {k: str(raw.get(k) or "").strip() for k in KEYS}
    clocks = clocks_from_settings()
    values["front_door_opens"] = values["front_door_opens"] or clocks.working_day_start
    values["front_door_closes"] = values["front_door_closes"] or clocks.working_day_end
    for key in ("front_door_opens", "front_door_closes"):
        if not _HHMM.match(values[key]):
            raise ValueError(f"{SETTING}[{key!r}]: {values[key]!r} is not a time of day written HH:MM, e.g. 09:00")
    if values["front_door_opens"] >= values["front_door_closes"]:
        raise ValueError(f"{SETTING}: the front door opens at {values['front_door_opens']} but closes at "
                         f"{values['front_door_closes']}; it must open before it closes")
    return values


def _clock(hhmm: str) -> str:
    """"09:00" → "9am", "17:30" → "5:30pm", "12:00" → "midday"."""
    hour, minute = (int(p) for p in hhmm.split(":"))
    if (hour, minute) == (12, 0):
        return "midday"
    suffix = "am" if hour < 12 else "pm"
    hour = hour % 12 or 12
    return f"{hour}{f':{minute:02d}' if minute else ''}{suffix}"


def front_door_is_open(at: dt.datetime, values: dict[str, str] | None = None) -> bool:
    """Whether the front door answers at this moment: a working day, between its opening and closing (UK time)."""
    values = values or contact_settings()
    local = at.astimezone(clocks_from_settings().tz)
    now = f"{local:%H:%M}"
    return is_working_day(local.date()) and values["front_door_opens"] <= now < values["front_door_closes"]


def _front_door_team(agency_id) -> Team | None:
    teams = Team.objects.filter(is_front_door=True, is_active=True, agency__kind=AgencyKind.CHILDRENS_SOCIAL_CARE)
    if agency_id is not None:
        teams = teams.filter(agency_id=agency_id)
    return teams.exclude(phone="").order_by("name").first() or teams.order_by("name").first()


def call_lines(*, agency_id=None, at: dt.datetime | None = None) -> CallLines:
    """The lines a partner is given: the front door of the responsible authority (`agency_id`; None: the one children's
    services front door there is) and the emergency duty team, and which answers at `at` (now by default)."""
    values = contact_settings()
    team = _front_door_team(agency_id) if not (values["front_door_name"] and values["front_door_phone"]) else None
    hours = (f"Monday to Friday, {_clock(values['front_door_opens'])} to {_clock(values['front_door_closes'])}, "
             "except bank holidays")
    front = Line(values["front_door_name"] or (team.name if team else DEFAULT_FRONT_DOOR_NAME),
                 values["front_door_phone"] or (team.phone if team else ""), hours)
    emergency = Line(values["emergency_duty_team_name"] or DEFAULT_EMERGENCY_NAME,
                     values["emergency_duty_team_phone"], "Evenings, nights, weekends and bank holidays")
    return CallLines(front, emergency, front_door_is_open(at or utc_now(), values))
