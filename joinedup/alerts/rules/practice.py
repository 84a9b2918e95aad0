"""Process-failure rules over practice (issue 13), R20, R21 and R23: a statutory visit overdue, a child not seen
whose accompanied revisit is overdue, a concern unanswered past its deadline. (R22, a supervision action overdue,
was retired in issue 16: overdue actions are on their owner's and their manager's supervision page and home page,
where they are marked done; docs/adr/0016-supervision-actions-are-work-not-alerts.md.)

R20 and R21 read the casework fold's `visit` and `revisit` clocks (`casework.visits`), exactly as R15–R19 read the
other clocks (`rules.casework`: the same fold, made once per context, the same `overdue_at`). R23 reads the
child's `concern` records (docs/formats/README.md, "Practice"): children's social care records naming the child as
the subject (or unborn child), which the fold does not place.

What a rule sees at `at`, as for R15–R19:

- only records received by `at` (`recorded_at`);
- a clock (or a concern's answer) met after `at` was still open at `at`: a later version of a record keeps its
  first `recorded_at`, so a replay at an earlier time would otherwise see the later answer;
- something met late is history, not an alert; a clock stopped (the plan ended, the child left care, the case
  closed) is not an alert.

Sentences name what is overdue, since when and when it fell due, never a running count ("overdue by 3 days"):
one open alert per rule per child is updated whenever its sentence changes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from dateutil.relativedelta import relativedelta

from joinedup.casework.clocks import Clocks, end_of_day
from joinedup.casework.lifecycle import Casework, d
from joinedup.casework.state import CaseState, Clock, Visit
from joinedup.chronology.events import Event

from .base import (
    ESCALATE,
    PROCESS_FAILURE,
    ROUTE_HEAD_OF_SERVICE,
    ROUTE_MANAGER_TOO,
    ChildContext,
    Finding,
    Rule,
)
from .casework import (
    CHILD_ROLES,
    CLOCKS,
    CSC_AGENCY_KIND,
    WORKING_TOGETHER,
    _moment,
    _working_days,
    casework_of,
    overdue_clocks,
)

CARE_PLANNING = "The Care Planning, Placement and Case Review (England) Regulations 2010, regulation 28"
RAISED_BY = {"relative": "a relative", "neighbour": "a neighbour", "whistleblower": "a whistleblower",
             "professional": "a professional", "anonymous": "someone who did not give their name"}
TEXT_LIMIT = 200  # a reason or an action quoted in a sentence is cut here


def _finding(rule_id: str, ctx: ChildContext, at: dt.datetime, sentences: list[str], keys: list[str],
             due_at: dt.datetime) -> Finding:
    from .catalogue import _finding as finding  # the catalogue imports this module: import it when needed

    return finding(rule_id, ctx, at, " ".join(sentences), [k for k in keys if k], due_at=due_at)


def _quote(text: object) -> str:
    text = " ".join(str(text or "").split())
    return text if len(text) <= TEXT_LIMIT else text[:TEXT_LIMIT - 1].rstrip() + "…"


def _own_records(ctx: ChildContext, at: dt.datetime, kind: str) -> list[Event]:
    """The child's own children's social care records of a kind received by `at` (the child as subject or unborn)."""
    return [e for e in ctx.events
            if e.kind == kind and e.agency_kind == CSC_AGENCY_KIND and not CHILD_ROLES.isdisjoint(e.roles)
            and e.recorded_at <= at]


def _moment_parsed(value: object, clocks: Clocks, *, end_of: bool) -> dt.datetime | None:
    """An ISO moment from a record's detail (a day alone: its start, or with `end_of` its last moment, UK time)."""
    if not value:
        return None
    text = str(value).strip()
    try:
        if "T" not in text and len(text) == 10:
            day = dt.date.fromisoformat(text)
            return end_of_day(day, clocks) if end_of else dt.datetime.combine(day, dt.time(), tzinfo=clocks.tz)
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _visit_time(v: Visit, clocks: Clocks, untimed: frozenset[str]) -> str:
    return f"on {d(v.on)}" if v.key in untimed else f"at {_moment(v.at, clocks)}"


# --- R20: statutory visit overdue ---------------------------------------------------------------------------


def _basis(case: CaseState, clock: Clock) -> tuple[str, str, dt.date]:
    """What the visit clock runs for: ("cp" or "lac", the plan's or placement's record, when it started)."""
    plan = next((p for p in case.protection_plans if p.key == clock.source_key), None)
    if plan is not None:
        return "cp", plan.key, plan.started_on
    episode = next((e for e in case.episodes if e.key == clock.source_key), None)
    if episode is not None:
        return "lac", episode.key, episode.started_on
    # Met by a visit recorded before `at` but dated after it: the plan or placement the clock's start falls in.
    day = clock.started_at.date()
    if "child protection plan" in clock.label:
        plan = next((p for p in reversed(case.protection_plans) if p.started_on <= day), None)
        if plan is not None:
            return "cp", plan.key, plan.started_on
    episode = next((e for e in sorted(case.episodes, key=lambda e: e.started_on, reverse=True)
                    if e.started_on <= day), None)
    if episode is not None:
        return "lac", episode.key, episode.started_on
    return "cp", clock.source_key, day


