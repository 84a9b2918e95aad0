"""Property tests of the casework lifecycle (hypothesis): whatever a worker or a case system tries, in any
order, no sequence of accepted steps reaches a state the rules forbid, and every step the rules forbid is
refused with a sentence saying why. Pure: the fold over records, no database."""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from joinedup.casework.lifecycle import Refused, check, fold
from joinedup.casework.state import CaseworkRecord

AGENCY = "csc"
START = dt.date(2026, 1, 5)


class CaseworkMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.records: dict[str, CaseworkRecord] = {}
        self.day = START
        self.n = 0
        self.refusals: list[str] = []

    # --- helpers ---------------------------------------------------------------------------------------------

    def _rec(self, kind, detail=None, ended_on=None, *, key=None, version=1, versions=1, day=None):
        self.n += 1
        srid = key or f"R{self.n}"
        day = day or self.day
        at = dt.datetime.combine(day, dt.time(10), tzinfo=dt.UTC)
        return CaseworkRecord(key=f"{AGENCY}:{srid}", agency=AGENCY, source_record_id=srid, kind=kind, occurred_at=at,
                              occurred_on=day, recorded_at=at + dt.timedelta(minutes=self.n), ended_on=ended_on,
                              detail=detail or {}, versions=versions, version=version, record_pk=self.n)

    def _end(self, old: CaseworkRecord, ended_on, detail=None):
        return CaseworkRecord(key=old.key, agency=old.agency, source_record_id=old.source_record_id, kind=old.kind,
                              occurred_at=old.occurred_at, occurred_on=old.occurred_on, recorded_at=old.recorded_at,
                              ended_on=ended_on, detail={**old.detail, **(detail or {})}, versions=old.versions + 1,
                              version=old.version + 1, record_pk=old.record_pk)

    def _try(self, record: CaseworkRecord, *, must_refuse: str = "") -> bool:
        try:
            check(list(self.records.values()), [record])
        except Refused as exc:
            assert exc.sentence and exc.sentence.endswith((".", ")")), exc.sentence
            self.refusals.append(exc.sentence)
            return False
        assert not must_refuse, f"accepted although {must_refuse}: {record.kind} {record.detail}"
        self.records[record.key] = record
        return True

    def _open_case_keys(self) -> set[str]:
        """Independently of the fold: the records since the last referral, if no closure followed it."""
        ordered = sorted(self.records.values(), key=lambda r: (r.occurred_on, r.recorded_at))
        keys: set[str] = set()
        for r in ordered:
            if r.kind == "referral":
                keys = {r.key}
            elif r.kind == "case_closure":
                keys = set()
            elif keys:
                keys.add(r.key)
        return keys

    def _in_case(self, kind):
        return [self.records[k] for k in self._open_case_keys() if self.records[k].kind == kind]

    def _open(self, kind, *, on=None):
        """Open records of a kind; `on` a day: still open that day (a plan ending today is open until it ends,
        after the day's conferences)."""
        return [r for r in self._in_case(kind) if r.ended_on is None or (on is not None and r.ended_on >= on)]

    # --- rules: a worker (or a case system) tries a step ----------------------------------------------------

    @rule(days=st.integers(0, 20))
    def time_passes(self, days):
        self.day += dt.timedelta(days=days)

    @rule(decision=st.sampled_from(["advice", "assessment", "strategy_discussion", ""]))
    def contact(self, decision):
        self._try(self._rec("csc_contact", {"decision": decision, "rag": "amber"}))

    @rule(nfa=st.booleans(), route=st.sampled_from(["assessment", "strategy_discussion"]))
    def referral(self, nfa, route):
        must = "a case is open" if self._open_case_keys() else ""
        self._try(self._rec("referral", {"nfa": nfa, "route": route, "source_code": "2A"}), must_refuse=must)

    @rule()
    def assessment_start(self):
        must = "an assessment is already open" if self._open("assessment") else ""
        self._try(self._rec("assessment", {"factors": ["21"]}), must_refuse=must)

    @rule(later=st.integers(0, 70))
    def assessment_end(self, later):
        for r in self._open("assessment"):
            self._try(self._end(r, r.occurred_on + dt.timedelta(days=later)))
            return

    @rule(decision=st.sampled_from(["section_47", "no_section_47"]))
    def strategy(self, decision):
        self._try(self._rec("strategy_discussion", {"decision": decision, "attendees": ["Police: DC"]}))

    @rule(needed=st.sampled_from([True, False, None]))
    def s47_start(self, needed):
        must = "no strategy discussion in the case" if not self._in_case("strategy_discussion") else ""
        detail = {"outcome": "substantiated"} if needed is None else {"conference_needed": needed}
        self._try(self._rec("section47_enquiry", detail), must_refuse=must)

    @rule(later=st.integers(0, 30))
    def s47_end(self, later):
        for r in self._open("section47_enquiry"):
            self._try(self._end(r, r.occurred_on + dt.timedelta(days=later)))
            return

    @rule(plan=st.booleans(), category=st.sampled_from(["neglect", "physical_abuse", "multiple"]))
    def initial_conference(self, plan, category):
        must = "no section 47 enquiry in the case" if not self._in_case("section47_enquiry") else ""
        conf = self._rec("conference", {"conference_type": "initial", "outcome": "plan" if plan else "no_plan",
                                        "category": category})
        if self._try(conf, must_refuse=must) and plan:
            self._try(self._rec("cp_plan", {"category": category, "initial_category": category}))

    @rule(category=st.sampled_from(["neglect", "sexual_abuse"]))
    def protection_route(self, category):
        """The usual path in one go, so that long sequences reach plans often."""
        self.strategy("section_47")
        self.s47_start(True)
        self.initial_conference(True, category)

    @rule()
    def plan_without_conference(self):
        held_today = [r for r in self._in_case("conference") if r.occurred_on == self.day
                      and r.detail.get("conference_type") == "initial"]
        must = "" if held_today else "no initial conference today"
        self._try(self._rec("cp_plan", {"category": "neglect"}), must_refuse=must)

    @rule(ends=st.booleans(), category=st.sampled_from(["neglect", "emotional_abuse"]))
    def review_conference(self, ends, category):
        must = "no open plan" if not self._open("cp_plan", on=self.day) else ""
        done = self._try(self._rec("conference", {"conference_type": "review", "category": category,
                                                  "outcome": "plan_ends" if ends else "plan_continues"}),
                         must_refuse=must)
        if done and ends:
            for plan in self._open("cp_plan"):
                self._try(self._end(plan, self.day, {"category": category}))

    @rule()
    def core_group(self):
        must = "no open plan" if not self._open("cp_plan", on=self.day) else ""
        self._try(self._rec("core_group"), must_refuse=must)

    @rule(length=st.integers(0, 200))
    def cin_plan(self, length):
        must = "a child protection plan is open" if self._open("cp_plan") else ""
        self._try(self._rec("cin_plan", ended_on=self.day + dt.timedelta(days=length) if length else None),
                  must_refuse=must)

    @rule(length=st.integers(0, 400))
    def looked_after(self, length):
        self._try(self._rec("looked_after_episode", {"legal_status": "C2", "reason_new_episode": "S"},
                            ended_on=self.day + dt.timedelta(days=length) if length else None))

    @rule(reason=st.sampled_from(["RC7", "RC8"]))
    def closure(self, reason):
        open_now = [r for kind in ("cp_plan", "cin_plan", "looked_after_episode", "assessment", "section47_enquiry")
                    for r in self._in_case(kind) if r.ended_on is None or r.ended_on > self.day]
        must = f"{open_now[0].kind} is open" if open_now else ""
        self._try(self._rec("case_closure", {"reason": reason}), must_refuse=must)

    # --- invariants over what was accepted ---------------------------------------------------------------

    @invariant()
    def accepted_records_are_all_placed_and_the_state_is_legal(self):
        cw = fold(self.records.values())
        assert cw.issues == [], cw.issues
        assert sum(1 for c in cw.cases if c.is_open) <= 1
        for case in cw.cases:
            assert sum(a.is_open for a in case.assessments) <= 1
            assert sum(q.is_open for q in case.enquiries) <= 1
            assert sum(p.is_open for p in case.protection_plans) <= 1
            for plan in case.protection_plans:
                icpc = next(c for c in case.conferences if c.key == plan.conference_key)
                assert icpc.conference_type == "initial" and icpc.held_on == plan.started_on
                assert any(q.icpc_key == icpc.key and q.started_on <= icpc.held_on for q in case.enquiries)
                assert plan.ended_on is None or plan.ended_on > plan.started_on
                for need in case.need_plans:  # never at the same time
                    assert (need.ended_on is not None and need.ended_on <= plan.started_on) or \
                        (plan.ended_on is not None and need.started_on >= plan.ended_on)
            if case.closed_on is not None:
                assert not any(x.is_open for x in (*case.protection_plans, *case.need_plans, *case.episodes,
                                                   *case.assessments, *case.enquiries))
            assert case.revision == sum(self.records[k].versions for k in case.record_keys)


CaseworkMachine.TestCase.settings = settings(max_examples=200, stateful_step_count=50, deadline=None,
                                             suppress_health_check=[HealthCheck.too_slow])
TestCasework = CaseworkMachine.TestCase
