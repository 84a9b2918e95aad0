"""`joinedup bench chronology`: server time and size of a child's chronology page with 1,000 events.

The child has 1,000 records from 12 agencies (one of each kind: health visits, GP consultations, A&E
attendances with injuries and their explanations, police incidents, school attendance and concerns,
children's social care from referral to a child protection plan and care, housing, probation …) over six
years, and lives in a household of 8 (the child and 7 others, some arriving and leaving, each with records
of their own at the child's address). The records are made here (no simulator: chronology sits below it),
stored with `ingest.services.records_ingest` and linked without the model: each agency's records name the
child (and each housemate) with one local person id and the same name and date of birth, so the link is
certain; the bench writes Person and MentionLink rows for those, then `people.services.persons_refresh`
and `residence_rebuild` build the people and the household as a linkage run would.

Then a social worker (who sees the child through a self-claim) is signed in with Django's test client, the
process is settled as a server worker is (`core.runtime.settle_after_load`: start-up objects frozen out of
the garbage collector's full passes), and the page is fetched `samples` times after a warm-up: p50 and p95
of the wall time of each GET (middleware, view, queries, audit row, template) and the size of the HTML (as
sent, and gzipped for reference) and the records it lists (`rows_listed`: the first page holds up to 200). The
household view (`?household=on`) is measured too.

For each database a fresh subprocess with DATABASE_URL set migrates an empty database and runs
`joinedup bench chronology --here` (SQLite: a file under var/; PostgreSQL: `--postgres-url` or a
throwaway cluster started as `joinedup bench ingest` does).
"""

from __future__ import annotations

import datetime as dt
import gzip
import random
import statistics
import time
import uuid
from typing import Any, TextIO

from joinedup_lab.benchkit import on_each_database, static_from_apps
from joinedup_lab.benchkit import say as _say

SCHEMA = "joinedup.agency-record/1"
START = dt.date(2019, 4, 20)
END = dt.date(2025, 10, 31)

# (code, name, kind, share of the child's events, record kinds the agency sends about the child)
AGENCIES: list[tuple[str, str, str, int, tuple[str, ...]]] = [
    ("bench-childrens-services", "Bench Children's Services", "childrens_social_care", 150,
     ("csc_contact", "referral", "assessment", "strategy_discussion", "section47_enquiry", "conference", "visit",
      "visit", "visit", "supervision")),
    ("bench-community-health", "Bench Community Health Services", "community_health", 130,
     ("health_visitor_contact", "health_visitor_contact", "missed_appointment")),
    ("bench-surgery", "Bench Lane Surgery", "gp_practice", 140, ("consultation", "consultation", "missed_appointment")),
    ("bench-hospital", "Bench General Hospital", "acute_hospital", 90, ("ed_attendance", "ed_attendance", "admission")),
    ("bench-police", "Bench Constabulary", "police", 70, ("police_incident",)),
    ("bench-primary-school", "Bench Primary School", "school", 170,
     ("school_attendance", "school_attendance", "school_concern", "school_enrolment")),
    ("bench-ambulance", "Bench Ambulance Service", "ambulance", 30, ("ambulance_callout",)),
    ("bench-housing-options", "Bench Housing Options", "housing_authority", 30,
     ("housing_application", "temporary_accommodation")),
    ("bench-homes", "Bench Homes Housing Association", "housing_association", 40,
     ("tenancy", "rent_arrears", "property_inspection")),
    ("bench-family-support", "Bench Family Support", "family_support", 90, ("family_support_session",)),
    ("bench-legal", "Bench Council Legal Services", "la_legal", 20, ("legal_planning_meeting",)),
    ("bench-probation", "Bench Probation Service", "probation", 40, ("probation_supervision",)),
]
PREFIX = {code: f"A{i:02d}" for i, (code, *_rest) in enumerate(AGENCIES)}

