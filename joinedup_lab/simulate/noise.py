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
from .traps import DOB_LABELS, apply_record_traps, label_noise


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
    dob_estimated: bool = False  # sent with dob_estimated: true
    age_offset: int | None = None  # an age is written instead of a date of birth: the true age plus this
    other_names: tuple[dict[str, str], ...] = ()  # as sent in other_names


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
    xrng: random.Random | None = None,
) -> Held:
    """The identity one agency records for a person when it first registers them.

    With `trng` (the household's trap stream) the record traps are applied too (with `xrng`, its
    "trap-records" stream, those of dob_estimated, age and other_names as well), and with `labels` every
    noise kind and trap that shaped the identity is appended as (kind, detail)."""
    nhs: str | None = None
    if rng.random() < agency.nhs_coverage:
        nhs = person.nhs
        if rng.random() < p["nhs_mistyped"]:
            nhs = mistype_nhs(rng, nhs)
    covered = rng.random() < agency.dob_coverage
    if agency.kind == "childrens_social_care" and person.role == "child":
        covered = True  # a case system always holds the date of birth of a child it works with (the returns need it)
    dob = noisy_dob(rng, p, person.dob) if covered else None
    upn = person.upn if agency.holds_upn and person.upn and rng.random() < 0.95 else None
    held = Held(
        local_id, noisy_given(rng, p, person.given), noisy_family(rng, p, person), dob, nhs, upn, person.sex
    )
    if labels is not None:
        labels.extend(label_noise(person, held, iso(person.dob)))
    if trng is not None:
        found = apply_record_traps(trng, p, agency, person, held, xrng)
        if labels is not None:
            if held.age_offset is not None:  # no date of birth is written: nothing about one to label
                labels[:] = [label for label in labels if label[0] not in DOB_LABELS]
            labels.extend(found)
    return held
