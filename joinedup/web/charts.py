"""Pictures drawn on the server as inline SVG: no scripts, so they work under the content security policy.

Each chart comes with the table it summarises on the same page, so nothing is only in the picture.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

# Colour-blind-safe palette (GOV.UK colours), one per address.
PALETTE = ("#1d70b8", "#f47738", "#00703c", "#912b88", "#d4351c", "#505a5f", "#28a197", "#6f72af")
WARNING = "#d4351c"


@dataclass
class Bar:
    x: float
    width: float
    fill: str
    title: str


@dataclass
class Row:
    label: str
    y: float
    warn: bool
    bars: list[Bar] = field(default_factory=list)


@dataclass
class Chart:
    width: int
    height: int
    label_width: int
    rows: list[Row]
    ticks: list[tuple[float, str]]
    legend: list[tuple[str, str]]
    title: str


def household_timeline(person, spells, *, width: int = 960, row_height: int = 26, label_width: int = 230) -> Chart | None:
    """Who was seen at the person's addresses and when: one row per person, one colour per address."""
    if not spells:
        return None
    colour_of = {}
    for spell in sorted(spells, key=lambda s: s.episode.first_seen_on):
        colour_of.setdefault(spell.episode.address_key, PALETTE[len(colour_of) % len(PALETTE)])
    entries: dict[str, tuple[str, bool, list]] = {}
    own = entries.setdefault("self", (f"{person.display_name} (this person)", False, []))
    for spell in spells:
        ep = spell.episode
        own[2].append((ep.first_seen_on, ep.last_seen_on, ep.address_key, "seen here"))
        for mate in spell.housemates:
            key = str(mate.person.pk) if mate.person else f"{mate.label}-{mate.first_seen_on}"
            label = mate.label + (" – not in CSC household record" if mate.unknown_to_csc_household else "")
            entry = entries.setdefault(key, (label, mate.unknown_to_csc_household, []))
            entry[2].append((mate.first_seen_on, mate.last_seen_on, ep.address_key, ", ".join(mate.agency_names)))
    start = min(b[0] for _, _, bars in entries.values() for b in bars)
    end = max(b[1] for _, _, bars in entries.values() for b in bars)
    start, end = dt.date(start.year, 1, 1), dt.date(end.year + 1, 1, 1)
    span = (end - start).days
    plot = width - label_width - 10

    def x_of(day: dt.date) -> float:
        return label_width + plot * (day - start).days / span

    rows = []
    for i, (label, warn, bars) in enumerate(entries.values()):
        row = Row(label=label[:48], y=30 + i * row_height, warn=warn)
        for first, last, key, who in bars:
            x = x_of(first)
            row.bars.append(Bar(
                x=round(x, 1), width=round(max(x_of(last + dt.timedelta(days=1)) - x, 3), 1),
                fill=colour_of.get(key, PALETTE[0]),
                title=f"{label}: {first:%d %b %Y} to {last:%d %b %Y} ({who})",
            ))
        rows.append(row)
    ticks = [(round(x_of(dt.date(y, 1, 1)), 1), str(y)) for y in range(start.year, end.year + 1)]
    legend = []
    for spell in spells:
        key = spell.episode.address_key
        text = ", ".join([*spell.episode.address_lines[:2], spell.episode.postcode]).strip(", ")
        if (colour_of[key], text) not in legend:
            legend.append((colour_of[key], text))
    return Chart(
        width=width, height=40 + len(rows) * row_height, label_width=label_width, rows=rows, ticks=ticks,
        legend=legend, title=f"Who was seen at {person.display_name}'s addresses, and when",
    )
