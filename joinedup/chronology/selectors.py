"""Reads of a chronology: a person's events from every agency, merged in time order, and their household's.

Events are the current versions of the agency records that name the person (a corrected record shows
once, in its latest version; `record_history` reaches the earlier ones). Callers check the viewer's relationship
first (`casework.relationships.may_view_chronology`); these functions do not re-check it, but what they return is
what the viewer may see: field groups restricted (`chronology.restriction`) and sealed housemates left out
(`access.sealing`).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, OuterRef, Subquery

from joinedup.access.relationships import kept
from joinedup.access.sealing import sealed_for
from joinedup.accounts.models import AgencyKind
from joinedup.chronology.events import PLAN_CHILD_ROLES as _PLAN_CHILD_ROLES
from joinedup.chronology.events import Event, PlanPeriod, event_from_payload, plan_periods
from joinedup.chronology.models import SignificantMark
from joinedup.chronology.restriction import restrict_events, restricted_payload
from joinedup.ingest.models import Mention, SourceRecord, SourceRecordVersion
from joinedup.people.models import Person
from joinedup.people.selectors import person_household, records_naming, remember_records_naming


@dataclass(frozen=True)
class Filters:
    agencies: frozenset[str] = frozenset()  # agency codes; empty = all
    kinds: frozenset[str] = frozenset()  # record kinds; empty = all
    start: dt.date | None = None
    end: dt.date | None = None  # inclusive
    significant_only: bool = False

    def keep(self, e: Event) -> bool:
        return (
            (not self.agencies or e.agency_code in self.agencies)
            and (not self.kinds or e.kind in self.kinds)
            and (self.start is None or e.occurred_on >= self.start)
            and (self.end is None or e.occurred_on <= self.end)
            and (not self.significant_only or e.significant)
        )


@dataclass(frozen=True)
class Movement:
    """Someone arriving at or leaving the child's household (from every agency's sightings)."""

    on: dt.date
    arriving: bool
    label: str
    is_adult: bool | None
    person_id: str
    unknown_to_csc_household: bool


@dataclass(frozen=True)
class Member:
    """A household member whose events the household view adds, and the period they lived with the child."""

    person_id: object  # the Person's UUID
    label: str
    is_adult: bool | None
    start: dt.date
    end: dt.date


@dataclass
class Chronology:
    person: Person
    events: list[Event]  # filtered, time order
    all_events: list[Event]  # unfiltered (the picture and the grid use these)
    plans: list[PlanPeriod]
    agencies: list[tuple[str, str, str]]  # (code, name, kind) of every agency in all_events, by first event
    members: list[Member] = field(default_factory=list)
    movements: list[Movement] = field(default_factory=list)
    household: bool = False

    @property
    def period(self) -> tuple[dt.date, dt.date] | None:
        if not self.all_events:
            return None
        return self.all_events[0].occurred_on, max(e.ended_on or e.occurred_on for e in self.all_events)


def _ids_of(person: Person) -> list:
    """The person and anyone merged into them (marks made before a merge stay with the person); kept for the rest of
    a page that only reads (`access.relationships.remembered`)."""
    return list(kept(("chronology.ids_of", str(person.pk)), lambda: (
        person.pk, *Person.objects.filter(merged_into=person).values_list("pk", flat=True))))


def events_for_people(
    people: dict, *, windows: dict | None = None, exclude_people: Iterable = ()
) -> list[Event]:
    """Events of the given people ({person id: label}), each record once per person, in time order.

    `windows` limits a person's events to days in [start, end] (the household view); records naming any of
    `exclude_people` are left out (the child's own, when adding their housemates'). The payloads are read
    once per record. A person's own records are chosen by a subquery, not a list of ids: a 1,000-id IN list
    took about 7 ms of a 110 ms page to build and bind; a housemate's few days with the child are chosen
    here and named by id.
    """
    if not people:
        return []
    mentions = Mention.objects.filter(link__person_id__in=list(people), withdrawn=False)
    # The records of `exclude_people` are read as ids and left out here: as a NOT IN subquery PostgreSQL read every
    # mention to apply it (27 of a household chronology's 40 ms of queries, 2,000 children).
    # Within a read (`access.relationships.remembered`) a person's records are kept once found: the child's own
    # events find them, and their housemates' events and the adults around them leave them out or start from them.
    excluded = {r for pid in exclude_people for r in records_naming(pid)}
    wanted: dict[tuple[int, object], set[str]] = defaultdict(set)
    if windows is None:
        for record_id, mention_id, person_id in mentions.values_list("record_id", "mention_id", "link__person_id"):
            if record_id not in excluded:
                wanted[(record_id, person_id)].add(mention_id)
        chosen = mentions.values("record_id") if not excluded else sorted({r for r, _ in wanted})
        if not excluded and len(people) == 1:
            remember_records_naming(next(iter(people)), (r for r, _ in wanted))
    else:  # a housemate's days with the child: few records, so chosen here and named by id
        for record_id, mention_id, person_id, day in mentions.values_list(
            "record_id", "mention_id", "link__person_id", "occurred_on"
        ):
            start, end = windows[person_id]
            if start <= day <= end and record_id not in excluded:
                wanted[(record_id, person_id)].add(mention_id)
        chosen = sorted({r for r, _ in wanted})
    if not wanted:
        return []
    # How many versions each record has had, counted beside it (a look-up of the record's own versions by its index)
    # rather than asked again for all of them.
    versions = (SourceRecordVersion.objects.filter(record=OuterRef("pk")).order_by().values("record")
                .annotate(n=Count("id")).values("n"))
    records = {
        pk: (name, kind, payload, n)
        for pk, name, kind, payload, n in SourceRecord.objects.filter(pk__in=chosen).annotate(
            versions_received=Subquery(versions)
        ).values_list("pk", "agency__name", "agency__kind", "current__payload", "versions_received")
    }
    events = []
    for (record_id, person_id), mention_ids in wanted.items():
        name, kind, payload, n = records[record_id]
        events.append(event_from_payload(
            payload, mention_ids=mention_ids, agency_name=name, agency_kind=kind, record_pk=record_id,
            person_id=str(person_id), person_label=people[person_id], versions_received=n or 1,
        ))
    events.sort(key=lambda e: e.sort_key)
    return events


def significant_records(person: Person) -> dict[int, SignificantMark]:
    """Records currently marked significant in the person's chronology, with the mark that did it."""
    latest: dict[int, SignificantMark] = {}
    for mark in SignificantMark.objects.filter(person_id__in=_ids_of(person)).order_by("marked_at", "id"):
        latest[mark.record_id] = mark
    return {rid: m for rid, m in latest.items() if m.significant}


