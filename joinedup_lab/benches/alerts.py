"""`joinedup bench alerts`: replay a simulated authority in time order through the rule catalogue and two baselines.

    JOINEDUP_ENV=development joinedup bench alerts --children 20000 --seed 7001 --json

What it does, as the product would, without a database:

1. Simulate an authority into a temporary folder. (Alerts may not import the simulator — the two are
   independent layers in pyproject's import-linter contract — so the caller passes `simulate`; the
   `bench` command, in the web layer above both, passes `joinedup_lab.simulate.generate`.)
2. Identify people with the engine's batch linkage (`joinedup.people.linkage.pipeline.link_mentions`,
   as `joinedup bench linkage` does) over every mention of the feed: a person is a linkage cluster, with
   the most often written date of birth and sex. Mentions nobody could link are unidentified (their
   address sightings still count, as the product's unidentified sightings do). The truth files are read
   only to score.
3. Replay every record version in arrival order (`amended_at` for a later version, else `recorded_at`) into
   an in-memory store (`ReplayStore`): each record becomes an `Event` for each person it names
   (`event_from_payload`, the chronology's own function); a mention with an address is a sighting
   (`joinedup.ingest.addresses.address_key`, slips folded by `people.residence.canonical_address_keys`),
   residence episodes come from sightings (`people.residence.build_episodes`), children's social care's
   household record is "the people named in a CSC record that names the child".
4. Each child's context is built by the product's own builder, `alerts.context.build_context`, over that
   store (the product passes its `DatabaseStore`): the same composition of own events, household spells,
   housemates' events in their windows, plans and companions.
5. On each arrival, every child the record touches — children it names and the children living at the
   addresses of everyone it names — is evaluated with every rule; each day at 06:00 UTC the time-based
   rules run for children with an open plan, recent casework, a recent injury or an open alert (the
   children the product's schedule picks; `joinedup worker` runs it every 15 minutes, the replay once a day,
   so a time-based alert may be raised up to a day later than in use, and is counted once either way). One open alert per rule per child: a finding raises an alert when none is open
   and updates the open one only when the finding is about something it never was (`Finding.subjects`: a
   record it never cited, or R5's adult) or its severity rises — the update is shown again and
   audited, and counts as an alert; other changes (evidence ageing out of a window or corroborated, wording)
   bring it up to date quietly and are reported as `alerts_refreshed_quietly` (as `alerts.services` does); an
   open alert closes when its rule no longer finds anything. Nobody acts on or dismisses an alert in the replay.
6. Two baselines run beside the catalogue in the same replay, as rules of the same shape: **any record**
   (an alert while any record naming the child was made in the last 183 days) and **any injury** (the
   same for records of an injury).
7. Warm-up: records before the period and in its first `WARMUP_DAYS` days load as history without
   evaluation; then every child is evaluated once (as after a bulk load) and the replay continues.

Scoring (the only place the truth is read; docs/alerts.md "Evaluation" has the definitions): per group
(catalogue, any_record, any_injury) — detection (an episode whose outcome falls in the evaluated period
counts only when an alert for the victim, raised or updated (with news) before the outcome day, cites a record
`truth/harm_evidence.csv` marks as evidence of that episode), median lead, PPV per rule and overall
(raised alerts whose child was in a harm episode on the day), child-level sensitivity and specificity,
alerts (raised and updated) per 1,000 children per month, alert-days per 1,000 child-months, and PPV
re-weighted to a realistic prevalence, by age band and sex.
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
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from joinedup.alerts.context import Mate, PersonFacts, Spell, build_context
from joinedup.alerts.rules.base import (
    CONTEXT_ONLY,
    PROCESS_FAILURE,
    SUSPECT,
    ChildContext,
    Finding,
    HouseholdMember,
    Rule,
)
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
from joinedup.people.selectors import AROUND_CHILD_ROLES

UTC = dt.UTC
ADULT_AGE = 18
WARMUP_DAYS = 56
SCHEDULE_TIME = dt.time(6, 0)
AGE_BANDS = (("0-1", 0, 1), ("1-4", 1, 5), ("5-10", 5, 11), ("11-17", 11, 18))
INJURY_KINDS = frozenset({"injury", "ed_attendance", "admission", "ambulance_callout"})
# Seeds held back from tuning: evaluations are reported on these only (docs/alerts.md); tuning uses others.
HOLDOUT_SEEDS = tuple(range(7001, 7011))
# Children on a child protection plan at 31 March 2020, England: 42.8 per 10,000 children under 18 (DfE,
# "Characteristics of children in need: 2019 to 2020"). The prevalence the PPV is re-weighted to.
REALISTIC_PREVALENCE_PER_10K = 42.8
BASELINE_WINDOW_DAYS = 183
CATALOGUE = "catalogue"
Progress = Callable[[str], None]
Simulate = Callable[[int, int, int, Path], None]


# --- the baselines ----------------------------------------------------------------------------------


def _recent(ctx: ChildContext, at: dt.datetime, params: dict[str, Any], rule_id: str, injuries: bool,
            ) -> Finding | None:
    since = at.date() - dt.timedelta(days=params["window_days"])
    hits = [e for e in ctx.events if since < e.occurred_on <= at.date() and (not injuries or e.is_injury)]
    if not hits:
        return None
    what = "an injury" if injuries else "a record"
    return Finding(rule_id, f"{what.capitalize()} naming the child was made in the last {params['window_days']} days.",
                   tuple(e.key for e in hits))


ANY_RECORD = Rule(
    "any_record", "Any record", "Baseline: an alert while any agency's record naming the child is recent.",
    "Baseline (no evidence)", SUSPECT, {"window_days": BASELINE_WINDOW_DAYS},
    lambda ctx, at, params: _recent(ctx, at, params, "any_record", False))
ANY_INJURY = Rule(
    "any_injury", "Any injury", "Baseline: an alert while any injury recorded for the child is recent.",
    "Baseline (no evidence)", SUSPECT, {"window_days": BASELINE_WINDOW_DAYS},
    lambda ctx, at, params: _recent(ctx, at, params, "any_injury", True))
BASELINES = (ANY_RECORD, ANY_INJURY)
GROUPS = (CATALOGUE, *(b.id for b in BASELINES))


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
    unidentified: dict[str, list[tuple[dt.date, str, str]]] = field(default_factory=lambda: defaultdict(list))
    csc_named_with: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    known_to_csc: set[str] = field(default_factory=set)
    companions: dict[str, dict[str, list]] = field(default_factory=lambda: defaultdict(dict))
    spells_cache: dict[str, tuple[tuple, list[Spell]]] = field(default_factory=dict)
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


class ReplayStore:
    """The records replayed so far, behind the context builder's storage interface (`alerts.context.ContextStore`):
    what `DatabaseStore` reads from the people and chronology tables, read from memory."""

    def __init__(self, replay: Replay):
        self.rp = replay
        self.s = replay.s

    def facts(self, person_id: str) -> PersonFacts:
        info = self.rp.info[person_id]
        return PersonFacts(person_id, info.dob, info.sex, info.label)

    def events(self, people: dict[str, str], *, windows: dict[str, tuple[dt.date, dt.date]] | None = None,
               exclude_people: Iterable[str] = ()) -> list[Event]:
        s = self.s
        excluded: set[str] = set()
        for pid in exclude_people:
            excluded |= s.events[pid].keys()
        out = []
        for pid in people:
            lo, hi = windows[pid] if windows is not None else (None, None)
            for e in s.events_of(pid):
                if e.key in excluded or (lo is not None and not lo <= e.occurred_on <= hi):
                    continue
                out.append(e)
        out.sort(key=lambda e: e.sort_key)
        return out

    def household_stamp(self, child: str) -> tuple:
        """Changes whenever the child's spells could (a sighting of anyone at one of their addresses)."""
        s = self.s
        return (len(s.sightings[child]), *((s.address_count[e.address_key], len(s.unidentified.get(e.address_key, ())))
                                          for e in s.episodes_of(child)))

    def household_spells(self, person_id: str) -> list[Spell]:
        s = self.s
        stamp = self.household_stamp(person_id)
        cached = s.spells_cache.get(person_id)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        margin = dt.timedelta(days=CO_RESIDENCE_MARGIN_DAYS)
        named = s.csc_named_with.get(person_id, set())
        names = self.rp.agency_names
        spells = []
        for ep in s.episodes_of(person_id):
            until = ep.presumed_until or ep.last_seen_on
            merged: dict[str, Mate] = {}
            for other in s.at_address.get(ep.address_key, ()):
                if other == person_id:
                    continue
                for oe in s.episodes_of(other):
                    o_until = oe.presumed_until or oe.last_seen_on
                    if (oe.address_key != ep.address_key or oe.first_seen_on > until + margin
                            or o_until < ep.first_seen_on - margin):
                        continue
                    mate = merged.get(other)
                    agencies = {names.get(a, a) for a in oe.agency_codes}
                    if mate is None:
                        merged[other] = Mate(
                            other, self.rp.info[other].label,
                            self.rp.is_adult(other, min(oe.last_seen_on, ep.last_seen_on)),
                            oe.first_seen_on, oe.last_seen_on, o_until, tuple(sorted(agencies)),
                            known_to_csc=other in s.known_to_csc, in_csc_household_record=other in named)
                    else:
                        mate.first_seen_on = min(mate.first_seen_on, oe.first_seen_on)
                        mate.last_seen_on = max(mate.last_seen_on, oe.last_seen_on)
                        mate.presumed_until = max(mate.presumed_until or o_until, o_until)
                        mate.agency_names = tuple(sorted(set(mate.agency_names) | agencies))
            mates = list(merged.values())
            for day, label, agency in s.unidentified.get(ep.address_key, ()):
                if ep.first_seen_on - margin <= day <= until + margin:
                    mates.append(Mate(None, f"Unidentified: “{label}”", True, day, day,
                                      agency_names=(names.get(agency, agency),)))
            spells.append(Spell(ep.address_key, ep.first_seen_on, until, mates))
        s.spells_cache[person_id] = (stamp, spells)
        return spells

    def companions(self, person_id: str) -> list[HouseholdMember]:
        s = self.s
        out = []
        named = s.csc_named_with.get(person_id, ())
        for other, (first, last, agencies) in s.companions.get(person_id, {}).items():
            if self.rp.is_adult(other, last) is False:  # children recorded with the child are not companions
                continue
            out.append(HouseholdMember(
                other, self.rp.info[other].label, True, first, last, in_csc_household_record=other in named,
                known_to_csc=other in s.known_to_csc,
                agencies=tuple(sorted(self.rp.agency_names.get(a, a) for a in agencies))))
        return out


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
        self.store = ReplayStore(self)
        self.open: dict[tuple[str, str], dict[str, Any]] = {}
        # (child, rule id, at, raised, the evidence keys new to the alert): every raise and every update
        self.log: list[tuple[str, str, dt.datetime, bool, tuple[str, ...]]] = []
        # [child, rule id, raised at, closed at or None]: how long each alert was open
        self.spans: list[list[Any]] = []
        self.severity: Counter = Counter()  # raised alerts by severity
        self.raised = 0
        self.closed = 0
        self.evaluations = 0
        # findings that changed without news (evidence aged out or corroborated, wording): brought up to date
        # quietly, neither shown again nor counted as alerts (as `alerts.services`)
        self.refreshed = 0
        self.refreshed_by_rule: Counter = Counter()

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
                    s.unidentified[key].append((day, label, agency))
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
    def context(self, child: str) -> ChildContext:
        """The child as received so far, built by the product's builder over the replay's store (cached until
        their events, their household or their housemates' or companions' events change)."""
        s = self.s
        spells = self.store.household_spells(child)
        mates = {m.person_id for sp in spells for m in sp.mates if m.person_id is not None}
        companions = s.companions.get(child, {})
        stamp = (s.version[child], self.store.household_stamp(child), len(companions),
                 sum(s.version[m] for m in mates), sum(s.version[o] for o in companions))
        cached = s.context_cache.get(child)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        ctx = build_context(self.store, child)
        s.context_cache[child] = (stamp, ctx)
        return ctx

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
                self.spans[alert["span"]][3] = at
                self.closed += 1
            return
        evidence = tuple(dict.fromkeys(finding.evidence))
        if alert is None:
            self.open[key] = {"finding": finding, "evidence": evidence, "seen": set(evidence),
                              "subjects": set(finding.subjects), "span": len(self.spans)}
            self.spans.append([child, rule.id, at, None])
            self.raised += 1
            self.severity[finding.severity] += 1
            self.log.append((child, rule.id, at, True, evidence))
            return
        before: Finding = alert["finding"]
        # as `alerts.services`: an update (shown again, audited as new evidence) only when the finding is about
        # something the alert never was, or its severity rises; any other change brings it up to date quietly
        news = any(x not in alert["subjects"] for x in finding.subjects) or (
            finding.severity == "raised" and before.severity != "raised")
        if news:
            new = tuple(k for k in evidence if k not in alert["seen"])  # what the person is now shown
            alert["seen"].update(new)
            alert["subjects"].update(finding.subjects)
            alert["finding"], alert["evidence"] = finding, evidence
            self.log.append((child, rule.id, at, False, new))
        elif (evidence != alert["evidence"] or finding.sentence != before.sentence
              or finding.context_factors != before.context_factors or finding.due_at != before.due_at
              or finding.severity != before.severity):
            alert["finding"], alert["evidence"] = finding, evidence
            self.refreshed += 1
            self.refreshed_by_rule[rule.id] += 1

    def schedule_children(self, on: dt.date) -> list[str]:
        s = self.s
        ids = set(s.open_plan)
        year = on - dt.timedelta(days=365)
        ids |= {p for p, d in s.casework_on.items() if d >= year}
        month = on - dt.timedelta(days=30)
        ids |= {p for p, d in s.injury_on.items() if d >= month}
        ids |= {c for c, r in self.open if r not in _BASELINE_IDS}
        # plans that have ended drop out of the open set
        s.open_plan = {p for p in s.open_plan
                       if any(pl.end is None or pl.end > on for pl in plan_periods(s.events_of(p)))}
        return sorted(p for p in ids if self.is_child(p, on))


