"""Identity traps (issue 14): families that look like one person, and records keyed so as to hide one.

Population traps (`RateConfig`, not scaled by the noise): twins and multiple births (same surname, date of
birth and address, different forenames and NHS numbers) and a son given his father's forename. Record traps
(`NoiseConfig`, scaled): a sibling's NHS number, an estimated date of birth, a transliterated forename, an
initial-only forename, an upper-case surname, a hyphenated surname. Every draw comes from the household's own trap streams
(`streams.stream(seed, "traps", i)` and `"trap-noise"`), so switching a trap off leaves the rest of the
authority byte-identical. Which persons and agency-held identities each trap touched is written to
`truth/traps.csv` (trap, person_id, agency_id, local_person_id, detail); the existing identity noise is
labelled there too, so that `bench linkage` can report it per kind. No vocabulary here comes from, or is
shared with, the product's linkage tables.
"""

from __future__ import annotations

import random
from datetime import date
from typing import TYPE_CHECKING

from . import names

if TYPE_CHECKING:  # pragma: no cover
    from .agencies import Agency
    from .noise import Held
    from .population import Household, Person, World

# agencies whose staff often estimate a date of birth they are not given (custody, the roadside, A&E, housing)
ESTIMATING_KINDS = ("police", "probation", "ambulance", "acute_hospital", "housing_authority")
ESTIMATE_FORMS = (("jan1", 55), ("jul1", 20), ("month1", 15), ("month15", 10))
POPULATION_TRAPS = ("twin", "multiple_birth", "father_son_name")
RECORD_TRAPS = (
    "nhs_sibling", "dob_estimated", "given_initial", "surname_upper", "surname_hyphenated", "given_transliterated"
)
NOISE_LABELS = (
    "nickname", "spelling_variant", "given_typo", "previous_surname", "family_typo",
    "dob_day_month_swap", "dob_wrong_year", "nhs_mistyped", "dob_missing",
)
# Romanisations of the simulator's own Arabic-origin forenames (names.FEMALE / names.MALE), written here for the
# simulator alone: the product's linkage tables are neither read nor copied.
TRANSLITERATIONS: dict[str, tuple[str, ...]] = {
    "Muhammad": ("Mohamed", "Mohammed", "Muhamad", "Mohamad", "Mehmet"),
    "Ali": ("Aly", "Alee"),
    "Omar": ("Umar", "Omer"),
    "Aisha": ("Aysha", "Aishah", "Ayeesha"),
    "Fatima": ("Fatimah", "Fatma", "Fathima"),
    "Maryam": ("Mariam", "Maryum", "Meryem"),
    "Amira": ("Ameera", "Amirah"),
    "Nadia": ("Nadiya", "Nadiyah"),
    "Layla": ("Laylah", "Leyla"),
}


def birth_size(trng: random.Random, twins: float, triplets: float) -> int:
    """How many children one birth brings: 1, 2 (twins) or 3 (triplets)."""
    u = trng.random()
    return 3 if u < triplets else 2 if u < triplets + twins else 1


def add_multiple_birth(world: World, trng: random.Random, hh: Household, first: Person, size: int) -> list[Person]:
    """The other children of one birth: same date of birth, surname and home; own forenames and NHS numbers."""
    born = [first]
    for _ in range(size - 1):
        sex = trng.choice(("female", "male"))
        sib = world.new_person(trng, sex, first.dob, "child", first.family)
        while sib.given in {p.given for p in born}:
            sib.given = names.given_for(trng, sex)
        sib.gp, sib.born, sib.spells = first.gp, first.born, list(first.spells)
        sib.other_family = first.other_family
        hh.members.append(sib)
        born.append(sib)
    trap = "twin" if size == 2 else "multiple_birth"
    group = f"{hh.hid}-B{len({g for _, _, g in hh.traps}) + 1}"
    hh.traps.extend((trap, p.pid, group) for p in born)
    return born


