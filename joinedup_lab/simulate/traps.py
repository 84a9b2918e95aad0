"""Identity traps (issue 14): families that look like one person, and records keyed so as to hide one.

Population traps (`RateConfig`, not scaled by the noise): twins and multiple births (same surname, date of
birth and address, different forenames and NHS numbers), a son given his father's forename, and a man whose
surname changed by deed poll. Record traps (`NoiseConfig`, scaled): a sibling's NHS number, an estimated date
of birth, a transliterated forename, an initial-only forename, an upper-case surname, a hyphenated surname; and,
for the format's `dob_estimated`, `age` and `other_names`: an estimate sent with the flag (a share of the
estimates, not scaled), an adult's age instead of a date of birth, and a changed surname's old one listed as a
former name. A mention trap: a hidden adult written by his first name alone (`given_only`). Every draw comes
from the household's own trap streams (`streams.stream(seed, "traps", i)`, `"trap-noise"`, and
`"trap-surname"`, `"trap-records"` and `"trap-given"` for the later traps, which draw a fixed number of values
per person, identity or eligible mention), so switching a trap off leaves the rest of the authority
byte-identical. Which persons, agency-held identities and mentions each trap touched is written to
`truth/traps.csv` (trap, person_id, agency_id, local_person_id, detail); the existing identity noise is
labelled there too, so that `bench linkage` can report it per kind. No vocabulary here comes from, or is
shared with, the product's linkage tables.

The unborn children of a multiple birth are one pregnancy: its antenatal records name them all, each by the
simulator's own label ("unborn twin 1", "unborn triplet 3"; `unborn_label`).
"""

from __future__ import annotations

import random
from datetime import date
from typing import TYPE_CHECKING, Any

from . import names

if TYPE_CHECKING:  # pragma: no cover
    from .agencies import Agency
    from .noise import Held
    from .population import Household, Person, World

# agencies whose staff often estimate a date of birth they are not given (custody, the roadside, A&E, housing)
ESTIMATING_KINDS = ("police", "probation", "ambulance", "acute_hospital", "housing_authority")
ESTIMATE_FORMS = (("jan1", 55), ("jul1", 20), ("month1", 15), ("month15", 10))
# agencies that write down an adult's age when nobody gives a date of birth (the roadside, custody, A&E)
AGE_RECORDING_KINDS = ("police", "ambulance", "acute_hospital")
# how far an age recorded "about" is from the true one: exact half the time, else a year or two either way
AGE_OFFSETS = ((0, 50), (-1, 15), (1, 15), (-2, 10), (2, 10))
POPULATION_TRAPS = ("twin", "multiple_birth", "father_son_name")
RECORD_TRAPS = (
    "nhs_sibling", "dob_estimated", "given_initial", "surname_upper", "surname_hyphenated", "given_transliterated",
    "dob_estimated_flagged", "age_only", "surname_changed",
)
# labels about a date of birth, dropped from an identity that holds an age instead
DOB_LABELS = ("dob_day_month_swap", "dob_wrong_year", "dob_estimated", "dob_estimated_flagged")
RECORD_DRAWS = 5  # values drawn from "trap-records" for every identity, whatever happens
# A hidden adult (a partner never declared to services) written by his first name alone, by the agencies that
# meet him in the family's home or at an incident without checking who he is. Custody records (an arrest, bail)
# identify whom they hold, so they are never first-name-only.
GIVEN_ONLY_KINDS = ("police", "childrens_social_care", "community_health")
GIVEN_ONLY_NOT_IN = ("arrest", "bail", "police_investigation", "charging_decision")  # custody knows whom it held
GIVEN_ONLY_DRAWS = 2  # values drawn from "trap-given" for every eligible mention, whatever happens
MENTION_TRAPS = ("given_only",)  # labelled per mention: empty local_person_id, detail "<source_record_id>/<mention_id>"
# what a multiple pregnancy's unborn children are called, by the number of children it brings
PREGNANCY_WORDS = {2: "twin", 3: "triplet"}
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


def birth_group(hh: Household, child: Person) -> list[Person]:
    """The children of the same birth as `child`, in birth order (`[child]` for a single birth)."""
    group = next((g for trap, pid, g in hh.traps if pid == child.pid and trap in ("twin", "multiple_birth")), None)
    if group is None:
        return [child]
    by_pid = {p.pid: p for p in hh.members}
    return [by_pid[pid] for trap, pid, g in hh.traps if g == group and trap in ("twin", "multiple_birth")]


