"""What the fold makes of a child's casework records: contacts, cases (episodes of need, referral to closure)
with their steps, and the statutory clocks. Plain dataclasses, no database; `casework.lifecycle` builds them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from joinedup.casework import codes

UTC = dt.UTC
ENGLAND = ZoneInfo("Europe/London")


def _parse_dt(value: str) -> dt.datetime:
    out = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return out if out.tzinfo else out.replace(tzinfo=UTC)


@dataclass(frozen=True)
class CaseworkRecord:
    """One casework record (its current version) as the fold reads it: a chronology event's facts."""

    key: str  # "<agency code>:<source record id>"
    agency: str
    source_record_id: str
    kind: str
    occurred_at: dt.datetime
    occurred_on: dt.date
    recorded_at: dt.datetime
    ended_on: dt.date | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    versions: int = 1
    version: int = 1
    record_pk: int | None = None

    has_time: bool = True

    @classmethod
    def from_payload(cls, payload: dict[str, Any], *, record_pk: int | None = None, versions: int = 1) -> CaseworkRecord:
        """From a record's current version as stored: what `from_event(chronology.events.event_from_payload(...))`
        makes, without the chronology's summary, roles and injuries, which the fold and the returns never read."""
        agency, srid = payload["agency_id"], payload["source_record_id"]
        if payload.get("occurred_at"):
            occurred_at, has_time = _parse_dt(payload["occurred_at"]), True
            occurred_on = occurred_at.astimezone(ENGLAND).date()
        else:
            occurred_on = dt.date.fromisoformat(payload["occurred_on"])
            occurred_at, has_time = dt.datetime.combine(occurred_on, dt.time(), tzinfo=UTC), False
        ended = payload.get("ended_on")
        return cls(key=f"{agency}:{srid}", agency=agency, source_record_id=srid, kind=payload["kind"],
                   occurred_at=occurred_at, occurred_on=occurred_on, recorded_at=_parse_dt(payload["recorded_at"]),
                   ended_on=dt.date.fromisoformat(ended) if ended else None, detail=dict(payload.get("detail") or {}),
                   versions=versions, version=int(payload.get("version", 1)), record_pk=record_pk, has_time=has_time)

    @classmethod
    def from_event(cls, e) -> CaseworkRecord:
        """From a `chronology.events.Event`. A timed record's day is its day in England (a strategy discussion
        at 00:30 BST is on that day, not the UTC day before), since the clocks count England's working days."""
        occurred_on = e.occurred_at.astimezone(ENGLAND).date() if e.has_time else e.occurred_on
        return cls(key=e.key, agency=e.agency_code, source_record_id=e.source_record_id, kind=e.kind,
                   occurred_at=e.occurred_at, occurred_on=occurred_on, recorded_at=e.recorded_at,
                   ended_on=e.ended_on, detail={**e.detail, **e.protected}, versions=e.versions_received,
                   version=e.version, record_pk=e.record_pk, has_time=e.has_time)


@dataclass
class Clock:
    """One statutory or local clock: what is due, from when, by when, and when it was met."""

    kind: str  # contact_rag, contact_decision, assessment, icpc, core_group, review
    label: str
    source_key: str  # the record that started it
    started_at: dt.datetime
    due_at: dt.datetime
    met_at: dt.datetime | None = None
    stopped_at: dt.datetime | None = None  # no longer needed (the case closed, the plan ended) without being met
    due_on: dt.date | None = None  # for day clocks: due by the end of this day

    def is_open(self) -> bool:
        return self.met_at is None and self.stopped_at is None

    def is_overdue(self, now: dt.datetime) -> bool:
        return self.is_open() and now > self.due_at

    def met_late(self) -> bool:
        return self.met_at is not None and self.met_at > self.due_at


CLOCK_LABELS = {
    "contact_rag": "Contact: RAG timescale",
    "contact_decision": "Contact decision (1 working day)",
    "assessment": "Assessment (45 working days from referral)",
    "icpc": "Initial child protection conference (15 working days from the strategy discussion)",
    "core_group": "First core group (10 working days from the conference)",
    "review": "Review conference",
    "visit": "Statutory visit",
    "revisit": "Accompanied revisit: the child was not seen",
}


