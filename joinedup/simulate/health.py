"""Health agencies: GP practices, health visitors and midwives, hospitals' A&E and admissions, ambulance."""

from __future__ import annotations

import random

from . import traps
from .agencies import AMBULANCE, COMMUNITY, HOSPITALS
from .context import Context
from .population import Household, Person
from .records import Mention
from .sensitive import marked
from .streams import age_on, poisson

ACCIDENT_SITES = (
    ("knee", "graze"),
    ("forehead", "bump, 3cm haematoma"),
    ("shin", "bruise 2cm"),
    ("elbow", "abrasion"),
    ("hand", "laceration 1cm"),
    ("chin", "laceration"),
    ("wrist", "sprain"),
    ("ankle", "sprain"),
    ("forearm", "buckle fracture"),
    ("finger", "crush injury"),
)
ACCIDENT_STORIES = (
    "fell in the playground",
    "tripped on the stairs",
    "fell off scooter",
    "fell off trampoline",
    "collided with sibling while playing",
    "fell from climbing frame",
    "slipped in the bath",
    "fell off bike",
    "caught finger in door",
    "fell during football",
)
GP_CODES = (
    ("respiratory infection", 30),
    ("ear infection", 10),
    ("rash", 10),
    ("asthma review", 8),
    ("immunisation", 10),
    ("fever", 10),
    ("minor injury", 6),
    ("anxiety", 6),
    ("low mood", 5),
    ("medication review", 5),
)
ED_CODES = (
    "breathing difficulty",
    "fever",
    "abdominal pain",
    "headache",
    "overdose",
    "chest pain",
    "vomiting",
)


def _accompany(hh: Household, child: Person, day: int, rng: random.Random) -> list[Mention]:
    adults = [p for p in hh.residents_at(day) if p.role in ("mother", "partner")]
    if not adults:
        return []
    a = adults[0] if rng.random() < 0.75 else rng.choice(adults)
    if a.role == "mother":
        return [(a, "accompanying_adult", {"relationship": "mother"})]
    return [
        (
            a,
            "accompanying_adult",
            {
                "relationship": "mother's partner",
                "label": rng.choice(("Mum's boyfriend", "partner", "stepdad")),
            },
        )
    ]


def next_of_kin(hh: Household, p: Person, day: int) -> list[Mention]:
    """Who the person's records name as next of kin (a parent for a child, else partner or mother)."""
    if p.role == "child" and hh.mother is not None:
        return [(hh.mother, "next_of_kin", {"relationship": "mother"})]
    if p.role == "mother":
        if hh.partner is not None and hh.partner.resident_in(hh.hid, day) and not hh.partner.hidden:
            return [(hh.partner, "next_of_kin", {"relationship": "partner"})]
        if hh.grandmother is not None:
            return [(hh.grandmother, "next_of_kin", {"relationship": "mother"})]
    if p.role in ("partner", "ex_partner") and hh.mother is not None and p.resident_in(hh.hid, day):
        return [(hh.mother, "next_of_kin", {"relationship": "partner"})]
    return []


