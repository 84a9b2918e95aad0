"""Children's social care: contacts, referrals, assessments, section 47, conferences, plans, care and visits."""

from __future__ import annotations

import random

from .agencies import CSC, FAMILY_SUPPORT, LEGAL
from .context import Context, carers
from .population import Household, Person
from .streams import add_years, age_on, iso, poisson

CATEGORIES = (
    ("neglect", 50),
    ("emotional_abuse", 37),
    ("physical_abuse", 7),
    ("sexual_abuse", 4),
    ("multiple", 2),
)
PLACEMENTS = (("foster_care", 70), ("kinship_care", 14), ("residential", 10), ("placed_with_parents", 6))
NEEDS = (("N1", 55), ("N2", 4), ("N3", 15), ("N4", 4), ("N5", 3), ("N6", 8), ("N7", 3), ("N8", 8))


def _pick(rng: random.Random, table: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([k for k, _ in table], [w for _, w in table])[0]


def _expo(rng: random.Random, mean: float, low: int) -> int:
    return max(low, int(rng.expovariate(1.0 / mean)))


class CaseWriter:
    """Writes one family's children's social care records for one episode."""

    def __init__(
        self, ctx: Context, rng: random.Random, hh: Household, kids: list[Person], close: int
    ) -> None:
        self.ctx, self.rng, self.hh, self.kids = ctx, rng, hh, kids
        self.keep = close > ctx.start  # open at the start: the initial extract carries its key records
        self.evidence = hh.harm.evidence if hh.harm is not None else None  # type: ignore[attr-defined]

    def per_child(
        self,
        kind: str,
        day: int,
        detail: dict[str, object],
        *,
        key: bool = False,
        minute: int | None = None,
        end_day: int | None = None,
        kids: list[Person] | None = None,
    ) -> None:
        """One record per child (subject) with the declared carers."""
        for c in kids or self.kids:
            self.ctx.emit.record(
                self.rng,
                CSC,
                kind,
                day,
                minute,
                [(c, "subject", {}), *carers(self.hh, day)],
                dict(detail),
                lag_minutes=self.rng.randrange(20, 2880),
                end_day=end_day,
                keep_before_start=key and self.keep,
                evidence=self._ev(c, day),
            )

    def _ev(self, child: Person, day: int) -> list[tuple[str, str]] | None:
        harm = self.hh.harm
        if harm is not None and harm.victim is child and harm.onset_on <= day <= harm.outcome_on:  # type: ignore
            return self.evidence
        return None

    def visits(self, start: int, end: int, every: int, plan: str) -> None:
        """Statutory visits at a local frequency, recording whether each child was seen and seen alone."""
        rng, ctx, harm = self.rng, self.ctx, self.hh.harm
        day = max(start + rng.randrange(3, 10), ctx.start)
        while day < min(end, ctx.end):
            for c in self.kids:
                in_harm = harm is not None and harm.victim is c and harm.onset_on <= day <= harm.outcome_on  # type: ignore
                seen = rng.random() < (0.55 if in_harm else 0.9)
                alone = seen and age_on(c.dob, day) >= 4 and rng.random() < 0.6
                text = (
                    "Child seen."
                    if seen
                    else rng.choice(
                        (
                            "No answer at the door.",
                            "Mother said the child was asleep upstairs.",
                            "Told the child was staying with grandmother.",
                            "Child at nursery per mother; not verified.",
                        )
                    )
                )
                ctx.emit.record(
                    rng,
                    CSC,
                    "visit",
                    day,
                    540 + rng.randrange(480),
                    [(c, "subject", {}), *carers(self.hh, day)],
                    {"code": f"{plan}_visit", "child_seen": seen, "seen_alone": alone, "text": text},
                    lag_minutes=rng.randrange(60, 4320),
                    evidence=self._ev(c, day),
                )
            day += every + rng.randrange(-3, 8)

    def supervision(self, start: int, end: int) -> None:
        """Monthly case supervision with the decision written to each child's file."""
        rng, ctx = self.rng, self.ctx
        day = max(start + 20, ctx.start)
        while day < min(end, ctx.end):
            ctx.emit.record(
                rng,
                CSC,
                "supervision",
                day,
                600 + rng.randrange(360),
                [(c, "subject", {}) for c in self.kids],
                {
                    "code": "case_supervision",
                    "decision": rng.choice(
                        (
                            "continue plan",
                            "visit within 5 working days",
                            "request chronology",
                            "check details of adults in household",
                            "legal advice to be sought",
                        )
                    ),
                    "text": "Case discussed in supervision.",
                },
                lag_minutes=rng.randrange(60, 10080),
            )
            day += 28 + rng.randrange(0, 10)


def simulate_csc(ctx: Context, rng: random.Random, hh: Household) -> None:
    """A family's children's-social-care history from a burn-in before the period to its end."""
    r = ctx.rates
    begin = add_years(ctx.start, -r.csc_burn_in_years)
    span = (ctx.end - begin) / 365.25
    base = r.referral_per_child_year / (
        1 - r.complex_household_share + r.complex_household_share * r.complex_referral_multiplier
    )
    rate = base * (r.complex_referral_multiplier if hh.complex else 1.0)
    times = [rng.uniform(begin, ctx.end) for _ in range(poisson(rng, rate * span))]
    harm = hh.harm
    if harm is not None:
        dur = (harm.outcome_on - harm.onset_on) / 365.25  # type: ignore[attr-defined]
        times += [rng.uniform(harm.onset_on, harm.outcome_on) for _ in range(poisson(rng, 1.2 * dur))]  # type: ignore
    open_until = begin
    for t in sorted(times):
        day = int(t)
        kids = [
            c
            for c in hh.children()
            if c.born and c.dob <= day and age_on(c.dob, day) < 18 and c.resident_in(hh.hid, day)
        ]
        if not kids:
            continue
        if day < open_until:
            for c in kids:
                ctx.emit.record(
                    rng,
                    CSC,
                    "csc_contact",
                    day,
                    480 + rng.randrange(600),
                    [(c, "subject", {}), *carers(hh, day)],
                    {
                        "code": "contact",
                        "outcome": "information to allocated worker",
                        "source": rng.choice(("police", "school", "health", "anonymous", "relative")),
                    },
                )
            continue
        open_until = _episode(ctx, rng, hh, kids, day)


def _episode(ctx: Context, rng: random.Random, hh: Household, kids: list[Person], ref: int) -> int:
    """One episode of need from referral to closure; returns the closure day."""
    r = ctx.rates
    plan_spans: list[tuple[int, int, str]] = []
    cla: list[tuple[int, int]] = []
    cin_spans: list[tuple[int, int]] = []
    strat = ref + rng.randint(0, 5)
    if rng.random() < r.referral_nfa:
        close = ref + 1
        outcome = "no further action"
    else:
        a_end = ref + rng.randint(10, 63)
        if rng.random() < r.assessment_s47 / (1 - r.referral_nfa):
            s47_end = strat + rng.randint(10, 30)
            close = s47_end
            if rng.random() < r.s47_to_conference:
                conf = strat + rng.randint(10, 21)
                close = conf + 1
                if rng.random() < r.conference_to_plan:
                    p_end = conf + _expo(rng, r.plan_mean_days, 90)
                    plan_spans.append((conf, p_end, _pick(rng, CATEGORIES)))
                    close = p_end
                    if rng.random() < r.plan_to_looked_after:
                        cla.append((p_end, p_end + _expo(rng, r.looked_after_mean_days, 30)))
                    else:
                        cin_spans.append((p_end, p_end + rng.randint(60, 200)))
            if not plan_spans and rng.random() < r.s47_to_looked_after:
                cla.append((s47_end, s47_end + _expo(rng, r.looked_after_mean_days, 30)))
            elif not plan_spans and rng.random() < 0.5:
                cin_spans.append(
                    (max(a_end, close), max(a_end, close) + _expo(rng, r.cin_plan_mean_days, 60))
                )
            close = max(
                [close, a_end]
                + [e for _, e in cin_spans]
                + [e for _, e, _ in plan_spans]
                + [e for _, e in cla]
            )
            outcome = "section 47"
        elif rng.random() < r.assessment_not_in_need / (1 - r.referral_nfa - r.assessment_s47):
            close = a_end
            outcome = "not in need"
        else:
            cin_spans.append((a_end, a_end + _expo(rng, r.cin_plan_mean_days, 60)))
            close = cin_spans[-1][1]
            if rng.random() < r.cin_to_looked_after:
                enter = rng.randint(a_end, close)
                cla.append((enter, enter + _expo(rng, r.looked_after_mean_days, 30)))
                close = max(close, cla[-1][1])
            outcome = "child in need"
    # children leave the episode at 18; looked-after children leave care at 18
    w = CaseWriter(ctx, rng, hh, kids, close)
    need = _pick(rng, NEEDS)
    for c in kids:
        end18 = add_years(c.dob, 18)
        c_close = min(close, end18)
        ctx.csc_episodes.append(f"{c.pid},cin,{iso(ref)},{_end(ctx, c_close)},{need}\n")
        for s, e, cat in plan_spans:
            if s < end18:
                ctx.csc_episodes.append(f"{c.pid},cp_plan,{iso(s)},{_end(ctx, min(e, end18))},{cat}\n")
    if ref >= ctx.start:
        ctx.referrals += len(kids)
    w.per_child(
        "csc_contact",
        ref,
        {
            "code": "contact",
            "outcome": "referral",
            "source": rng.choice(
                ("police", "school", "health", "housing", "anonymous", "relative", "probation")
            ),
        },
        key=True,
        minute=480 + rng.randrange(600),
    )
    w.per_child(
        "referral",
        ref,
        {
            "code": "referral",
            "primary_need": need,
            "decision": outcome,
            "text": "Referral accepted."
            if outcome != "no further action"
            else "No further action at the front door.",
        },
        key=True,
        minute=600,
    )
    if outcome == "no further action":
        if rng.random() < 0.3:
            _family_support(ctx, rng, hh, kids, ref + rng.randint(5, 30))
        w.per_child("case_closure", close, {"code": "closure", "outcome": outcome})
        return close
    w.per_child(
        "assessment",
        ref + 1,
        {"code": "single_assessment", "outcome": outcome},
        key=True,
        end_day=min(close, ref + 63),
    )
    w.supervision(ref, close)
    if outcome == "section 47":
        w.per_child(
            "strategy_discussion",
            strat,
            {"code": "strategy", "agencies": ["police", "health", "csc"]},
            key=True,
            minute=660,
        )
        w.per_child(
            "section47_enquiry",
            strat,
            {"code": "s47", "outcome": "substantiated" if plan_spans else "not substantiated"},
            key=True,
        )
    for s, e, cat in plan_spans:
        w.per_child(
            "conference",
            s,
            {"code": "icpc", "outcome": "child protection plan", "category": cat},
            key=True,
            minute=600,
        )
        w.per_child("cp_plan", s, {"code": "cpp", "category": cat}, key=True, end_day=e)
        review = s + 90
        while review < e:
            w.per_child(
                "conference",
                review,
                {"code": "rcpc", "outcome": "plan continues", "category": cat},
                minute=600,
            )
            review += 182
        w.visits(s, e, 14, "cp")
        if rng.random() < 0.2:
            w.per_child("legal_planning_meeting", s + 60, {"code": "lpm", "outcome": "pre-proceedings"})
            _legal(ctx, rng, hh, kids, s + 60)
    for s, e in cin_spans:
        w.per_child("cin_plan", s, {"code": "cin", "primary_need": need}, key=True, end_day=e)
        w.visits(s, e, 42, "cin")
        if rng.random() < 0.4:
            _family_support(ctx, rng, hh, kids, s + rng.randint(7, 30))
    for s, e in cla:
        cared = [c for c in kids if rng.random() < 0.8] or kids[:1]
        _legal(ctx, rng, hh, cared, s - rng.randint(7, 40))
        for c in cared:
            end = min(e, add_years(c.dob, 18))
            if end <= s:
                continue
            ctx.csc_episodes.append(
                f"{c.pid},looked_after,{iso(s)},{_end(ctx, end)},{rng.choice(('C2', 'J2', 'V2', 'C1'))}\n"
            )
            w.per_child(
                "looked_after_episode",
                s,
                {
                    "code": "cla",
                    "legal_status": rng.choice(("interim care order", "section 20", "care order")),
                },
                key=True,
                end_day=end,
                kids=[c],
            )
            place = s
            while place < end:
                nxt = min(end, place + _expo(rng, 420, 14))
                w.per_child(
                    "placement",
                    place,
                    {"code": "placement", "placement_type": _pick(rng, PLACEMENTS)},
                    key=nxt > ctx.start,
                    end_day=nxt,
                    kids=[c],
                )
                place = nxt
        w.kids = cared
        w.visits(s, e, 42, "cla")
        w.kids = kids
    w.per_child("case_closure", close, {"code": "closure", "outcome": "case closed"})
    _prebirth(ctx, rng, hh, ref, close)
    return close


def _end(ctx: Context, day: int) -> str:
    return iso(day) if day < ctx.end else ""


def _prebirth(ctx: Context, rng: random.Random, hh: Household, start: int, close: int) -> None:
    """A pre-birth assessment when a baby is expected while the family's case is open."""
    for c in hh.children():
        if start <= c.dob - 100 < close and c.dob - 100 >= ctx.start:
            day = c.dob - rng.randint(60, 120)
            ctx.emit.record(
                rng,
                CSC,
                "assessment",
                day,
                600,
                [(c, "unborn", {}), *carers(hh, day)],
                {"code": "pre_birth_assessment", "text": "Pre-birth assessment started."},
            )


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