def name_son_after_father(trng: random.Random, hh: Household, rate: float) -> None:
    """At most one son living with his father, with his surname, is given his father's forename."""
    father = hh.partner
    if father is None:
        return
    in_birth = {pid for trap, pid, _ in hh.traps if trap in ("twin", "multiple_birth")}
    for child in hh.children():
        if child.sex == "male" and child.family == father.family and child.pid not in in_birth:
            if trng.random() < rate:
                child.given = father.given
                group = f"{hh.hid}-F"
                hh.traps.extend((("father_son_name", father.pid, group), ("father_son_name", child.pid, group)))
            return


def link_siblings(hh: Household) -> None:
    """Each child's born brothers' and sisters' (person id, NHS number), for the sibling's-NHS-number trap."""
    children = hh.children()
    for c in children:
        c.sibling_nhs = tuple((s.pid, s.nhs) for s in children if s is not c and s.born)


def estimate_dob(trng: random.Random, true_dob: str) -> tuple[str, str]:
    """A date of birth as a worker estimates it from the year (and sometimes the month): (written, form)."""
    d = date.fromisoformat(true_dob)
    form = trng.choices([f for f, _ in ESTIMATE_FORMS], [w for _, w in ESTIMATE_FORMS])[0]
    written = {
        "jan1": date(d.year, 1, 1),
        "jul1": date(d.year, 7, 1),
        "month1": date(d.year, d.month, 1),
        "month15": date(d.year, d.month, 15),
    }[form]
    return written.isoformat(), form


def label_noise(person: Person, held: Held, true_dob: str) -> list[tuple[str, str]]:
    """Which of the existing identity noise kinds shaped a held identity (for the per-noise table)."""
    out: list[tuple[str, str]] = []
    if held.given != person.given:
        kind = (
            "nickname" if held.given in names.NICKNAMES.get(person.given, ())
            else "spelling_variant" if held.given in names.SPELLINGS.get(person.given, ())
            else "given_typo"
        )
        out.append((kind, held.given))
    if held.family != person.family:
        kind = (
            "previous_surname" if held.family == person.prev_family
            else "spelling_variant" if held.family in names.SPELLINGS.get(person.family, ())
            else "family_typo"
        )
        out.append((kind, held.family))
    if held.dob is not None and held.dob != true_dob:
        out.append(("dob_day_month_swap" if held.dob[:4] == true_dob[:4] else "dob_wrong_year", held.dob))
    if held.nhs is not None and held.nhs != person.nhs:
        out.append(("nhs_mistyped", held.nhs))
    if held.dob is None:
        out.append(("dob_missing", ""))
    return out


def apply_record_traps(
    trng: random.Random, p: dict[str, float], agency: Agency, person: Person, held: Held
) -> list[tuple[str, str]]:
    """Applies the record traps to an identity an agency has just written down; returns (trap, detail)."""
    out: list[tuple[str, str]] = []
    if held.nhs is not None and held.nhs == person.nhs and person.sibling_nhs and trng.random() < p["nhs_sibling"]:
        sib_pid, held.nhs = trng.choice(person.sibling_nhs)
        out.append(("nhs_sibling", sib_pid))
    if held.dob is not None and agency.kind in ESTIMATING_KINDS and trng.random() < p["dob_estimated"]:
        held.dob, form = estimate_dob(trng, held.dob)
        out.append(("dob_estimated", form))
    if held.given == person.given in TRANSLITERATIONS and trng.random() < p["given_transliterated"]:
        held.given = trng.choice(TRANSLITERATIONS[person.given])
        out.append(("given_transliterated", held.given))
    if len(held.given) > 1 and trng.random() < p["given_initial"]:
        held.given = held.given[0] + ("." if trng.random() < 0.3 else "")
        out.append(("given_initial", held.given))
    if person.other_family and trng.random() < p["surname_hyphenated"]:
        parts = [held.family, person.other_family]
        if trng.random() < 0.5:
            parts.reverse()
        held.family = "-".join(parts)
        out.append(("surname_hyphenated", held.family))
    if trng.random() < p["surname_upper"]:
        held.family = held.family.upper()
        out.append(("surname_upper", held.family))
    return out
