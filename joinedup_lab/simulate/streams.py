"""Deterministic random streams and day arithmetic shared by the simulator."""

from __future__ import annotations

import hashlib
import math
import random
from datetime import date


def derive_seed(seed: int, *parts: object) -> int:
    """A stable 64-bit seed for one named stream (never Python's salted hash())."""
    text = ":".join([str(seed), *(str(p) for p in parts)])
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")


def stream(seed: int, *parts: object) -> random.Random:
    """A random.Random for one named stream, e.g. one household."""
    return random.Random(derive_seed(seed, *parts))


def poisson(rng: random.Random, lam: float) -> int:
    """A Poisson count with mean lam (Knuth for small means, normal approximation above 30)."""
    if lam <= 0:
        return 0
    if lam > 30:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit = math.exp(-lam)
    k = 0
    p = rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def iso(day: int) -> str:
    """An ordinal day as an ISO date string."""
    return date.fromordinal(day).isoformat()


def iso_dt(day: int, minute: int) -> str:
    """An ordinal day plus minutes after midnight as an ISO UTC timestamp."""
    minute = max(0, min(minute, 1439))
    return f"{date.fromordinal(day).isoformat()}T{minute // 60:02d}:{minute % 60:02d}:00Z"


def add_years(day: int, years: int) -> int:
    """The same calendar day some years later (29 February falls back to 28)."""
    d = date.fromordinal(day)
    try:
        return d.replace(year=d.year + years).toordinal()
    except ValueError:
        return d.replace(year=d.year + years, day=28).toordinal()


def age_on(dob: int, day: int) -> int:
    """Whole years of age on a day."""
    b, d = date.fromordinal(dob), date.fromordinal(day)
    return d.year - b.year - ((d.month, d.day) < (b.month, b.day))