def simulate_health(ctx: Context, rng: random.Random, hh: Household) -> None:
    """Every household member's GP, hospital, ambulance and community-health contacts in the period."""
    r, S, E = ctx.rates, ctx.start, ctx.end
    emit = ctx.emit
    main_hosp = HOSPITALS[hh.index % 3]
    for p in hh.members:
        if not p.born:
            if p.role == "child":
                _community(ctx, rng, hh, p)
            continue
        first = max(S, p.dob)
        if first >= E:
            continue
        span = (E - first) / 365.25
        child = p.role == "child"
        reg_day = p.dob + rng.randint(14, 42) if p.dob >= S else S - rng.randrange(30, 3000)
        reg_day = max(reg_day, p.dob)
        emit.record(
            rng,
            p.gp or "",
            "person_registration",
            reg_day,
            None,
            [(p, "patient", {}), *next_of_kin(hh, p, max(reg_day, S))],
            {"code": "gp_registration"},
            keep_before_start=True,
        )
        for day, joiner, declared in hh.joins:
            if joiner is p and declared:
                emit.record(
                    rng,
                    hh.members[0].gp or "",
                    "person_registration",
                    day + rng.randint(10, 90),
                    None,
                    [(p, "patient", {}), *next_of_kin(hh, p, day)],
                    {"code": "gp_registration"},
                )
        under5 = child and age_on(p.dob, first) < 5
        rate = (
            (r.gp_consultations_under5 if under5 else r.gp_consultations_child)
            if child
            else r.gp_consultations_adult
        )
        for _ in range(poisson(rng, rate * span)):
            day = rng.randrange(first, E)
            code = rng.choices([c for c, _ in GP_CODES], [w for _, w in GP_CODES])[0]
            ms = [(p, "patient", {})] + (_accompany(hh, p, day, rng) if child else [])
            detail: dict[str, object] = marked({"code": code, "text": f"Seen for {code}."})
            if code == "minor injury":
                site, desc = rng.choice(ACCIDENT_SITES)
                detail["injury"] = {
                    "site": site,
                    "description": desc,
                    "explanation_given": rng.choice(ACCIDENT_STORIES),
                    "severity": "minor",
                }
            emit.record(
                rng,
                p.gp or "",
                "consultation",
                day,
                500 + rng.randrange(560),
                ms,
                detail,
                lag_minutes=rng.randrange(5, 240),
            )
        missed = r.gp_missed_appointment * (3 if hh.complex else 1)
        for _ in range(poisson(rng, missed * span)):
            day = rng.randrange(first, E)
            emit.record(
                rng,
                p.gp or "",
                "missed_appointment",
                day,
                500 + rng.randrange(560),
                [(p, "patient", {})] + (next_of_kin(hh, p, day) if child else []),
                {"code": "was_not_brought" if child else "did_not_attend"},
            )
        ed = (r.ed_attendance_child if child else r.ed_attendance_adult) * (1.8 if hh.complex else 1)
        for _ in range(poisson(rng, ed * span)):
            day = rng.randrange(first, E)
            hosp = main_hosp if rng.random() < 0.7 else rng.choice(HOSPITALS)
            ms = [(p, "patient", {})] + (_accompany(hh, p, day, rng) if child else [])
            detail = {
                "code": rng.choice(ED_CODES),
                "arrival": rng.choice(("walk-in", "ambulance")),
                "disposal": "discharged",
            }
            if child and rng.random() < 0.45:
                site, desc = rng.choice(ACCIDENT_SITES)
                detail["code"] = "injury"
                detail["injury"] = {
                    "site": site,
                    "description": desc,
                    "explanation_given": rng.choice(ACCIDENT_STORIES),
                    "severity": rng.choice(("minor", "minor", "moderate")),
                }
            marked(detail)
            kind = "ed_attendance"
            if rng.random() < r.admission_share:
                kind, detail["disposal"] = "admission", "admitted to ward"
            emit.record(
                rng, hosp, kind, day, rng.randrange(1440), ms, detail, lag_minutes=rng.randrange(5, 120)
            )
        for _ in range(poisson(rng, r.ambulance_per_person * span * (2 if hh.complex else 1))):
            day = rng.randrange(first, E)
            present = [
                (a, "present", {"label": "adult present" if a.hidden else None})
                for a in hh.residents_at(day)
                if a is not p and a.role != "child"
            ][:2]
            emit.record(
                rng,
                AMBULANCE,
                "ambulance_callout",
                day,
                rng.randrange(1440),
                [(p, "patient", {}), *present],
                {
                    "code": rng.choice(("breathing problems", "fall", "fitting", "unconscious", "injury")),
                    "conveyed": rng.random() < 0.6,
                },
                lag_minutes=rng.randrange(30, 300),
            )
        if child:
            _community(ctx, rng, hh, p)


def _community(ctx: Context, rng: random.Random, hh: Household, c: Person) -> None:
    """Midwife contacts before and after a birth and the health-visiting schedule to age two and a half.

    The antenatal contacts are about the mother and her pregnancy: a multiple birth's are written once, with its
    first child, and name every unborn child of it ("unborn twin 1", "unborn twin 2", one due date)."""
    S, E, emit = ctx.start, ctx.end, ctx.emit
    mother = hh.mother
    assert mother is not None
    birth = traps.birth_group(hh, c) if c.dob >= S else [c]
    if c.dob >= S and birth[0] is c:
        for off in (-200, -150, -90, -40):
            day = c.dob + off + rng.randrange(-7, 8)
            unborn: list[Mention] = [(c, "unborn", {"family": mother.family})]
            if len(birth) > 1:
                due = c.dob + rng.randrange(-7, 8)
                unborn = [
                    (k, "unborn", {"family": mother.family, "label": traps.unborn_label(len(birth), n), "due": due})
                    for n, k in enumerate(birth, 1)
                ]
            emit.record(
                rng,
                COMMUNITY,
                "midwife_contact",
                day,
                540 + rng.randrange(420),
                [*unborn, (mother, "parent", {"relationship": "mother"})],
                {"code": "antenatal", "text": "Antenatal contact."},
            )
        for off in (1, 5):
            day = c.dob + off
            emit.record(
                rng,
                COMMUNITY,
                "midwife_contact",
                day,
                540 + rng.randrange(420),
                [(c, "subject", {}), (mother, "parent", {"relationship": "mother"})]
                + [(p, "present", {"label": "partner"}) for p in hh.residents_at(day) if p.role == "partner"],
                {"code": "postnatal", "text": "Postnatal visit."},
            )
    if not c.born:
        return
    extra = [rng.randrange(c.dob + 30, c.dob + 900) for _ in range(poisson(rng, 2.5 if hh.complex else 0.3))]
    for day in sorted(
        [
            c.dob + rng.randint(10, 14),
            c.dob + rng.randint(42, 56),
            c.dob + rng.randint(365, 400),
            c.dob + rng.randint(730, 900),
            *extra,
        ]
    ):
        if day < S or day >= E:
            continue
        present = [(p, "present", {"label": "partner"}) for p in hh.residents_at(day) if p.role == "partner"]
        home = "good" if rng.random() < 0.9 else rng.choice(("cluttered", "poor", "no safe sleeping space"))
        emit.record(
            rng,
            COMMUNITY,
            "health_visitor_contact",
            day,
            540 + rng.randrange(420),
            [(c, "subject", {}), (mother, "parent", {"relationship": "mother"}), *present],
            {"code": "hv_review", "home_conditions": home, "child_seen": True, "text": "Development review."},
            lag_minutes=rng.randrange(30, 2880),
        )
