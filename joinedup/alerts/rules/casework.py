"""Process-failure rules over the casework fold, R15–R19: a statutory clock of children's social care work that
is open and overdue (a contact not decided, an assessment, an initial conference, a first core group or a review
conference not held in time).

The clocks are not computed here. Every casework step is a children's social care record (ADR 0008), so the
rules see the steps as chronology events; the child's casework events (kind in `lifecycle.CASEWORK_KINDS`,
from a children's social care agency, naming the child as `subject` or `unborn`) are folded by
`casework.lifecycle.fold`, exactly as the case page, the API and the projection fold them, and the rules read
the fold's `Clock`s. The fold is made once per context and shared by the five rules (`ChildContext.memo`).

The timescales (`casework.clocks.Clocks`) come in each rule's `params["clocks"]`: the catalogue builds them
from settings (`JOINEDUP_CASEWORK_CLOCKS`, through `clocks_from_settings()`) once, when this module is
imported, so the rules stay pure; tests pass their own (`dataclasses.replace(rule, params=...)`).

What a rule sees at `at`:

- only records received by `at` (`recorded_at`, as `ChildContext.as_of` keeps them);
- a clock is overdue while it is open and its due moment has passed. A clock met or stopped after `at` was
  still open at `at`: a record's later version (a contact's decision, an assessment's authorisation, a plan's
  end) keeps its first `recorded_at`, so a replay at an earlier time would otherwise see the later decision.
  Day clocks are met or stopped on a day (a conference recorded as held on the due day is on time);
- a clock met late is history, not an alert; a stopped clock (the case closed, the plan ended) is not an alert.

Sentences name what is overdue, since when and when it fell due; they never carry a running count ("overdue
by 3 days"), because one open alert per rule per child is updated whenever its sentence changes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from joinedup.casework.clocks import Clocks, clocks_from_settings
from joinedup.casework.lifecycle import CASEWORK_KINDS, Casework, d, fold
from joinedup.casework.state import CaseState, CaseworkRecord, Clock, ContactState
from joinedup.chronology.events import Event

from .base import PROCESS_FAILURE, ChildContext, Finding, Rule

CSC_AGENCY_KIND = "childrens_social_care"
CHILD_ROLES = frozenset({"subject", "unborn"})
WORKING_TOGETHER = "Working Together to Safeguard Children (2023), 'Providing help, support and protection'"


def _settings_clocks() -> Clocks:
    """The deployment's timescales; the defaults where Django is not configured (a script importing the rules)."""
    from django.conf import settings

    return clocks_from_settings() if settings.configured else Clocks()


CLOCKS: Clocks = _settings_clocks()


# --- the fold, as the rules see it --------------------------------------------------------------------


def casework_events(ctx: ChildContext, at: dt.datetime) -> list[Event]:
    """The child's own casework records received by `at`: children's social care records of a casework kind in
    which the child is the subject (or the unborn child)."""
    return [e for e in ctx.events
            if e.kind in CASEWORK_KINDS and e.agency_kind == CSC_AGENCY_KIND and not CHILD_ROLES.isdisjoint(e.roles)
            and e.recorded_at <= at]


def casework_of(ctx: ChildContext, at: dt.datetime, clocks: Clocks) -> Casework:
    """The fold of the child's casework records received by `at` (made once, shared by R15–R19)."""
    quick = (at, clocks, id(ctx.events), len(ctx.events))  # the same evaluation asking again: no key to rebuild
    hit = ctx.memo.get("casework_at")
    if hit is not None and hit[0] == quick:
        return hit[1]
    events = casework_events(ctx, at)
    key = (clocks, tuple((id(e), e.key, e.version, e.versions_received, e.ended_on) for e in events))
    hit = ctx.memo.get("casework")
    if hit is not None and hit[0] == key:
        out = hit[1]
    else:
        out = fold([CaseworkRecord.from_event(e) for e in events], clocks=clocks)
        ctx.memo["casework"] = (key, out)
    ctx.memo["casework_at"] = (quick, out)
    return out


def _by(moment: dt.datetime | None, at: dt.datetime, clock: Clock, clocks: Clocks) -> bool:
    """Whether a clock's meeting (or stopping) had happened by `at`: by the day for day clocks, else to the moment."""
    if moment is None:
        return False
    if clock.due_on is not None:
        return moment.date() <= at.astimezone(clocks.tz).date()
    return moment <= at


def overdue_at(clock: Clock, at: dt.datetime, clocks: Clocks) -> bool:
    """Open and overdue at `at` (`Clock.is_overdue`, judged as things stood at `at`)."""
    return at > clock.due_at and not _by(clock.met_at, at, clock, clocks) and not _by(clock.stopped_at, at, clock,
                                                                                      clocks)


