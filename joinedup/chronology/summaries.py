"""Summaries of a chronology's events. Pure: no database.

`who_knew_what` counts each agency's contacts, injuries and concerns month by month (the "who knew what,
when" grid); `injury_explanations` sets every explanation given for an injury side by side and flags one
that differs from an explanation given for the same person's injuries in the months before.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from joinedup.chronology.events import Event

EXPLANATION_WINDOW_DAYS = 183  # about six months


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


@dataclass
class Counts:
    """What one agency (or all of them) recorded in one month (or in total)."""

    contacts: int = 0  # every event counts as a contact
    injuries: int = 0
    concerns: int = 0
    hospital: int = 0

    def add(self, e: Event) -> None:
        self.contacts += 1
        self.injuries += e.is_injury
        self.concerns += e.is_concern
        self.hospital += e.is_hospital

    def __iadd__(self, other: Counts) -> Counts:
        self.contacts += other.contacts
        self.injuries += other.injuries
        self.concerns += other.concerns
        self.hospital += other.hospital
        return self

    @property
    def level(self) -> int:
        """Shade 0-4 by the number of contacts (fixed steps, so two children's grids read alike)."""
        n = self.contacts
        return 0 if n == 0 else 1 if n == 1 else 2 if n <= 3 else 3 if n <= 7 else 4

    @property
    def description(self) -> str:
        """The cell in words ("5 contacts, 1 injury, 2 concerns"); empty when nothing was recorded."""
        if not self.contacts:
            return ""
        parts = [_plural(self.contacts, "contact")]
        if self.injuries:
            parts.append(_plural(self.injuries, "injury", "injuries"))
        if self.concerns:
            parts.append(_plural(self.concerns, "concern"))
        return ", ".join(parts)


@dataclass(frozen=True)
class Column:
    start: dt.date  # first day of the month
    label: str  # "January 2024"
    short: str  # "Jan"
    show_year: bool  # the first column and every January show the year under the month


@dataclass
class GridRow:
    agency_code: str
    agency_name: str
    agency_kind: str
    cells: list[Counts]
    total: Counts


@dataclass
class Grid:
    columns: list[Column]
    rows: list[GridRow]  # agencies in the order of their first event
    totals: list[Counts]  # per column, over all agencies
    total: Counts
    months_in_all: int = 0  # from the first event's month to the last's, whatever the period shown
    earlier: int = 0  # events before the period shown (a grid of the latest months)

    @property
    def is_empty(self) -> bool:
        return not self.rows

    @property
    def period_label(self) -> str:
        if not self.columns:
            return ""
        first, last = self.columns[0].label, self.columns[-1].label
        return first if first == last else f"{first} to {last}"


def _month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _next_month(day: dt.date) -> dt.date:
    return dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _months_back(month: dt.date, n: int) -> dt.date:
    """The first day of the month `n` months before `month`."""
    index = month.year * 12 + month.month - 1 - n
    return dt.date(index // 12, index % 12 + 1, 1)


def who_knew_what(events: Iterable[Event], *, months: int | None = None) -> Grid:
    """Agencies × months from the first event's month to the last's, with counts per cell and totals.

    `months`: only the latest that many months of the record (ending with the month of its newest event, not
    today: a record that stopped years ago still shows its last months); `earlier` counts the events before them.
    """
    if months is not None and months < 1:
        raise ValueError("months: give 1 or more, or None for every month.")
    events = sorted(events, key=lambda e: e.sort_key)
    if not events:
        return Grid(columns=[], rows=[], totals=[], total=Counts())
    first = _month(min(e.occurred_on for e in events))
    last = _month(max(e.occurred_on for e in events))
    months_in_all = (last.year - first.year) * 12 + last.month - first.month + 1
    earlier = 0
    if months is not None and months < months_in_all:
        first = _months_back(last, months - 1)
        kept = [e for e in events if e.occurred_on >= first]
        earlier = len(events) - len(kept)
        events = kept
    columns: list[Column] = []
    index: dict[dt.date, int] = {}
    month = first
    while month <= last:
        index[month] = len(columns)
        columns.append(Column(month, f"{month:%B %Y}", f"{month:%b}", not columns or month.month == 1))
        month = _next_month(month)
    rows: dict[str, GridRow] = {}
    for e in events:
        row = rows.get(e.agency_code)
        if row is None:
            row = rows[e.agency_code] = GridRow(e.agency_code, e.agency_name, e.agency_kind,
                                                [Counts() for _ in columns], Counts())
        row.cells[index[_month(e.occurred_on)]].add(e)
        row.total.add(e)
    totals = [Counts() for _ in columns]
    total = Counts()
    for row in rows.values():
        for i, cell in enumerate(row.cells):
            totals[i] += cell
        total += row.total
    return Grid(columns=columns, rows=list(rows.values()), totals=totals, total=total, months_in_all=months_in_all,
                earlier=earlier)


@dataclass(frozen=True)
class EarlierExplanation:
    """An explanation given for an earlier injury (to the same person) that differs from this one's."""

    occurred_on: dt.date
    agency_name: str
    explanation: str
    explained_by: str
    site: str
    same_site: bool


@dataclass
class InjuryRow:
    """One recorded injury with the explanation given, and whether it differs from the months before."""

    record_pk: int | None
    key: str
    occurred_on: dt.date
    occurred_at: dt.datetime
    has_time: bool
    agency_code: str
    agency_name: str
    author_role: str
    site: str
    description: str
    severity: str
    explanation: str
    explained_by: str
    person_id: str
    person_label: str
    kind_label: str
    # Each different explanation given in the window before, once (its latest telling), newest first.
    earlier: list[EarlierExplanation] = field(default_factory=list)

    @property
    def differs(self) -> bool:
        """The explanation differs from one given for this person's injuries in the window before."""
        return bool(self.earlier)

    @property
    def unexplained(self) -> bool:
        return not self.explanation.strip()


def _normalised(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower()).split())


def injury_explanations(events: Iterable[Event], *, window_days: int = EXPLANATION_WINDOW_DAYS) -> list[InjuryRow]:
    """Every injury in time order; each lists the different explanations given within `window_days` before it.

    Injuries are compared only with the same person's (a household view holds several people's). An injury
    with no explanation is not compared (it is shown as unexplained).
    """
    rows: list[InjuryRow] = []
    by_person: dict[str, list[InjuryRow]] = {}
    window = dt.timedelta(days=window_days)
    for e in sorted(events, key=lambda e: e.sort_key):
        for inj in e.injuries:
            row = InjuryRow(
                record_pk=e.record_pk, key=e.key, occurred_on=e.occurred_on, occurred_at=e.occurred_at,
                has_time=e.has_time, agency_code=e.agency_code, agency_name=e.agency_name, author_role=e.author_role,
                site=inj.site, description=inj.description, severity=inj.severity, explanation=inj.explanation,
                explained_by=inj.explained_by, person_id=e.person_id, person_label=e.person_label,
                kind_label=e.kind_label,
            )
            mine = _normalised(row.explanation)
            before = by_person.setdefault(e.person_id, [])
            if mine:
                shown = {mine}
                for prior in reversed(before):
                    if row.occurred_on - prior.occurred_on > window:
                        break
                    theirs = _normalised(prior.explanation)
                    if theirs and theirs not in shown:  # each different explanation once, its latest telling
                        shown.add(theirs)
                        row.earlier.append(EarlierExplanation(
                            prior.occurred_on, prior.agency_name, prior.explanation, prior.explained_by, prior.site,
                            _normalised(prior.site) == _normalised(row.site),
                        ))
            before.append(row)
            rows.append(row)
    return rows
