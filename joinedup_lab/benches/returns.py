"""`joinedup bench returns`: time and peak memory of producing the three statutory returns — the CIN census (XML),
the SSDA903 (CSV tables) and Ofsted's ILACS Annex A (xlsx) — for a 70,000-child authority with three years of
children's social care records (issue 17: all three in ≤ 60 s and ≤ 2 GB peak RSS, on SQLite and PostgreSQL).

**The authority** is made here from `seed`, relative to the day the bench runs (no simulator: its 1.9 million
records and the linkage would take far longer than the returns). Volumes are per 70,000 children and scale with
`children`; the shape follows the simulator's casework (`joinedup_lab.simulate.csc`, `csc_returns`, whose code
lists are used) and England's rates:

- **People and other agencies' records**: the front-door bench's population and universal services
  (`joinedup_lab.benches.frontdoor`: about 36,000 families, 124,000 `Person` rows, 380,000 records of 28 agencies
  over three years, each mention linked on the agency's person id), so the person, record and mention tables
  the returns' queries run against are an authority's size;
- **Children's social care, over `years` years** (stored as ADR 0008 has it: records of a case system through
  `ingest.services.records_ingest`, the child's mentions linked as recorded, `casework.projection` for the
  Contact and Case rows): about 12,000 contacts a year decided at the front door (in-case contacts go to the
  case), about 3.5% of children referred a year; each case follows the statutory path (assessment, strategy
  discussion, section 47 enquiry, initial conference, child protection plan with core group and reviews, child
  in need plan, looked-after episodes, closure), with the records the returns add: the child's registration
  (ethnicity, disabilities, why there is no UPN, UASC, motherhood), a UPN on the case system's mention of a
  child of school age, looked-after episodes with legal status, placement type, provider, real postcodes and
  URNs (`csc_returns.REAL_POSTCODES`), placement moves and legal changes, looked-after reviews, social worker
  episodes, missing episodes, outcomes at 31 March (OC2), adoption decisions and placements, and care
  leavers' contacts around their 17th to 21st birthdays (OC3);
- **cases already open when the three years start**, drawn as a steady state would hold them (length-biased):
  about 280 children on a child protection plan, 490 looked after and 700 on a child in need plan; so at any
  day about 0.4% of children are on a plan, 0.7% looked after and 1.3% otherwise in need;
- **young people who left care at 18** (about 240, now 18 to 21, outside the 70,000), with their time in care
  and their care-leaver contacts;
- **visits** to children on a plan, looked after or on a child in need plan over the three years (the dashboard
  bench's `visit_records`), and **allocations** of every case to a worker of a team (the dashboard bench's
  staff), for Annex A's team and worker columns.

The bench stops if the fold could not place a record. **Only producing the returns is timed**: the collection
year is the latest that has ended (1 April to 31 March) and Annex A's inspection date is the day the bench runs.
Each return is produced by the product's own service (`returns.services.return_produce` for the CIN census and
the SSDA903, `returns.runs.annex_a_produce` for Annex A: reading the query source, writing the files, the audit
row naming every child) in **a fresh process of its own** (`joinedup bench returns --here --produce KIND`),
whose peak resident set size (VmHWM in /proc/self/status: Django, the reads and the file) is the memory
figure; the process that made the authority is another. (Not `ru_maxrss`: Linux carries the parent's over
fork and exec, so a child of the large building process would report the builder's.) Beside the wall-clock
seconds the figures give the producing process's CPU seconds (on PostgreSQL the server's work is not in them) and
the machine's load average before and after, since the machine may be shared.

**Checks.** The counts are compared three ways before any figure is reported: what each return says it holds,
what its files hold (the census's `<Child>` elements, each CSV's rows, each sheet's rows), and what the records
made here say (counted from them, not from the projection): children with an episode of need open in the year,
looked-after episodes open in it, and Annex A's contacts, referrals, children in need, plans and looked-after
children in the six months to the inspection date. Any difference stops the bench.

For each database a fresh subprocess migrates an empty database and runs `joinedup bench returns --here`
(SQLite: a file under var/; PostgreSQL with `--postgresql`: `--postgres-url` or a throwaway cluster).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from joinedup_lab.benches import dashboard as dash
from joinedup_lab.benches import frontdoor as cb
from joinedup_lab.benchkit import PROGRESS, on_each_database
from joinedup_lab.benchkit import say as _say
from joinedup_lab.simulate import csc_returns as R
from joinedup_lab.simulate import csc_vocab as V

KINDS = ("cin", "903", "annex-a")
TARGET_SECONDS = 60
TARGET_RSS_MB = 2048

# Volumes per 70,000 children (scaled by the size asked for).
CONTACTS_PER_YEAR = 12_000  # decided at the front door
FREQUENT = 0.2  # share of contacts about the few children contacted again and again
LEGACY = {"cp_plan": 280, "looked_after": 490, "cin_plan": 700}  # open when the years start
YOUNG_ADULTS = 240  # left care at 18, now 18 to 21
# What the front door decides about a child with no open case (about 20% become referrals).
DECISIONS = [("no_further_action", 33), ("advice", 24), ("early_help", 23), ("assessment", 14),
             ("strategy_discussion", 6)]
NFA_SHARE = 0.08  # referrals closed with no further action (no assessment)
OUTCOMES = {
    "strategy_discussion": [("cp_plan", 35), ("cin_plan", 25), ("looked_after", 12), ("close", 28)],
    "assessment": [("close", 54), ("cin_plan", 38), ("looked_after", 6), ("cp_plan", 2)],
}
AFTER_PLAN = [("close", 45), ("cin_plan", 40), ("looked_after", 15)]
UASC_SHARE = 0.25  # of children of 14 and over who start to be looked after
WORKERS = 150  # Social Work England numbers on social worker episodes, per 70,000 children


def _pick(rng: random.Random, table):
    return rng.choices([row[0] for row in table], weights=[row[-1] for row in table])[0]


def _days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


def birthday(dob: dt.date, age: int) -> dt.date:
    try:
        return dob.replace(year=dob.year + age)
    except ValueError:  # 29 February
        return dt.date(dob.year + age, 3, 1)


def age_on(dob: dt.date, day: dt.date) -> int:
    return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))


def _length(rng: random.Random, outcome: str, *, biased: bool = False) -> int:
    """Days a plan or a period of care lasts; `biased`: as the cases open on a given day hold them (long ones
    more often, in proportion to their length)."""
    longest = {"cp_plan": 600, "cin_plan": 450, "looked_after": 3650}[outcome]
    while True:
        if outcome == "cp_plan":
            days = rng.randrange(120, 600)
        elif outcome == "cin_plan":
            days = rng.randrange(90, 450)
        else:
            days = _pick(rng, [((30, 180), 35), ((180, 730), 35), ((730, 3650), 30)])
            days = rng.randrange(*days)
        if not biased or rng.random() < days / longest:
            return days


def collection_year(today: dt.date) -> int:
    """The latest collection year that has ended, named by the year it ends."""
    return today.year if today > dt.date(today.year, 3, 31) else today.year - 1


# --- the casework ------------------------------------------------------------------------------------------


class _Maker(cb._CaseworkMaker):
    """The front-door bench's casework maker, with whole stories for the returns: registrations, UPNs, every
    looked-after detail and record the SSDA903 and Annex A read, and cases of given lengths (those already open
    when the years start)."""

    def __init__(self, pop: cb.Population, now: dt.datetime, rng: random.Random, *, workers: int):
        super().__init__(pop, now, rng)
        self.upns: dict[int, str] = {}
        self.ethnicity: dict[int, str] = {}
        self.workers = [f"SW{10000 + i * 37 % 90000:05d}" for i in range(max(3, workers))]

    # --- who the child is ------------------------------------------------------------------------------------

    def upn(self, child: int) -> str:
        """The child's UPN as the case system holds it: one for most children of school age."""
        if child not in self.upns:
            from joinedup.returns.upn import check_letter

            held = age_on(self.pop.dob[child], self.today) >= 5 and self.rng.random() < 0.93
            rest = f"318{child:08d}{self.rng.randrange(10)}"
            self.upns[child] = check_letter(rest) + rest if held else ""
        return self.upns[child]

    def _mentions(self, child: int, with_mother: bool = True) -> list[dict]:
        ms = super()._mentions(child, with_mother)
        if upn := self.upn(child):
            ms[0]["upn"] = upn
        return ms

    def _ethnicity(self, child: int) -> str:
        family = self.pop.family_of[child]
        if family not in self.ethnicity:
            self.ethnicity[family] = _pick(self.rng, R.ETHNICITIES)
        return _pick(self.rng, R.ETHNICITIES) if self.rng.random() < 0.08 else self.ethnicity[family]

    def registration(self, child: int, base: dict, day: dt.date, need: str, *, nfa: bool, uasc: bool) -> None:
        rng = self.rng
        disabled = need == "N2" or rng.random() < R.DISABLED_SHARE
        detail: dict[str, Any] = {
            "code": "registration", **base, "ethnicity": self._ethnicity(child),
            "disabilities": sorted({_pick(rng, R.DISABILITY_CODES) for _ in range(rng.choice((1, 1, 1, 2)))})
            if disabled else ["NONE"],
        }
        if not self.upn(child):
            if nfa:
                detail["upn_unknown_reason"] = "UN7"
            elif age_on(self.pop.dob[child], day) < 5:
                detail["upn_unknown_reason"] = "UN1"
            else:
                detail["upn_unknown_reason"] = _pick(rng, R.NO_UPN_OLDER)
        if self.pop.sex[child] == "female":
            detail["is_mother"] = False
        if uasc:
            detail["uasc"] = True
            ended = birthday(self.pop.dob[child], 18)
            if ended <= self.today:
                detail["uasc_ended_on"] = ended.isoformat()
        self._emit(child, "person_registration", self._srid("RG"), detail, on=day)

    # --- a case ----------------------------------------------------------------------------------------------

    def case(self, child: int, start: dt.date, route: str, contact_srid: str = "", *, outcome: str = "",
             length: int = 0, nfa: bool = False, source: str = "") -> dt.date | None:
        """One case opened by a referral on `start`; the day it closed, or None while it is open now.
        `outcome` forces the path and `length` (days) the plan's or the period of care's length."""
        from joinedup.casework.clocks import add_working_days

        rng = self.rng
        self.numbers["case"] += 1
        case_id = f"EP-{self.numbers['case']:06d}"
        base = {"case_id": case_id}
        need = _pick(rng, cb.NEEDS)
        if not outcome and not nfa:
            outcome = _pick(rng, OUTCOMES[route])
        uasc = outcome == "looked_after" and age_on(self.pop.dob[child], start) >= 14 and rng.random() < UASC_SHARE
        referral = {"code": "referral", **base, "source_code": source or "5A", "primary_need": need, "route": route}
        if contact_srid:
            referral["contact_id"] = contact_srid
        if nfa:
            referral["nfa"] = True
        self._emit(child, "referral", self._srid("RF"), referral, on=start)
        self.out.counts["cases"] += 1
        self.registration(child, base, start, need, nfa=nfa, uasc=uasc)
        if nfa:
            return self._close(child, base, start + _days(rng.randrange(0, 4)), "RC8")

        ends: list[dt.date] = [start]
        a_end = add_working_days(start, rng.randrange(12, 52))  # over 45 working days: late
        a_outcome = {"close": "no_further_action", "cin_plan": "child_in_need_plan", "looked_after": "looked_after",
                     "cp_plan": "strategy_discussion"}[outcome]
        if outcome == "close" and rng.random() < 0.3:
            a_outcome = "early_help"
        self._emit(child, "assessment", self._srid("AS"), {"code": "assessment", **base,
                   "factors": rng.sample(cb.FACTORS, rng.randrange(1, 4))}, on=start, ended_on=self._end(a_end),
                   later={"outcome": a_outcome, "authorised_on": a_end.isoformat()} if self._ok(a_end) else None)
        ends.append(a_end)
        care_route = "s47" if route == "strategy_discussion" else "cin"
        reason = "RC9" if a_outcome == "early_help" else "RC8"  # closed after the assessment

        if outcome == "cp_plan" or (route == "strategy_discussion" and rng.random() < 0.7):
            s_day = start if route == "strategy_discussion" else max(start, a_end - _days(rng.randrange(5, 15)))
            if not self._ok(s_day):
                return None
            wants = outcome == "cp_plan" or rng.random() < 0.85
            s_srid = self._srid("SD")
            self._emit(child, "strategy_discussion", s_srid, {"code": "strategy_discussion", **base,
                       "attendees": ["Bench Constabulary: Detective constable", "Bench General Hospital: Paediatrician",
                                     "Bench Children's Services: Social worker"],
                       "decision": "section_47" if wants else "no_section_47"}, on=s_day)
            if wants:
                q_end = s_day + _days(rng.randrange(5, 21))
                conference = outcome == "cp_plan"
                self._emit(child, "section47_enquiry", self._srid("SQ"), {"code": "section47_enquiry", **base,
                           "strategy_id": s_srid}, on=s_day, ended_on=self._end(q_end), later={
                           "outcome": "substantiated" if conference else _pick(rng, [
                               ("substantiated_not_at_risk", 40), ("not_substantiated", 60)]),
                           "conference_needed": conference} if self._ok(q_end) else None)
                if not self._ok(q_end):
                    return None
                ends.append(q_end)
                if conference:
                    icpc = add_working_days(s_day, rng.randrange(8, 18))  # over 15: late
                    if not self._ok(icpc):
                        return None
                    category = _pick(rng, cb.CATEGORIES)
                    self._emit(child, "conference", self._srid("CF"), {"code": "conference", **base,
                               "conference_type": "initial", "outcome": "plan", "category": category}, on=icpc)
                    plan_end = self._plan(child, base, icpc, category, length or _length(rng, "cp_plan"))
                    if plan_end is None:
                        return None
                    ends.append(plan_end)
                    outcome, length, care_route, reason = _pick(rng, AFTER_PLAN), 0, "plan", "RC7"
        if outcome == "cin_plan":
            begin = max(ends) + _days(rng.randrange(0, 10))
            if not self._ok(begin):
                return None
            finish = begin + _days(length or _length(rng, "cin_plan"))
            self._emit(child, "cin_plan", self._srid("CN"), {"code": "cin_plan", **base, "primary_need": need},
                       on=begin, ended_on=self._end(finish))
            if not self._ok(finish):
                return None
            ends.append(finish)
            reason = "RC7"
        elif outcome == "looked_after":
            begin = max(ends[0] + _days(rng.randrange(0, 30)), ends[-1] if care_route == "plan" else ends[0])
            if not self._ok(begin):
                return None
            finish, reason = self._care(child, base, begin, length or _length(rng, "looked_after"), need, care_route)
            if finish is None:
                return None
            ends.append(finish)
        return self._close(child, base, max(ends) + _days(rng.randrange(1, 21)), reason)

    def _close(self, child: int, base: dict, day: dt.date, reason: str) -> dt.date | None:
        if not self._ok(day):
            return None
        self._emit(child, "case_closure", self._srid("CL"), {"code": "case_closure", **base, "reason": reason}, on=day)
        return day

    def _plan(self, child: int, base: dict, icpc: dt.date, category: str, length: int) -> dt.date | None:
        """A child protection plan from the initial conference, its first core group and review conferences
        (three months on, then every six); it ends at the review after `length` days."""
        from dateutil.relativedelta import relativedelta

        from joinedup.casework.clocks import add_working_days

        rng = self.rng
        reviews: list[dt.date] = []
        day = icpc + relativedelta(months=3) + _days(rng.randrange(-10, 8))
        while True:
            reviews.append(day)
            if (day - icpc).days >= length:
                break
            day = day + relativedelta(months=6) + _days(rng.randrange(-14, 8))
        finish = reviews[-1]
        latest = category if rng.random() < 0.9 else _pick(rng, cb.CATEGORIES)
        self._emit(child, "cp_plan", self._srid("CP"), {"code": "cp_plan", **base, "category": category,
                   "initial_category": category}, on=icpc, ended_on=self._end(finish))
        core = add_working_days(icpc, rng.randrange(5, 12))
        if self._ok(core):
            self._emit(child, "core_group", self._srid("CG"), {"code": "core_group", **base,
                       "attendees": ["Bench Primary School: Designated safeguarding lead",
                                     "Bench Community Health Services: Health visitor"]}, on=core)
        for i, review in enumerate(reviews):
            if not self._ok(review):
                break
            last = i == len(reviews) - 1
            detail = {"code": "conference", **base, "conference_type": "review",
                      "outcome": "plan_ends" if last else "plan_continues"}
            if i == 0 and latest != category:
                detail["category"] = latest
            self._emit(child, "conference", self._srid("CF"), detail, on=review)
        return self._end(finish)

    # --- looked after ------------------------------------------------------------------------------------------

    def _placement(self, child: int, day: dt.date, legal: str, since: dt.date, home: str) -> tuple[str, str, str]:
        """A placement (type, provider, postcode) that fits the child's age and legal status (the simulator's)."""
        rng = self.rng
        age = age_on(self.pop.dob[child], day)
        kind = _pick(rng, V.PLACEMENT_KINDS)
        if kind == "placed_with_parents" and legal not in ("C1", "C2"):
            kind = "foster_care"
        if kind == "residential" and age < 10:
            kind = "foster_care"
        if age >= 16 and rng.random() < 0.25:
            place = "Z11" if rng.random() < 0.08 else "K3"
            provider = "PR4" if rng.random() < 0.6 else "PR5"
        elif kind == "foster_care":
            place = rng.choices(("U6", "U4", "U5"), (60, 35 if (day - since).days > 180 else 0, 5))[0]
            provider = "PR1" if rng.random() < 0.6 else "PR4"
        elif kind == "kinship_care":
            place, provider = ("U1" if rng.random() < 0.35 else "U3"), "PR1"
        elif kind == "residential":
            place = "K2" if rng.random() < 0.85 else "R1"
            provider = "PR4" if place == "R1" else rng.choices(("PR4", "PR1", "PR5"), (75, 20, 5))[0]
        else:
            return "P1", "PR0", home
        postcode = rng.choice(R.REAL_POSTCODES)
        while postcode == home:
            postcode = rng.choice(R.REAL_POSTCODES)
        return place, provider, postcode

    def _care(self, child: int, base: dict, start: dt.date, length: int, need: str,
              route: str) -> tuple[dt.date | None, str]:
        """A period of care from `start` (to the 18th birthday at the latest; adoption for some young children):
        its SSDA903 episodes, and around it reviews, social workers, missing episodes, outcomes, the adoption
        decision and the care leaver's contacts. The day it ended (None while open now) and the case's closure
        reason."""
        rng = self.rng
        dob = self.pop.dob[child]
        eighteen = birthday(dob, 18)
        end = min(start + _days(length), eighteen)
        home = R.real_postcode(self.pop.families[self.pop.family_of[child]].address["postcode"])
        first = _pick(rng, V.LEGAL_AT_ENTRY[route])
        legal = [(start, first)]
        t, cur = start, first
        if cur == "L1":
            t += _days(rng.randint(1, 3))
            cur = "C1" if rng.random() < 0.55 else "V2"
            legal.append((t, cur))
        elif cur == "L2":
            t += _days(rng.randint(3, 8))
            cur = "C1"
            legal.append((t, cur))
        if cur == "V2" and rng.random() < 0.2:
            t += _days(rng.randint(30, 200))
            cur = "C1"
            legal.append((t, cur))
        adoption: tuple[dt.date, dt.date] | None = None
        if cur == "C1" and rng.random() < 0.85:
            t += _days(rng.randint(120, 300))
            cur = "C2"
            legal.append((t, cur))
            if age_on(dob, t) < 5 and rng.random() < 0.45:
                t += _days(rng.randint(60, 240))
                legal.append((t, "E1"))
                placed = t + _days(rng.randint(30, 150))
                adoption = (placed, placed + _days(rng.randint(120, 300)))
                end = min(adoption[1], eighteen)
        legal = [(d, s) for d, s in legal if d < end]
        legal_days = {d for d, _ in legal[1:]}
        moves: dict[dt.date, tuple[str, str, str] | None] = {}
        m = start
        while True:
            m += _days(max(14, int(rng.expovariate(1 / 420))))
            if m >= end or (adoption is not None and m >= adoption[0]):
                break
            moves[m] = None
        for day in sorted(d for d in moves if d in legal_days):  # a move the day after an order (no T episodes)
            moves.pop(day)
            if day + _days(1) < end and day + _days(1) not in legal_days:
                moves[day + _days(1)] = None
        if adoption is not None and adoption[0] < end:
            moves[adoption[0]] = (rng.choice(("A6", "A6", "A5")), "PR1" if rng.random() < 0.7 else "PR5",
                                  rng.choice(R.REAL_POSTCODES))

        def status_on(day: dt.date) -> str:
            return [s for d, s in legal if d <= day][-1]

        place = self._placement(child, start, first, start, home)
        episodes: list[tuple[dt.date, dt.date, dict]] = []
        begin, rne = start, "S"
        for day in [*sorted(legal_days | set(moves)), end]:
            detail = {"code": "looked_after_episode", **base, "legal_status": status_on(begin),
                      "reason_new_episode": rne, "placement_type": place[0], "placement_provider": place[1],
                      "placement_postcode": place[2], "home_postcode": home, "category_of_need": need}
            if place[0] in R.NO_PROVIDER:
                detail.pop("placement_provider")
            if place[0] not in R.NO_URN:
                detail["placement_urn"] = R.urn(place[0], place[2])
            episodes.append((begin, day, detail))
            if day == end:
                break
            moved = day in moves
            before = place
            if moved:
                place = moves[day] or self._placement(child, day, status_on(day), start, home)
                while place[:3] == before[:3]:  # a move is to another placement (903 rule 435)
                    place = (place[0], place[1], rng.choice(R.REAL_POSTCODES)) if place[0] != "P1" else \
                        self._placement(child, day, "V2", start, home)
            rne = ("T" if moved else "L") if day in legal_days else "P"
            if place[0] == "A5" and not (before[0].startswith("U") and rne == "T"):
                place = ("A6", *place[1:])
            begin = day
        episodes[0][2]["previous_permanence"] = "Z1"
        for (_b, _e, detail), following in itertools.pairwise(episodes):
            if following[2]["reason_new_episode"] in ("P", "B", "T", "U"):
                detail["reason_placement_change"] = _pick(rng, R.PLACEMENT_CHANGE_REASONS)
        at_18 = end == eighteen and (adoption is None or end < adoption[1])
        if at_18:
            reason = "E5" if place[0] == "K3" else _pick(rng, V.ENDED_AT_18)
        elif adoption is not None and end == adoption[1]:
            reason = "E11" if rng.random() < 0.3 else "E12"
        else:
            reason = _pick(rng, V.ENDED_BY_LEGAL.get(status_on(end - _days(1)), (("E8", 1),)))
        for i, (b, e, detail) in enumerate(episodes):
            if not self._ok(b):
                break
            ended = self._end(e)
            self._emit(child, "looked_after_episode", self._srid("LA"), detail, on=b, ended_on=ended,
                       later={"reason_ended": reason if i == len(episodes) - 1 else "X1"} if ended else None)
        self.out.counts["care_periods"] += 1
        self._care_records(child, base, start, end, adoption, at_18, episodes)
        return self._end(end), V.CLOSURE_AFTER_CARE.get(reason, "RC7")

    def _extra(self, child: int, kind: str, base: dict, day: dt.date, detail: dict,
               ended_on: dt.date | None = None) -> None:
        if not self._ok(day):
            return
        self._emit(child, kind, self._srid(kind[:2].upper() + "X"), {**detail, **base}, on=day,
                   ended_on=self._end(ended_on) if ended_on is not None else None)

    def _care_records(self, child: int, base: dict, start: dt.date, end: dt.date,
                      adoption: tuple[dt.date, dt.date] | None, at_18: bool, episodes: list) -> None:
        """Around one period of care (the simulator's `csc_returns.care_records`, by date)."""
        from joinedup.casework.clocks import add_working_days

        rng = self.rng
        dob = self.pop.dob[child]
        stop = min(end, self.today)
        # reviews: the first within 20 working days, the second within three months, then every six
        day, gap = add_working_days(start, rng.randint(8, 20)), (70, 91)
        while day < stop:
            code = "PN0" if age_on(dob, day) < 4 else _pick(rng, R.PARTICIPATION)
            self._extra(child, "looked_after_review", base, day, {"code": "cla_review", "participation": code})
            day += _days(rng.randint(*gap))
            gap = (150, 182)
        # social workers: a children in care worker from the start, another now and then
        t, why = start, "FCONTA"
        while t < stop:
            nxt = t + _days(max(60, int(rng.expovariate(1 / 420))))
            if nxt.month == 3 and nxt.day >= 24:
                nxt += _days(10)  # not in the last week of the year (csc-validator-be-903's SW11bSTG2)
            self._extra(child, "worker_allocation", base, t, {"code": "allocation",
                        "worker_id": rng.choice(self.workers), "change_reason": why},
                        ended_on=end if nxt >= end else nxt)
            t, why = nxt, _pick(rng, R.WORKER_CHANGES)
        # missing and away from placement: some young people of 11 and over, again and again
        from_day = max(start, birthday(dob, 11))
        if from_day < stop and rng.random() < 0.25:
            for _ in range(max(0, round(rng.gauss(2.5, 1.5) * (stop - from_day).days / 365.25))):
                s = from_day + _days(rng.randrange(max(1, (stop - from_day).days - 4)))
                e = s + _days(rng.randint(1, 3))
                if e >= stop or s <= dt.date(s.year, 3, 31) < e:
                    continue  # not across a 31 March (csc-validator-be-903's 575, 577)
                kind = "missing" if rng.random() < 0.85 else "away"
                detail = {"code": "missing", "missing_type": kind,
                          "return_interview_offered": kind == "missing" and rng.random() < 0.9}
                if detail["return_interview_offered"]:
                    detail["return_interview_accepted"] = rng.random() < 0.6
                self._extra(child, "missing_episode", base, s, detail, ended_on=e)
        # outcomes at each 31 March after twelve months in care
        for year in range(start.year, stop.year + 1):
            march = dt.date(year, 3, 31)
            if not start + _days(364) <= march < stop:
                continue
            age = age_on(dob, march)
            detail = {"code": "cla_outcomes", "convicted": age >= 10 and rng.random() < 0.04,
                      "health_check": age < 5 and rng.random() < 0.9, "immunisations": rng.random() < 0.88,
                      "teeth_check": rng.random() < 0.82, "health_assessment": rng.random() < 0.9,
                      "substance_misuse": age >= 11 and rng.random() < 0.05}
            if detail["substance_misuse"]:
                detail["intervention_received"] = rng.random() < 0.6
                if not detail["intervention_received"]:
                    detail["intervention_offered"] = rng.random() < 0.7
            if 4 <= age <= 17:
                if rng.random() < 0.85:
                    detail["sdq_score"] = max(0, min(40, round(rng.gauss(14, 6))))
                else:
                    detail["sdq_reason"] = _pick(rng, R.SDQ_REASONS)
            self._extra(child, "looked_after_outcomes", base, march, detail)
        # the decision that the child should be placed for adoption, before the placement order
        order = next((b for b, _e, d in episodes if d["legal_status"] == "E1"), None)
        if order is not None:
            decision = max(start + _days(1), order - _days(rng.randint(20, 90)))
            detail = {"code": "adoption_decision"}
            if adoption is not None and adoption[0] < end:
                number, sex, status = rng.choices([a[:3] for a in R.ADOPTERS], [a[3] for a in R.ADOPTERS])[0]
                detail.update({"matched_on": max(decision, adoption[0] - _days(rng.randint(5, 30))).isoformat(),
                               "adopted_by_foster_carer": False, "adopters_number": number, "adopters_sex": sex,
                               "adopters_legal_status": status})
            self._extra(child, "adoption_decision", base, decision, detail)
        # a care leaver: contacts around each 17th to 21st birthday after leaving care
        if at_18 or age_on(dob, end) >= 16:
            for age in range(17, 22):
                day = birthday(dob, age) + _days(rng.randint(-20, 60))
                if birthday(dob, age) <= end or day <= end:
                    continue
                in_touch = _pick(rng, R.IN_TOUCH)
                detail = {"code": "care_leaver_contact", "in_touch": in_touch,
                          "activity": _pick(rng, R.ACTIVITIES) if in_touch == "YES" else "0",
                          "accommodation": _pick(rng, R.ACCOMMODATION) if in_touch == "YES" else "0"}
                self._extra(child, "care_leaver_contact", base, day, detail)