def _last_day(last_seen: dt.date, presumed_until: dt.date | None) -> dt.date:
    """The last day someone is taken to live at an address: the day before they were seen elsewhere."""
    if presumed_until is None or presumed_until <= last_seen:
        return last_seen
    return presumed_until - dt.timedelta(days=1)


def household_members(person: Person) -> tuple[list[Member], list[Movement]]:
    """Who lived with the person when (from the household spells), and their arrivals and departures."""
    members: list[Member] = []
    movements: list[Movement] = []
    for spell in person_household(person=person):
        ep = spell.episode
        for mate in spell.housemates:
            if mate.person is None:
                continue
            start = max(ep.first_seen_on, mate.first_seen_on)
            end = min(_last_day(ep.last_seen_on, ep.presumed_until), _last_day(mate.last_seen_on, mate.presumed_until))
            if end < start:
                continue
            members.append(Member(mate.person.pk, mate.label, mate.is_adult, start, end))
            # Arrivals and departures inside the child's time at the address (not the child's own moves).
            if mate.first_seen_on > ep.first_seen_on:
                movements.append(Movement(mate.first_seen_on, True, mate.label, mate.is_adult, str(mate.person.pk),
                                          mate.unknown_to_csc_household))
            left = mate.presumed_until or mate.last_seen_on
            if left < ep.presumed_until:
                movements.append(Movement(left, False, mate.label, mate.is_adult, str(mate.person.pk),
                                          mate.unknown_to_csc_household))
    movements.sort(key=lambda m: (m.on, not m.arriving, m.label))
    return members, movements


def chronology_for(*, person: Person, viewer, household: bool = False, filters: Filters | None = None) -> Chronology:
    """The person's chronology as the viewer may see it (and, with `household`, their housemates' events while
    living with them; a housemate sealed for the viewer is left out, with their arrivals and departures)."""
    filters = filters or Filters()
    own = events_for_people({person.pk: person.display_name})
    members, movements = household_members(person)
    sealed = sealed_for(viewer, {m.person_id for m in members} | {m.person_id for m in movements})
    if sealed:
        members = [m for m in members if m.person_id not in sealed]
        movements = [m for m in movements if m.person_id not in {str(s) for s in sealed}]
    events = list(own)
    if household and members:
        windows: dict = {}
        labels: dict = {}
        for m in members:
            pid = m.person_id
            start, end = windows.get(pid, (m.start, m.end))
            windows[pid] = (min(start, m.start), max(end, m.end))
            labels[pid] = m.label
        events.extend(events_for_people(labels, windows=windows, exclude_people=[person.pk]))
        events.sort(key=lambda e: e.sort_key)
    plans = plan_periods(own)
    events = restrict_events(events, viewer=viewer)
    marks = significant_records(person)
    for e in events:
        e.significant = e.record_pk in marks
    agencies: dict[str, tuple[str, str, str]] = {}
    for e in events:
        agencies.setdefault(e.agency_code, (e.agency_code, e.agency_name, e.agency_kind))
    return Chronology(
        person=person,
        events=[e for e in events if filters.keep(e)],
        all_events=events,
        plans=plans,
        agencies=list(agencies.values()),
        members=members,
        movements=movements,
        household=household,
    )


@dataclass(frozen=True)
class VersionView:
    sequence: int
    version: int
    received_at: dt.datetime
    received_via: str
    payload: dict
    current: bool


