"""A child as the rules see them: the same events a practitioner's chronology shows.

`build_context(store, person_id, at)` gathers the child's own events (every agency), who lived with them and when
(every agency's sightings at their addresses, with children's social care's knowledge of each adult), the
housemates' events while they lived with the child, the child's plans, and the adults recorded alongside the child
elsewhere. Only what had been received by `at` is kept (`ChildContext.as_of`).

It reads through a small storage interface (`ContextStore`): `DatabaseStore` is the product's (the people and
chronology selectors over the database; `child_context(person, at)`), and `joinedup bench alerts` passes its own
in-memory store of the records replayed so far, so that the bench evaluates the context the product builds.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from joinedup.access.relationships import remembered
from joinedup.alerts.rules.base import ChildContext, HouseholdMember
from joinedup.chronology.events import Event, plan_periods
from joinedup.chronology.selectors import events_for_people
from joinedup.people.models import Person
from joinedup.people.selectors import person_companions, person_household

ADULT_AGE = 18


def is_child(person: Person, on: dt.date) -> bool:
    """Under 18 on the day. (Unborn children, with no date of birth yet, are found by `children_among`.)"""
    return person.dob is not None and person.dob > _years_before(on, ADULT_AGE)


def children_among(person_ids, on: dt.date) -> list:
    """The ids of those people who are children on the day: under 18, or unborn (an expected due date)."""
    from joinedup.people.models import MentionLink

    ids = list(person_ids)
    out: list = []
    cutoff = _years_before(on, ADULT_AGE)
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        people = Person.objects.filter(pk__in=chunk, merged_into__isnull=True)
        out.extend(people.filter(dob__gt=cutoff).values_list("pk", flat=True))
        undated = list(people.filter(dob__isnull=True).values_list("pk", flat=True))
        if undated:
            out.extend(MentionLink.objects.filter(person_id__in=undated, mention__expected_due_on__isnull=False)
                       .values_list("person_id", flat=True).distinct())
    return out


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


# --- the storage interface ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonFacts:
    """Who the child is, as the linked records say."""

    person_id: str
    dob: dt.date | None
    sex: str = ""
    label: str = ""


@dataclass
class Mate:
    """Someone seen at the child's address in one spell there (`person_id` None: an adult recorded only by a
    description, nobody identified)."""

    person_id: str | None
    label: str
    is_adult: bool | None
    first_seen_on: dt.date
    last_seen_on: dt.date
    presumed_until: dt.date | None = None
    agency_names: Sequence[str] = ()
    known_to_csc: bool = False
    in_csc_household_record: bool = False


@dataclass
class Spell:
    """One address the child lived at (first seen, presumed until) and everyone seen there meanwhile."""

    address_key: str
    first_seen_on: dt.date
    presumed_until: dt.date
    mates: list[Mate] = field(default_factory=list)


class ContextStore(Protocol):
    """What the context builder reads. People are named by their id as a string."""

    def facts(self, person_id: str) -> PersonFacts: ...

    def events(self, people: dict[str, str], *, windows: dict[str, tuple[dt.date, dt.date]] | None = None,
               exclude_people: Iterable[str] = ()) -> list[Event]:
        """Events of the people ({id: label}) in time order, each record once per person; `windows` keeps a
        person's events on days in [start, end]; records naming any of `exclude_people` are left out."""
        ...

    def household_spells(self, person_id: str) -> list[Spell]: ...

    def companions(self, person_id: str) -> list[HouseholdMember]:
        """Adults other agencies recorded with the child in the same record (wherever they lived on paper)."""
        ...


# --- the builder (the product's and the bench's) -----------------------------------------------------------


def household_members(spells: Iterable[Spell]) -> list[HouseholdMember]:
    """Everyone seen living at the child's addresses while the child lived there, with the days they overlapped."""
    members: list[HouseholdMember] = []
    for spell in spells:
        for mate in spell.mates:
            start = max(spell.first_seen_on, mate.first_seen_on)
            end = min(spell.presumed_until, mate.presumed_until or mate.last_seen_on)
            if end < start:
                continue
            pid = mate.person_id or (
                f"unidentified:{spell.address_key}:{mate.first_seen_on.isoformat()}:{mate.label}")
            members.append(HouseholdMember(
                person_id=pid, label=mate.label, is_adult=mate.is_adult, start=start, end=end,
                in_csc_household_record=mate.in_csc_household_record, known_to_csc=mate.known_to_csc,
                agencies=tuple(mate.agency_names),
            ))
    members.sort(key=lambda m: (m.start, m.label))
    return members


