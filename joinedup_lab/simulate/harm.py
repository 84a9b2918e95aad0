"""Harm trajectories: escalating injuries with shifting explanations, hidden adults, missed contacts, neglect."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from . import injuries
from .agencies import AMBULANCE, COMMUNITY, CSC, FAMILY_SUPPORT, HOSPITALS
from .community import school_for
from .context import Context
from .health import SITE_CODED, cp_flag
from .neglect import CODED_IN_EPISODE, HOME_WORDS, SCHOOL_NEGLECT, code_signs, findings, home
from .population import Household, Person, World, add_partner, separate
from .records import Mention
from .streams import age_on

# The codes of the GP contacts where neglect is found (the same codes as any family's: the code alone does not say
# neglect); the findings and the signs coded for them are neglect.py's.
NEGLECT_GP_CODES = ("weight review", "napkin dermatitis", "nits", "dental caries")
# What a neighbour or relative tells children's services, and what a child says at school (own words).
WORRIED_CALLS = (
    "Neighbour rang: child heard screaming late at night, more than once.",
    "Grandparent rang, worried about marks seen on the child at the weekend.",
    "Anonymous caller: a man has moved in and the child is kept indoors.",
)
CHILD_SAYS = (
    "Child said a grown-up at home did it when asked about a mark.",
    "Child did not want to go home at the end of the day and would not say why.",
    "Child told the teaching assistant that mummy's friend gets cross and hurts.",
)
OUTCOMES = {
    "serious_injury": ("head injury", "head", "bleeding around the brain; rib fractures"),
    "death": ("cardiac arrest", "head", "cardiac arrest; multiple injuries"),
    "hospital_admission_neglect": ("dehydration", "whole_body", "severe malnutrition and dehydration"),
}


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
    textbook = rng.random() >= ctx.rates.harm_without_textbook_signs
    if ep.kind == "physical_abuse":
        n = rng.randint(3, 6)
        days = sorted(ep.onset_on + int(span * (1 - (rng.random() ** 2))) for _ in range(n))
        agencies = [HOSPITALS[(hh.index + i) % 3] for i in range(3)] + [c.gp or "", COMMUNITY, AMBULANCE]
        if age_on(c.dob, ep.onset_on) >= 4:
            agencies.append(FAMILY_SUPPORT)
        rng.shuffle(agencies)
        band = injuries.age_band(ep.onset_on - c.dob)
        story = rng.choice(injuries.STORIES[(band, "face")])  # the one account of an episode that looks accidental
        for i, day in enumerate(days):
            agency = agencies[i % len(agencies)]
            akind = _kind(agency)
            kind, code = {
                "acute_hospital": ("ed_attendance", "injury"),
                "gp_practice": ("consultation", rng.choice(injuries.CONSULTATION_CODES)),
                "ambulance": ("ambulance_callout", rng.choice(("injury", "fall"))),
                "community_health": ("health_visitor_contact", "hv_review"),
            }.get(akind, ("injury", "injury"))
            who = carers_m[0] if rng.random() < 0.6 or len(carers_m) == 1 else carers_m[1]
            who = (who[0], "parent" if kind == "health_visitor_contact" and who is carers_m[0] else
                   "accompanying_adult", who[2])  # as any family's records name the adult with the child
            hurt = injuries.harm_injuries(rng, i, n, textbook, story, "m2", rng.random() < SITE_CODED.get(akind, 0))
            detail: dict[str, object] = {"code": code, "text": rng.choice(injuries.NOTE_TEXTS)}
            if kind == "health_visitor_contact":
                graded = home(rng, 0.7)
                detail.update(home_conditions=graded, child_seen=True)
                if HOME_WORDS[graded]:
                    detail["text"] = f"{HOME_WORDS[graded]} {detail['text']}"
            injuries.put(detail, hurt)
            if kind == "ed_attendance":
                detail.update(arrival=rng.choice(("walk-in", "ambulance")), disposal="discharged")
                cp_flag(ctx, rng, agency, c, day, detail)
            emit.record(
                rng,
                agency,
                kind,
                day,
                rng.randrange(1440),
                [(c, "patient" if kind not in ("injury", "health_visitor_contact") else "subject", {}), who],
                detail,
                lag_minutes=rng.randrange(10, 600),
                evidence=ev,
            )
    else:
        for _ in range(rng.randint(3, 6) if textbook else rng.randint(1, 2)):
            day = rng.randrange(ep.onset_on, ep.outcome_on)
            finding, signs = findings(rng)
            signs = signs if rng.random() < CODED_IN_EPISODE else []  # the rest: the words only
            agency = rng.choice((c.gp or "", COMMUNITY, COMMUNITY))
            if _kind(agency) == "gp_practice":
                kind, detail = "consultation", {"code": rng.choice(NEGLECT_GP_CODES), "finding": finding,
                                                "text": f"Seen with mother. {finding.capitalize()}."}
            else:
                graded = home(rng, 0.15, neglected=True)
                kind, detail = "health_visitor_contact", {
                    "code": "hv_review", "finding": finding, "child_seen": True, "home_conditions": graded,
                    "text": f"Home visit. {finding.capitalize()}. {HOME_WORDS[graded]}".rstrip()}
            code_signs(detail, signs)
            emit.record(
                rng,
                agency,
                kind,
                day,
                540 + rng.randrange(420),
                [(c, "subject" if agency == COMMUNITY else "patient", {}), carers_m[0]],
                detail,
                evidence=ev,
            )
    _worries(ctx, rng, hh, ep, carers_m[0])
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
    code, site, desc = OUTCOMES[ep.outcome]
    told = injuries.explanation(rng, rng.choice(injuries.HARM_STORIES), "m2", 0.3, 0.0)
    outcome = {"code": code, "disposal": "admitted to paediatric intensive care"}
    injuries.put(outcome, [{**injuries.coded(rng, site, True), "description": desc,
                            "severity": "fatal" if ep.outcome == "death" else "serious", **told}])
    cp_flag(ctx, rng, hosp, c, ep.outcome_on, outcome)
    emit.record(
        rng,
        hosp,
        "admission",
        ep.outcome_on,
        rng.randrange(1440),
        [(c, "patient", {}), *carers_m],
        outcome,
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


def _worries(ctx: Context, rng: random.Random, hh: Household, ep: HarmEpisode, mother: Mention) -> None:
    """What people around the child notice: a worried call to children's services; a child's words at school."""
    c = ep.victim
    if rng.random() < 0.25:
        day = rng.randrange(ep.onset_on, ep.outcome_on)
        ctx.emit.record(rng, CSC, "telephone_contact", day, 540 + rng.randrange(480), [(c, "subject", {}), mother],
                        {"code": "telephone_contact", "direction": "incoming", "text": rng.choice(WORRIED_CALLS)},
                        lag_minutes=rng.randrange(5, 240), evidence=ep.evidence)
    if ep.kind == "physical_abuse" and rng.random() < 0.3:
        day = rng.randrange(ep.onset_on, ep.outcome_on)
        school = school_for(c, day) if age_on(c.dob, day) >= 4 else None
        if school is not None:
            ctx.emit.record(rng, school, "school_concern", day, 600 + rng.randrange(360), [(c, "pupil", {}), mother],
                            {"code": "safeguarding_concern", "text": rng.choice(CHILD_SAYS)}, evidence=ep.evidence)
    if ep.kind == "neglect" and rng.random() < 0.5:  # a neglected child of school age: the school notices
        day = rng.randrange(ep.onset_on, ep.outcome_on)
        school = school_for(c, day) if age_on(c.dob, day) >= 4 else None
        if school is not None:
            text, signs = rng.choice(SCHOOL_NEGLECT)
            ctx.emit.record(rng, school, "school_concern", day, 600 + rng.randrange(360), [(c, "pupil", {}), mother],
                            code_signs({"code": "safeguarding_concern", "text": text},
                                       list(signs) if rng.random() < CODED_IN_EPISODE else []),
                            evidence=ep.evidence)


def _kind(agency_id: str) -> str:
    from .agencies import BY_ID

    return BY_ID[agency_id].kind


def _iso(day: int) -> str:
    from .streams import iso

    return iso(day)
