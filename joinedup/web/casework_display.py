"""How casework's clocks and codes read on the screens: time left on each clock (elapsed hours for a RAG
rating, working hours for the one-working-day decision, working days for the statutory day clocks), tags and
labels. Formatting only: what is due and when comes from the fold and the projection."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils import timezone

from joinedup.casework import codes
from joinedup.casework.clocks import Clocks, clocks_from_settings, describe_hours, working_days_between
from joinedup.casework.state import Clock

RAG_TAGS = {"red": "govuk-tag--red", "amber": "govuk-tag--orange", "green": "govuk-tag--green"}


def rag_tag(rag: str) -> tuple[str, str]:
    """(label, tag class) of a rating; unrated contacts are grey."""
    return (codes.RAG_RATINGS.get(rag, "Not rated"), RAG_TAGS.get(rag, "govuk-tag--grey"))


def rag_hint() -> str:
    """'Decide a red contact within 4 hours, amber within 24, green within 72.'"""
    hours = clocks_from_settings().rag_hours
    return (f"Decide a red contact within {hours['red']:g} hours, amber within {hours['amber']:g}, green within "
            f"{hours['green']:g}.")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def elapsed(hours: float) -> str:
    """'3 h 20 min'; past two days, in days and hours."""
    hours = abs(hours)
    if hours >= 48:
        days, rest = divmod(hours, 24)
        return _plural(int(days), "day") + (f" {int(rest)} h" if int(rest) else "")
    return describe_hours(hours)


def elapsed_left(now: dt.datetime, due: dt.datetime) -> str:
    hours = (due - now).total_seconds() / 3600
    return f"{elapsed(hours)} left" if hours >= 0 else f"Overdue by {elapsed(hours)}"


def working(hours: float, clocks: Clocks) -> str:
    """'5 h 10 min of working time', '1 working day 2 h'."""
    hours = abs(hours)
    per_day = clocks.hours_per_working_day
    if hours >= per_day:
        days, rest = divmod(hours, per_day)
        rest_text = f" {describe_hours(rest)}" if round(rest * 60) else ""
        return _plural(int(days), "working day") + rest_text
    return f"{describe_hours(hours)} of working time"


def working_left(now: dt.datetime, due: dt.datetime, clocks: Clocks) -> str:
    hours = clocks.working_hours_between(now, due)
    if due >= now:
        return f"{working(hours, clocks)} left"
    return f"Overdue by {working(hours, clocks)}" if round(abs(hours) * 60) else "Overdue (out of hours)"


def days_left(today: dt.date, due_on: dt.date, *, overdue: bool) -> str:
    if overdue:
        return f"Overdue by {_plural(max(1, working_days_between(due_on, today)), 'working day')}"
    left = working_days_between(today, due_on)
    return "Due today" if left <= 0 else f"{_plural(left, 'working day')} left"


@dataclass(frozen=True)
class ClockRow:
    """One clock as a row of a table: what, started, due, and where it stands."""

    label: str
    started_at: dt.datetime
    due_at: dt.datetime
    due_on: dt.date | None
    status: str
    tag: str
    tag_class: str
    overdue: bool


def clock_row(clock: Clock, *, now: dt.datetime, clocks: Clocks) -> ClockRow:
    local = timezone.localtime
    if clock.met_at is not None:
        late = clock.met_late()
        when = f"{local(clock.met_at):%-d %B %Y}" if clock.due_on else f"{local(clock.met_at):%-d %B %Y %H:%M}"
        return ClockRow(clock.label, clock.started_at, clock.due_at, clock.due_on, f"on {when}",
                        "Met late" if late else "Met", "govuk-tag--orange" if late else "govuk-tag--green", False)
    if clock.stopped_at is not None:
        return ClockRow(clock.label, clock.started_at, clock.due_at, clock.due_on,
                        f"No longer needed from {local(clock.stopped_at):%-d %B %Y}", "Stopped", "govuk-tag--grey",
                        False)
    overdue = clock.is_overdue(now)
    if clock.due_on is not None:
        status = days_left(local(now).date(), clock.due_on, overdue=overdue)
    elif clock.kind == "contact_decision":
        status = working_left(now, clock.due_at, clocks)
    else:
        status = elapsed_left(now, clock.due_at)
    return ClockRow(clock.label, clock.started_at, clock.due_at, clock.due_on, status,
                    "Overdue" if overdue else "Open", "govuk-tag--red" if overdue else "govuk-tag--blue", overdue)


def clock_rows(clocks_: Iterable[Clock], *, now: dt.datetime | None = None) -> list[ClockRow]:
    clocks = clocks_from_settings()
    now = now or timezone.now()
    return [clock_row(c, now=now, clocks=clocks) for c in clocks_]


@dataclass(frozen=True)
class QueueRow:
    """A contact in the front-door queue with the time left on its clocks."""

    contact: object  # casework.models.Contact, with its person
    source: str
    rag_label: str
    rag_class: str
    rag_time: str
    decision_time: str
    overdue: bool


def queue_rows(contacts: Iterable, *, now: dt.datetime) -> list[QueueRow]:
    """From the projection's rows (no further queries)."""
    clocks = clocks_from_settings()
    rows = []
    for c in contacts:
        label, css = rag_tag(c.rag)
        source = codes.label(codes.REFERRAL_SOURCES, c.source_code) or codes.label(codes.RAISED_BY, c.raised_by)
        rows.append(QueueRow(
            contact=c, source=source, rag_label=label, rag_class=css,
            rag_time=elapsed_left(now, c.rag_due_at) if c.rag_due_at else "",
            decision_time=working_left(now, c.decision_due_at, clocks),
            overdue=bool(c.next_due_at and c.next_due_at < now),
        ))
    return rows


def next_deadline(clock: Clock | None, *, now: dt.datetime | None = None) -> ClockRow | None:
    return None if clock is None else clock_row(clock, now=now or timezone.now(), clocks=clocks_from_settings())


@dataclass(frozen=True)
class HoldingRow:
    agency: str
    kind: str
    records: int
    first_on: dt.date
    last_on: dt.date
    kinds: tuple[str, ...]


def holding_rows(holdings: Iterable) -> list[HoldingRow]:
    """What each agency holds on the child, with the agency's kind in words."""
    from joinedup.accounts.models import AgencyKind

    labels = dict(AgencyKind.choices)
    return [HoldingRow(h.agency_name, labels.get(h.agency_kind, h.agency_kind), h.records, h.first_on, h.last_on,
                       h.kinds) for h in holdings]
