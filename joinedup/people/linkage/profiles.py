"""Comparisons and blocking rules, each written once as SQL (for Splink) and once as Python (for the scorer).

A *profile* is everything that defines a linkage model apart from its trained parameters: the columns of
a linkage row, the comparisons with their levels, the blocking rules that generate candidate pairs, and
the blocking rules EM trains on. Each comparison level carries its SQL condition (columns suffixed `_l`
and `_r`, functions that DuckDB and Spark SQL both have: `levenshtein`, `substr`, `length`, `abs`) and a
Python predicate with the same meaning, including SQL's treatment of NULL (a comparison with NULL is
never true). `online.Scorer` evaluates the Python side; tests prove it equals Splink's predictions.

Every blocking rule is an equi-join on a tuple of columns plus `l.src_key <> r.src_key` (rows from one
agency-held identity, or for FEBRL from one file, are never compared), so the same rule can also be
written as a string key per row — `online.blocking_keys` — that a database index can hold.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from rapidfuzz.distance import Levenshtein

Row = Mapping[str, Any]
Test = Callable[[Row, Row], bool]

AGREE, CLOSE, DISAGREE, MISSING = "agree", "close", "disagree", "missing"


@dataclass(frozen=True)
class Level:
    """One comparison level: label, SQL condition, the same condition in Python, and how to summarise it."""

    label: str
    sql: str
    test: Test
    summary: str


@dataclass(frozen=True)
class Comparison:
    """A comparison: levels in order, the first the null level, the last the else level."""

    name: str
    description: str
    levels: tuple[Level, ...]

    def gamma(self, a: Row, b: Row) -> int:
        """The comparison vector value Splink gives this pair: -1 null, then highest level first."""
        if self.levels[0].test(a, b):
            return -1
        n = len(self.levels) - 1
        for i, level in enumerate(self.levels[1:]):
            if level.test(a, b):
                return n - 1 - i
        raise AssertionError("the else level always matches")  # pragma: no cover

    def level_for_gamma(self, gamma: int) -> Level:
        """The level a comparison vector value stands for."""
        if gamma == -1:
            return self.levels[0]
        return self.levels[len(self.levels) - 1 - gamma]

    def as_splink(self) -> dict[str, Any]:
        """The comparison as a Splink settings dictionary entry (without m and u)."""
        levels: list[dict[str, Any]] = [
            {"sql_condition": self.levels[0].sql, "label_for_charts": self.levels[0].label, "is_null_level": True}
        ]
        levels += [{"sql_condition": lv.sql, "label_for_charts": lv.label} for lv in self.levels[1:]]
        return {
            "output_column_name": self.name,
            "comparison_description": self.description,
            "comparison_levels": levels,
        }


@dataclass(frozen=True)
class BlockingRule:
    """An equi-join on columns (pairs from the same `src_key` excluded); also a string key per row."""

    name: str
    columns: tuple[str, ...]

    def sql(self) -> str:
        """The rule as Splink SQL."""
        return " AND ".join([*(f"l.{c} = r.{c}" for c in self.columns), "l.src_key <> r.src_key"])

    def key(self, row: Row) -> str | None:
        """The row's key under this rule, or None when a column is missing (no pair found by it)."""
        values = []
        for c in self.columns:
            v = row.get(c)
            if v is None:
                return None
            values.append(str(v))
        return f"{self.name}:" + "|".join(values)


@dataclass(frozen=True)
class Profile:
    """Columns, comparisons, prediction blocking rules and EM training rules of one kind of linkage."""

    name: str
    columns: tuple[tuple[str, str], ...]  # (column, arrow type name: "string" | "int32" | "bool" | "int64")
    comparisons: tuple[Comparison, ...]
    blocking_rules: tuple[BlockingRule, ...]
    training_rules: tuple[BlockingRule, ...]
    deterministic_rules: tuple[str, ...]
    deterministic_recall: float


# --- helpers for Python predicates (NULL-safe, like SQL) ---------------------------------------------------


def _null(*cols: str) -> Test:
    return lambda a, b: any(a.get(c) is None or b.get(c) is None for c in cols)


def _eq(col: str, col_r: str | None = None) -> Test:
    other = col_r or col
    return lambda a, b: a.get(col) is not None and a.get(col) == b.get(other)


