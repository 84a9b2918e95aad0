"""`joinedup bench dashboard`: server time of the head of service's dashboard in a 70,000-child authority (issue 13:
p95 ≤ 300 ms on PostgreSQL), and of a team manager's.

The authority is the front-door bench's (`joinedup_lab.benches.frontdoor`: people, other agencies' records, a year of
contacts with the cases they opened and older cases still open, about 2,000 contacts waiting for a decision at
70,000 children), with what this issue adds:

- **A year of visits** (`visit` records of children's social care, as a case system sends them): a child on a
  child protection plan is visited every 5 to 10 working days (one visit in seven later than 10), a looked-after
  child within a week of each placement, then every 30 to 42 days in the placement's first year and every 2 to 3
  months after, a child on a child in need plan every 4 to 6 weeks (one in seven later in each); one visit in fourteen did not see the child and is followed by an
  accompanied visit a working day or two later that did. About 20,000 visits at 70,000 children; the fold makes
  their visit clocks and each case's last-seen day.
- **Staff**: teams of 12 social workers with a team manager (about 150 workers at 70,000 children), a front-door
  team, a head of service; one worker in seven newly qualified, a few with their own caseload limit.
- **Allocations**: each child with an open case to a worker of a team (one in twenty left to the front door).
- **Supervision**: a year of sessions for every worker, every 21 to 31 days (10 to 16 for the newly
  qualified), one in twelve missed, so some are overdue now (sessions only: the decisions about children that
  supervision writes to their files are not needed by the dashboard); **concerns**: about 300 over the year,
  a named responder, a deadline 5 working days on, most answered (some late), some still open (rows only, for
  the same reason).

Then the head of service is signed in and GET `/dashboard/` is timed `samples` times after 3 warm-ups, and a team
manager's GET `/dashboard/` (their team). The page must show what the data says, counted here from the records
and rows made, not read back: contacts and referrals in each of the 13 weeks, contact decisions on time and late
against their clock, children on a plan or looked after not seen for 28 days, workers overdue for supervision and
concerns past their deadline; otherwise the bench stops. For each database a fresh subprocess migrates an
empty database and runs `joinedup bench dashboard --here`, as the front-door bench does.
"""

from __future__ import annotations

import datetime as dt
import gzip
import html
import random
import re
import statistics
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from joinedup_lab.benches import frontdoor as cb
from joinedup_lab.benchkit import on_each_database, static_from_apps, time_gets
from joinedup_lab.benchkit import say as _say

URL = "/dashboard/"
LONDON = ZoneInfo("Europe/London")
WORKERS = 150  # per 70,000 children
TEAM_SIZE = 12
CONCERNS = 300


def _date(value: str) -> dt.date:
    return dt.date.fromisoformat(value[:10])


def _child(record: dict) -> int:
    return int(record["mentions"][0]["local_person_id"].rsplit("-", 1)[1])


@dataclass
class Visits:
    records: list[dict] = field(default_factory=list)
    last_seen: dict[tuple[int, str], dt.date] = field(default_factory=dict)  # (child, case id): last seen
    due_from: dict[tuple[int, str], dt.date] = field(default_factory=dict)  # (child, case id): visits due since
    open_now: set[tuple[int, str]] = field(default_factory=set)  # cases open now with a plan or in care


