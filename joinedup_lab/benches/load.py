"""`joinedup bench load`: 50 people using joinedup at once, through gunicorn and PostgreSQL (issue 18).

On a throwaway PostgreSQL cluster (durable, with a production server's memory settings: `benchkit.throwaway_postgres_and_folder`):

1. the demo's agencies and teams (`joinedup_lab.demo.fixture`: the front door, two social work teams) are made, so
   that the alerts linking raises reach the front door as in `make demo`; a simulated authority (`--children`, one
   year ending this month) is loaded from its files and linked, as `joinedup bench arrival` does;
2. `--users` people are given accounts, each with a password and an authenticator key, in a mix of roles
   (`MIX`): social workers, each allocated `CHILDREN_EACH` children (open cases first) by their team manager; team
   managers of those teams; front-door workers, whose front door has just taken a few contacts; heads of service;
   partner practitioners (police, hospital, GP, school, health visiting) at agencies whose records name children; and
   agencies' systems sending records through the API with their own token. The allocated children's alerts are
   judged again, so that they follow the allocation. Each person's pages are chosen only from the people the
   written access policy lets them see (`access.relationships.scope_of`, asked at set-up): a refusal would be an
   error of the bench;
3. gunicorn (as `joinedup serve` runs it: 2 workers, `--workers`; its static files collected) and one `joinedup worker`
   (matching the records posted) start; every person signs in through the forms, both steps (password, then the code
   of their authenticator app), over plain HTTP (`requests`) with their own session and CSRF token, and does each of
   their role's actions once (a warm-up: each gunicorn worker's first pages load its code); then, for `--seconds`,
   each works through what their role does (`ACTIONS`, a shuffled deck with each action as often as its weight),
   waiting a think time (uniform between half and one and a half `--think` seconds) after each: the home page, their
   alerts (their own, or the team's), an alert opened from that list and acknowledged or acted on through its form
   (an escalate alert: proposed; a manager agrees to a proposal), a person search (the form, then the search
   posted), a child's page, chronology and household chronology, a partner's look-up (the form, then posted), and,
   for the agencies' systems, a record posted to `POST /api/v1/records/` (most an emergency department attendance of
   a child the hospital knows; one in five a baby's injury, which raises an alert at the front door).

Each request is timed from sending to the whole answer read (redirects not followed), and counted under its route
(the method and URL pattern, e.g. `GET /people/<person_id>/chronology/`). An **error** is a 5xx, a failed connection
or any status the page does not answer in use (a 404 or 403 for a page the person may see, a redirect to sign in);
an alert action answered 409 (someone closed the alert first) is an expected outcome, counted as a **conflict**.
Signing in and the warm-up are counted apart (their errors count). Beside the client's times, the server's own
(`joinedup.core.middleware`'s request lines: Django's time, without the wait for a free gunicorn worker), the
machine's load average while the people work, and where the CPU went meanwhile (`CpuMeter`: seconds of CPU used by
the bench's own process (the 50 people's client), gunicorn, the task worker, PostgreSQL, and everything else on the
machine, each also as a share of all the cores' time), so that a run shows whether the cores were the limit and whose
work filled them.

Targets: 0 errors; p95 ≤ 300 ms on every route.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import random
import re
import secrets
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import urlsplit

import joinedup
from joinedup_lab.benches.arrival import Worker, _baby
from joinedup_lab.benches.crash import Server
from joinedup_lab.benchkit import env_for, here_json, say, throwaway_postgres_and_folder

P95_MS = 300
CHILDREN_EACH = 6  # children allocated to each social worker
CSC = "northbrook-childrens-services"  # the simulated authority's children's social care (and the demo's)
ROLES = ("social_worker", "front_door", "partner", "feed", "team_manager", "head_of_service")
# The mix for 50 users (scaled for other numbers; one of each role from 6 users up).
MIX = {"social_worker": 20, "team_manager": 4, "front_door": 8, "head_of_service": 2, "partner": 12, "feed": 4}
# What each role does, with how often (weights): see `UserSession`'s methods.
ACTIONS = {
    "social_worker": {"home": 2, "alerts": 2, "alert_action": 1, "search": 1, "person": 1, "chronology": 2,
                      "household": 1},
    "team_manager": {"home": 2, "alerts": 2, "alert_action": 1, "search": 1, "chronology": 2, "household": 1},
    "front_door": {"home": 1, "alerts": 3, "alert_action": 2, "search": 1, "chronology": 2, "household": 1},
    "head_of_service": {"home": 2, "alerts": 1, "search": 1, "chronology": 2, "household": 1},
    "partner": {"home": 1, "lookup": 2, "search": 2, "person": 2},
    "feed": {"post_record": 1},
}
TEAM_INBOX = {"team_manager", "front_door"}  # their alerts are the team's (`alerts.selectors.inbox_landing`)
SOCIAL_WORK_TEAMS = ("assessment-north", "child-protection")
PARTNER_KINDS = ("police", "acute_hospital", "gp_practice", "school", "community_health")


def _pct(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank), 0 for none."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def role_counts(users: int) -> dict[str, int]:
    """How many of each role among `users` (MIX scaled, largest remainders; at least one of each from 6 users)."""
    if users < 1:
        raise ValueError("users: at least 1")
    total = sum(MIX.values())
    floor = 1 if users >= len(MIX) else 0
    counts = {r: max(floor, MIX[r] * users // total) for r in ROLES}
    order = sorted(ROLES, key=lambda r: (-(MIX[r] * users % total), ROLES.index(r)))
    while sum(counts.values()) < users:
        for r in order:
            if sum(counts.values()) < users:
                counts[r] += 1
    while sum(counts.values()) > users:  # the floor of one each can overshoot: take from the largest
        counts[max(ROLES, key=lambda r: counts[r])] -= 1
    return counts


# --- the database side (run with `--here`, in a process whose DATABASE_URL is the database under test) ---------


def teams_here() -> dict[str, Any]:
    """The demo's agencies and teams (before linking, so that the alerts it raises reach the front door)."""
    from joinedup.accounts.models import Team
    from joinedup.accounts.services import agency_get_or_create, team_create
    from joinedup_lab.demo.fixture import AGENCIES
    from joinedup_lab.demo.load import DEMO_ACTOR

    made = 0
    for spec in AGENCIES:
        agency, _ = agency_get_or_create(actor=DEMO_ACTOR, code=spec.code, name=spec.name, kind=spec.kind)
        for code, name, is_front_door in spec.teams:
            if not Team.objects.filter(agency=agency, code=code).exists():
                team_create(actor=DEMO_ACTOR, agency=agency, code=code, name=name, is_front_door=is_front_door)
                made += 1
    return {"teams": made}


