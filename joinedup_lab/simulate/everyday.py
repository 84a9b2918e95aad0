"""Hardship without harm: families that are poor, overcrowded or badly housed, and never harmed, leave records that
look like neglect to a reader of words alone — food bank vouchers, help with debts, a child's uniform not washed.

Which households are hard-pressed is drawn from its own stream (`Household.hardship`; all complex households and
`RateConfig.hardship_household_share` of the rest); the GP, health visitor, housing and school records of those
families are shaped in health.py and community.py (more missed appointments, homes graded poor, disrepair,
overcrowding applications, lower attendance, more school concerns); this module adds the family support they get.
"""

from __future__ import annotations

import random

from .agencies import FAMILY_SUPPORT
from .context import Context, carers
from .population import Household
from .streams import poisson

SUPPORT = (
    "Food bank voucher issued.",
    "Helped mother apply for a budgeting advance.",
    "Referred to the debt advice service.",
    "Bedding and a cot provided by the baby bank.",
    "School uniform grant application completed with mother.",
    "Fuel voucher issued; meter was on emergency credit.",
)


def simulate_hardship(ctx: Context, rng: random.Random, hh: Household) -> None:
    """Practical help from family support for a hard-pressed family (about one contact in twenty months)."""
    if not hh.hardship:
        return
    S, E = ctx.start, ctx.end
    for _ in range(poisson(rng, 0.6 * (E - S) / 365.25)):
        day = rng.randrange(S, E)
        kids = [(c, "subject", {}) for c in hh.residents_at(day) if c.role == "child"]
        if kids:
            ctx.emit.record(rng, FAMILY_SUPPORT, "family_support_session", day, 570 + rng.randrange(400),
                            kids + carers(hh, day),
                            {"code": "practical_support", "attended": True, "text": rng.choice(SUPPORT)})
