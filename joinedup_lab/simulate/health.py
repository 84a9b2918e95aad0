"""Health agencies: GP practices, health visitors and midwives, hospitals' A&E and admissions, ambulance."""

from __future__ import annotations

import random

from . import injuries, traps
from . import neglect as N
from .agencies import AMBULANCE, COMMUNITY, HOSPITALS
from .context import Context
from .population import Household, Person
from .records import Mention
from .sensitive import marked
from .streams import age_on, poisson

# Everyday childhood complaints a GP sees in any family, more often in hard-pressed ones (own words).
CHILD_GP_CODES = (
    ("napkin dermatitis", 3),
    ("nits", 3),
    ("dental caries", 2),
    ("weight review", 2),
    ("constipation", 3),
    ("eczema flare", 3),
    ("threadworms", 2),
    ("behaviour advice", 1),
)
# Hospitals whose emergency department records whether the clinician saw the child protection flag (CP-IS), and
# how often a feed that can send it does (the rest of their records leave it out).
CP_FLAG_SENT = {HOSPITALS[0]: 0.95, HOSPITALS[1]: 0.6}
CP_FLAG_SEEN = 0.8  # the clinician saw the flag of a child on a plan
# Share of injuries sent with a SNOMED CT site code, by agency kind (the rest: site text only).
SITE_CODED = {"acute_hospital": 0.95, "gp_practice": 0.7}
BIRTH_DELIVERY = ("spontaneous vaginal delivery", "caesarean section", "assisted delivery", "elective caesarean")

GP_CODES = (
    ("respiratory infection", 30),
    ("ear infection", 10),
    ("rash", 10),
    ("asthma review", 8),
    ("immunisation", 10),
    ("fever", 10),
    ("minor injury", 6),
    ("anxiety", 6),
    ("depressed mood", 5),
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
            if child and rng.random() < (0.3 if hh.hardship else 0.12):
                code = rng.choices([c for c, _ in CHILD_GP_CODES], [w for _, w in CHILD_GP_CODES])[0]
            ms = [(p, "patient", {})] + (_accompany(hh, p, day, rng) if child else [])
            detail: dict[str, object] = marked({"code": code, "text": f"Seen for {code}."})
            if child and code in N.SIGN_OF_GP_CODE and rng.random() < (N.GP_SIGN_HARDSHIP if hh.hardship else N.GP_SIGN):
                detail["text"] = f"Seen for {code}. Recurrent, not treated as advised last time."
                N.code_signs(detail, [N.SIGN_OF_GP_CODE[code]])  # the GP codes it as a sign of neglect
            if code == "minor injury":
                detail["code"] = rng.choice(injuries.CONSULTATION_CODES)
                hurt, _ = injuries.accident(rng, day - p.dob, _explainer(ms, p, day), rng.random() < 0.7)
                injuries.put(detail, hurt)
                detail["text"] = rng.choice(injuries.NOTE_TEXTS)
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
        missed = r.gp_missed_appointment * (3 if hh.complex else 2 if hh.hardship else 1)
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
                detail["code"] = "injury"
                hurt, _ = injuries.accident(rng, day - p.dob, _explainer(ms, p, day), rng.random() < 0.95)
                injuries.put(detail, hurt)
            marked(detail)
            kind = "ed_attendance"
            if rng.random() < r.admission_share:
                kind, detail["disposal"] = "admission", "admitted to ward"
            if child:
                cp_flag(ctx, rng, hosp, p, day, detail)
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
            ms = [(p, "patient", {}), *present]
            call: dict[str, object] = {
                "code": rng.choice(("breathing problems", "fall", "fitting", "unconscious", "injury")),
                "conveyed": rng.random() < 0.6,
            }
            if child and call["code"] in ("fall", "injury") and rng.random() < 0.7:
                hurt, _ = injuries.accident(rng, day - p.dob, _explainer(ms, p, day), False)
                injuries.put(call, hurt)
            emit.record(rng, AMBULANCE, "ambulance_callout", day, rng.randrange(1440), ms, call,
                        lag_minutes=rng.randrange(30, 300))
        if child:
            _community(ctx, rng, hh, p)


def _explainer(ms: list[Mention], p: Person, day: int) -> str | None:
    """Whose account an injury record notes: the adult with the child (m2), else a child old enough to say."""
    if len(ms) > 1:
        return "m2"
    return "m1" if age_on(p.dob, day) >= 5 else None


def cp_flag(ctx: Context, rng: random.Random, hosp: str, child: Person, day: int, detail: dict[str, object]) -> None:
    """`cp_flag_seen` where the hospital's system records it: whether the clinician saw the child protection
    flag (CP-IS) — false when the child has none; absent from feeds that do not send it."""
    share = CP_FLAG_SENT.get(hosp, 0.0)
    if share and rng.random() < share:
        detail["cp_flag_seen"] = ctx.on_cp_plan(child.pid, day) and rng.random() < CP_FLAG_SEEN


def _birth_notification(ctx: Context, rng: random.Random, hh: Household, c: Person, mother: Person) -> None:
    """The maternity unit's notification of a birth: the baby and the mother."""
    weeks = 37 + min(5, int(abs(rng.gauss(2, 1.5)))) if rng.random() < 0.92 else rng.randint(30, 36)
    grams = int(rng.gauss(3400 if weeks >= 37 else 2300, 450))
    ctx.emit.record(
        rng,
        HOSPITALS[hh.index % 3],
        "birth_notification",
        c.dob,
        rng.randrange(1440),
        [(c, "subject", {}), (mother, "parent", {"relationship": "mother"})],
        {"code": "live_birth", "gestation_weeks": weeks, "birth_weight_grams": max(900, grams),
         "delivery": rng.choice(BIRTH_DELIVERY), "text": "Birth notification to the health visiting service."},
        lag_minutes=rng.randrange(60, 2880),
    )


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
    if c.dob >= S:
        _birth_notification(ctx, rng, hh, c, mother)
    if c.dob >= S and birth[0] is c:
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
        ev = N.neglect_evidence(hh, c, day)  # a routine review during a neglect episode sees it
        graded = N.home(rng, 0.15 if ev is not None else 0.75 if hh.hardship else 0.9, neglected=ev is not None)
        ms = [(c, "subject", {}), (mother, "parent", {"relationship": "mother"}), *present]
        detail: dict[str, object] = {"code": "hv_review", "home_conditions": graded, "child_seen": True,
                                     "text": f"Development review. {N.HOME_WORDS[graded]}".rstrip()}
        if rng.random() < (N.REVIEW_IN_EPISODE if ev is not None else N.HV_SIGN_HARDSHIP if hh.hardship else N.HV_SIGN):
            finding, signs = N.findings(rng) if ev is not None else N.findings(rng, N.EVERYDAY_FINDINGS, 0.0)
            detail.update(finding=finding, text=f"{detail['text']} {finding.capitalize()}.")
            N.code_signs(detail, signs if rng.random() < N.CODED_IN_EPISODE else [])  # the rest: the words only
        if day - c.dob > 240 and rng.random() < 0.06:  # a bump or bruise on a toddler, noted at the review
            hurt, _ = injuries.accident(rng, day - c.dob, "m2", False)
            injuries.put(detail, hurt)
        emit.record(rng, COMMUNITY, "health_visitor_contact", day, 540 + rng.randrange(420), ms, detail,
                    lag_minutes=rng.randrange(30, 2880), evidence=ev)
