"""Identity noise: the version of a person each agency holds (nicknames, typos, wrong dates, missing numbers)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from .agencies import Agency
from .identifiers import mistype_nhs
from .names import NICKNAMES, SPELLINGS, typo
from .population import Person
from .streams import iso
from .traps import apply_record_traps, label_noise


@dataclass(slots=True)
class Held:
    """One agency's person record: its local id and the identity as that agency wrote it down."""

    local_id: str
    given: str
    family: str
    dob: str | None
    nhs: str | None
    upn: str | None
    sex: str


def noisy_given(rng: random.Random, p: dict[str, float], given: str) -> str:
    """A given name as an agency might write it: nickname, alternative spelling or typo."""
    if given in NICKNAMES and rng.random() < p["nickname"]:
        return rng.choice(NICKNAMES[given])
    if given in SPELLINGS and rng.random() < p["spelling_variant"]:
        return rng.choice(SPELLINGS[given])
    if rng.random() < p["name_typo"]:
        return typo(rng, given)
    return given


def noisy_family(rng: random.Random, p: dict[str, float], person: Person) -> str:
    """A family name as an agency might write it: a previous surname, alternative spelling or typo."""
    family = person.family
    if person.prev_family and rng.random() < p["previous_surname"]:
        return person.prev_family
    if family in SPELLINGS and rng.random() < p["spelling_variant"]:
        return rng.choice(SPELLINGS[family])
    if rng.random() < p["name_typo"]:
        return typo(rng, family)
    return family


def noisy_dob(rng: random.Random, p: dict[str, float], dob: int) -> str:
    """A date of birth with day and month swapped or the year wrong, at the configured rates."""
    d = date.fromordinal(dob)
    if d.day <= 12 and d.day != d.month and rng.random() < p["dob_day_month_swap"]:
        return date(d.year, d.day, d.month).isoformat()
    if rng.random() < p["dob_wrong_year"]:
        year = d.year + rng.choice((-1, 1))
        day = 28 if (d.month, d.day) == (2, 29) else d.day
        return date(year, d.month, day).isoformat()
    return d.isoformat()


def make_held(
    rng: random.Random,
    p: dict[str, float],
    agency: Agency,
    person: Person,
    local_id: str,
    trng: random.Random | None = None,
    labels: list[tuple[str, str]] | None = None,
) -> Held:
    """The identity one agency records for a person when it first registers them.

    With `trng` (the household's trap stream) the record traps are applied too, and with `labels` every
    noise kind and trap that shaped the identity is appended as (kind, detail)."""
    nhs: str | None = None
    if rng.random() < agency.nhs_coverage:
        nhs = person.nhs
        if rng.random() < p["nhs_mistyped"]:
            nhs = mistype_nhs(rng, nhs)
    dob = noisy_dob(rng, p, person.dob) if rng.random() < agency.dob_coverage else None
    upn = person.upn if agency.holds_upn and person.upn and rng.random() < 0.95 else None
    held = Held(
        local_id, noisy_given(rng, p, person.given), noisy_family(rng, p, person), dob, nhs, upn, person.sex
    )
    if labels is not None:
        labels.extend(label_noise(person, held, iso(person.dob)))
    if trng is not None:
        found = apply_record_traps(trng, p, agency, person, held)
        if labels is not None:
            labels.extend(found)
    return held
