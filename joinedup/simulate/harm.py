"""Harm trajectories: escalating injuries with shifting explanations, hidden adults, missed contacts, neglect."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from .agencies import AMBULANCE, COMMUNITY, FAMILY_SUPPORT, HOSPITALS
from .context import Context
from .population import Household, Person, World, add_partner, separate
from .records import Mention
from .streams import age_on

ABUSE_SITES = (
    "ear",
    "torso",
    "neck",
    "cheek",
    "eyelid",
    "frenulum",
    "angle of jaw",
    "upper arm",
    "back",
    "buttocks",
)
EXPLANATIONS = (
    "fell off the sofa",
    "bumped into the coffee table",
    "older sibling pushed him",
    "bruises easily",
    "the dog jumped up at him",
    "fell in the bath",
    "caught it on the cot bars",
    "fell down two stairs",
    "must have happened at nursery",
    "don't know, noticed it this morning",
    "grandmother dropped him",
    "banged head on the car door",
)
ESCALATION = (
    "small bruise",
    "two bruises of different ages",
    "fingertip bruising",
    "multiple bruises",
    "burn, circular 1cm",
    "swollen limb, fracture suspected",
    "rib fractures of different ages",
)
NEGLECT_SIGNS = (
    "weight faltering",
    "severe nappy rash",
    "head lice, untreated",
    "dental decay, untreated",
    "unwashed, in soiled clothing",
    "missed immunisations",
)


@dataclass
class HarmEpisode:
    """One child's harm trajectory and what happens on the outcome date if nobody intervenes."""

    episode_id: str
    victim: Person
    kind: str  # physical_abuse or neglect
    onset_on: int
    outcome_on: int
    outcome: str
    hidden_adult: Person | None = None
    evidence: list[tuple[str, str]] = field(default_factory=list)


def plan_harm(world: World, rng: random.Random, hh: Household) -> HarmEpisode | None:
    """Decides whether this household holds a harm trajectory and, if so, its victim, adult and dates."""
    r = world.config.rates
    S, E = world.start, world.end
    kids = [c for c in hh.children() if age_on(c.dob, S) < 8]
    if not kids or rng.random() >= min(1.0, r.harm_children_per_10k / 10000 * len(hh.children()) * 1.6):
        return None
    victim = min(kids, key=lambda c: -c.dob)
    kind = "physical_abuse" if rng.random() < 0.6 else "neglect"
    duration = rng.randint(120, 330)
    lo = max(S + 60, victim.dob + 30)
    hi = E - duration - 1
    if hi <= lo:
        return None
    onset = rng.randrange(lo, hi)
    outcome_kind = (
        rng.choice(("serious_injury", "serious_injury", "death"))
        if kind == "physical_abuse"
        else rng.choice(("hospital_admission_neglect", "serious_injury"))
    )
    ep = HarmEpisode(f"E{hh.index:06d}", victim, kind, onset, onset + duration, outcome_kind)
    if rng.random() < (0.7 if kind == "physical_abuse" else 0.3):
        join = onset - rng.randint(30, 200)
        join = max(join, S + 2)
        if hh.partner is not None:
            separate(world, hh, join - rng.randint(1, 60) if join - 60 > S else S + 1)
        ep.hidden_adult = add_partner(world, rng, hh, join, declared=False)
    elif hh.partner is not None and kind == "physical_abuse":
        ep.hidden_adult = None
    return ep


