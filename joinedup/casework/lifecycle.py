"""The casework lifecycle as one pure fold: a child's casework records → contacts, cases, clocks, and the
records that could not be placed, each with a sentence saying why.

The same fold decides what the screens and the API may record (a step is legal when folding the existing
records with the new one places it), what the projection stores for lists, and what the process-failure
alert rules see. The rules of the road (Working Together 2023):

- a referral opens a case (an episode of need); a child has at most one open case per authority;
- an assessment, a strategy discussion, a child in need plan or a looked-after episode needs an open case;
  one assessment and one section 47 enquiry are open at a time;
- a section 47 enquiry follows a strategy discussion that decided on one;
- an initial child protection conference follows a section 47 enquiry (not one that found no conference was
  needed); a child protection plan starts at an initial conference that decided on a plan;
- core groups, review conferences and changes of category need an open plan; a child in need plan and a
  child protection plan do not run at the same time;
- a case closes only when no plan, looked-after episode, assessment or enquiry is open.

A record arriving from a case system that breaks one of these is kept (nothing received is lost) but does
not change the case: it is returned as an `Issue`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from joinedup.casework import codes
from joinedup.casework.clocks import Clocks, end_of_day
from joinedup.casework.state import (
    CLOCK_LABELS,
    Assessment,
    CareEpisode,
    CaseState,
    CaseworkRecord,
    CategoryChange,
    Clock,
    Conference,
    ContactState,
    Enquiry,
    NeedPlan,
    ProtectionPlan,
    StrategyDiscussion,
    Visit,
)
from joinedup.casework.visits import visit_clocks

UTC = dt.UTC
CASEWORK_KINDS = frozenset({
    "csc_contact", "referral", "assessment", "strategy_discussion", "section47_enquiry", "conference", "cp_plan",
    "core_group", "cin_plan", "looked_after_episode", "visit", "case_closure",
})

# Steps on one day happen in this order (a conference before the plan it starts, a plan's end before the
# plan that replaces it, closure last).
RANK = {
    "contact": 0, "referral": 1, "assessment_start": 2, "strategy": 3, "s47_start": 4, "s47_end": 5,
    "assessment_end": 6, "conference": 7, "cp_end": 8, "cin_end": 8, "lac_end": 8, "cp_start": 9,
    "core_group": 10, "cin_start": 11, "lac_start": 12, "visit": 13, "closure": 14,
}
STARTS = {
    "csc_contact": "contact", "referral": "referral", "assessment": "assessment_start",
    "strategy_discussion": "strategy", "section47_enquiry": "s47_start", "conference": "conference",
    "cp_plan": "cp_start", "core_group": "core_group", "cin_plan": "cin_start",
    "looked_after_episode": "lac_start", "visit": "visit", "case_closure": "closure",
}
ENDS = {"assessment": "assessment_end", "section47_enquiry": "s47_end", "cp_plan": "cp_end", "cin_plan": "cin_end",
        "looked_after_episode": "lac_end"}


class Refused(ValueError):
    """A step the rules of the road do not allow; the message says why, in a practitioner's words."""

    def __init__(self, sentence: str, key: str = ""):
        super().__init__(sentence)
        self.sentence = sentence
        self.key = key


@dataclass(frozen=True)
class Issue:
    """A record the fold could not place, and why."""

    key: str
    kind: str
    occurred_on: dt.date
    sentence: str
    record_pk: int | None = None


@dataclass
class Casework:
    """Everything one child's casework records say, per authority."""

    contacts: list[ContactState] = field(default_factory=list)
    cases: list[CaseState] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)

    def case(self, key: str) -> CaseState | None:
        return next((c for c in self.cases if c.key == key), None)

    def contact(self, key: str) -> ContactState | None:
        return next((c for c in self.contacts if c.key == key), None)

    def open_case(self, agency: str) -> CaseState | None:
        return next((c for c in self.cases if c.agency == agency and c.is_open), None)

    def clocks(self) -> list[Clock]:
        return [c for contact in self.contacts for c in contact.clocks] + [c for case in self.cases for c in case.clocks]


def d(day: dt.date | None) -> str:
    """'3 March 2026'."""
    return "" if day is None else f"{day.day} {day:%B %Y}"


def _date(value) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _datetime(value) -> dt.datetime | None:
    if not value:
        return None
    try:
        out = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return out if out.tzinfo else out.replace(tzinfo=UTC)


