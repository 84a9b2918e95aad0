"""Police, probation, housing (options and landlords) and schools."""

from __future__ import annotations

import random
from datetime import date

from .agencies import HOUSING_OPTIONS, LANDLORDS, POLICE, PRIMARIES, PROBATION, SECONDARIES
from .context import Context, carers
from .population import Household, Person
from .records import Mention
from .streams import age_on, poisson

PETS = ("none", "none", "none", "cat", "small dog", "two large dogs", "Staffordshire bull terrier", "rabbits")


def simulate_police(ctx: Context, rng: random.Random, hh: Household) -> None:
    """Domestic-abuse incidents (children notified), arrests, bail and probation supervision."""
    emit, S, E = ctx.emit, ctx.start, ctx.end
    for day, perp in hh.da_incidents:
        victim = hh.mother
        assert victim is not None
        kids = [(c, "household_member", {}) for c in hh.residents_at(day) if c.role == "child"]
        perp_m: Mention = (perp, "suspect", {"label": "partner"})
        ev = _evidence(hh, day)
        emit.record(
            rng,
            POLICE,
            "police_incident",
            day,
            rng.randrange(1440),
            [(victim, "victim", {}), perp_m, *kids],
            {
                "code": "domestic_abuse",
                "dash_risk": rng.choice(("standard", "medium", "high")),
                "children_present": bool(kids),
                "text": "Report of argument at the address.",
            },
            lag_minutes=rng.randrange(60, 1440),
            evidence=ev,
        )
        if rng.random() < 0.5:
            a_day = day + rng.randint(0, 3)
            emit.record(
                rng,
                POLICE,
                "arrest",
                a_day,
                rng.randrange(1440),
                [(perp, "suspect", {})],
                {"code": "arrest", "offence": "assault occasioning actual bodily harm"},
                evidence=ev,
            )
            if rng.random() < 0.6:
                emit.record(
                    rng,
                    POLICE,
                    "bail",
                    a_day + 1,
                    600,
                    [(perp, "suspect", {}), (victim, "victim", {})],
                    {
                        "code": "bail",
                        "conditions": ["not to contact victim", "not to attend address"],
                        "return_on": date.fromordinal(a_day + 28).isoformat(),
                    },
                    end_day=a_day + 28,
                    evidence=ev,
                )
    for p in hh.members:
        if p.role == "child" or not p.born:
            continue
        rate = ctx.rates.arrest_adult * (6 if p.offender else 1)
        for _ in range(poisson(rng, rate * (E - S) / 365.25)):
            day = rng.randrange(S, E)
            emit.record(
                rng,
                POLICE,
                "arrest",
                day,
                rng.randrange(1440),
                [(p, "suspect", {})],
                {
                    "code": "arrest",
                    "offence": rng.choice(
                        ("theft", "possession of a controlled drug", "criminal damage", "assault")
                    ),
                },
            )
        if p.offender:
            start = rng.randrange(S - 200, E)
            for i in range(rng.randint(4, 12)):
                emit.record(
                    rng,
                    PROBATION,
                    "probation_supervision",
                    start + 30 * i,
                    600,
                    [(p, "offender", {})],
                    {
                        "code": "supervision_appointment",
                        "attended": rng.random() < 0.8,
                        "risk_to_children": rng.choice(("low", "medium", "high")),
                        "text": "Reports living at his mother's address.",
                    },
                )


def _evidence(hh: Household, day: int) -> list[tuple[str, str]] | None:
    harm = hh.harm
    if harm is not None and harm.onset_on - 60 <= day <= harm.outcome_on:  # type: ignore[attr-defined]
        return harm.evidence  # type: ignore[attr-defined]
    return None


def simulate_housing(ctx: Context, rng: random.Random, hh: Household) -> None:
    """Tenancies, arrears, eviction, property inspections, homelessness applications and temporary placements."""
    emit, r, S, E = ctx.emit, ctx.rates, ctx.start, ctx.end
    mother = hh.mother
    assert mother is not None
    for _, addr, start, end in mother.spells:
        if (end is not None and end <= S) or start >= E:
            continue
        landlord = LANDLORDS.get(addr.kind)
        occupants = [(p, "occupant", {}) for p in hh.residents_at(max(start, S)) if p.role == "child"]
        if landlord:
            emit.record(
                rng,
                landlord,
                "tenancy",
                start,
                None,
                [(mother, "tenant", {}), *occupants],
                {"code": "tenancy_start", "tenure": "assured"},
                end_day=end,
                keep_before_start=True,
            )
            s, e = max(start, S), min(end or E, E)
            yrs = (e - s) / 365.25
            for _ in range(poisson(rng, r.rent_arrears_social * (3 if hh.complex else 1) * yrs)):
                day = rng.randrange(s, e)
                emit.record(
                    rng,
                    landlord,
                    "rent_arrears",
                    day,
                    None,
                    [(mother, "tenant", {})],
                    {"code": "arrears", "amount_gbp": rng.randrange(200, 3000)},
                )
                if rng.random() < 0.15:
                    emit.record(
                        rng,
                        landlord,
                        "eviction_proceedings",
                        day + rng.randint(30, 120),
                        None,
                        [(mother, "tenant", {})],
                        {"code": "notice_seeking_possession"},
                    )
            for _ in range(poisson(rng, r.property_inspection_social * yrs)):
                day = rng.randrange(s, e)
                _inspection(ctx, rng, hh, landlord, day)
        elif addr.kind == "temporary":
            emit.record(
                rng,
                HOUSING_OPTIONS,
                "temporary_accommodation",
                start,
                None,
                carers(hh, start) + occupants,
                {"code": "ta_placement", "text": "Placed in temporary accommodation."},
                end_day=end,
            )
    for day, _old, _new, reason in hh.moves:
        if reason in ("eviction", "domestic_abuse"):
            emit.record(
                rng,
                HOUSING_OPTIONS,
                "housing_application",
                day - rng.randint(0, 20),
                None,
                carers(hh, day)
                + [(c, "household_member", {}) for c in hh.residents_at(day) if c.role == "child"],
                {"code": "homelessness_application", "reason": reason},
            )


