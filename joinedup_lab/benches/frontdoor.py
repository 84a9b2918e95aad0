"""`joinedup bench frontdoor`: server time of the front-door queue with 2,000 open contacts in a 70,000-child
authority (issue 12: p95 ≤ 150 ms on SQLite and PostgreSQL).

What is loaded (default size; everything scales with `children` except the open contacts, exactly
`open_contacts`). The data is made here (no simulator: casework sits below it), from `seed`, relative to now:

- **People.** 70,000 children in about 36,000 families (one to four children, a mother and, in half of them,
  a second adult): about 124,000 `Person` rows. Their display fields, counts and search text are written
  with the rows, as `people.services.persons_refresh` makes them from their links (which would add 2 to 4
  minutes a database: 1–2 ms a person, mostly in Django's `bulk_update`); the bench then runs
  `persons_refresh` on 300 of them and stops if it changes anything.
- **Other agencies' records.** About 4 records a child and 1.5 an adult from 28 agencies (10 GP practices,
  14 schools, community health, the hospital, police, housing): GP registrations and consultations, health
  visits for the under-fives, school enrolments and attendance, A&E attendances, police incidents, housing
  applications; about 380,000 records naming people 490,000 times, each mention linked on the agency's
  own person id (`LinkMethod.SAME_SOURCE_ID`: the link is certain, so no model is trained). The simulator's
  1.9 million records are not needed by a queue that reads the casework projection; these make the person,
  record and mention tables the size an authority's are, and give each child the agencies the queue counts.
- **Casework** of the authority's children's social care agency, stored as ADR 0008 has it: about 21,000
  contacts decided over the past year (version 1 as received and rated, version 2 with the decision), about
  3,100 of them referrals opening a case that follows the statutory path (assessment, strategy discussion,
  section 47 enquiry, initial conference, child protection plan with core group and reviews, child in need
  plan, looked-after episodes, closure; what the dates put after now has not happened yet); about 1,000
  cases opened in earlier years and still open (looked after, on a plan, child in need), which leaves about
  450 children on a child protection plan, 590 looked after and 970 on a child in need plan; and the
  `open_contacts` contacts with no decision, received over the last five working days (45% on the latest),
  red, amber, green or not rated yet. Those past their decision or RAG deadline are overdue: how many
  depends on the day and hour the bench runs (at a weekend, nearly all rated red or amber). About 64,000
  record versions, stored with `ingest.services.records_ingest(via="file")` as a case system's feed is;
  each child's mention is linked to the child directly (`LinkMethod.RECORDED`), and
  `casework.projection.casework_project` makes the Contact, Case and CaseClock rows the queue reads. The
  bench stops if the fold could not place a record (a casework issue).

Then a front-door worker of that authority is signed in with Django's test client, the process is settled
as a server worker is (`core.runtime.settle_after_load`), and GET `/front-door/` (the first page of the
queue) is timed `samples` times after 3 warm-ups: p50 and p95 of the wall time of each request (middleware,
session, view, queries, audit row, template). The page must answer 200, state the number of open contacts
made, and list first the contact whose clock runs out first, worked out here from the records made (the
decision and RAG clocks of `casework.clocks`), not read back from the projection; otherwise the bench
stops. Ten more requests are made with every statement timed (queries, BEGIN and COMMIT), to say how many
there are and how long they take.

For each database a fresh subprocess with DATABASE_URL set migrates an empty database and runs
`joinedup bench frontdoor --here` (SQLite: a file under var/; PostgreSQL: `--postgres-url` or a throwaway
cluster, as `joinedup bench chronology` does). The build takes 2 to 3 minutes a database at the default size.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gzip
import html
import logging
import random
import re
import statistics
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, TextIO

from joinedup_lab.benchkit import on_each_database, static_from_apps, time_gets
from joinedup_lab.benchkit import say as _say

SCHEMA = "joinedup.agency-record/1"
URL = "/front-door/"
PERSON_NAMESPACE = uuid.UUID("0b7c6f0e-3a55-4a56-9d7e-2f1f3b8a6c41")

CSC = ("bench-childrens-services", "Bench Children's Services", "childrens_social_care")
COMMUNITY_HEALTH = ("bench-community-health", "Bench Community Health Services", "community_health")
HOSPITAL = ("bench-hospital", "Bench General Hospital", "acute_hospital")
POLICE = ("bench-police", "Bench Constabulary", "police")
HOUSING = ("bench-housing-options", "Bench Housing Options", "housing_authority")
GPS = [(f"bench-surgery-{i:02d}", f"{name} Surgery", "gp_practice") for i, name in enumerate(
    ("Abbey Road", "Beacon Hill", "Castle Street", "Dale View", "Elm Tree", "Fairfield", "Grange Park", "Highfield",
     "Ivy Lane", "Jubilee"))]
PRIMARIES = [(f"bench-primary-{i:02d}", f"{name} Primary School", "school") for i, name in enumerate(
    ("Ashgrove", "Brookside", "Church Lane", "Dovecote", "Eastfield", "Foxhill", "Greenway", "Hollybush", "Kingsway",
     "Lindley"))]
SECONDARIES = [(f"bench-secondary-{i:02d}", f"{name} Academy", "school") for i, name in enumerate(
    ("Benchley", "Northgate", "Riverside", "Westmoor"))]
AGENCIES = [CSC, COMMUNITY_HEALTH, HOSPITAL, POLICE, HOUSING, *GPS, *PRIMARIES, *SECONDARIES]

GIRLS = ("Olivia", "Amelia", "Isla", "Ava", "Mia", "Ivy", "Lily", "Isabella", "Rosie", "Sophia", "Grace", "Willow",
         "Freya", "Florence", "Emily", "Ella", "Poppy", "Evie", "Elsie", "Charlotte", "Evelyn", "Sienna", "Daisy",
         "Phoebe", "Sofia", "Alice", "Harper", "Matilda", "Ruby", "Emilia", "Maya", "Millie", "Aisha", "Zara", "Layla",
         "Hannah", "Chloe", "Jessica", "Megan", "Leah", "Amber", "Paige", "Jade", "Holly", "Niamh", "Erin", "Keira")
BOYS = ("Noah", "Oliver", "George", "Arthur", "Muhammad", "Leo", "Harry", "Oscar", "Archie", "Henry", "Theodore",
        "Freddie", "Jack", "Charlie", "Theo", "Alfie", "Jacob", "Thomas", "Finley", "Arlo", "Lucas", "Tommy", "Isaac",
        "Teddy", "Alexander", "Reuben", "Ethan", "Mason", "Logan", "Riley", "Joshua", "Kai", "Tyler", "Callum",
        "Jayden", "Harvey", "Dylan", "Liam", "Connor", "Kyle", "Ryan", "Aaron", "Jamie", "Lewis", "Owen")
WOMEN = ("Sarah", "Emma", "Laura", "Gemma", "Kelly", "Lisa", "Claire", "Nicola", "Rebecca", "Samantha", "Amy",
         "Stacey", "Danielle", "Natalie", "Kirsty", "Leanne", "Hayley", "Jodie", "Zoe", "Fatima", "Shannon",
         "Chantelle")
MEN = ("David", "James", "Daniel", "Michael", "Christopher", "Mark", "Paul", "Lee", "Craig", "Darren", "Dean",
       "Wayne", "Jason", "Stuart", "Scott", "Shane", "Gary", "Imran", "Adam", "Carl", "Ricky", "Jordan")
FAMILIES = ("Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel", "Robinson",
            "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Thomas", "Clarke", "Jackson",
            "Wood", "Harris", "Edwards", "Turner", "Martin", "Cooper", "Hill", "Ward", "Hughes", "Moore", "Clark",
            "King", "Harrison", "Lewis", "Baker", "Lee", "Allen", "Morris", "Khan", "Scott", "Watson", "Davis",
            "Parker", "James", "Bennett", "Young", "Phillips", "Richardson", "Mitchell", "Bailey", "Carter", "Cook",
            "Singh", "Shaw", "Bell", "Collins", "Morgan", "Kelly", "Begum", "Miller", "Cox", "Hussain", "Marshall",
            "Simpson", "Price", "Anderson", "Adams", "Wilkinson", "Ali", "Ahmed", "Foster", "Ellis", "Murphy",
            "Chapman", "Mason", "Gray", "Richards", "Webb", "Griffiths", "Hunt", "Palmer", "Campbell", "Holmes",
            "Mills", "Rogers", "Barnes", "Knight", "Matthews", "Barker", "Powell", "Stevens", "Kaur", "Fisher",
            "Butler", "Dixon", "Russell", "Harvey", "Pearson", "Graham", "Castellane", "Okafor", "Nowak", "Kowalski",
            "Mensah", "Osei", "Achterberg", "Brennan", "Doherty", "Fairbairn", "Gallagher", "Hendry", "Iqbal",
            "Jankowski", "Kerrigan", "Lomax", "McAllister", "Nuttall", "Oduya", "Pemberton", "Quigley", "Rahman",
            "Sutcliffe", "Thornber", "Ulyatt", "Varley", "Whitworth", "Yardley")
STREETS = ("Wharf Cottages", "Mill Lane", "Station Road", "Church Street", "Park Avenue", "Victoria Road",
           "Queens Road", "Albert Street", "Canal Side", "Oak Drive", "Beech Grove", "Chapel Street", "Moor Lane",
           "Hill Top", "Willow Close", "Granby Road", "Ashfield Crescent", "Bridge Street", "Rose Terrace",
           "Spring Gardens")

# Who raises contacts: (raised_by, CIN source code, who (for raised_by_name), what they said, weight).
SOURCES: list[tuple[str, str, str, tuple[str, ...], int]] = [
    ("agency", "6", "Police constable, Bench Constabulary", (
        "Officers called to a loud argument between the adults; the children were awake in the next room.",
        "An adult in the household was arrested at the address with the children present.",
        "Young person reported missing overnight and found the next morning."), 27),
    ("agency", "2A", "Designated safeguarding lead, school", (
        "Pupil told a teaching assistant there is often nothing to eat at home in the evenings.",
        "Pupil arrived with a mark on the cheek and gave two different accounts of it.",
        "Attendance has dropped sharply this term and the family is not answering calls."), 19),
    ("agency", "3A", "GP, Bench surgery", (
        "GP worried about a parent's low mood and ability to manage the children.",
        "Several appointments for the baby not attended and the parent cannot be reached."), 5),
    ("agency", "3B", "Health visitor, Bench Community Health Services", (
        "Home cold and cluttered at the review; baby's sleeping arrangements not safe.",
        "Baby's growth has dropped across two centiles and the clinic follow-up was missed."), 5),
    ("agency", "3E", "Emergency department nurse, Bench General Hospital", (
        "Child seen in the emergency department after a fall; the account changed during the visit.",
        "Young person attended after taking a large number of tablets."), 6),
    ("agency", "4", "Housing officer, Bench Housing Options", (
        "Family served notice and sleeping at a relative's; the children share one mattress.",), 3),
    ("agency", "5D", "Early help worker, Bench Family Support", (
        "Early help plan not progressing; the parent has stopped engaging.",), 6),
    ("agency", "5B", "Youth justice worker, Bench Council", (
        "Young person found carrying cash and two phones; possible criminal exploitation.",), 3),
    ("relative", "1A", "", ("Grandmother says the children are left alone in the evenings.",), 8),
    ("neighbour", "1B", "", ("Neighbour hears shouting most nights and a child crying for long periods.",), 5),
    ("anonymous", "9", "", ("Anonymous caller worried that the children look thin and unkempt.",), 4),
    ("child", "1C", "", ("Young person rang to say they do not feel safe going home.",), 2),
    ("other", "1D", "", ("Sports coach noticed bruising on the child's arms at training.",), 2),
]
DECISIONS = [("no_further_action", 34), ("advice", 24), ("early_help", 25), ("assessment", 12),
             ("strategy_discussion", 5)]
CATEGORIES = [("neglect", 50), ("emotional_abuse", 35), ("physical_abuse", 8), ("sexual_abuse", 4), ("multiple", 3)]
NEEDS = [("N1", 55), ("N2", 8), ("N3", 5), ("N4", 10), ("N5", 12), ("N6", 2), ("N7", 1), ("N8", 4), ("N9", 3)]
FACTORS = ("3A", "3B", "4B", "16A", "2B", "1B", "17A", "10A", "24A", "11A")

# Volumes per 70,000 children (scaled by the size asked for).
DECIDED_CONTACTS = 20_000  # contacts decided over the past year
LEGACY = {"looked_after": 470, "cp_plan": 100, "cin_plan": 400}  # cases opened in earlier years, still open
OPEN_DAYS = (45, 25, 12, 10, 8)  # share of the open contacts received on each of the last five working days


def _pick(rng: random.Random, table: list[tuple[Any, int]]):
    return rng.choices([v for v, _ in table], weights=[w for _, w in table])[0]


def _nhs_number(rng: random.Random) -> str:
    while True:
        digits = [rng.randrange(10) for _ in range(9)]
        check = 11 - sum(d * (10 - i) for i, d in enumerate(digits)) % 11
        if check == 11:
            check = 0
        if check != 10:
            return "".join(map(str, digits)) + str(check)


def _z(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def person_uuid(seed: int, n: int) -> uuid.UUID:
    return uuid.uuid5(PERSON_NAMESPACE, f"{seed}:{n}")


@dataclass
class Family:
    address: dict[str, Any]
    gp: str
    adults: list[int]
    children: list[int]


@dataclass
class Population:
    """Everyone in the authority, by number: names, dates of birth, sex, NHS number, whether a child."""

    given: list[str] = field(default_factory=list)
    family: list[str] = field(default_factory=list)
    dob: list[dt.date] = field(default_factory=list)
    sex: list[str] = field(default_factory=list)
    nhs: list[str] = field(default_factory=list)
    is_child: list[bool] = field(default_factory=list)
    family_of: list[int] = field(default_factory=list)
    families: list[Family] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.given)

    def add(self, given: str, family: str, dob: dt.date, sex: str, child: bool, fam: int, rng: random.Random) -> int:
        self.given.append(given)
        self.family.append(family)
        self.dob.append(dob)
        self.sex.append(sex)
        self.nhs.append(_nhs_number(rng))
        self.is_child.append(child)
        self.family_of.append(fam)
        return len(self.given) - 1

    def children(self) -> list[int]:
        return [n for n, child in enumerate(self.is_child) if child]

    def mother(self, n: int) -> int | None:
        adults = self.families[self.family_of[n]].adults
        return adults[0] if adults else None

    def mention(self, n: int, mid: str, role: str, local: str, *, nhs: bool = False, relationship: str = "") -> dict:
        out = {"mention_id": mid, "role": role, "local_person_id": local, "given_name": self.given[n],
               "family_name": self.family[n], "dob": self.dob[n].isoformat(), "sex": self.sex[n],
               "address": self.families[self.family_of[n]].address}
        if nhs:
            out["nhs_number"] = self.nhs[n]
        if relationship:
            out["relationship_to_subject"] = relationship
        return out


def population(children: int, today: dt.date, rng: random.Random) -> Population:
    """Families until there are `children` children: one to four children, a mother, often a second adult."""
    pop = Population()
    made = 0
    while made < children:
        fam = len(pop.families)
        surname = rng.choice(FAMILIES)
        address = {"lines": [f"{rng.randrange(1, 240)} {rng.choice(STREETS)}", "Benchley"],
                   "postcode": f"BE{rng.randrange(1, 20)} {rng.randrange(1, 10)}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}"
                               f"{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}"}
        family = Family(address=address, gp=rng.choice(GPS)[0], adults=[], children=[])
        pop.families.append(family)
        n_children = min(children - made, rng.choices((1, 2, 3, 4), weights=(40, 35, 17, 8))[0])
        ages = sorted((rng.uniform(0, 18) for _ in range(n_children)), reverse=True)
        eldest = today - dt.timedelta(days=int(ages[0] * 365.25))
        mother_dob = eldest - dt.timedelta(days=rng.randrange(18 * 365, 38 * 365))
        family.adults.append(pop.add(rng.choice(WOMEN), surname, mother_dob, "female", False, fam, rng))
        if rng.random() < 0.5:
            partner_surname = surname if rng.random() < 0.6 else rng.choice(FAMILIES)
            family.adults.append(pop.add(rng.choice(MEN), partner_surname, mother_dob - dt.timedelta(
                days=rng.randrange(-5 * 365, 8 * 365)), "male", False, fam, rng))
        for age in ages:
            sex = rng.choice(("female", "male"))
            given = rng.choice(GIRLS if sex == "female" else BOYS)
            dob = today - dt.timedelta(days=max(1, int(age * 365.25)))
            family.children.append(pop.add(given, surname, dob, sex, True, fam, rng))
        made += n_children
    return pop


# --- universal services' records ------------------------------------------------------------------------------


def _record(agency: str, srid: str, kind: str, mentions: list[dict], detail: dict, *, at: dt.datetime | None = None,
            on: dt.date | None = None, ended_on: dt.date | None = None, recorded_at: dt.datetime,
            source_system: str = "bench") -> dict[str, Any]:
    out: dict[str, Any] = {"schema": SCHEMA, "agency_id": agency, "source_system": source_system,
                           "source_record_id": srid, "version": 1, "kind": kind, "recorded_at": _z(recorded_at),
                           "mentions": mentions, "detail": detail}
    if at is not None:
        out["occurred_at"] = _z(at)
    else:
        out["occurred_on"] = on.isoformat()
    if ended_on is not None:
        out["ended_on"] = ended_on.isoformat()
    return out


def _day_between(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    """A day from `start` to `end`; `end` when `start` is later (a parent who turns 16 after the day the authority is
    made), never a day in the future, which ingest refuses. The draw is the same either way, so nothing else moves."""
    return min(start + dt.timedelta(days=rng.randrange(max(1, (end - start).days + 1))), end)


def _at(day: dt.date, rng: random.Random, first: int = 8, last: int = 19) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(rng.randrange(first, last), rng.randrange(60), rng.randrange(60)),
                               tzinfo=dt.UTC)


def universal_records(pop: Population, today: dt.date, rng: random.Random) -> Iterator[list[dict[str, Any]]]:
    """Each family's records from GP practices, health visiting, schools, the hospital, police and housing."""
    counter = Counter()

    def srid(prefix: str) -> str:
        counter[prefix] += 1
        return f"{prefix}-{counter[prefix]:07d}"

    three_years = today - dt.timedelta(days=3 * 365)
    for family in pop.families:
        out: list[dict[str, Any]] = []
        mother = family.adults[0] if family.adults else None
        gp = family.gp
        for n in family.adults:
            since = max(three_years, pop.dob[n] + dt.timedelta(days=16 * 365))
            day = _day_between(rng, since, today - dt.timedelta(days=1))
            out.append(_record(gp, srid("GPR"), "person_registration", [pop.mention(n, "m1", "patient", f"G-{n}",
                               nhs=True)], {"code": "registration", "author_role": "Practice administrator"}, on=day,
                               recorded_at=_at(day, rng)))
            if rng.random() < 0.5:
                day = _day_between(rng, since, today - dt.timedelta(days=1))
                out.append(_record(gp, srid("GPC"), "consultation", [pop.mention(n, "m1", "patient", f"G-{n}",
                                   nhs=True)], {"code": "consultation", "author_role": "GP"}, on=day,
                                   recorded_at=_at(day, rng)))
        for n in family.children:
            born = pop.dob[n]
            since = max(three_years, born)
            last = today - dt.timedelta(days=1)
            age = (today - born).days / 365.25

            def with_mother(role: str, n=n, mother=mother) -> list[dict]:
                ms = [pop.mention(n, "m1", role, f"G-{n}", nhs=True)]
                if mother is not None and rng.random() < 0.4:
                    ms.append(pop.mention(mother, "m2", "accompanying_adult", f"G-{mother}", nhs=True,
                                          relationship="mother"))
                return ms

            day = _day_between(rng, since, last)
            out.append(_record(gp, srid("GPR"), "person_registration", with_mother("patient"),
                               {"code": "registration", "author_role": "Practice administrator"}, on=day,
                               recorded_at=_at(day, rng)))
            for _ in range(rng.choice((0, 1, 1, 2))):
                day = _day_between(rng, since, last)
                out.append(_record(gp, srid("GPC"), "consultation", with_mother("patient"),
                                   {"code": "consultation", "author_role": "GP"}, on=day, recorded_at=_at(day, rng)))
            if age < 5:
                for _ in range(2):
                    day = _day_between(rng, since, last)
                    ms = [pop.mention(n, "m1", "patient", f"H-{n}", nhs=True)]
                    if mother is not None:
                        ms.append(pop.mention(mother, "m2", "carer", f"H-{mother}", nhs=True, relationship="mother"))
                    out.append(_record(COMMUNITY_HEALTH[0], srid("HV"), "health_visitor_contact", ms,
                                       {"code": "developmental_review", "author_role": "Health visitor"}, on=day,
                                       recorded_at=_at(day, rng)))
            if age >= 4:
                schools = PRIMARIES if age < 11 else SECONDARIES
                school = schools[pop.family_of[n] % len(schools)][0]
                local = f"S-{n}"
                day = _day_between(rng, max(since, today - dt.timedelta(days=2 * 365)), last)
                out.append(_record(school, srid("SE"), "school_enrolment", [pop.mention(n, "m1", "pupil", local)],
                                   {"code": "enrolment", "author_role": "School administrator"}, on=day,
                                   recorded_at=_at(day, rng)))
                day = _day_between(rng, today - dt.timedelta(days=300), last)
                possible = 10 * rng.randrange(4, 7)
                out.append(_record(school, srid("SA"), "school_attendance", [pop.mention(n, "m1", "pupil", local)],
                                   {"code": "attendance", "author_role": "Attendance officer",
                                    "sessions_possible": possible,
                                    "sessions_attended": possible - min(possible, int(rng.expovariate(0.4)))},
                                   on=day, recorded_at=_at(day, rng)))
            if rng.random() < 0.1:
                at = _at(_day_between(rng, since, last), rng, 0, 24)
                out.append(_record(HOSPITAL[0], srid("ED"), "ed_attendance", with_mother("patient"),
                                   {"code": "ed_attendance", "author_role": "Emergency department nurse"}, at=at,
                                   recorded_at=at + dt.timedelta(hours=2)))
        if rng.random() < 0.06 and family.adults:
            at = _at(_day_between(rng, three_years, today - dt.timedelta(days=1)), rng, 0, 24)
            ms = [pop.mention(n, f"m{i + 1}", "victim" if i == 0 else "present", f"P-{n}")
                  for i, n in enumerate([*family.adults, *family.children])]
            out.append(_record(POLICE[0], srid("PI"), "police_incident", ms,
                               {"code": "domestic_incident", "author_role": "Police officer",
                                "text": "Officers attended a report of a disturbance at the address."},
                               at=at, recorded_at=at + dt.timedelta(hours=5)))
        if rng.random() < 0.04 and family.adults:
            day = _day_between(rng, three_years, today - dt.timedelta(days=1))
            ms = [pop.mention(n, f"m{i + 1}", "household_member", f"HO-{n}")
                  for i, n in enumerate([*family.adults, *family.children])]
            out.append(_record(HOUSING[0], srid("HA"), "housing_application", ms,
                               {"code": "homelessness_application", "author_role": "Housing officer"}, on=day,
                               recorded_at=_at(day, rng)))
        yield out