def _identity(p) -> dict[str, str]:
    return {"given_name": p.given_name, "family_name": p.family_name, "dob": p.dob.isoformat() if p.dob else "",
            "nhs_number": p.nhs_number}


def setup_here(*, users: int, seed: int) -> dict[str, Any]:
    """The bench's people, their access and what each will ask for (see the module's docstring, step 2)."""
    from django.db.models import Count, Q

    from joinedup.access.policy import Scope
    from joinedup.access.relationships import scope_of
    from joinedup.accounts.mfa import secret_base32
    from joinedup.accounts.models import Agency, Role, Team, User
    from joinedup.accounts.services import api_token_create, user_create
    from joinedup.accounts.services.mfa import totp_device_provision
    from joinedup.alerts.services import alerts_evaluate_people
    from joinedup.casework.models import Case
    from joinedup.casework.services import allocation_set, contact_record
    from joinedup.ingest.models import Mention
    from joinedup.people.models import Person
    from joinedup_lab.demo.load import DEMO_ACTOR, DEMO_CONTACTS, demo_password

    rng = random.Random(seed)
    counts = role_counts(users)
    today = dt.date.today()
    child_born_after = today - dt.timedelta(days=round(17 * 365.25))  # under 17 today
    csc = Agency.objects.get(code=CSC)
    teams = {t.code: t for t in Team.objects.filter(agency=csc)}
    front_door = next(t for t in teams.values() if t.is_front_door)
    children = Person.objects.filter(merged_into__isnull=True, dob__gt=child_born_after)

    partner_agencies = [row["agency_id"] for row in (
        Mention.objects.filter(agency__kind__in=PARTNER_KINDS, withdrawn=False, link__person__isnull=False,
                               link__person__merged_into__isnull=True, link__person__dob__gt=child_born_after)
        .values("agency_id").annotate(n=Count("link__person", distinct=True)).order_by("-n", "agency_id"))][:6]
    hospitals = list(Agency.objects.filter(kind="acute_hospital").order_by("code"))
    if not partner_agencies or not hospitals:
        raise RuntimeError("setup: the simulated authority has no partner agencies naming children, or no hospital")
    agencies = {a.pk: a for a in Agency.objects.filter(pk__in=partner_agencies)}

    people: list[tuple[str, User, str]] = []  # (role, user, password)
    feeds: list[User] = []
    n = 0
    for role in ROLES:
        for i in range(counts[role]):
            n += 1
            username = f"load-{role.replace('_', '-')}-{i + 1:02d}"
            common = {"actor": DEMO_ACTOR, "username": username, "first_name": role.replace("_", " ").capitalize(),
                      "last_name": f"Load {i + 1:02d}", "email": f"{username}@load.example"}
            if role == "feed":
                feeds.append(user_create(**common, password=None, agency=hospitals[i % len(hospitals)],
                                         role=Role.PARTNER_PRACTITIONER, is_system_account=True,
                                         job_title="Records feed"))
                continue
            password = demo_password()
            if role == "partner":
                user = user_create(**common, password=password, role=Role.PARTNER_PRACTITIONER,
                                   agency=agencies[partner_agencies[i % len(partner_agencies)]], job_title="Partner")
            else:
                team = {"social_worker": teams[SOCIAL_WORK_TEAMS[i % 2]], "team_manager": teams[SOCIAL_WORK_TEAMS[i % 2]],
                        "front_door": front_door, "head_of_service": None}[role]
                user = user_create(**common, password=password, agency=csc, team=team, job_title=role,
                                   role={"social_worker": Role.SOCIAL_WORKER, "team_manager": Role.TEAM_MANAGER,
                                         "front_door": Role.FRONT_DOOR, "head_of_service": Role.HEAD_OF_SERVICE}[role])
            people.append((role, user, password))

    # Social workers' caseloads: children with an open case first, then children children's social care knows.
    open_case = list(Case.objects.filter(is_open=True, person__merged_into__isnull=True, person__dob__gt=child_born_after)
                     .order_by("opened_on", "person_id").values_list("person_id", flat=True))
    known = list(Mention.objects.filter(agency=csc, withdrawn=False, link__person__isnull=False,
                                        link__person__merged_into__isnull=True, link__person__dob__gt=child_born_after)
                 .order_by("link__person_id").values_list("link__person_id", flat=True).distinct())
    queue = list(dict.fromkeys([*open_case, *known, *children.order_by("pk").values_list("pk", flat=True)]))
    workers = [u for role, u, _ in people if role == "social_worker"]
    managers = {u.team_id: u for role, u, _ in people if role == "team_manager"}
    by_pk = {p.pk: p for p in Person.objects.filter(pk__in=queue[: CHILDREN_EACH * len(workers)])}
    allocated: dict[Any, list] = {w.pk: [] for w in workers}
    for k, person_id in enumerate(queue[: CHILDREN_EACH * len(workers)]):
        worker = workers[k % len(workers)]
        allocation_set(actor_user=managers.get(worker.team_id, worker), person=by_pk[person_id], worker=worker)
        allocated[worker.pk].append(person_id)
    taken = {p for ids in allocated.values() for p in ids}

    # The front door has just taken a few contacts (front-door duty for their children).
    fd_users = [u for role, u, _ in people if role == "front_door"]
    contacted: list = []
    if fd_users:
        candidates = [p for p in children.exclude(pk__in=taken).order_by("family_name", "given_name", "pk")
                      .values_list("pk", flat=True)[:500]]
        rng.shuffle(candidates)
        now = dt.datetime.now(dt.UTC)
        for k, person_id in enumerate(candidates[: max(6, 3 * len(fd_users))]):
            _kind, source, text, rag = DEMO_CONTACTS[k % len(DEMO_CONTACTS)]
            contact_record(user=fd_users[k % len(fd_users)], person=Person.objects.get(pk=person_id),
                           raised_by="agency", source_code=source, text=text, rag=rag,
                           received_at=now - dt.timedelta(minutes=7 * k + 3))
            contacted.append(person_id)

    # Alerts follow the allocation when a child is judged again (as the schedule would).
    if taken:
        alerts_evaluate_people(person_ids=sorted(taken, key=str), include_households=False)

    # What each person will ask for: only people the written policy lets them see.
    def seen(user, ids, scopes) -> list:
        return [pid for pid in ids if scope_of(user, pid) in scopes]

    full = {Scope.FULL}
    out_users: list[dict[str, Any]] = []
    for role, user, password in people:
        if role == "social_worker":
            ids = seen(user, allocated[user.pk], full)
        elif role == "team_manager":
            ids = seen(user, [p for w in workers if w.team_id == user.team_id for p in allocated[w.pk]], full)
        elif role == "front_door":
            ids = seen(user, contacted, full)
        elif role == "head_of_service":
            ids = seen(user, [*sorted(taken, key=str)[:40], *contacted], full)
        else:  # a partner: children their agency's records name (their agency's part of the picture)
            mine = list(Mention.objects.filter(agency=user.agency, withdrawn=False, link__person__isnull=False,
                                               link__person__merged_into__isnull=True,
                                               link__person__dob__gt=child_born_after)
                        .order_by("link__person_id").values_list("link__person_id", flat=True).distinct()[:60])
            rng.shuffle(mine)
            ids = seen(user, mine[:20], {Scope.FULL, Scope.AGENCY})
        if not ids:
            raise RuntimeError(f"setup: {user.username} ({role}) may see none of the children meant for them")
        persons = {p.pk: p for p in Person.objects.filter(pk__in=ids)}
        device = totp_device_provision(actor=DEMO_ACTOR, user=user)
        out_users.append({
            "username": user.username, "password": password, "totp_secret": secret_base32(device), "role": role,
            "people": [str(pid) for pid in ids],
            "names": sorted({persons[pid].family_name for pid in ids if persons[pid].family_name}),
            "lookups": [_identity(persons[pid]) for pid in ids] if role == "partner" else [],
        })

    out_feeds: list[dict[str, Any]] = []
    for user in feeds:
        _, secret = api_token_create(actor=DEMO_ACTOR, user=user, name="load bench feed")
        known_here = (Mention.objects.filter(agency=user.agency, withdrawn=False, link__person__isnull=False,
                                             dob__gt=child_born_after).exclude(Q(local_person_id="") | Q(dob=None))
                      .order_by("local_person_id").values("given_name", "family_name", "dob", "nhs_number",
                                                          "local_person_id", "sex").distinct()[:80])
        out_feeds.append({"username": user.username, "role": "feed", "agency": user.agency.code, "token": secret,
                          "children": [{**c, "dob": c["dob"].isoformat()} for c in known_here]})
    return {"users": out_users, "feeds": out_feeds, "counts": counts, "allocated": len(taken),
            "contacts": len(contacted)}


