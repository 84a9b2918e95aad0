"""R20, R21 and R23, the practice rules: a statutory visit overdue and an accompanied revisit overdue (read from the
casework fold's visit and revisit clocks), a concern unanswered past its deadline. For every rule
a case that fires and near misses that do not (met on time, the plan ended, not yet due), across Christmas where the
working days matter, sentences without a running count, and only what was received by the time: a replay before the
record that met the step does not see it. R13 and R22 are retired. Pure: no database.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from joinedup.alerts.rules.base import (
    ESCALATE,
    PROCESS_FAILURE,
    ROUTE_HEAD_OF_SERVICE,
    ROUTE_MANAGER_TOO,
    ROUTE_USUAL,
)
from joinedup.alerts.rules.casework import CLOCKS
from joinedup.alerts.rules.catalogue import RETIRED_RULES, RULES, RULES_BY_ID
from joinedup.alerts.rules.practice import PRACTICE_RULES
from joinedup.casework.clocks import Clocks
from joinedup.chronology.events import Event

from .test_rules_casework import CSC, POLICE, at, closure, ctx, fire, rec, referral, same_sentence_a_day_apart

UTC = dt.UTC


def on_plan(icpc_on: str = "2026-12-16", plan_end: str | None = None) -> list[Event]:
    """A case to a child protection plan started at the initial conference on `icpc_on`."""
    return [referral("2026-12-01"), rec("strategy_discussion", "2026-12-07", detail={"decision": "section_47"}),
            rec("section47_enquiry", "2026-12-07", detail={"conference_needed": True}),
            rec("conference", icpc_on, detail={"conference_type": "initial", "outcome": "plan",
                                               "category": "neglect"}),
            rec("cp_plan", icpc_on, detail={"category": "neglect"}, ended_on=plan_end)]


def visit(when: str, seen: bool | None = True, *, alone: bool | None = True, required: bool = False,
          recorded: str | None = None, **detail) -> Event:
    d = {"child_seen": seen, "visit_type": "statutory", **detail}
    if seen:
        d["seen_alone"] = alone
    if required:
        d["seen_alone_required"] = True
    return rec("visit", when, detail=d, recorded=recorded)


def looked_after(on: str) -> Event:
    return rec("looked_after_episode", on, detail={"legal_status": "C2", "reason_new_episode": "S",
                                                   "placement_type": "U4", "category_of_need": "N1"})


# --- the catalogue --------------------------------------------------------------------------------------------


def test_r20_r21_r23_are_named_time_based_rules_with_their_routes_and_the_clocks_in_their_params():
    assert [r.id for r in PRACTICE_RULES] == ["R20", "R21", "R23"]
    assert [r.id for r in RULES][-3:] == ["R20", "R21", "R23"]
    kinds = {r.id: (r.kind, r.route) for r in PRACTICE_RULES}
    assert kinds == {"R20": (PROCESS_FAILURE, ROUTE_USUAL), "R21": (ESCALATE, ROUTE_MANAGER_TOO),
                     "R23": (PROCESS_FAILURE, ROUTE_HEAD_OF_SERVICE)}
    for r in PRACTICE_RULES:
        assert r.time_based and r.name and r.explanation and r.evidence
        assert r.params["clocks"] is CLOCKS


def test_r13_and_r22_are_retired_and_their_ids_never_reused():
    assert "R13" not in RULES_BY_ID and "R13" in RETIRED_RULES and "R22" not in RULES_BY_ID and "R22" in RETIRED_RULES
    assert "R20" in RETIRED_RULES["R13"] and "supervision page" in RETIRED_RULES["R22"]
    assert not set(RETIRED_RULES) & set(RULES_BY_ID)


# --- R20: statutory visit overdue -----------------------------------------------------------------------------


def test_r20_fires_10_working_days_after_the_child_was_last_seen_on_a_plan_not_counting_christmas():
    seen = visit("2026-12-18T10:00")
    records = on_plan()
    c = ctx(*records, seen)
    # 10 working days after Friday 18 December 2026: Christmas Day, the Boxing Day substitute (28th) and New Year's
    # Day are not counted, so the next visit is due by the end of Wednesday 6 January 2027.
    assert fire("R20", c, "2027-01-06T23:30") is None
    f = fire("R20", c, "2027-01-07T09:00")
    assert f is not None and f.evidence == (records[-1].key, seen.key)
    assert f.due_at == dt.datetime(2027, 1, 6, 23, 59, 59, 999999, tzinfo=UTC)
    assert f.sentence == ("Statutory visit overdue for the child protection plan started 16 December 2026: the child "
                          "was last seen on a visit on 18 December 2026, and the next visit was due by 6 January "
                          "2027 (every 10 working days).")
    same_sentence_a_day_apart("R20", c, "2027-01-07", "2027-01-08")


def test_r20_the_first_visit_of_a_plan_runs_from_the_plan_and_names_an_earlier_sighting():
    before = visit("2026-12-10T10:00")
    records = on_plan()
    f = fire("R20", ctx(*records, before), "2027-01-05T09:00")  # 10 working days after 16 December: 4 January
    assert f.evidence == (records[-1].key, before.key)
    assert f.sentence == ("Statutory visit overdue for the child protection plan started 16 December 2026: the child "
                          "was last seen on a visit on 10 December 2026, and the first visit was due by 4 January "
                          "2027 (10 working days after the plan started).")
    never = fire("R20", ctx(*records), "2027-01-05T09:00")
    assert "no visit that saw the child has been recorded, and the first visit was due by 4 January" in never.sentence


def test_r20_near_misses_seen_on_the_due_day_plan_ended_case_not_on_a_plan_and_not_yet_due():
    records = on_plan()
    assert fire("R20", ctx(*records, visit("2026-12-18T10:00"), visit("2027-01-06T16:00")), "2027-01-08") is None
    ended = on_plan(plan_end="2026-12-30")
    assert fire("R20", ctx(*ended, visit("2026-12-18T10:00")), "2027-01-08") is None
    assert fire("R20", ctx(referral("2026-12-01")), "2027-03-01") is None  # no plan, not looked after: no clock
    assert fire("R20", ctx(*records, visit("2026-12-18T10:00")), "2027-01-05") is None


def test_r20_a_visit_that_did_not_see_the_child_does_not_count():
    records = on_plan()
    c = ctx(*records, visit("2026-12-18T10:00"), visit("2027-01-05T10:00", seen=False))
    f = fire("R20", c, "2027-01-07T09:00")
    assert f is not None and "last seen on a visit on 18 December 2026" in f.sentence


def test_r20_a_replay_before_the_visit_was_received_does_not_see_it():
    records = on_plan()
    late = visit("2027-01-06T15:00", recorded="2027-01-08T10:00:00Z")  # a visit on the due day, written up late
    c = ctx(*records, visit("2026-12-18T10:00"), late)
    assert fire("R20", c, "2027-01-07T09:00") is not None  # not yet received: overdue then
    assert fire("R20", c, "2027-01-08T11:00") is None  # received: the visit was on time


def test_r20_looked_after_within_a_week_of_the_placement_then_six_weekly():
    ref, placed = referral("2027-03-01"), looked_after("2027-03-25")
    c = ctx(ref, placed)
    assert fire("R20", c, "2027-04-01T20:00") is None  # within 7 days of 25 March: by the end of 1 April (BST)
    f = fire("R20", c, "2027-04-02T09:00")
    assert f.evidence == (placed.key,)
    assert f.sentence == ("Statutory visit overdue for the child, looked after in a placement from 25 March 2027: no "
                          "visit that saw the child has been recorded, and the first visit was due by 1 April 2027 "
                          "(within 7 days of the placement).")
    seen = visit("2027-03-30T11:00")
    c = ctx(ref, placed, seen)
    assert fire("R20", c, "2027-05-11T12:00") is None
    f = fire("R20", c, "2027-05-12T09:00")
    assert f.evidence == (placed.key, seen.key)
    assert f.sentence.endswith("the child was last seen on a visit on 30 March 2027, and the next visit was due by "
                               "11 May 2027 (every 6 weeks in the placement's first year).")


def test_r20_after_the_placements_first_year_every_three_months():
    ref, placed = referral("2025-01-06"), looked_after("2025-01-10")
    seen = visit("2026-02-02T10:00")  # more than a year into the placement
    f = fire("R20", ctx(ref, placed, visit("2025-01-14T10:00"), visit("2025-02-20T10:00"), visit("2025-04-01T10:00"),
                       visit("2025-05-12T10:00"), visit("2025-06-20T10:00"), visit("2025-07-30T10:00"),
                       visit("2025-09-08T10:00"), visit("2025-10-17T10:00"), visit("2025-11-26T10:00"),
                       visit("2026-01-05T10:00"), seen), "2026-05-04")
    assert f is not None and "was due by 2 May 2026 (every 3 months after the placement's first year)" in f.sentence


def test_r20_the_timescale_comes_from_the_rules_params():
    rule = RULES_BY_ID["R20"]
    weekly = dataclasses.replace(rule, params={**rule.params, "clocks": Clocks.from_mapping(
        {"cp_visit_working_days": 5})})
    c = ctx(*on_plan(), visit("2026-12-18T10:00"))
    assert rule(c, at("2027-01-04")) is None
    f = weekly(c, at("2027-01-04"))
    assert f is not None and "due by 29 December 2026 (every 5 working days)" in f.sentence


# --- R21: child not seen, accompanied revisit overdue ---------------------------------------------------------


def test_r21_fires_one_working_day_after_a_christmas_eve_visit_that_did_not_see_a_child_on_a_plan():
    seen = visit("2026-12-18T10:00")
    unseen = visit("2026-12-24T14:00", seen=False, not_seen_reason="Nobody answered the door.")
    c = ctx(*on_plan(), seen, unseen)
    # One working day of working hours from 14:00 on Thursday 24 December: three hours that day, then (Christmas
    # and the Boxing Day substitute not counted) five on Tuesday 29 December.
    assert fire("R21", c, "2026-12-29T14:00") is None
    f = fire("R21", c, "2026-12-29T14:01")
    assert f is not None and f.evidence == (unseen.key, seen.key)
    assert f.due_at == dt.datetime(2026, 12, 29, 14, tzinfo=UTC)
    assert f.sentence == ("The child has not been seen since 18 December 2026: on the visit at 14:00 on 24 December "
                          "2026 they were not seen (the reason recorded: “Nobody answered the door.”). An accompanied "
                          "revisit was due by 14:00 on 29 December 2026, one working day after that visit, on a child "
                          "protection plan; only a visit that sees the child closes this.")
    same_sentence_a_day_apart("R21", c, "2026-12-30", "2026-12-31")


def test_r21_off_a_plan_the_revisit_is_due_in_five_working_days():
    unseen = visit("2026-12-24T14:00", seen=False)
    c = ctx(referral("2026-12-01"), unseen)
    assert fire("R21", c, "2027-01-05T13:59") is None
    f = fire("R21", c, "2027-01-05T14:01")
    assert f.evidence == (unseen.key,)
    assert f.sentence == ("No recorded visit has seen the child: on the visit at 14:00 on 24 December 2026 they were "
                          "not seen. An accompanied revisit was due by 14:00 on 5 January 2027, 5 working days after "
                          "that visit; only a visit that sees the child closes this.")


def test_r21_only_a_visit_that_sees_the_child_closes_it():
    unseen = visit("2026-12-24T14:00", seen=False)
    base = [*on_plan(), visit("2026-12-18T10:00"), unseen]
    assert fire("R21", ctx(*base, visit("2026-12-29T10:00", seen=True, alone=False)), "2027-01-04") is None
    again = visit("2026-12-29T10:00", seen=False)  # another visit that did not see the child: two revisits due
    f = fire("R21", ctx(*base, again), "2027-01-04")
    assert f.evidence == (unseen.key, base[-2].key, again.key) and f.sentence.count("only a visit") == 2
    assert f.due_at == dt.datetime(2026, 12, 29, 14, tzinfo=UTC)
    assert fire("R21", ctx(*base, again, visit("2027-01-04T09:30")), "2027-01-04T10:00") is None  # seen: both met


def test_r21_not_seen_alone_when_the_plan_requires_it():
    alone_before = visit("2026-12-18T10:00")
    not_alone = visit("2027-01-04T11:00", alone=False, required=True,
                      not_seen_alone_reason="Mother would not leave the room.")
    c = ctx(*on_plan(), alone_before, not_alone)
    f = fire("R21", c, "2027-01-05T11:01")
    assert f.evidence == (not_alone.key, alone_before.key)
    assert f.sentence == ("The child has not been seen alone since 18 December 2026: on the visit at 11:00 on 4 "
                          "January 2027 they were seen, but not alone, and the plan requires it (the reason recorded: "
                          "“Mother would not leave the room.”). An accompanied revisit was due by 11:00 on 5 January "
                          "2027, one working day after that visit, on a child protection plan; only a visit that sees "
                          "the child alone closes this.")
    assert fire("R21", ctx(*on_plan(), alone_before, not_alone, visit("2027-01-05T10:00", alone=False)),
                "2027-01-06") is not None  # seen again, but still not alone
    assert fire("R21", ctx(*on_plan(), alone_before, not_alone, visit("2027-01-06T10:00")), "2027-01-07") is None
    not_required = visit("2027-01-04T11:00", alone=False)
    assert fire("R21", ctx(*on_plan(), alone_before, not_required), "2027-01-07") is None


def test_r21_a_replay_before_the_visit_that_saw_the_child_was_received_does_not_see_it():
    late = visit("2026-12-29T10:00", recorded="2026-12-30T09:00:00Z")
    c = ctx(*on_plan(), visit("2026-12-24T14:00", seen=False), late)
    assert fire("R21", c, "2026-12-29T15:00") is not None
    assert fire("R21", c, "2026-12-30T10:00") is None


def test_r21_near_misses_the_case_closed_and_a_visit_outside_any_case():
    c = ctx(referral("2026-12-01"), visit("2026-12-24T14:00", seen=False), closure("2026-12-28"))
    assert fire("R21", c, "2027-01-10") is None  # closed before the revisit fell due: stopped
    assert fire("R21", ctx(visit("2026-12-24T14:00", seen=False)), "2027-01-10") is None  # no case: no clock


def test_r21_names_no_time_for_a_visit_recorded_by_day_only():
    f = fire("R21", ctx(referral("2026-12-01"), visit("2027-01-04", seen=False)), "2027-01-12")
    assert "on the visit on 4 January 2027 they were not seen" in f.sentence


# --- R23: concern unanswered past its deadline ------------------------------------------------------------------


def concern(received: str, due: str, *, agency=CSC, **detail) -> Event:
    return rec("concern", received, detail={"raised_by": "relative", "text": "Grandmother worried about bruises.",
                                            "responder_role": "team_manager", "response_due_at": due, **detail},
               version=2 if detail.get("response") else 1, agency=agency)


def test_r23_fires_once_the_response_deadline_has_passed():
    raised = concern("2027-04-01T10:00", "2027-04-08T17:00:00+01:00")
    c = ctx(raised)
    assert fire("R23", c, "2027-04-08T16:00") is None  # 17:00 BST
    f = fire("R23", c, "2027-04-08T16:01")
    assert f is not None and f.evidence == (raised.key,)
    assert f.due_at == dt.datetime(2027, 4, 8, 16, tzinfo=UTC)
    assert f.sentence == ("The concern raised by a relative received at 11:00 on 1 April 2027 has not been answered "
                          "(to be answered by the team manager): a response was due by 17:00 on 8 April 2027.")
    same_sentence_a_day_apart("R23", c, "2027-04-09", "2027-04-10")


def test_r23_a_deadline_given_as_a_day_runs_to_its_end():
    c = ctx(concern("2027-04-01", "2027-04-08", raised_by="whistleblower"))
    assert fire("R23", c, "2027-04-08T22:30") is None
    f = fire("R23", c, "2027-04-08T23:01")
    assert f.sentence.startswith("The concern raised by a whistleblower received on 1 April 2027 has not been "
                                 "answered") and "due by 23:59 on 8 April 2027" in f.sentence


def test_r23_near_misses_answered_in_time_not_yet_due_no_deadline_not_the_childs_own():
    answered = concern("2027-04-01T10:00", "2027-04-08T17:00:00+01:00", response="Visited; no bruising seen.",
                       responded_at="2027-04-07T15:00:00+01:00")
    assert fire("R23", ctx(answered), "2027-05-01") is None
    assert fire("R23", ctx(concern("2027-04-01T10:00", "2027-04-08T17:00:00+01:00")), "2027-04-05") is None
    no_deadline = rec("concern", "2027-04-01T10:00", detail={"raised_by": "neighbour"})
    assert fire("R23", ctx(no_deadline), "2027-06-01") is None
    assert fire("R23", ctx(concern("2027-04-01T10:00", "2027-04-08", agency=POLICE)), "2027-06-01") is None


def test_r23_answered_late_is_history_and_a_replay_before_the_answer_sees_it_open():
    late = concern("2027-04-01T10:00", "2027-04-08T17:00:00+01:00", response="Spoke to the family.",
                   responded_at="2027-04-12T09:00:00+01:00")
    c = ctx(late)  # the answered version keeps the concern's first recorded_at
    assert fire("R23", c, "2027-04-09") is not None
    assert fire("R23", c, "2027-04-12T09:00") is None


def test_r23_an_answer_without_its_time_counts_from_when_the_concern_was_first_recorded():
    answered = concern("2027-04-01T10:00", "2027-04-08", response="Visited.")
    assert fire("R23", ctx(answered), "2027-05-01") is None


@pytest.mark.parametrize("rule", PRACTICE_RULES, ids=lambda r: r.id)
def test_no_practice_rule_fires_without_casework(rule):
    c = ctx(rec("consultation", "2027-02-01T10:00", agency=("elm-tree-surgery", "gp_practice")))
    assert rule(c, at("2027-06-01")) is None
