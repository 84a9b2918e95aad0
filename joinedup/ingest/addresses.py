"""Normalising UK addresses as agencies write them, so that one dwelling gets one key.

Agencies write the same home in many ways: "Flat 7, Rowan Court / 49 Teasel Gardens", "7/49 Teasel Gdns",
"7 Rowan Court / 49 TEASEL GARDENS", "Flat 7 / 49 Teasel Gardens", with the postcode as "NB3 8JS", "nb38js"
or on the last address line. `address_key` reduces each to the same key; `normalise_postcode` tidies a
postcode. Neither knows the real gazetteer: a misspelt street or a wrong postcode gives a different key
(fuzzy comparison is the people app's business), and a key is only made when there is enough to
identify one dwelling.

Rules of `address_key(lines, postcode, uprn)`:

1. A UPRN wins: `"uprn:<digits without leading zeros>"`.
2. Otherwise a valid postcode is needed: the `postcode` given (or one at its end), or failing that one
   found at the end of an address line (and removed from it). No valid postcode → `""` (no key).
3. Lines are split further at commas; each part is case-folded, "&" becomes "and", apostrophes and
   full stops are dropped and other punctuation becomes a space (except "/" between numbers).
4. The **street part** is the last part that starts with a house number followed by words
   ("49 teasel gardens", "49a teasel gardens", "7/49 teasel gardens", "flat 7 49 teasel gardens").
   A bare number followed by a part that starts with a word is joined to it first ("164", "Copperfield
   Crescent" → "164 copperfield crescent"); a bare number followed by a numbered part is a flat number.
   Parts after the street part (town, county) are ignored.
5. The **flat** (unit) comes from the street part ("7/49 …", "flat 7 49 …") or from a part before it:
   "flat 7" / "apartment 7" / "unit 7" / "room 7" (with or without a building name), a bare "7", or
   "7 rowan court" (a numbered building line before the street line). Building names are ignored when
   there is a house number, because agencies often leave them out.
6. Street words are normalised: abbreviations expanded (rd→road, ave→avenue, cres→crescent,
   gdns→gardens, ct→court, ln→lane, dr→drive, gr/grv→grove, cl→close, wy→way, pl→place, sq→square,
   tce→terrace, pk→park …); "st" is "street" as the last word and "saint" elsewhere.
7. With no house number at all, the building name stands in for it: the street is the last part that
   ends in a street word (road, street, …) and the building is the part before it.
8. Numbers lose leading zeros; a letter suffix stays part of the number ("49a" is its own dwelling).

The key is `"<postcode>|<number or building>|<flat>|<street>"`, e.g. `"NB3 8JS|49|7|teasel gardens"`.
Protected addresses (refuges) never get a key: callers pass nothing for them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

_POSTCODE = re.compile(r"^(GIR0AA|[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][ABD-HJLNP-UW-Z]{2})$")
_POSTCODE_AT_END = re.compile(r"(?:^|\s)([A-Za-z]{1,2}[0-9][A-Za-z0-9]?\s*[0-9][A-Za-z]{2})\s*$")
_DROP = re.compile(r"['’.]")
_PUNCT = re.compile(r"[^\w/ ]+|_")  # keeps letters of any alphabet (Welsh ŵ, ŷ)
_SLASH_SPACES = re.compile(r"\s*/\s*")
_SPACES = re.compile(r"\s+")
_UNIT_WORDS = {"flat", "flats", "apartment", "apt", "unit", "room", "rm", "maisonette", "studio", "no", "number"}
_FLAT_PART = re.compile(r"^(?:flat|apartment|apt|unit|room|rm|maisonette|studio)\s+([0-9]+[a-z]?|[a-z])\b\s*(.*)$")
_SLASH_PART = re.compile(r"^([0-9]+[a-z]?)/([0-9]+[a-z]?)\s+([^\W\d_].*)$")
_NUMBER_PART = re.compile(r"^([0-9]+[a-z]?)\s+([^\W\d_].*)$")
_BARE_NUMBER = re.compile(r"^([0-9]+[a-z]?)$")

ABBREVIATIONS = {
    "rd": "road",
    "ave": "avenue",
    "av": "avenue",
    "avn": "avenue",
    "cres": "crescent",
    "cresc": "crescent",
    "cr": "crescent",
    "gdns": "gardens",
    "gdn": "gardens",
    "gards": "gardens",
    "ct": "court",
    "crt": "court",
    "ln": "lane",
    "dr": "drive",
    "drv": "drive",
    "gr": "grove",
    "grv": "grove",
    "cl": "close",
    "wy": "way",
    "pl": "place",
    "sq": "square",
    "tce": "terrace",
    "terr": "terrace",
    "pk": "park",
    "hse": "house",
    "twr": "tower",
    "pt": "point",
    "ldg": "lodge",
    "mt": "mount",
    "upr": "upper",
    "lwr": "lower",
    "bldgs": "buildings",
    "est": "estate",
    "hts": "heights",
    "mws": "mews",
    "cotts": "cottages",
}
STREET_WORDS = {
    "road", "street", "lane", "close", "avenue", "way", "gardens", "crescent", "drive", "grove", "court",
    "place", "square", "terrace", "park", "mount", "mews", "row", "walk", "hill", "rise", "green", "parade",
    "view", "vale", "gate", "end", "side", "wharf", "yard", "estate", "heights", "cottages", "buildings",
}  # fmt: skip


@lru_cache(maxsize=100_000)
def normalise_postcode(value: str | None) -> str:
    """A UK postcode in its standard form ("nb16hq", "NB1  6HQ" → "NB1 6HQ"); "" if it is not one."""
    if not value:
        return ""
    compact = "".join(ch for ch in value.upper() if ch.isalnum())
    if not _POSTCODE.match(compact):
        return ""
    return f"{compact[:-3]} {compact[-3:]}"


def _clean(part: str) -> str:
    text = _DROP.sub("", part.casefold().replace("&", " and "))
    text = _PUNCT.sub(" ", text)
    text = _SLASH_SPACES.sub("/", text)
    return _SPACES.sub(" ", text).strip(" /")


def _number(value: str) -> str:
    digits = value.rstrip("abcdefghijklmnopqrstuvwxyz")
    return (str(int(digits)) if digits else "") + value[len(digits) :]


def _street(words: str) -> str:
    tokens = words.replace("/", " ").split()
    out = []
    for i, word in enumerate(tokens):
        if word == "st":
            out.append("street" if i == len(tokens) - 1 and i > 0 else "saint")
        else:
            out.append(ABBREVIATIONS.get(word, word))
    return " ".join(out)


def _split_postcode(parts: list[str]) -> tuple[list[str], str]:
    """Find a postcode at the end of an address line (last lines first); return the lines without it."""
    for i in range(len(parts) - 1, -1, -1):
        found = _POSTCODE_AT_END.search(parts[i])
        if found and normalise_postcode(found.group(1)):
            rest = parts[i][: found.start(1)].strip(" ,")
            return [*parts[:i], *([rest] if rest else []), *parts[i + 1 :]], normalise_postcode(found.group(1))
    return parts, ""


def _parts(lines: Sequence[str]) -> list[str]:
    cleaned = [_clean(piece) for line in lines for piece in str(line).split(",")]
    cleaned = [c for c in cleaned if c]
    merged: list[str] = []
    i = 0
    while i < len(cleaned):
        part = cleaned[i]
        nxt = cleaned[i + 1] if i + 1 < len(cleaned) else ""
        if _BARE_NUMBER.match(part) and nxt[:1].isalpha() and not _FLAT_PART.match(nxt):
            merged.append(f"{part} {nxt}")
            i += 2
            continue
        merged.append(part)
        i += 1
    return merged


def _unit_from(part: str) -> tuple[str, str]:
    """The flat number a part before the street line gives, and any building name left in it."""
    m = _FLAT_PART.match(part)
    if m:
        return _number(m.group(1)), m.group(2)
    m = _BARE_NUMBER.match(part)
    if m:
        return _number(m.group(1)), ""
    m = _NUMBER_PART.match(part)
    if m:
        return _number(m.group(1)), m.group(2)
    return "", part


def _street_part(part: str) -> tuple[str, str, str] | None:
    """(flat, number, street words) when a part is a numbered street line, else None."""
    unit = ""
    m = _FLAT_PART.match(part)
    if m and _NUMBER_PART.match(m.group(2)):
        unit, part = _number(m.group(1)), m.group(2)
    m = _SLASH_PART.match(part)
    if m:
        return _number(m.group(1)), _number(m.group(2)), m.group(3)
    m = _NUMBER_PART.match(part)
    if m and m.group(2).split()[0] not in _UNIT_WORDS:
        return unit, _number(m.group(1)), m.group(2)
    return None


@lru_cache(maxsize=200_000)
def _key(lines: tuple[str, ...], postcode: str, uprn: str) -> str:
    digits = uprn.strip()
    if digits.isdigit():
        return f"uprn:{int(digits)}"
    parts = _parts(lines)
    pc = normalise_postcode(postcode) or _split_postcode([postcode])[1]
    parts, found = _split_postcode(parts)
    pc = pc or found
    if not pc:
        return ""
    for i in range(len(parts) - 1, -1, -1):
        street = _street_part(parts[i])
        if street is None:
            continue
        unit, number, words = street
        for before in parts[:i]:
            unit = unit or _unit_from(before)[0]
        return f"{pc}|{number}|{unit}|{_street(words)}"
    # No house number: a building name on a named street.
    for i in range(len(parts) - 1, -1, -1):
        words = _street(parts[i])
        if words and words.split()[-1] in STREET_WORDS and not _FLAT_PART.match(parts[i]):
            unit, building = "", ""
            for before in parts[:i]:
                u, b = _unit_from(before)
                unit, building = unit or u, b or building
            return f"{pc}|{_street(building)}|{unit}|{words}"
    return ""


def address_key(lines: Sequence[str] | None, postcode: str | None, uprn: str | None) -> str:
    """The normalised identity of the dwelling an address names (see the module docstring); "" if none."""
    return _key(tuple(lines or ()), postcode or "", uprn or "")
