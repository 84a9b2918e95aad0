"""Children's social care: the front door (contacts rated and decided), referrals, assessments, strategy
discussions, section 47 enquiries, conferences, core groups, plans, looked-after episodes and closures; the
practice around them (visits, supervision, the practice file's minutes and concerns) is `csc_practice`.

Episodes of need are simulated per family (siblings share the referral and what follows) and written per
child: each child's records of one episode carry that child's case id (`EP<episode>-<n>`), and every step
is placed where the rules of the road allow it (docs/formats/README.md, "Children's social care casework"):
a referral opens the case, one assessment and one enquiry open at a time, conferences on working days, a
plan from its initial conference to the review that ends it, looked-after episodes back to back (X1), and
closure when nothing is open. A child leaves at 18: what is open then ends that day and the case closes.
"""

from __future__ import annotations

import random
from calendar import monthrange
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from . import csc_returns as R
from . import csc_vocab as V
from . import traps
from . import workdays as wd
from .agencies import CSC, FAMILY_SUPPORT, LEGAL
from .context import Context, carers
from .csc_practice import ChildCase, concerns, meetings, placements, supervision, visits
from .population import Household, Person
from .streams import add_years, age_on, derive_seed, iso, iso_dt, poisson

Later = list[tuple[int, int, dict[str, Any], "int | None"]]
MEETINGS = ("strategy_discussion", "conference", "core_group")