def unborn_label(size: int, n: int) -> str:
    """How an antenatal record names the n-th unborn child of a pregnancy of `size` ("unborn twin 2")."""
    return f"unborn {PREGNANCY_WORDS.get(size, 'baby')} {n}"


def given_only_mention(
    grng: random.Random, p: dict[str, float], person: Person, mention: dict[str, Any], label: str | None
) -> dict[str, Any] | None:
    """A hidden adult's mention as an agency writes it when it has only his first name: the given name and sex,
    the relationship to the subject as it was, and (a share of the time) how he was described; no family name,
    date of birth, NHS number, address or local person id. None when the trap does not fire. `GIVEN_ONLY_DRAWS`
    values are drawn from `grng` (the household's "trap-given" stream) whatever happens."""
    u_given, u_label = (grng.random() for _ in range(GIVEN_ONLY_DRAWS))
    if u_given >= p["given_only"]:
        return None
    out: dict[str, Any] = {
        "mention_id": mention["mention_id"], "role": mention["role"], "given_name": person.given, "sex": person.sex,
    }
    if "relationship_to_subject" in mention:
        out["relationship_to_subject"] = mention["relationship_to_subject"]
    if label and u_label < p["given_only_labelled"]:
        out["relationship_label"] = label
    return out


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


def change_surnames_by_deed_poll(srng: random.Random, hh: Household, rate: float) -> None:
    """Some adult men changed their surname by deed poll before the period: their old one is kept on the person
    (agencies may still hold it; others may list it as a former name). Two draws per man, whatever happens."""
    for p in hh.members:
        if p.sex == "male" and p.role != "child":
            u, old = srng.random(), names.surname(srng)
            if u < rate and old != p.family:
                p.deed_poll_from = old


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


def _pick(choices: tuple[tuple[int, int], ...], u: float) -> int:
    """The choice a uniform draw in [0, 1) falls on, by weight."""
    total = sum(w for _, w in choices)
    edge = 0.0
    for value, weight in choices:
        edge += weight / total
        if u < edge:
            return value
    return choices[-1][0]


def apply_record_traps(
    trng: random.Random,
    p: dict[str, float],
    agency: Agency,
    person: Person,
    held: Held,
    xrng: random.Random | None = None,
) -> list[tuple[str, str]]:
    """Applies the record traps to an identity an agency has just written down; returns (trap, detail).

    With `xrng` (the household's "trap-records" stream) the traps of the format's `dob_estimated`, `age` and
    `other_names` are applied too: `RECORD_DRAWS` values are drawn from it for every identity, so that none of
    them changes what the others, or the traps drawn from `trng`, do."""
    out: list[tuple[str, str]] = []
    draws = [xrng.random() for _ in range(RECORD_DRAWS)] if xrng is not None else None
    old_surname = person.prev_family or person.deed_poll_from
    deed_poll = draws is not None and person.deed_poll_from is not None and held.family == person.family
    if deed_poll and draws[0] < p["previous_surname"]:  # still held under the surname before the deed poll
        held.family = person.deed_poll_from
        out.append(("previous_surname", held.family))
    under_new_surname = old_surname is not None and held.family != old_surname
    had_dob = held.dob is not None
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
    if trng.random() < p["surname_upper"] and held.family.upper() != held.family:  # a script without capitals: no
        held.family = held.family.upper()
        out.append(("surname_upper", held.family))
    if draws is not None:
        _apply_format_traps(draws, p, agency, person, held, out, had_dob, old_surname if under_new_surname else None)
    return out


def _apply_format_traps(
    draws: list[float], p: dict[str, float], agency: Agency, person: Person, held: Held,
    out: list[tuple[str, str]], had_dob: bool, old_surname: str | None,
) -> None:
    """The traps that fill the format's dob_estimated, age and other_names (see apply_record_traps)."""
    _, u_age, u_offset, u_flag, u_listed = draws
    estimated = next((form for trap, form in out if trap == "dob_estimated"), None)
    if estimated is not None and u_flag < p["dob_estimated_flagged"]:
        held.dob_estimated = True
        out.append(("dob_estimated_flagged", estimated))
    if had_dob and person.role != "child" and agency.kind in AGE_RECORDING_KINDS and u_age < p["age_only"]:
        held.dob, held.dob_estimated = None, False
        held.age_offset = _pick(AGE_OFFSETS, u_offset)
        out[:] = [(t, d) for t, d in out if t not in DOB_LABELS]
        out.append(("age_only", f"{held.age_offset:+d}"))
    if old_surname is not None and u_listed < p["surname_changed"]:
        held.other_names = ({"family_name": old_surname, "kind": "former"},)
        out.append(("surname_changed", old_surname))