def _bool(value) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "yes", "1"):
        return True
    if isinstance(value, str) and value.lower() in ("false", "no", "0"):
        return False
    return None


def _list(value) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value]
    return [str(value)] if value not in (None, "") else []


@dataclass(order=True)
class _Step:
    day: dt.date
    rank: int
    at: dt.datetime
    recorded_at: dt.datetime
    key: str
    action: str = field(compare=False)
    record: CaseworkRecord = field(compare=False)


def steps_of(records: Iterable[CaseworkRecord]) -> list[_Step]:
    """Each record's start (and end, for things with a duration) as steps in the order they happened."""
    steps: list[_Step] = []
    for r in records:
        if r.kind not in STARTS:
            continue
        action = STARTS[r.kind]
        steps.append(_Step(r.occurred_on, RANK[action], r.occurred_at, r.recorded_at, r.key, action, r))
        if r.kind in ENDS and r.ended_on is not None:
            end = ENDS[r.kind]
            at = dt.datetime.combine(r.ended_on, dt.time(), tzinfo=UTC)
            steps.append(_Step(r.ended_on, RANK[end], at, r.recorded_at, r.key, end, r))
    steps.sort()
    return steps


class _Fold:
    def __init__(self, clocks: Clocks):
        self.clocks = clocks
        self.out = Casework()
        self.refused: set[str] = set()
        self.case_of_record: dict[str, CaseState] = {}
        self.plans_started: dict[str, int] = {}  # agency → child protection plans so far

    # --- helpers ---------------------------------------------------------------------------------------------

    def _case_for(self, r: CaseworkRecord, what: str) -> CaseState:
        """The case a record belongs to: the one it names, else the child's open case at the authority."""
        case_id = str(r.detail.get("case_id") or "")
        if case_id:
            case = next((c for c in self.out.cases if c.agency == r.agency and c.case_ref == case_id), None)
            if case is None:
                raise Refused(f"{what} names case {case_id}, which has no referral: a referral opens a case.")
            if not case.is_open:
                raise Refused(f"{what} is dated {d(r.occurred_on)}, after case {case_id} closed on "
                              f"{d(case.closed_on)}.")
            return case
        case = self.out.open_case(r.agency)
        if case is None:
            raise Refused(f"{what} needs an open case, and there is none on {d(r.occurred_on)}: a referral "
                          "opens a case.")
        return case

    def _note(self, case: CaseState, r: CaseworkRecord) -> None:
        if r.key not in case.record_keys:
            case.record_keys.append(r.key)
            case.revision += r.versions
        self.case_of_record[r.key] = case

    # --- steps -------------------------------------------------------------------------------------------

    def contact(self, r: CaseworkRecord) -> None:
        det = r.detail
        raised_by = str(det.get("raised_by") or "")
        source = str(det.get("source_code") or codes.RAISED_BY_SOURCE.get(raised_by, "") or "")
        c = ContactState(
            key=r.key, agency=r.agency, record_pk=r.record_pk, received_at=r.occurred_at, source_code=source,
            raised_by=raised_by, raised_by_name=str(det.get("raised_by_name") or ""), text=str(det.get("text") or ""),
            rag=str(det.get("rag") or ""), rag_at=_datetime(det.get("rag_at")), decision=str(det.get("decision") or ""),
            decided_at=_datetime(det.get("decided_at")), decided_by=str(det.get("decided_by_role") or ""),
            decision_reason=str(det.get("decision_reason") or ""), referrer=str(det.get("referrer") or ""),
            referrer_agency=str(det.get("referrer_agency") or ""), referred_as=str(det.get("referred_as") or ""),
            revision=r.versions, version=r.version,
        )
        case = self.out.open_case(r.agency)
        if case is not None:
            c.case_key = case.key
            case.contacts.append(c.key)
            self._note(case, r)
        met = c.decided_at if c.decision else None
        if met is None and c.decision:  # a sender that gave the decision but not when: when it was recorded
            met = r.recorded_at
        # A contact known only by its day was received some time that day: its clocks run from the day's end.
        received = r.occurred_at if r.has_time else end_of_day(r.occurred_on, self.clocks)
        c.clocks.append(Clock("contact_decision", CLOCK_LABELS["contact_decision"], r.key, received,
                              self.clocks.decision_due(received), met_at=met))
        rag_due = self.clocks.rag_due(received, c.rag) if c.rag else None
        if rag_due is not None:
            c.clocks.append(Clock("contact_rag", f"Contact: {c.rag} ({self.clocks.rag_hours[c.rag]:g} hours)", r.key,
                                  received, rag_due, met_at=met))
        self.out.contacts.append(c)

    def referral(self, r: CaseworkRecord) -> None:
        det = r.detail
        current = self.out.open_case(r.agency)
        if current is not None:
            raise Refused(f"A referral on {d(r.occurred_on)} cannot open a case: the child's case opened on "
                          f"{d(current.opened_on)} is still open. Record it in that case, or close the case first.")
        case_ref = str(det.get("case_id") or r.source_record_id)
        case = CaseState(
            key=f"{r.agency}:{case_ref}", agency=r.agency, case_ref=case_ref, referral_key=r.key, opened_on=r.occurred_on,
            referral_record_pk=r.record_pk,
            source_code=str(det.get("source_code") or ""), primary_need=str(det.get("primary_need") or ""),
            route=str(det.get("route") or ""), nfa=bool(_bool(det.get("nfa"))),
        )
        if any(c.key == case.key for c in self.out.cases):
            raise Refused(f"Case {case_ref} was opened already; a referral cannot open it twice.")
        self.out.cases.append(case)
        self._note(case, r)
        contact_id = str(det.get("contact_id") or "")
        for c in self.out.contacts:
            if contact_id and c.agency == r.agency and c.key == f"{r.agency}:{contact_id}":
                c.case_key = case.key
                if c.key not in case.contacts:
                    case.contacts.append(c.key)
                if not c.decision:  # a sender that records the referral, not the contact's decision: that is it
                    c.decision = case.route or "assessment"
                    c.decided_at = r.occurred_at if r.has_time else min(r.recorded_at,
                                                                        end_of_day(r.occurred_on, self.clocks))
                    for clock in c.clocks:
                        clock.met_at = c.decided_at

    def assessment_start(self, r: CaseworkRecord) -> None:
        case = self._case_for(r, f"An assessment started on {d(r.occurred_on)}")
        if case.nfa:
            raise Refused("The referral was closed with no further action: an assessment needs a new referral.")
        if (open_one := case.open_assessment()) is not None:
            raise Refused(f"An assessment is already open (started {d(open_one.started_on)}): complete it before "
                          "starting another.")
        factors = _list(r.detail.get("factors"))
        case.assessments.append(Assessment(r.key, r.occurred_on, None, factors, str(r.detail.get("outcome") or "")))
        self._note(case, r)

    def _started(self, r: CaseworkRecord, what: str) -> CaseState:
        """The case of a record whose end is being applied; its start must have come first."""
        case = self.case_of_record.get(r.key)
        if case is None:  # ended on a day ordered before its own start
            raise Refused(f"{what} cannot end ({d(r.ended_on)}) on or before the day it started "
                          f"({d(r.occurred_on)}).")
        return case

    def assessment_end(self, r: CaseworkRecord) -> None:
        case = self._started(r, "The assessment")
        a = next(a for a in case.assessments if a.key == r.key)
        if r.ended_on < a.started_on:
            raise Refused(f"The assessment cannot be authorised ({d(r.ended_on)}) before it started "
                          f"({d(a.started_on)}).")
        a.authorised_on = _date(r.detail.get("authorised_on")) or r.ended_on

    def strategy(self, r: CaseworkRecord) -> None:
        case = self._case_for(r, f"A strategy discussion on {d(r.occurred_on)}")
        decision = str(r.detail.get("decision") or "")
        case.strategies.append(StrategyDiscussion(r.key, r.occurred_at, r.occurred_on,
                                                  _list(r.detail.get("attendees")), decision))
        self._note(case, r)

    def s47_start(self, r: CaseworkRecord) -> None:
        case = self._case_for(r, f"A section 47 enquiry started on {d(r.occurred_on)}")
        strategies = [s for s in case.strategies if s.held_on <= r.occurred_on]
        if not strategies:
            raise Refused("A section 47 enquiry follows a strategy discussion: none has been held in this case.")
        wanted = str(r.detail.get("strategy_id") or "")
        strategy = next((s for s in strategies if wanted and s.key == f"{r.agency}:{wanted}"), strategies[-1])
        if strategy.decision == "no_section_47":
            raise Refused(f"The strategy discussion on {d(strategy.held_on)} decided against a section 47 enquiry; "
                          "hold another strategy discussion first.")
        if (open_one := case.open_enquiry()) is not None:
            raise Refused(f"A section 47 enquiry is already open (started {d(open_one.started_on)}).")
        needed = _bool(r.detail.get("conference_needed"))
        case.enquiries.append(Enquiry(r.key, r.occurred_on, strategy.key, strategy.held_on, None,
                                      str(r.detail.get("outcome") or ""), needed))
        self._note(case, r)

    def s47_end(self, r: CaseworkRecord) -> None:
        case = self._started(r, "The section 47 enquiry")
        q = next(q for q in case.enquiries if q.key == r.key)
        if r.ended_on < q.started_on:
            raise Refused(f"The enquiry cannot finish ({d(r.ended_on)}) before it started ({d(q.started_on)}).")
        q.completed_on = r.ended_on

    def conference(self, r: CaseworkRecord) -> None:
        det = r.detail
        kind = str(det.get("conference_type") or {"icpc": "initial", "rcpc": "review"}.get(str(det.get("code")), ""))
        case = self._case_for(r, f"A child protection conference on {d(r.occurred_on)}")
        category = str(det.get("category") or "")
        outcome = str(det.get("outcome") or "")
        if kind == "review":
            plan = case.open_protection_plan()
            if plan is None:
                raise Refused(f"A review conference on {d(r.occurred_on)} needs an open child protection plan, and "
                              "there is none.")
            plan.reviews.append(r.occurred_on)
            if category and category != plan.latest_category:
                plan.categories.append(CategoryChange(r.occurred_on, category, r.key))
            case.conferences.append(Conference(r.key, r.occurred_on, "review", outcome, category))
            self._note(case, r)
            return
        if kind != "initial":
            raise Refused("Say whether the conference is an initial or a review conference (conference_type).")
        enquiries = [q for q in case.enquiries if q.started_on <= r.occurred_on]
        if not enquiries:
            raise Refused("An initial child protection conference needs a section 47 enquiry first: none has been "
                          "started in this case.")
        enquiry = next((q for q in reversed(enquiries) if q.conference_needed is not False and not q.icpc_key), None)
        if enquiry is None:
            last = enquiries[-1]
            if last.icpc_key:
                raise Refused(f"The section 47 enquiry of {d(last.started_on)} has had its initial conference; a "
                              "further one needs a new enquiry.")
            raise Refused(f"The section 47 enquiry of {d(last.started_on)} found no conference was needed.")
        if (plan := case.open_protection_plan()) is not None:
            raise Refused(f"The child is already on a child protection plan (since {d(plan.started_on)}): hold a "
                          "review conference instead.")
        enquiry.icpc_key = r.key
        if enquiry.conference_needed is None:
            enquiry.conference_needed = True
        case.conferences.append(Conference(r.key, r.occurred_on, "initial", outcome, category))
        self._note(case, r)

    def cp_start(self, r: CaseworkRecord) -> None:
        case = self._case_for(r, f"A child protection plan starting {d(r.occurred_on)}")
        used = {p.conference_key for p in case.protection_plans}
        icpc = next((c for c in reversed(case.conferences)
                     if c.conference_type == "initial" and c.held_on == r.occurred_on and c.key not in used
                     and c.outcome in ("plan", "")), None)
        if icpc is None:
            raise Refused(f"A child protection plan starts at an initial child protection conference that decided on "
                          f"a plan, and none was held in this case on {d(r.occurred_on)}.")
        if (plan := case.open_protection_plan()) is not None:
            raise Refused(f"The child is already on a child protection plan (since {d(plan.started_on)}).")
        if (need := case.open_need_plan()) is not None:
            raise Refused(f"The child in need plan that started {d(need.started_on)} is still open: a child in need "
                          "plan and a child protection plan do not run at the same time. End it first.")
        initial = str(r.detail.get("initial_category") or icpc.category or r.detail.get("category") or "")
        plan = ProtectionPlan(r.key, r.occurred_on, None, icpc.key, [CategoryChange(r.occurred_on, initial, icpc.key)],
                              previous_plans=self.plans_started.get(r.agency, 0))
        plan.recorded_category = str(r.detail.get("category") or "")
        self.plans_started[r.agency] = self.plans_started.get(r.agency, 0) + 1
        case.protection_plans.append(plan)
        self._note(case, r)

    def cp_end(self, r: CaseworkRecord) -> None:
        case = self._started(r, "A child protection plan")
        plan = next(p for p in case.protection_plans if p.key == r.key)
        if r.ended_on <= plan.started_on:
            raise Refused(f"A child protection plan cannot end ({d(r.ended_on)}) on or before the day it started "
                          f"({d(plan.started_on)}).")
        plan.ended_on = r.ended_on

    def core_group(self, r: CaseworkRecord) -> None:
        case = self._case_for(r, f"A core group meeting on {d(r.occurred_on)}")
        plan = case.open_protection_plan()
        if plan is None:
            raise Refused(f"A core group meeting on {d(r.occurred_on)} needs an open child protection plan, and "
                          "there is none.")
        plan.core_groups.append(r.occurred_on)
        self._note(case, r)

    def cin_start(self, r: CaseworkRecord) -> None:
        case = self._case_for(r, f"A child in need plan starting {d(r.occurred_on)}")
        if (plan := case.open_protection_plan()) is not None:
            raise Refused(f"The child is on a child protection plan (since {d(plan.started_on)}): a child in need "
                          "plan starts when it ends.")
        if (need := case.open_need_plan()) is not None:
            raise Refused(f"A child in need plan is already open (since {d(need.started_on)}).")
        case.need_plans.append(NeedPlan(r.key, r.occurred_on))
        self._note(case, r)

    def cin_end(self, r: CaseworkRecord) -> None:
        case = self._started(r, "A child in need plan")
        plan = next(p for p in case.need_plans if p.key == r.key)
        if r.ended_on < plan.started_on:
            raise Refused(f"A child in need plan cannot end ({d(r.ended_on)}) before it started "
                          f"({d(plan.started_on)}).")
        plan.ended_on = r.ended_on

    def lac_start(self, r: CaseworkRecord) -> None:
        case = self._case_for(r, f"A looked-after episode starting {d(r.occurred_on)}")
        if (ep := case.open_episode()) is not None:
            raise Refused(f"A looked-after episode is already open (since {d(ep.started_on)}): end it (reason X1 if "
                          "a new one starts the same day) before starting another.")
        det = r.detail
        case.episodes.append(CareEpisode(
            r.key, r.occurred_on, None, legal_status=str(det.get("legal_status") or ""),
            reason_new_episode=str(det.get("reason_new_episode") or ""),
            placement_type=str(det.get("placement_type") or ""),
            placement_provider=str(det.get("placement_provider") or ""),
            placement_postcode=str(det.get("placement_postcode") or ""),
            reason_ended=str(det.get("reason_ended") or ""), category_of_need=str(det.get("category_of_need") or ""),
        ))
        self._note(case, r)

    def lac_end(self, r: CaseworkRecord) -> None:
        case = self._started(r, "A looked-after episode")
        ep = next(e for e in case.episodes if e.key == r.key)
        if r.ended_on < ep.started_on:
            raise Refused(f"A looked-after episode cannot end ({d(r.ended_on)}) before it started "
                          f"({d(ep.started_on)}).")
        ep.ended_on = r.ended_on

    def visit(self, r: CaseworkRecord) -> None:
        """A social work visit joins the case it names, or the child's open case (a visit outside any case is in
        the chronology only)."""
        if r.detail.get("case_id"):
            case = self._case_for(r, f"A visit on {d(r.occurred_on)}")
        else:
            case = self.out.open_case(r.agency)
            if case is None:
                return
        det = r.detail
        seen = _bool(det.get("child_seen"))
        case.visits.append(Visit(
            r.key, r.occurred_at, r.occurred_on, seen, _bool(det.get("seen_alone")) if seen else None,
            bool(_bool(det.get("seen_alone_required"))), str(det.get("visit_type") or ""),
            bool(_bool(det.get("accompanied")))))
        self._note(case, r)

    def closure(self, r: CaseworkRecord) -> None:
        case = self._case_for(r, f"Closing the case on {d(r.occurred_on)}")
        open_things = [
            ("the child protection plan that started", case.open_protection_plan(), "end the plan (at a review "
             "conference) first"),
            ("the child in need plan that started", case.open_need_plan(), "end the plan first"),
            ("the looked-after episode that started", case.open_episode(), "end the episode first"),
            ("the assessment that started", case.open_assessment(), "authorise the assessment first"),
            ("the section 47 enquiry that started", case.open_enquiry(), "record its outcome first"),
        ]
        for what, thing, fix in open_things:
            if thing is not None:
                raise Refused(f"The case cannot be closed while {what} on {d(thing.started_on)} is open: {fix}.")
        case.closed_on = r.occurred_on
        case.closure_reason = str(r.detail.get("reason") or "")
        case.closure_key = r.key
        self._note(case, r)

    # --- clocks ------------------------------------------------------------------------------------------

    def _day_clock(self, kind: str, label: str, key: str, start: dt.date, due: dt.date,
                   met: dt.date | None, stopped: dt.date | None) -> Clock:
        def at(day):
            return None if day is None else dt.datetime.combine(day, dt.time(12), tzinfo=UTC)

        return Clock(kind, label, key, at(start), end_of_day(due, self.clocks), met_at=at(met),
                     stopped_at=None if met is not None else at(stopped), due_on=due)

    def case_clocks(self, case: CaseState) -> None:
        c = self.clocks
        stop = case.closed_on
        if not case.nfa:
            first = case.assessments[0] if case.assessments else None
            done = first.authorised_on if first is not None else None
            case.clocks.append(self._day_clock("assessment", CLOCK_LABELS["assessment"],
                                               first.key if first else case.referral_key, case.opened_on,
                                               c.assessment_due(case.opened_on), done, stop))
            for later in case.assessments[1:]:
                case.clocks.append(self._day_clock("assessment", "Assessment (45 working days from its start)",
                                                   later.key, later.started_on, c.assessment_due(later.started_on),
                                                   later.authorised_on, stop))
        by_key = {conf.key: conf for conf in case.conferences}
        for q in case.enquiries:
            if q.conference_needed is not True:
                continue
            start = q.strategy_on or q.started_on
            icpc = by_key.get(q.icpc_key)
            case.clocks.append(self._day_clock("icpc", CLOCK_LABELS["icpc"], q.key, start, c.icpc_due(start),
                                               icpc.held_on if icpc else None, stop))
        for plan in case.protection_plans:
            if plan.recorded_category and plan.recorded_category != plan.latest_category:
                # the sender changed the plan's category without a review conference we hold
                plan.categories.append(CategoryChange(None, plan.recorded_category, plan.key))
            end = plan.ended_on or stop
            first_cg = next((g for g in plan.core_groups if g >= plan.started_on), None)
            case.clocks.append(self._day_clock("core_group", CLOCK_LABELS["core_group"], plan.key, plan.started_on,
                                               c.core_group_due(plan.started_on), first_cg, end))
            last = None
            for review in plan.reviews:
                due = c.review_due(plan.started_on, last)
                case.clocks.append(self._day_clock("review", f"Review conference (due {d(due)})", plan.key,
                                                   last or plan.started_on, due, review, None))
                last = review
            due = c.review_due(plan.started_on, last)
            case.clocks.append(self._day_clock("review", f"Review conference (due {d(due)})", plan.key,
                                               last or plan.started_on, due, None, end))
        visit_clocks(case, c, self._day_clock)

    # --- the fold ----------------------------------------------------------------------------------------

    def run(self, records: Iterable[CaseworkRecord]) -> Casework:
        for step in steps_of(records):
            r = step.record
            if r.key in self.refused:
                continue
            try:
                getattr(self, step.action)(r)
            except Refused as exc:
                self.refused.add(r.key)
                self.out.issues.append(Issue(r.key, r.kind, step.day, exc.sentence, r.record_pk))
        for case in self.out.cases:
            self.case_clocks(case)
        return self.out


def fold(records: Iterable[CaseworkRecord], *, clocks: Clocks | None = None) -> Casework:
    """Every contact, case and clock the records make, and the records that could not be placed."""
    return _Fold(clocks or Clocks()).run(records)


def check(existing: Iterable[CaseworkRecord], new: Iterable[CaseworkRecord], *,
          clocks: Clocks | None = None) -> Casework:
    """Fold the existing records with new ones; raise `Refused` with the sentence if a new one is not placed
    (or if it would displace an existing record that was placed before)."""
    existing = list(existing)
    new = list(new)
    new_keys = {r.key for r in new}
    kept = [r for r in existing if r.key not in new_keys]  # a new version replaces the current one
    before = fold(existing, clocks=clocks)
    after = fold([*kept, *new], clocks=clocks)
    was_refused = {i.key for i in before.issues}
    for issue in after.issues:
        if issue.key in new_keys:
            raise Refused(issue.sentence, issue.key)
        if issue.key not in was_refused:
            raise Refused(f"This would leave an earlier record out of the case: {issue.sentence}", issue.key)
    return after
