"""Constraints that encode how families are recorded: NHS-number typos, twins and multiple births.

Pure functions over identity rows (`prepare` rows, or any mapping with the same keys: `given`, `given_c1`,
`given_c2`, `given_mp`, `family`, `family_c`, `family_mp`, `dob`, `postcode`, `nhs`), shared by the batch
clustering (`cluster.py`) and online matching (`online.py`) so that both apply one rule.

- **Two valid NHS numbers that differ are different people** unless the first nine digits differ by
  exactly one substituted digit or one swap of two adjacent digits (the check digit is recomputed when a
  system re-validates a mistyped number) **and** everything else agrees: the same forename (exactly, or as
  a nickname or spelling variant, or sounding alike), the same surname (exactly, a spelling variant or
  sounding alike) and the same date of birth. Anything else — two digits wrong, two digits swapped that
  are not neighbours, or one digit out on a record whose name or date of birth also differs or is
  missing — is another person's number (`nhs_typo`).
- **Twins and multiple births**: two rows with the same surname, the same date of birth and the same
  full postcode whose forenames are different names are different people (`twins`), unless they hold
  the same valid NHS number. Forenames are the same name when equal, a nickname or spelling variant of
  each other, sounding alike, one an initial of the other, or one keying slip apart (a letter added,
  dropped or changed, or two neighbours swapped; only the swap when both names are shorter than four
  letters): "Luy", "Odnna" and "Vaa" are Lucy, Donna and Ava mistyped, but Ava and Eva are two names.
  The clustering keeps twins apart as a cannot-link constraint (no chain of edges joins them) and does
  not put them to review; online matching never joins such a row to such a person.

The identity rows carry a postcode, not the full address key, so "the same address" is the same full
postcode: two different children with one surname and one date of birth in one postcode are different
people either way, so the wider test only costs recall when one child's forename is recorded as two
different names at the same postcode and no NHS number ties the records.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rapidfuzz.distance import OSA

Row = Mapping[str, Any]

# The fields each constraint reads, in the order of the tuples below (`person_key`).
PERSON_FIELDS = ("given", "given_c1", "given_c2", "given_mp", "family", "family_c", "family_mp", "dob", "postcode", "nhs")
_GIVEN, _C1, _C2, _MP, _FAMILY, _FAMILY_C, _FAMILY_MP, _DOB, _POSTCODE, _NHS = range(len(PERSON_FIELDS))

PersonKey = tuple[Any, ...]


def person_key(row: Row) -> PersonKey:
    """The row's fields the constraints read, as a hashable tuple (`PERSON_FIELDS` order)."""
    return tuple(row.get(f) for f in PERSON_FIELDS)


def nhs_one_edit(a: str, b: str) -> bool:
    """Whether two NHS numbers' first nine digits differ by exactly one substitution or one adjacent swap."""
    x, y = a[:9], b[:9]
    if len(x) != len(y) or x == y:
        return False
    diff = [i for i, (p, q) in enumerate(zip(x, y, strict=True)) if p != q]
    if len(diff) == 1:
        return True
    i, j = diff[0], diff[-1]
    return len(diff) == 2 and j == i + 1 and x[i] == y[j] and x[j] == y[i]


def _same_given(a: PersonKey, b: PersonKey) -> bool:
    ga, gb = a[_GIVEN], b[_GIVEN]
    if ga is None or gb is None:
        return False
    if ga == gb:
        return True
    forms_a = {a[_C1], a[_C2]} - {None}
    if forms_a & ({b[_C1], b[_C2]} - {None}):
        return True
    return a[_MP] is not None and a[_MP] == b[_MP]


def _initial_of(a: PersonKey, b: PersonKey) -> bool:
    ga, gb = a[_GIVEN], b[_GIVEN]
    return ga is not None and gb is not None and (
        (len(ga) == 1 and gb.startswith(ga)) or (len(gb) == 1 and ga.startswith(gb))
    )


def _one_slip(a: PersonKey, b: PersonKey) -> bool:
    """One keying slip apart: a letter added or dropped, two neighbours swapped, or (names of four letters or
    more) one letter changed — Ava and Eva are two names, Lucy and Lucey one."""
    ga, gb = a[_GIVEN], b[_GIVEN]
    if ga is None or gb is None or OSA.distance(ga, gb, score_cutoff=1) > 1:
        return False
    return max(len(ga), len(gb)) >= 4 or len(ga) != len(gb) or sorted(ga) == sorted(gb)


def _same_family(a: PersonKey, b: PersonKey) -> bool:
    if a[_FAMILY] is None or b[_FAMILY] is None:
        return False
    return (
        a[_FAMILY] == b[_FAMILY]
        or (a[_FAMILY_C] is not None and a[_FAMILY_C] == b[_FAMILY_C])
        or (a[_FAMILY_MP] is not None and a[_FAMILY_MP] == b[_FAMILY_MP])
    )


def everything_else_agrees(a: PersonKey, b: PersonKey) -> bool:
    """Forename and surname the same name (both present; the forename may be one keying slip out), and the
    dates of birth equal or one of them not recorded (nothing contradicts)."""
    if a[_DOB] is not None and b[_DOB] is not None and a[_DOB] != b[_DOB]:
        return False
    return (_same_given(a, b) or _one_slip(a, b)) and _same_family(a, b)


def nhs_typo_keys(a: PersonKey, b: PersonKey) -> bool:
    """`nhs_typo` on `person_key` tuples."""
    na, nb = a[_NHS], b[_NHS]
    if na is None or nb is None or na == nb:
        return na is not None and na == nb
    return nhs_one_edit(na, nb) and everything_else_agrees(a, b)


def nhs_typo(a: Row, b: Row) -> bool:
    """Whether two rows' different NHS numbers can be one person's number, one of them mistyped.

    True for equal numbers; for different ones only when the first nine digits are one substitution or one
    adjacent swap apart and forename, surname and date of birth agree. False when either has no number.
    """
    return nhs_typo_keys(person_key(a), person_key(b))


def twins_keys(a: PersonKey, b: PersonKey) -> bool:
    """`twins` on `person_key` tuples."""
    if a[_DOB] is None or a[_DOB] != b[_DOB] or a[_POSTCODE] is None or a[_POSTCODE] != b[_POSTCODE]:
        return False
    if a[_NHS] is not None and a[_NHS] == b[_NHS]:
        return False  # strong evidence: the same valid NHS number
    if not _same_family(a, b) or a[_GIVEN] is None or b[_GIVEN] is None:
        return False
    return not (_same_given(a, b) or _initial_of(a, b) or _one_slip(a, b))


def twins(a: Row, b: Row) -> bool:
    """Whether two rows are two children of one multiple birth (or otherwise certainly two people).

    Same surname, date of birth and full postcode, different forenames (not one name under the nickname,
    spelling and sounds-alike handling, nor one an initial of the other, nor one keying slip apart in names
    of four letters or more), and not the same NHS number.
    """
    return twins_keys(person_key(a), person_key(b))
