"""Visit clocks, made by the fold from a case's plans, looked-after episodes and visits. Pure.

- **Child protection plan**: a visit in which the child is seen every 10 working days (local), from the plan's
  start until it ends.
- **Child in need plan**: every 6 weeks (local; `cin_visit_days`, 0 for none).
- **Looked after**: within a week of each placement (an episode that starts the child's time in care or
  changes the placement), then at most every 6 weeks in the placement's first year, then every 3 months (Care
  Planning Regulations 2010, reg. 28), until the child stops being looked after.
- **Revisit**: a visit in which the child was not seen — or not seen alone when the plan requires it — opens
  an accompanied revisit, due within one working day on a child protection plan (five otherwise, local);
  nothing meets it but a later visit in which the child was seen (alone, if that was what was missing).

A visit that did not see the child never meets a statutory visit clock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from joinedup.casework.clocks import Clocks
from joinedup.casework.state import CLOCK_LABELS, CareEpisode, CaseState, Clock, Visit

PLACEMENT_STARTS = frozenset({"S", "P", "T", "U", "B", ""})  # every reason for a new episode but L (legal status)


def _noon(day: dt.date | None) -> dt.datetime | None:
    return None if day is None else dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)


def _next_seen(seen: list[Visit], after: dt.date, *, inclusive: bool = False) -> Visit | None:
    return next((v for v in seen if (v.on >= after if inclusive else v.on > after)), None)


def _chain(case: CaseState, seen: list[Visit], *, start: dt.date, end: dt.date | None, key: str, label: str,
           due_after: Callable[[dt.date | None], dt.date], day_clock) -> None:
    """Visit clocks one after another from `start`: each met by the next visit that saw the child."""
    last: dt.date | None = None
    while True:
        due = due_after(last)
        nxt = _next_seen(seen, last if last is not None else start, inclusive=last is None)
        if nxt is not None and end is not None and nxt.on > end:
            nxt = None
        case.clocks.append(day_clock("visit", label, nxt.key if nxt else key, last or start, due,
                                     nxt.on if nxt else None, end))
        if nxt is None:
            return
        last = nxt.on


def _placements(episodes: list[CareEpisode]) -> list[tuple[CareEpisode, dt.date | None]]:
    """(the episode a placement started with, when the placement ended) for each placement."""
    out: list[list] = []
    for ep in sorted(episodes, key=lambda e: e.started_on):
        if not out or ep.reason_new_episode in PLACEMENT_STARTS or out[-1][1] is None or ep.started_on > out[-1][1]:
            out.append([ep, ep.ended_on])
        else:  # a change of legal status only: the same placement goes on
            out[-1][1] = ep.ended_on
    return [(ep, end) for ep, end in out]


def visit_clocks(case: CaseState, c: Clocks, day_clock) -> None:
    """Append the case's visit and revisit clocks."""
    seen = sorted((v for v in case.visits if v.seen), key=lambda v: v.at)
    for plan in case.protection_plans:
        _chain(case, seen, start=plan.started_on, end=plan.ended_on or case.closed_on, key=plan.key,
               label=f"{CLOCK_LABELS['visit']} (child protection plan, every {c.cp_visit_working_days} working days)",
               due_after=lambda last, s=plan.started_on: c.cp_visit_due(last or s), day_clock=day_clock)
    if c.cin_visit_days:
        for need in case.need_plans:
            _chain(case, seen, start=need.started_on, end=need.ended_on or case.closed_on, key=need.key,
                   label=f"{CLOCK_LABELS['visit']} (child in need plan, every {c.cin_visit_days} days)",
                   due_after=lambda last, s=need.started_on: c.cin_visit_due(last or s), day_clock=day_clock)
    for ep, end in _placements(case.episodes):
        _chain(case, seen, start=ep.started_on, end=end or case.closed_on, key=ep.key,
               label=f"{CLOCK_LABELS['visit']} (looked after)",
               due_after=lambda last, s=ep.started_on: c.lac_visit_due(s, last), day_clock=day_clock)
    for v in sorted(case.visits, key=lambda v: v.at):
        if not v.needs_revisit:
            continue
        on_plan = any(p.started_on <= v.on and (p.ended_on is None or v.on < p.ended_on)
                      for p in case.protection_plans)
        answer = next((w for w in sorted(case.visits, key=lambda w: w.at) if w.answers(v)), None)
        case.clocks.append(Clock(
            "revisit", CLOCK_LABELS["revisit"] if v.seen is False else "Accompanied revisit: the child was not seen alone",
            v.key, v.at, c.revisit_due(v.at, on_protection_plan=on_plan),
            met_at=answer.at if answer else None,
            stopped_at=None if answer else _noon(case.closed_on)))