def casework(pop: cb.Population, young: list[int], *, now: dt.datetime, years: int,
             rng: random.Random) -> cb.Casework:
    """The authority's casework over `years` years: cases open when they start, the young people who left care
    at 18, and the front door's contacts with the cases they open."""
    from joinedup.casework.clocks import is_working_day
    from joinedup.casework.codes import REFERRAL_DECISIONS

    today = now.date()
    first_day = today - _days(round(years * 365.25))
    children = pop.children()
    scale = len(children) / 70_000
    maker = _Maker(pop, now, rng, workers=round(WORKERS * scale))
    frequent = rng.sample(children, max(1, len(children) // 30))

    def child_at(day: dt.date) -> int:
        while True:
            n = rng.choice(frequent) if rng.random() < FREQUENT else rng.choice(children)
            if pop.dob[n] <= day:
                return n

    # Cases open when the years start (a referral before them), as a steady state holds them.
    legacy: dict[int, tuple[str, dt.date, int]] = {}
    for outcome, per_70k in LEGACY.items():
        wanted = len(legacy) + round(per_70k * scale)
        for _ in range(100 * wanted):
            if len(legacy) >= wanted:
                break
            length = _length(rng, outcome, biased=True)
            start = first_day - _days(rng.randrange(1, length))
            n = rng.choice(children)
            if n not in legacy and pop.dob[n] <= start - _days(14):
                legacy[n] = (outcome, start, length)
    for n in young:  # in care from between 10 and 16 to their 18th birthday
        legacy[n] = ("looked_after", birthday(pop.dob[n], 18) - _days(rng.randrange(2 * 365, 8 * 365)), 10 ** 5)

    # The front door's contacts over the years: on a working day (a few at the weekend), in office hours.
    stories: dict[int, list[dt.datetime]] = defaultdict(list)
    for _ in range(round(CONTACTS_PER_YEAR * scale * years)):
        while True:
            day = first_day + _days(rng.randrange((today - first_day).days))
            if is_working_day(day) or rng.random() < 0.15:
                break
        at = cb._at(day, rng, 7, 19)
        if at < now - dt.timedelta(hours=1):
            stories[child_at(day)].append(at)

    for child in sorted(set(stories) | set(legacy)):
        case_from: dt.date | None = None
        case_until: dt.date | None = None  # None with case_from set: open now
        if child in legacy:
            outcome, start, length = legacy[child]
            srid, _d, decided = maker.decided_contact(child, cb._at(start, rng), in_case=False, decision="assessment")
            case_from = decided.date()
            case_until = maker.case(child, case_from, "assessment", srid, outcome=outcome, length=length,
                                    source=maker.out.first[-1]["detail"]["source_code"])
            maker.out.counts["legacy_cases"] += 1
        for at in sorted(stories.get(child, [])):
            day = at.date()
            in_case = case_from is not None and (case_until is None or day <= case_until)
            decision = "" if in_case else _pick(rng, DECISIONS)
            srid, decision, decided = maker.decided_contact(child, at, in_case=in_case, decision=decision)
            if decision in REFERRAL_DECISIONS:
                source = maker.out.first[-1]["detail"]["source_code"]
                nfa = decision == "assessment" and rng.random() < NFA_SHARE / 0.7
                case_from = decided.date()
                case_until = maker.case(child, case_from, decision, srid, nfa=nfa, source=source)
    return maker.out


# --- building the authority --------------------------------------------------------------------------------------


@dataclass
class Built:
    children: int
    young_adults: int
    persons: int
    year: int
    on: dt.date
    latest: list[dict] = field(default_factory=list)  # the current version of every casework record made
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def _young_adults(pop: cb.Population, n: int, today: dt.date, rng: random.Random) -> list[int]:
    """Young people of 18 to 21 who left care at 18, each at an address of their own (outside the children)."""
    made = []
    for _ in range(n):
        fam = len(pop.families)
        address = {"lines": [f"Flat {rng.randrange(1, 40)}, {rng.randrange(1, 240)} {rng.choice(cb.STREETS)}",
                             "Benchley"],
                   "postcode": f"BE{rng.randrange(1, 20)} {rng.randrange(1, 10)}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}"
                               f"{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}"}
        pop.families.append(cb.Family(address=address, gp=rng.choice(cb.GPS)[0], adults=[], children=[]))
        sex = rng.choice(("female", "male"))
        dob = today - _days(int(rng.uniform(18.05, 21.95) * 365.25))
        n_ = pop.add(rng.choice(cb.GIRLS if sex == "female" else cb.BOYS), rng.choice(cb.FAMILIES), dob, sex, False,
                     fam, rng)
        made.append(n_)
    return made


def _allocations(csc, front_door, scale: float, rng: random.Random) -> int:
    """Every case allocated to a social worker of a team from its referral to its closure (the dashboard
    bench's staff)."""
    from joinedup.accounts.models import Role
    from joinedup.casework.models import Allocation, Case

    _hos, _managers, _teams, users = dash._staff(csc, front_door, scale, rng)
    workers = [u for u in users if u.role == Role.SOCIAL_WORKER]
    rows = []
    for person_id, opened, closed in Case.objects.values_list("person_id", "opened_on", "closed_on"):
        worker = rng.choice(workers)
        rows.append(Allocation(person_id=person_id, worker=worker, team_id=worker.team_id,
                               started_at=dt.datetime.combine(opened, dt.time(12), tzinfo=dt.UTC),
                               ended_at=dt.datetime.combine(closed, dt.time(12), tzinfo=dt.UTC) if closed else None))
    Allocation.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def build(*, children: int, years: int, seed: int, out: TextIO, now: dt.datetime | None = None) -> Built:
    """Register the agencies, make the people, their records and the casework, store, link and project them."""
    from joinedup.accounts.models import Agency
    from joinedup.accounts.services import agency_create, team_create
    from joinedup.casework.models import Case, CaseworkIssue, Contact
    from joinedup.casework.projection import casework_project
    from joinedup.core.actor import ActorRef
    from joinedup.core.time import utc_now
    from joinedup.ingest.models import Mention, SourceRecord

    started = time.perf_counter()
    now = now or utc_now()
    today = now.date()
    rng = random.Random(seed)
    actor = ActorRef.system("bench")
    for code, name, kind in cb.AGENCIES:
        agency_create(actor=actor, code=code, name=name, kind=kind)
    csc = Agency.objects.get(code=cb.CSC[0])
    front_door = team_create(actor=actor, agency=csc, code="front-door", name="Front Door (MASH)",
                             is_front_door=True)
    scale = children / 70_000

    pop = cb.population(children, today, rng)
    records = [r for family in cb.universal_records(pop, today, rng) for r in family]
    young = _young_adults(pop, round(YOUNG_ADULTS * scale), today, rng)
    cw = casework(pop, young, now=now, years=years, rng=rng)
    visits = dash.visit_records(cw, pop, now, rng, days=round(years * 365.25))
    cw.first.extend(visits.records)
    cw.first.sort(key=lambda r: r["recorded_at"])
    made = Counter(r["kind"] for r in cw.first)
    _say(out, f"  made {children:,} children and {len(pop) - children - len(young):,} adults in "
              f"{len(pop.families) - len(young):,} families, {len(young):,} young people who left care, "
              f"{len(records):,} records of other agencies, {len(cw.first) + len(cw.later):,} casework record "
              f"versions ({made['csc_contact']:,} contacts, {made['referral']:,} referrals, "
              f"{made['looked_after_episode']:,} looked-after episodes, {len(visits.records):,} visits; "
              f"{time.perf_counter() - started:.0f} s)")
    person_ids = [cb.person_uuid(seed, n) for n in range(len(pop))]
    cb._people(pop, person_ids, [records, cw.first], now)
    cb._ingest(actor, records, "agencies' records", out)
    del records
    # Each record's later version right after its first (one batch stores both: no update of stored records).
    later = {r["source_record_id"]: r for r in cw.later}
    cb._ingest(actor, [v for r in cw.first for v in (r, later.get(r["source_record_id"])) if v is not None],
               "casework record versions", out)
    step = time.perf_counter()
    linked = cb._link(person_ids, csc_agency_id=csc.pk, now=now)
    cb._check_people(person_ids, rng)
    _say(out, f"  linked {linked:,} mentions to {len(pop):,} people ({time.perf_counter() - step:.0f} s)")
    step = time.perf_counter()
    calls = Counter()

    def progress(line: str) -> None:
        calls["n"] += 1
        if calls["n"] % 10 == 0:
            _say(out, f"  {line}")

    totals = casework_project([person_ids[n] for n in sorted(cw.children)], progress=progress)
    if CaseworkIssue.objects.exists():
        sample = list(CaseworkIssue.objects.values_list("kind", "sentence")[:3])
        raise RuntimeError(f"the fold could not place {CaseworkIssue.objects.count()} records, e.g. {sample}")
    _say(out, f"  projected {totals['contacts']:,} contacts and {totals['cases']:,} cases of {len(cw.children):,} "
              f"children ({time.perf_counter() - step:.0f} s)")
    allocations = _allocations(csc, front_door, scale, rng)
    latest: dict[str, dict] = {}
    for r in [*cw.first, *cw.later]:  # a later version replaces the first
        latest[r["source_record_id"]] = r
    built = Built(children=children, young_adults=len(young), persons=len(pop), year=collection_year(today), on=today,
                  latest=list(latest.values()))
    built.counts = {
        "records": SourceRecord.objects.count(), "mentions": Mention.objects.count(),
        "casework_records": len(latest), "casework_versions": len(cw.first) + len(cw.later),
        "children_with_casework": len(cw.children), "contacts": Contact.objects.count(), "cases": Case.objects.count(),
        "cases_open_before": cw.counts["legacy_cases"], "visits": len(visits.records), "allocations": allocations,
        **{f"records_{kind}": n for kind, n in sorted(Counter(r["kind"] for r in latest.values()).items())},
    }
    built.seconds = time.perf_counter() - started
    return built


# --- what the returns must hold, counted from the records made ------------------------------------------------


def _day(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value[:10]) if value else None


def expected(built: Built) -> dict[str, int]:
    """Counts of the returns from the records made here (not from the projection or the query source)."""
    from dateutil.relativedelta import relativedelta

    from joinedup.returns.source import Year

    year = Year(built.year)
    on = built.on
    start = on - relativedelta(months=6)
    opened, closed, nfa = {}, {}, {}
    episodes, plans, contacts, referrals = [], [], 0, 0
    for r in built.latest:
        kind, occurred = r["kind"], _day(r.get("occurred_on") or r.get("occurred_at"))
        child = int(r["mentions"][0]["local_person_id"].rsplit("-", 1)[1])
        case = r["detail"].get("case_id")
        if kind == "referral":
            opened[case] = (child, occurred)
            nfa[case] = r["detail"].get("nfa") is True
            referrals += start <= occurred <= on
        elif kind == "case_closure":
            closed[case] = occurred
        elif kind == "looked_after_episode":
            episodes.append((child, occurred, _day(r.get("ended_on"))))
        elif kind == "cp_plan":
            plans.append((occurred, _day(r.get("ended_on"))))
        elif kind == "csc_contact":
            contacts += start <= occurred <= on

    def overlaps(first: dt.date, last: dt.date, begin: dt.date, end: dt.date | None) -> bool:
        return begin <= last and (end is None or end >= first)

    in_need = {child for case, (child, begin) in opened.items()
               if overlaps(year.start, year.end, begin, closed.get(case))}
    return {
        "cin_children": len(in_need),
        "903_episodes": sum(overlaps(year.start, year.end, b, e) for _c, b, e in episodes),
        "annex_List 1": contacts,
        "annex_List 3": referrals,
        "annex_List 6": sum(1 for case, (_c, begin) in opened.items()
                            if not nfa[case] and overlaps(start, on, begin, closed.get(case))),
        "annex_List 7": sum(overlaps(start, on, b, e) for b, e in plans),
        "annex_List 8": len({c for c, b, e in episodes if overlaps(start, on, b, e)}),
    }


def shape(built: Built) -> dict[str, Any]:
    """The authority's shape on the census date (31 March of the year), counted from the records made."""
    from joinedup.returns.source import Year

    day = Year(built.year).end
    cases, closed = {}, {}
    open_plan, looked_after, in_plan = set(), set(), set()
    referrals = 0
    for r in built.latest:
        kind, occurred = r["kind"], _day(r.get("occurred_on") or r.get("occurred_at"))
        child = int(r["mentions"][0]["local_person_id"].rsplit("-", 1)[1])
        ended = _day(r.get("ended_on"))
        running = occurred <= day and (ended is None or ended > day)
        if kind == "referral":
            cases[r["detail"]["case_id"]] = (child, occurred)
            referrals += Year(built.year).start <= occurred <= day
        elif kind == "case_closure":
            closed[r["detail"]["case_id"]] = occurred
        elif kind == "cp_plan" and running:
            open_plan.add(child)
        elif kind == "looked_after_episode" and running:
            looked_after.add(child)
        elif kind == "cin_plan" and running:
            in_plan.add(child)
    open_cases = {c for case, (c, begin) in cases.items() if begin <= day and (closed.get(case) or day + _days(1)) > day}
    per = 100 / built.children
    return {
        "census_date": day.isoformat(), "referrals_in_year": referrals,
        "referred_share_pct": round(referrals * per, 2),
        "on_plan": len(open_plan), "on_plan_pct": round(len(open_plan) * per, 2),
        "looked_after": len(looked_after), "looked_after_pct": round(len(looked_after) * per, 2),
        "other_in_need": len(open_cases - open_plan - looked_after),
        "other_in_need_pct": round(len(open_cases - open_plan - looked_after) * per, 2),
        "on_child_in_need_plan": len(in_plan), "open_cases": len(open_cases),
    }


# --- producing the returns (the timed part) --------------------------------------------------------------------


def _status_mb(field_name: str) -> float:
    """A figure of this process's memory from /proc/self/status (Linux), in MB."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(f"{field_name}:"):
                return int(line.split()[1]) / 1024
    return 0.0


def file_name(kind: str, year: int, on: dt.date) -> str:
    return {"cin": f"cin-census-{year}.xml", "903": f"ssda903-{year}", "annex-a": f"annex-a-{on.isoformat()}.xlsx"}[kind]


def produce_here(kind: str, *, year: int, on: dt.date, folder: Path, out: TextIO) -> dict[str, Any]:
    """Produce one return with the product's service into `folder`: its counts, the seconds it took and the peak
    RSS of this process (VmHWM, the high-water mark of its resident set since it started: run it in a fresh
    process to measure; `ru_maxrss` would not do, since Linux carries the parent's over fork and exec)."""
    from django.conf import settings
    from django.test.utils import override_settings

    from joinedup.core.actor import ActorRef
    from joinedup.returns.runs import annex_a_produce
    from joinedup.returns.services import return_produce
    from joinedup.returns.source import Year

    if kind not in KINDS:
        raise ValueError(f"--produce: {kind!r} is not one of {', '.join(KINDS)}")
    conf = dict(settings.JOINEDUP_RETURNS)
    conf["la_number"] = conf.get("la_number") or "318"  # the borrowed authority's number, as in development
    actor = ActorRef.system("bench returns")
    path = folder / file_name(kind, year, on)
    before = _status_mb("VmRSS")

    def progress(line: str) -> None:
        _say(out, f"  {line}")

    with override_settings(JOINEDUP_RETURNS=conf):
        started, cpu = time.perf_counter(), time.process_time()
        if kind == "annex-a":
            annex = annex_a_produce(actor=actor, on=on, out=path, progress=progress).annex
            seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
            counts: dict[str, Any] = {"children": len(annex.children),
                                      "rows": {name: len(rows) for name, rows in annex.sheets.items()}}
        else:
            made = return_produce(actor=actor, kind=kind, year=Year(year), out=path, progress=progress)
            seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
            counts = {"children": len(made.produced.children)}
            if kind == "903":
                counts["rows"] = {name: len(rows) for name, rows in made.produced.tables.items()}
                counts["episodes"] = counts["rows"]["Episodes"]
    return {"seconds": round(seconds, 2), "cpu_seconds": round(cpu, 2), "rss_before_mb": round(before, 1),
            "peak_rss_mb": round(_status_mb("VmHWM"), 1), **counts}


def produce_in_child(kind: str, *, year: int, on: dt.date, folder: Path, out: TextIO) -> dict[str, Any]:
    """`produce_here` in a fresh process (`joinedup bench returns --here --produce KIND`), with this process's
    DATABASE_URL and settings; its progress passed on to `out`."""
    env = dict(os.environ)
    proc = subprocess.Popen([sys.executable, "-m", "joinedup.cli", "bench", "returns", "--here", "--produce", kind,
                             "--year", str(year), "--on", on.isoformat(), "--folder", str(folder), "--json"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stderr is not None
    tail: list[str] = []
    for line in proc.stderr:
        tail = [*tail[-40:], line]
        if PROGRESS.match(line):
            _say(out, line.rstrip())
    stdout = proc.stdout.read()
    proc.wait()
    lines = stdout.strip().splitlines()
    if proc.returncode != 0 or not lines or not lines[-1].startswith("{"):
        raise RuntimeError(f"producing {kind} failed (exit {proc.returncode}):\n{stdout[-2000:]}{''.join(tail)}")
    return json.loads(lines[-1])


def count_files(kind: str, path: Path) -> dict[str, Any]:
    """What a produced return's files hold: the census's children, each 903 table's rows, each sheet's rows."""
    if kind == "cin":
        return {"children": sum(1 for _e, el in ET.iterparse(path) if el.tag == "Child")}  # noqa: S314 - ours
    if kind == "903":
        from joinedup.returns.ssda903 import FILES

        rows = {}
        for table, name in FILES.items():
            with (path / f"{name}.csv").open(encoding="utf-8") as fh:
                rows[table] = sum(1 for _ in fh) - 1  # no value spans lines: codes, dates, numbers
        return {"rows": rows}
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True)
    try:
        return {"rows": {ws.title: sum(1 for _ in ws.iter_rows(min_row=2, values_only=True)) for ws in book.worksheets}}
    finally:
        book.close()


# --- the bench -----------------------------------------------------------------------------------------------


def measure(*, built: Built, folder: Path, out: TextIO, isolate: bool = True) -> dict[str, Any]:
    """Produce the three returns (each in a fresh process unless `isolate` is False), check their counts three
    ways, and the figures."""
    results = {}
    load = [os.getloadavg()[0]]
    for kind in KINDS:
        _say(out, f"  producing {kind}…")
        run = produce_in_child if isolate else produce_here
        results[kind] = run(kind, year=built.year, on=built.on, folder=folder, out=out)
        results[kind]["from_files"] = count_files(kind, folder / file_name(kind, built.year, built.on))
        _say(out, f"  {kind}: {results[kind]['children']:,} children, {results[kind]['seconds']:.1f} s "
                  f"({results[kind]['cpu_seconds']:.1f} s CPU), peak RSS {results[kind]['peak_rss_mb']:,.0f} MB")
    load.append(os.getloadavg()[0])
    cin, lac, annex = results["cin"], results["903"], results["annex-a"]
    got = {"cin_children": cin["children"], "903_episodes": lac["episodes"],
           **{f"annex_{k}": annex["rows"][k] for k in ("List 1", "List 3", "List 6", "List 7", "List 8")}}
    want = expected(built)
    wrong = {k: (got[k], want[k]) for k in want if got[k] != want[k]}
    if cin["from_files"]["children"] != cin["children"]:
        wrong["cin file"] = (cin["from_files"]["children"], cin["children"])
    for kind in ("903", "annex-a"):
        if results[kind]["from_files"]["rows"] != results[kind]["rows"]:
            wrong[f"{kind} files"] = (results[kind]["from_files"]["rows"], results[kind]["rows"])
    if wrong:
        raise RuntimeError(f"the returns hold other counts than the records made (return, expected): {wrong}")
    total = sum(r["seconds"] for r in results.values())
    peak = max(r["peak_rss_mb"] for r in results.values())
    def timing(r: dict) -> dict:
        return {k: r[k] for k in ("seconds", "cpu_seconds", "peak_rss_mb")}

    return {
        "cin": {"children": cin["children"], **timing(cin)},
        "ssda903": {"children": lac["children"], "episodes": lac["episodes"], "rows": lac["rows"], **timing(lac)},
        "annex_a": {"children": annex["children"], "rows": annex["rows"], **timing(annex)},
        "total_seconds": round(total, 2), "total_cpu_seconds": round(sum(r["cpu_seconds"] for r in results.values()), 2),
        "load_average": [round(x, 1) for x in load], "peak_rss_mb": peak,
        "rss_before_mb": max(r["rss_before_mb"] for r in results.values()),
        "rss_measured": ("VmHWM (peak resident set) of a fresh process producing one return (Django, the reads, the "
                         "file and its audit row), the largest of the three" if isolate else
                         "VmHWM of the process that also made the authority (not a fresh process)"),
        "checked": [*sorted(want), "files"],
        "target_seconds": TARGET_SECONDS, "target_rss_mb": TARGET_RSS_MB,
        "targets_met": total <= TARGET_SECONDS and peak <= TARGET_RSS_MB,
    }


def run_here(*, children: int, years: int, seed: int, out: TextIO, isolate: bool = True,
             folder: Path | None = None) -> dict[str, Any]:
    """Build the authority in the current (migrated, empty) database and measure; the files go to `folder` (a
    temporary folder under var/ by default)."""
    from django.conf import settings
    from django.db import connection

    from joinedup.ingest.models import SourceRecord
    from joinedup.returns.source import Year

    if SourceRecord.objects.exists():
        raise RuntimeError("bench returns --here needs an empty database (it adds made-up records)")
    built = build(children=children, years=years, seed=seed, out=out)
    _say(out, f"  built in {built.seconds:.0f} s; producing the returns for {Year(built.year).label} and Annex A at "
              f"{built.on:%d %B %Y}…")
    if folder is None:
        Path(settings.VAR_DIR).mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="bench-returns-files-", dir=settings.VAR_DIR) as tmp:
            figures = measure(built=built, folder=Path(tmp), out=out, isolate=isolate)
    else:
        figures = measure(built=built, folder=folder, out=out, isolate=isolate)
    return {"database": connection.vendor, "children": built.children, "years": years,
            "young_people_left_care": built.young_adults, "persons": built.persons, "year": Year(built.year).label,
            "annex_a_on": built.on.isoformat(), "populate_seconds": round(built.seconds, 1), **built.counts,
            "shape": shape(built), **figures}


def run(*, children: int = 70_000, years: int = 3, seed: int = 1, postgres_url: str | None = None,
        postgresql: bool = False, out: TextIO) -> dict[str, Any]:
    """On a fresh SQLite file (and PostgreSQL with `postgresql`); the worse database's figures at the top."""
    args = ["--children", str(children), "--years", str(years), "--seed", str(seed)]
    results = on_each_database("returns", args, out, postgres_url=postgres_url, postgresql=postgresql,
                               doing="building the authority and producing the returns")
    measured = list(results.values())
    return {"children": children, "years": years, "total_seconds": max(r["total_seconds"] for r in measured),
            "peak_rss_mb": max(r["peak_rss_mb"] for r in measured), "target_seconds": TARGET_SECONDS,
            "target_rss_mb": TARGET_RSS_MB, "targets_met": all(r["targets_met"] for r in measured), **results}
