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
- **Twins and multiple births**: two rows with the same surname and the same date of birth whose
  forenames are different names are different people (`twins`), unless they hold the same valid NHS
  number (after a sibling's number has been taken off the rows it was keyed on). Forenames are the same name when equal, a nickname or spelling variant of
  each other, sounding alike, one an initial of the other, or one keying slip apart (a letter added,
  dropped or changed, or two neighbours swapped; only the swap when both names are shorter than four
  letters): "Luy", "Odnna" and "Vaa" are Lucy, Donna and Ava mistyped, but Ava and Eva are two names.
  The clustering keeps twins apart as a cannot-link constraint (no chain of edges joins them) and does
  not put them to review; online matching never joins such a row to such a person.

The rule does not ask for the same address: twins are recorded at different addresses as families move,
and two children with one surname, one date of birth and two different forenames are two people wherever
they live. It costs recall only when one child's forename is recorded as two different names (not a
nickname, spelling variant, sound-alike, initial or keying slip of each other) and no NHS number ties the
records.

- **A sibling's NHS number** (`nhs_keying_errors`): one number held under two different forenames is a
  keying error on the rows of the less-recorded name, which are linked without it (so the twins rule and
  the date of birth can keep them apart from the number's owner) and put to review with that reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from rapidfuzz.distance import OSA, JaroWinkler

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


@lru_cache(maxsize=1)
def _namer():
    from nicknames import NickNamer

    return NickNamer()


@lru_cache(maxsize=200_000)
def nickname_of(a: str, b: str) -> bool:
    """One forename a recorded nickname of the other (the `nicknames` package's table: Rebecca and Becky,
    Elizabeth and Liz), directly — Oliver and Olivia both shorten to Ollie but are not nicknames of each other."""
    if " " in a or " " in b:
        return False
    namer = _namer()
    return b in namer.nicknames_of(a) or a in namer.nicknames_of(b)


def _same_given(a: PersonKey, b: PersonKey) -> bool:
    ga, gb = a[_GIVEN], b[_GIVEN]
    if ga is None or gb is None:
        return False
    if ga == gb:
        return True
    forms_a = {a[_C1], a[_C2]} - {None}
    if forms_a & ({b[_C1], b[_C2]} - {None}):
        return True
    return (a[_MP] is not None and a[_MP] == b[_MP]) or nickname_of(ga, gb)


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


def different_given(a: PersonKey, b: PersonKey) -> bool:
    """Both forenames recorded and not one name: not equal, a nickname or spelling variant, sounding alike,
    one an initial of the other, nor one keying slip apart."""
    if a[_GIVEN] is None or b[_GIVEN] is None:
        return False
    return not (_same_given(a, b) or _initial_of(a, b) or _one_slip(a, b))


def twins_keys(a: PersonKey, b: PersonKey) -> bool:
    """`twins` on `person_key` tuples."""
    if a[_DOB] is None or a[_DOB] != b[_DOB]:
        return False
    if a[_NHS] is not None and a[_NHS] == b[_NHS]:
        return False  # strong evidence: the same valid NHS number (a sibling's number is removed first)
    return _same_family(a, b) and different_given(a, b)


def twins(a: Row, b: Row) -> bool:
    """Whether two rows are two children of one multiple birth (or otherwise certainly two people).

    Same surname and date of birth, different forenames (not one name under the nickname,
    spelling and sounds-alike handling, nor one an initial of the other, nor one keying slip apart in names
    of four letters or more), and not the same NHS number.
    """
    return twins_keys(person_key(a), person_key(b))


KEYING_NAME_SIMILARITY = 0.8  # Jaro-Winkler: Aisha/Ayeesha 0.81, Meryem/Maryam 0.80; Sophie/Rosie 0.74, Ava/Eva 0.78


def _spelt_alike_same_birth(a: PersonKey, b: PersonKey) -> bool:
    """One number, one date of birth and two spellings of one name (a transliteration): not a keying error."""
    return (
        a[_DOB] is not None and a[_DOB] == b[_DOB]
        and JaroWinkler.similarity(a[_GIVEN], b[_GIVEN]) >= KEYING_NAME_SIMILARITY
    )


def _one_birth_not_two(a: PersonKey, b: PersonKey, births: set[tuple[str, str]] | None) -> bool:
    """Same date of birth and surname, no evidence of a multiple birth: one child under two forenames."""
    return (
        births is not None and a[_DOB] is not None and a[_DOB] == b[_DOB] and _same_family(a, b)
        and (a[_DOB], a[_FAMILY_MP]) not in births and (b[_DOB], b[_FAMILY_MP]) not in births
    )


def _mentions(r: Row) -> int:
    n = r.get("mentions")
    return 1 if n is None else int(n)


def _root(parent: dict[Any, Any], u: Any) -> Any:
    while parent[u] != u:
        parent[u] = parent[parent[u]]
        u = parent[u]
    return u


def nhs_keying_errors(rows: Mapping[Any, Row], births: set[tuple[str, str]] | None = None) -> dict[Any, Any]:
    """Rows holding another person's NHS number: row id → the id of a row of the number's owner.

    Rows that hold one NHS number are partitioned into names (two rows are one name unless their forenames
    are different names: `different_given`; on one date of birth, forenames spelt alike — Jaro-Winkler ≥
    0.8, as transliterations are — are one name too, and with `births` (`cluster.multiple_births`) so are
    any two forenames on one date of birth and surname unless the records show a multiple birth: Isaac
    and Zac are one child); rows without a forename join no name. When one number is held
    under two or more names — a child's record keyed with a sibling's number, a twin's with the other
    twin's — the name with the most mentions (then the most rows; ties by the smallest row id) owns it,
    and the rows of every other name are keying errors: they keep their own identity (name, date of birth,
    address) and are linked without the number, and the conflict is put to a person.
    """
    by_number: dict[str, list[Any]] = {}
    for uid, r in rows.items():
        if r.get("nhs") and r.get("given"):
            by_number.setdefault(r["nhs"], []).append(uid)
    out: dict[Any, Any] = {}
    for uids in by_number.values():
        if len(uids) < 2:
            continue
        uids.sort(key=str)
        keys = {u: person_key(rows[u]) for u in uids}
        parent = {u: u for u in uids}
        for i, u in enumerate(uids):
            for v in uids[i + 1 :]:
                if (not different_given(keys[u], keys[v]) or _spelt_alike_same_birth(keys[u], keys[v])
                        or _one_birth_not_two(keys[u], keys[v], births)):
                    parent[_root(parent, v)] = _root(parent, u)
        names: dict[Any, list[Any]] = {}
        for u in uids:
            names.setdefault(_root(parent, u), []).append(u)
        if len(names) < 2:
            continue
        ranked = sorted(
            names.values(),
            key=lambda members: (-sum(_mentions(rows[m]) for m in members), -len(members), str(members[0])),
        )
        owner = ranked[0][0]
        for members in ranked[1:]:
            for m in members:
                out[m] = owner
    return out