def _last_seen(work: Casework, *, before: dt.datetime | None = None, on_or_before: dt.date | None = None,
               alone: bool = False) -> Visit | None:
    """The last visit that saw the child (alone, if asked), in any of the child's cases, before a moment or on or
    before a day."""
    seen = [v for case in work.cases for v in case.visits
            if v.seen is True and (v.seen_alone is True or not alone)
            and (before is None or v.at < before) and (on_or_before is None or v.on <= on_or_before)]
    return max(seen, key=lambda v: (v.on, v.at), default=None)


def _weeks(days: int) -> str:
    return f"{days // 7} weeks" if days % 7 == 0 else f"{days} days"


def _interval(kind: str, started_on: dt.date, last: dt.date | None, clocks: Clocks) -> str:
    if kind == "cp":
        return (f"{_working_days(clocks.cp_visit_working_days)} after the plan started" if last is None
                else f"every {_working_days(clocks.cp_visit_working_days)}")
    if last is None:
        return f"within {clocks.lac_first_visit_days} days of the placement"
    if last < started_on + relativedelta(years=1):
        return f"every {_weeks(clocks.lac_visit_days_first_year)} in the placement's first year"
    months = clocks.lac_visit_months_later
    return f"every {'month' if months == 1 else f'{months} months'} after the placement's first year"


def _visit(work: Casework, case: CaseState, clock: Clock, clocks: Clocks) -> tuple[str, list[str]]:
    kind, basis_key, started_on = _basis(case, clock)
    since = clock.started_at.date()
    # The clock ran from the plan's or placement's start unless a visit seeing the child in it started it.
    chained = any(v.seen is True and started_on <= v.on <= since for v in case.visits)
    last = _last_seen(work, on_or_before=since)  # a seen visit after it would have met the clock
    what = (f"the child protection plan started {d(started_on)}" if kind == "cp"
            else f"the child, looked after in a placement from {d(started_on)}")
    seen = (f"the child was last seen on a visit on {d(last.on)}" if last is not None
            else "no visit that saw the child has been recorded")
    which = "next" if chained else "first"
    sentence = (f"Statutory visit overdue for {what}: {seen}, and the {which} visit was due by {d(clock.due_on)} "
                f"({_interval(kind, started_on, since if chained else None, clocks)}).")
    return sentence, [basis_key, last.key if last is not None else ""]


def r20_statutory_visit(ctx: ChildContext, at: dt.datetime, params: dict[str, Any]) -> Finding | None:
    clocks = params["clocks"]
    overdue = overdue_clocks(ctx, at, clocks, "visit")
    if not overdue:
        return None
    work = casework_of(ctx, at, clocks)
    items = [_visit(work, case, clock, clocks) for clock, case in overdue]
    return _finding("R20", ctx, at, [s for s, _ in items], [k for _, keys in items for k in keys],
                    overdue[0][0].due_at)


# --- R21: child not seen, accompanied revisit overdue -------------------------------------------------------


def _revisit(work: Casework, case: CaseState, clock: Clock, clocks: Clocks, ctx: ChildContext,
             untimed: frozenset[str]) -> tuple[str, list[str]]:
    visit = next((v for v in case.visits if v.key == clock.source_key), None)
    if visit is None:  # not expected: the fold opens a revisit clock only from one of the case's visits
        return (f"An accompanied revisit was due by {_moment(clock.due_at, clocks)} and no visit that saw the child "
                "has been recorded since; only a visit that sees the child closes this.", [clock.source_key])
    detail = next((e.detail for e in ctx.events if e.key == visit.key), {})
    alone = visit.seen is True  # seen, but not alone when the plan requires it
    last = _last_seen(work, before=visit.at, alone=alone)
    since = (f"The child has not been seen{' alone' if alone else ''} since {d(last.on)}" if last is not None
             else f"No recorded visit has seen the child{' alone' if alone else ''}")
    if alone:
        what = "they were seen, but not alone, and the plan requires it"
        reason = _quote(detail.get("not_seen_alone_reason"))
    else:
        what = "they were not seen"
        reason = _quote(detail.get("not_seen_reason"))
    why = f" (the reason recorded: “{reason}”)" if reason else ""
    on_plan = any(p.started_on <= visit.on and (p.ended_on is None or visit.on < p.ended_on)
                  for p in case.protection_plans)
    days = clocks.revisit_working_days_cp if on_plan else clocks.revisit_working_days
    plan = ", on a child protection plan" if on_plan else ""
    closes = "sees the child alone" if alone else "sees the child"
    sentence = (f"{since}: on the visit {_visit_time(visit, clocks, untimed)} {what}{why}. An accompanied revisit "
                f"was due by {_moment(clock.due_at, clocks)}, {_working_days(days)} after that visit{plan}; only a "
                f"visit that {closes} closes this.")
    return sentence, [visit.key, last.key if last is not None else ""]


