"""Residence episodes: where each person was seen living, and when, from every agency's records.

A sighting is one mention that carries an address (normalised to an address key by the ingest app:
UPRN where an agency gives one, otherwise postcode plus flat and house number and street). A person's
sightings at one address form one episode from the first to the last sighting, split where nobody saw
them there for longer than `GAP_DAYS`. People go on living somewhere between sightings, so each episode
also has a `presumed_until`: the day the person was next seen at another address (or the last sighting
plus `GAP_DAYS`, whichever is sooner, and never before the last sighting). Co-residence uses that span,
so an adult seen once by police in June counts as living with a child last seen there by a school in
March who was not seen anywhere else since. Episodes at different addresses may overlap: agencies learn of
moves at different times (a GP keeps the old address for months), and the screens show which agency
saw what rather than guessing which is right. Protected addresses (refuges) never form episodes.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

GAP_DAYS = 548  # about 18 months without a sighting ends an episode
CO_RESIDENCE_MARGIN_DAYS = 31  # two episodes at one address this close in time count as living together


@dataclass(frozen=True)
class Sighting:
    """One mention that placed a person at an address on a day."""

    person_id: object
    address_key: str
    seen_on: dt.date
    agency_code: str
    postcode: str = ""
    address_lines: tuple[str, ...] = ()


@dataclass
class Episode:
    """A person's spell at one address as the agencies saw it."""

    person_id: object
    address_key: str
    first_seen_on: dt.date
    last_seen_on: dt.date
    postcode: str = ""
    address_lines: list[str] = field(default_factory=list)
    agency_codes: set[str] = field(default_factory=set)
    sightings: int = 0
    presumed_until: dt.date | None = None

    def overlaps(self, other: Episode, margin_days: int = CO_RESIDENCE_MARGIN_DAYS) -> bool:
        margin = dt.timedelta(days=margin_days)
        mine, theirs = self.presumed_until or self.last_seen_on, other.presumed_until or other.last_seen_on
        return self.first_seen_on - margin <= theirs and other.first_seen_on - margin <= mine


def build_episodes(sightings: Iterable[Sighting], gap_days: int = GAP_DAYS) -> list[Episode]:
    """Group sightings into episodes per (person, address), split at gaps longer than `gap_days`."""
    by_place: dict[tuple[object, str], list[Sighting]] = defaultdict(list)
    for s in sightings:
        if s.address_key:
            by_place[(s.person_id, s.address_key)].append(s)
    episodes: list[Episode] = []
    gap = dt.timedelta(days=gap_days)
    for (person_id, key), group in by_place.items():
        group.sort(key=lambda s: (s.seen_on, s.agency_code))
        current: Episode | None = None
        for s in group:
            if current is None or s.seen_on - current.last_seen_on > gap:
                current = Episode(person_id, key, s.seen_on, s.seen_on, s.postcode, list(s.address_lines))
                episodes.append(current)
            current.last_seen_on = s.seen_on
            current.agency_codes.add(s.agency_code)
            current.sightings += 1
            if not current.address_lines and s.address_lines:
                current.address_lines = list(s.address_lines)
            if not current.postcode and s.postcode:
                current.postcode = s.postcode
    episodes.sort(key=lambda e: (str(e.person_id), e.first_seen_on, e.address_key))
    _presume(episodes, gap)
    return episodes


def _presume(episodes: list[Episode], gap: dt.timedelta) -> None:
    """Set each episode's presumed end: next seen elsewhere, or the last sighting plus the gap."""
    for i, ep in enumerate(episodes):
        until = ep.last_seen_on + gap
        for later in episodes[i + 1:]:
            if later.person_id != ep.person_id:
                break
            if later.address_key != ep.address_key and later.first_seen_on > ep.first_seen_on:
                until = min(until, later.first_seen_on)
                break
        ep.presumed_until = max(until, ep.last_seen_on)


def canonical_address_keys(counts: dict[str, int], same: Iterable[tuple[str, str]] = ()) -> dict[str, str]:
    """Fold address keys that are one dwelling written with a slip: key → the most used spelling.

    Exact address keys split one home when an agency mistypes a postcode ("NB5 9QN" for "NB5 9QQ") or a
    street ("Hazel Ccescent"). Two keys are folded when they share house number, flat and street and
    their postcodes differ by one character within the same postcode district, or when they share
    postcode, house number and flat and their streets differ by at most two edits (and are at least
    six letters long). UPRN keys are never folded by spelling; `same` lists pairs known to be one
    dwelling (a UPRN key and the address written beside that UPRN).
    """
    from rapidfuzz.distance import Levenshtein

    parent = {k: k for k in counts}

    def find(k: str) -> str:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    def union(a: str, b: str) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    parsed = {}
    for key in counts:
        parts = key.split("|")
        if len(parts) == 4 and not key.startswith("uprn:"):
            parsed[key] = parts
    by_place: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    by_postcode: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for key, (postcode, number, flat, street) in parsed.items():
        by_place[(number, flat, street)].append(key)
        by_postcode[(postcode, number, flat)].append(key)
    for keys in by_place.values():
        for i, a in enumerate(keys):
            for b in keys[i + 1:]:
                pa, pb = parsed[a][0], parsed[b][0]
                if pa.split(" ")[0] == pb.split(" ")[0] and Levenshtein.distance(pa, pb) <= 1:
                    union(a, b)
    for keys in by_postcode.values():
        for i, a in enumerate(keys):
            for b in keys[i + 1:]:
                sa, sb = parsed[a][3], parsed[b][3]
                if min(len(sa), len(sb)) >= 6 and Levenshtein.distance(sa, sb) <= 2:
                    union(a, b)
    for a, b in same:
        if a in parent and b in parent:
            union(a, b)
    groups: dict[str, list[str]] = defaultdict(list)
    for key in counts:
        groups[find(key)].append(key)
    result = {}
    for members in groups.values():
        best = sorted(members, key=lambda k: (-counts[k], k))[0]
        for k in members:
            result[k] = best
    return result