def overdue_clocks(ctx: ChildContext, at: dt.datetime, clocks: Clocks,
                   kind: str) -> list[tuple[Clock, ContactState | CaseState]]:
    """The child's clocks of one kind open and overdue at `at`, earliest due first, each with its contact or case."""
    work = casework_of(ctx, at, clocks)
    holders: Iterable[ContactState | CaseState] = work.contacts if kind == "contact_decision" else work.cases
    out = [(c, h) for h in holders for c in h.clocks if c.kind == kind and overdue_at(c, at, clocks)]
    out.sort(key=lambda pair: (pair[0].due_at, pair[0].source_key))
    return out


# --- wording ---------------------------------------------------------------------------------------------


def _moment(value: dt.datetime, clocks: Clocks) -> str:
    local = value.astimezone(clocks.tz)
    return f"{local:%H:%M} on {d(local.date())}"


def _working_days(n: int) -> str:
    return "one working day" if n == 1 else f"{n} working days"


def _months(n: int) -> str:
    return "one month" if n == 1 else f"{n} months"


Item = tuple[str, list[str]]  # a sentence and the records that started the clock


def _finding(rule_id: str, ctx: ChildContext, at: dt.datetime, items: list[tuple[Clock, Item]]) -> Finding | None:
    from .catalogue import _finding as finding  # the catalogue imports this module: import it when needed

    if not items:
        return None
    sentence = " ".join(item[0] for _clock, item in items)
    keys = [k for _clock, item in items for k in item[1] if k]
    return finding(rule_id, ctx, at, sentence, keys, due_at=items[0][0].due_at)


def _rule(rule_id: str, kind: str, say: Callable[[Clock, Any, Clocks, frozenset[str]], Item]):
    def evaluate(ctx: ChildContext, at: dt.datetime, params: dict[str, Any]) -> Finding | None:
        clocks = params["clocks"]
        overdue = overdue_clocks(ctx, at, clocks, kind)
        if not overdue:
            return None
        untimed = frozenset(e.key for e in ctx.events if not e.has_time)
        return _finding(rule_id, ctx, at, [(clock, say(clock, holder, clocks, untimed)) for clock, holder in overdue])

    evaluate.__name__ = evaluate.__qualname__ = f"{rule_id.lower()}_{kind}"
    return evaluate


# --- R15: contact decision overdue -------------------------------------------------------------------------


def _contact(clock: Clock, contact: ContactState, clocks: Clocks, untimed: frozenset[str]) -> Item:
    if contact.key in untimed:  # a day-only record (placed at midnight UTC): no time to name
        received = f"on {d(contact.received_at.date())}"
    else:
        received = f"at {_moment(contact.received_at, clocks)}"
    sentence = (f"No decision has been recorded on the contact received {received}: it was due by "
                f"{_moment(clock.due_at, clocks)}, {_working_days(clocks.decision_working_days)} after it was "
                "received.")
    return sentence, [contact.key]


# --- R16: assessment past 45 working days ------------------------------------------------------------------


def _assessment(clock: Clock, case: CaseState, clocks: Clocks, untimed: frozenset[str]) -> Item:
    days = _working_days(clocks.assessment_working_days)
    first = case.assessments[0] if case.assessments else None
    if clock.source_key == case.referral_key or (first is not None and clock.source_key == first.key):
        started = f", started {d(first.started_on)}," if first is not None else ""
        sentence = (f"The assessment of the referral of {d(case.opened_on)}{started} has not been completed: it was "
                    f"due by {d(clock.due_on)}, {days} after the referral.")
        return sentence, [case.referral_key, first.key if first is not None else ""]
    later = next((a for a in case.assessments if a.key == clock.source_key), None)
    started = d(later.started_on) if later is not None else d(clock.started_at.date())
    return (f"The assessment started {started} has not been completed: it was due by {d(clock.due_on)}, {days} "
            "after it started.", [clock.source_key])


# --- R17: initial child protection conference past 15 working days -----------------------------------------


def _icpc(clock: Clock, case: CaseState, clocks: Clocks, untimed: frozenset[str]) -> Item:
    days = _working_days(clocks.icpc_working_days)
    q = next((q for q in case.enquiries if q.key == clock.source_key), None)
    if q is not None and q.strategy_key:
        sentence = (f"No initial child protection conference has been recorded after the strategy discussion of "
                    f"{d(q.strategy_on)} (section 47 enquiry started {d(q.started_on)}): it was due by "
                    f"{d(clock.due_on)}, {days} after the strategy discussion.")
        return sentence, [q.strategy_key, q.key]
    started = d(q.started_on) if q is not None else d(clock.started_at.date())
    return (f"No initial child protection conference has been recorded after the section 47 enquiry started "
            f"{started}: it was due by {d(clock.due_on)}, {days} after it.", [clock.source_key])


# --- R18: first core group not within 10 working days of the initial conference ----------------------------


def _plan_of(case: CaseState, key: str):
    return next((p for p in case.protection_plans if p.key == key), None)


