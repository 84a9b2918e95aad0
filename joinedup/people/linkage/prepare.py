"""From mentions to linkage rows: one row per distinct (agency-held identity, cleaned identifying attributes).

A mention dict has the keys `source_identity` (the agency-held person, e.g. "agency:local id", or None),
`agency`, `role`, `local_person_id`, `given_name`, `family_name`, `relationship_label`, `dob` (date, ISO
string or None), `sex`, `nhs_number`, `upn`, `postcode` (raw), `occurred_on`; optionally `record_key`,
`relationship_to_subject` and `expected_due_on`, which only `context.link_unborn` uses. Missing keys are
treated as None.

Mentions of one agency-held identity are one person (each agency's own person id; checked against the
simulator's truth: never impure), so what gets linked is the distinct identity rows, not every mention —
a child with 200 visits recorded by one agency is a handful of rows (one per address it was recorded at).
Mentions that cannot be linked by identity are flagged with a reason: relationship-only ("partner",
"Mum's boyfriend"), unborn children (linked later by context, not identity), and mentions with too little
to go on: a mention without an agency-held identity, a date of birth, an NHS number or a UPN needs a given
name, a family name and at least a postcode district ("Amy Saunders" alone would match every Amy Saunders).
A mention *with* an agency-held identity gets a row whatever it lacks — it is the same person as the
agency's other mentions of that identity (`pipeline` must-links rows of one identity) — except a forename
alone ("Steve" in a social-care note, with no surname, date of birth, age, NHS number or UPN): that is an
unidentified adult, surfaced where he was seen for a worker to resolve, never a person of his own. No blocking rule
can pair a row holding only a name, so such rows are joined through their identity alone.
"""

from __future__ import annotations

import gc
import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

import pyarrow as pa

from .clean import (
    clean_dob,
    clean_family,
    clean_given,
    clean_nhs,
    clean_postcode,
    clean_sex,
    clean_upn,
    family_canonical,
    given_canonical,
    phonetic,
)
from .profiles import PERSON_COLUMNS
from .rows import MentionColumns, tuple_rows

UNLINKABLE_RELATIONSHIP_ONLY = "relationship_only"
UNLINKABLE_UNBORN = "unborn"
UNLINKABLE_NO_NAME = "no_name"
UNLINKABLE_TOO_LITTLE = "too_little"
UNLINKABLE_FIRST_NAME_ONLY = "first_name_only"

_ARROW_TYPES = {"string": pa.string(), "int32": pa.int32(), "int64": pa.int64(), "bool": pa.bool_()}


@dataclass
class Prepared:
    """Linkage rows and how mentions map onto them.

    `table` has one row per distinct identity (columns `profiles.PERSON_COLUMNS`, `unique_id` a stable
    hash of the row's content); `row_of_mention[i]` is the `unique_id` of mention i or None when it is
    unlinkable, and `unlinkable[i]` then says why. `mentions` holds what the linkage reads of each mention once it
    is prepared (`rows.CONTEXT_FIELDS`), so a caller need not keep the mentions themselves.
    """

    table: pa.Table
    row_of_mention: list[str | None]
    unlinkable: dict[int, str] = field(default_factory=dict)
    alias_links: list[tuple[str, str]] = field(default_factory=list)  # (row, the row of one of its other names)
    mentions: MentionColumns = field(default_factory=MentionColumns, repr=False, compare=False)
    _compact: dict[str, Mapping[str, Any]] | None = field(default=None, repr=False, compare=False)

    def rows(self) -> dict[str, dict[str, Any]]:
        """The rows as dicts keyed by unique_id (for the Python scorer and the clustering guard)."""
        return {r["unique_id"]: r for r in self.table.to_pylist()}

    def compact_rows(self) -> dict[str, Mapping[str, Any]]:
        """The rows as `rows()` gives them, as read-only mappings a fraction of the size (a batch run's million);
        made once, and kept as `compact_row_with` changes them."""
        if self._compact is None:
            self._compact = tuple_rows(self.table, "unique_id", "IdentityRowValues")
        return self._compact

    def compact_row_with(self, uid: str, **changed: Any) -> Mapping[str, Any]:
        """Row `uid` with some values changed (as the table's column will be), kept in `compact_rows()`."""
        rows = self.compact_rows()
        row = rows[uid]
        rows[uid] = type(row)(tuple(changed.get(name, value) for name, value in row.items()))
        return rows[uid]


def unlinkable_reason(mention: Mapping[str, Any]) -> str | None:
    """Why a mention cannot be linked by identity, or None when it can."""
    label = (mention.get("relationship_label") or "").lower()
    if mention.get("role") == "unborn" or "unborn" in label:
        return UNLINKABLE_UNBORN
    given = clean_given(mention.get("given_name"))[0]
    family = clean_family(mention.get("family_name"))[0]
    if given is None and family is None:
        return UNLINKABLE_RELATIONSHIP_ONLY if label else UNLINKABLE_NO_NAME
    strong = clean_dob(mention.get("dob")) or clean_nhs(mention.get("nhs_number")) or clean_upn(mention.get("upn"))
    if family is None and not strong and mention.get("age") is None:
        return UNLINKABLE_FIRST_NAME_ONLY  # "Steve": an unidentified adult to surface, not a person to invent
    if mention.get("source_identity"):
        return None  # joins the agency's other mentions of the same person whatever it holds itself
    if strong:
        return None
    if given is None or family is None or clean_postcode(mention.get("postcode"))[2] is None:
        return UNLINKABLE_TOO_LITTLE  # a name alone proves nothing
    return None