# --- children's social care casework --------------------------------------------------------------------------


@dataclass
class OpenContact:
    """A contact with no decision, and when its clocks run out (worked out here, not read back)."""

    source_record_id: str
    child: int
    received_at: dt.datetime
    rag: str
    next_due_at: dt.datetime


@dataclass
class Casework:
    """The casework records: first versions, then the later versions (decisions, ends), and what was made."""

    first: list[dict[str, Any]] = field(default_factory=list)
    later: list[dict[str, Any]] = field(default_factory=list)
    children: set[int] = field(default_factory=set)
    open_contacts: list[OpenContact] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)


class _CaseworkMaker:
    """Makes each child's casework records, in the order things happened, so the fold places every one."""

    def __init__(self, pop: Population, now: dt.datetime, rng: random.Random):
        from joinedup.casework.clocks import clocks_from_settings

        self.pop, self.now, self.rng = pop, now, rng
        self.today = now.date()
        self.clocks = clocks_from_settings()
        self.out = Casework()
        self.numbers: Counter = Counter()
        self.agency = CSC[0]

    def _srid(self, prefix: str) -> str:
        self.numbers[prefix] += 1
        return f"{prefix}-{self.numbers[prefix]:07d}"

    def _mentions(self, child: int, with_mother: bool = True) -> list[dict]:
        ms = [self.pop.mention(child, "m1", "subject", f"CS-{child}")]
        mother = self.pop.mother(child)
        if with_mother and mother is not None:
            ms.append(self.pop.mention(mother, "m2", "parent", f"CS-{mother}", relationship="mother"))
        return ms

    def _emit(self, child: int, kind: str, srid: str, detail: dict, *, at: dt.datetime | None = None,
              on: dt.date | None = None, ended_on: dt.date | None = None, later: dict | None = None,
              amended_at: dt.datetime | None = None) -> None:
        """A record as first sent, and (with `ended_on` or `later` detail) its second version."""
        when = at or dt.datetime.combine(on, dt.time(10), tzinfo=dt.UTC)
        first = _record(self.agency, srid, kind, self._mentions(child), {**detail, "author_role": "Social worker"},
                        at=at, on=on, recorded_at=min(self.now, when + dt.timedelta(hours=self.rng.uniform(0.2, 20))))
        self.out.first.append(first)
        self.out.children.add(child)
        self.out.counts[kind] += 1
        if ended_on is not None or later:
            second = {**first, "version": 2, "detail": {**first["detail"], **(later or {})}}
            stamp = amended_at or dt.datetime.combine(ended_on or when.date(), dt.time(16), tzinfo=dt.UTC)
            second["amended_at"] = _z(min(self.now, max(stamp, when)))
            if ended_on is not None:
                second["ended_on"] = ended_on.isoformat()
            self.out.later.append(second)

    def _ok(self, day: dt.date) -> bool:
        return day <= self.today

    def _end(self, day: dt.date | None) -> dt.date | None:
        return day if day is not None and day <= self.today else None

    # --- contacts -------------------------------------------------------------------------------------------

    def _contact_detail(self) -> dict[str, Any]:
        raised_by, source, who, texts, _w = self.rng.choices(SOURCES, weights=[s[4] for s in SOURCES])[0]
        detail = {"code": "contact", "raised_by": raised_by, "source_code": source, "text": self.rng.choice(texts)}
        if who:
            detail["raised_by_name"] = who
        return detail

    def decided_contact(self, child: int, received: dt.datetime, *, in_case: bool,
                        decision: str = "") -> tuple[str, str, dt.datetime]:
        """A contact rated and decided; returns its id, the decision and when it was made. A contact about a child
        whose case is open is passed to the case (advice, or no further action at the front door)."""
        rng = self.rng
        srid = self._srid("CT")
        detail = self._contact_detail()
        if rng.random() < 0.85:
            detail["rag"] = _pick(rng, [("red", 8), ("amber", 35), ("green", 57)])
            detail["rag_at"] = _z(received + dt.timedelta(minutes=rng.randrange(5, 90)))
        decided = self.clocks.add_working_hours(received, rng.uniform(0.5, 9.0))  # 1 in 10 after its 8 hours
        if decided >= self.now:
            decided = received + (self.now - received) / 2
        if not decision:
            decision = _pick(rng, [("advice", 60), ("no_further_action", 40)]) if in_case else _pick(rng, DECISIONS)
        self._emit(child, "csc_contact", srid, detail, at=received, amended_at=decided, later={
            "decision": decision, "decided_at": _z(decided), "decided_by_role": "Front door social worker",
            "decision_reason": "Threshold considered with the information held by partner agencies."})
        self.out.counts["decided_contacts"] += 1
        return srid, decision, decided

    def open_contact(self, child: int, received: dt.datetime) -> None:
        rng = self.rng
        srid = self._srid("CT")
        detail = self._contact_detail()
        rag = _pick(rng, [("", 25), ("red", 10), ("amber", 30), ("green", 35)])
        if rag:
            rated = min(self.now, received + dt.timedelta(minutes=rng.randrange(5, 120)))
            detail.update(rag=rag, rag_at=_z(rated))
        self._emit(child, "csc_contact", srid, detail, at=received)
        due = self.clocks.decision_due(received)
        rag_due = self.clocks.rag_due(received, rag) if rag else None
        self.out.open_contacts.append(OpenContact(srid, child, received, rag, min(d for d in (due, rag_due) if d)))

    # --- a case, from referral to closure (or now) ----------------------------------------------------------

    def case(self, child: int, start: dt.date, route: str, contact_srid: str = "", *, outcome: str = "",
             open_for: int = 0) -> dt.date | None:
        """One case opened by a referral on `start`; returns the day it closed, or None if it is open now.

        `outcome` forces the path (looked_after, cp_plan, cin_plan); `open_for` (days) keeps the plan or episode
        that long at least, for cases opened in earlier years that are still open."""
        from joinedup.casework.clocks import add_working_days

        rng = self.rng

        self.numbers["case"] += 1
        case_id = f"EP-{self.numbers['case']:06d}"
        need = _pick(rng, NEEDS)
        referral = {"code": "referral", "case_id": case_id, "source_code": "5A", "primary_need": need, "route": route}
        if contact_srid:
            referral["contact_id"] = contact_srid
        self._emit(child, "referral", self._srid("RF"), referral, on=start)
        self.out.counts["cases"] += 1
        ends: list[dt.date] = [start]
        base = {"case_id": case_id}

        if not outcome:
            if route == "strategy_discussion":
                outcome = "cp_plan" if rng.random() < 0.35 else _pick(rng, [("cin_plan", 40), ("close", 60)])
            else:
                outcome = _pick(rng, [("close", 60), ("cin_plan", 29), ("looked_after", 6), ("cp_plan", 5)])

        # the assessment, from the referral day
        a_end = add_working_days(start, rng.randrange(12, 52))  # over 45 working days: late
        a_outcome = {"close": "no_further_action", "cin_plan": "child_in_need_plan", "looked_after": "looked_after",
                     "cp_plan": "strategy_discussion"}[outcome]
        if outcome == "close" and rng.random() < 0.3:
            a_outcome = "early_help"
        self._emit(child, "assessment", self._srid("AS"), {"code": "assessment", **base,
                   "factors": rng.sample(FACTORS, rng.randrange(1, 4))}, on=start, ended_on=self._end(a_end),
                   later={"outcome": a_outcome, "authorised_on": a_end.isoformat()} if self._ok(a_end) else None)
        ends.append(a_end)

        plan_end: dt.date | None = None
        if outcome == "cp_plan" or (route == "strategy_discussion" and rng.random() < 0.7):
            # strategy discussion, section 47 enquiry, initial conference
            s_day = start if route == "strategy_discussion" else a_end - dt.timedelta(days=rng.randrange(5, 15))
            s_day = max(start, s_day)
            if not self._ok(s_day):
                return None
            wants = outcome == "cp_plan" or rng.random() < 0.85
            s_srid = self._srid("SD")
            self._emit(child, "strategy_discussion", s_srid, {"code": "strategy_discussion", **base,
                       "attendees": ["Bench Constabulary: Detective constable", "Bench General Hospital: Paediatrician",
                                     "Bench Children's Services: Social worker"],
                       "decision": "section_47" if wants else "no_section_47"}, on=s_day)
            if wants:
                q_end = s_day + dt.timedelta(days=rng.randrange(5, 21))
                conference = outcome == "cp_plan"
                self._emit(child, "section47_enquiry", self._srid("SQ"), {"code": "section47_enquiry", **base,
                           "strategy_id": s_srid}, on=s_day, ended_on=self._end(q_end), later={
                           "outcome": "substantiated" if conference else _pick(rng, [
                               ("substantiated_not_at_risk", 40), ("not_substantiated", 60)]),
                           "conference_needed": conference} if self._ok(q_end) else None)
                ends.append(q_end)
                if conference:
                    icpc = add_working_days(s_day, rng.randrange(8, 18))  # over 15: late
                    if not self._ok(icpc):
                        return None
                    category = _pick(rng, CATEGORIES)
                    self._emit(child, "conference", self._srid("CF"), {"code": "conference", **base,
                               "conference_type": "initial", "outcome": "plan", "category": category}, on=icpc)
                    plan_end = self._protection_plan(child, base, icpc, category, open_for)
                    if plan_end is None:
                        return None
                    ends.append(plan_end)
                    if outcome == "cp_plan":
                        outcome = "cin_plan" if rng.random() < 0.4 else "close"
        if outcome == "cin_plan":
            begin = max(ends) + dt.timedelta(days=rng.randrange(0, 10))
            if not self._ok(begin):
                return None
            length = max(open_for, rng.randrange(90, 450))
            finish = begin + dt.timedelta(days=length)
            self._emit(child, "cin_plan", self._srid("CN"), {"code": "cin_plan", **base, "primary_need": need},
                       on=begin, ended_on=self._end(finish))
            self.out.counts["cin_plans"] += 1
            if not self._ok(finish):
                return None
            ends.append(finish)
        elif outcome == "looked_after":
            begin = start + dt.timedelta(days=rng.randrange(0, 30))
            if not self._ok(begin):
                return None
            length = max(open_for, rng.randrange(90, 4 * 365))
            finish = begin + dt.timedelta(days=length)
            if rng.random() < 0.3 and (change := begin + dt.timedelta(days=rng.randrange(30, length))) < min(
                    finish, self.today):
                self._episode(child, base, begin, change, "S", "X1")
                begin, reason = change, "P"
            else:
                reason = "S"
            self._episode(child, base, begin, self._end(finish), reason, _pick(rng, [("E4A", 50), ("E13", 30),
                                                                                      ("E41", 20)]))
            if not self._ok(finish):
                return None
            ends.append(finish)
        closed = max(ends) + dt.timedelta(days=rng.randrange(1, 21))
        if not self._ok(closed):
            return None
        reason = {"close": "RC8", "cin_plan": "RC7"}.get(outcome, "RC7")
        if a_outcome == "early_help":
            reason = "RC9"
        self._emit(child, "case_closure", self._srid("CL"), {"code": "case_closure", **base, "reason": reason},
                   on=closed)
        self.out.counts["closed_cases"] += 1
        return closed

    def _episode(self, child: int, base: dict, begin: dt.date, finish: dt.date | None, reason_new: str,
                 reason_ended: str) -> None:
        rng = self.rng
        detail = {"code": "looked_after_episode", **base, "legal_status": _pick(rng, [("C2", 45), ("C1", 25),
                  ("V2", 25), ("E1", 5)]), "reason_new_episode": reason_new,
                  "placement_type": _pick(rng, [("U4", 40), ("U6", 20), ("U1", 15), ("K2", 12), ("U3", 8), ("P1", 5)]),
                  "placement_provider": _pick(rng, [("PR1", 60), ("PR4", 35), ("PR5", 5)]),
                  "placement_postcode": f"BE{rng.randrange(1, 20)} {rng.randrange(1, 10)}QQ",
                  "category_of_need": "N1"}
        self._emit(child, "looked_after_episode", self._srid("LA"), detail, on=begin, ended_on=finish,
                   later={"reason_ended": reason_ended} if finish else None)

    def _protection_plan(self, child: int, base: dict, icpc: dt.date, category: str, open_for: int) -> dt.date | None:
        """The plan from the initial conference, its first core group and review conferences; the plan's end."""
        from dateutil.relativedelta import relativedelta

        from joinedup.casework.clocks import add_working_days

        rng = self.rng
        length = max(open_for, rng.randrange(120, 600))
        reviews: list[dt.date] = []
        day = icpc + relativedelta(months=3) + dt.timedelta(days=rng.randrange(-10, 8))
        while True:
            reviews.append(day)
            if (day - icpc).days >= length:
                break
            day = day + relativedelta(months=6) + dt.timedelta(days=rng.randrange(-14, 8))
        finish = reviews[-1]
        self._emit(child, "cp_plan", self._srid("CP"), {"code": "cp_plan", **base, "category": category,
                   "initial_category": category}, on=icpc, ended_on=self._end(finish))
        self.out.counts["cp_plans"] += 1
        core = add_working_days(icpc, rng.randrange(5, 12))
        if self._ok(core):
            self._emit(child, "core_group", self._srid("CG"), {"code": "core_group", **base,
                       "attendees": ["Bench Primary School: Designated safeguarding lead",
                                     "Bench Community Health Services: Health visitor"]}, on=core)
        for i, review in enumerate(reviews):
            if not self._ok(review):
                break
            last = i == len(reviews) - 1
            self._emit(child, "conference", self._srid("CF"), {"code": "conference", **base,
                       "conference_type": "review", "outcome": "plan_ends" if last else "plan_continues"}, on=review)
        return self._end(finish)