def r21_revisit(ctx: ChildContext, at: dt.datetime, params: dict[str, Any]) -> Finding | None:
    clocks = params["clocks"]
    overdue = overdue_clocks(ctx, at, clocks, "revisit")
    if not overdue:
        return None
    work = casework_of(ctx, at, clocks)
    untimed = frozenset(e.key for e in ctx.events if not e.has_time)
    items = [_revisit(work, case, clock, clocks, ctx, untimed) for clock, case in overdue]
    return _finding("R21", ctx, at, [s for s, _ in items], [k for _, keys in items for k in keys],
                    overdue[0][0].due_at)


# --- R23: concern unanswered past its deadline ---------------------------------------------------------------


def r23_concern_unanswered(ctx: ChildContext, at: dt.datetime, params: dict[str, Any]) -> Finding | None:
    clocks = params["clocks"]
    overdue: list[tuple[dt.datetime, Event]] = []
    for e in _own_records(ctx, at, "concern"):
        due = _moment_parsed(e.detail.get("response_due_at"), clocks, end_of=True)
        if due is None or at <= due:
            continue
        answered = _moment_parsed(e.detail.get("responded_at"), clocks, end_of=False)
        if answered is None and e.detail.get("response"):  # an answer without its time: when first recorded
            answered = e.recorded_at
        if answered is not None and answered <= at:
            continue
        overdue.append((due, e))
    if not overdue:
        return None
    overdue.sort(key=lambda o: (o[0], o[1].occurred_at, o[1].key))
    sentences = []
    for due, e in overdue:
        raiser = RAISED_BY.get(str(e.detail.get("raised_by") or ""), "")
        received = f"on {d(e.occurred_on)}" if not e.has_time else f"at {_moment(e.occurred_at, clocks)}"
        responder = str(e.detail.get("responder_role") or "").replace("_", " ")
        to = f" (to be answered by the {responder})" if responder else ""
        sentences.append(f"The concern{f' raised by {raiser}' if raiser else ''} received {received} has not been "
                         f"answered{to}: a response was due by {_moment(due, clocks)}.")
    return _finding("R23", ctx, at, sentences, [e.key for _, e in overdue], overdue[0][0])


# --- the rules -----------------------------------------------------------------------------------------------

PRACTICE_RULES: tuple[Rule, ...] = (
    Rule(
        "R20", "Statutory visit overdue",
        "A child on a child protection plan not seen on a visit within 10 working days of the plan starting or "
        "of the last visit that saw them; a looked-after child not seen within a week of a placement, then within "
        "6 weeks in the placement's first year, then within 3 months. A visit that did not see the child does not "
        "count.",
        f"{CARE_PLANNING} (looked-after children); local child protection procedures (every 10 working days); "
        f"{WORKING_TOGETHER}: children on a plan seen, and seen alone.",
        PROCESS_FAILURE, {"clocks": CLOCKS}, r20_statutory_visit, time_based=True,
        inputs=("kind:visit", "detail.child_seen", "kind:cp_plan", "kind:looked_after_episode", "kind:placement", "ended_on", "detail.case_id"),
    ),
    Rule(
        "R21", "Child not seen: accompanied revisit overdue",
        "A visit did not see the child (or did not see them alone when the plan requires it) and no visit has seen "
        "them since, one working day later on a child protection plan (five otherwise). Escalate: only a visit "
        "that sees the child closes it.",
        "Haringey SCR 'Child A' (2008/2009): a child 'not properly seen' on visits; local procedures for a child "
        f"not seen; {WORKING_TOGETHER}: children seen, and seen alone.",
        ESCALATE, {"clocks": CLOCKS}, r21_revisit, time_based=True,
        inputs=("kind:visit", "detail.child_seen", "detail.seen_alone", "detail.seen_alone_required", "detail.not_seen_reason", "detail.not_seen_alone_reason", "detail.case_id"), route=ROUTE_MANAGER_TOO,
    ),
    Rule(
        "R23", "Concern unanswered past its deadline",
        "A concern about the child from anyone (a relative, neighbour, whistleblower or professional) with no "
        "response recorded by its deadline. Goes to the head of service.",
        "Haringey SCR 'Child A' (2008/2009): warnings from relatives and a whistleblower that went nowhere; "
        "local concerns procedure (a named responder and a deadline).",
        PROCESS_FAILURE, {"clocks": CLOCKS}, r23_concern_unanswered, time_based=True,
        inputs=("kind:concern", "detail.raised_by", "detail.responder_role", "detail.response_due_at", "detail.responded_at", "detail.response"), route=ROUTE_HEAD_OF_SERVICE,
    ),
)
