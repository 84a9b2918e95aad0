"""Cleaning rules for identifying attributes: names, dates of birth, NHS numbers, UPNs, postcodes.

Every function is pure and cached where the input space is small (names, postcodes), so preparing a
million mentions costs little more than a dictionary look-up per field.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from functools import lru_cache

import jellyfish
from anyascii import anyascii

from .nicknames import FAMILY_CANONICAL, GIVEN_CANONICAL, canonical_forms

# Given names that say "not named yet" rather than name anyone.
PLACEHOLDER_GIVEN = frozenset(
    {
        "baby",
        "babyboy",
        "babygirl",
        "unborn",
        "infant",
        "newborn",
        "neonate",
        "boy",
        "girl",
        "twin",
        "child",
        "unknown",
        "unnamed",
        "notknown",
        "nk",
        "bb",
    }
)
PLACEHOLDER_FAMILY = frozenset({"unknown", "notknown", "nk", "unk", "none", "na", "xxx", "zzz"})
_NOT_LETTERS = re.compile(r"[^a-z ]+")
_SPACES = re.compile(r"\s+")
_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][A-Z]{2})$")
_OUTWARD = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?$")
UPN_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"


_APOSTROPHES = str.maketrans(dict.fromkeys("'’‘ʼʻ`´", None))


@lru_cache(maxsize=200_000)
def fold(text: str | None) -> str:
    """Lower case, accents removed, anything but letters and single spaces dropped (hyphens become spaces). A name in
    another script is romanised first (anyascii: "Ткаченко" → "tkachenko", "王" → "wang", "Łukasz" → "lukasz"), so
    that every engine compares the same letters a-z (DuckDB's string distances count bytes, not characters)."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text)
    folded = "".join(c for c in decomposed if not unicodedata.combining(c))
    folded = folded.replace("-", " ").translate(_APOSTROPHES)
    if not folded.isascii():
        folded = " ".join(anyascii(word) for word in folded.split())
    return _SPACES.sub(" ", _NOT_LETTERS.sub(" ", folded.lower())).strip()


@lru_cache(maxsize=100_000)
def clean_given(raw: str | None) -> tuple[str | None, bool]:
    """(first given name folded, placeholder?) — "Baby", "Unborn", "Infant", "Baby Boy 2" give (None, True)."""
    folded = fold(raw)
    if not folded:
        return None, False
    tokens = folded.split(" ")
    if "".join(tokens) in PLACEHOLDER_GIVEN or all(t in PLACEHOLDER_GIVEN for t in tokens):
        return None, True
    if tokens[0] in ("baby", "unborn", "infant", "newborn", "twin"):  # "Baby A", "Baby of Smith", "Twin 1"
        return None, True
    return tokens[0], False


@lru_cache(maxsize=100_000)
def clean_family(raw: str | None) -> tuple[str | None, str | None, str | None]:
    """(family name folded with spaces removed, first part, last part) — parts only for double-barrelled names."""
    folded = fold(raw)
    if not folded or folded.replace(" ", "") in PLACEHOLDER_FAMILY:
        return None, None, None
    tokens = folded.split(" ")
    joined = "".join(tokens)
    if len(tokens) > 1:
        return joined, tokens[0], tokens[-1]
    return joined, None, None


@lru_cache(maxsize=200_000)
def phonetic(name: str | None) -> str | None:
    """A phonetic key (metaphone) for a folded name; names of one letter are their own key."""
    if not name:
        return None
    key = jellyfish.metaphone(name)
    return key or name


@lru_cache(maxsize=100_000)
def given_canonical(name: str | None) -> tuple[str | None, str | None]:
    """Up to two canonical forms of a folded given name (nickname and spelling table; else the name)."""
    if not name:
        return None, None
    forms = canonical_forms(name, GIVEN_CANONICAL)
    return forms[0], forms[1] if len(forms) > 1 else None


@lru_cache(maxsize=100_000)
def family_canonical(name: str | None) -> str | None:
    """The canonical spelling of a folded family name (Thomson → thompson; else the name)."""
    if not name:
        return None
    return canonical_forms(name, FAMILY_CANONICAL)[0]


def nhs_check_digit(first9: str) -> int | None:
    """The NHS number modulus-11 check digit for nine digits, or None when no valid number can end them."""
    total = sum(int(d) * w for d, w in zip(first9, range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        return 0
    if check == 10:
        return None
    return check


@lru_cache(maxsize=500_000)
def clean_nhs(raw: str | None) -> str | None:
    """Ten digits with a valid modulus-11 check digit (spaces and dashes ignored), else None."""
    if not raw:
        return None
    digits = "".join(c for c in str(raw) if c.isdigit())
    if len(digits) != 10 or len(set(digits)) == 1:
        return None
    if nhs_check_digit(digits[:9]) != int(digits[9]):
        return None
    return digits


@lru_cache(maxsize=500_000)
def clean_upn(raw: str | None) -> str | None:
    """A unique pupil number with a valid DfE check letter (upper-cased, spaces removed), else None."""
    if not raw:
        return None
    upn = str(raw).replace(" ", "").upper()
    if len(upn) != 13 or not upn[1:].isdigit():
        return None
    total = sum(int(c) * w for c, w in zip(upn[1:], range(2, 14), strict=True))
    if upn[0] != UPN_LETTERS[total % 23]:
        return None
    return upn


@lru_cache(maxsize=200_000)
def clean_postcode(raw: str | None) -> tuple[str | None, str | None, str | None]:
    """(full postcode "NB1 2AB", sector "NB1 2", outward code "NB1"); a lone outward code gives (None, None, NB1)."""
    if not raw:
        return None, None, None
    compact = "".join(c for c in str(raw).upper() if c.isalnum())
    m = _POSTCODE.match(compact)
    if m:
        outward, inward = m.group(1), m.group(2)
        return f"{outward} {inward}", f"{outward} {inward[0]}", outward
    if _OUTWARD.match(compact):
        return None, None, compact
    return None, None, None


@lru_cache(maxsize=200_000)
def clean_dob(raw: object) -> date | None:
    """A date of birth from a date or an ISO string (time part ignored); None when absent or not a date."""
    if raw is None or raw == "":
        return None
    if isinstance(raw, date):
        return raw
    text = str(raw).strip()[:10]
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def clean_sex(raw: str | None) -> str | None:
    """"female", "male" or None (unknown, not stated or anything else)."""
    if not raw:
        return None
    s = str(raw).strip().lower()
    if s in ("f", "female", "woman", "girl"):
        return "female"
    if s in ("m", "male", "man", "boy"):
        return "male"
    return None


def clear_caches() -> None:
    """Empty the caches of the cleaning functions (a batch run's millions of names, numbers and postcodes fill them to
    hundreds of megabytes; they refill as needed)."""
    for value in list(globals().values()):
        if callable(getattr(value, "cache_clear", None)):
            value.cache_clear()
