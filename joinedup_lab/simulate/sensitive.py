"""Records only some roles may see: sexual health, mental health and police intelligence.

Agencies' systems mark such records themselves (a GP system's sensitive consultation, a police intelligence
report's handling code); the agency record format carries the marking as `detail.sensitivity` (docs/formats). The
GP and hospital codes of this simulator that are mental health (`MENTAL_HEALTH_CODES`) are marked where they are
written (health.py, `marked`); this module adds a few records of its own, each household on its own random stream
after everything else about the household, so that adding them changes no other record's content (only the
numbering of later record and person ids at the GP practices and the police):

- sexual health: a mother's GP consultations for contraception or a sexual health screen;
- police intelligence: intelligence reports naming an adult the police know (an offender, or the suspect of a
  domestic abuse incident).
"""

from __future__ import annotations

import random
from typing import Any

from .agencies import POLICE
from .context import Context
from .population import Household
from .streams import age_on, poisson

SEXUAL_HEALTH = "sexual_health"
MENTAL_HEALTH = "mental_health"
POLICE_INTELLIGENCE = "police_intelligence"
MENTAL_HEALTH_CODES = frozenset({"anxiety", "depressed mood", "overdose"})
SEXUAL_HEALTH_PER_YEAR = 0.25  # a mother of 16 to 45's consultations a year
INTELLIGENCE_PER_YEAR = 0.6  # intelligence reports a year about an adult the police know
SEXUAL_HEALTH_CODES = (
    ("contraception", "Contraception review."),
    ("sexual health screen", "Sexual health screen; results to follow."),
)
INTELLIGENCE_TEXTS = (
    "Intelligence (grading B2): seen in the company of a man wanted on warrant.",
    "Intelligence (grading C3): reported to be carrying a bladed article.",
    "Intelligence (grading B3): associates with a group linked to exploitation of young people.",
)


def marked(detail: dict[str, Any]) -> dict[str, Any]:
    """The detail with the agency's sensitivity marking added when its code is a mental health one."""
    if detail.get("code") in MENTAL_HEALTH_CODES:
        detail["sensitivity"] = [MENTAL_HEALTH]
    return detail


def simulate_sensitive(ctx: Context, rng: random.Random, hh: Household) -> None:
    """A household's sexual health consultations and police intelligence reports in the period."""
    emit, S, E = ctx.emit, ctx.start, ctx.end
    mother = hh.mother
    if mother is not None and mother.born and mother.gp and not mother.hidden:
        first = max(S, mother.dob)
        for _ in range(poisson(rng, SEXUAL_HEALTH_PER_YEAR * (E - first) / 365.25)):
            day = rng.randrange(first, E)
            if not 16 <= age_on(mother.dob, day) <= 45:
                continue
            code, text = rng.choice(SEXUAL_HEALTH_CODES)
            emit.record(rng, mother.gp, "consultation", day, 500 + rng.randrange(560), [(mother, "patient", {})],
                        {"code": code, "text": text, "sensitivity": [SEXUAL_HEALTH]}, lag_minutes=rng.randrange(5, 240))
    known = {id(p): p for p in hh.members if p.offender and p.born and p.role != "child"}
    known.update((id(perp), perp) for _day, perp in hh.da_incidents)
    for p in known.values():
        for _ in range(poisson(rng, INTELLIGENCE_PER_YEAR * (E - S) / 365.25)):
            day = rng.randrange(S, E)
            about = {"label": "partner"} if p.role in ("partner", "ex_partner") else {}  # as the police describe him
            emit.record(rng, POLICE, "police_incident", day, rng.randrange(1440), [(p, "suspect", about)],
                        {"code": "intelligence_report", "text": rng.choice(INTELLIGENCE_TEXTS),
                         "sensitivity": [POLICE_INTELLIGENCE]}, lag_minutes=rng.randrange(60, 2880))