def record_history(*, record_pk: int, viewer) -> tuple[SourceRecord | None, list[VersionView]]:
    """A record and every version received, newest first (corrections keep their history), as the viewer may see
    them: field groups they may not see restricted, protected detail and protected addresses left out
    (`restriction.restricted_payload`)."""
    record = SourceRecord.objects.select_related("agency").filter(pk=record_pk).first()
    if record is None:
        return None, []
    code = record.agency.code
    sealed = _sealed_mentions(record_pk, viewer)
    versions = [
        VersionView(v.sequence, v.version, v.received_at, v.received_via,
                    _without_sealed(restricted_payload(v.payload, viewer=viewer, agency_code=code), sealed),
                    v.pk == record.current_id)
        for v in SourceRecordVersion.objects.filter(record=record).order_by("-sequence")
    ]
    return record, versions


SEALED_MENTION = "Restricted: a sealed record"
_IDENTIFYING = ("given_name", "family_name", "other_names", "dob", "nhs_number", "local_person_id", "upn", "address",
                "sex", "age", "dob_estimated")


def _sealed_mentions(record_pk: int, viewer) -> set[str]:
    """The record's mentions (their ids in the payload) of people sealed for this viewer."""
    from joinedup.access.sealing import sealed_for

    linked = dict(Mention.objects.filter(record_id=record_pk, link__person__isnull=False)
                  .values_list("mention_id", "link__person_id"))
    if not linked:
        return set()
    sealed = sealed_for(viewer, set(linked.values()))
    return {mid for mid, pid in linked.items() if pid in sealed}


def _without_sealed(payload: dict, sealed: set[str]) -> dict:
    """A payload with every identifying field of a sealed person's mention replaced (the record names them)."""
    if not sealed or not isinstance(payload.get("mentions"), list):
        return payload
    mentions = []
    for m in payload["mentions"]:
        if isinstance(m, dict) and m.get("mention_id") in sealed:
            m = {**{k: v for k, v in m.items() if k not in _IDENTIFYING}, "given_name": SEALED_MENTION}
        mentions.append(m)
    return {**payload, "mentions": mentions}


def source_record(*, record_pk: int) -> SourceRecord | None:
    """A record by its key, for a write about it; the caller has checked it is in a chronology the viewer may see."""
    return SourceRecord.objects.filter(pk=record_pk).first()


def record_names_person(*, record_pk: int, person: Person) -> bool:
    return Mention.objects.filter(record_id=record_pk, link__person_id__in=_ids_of(person)).exists()


PLAN_CHILD_ROLES = tuple(sorted(_PLAN_CHILD_ROLES))  # the roles in which a plan record names its child


@dataclass(frozen=True)
class ChildStatus:
    """What a partner agency needs at the door: is the child on a plan or looked after, and who holds the case."""

    on_cp_plan: bool
    cp_category: str
    cp_since: dt.date | None
    looked_after: bool
    looked_after_since: dt.date | None
    child_in_need: bool
    responsible_agency_code: str
    responsible_agency_name: str


def child_status(*, person: Person, on: dt.date) -> ChildStatus:
    """From children's social care's plan records naming the person as the child (their current versions): a parent
    or carer named on their child's plan is not on it themselves."""
    rows = Mention.objects.filter(
        link__person_id__in=_ids_of(person), withdrawn=False, role__in=PLAN_CHILD_ROLES,
        record__kind__in=["cp_plan", "looked_after_episode", "cin_plan"],
        record__agency__kind=AgencyKind.CHILDRENS_SOCIAL_CARE,
        record__occurred_on__lte=on,
    ).values_list("record__kind", "record__occurred_on", "record__ended_on", "record__agency__code",
                  "record__agency__name", "record__current__payload")
    cp = lac = cin = None
    agency = ("", "")
    latest_any: dt.date | None = None
    rows = list(rows)
    # Looked-after episodes (SSDA903: a new one at each change of placement or legal status) follow on from
    # each other: the child has been looked after since the first of the unbroken run that reaches today.
    episodes = {(start, end) for kind, start, end, *_ in rows if kind == "looked_after_episode"}
    for kind, start, end, code, name, payload in rows:
        if end is not None and end <= on:
            continue
        if kind == "cp_plan" and (cp is None or start > cp[0]):
            cp = (start, str((payload.get("detail") or {}).get("category", "")).replace("_", " "))
        elif kind == "looked_after_episode":
            since = start
            while (earlier := min((s for s, e in episodes if e == since), default=None)) is not None:
                since = earlier
            lac = since if lac is None else min(lac, since)
        elif kind == "cin_plan":
            cin = start
        if latest_any is None or start > latest_any:
            latest_any, agency = start, (code, name)
    return ChildStatus(
        on_cp_plan=cp is not None, cp_category=cp[1] if cp else "", cp_since=cp[0] if cp else None,
        looked_after=lac is not None, looked_after_since=lac, child_in_need=cin is not None,
        responsible_agency_code=agency[0], responsible_agency_name=agency[1],
    )
