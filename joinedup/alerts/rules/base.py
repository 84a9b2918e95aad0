"""The shape of a rule and of what it sees. Pure: no database, no clock (the time is an argument).

A rule looks at a `ChildContext` as it stood at time `at` (only records received by then) and returns
one `Finding` (with the exact evidence and a sentence a practitioner would use) or None. One open alert
per rule per child: the finding replaces the alert's evidence and sentence as new evidence arrives.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from joinedup.chronology.events import Event, PlanPeriod

# Kinds of rule (docs/alerts.md).
CONSIDER = "consider"
SUSPECT = "suspect"
ESCALATE = "escalate"
PROCESS_FAILURE = "process_failure"
CONTEXT_ONLY = "context_only"
# Where a rule's alerts go (`Rule.route`; `alerts.routing.route_for`, docs/alerts-operations.md "Routing").
ROUTE_USUAL = ""  # the allocated worker, else the responsible authority's front door; process failures copy the manager
ROUTE_MANAGER_TOO = "manager_too"  # as usual, and the holding team's manager told whatever the rule's kind (R21)
ROUTE_HEAD_OF_SERVICE = "head_of_service"  # the responsible authority's head of service (R23)
KIND_LABELS = {
    CONSIDER: "Consider",
    SUSPECT: "Suspect maltreatment",
    ESCALATE: "Escalate",
    PROCESS_FAILURE: "Process failure",
    CONTEXT_ONLY: "Context only",
}


@dataclass(frozen=True)
class HouseholdMember:
    """Someone who lived with the child for a period (every agency's sightings at the child's address)."""

    person_id: str
    label: str
    is_adult: bool | None
    start: dt.date
    end: dt.date
    in_csc_household_record: bool = False  # named in children's social care's records of this child
    known_to_csc: bool = False  # named in any children's social care record
    agencies: tuple[str, ...] = ()


@dataclass
class ChildContext:
    """A child as joinedup knows them at one moment: their events, household and plans."""

    person_id: str
    dob: dt.date | None
    sex: str = ""
    events: list[Event] = field(default_factory=list)  # the child's own, time order
    household: list[HouseholdMember] = field(default_factory=list)
    household_events: list[Event] = field(default_factory=list)  # housemates' events while living with the child
    plans: list[PlanPeriod] = field(default_factory=list)
    companions: list[HouseholdMember] = field(default_factory=list)  # adults recorded with the child elsewhere
    # What rules derive from the events and share (the casework fold, `rules.casework`): each entry is kept with
    # the key it was made from, so a changed context is never answered from it. Not copied by `as_of`.
    memo: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    def as_of(self, at: dt.datetime) -> ChildContext:
        """Only what had been received by `at` (replays and scheduled runs use this): records received by then,
        and housemates and companions first seen by that day (an adult who moved in later is not yet in the
        household). What the store cannot date is kept as it stands now: a member's presumed end, and whether
        children's social care knows them."""
        from joinedup.chronology.events import plan_periods

        events = [e for e in self.events if e.recorded_at <= at]
        day = at.date()
        return replace(
            self,
            events=events,
            household=[m for m in self.household if m.start <= day],
            household_events=[e for e in self.household_events if e.recorded_at <= at],
            plans=plan_periods(events),
            companions=[c for c in self.companions if c.start <= day],
        )

    def age_days(self, on: dt.date) -> int | None:
        return None if self.dob is None else (on - self.dob).days

    def plan_on(self, day: dt.date, kinds: tuple[str, ...] = ("cp",)) -> PlanPeriod | None:
        for p in self.plans:
            if p.plan in kinds and p.covers(day):
                return p
        return None


@dataclass(frozen=True)
class Finding:
    """Why a rule fires for this child now: the sentence and the exact records (event keys)."""

    rule_id: str
    sentence: str
    evidence: tuple[str, ...]  # Event.key of each record ("<agency code>:<source record id>")
    severity: str = "standard"  # "standard" or "raised" (context factors present)
    context_factors: tuple[str, ...] = ()
    due_at: dt.datetime | None = None  # for process failures: when the missing step fell due
    # What the finding is about, when not every record it cites is news: R5 the adults.
    # Empty: the records it cites. An open alert is updated (shown again, "new evidence") only when it is about
    # something it was not about before, or its severity rises; otherwise it is brought up to date quietly.
    about: tuple[str, ...] = ()

    @property
    def subjects(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.about or self.evidence))


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    explanation: str  # plain English, for the alert page and docs/alerts.md
    evidence: str  # the citation
    kind: str
    params: dict[str, Any]
    evaluate: Callable[[ChildContext, dt.datetime, dict[str, Any]], Finding | None]
    time_based: bool = False  # also evaluated on the schedule, not only when a record arrives
    route: str = ROUTE_USUAL  # where its alerts go besides the usual (ROUTE_*)
    # What the rule reads, as the agency record format names it (docs/formats/README.md): `kind:<kind>`,
    # `detail.<key>[.<key>]`, `mentions.<field>`; a test checks each is documented there.
    inputs: tuple[str, ...] = ()

    def __call__(self, ctx: ChildContext, at: dt.datetime) -> Finding | None:
        return self.evaluate(ctx, at, self.params)