def visit_records(cw: cb.Casework, pop: cb.Population, now: dt.datetime, rng: random.Random, *,
                  days: int = 365) -> Visits:
    """A year (`days`) of visits to the children on a plan or looked after, within their plans and placements."""
    from dateutil.relativedelta import relativedelta

    from joinedup.casework.clocks import add_working_days

    today, horizon = now.date(), now.date() - dt.timedelta(days=days)
    latest: dict[str, dict] = {}
    for record in [*cw.first, *cw.later]:  # a later version replaces the first
        latest[record["source_record_id"]] = record
    periods: dict[tuple[int, str], list[tuple[str, dt.date, dt.date | None]]] = defaultdict(list)
    closed: dict[tuple[int, str], dt.date] = {}
    for r in latest.values():
        key = (_child(r), r["detail"].get("case_id", ""))
        if r["kind"] in ("cp_plan", "looked_after_episode", "cin_plan"):
            end = _date(r["ended_on"]) if r.get("ended_on") else None
            periods[key].append((r["kind"], _date(r["occurred_on"]), end))
        elif r["kind"] == "case_closure":
            closed[key] = _date(r["occurred_on"])
    out = Visits()
    n = 0
    for key, spans in sorted(periods.items()):
        child, case_id = key
        seen_spans = [(s, e) for k, s, e in spans if k != "cin_plan"]  # the dashboard lists these children
        if seen_spans:
            out.due_from[key] = min(s for s, _e in seen_spans)
            if key not in closed and any(e is None for _s, e in seen_spans):
                out.open_now.add(key)
        for kind, start, end in spans:
            stop = min(d for d in (end, closed.get(key), today) if d is not None)
            last = start
            while True:
                if kind == "cp_plan":
                    day = add_working_days(last, rng.randint(5, 10) if rng.random() < 6 / 7 else rng.randint(11, 15))
                elif kind == "cin_plan":
                    day = last + dt.timedelta(days=rng.randint(28, 42) if rng.random() < 6 / 7 else rng.randint(43, 55))
                elif last == start:
                    day = start + dt.timedelta(days=rng.randint(1, 7) if rng.random() < 0.9 else rng.randint(8, 12))
                elif last < start + relativedelta(years=1):
                    day = last + dt.timedelta(days=rng.randint(30, 42) if rng.random() < 6 / 7 else rng.randint(43, 55))
                else:
                    day = last + dt.timedelta(days=rng.randint(60, 91) if rng.random() < 6 / 7 else rng.randint(93, 110))
                if day > stop or day >= today:
                    break
                last = day
                if day < horizon:
                    continue
                seen = rng.random() >= 1 / 14
                visits = [(day, seen, False)]
                if not seen:
                    again = add_working_days(day, rng.randint(1, 2))
                    if again <= stop and again < today:
                        visits.append((again, True, True))
                        last = again
                for on, was_seen, accompanied in visits:
                    n += 1
                    at = dt.datetime.combine(on, dt.time(rng.randrange(9, 16), rng.randrange(60)), tzinfo=dt.UTC)
                    detail = {"code": "visit", "case_id": case_id, "child_seen": was_seen,
                              "seen_alone": was_seen and rng.random() < 0.8, "visit_type": "statutory",
                              "accompanied": accompanied, "author_role": "Social worker",
                              "text": "Home visit: the child's room, meals and school were talked about."}
                    if not was_seen:
                        detail["not_seen_reason"] = "Nobody answered the door."
                    mentions = [pop.mention(child, "m1", "subject", f"CS-{child}")]
                    out.records.append(cb._record(cb.CSC[0], f"VS-{n:07d}", "visit", mentions, detail, at=at,
                                                  recorded_at=at + dt.timedelta(hours=3)))
                    if was_seen:
                        out.last_seen[key] = max(on, out.last_seen.get(key, on))
    return out


@dataclass
class Built:
    base: cb.Built
    visits: Visits
    head_of_service: Any
    team_manager: Any
    workers: list = field(default_factory=list)
    sessions: dict = field(default_factory=dict)  # worker id: last session day
    concerns_overdue: int = 0
    seconds: float = 0.0


