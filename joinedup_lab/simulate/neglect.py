"""Neglect as agencies code it (format v1, issue 16): the signs a practitioner observed (`detail.neglect_signs`)
and the grade of a home (`detail.home_conditions`), always beside the practitioner's own words.

The codes are the format's (docs/formats/README.md); the simulator keeps its own copy of them and decides itself
when a practitioner codes a sign: on most records of a neglect episode, and at lower rates on families never
harmed (more often hard-pressed ones), as a real feed codes a child with nits twice or a home without a cot.
"""

from __future__ import annotations

import random
from typing import Any

# The format's codes for a sign of neglect (detail.neglect_signs) and for a home's grade (detail.home_conditions).
NEGLECT_SIGNS = (
    "faltering_growth",
    "untreated_condition",
    "poor_hygiene",
    "inadequate_clothing",
    "hungry",
    "missed_immunisations",
    "dental_decay",
    "unsafe_sleeping",
    "head_lice",
    "severe_nappy_rash",
    "unsupervised",
)
HOME_CONDITIONS = ("good", "adequate", "poor", "very_poor", "no_safe_sleeping_space")
# How a home that is not good is graded (weights): in any family, and in a family where a child is neglected.
HOME_NOT_GOOD = (("adequate", 60), ("poor", 28), ("very_poor", 4), ("no_safe_sleeping_space", 8))
HOME_NEGLECTED = (("adequate", 20), ("poor", 45), ("very_poor", 20), ("no_safe_sleeping_space", 15))
# What the health visitor writes beside the grade (own words).
HOME_WORDS = {
    "good": "",
    "adequate": "Home cluttered, baby's area clean.",
    "poor": "Home in poor repair, dirty dishes and nappies on the floor.",
    "very_poor": "Home squalid, dog mess in the kitchen, heating off.",
    "no_safe_sleeping_space": "No cot; baby sleeping on the sofa with a parent.",
}
# What a health visitor or GP writes when a child is neglected (own words), and the sign coded for it.
FINDINGS = (
    ("weight has dropped across two centile lines", "faltering_growth"),
    ("persistent dermatitis in the nappy area", "severe_nappy_rash"),
    ("scalp infestation, not treated since the last visit", "head_lice"),
    ("several teeth decayed, not registered with a dentist", "dental_decay"),
    ("clothes dirty and smelling of urine", "poor_hygiene"),
    ("immunisations overdue after three reminders", "missed_immunisations"),
    ("no food in the cupboards at the visit", "hungry"),
    ("ear discharge for a month, drops never collected", "untreated_condition"),
    ("no coat in the cold, shoes two sizes small", "inadequate_clothing"),
    ("baby sleeping in a car seat on the floor overnight", "unsafe_sleeping"),
    ("toddler found alone in the flat, mother at the shop", "unsupervised"),
)
# Findings at a routine contact in a family never harmed (no growth worry, no child left alone: those are rarer).
EVERYDAY_FINDINGS = tuple(f for f in FINDINGS if f[1] not in ("faltering_growth", "unsupervised", "unsafe_sleeping"))
# The GP's everyday complaints a GP codes as a sign when it is severe or keeps coming back.
SIGN_OF_GP_CODE = {
    "napkin dermatitis": "severe_nappy_rash",
    "nits": "head_lice",
    "dental caries": "dental_decay",
    "weight review": "faltering_growth",
}
# A school's concern, and the sign a school that codes it records.
SIGN_OF_SCHOOL_TEXT = {
    "Came in without breakfast again.": "hungry",
    "PE kit and uniform not washed all week.": "poor_hygiene",
}
SCHOOL_NEGLECT = (
    ("Came in hungry every morning this week; ate two breakfasts at breakfast club.", ("hungry",)),
    ("Smells strongly, same clothes all week; other children have commented.", ("poor_hygiene",)),
    ("No coat or jumper in the cold; tooth ache mentioned to the teacher again.",
     ("inadequate_clothing", "dental_decay")),
)

# How often a practitioner codes a sign (the rest: the words only).
CODED_IN_EPISODE = 0.85  # a finding of a neglect episode
SECOND_FINDING = 0.25  # a neglect episode's contact notes two findings
HV_SIGN = 0.03  # a routine health visitor review of a family never harmed (hard-pressed: HV_SIGN_HARDSHIP)
HV_SIGN_HARDSHIP = 0.08
GP_SIGN = 0.06  # an everyday complaint a GP codes as a sign (hard-pressed families: GP_SIGN_HARDSHIP)
GP_SIGN_HARDSHIP = 0.12
SCHOOL_SIGN = 0.5  # a school's concern about breakfast or washing, coded
REVIEW_IN_EPISODE = 0.6  # a routine health visitor review during a neglect episode notes a finding
VISIT_SIGN = 0.01  # a social worker's home visit, child seen (hard-pressed: VISIT_SIGN_HARDSHIP; neglect: _HARM)
VISIT_SIGN_HARDSHIP = 0.02
VISIT_SIGN_HARM = 0.35


def home(rng: random.Random, good: float, neglected: bool = False) -> str:
    """A home's grade: good with the chance given, else graded from the mix of any family or a neglected one."""
    if rng.random() < good:
        return "good"
    mix = HOME_NEGLECTED if neglected else HOME_NOT_GOOD
    return rng.choices([c for c, _ in mix], [w for _, w in mix])[0]


def findings(rng: random.Random, pool: tuple[tuple[str, str], ...] = FINDINGS, second: float = SECOND_FINDING
             ) -> tuple[str, list[str]]:
    """One finding (sometimes two) in the practitioner's words, and the signs they stand for."""
    picked = rng.sample(pool, 2) if rng.random() < second else [rng.choice(pool)]
    return "; ".join(w for w, _ in picked), [s for _, s in picked]


def code_signs(detail: dict[str, Any], signs: list[str]) -> dict[str, Any]:
    """Sets `detail.neglect_signs` (each sign once, in order) when there are any."""
    if signs:
        detail["neglect_signs"] = list(dict.fromkeys(signs))
    return detail


def neglect_evidence(hh: Any, child: Any, day: int) -> list[tuple[str, str]] | None:
    """The evidence list of the household's neglect episode when the child is its victim on that day, else None."""
    ep = getattr(hh, "harm", None)
    if ep is None or ep.kind != "neglect" or ep.victim is not child or not ep.onset_on <= day <= ep.outcome_on:
        return None
    return ep.evidence  # type: ignore[no-any-return]
