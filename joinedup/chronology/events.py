"""A chronology entry (`Event`) and how one is made from an agency record. Pure: no database.

The selectors build events from stored records; the alert rules, the export and the alert benchmark
build them from the same function, so a rule sees exactly what a practitioner sees.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from joinedup.chronology.kinds import kind_info
from joinedup.core import labels

UTC = dt.UTC

# Detail keys that are shown on their own line or are plumbing, not part of the summary.
_NOT_SUMMARISED = {"code", "text", "injury", "injuries", "author_role", "author",
                   "sensitivity",  # the agency's marker of a field group (access.policy), not what happened
                   # plumbing ids that tie records together, not what happened
                   "case_id", "session_id", "meeting_id", "contact_id", "strategy_id", "minutes_version"}
# Detail keys that are protected (a looked-after child's placement postcode): never in an event's detail or
# summary, so never in a chronology, a grid, an export or an alert; kept apart in `Event.protected` for the
# casework fold, whose screens show them only to those entitled.
PROTECTED_DETAIL_KEYS = frozenset({"placement_postcode", "placement_urn"})  # urn: issue 17, names the home


@dataclass(frozen=True)
class Injury:
    site: str
    description: str
    explanation: str
    explained_by: str = ""  # who explained it, by relationship or role ("mother", "accompanying adult"), never a name
    severity: str = ""
    pattern: str = ""
    site_code: str = ""  # SNOMED CT body-structure concept id, when the agency sent one (rules read it first)
    # "given", "not_given", "not_asked" as sent; a record without it: "given" when an explanation was written, else ""
    explanation_status: str = ""


@dataclass
class Event:
    """One thing an agency recorded about a person, as the chronology shows it."""

    record_pk: int | None
    agency_code: str
    agency_name: str
    agency_kind: str
    source_record_id: str
    version: int
    kind: str
    occurred_at: dt.datetime  # a day-only record is placed at midnight UTC of its day
    occurred_on: dt.date
    recorded_at: dt.datetime
    ended_on: dt.date | None = None
    has_time: bool = True
    roles: list[str] = field(default_factory=list)  # the person's role(s) in the record
    author_role: str = ""
    summary: str = ""
    text: str = ""
    injury: Injury | None = None  # the record's (first) injury
    injuries: tuple[Injury, ...] = ()  # every injury the record carries (`detail.injury`, or `detail.injuries`)
    detail: dict[str, Any] = field(default_factory=dict)
    protected: dict[str, Any] = field(default_factory=dict)  # PROTECTED_DETAIL_KEYS, apart from detail
    person_id: str = ""  # whose event (the child, or a household member in the household view)
    person_label: str = ""
    versions_received: int = 1
    significant: bool = False
    restricted: str = ""  # set for a viewer who may not see a field group (chronology.restriction): the note shown

    @property
    def key(self) -> str:
        return f"{self.agency_code}:{self.source_record_id}"

    @property
    def kind_label(self) -> str:
        return kind_info(self.kind).label

    @property
    def is_injury(self) -> bool:
        return self.injury is not None

    @property
    def is_hospital(self) -> bool:
        return kind_info(self.kind).hospital

    @property
    def is_concern(self) -> bool:
        return kind_info(self.kind).concern or bool(self.detail.get("concern"))

    @property
    def plan(self) -> str:
        return kind_info(self.kind).plan

    @property
    def sort_key(self) -> tuple:
        return (self.occurred_at, self.recorded_at, self.agency_code, self.source_record_id, self.person_id)


def _parse_dt(value: str) -> dt.datetime:
    out = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return out if out.tzinfo else out.replace(tzinfo=UTC)


def _humane(value: object, key: str = "") -> str:
    """A detail value in words, as inside a sentence (`joinedup.core.labels`: codes, dates and yes/no as people write
    them)."""
    return labels.value_text(value, key, in_sentence=True)


def summarise(kind: str, detail: dict[str, Any]) -> str:
    """One line a practitioner would write: the main code, then the facts the agency coded."""
    parts: list[str] = []
    code = detail.get("code")
    if code:
        parts.append(labels.sentence(_humane(code, "code")))
    injuries = detail.get("injuries") if isinstance(detail.get("injuries"), list) else [detail.get("injury")]
    for injury in injuries:
        if isinstance(injury, dict):
            parts.append(f"{injury.get('description', 'injury')} to {injury.get('site', 'unrecorded site')}")
    if kind == "school_attendance" and detail.get("sessions_possible"):
        possible = int(detail["sessions_possible"])
        attended = int(detail.get("sessions_attended") or 0)
        parts.append(f"attended {attended} of {possible} sessions ({round(100 * attended / possible)}%)")
    for key, value in detail.items():
        if key in _NOT_SUMMARISED or value is None or (kind == "school_attendance" and key.startswith("sessions_")):
            continue
        parts.append(f"{labels.field_label(key, inline=True)}: {_humane(value, key)}")
    text = str(detail.get("text") or "").strip()
    if text:
        parts.append(text)
    return "; ".join(parts) or kind_info(kind).label


def _one_injury(raw: dict[str, Any], mentions: list[dict[str, Any]]) -> Injury:
    by = ""
    if raw.get("explained_by"):
        for m in mentions:
            if m.get("mention_id") == raw["explained_by"]:
                by = m.get("relationship_to_subject") or m.get("relationship_label") or _humane(m.get("role") or "")
                break
    explanation = str(raw.get("explanation_given") or "")
    status = str(raw.get("explanation_status") or ("given" if explanation.strip() else ""))
    return Injury(
        site=str(raw.get("site", "")),
        description=str(raw.get("description", "")),
        explanation=explanation,
        explained_by=str(by),
        severity=str(raw.get("severity", "")),
        pattern=str(raw.get("pattern") or ""),
        site_code=str(raw.get("site_code") or ""),
        explanation_status=status,
    )


def _injuries(detail: dict[str, Any], mentions: list[dict[str, Any]]) -> tuple[Injury, ...]:
    """The record's injuries: `detail.injuries` (a list), or `detail.injury` as a list of one."""
    raw = detail.get("injuries")
    items = raw if isinstance(raw, list) else [detail.get("injury")]
    return tuple(_one_injury(i, mentions) for i in items if isinstance(i, dict))