_BASELINE_IDS = frozenset(b.id for b in BASELINES)


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
           warmup_days: int = WARMUP_DAYS, model: dict[str, Any] | None = None,
           keep_alerts: bool = False) -> dict[str, Any]:
    """Replay a simulated authority's folder through the rules and the baselines; score against its truth files.

    `model`: a linkage model to use (default: train one on the feed, as `bench linkage` does). `keep_alerts`:
    also return every raised alert as `alerts` ({"child", "truth_person_id", "rule", "group", "at"}), for tests.
    """
    from joinedup.alerts.rules.catalogue import RULES
    from joinedup.people.linkage.pipeline import link_mentions

    say = _say(progress)
    rules = [*(RULES if rules is None else rules), *BASELINES]
    directory = Path(directory)
    manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
    config = manifest["config"]
    start = dt.date.fromisoformat(config["start"])
    years = int(config["years"])
    end = _add_years(start, years)
    agencies = json.loads((directory / "agencies.json").read_text(encoding="utf-8"))
    agency_kinds = {a["id"]: a["kind"] for a in agencies}
    agency_names = {a["id"]: a["name"] for a in agencies}
    if not (directory / "truth" / "harm_evidence.csv").exists():
        raise ValueError(f"{directory / 'truth' / 'harm_evidence.csv'}: missing — detection needs the records the "
                         "truth marks as evidence of each harm episode (episode_id,agency_id,source_record_id)")

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
    result = link_mentions(mentions, model=model, seed=seed, progress=lambda msg: say("linkage: " + msg))
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
    catalogue_ids = {r.id for r in rules if r.id not in _BASELINE_IDS}
    return _score(directory, rp, start=start, end=end, live_from=go_live.date(), latencies=latencies,
                  catalogue_ids=catalogue_ids, kinds={r.id: r.kind for r in rules}, keep_alerts=keep_alerts,
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


MONTH_DAYS = 365.25 / 12


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _ratio(n: float, d: float, places: int = 4) -> float | None:
    return round(n / d, places) if d else None


def _reweighted(on_harm: int, off_harm: int, harm_months: float, other_months: float, prevalence: float,
                ) -> float | None:
    """PPV at `prevalence`: each alert's chance of being on a harmed child if the alert rates per child-month in
    harm and out of it stayed as replayed and harm took `prevalence` of child-time."""
    if not harm_months or not other_months or not (on_harm or off_harm):
        return None
    r1, r0 = on_harm / harm_months, off_harm / other_months
    d = r1 * prevalence + r0 * (1 - prevalence)
    return round(r1 * prevalence / d, 4) if d else None


def _score(directory: Path, rp: Replay, *, start: dt.date, end: dt.date, live_from: dt.date,
           latencies: list[float], catalogue_ids: set[str], kinds: dict[str, str], keep_alerts: bool,
           extra: dict[str, Any]) -> dict[str, Any]:
    truth_dir = directory / "truth"
    votes: dict[str, Counter] = defaultdict(Counter)
    for row in _read_csv(truth_dir / "mentions.csv"):
        pid = rp.person_of.get((row["agency_id"], row["source_record_id"], row["mention_id"]))
        if pid is not None:
            votes[pid][row["person_id"]] += 1
    true_of = {pid: c.most_common(1)[0][0] for pid, c in votes.items()}
    persons = {row["person_id"]: row for row in _read_csv(truth_dir / "persons.csv")}
    evidence: dict[str, set[str]] = defaultdict(set)
    for row in _read_csv(truth_dir / "harm_evidence.csv"):
        evidence[row["episode_id"]].add(f"{row['agency_id']}:{row['source_record_id']}")
    episodes = [e for e in _read_csv(truth_dir / "harm_episodes.csv")
                if dt.date.fromisoformat(e["outcome_on"]) >= live_from]  # an outcome in the warm-up: undetectable
    harm_spells: dict[str, list[tuple[dt.date, dt.date]]] = defaultdict(list)
    for e in episodes:
        harm_spells[e["person_id"]].append((dt.date.fromisoformat(e["onset_on"]), dt.date.fromisoformat(e["outcome_on"])))

    def dob_of(tpid: str) -> dt.date | None:
        row = persons.get(tpid)
        return _date(row["dob"]) if row else None

    def sex_of(tpid: str) -> str:
        return (persons.get(tpid) or {}).get("sex") or "unknown"

    def band_on(tpid: str, day: dt.date) -> str:
        dob = dob_of(tpid)
        return (_band(_age_years(dob, day)) if dob and dob <= day else None) or "unknown"

    def in_harm(tpid: str, day: dt.date) -> bool:
        return any(a <= day <= b for a, b in harm_spells.get(tpid, ()))

    # child-months over the evaluated period, in harm and not, by age band and sex
    months: Counter = Counter()  # keys: ("all"|band|sex, harmed: bool)
    children: set[str] = set()
    for tpid, row in persons.items():
        dob = _date(row["dob"])
        if dob is None:
            continue
        for name, lo, hi in AGE_BANDS:
            a, b = max(live_from, _add_years(dob, lo)), min(end, _add_years(dob, hi))
            if b <= a:
                continue
            children.add(tpid)
            total = (b - a).days
            harmed = 0
            for s0, s1 in harm_spells.get(tpid, ()):
                lo_d, hi_d = max(a, s0), min(b, s1 + dt.timedelta(days=1))
                harmed += max(0, (hi_d - lo_d).days)
            harmed = min(harmed, total)
            for k in ("all", name, row["sex"] or "unknown"):
                months[(k, True)] += harmed / MONTH_DAYS
                months[(k, False)] += (total - harmed) / MONTH_DAYS
    harmed_children = {e["person_id"] for e in episodes} & children

    def child_months(k: str = "all") -> float:
        return months[(k, True)] + months[(k, False)]

    def group_of(rule_id: str) -> str:
        return CATALOGUE if rule_id in catalogue_ids else rule_id

    # alerts, per group
    prevalence = REALISTIC_PREVALENCE_PER_10K / 10_000
    g_raised: dict[str, list[tuple[str, str, dt.datetime]]] = defaultdict(list)  # (truth person, rule, at)
    g_updates: Counter = Counter()
    g_alerted: dict[str, set[str]] = defaultdict(set)
    rule_updates: Counter = Counter()
    qualifying: dict[str, dict[str, list[tuple[dt.datetime, str, tuple[str, ...]]]]] = defaultdict(
        lambda: defaultdict(list))  # group → truth person → (at, rule, new evidence)
    kept: list[dict[str, Any]] = []
    for child, rule_id, at, raised, new in rp.log:
        if kinds.get(rule_id) == CONTEXT_ONLY:
            continue
        g = group_of(rule_id)
        tpid = true_of.get(child, "")
        if raised:
            g_raised[g].append((tpid, rule_id, at))
            if keep_alerts:
                kept.append({"child": child, "truth_person_id": tpid, "rule": rule_id, "group": g, "at": at})
        else:
            g_updates[g] += 1
            rule_updates[rule_id] += 1
        if tpid:
            g_alerted[g].add(tpid)
            if tpid in harm_spells and new:
                qualifying[g][tpid].append((at, rule_id, new))
    alert_days: Counter = Counter()
    rule_days: Counter = Counter()
    end_at = _midnight(end)
    for _child, rule_id, raised_at, closed_at in rp.spans:
        days = ((closed_at or end_at) - raised_at).total_seconds() / 86400
        alert_days[group_of(rule_id)] += max(0.0, days)
        rule_days[rule_id] += max(0.0, days)

    def per_1000(n: float, m: float) -> float | None:
        return round(1000 * n / m, 2) if m else None

    def ppv_block(raised: list[tuple[str, str, dt.datetime]], key=None) -> dict[str, Any]:
        on = sum(1 for tpid, _r, at in raised if tpid and in_harm(tpid, at.date()))
        return {"alerts": len(raised), "on_harmed": on, "ppv": _ratio(on, len(raised))}

    out_groups: dict[str, Any] = {}
    n_ep = len(episodes)
    for g in GROUPS:
        raised = g_raised.get(g, [])
        detected = 0
        leads: list[int] = []
        first_rules: Counter = Counter()
        ep_band: dict[str, list] = defaultdict(lambda: [0, 0, []])
        ep_sex: dict[str, list] = defaultdict(lambda: [0, 0, []])
        for ep in episodes:
            outcome = dt.date.fromisoformat(ep["outcome_on"])
            marked = evidence.get(ep["episode_id"], set())
            hits = sorted((h for h in qualifying[g].get(ep["person_id"], ())
                           if h[0].date() < outcome and marked.intersection(h[2])), key=lambda h: h[0])
            band = band_on(ep["person_id"], dt.date.fromisoformat(ep["onset_on"]))
            sex = sex_of(ep["person_id"])
            for table, k in ((ep_band, band), (ep_sex, sex)):
                table[k][0] += 1
            if hits:
                detected += 1
                lead = (outcome - hits[0][0].date()).days
                leads.append(lead)
                first_rules[hits[0][1]] += 1
                for table, k in ((ep_band, band), (ep_sex, sex)):
                    table[k][1] += 1
                    table[k][2].append(lead)
        updates = g_updates.get(g, 0)
        alerted = g_alerted.get(g, set()) & children
        tp = len(alerted & harmed_children)
        fp = len(alerted - harmed_children)
        unharmed = len(children) - len(harmed_children)
        overall = ppv_block(raised)
        block: dict[str, Any] = {
            "episodes": n_ep,
            "detected": detected,
            "detection_rate": _ratio(detected, n_ep),
            "median_lead_days": statistics.median(leads) if leads else None,
            "alerts_raised": len(raised),
            "alerts_updated": updates,
            "alerts_refreshed_quietly": sum(n for r, n in rp.refreshed_by_rule.items() if group_of(r) == g),
            "alerts_per_1000_children_per_month": per_1000(len(raised) + updates, child_months()),
            "raised_per_1000_children_per_month": per_1000(len(raised), child_months()),
            "alert_days_per_1000_child_months": per_1000(alert_days.get(g, 0.0), child_months()),
            "ppv": overall["ppv"],
            "alerts_on_harmed_children": overall["on_harmed"],
            "ppv_at_realistic_prevalence": _reweighted(
                overall["on_harmed"], len(raised) - overall["on_harmed"], months[("all", True)],
                months[("all", False)], prevalence),
            "sensitivity": _ratio(tp, len(harmed_children)),
            "specificity": _ratio(unharmed - fp, unharmed),
            "first_rule_of_detection": dict(sorted(first_rules.items())),
        }
        by_band: dict[str, Any] = {}
        by_sex: dict[str, Any] = {}
        for table_out, keyer, names, ep_table in (
            (by_band, lambda tpid, at: band_on(tpid, at.date()), [b for b, _lo, _hi in AGE_BANDS], ep_band),
            (by_sex, lambda tpid, at: sex_of(tpid), sorted({k for k in ("female", "male") if child_months(k)}
                                                           | {k for k in ep_sex if k != "unknown"}), ep_sex),
        ):
            split: dict[str, list] = defaultdict(list)
            for a in raised:
                split[keyer(a[0], a[2]) if a[0] else "unknown"].append(a)
            for name in names:
                b = ppv_block(split.get(name, []))
                e = ep_table.get(name, [0, 0, []])
                table_out[name] = {
                    "episodes": e[0], "detected": e[1], "detection_rate": _ratio(e[1], e[0]),
                    "median_lead_days": statistics.median(e[2]) if e[2] else None,
                    "alerts_raised": b["alerts"], "ppv": b["ppv"],
                    "raised_per_1000_children_per_month": per_1000(b["alerts"], child_months(name)),
                    "ppv_at_realistic_prevalence": _reweighted(
                        b["on_harmed"], b["alerts"] - b["on_harmed"], months[(name, True)], months[(name, False)],
                        prevalence),
                }
        block["by_age_band"] = by_band
        block["by_sex"] = by_sex
        if g == CATALOGUE:
            per_rule: dict[str, Any] = {}
            split_rule: dict[str, list] = defaultdict(list)
            for a in raised:
                split_rule[a[1]].append(a)
            for rule_id in sorted(catalogue_ids, key=lambda r: (len(r), r)):
                if kinds.get(rule_id) == CONTEXT_ONLY:
                    continue
                b = ppv_block(split_rule.get(rule_id, []))
                per_rule[rule_id] = {
                    "kind": kinds.get(rule_id), "alerts_raised": b["alerts"], "alerts_updated": rule_updates[rule_id],
                    "alerts_refreshed_quietly": rp.refreshed_by_rule[rule_id],
                    "on_harmed": b["on_harmed"], "ppv": b["ppv"],
                    "alert_days_per_1000_child_months": per_1000(rule_days[rule_id], child_months()),
                    "first_to_detect": first_rules.get(rule_id, 0),
                }
            block["by_rule"] = per_rule
            # the burden split: alerts about the child (to triage) and about the work (a clock missed: to the worker
            # and their manager), raised and updated
            process = sum(1 for a in raised if kinds.get(a[1]) == PROCESS_FAILURE) + sum(
                n for rule_id, n in rule_updates.items() if kinds.get(rule_id) == PROCESS_FAILURE)
            block["process_failure_alerts_per_1000_children_per_month"] = per_1000(process, child_months())
            block["child_risk_alerts_per_1000_children_per_month"] = per_1000(
                len(raised) + updates - process, child_months())
        out_groups[g] = block

    cat = out_groups[CATALOGUE]
    inj = out_groups["any_injury"]
    out: dict[str, Any] = {
        # the catalogue's headline figures at the top level, the targets beside them
        "episodes": n_ep,
        "detected": cat["detected"],
        "detection_rate": cat["detection_rate"],
        "median_lead_days": cat["median_lead_days"],
        "alerts_per_1000_children_per_month": cat["alerts_per_1000_children_per_month"],
        "ppv": cat["ppv"],
        "ppv_vs_any_injury": _ratio(cat["ppv"] or 0, inj["ppv"] or 0, 2) if inj["ppv"] else None,
        "targets": {
            "detection_rate_at_least_0_85": (cat["detection_rate"] or 0) >= 0.85,
            "median_lead_at_least_30_days": (cat["median_lead_days"] or 0) >= 30,
            "ppv_at_least_3x_any_injury": bool(inj["ppv"]) and (cat["ppv"] or 0) >= 3 * inj["ppv"],
            "at_most_20_alerts_per_1000_children_per_month": (cat["alerts_per_1000_children_per_month"] or 0) <= 20,
            # ADR 0015: the ceiling holds for the alerts about the child; process failures are reported beside it
            "at_most_20_child_risk_alerts_per_1000_children_per_month": (
                cat["child_risk_alerts_per_1000_children_per_month"] or 0) <= 20,
        },
        "groups": out_groups,
        "realistic_prevalence_per_10k": REALISTIC_PREVALENCE_PER_10K,
        "simulated_harm_share_of_child_months": _ratio(months[("all", True)], child_months(), 5),
        "children": len(children),
        "harmed_children": len(harmed_children),
        "child_months": round(child_months()),
        "raised_severity_share": _ratio(rp.severity.get("raised", 0), sum(rp.severity.values())),
        "latency_p95_ms": round(_percentile(latencies, 0.95), 2),
        "latency_p50_ms": round(_percentile(latencies, 0.50), 3),
        "latency_max_ms": round(max(latencies, default=0.0), 1),
        "evaluated_from": live_from.isoformat(),
        "evaluated_to": end.isoformat(),
        **extra,
    }
    if keep_alerts:
        out["alerts"] = kept
    return out


def run(children: int, seed: int, years: int = 3, progress: Progress | None = None, *,
        simulate: Simulate | None = None, rules: list[Rule] | None = None, keep_alerts: bool = False) -> dict[str, Any]:
    """Simulate an authority (`simulate(children, seed, years, folder)`), replay it and score the alerts.

    Returns the catalogue's headline figures (`detection_rate`, `median_lead_days`, `ppv`,
    `alerts_per_1000_children_per_month`, `targets`) and, under `groups`, every figure for the catalogue and
    each baseline, by age band and sex, and per rule for the catalogue.
    """
    if simulate is None:
        raise ValueError("pass simulate=: alerts may not import the simulator (see the module docstring); "
                         "the `bench alerts` command passes joinedup_lab.simulate.generate")
    say = _say(progress)
    with tempfile.TemporaryDirectory(prefix="joinedup-alerts-") as tmp:
        say(f"simulating {children:,} children over {years} years (seed {seed})…")
        t0 = time.perf_counter()
        simulate(children, seed, years, Path(tmp))
        sim_seconds = time.perf_counter() - t0
        say(f"simulated in {sim_seconds:.0f} s")
        t1 = time.perf_counter()
        out = replay(Path(tmp), rules=rules, seed=seed, progress=say, keep_alerts=keep_alerts)
    out.update({"simulated_children": children, "seed": seed, "holdout_seed": seed in HOLDOUT_SEEDS, "years": years,
                "simulate_seconds": round(sim_seconds, 1), "seconds": round(time.perf_counter() - t1, 1)})
    return out
