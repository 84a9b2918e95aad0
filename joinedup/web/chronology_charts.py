"""The chronology's timeline picture, drawn on the server as inline SVG (no scripts, no CDN, no inline styles).

One swimlane per agency over time. Injuries, hospital attendances and concerns are distinct shapes (a
legend names them; colour is never the only cue), each a link to its entry in the list on the same page
(reachable with Tab); other contacts are thin ticks. Plan periods (child protection, child in need, looked
after) are hatched bands across every lane with a labelled bar above; people arriving at and leaving the
household are markers in a "Household" lane, with a dashed line across the lanes for adults. A `<desc>`
says the same in words, and the list below the picture holds every fact in it.

Marks that would overlap are merged into one mark with a count, coarser as the events grow, so the markup
stays small (a 1,000-event chronology draws in well under 100 KB).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from html import escape

from joinedup.chronology.events import Event, PlanPeriod
from joinedup.chronology.kinds import PLAN_LABELS

WIDTH = 960
LABEL_WIDTH = 200
RIGHT = 14
AXIS_HEIGHT = 24
LANE_HEIGHT = 24
PLAN_ROW_HEIGHT = 20
HOUSEHOLD_HEIGHT = 40
MARK_BUDGET = 300  # linked marks at most; beyond it, marks are merged over wider spans of time
MIN_GAP = 9.0  # px: marks of one lane and kind closer than this are merged

INK = "#0b0c0c"
GREY = "#505a5f"
LIGHT = "#f3f2f1"
GRID = "#b1b4b6"

SHAPES = {  # category: (label, colour, (start x, start y relative to the centre, the rest of the path))
    "injury": ("Injury", "#d4351c", (0, -6, "l6 6-6 6-6-6z")),  # diamond
    "hospital": ("Hospital attendance", "#1d70b8", (-2, -6, "h4v4h4v4h-4v4h-4v-4h-4v-4h4z")),  # cross
    "concern": ("Concern raised", "#f47738", (0, -6, "l6 11h-12z")),  # triangle
}
PLAN_STYLE = {  # pattern: background, line colour, angle
    "cp": ("#fbe3df", "#d4351c", 45, "CP plan"),
    "cin": ("#e8f1f8", "#1d70b8", -45, "CIN"),
    "lac": ("#e6f2eb", "#00703c", 0, "Looked after"),
}


@lru_cache(maxsize=4096)
def _person_digest(person_id: str) -> str:
    """Four hex digits of the person's id (a page asks for the same few people's thousands of times)."""
    return hashlib.blake2s(person_id.encode(), digest_size=2).hexdigest()


def event_anchor(event: Event) -> str:
    """The id of the event's entry in the chronology list (the picture's marks link to it).

    Short, because the list repeats it for each of up to 1,000 rows: the stored record's number, and a
    digest of the person, so that one record shown for two housemates gives two ids (the child's own
    events keep their ids in the household view). An event not from the database (record_pk None) uses
    its key made URL-safe.
    """
    who = _person_digest(event.person_id)
    if event.record_pk is not None:
        return f"event-{event.record_pk}-{who}"
    slug = re.sub(r"[^a-z0-9]+", "-", event.key.lower()).strip("-")[:48]
    return f"event-{slug}-{hashlib.blake2s(event.key.encode(), digest_size=2).hexdigest()}{who}"


def category(event: Event) -> str:
    if event.is_injury:
        return "injury"
    if event.is_hospital:
        return "hospital"
    if event.is_concern:
        return "concern"
    return "other"


def _day(d: dt.date) -> str:
    return f"{d.day} {d:%b %Y}"


def _span(first: dt.date, last: dt.date) -> str:
    if first == last:
        return _day(first)
    if first.year == last.year:
        return f"{first.day} {first:%b} to {_day(last)}" if first.month != last.month else \
            f"{first.day} to {_day(last)}"
    return f"{_day(first)} to {_day(last)}"


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


def _month_start(d: dt.date) -> dt.date:
    return d.replace(day=1)


def _add_months(d: dt.date, n: int) -> dt.date:
    m = d.month - 1 + n
    return dt.date(d.year + m // 12, m % 12 + 1, 1)


def _clip(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


@dataclass
class _Group:
    events: list[Event] = field(default_factory=list)
    xs: list[float] = field(default_factory=list)


class _Scale:
    def __init__(self, start: dt.date, end: dt.date, x0: float, x1: float):
        self.start, self.end, self.x0, self.x1 = start, end, x0, x1
        self.k = (x1 - x0) / max((end - start).days, 1)

    def __call__(self, d: dt.date) -> float:
        return self.x0 + (d - self.start).days * self.k


def _f(v: float) -> str:
    """A coordinate with at most one decimal (short markup)."""
    s = f"{v:.1f}"
    return s[:-2] if s.endswith(".0") else s


def _ticks(scale: _Scale) -> tuple[list[tuple[float, str]], list[float]]:
    """Labelled ticks (month or year) at least ~64 px apart, and unlabelled monthly (or yearly) minor ticks."""
    months = (scale.end.year - scale.start.year) * 12 + scale.end.month - scale.start.month
    per_month = (scale.x1 - scale.x0) / max(months, 1)
    step = next((s for s in (1, 2, 3, 6, 12, 24, 60, 120) if s * per_month >= 64), 120)
    labels: list[tuple[float, str]] = []
    minor: list[float] = []
    d = scale.start
    while d <= scale.end:
        x = scale(d)
        index = d.year * 12 + d.month - 1
        if index % step == 0:
            labels.append((x, f"{d:%Y}" if step >= 12 else f"{d:%b %Y}"))
        elif per_month >= 4 or d.month == 1:
            minor.append(x)
        d = _add_months(d, 1)
    return labels, minor


def _describe(chron, events: list[Event], own_id: str) -> str:
    period = chron.period if hasattr(chron, "period") else None
    parts = []
    if period:
        injuries = sum(e.is_injury for e in events)
        hospital = sum(e.is_hospital for e in events)
        concerns = sum(e.is_concern for e in events)
        parts.append(f"{_plural(len(events), 'event')} from {_plural(len(chron.agencies), 'agency', 'agencies')}, "
                     f"{_day(period[0])} to {_day(period[1])}: {_plural(injuries, 'injury', 'injuries')}, "
                     f"{_plural(hospital, 'hospital attendance')} and {_plural(concerns, 'concern')}.")
    for p in chron.plans:
        parts.append(f"{PLAN_LABELS.get(p.plan, p.plan)}{f' ({p.detail})' if p.detail else ''} from {_day(p.start)}"
                     + (f" to {_day(p.end)}." if p.end else ", still open."))
    for mv in chron.movements:
        who = mv.label + (" (adult)" if mv.is_adult else " (child)" if mv.is_adult is False else "")
        parts.append(f"{who} {'arrived in' if mv.arriving else 'left'} the household on {_day(mv.on)}"
                     + (", not in children's social care's household record." if mv.unknown_to_csc_household else "."))
    if chron.household and any(e.person_id != own_id for e in events):
        parts.append("Hollow shapes and dashed ticks are household members' events.")
    parts.append("Each injury, hospital attendance and concern is a link to its entry in the list of events below; "
                 "a hospital attendance for an injury is drawn as an injury.")
    return " ".join(parts)


def timeline_svg(chron, *, width: int = WIDTH, href_of=None) -> str:
    """The timeline picture of a `Chronology` (markup to mark safe in the template).

    Drawn from `chron.all_events`; a mark links to `#<event_anchor>` when its event is in `chron.events`
    (the list, perhaps filtered), so links never point at an entry that is not there. `href_of(anchor)`
    gives the link when the list is paged (the entry may be on another page); by default `#<anchor>`.
    """
    events: list[Event] = list(chron.all_events)
    if not events:
        return '<p class="govuk-body">There are no events to draw.</p>'
    own_id = str(getattr(chron.person, "pk", ""))
    listed = {event_anchor(e) for e in chron.events}
    plans: list[PlanPeriod] = list(chron.plans)
    movements = list(chron.movements)

    # Lanes: agencies in the order of their first event (the selector's order), then any others.
    lanes: list[tuple[str, str]] = [(code, name) for code, name, _kind in chron.agencies]
    known = {code for code, _ in lanes}
    for e in events:
        if e.agency_code not in known:
            known.add(e.agency_code)
            lanes.append((e.agency_code, e.agency_name))
    lane_of = {code: i for i, (code, _) in enumerate(lanes)}

    # Time: whole months around every date drawn.
    days = [e.occurred_on for e in events] + [p.start for p in plans] + [p.end for p in plans if p.end]
    days += [m.on for m in movements]
    start = _month_start(min(days))
    end = _add_months(max(days), 1)
    scale = _Scale(start, end, LABEL_WIDTH, width - RIGHT)

    # Plans: a labelled bar per plan (rows so that overlapping plans do not cover each other).
    plan_rows: list[dt.date] = []  # the end of the last plan placed in each row
    placed: list[tuple[PlanPeriod, int]] = []
    for p in plans:
        stop = p.end or end
        row = next((i for i, last in enumerate(plan_rows) if last <= p.start), None)
        if row is None:
            row = len(plan_rows)
            plan_rows.append(stop)
        else:
            plan_rows[row] = stop
        placed.append((p, row))
    y = AXIS_HEIGHT
    plans_top = y
    y += len(plan_rows) * PLAN_ROW_HEIGHT + (6 if plan_rows else 0)
    lanes_top = y
    lanes_bottom = lanes_top + len(lanes) * LANE_HEIGHT
    household_top = lanes_bottom
    height = lanes_bottom + (HOUSEHOLD_HEIGHT if movements else 0) + 6

    out: list[str] = []
    w = out.append
    w(f'<figure class="app-chart app-timeline"><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
      f'role="group" aria-labelledby="tl-title" aria-describedby="tl-desc" font-family="arial, sans-serif">')
    person = getattr(chron.person, "display_name", "the child")
    w(f'<title id="tl-title">Timeline of {escape(person)}{"’s and the household’s" if chron.household else "’s"} '
      f'records by agency</title>')
    w(f'<desc id="tl-desc">{escape(_describe(chron, events, own_id))}</desc>')
    # Hatching for plans (prints in black and white).
    w("<defs>")
    for plan, (bg, line, angle, _label) in PLAN_STYLE.items():
        w(f'<pattern id="tl-{plan}" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate({angle})">'
          f'<rect width="6" height="6" fill="{bg}"/><path d="M0 0v6" stroke="{line}" stroke-width="1.5"/></pattern>')
    w("</defs>")

    # Decoration (hidden from assistive technology: the desc and the links carry the facts).
    w('<g aria-hidden="true">')
    for i in range(len(lanes)):
        if i % 2 == 0:
            w(f'<rect x="0" y="{lanes_top + i * LANE_HEIGHT}" width="{width}" height="{LANE_HEIGHT}" fill="{LIGHT}"/>')
    labels, minor = _ticks(scale)
    if minor:
        w(f'<path d="{"".join(f"M{_f(x)} {AXIS_HEIGHT - 4}V{height - 6}" for x in minor)}" stroke="{GRID}" '
          f'stroke-width="0.5"/>')
    w(f'<path d="{"".join(f"M{_f(x)} {AXIS_HEIGHT - 8}V{height - 6}" for x, _ in labels)}" stroke="{GREY}" '
      f'stroke-width="1"/>')
    w(f'<g font-size="11" fill="{INK}">')
    for x, text in labels:
        if x + 40 <= width:
            w(f'<text x="{_f(x + 3)}" y="{AXIS_HEIGHT - 10}">{text}</text>')
    w("</g>")
    # Plan bands across the lanes, and the labelled bars above them.
    for p, _row in placed:
        x0, x1 = scale(p.start), scale(p.end or end)
        wd = max(x1 - x0, 2)
        w(f'<rect x="{_f(x0)}" y="{lanes_top}" width="{_f(wd)}" height="{lanes_bottom - lanes_top}" '
          f'fill="url(#tl-{p.plan})" fill-opacity="0.45"/>')
    for p, row in placed:
        x0, x1 = scale(p.start), scale(p.end or end)
        wd = max(x1 - x0, 2)
        top = plans_top + row * PLAN_ROW_HEIGHT
        label = PLAN_STYLE.get(p.plan, ("", "", 0, p.plan))[3] + ("" if p.end else " (open)")
        w(f'<rect x="{_f(x0)}" y="{top + 2}" width="{_f(wd)}" height="{PLAN_ROW_HEIGHT - 4}" fill="url(#tl-{p.plan})" '
          f'stroke="{INK}" stroke-width="1"/>')
        if wd >= len(label) * 6.2 + 8:
            w(f'<text x="{_f(x0 + 4)}" y="{top + PLAN_ROW_HEIGHT - 6}" font-size="11" font-weight="bold" fill="{INK}" '
              f'stroke="#ffffff" stroke-width="3" paint-order="stroke">{escape(label)}</text>')
        elif x1 + len(label) * 6.2 + 4 <= width:
            w(f'<text x="{_f(x1 + 3)}" y="{top + PLAN_ROW_HEIGHT - 6}" font-size="11" fill="{INK}">{escape(label)}</text>')
    w(f'<g font-size="12" fill="{INK}">')
    if plan_rows:
        w(f'<text x="{LABEL_WIDTH - 8}" y="{plans_top + 14}" text-anchor="end" font-weight="bold">Plans</text>')
    for i, (_code, name) in enumerate(lanes):
        full = f"<title>{escape(name)}</title>" if len(name) > 30 else ""
        w(f'<text x="{LABEL_WIDTH - 8}" y="{lanes_top + i * LANE_HEIGHT + 16}" text-anchor="end">'
          f'{full}{escape(_clip(name, 30))}</text>')
    if movements:
        w(f'<text x="{LABEL_WIDTH - 8}" y="{household_top + 16}" text-anchor="end" font-weight="bold">Household</text>')
    w("</g>")
    w(f'<path d="M{LABEL_WIDTH} {lanes_top}V{household_top + (HOUSEHOLD_HEIGHT if movements else 0)}" '
      f'stroke="{INK}" stroke-width="1"/>')

    # Other contacts: one path of ticks per lane (own solid, the household's dashed).
    # Each event once: (event, lane, category, own, x).
    placed_events = [(e, lane_of[e.agency_code], category(e), e.person_id == own_id or not chron.household,
                      scale(e.occurred_on)) for e in events]
    ticks: dict[tuple[int, bool], set[int]] = defaultdict(set)
    for _e, lane, cat, own, x in placed_events:
        if cat == "other":
            ticks[(lane, own)].add(round(x))
    for (lane, own), xs in sorted(ticks.items()):
        cy = lanes_top + lane * LANE_HEIGHT + LANE_HEIGHT / 2
        d = "".join(f"M{x} {_f(cy - 5)}v10" for x in sorted(xs))
        dash = "" if own else ' stroke-dasharray="2 2"'
        w(f'<path d="{d}" stroke="{GREY}" stroke-width="1.5"{dash}/>')
    w("</g>")

    # Injuries, hospital attendances and concerns: linked marks, merged when they would overlap.
    gap = MIN_GAP
    while True:
        groups: dict[tuple[int, str, bool, int], _Group] = {}
        for e, lane, cat, own, x in placed_events:
            if cat != "other":
                group = groups.setdefault((lane, cat, own, int((x - LABEL_WIDTH) // gap)), _Group())
                group.events.append(e)
                group.xs.append(x)
        if len(groups) <= MARK_BUDGET or gap > width:
            break
        gap *= 2
    by_cat: dict[str, list[str]] = defaultdict(list)
    for (lane, cat, own, _bucket), group in sorted(groups.items(), key=lambda kv: kv[0]):
        evs = group.events
        label, colour, (dx, dy, shape) = SHAPES[cat]
        x = sum(group.xs) / len(evs)
        cy = lanes_top + lane * LANE_HEIGHT + LANE_HEIGHT / 2
        first = evs[0]
        if len(evs) == 1:
            text = f"{_day(first.occurred_on)}, {first.agency_name}: {first.kind_label}"
            if first.injury:
                text += f", {first.injury.description} to {first.injury.site}"
            elif first.summary and first.summary != first.kind_label:
                text += f" – {_clip(first.summary, 70)}"
        else:
            what = {"injury": ("injury", "injuries"), "hospital": ("hospital attendance", None),
                    "concern": ("concern", None)}[cat]
            text = (f"{_span(evs[0].occurred_on, evs[-1].occurred_on)}, {first.agency_name}: "
                    f"{_plural(len(evs), *what)} (the first is linked)")
        if chron.household and not own:
            text += f" ({first.person_label})"
        hollow = "" if own else f' fill="#ffffff" stroke="{colour}" stroke-width="1.5"'
        mark = f'<path d="M{_f(x + dx)} {_f(cy + dy)}{shape}"{hollow}/>'
        if len(evs) > 1:
            mark += f'<text x="{_f(x + 6)}" y="{_f(cy - 3)}" font-size="9" fill="{INK}" stroke="none">{len(evs)}</text>'
        target = next((event_anchor(e) for e in evs if event_anchor(e) in listed), None)
        if target:
            href = href_of(target) if href_of is not None else f"#{target}"
            by_cat[cat].append(f'<a href="{escape(href)}"><title>{escape(text)}</title>{mark}</a>')
        else:
            by_cat[cat].append(f'<g><title>{escape(text)} (not in the filtered list)</title>{mark}</g>')
    # Concerns first, injuries last, so the most serious marks are on top.
    for cat in ("concern", "hospital", "injury"):
        if by_cat[cat]:
            w(f'<g class="app-timeline__{cat}" fill="{SHAPES[cat][1]}" stroke="{INK}">{"".join(by_cat[cat])}</g>')

    # The household: arrivals (filled, pointing right) and departures (hollow, pointing left).
    if movements:
        adult_xs = sorted({round(scale(m.on), 1) for m in movements if m.is_adult is not False})
        if adult_xs:
            w(f'<path d="{"".join(f"M{_f(x)} {lanes_top}V{household_top + 12}" for x in adult_xs)}" stroke="{INK}" '
              f'stroke-width="1" stroke-dasharray="3 3" aria-hidden="true"/>')
        label_end = [0.0, 0.0]
        cy = household_top + 12
        for mv in movements:
            x = scale(mv.on)
            who = mv.label + (" (adult)" if mv.is_adult else " (child)" if mv.is_adult is False else "")
            text = f"{who} {'arrived' if mv.arriving else 'left'}, {_day(mv.on)}"
            if mv.unknown_to_csc_household:
                text += " – not in children's social care's household record"
            shape = "l8 6-8 6z" if mv.arriving else "l-8 6 8 6z"
            fill = INK if mv.arriving else "#ffffff"
            warn = mv.unknown_to_csc_household
            w(f'<g><title>{escape(text)}</title><path d="M{_f(x)} {_f(cy - 6)}{shape}" fill="{fill}" '
              f'stroke="{"#d4351c" if warn else INK}" stroke-width="{2 if warn else 1}"/>')
            short = ("+ " if mv.arriving else "− ") + _clip(mv.label.split(" ")[0], 14) + ("!" if warn else "")
            row = next((r for r in (0, 1) if label_end[r] <= x - 2), None)
            if row is not None and x + len(short) * 5.5 <= width:
                w(f'<text x="{_f(x - 2)}" y="{household_top + 28 + row * 10}" font-size="10" fill="{INK}" '
                  f'aria-hidden="true">{escape(short)}</text>')
                label_end[row] = x + len(short) * 5.5
            w("</g>")
    w("</svg>")

    # The key, in HTML so it wraps and reads well.
    key = []
    for cat in ("injury", "hospital", "concern"):
        label, colour, (dx, dy, shape) = SHAPES[cat]
        key.append(f'<span class="app-chart__key"><svg width="14" height="14" viewBox="0 0 14 14" aria-hidden="true" '
                   f'focusable="false"><path d="M{7 + dx} {7 + dy}{shape}" fill="{colour}" stroke="{INK}"/></svg> '
                   f'{label}</span>')
    key.append(f'<span class="app-chart__key"><svg width="14" height="14" viewBox="0 0 14 14" aria-hidden="true" '
               f'focusable="false"><path d="M7 2v10" stroke="{GREY}" stroke-width="1.5"/></svg> Other contact</span>')
    for plan in sorted({p.plan for p in plans}, key=list(PLAN_STYLE).index):
        key.append(f'<span class="app-chart__key"><svg width="22" height="14" aria-hidden="true" focusable="false">'
                   f'<rect x="1" y="1" width="20" height="12" fill="url(#tl-{plan})" stroke="{INK}"/></svg> '
                   f'{PLAN_LABELS[plan]}</span>')
    if movements:
        key.append(f'<span class="app-chart__key"><svg width="22" height="14" aria-hidden="true" focusable="false">'
                   f'<path d="M2 1l8 6-8 6z" fill="{INK}"/><path d="M20 1l-8 6 8 6z" fill="#fff" stroke="{INK}"/></svg>'
                   f' Arrived in / left the household</span>')
    if any(m.unknown_to_csc_household for m in movements):
        key.append('<span class="app-chart__key">Red outline and “!”: not in children’s social care’s household '
                   'record</span>')
    if chron.household and any(e.person_id != own_id for e in events):
        key.append('<span class="app-chart__key">Hollow shapes, dashed ticks: household members’ events</span>')
    w(f'<figcaption class="govuk-body-s">{"".join(key)}<br>Select a shape to go to the event in the list. '
      f'Shapes with a number stand for that many events close together.</figcaption></figure>')
    return "".join(out)


COMPACT_MARKS_PER_MONTH = 3  # a month's injuries (or hospital attendances, or concerns) listed one by one; more: counted


def _glyph(cat: str, own: bool = True) -> str:
    """The picture's shape for a category as a character (◆ injury, ✚ hospital, ▲ concern; hollow for a household
    member's event), coloured by the stylesheet: a few bytes where an inline picture would be two hundred."""
    char = {"injury": "◆◇", "hospital": "✚✙", "concern": "▲△"}[cat][0 if own else 1]
    return f'<span class="app-tlc__i app-tlc__i--{cat}" aria-hidden="true">{char}</span>'


