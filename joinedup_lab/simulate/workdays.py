"""Working days and working hours in England, for the simulator's own timetables.

Days are ordinals and times are minutes after midnight UTC, as everywhere in the simulator. A working day is
Monday to Friday and not an England bank holiday (the `holidays` package); working hours are 09:00–17:00 UK
local time. The simulator computes these itself and never imports the product's clocks: the casework it
writes is what the product's clocks are then measured against.
"""

from __future__ import annotations

from datetime import date, datetime, time
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

UK = ZoneInfo("Europe/London")
OPEN, CLOSE = 9 * 60, 17 * 60  # working hours, UK local minutes
HOURS_PER_DAY = (CLOSE - OPEN) // 60


@lru_cache(maxsize=256)
def _bank_holidays(year: int) -> frozenset[int]:
    return frozenset(d.toordinal() for d in holidays.country_holidays("GB", subdiv="ENG", years=[year]))


@lru_cache(maxsize=65536)
def is_working_day(day: int) -> bool:
    """Monday to Friday and not a bank holiday in England."""
    d = date.fromordinal(day)
    return d.weekday() < 5 and day not in _bank_holidays(d.year)


def on_or_after(day: int) -> int:
    """The first working day on or after a day."""
    while not is_working_day(day):
        day += 1
    return day


def on_or_before(day: int) -> int:
    """The last working day on or before a day."""
    while not is_working_day(day):
        day -= 1
    return day


def add_working_days(day: int, n: int) -> int:
    """The nth working day after a day (n = 0 gives the day itself)."""
    while n > 0:
        day += 1
        if is_working_day(day):
            n -= 1
    return day


def working_days_between(start: int, end: int) -> int:
    """Working days after start up to and including end."""
    return sum(1 for d in range(start + 1, end + 1) if is_working_day(d))


@lru_cache(maxsize=65536)
def _utc_offset(day: int) -> int:
    """Minutes UK local time is ahead of UTC at noon on a day (0 or 60)."""
    noon = datetime.combine(date.fromordinal(day), time(12), tzinfo=UK)
    off = noon.utcoffset()
    return int(off.total_seconds() // 60) if off is not None else 0


def window(day: int) -> tuple[int, int]:
    """Working hours of a working day as UTC minutes after midnight."""
    off = _utc_offset(day)
    return OPEN - off, CLOSE - off


def add_working_minutes(day: int, minute: int, minutes: int) -> tuple[int, int]:
    """The moment (day, UTC minute) a number of working minutes after a moment."""
    cursor = minute
    while True:
        if is_working_day(day):
            lo, hi = window(day)
            cursor = max(cursor, lo)
            if cursor < hi:
                if minutes <= hi - cursor:
                    return day, cursor + minutes
                minutes -= hi - cursor
        day += 1
        cursor = 0


def working_minutes_between(day: int, minute: int, day2: int, minute2: int) -> int:
    """Working minutes from one moment to a later one (0 if the second is not later)."""
    total = 0
    for d in range(day, day2 + 1):
        if not is_working_day(d):
            continue
        lo, hi = window(d)
        a = max(lo, minute if d == day else 0)
        b = min(hi, minute2 if d == day2 else 1440)
        total += max(0, b - a)
    return total
