"""Unique pupil numbers as the DfE checks them (CIN rule 1510): a check letter, then 12 characters (3 digits of
the LA number, 8 digits, a digit or a letter)."""

from __future__ import annotations

import re

LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"
_SHAPE = re.compile(r"^[A-HJ-NP-RT-Z][0-9]{11}[0-9A-HJ-NP-RT-Z]$")
_VALUE = {c: i for i, c in enumerate(LETTERS)}


def check_letter(rest: str) -> str:
    """The check letter of the 12 characters after it."""
    total = 0
    for i, ch in enumerate(rest):
        value = int(ch) if ch.isdigit() else _VALUE[ch]
        total += value * (i + 2)
    return LETTERS[total % 23]


def upn_valid(upn: str) -> bool:
    """Shaped like a UPN, with the right check letter."""
    return bool(_SHAPE.match(upn or "")) and check_letter(upn[1:]) == upn[0]