def _staff(csc, front_door, children_scale: float, rng: random.Random):
    """Teams of social workers with their managers, the front door's workers, a head of service (bulk-made:
    they sign in by the test client here, so no password is hashed)."""
    from joinedup.accounts.models import Role, Team, User

    teams_n = max(1, round(WORKERS * children_scale / (TEAM_SIZE + 1)))
    teams = Team.objects.bulk_create([Team(agency=csc, code=f"team-{i + 1:02d}", name=f"Safeguarding Team {i + 1}")
                                      for i in range(teams_n)])
    users: list[User] = []

    def add(role: str, team, n: int, **extra) -> User:
        user = User(username=f"bench-{role}-{n}", agency=csc, team=team, role=role, first_name=rng.choice(cb.WOMEN),
                    last_name=rng.choice(cb.FAMILIES), email=f"bench-{role}-{n}@example.invalid", **extra)
        user.set_unusable_password()
        users.append(user)
        return user

    hos = add(Role.HEAD_OF_SERVICE, None, 1)
    managers = [add(Role.TEAM_MANAGER, t, i) for i, t in enumerate([*teams, front_door])]
    for i, team in enumerate(teams):
        for j in range(TEAM_SIZE):
            add(Role.SOCIAL_WORKER, team, i * TEAM_SIZE + j, newly_qualified=rng.random() < 1 / 7,
                caseload_limit=rng.choice((15, 20, 22)) if rng.random() < 0.05 else None)
    for j in range(6):
        add(Role.FRONT_DOOR, front_door, j)
    User.objects.bulk_create(users)
    return hos, managers, teams, users


def _practice_rows(built: Built, csc, teams, managers, users, now: dt.datetime, rng: random.Random) -> None:
    """Allocations, a year of supervision sessions, a year of concerns (rows made in bulk)."""
    from joinedup.accounts.models import Role
    from joinedup.casework.clocks import add_working_days
    from joinedup.casework.models import Allocation, Case
    from joinedup.practice.models import Concern, SupervisionSession
    from joinedup.practice.settings import practice_settings

    policy, today = practice_settings(), now.date()
    by_team = defaultdict(list)
    for u in users:
        if u.role == Role.SOCIAL_WORKER:
            by_team[u.team_id].append(u)
    manager_of = {m.team_id: m for m in managers}
    allocations = []
    for person_id, opened in Case.objects.filter(is_open=True).values_list("person_id", "opened_on"):
        if rng.random() < 0.05:
            continue  # the front door's
        worker = rng.choice(by_team[rng.choice(teams).pk])
        allocations.append(Allocation(person_id=person_id, worker=worker, team_id=worker.team_id,
                                      started_at=dt.datetime.combine(opened, dt.time(12), tzinfo=dt.UTC)))
    Allocation.objects.bulk_create(allocations, batch_size=1000)

    supervised = [u for u in users if u.role != Role.HEAD_OF_SERVICE]
    hos = built.head_of_service
    sessions = []
    for u in supervised:
        every = policy.supervision_interval(u)
        day = today - dt.timedelta(days=365 - rng.randrange(every))
        manager = hos if u.role == Role.TEAM_MANAGER else manager_of[u.team_id]
        last = None
        while day < today:
            if rng.random() >= 0.08:  # a session missed now and then
                sessions.append(SupervisionSession(agency=csc, worker=u, manager=manager, held_on=day, recorded_by=manager,
                                                   recorded_at=dt.datetime.combine(day, dt.time(15), tzinfo=dt.UTC)))
                last = day
            day += dt.timedelta(days=rng.randint(every - 7, every + 3) if every > 14 else rng.randint(10, 16))
        built.sessions[u.pk] = last
    SupervisionSession.objects.bulk_create(sessions, batch_size=1000)
    built.workers = supervised

    children = list(Case.objects.values_list("person_id", flat=True).distinct()[:5000])
    concerns, links = [], []
    through = Concern.children.through
    for _ in range(max(1, round(CONCERNS * len(users) / (WORKERS + 8)))):
        received = now - dt.timedelta(days=rng.uniform(0.5, 365))
        due = dt.datetime.combine(add_working_days(received.date(), policy.concern_response_working_days),
                                  received.timetz())
        answered = None
        if rng.random() < 0.85:
            answered = received + (due - received) * rng.uniform(0.1, 1.6)
            if answered > now:
                answered = None
        concern = Concern(agency=csc, received_at=received, raised_by=rng.choice(("relative", "neighbour",
                          "whistleblower", "professional", "anonymous")), summary="Worried about the children.",
                          responder=rng.choice(supervised), response_due_at=due, responded_at=answered,
                          response="Visited and spoke with the family." if answered else "", recorded_at=received,
                          recorded_by=hos)
        concerns.append(concern)
        built.concerns_overdue += answered is None and due < now
    Concern.objects.bulk_create(concerns, batch_size=1000)
    for concern in concerns:
        links.append(through(concern_id=concern.pk, person_id=rng.choice(children)))
    through.objects.bulk_create(links, batch_size=1000)