def _any_eq(cols: tuple[str, ...]) -> Test:
    def test(a: Row, b: Row) -> bool:
        for x in cols:
            for y in cols:
                va, vb = a.get(x), b.get(y)
                if va is not None and va == vb:
                    return True
        return False

    return test


def _any_eq_sql(cols: tuple[str, ...]) -> str:
    return "(" + " OR ".join(f"{x}_l = {y}_r" for x in cols for y in cols) + ")"


def _lev(col: str, n: int, min_len: int = 0) -> Test:
    def test(a: Row, b: Row) -> bool:
        va, vb = a.get(col), b.get(col)
        if va is None or vb is None:
            return False
        if min_len and (len(va) < min_len or len(vb) < min_len):
            return False
        return Levenshtein.distance(va, vb) <= n

    return test


def _lev_sql(col: str, n: int, min_len: int = 0) -> str:
    cond = f"levenshtein({col}_l, {col}_r) <= {n}"
    if min_len:
        cond += f" AND length({col}_l) >= {min_len} AND length({col}_r) >= {min_len}"
    return cond


def _always(a: Row, b: Row) -> bool:
    return True


def else_level() -> Level:
    """The last level of every comparison."""
    return Level("All other comparisons", "ELSE", _always, DISAGREE)


def null_level(*cols: str) -> Level:
    """The first level of every comparison: any of the columns missing on either side."""
    return Level("Null", " OR ".join(f"{c}_l IS NULL OR {c}_r IS NULL" for c in cols), _null(*cols), MISSING)


def exact_level(col: str, label: str = "Exact match") -> Level:
    """Equal values."""
    return Level(label, f"{col}_l = {col}_r", _eq(col), AGREE)


def lev_level(col: str, n: int, min_len: int = 0) -> Level:
    """Levenshtein distance at most n (both values at least min_len characters long)."""
    suffix = f" (both {min_len}+ letters)" if min_len else ""
    return Level(f"Levenshtein <= {n}{suffix}", _lev_sql(col, n, min_len), _lev(col, n, min_len), CLOSE)


# --- dates of birth -------------------------------------------------------------------------------------------


def _dob_swap(a: Row, b: Row) -> bool:
    return a["dob_y"] == b["dob_y"] and a["dob_m"] == b["dob_d"] and a["dob_d"] == b["dob_m"]


def _dob_year1(a: Row, b: Row) -> bool:
    return a["dob_m"] == b["dob_m"] and a["dob_d"] == b["dob_d"] and abs(a["dob_y"] - b["dob_y"]) == 1


def _dob_one_part(a: Row, b: Row) -> bool:
    return a["dob_y"] == b["dob_y"] and (a["dob_m"] == b["dob_m"] or a["dob_d"] == b["dob_d"])


def dob_levels() -> tuple[Level, ...]:
    """Date of birth: exact, day and month swapped, a year out, one of day or month different, else."""
    return (
        null_level("dob"),
        exact_level("dob"),
        Level(
            "Day and month swapped",
            "dob_y_l = dob_y_r AND dob_m_l = dob_d_r AND dob_d_l = dob_m_r",
            _dob_swap,
            CLOSE,
        ),
        Level(
            "Year one out",
            "dob_m_l = dob_m_r AND dob_d_l = dob_d_r AND abs(dob_y_l - dob_y_r) = 1",
            _dob_year1,
            CLOSE,
        ),
        Level(
            "Same year, day or month differs",
            "dob_y_l = dob_y_r AND (dob_m_l = dob_m_r OR dob_d_l = dob_d_r)",
            _dob_one_part,
            CLOSE,
        ),
        else_level(),
    )


def dob_compatible(a: Row, b: Row) -> bool:
    """Whether two dates of birth could be one person's (equal, swapped, a year out, or one part different)."""
    if a.get("dob") is None or b.get("dob") is None:
        return True
    return a["dob"] == b["dob"] or _dob_swap(a, b) or _dob_year1(a, b) or _dob_one_part(a, b)


# --- the person profile (agency mentions) ---------------------------------------------------------------------


def _nhs_close(a: Row, b: Row) -> bool:
    return Levenshtein.distance(a["nhs"][:9], b["nhs"][:9]) <= 2


FAMILY_PARTS = ("family", "family_p1", "family_p2")