def _pick(rng: random.Random, table: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([k for k, _ in table], [w for _, w in table])[0]


def _expo(rng: random.Random, mean: float, low: int) -> int:
    return max(low, int(rng.expovariate(1.0 / mean)))


def _plus(day: int, minute: int, minutes: int) -> tuple[int, int]:
    total = day * 1440 + minute + minutes
    return total // 1440, total % 1440


def _between(a: tuple[int, int], b: tuple[int, int]) -> int:
    return (b[0] - a[0]) * 1440 + b[1] - a[1]


def _months_later(day: int, months: int) -> int:
    d = date.fromordinal(day)
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    return date(year, month, min(d.day, monthrange(year, month)[1])).toordinal()


def _undecided_from(ctx: Context) -> int:
    """The first of the last two working days of the period: contacts from then on are not decided yet."""
    last = wd.on_or_before(ctx.end - 1)
    return wd.on_or_before(last - 1)


# --- the front door ------------------------------------------------------------------------------------


@dataclass
class Contact:
    """One contact as the front door handled it (shared by the siblings it was about)."""

    day: int
    minute: int
    detail: dict[str, Any]
    recorded_after: int  # minutes after receipt it was logged (and rated)
    decided: tuple[int, int] | None = None
    decision: dict[str, Any] = field(default_factory=dict)


def _decision_time(rng: random.Random, day: int, minute: int, rag: str, late: bool) -> tuple[int, int]:
    """When the front door decided: within one working day (and the RAG timescale) unless late."""
    if late:
        return wd.add_working_minutes(day, minute, int(rng.uniform(1.15, 4.0) * wd.HOURS_PER_DAY * 60))
    if rag == "red":
        return _plus(day, minute, rng.randint(20, 210))
    due = wd.add_working_minutes(day, minute, wd.HOURS_PER_DAY * 60)
    limit = min(_between((day, minute), due), 1440 if rag == "amber" else 4320)
    until = _plus(day, minute, limit)
    available = wd.working_minutes_between(day, minute, *until)
    if available >= 30:
        return wd.add_working_minutes(day, minute, rng.randint(10, int(available * 0.95)))
    return _plus(day, minute, rng.randint(20, max(21, int(limit * 0.9))))  # the out-of-hours duty team


def _contact(
    ctx: Context,
    rng: random.Random,
    day: int,
    minute: int,
    purpose: str,
    decision: str,
    reason: str,
    outcome: str,
    decided: bool,
) -> Contact:
    code, raised_by, old, _, names, texts = rng.choices(V.SOURCES, [s[3] for s in V.SOURCES])[0]
    detail: dict[str, Any] = {
        "code": "contact",
        "raised_by": raised_by,
        "source_code": code,
        "source": old,
        "text": rng.choice(texts),
    }
    if names:
        detail["raised_by_name"] = rng.choice(names)
    rag = _pick(rng, V.RAG_BY_PURPOSE[purpose])
    when: tuple[int, int] | None = None
    if decided:
        when = _decision_time(rng, day, minute, rag, rng.random() < ctx.rates.contact_decided_late)
        if when[0] >= ctx.end:
            when = _decision_time(rng, day, minute, rag, False)
        if when[0] >= ctx.end:
            when = None
    logged = rng.randint(5, 180)
    if when is not None:
        logged = max(1, min(logged, _between((day, minute), when) // 2))
    rag_at = _plus(day, minute, logged)
    if rag_at[0] < ctx.end:
        detail["rag"] = rag
        detail["rag_at"] = iso_dt(*rag_at)
    c = Contact(day, minute, detail, logged, when)
    if when is not None:
        c.decision = {
            "decision": decision,
            "decided_at": iso_dt(*when),
            "decided_by_role": rng.choice(V.DECIDED_BY),
            "decision_reason": rng.choice(V.DECISION_REASONS[reason]),
            "outcome": outcome,
        }
    return c


# --- one child's records ---------------------------------------------------------------------------------


@dataclass
class Rec:
    """A casework record to write for one child: when, what, its later versions and which record it names."""

    kind: str
    day: int
    minute: int | None
    detail: dict[str, Any]
    later: Later = field(default_factory=list)
    lag: int | None = None
    tag: str = ""
    link: tuple[str, str] | None = None  # (detail key, tag of the record whose id it holds)
    last: int = 0  # the last day it covers (its end, or its day)


def _ev(hh: Household, child: Person, day: int) -> list[tuple[str, str]] | None:
    harm = hh.harm
    if harm is not None and harm.victim is child and harm.onset_on <= day <= harm.outcome_on:  # type: ignore
        return harm.evidence  # type: ignore[attr-defined]
    return None


def _write(
    ctx: Context, rng: random.Random, hh: Household, child: Person, role: str, case_id: str, recs: list[Rec],
    keep: bool,
) -> None:
    """Writes one child's records of one episode in order, filling in the ids they name."""
    ids: dict[str, str] = {}
    for r in recs:  # in the order built: a record comes after the ones it names
        detail = {"case_id": case_id, **r.detail}
        if r.link is not None:
            key, tag = r.link
            if tag in ids:
                detail[key] = ids[tag]
        srid = ctx.emit.record(
            rng,
            CSC,
            r.kind,
            r.day,
            r.minute,
            [(child, role, {"pin": case_id}), *carers(hh, r.day)],
            detail,
            lag_minutes=r.lag if r.lag is not None else rng.randrange(20, 2880),
            keep_before_start=keep,
            evidence=_ev(hh, child, r.day),
            later=r.later or None,
        )
        if srid is not None and r.tag:
            ids[r.tag] = srid


def _front_door_recs(c: Contact, referral: dict[str, Any]) -> list[Rec]:
    """A child's contact (logged and rated, then decided) and the referral it became."""
    later: Later = [(c.decided[0], c.decided[1], c.decision, None)] if c.decided else []
    contact = Rec("csc_contact", c.day, c.minute, dict(c.detail), later, lag=c.recorded_after, tag="contact",
                  last=c.day)
    lag = (_between((c.day, c.minute), c.decided) if c.decided else 60) + 30
    ref = Rec("referral", c.day, c.minute, referral, lag=lag, link=("contact_id", "contact"), last=c.day)
    return [contact, ref]


# --- episodes of need -------------------------------------------------------------------------------------


@dataclass
class ProtectionPlan:
    start: int
    end: int  # the review conference that ends it (at or after the period's end: still open)
    initial: str
    reviews: list[tuple[int, str, str]]  # day, outcome, category decided there
    core_groups: list[int]


@dataclass
class Episode:
    """What happened to a family from a referral to the point its children's cases close."""

    no: int
    ref: int
    contact: Contact
    route: str
    need: str
    branch: str  # nfa, not_in_need, cin, s47
    old: str  # the older free-text decision: no further action, not in need, child in need, section 47
    assessment: tuple[int, int, list[str], str] | None = None  # start, authorised, factors, outcome
    strategy: tuple[int, int, list[str]] | None = None  # day, minute, attendees
    s47: tuple[int, int, str, bool, str] | None = None  # start, completed, outcome, conference needed, old text
    icpc: tuple[int, str, str] | None = None  # day, outcome, category
    plan: ProtectionPlan | None = None
    cin: list[tuple[int, int]] = field(default_factory=list)
    care: tuple[int, int, str] | None = None  # start, planned end, route into care
    last: int = 0  # the last day of the family-level steps
    reason: str = "RC7"
    delay: int = 0  # days from the last step to closure


def _factors(rng: random.Random, pool: tuple[str, ...], low: int = 1, high: int = 3) -> list[str]:
    return sorted(rng.sample(pool, min(len(pool), rng.randint(low, high))))


def _authorised(rng: random.Random, ctx: Context, ref: int) -> int:
    """An assessment's authorisation day: most within 45 working days of the referral."""
    late = rng.random() < ctx.rates.assessment_late
    return wd.add_working_days(ref, rng.randint(46, 75) if late else rng.randint(10, 45))


def _protection_plan(rng: random.Random, ctx: Context, icpc: int, category: str) -> ProtectionPlan:
    """Reviews (3 months, then every 6), category changes, the review that ends it, and core groups."""
    r = ctx.rates
    target = icpc + _expo(rng, r.plan_mean_days, 90)
    reviews: list[tuple[int, str, str]] = []
    current, last = category, icpc
    while True:
        due = _months_later(icpc, 3) if not reviews else _months_later(last, 6)
        if rng.random() < r.review_late:
            day = wd.on_or_after(due + rng.randint(3, 40))
        else:
            day = max(last + 1, wd.on_or_before(due - rng.randint(0, 21)))
        if day >= target - 60:
            reviews.append((day, "plan_ends", current))
            end = day
            break
        if rng.random() < r.review_category_change:
            current = _pick(rng, tuple((k, w) for k, w in V.CATEGORIES if k != current))
        reviews.append((day, "plan_continues", current))
        last = day
    late = rng.random() < r.core_group_late
    g = wd.add_working_days(icpc, rng.randint(11, 22) if late else rng.randint(3, 10))
    groups = []
    while g < end:
        groups.append(g)
        g = wd.on_or_after(g + rng.randint(28, 56))
    return ProtectionPlan(icpc, end, category, reviews, groups)


def _plan_episode(ctx: Context, rng: random.Random, ref: int, minute: int) -> Episode:
    """The family-level course of one episode, with the same rates as before the casework detail."""
    r = ctx.rates
    if rng.random() < r.referral_nfa:
        branch = "nfa"
    elif rng.random() < r.assessment_s47 / (1 - r.referral_nfa):
        branch = "s47"
    elif rng.random() < r.assessment_not_in_need / (1 - r.referral_nfa - r.assessment_s47):
        branch = "not_in_need"
    else:
        branch = "cin"
    escalate = branch == "s47" and rng.random() < 0.3  # concerns rise during an assessment
    route = "strategy_discussion" if branch == "s47" and not escalate else "assessment"
    contact = _contact(ctx, rng, ref, minute, route, route, route, "referral", True)
    assert contact.decided is not None
    decided = contact.decided[0]
    need = _pick(rng, V.S47_NEEDS if branch == "s47" else V.NEEDS)
    ctx.csc_cases += 1
    old = {"nfa": "no further action", "not_in_need": "not in need", "cin": "child in need", "s47": "section 47"}
    ep = Episode(ctx.csc_cases, ref, contact, route, need, branch, old[branch])
    if branch == "nfa":
        ep.last, ep.reason = max(ref, decided) + 1, "RC8"
        return ep
    if branch == "not_in_need":
        end = _authorised(rng, ctx, ref)
        early = rng.random() < 0.4
        factors = [V.NO_FACTORS] if rng.random() < 0.6 else _factors(rng, V.FACTORS_BY_NEED[need], 1, 1)
        ep.assessment = (decided, end, factors, "early_help" if early else "no_further_action")
        ep.last, ep.reason, ep.delay = end, "RC9" if early else "RC8", rng.randint(0, 3)
        return ep
    if branch == "cin":
        end = _authorised(rng, ctx, ref)
        ep.assessment = (decided, end, _factors(rng, V.FACTORS_BY_NEED[need]), "child_in_need_plan")
        cin_end = end + _expo(rng, r.cin_plan_mean_days, 60)
        ep.cin.append((end, cin_end))
        if rng.random() < r.cin_to_looked_after and cin_end - end > 28:
            enter = rng.randint(end + 14, cin_end - 1)
            ep.care = (enter, enter + _expo(rng, r.looked_after_mean_days, 30), "cin")
        ep.last, ep.delay = cin_end, rng.randint(0, 5)
        return ep
    # section 47
    category = _pick(rng, V.CATEGORIES)
    if escalate:
        a_start = decided
        strat = wd.add_working_days(a_start, rng.randint(3, 20))
    else:
        today = rng.random() < 0.6 and contact.decided[1] < 1200
        strat = decided if today else wd.add_working_days(decided, rng.randint(1, 2))
    same_day = strat == decided
    s_minute = min(1430, contact.decided[1] + rng.randint(30, 230)) if same_day else rng.randint(480, 960)
    others = rng.sample(V.STRATEGY_OTHERS, rng.randint(1, 3))
    ep.strategy = (strat, s_minute, [*V.STRATEGY_CORE, *others])
    s47_start = strat if rng.random() < 0.75 else wd.add_working_days(strat, 1)
    if not escalate:
        a_start = s47_start
    factors = _factors(rng, V.FACTORS_BY_CATEGORY[category])
    after = 0
    if rng.random() < r.s47_to_conference:
        late = rng.random() < r.icpc_late
        icpc = wd.add_working_days(strat, rng.randint(16, 30) if late else rng.randint(7, 15))
        s47_end = max(s47_start, wd.on_or_before(rng.randint(min(s47_start + 5, icpc), icpc)))
        ep.s47 = (s47_start, s47_end, "substantiated", True, "initial conference")
        a_end = strat if escalate else max(a_start, wd.on_or_before(rng.randint(min(a_start + 5, icpc), icpc)))
        ep.assessment = (a_start, a_end, factors, "strategy_discussion")
        if rng.random() < r.conference_to_plan:
            ep.icpc = (icpc, "plan", category)
            ep.plan = _protection_plan(rng, ctx, icpc, category)
            p_end = ep.plan.end
            if rng.random() < r.plan_to_looked_after:
                ep.care = (p_end, p_end + _expo(rng, r.looked_after_mean_days, 30), "plan")
                ep.last = p_end
            else:
                ep.cin.append((p_end, p_end + rng.randint(60, 200)))
                ep.last = ep.cin[-1][1]
            ep.delay = rng.randint(0, 5)
            return ep
        ep.icpc = (icpc, "no_plan", "")
        after = max(icpc, a_end)
        care_from = icpc
    else:
        s47_end = wd.add_working_days(s47_start, rng.randint(5, 20))
        if rng.random() < 0.65:
            ep.s47 = (s47_start, s47_end, "not_substantiated", False, "no conference: concerns not substantiated")
        else:
            ep.s47 = (s47_start, s47_end, "substantiated_not_at_risk", False,
                      "no conference: substantiated, child not judged at continuing risk")
        a_end = strat if escalate else max(a_start, _authorised(rng, ctx, ref))
        ep.assessment = (a_start, a_end, factors, "strategy_discussion")
        after = max(s47_end, a_end)
        care_from = s47_end
    outcome = "no_further_action" if rng.random() < 0.6 else "early_help"
    if rng.random() < r.s47_to_looked_after:
        ep.care = (care_from, care_from + _expo(rng, r.looked_after_mean_days, 30), "s47")
        outcome = "looked_after"
        ep.last = max(after, care_from)
    elif rng.random() < 0.5:
        ep.cin.append((after, after + _expo(rng, r.cin_plan_mean_days, 60)))
        outcome = "child_in_need_plan"
        ep.last = ep.cin[-1][1]
    else:
        ep.last = after
    if not escalate:
        ep.assessment = (a_start, a_end, factors, outcome)
    ep.delay = rng.randint(0, 5)
    return ep


# --- looked after --------------------------------------------------------------------------------------


@dataclass
class CareEpisode:
    start: int
    end: int
    detail: dict[str, Any]
    reason_ended: str


def _placement(
    ctx: Context, rng: random.Random, hh: Household, child: Person, day: int, legal: str, since: int
) -> tuple[str, str, str]:
    """A placement (SSDA903 type, provider, postcode) that fits the child's age and legal status."""
    age = age_on(child.dob, day)
    kind = _pick(rng, V.PLACEMENT_KINDS)
    if kind == "placed_with_parents" and legal not in ("C1", "C2"):
        kind = "foster_care"
    if kind == "residential" and age < 10:
        kind = "foster_care"
    if age >= 16 and rng.random() < 0.25:
        place = "Z11" if rng.random() < 0.08 else "K3"
        provider = "PR4" if rng.random() < 0.6 else "PR5"
    elif kind == "foster_care":
        place = rng.choices(("U6", "U4", "U5"), (60, 35 if day - since > 180 else 0, 5))[0]
        provider = "PR1" if rng.random() < 0.6 else "PR4"
    elif kind == "kinship_care":
        place, provider = ("U1" if rng.random() < 0.35 else "U3"), "PR1"
    elif kind == "residential":
        place = "K2" if rng.random() < 0.85 else "R1"
        provider = "PR4" if place == "R1" else rng.choices(("PR4", "PR1", "PR5"), (75, 20, 5))[0]
    else:
        place, provider = "P1", "PR0"
    home = hh.home_at(day) if place == "P1" else None
    if home is not None and not home.protected:
        postcode = home.postcode
    else:
        postcode = rng.choice(ctx.world.addresses.placement_postcodes)
    return place, provider, postcode


def _care(
    ctx: Context, rng: random.Random, hh: Household, child: Person, start: int, planned: int, route: str,
    need: str, cap: int,
) -> tuple[list[CareEpisode], str] | None:
    """A child's SSDA903 episodes from starting to be looked after to leaving care (or 18), and the case's
    closure reason that follows from how care ended."""
    end = min(planned, cap)
    if end <= start:
        return None
    first = _pick(rng, V.LEGAL_AT_ENTRY[route])
    legal = [(start, first)]
    t, cur = start, first
    if cur == "L1":
        t += rng.randint(1, 3)
        cur = "C1" if rng.random() < 0.55 else "V2"
        legal.append((t, cur))
    elif cur == "L2":
        t += rng.randint(3, 8)
        cur = "C1"
        legal.append((t, cur))
    if cur == "V2" and rng.random() < 0.2:
        t += rng.randint(30, 200)
        cur = "C1"
        legal.append((t, cur))
    adoption: tuple[int, int] | None = None
    if cur == "C1" and rng.random() < 0.85:
        t += rng.randint(120, 300)
        cur = "C2"
        legal.append((t, cur))
        if age_on(child.dob, t) < 5 and rng.random() < 0.45:
            t += rng.randint(60, 240)
            legal.append((t, "E1"))
            placed = t + rng.randint(30, 150)
            adoption = (placed, placed + rng.randint(120, 300))
            end = min(adoption[1], cap)
    legal = [(d, s) for d, s in legal if d < end]
    legal_days = {d for d, _ in legal[1:]}
    moves: dict[int, tuple[str, str, str] | None] = {}
    if len(legal) > 1 and legal[0][1] in ("L1", "L2") and rng.random() < 0.5:
        moves[legal[1][0]] = None  # out of the emergency placement when the order changes
    m = start
    while True:
        m += _expo(rng, 420, 14)
        if m >= end or (adoption is not None and m >= adoption[0]):
            break
        moves[m] = None
    for day in sorted(d for d in moves if d in legal_days):  # a move on the day after an order (no T episodes:
        if day + 1 < end and day + 1 not in legal_days:     # docs/simulator.md, "Statutory returns")
            moves[day + 1] = moves.pop(day)
    if adoption is not None and adoption[0] < end:
        moves[adoption[0]] = (rng.choice(("A6", "A6", "A5")), "PR1" if rng.random() < 0.7 else "PR5",
                              rng.choice(ctx.world.addresses.placement_postcodes))

    def status_on(day: int) -> str:
        return [s for d, s in legal if d <= day][-1]

    place = _placement(ctx, rng, hh, child, start, first, start)
    episodes: list[CareEpisode] = []
    changes = sorted(legal_days | set(moves))
    begin, rne = start, "S"
    for day in [*changes, end]:
        detail = {
            "code": "cla",
            "legal_status": status_on(begin),
            "reason_new_episode": rne,
            "placement_type": place[0],
            "placement_provider": place[1],
            "placement_postcode": place[2],
            "category_of_need": need,
        }
        episodes.append(CareEpisode(begin, day, detail, "X1"))
        if day == end:
            break
        moved = day in moves
        before = place
        if moved:
            place = moves[day] or _placement(ctx, rng, hh, child, day, status_on(day), start)
        rne = ("T" if moved else "L") if day in legal_days else "P"
        if place[0] == "A5":  # with the current foster carers: only when the order comes the same day (T)
            if before[0] in ("U1", "U2", "U3", "U4", "U5", "U6") and rne == "T":
                place = ("A5", place[1], before[2])
            else:
                place = ("A6", *place[1:])
        begin = day
    last_status = status_on(end - 1)
    if end == cap and cap <= planned and (adoption is None or cap < adoption[1]):
        reason = "E5" if place[0] == "K3" else _pick(rng, V.ENDED_AT_18)
    elif adoption is not None and end == adoption[1]:
        reason = "E11" if rng.random() < 0.3 else "E12"
    else:
        reason = _pick(rng, V.ENDED_BY_LEGAL[last_status])
    episodes[-1].reason_ended = reason
    R.care_details(ctx, hh, child, episodes)
    return episodes, V.CLOSURE_AFTER_CARE.get(reason, "RC7")


# --- writing an episode --------------------------------------------------------------------------------


def _child_records(
    ctx: Context, rng: random.Random, hh: Household, ep: Episode, child: Person, cared: bool,
    spans: dict[str, list[tuple[int, int]]],
) -> tuple[list[Rec], int, str, list[CareEpisode] | None]:
    """One child's records of a family episode (cut at the 18th birthday), the closure day and reason."""
    cap = add_years(child.dob, 18)
    c = ep.contact
    referral = {
        "code": "referral",
        "source_code": c.detail["source_code"],
        "primary_need": ep.need,
        "route": ep.route,
        "nfa": ep.branch == "nfa",
        "decision": ep.old,
        "text": "No further action at the front door." if ep.branch == "nfa" else "Referral accepted.",
    }
    recs = _front_door_recs(c, referral)
    reason = ep.reason
    if ep.branch == "nfa":
        return recs, min(ep.last, cap), reason, None
    if ep.assessment is not None and ep.assessment[0] < cap:
        a_start, a_end, factors, outcome = ep.assessment
        a_end = min(a_end, cap)
        changes = {"factors": factors, "outcome": outcome, "authorised_on": iso(a_end), "decision": ep.old}
        recs.append(Rec("assessment", a_start, None, {"code": "single_assessment"},
                        [(a_end, 600 + rng.randrange(420), changes, a_end)], last=a_end))
    if ep.strategy is not None and ep.strategy[0] < cap:
        day, minute, attendees = ep.strategy
        recs.append(Rec("strategy_discussion", day, minute, {
            "code": "strategy", "attendees": attendees, "decision": "section_47",
            "agencies": ["police", "health", "csc"], "text": "Strategy discussion held.",
        }, tag="strategy", last=day))
    if ep.s47 is not None and ep.s47[0] < cap:
        start, end, outcome, needed, old = ep.s47
        end = min(end, cap)
        if needed and ep.icpc is not None and ep.icpc[0] >= cap:  # 18 before the conference could meet
            outcome, needed, old = "substantiated_not_at_risk", False, "no conference: young person now 18"
        changes = {"outcome": outcome, "conference_needed": needed, "decision": old}
        recs.append(Rec("section47_enquiry", start, None, {"code": "s47"},
                        [(end, 600 + rng.randrange(420), changes, end)], link=("strategy_id", "strategy"),
                        last=end))
    if ep.icpc is not None and ep.icpc[0] < cap:
        day, outcome, category = ep.icpc
        detail: dict[str, Any] = {"code": "icpc", "conference_type": "initial", "outcome": outcome}
        if category:
            detail["category"] = category
        recs.append(Rec("conference", day, 600, detail, last=day))
    plan = ep.plan
    if plan is not None and plan.start < cap:
        end = min(plan.end, cap)
        later: Later = []
        category = plan.initial
        for day, outcome, cat in plan.reviews:
            if day > end or (day == end and plan.end > cap):
                break  # a plan cut short by the 18th birthday ends without a conference
            recs.append(Rec("conference", day, 600, {
                "code": "rcpc", "conference_type": "review", "outcome": outcome, "category": cat,
            }, last=day))
            if outcome == "plan_continues" and cat != category:
                later.append((day, 720, {"category": cat}, None))
                category = cat
        later.append((end, 720, {"category": category}, end))
        recs.append(Rec("cp_plan", plan.start, None, {
            "code": "cpp", "category": plan.initial, "initial_category": plan.initial,
        }, later, last=end))
        for g in plan.core_groups:
            if g >= end:
                break
            recs.append(Rec("core_group", g, rng.randint(540, 900), {
                "code": "core_group",
                "attendees": [*V.CORE_GROUP_CORE, *rng.sample(V.CORE_GROUP_OTHERS, rng.randint(2, 4))],
                "text": rng.choice(V.CORE_GROUP_TEXT),
            }, last=g))
        spans["cp"].append((plan.start, end))
    chain = None
    care_start = ep.care[0] if ep.care is not None else None
    if cared and ep.care is not None and care_start is not None:
        got = _care(ctx, rng, hh, child, care_start, ep.care[1], ep.care[2], ep.need, cap)
        if got is not None:
            chain, reason = got
    cin = list(ep.cin)
    if care_start is not None and chain is None and not any(s <= care_start < e for s, e in cin):
        cin.append((care_start, care_start + _expo(rng, ctx.rates.cin_plan_mean_days, 60)))  # stays at home
    for s, e in cin:
        if chain is not None and s <= chain[0].start < e:
            e = chain[0].start  # a child in need plan ends when the child starts to be looked after
        e = min(e, cap)
        if s >= cap or e <= s:
            continue
        recs.append(Rec("cin_plan", s, None, {"code": "cin", "primary_need": ep.need},
                        [(e, 600 + rng.randrange(420), {}, e)], last=e))
        spans["cin"].append((s, e))
    if chain is not None:
        for e in chain:
            recs.append(Rec("looked_after_episode", e.start, None, e.detail,
                            [(e.end, 540 + rng.randrange(480), {"reason_ended": e.reason_ended}, e.end)],
                            last=e.end))
        spans["cla"].append((chain[0].start, chain[-1].end))
    last = max(r.last for r in recs)
    close = min(cap, last + ep.delay)
    if close == cap:  # leaves children's services at 18 (to adult social care if disabled)
        reason = "RC6" if ep.need == "N2" else "RC7"
    return recs, close, reason, chain


def _episode(
    ctx: Context, rng: random.Random, hh: Household, kids: list[Person], ref: int, minute: int
) -> tuple[int, dict[str, tuple[str, int]]]:
    """One family episode from referral to closure; returns the last closure day and each child's case."""
    ep = _plan_episode(ctx, rng, ref, minute)
    if ref >= ctx.start:
        ctx.referrals += len(kids)
    cared: set[str] = set()
    if ep.care is not None:
        cared = {c.pid for c in kids if rng.random() < 0.8} or {kids[0].pid}
        _legal(ctx, rng, hh, [c for c in kids if c.pid in cared], ep.care[0] - rng.randint(7, 40))
    cases: dict[str, tuple[str, int]] = {}
    practice: list[ChildCase] = []
    family_close = ref
    worker = ctx.staff.workers[derive_seed(ctx.config.seed, "allocation", ep.no) % len(ctx.staff.workers)]
    for n, child in enumerate(kids, 1):
        case_id = f"EP{ep.no:06d}-{n}"
        spans: dict[str, list[tuple[int, int]]] = {"cp": [], "cin": [], "cla": []}
        recs, close, reason, chain = _child_records(ctx, rng, hh, ep, child, child.pid in cared, spans)
        recs.append(Rec("case_closure", close, None, {
            "code": "closure", "reason": reason,
            "outcome": "no further action" if ep.branch == "nfa" else "case closed",
        }, last=close))
        _write(ctx, rng, hh, child, "subject", case_id, recs, close >= ctx.start)
        R.registration(ctx, hh, child, "subject", case_id, ref, ep.need, close >= ctx.start, ep.branch == "nfa",
                       close)
        if chain is not None:
            R.care_records(ctx, hh, child, case_id, ref, close, close >= ctx.start, chain, worker)
        cases[child.pid] = (case_id, close)
        family_close = max(family_close, close)
        ctx.csc_episodes.append(f"{child.pid},cin,{iso(ref)},{_end(ctx, close)},{ep.need}\n")
        ctx.cp_spans.setdefault(child.pid, []).extend(spans["cp"])  # for the hospitals' CP-IS flag
        for s, e in spans["cp"]:
            if s < ctx.end:
                ctx.csc_episodes.append(f"{child.pid},cp_plan,{iso(s)},{_end(ctx, e)},{ep.plan.initial}\n")  # type: ignore
        if chain is not None and chain[0].start < ctx.end:
            s, e = spans["cla"][0]
            ctx.csc_episodes.append(
                f"{child.pid},looked_after,{iso(s)},{_end(ctx, e)},{chain[0].detail['legal_status']}\n"
            )
        case = ChildCase(child, case_id, ref, close, close >= ctx.start, spans["cp"], spans["cin"], placements(chain),
                         [(r.kind, r.day, {**r.detail, "minute": r.minute}) for r in recs if r.kind in MEETINGS])
        visits(ctx, rng, hh, case)
        practice.append(case)
    if ep.branch == "nfa":
        if rng.random() < 0.3:
            _family_support(ctx, rng, hh, kids, ref + rng.randint(5, 30))
        return family_close, cases
    if ep.assessment is not None and ep.assessment[3] == "early_help" and rng.random() < 0.5:
        _family_support(ctx, rng, hh, kids, ep.assessment[1] + rng.randint(3, 20))
    supervision(ctx, rng, practice, worker, ref)
    meetings(ctx, rng, practice, ep.icpc[2] if ep.icpc is not None else "")
    concerns(ctx, rng, hh, practice, ref)
    if ep.plan is not None and rng.random() < 0.2:
        day = ep.plan.start + 60
        for c in kids:
            ctx.emit.record(rng, CSC, "legal_planning_meeting", day, None, [(c, "subject", {}), *carers(hh, day)],
                            {"code": "lpm", "outcome": "pre-proceedings"}, lag_minutes=rng.randrange(20, 2880),
                            evidence=_ev(hh, c, day))
        _legal(ctx, rng, hh, kids, day)
    if ep.cin and rng.random() < 0.4:
        _family_support(ctx, rng, hh, kids, ep.cin[0][0] + rng.randint(7, 30))
    _unborn(ctx, rng, hh, ref, family_close)
    return family_close, cases


def _end(ctx: Context, day: int) -> str:
    return iso(day) if day < ctx.end else ""


def _unborn(ctx: Context, rng: random.Random, hh: Household, start: int, close: int) -> None:
    """A pre-birth episode when a baby is expected while the family's case is open: a referral from within
    children's services (5A), a pre-birth assessment, and closure before the birth. Twins or triplets are one
    pregnancy: one episode, written per unborn child under its own case id, as siblings' episodes are."""
    for c in hh.children():
        if not (start <= c.dob - 100 < close and c.dob - 100 >= ctx.start):
            continue
        birth = traps.birth_group(hh, c)
        if birth[0] is not c:  # written with the first child of the birth
            continue
        ref = c.dob - rng.randint(60, 120)
        if not ctx.start <= ref < ctx.end:
            continue
        ctx.csc_cases += 1
        ctx.referrals += len(birth)
        a_start = wd.on_or_after(ref)
        a_end = min(wd.add_working_days(ref, rng.randint(15, 40)), c.dob - 3)
        a_end = max(a_end, a_start)
        early = rng.random() < 0.45
        close = min(a_end + rng.randint(0, 3), c.dob - 1)
        need = "N1" if rng.random() < 0.7 else "N3"
        recs = [
            Rec("referral", ref, 600, {
                "code": "referral", "source_code": "5A", "primary_need": need, "route": "assessment", "nfa": False,
                "decision": "pre-birth assessment", "text": "Pre-birth referral from the family's social worker.",
            }, lag=rng.randrange(20, 600), last=ref),
            Rec("assessment", a_start, None, {"code": "pre_birth_assessment", "text": "Pre-birth assessment started."}, [
                (a_end, 600 + rng.randrange(420), {
                    "factors": _factors(rng, V.PREBIRTH_FACTORS), "authorised_on": iso(a_end),
                    "outcome": "early_help" if early else "child_in_need_plan",
                    "decision": "support from early help" if early else "plan to be made at birth",
                }, a_end),
            ], last=a_end),
            Rec("case_closure", close, None, {"code": "closure", "reason": "RC9" if early else "RC7",
                                              "outcome": "case closed before the birth"}, last=close),
        ]
        for n, child in enumerate(birth, 1):
            _write(ctx, rng, hh, child, "unborn", f"EP{ctx.csc_cases:06d}-{n}", recs, False)
            R.registration(ctx, hh, child, "unborn", f"EP{ctx.csc_cases:06d}-{n}", ref, need, False)
            ctx.csc_episodes.append(f"{child.pid},cin,{iso(ref)},{_end(ctx, close)},{need}\n")


# --- around the casework -------------------------------------------------------------------------------


def _contact_only(
    ctx: Context, rng: random.Random, hh: Household, kids: list[Person], day: int, minute: int, what: str,
    cases: dict[str, tuple[str, int]], decided: bool,
) -> None:
    """A contact that does not open a case: decided at the front door, passed to an allocated worker, or (in
    the period's last two working days) not decided yet."""
    if what == "allocated":
        c = _contact(ctx, rng, day, minute, "allocated", "advice", "allocated", "information to allocated worker",
                     decided)
    elif what == "front_door":
        decision = _pick(rng, V.FRONT_DOOR_DECISIONS)
        c = _contact(ctx, rng, day, minute, "front_door", decision, decision, V.FRONT_DOOR_OUTCOMES[decision], decided)
    else:  # a referral that has not been decided yet
        c = _contact(ctx, rng, day, minute, "assessment", "", "assessment", "", False)
    for child in kids:
        decision = dict(c.decision)
        case = cases.get(child.pid)
        open_case = what == "allocated" and case is not None and case[1] >= day
        if what == "allocated" and not open_case and decision:
            decision["decision_reason"] = rng.choice(V.DECISION_REASONS["allocated_sibling"])
        later: Later = [(c.decided[0], c.decided[1], decision, None)] if c.decided else []
        detail = {"case_id": case[0], **c.detail} if open_case and case is not None else dict(c.detail)
        pin = {"pin": case[0]} if open_case and case is not None else {}
        ctx.emit.record(
            rng, CSC, "csc_contact", day, minute, [(child, "subject", pin), *carers(hh, day)], detail,
            lag_minutes=c.recorded_after, later=later or None,
        )
    if what == "front_door" and c.decision.get("decision") == "early_help" and rng.random() < 0.4:
        _family_support(ctx, rng, hh, kids, day + rng.randint(5, 30))


def simulate_csc(ctx: Context, rng: random.Random, hh: Household) -> None:
    """A family's children's-social-care history from a burn-in before the period to its end."""
    r = ctx.rates
    begin = add_years(ctx.start, -r.csc_burn_in_years)
    span = (ctx.end - begin) / 365.25
    base = r.referral_per_child_year / (
        1 - r.complex_household_share + r.complex_household_share * r.complex_referral_multiplier
    )
    rate = base * (r.complex_referral_multiplier if hh.complex else 1.0)
    times = [(rng.uniform(begin, ctx.end), "referral") for _ in range(poisson(rng, rate * span))]
    harm = hh.harm
    if harm is not None:
        dur = (harm.outcome_on - harm.onset_on) / 365.25  # type: ignore[attr-defined]
        times += [
            (rng.uniform(harm.onset_on, harm.outcome_on), "referral")  # type: ignore[attr-defined]
            for _ in range(poisson(rng, 1.2 * dur))
        ]
    period = (ctx.end - ctx.start) / 365.25
    times += [
        (rng.uniform(ctx.start, ctx.end), "front_door")
        for _ in range(poisson(rng, rate * period * r.front_door_contacts_per_referral))
    ]
    undecided_from = _undecided_from(ctx)
    open_until = begin - 1
    cases: dict[str, tuple[str, int]] = {}
    for t, what in sorted(times):
        day = int(t)
        minute = 480 + rng.randrange(600)
        kids = [
            c
            for c in hh.children()
            if c.born and c.dob <= day and age_on(c.dob, day) < 18 and c.resident_in(hh.hid, day)
        ]
        if not kids:
            continue
        decided = day < undecided_from
        if day <= open_until:
            _contact_only(ctx, rng, hh, kids, day, minute, "allocated", cases, decided)
        elif what == "front_door" or not decided:
            _contact_only(ctx, rng, hh, kids, day, minute, what, cases, decided)
        else:
            open_until, cases = _episode(ctx, rng, hh, kids, day, minute)


def _legal(ctx: Context, rng: random.Random, hh: Household, kids: list[Person], day: int) -> None:
    """Local authority legal services: a legal planning meeting about the children."""
    ctx.emit.record(
        rng,
        LEGAL,
        "legal_planning_meeting",
        day,
        600,
        [(c, "subject", {}) for c in kids] + carers(hh, day),
        {"code": "lpm", "threshold_met": rng.random() < 0.6, "text": "Legal gateway meeting."},
    )


def _family_support(ctx: Context, rng: random.Random, hh: Household, kids: list[Person], start: int) -> None:
    """A block of early-help family-support sessions with attendance and observations."""
    n = rng.randint(4, 12)
    for i in range(n):
        day = start + i * rng.randint(6, 10)
        attended = rng.random() < 0.8
        ctx.emit.record(
            rng,
            FAMILY_SUPPORT,
            "family_support_session",
            day,
            570 + rng.randrange(400),
            [(c, "subject", {}) for c in kids] + carers(hh, day),
            {
                "code": "early_help_session",
                "attended": attended,
                "text": "Session held." if attended else "Family not at home.",
            },
        )