def build(*, children: int, seed: int, out: TextIO, now: dt.datetime | None = None) -> Built:
    """The front-door bench's authority, with a year of visits, staff, allocations, supervision and concerns."""
    from joinedup.accounts.models import Agency, Team
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
    for code, name, kind in cb.AGENCIES:
        agency_create(actor=actor, code=code, name=name, kind=kind)
    csc = Agency.objects.get(code=cb.CSC[0])
    team_create(actor=actor, agency=csc, code="front-door", name="Front Door (MASH)", is_front_door=True)
    scale = children / 70_000
    pop = cb.population(children, now.date(), rng)
    records = [r for family in cb.universal_records(pop, now.date(), rng) for r in family]
    cw = cb.casework_records(pop, open_contacts=max(5, round(2000 * scale)), now=now, rng=rng)
    visits = visit_records(cw, pop, now, rng)
    cw.first.extend(visits.records)
    cw.first.sort(key=lambda r: r["recorded_at"])
    _say(out, f"  made {len(pop.children()):,} children, {len(records):,} records of universal services, "
                 f"{len(cw.first) + len(cw.later):,} casework record versions ({len(visits.records):,} visits)")
    person_ids = [cb.person_uuid(seed, n) for n in range(len(pop))]
    cb._people(pop, person_ids, [records, cw.first], now)
    cb._ingest(actor, records, "agencies' records", out)
    del records
    cb._ingest(actor, cw.first, "casework records", out)
    cb._ingest(actor, cw.later, "casework later versions", out)
    cb._link(person_ids, csc_agency_id=csc.pk, now=now)
    cb._check_people(person_ids, rng)
    step = time.perf_counter()
    totals = casework_project([person_ids[n] for n in sorted(cw.children)])
    if CaseworkIssue.objects.exists():
        sample = list(CaseworkIssue.objects.values_list("kind", "sentence")[:3])
        raise RuntimeError(f"the fold could not place {CaseworkIssue.objects.count()} records, e.g. {sample}")
    _say(out, f"  projected {totals['cases']:,} cases ({time.perf_counter() - step:.0f} s)")
    base = cb.Built(children=len(pop.children()), persons=len(pop), records=SourceRecord.objects.count(),
                    mentions=Mention.objects.count(), casework=cw, seconds=0.0,
                    casework_names={n: f"{pop.given[n]} {pop.family[n]}" for n in cw.children})
    front_door = Team.objects.get(agency=csc, is_front_door=True)
    hos, managers, teams, users = _staff(csc, front_door, scale, rng)
    built = Built(base=base, visits=visits, head_of_service=hos, team_manager=managers[0])
    _practice_rows(built, csc, teams, managers, [u for u in users if u.pk], now, rng)
    built.seconds = time.perf_counter() - started
    return built


# --- what the page must show, counted from what was made -----------------------------------------------------


