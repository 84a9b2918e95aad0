"""What a meeting's minutes are made of, as entered (screens or API) and checked before anything is written: the
draft document (attendees, items, decisions, positions) with every problem named by its field, in the same
dotted form as the API's errors (`items[0].decisions[1].positions[2].reason`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from joinedup.casework.clocks import clocks_from_settings
from joinedup.casework.services.recording import now
from joinedup.practice.models import Stance

TEXT_LIMIT = 4000
DISCUSSION_LIMIT = 20000
NAME_LIMIT = 200  # a meeting's title and chair; an attendee's name, agency and role
ITEM_TITLE_LIMIT = 300
MAX_ATTENDEES = 60
MAX_ITEMS = 60
MAX_DECISIONS = 30
EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def text(value: Any, name: str, errors: dict[str, str], *, required: str = "", limit: int = TEXT_LIMIT) -> str:
    if value is not None and not isinstance(value, str):
        errors[name] = "This must be text"
        return ""
    out = (value or "").strip()
    if required and not out:
        errors[name] = required
    elif len(out) > limit:
        errors[name] = f"This must be {limit:,} characters or fewer"
    return out


def moment(value: Any, name: str, errors: dict[str, str], *, label: str) -> dt.datetime | None:
    if value in (None, ""):
        errors[name] = f"Enter the date and time {label}"
        return None
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        value = dt.datetime.combine(value, dt.time(12))
    if not isinstance(value, dt.datetime):
        errors[name] = f"Enter the date and time {label} as a real date and time"
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=clocks_from_settings().tz)
    latest = now() + dt.timedelta(days=366)
    if not (EARLIEST <= value <= latest):
        errors[name] = f"The date and time {label} must be between 2000 and a year from now"
        return None
    return value


def flag(value: Any, name: str, errors: dict[str, str], message: str) -> bool | None:
    if isinstance(value, bool):
        return value
    if value in ("yes", "true", "1"):
        return True
    if value in ("no", "false", "0"):
        return False
    errors[name] = message
    return None


@dataclass(frozen=True)
class AttendeeIn:
    name: str
    agency: str
    role: str
    present: bool


@dataclass(frozen=True)
class PositionIn:
    attendee: int
    stance: str
    reason: str


@dataclass(frozen=True)
class DecisionIn:
    text: str
    positions: tuple[PositionIn, ...]


@dataclass(frozen=True)
class ItemIn:
    title: str
    discussion: str
    decisions: tuple[DecisionIn, ...]


def _list(value: Any, name: str, errors: dict[str, str], limit: int, what: str) -> list:
    if value is None:
        return []
    if not isinstance(value, list | tuple):
        errors[name] = f"This must be a list of {what}"
        return []
    if len(value) > limit:
        errors[name] = f"At most {limit} {what}"
        return []
    return list(value)


def _attendees(raw: Any, errors: dict[str, str]) -> list[AttendeeIn]:
    out = []
    for i, a in enumerate(_list(raw, "attendees", errors, MAX_ATTENDEES, "attendees")):
        at = f"attendees[{i}]"
        if not isinstance(a, dict):
            errors[at] = "Each attendee has a name, agency, role and whether they were present"
            continue
        name = text(a.get("name"), f"{at}.name", errors, required="Enter the attendee's name", limit=NAME_LIMIT)
        agency = text(a.get("agency"), f"{at}.agency", errors, required=f"Enter {name or 'the attendee'}'s agency",
                       limit=NAME_LIMIT)
        role = text(a.get("role"), f"{at}.role", errors, required=f"Enter {name or 'the attendee'}'s role",
                    limit=NAME_LIMIT)
        present = True if a.get("present") is None else flag(
            a.get("present"), f"{at}.present", errors, "Select whether they were present or sent apologies")
        out.append(AttendeeIn(name, agency, role, bool(present)))
    return out


def _positions(raw: Any, at: str, attendees: list[AttendeeIn], errors: dict[str, str]) -> tuple[PositionIn, ...]:
    out: list[PositionIn] = []
    seen: set[int] = set()
    for k, p in enumerate(_list(raw, f"{at}.positions", errors, MAX_ATTENDEES, "positions")):
        pat = f"{at}.positions[{k}]"
        if not isinstance(p, dict):
            errors[pat] = "Each position names an attendee, their stance and (for a dissent) the reason"
            continue
        index = p.get("attendee")
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < len(attendees):
            errors[f"{pat}.attendee"] = "Choose one of the meeting's attendees"
            continue
        who = attendees[index].name or "this attendee"
        if index in seen:
            errors[f"{pat}.attendee"] = f"{who}'s position on this decision is already recorded"
            continue
        seen.add(index)
        stance = p.get("stance")
        if stance not in Stance.values:
            errors[f"{pat}.stance"] = f"Select whether {who} agreed, dissented or abstained"
            continue
        reason = text(p.get("reason"), f"{pat}.reason", errors,
                       required=f"Say why {who} dissented: a dissent is recorded with its reason"
                       if stance == Stance.DISSENTED else "")
        out.append(PositionIn(index, stance, reason))
    return tuple(out)


def _items(raw: Any, attendees: list[AttendeeIn], errors: dict[str, str]) -> list[ItemIn]:
    out = []
    for i, item in enumerate(_list(raw, "items", errors, MAX_ITEMS, "items")):
        at = f"items[{i}]"
        if not isinstance(item, dict):
            errors[at] = "Each item has a title, the discussion and its decisions"
            continue
        title = text(item.get("title"), f"{at}.title", errors, required="Enter the item's title", limit=ITEM_TITLE_LIMIT)
        discussion = text(item.get("discussion"), f"{at}.discussion", errors, limit=DISCUSSION_LIMIT)
        decisions = []
        for j, d in enumerate(_list(item.get("decisions"), f"{at}.decisions", errors, MAX_DECISIONS, "decisions")):
            dat = f"{at}.decisions[{j}]"
            if not isinstance(d, dict):
                errors[dat] = "Each decision has its text and where each attendee stood"
                continue
            said = text(d.get("text"), f"{dat}.text", errors, required="Enter what was decided")
            decisions.append(DecisionIn(said, _positions(d.get("positions"), dat, attendees, errors)))
        out.append(ItemIn(title, discussion, tuple(decisions)))
    return out


def day(value: Any, name: str, errors: dict[str, str]) -> dt.date | None:
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        errors[name] = "Enter the deadline as a real date"
        return None
    today = now().astimezone(clocks_from_settings().tz).date()
    if value < today:
        errors[name] = "The deadline must be today or later"
    elif value > today + dt.timedelta(days=366):
        errors[name] = "The deadline must be within a year"
    return value


def document(data: dict[str, Any], errors: dict[str, str]) -> tuple[list[AttendeeIn], list[ItemIn]]:
    """The draft's attendees and items as entered; problems are added to `errors`, each under its field."""
    attendees = _attendees(data.get("attendees"), errors)
    return attendees, _items(data.get("items"), attendees, errors)