@dataclass
class ContactState:
    key: str
    agency: str
    record_pk: int | None
    received_at: dt.datetime
    source_code: str = ""
    raised_by: str = ""
    raised_by_name: str = ""
    text: str = ""
    rag: str = ""
    rag_at: dt.datetime | None = None
    decision: str = ""
    decided_at: dt.datetime | None = None
    decided_by: str = ""
    decision_reason: str = ""
    referrer: str = ""  # the joinedup username of the partner who made it, when made in joinedup
    referrer_agency: str = ""
    referred_as: str = ""  # the child as the referring partner described them
    case_key: str = ""
    revision: int = 1
    version: int = 1
    clocks: list[Clock] = field(default_factory=list)

    @property
    def is_open(self) -> bool:
        return not self.decision

    @property
    def decision_label(self) -> str:
        return codes.label(codes.CONTACT_DECISIONS, self.decision)

    @property
    def source_label(self) -> str:
        return codes.label(codes.REFERRAL_SOURCES, self.source_code)


@dataclass
class Assessment:
    key: str
    started_on: dt.date
    authorised_on: dt.date | None = None
    factors: list[str] = field(default_factory=list)
    outcome: str = ""

    @property
    def is_open(self) -> bool:
        return self.authorised_on is None


@dataclass
class StrategyDiscussion:
    key: str
    held_at: dt.datetime
    held_on: dt.date
    attendees: list[str] = field(default_factory=list)
    decision: str = ""


@dataclass
class Enquiry:
    key: str
    started_on: dt.date
    strategy_key: str = ""
    strategy_on: dt.date | None = None
    completed_on: dt.date | None = None
    outcome: str = ""
    conference_needed: bool | None = None
    icpc_key: str = ""

    @property
    def is_open(self) -> bool:
        return self.completed_on is None

    @property
    def awaits_conference(self) -> bool:
        return self.conference_needed is True and not self.icpc_key


@dataclass
class Conference:
    key: str
    held_on: dt.date
    conference_type: str  # initial, review
    outcome: str = ""
    category: str = ""


@dataclass
class CategoryChange:
    on: dt.date | None
    category: str
    source_key: str

    @property
    def label(self) -> str:
        return codes.label(codes.CATEGORIES, self.category)


@dataclass
class ProtectionPlan:
    key: str
    started_on: dt.date
    ended_on: dt.date | None = None
    conference_key: str = ""
    categories: list[CategoryChange] = field(default_factory=list)
    previous_plans: int = 0
    core_groups: list[dt.date] = field(default_factory=list)
    reviews: list[dt.date] = field(default_factory=list)
    recorded_category: str = ""  # the category the plan record carries (its latest, as the sender has it)

    @property
    def is_open(self) -> bool:
        return self.ended_on is None

    @property
    def initial_category(self) -> str:
        return self.categories[0].category if self.categories else ""

    @property
    def latest_category(self) -> str:
        return self.categories[-1].category if self.categories else ""


@dataclass
class NeedPlan:
    key: str
    started_on: dt.date
    ended_on: dt.date | None = None

    @property
    def is_open(self) -> bool:
        return self.ended_on is None


@dataclass
class CareEpisode:
    """A looked-after episode in the SSDA903 sense: a period with one legal status and one placement."""

    key: str
    started_on: dt.date
    ended_on: dt.date | None = None
    legal_status: str = ""
    reason_new_episode: str = ""
    placement_type: str = ""
    placement_provider: str = ""
    placement_postcode: str = ""  # protected: shown only to those entitled to the placement address
    reason_ended: str = ""
    category_of_need: str = ""

    @property
    def is_open(self) -> bool:
        return self.ended_on is None


