"""Every statutory step of a case after the front door, recorded in joinedup: assessment, strategy discussion,
section 47 enquiry, conferences and the plan with its category history, core group, child in need plan,
looked-after episodes, closure. One entry point, `case_step_record`, so the screens and the API share the
checks: what the worker entered (`StepInvalid`, naming each field), the rules of the road (`Refused`, the
fold's sentence) and the case's revision (`Conflict`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from joinedup.accounts.models import User
from joinedup.accounts.services import actor_for
from joinedup.audit.actions import AuditAction
from joinedup.audit.services import audit_event_record
from joinedup.casework import codes
from joinedup.casework.clocks import clocks_from_settings
from joinedup.casework.lifecycle import Refused, fold
from joinedup.casework.models import Case
from joinedup.casework.projection import case_uuid
from joinedup.casework.relationships import may_record_case_step
from joinedup.casework.services.recording import (
    Conflict,
    StepInvalid,
    checked,
    child_mention,
    current,
    lock,
    new_record,
    next_version,
    now,
    record_of,
    today,
    write,
)
from joinedup.casework.state import CaseState

TEXT_LIMIT = 4000


@dataclass
class _Ctx:
    user: User
    case: CaseState
    data: dict[str, Any]
    at: dt.datetime
    errors: dict[str, str]

    @property
    def agency(self):
        from joinedup.accounts.models import Agency

        return Agency.objects.get(code=self.case.agency)

    # --- reading what the worker entered -------------------------------------------------------------

    def day(self, name: str, label: str, *, required: bool = True) -> dt.date | None:
        value = self.data.get(name)
        if value in (None, ""):
            if required:
                self.errors[name] = f"Enter the date {label}"
            return None
        if isinstance(value, dt.datetime):
            value = value.date()
        if not isinstance(value, dt.date):
            self.errors[name] = f"Enter the date {label} as a real date"
            return None
        if value > today():
            self.errors[name] = f"The date {label} must be today or in the past"
        elif value < self.case.opened_on:
            self.errors[name] = f"The date {label} must be on or after the referral ({self.case.opened_on:%d/%m/%Y})"
        return value

    def moment(self, name: str, label: str) -> dt.datetime | None:
        value = self.data.get(name)
        if value in (None, ""):
            self.errors[name] = f"Enter the date and time {label}"
            return None
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            value = dt.datetime.combine(value, dt.time(12), tzinfo=clocks_from_settings().tz)
        if not isinstance(value, dt.datetime):
            self.errors[name] = f"Enter the date and time {label} as a real date and time"
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=clocks_from_settings().tz)
        if value > self.at + dt.timedelta(minutes=5):
            self.errors[name] = f"The date and time {label} must be now or in the past"
        elif value.astimezone(clocks_from_settings().tz).date() < self.case.opened_on:
            self.errors[name] = f"The date {label} must be on or after the referral ({self.case.opened_on:%d/%m/%Y})"
        return value

    def code(self, name: str, table: dict[str, str], message: str, *, required: bool = True) -> str:
        value = str(self.data.get(name) or "")
        if not value:
            if required:
                self.errors[name] = message
            return ""
        if value not in table:
            self.errors[name] = message
            return ""
        return value

    def codes(self, name: str, table: dict[str, str], message: str) -> list[str]:
        values = [str(v) for v in (self.data.get(name) or []) if str(v)]
        if not values or any(v not in table for v in values):
            self.errors[name] = message
            return []
        return list(dict.fromkeys(values))

    def text(self, name: str, *, required_message: str = "") -> str:
        value = str(self.data.get(name) or "").strip()
        if required_message and not value:
            self.errors[name] = required_message
        elif len(value) > TEXT_LIMIT:
            self.errors[name] = f"This must be {TEXT_LIMIT:,} characters or fewer"
        return value

    def lines(self, name: str, *, required_message: str = "") -> list[str]:
        value = self.data.get(name) or []
        if isinstance(value, str):
            value = value.splitlines()
        out = [str(v).strip() for v in value if str(v).strip()]
        if required_message and not out:
            self.errors[name] = required_message
        return out

    def flag(self, name: str, message: str) -> bool | None:
        value = self.data.get(name)
        if isinstance(value, bool):
            return value
        if value in ("yes", "true", "1"):
            return True
        if value in ("no", "false", "0"):
            return False
        self.errors[name] = message
        return None

    # --- building records ----------------------------------------------------------------------------

    def new(self, kind: str, when, detail: dict, *, ended_on: dt.date | None = None) -> dict:
        agency = self.agency
        return new_record(agency=agency, kind=kind, mention=child_mention(agency=agency, person=self.person, new=None),
                          detail={"case_id": self.case.case_ref, **detail}, when=when, ended_on=ended_on,
                          user=self.user, now=self.at)

    def again(self, key: str, *, detail: dict | None = None, ended_on: dt.date | None = None) -> dict:
        return next_version(record_of(key), detail=detail, ended_on=ended_on, user=self.user, now=self.at)

    person: Any = None


def _require(thing, sentence: str):
    if thing is None:
        raise Refused(sentence)
    return thing


# --- the steps ------------------------------------------------------------------------------------------


def _assessment_start(c: _Ctx) -> list[dict]:
    started = c.day("started_on", "the assessment started")
    if c.errors:
        return []
    return [c.new("assessment", started, {"code": "single_assessment"})]


def _assessment_complete(c: _Ctx) -> list[dict]:
    a = _require(c.case.open_assessment(), "There is no open assessment to authorise.")
    authorised = c.day("authorised_on", "the assessment was authorised")
    factors = c.codes("factors", codes.ASSESSMENT_FACTORS, "Select the factors identified at assessment, or "
                      "'No factors identified'")
    if codes.NO_FACTORS in factors and len(factors) > 1:
        c.errors["factors"] = "'No factors identified' cannot be chosen with other factors"
    outcome = c.code("outcome", codes.ASSESSMENT_OUTCOMES, "Select the outcome of the assessment")
    need = c.code("primary_need", codes.PRIMARY_NEEDS, "Select a primary need code from the list", required=False)
    if c.errors:
        return []
    out = [c.again(a.key, detail={"factors": factors, "outcome": outcome,
                                  "authorised_on": authorised.isoformat()}, ended_on=authorised)]
    if need and need != c.case.primary_need:
        out.append(c.again(c.case.referral_key, detail={"primary_need": need}))
    return out


def _strategy_discussion(c: _Ctx) -> list[dict]:
    held = c.moment("held_at", "the strategy discussion was held")
    attendees = c.lines("attendees", required_message="List who took part: agency and role, one per line")
    decision = c.code("decision", codes.STRATEGY_DECISIONS, "Select whether a section 47 enquiry will start")
    notes = c.text("text")
    if c.errors:
        return []
    return [c.new("strategy_discussion", held, {"code": "strategy", "attendees": attendees, "decision": decision,
                                                "text": notes})]


def _section47_start(c: _Ctx) -> list[dict]:
    started = c.day("started_on", "the enquiry started")
    if c.errors:
        return []
    strategy = c.case.strategies[-1] if c.case.strategies else None
    return [c.new("section47_enquiry", started, {"code": "s47",
                                                 "strategy_id": strategy.key.split(":", 1)[1] if strategy else None})]


def _section47_complete(c: _Ctx) -> list[dict]:
    q = _require(c.case.open_enquiry(), "There is no open section 47 enquiry.")
    completed = c.day("completed_on", "the enquiry finished")
    outcome = c.code("outcome", codes.SECTION47_OUTCOMES, "Select the outcome of the enquiry")
    needed = c.flag("conference_needed", "Select whether an initial child protection conference is needed")
    if c.errors:
        return []
    return [c.again(q.key, detail={"outcome": outcome, "conference_needed": needed}, ended_on=completed)]


def _initial_conference(c: _Ctx) -> list[dict]:
    held = c.day("held_on", "the conference was held")
    outcome = c.code("outcome", {k: v for k, v in codes.CONFERENCE_OUTCOMES.items() if k in ("plan", "no_plan")},
                     "Select whether the conference decided on a child protection plan")
    category = c.code("category", codes.CATEGORIES, "Select the category of the plan", required=outcome == "plan")
    if c.errors:
        return []
    out = [c.new("conference", held, {"code": "icpc", "conference_type": "initial", "outcome": outcome,
                                      "category": category if outcome == "plan" else None})]
    if outcome == "plan":
        need = c.case.open_need_plan()
        if need is not None:  # a child in need plan ends when a child protection plan starts
            out.append(c.again(need.key, ended_on=held))
        out.append(c.new("cp_plan", held, {"code": "cpp", "category": category, "initial_category": category}))
    return out


def _core_group(c: _Ctx) -> list[dict]:
    _require(c.case.open_protection_plan(), "A core group meets while a child protection plan is open, and none is.")
    held = c.day("held_on", "the core group met")
    attendees = c.lines("attendees")
    notes = c.text("text")
    if c.errors:
        return []
    return [c.new("core_group", held, {"code": "core_group", "attendees": attendees, "text": notes})]


def _review_conference(c: _Ctx) -> list[dict]:
    plan = _require(c.case.open_protection_plan(), "A review conference needs an open child protection plan.")
    held = c.day("held_on", "the conference was held")
    outcome = c.code("outcome", {k: v for k, v in codes.CONFERENCE_OUTCOMES.items() if k.startswith("plan_")},
                     "Select whether the plan continues or ends")
    category = c.code("category", codes.CATEGORIES, "Select the category of the plan",
                      required=outcome == "plan_continues") or plan.latest_category
    if c.errors:
        return []
    out = [c.new("conference", held, {"code": "rcpc", "conference_type": "review", "outcome": outcome,
                                      "category": category})]
    if outcome == "plan_ends" or category != plan.latest_category:
        out.append(c.again(plan.key, detail={"category": category},
                           ended_on=held if outcome == "plan_ends" else None))
    return out


def _cin_plan_start(c: _Ctx) -> list[dict]:
    started = c.day("started_on", "the plan started")
    if c.errors:
        return []
    return [c.new("cin_plan", started, {"code": "cin", "primary_need": c.case.primary_need})]


def _cin_plan_end(c: _Ctx) -> list[dict]:
    plan = _require(c.case.open_need_plan(), "There is no open child in need plan.")
    ended = c.day("ended_on", "the plan ended")
    if c.errors:
        return []
    return [c.again(plan.key, ended_on=ended)]


def _episode_fields(c: _Ctx) -> dict:
    return {
        "legal_status": c.code("legal_status", codes.LEGAL_STATUSES, "Select the legal status"),
        "placement_type": c.code("placement_type", codes.PLACEMENT_TYPES, "Select the placement type"),
        "placement_provider": c.code("placement_provider", codes.PLACEMENT_PROVIDERS, "Select the placement provider"),
        "placement_postcode": _postcode(c),
        "category_of_need": c.code("category_of_need", {k: v for k, v in codes.PRIMARY_NEEDS.items()
                                                        if k not in ("N0", "N9")}, "Select the category of need"),
    }


def _postcode(c: _Ctx) -> str:
    value = " ".join(str(c.data.get("placement_postcode") or "").upper().split())
    if value and not (5 <= len(value.replace(" ", "")) <= 7 and value.replace(" ", "").isalnum()):
        c.errors["placement_postcode"] = "Enter a full postcode, like NB1 2AB"
    return value


def _looked_after_start(c: _Ctx) -> list[dict]:
    started = c.day("started_on", "the child started to be looked after")
    fields = _episode_fields(c)
    if c.errors:
        return []
    return [c.new("looked_after_episode", started, {"code": "cla", "reason_new_episode": "S", **fields})]


def _looked_after_change(c: _Ctx) -> list[dict]:
    ep = _require(c.case.open_episode(), "The child is not looked after: start an episode instead.")
    for name in ("legal_status", "placement_type", "placement_provider", "placement_postcode", "category_of_need"):
        if c.data.get(name) in (None, ""):  # what did not change carries over (a worker may not see the postcode)
            c.data[name] = getattr(ep, name)
    changed = c.day("changed_on", "of the change")
    reason = c.code("reason_new_episode", {k: v for k, v in codes.REASONS_NEW_EPISODE.items() if k != "S"},
                    "Select what changed")
    fields = _episode_fields(c)
    if c.errors:
        return []
    return [c.again(ep.key, detail={"reason_ended": "X1"}, ended_on=changed),
            c.new("looked_after_episode", changed, {"code": "cla", "reason_new_episode": reason, **fields})]


def _looked_after_end(c: _Ctx) -> list[dict]:
    ep = _require(c.case.open_episode(), "The child is not looked after.")
    ended = c.day("ended_on", "the child stopped being looked after")
    reason = c.code("reason_ended", {k: v for k, v in codes.REASONS_EPISODE_ENDED.items() if k != "X1"},
                    "Select why the child stopped being looked after")
    if c.errors:
        return []
    return [c.again(ep.key, detail={"reason_ended": reason}, ended_on=ended)]


def _close(c: _Ctx) -> list[dict]:
    closed = c.day("closed_on", "the case closed")
    reason = c.code("reason", codes.CLOSURE_REASONS, "Select the reason for closing the case")
    if c.errors:
        return []
    return [c.new("case_closure", closed, {"code": "closure", "reason": reason})]


@dataclass(frozen=True)
class Step:
    name: str
    label: str
    build: Callable[[_Ctx], list[dict]]


STEPS: dict[str, Step] = {s.name: s for s in (
    Step("assessment_start", "Start an assessment", _assessment_start),
    Step("assessment_complete", "Authorise the assessment", _assessment_complete),
    Step("strategy_discussion", "Record a strategy discussion", _strategy_discussion),
    Step("section47_start", "Start a section 47 enquiry", _section47_start),
    Step("section47_complete", "Record the section 47 outcome", _section47_complete),
    Step("initial_conference", "Record the initial child protection conference", _initial_conference),
    Step("core_group", "Record a core group meeting", _core_group),
    Step("review_conference", "Record a review conference", _review_conference),
    Step("cin_plan_start", "Start a child in need plan", _cin_plan_start),
    Step("cin_plan_end", "End the child in need plan", _cin_plan_end),
    Step("looked_after_start", "Start a looked-after episode", _looked_after_start),
    Step("looked_after_change", "Change of placement or legal status", _looked_after_change),
    Step("looked_after_end", "End the looked-after episode", _looked_after_end),
    Step("close", "Close the case", _close),
)}


def next_steps(case: CaseState) -> list[Step]:
    """The steps that make sense from where the case is (each is still checked when recorded)."""
    if not case.is_open:
        return []
    names: list[str] = []
    plan, need, ep = case.open_protection_plan(), case.open_need_plan(), case.open_episode()
    if case.open_assessment():
        names.append("assessment_complete")
    elif not case.nfa and not plan and not ep:
        names.append("assessment_start")
    if case.enquiry_awaiting_conference():
        names.append("initial_conference")
    if case.open_enquiry():
        names.append("section47_complete")
    elif case.strategies and case.strategies[-1].decision == "section_47" and not any(
            q.strategy_key == case.strategies[-1].key for q in case.enquiries):
        names.append("section47_start")
    if not plan and not ep:
        names.append("strategy_discussion")
    if plan:
        names += ["core_group", "review_conference"]
    if need:
        names.append("cin_plan_end")
    elif not plan:
        names.append("cin_plan_start")
    names += ["looked_after_change", "looked_after_end"] if ep else ["looked_after_start"]
    if not (plan or need or ep or case.open_assessment() or case.open_enquiry()):
        names.append("close")
    return [STEPS[n] for n in dict.fromkeys(names)]


@transaction.atomic
def case_step_record(*, user: User, case_id, step: str, data: dict[str, Any], revision: int | None) -> CaseState:
    """Record one step of a case. `revision` is the case's revision the worker saw (None: do not check)."""
    row = Case.objects.select_related("person").filter(pk=case_id).first()
    if row is None or row.agency_id != user.agency_id or not may_record_case_step(user, row.person):
        raise PermissionError("may not record steps of this case")
    if step not in STEPS:
        raise StepInvalid({"step": f"'{step}' is not a step joinedup records"})
    person = lock(row.person)
    existing = current(person)
    state = fold(existing, clocks=clocks_from_settings())
    case = next((c for c in state.cases if case_uuid(c.key) == row.pk), None)
    if case is None:
        raise StepInvalid({"case": "This case is no longer this child's (the records were re-linked)"})
    if revision is not None and revision != case.revision:
        raise Conflict("Someone else recorded something in this case while you were working on it. Check what they "
                       "recorded, then record your step again.", current_revision=case.revision)
    if not case.is_open:
        raise Refused(f"The case closed on {case.closed_on:%d/%m/%Y}: a new referral opens a new case.")
    ctx = _Ctx(user=user, case=case, data=dict(data), at=now(), errors={})
    ctx.person = person
    payloads = STEPS[step].build(ctx)
    if ctx.errors:
        raise StepInvalid(ctx.errors)
    after = checked(existing, payloads)
    write(user=user, payloads=payloads, person=person)
    audit_event_record(actor=actor_for(user), action=AuditAction.CASE_STEP, object_type="case", object_id=row.pk,
                       subject_person_id=person.pk, detail={"step": step, "records": [
                           f"{p['agency_id']}:{p['source_record_id']}" for p in payloads]})
    return after.case(case.key)