HOME = {"lines": ["14 Wharf Cottages", "Benchley"], "postcode": "BE4 7QR"}
CHILD = ("Ruby", "Castellane", "2019-04-12", "female")
# The other seven: (given, family, dob, sex, is the child's, their own address before and after, days at
# the child's home as (first, last) offsets from START; None = the whole period).
HOUSEMATES: list[tuple[str, str, str, str, str, tuple[int, int] | None]] = [
    ("Leanne", "Castellane", "1996-02-11", "female", "mother", None),
    ("Kai", "Castellane", "2016-09-03", "male", "brother", None),
    ("Maureen", "Castellane", "1968-05-30", "female", "grandmother", (0, 480)),
    ("Dean", "Rooker", "1990-10-02", "male", "mother's partner", (410, 1060)),
    ("Ava", "Castellane", "2021-07-19", "female", "sister", (821, 2385)),
    ("Shane", "Mallory", "1985-01-17", "male", "mother's partner", (1350, 2385)),
    ("Tyler", "Brandt", "1999-08-08", "male", "lodger", (1750, 1990)),
]
EXPLANATIONS = ("fell against the cot", "fell off the sofa", "sibling pushed her", "fell down the stairs",
                "bumped into the door", "don't know how it happened", "fell in the garden", "the dog jumped up")
INJURIES = (("forehead", "bruise 2cm"), ("ear", "bruising"), ("arm", "graze"), ("cheek", "red mark"),
            ("back", "bruising"), ("wrist", "swelling"), ("shin", "bruise"))


def _rec(agency: str, n: int, kind: str, mentions: list[dict], day: dt.date, rnd: random.Random,
         detail: dict | None = None, ended_on: dt.date | None = None) -> dict[str, Any]:
    at = dt.datetime.combine(day, dt.time(rnd.randrange(8, 20), rnd.randrange(60)), tzinfo=dt.UTC)
    out: dict[str, Any] = {
        "schema": SCHEMA, "agency_id": agency, "source_system": "bench", "source_record_id": f"{PREFIX[agency]}-{n:05d}",
        "version": 1, "kind": kind, "recorded_at": (at + dt.timedelta(hours=rnd.randrange(1, 30))).strftime(
            "%Y-%m-%dT%H:%M:%SZ"),
        "mentions": mentions, "detail": detail or {"code": kind},
    }
    if kind in ("ed_attendance", "ambulance_callout", "police_incident"):
        out["occurred_at"] = at.strftime("%Y-%m-%dT%H:%M:%SZ")
    else:
        out["occurred_on"] = day.isoformat()
    if ended_on:
        out["ended_on"] = ended_on.isoformat()
    return out


def _mention(mid: str, role: str, who: tuple, local: str, address: dict, relationship: str = "") -> dict:
    given, family, dob, sex = who[:4]
    out = {"mention_id": mid, "role": role, "given_name": given, "family_name": family, "dob": dob, "sex": sex,
           "local_person_id": local, "address": address}
    if relationship:
        out["relationship_to_subject"] = relationship
    return out


def _detail(kind: str, rnd: random.Random, author: str) -> dict[str, Any]:
    detail: dict[str, Any] = {"code": kind, "author_role": author}
    if kind == "school_attendance":
        possible = 10 * rnd.randrange(3, 7)
        detail.update(sessions_possible=possible, sessions_attended=possible - rnd.randrange(0, 12))
    elif kind == "visit":
        detail.update(child_seen=rnd.random() < 0.8, seen_alone=rnd.random() < 0.4)
    elif kind in ("school_concern", "police_incident", "csc_contact"):
        detail.update(text="Concern recorded about the child's presentation and home conditions.")
    return detail


AUTHOR = {"childrens_social_care": "Social worker", "community_health": "Health visitor", "gp_practice": "GP",
          "acute_hospital": "Emergency department nurse", "police": "Police officer", "school": "Designated safeguarding lead",
          "ambulance": "Paramedic", "housing_authority": "Housing officer", "housing_association": "Housing officer",
          "family_support": "Family support worker", "la_legal": "Solicitor", "probation": "Probation officer"}