PERSON_COMPARISONS: tuple[Comparison, ...] = (
    Comparison(
        "given_name",
        "Given name (first name, folded; 'Baby' and the like count as missing)",
        (
            null_level("given"),
            exact_level("given"),
            Level(
                "Nickname or spelling variant",
                _any_eq_sql(("given_c1", "given_c2")),
                _any_eq(("given_c1", "given_c2")),
                CLOSE,
            ),
            Level("Sounds alike (metaphone)", "given_mp_l = given_mp_r", _eq("given_mp"), CLOSE),
            lev_level("given", 1),
            lev_level("given", 2, min_len=5),
            else_level(),
        ),
    ),
    Comparison(
        "family_name",
        "Family name (folded, spaces and hyphens removed)",
        (
            null_level("family"),
            exact_level("family"),
            Level("Spelling variant", "family_c_l = family_c_r", _eq("family_c"), CLOSE),
            Level("Sounds alike (metaphone)", "family_mp_l = family_mp_r", _eq("family_mp"), CLOSE),
            lev_level("family", 1),
            lev_level("family", 2, min_len=5),
            Level("Shares a part of a double-barrelled name", _any_eq_sql(FAMILY_PARTS), _any_eq(FAMILY_PARTS), CLOSE),
            else_level(),
        ),
    ),
    Comparison("dob", "Date of birth", dob_levels()),
    Comparison("sex", "Sex (unknown counts as missing)", (null_level("sex"), exact_level("sex"), else_level())),
    Comparison(
        "nhs_number",
        "NHS number (only numbers with a valid check digit)",
        (
            null_level("nhs"),
            exact_level("nhs"),
            Level(
                "One digit mistyped or two swapped",
                "levenshtein(substr(nhs_l, 1, 9), substr(nhs_r, 1, 9)) <= 2",
                _nhs_close,
                CLOSE,
            ),
            else_level(),
        ),
    ),
    Comparison("upn", "Unique pupil number (valid check letter)", (null_level("upn"), exact_level("upn"), else_level())),
    Comparison(
        "postcode",
        "Postcode (people move, so a different postcode is weak evidence)",
        (
            null_level("pc_district"),
            exact_level("postcode"),
            Level("Same sector", "pc_sector_l = pc_sector_r", _eq("pc_sector"), CLOSE),
            Level("Same district", "pc_district_l = pc_district_r", _eq("pc_district"), CLOSE),
            else_level(),
        ),
    ),
)

PERSON_COLUMNS: tuple[tuple[str, str], ...] = (
    ("unique_id", "string"),
    ("src_key", "string"),
    ("source_identity", "string"),
    ("agency", "string"),
    ("given", "string"),
    ("given_placeholder", "bool"),
    ("given_mp", "string"),
    ("given_c1", "string"),
    ("given_c2", "string"),
    ("family", "string"),
    ("family_mp", "string"),
    ("family_c", "string"),
    ("family_p1", "string"),
    ("family_p2", "string"),
    ("dob", "string"),
    ("dob_y", "int32"),
    ("dob_m", "int32"),
    ("dob_d", "int32"),
    ("sex", "string"),
    ("nhs", "string"),
    ("upn", "string"),
    ("postcode", "string"),
    ("pc_sector", "string"),
    ("pc_district", "string"),
    ("dob_lo", "int32"),  # an estimated date of birth or an age: the years it could be in (dob is then null)
    ("dob_hi", "int32"),
    ("mentions", "int64"),
)

PERSON = Profile(
    name="person",
    columns=PERSON_COLUMNS,
    comparisons=PERSON_COMPARISONS,
    blocking_rules=(
        BlockingRule("nhs", ("nhs",)),
        BlockingRule("upn", ("upn",)),
        BlockingRule("dob_family", ("dob", "family_mp")),
        BlockingRule("dob_given", ("dob", "given_mp")),
        BlockingRule("names_year", ("given_mp", "family_mp", "dob_y")),
        BlockingRule("postcode_family", ("postcode", "family_mp")),
        BlockingRule("postcode_given", ("postcode", "given_mp")),
        BlockingRule("postcode_dob", ("postcode", "dob")),
    ),
    training_rules=(BlockingRule("nhs", ("nhs",)), BlockingRule("dob_family", ("dob", "family_mp"))),
    deterministic_rules=(
        "l.nhs = r.nhs AND l.src_key <> r.src_key",
        "l.dob = r.dob AND l.given = r.given AND l.family = r.family AND l.src_key <> r.src_key",
    ),
    deterministic_recall=0.8,
)