def _core_group(clock: Clock, case: CaseState, clocks: Clocks, untimed: frozenset[str]) -> Item:
    plan = _plan_of(case, clock.source_key)
    started = d(plan.started_on) if plan is not None else d(clock.started_at.date())
    sentence = (f"No core group meeting has been recorded since the initial child protection conference of {started}"
                f" that started the child protection plan: the first was due by {d(clock.due_on)}, "
                f"{_working_days(clocks.core_group_working_days)} after the conference.")
    return sentence, [plan.conference_key if plan is not None else "", clock.source_key]


# --- R19: review conference overdue ------------------------------------------------------------------------


def _review(clock: Clock, case: CaseState, clocks: Clocks, untimed: frozenset[str]) -> Item:
    plan = _plan_of(case, clock.source_key)
    since = clock.started_at.date()
    if plan is None or since == plan.started_on:  # no review yet: the first, months after the initial conference
        conference_key = plan.conference_key if plan is not None else ""
        sentence = (f"No review child protection conference has been recorded since the initial conference of "
                    f"{d(since)}: the first review was due by {d(clock.due_on)}, "
                    f"{_months(clocks.first_review_months)} after it.")
    else:
        last = next((c for c in reversed(case.conferences) if c.conference_type == "review" and c.held_on == since),
                    None)
        conference_key = last.key if last is not None else ""
        sentence = (f"No review child protection conference has been recorded since the review of {d(since)}: the "
                    f"next was due by {d(clock.due_on)}, {_months(clocks.review_months)} after it.")
    return sentence, [conference_key, clock.source_key]


# --- the rules -----------------------------------------------------------------------------------------------

r15_contact_decision = _rule("R15", "contact_decision", _contact)
r16_assessment = _rule("R16", "assessment", _assessment)
r17_initial_conference = _rule("R17", "icpc", _icpc)
r18_core_group = _rule("R18", "core_group", _core_group)
r19_review_conference = _rule("R19", "review", _review)

CASEWORK_RULES: tuple[Rule, ...] = (
    Rule(
        "R15", "Contact decision overdue",
        "A contact to children's social care with no decision recorded one working day after it was received "
        "(working hours, 09:00–17:00 by default; weekends and bank holidays in England do not count).",
        f"{WORKING_TOGETHER}: a decision on the type of response within one working day of a referral "
        "being received; applied to every contact by local front-door policy.",
        PROCESS_FAILURE, {"clocks": CLOCKS}, r15_contact_decision, time_based=True,
        inputs=("kind:csc_contact", "detail.decision", "detail.decided_at", "detail.case_id", "occurred_at"),
    ),
    Rule(
        "R16", "Assessment past 45 working days",
        "An assessment not completed (authorised) within 45 working days of the referral (or, for a further "
        "assessment in the same case, of its start), while the case is open.",
        f"{WORKING_TOGETHER}: the maximum timeframe for an assessment to conclude is 45 working days "
        "from the point of referral.",
        PROCESS_FAILURE, {"clocks": CLOCKS}, r16_assessment, time_based=True,
        inputs=("kind:referral", "kind:assessment", "detail.nfa", "ended_on", "kind:case_closure", "detail.case_id"),
    ),
    Rule(
        "R17", "Initial child protection conference past 15 working days",
        "A section 47 enquiry that needs an initial child protection conference, with none held within 15 "
        "working days of the strategy discussion, while the case is open.",
        f"{WORKING_TOGETHER}: the initial child protection conference takes place within 15 working "
        "days of the strategy discussion at which section 47 enquiries were initiated.",
        PROCESS_FAILURE, {"clocks": CLOCKS}, r17_initial_conference, time_based=True,
        inputs=("kind:strategy_discussion", "kind:section47_enquiry", "detail.conference_needed", "kind:conference", "detail.case_id"),
    ),
    Rule(
        "R18", "First core group not held within 10 working days",
        "A child protection plan with no core group meeting within 10 working days of the initial child "
        "protection conference that started it, while the plan is open.",
        f"{WORKING_TOGETHER}: the first core group meeting takes place within 10 working days of the "
        "initial child protection conference.",
        PROCESS_FAILURE, {"clocks": CLOCKS}, r18_core_group, time_based=True,
        inputs=("kind:conference", "kind:cp_plan", "kind:core_group", "detail.conference_type", "detail.outcome", "ended_on"),
    ),
    Rule(
        "R19", "Review conference overdue",
        "A child protection plan with no review conference within 3 months of the initial conference, or "
        "within 6 months of the last review, while the plan is open.",
        f"{WORKING_TOGETHER}: the first review conference within three months of the initial "
        "conference, further reviews at intervals of not more than six months.",
        PROCESS_FAILURE, {"clocks": CLOCKS}, r19_review_conference, time_based=True,
        inputs=("kind:conference", "kind:cp_plan", "detail.conference_type", "detail.outcome", "ended_on"),
    ),
)