def synthetic_records(*, events: int = 1000, agencies: int = 12, household: int = 8,
                      seed: int = 1) -> tuple[list[tuple[str, str, str]], list[dict[str, Any]]]:
    """The agencies ((code, name, kind)) and the records: `events` naming the child, then the housemates'."""
    rnd = random.Random(seed)
    chosen = AGENCIES[:max(1, min(agencies, len(AGENCIES)))]
    span = (END - START).days
    numbers = {code: 0 for code, *_ in chosen}
    records: list[dict[str, Any]] = []
    mother = HOUSEMATES[0]

    def new(code: str) -> int:
        numbers[code] += 1
        return numbers[code]

    def child_mentions(code: str, role: str, with_mother: bool) -> list[dict]:
        out = [_mention("m1", role, CHILD, f"{PREFIX[code]}-C1", HOME)]
        if with_mother and household > 1:
            out.append(_mention("m2", "carer" if role == "subject" else "accompanying_adult" if role == "patient"
                                else "parent", mother, f"{PREFIX[code]}-H0", HOME, "mother"))
        return out

    csc = chosen[0][0] if chosen[0][2] == "childrens_social_care" else None
    plans = []
    if csc and events >= 20:  # child in need, then a child protection plan, then looked after (still open)
        plans = [("cin_plan", START + dt.timedelta(days=700), START + dt.timedelta(days=950), {"primary_need": "N2"}),
                 ("cp_plan", START + dt.timedelta(days=1000), START + dt.timedelta(days=1400),
                  {"category": "physical_abuse"}),
                 ("looked_after_episode", START + dt.timedelta(days=1900), None, {"legal_status": "C2"})]
        for kind, day, ended, extra in plans:
            records.append(_rec(csc, new(csc), kind, child_mentions(csc, "subject", True), day, rnd,
                                {"code": kind, "author_role": "Social worker", **extra}, ended))
    weights = [share for _c, _n, _k, share, _kinds in chosen]
    remaining = events - len(records)
    # Every agency gets at least one event, the rest in proportion to its share.
    picks = [a for a in chosen][:remaining] + rnd.choices(chosen, weights=weights, k=max(0, remaining - len(chosen)))
    for code, _name, kind_of_agency, _share, kinds in picks:
        kind = rnd.choice(kinds)
        day = START + dt.timedelta(days=rnd.randrange(span))
        role = {"childrens_social_care": "subject", "school": "pupil", "police": "victim", "housing_authority":
                "household_member", "housing_association": "occupant", "probation": "household_member",
                "la_legal": "subject", "family_support": "subject"}.get(kind_of_agency, "patient")
        detail = _detail(kind, rnd, AUTHOR[kind_of_agency])
        with_mother = rnd.random() < 0.5 or kind == "ed_attendance"
        if (kind == "ed_attendance" and rnd.random() < 0.45) or (kind == "consultation" and rnd.random() < 0.06):
            site, description = rnd.choice(INJURIES)
            detail["code"] = "injury"
            detail["injury"] = {"site": site, "description": description,
                                "explanation_given": rnd.choice(EXPLANATIONS), "explained_by": "m2"}
            with_mother = True
        records.append(_rec(code, new(code), kind, child_mentions(code, role, with_mother), day, rnd, detail))

    # The housemates: records at the child's home while they lived there, and at their own before and after.
    codes = [c for c, *_ in chosen]
    own_agencies = [c for c in ("bench-surgery", "bench-police", "bench-probation", "bench-housing-options")
                    if c in codes] or codes
    for i, mate in enumerate(HOUSEMATES[: max(0, household - 1)]):
        given, family, dob, sex, _relationship, window = mate
        first, last = window or (0, span)
        elsewhere = {"lines": [f"{10 + i} Elsewhere Road", "Benchley"], "postcode": f"BE{i + 1} 2AA"}
        later = {"lines": [f"{30 + i} Afterwards Close", "Benchley"], "postcode": f"BE{i + 1} 9ZZ"}
        days = [(START + dt.timedelta(days=first + (last - first) * k // 19), HOME) for k in range(20)]
        if first > 0:
            days.insert(0, (START + dt.timedelta(days=max(0, first - 90)), elsewhere))
        if last < span:
            days.append((START + dt.timedelta(days=min(span, last + 60)), later))
        is_child = int(dob[:4]) > 2005
        for day, address in days:
            code = "bench-surgery" if is_child and "bench-surgery" in codes else rnd.choice(own_agencies)
            kind = {"bench-surgery": "consultation", "bench-police": "police_incident",
                    "bench-probation": "probation_supervision", "bench-housing-options": "housing_application"}.get(
                code, "consultation")
            role = {"bench-police": "victim", "bench-probation": "subject",
                    "bench-housing-options": "household_member"}.get(code, "patient")
            records.append(_rec(code, new(code), kind, [_mention(
                "m1", role, (given, family, dob, sex), f"{PREFIX[code]}-H{i}", address)], day, rnd,
                {"code": kind, "author_role": AUTHOR[dict((c, k) for c, _n, k, *_r in chosen)[code]]}))
    return [(code, name, kind) for code, name, kind, *_ in chosen], records


def build(*, events: int, agencies: int, household: int, seed: int, out: TextIO):
    """Register the agencies, ingest the records, link them and build the household; return the child."""
    from joinedup.accounts.services import agency_get_or_create
    from joinedup.core.actor import ActorRef
    from joinedup.ingest.services import records_ingest
    from joinedup.people.models import Person
    from joinedup.people.services import mentions_link_by_name_and_dob

    actor = ActorRef.system("bench")
    registered, records = synthetic_records(events=events, agencies=agencies, household=household, seed=seed)
    for code, name, kind in registered:
        agency_get_or_create(actor=actor, code=code, name=name, kind=kind)
    _say(out, f"  ingesting {len(records):,} records ({events:,} naming the child) from {len(registered)} agencies…")
    result = records_ingest(actor=actor, records=records, via="file")
    refused = [o for o in result.outcomes if o.status == "refused"]
    if refused:
        raise RuntimeError(f"records refused: {refused[:3]}")
    _say(out, "  linking (every agency names each person with one local id, name and date of birth)…")
    person_of = mentions_link_by_name_and_dob(reason="benchmark: same person id")
    return Person.objects.get(pk=person_of[(CHILD[0], CHILD[1], dt.date.fromisoformat(CHILD[2]))])


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def measure(*, person, samples: int, warmup: int = 3, out: TextIO) -> dict[str, Any]:
    """Fetch the chronology page as a social worker; p50/p95 server time and page size, own and household.

    The worker sees the child through a self-claim (`access.claims`: covering for an absent colleague, full scope):
    the legitimate relationship the layers below the chronology can make without casework (an allocation)."""
    from django.test import Client
    from django.urls import reverse

    from joinedup.access.claims import claim_start
    from joinedup.access.policy import Relation
    from joinedup.accounts.models import Agency, AgencyKind, Role
    from joinedup.accounts.services import user_create
    from joinedup.core.actor import ActorRef
    from joinedup.core.runtime import settle_after_load
    from joinedup_lab.benches.sign_in import client_sign_in

    agency = Agency.objects.filter(kind=AgencyKind.CHILDRENS_SOCIAL_CARE).first() or Agency.objects.first()
    user = user_create(actor=ActorRef.system("bench"), username=f"bench-social-worker-{uuid.uuid4().hex[:8]}",
                       password=uuid.uuid4().hex + "Aa1!", agency=agency, role=Role.SOCIAL_WORKER,
                       first_name="Bench", last_name="Worker", email="bench@example.invalid")
    claim_start(user=user, person_id=person.pk, kind=Relation.SELF_CLAIM, reason_code="covering_colleague",
                reason_text="Benchmark: covering the allocated worker's case while measuring the page.")
    client = Client(HTTP_HOST="localhost")
    client_sign_in(client, user)  # both sign-in steps (joinedup_lab.benches.sign_in)
    url = reverse("web:chronology", args=[person.pk])
    settle_after_load()  # as config.wsgi does in each server worker once the application is loaded
    figures: dict[str, Any] = {}
    for label, query in (("own", {}), ("household", {"household": "on"})):
        times: list[float] = []
        content = b""
        for i in range(warmup + samples):
            started = time.perf_counter()
            response = client.get(url, query)
            elapsed = (time.perf_counter() - started) * 1000
            if response.status_code != 200:
                raise RuntimeError(f"GET {url} {query}: {response.status_code}")
            if i >= warmup:
                times.append(elapsed)
                content = response.content
        figures[label] = {"p50_ms": round(statistics.median(times), 1), "p95_ms": round(_percentile(times, 0.95), 1),
                          "page_kb": round(len(content) / 1024, 1),
                          "gzip_kb": round(len(gzip.compress(content)) / 1024, 1),
                          # the records listed on the (first) page: rows with an anchor that are not alert steps
                          "rows": content.count(b'<tr id="') - content.count(b'class="app-step"')}
        _say(out, f"  {label}: p50 {figures[label]['p50_ms']} ms, p95 {figures[label]['p95_ms']} ms, "
                  f"{figures[label]['page_kb']} KB ({figures[label]['gzip_kb']} KB gzipped)")
    return figures


def run_here(*, events: int, agencies: int, household: int, samples: int, seed: int, out: TextIO) -> dict[str, Any]:
    """Build and measure in the current (migrated, empty) database."""
    from django.db import connection

    from joinedup.chronology.selectors import chronology_for
    from joinedup.ingest.models import SourceRecord

    if SourceRecord.objects.exists():
        raise RuntimeError("bench chronology --here needs an empty database (it adds made-up records)")
    started = time.perf_counter()
    person = build(events=events, agencies=agencies, household=household, seed=seed, out=out)
    chron = chronology_for(person=person, viewer=None, household=True)  # no viewer: every field group restricted
    own = [e for e in chron.all_events if e.person_id == str(person.pk)]
    _say(out, f"  built in {time.perf_counter() - started:.1f} s: {len(own):,} events of the child from "
              f"{len({e.agency_code for e in own})} agencies, household of {len(chron.members) + 1}, "
              f"{len(chron.movements)} arrivals and departures")
    with static_from_apps():  # runs after `make setup` alone
        figures = measure(person=person, samples=samples, out=out)
    return {
        "database": connection.vendor,
        "events": len(own),
        "agencies": len({e.agency_code for e in own}),
        "household": len({m.person_id for m in chron.members}) + 1,
        "p50_ms": figures["own"]["p50_ms"],
        "p95_ms": figures["own"]["p95_ms"],
        "page_kb": figures["own"]["page_kb"],
        "page_gzip_kb": figures["own"]["gzip_kb"],
        "rows_listed": figures["own"]["rows"],
        "household_rows_listed": figures["household"]["rows"],
        "household_p50_ms": figures["household"]["p50_ms"],
        "household_p95_ms": figures["household"]["p95_ms"],
        "household_page_kb": figures["household"]["page_kb"],
        "samples": samples,
    }


def run(*, events: int = 1000, agencies: int = 12, household: int = 8, samples: int = 50, seed: int = 1,
        postgres_url: str | None = None, postgresql: bool = True, out: TextIO) -> dict[str, Any]:
    """Measure on a fresh SQLite file and a fresh PostgreSQL database; the worse of the two at the top level."""
    args = ["--events", str(events), "--agencies", str(agencies), "--household", str(household),
            "--samples", str(samples), "--seed", str(seed)]
    results = on_each_database("chronology", args, out, postgres_url=postgres_url, postgresql=postgresql,
                               doing="building the child's records and measuring")
    measured = list(results.values())
    return {
        "events": results["sqlite"]["events"],
        "agencies": results["sqlite"]["agencies"],
        "household": results["sqlite"]["household"],
        "p50_ms": max(r["p50_ms"] for r in measured),
        "p95_ms": max(r["p95_ms"] for r in measured),
        "page_kb": max(r["page_kb"] for r in measured),
        **results,
    }
