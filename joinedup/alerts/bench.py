"""`joinedup bench alerts`: replay a simulated authority in time order through the rule catalogue.

    JOINEDUP_ENV=development joinedup bench alerts --children 20000 --seed 1 --json

What it does, as the product would, without a database:

1. Simulate an authority into a temporary folder. (Alerts may not import the simulator — the two are
   independent layers in pyproject's import-linter contract — so the caller passes `simulate`; the
   `bench` command, in the web layer above both, passes `joinedup.simulate.generate`.)
2. Identify people with the engine's batch linkage (`joinedup.people.linkage.pipeline.link_mentions`,
   as `joinedup bench linkage` does) over every mention of the feed: a person is a linkage cluster, with
   the most often written date of birth and sex. Mentions nobody could link are unidentified (their
   address sightings still count, as the product's unidentified sightings do). The truth files are read
   only to score.
3. Replay every record version in arrival order (`amended_at` for a later version, else `recorded_at`):
   each record becomes an `Event` for each person it names (`event_from_payload`, the chronology's own
   function); a mention with an address is a sighting (`joinedup.ingest.addresses.address_key`, slips
   folded by `people.residence.canonical_address_keys`), households come from sightings
   (`people.residence.build_episodes`, co-residence as the household screen computes it), and children's
   social care's household record is "the people named in a CSC record that names the child".
4. On each arrival, every child the record touches — children it names and the children living at the
   addresses of everyone it names — is evaluated with every rule; each day at 06:00 UTC the time-based
   rules run for children with an open plan, recent casework, a recent injury or an open alert (the
   product's schedule). One open alert per rule per child: a finding raises an alert when none is open
   and updates the open one otherwise; an open alert closes when its rule no longer finds anything (rules
   look back over fixed windows, so an alert closes once its evidence ages out of the window). Nobody acts
   on or dismisses an alert in the replay.
5. Warm-up: records before the period and in its first `WARMUP_DAYS` days load as history without
   evaluation; then every child is evaluated once (as after a bulk load) and the replay continues. The
   simulator's initial extract carries open cases' plans but not their earlier visits, so evaluating
   from day one would report every open case's visits as overdue.

Scoring (truth/harm_episodes.csv): an episode is detected if an alert from a non-context rule was raised,
or updated with new evidence, for the victim (the person whose mentions are mostly the victim's) on or
after the onset day and before the outcome day; lead = outcome day − first such day. Alert burden counts
alerts raised (updates do not count) per 1,000 child-months (children under 18, from the truth persons,
over the evaluated period). Latency is the time to rebuild the context of every child a record touches
and evaluate all rules, per arriving record.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from joinedup.alerts.rules.base import CONTEXT_ONLY, PROCESS_FAILURE, ChildContext, Finding, HouseholdMember, Rule
from joinedup.chronology.events import Event, event_from_payload, plan_periods
from joinedup.ingest.addresses import address_key
from joinedup.people.linkage.authority import iter_records, mention_dict
from joinedup.people.residence import (
    CO_RESIDENCE_MARGIN_DAYS,
    Episode,
    Sighting,
    build_episodes,
    canonical_address_keys,
)

UTC = dt.UTC
ADULT_AGE = 18
WARMUP_DAYS = 56
SCHEDULE_TIME = dt.time(6, 0)
AGE_BANDS = (("0-1", 0, 1), ("1-4", 1, 5), ("5-10", 5, 11), ("11-17", 11, 18))
AROUND_CHILD_ROLES = frozenset({
    "carer", "parent", "partner", "friend", "accompanying_adult", "present", "household_member", "occupant",
    "next_of_kin", "emergency_contact", "tenant", "joint_tenant", "suspect", "offender",
})
INJURY_KINDS = frozenset({"injury", "ed_attendance", "admission", "ambulance_callout"})
Progress = Callable[[str], None]
Simulate = Callable[[int, int, int, Path], None]


# --- reading a simulated authority ------------------------------------------------------------------


def _parse_dt(value: str) -> dt.datetime:
    out = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return out if out.tzinfo else out.replace(tzinfo=UTC)


def _date(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def _age_years(dob: dt.date, on: dt.date) -> int:
    return on.year - dob.year - ((on.month, on.day) < (dob.month, dob.day))


# --- people as identified ---------------------------------------------------------------------------


@dataclass
class PersonInfo:
    dob: dt.date | None = None
    sex: str = ""
    expected: bool = False  # named as an unborn child somewhere
    label: str = ""


@dataclass
class State:
    """Everything received so far, per identified person."""

    events: dict[str, dict[str, Event]] = field(default_factory=lambda: defaultdict(dict))
    sorted_events: dict[str, list[Event]] = field(default_factory=dict)
    sightings: dict[str, list[Sighting]] = field(default_factory=lambda: defaultdict(list))
    episodes: dict[str, tuple[int, list[Episode]]] = field(default_factory=dict)
    at_address: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    address_count: Counter = field(default_factory=Counter)
    unidentified: dict[str, list[tuple[dt.date, str, str, str]]] = field(default_factory=lambda: defaultdict(list))
    csc_named_with: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    known_to_csc: set[str] = field(default_factory=set)
    companions: dict[str, dict[str, list]] = field(default_factory=lambda: defaultdict(dict))
    household_cache: dict[str, tuple[tuple, list[HouseholdMember]]] = field(default_factory=dict)
    context_cache: dict[str, tuple[tuple, ChildContext]] = field(default_factory=dict)
    version: Counter = field(default_factory=Counter)  # bumped whenever a person's events change
    # children the schedule looks at
    casework_on: dict[str, dt.date] = field(default_factory=dict)
    injury_on: dict[str, dt.date] = field(default_factory=dict)
    open_plan: set[str] = field(default_factory=set)

    def events_of(self, pid: str) -> list[Event]:
        got = self.sorted_events.get(pid)
        if got is None:
            got = sorted(self.events[pid].values(), key=lambda e: e.sort_key)
            self.sorted_events[pid] = got
        return got

    def episodes_of(self, pid: str) -> list[Episode]:
        n = len(self.sightings[pid])
        cached = self.episodes.get(pid)
        if cached is not None and cached[0] == n:
            return cached[1]
        eps = build_episodes(self.sightings[pid])
        self.episodes[pid] = (n, eps)
        return eps


class Replay:
    def __init__(self, rules: list[Rule], person_of: dict[tuple[str, str, str], str], info: dict[str, PersonInfo],
                 agency_kinds: dict[str, str], agency_names: dict[str, str], canonical: dict[str, str]):
        self.rules = rules
        self.timed = [r for r in rules if r.time_based]
        self.person_of = person_of
        self.info = info
        self.agency_kinds = agency_kinds
        self.agency_names = agency_names
        self.canonical = canonical
        self.s = State()
        self.open: dict[tuple[str, str], dict[str, Any]] = {}
        self.log: list[dict[str, Any]] = []  # raised and updated-with-new-evidence alerts
        self.raised = 0
        self.closed = 0
        self.evaluations = 0
        self.counting = False

    # -- people ---------------------------------------------------------------------------------
    def is_child(self, pid: str, on: dt.date) -> bool:
        p = self.info.get(pid)
        if p is None:
            return False
        if p.dob is None:
            return p.expected
        return p.dob > _years_before(on, ADULT_AGE) and p.dob <= on + dt.timedelta(days=300)

    def is_adult(self, pid: str, on: dt.date) -> bool | None:
        p = self.info.get(pid)
        if p is None or p.dob is None:
            return None if p is None or not p.expected else False
        return _age_years(p.dob, on) >= ADULT_AGE

    # -- receiving ------------------------------------------------------------------------------
    def receive(self, rec: dict[str, Any]) -> set[str]:
        """Add one record version to the state; returns the people it names."""
        s = self.s
        agency = rec["agency_id"]
        srid = rec["source_record_id"]
        kind_of_agency = self.agency_kinds.get(agency, "")
        by_person: dict[str, set[str]] = defaultdict(set)
        roles: dict[str, set[str]] = defaultdict(set)
        occurred = (rec.get("occurred_on") or (rec.get("occurred_at") or "")[:10])
        day = dt.date.fromisoformat(occurred)
        for m in rec["mentions"]:
            pid = self.person_of.get((agency, srid, m["mention_id"]))
            addr = m.get("address") or {}
            key = ""
            if addr and not addr.get("protected"):
                key = address_key(addr.get("lines"), addr.get("postcode"), addr.get("uprn"))
                key = self.canonical.get(key, key)
            if pid is None:
                if key and rec.get("version", 1) == 1:
                    label = m.get("relationship_label") or m.get("role") or "adult"
                    s.unidentified[key].append((day, f"unidentified:{key}:{day}:{label}", f"Unidentified: “{label}”",
                                                agency))
                continue
            by_person[pid].add(m["mention_id"])
            roles[pid].add(m.get("role") or "")
            if key and rec.get("version", 1) == 1:
                s.sightings[pid].append(Sighting(pid, key, day, agency))
                s.at_address[key].add(pid)
                s.address_count[key] += 1
        people = set(by_person)
        for pid, mids in by_person.items():
            ev = event_from_payload(rec, mention_ids=mids, agency_name=self.agency_names.get(agency, agency),
                                    agency_kind=kind_of_agency, person_id=pid, person_label=self.info[pid].label)
            s.events[pid][ev.key] = ev
            s.sorted_events.pop(pid, None)
            s.version[pid] += 1
            if ev.plan and (ev.ended_on is None or ev.ended_on > day):
                s.open_plan.add(pid)
            if ev.kind in INJURY_KINDS or ev.injury is not None:
                s.injury_on[pid] = max(day, s.injury_on.get(pid, day))
        if kind_of_agency == "childrens_social_care":
            s.known_to_csc |= people
            for pid in people:
                s.csc_named_with[pid] |= people - {pid}
                s.casework_on[pid] = max(day, s.casework_on.get(pid, day))
        children = [p for p in people if self.is_child(p, day)]
        for c in children:
            for other in people:
                if other == c or not (roles[other] & AROUND_CHILD_ROLES):
                    continue
                entry = s.companions[c].get(other)
                if entry is None:
                    s.companions[c][other] = [day, day, {agency}]
                else:
                    entry[0], entry[1] = min(entry[0], day), max(entry[1], day)
                    entry[2].add(agency)
        return people

    def touched_children(self, people: set[str], on: dt.date) -> list[str]:
        """The children a record touches: those it names, and the children at the addresses of everyone it names."""
        out = {p for p in people if self.is_child(p, on)}
        keys = set()
        for p in people:
            keys |= {x.address_key for x in self.s.sightings.get(p, ())}
        for k in keys:
            for other in self.s.at_address.get(k, ()):
                if other not in out and self.is_child(other, on):
                    out.add(other)
        return sorted(out)

    # -- a child's context ----------------------------------------------------------------------
    def household(self, child: str) -> list[HouseholdMember]:
        s = self.s
        eps = s.episodes_of(child)
        stamp = (len(s.sightings[child]), *(
            (s.address_count[e.address_key], len(s.unidentified.get(e.address_key, ()))) for e in eps))
        cached = s.household_cache.get(child)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        margin = dt.timedelta(days=CO_RESIDENCE_MARGIN_DAYS)
        named = s.csc_named_with.get(child, set())
        members: list[HouseholdMember] = []
        for ep in eps:
            ep_end = ep.presumed_until or ep.last_seen_on
            for other in s.at_address.get(ep.address_key, ()):
                if other == child:
                    continue
                for oe in s.episodes_of(other):
                    if oe.address_key != ep.address_key or not ep.overlaps(oe):
                        continue
                    start = max(ep.first_seen_on, oe.first_seen_on)
                    end = min(ep_end, oe.presumed_until or oe.last_seen_on)
                    if end < start:
                        continue
                    members.append(HouseholdMember(
                        person_id=other, label=self.info[other].label,
                        is_adult=self.is_adult(other, min(oe.last_seen_on, ep.last_seen_on)), start=start, end=end,
                        in_csc_household_record=other in named, known_to_csc=other in s.known_to_csc,
                        agencies=tuple(sorted(self.agency_names.get(a, a) for a in oe.agency_codes)),
                    ))
            for day, uid, label, agency in s.unidentified.get(ep.address_key, ()):
                if ep.first_seen_on - margin <= day <= ep_end + margin:
                    members.append(HouseholdMember(uid, label, True, day, day,
                                                   agencies=(self.agency_names.get(agency, agency),)))
        members.sort(key=lambda m: (m.start, m.label))
        s.household_cache[child] = (stamp, members)
        return members

    def context(self, child: str) -> ChildContext:
        """The child as received so far (cached until their events, household or housemates' events change)."""
        s = self.s
        household = self.household(child)
        companions = s.companions.get(child, {})
        stamp = (s.version[child], id(household), len(companions), len(s.csc_named_with.get(child, ())),
                 tuple(s.version[m.person_id] for m in household), sum(s.version[o] for o in companions))
        cached = s.context_cache.get(child)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        ctx = self._context(child, household)
        s.context_cache[child] = (stamp, ctx)
        return ctx

    def _context(self, child: str, household: list[HouseholdMember]) -> ChildContext:
        s = self.s
        own = s.events_of(child)
        named = s.csc_named_with.get(child, set())
        household = [m if m.person_id.startswith("unidentified:") else
                     replace(m, in_csc_household_record=m.person_id in named, known_to_csc=m.person_id in s.known_to_csc)
                     for m in household]
        own_keys = {e.key for e in own}
        windows: dict[str, tuple[dt.date, dt.date]] = {}
        for m in household:
            if m.person_id.startswith("unidentified:"):
                continue
            lo, hi = windows.get(m.person_id, (m.start, m.end))
            windows[m.person_id] = (min(lo, m.start), max(hi, m.end))
        household_events = []
        for pid, (lo, hi) in windows.items():
            for e in s.events_of(pid):
                if lo <= e.occurred_on <= hi and e.key not in own_keys:
                    household_events.append(e)
        household_events.sort(key=lambda e: e.sort_key)
        companions = []
        for other, (first, last, agencies) in s.companions.get(child, {}).items():
            adult = self.is_adult(other, last)
            if adult is False:
                continue
            companions.append(HouseholdMember(
                other, self.info[other].label, adult, first, last,
                in_csc_household_record=other in s.csc_named_with.get(child, ()), known_to_csc=other in s.known_to_csc,
                agencies=tuple(sorted(self.agency_names.get(a, a) for a in agencies))))
        info = self.info[child]
        return ChildContext(child, info.dob, info.sex, own, household, household_events, plan_periods(own), companions)

    # -- evaluating -----------------------------------------------------------------------------
    def evaluate(self, child: str, at: dt.datetime, rules: list[Rule]) -> None:
        ctx = self.context(child)
        self.evaluations += 1
        for rule in rules:
            finding = rule(ctx, at)
            if rule.kind == CONTEXT_ONLY and finding is not None:
                raise AssertionError(f"context rule {rule.id} produced a finding")
            self._apply(child, rule, finding, at)

    def _apply(self, child: str, rule: Rule, finding: Finding | None, at: dt.datetime) -> None:
        key = (child, rule.id)
        alert = self.open.get(key)
        if finding is None:
            if alert is not None:
                del self.open[key]
                self.closed += 1
            return
        if alert is None:
            self.open[key] = {"evidence": set(finding.evidence), "raised_at": at}
            if self.counting:
                self.raised += 1
            self.log.append({"child": child, "rule": rule.id, "kind": rule.kind, "at": at, "raised": True,
                             "counted": self.counting, "severity": finding.severity})
            return
        new = set(finding.evidence) - alert["evidence"]
        alert["evidence"] |= set(finding.evidence)
        if new:
            self.log.append({"child": child, "rule": rule.id, "kind": rule.kind, "at": at, "raised": False,
                             "counted": self.counting, "severity": finding.severity})

    def schedule_children(self, on: dt.date) -> list[str]:
        s = self.s
        ids = set(s.open_plan)
        year = on - dt.timedelta(days=365)
        ids |= {p for p, d in s.casework_on.items() if d >= year}
        month = on - dt.timedelta(days=30)
        ids |= {p for p, d in s.injury_on.items() if d >= month}
        ids |= {c for c, _r in self.open}
        # plans that have ended drop out of the open set
        s.open_plan = {p for p in s.open_plan
                       if any(pl.end is None or pl.end > on for pl in plan_periods(s.events_of(p)))}
        return sorted(p for p in ids if self.is_child(p, on))


# --- the run --------------------------------------------------------------------------------------


def _say(progress: Progress | None) -> Progress:
    if progress is not None:
        return progress
    return lambda msg: print(msg, file=sys.stderr, flush=True)


def _most_common(values: list[Any]) -> Any:
    values = [v for v in values if v]
    if not values:
        return None
    return Counter(values).most_common(1)[0][0]


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    values = sorted(values)
    i = min(len(values) - 1, max(0, round(q * (len(values) - 1))))
    return values[i]


def _band(age: int) -> str | None:
    for name, lo, hi in AGE_BANDS:
        if lo <= age < hi:
            return name
    return None


def replay(directory: Path, *, rules: list[Rule] | None = None, seed: int = 1, progress: Progress | None = None,
           warmup_days: int = WARMUP_DAYS) -> dict[str, Any]:
    """Replay a simulated authority's folder through the rules and score against its truth files."""
    from joinedup.alerts.rules.catalogue import RULES
    from joinedup.people.linkage.pipeline import link_mentions

    say = _say(progress)
    rules = list(RULES if rules is None else rules)
    directory = Path(directory)
    manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
    config = manifest["config"]
    start = dt.date.fromisoformat(config["start"])
    years = int(config["years"])
    end = _add_years(start, years)
    agencies = json.loads((directory / "agencies.json").read_text(encoding="utf-8"))
    agency_kinds = {a["id"]: a["kind"] for a in agencies}
    agency_names = {a["id"]: a["name"] for a in agencies}

    t0 = time.perf_counter()
    records = list(iter_records(directory))
    say(f"read {len(records):,} record versions in {time.perf_counter() - t0:.0f} s; identifying people…")

    # identify people with the engine's linkage (not the truth)
    mentions: list[dict[str, Any]] = []
    keys: list[tuple[str, str, str]] = []
    seen: set[tuple[str, str, str]] = set()
    address_counts: Counter = Counter()
    same: set[tuple[str, str]] = set()
    for r in records:
        for m in r["mentions"]:
            k = (r["agency_id"], r["source_record_id"], m["mention_id"])
            addr = m.get("address") or {}
            if addr and not addr.get("protected") and r.get("version", 1) == 1:
                ak = address_key(addr.get("lines"), addr.get("postcode"), addr.get("uprn"))
                if ak:
                    address_counts[ak] += 1
                    if addr.get("uprn"):
                        plain = address_key(addr.get("lines"), addr.get("postcode"), None)
                        if plain:
                            address_counts[plain] += 0
                            same.add((ak, plain))
            if k in seen:
                continue
            seen.add(k)
            keys.append(k)
            mentions.append(mention_dict(r, m))
    t1 = time.perf_counter()
    result = link_mentions(mentions, seed=seed, progress=lambda msg: say("linkage: " + msg))
    link_seconds = time.perf_counter() - t1
    person_of: dict[tuple[str, str, str], str] = {}
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for k, m, cluster, how in zip(keys, mentions, result.person_of_mention, result.linked_by, strict=True):
        if how.startswith("unlinked"):
            continue
        pid = f"P{cluster}"
        person_of[k] = pid
        grouped[pid].append(m)
    info: dict[str, PersonInfo] = {}
    for pid, ms in grouped.items():
        dob = _date(_most_common([m["dob"] for m in ms]))
        sex = _most_common([m["sex"] for m in ms if m["sex"] != "unknown"]) or ""
        given = _most_common([m["given_name"] for m in ms if m["given_name"] != "Baby"]) or \
            _most_common([m["given_name"] for m in ms]) or ""
        family = _most_common([m["family_name"] for m in ms]) or ""
        label = f"{given} {family}".strip() or _most_common([m["relationship_label"] for m in ms]) or pid
        info[pid] = PersonInfo(dob, sex, any(m["expected_due_on"] for m in ms), label)
    del mentions, grouped, result
    canonical = canonical_address_keys(dict(address_counts), same)
    say(f"linked into {len(info):,} people in {link_seconds:.0f} s; replaying in time order…")

    # replay
    def arrival(r: dict[str, Any]) -> str:
        return r.get("amended_at") or r["recorded_at"]

    records.sort(key=lambda r: (_parse_dt(arrival(r)), r["agency_id"], r["source_record_id"], r.get("version", 1)))
    rp = Replay(rules, person_of, info, agency_kinds, agency_names, canonical)
    go_live = _midnight(start + dt.timedelta(days=warmup_days))
    live = False
    next_schedule: dt.datetime | None = None
    latencies: list[float] = []
    t2 = time.perf_counter()
    step = max(1, len(records) // 20)
    for n, rec in enumerate(records, 1):
        at = _parse_dt(arrival(rec))
        if not live and at >= go_live:
            live = True
            rp.counting = True
            children = sorted({p for p in info if rp.is_child(p, go_live.date())})
            say(f"go-live {go_live.date()}: evaluating all {len(children):,} children once…")
            for c in children:
                rp.evaluate(c, go_live, rules)
            next_schedule = dt.datetime.combine(go_live.date() + dt.timedelta(days=1), SCHEDULE_TIME, tzinfo=UTC)
        while live and next_schedule is not None and next_schedule <= at:
            for c in rp.schedule_children(next_schedule.date()):
                rp.evaluate(c, next_schedule, rp.timed)
            next_schedule += dt.timedelta(days=1)
        people = rp.receive(rec)
        if live:
            started = time.perf_counter()
            for c in rp.touched_children(people, at.date()):
                rp.evaluate(c, at, rules)
            latencies.append((time.perf_counter() - started) * 1000)
        if n % step == 0:
            say(f"replayed {n:,} of {len(records):,} records ({at.date()}) in {time.perf_counter() - t2:.0f} s; "
                f"{rp.raised:,} alerts raised, {len(rp.open):,} open")
    replay_seconds = time.perf_counter() - t2
    live_from = go_live.date()
    return _score(directory, rp, start=start, end=end, live_from=live_from, latencies=latencies,
                  extra={"records": len(records), "people_identified": len(info),
                         "evaluations": rp.evaluations, "link_seconds": round(link_seconds, 1),
                         "replay_seconds": round(replay_seconds, 1), "warmup_days": warmup_days})


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=UTC)


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


# --- scoring (the only place the truth is read) ---------------------------------------------------


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _score(directory: Path, rp: Replay, *, start: dt.date, end: dt.date, live_from: dt.date,
           latencies: list[float], extra: dict[str, Any]) -> dict[str, Any]:
    truth_dir = directory / "truth"
    votes: dict[str, Counter] = defaultdict(Counter)
    for row in _read_csv(truth_dir / "mentions.csv"):
        pid = rp.person_of.get((row["agency_id"], row["source_record_id"], row["mention_id"]))
        if pid is not None:
            votes[pid][row["person_id"]] += 1
    true_of = {pid: c.most_common(1)[0][0] for pid, c in votes.items()}
    persons = {row["person_id"]: row for row in _read_csv(truth_dir / "persons.csv")}
    episodes = _read_csv(truth_dir / "harm_episodes.csv")
    victims = {e["person_id"] for e in episodes}

    def dob_of(tpid: str) -> dt.date | None:
        row = persons.get(tpid)
        return _date(row["dob"]) if row else None

    # child-months by age band and sex over the evaluated period
    months_total = 0.0
    months_band: Counter = Counter()
    months_sex: Counter = Counter()
    for row in persons.values():
        dob = _date(row["dob"])
        if dob is None:
            continue
        for name, lo, hi in AGE_BANDS:
            a, b = max(live_from, _add_years(dob, lo)), min(end, _add_years(dob, hi))
            if b > a:
                m = (b - a).days / (365.25 / 12)
                months_band[name] += m
                months_sex[row["sex"]] += m
                months_total += m

    counted = [a for a in rp.log if a["counted"]]
    raised = [a for a in counted if a["raised"]]
    by_rule = Counter(a["rule"] for a in raised)
    by_kind = Counter(a["kind"] for a in raised)
    alert_band: Counter = Counter()
    alert_sex: Counter = Counter()
    on_harm = 0
    for a in raised:
        tpid = true_of.get(a["child"], "")
        if tpid in victims:
            on_harm += 1
        dob = dob_of(tpid)
        band = _band(_age_years(dob, a["at"].date())) if dob else None
        alert_band[band or "unknown"] += 1
        alert_sex[(persons.get(tpid) or {}).get("sex", "unknown")] += 1

    firing: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for a in rp.log:
        if a["kind"] != CONTEXT_ONLY:
            firing[true_of.get(a["child"], "")].append(a)
    detected = 0
    leads: list[int] = []
    first_rules: Counter = Counter()
    ep_band: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    ep_sex: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    ep_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    lead_band: dict[str, list[int]] = defaultdict(list)
    child_risk = 0
    for ep in episodes:
        onset, outcome = dt.date.fromisoformat(ep["onset_on"]), dt.date.fromisoformat(ep["outcome_on"])
        hits = sorted((a for a in firing.get(ep["person_id"], ()) if onset <= a["at"].date() < outcome),
                      key=lambda a: a["at"])
        dob = dob_of(ep["person_id"])
        band = (_band(_age_years(dob, onset)) if dob else None) or "unknown"
        sex = (persons.get(ep["person_id"]) or {}).get("sex", "unknown")
        for table, k in ((ep_band, band), (ep_sex, sex), (ep_kind, ep["kind"])):
            table[k][0] += 1
        if hits:
            detected += 1
            lead = (outcome - hits[0]["at"].date()).days
            leads.append(lead)
            lead_band[band].append(lead)
            first_rules[hits[0]["rule"]] += 1
            for table, k in ((ep_band, band), (ep_sex, sex), (ep_kind, ep["kind"])):
                table[k][1] += 1
            if any(a["kind"] in ("suspect", "escalate", "consider") for a in hits):
                child_risk += 1

    def per_1000(n: int, months: float) -> float | None:
        return round(1000 * n / months, 2) if months else None

    n_ep = len(episodes)
    out: dict[str, Any] = {
        "episodes": n_ep,
        "detected": detected,
        "detection_rate": round(detected / n_ep, 4) if n_ep else None,
        "median_lead_days": statistics.median(leads) if leads else None,
        "alerts_per_1000_children_per_month": per_1000(len(raised), months_total),
        # The burden split: alerts about the child (suspect, consider, escalate) and alerts about the work
        # (process failure: a clock missed), which go to the worker and their manager rather than to triage.
        "child_risk_alerts_per_1000_children_per_month": per_1000(
            sum(n for kind, n in by_kind.items() if kind != PROCESS_FAILURE), months_total),
        "process_failure_alerts_per_1000_children_per_month": per_1000(by_kind.get(PROCESS_FAILURE, 0), months_total),
        "alerts_on_children_without_harm_share": round(1 - on_harm / len(raised), 4) if raised else None,
        "latency_p95_ms": round(_percentile(latencies, 0.95), 2),
        "latency_p50_ms": round(_percentile(latencies, 0.50), 3),
        "latency_max_ms": round(max(latencies, default=0.0), 1),
        "alerts_raised": len(raised),
        "child_months": round(months_total),
        "detected_by_child_risk_rules": child_risk,
        "first_rule_of_detection": dict(sorted(first_rules.items())),
        "alerts_by_rule": dict(sorted(by_rule.items(), key=lambda kv: int(kv[0][1:]))),
        "alerts_by_kind": dict(sorted(by_kind.items())),
        "raised_severity_share": round(sum(1 for a in raised if a["severity"] == "raised") / len(raised), 4)
        if raised else None,
        "by_age_band": {
            name: {
                "episodes": ep_band[name][0], "detected": ep_band[name][1],
                "detection_rate": round(ep_band[name][1] / ep_band[name][0], 4) if ep_band[name][0] else None,
                "median_lead_days": statistics.median(lead_band[name]) if lead_band[name] else None,
                "alerts": alert_band[name],
                "alerts_per_1000_children_per_month": per_1000(alert_band[name], months_band[name]),
            }
            for name, _lo, _hi in AGE_BANDS
        },
        "by_sex": {
            sex: {
                "episodes": ep_sex[sex][0], "detected": ep_sex[sex][1],
                "detection_rate": round(ep_sex[sex][1] / ep_sex[sex][0], 4) if ep_sex[sex][0] else None,
                "alerts": alert_sex[sex],
                "alerts_per_1000_children_per_month": per_1000(alert_sex[sex], months_sex[sex]),
            }
            for sex in sorted(set(months_sex) | set(ep_sex))
        },
        "by_harm_kind": {k: {"episodes": v[0], "detected": v[1]} for k, v in sorted(ep_kind.items())},
        "evaluated_from": live_from.isoformat(),
        "evaluated_to": end.isoformat(),
        **extra,
    }
    if alert_band.get("unknown"):
        out["alerts_on_unmatched_or_undated"] = alert_band["unknown"]
    return out


def run(children: int, seed: int, years: int = 3, progress: Progress | None = None, *,
        simulate: Simulate | None = None, rules: list[Rule] | None = None) -> dict[str, Any]:
    """Simulate an authority (`simulate(children, seed, years, folder)`), replay it and score the alerts.

    Returns `{"episodes", "detected", "detection_rate", "median_lead_days",
    "alerts_per_1000_children_per_month", "alerts_on_children_without_harm_share", "latency_p95_ms", …}`
    plus the same by age band and sex.
    """
    if simulate is None:
        raise ValueError("pass simulate=: alerts may not import the simulator (see the module docstring); "
                         "the `bench alerts` command passes joinedup.simulate.generate")
    say = _say(progress)
    with tempfile.TemporaryDirectory(prefix="joinedup-alerts-") as tmp:
        say(f"simulating {children:,} children over {years} years (seed {seed})…")
        t0 = time.perf_counter()
        simulate(children, seed, years, Path(tmp))
        sim_seconds = time.perf_counter() - t0
        say(f"simulated in {sim_seconds:.0f} s")
        t1 = time.perf_counter()
        out = replay(Path(tmp), rules=rules, seed=seed, progress=say)
    out.update({"children": children, "seed": seed, "years": years, "simulate_seconds": round(sim_seconds, 1),
                "seconds": round(time.perf_counter() - t1, 1)})
    return out