def expected(built: Built, now: dt.datetime) -> dict[str, Any]:
    """The head of service's figures, counted from the records and rows made (not from the projection)."""
    from joinedup.casework.clocks import clocks_from_settings
    from joinedup.practice.settings import practice_settings

    clocks, policy = clocks_from_settings(), practice_settings()
    today = now.astimezone(LONDON).date()
    monday = today - dt.timedelta(days=today.weekday())
    first = monday - dt.timedelta(weeks=12)

    def week(day: dt.date) -> int | None:
        i = (day - first).days // 7
        return i if 0 <= i < 13 else None

    contacts, referrals = [0] * 13, [0] * 13
    on_time, late = [0] * 13, [0] * 13
    decided = {r["source_record_id"]: r["detail"].get("decided_at") for r in built.base.casework.later
               if r["kind"] == "csc_contact"}
    for r in built.base.casework.first:
        if r["kind"] == "csc_contact":
            received = dt.datetime.fromisoformat(r["occurred_at"].replace("Z", "+00:00"))
            if (i := week(received.astimezone(LONDON).date())) is not None:
                contacts[i] += 1
            due = clocks.decision_due(received)
            if (i := week(due.astimezone(LONDON).date())) is not None:
                made = decided.get(r["source_record_id"])
                met = dt.datetime.fromisoformat(made.replace("Z", "+00:00")) if made else None
                if met is not None and met <= due:
                    on_time[i] += 1
                elif met is not None or due < now:
                    late[i] += 1
        elif r["kind"] == "referral" and (i := week(_date(r["occurred_on"]))) is not None:
            referrals[i] += 1
    cutoff = today - dt.timedelta(days=policy.not_seen_days)
    v = built.visits
    not_seen = sum(1 for key in v.open_now if v.last_seen.get(key, v.due_from[key]) <= cutoff)
    overdue = 0
    for u in built.workers:
        last = built.sessions.get(u.pk) or u.date_joined.astimezone(LONDON).date()
        overdue += last + dt.timedelta(days=policy.supervision_interval(u)) < today
    return {"contacts": contacts, "referrals": referrals, "decisions_on_time": on_time, "decisions_late": late,
            "not_seen": not_seen, "supervision_overdue": overdue, "concerns_overdue": built.concerns_overdue}


def _table(page: str, key: str) -> list[list[str]]:
    body = re.search(rf'<table class="govuk-table" data-figure="{key}">(.*?)</table>', page, re.S)
    if body is None:
        return []
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body.group(1), re.S)[1:]
    return [[html.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row,
                                                                                   re.S)] for row in rows]


def shown(page: str) -> dict[str, Any]:
    """The same figures, read off the page's tables."""
    def ints(rows, col):
        return [int(r[col].replace(",", "")) for r in rows]

    demand, decisions = _table(page, "demand"), _table(page, "on-time-contact-decision")
    return {"contacts": ints(demand, 2), "referrals": ints(demand, 3), "decisions_on_time": ints(decisions, 2),
            "decisions_late": ints(decisions, 3), "not_seen": len(_table(page, "not-seen")),
            "supervision_overdue": sum(r[-1].startswith("Overdue") for r in _table(page, "supervision")),
            "concerns_overdue": len(_table(page, "concerns"))}