def casework_records(pop: Population, *, open_contacts: int, now: dt.datetime, rng: random.Random) -> Casework:
    """The authority's casework: a year of decided contacts with the cases they opened, older cases still open,
    and `open_contacts` contacts waiting for a decision."""
    from joinedup.casework.clocks import is_working_day
    from joinedup.casework.codes import REFERRAL_DECISIONS

    maker = _CaseworkMaker(pop, now, rng)
    today = now.date()
    scale = len(pop.children()) / 70_000
    children = pop.children()
    frequent = rng.sample(children, max(1, len(children) // 30))  # a few children are the subject of many contacts

    def child_at(day: dt.date) -> int:
        while True:
            n = rng.choice(frequent) if rng.random() < 0.35 else rng.choice(children)
            if pop.dob[n] <= day:
                return n

    # Cases opened in earlier years and still open: the carried-over looked-after children and plans.
    legacy: dict[int, tuple[str, dt.date, int]] = {}
    for outcome, per_70k in LEGACY.items():
        wanted = len(legacy) + round(per_70k * scale)
        for _ in range(50 * wanted):  # children born since are passed over
            if len(legacy) >= wanted:
                break
            years = {"looked_after": (1.2, 8.0), "cp_plan": (1.05, 1.8), "cin_plan": (1.0, 2.5)}[outcome]
            start = today - dt.timedelta(days=int(rng.uniform(*years) * 365))
            n = rng.choice(children)
            if n not in legacy and pop.dob[n] <= start - dt.timedelta(days=14):
                legacy[n] = (outcome, start, (today - start).days + 30)

    # The year's contacts: received on a working day (a few at the weekend), mostly in office hours.
    year_ago = today - dt.timedelta(days=365)
    stories: dict[int, list[tuple[dt.datetime, bool]]] = {}
    for _ in range(round(DECIDED_CONTACTS * scale)):
        while True:
            day = year_ago + dt.timedelta(days=rng.randrange(365))
            if is_working_day(day) or rng.random() < 0.15:
                break
        at = _at(day, rng, 7, 19)
        if at >= now - dt.timedelta(hours=1):
            continue
        stories.setdefault(child_at(day), []).append((at, False))
    working: list[dt.date] = []
    day = today
    while len(working) < len(OPEN_DAYS):
        if is_working_day(day):
            working.append(day)
        day -= dt.timedelta(days=1)
    for _ in range(open_contacts):
        day = rng.choices(working, weights=OPEN_DAYS)[0]
        latest = min(now - dt.timedelta(minutes=5), _at(day, rng, 19, 20).replace(minute=0, second=0))
        earliest = dt.datetime.combine(day, dt.time(7), tzinfo=dt.UTC)
        if latest <= earliest:  # today, before the office opened: overnight
            earliest = dt.datetime.combine(day, dt.time(0), tzinfo=dt.UTC)
        at = earliest + dt.timedelta(seconds=rng.randrange(max(1, int((latest - earliest).total_seconds()))))
        stories.setdefault(child_at(day), []).append((at, True))

    for child in sorted(set(stories) | set(legacy)):
        case_from: dt.date | None = None
        case_until: dt.date | None = None  # None with case_from set: open now
        if child in legacy:
            outcome, start, keep = legacy[child]
            at = _at(start, rng)
            srid, _decision, decided = maker.decided_contact(child, at, in_case=False, decision="assessment")
            case_from = decided.date()
            case_until = maker.case(child, case_from, "assessment", srid, outcome=outcome, open_for=keep)
            maker.out.counts["legacy_cases"] += 1
        for at, is_open in sorted(stories.get(child, [])):
            day = at.date()
            # Until its case closes, a child's contacts go to the case (contacts come here in the order received,
            # so a case came from an earlier one).
            in_case = case_from is not None and (case_until is None or day <= case_until)
            if is_open:
                maker.open_contact(child, at)
                continue
            srid, decision, decided = maker.decided_contact(child, at, in_case=in_case)
            if decision in REFERRAL_DECISIONS:
                start = decided.date()
                case_from, case_until = start, maker.case(child, start, decision, srid)
    return maker.out


# --- building the database ------------------------------------------------------------------------------------


@dataclass
class Built:
    children: int
    persons: int
    records: int
    mentions: int
    casework: Casework
    casework_names: dict[int, str]  # the display name of each child with casework, by number
    seconds: float


def _rows(model, values: list[dict[str, Any]]) -> tuple[list[str], list[tuple]]:
    """Columns and rows in database form for `ingest.bulk.insert_rows` (Django's bulk_create compiles each value
    and would take minutes for the 600,000 links of an authority)."""
    from django.db import models

    from joinedup.ingest.bulk import Adapter

    db = Adapter()
    convert = []
    for f in model._meta.concrete_fields:
        if isinstance(f, models.UUIDField) or (f.is_relation and isinstance(f.target_field, models.UUIDField)):
            convert.append((f.attname, db.uuid))
        elif isinstance(f, models.DateTimeField):
            convert.append((f.attname, db.datetime))
        elif isinstance(f, models.DateField):
            convert.append((f.attname, db.date))
        elif isinstance(f, models.JSONField):
            convert.append((f.attname, db.json))
        else:
            convert.append((f.attname, None))
    columns = [f.column for f in model._meta.concrete_fields]
    rows = [tuple(fn(v[name]) if fn and v.get(name) is not None else v.get(name) for name, fn in convert)
            for v in values]
    return columns, rows


def _people(pop: Population, person_ids: list[uuid.UUID], record_lists: list[list[dict]], now: dt.datetime) -> None:
    """Person rows with what `people.services.persons_refresh` makes from their links (every mention of a person
    here carries the same name, date of birth and sex; NHS numbers only in health records)."""
    from django.db import transaction

    from joinedup.ingest.bulk import insert_rows
    from joinedup.people.models import Person
    from joinedup.people.search import search_text, search_words

    mentions: Counter = Counter()
    agencies: dict[int, set[str]] = {}
    with_nhs: set[int] = set()
    for records in record_lists:
        for record in records:
            for m in record["mentions"]:
                n = int(m["local_person_id"].rsplit("-", 1)[1])
                mentions[n] += 1
                agencies.setdefault(n, set()).add(record["agency_id"])
                if m.get("nhs_number"):
                    with_nhs.add(n)
    values = []
    for n, pid in enumerate(person_ids):
        nhs = pop.nhs[n] if n in with_nhs else ""
        dob = pop.dob[n]
        words = search_words(pop.given[n], pop.family[n], nhs, dob.isoformat())
        values.append({"id": pid, "given_name": pop.given[n], "family_name": pop.family[n], "dob": dob,
                       "sex": pop.sex[n], "nhs_number": nhs, "mention_count": mentions[n],
                       "agency_count": len(agencies.get(n, ())), "search_text": search_text(words),
                       "merged_into_id": None, "created_at": now, "updated_at": now})
    columns, rows = _rows(Person, values)
    with transaction.atomic():
        insert_rows(Person._meta.db_table, columns, rows)


def _check_people(person_ids: list[uuid.UUID], rng: random.Random, sample: int = 300) -> None:
    """Run `persons_refresh` on a sample: it must change nothing the bench wrote."""
    from joinedup.people.models import Person
    from joinedup.people.services import persons_refresh

    fields = ("given_name", "family_name", "dob", "sex", "nhs_number", "mention_count", "agency_count", "search_text")
    chosen = rng.sample(person_ids, min(sample, len(person_ids)))
    before = {p[0]: p[1:] for p in Person.objects.filter(pk__in=chosen).values_list("pk", *fields)}
    persons_refresh(chosen)
    after = {p[0]: p[1:] for p in Person.objects.filter(pk__in=chosen).values_list("pk", *fields)}
    if before != after:
        pid = next(k for k in before if before[k] != after.get(k))
        raise RuntimeError(f"person {pid}: the bench wrote {before[pid]}, persons_refresh makes {after.get(pid)}")


def _link(person_ids: list[uuid.UUID], *, csc_agency_id, now: dt.datetime) -> int:
    """Link every mention to its person (each agency's local id names them): the children's social care records
    as recorded against the child (ADR 0008), the other agencies' on their own person id."""
    from django.db import transaction

    from joinedup.ingest.bulk import Adapter, insert_rows
    from joinedup.ingest.models import Mention
    from joinedup.people.models import LinkMethod, MentionLink

    columns, (template,) = _rows(MentionLink, [{
        "mention_id": 0, "person_id": person_ids[0], "identity_uid": "", "match_probability": 1.0, "method": "",
        "fields": {}, "matched_identity_uid": "", "run_id": None, "linked_at": now, "reason": ""}])
    at = {c: i for i, c in enumerate(columns)}
    uuids = [Adapter().uuid(pid) for pid in person_ids]
    kinds = {True: (LinkMethod.RECORDED, "benchmark: recorded against the child"),
             False: (LinkMethod.SAME_SOURCE_ID, "benchmark: same person id")}
    last, made = 0, 0
    while True:
        rows = list(Mention.objects.filter(pk__gt=last).order_by("pk").values_list("pk", "local_person_id",
                                                                                   "agency_id")[:50_000])
        if not rows:
            return made
        table_rows = []
        for pk, local, agency_id in rows:
            row = list(template)
            row[at["mention_id"]] = pk
            row[at["person_id"]] = uuids[int(local.rsplit("-", 1)[1])]
            row[at["method"]], row[at["reason"]] = kinds[agency_id == csc_agency_id]
            table_rows.append(tuple(row))
        with transaction.atomic():
            insert_rows(MentionLink._meta.db_table, columns, table_rows)
        made += len(rows)
        last = rows[-1][0]


def _ingest(actor, records: list[dict], label: str, out: TextIO, chunk: int = 20_000) -> None:
    from joinedup.ingest.services import records_ingest

    started = time.perf_counter()
    for start in range(0, len(records), chunk):
        result = records_ingest(actor=actor, records=records[start:start + chunk], via="file")
        refused = [o for o in result.outcomes if o.status == "refused"]
        if refused:
            raise RuntimeError(f"records refused: {refused[:3]}")
        done = min(start + chunk, len(records))
        rate = done / max(1e-9, time.perf_counter() - started)
        _say(out, f"  {label}: {done:,} of {len(records):,} records ({rate:,.0f} a second)")


def build(*, children: int, open_contacts: int, seed: int, out: TextIO, now: dt.datetime | None = None) -> Built:
    """Register the agencies, load the people, their records and the casework, link them and project it."""
    from joinedup.accounts.models import Agency
    from joinedup.accounts.services import agency_create, team_create
    from joinedup.casework.models import CaseworkIssue
    from joinedup.casework.projection import casework_project
    from joinedup.core.actor import ActorRef
    from joinedup.core.time import utc_now
    from joinedup.ingest.models import Mention, SourceRecord

    started = time.perf_counter()
    now = now or utc_now()
    rng = random.Random(seed)
    actor = ActorRef.system("bench")
    for code, name, kind in AGENCIES:
        agency_create(actor=actor, code=code, name=name, kind=kind)
    csc = Agency.objects.get(code=CSC[0])
    team_create(actor=actor, agency=csc, code="front-door", name="Front Door (MASH)", is_front_door=True)

    pop = population(children, now.date(), rng)
    records: list[dict] = []
    for family_records in universal_records(pop, now.date(), rng):
        records.extend(family_records)
    cw = casework_records(pop, open_contacts=open_contacts, now=now, rng=rng)
    cw.first.sort(key=lambda r: r["recorded_at"])
    _say(out, f"  made {len(pop.children()):,} children and {len(pop) - len(pop.children()):,} adults in "
              f"{len(pop.families):,} families, {len(records):,} records of universal services; casework: "
              f"{cw.counts['decided_contacts']:,} decided contacts, {len(cw.open_contacts):,} open, "
              f"{cw.counts['cases']:,} cases ({cw.counts['legacy_cases']:,} opened before this year), "
              f"{len(cw.first) + len(cw.later):,} record versions ({time.perf_counter() - started:.0f} s)")
    person_ids = [person_uuid(seed, n) for n in range(len(pop))]
    _people(pop, person_ids, [records, cw.first], now)

    _ingest(actor, records, "agencies' records", out)
    del records
    _ingest(actor, cw.first, "casework records", out)
    _ingest(actor, cw.later, "casework later versions", out)
    step = time.perf_counter()
    linked = _link(person_ids, csc_agency_id=csc.pk, now=now)
    _check_people(person_ids, rng)
    _say(out, f"  linked {linked:,} mentions to {len(pop):,} people ({time.perf_counter() - step:.0f} s)")
    step = time.perf_counter()
    child_ids = [person_ids[n] for n in sorted(cw.children)]
    totals = casework_project(child_ids)
    issues = CaseworkIssue.objects.count()
    if issues:
        sample = list(CaseworkIssue.objects.values_list("kind", "sentence")[:3])
        raise RuntimeError(f"the fold could not place {issues} casework records, e.g. {sample}")
    _say(out, f"  projected the casework of {len(child_ids):,} children: {totals['contacts']:,} contacts, "
              f"{totals['cases']:,} cases ({time.perf_counter() - step:.0f} s)")
    return Built(children=len(pop.children()), persons=len(pop), records=SourceRecord.objects.count(),
                 mentions=Mention.objects.count(), casework=cw, seconds=time.perf_counter() - started,
                 casework_names={n: f"{pop.given[n]} {pop.family[n]}" for n in cw.children})


# --- measuring --------------------------------------------------------------------------------------------------


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def expected_first(built: Built) -> OpenContact:
    """The open contact whose clock runs out first (the queue's order: next due, then received)."""
    return min(built.casework.open_contacts, key=lambda c: (c.next_due_at, c.received_at))


QUERY_SAMPLES = 10  # requests made after the timed ones, with every statement timed


class _QueryLog(logging.Handler):
    """Every statement of the requests made while it is attached, with its wall time: queries, and the BEGIN and
    COMMIT of each transaction (a COMMIT waits for the disk). Django logs them to `django.db.backends` with the
    unrounded duration while queries are being captured."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.items: list[tuple[float, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        if hasattr(record, "duration"):  # the SQL with its values written in: take them out to group alike
            sql = re.sub(r"'(?:[^']|'')*'(?:::\w+)?|\b\d+(?:\.\d+)?\b", "?", str(record.sql))
            self.items.append((record.duration, re.sub(r"\s+", " ", sql)))

    @contextlib.contextmanager
    def attached(self):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        logger = logging.getLogger("django.db.backends")
        saved = logger.level, logger.propagate
        logger.setLevel(logging.DEBUG)
        logger.propagate = False
        logger.addHandler(self)
        try:
            with CaptureQueriesContext(connection):
                yield self
        finally:
            logger.removeHandler(self)
            logger.setLevel(saved[0])
            logger.propagate = saved[1]

    def slowest(self, requests: int) -> tuple[float, str]:
        """The statement that took longest in all (the same SQL summed), per request."""
        by_sql: Counter = Counter()
        for took, sql in self.items:
            by_sql[sql] += took
        sql, took = by_sql.most_common(1)[0]
        return took / requests, re.sub(r"^SELECT .*? FROM ", "SELECT … FROM ", sql)[:200]


def measure(*, built: Built, seed: int, samples: int, warmup: int = 3, out: TextIO) -> dict[str, Any]:
    """GET the queue as a front-door worker of the authority: p50/p95 server time, page size, what it lists."""
    from django.test import Client
    from django.urls import reverse

    from joinedup.accounts.models import Agency, Role, Team
    from joinedup.accounts.services import user_create
    from joinedup.casework.selectors import front_door_counts
    from joinedup.core.actor import ActorRef
    from joinedup.core.runtime import settle_after_load
    from joinedup.core.time import utc_now
    from joinedup.ingest.models import SourceRecord
    from joinedup_lab.benches.sign_in import client_sign_in

    agency = Agency.objects.get(code=CSC[0])
    user = user_create(actor=ActorRef.system("bench"), username=f"bench-front-door-{uuid.uuid4().hex[:8]}",
                       password=uuid.uuid4().hex + "Aa1!", agency=agency, role=Role.FRONT_DOOR,
                       team=Team.objects.get(agency=agency, is_front_door=True),
                       first_name="Bench", last_name="Worker", email="bench@example.invalid")
    client = Client(HTTP_HOST="localhost")
    client_sign_in(client, user)  # both sign-in steps (joinedup_lab.benches.sign_in)
    settle_after_load()  # as config.wsgi does in each server worker once the application is loaded
    times, content = time_gets(client, URL, samples, warmup)
    with _QueryLog().attached() as log:
        for _ in range(QUERY_SAMPLES):
            client.get(URL)
    slowest_ms, slowest_sql = log.slowest(QUERY_SAMPLES)

    # What the page lists: its rows (each links to its contact), in order, and the number of open contacts it states.
    page = html.unescape(content.decode())
    link = re.escape(reverse("web:contact", args=[918273645])).replace("918273645", r"(\d+)")
    listed = list(dict.fromkeys(int(pk) for pk in re.findall(rf'href="{link}', page)))
    text = re.sub(r"<[^>]+>", "", page)
    stated = {int(n.replace(",", "")) for n in re.findall(r"(\d[\d,]*)\s+open contacts?\b", text)}
    first = expected_first(built)
    first_id = (SourceRecord.objects.filter(pk=listed[0]).values_list("source_record_id", flat=True).first()
                if listed else None)
    if first_id != first.source_record_id:
        raise RuntimeError(f"GET {URL} lists contact {first_id} first; the most urgent is {first.source_record_id}")
    child = built.casework_names[first.child]
    if child not in page:
        raise RuntimeError(f"GET {URL} does not name {child}, the child of the most urgent contact")
    if stated != {len(built.casework.open_contacts)}:
        raise RuntimeError(f"GET {URL} states {sorted(stated)} open contacts; {len(built.casework.open_contacts)} "
                           "were made")
    counts = front_door_counts(viewer=user)
    figures = {
        "p50_ms": round(statistics.median(times), 1), "p95_ms": round(_percentile(times, 0.95), 1),
        "max_ms": round(max(times), 1), "page_kb": round(len(content) / 1024, 1),
        "page_gzip_kb": round(len(gzip.compress(content)) / 1024, 1), "page_rows": len(listed),
        "queries": len(log.items) // QUERY_SAMPLES,
        "query_ms": round(sum(took for took, _sql in log.items) * 1000 / QUERY_SAMPLES, 1),
        "slowest_query_ms": round(slowest_ms * 1000, 1), "slowest_query": slowest_sql,
        "open_contacts": stated.pop(), "overdue": counts["overdue"],
        "by_rag": {k: counts[k] for k in ("red", "amber", "green", "unrated")},
        "first_contact": {"source_record_id": first_id, "child": child, "received_at": _z(first.received_at),
                          "next_due_at": _z(first.next_due_at), "rag": first.rag or "unrated",
                          "overdue": first.next_due_at < utc_now()},
    }
    _say(out, f"  GET {URL}: p50 {figures['p50_ms']} ms, p95 {figures['p95_ms']} ms, {figures['page_kb']} KB, "
              f"{figures['page_rows']} rows, {figures['queries']} queries ({figures['query_ms']} ms)")
    return figures


def run_here(*, children: int, open_contacts: int, samples: int, seed: int, out: TextIO) -> dict[str, Any]:
    """Build and measure in the current (migrated, empty) database."""
    from django.db import connection

    from joinedup.casework.models import Case, Contact
    from joinedup.ingest.models import SourceRecord, SourceRecordVersion

    if SourceRecord.objects.exists():
        raise RuntimeError("bench frontdoor --here needs an empty database (it adds made-up records)")
    built = build(children=children, open_contacts=open_contacts, seed=seed, out=out)
    _say(out, f"  built in {built.seconds:.1f} s: {built.persons:,} people, {built.records:,} records, "
              f"{built.mentions:,} mentions")
    with static_from_apps():  # runs after `make setup` alone
        figures = measure(built=built, seed=seed, samples=samples, out=out)
    cw = built.casework
    open_cases = Case.objects.filter(is_open=True)
    return {
        "database": connection.vendor,
        "children": built.children,
        "persons": built.persons,
        "records": built.records,
        "record_versions": SourceRecordVersion.objects.count(),
        "mentions": built.mentions,
        "open_contacts_built": len(cw.open_contacts),
        "decided_contacts": Contact.objects.filter(is_open=False).count(),
        "cases": Case.objects.count(),
        "open_cases": open_cases.count(),
        "open_cases_by_stage": dict(Counter(open_cases.values_list("stage", flat=True))),
        "build_seconds": round(built.seconds, 1),
        "samples": samples,
        **figures,
    }


def run(*, children: int = 70_000, open_contacts: int = 2000, samples: int = 50, seed: int = 1,
        postgres_url: str | None = None, postgresql: bool = True, out: TextIO) -> dict[str, Any]:
    """Measure on a fresh SQLite file and a fresh PostgreSQL database; the worse of the two at the top level."""
    args = ["--children", str(children), "--open-contacts", str(open_contacts), "--samples", str(samples),
            "--seed", str(seed)]
    results = on_each_database("frontdoor", args, out, postgres_url=postgres_url, postgresql=postgresql)
    measured = list(results.values())
    worst = max(measured, key=lambda r: r["p95_ms"])
    return {
        "children": results["sqlite"]["children"],
        "open_contacts": results["sqlite"]["open_contacts"],
        "page_rows": results["sqlite"]["page_rows"],
        "p50_ms": max(r["p50_ms"] for r in measured),
        "p95_ms": worst["p95_ms"],
        "page_kb": max(r["page_kb"] for r in measured),
        "target_p95_ms": 150,
        **results,
    }