def emit_harm(ctx: Context, rng: random.Random, hh: Household) -> None:
    """The records a harm trajectory leaves across agencies, then the outcome, with evidence noted."""
    ep = hh.harm
    if not isinstance(ep, HarmEpisode):
        return
    emit, c = ctx.emit, ep.victim
    mother = hh.mother
    assert mother is not None
    span = ep.outcome_on - ep.onset_on
    adult = ep.hidden_adult
    carers_m: list[Mention] = [(mother, "carer", {"relationship": "mother"})]
    if adult is not None:
        carers_m.append(
            (
                adult,
                rng.choice(("partner", "friend", "accompanying_adult")),
                {"label": rng.choice(("Mum's boyfriend", "partner", "friend of mother", "male present"))},
            )
        )
    ev = ep.evidence
    if ep.kind == "physical_abuse":
        n = rng.randint(3, 6)
        days = sorted(ep.onset_on + int(span * (1 - (rng.random() ** 2))) for _ in range(n))
        agencies = [HOSPITALS[(hh.index + i) % 3] for i in range(3)] + [c.gp or "", COMMUNITY, AMBULANCE]
        if age_on(c.dob, ep.onset_on) >= 4:
            agencies.append(FAMILY_SUPPORT)
        rng.shuffle(agencies)
        for i, day in enumerate(days):
            agency = agencies[i % len(agencies)]
            kind = {
                "acute_hospital": "ed_attendance",
                "gp_practice": "consultation",
                "ambulance": "ambulance_callout",
            }.get(_kind(agency), "injury")
            desc = ESCALATION[min(len(ESCALATION) - 2, i * (len(ESCALATION) - 1) // max(1, n - 1))]
            who = carers_m[0] if rng.random() < 0.6 or len(carers_m) == 1 else carers_m[1]
            emit.record(
                rng,
                agency,
                kind,
                day,
                rng.randrange(1440),
                [(c, "patient" if kind != "injury" else "subject", {}), who],
                {
                    "code": "injury",
                    "injury": {
                        "site": rng.choice(ABUSE_SITES),
                        "description": desc,
                        "explanation_given": rng.choice(EXPLANATIONS),
                        "explained_by": "m2",
                        "severity": "moderate" if i else "minor",
                    },
                    "text": "Carer's account recorded.",
                },
                lag_minutes=rng.randrange(10, 600),
                evidence=ev,
            )
    else:
        for _ in range(rng.randint(3, 6)):
            day = rng.randrange(ep.onset_on, ep.outcome_on)
            sign = rng.choice(NEGLECT_SIGNS)
            agency = rng.choice((c.gp or "", COMMUNITY, COMMUNITY))
            emit.record(
                rng,
                agency,
                "consultation" if _kind(agency) == "gp_practice" else "health_visitor_contact",
                day,
                540 + rng.randrange(420),
                [(c, "subject" if agency == COMMUNITY else "patient", {}), carers_m[0]],
                {
                    "code": "neglect_indicator",
                    "finding": sign,
                    "home_conditions": "poor",
                    "text": f"Noted: {sign}.",
                },
                evidence=ev,
            )
    for _ in range(rng.randint(2, 5)):
        day = rng.randrange(ep.onset_on, ep.outcome_on)
        emit.record(
            rng,
            c.gp or "",
            "missed_appointment",
            day,
            540 + rng.randrange(420),
            [(c, "patient", {}), carers_m[0]],
            {"code": "was_not_brought"},
            evidence=ev,
        )
    hosp = HOSPITALS[hh.index % 3]
    desc = {
        "serious_injury": "subdural haemorrhage and rib fractures",
        "death": "cardiac arrest; multiple injuries",
        "hospital_admission_neglect": "severe malnutrition and dehydration",
    }[ep.outcome]
    emit.record(
        rng,
        hosp,
        "admission",
        ep.outcome_on,
        rng.randrange(1440),
        [(c, "patient", {}), *carers_m],
        {
            "code": "outcome",
            "injury": {
                "site": "head" if ep.kind == "physical_abuse" else "whole body",
                "description": desc,
                "explanation_given": rng.choice(EXPLANATIONS),
                "severity": "fatal" if ep.outcome == "death" else "serious",
            },
            "disposal": "admitted to paediatric intensive care",
        },
        evidence=ev,
    )
    ctx.harm_rows.append(
        ",".join(
            (
                ep.episode_id,
                c.pid,
                ep.kind,
                _iso(ep.onset_on),
                _iso(ep.outcome_on),
                ep.outcome,
                adult.pid if adult else "",
                hh.hid,
            )
        )
        + "\n"
    )
    for agency_id, srid in ev:
        ctx.evidence_rows.append(f"{ep.episode_id},{agency_id},{srid}\n")


def _kind(agency_id: str) -> str:
    from .agencies import BY_ID

    return BY_ID[agency_id].kind


def _iso(day: int) -> str:
    from .streams import iso

    return iso(day)