def identity_row(mention: Mapping[str, Any]) -> dict[str, Any] | None:
    """The cleaned linkage row for one mention (with its unique_id), or None when it is unlinkable."""
    if unlinkable_reason(mention) is not None:
        return None
    values = _row_values(_raw_key(mention))
    row = dict(zip(COLUMN_NAMES, values, strict=True))
    row["mentions"] = 1
    return row


_RAW_KEYS = ("source_identity", "agency", "given_name", "family_name", "dob", "sex", "nhs_number", "upn", "postcode")
COLUMN_NAMES = tuple(name for name, _ in PERSON_COLUMNS if name != "mentions")
# How far an estimated date of birth may be from the truth, in years either side of the estimate's year, and
# how far an age "about 30" may be (the age as at the record's day, so the birth year is one of two, ± this).
ESTIMATE_YEARS = 1
AGE_YEARS = 2


def _year(value: Any) -> int | None:
    d = clean_dob(value)
    return d.year if d else None


def _extras(m: Mapping[str, Any]) -> tuple[Any, ...]:
    """The estimate flag, the birth year an age implies (age as at the record's day) and the other names."""
    age = m.get("age")
    age_year = None
    if age is not None and not m.get("dob"):
        seen = _year(m.get("occurred_on"))
        if seen is not None:
            try:
                age_year = seen - int(age)
            except (TypeError, ValueError):
                age_year = None
    others = tuple(
        (o.get("given_name"), o.get("family_name")) for o in (m.get("other_names") or ()) if isinstance(o, Mapping)
    )
    return (bool(m.get("dob_estimated")), age_year, others)


def _raw_key(m: Mapping[str, Any]) -> tuple[Any, ...]:
    raw = tuple(m.get(k) for k in _RAW_KEYS)
    dob = raw[4]
    if dob is not None and not isinstance(dob, str):
        raw = (*raw[:4], dob.isoformat(), *raw[5:])
    return (*raw, *_extras(m))


def estimated_range(dob: Any, flagged: bool, age_year: int | None) -> tuple[int, int] | None:
    """The years a date of birth recorded as an estimate could really be in, or None when it is not one.

    An estimate is a date the agency flags (`dob_estimated`: the year ± ESTIMATE_YEARS), an age with no
    date ("about 30": the year it implies ± AGE_YEARS), or — flag or not — the 1st of January or of July,
    the two days staff put down when only the year is known (a person truly born on one of them loses the
    day as evidence, not the year). A date of birth that is an estimate is evidence of the year only: it is
    compared as a range, never as a key, whatever identifiers the record holds. An unflagged 1st or 15th of a
    month stays a date: the month is usually right, and "same year and month" is already a close level.
    """
    if dob is None:
        return None if age_year is None else (age_year - 1 - AGE_YEARS, age_year + AGE_YEARS)
    if flagged or (dob.day == 1 and dob.month in (1, 7)):
        return (dob.year - ESTIMATE_YEARS, dob.year + ESTIMATE_YEARS)
    return None


def _row_values(raw: tuple[Any, ...]) -> tuple[Any, ...]:
    """The row's values in COLUMN_NAMES order."""
    (source_identity, agency, given_raw, family_raw, dob_raw, sex_raw, nhs_raw, upn_raw, postcode_raw,
     flagged, age_year, *_others) = raw if len(raw) > 9 else (*raw, False, None, ())
    given, placeholder = clean_given(given_raw)
    family, p1, p2 = clean_family(family_raw)
    dob = clean_dob(dob_raw)
    sex = clean_sex(sex_raw)
    nhs = clean_nhs(nhs_raw)
    upn = clean_upn(upn_raw)
    postcode, sector, district = clean_postcode(postcode_raw)
    estimate = estimated_range(dob, flagged, age_year)
    if estimate is not None:
        year = dob.year if dob else age_year
        dob = None  # a range, not a key: the exact date is neither compared nor blocked on
    dob_iso = dob.isoformat() if dob else None
    content = (
        source_identity,
        None if source_identity else agency,
        given,
        placeholder,
        family,
        p1,
        p2,
        dob_iso,
        sex,
        nhs,
        upn,
        postcode,
        district,
        *((estimate,) if estimate else ()),
    )
    unique_id = hashlib.blake2b(repr(content).encode(), digest_size=8).hexdigest()
    c1, c2 = given_canonical(given)
    return (
        unique_id,
        source_identity or unique_id,
        source_identity,
        agency,
        given,
        placeholder,
        phonetic(given),
        c1,
        c2,
        family,
        phonetic(family),
        family_canonical(family),
        p1,
        p2,
        dob_iso,
        dob.year if dob else (year if estimate else None),
        dob.month if dob else None,
        dob.day if dob else None,
        sex,
        nhs,
        upn,
        postcode,
        sector,
        district,
        estimate[0] if estimate else None,
        estimate[1] if estimate else None,
    )


