"""API rate limits written as "600/min" (`JOINEDUP_API_RATE`): parsed and put in words. No models here: the settings
check the value when they load (`joinedup.api.throttling` applies it)."""

from __future__ import annotations

import re

RATE = re.compile(r"^\s*(?P<n>\d+)\s*/\s*(?P<period>s|sec|second|m|min|minute|h|hour|d|day)\s*$")
PERIODS = {"s": (1, "a second"), "m": (60, "a minute"), "h": (3600, "an hour"), "d": (86400, "a day")}
OFF = ("", "off", "none", "0")


def parse_rate(rate: str | None) -> tuple[int, int] | None:
    """(requests, window in seconds) for "600/min"; None for no limit ("off"). A bad value is refused by name."""
    if rate is None or rate.strip().lower() in OFF:
        return None
    found = RATE.match(rate)
    if found is None or int(found["n"]) < 1:
        raise ValueError(f"JOINEDUP_API_RATE: {rate!r} is not a rate such as '600/min' (a whole number of requests "
                         "at least 1, then /s, /min, /hour or /day), or 'off'")
    return int(found["n"]), PERIODS[found["period"][0]][0]


def describe(rate: str | None) -> str:
    """The limit in words: "600 requests a minute"."""
    parsed = parse_rate(rate)
    if parsed is None:
        return "no limit"
    n, seconds = parsed
    words = next(text for length, text in PERIODS.values() if length == seconds)
    return f"{n} request{'s' if n != 1 else ''} {words}"
