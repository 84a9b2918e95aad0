"""Statutory and local clocks: working days in England (bank holidays from the `holidays` library), working
hours, and the timescales casework runs to. Pure: the parameters come in a `Clocks`, built from settings.

- A **working day** is Monday to Friday and not a bank holiday in England and Wales (Christmas, Boxing Day,
  Good Friday, Easter Monday, the May and August holidays, and their substitute days).
- **Day clocks** (assessment 45, initial conference 15, core group 10 working days) run from a date: the
  step is due by the end of the Nth working day after it.
- The **contact decision** clock runs in working hours: one working day is one working day's hours
  (09:00–17:00 by default, UK local time), so a contact received at 10:00 on a Monday is due at 10:00 on
  Tuesday, one received at 16:00 on Christmas Eve is due at 16:00 on the next working day after Boxing Day.
- **RAG clocks** are elapsed hours (a red contact cannot wait for a weekend).
- Review conferences: the first within 3 months of the initial conference, then every 6 months (calendar).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import holidays
from dateutil.relativedelta import relativedelta

DEFAULTS: dict[str, Any] = {
    "timezone": "Europe/London",
    "working_day_start": "09:00",
    "working_day_end": "17:00",
    "rag_hours": {"red": 4, "amber": 24, "green": 72},
    "decision_working_days": 1,
    "assessment_working_days": 45,
    "icpc_working_days": 15,
    "core_group_working_days": 10,
    "first_review_months": 3,
    "review_months": 6,
    # Visits (issue 13): child protection plan every 10 working days (local); looked after within a week of a
    # placement, then at most every 6 weeks in its first year, then every 3 months (Care Planning Regulations
    # 2010, reg. 28); a child not seen (or not seen alone when the plan requires it): an accompanied revisit
    # within one working day on a child protection plan, five otherwise (local).
    "cp_visit_working_days": 10,
    "cin_visit_days": 42,  # a child in need plan: local policy (0: no clock)
    "lac_first_visit_days": 7,
    "lac_visit_days_first_year": 42,
    "lac_visit_months_later": 3,
    "revisit_working_days_cp": 1,
    "revisit_working_days": 5,
}


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> frozenset[dt.date]:
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=[year]).keys())


def is_working_day(day: dt.date) -> bool:
    """Monday to Friday, and not a bank holiday in England."""
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def add_working_days(day: dt.date, n: int) -> dt.date:
    """The Nth working day after `day` (n ≥ 0; 0 gives `day` itself)."""
    if n < 0:
        raise ValueError("n: count forwards only")
    while n:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            n -= 1
    return day


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after `start` up to and including `end` (negative when `end` is earlier)."""
    if end < start:
        return -working_days_between(end, start)
    count, day = 0, start
    while day < end:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            count += 1
    return count


def _hm(value: str) -> dt.time:
    hours, minutes = value.split(":")
    return dt.time(int(hours), int(minutes))