def event_from_payload(
    payload: dict[str, Any],
    *,
    mention_ids: set[str] | frozenset[str] = frozenset(),
    agency_name: str = "",
    agency_kind: str = "",
    record_pk: int | None = None,
    person_id: str = "",
    person_label: str = "",
    versions_received: int = 1,
) -> Event:
    """The event an agency record (its current version) makes for the person it names as `mention_ids`."""
    detail = dict(payload.get("detail") or {})
    protected = {k: detail.pop(k) for k in PROTECTED_DETAIL_KEYS & detail.keys()}
    mentions = payload.get("mentions") or []
    if payload.get("occurred_at"):
        occurred_at, has_time = _parse_dt(payload["occurred_at"]), True
        occurred_on = occurred_at.astimezone(UTC).date()
    else:
        occurred_on = dt.date.fromisoformat(payload["occurred_on"])
        occurred_at, has_time = dt.datetime.combine(occurred_on, dt.time(), tzinfo=UTC), False
    author = detail.get("author_role") or ""
    kind = payload["kind"]
    injuries = _injuries(detail, mentions)
    return Event(
        record_pk=record_pk,
        agency_code=payload["agency_id"],
        agency_name=agency_name or payload["agency_id"],
        agency_kind=agency_kind,
        source_record_id=payload["source_record_id"],
        version=int(payload.get("version", 1)),
        kind=kind,
        occurred_at=occurred_at,
        occurred_on=occurred_on,
        recorded_at=_parse_dt(payload["recorded_at"]),
        ended_on=dt.date.fromisoformat(payload["ended_on"]) if payload.get("ended_on") else None,
        has_time=has_time,
        roles=sorted({m.get("role", "") for m in mentions if m.get("mention_id") in mention_ids}),
        author_role=labels.sentence(labels.value_text(author, "author_role")),  # "social_worker" sent: "Social worker"
        summary=summarise(kind, detail),
        text=str(detail.get("text") or ""),
        injury=injuries[0] if injuries else None,
        injuries=injuries,
        detail=detail,
        protected=protected,
        person_id=person_id,
        person_label=person_label,
        versions_received=versions_received,
    )


@dataclass(frozen=True)
class PlanPeriod:
    """A child protection plan, child in need plan or period looked after, from its record."""

    plan: str  # cp, cin, lac
    start: dt.date
    end: dt.date | None  # None: still open
    detail: str
    event_key: str

    def covers(self, day: dt.date) -> bool:
        return self.start <= day and (self.end is None or day < self.end)


# The roles in which a plan record names the child it is about (casework.projection.CHILD_ROLES, a layer above).
PLAN_CHILD_ROLES = frozenset({"subject", "unborn"})


def plan_periods(events: list[Event]) -> list[PlanPeriod]:
    """Plan and care periods from the child's own plan records (an ended plan carries ended_on): a plan record that
    names the person in another role — a teenage mother named as the parent on her baby's plan — is the baby's
    plan, not hers. (Events built without roles, in rule tests, count as the child's own.)"""
    out = []
    for e in events:
        if e.plan and (not e.roles or PLAN_CHILD_ROLES.intersection(e.roles)):
            key = next((k for k in ("category", "legal_status", "primary_need") if e.detail.get(k)), "")
            detail = _humane(e.detail.get(key) or "", key)  # "(physical abuse)"
            out.append(PlanPeriod(e.plan, e.occurred_on, e.ended_on, detail, e.key))
    return sorted(out, key=lambda p: (p.start, p.plan))
