"""Synthetic identifiers: NHS numbers from the 999 test range (mod 11) and UPNs with LA number 318.

The DfE's validators accept a UPN only with a real LA number in characters 2–4, so the simulated authority's UPNs
carry the LA number the demo borrows (`LA_NUMBER`, Richmond upon Thames, as the development settings'
JOINEDUP_LA_NUMBER); the rest of each UPN is random, with a correct check letter."""

from __future__ import annotations

import random

UPN_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"
LA_NUMBER = "318"  # the DfE LA number the simulated authority borrows (UPNs, previous permanence)


def nhs_check_digit(first9: str) -> int | None:
    """The NHS number modulus-11 check digit of nine digits (None when no valid number can end them). The
    simulator's own copy of the published rule: it imports nothing from the product's linkage (issue 16)."""
    check = 11 - sum(int(d) * (10 - i) for i, d in enumerate(first9)) % 11
    return 0 if check == 11 else None if check == 10 else check


def nhs_valid(number: str) -> bool:
    """Whether a string is a 10-digit NHS number with a correct check digit."""
    if len(number) != 10 or not number.isdigit():
        return False
    return nhs_check_digit(number[:9]) == int(number[9])


def new_nhs(rng: random.Random) -> str:
    """A fresh NHS number in the 999 test range with a valid check digit."""
    while True:
        first9 = "999" + "".join(rng.choice("0123456789") for _ in range(6))
        check = nhs_check_digit(first9)
        if check is not None:
            return first9 + str(check)


def mistype_nhs(rng: random.Random, number: str) -> str:
    """Another valid NHS number one or two keystrokes away, as when a digit is mistyped then re-checked."""
    for _ in range(50):
        digits = list(number[:9])
        i = rng.randrange(3, 9)
        if rng.random() < 0.5 and i < 8:
            digits[i], digits[i + 1] = digits[i + 1], digits[i]
        else:
            digits[i] = rng.choice("0123456789")
        first9 = "".join(digits)
        check = nhs_check_digit(first9)
        if check is not None and first9 + str(check) != number:
            return first9 + str(check)
    return new_nhs(rng)


def upn_check_letter(body12: str) -> str:
    """The DfE check letter for the 12 characters after it (weights 2..13, mod 23)."""
    total = sum(int(c) * w for c, w in zip(body12, range(2, 14), strict=True))
    return UPN_LETTERS[total % 23]


def upn_valid(upn: str) -> bool:
    """Whether a UPN has 13 characters, digits after the first and a correct check letter."""
    return len(upn) == 13 and upn[1:].isdigit() and upn[0] == upn_check_letter(upn[1:])


def new_upn(rng: random.Random, establishment: int, year_allocated: int) -> str:
    """A UPN: check letter, LA number, establishment, year, serial."""
    body = f"{LA_NUMBER}{establishment % 10000:04d}{year_allocated % 100:02d}{rng.randrange(1000):03d}"
    return upn_check_letter(body) + body