def timeline_compact(chron, *, href_of=None, newest_first: bool = False) -> str:
    """The timeline's form for a phone (markup to mark safe): the same facts as the picture, month by month down
    the page — plans in force, injuries, hospital attendances and concerns (each a link to its entry in the list,
    as in the picture), a count of other contacts by agency, people arriving and leaving — with the months in
    which nothing was recorded folded into one line. The stylesheet shows it below the tablet breakpoint and the
    picture above it, so each reader meets one of them.
    """
    events: list[Event] = list(chron.all_events)
    if not events:
        return ""
    own_id = str(getattr(chron.person, "pk", ""))
    listed = {event_anchor(e) for e in chron.events}
    plans: list[PlanPeriod] = list(chron.plans)
    movements = list(chron.movements)
    days = [e.occurred_on for e in events] + [p.start for p in plans] + [p.end for p in plans if p.end]
    days += [m.on for m in movements]
    first, last = _month_start(min(days)), _month_start(max(days))

    by_month: dict[dt.date, list[tuple[Event, str]]] = defaultdict(list)  # (event, its category), time order
    for e in sorted(events, key=lambda e: e.sort_key):
        by_month[_month_start(e.occurred_on)].append((e, category(e)))
    moves_by_month: dict[dt.date, list] = defaultdict(list)
    for mv in movements:
        moves_by_month[_month_start(mv.on)].append(mv)
    starts: dict[dt.date, list[PlanPeriod]] = defaultdict(list)
    ends: dict[dt.date, list[PlanPeriod]] = defaultdict(list)
    for p in plans:
        starts[_month_start(p.start)].append(p)
        if p.end:
            ends[_month_start(p.end)].append(p)

    def link(e: Event, text: str) -> str:
        anchor = event_anchor(e)
        if anchor not in listed:
            return f"{escape(text)} (not in the filtered list)"
        href = href_of(anchor) if href_of is not None else f"#{anchor}"
        return f'<a href="{escape(href)}">{escape(text)}</a>'

    def in_force_in(month: dt.date) -> list[PlanPeriod]:
        return [p for p in plans if p.start < _add_months(month, 1) and (p.end is None or p.end > month)]

    def tags(in_force: list[PlanPeriod]) -> str:
        return "".join(f' <strong class="app-tag app-tlc__plan">{escape(PLAN_STYLE.get(p.plan, ("", "", 0, p.plan))[3])}'
                       "</strong>" for p in in_force)

    months: list[str] = []  # each month's item, oldest first
    quiet_from: dt.date | None = None
    month = first
    while month <= last:
        evs = by_month.get(month, [])
        moves = moves_by_month.get(month, [])
        in_force = in_force_in(month)
        if not evs and not moves and not starts.get(month) and not ends.get(month):
            quiet_from = quiet_from or month
            month = _add_months(month, 1)
            continue
        if quiet_from is not None:  # months with nothing recorded, folded (and a plan in force through them said)
            end = _add_months(month, -1)
            span = f"{quiet_from:%B %Y}" if quiet_from == end else f"{quiet_from:%B %Y} to {end:%B %Y}"
            quiet_plans = in_force_in(quiet_from)
            plan_class = f" app-tlc__month--{quiet_plans[0].plan}" if quiet_plans else ""
            months.append(f'<li class="app-tlc__quiet{plan_class}">Nothing recorded, {span}{tags(quiet_plans)}</li>')
            quiet_from = None
        facts: list[str] = []
        for p in starts.get(month, []):
            facts.append(f"{escape(PLAN_LABELS.get(p.plan, p.plan))}{f' ({escape(p.detail)})' if p.detail else ''} "
                         f"began {_day(p.start)}" + ("" if p.end else ", still open"))
        for p in ends.get(month, []):
            facts.append(f"{escape(PLAN_LABELS.get(p.plan, p.plan))} ended {_day(p.end)}")
        for cat in ("injury", "hospital", "concern"):
            marked = [e for e, c in evs if c == cat]
            if not marked:
                continue
            what = {"injury": ("injury", "injuries"), "hospital": ("hospital attendance", None),
                    "concern": ("concern", None)}[cat]
            if len(marked) > COMPACT_MARKS_PER_MONTH:
                text = f"{_plural(len(marked), *what)} (the first is linked)"
                facts.append(f"{_glyph(cat)} {link(marked[0], text)}")
                continue
            for e in marked:
                text = f"{e.occurred_on.day} {e.occurred_on:%b}, {e.agency_name}: {e.kind_label}"
                if e.injury:
                    text += f", {e.injury.description} to {e.injury.site}"
                own = e.person_id == own_id or not chron.household
                if not own:
                    text += f" ({e.person_label})"
                facts.append(f"{_glyph(cat, own)} {link(e, text)}")
        others = [e.agency_name for e, c in evs if c == "other"]
        if others:  # counted; the list below the timeline has each
            names = sorted(set(others))
            facts.append(f"{_plural(len(others), 'other contact')}: "
                         + (escape(names[0]) if len(names) == 1 else _plural(len(names), "agency", "agencies")))
        for mv in moves:
            who = mv.label + (" (adult)" if mv.is_adult else " (child)" if mv.is_adult is False else "")
            text = f"{who} {'arrived in' if mv.arriving else 'left'} the household, {_day(mv.on)}"
            if mv.unknown_to_csc_household:
                text += " – not in children's social care's household record"
            facts.append(escape(text))
        plan_class = f" app-tlc__month--{in_force[0].plan}" if in_force else ""
        months.append(f'<li class="app-tlc__month{plan_class}"><span class="app-tlc__when">{month:%B %Y}</span>'
                      f'{tags(in_force)}'
                      f'<ul class="app-tlc__facts">{"".join(f"<li>{f}</li>" for f in facts)}</ul></li>')
        month = _add_months(month, 1)
    if newest_first:  # the months newest first; within a month: plans, then marks, then counts, then the household
        months.reverse()
    person = getattr(chron.person, "display_name", "the child")
    order = "newest" if newest_first else "oldest"
    return (f'<div class="app-timeline-compact"><p class="govuk-body-s">{escape(person)}’s timeline month by month, '
            f'{order} first: plans, injuries, hospital attendances and concerns (each a link to its entry in the '
            f'list), other contacts counted, and people arriving and leaving.</p><ol class="app-tlc">{"".join(months)}</ol></div>')