@dataclass
class Visit:
    """A social work visit: was the child seen, and seen alone?"""

    key: str
    at: dt.datetime
    on: dt.date
    seen: bool | None
    seen_alone: bool | None = None
    seen_alone_required: bool = False  # the plan requires the child be seen alone (the recording worker says)
    visit_type: str = ""
    accompanied: bool = False

    @property
    def needs_revisit(self) -> bool:
        """Not seen, or not seen alone when the plan requires it: nothing but seeing the child closes it."""
        return self.seen is False or (self.seen is True and self.seen_alone is False and self.seen_alone_required)

    def answers(self, other: Visit) -> bool:
        """Whether this visit closes the revisit `other` opened: the child seen (alone, if that was missing)."""
        if self.at <= other.at or self.seen is not True:
            return False
        return other.seen is False or self.seen_alone is True


@dataclass
class CaseState:
    """One episode of need for one child: from a referral to closure."""

    key: str  # stable: "<agency code>:<case id>", the case id the sender gave or the referral's record id
    agency: str
    case_ref: str
    referral_key: str
    opened_on: dt.date
    referral_record_pk: int | None = None
    source_code: str = ""
    primary_need: str = ""
    route: str = ""  # the front door's decision: assessment or strategy_discussion
    nfa: bool = False
    closed_on: dt.date | None = None
    closure_reason: str = ""
    closure_key: str = ""
    contacts: list[str] = field(default_factory=list)
    assessments: list[Assessment] = field(default_factory=list)
    strategies: list[StrategyDiscussion] = field(default_factory=list)
    enquiries: list[Enquiry] = field(default_factory=list)
    conferences: list[Conference] = field(default_factory=list)
    protection_plans: list[ProtectionPlan] = field(default_factory=list)
    need_plans: list[NeedPlan] = field(default_factory=list)
    episodes: list[CareEpisode] = field(default_factory=list)
    visits: list[Visit] = field(default_factory=list)
    record_keys: list[str] = field(default_factory=list)
    revision: int = 0
    clocks: list[Clock] = field(default_factory=list)

    # --- what is open ------------------------------------------------------------------------------------

    @property
    def is_open(self) -> bool:
        return self.closed_on is None

    def open_assessment(self) -> Assessment | None:
        return next((a for a in self.assessments if a.is_open), None)

    def open_enquiry(self) -> Enquiry | None:
        return next((q for q in self.enquiries if q.is_open), None)

    def open_protection_plan(self) -> ProtectionPlan | None:
        return next((p for p in self.protection_plans if p.is_open), None)

    def open_need_plan(self) -> NeedPlan | None:
        return next((p for p in self.need_plans if p.is_open), None)

    def open_episode(self) -> CareEpisode | None:
        return next((e for e in self.episodes if e.is_open), None)

    def enquiry_awaiting_conference(self) -> Enquiry | None:
        return next((q for q in self.enquiries if q.awaits_conference), None)

    @property
    def last_seen_on(self) -> dt.date | None:
        return max((v.on for v in self.visits if v.seen), default=None)

    def latest_plan(self) -> ProtectionPlan | None:
        return self.protection_plans[-1] if self.protection_plans else None

    @property
    def stage(self) -> str:
        """Where the case is, in the words a team would use."""
        if not self.is_open:
            return "Closed"
        if self.open_episode():
            return "Looked after"
        if self.open_protection_plan():
            return "Child protection plan"
        if self.enquiry_awaiting_conference():
            return "Initial conference to hold"
        if self.open_enquiry():
            return "Section 47 enquiry"
        if self.open_need_plan():
            return "Child in need plan"
        if self.open_assessment():
            return "Assessment"
        if self.route == "strategy_discussion" and not self.strategies:
            return "Strategy discussion to hold"
        if self.nfa:
            return "Referral: no further action"
        return "Referral"

    def open_clocks(self) -> list[Clock]:
        return sorted((c for c in self.clocks if c.is_open()), key=lambda c: c.due_at)

    def next_deadline(self) -> Clock | None:
        clocks = self.open_clocks()
        return clocks[0] if clocks else None