def build_context(store: ContextStore, person_id: str, at: dt.datetime | None = None) -> ChildContext:
    """The child as `store` knows them (as received by `at`, when given)."""
    facts = store.facts(person_id)
    own = store.events({person_id: facts.label})
    household = household_members(store.household_spells(person_id))
    windows: dict[str, tuple[dt.date, dt.date]] = {}
    labels: dict[str, str] = {}
    for m in household:
        if m.person_id.startswith("unidentified:"):
            continue
        start, end = windows.get(m.person_id, (m.start, m.end))
        windows[m.person_id] = (min(start, m.start), max(end, m.end))
        labels[m.person_id] = m.label
    household_events = store.events(labels, windows=windows, exclude_people=[person_id]) if labels else []
    ctx = ChildContext(
        person_id=person_id,
        dob=facts.dob,
        sex=facts.sex,
        events=own,
        household=household,
        household_events=household_events,
        plans=plan_periods(own),
        companions=store.companions(person_id),
    )
    return ctx.as_of(at) if at is not None else ctx


# --- the database --------------------------------------------------------------------------------------------


class DatabaseStore:
    """The product's store: the people and chronology selectors over the database (`person` may be passed to
    save reading the child again)."""

    def __init__(self, person: Person | None = None):
        self._people: dict[str, Person] = {str(person.pk): person} if person is not None else {}

    def _person(self, person_id: str) -> Person:
        if person_id not in self._people:
            self._people[person_id] = Person.objects.get(pk=person_id)
        return self._people[person_id]

    def facts(self, person_id: str) -> PersonFacts:
        p = self._person(person_id)
        return PersonFacts(str(p.pk), p.dob, p.sex, p.display_name)

    def events(self, people: dict[str, str], *, windows: dict[str, tuple[dt.date, dt.date]] | None = None,
               exclude_people: Iterable[str] = ()) -> list[Event]:
        # events_for_people keys people by their UUID
        return events_for_people(
            {uuid.UUID(pid): label for pid, label in people.items()},
            windows=None if windows is None else {uuid.UUID(pid): w for pid, w in windows.items()},
            exclude_people=[uuid.UUID(pid) for pid in exclude_people],
        )

    def household_spells(self, person_id: str) -> list[Spell]:
        return [
            Spell(spell.episode.address_key, spell.episode.first_seen_on, spell.episode.presumed_until, [
                Mate(str(mate.person.pk) if mate.person is not None else None, mate.label, mate.is_adult,
                     mate.first_seen_on, mate.last_seen_on, mate.presumed_until, tuple(mate.agency_names),
                     mate.known_to_csc, mate.in_csc_household_record)
                for mate in spell.housemates
            ])
            for spell in person_household(person=self._person(person_id))
        ]

    def companions(self, person_id: str) -> list[HouseholdMember]:
        return [
            HouseholdMember(
                person_id=str(c.person.pk), label=c.person.display_name, is_adult=True, start=c.first_on,
                end=c.last_on, in_csc_household_record=c.in_csc_household_record, known_to_csc=c.known_to_csc,
                agencies=tuple(c.agency_names),
            )
            for c in person_companions(person=self._person(person_id))
        ]


def child_context(person: Person, at: dt.datetime | None = None) -> ChildContext:
    """The child as joinedup knows them (as received by `at`, when given): `build_context` over the database.

    It only reads, so the selectors keep what they found for the rest of it (`access.relationships.remembered`): the
    child's records, children's social care's household and who is known to it are each asked once, not once for the
    household and again for the adults around the child."""
    with remembered():  # or within the read already in force
        return build_context(DatabaseStore(person), str(person.pk), at)