def alias_raws(raw: tuple[Any, ...]) -> list[tuple[Any, ...]]:
    """The raw keys of a mention's other names (former surnames, aliases): the mention with that name instead."""
    if len(raw) <= 9 or not raw[11]:
        return []
    out = []
    for given, family in raw[11]:
        if not given and not family:
            continue
        out.append((raw[0], raw[1], given or raw[2], family or raw[3], *raw[4:11], ()))
    return out


def rows_to_table(
    rows: Iterable[Mapping[str, Any]], columns: tuple[tuple[str, str], ...] = PERSON_COLUMNS
) -> pa.Table:
    """An Arrow table with the profile's columns and types, rows sorted by unique_id (deterministic order)."""
    ordered = sorted(rows, key=lambda r: r["unique_id"])
    arrays = {name: pa.array([r.get(name) for r in ordered], type=_ARROW_TYPES[kind]) for name, kind in columns}
    return pa.table(arrays)


def _prepare_one(
    i: int,
    m: Mapping[str, Any],
    raw: tuple[Any, ...],
    outcome: dict[tuple[Any, ...], tuple[str | None, str | None]],
    rows: dict[str, tuple[Any, ...]],
    counts: dict[str, int],
    row_of_mention: list[str | None],
    unlinkable: dict[int, str],
    alias_links: list[tuple[str, str]],
    keep: Callable[[Any], Any],
) -> None:
    got = outcome.get(raw)
    if got is None:
        reason = unlinkable_reason(m)
        if reason is None:
            key = _raw_key(m)
            values = _row_values(key)
            if values[0] not in rows:
                rows[values[0]] = (values[0], *map(keep, values[1:]))  # one copy of each repeated string
            for alias in alias_raws(key):
                other = _row_values(alias)
                if other[0] != values[0]:
                    if other[0] not in rows:
                        rows[other[0]] = (other[0], *map(keep, other[1:]))
                    alias_links.append((values[0], other[0]))
            got = (values[0], None)
        else:
            got = (None, reason)
        outcome[raw] = got
    uid, reason = got
    row_of_mention.append(uid)
    if uid is None:
        unlinkable[i] = reason or UNLINKABLE_NO_NAME
    else:
        counts[uid] = counts.get(uid, 0) + 1


def prepare(mentions: Iterable[Mapping[str, Any]], *, context: bool = True) -> Prepared:
    """Linkage rows for mentions, the mention → row mapping and the unlinkable mentions with reasons.

    `mentions` is read once, in order (a stream will do). With `context` the fields linking reads afterwards are kept
    as `Prepared.mentions`; without, only the rows are wanted (training, online matching)."""
    outcome: dict[tuple[Any, ...], tuple[str | None, str | None]] = {}  # raw key → (unique_id, reason)
    rows: dict[str, tuple[Any, ...]] = {}
    counts: dict[str, int] = {}
    row_of_mention: list[str | None] = []
    unlinkable: dict[int, str] = {}
    alias_links: list[tuple[str, str]] = []
    kept_mentions = MentionColumns()
    remember = kept_mentions.append if context else None
    keys = (*_RAW_KEYS, "role", "relationship_label")
    fast = itemgetter(*keys)
    kept: dict[str, str] = {}
    shared = kept.setdefault

    def keep(value: Any) -> Any:  # strings only: as dict keys 1 and True are one (a day of the month, a flag)
        return shared(value, value) if value.__class__ is str else value

    collecting = gc.isenabled()
    gc.disable()  # millions of small tuples: the cyclic collector would rescan them again and again
    try:
        for i, m in enumerate(mentions):
            try:
                raw = fast(m)
            except KeyError:
                raw = tuple(m.get(k) for k in keys)
            if m.get("dob_estimated") or m.get("age") is not None or m.get("other_names"):
                raw = (*raw, *_extras(m))
            _prepare_one(i, m, raw, outcome, rows, counts, row_of_mention, unlinkable, alias_links, keep)
            if remember is not None:
                remember(m)
    finally:
        if collecting:
            gc.enable()
    del outcome, kept
    ordered = sorted(rows)
    arrays = {}
    for position, (name, kind) in enumerate(PERSON_COLUMNS):  # a column at a time: never all rows' values twice
        if name == "mentions":
            arrays[name] = pa.array([counts.get(uid, 0) for uid in ordered], type=pa.int64())
        else:
            arrays[name] = pa.array([rows[uid][position] for uid in ordered], type=_ARROW_TYPES[kind])
    del rows, counts
    return Prepared(pa.table(arrays), row_of_mention, unlinkable, sorted(set(alias_links)), kept_mentions.freeze())