def measure(*, built: Built, samples: int, out: TextIO) -> dict[str, Any]:
    from django.test import Client

    from joinedup.core.runtime import settle_after_load
    from joinedup.core.time import utc_now
    from joinedup_lab.benches.sign_in import client_sign_in

    client = Client(HTTP_HOST="localhost")
    client_sign_in(client, built.head_of_service)  # both sign-in steps
    settle_after_load()
    times, content = time_gets(client, URL, samples)
    with cb._QueryLog().attached() as log:
        for _ in range(cb.QUERY_SAMPLES):
            client.get(URL)
    slowest_ms, slowest_sql = log.slowest(cb.QUERY_SAMPLES)
    page = content.decode()
    want, got = expected(built, utc_now()), shown(page)
    wrong = {k: (got[k], want[k]) for k in want if got[k] != want[k]}
    if wrong:
        raise RuntimeError(f"GET {URL} shows figures that differ from the data made (shown, counted): {wrong}")
    team = Client(HTTP_HOST="localhost")
    client_sign_in(team, built.team_manager)
    team_times, team_content = time_gets(team, URL, samples)
    figures = {
        "p50_ms": round(statistics.median(times), 1), "p95_ms": round(cb._percentile(times, 0.95), 1),
        "max_ms": round(max(times), 1), "page_kb": round(len(content) / 1024, 1),
        "page_gzip_kb": round(len(gzip.compress(content)) / 1024, 1),
        "queries": len(log.items) // cb.QUERY_SAMPLES,
        "query_ms": round(sum(took for took, _sql in log.items) * 1000 / cb.QUERY_SAMPLES, 1),
        "slowest_query_ms": round(slowest_ms * 1000, 1), "slowest_query": slowest_sql,
        "team_p50_ms": round(statistics.median(team_times), 1),
        "team_p95_ms": round(cb._percentile(team_times, 0.95), 1), "team_page_kb": round(len(team_content) / 1024, 1),
        "checked": sorted(want), "shown": {k: (sum(v) if isinstance(v, list) else v) for k, v in got.items()},
    }
    _say(out, f"  GET {URL} (head of service): p50 {figures['p50_ms']} ms, p95 {figures['p95_ms']} ms, "
                 f"{figures['page_kb']} KB, {figures['queries']} queries ({figures['query_ms']} ms); team manager: "
                 f"p50 {figures['team_p50_ms']} ms, p95 {figures['team_p95_ms']} ms")
    return figures


def run_here(*, children: int, samples: int, seed: int, out: TextIO) -> dict[str, Any]:
    """Build and measure in the current (migrated, empty) database."""
    from django.db import connection

    from joinedup.casework.models import Allocation, Case, CaseClock, Contact
    from joinedup.ingest.models import SourceRecord
    from joinedup.practice.models import Concern, SupervisionSession

    if SourceRecord.objects.exists():
        raise RuntimeError("bench dashboard --here needs an empty database (it adds made-up records)")
    built = build(children=children, seed=seed, out=out)
    _say(out, f"  built in {built.seconds:.1f} s")
    with static_from_apps():  # runs after `make setup` alone
        figures = measure(built=built, samples=samples, out=out)
    return {
        "database": connection.vendor, "children": built.base.children, "persons": built.base.persons,
        "records": SourceRecord.objects.count(), "contacts": Contact.objects.count(),
        "cases": Case.objects.count(), "open_cases": Case.objects.filter(is_open=True).count(),
        "clocks": CaseClock.objects.count(), "visit_clocks": CaseClock.objects.filter(kind="visit").count(),
        "visits": len(built.visits.records), "workers": len(built.workers),
        "allocations": Allocation.objects.count(), "supervision_sessions": SupervisionSession.objects.count(),
        "concerns": Concern.objects.count(), "build_seconds": round(built.seconds, 1), "samples": samples,
        "open_by_stage": dict(Counter(Case.objects.filter(is_open=True).values_list("stage", flat=True))),
        **figures,
    }


def run(*, children: int = 70_000, samples: int = 30, seed: int = 1, postgres_url: str | None = None,
        postgresql: bool = True, out: TextIO) -> dict[str, Any]:
    """Measure on a fresh SQLite file and a fresh PostgreSQL database; the worse of the two at the top level."""
    args = ["--children", str(children), "--samples", str(samples), "--seed", str(seed)]
    results = on_each_database("dashboard", args, out, postgres_url=postgres_url, postgresql=postgresql)
    measured = list(results.values())
    return {
        "children": results["sqlite"]["children"], "p50_ms": max(r["p50_ms"] for r in measured),
        "p95_ms": max(r["p95_ms"] for r in measured), "team_p95_ms": max(r["team_p95_ms"] for r in measured),
        "page_kb": max(r["page_kb"] for r in measured), "target_p95_ms": 300, **results,
    }
