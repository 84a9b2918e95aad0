"""A child as the rules see them, built from the database: the same events a practitioner's chronology shows.

`child_context(person, at)` gathers the child's own events (every agency), who lived with them and when
(every agency's sightings at their addresses, with children's social care's knowledge of each adult),
the housemates' events while they lived with the child, the child's plans, and the adults recorded
alongside the child elsewhere. Only what had been received by `at` is kept (`ChildContext.as_of`).
"""

from __future__ import annotations

import datetime as dt
import uuid

from joinedup.alerts.rules.base import ChildContext, HouseholdMember
from joinedup.chronology.events import plan_periods
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


def household_of(person: Person) -> list[HouseholdMember]:
    """Everyone seen living at the child's addresses while the child lived there (from every agency)."""
    members: list[HouseholdMember] = []
    for spell in person_household(person=person):
        ep = spell.episode
        for mate in spell.housemates:
            start = max(ep.first_seen_on, mate.first_seen_on)
            end = min(ep.presumed_until, mate.presumed_until or mate.last_seen_on)
            if end < start:
                continue
            if mate.person is not None:
                pid = str(mate.person.pk)
            else:  # an adult recorded only by a description ("Mum's boyfriend"), nobody identified
                pid = f"unidentified:{ep.address_key}:{mate.first_seen_on.isoformat()}:{mate.label}"
            members.append(HouseholdMember(
                person_id=pid, label=mate.label, is_adult=mate.is_adult, start=start, end=end,
                in_csc_household_record=mate.in_csc_household_record, known_to_csc=mate.known_to_csc,
                agencies=tuple(mate.agency_names),
            ))
    members.sort(key=lambda m: (m.start, m.label))
    return members


def companions_of(person: Person) -> list[HouseholdMember]:
    """Adults other agencies recorded with the child in the same record (wherever they lived on paper)."""
    return [
        HouseholdMember(
            person_id=str(c.person.pk), label=c.person.display_name, is_adult=True, start=c.first_on, end=c.last_on,
            in_csc_household_record=c.in_csc_household_record, known_to_csc=c.known_to_csc,
            agencies=tuple(c.agency_names),
        )
        for c in person_companions(person=person)
    ]


def child_context(person: Person, at: dt.datetime | None = None) -> ChildContext:
    """The child as joinedup knows them (as received by `at`, when given)."""
    own = events_for_people({person.pk: person.display_name})
    household = household_of(person)
    windows: dict = {}
    labels: dict = {}
    for m in household:
        if m.person_id.startswith("unidentified:"):
            continue
        pid = uuid.UUID(m.person_id)  # events_for_people keys people by their UUID
        start, end = windows.get(pid, (m.start, m.end))
        windows[pid] = (min(start, m.start), max(end, m.end))
        labels[pid] = m.label
    household_events = (
        events_for_people(labels, windows=windows, exclude_people=[person.pk]) if labels else []
    )
    ctx = ChildContext(
        person_id=str(person.pk),
        dob=person.dob,
        sex=person.sex,
        events=own,
        household=household,
        household_events=household_events,
        plans=plan_periods(own),
        companions=companions_of(person),
    )
    return ctx.as_of(at) if at is not None else ctx
