"""Police, probation, housing (options and landlords) and schools."""

from __future__ import annotations

import random
from datetime import date

from . import neglect
from .agencies import HOUSING_OPTIONS, LANDLORDS, POLICE, PRIMARIES, PROBATION, SECONDARIES
from .context import Context, carers
from .population import Household, Person
from .records import Mention
from .streams import age_on, poisson

# Police: coded outcomes of an incident (the format's `decision`) and the officer's words for them (own words).
INCIDENT_DECISIONS = (("no_further_action", 40), ("advice_given", 30), ("referred_to_csc", 20), ("other", 10))
DECISION_WORDS = {
    "no_further_action": ("NFA. Parties spoken to, no offences disclosed.", "No further police action."),
    "advice_given": ("Both parties given advice; officer left the address.", "Words of advice given."),
    "referred_to_csc": ("Children present: notification sent to children's services.",
                        "Child concern notification submitted."),
    "other": ("Matter passed to the neighbourhood team.", "Victim declined to support a prosecution."),
}
OFFENCE_CODES = ("assault_abh", "common_assault", "controlling_coercive_behaviour", "criminal_damage", "harassment")
CHARGING = (("no_further_action", 55), ("charged", 20), ("released_under_investigation", 15), ("caution", 10))
# Hardship without harm: disrepair a housing officer finds, and why a family asks to be rehoused (own words).
DISREPAIR = (
    "Damp and black mould in the children's bedroom; repair ordered.",
    "Broken boiler, no hot water for two weeks; engineer booked.",
    "Window frames rotten, draughts throughout; on the planned works list.",
    "Leak through the kitchen ceiling; emergency repair raised.",
)
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
        decision = rng.choices([d for d, _ in INCIDENT_DECISIONS], [w for _, w in INCIDENT_DECISIONS])[0]
        if kids and rng.random() < 0.5:
            decision = "referred_to_csc"
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
                "decision": decision,
                "text": "Report of argument at the address. " + rng.choice(DECISION_WORDS[decision]),
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
                [(perp, "arrested_person", {})],
                {"code": "arrest", "offence": "assault occasioning actual bodily harm"},
                evidence=ev,
            )
            _investigation(ctx, rng, perp, victim, a_day)
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


def _investigation(ctx: Context, rng: random.Random, perp: Person, victim: Person, day: int) -> None:
    """The investigation an arrest opens (closed some weeks later) and the charging decision that closes it
    (about the adults: not evidence of a child's harm)."""
    closed = day + rng.randint(14, 120)
    decision = rng.choices([d for d, _ in CHARGING], [w for _, w in CHARGING])[0]
    ms: list[Mention] = [(perp, "suspect", {}), (victim, "victim", {})]
    ctx.emit.record(rng, POLICE, "police_investigation", day, rng.randrange(1440), ms,
                    {"code": "investigation", "offence_code": rng.choice(OFFENCE_CODES), "status": "open"},
                    later=[(closed, 600, {"status": "closed"}, closed)])
    ctx.emit.record(rng, POLICE, "charging_decision", closed, 600 + rng.randrange(300), ms,
                    {"code": "charging_decision", "decision": decision})


def _evidence(hh: Household, day: int) -> list[tuple[str, str]] | None:
    """The harm episode's evidence list when the day is within it (the household's incidents during harm)."""
    harm = hh.harm
    if harm is not None and harm.onset_on <= day <= harm.outcome_on:  # type: ignore[attr-defined]
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
                [(mother, "applicant", {}), *carers(hh, day)[1:]]
                + [(c, "household_member", {}) for c in hh.residents_at(day) if c.role == "child"],
                {"code": "homelessness_application", "reason": reason},
            )
    if hh.hardship:
        for _ in range(poisson(rng, 0.12 * (E - S) / 365.25)):  # overcrowded: asks to be rehoused
            day = rng.randrange(S, E)
            kids = [(c, "household_member", {}) for c in hh.residents_at(day) if c.role == "child"]
            if len(kids) >= 2:
                emit.record(rng, HOUSING_OPTIONS, "housing_application", day, None, [(mother, "applicant", {}), *kids],
                            {"code": "housing_register", "reason": "overcrowding",
                             "bedrooms_needed": 1 + len(kids) // 2, "text": "Family sharing one bedroom."})


def _inspection(ctx: Context, rng: random.Random, hh: Household, landlord: str, day: int) -> None:
    """A housing officer's visit: condition, pets, and who appeared to be living there."""
    mother = hh.mother
    assert mother is not None
    condition = rng.choices(("good", "fair", "poor"), (30, 40, 30) if hh.complex else (45, 35, 20) if hh.hardship
                            else (60, 30, 10))[0]
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
    if condition == "poor" and hh.hardship:
        text += " " + rng.choice(DISREPAIR)
    ctx.emit.record(
        rng,
        landlord,
        "property_inspection",
        day,
        600 + rng.randrange(300),
        ms,
        {"code": "tenancy_audit", "condition": condition, "pets": pets, "text": text},
        evidence=_evidence(hh, day) if any(p.hidden for p in others) else None,  # the hidden adult seen
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
        base = 0.95 - (0.06 if hh.complex else 0.03 if hh.hardship else 0) - rng.random() * 0.04
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
                poisson(rng, ctx.rates.school_concern_child * (3 if hh.complex else 2 if hh.hardship else 1)
                        * (E - S) / 365.25)
            ):
                day = rng.randrange(S, E)
                school = school_for(c, day)
                if school:
                    text = rng.choice(
                        (
                            "Came in without breakfast again.",
                            "Upset about shouting at home.",
                            "PE kit and uniform not washed all week.",
                            "Collected an hour late again.",
                        )
                    )
                    sign = neglect.SIGN_OF_SCHOOL_TEXT.get(text)  # some schools code it as a sign of neglect
                    emit.record(
                        rng,
                        school,
                        "school_concern",
                        day,
                        600 + rng.randrange(360),
                        [(c, "pupil", {}), *carers(hh, day)],
                        neglect.code_signs({"code": "safeguarding_concern", "text": text},
                                           [sign] if sign and rng.random() < neglect.SCHOOL_SIGN else []),
                    )