# --- the people: one thread each, its own session --------------------------------------------------------------

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
ALERT_LINK = re.compile(r'href="/alerts/([0-9a-f-]{36})/')
ATTENDANCE_CODES = ("fever", "vomiting", "asthma", "head injury", "fracture", "laceration", "rash")


class Stats:
    """Every timed request, by route: (milliseconds, outcome) with outcome "ok", "conflict" or "error"."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.by_route: dict[str, list[tuple[float, str]]] = {}
        self.error_samples: list[dict[str, Any]] = []

    def add(self, route: str, ms: float, outcome: str, status: int, note: str = "") -> None:
        with self.lock:
            self.by_route.setdefault(route, []).append((ms, outcome))
            if outcome == "error" and len(self.error_samples) < 20:
                self.error_samples.append({"route": route, "status": status, "note": note[:200]})

    def summary(self) -> dict[str, dict[str, Any]]:
        out = {}
        for route in sorted(self.by_route):
            rows = self.by_route[route]
            ms = [m for m, _ in rows]
            out[route] = {"count": len(rows), "errors": sum(o == "error" for _, o in rows),
                          "conflicts": sum(o == "conflict" for _, o in rows),
                          "p50_ms": round(_pct(ms, 50), 1), "p95_ms": round(_pct(ms, 95), 1),
                          "max_ms": round(max(ms, default=0.0), 1)}
        return out


class UserSession:
    """One person: their own HTTP session (cookies, CSRF token), signing in, then what their role does."""

    def __init__(self, base: str, spec: dict[str, Any], stats: Stats, sign_in_stats: Stats, rng: random.Random):
        import requests

        self.base, self.spec, self.stats, self.sign_in_stats, self.rng = base, spec, stats, sign_in_stats, rng
        self.role = spec["role"]
        self.session = requests.Session()
        self.csrf = ""
        self.alerts_seen: list[str] = []
        self.posted = 0

    # one request, timed and judged
    def request(self, method: str, route: str, path: str, *, ok=(200,), conflict=(), stats: Stats | None = None,
                **kwargs):
        import requests

        started = time.perf_counter()
        try:
            r = self.session.request(method, self.base + path, allow_redirects=False, timeout=60, **kwargs)
            _ = r.content
            status = r.status_code
        except requests.RequestException as exc:
            (stats or self.stats).add(route, (time.perf_counter() - started) * 1000, "error", 0, type(exc).__name__)
            return None
        ms = (time.perf_counter() - started) * 1000
        outcome = "ok" if status in ok else "conflict" if status in conflict else "error"
        note = r.headers.get("Location", "") if 300 <= status < 400 else ""
        (stats or self.stats).add(route, ms, outcome, status, note)
        if outcome == "error":
            return None
        if "text/html" in r.headers.get("Content-Type", ""):
            token = CSRF.search(r.text)
            if token:
                self.csrf = token.group(1)
        return r

    def sign_in(self) -> bool:
        from joinedup.accounts.mfa import code_from_base32

        s = self.sign_in_stats
        if self.request("GET", "GET /sign-in/", "/sign-in/", stats=s) is None:
            return False
        r = self.request("POST", "POST /sign-in/", "/sign-in/", ok=(302,), stats=s,
                         data={"username": self.spec["username"], "password": self.spec["password"],
                               "csrfmiddlewaretoken": self.csrf})
        if r is None or not r.headers.get("Location", "").startswith("/sign-in/code/"):
            return False
        if self.request("GET", "GET /sign-in/code/", "/sign-in/code/", stats=s) is None:
            return False
        r = self.request("POST", "POST /sign-in/code/", "/sign-in/code/", ok=(302,), stats=s,
                         data={"code": code_from_base32(self.spec["totp_secret"]), "csrfmiddlewaretoken": self.csrf})
        if r is None or r.headers.get("Location", "") not in ("/", self.base + "/"):
            return False
        return self.request("GET", "GET / (after sign-in)", "/", stats=s) is not None  # the new CSRF token

    # what people do
    def home(self) -> None:
        self.request("GET", "GET /", "/")

    def alerts(self) -> None:
        team = self.role in TEAM_INBOX
        path = "/alerts/team/" if team else "/alerts/"
        r = self.request("GET", f"GET {path}", path)
        if r is not None:
            self.alerts_seen = list(dict.fromkeys(ALERT_LINK.findall(r.text)))

    def alert_action(self) -> None:
        """Open one of the alerts last seen in the inbox and take the decision its page offers: acknowledge a new
        one, else record what was done (an escalate alert: a proposal), or agree with a proposal as a manager."""
        if not self.alerts_seen:
            self.alerts()
        if not self.alerts_seen:
            return
        alert_id = self.rng.choice(self.alerts_seen[:10])
        r = self.request("GET", "GET /alerts/<alert_id>/", f"/alerts/{alert_id}/")
        if r is None:
            return
        page = r.text
        if 'name="do" value="acknowledge"' in page:
            data = {"do": "acknowledge"}
        elif 'name="act-action"' in page:
            data = {"do": "act", "act-action": "Discussed with the family and the school; visit booked (load bench).",
                    "act-link": ""}
        elif 'name="do" value="agree"' in page:
            data = {"do": "agree", "agree-note": "Agreed (load bench)."}
        else:
            self.alerts_seen.remove(alert_id)  # closed, or waiting for someone else: nothing to decide here
            return
        data["csrfmiddlewaretoken"] = self.csrf
        self.request("POST", "POST /alerts/<alert_id>/", f"/alerts/{alert_id}/", ok=(302,), conflict=(409,),
                     data=data)
        if data["do"] != "acknowledge" and alert_id in self.alerts_seen:
            self.alerts_seen.remove(alert_id)

    def search(self) -> None:
        if self.request("GET", "GET /people/", "/people/") is None or not self.spec["names"]:
            return
        self.request("POST", "POST /people/", "/people/",
                     data={"name": self.rng.choice(self.spec["names"]), "dob": "", "nhs_number": "",
                           "csrfmiddlewaretoken": self.csrf})

    def _someone(self) -> str:
        return self.rng.choice(self.spec["people"])

    def person(self) -> None:
        self.request("GET", "GET /people/<person_id>/", f"/people/{self._someone()}/")

    def chronology(self) -> None:
        self.request("GET", "GET /people/<person_id>/chronology/", f"/people/{self._someone()}/chronology/")

    def household(self) -> None:
        self.request("GET", "GET /people/<person_id>/chronology/?household=on",
                     f"/people/{self._someone()}/chronology/?household=on")

    def lookup(self) -> None:
        if self.request("GET", "GET /lookup/", "/lookup/") is None:
            return
        child = self.rng.choice(self.spec["lookups"])
        data = ({"nhs_number": child["nhs_number"]} if child["nhs_number"] and self.rng.random() < 0.7 else
                {"given_name": child["given_name"], "family_name": child["family_name"],
                 "dob": child["dob"]})
        self.request("POST", "POST /lookup/", "/lookup/",
                     data={"nhs_number": "", "given_name": "", "family_name": "", "dob": "",
                           "reason": "Seen in clinic today", **data, "csrfmiddlewaretoken": self.csrf})

    def post_record(self) -> None:
        spec = self.spec
        self.posted += 1
        srid = f"load-{spec['username']}-{self.posted}"
        now = dt.datetime.now(dt.UTC)
        if self.posted % 5 == 0 or not spec["children"]:  # a baby's injury: R1 raises an alert at the front door
            record = _baby(spec["agency"], srid, self.rng, now)
            record["source_system"] = "load-bench"
        else:  # a child the hospital knows, attending the emergency department
            child = self.rng.choice(spec["children"])
            mention = {"mention_id": "m1", "role": "patient", **{k: v for k, v in child.items() if v}}
            record = {
                "schema": "joinedup.agency-record/1", "agency_id": spec["agency"], "source_system": "load-bench",
                "source_record_id": srid, "version": 1, "kind": "ed_attendance",
                "occurred_at": (now - dt.timedelta(minutes=50)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "recorded_at": (now - dt.timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "mentions": [mention],
                "detail": {"arrival": "walk-in", "disposal": "discharged", "code": self.rng.choice(ATTENDANCE_CODES),
                           "author_role": "Emergency department nurse"},
            }
        self.request("POST", "POST /api/v1/records/", "/api/v1/records/", ok=(200, 201), json=record,
                     headers={"Authorization": f"Bearer {spec['token']}"})

    def warm_up(self, stats: Stats) -> None:
        """Each of the role's actions once, counted apart (each gunicorn worker's first pages load its code)."""
        timed, self.stats = self.stats, stats
        try:
            for action in ACTIONS[self.role]:
                getattr(self, action)()
        finally:
            self.stats = timed

    def loop(self, until: float, think: float) -> None:
        """Until `until`: the role's actions in a shuffled deck (each as often as its weight, every one in each
        round), a think time after each."""
        deck: list[str] = []
        time.sleep(self.rng.uniform(0, think))  # not all at once
        while time.monotonic() < until:
            if not deck:
                deck = [name for name, weight in ACTIONS[self.role].items() for _ in range(weight)]
                self.rng.shuffle(deck)
            getattr(self, deck.pop())()
            time.sleep(self.rng.uniform(0.5 * think, 1.5 * think))


def _processes() -> dict[int, tuple[int, float, float, str]]:
    """Every process: pid → (parent pid, its own CPU seconds, the CPU seconds of its children already ended, command
    line), from /proc (Linux; empty elsewhere)."""
    hz = os.sysconf("SC_CLK_TCK")
    table: dict[int, tuple[int, float, float, str]] = {}
    with contextlib.suppress(OSError):
        entries = os.listdir("/proc")
        for entry in entries:
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as f:
                    stat = f.read()
                with open(f"/proc/{entry}/cmdline", "rb") as f:
                    command = f.read().replace(b"\0", b" ").decode(errors="replace")
            except OSError:  # ended meanwhile
                continue
            fields = stat[stat.rfind(")") + 2:].split()  # state, ppid, … utime (11), stime, cutime, cstime (14)
            table[int(entry)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / hz,
                                 (int(fields[13]) + int(fields[14])) / hz, command)
    return table


def _busy_seconds() -> float:
    """CPU seconds all the cores have spent busy since boot (/proc/stat: everything but idle and I/O wait)."""
    try:
        with open("/proc/stat") as f:
            ticks = [int(v) for v in f.readline().split()[1:9]]
    except OSError:
        return 0.0
    return (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")


class CpuMeter:
    """Where the CPU went while the people worked: the bench's own process (the people's client), gunicorn (master
    and workers), the task worker and PostgreSQL (the cluster's postmaster, found by its port, and its backends), each
    with its descendants; "other" is the machine's busy time less those (other work on the machine shows there)."""

    GROUPS = ("client", "gunicorn", "worker", "postgresql", "other")

    def __init__(self, *, server_pid: int | None, worker_pid: int | None, postgres_port: int | None) -> None:
        self.server_pid, self.worker_pid, self.postgres_port = server_pid, worker_pid, postgres_port
        self.first: dict[str, float] = {}

    def _roots(self, table: dict[int, tuple[int, float, float, str]]) -> dict[str, int | None]:
        postmaster = next((pid for pid, (_, _, _, cmd) in table.items()
                           if self.postgres_port and "postgres" in cmd.split(" ", 1)[0]
                           and f"-p {self.postgres_port}" in cmd), None)
        return {"gunicorn": self.server_pid, "worker": self.worker_pid, "postgresql": postmaster}

    def read(self) -> dict[str, float]:
        """CPU seconds so far by group (the groups' processes and their descendants, ended ones included)."""
        table = _processes()
        children: dict[int, list[int]] = {}
        for pid, (ppid, _, _, _) in table.items():
            children.setdefault(ppid, []).append(pid)

        def tree(root: int | None) -> float:
            if root is None or root not in table:
                return 0.0
            total, stack = 0.0, [root]
            while stack:
                pid = stack.pop()
                _, own, ended, _ = table[pid]
                total += own + ended
                stack.extend(children.get(pid, ()))
            return total

        me = table.get(os.getpid())
        figures = {"client": me[1] if me else 0.0}  # its own threads only: the set-up's commands ended long before
        figures.update({name: tree(root) for name, root in self._roots(table).items()})
        figures["other"] = _busy_seconds() - sum(figures.values())
        return figures

    def start(self) -> None:
        self.first = self.read()

    def summary(self, seconds: float) -> dict[str, Any]:
        """CPU seconds by group since `start`, and each as a share of all the cores' time over `seconds`."""
        last = self.read()
        used = {name: round(max(0.0, last[name] - self.first.get(name, 0.0)), 1) for name in self.GROUPS}
        capacity = seconds * (os.cpu_count() or 1)
        return {"seconds": used,
                "share_of_cores": {name: round(v / capacity, 3) if capacity else 0.0 for name, v in used.items()}}


class LoadSampler:
    """The machine's one-minute load average every 5 s while the people work (other work on it shows here)."""

    def __init__(self) -> None:
        self.samples: list[float] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self.stop.is_set():
            self.samples.append(os.getloadavg()[0])
            self.stop.wait(5)

    def summary(self) -> dict[str, float]:
        s = self.samples or [os.getloadavg()[0]]
        return {"min": round(min(s), 2), "mean": round(sum(s) / len(s), 2), "max": round(max(s), 2)}


# --- the whole run ----------------------------------------------------------------------------------------------


def server_timings(log: Path, start: int, end: int) -> dict[str, dict[str, Any]]:
    """The server's own time for each request (`joinedup.core.middleware`'s request lines, between two offsets of
    gunicorn's log), by method and route name: from the request reaching Django to the answer, without the time it
    waited for a free gunicorn worker."""
    times: dict[str, list[float]] = {}
    with log.open("rb") as f:
        f.seek(start)
        for raw in f.read(end - start).splitlines():
            with contextlib.suppress(ValueError):
                line = json.loads(raw)
                if line.get("logger") == "joinedup.request" and "duration_ms" in line:
                    times.setdefault(f"{line.get('method')} {line.get('route')}", []).append(line["duration_ms"])
    return {route: {"count": len(ms), "p50_ms": round(_pct(ms, 50), 1), "p95_ms": round(_pct(ms, 95), 1),
                    "max_ms": round(max(ms), 1)} for route, ms in sorted(times.items())}


def _prepare(url: str, folder: Path, *, children: int, users: int, seed: int,
             out: TextIO) -> tuple[dict, dict, dict[str, float]]:
    # The deployment's settings, with a secret key and a var/ of its own (the static files collected as `joinedup
    # serve` collects them when they are missing: pages name them by their hashed names).
    env = {**env_for(url), "DJANGO_SETTINGS_MODULE": "config.settings.development", "JOINEDUP_ENV": "development",
           "JOINEDUP_LOG_LEVEL": "WARNING", "JOINEDUP_VAR_DIR": str(folder / "var"),
           "SECRET_KEY": secrets.token_urlsafe(64)}
    timings: dict[str, float] = {}

    def start(*args: str) -> tuple[subprocess.Popen, threading.Thread, list[str]]:
        """`joinedup <args>` started; a thread reads what it says and times it to its end."""
        proc = subprocess.Popen([sys.executable, "-m", "joinedup.cli", *args], env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True)
        said = [args[0]]  # what it is, then what it said on stderr
        began = time.monotonic()

        def finish() -> None:
            said.append(proc.communicate()[1])
            timings[args[0]] = round(time.monotonic() - began, 1)

        thread = threading.Thread(target=finish, daemon=True)
        thread.start()
        return proc, thread, said

    def wait(started: tuple[subprocess.Popen, threading.Thread, list[str]]) -> None:
        proc, thread, said = started
        thread.join()
        if proc.returncode != 0:
            raise RuntimeError(f"joinedup {said[0]} failed:\n{said[-1][-3000:]}")

    assets = Path(joinedup.__file__).resolve().parent / "web" / "static" / "build" / "app.css"
    if not assets.exists():  # every page names it: without it each answers 500 and the bench fails at sign-in
        raise RuntimeError(f"GOV.UK Frontend's assets are not built ({assets} is missing): run `make setup` first")
    say(out, f"  migrating; simulating {children:,} children over the year to this month…")
    today = dt.date.today()  # the year ends this month, as the demo's period does (live clocks, recent contacts)
    sim = folder / "simulated"
    simulating = start("simulate", "--children", str(children), "--years", "1", "--seed", str(seed), "--out",
                       str(sim), "--start", dt.date(today.year - 1, today.month, 1).isoformat(), "--no-progress")
    collecting = start("collectstatic", "--noinput", "-v", "0")
    wait(start("migrate", "--noinput", "-v", "0"))
    here_json(env, "load", "--teams")
    wait(simulating)
    wait(collecting)  # before linking, whose long transaction would hold it up
    say(out, "  loading and linking it…")
    wait(start("ingest", "--register-agencies", "--link-follows", "--no-progress", str(sim)))
    wait(start("link"))
    say(out, f"  {users} people: accounts, allocations, contacts… (so far: {timings})")
    began = time.monotonic()
    setup = here_json(env, "load", "--setup", "--users", str(users), "--seed", str(seed))
    timings["setup"] = round(time.monotonic() - began, 1)
    return env, setup, timings


def measure(url: str, folder: Path, *, children: int, users: int, seconds: float, think: float, seed: int,
            workers: int, out: TextIO) -> dict[str, Any]:
    began_all = time.monotonic()
    env, setup, timings = _prepare(url, folder, children=children, users=users, seed=seed, out=out)
    server = Server({**env, "JOINEDUP_LOG_LEVEL": "INFO"}, folder, workers=workers)  # INFO: each request's own time
    worker = Worker(env, folder / "worker.log")
    stats, sign_in_stats, warm_stats = Stats(), Stats(), Stats()
    rng = random.Random(seed)
    sampler = LoadSampler()
    specs = [*setup["users"], *setup["feeds"]]
    try:
        server.start()
        worker.start()
        people = [UserSession(server.url, spec, stats, sign_in_stats, random.Random(rng.random())) for spec in specs]
        humans = [p for p in people if p.role != "feed"]
        say(out, f"  signing {len(humans)} people in (password, then authenticator code)…")
        began = time.monotonic()
        with ThreadPoolExecutor(max_workers=4) as pool:
            signed = list(pool.map(lambda p: p.sign_in(), humans))
        timings["sign_in"] = round(time.monotonic() - began, 1)
        failed = [p.spec["username"] for p, ok in zip(humans, signed, strict=True) if not ok]
        if failed:
            raise RuntimeError(f"sign-in failed for {', '.join(failed)}: {sign_in_stats.error_samples[:3]}")
        began = time.monotonic()
        with ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(lambda p: p.warm_up(warm_stats), people))
        timings["warm_up"] = round(time.monotonic() - began, 1)
        say(out, f"  {len(people)} people working for {seconds:g} s (think time about {think:g} s)…")
        sampler.thread.start()
        meter = CpuMeter(server_pid=server.proc.pid if server.proc else None,
                         worker_pid=worker.proc.pid if worker.proc else None, postgres_port=urlsplit(url).port)
        meter.start()
        log_from = server.log.stat().st_size
        began = time.monotonic()
        until = began + seconds
        threads = [threading.Thread(target=p.loop, args=(until, think), daemon=True) for p in people]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=seconds + 300)
        elapsed = time.monotonic() - began
        cpu = meter.summary(elapsed)
        log_to = server.log.stat().st_size
    finally:
        sampler.stop.set()
        worker.stop()
        server.stop()
    routes = stats.summary()
    requests_n = sum(r["count"] for r in routes.values())
    errors = sum(r["errors"] for r in routes.values())
    sign_in, warm_up = sign_in_stats.summary(), warm_stats.summary()
    sign_in_errors = sum(r["errors"] for r in [*sign_in.values(), *warm_up.values()])
    over = sorted(r for r, v in routes.items() if v["p95_ms"] > P95_MS)
    result = {
        "database": "PostgreSQL", "children": children, "users": len(people), "roles": setup["counts"],
        "seconds": seconds, "think_seconds": think, "seed": seed, "gunicorn_workers": workers,
        "allocated_children": setup["allocated"], "contacts": setup["contacts"],
        "routes": routes, "server": server_timings(server.log, log_from, log_to), "sign_in": sign_in,
        "warm_up": warm_up, "requests": requests_n, "errors": errors + sign_in_errors,
        "conflicts": sum(r["conflicts"] for r in routes.values()),
        "requests_per_second": round(requests_n / elapsed, 1) if elapsed else 0.0,
        "records_posted": routes.get("POST /api/v1/records/", {}).get("count", 0),
        "error_samples": [*sign_in_stats.error_samples, *warm_stats.error_samples, *stats.error_samples][:10],
        "routes_over_p95_target": over, "load_average": sampler.summary(), "cpus": os.cpu_count(), "cpu": cpu,
        "phase_seconds": {**timings, "all": round(time.monotonic() - began_all, 1)},
    }
    result["targets"] = {"no_errors": result["errors"] == 0 and requests_n > 0,
                         "p95_at_most_300_ms_every_route": not over and requests_n > 0}
    say(out, "  CPU while they worked (share of all cores): " + ", ".join(
        f"{name} {cpu['seconds'][name]:,.0f} s ({cpu['share_of_cores'][name]:.0%})" for name in CpuMeter.GROUPS))
    worst = max(routes.items(), key=lambda kv: kv[1]["p95_ms"], default=("", {"p95_ms": 0}))
    say(out, f"  {requests_n:,} requests ({result['requests_per_second']} a second), {result['errors']} errors, "
             f"{result['conflicts']} conflicts; slowest p95 {worst[1]['p95_ms']} ms ({worst[0]})")
    return result


def run(*, users: int = 50, seconds: float = 300.0, children: int = 2000, think: float = 2.0, seed: int = 1,
        workers: int = 2, out: TextIO) -> dict[str, Any]:
    with throwaway_postgres_and_folder("bench-load-") as (url, folder):
        return measure(url, Path(folder), children=children, users=users, seconds=seconds, think=think, seed=seed,
                       workers=workers, out=out)