def _inspection(ctx: Context, rng: random.Random, hh: Household, landlord: str, day: int) -> None:
    """A housing officer's visit: condition, pets, and who appeared to be living there."""
    mother = hh.mother
    assert mother is not None
    condition = rng.choices(("good", "fair", "poor"), (60, 30, 10) if not hh.complex else (30, 40, 30))[0]
    pets = rng.choice(PETS)
    ms: list[Mention] = [(mother, "tenant", {})]
    others = [p for p in hh.residents_at(day) if p.role == "partner"]
    for p in others:
        ms.append(
            (p, "friend" if p.hidden else "occupant", {"label": "male friend" if p.hidden else "partner"})
        )
    text = f"Property condition {condition}; pets: {pets}."
    if any(p.hidden for p in others):
        text += " A male was present and said he was a friend staying a few nights."
    ctx.emit.record(
        rng,
        landlord,
        "property_inspection",
        day,
        600 + rng.randrange(300),
        ms,
        {"code": "tenancy_audit", "condition": condition, "pets": pets, "text": text},
        evidence=_evidence(hh, day),
    )


def school_for(c: Person, ay_start: int) -> str | None:
    """The school a child attends in the academic year starting on a day (None outside ages 4-15)."""
    a = age_on(c.dob, ay_start)
    if 4 <= a <= 10:
        return PRIMARIES[int(c.pid[1:]) % 2]
    if 11 <= a <= 15:
        return SECONDARIES[int(c.pid[1:]) % 2]
    return None


def simulate_schools(ctx: Context, rng: random.Random, hh: Household) -> None:
    """Enrolments, termly attendance returns and safeguarding concerns for school-age children."""
    emit, S, E = ctx.emit, ctx.start, ctx.end
    first_year = date.fromordinal(S).year - (1 if date.fromordinal(S).month < 9 else 0)
    for c in hh.children():
        if not c.born:
            continue
        enrolled: str | None = None
        base = 0.95 - (0.06 if hh.complex else 0) - rng.random() * 0.04
        for y in range(first_year, date.fromordinal(E).year + 1):
            ay = date(y, 9, 1).toordinal()
            school = school_for(c, ay)
            if school is None:
                continue
            if school != enrolled:
                emit.record(
                    rng,
                    school,
                    "school_enrolment",
                    ay,
                    None,
                    [(c, "pupil", {}), *carers(hh, max(ay, S))],
                    {"code": "enrolment", "year_group": age_on(c.dob, ay) - 4},
                    keep_before_start=ay < S,
                )
                enrolled = school
            for t, (start, end) in enumerate(
                (
                    (date(y, 9, 1), date(y, 12, 20)),
                    (date(y + 1, 1, 5), date(y + 1, 3, 31)),
                    (date(y + 1, 4, 15), date(y + 1, 7, 20)),
                )
            ):
                e = end.toordinal()
                if start.toordinal() < S or e >= E:
                    continue
                rate = base
                harm = hh.harm
                if harm is not None and harm.victim is c and harm.onset_on <= e <= harm.outcome_on + 30:  # type: ignore
                    rate -= 0.15
                possible = rng.randint(110, 130)
                attended = int(possible * min(1.0, max(0.3, rng.gauss(rate, 0.03))))
                emit.record(
                    rng,
                    school,
                    "school_attendance",
                    e,
                    None,
                    [(c, "pupil", {})],
                    {
                        "code": "termly_attendance",
                        "term": ("autumn", "spring", "summer")[t],
                        "sessions_possible": possible,
                        "sessions_attended": attended,
                        "unauthorised_absences": max(0, (possible - attended) // 2),
                    },
                    lag_minutes=rng.randrange(1440, 20160),
                    evidence=_evidence(hh, e) if rate < base else None,
                )
        if enrolled:
            for _ in range(
                poisson(rng, ctx.rates.school_concern_child * (3 if hh.complex else 1) * (E - S) / 365.25)
            ):
                day = rng.randrange(S, E)
                school = school_for(c, day)
                if school:
                    emit.record(
                        rng,
                        school,
                        "school_concern",
                        day,
                        600 + rng.randrange(360),
                        [(c, "pupil", {}), *carers(hh, day)],
                        {
                            "code": "safeguarding_concern",
                            "text": rng.choice(
                                (
                                    "Child arrived hungry.",
                                    "Child upset about arguments at home.",
                                    "Uniform unwashed for several days.",
                                    "Late collection again.",
                                )
                            ),
                        },
                    )