@dataclass(frozen=True)
class Clocks:
    """The timescales in force (settings: JOINEDUP_CASEWORK_CLOCKS)."""

    timezone: str = DEFAULTS["timezone"]
    working_day_start: str = DEFAULTS["working_day_start"]
    working_day_end: str = DEFAULTS["working_day_end"]
    rag_hours: dict[str, float] = field(default_factory=lambda: dict(DEFAULTS["rag_hours"]))
    decision_working_days: int = DEFAULTS["decision_working_days"]
    assessment_working_days: int = DEFAULTS["assessment_working_days"]
    icpc_working_days: int = DEFAULTS["icpc_working_days"]
    core_group_working_days: int = DEFAULTS["core_group_working_days"]
    first_review_months: int = DEFAULTS["first_review_months"]
    review_months: int = DEFAULTS["review_months"]
    cp_visit_working_days: int = DEFAULTS["cp_visit_working_days"]
    cin_visit_days: int = DEFAULTS["cin_visit_days"]
    lac_first_visit_days: int = DEFAULTS["lac_first_visit_days"]
    lac_visit_days_first_year: int = DEFAULTS["lac_visit_days_first_year"]
    lac_visit_months_later: int = DEFAULTS["lac_visit_months_later"]
    revisit_working_days_cp: int = DEFAULTS["revisit_working_days_cp"]
    revisit_working_days: int = DEFAULTS["revisit_working_days"]

    def __hash__(self) -> int:
        return hash(tuple(sorted((k, str(v)) for k, v in self.__dict__.items())))

    @classmethod
    def from_mapping(cls, values: dict[str, Any] | None) -> Clocks:
        merged = {**DEFAULTS, **(values or {})}
        merged["rag_hours"] = {**DEFAULTS["rag_hours"], **(values or {}).get("rag_hours", {})}
        unknown = set(merged) - set(DEFAULTS)
        if unknown:
            raise ValueError(f"JOINEDUP_CASEWORK_CLOCKS: unknown setting(s) {', '.join(sorted(unknown))}")
        return cls(**merged)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def hours_per_working_day(self) -> float:
        start, end = _hm(self.working_day_start), _hm(self.working_day_end)
        return (end.hour * 60 + end.minute - start.hour * 60 - start.minute) / 60

    # --- working time ------------------------------------------------------------------------------------

    def _window(self, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
        tz = self.tz
        return (dt.datetime.combine(day, _hm(self.working_day_start), tzinfo=tz),
                dt.datetime.combine(day, _hm(self.working_day_end), tzinfo=tz))

    def add_working_hours(self, at: dt.datetime, hours: float) -> dt.datetime:
        """The moment `hours` working hours after `at` (time outside working hours does not count)."""
        remaining = dt.timedelta(hours=hours)
        local = at.astimezone(self.tz)
        day = local.date()
        cursor = local
        while True:
            if is_working_day(day):
                open_at, close_at = self._window(day)
                cursor = max(cursor, open_at)
                if cursor < close_at:
                    available = close_at - cursor
                    if remaining <= available:
                        return (cursor + remaining).astimezone(dt.UTC)
                    remaining -= available
            day += dt.timedelta(days=1)
            cursor = dt.datetime.combine(day, dt.time(), tzinfo=self.tz)

    def working_hours_between(self, start: dt.datetime, end: dt.datetime) -> float:
        """Working hours from `start` to `end` (negative when `end` is earlier)."""
        if end < start:
            return -self.working_hours_between(end, start)
        total = dt.timedelta()
        a, b = start.astimezone(self.tz), end.astimezone(self.tz)
        day = a.date()
        while day <= b.date():
            if is_working_day(day):
                open_at, close_at = self._window(day)
                lo, hi = max(a, open_at), min(b, close_at)
                if hi > lo:
                    total += hi - lo
            day += dt.timedelta(days=1)
        return total.total_seconds() / 3600

    # --- the clocks ------------------------------------------------------------------------------------------

    def rag_due(self, received_at: dt.datetime, rag: str) -> dt.datetime | None:
        hours = self.rag_hours.get(rag)
        return None if hours is None else received_at + dt.timedelta(hours=float(hours))

    def decision_due(self, received_at: dt.datetime) -> dt.datetime:
        return self.add_working_hours(received_at, self.decision_working_days * self.hours_per_working_day)

    def assessment_due(self, referral_on: dt.date) -> dt.date:
        return add_working_days(referral_on, self.assessment_working_days)

    def icpc_due(self, strategy_on: dt.date) -> dt.date:
        return add_working_days(strategy_on, self.icpc_working_days)

    def core_group_due(self, icpc_on: dt.date) -> dt.date:
        return add_working_days(icpc_on, self.core_group_working_days)

    def cp_visit_due(self, last_on: dt.date) -> dt.date:
        return add_working_days(last_on, self.cp_visit_working_days)

    def cin_visit_due(self, last_on: dt.date) -> dt.date:
        return last_on + dt.timedelta(days=self.cin_visit_days)

    def lac_visit_due(self, placed_on: dt.date, last_on: dt.date | None) -> dt.date:
        """Within a week of the placement, then every 6 weeks in its first year, then every 3 months."""
        if last_on is None:
            return placed_on + dt.timedelta(days=self.lac_first_visit_days)
        if last_on < placed_on + relativedelta(years=1):
            return last_on + dt.timedelta(days=self.lac_visit_days_first_year)
        return last_on + relativedelta(months=self.lac_visit_months_later)

    def revisit_due(self, visited_at: dt.datetime, *, on_protection_plan: bool) -> dt.datetime:
        days = self.revisit_working_days_cp if on_protection_plan else self.revisit_working_days
        return self.add_working_hours(visited_at, days * self.hours_per_working_day)

    def review_due(self, icpc_on: dt.date, last_review_on: dt.date | None) -> dt.date:
        if last_review_on is None:
            return icpc_on + relativedelta(months=self.first_review_months)
        return last_review_on + relativedelta(months=self.review_months)


def clocks_from_settings() -> Clocks:
    """The clocks this deployment runs to."""
    from django.conf import settings

    return Clocks.from_mapping(getattr(settings, "JOINEDUP_CASEWORK_CLOCKS", None))


def end_of_day(day: dt.date, clocks: Clocks) -> dt.datetime:
    """The last moment of a day, UK local time, in UTC: a step due on a day is late after this."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=clocks.tz).astimezone(dt.UTC) - \
        dt.timedelta(microseconds=1)


def describe_hours(hours: float) -> str:
    """'3 h 20 min', '45 min'."""
    minutes = round(abs(hours) * 60)
    h, m = divmod(minutes, 60)
    if h and m:
        return f"{h} h {m} min"
    return f"{h} h" if h else f"{m} min"
