"""R15–R19, the statutory casework clocks read from the casework fold: for every rule a case that fires and near
misses that do not (met on the due day, the case closed or the plan ended, not yet due), across bank holidays,
Easter and 29 February; sentences without a running count; only what was received by the time. Pure: no database.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools

import pytest

from joinedup.alerts.rules.base import PROCESS_FAILURE, ChildContext
from joinedup.alerts.rules.casework import CASEWORK_RULES, CLOCKS, casework_events
from joinedup.alerts.rules.catalogue import RULES, RULES_BY_ID
from joinedup.casework.clocks import Clocks
from joinedup.chronology.events import Event, event_from_payload, plan_periods

UTC = dt.UTC
CSC = ("northbrook-childrens-services", "childrens_social_care")
POLICE = ("northbrook-police", "police")
_n = itertools.count(1)


def rec(kind: str, when: str, *, detail: dict | None = None, ended_on: str | None = None,
        recorded: str | None = None, role: str = "subject", agency=CSC, version: int = 1) -> Event:
    """A casework record naming the child (mention m1) in `role`: `when` is a day, or a moment ("…T16:00")."""
    payload = {
        "schema": "joinedup.agency-record/1", "agency_id": agency[0], "source_system": "test",
        "source_record_id": f"{kind}-{next(_n)}", "version": version, "kind": kind,
        "recorded_at": recorded or (f"{when}:00Z" if "T" in when else f"{when}T08:00:00Z"),
        "mentions": [{"mention_id": "m1", "role": role, "given_name": "Milo"},
                     {"mention_id": "m2", "role": "carer", "relationship_label": "mother"}],
        "detail": {"code": kind, **(detail or {})},
    }
    if "T" in when:
        payload["occurred_at"] = f"{when}:00Z"
    else:
        payload["occurred_on"] = when
    if ended_on:
        payload["ended_on"] = ended_on
    return event_from_payload(payload, mention_ids={"m1"}, agency_kind=agency[1], person_id="child")


def ctx(*events: Event) -> ChildContext:
    evs = sorted(events, key=lambda e: e.sort_key)
    return ChildContext("child", dt.date(2024, 6, 1), "female", evs, plans=plan_periods(evs))


def at(value: str) -> dt.datetime:
    """'2027-04-22' (noon UTC) or '2027-04-22T09:30'."""
    return dt.datetime.fromisoformat(value if "T" in value else f"{value}T12:00").replace(tzinfo=UTC)


def fire(rule_id: str, c: ChildContext, when: str):
    return RULES_BY_ID[rule_id](c, at(when))


def contact(received: str, **detail) -> Event:
    decided = {"version": 2} if detail.get("decision") else {}
    return rec("csc_contact", received, detail={"raised_by": "agency", "source_code": "3E", **detail}, **decided)


def referral(on: str, **kw) -> Event:
    return rec("referral", on, detail={"case_id": "C1", "route": "assessment"}, **kw)


def assessment(on: str, ended_on: str | None = None) -> Event:
    return rec("assessment", on, detail={"code": "single_assessment"}, ended_on=ended_on)


def strategy(on: str) -> Event:
    return rec("strategy_discussion", on, detail={"decision": "section_47"})


def enquiry(on: str, ended_on: str | None = None) -> Event:
    return rec("section47_enquiry", on, detail={"conference_needed": True}, ended_on=ended_on)


def conference(on: str, kind: str = "initial") -> Event:
    return rec("conference", on, detail={"conference_type": kind, "outcome": "plan" if kind == "initial" else
                                         "plan_continues", "category": "neglect"})


def plan(on: str, ended_on: str | None = None) -> Event:
    return rec("cp_plan", on, detail={"category": "neglect"}, ended_on=ended_on)


def closure(on: str) -> Event:
    return rec("case_closure", on, detail={"reason": "RC8"})


def same_sentence_a_day_apart(rule_id: str, c: ChildContext, first: str, second: str) -> None:
    a, b = fire(rule_id, c, first), fire(rule_id, c, second)
    assert a is not None and b is not None
    assert a.sentence == b.sentence and a.evidence == b.evidence and a.due_at == b.due_at
    assert not any(w in a.sentence for w in (" days overdue", "overdue by", " days late", " hours"))


# --- the catalogue ------------------------------------------------------------------------------------------


def test_r15_to_r19_are_named_time_based_process_failures_with_the_clocks_in_their_params():
    assert [r.id for r in CASEWORK_RULES] == ["R15", "R16", "R17", "R18", "R19"]
    ids = [r.id for r in RULES]
    assert ids[ids.index("R15"):ids.index("R19") + 1] == ["R15", "R16", "R17", "R18", "R19"]
    for r in CASEWORK_RULES:
        assert r.kind == PROCESS_FAILURE and r.time_based
        assert r.name and r.explanation and "Working Together to Safeguard Children (2023)" in r.evidence
        assert isinstance(r.params["clocks"], Clocks) and r.params["clocks"] is CLOCKS


def test_the_rules_read_only_the_childs_own_childrens_social_care_casework_received_by_the_time():
    own = contact("2026-12-01T10:00")
    unborn = rec("csc_contact", "2026-12-02T10:00", role="unborn")
    as_carer = rec("csc_contact", "2026-12-03T10:00", role="carer")  # the child named as someone's carer
    police = rec("csc_contact", "2026-12-04T10:00", agency=POLICE)
    supervision = rec("supervision", "2026-12-05")  # children's social care, but not a step of the fold
    later = contact("2026-12-20T10:00")
    got = casework_events(ctx(own, unborn, as_carer, police, supervision, later), at("2026-12-10"))
    assert [e.key for e in got] == [own.key, unborn.key]


# --- R15: contact decision ------------------------------------------------------------------------------------


def test_r15_fires_for_a_christmas_eve_contact_not_decided_by_the_next_working_day_after_boxing_day():
    received = contact("2026-12-24T16:00")
    c = ctx(received)
    f = fire("R15", c, "2026-12-29T16:01")
    assert f is not None and f.evidence == (received.key,)
    assert f.due_at == dt.datetime(2026, 12, 29, 16, tzinfo=UTC)
    assert f.sentence == ("No decision has been recorded on the contact received at 16:00 on 24 December 2026: it "
                          "was due by 16:00 on 29 December 2026, one working day after it was received.")
    same_sentence_a_day_apart("R15", c, "2026-12-30T10:00", "2026-12-31T10:00")


def test_r15_near_misses_not_yet_due_over_christmas_and_decided_on_the_due_day():
    c = ctx(contact("2026-12-24T16:00"))
    for when in ("2026-12-25", "2026-12-28T16:30", "2026-12-29T15:59", "2026-12-29T16:00"):
        assert fire("R15", c, when) is None, when
    on_time = ctx(contact("2026-12-24T16:00", decision="early_help", decided_at="2026-12-29T15:30:00Z"))
    assert fire("R15", on_time, "2027-01-04") is None


def test_r15_a_late_decision_is_history_and_an_earlier_replay_does_not_see_it():
    late = contact("2026-12-24T16:00", decision="assessment", decided_at="2026-12-31T10:00:00Z")
    c = ctx(late)
    # The decided version keeps the contact's first recorded_at: on 30 December it was still undecided.
    f = fire("R15", c, "2026-12-30T10:00")
    assert f is not None and f.evidence == (late.key,)
    assert fire("R15", c, "2026-12-31T10:00") is None  # decided (late): history, not an alert
    assert fire("R15", c, "2027-02-01") is None


def test_r15_lists_every_undecided_contact_received_by_the_time_and_no_later_one():
    first, second = contact("2027-01-05T09:30"), contact("2027-01-11T11:00")
    c = ctx(first, second)
    f = fire("R15", c, "2027-01-08")
    assert f.evidence == (first.key,) and f.due_at == dt.datetime(2027, 1, 6, 9, 30, tzinfo=UTC)
    f = fire("R15", c, "2027-01-13")  # the same context, later: the second contact has arrived and is overdue
    assert f.evidence == (first.key, second.key)
    assert "received at 11:00 on 11 January 2027" in f.sentence and f.due_at == dt.datetime(2027, 1, 6, 9, 30,
                                                                                           tzinfo=UTC)


def test_r15_the_timescales_come_from_the_rules_params():
    rule = RULES_BY_ID["R15"]
    slower = dataclasses.replace(rule, params={**rule.params, "clocks": Clocks.from_mapping(
        {"decision_working_days": 2})})
    c = ctx(contact("2027-01-05T09:30"))
    assert rule(c, at("2027-01-06T10:00")) is not None
    assert slower(c, at("2027-01-06T10:00")) is None
    f = slower(c, at("2027-01-07T10:00"))
    assert "due by 09:30 on 7 January 2027, 2 working days after it was received" in f.sentence


def test_r15_names_no_time_for_a_contact_recorded_by_day_only():
    day_only = contact("2027-01-05")
    f = fire("R15", ctx(day_only), "2027-01-07")
    assert f.sentence.startswith("No decision has been recorded on the contact received on 5 January 2027: it was "
                                 "due by ")


def test_r15_for_an_unborn_child():
    assert fire("R15", ctx(rec("csc_contact", "2027-01-05T09:30", role="unborn")), "2027-01-07") is not None


# --- R16: assessment --------------------------------------------------------------------------------------------


def test_r16_fires_for_an_assessment_past_45_working_days_across_easter_2027():
    ref, started = referral("2027-02-15"), assessment("2027-02-16")
    c = ctx(ref, started)
    # 45 working days after 15 February 2027, Good Friday (26 March) and Easter Monday (29 March) not counted.
    assert fire("R16", c, "2027-04-21T22:30") is None  # 23:30 on the due day, London time (BST)
    f = fire("R16", c, "2027-04-22T09:00")
    assert f is not None and f.evidence == (ref.key, started.key)
    assert f.due_at == dt.datetime(2027, 4, 21, 22, 59, 59, 999999, tzinfo=UTC)  # the end of 21 April, BST
    assert f.sentence == ("The assessment of the referral of 15 February 2027, started 16 February 2027, has not "
                          "been completed: it was due by 21 April 2027, 45 working days after the referral.")
    same_sentence_a_day_apart("R16", c, "2027-04-22T09:00", "2027-04-23T09:00")


def test_r16_across_29_february_2028():
    ref = referral("2028-01-20")
    c = ctx(ref)  # no assessment recorded at all: the referral started the clock
    assert fire("R16", c, "2028-03-23T23:00") is None
    f = fire("R16", c, "2028-03-24T09:00")  # 29 February 2028 is a working day: due 23 March, not the 24th
    assert f.evidence == (ref.key,) and "due by 23 March 2028" in f.sentence


def test_r16_near_misses_completed_on_the_due_day_case_closed_not_yet_due():
    ref = referral("2027-02-15")
    assert fire("R16", ctx(ref, assessment("2027-02-16", ended_on="2027-04-21")), "2027-04-23") is None
    assert fire("R16", ctx(ref, closure("2027-03-10")), "2027-04-23") is None  # the case closed: clock stopped
    assert fire("R16", ctx(ref, assessment("2027-02-16")), "2027-04-20") is None
    nfa = rec("referral", "2027-02-15", detail={"case_id": "C2", "nfa": True})
    assert fire("R16", ctx(nfa), "2027-06-01") is None  # no further action: no assessment due


def test_r16_completed_late_is_history_but_a_replay_before_the_completion_sees_it_open():
    c = ctx(referral("2027-02-15"), assessment("2027-02-16", ended_on="2027-04-26"))
    assert fire("R16", c, "2027-04-23") is not None
    assert fire("R16", c, "2027-04-26T18:00") is None
    assert fire("R16", c, "2027-05-10") is None


def test_r16_a_further_assessment_runs_from_its_own_start():
    ref, one, two = referral("2027-01-04"), assessment("2027-01-05", ended_on="2027-02-01"), assessment("2027-06-01")
    c = ctx(ref, one, two)
    assert fire("R16", c, "2027-08-02") is None  # 45 working days from 1 June 2027 is 3 August
    f = fire("R16", c, "2027-08-04")
    assert f.evidence == (two.key,) and f.sentence.startswith("The assessment started 1 June 2027")
    assert "due by 3 August 2027" in f.sentence


# --- R17: initial child protection conference -------------------------------------------------------------------


def _to_enquiry(strategy_on: str = "2027-03-22", enquiry_end: str | None = None):
    return referral("2027-03-01"), strategy(strategy_on), enquiry(strategy_on, ended_on=enquiry_end)


def test_r17_fires_15_working_days_after_the_strategy_discussion_across_easter():
    ref, strat, s47 = _to_enquiry()
    c = ctx(ref, strat, s47)
    assert fire("R17", c, "2027-04-14T20:00") is None  # due by the end of 14 April (Easter not counted)
    f = fire("R17", c, "2027-04-15T09:00")
    assert f is not None and f.evidence == (strat.key, s47.key)
    assert f.sentence == ("No initial child protection conference has been recorded after the strategy discussion "
                          "of 22 March 2027 (section 47 enquiry started 22 March 2027): it was due by 14 April 2027, "
                          "15 working days after the strategy discussion.")
    same_sentence_a_day_apart("R17", c, "2027-04-15", "2027-04-16")


def test_r17_near_misses_held_on_the_due_day_case_closed_not_yet_due():
    ref, strat, s47 = _to_enquiry()
    assert fire("R17", ctx(ref, strat, s47, conference("2027-04-14")), "2027-04-20") is None
    ref, strat, s47 = _to_enquiry(enquiry_end="2027-03-30")
    assert fire("R17", ctx(ref, strat, s47, closure("2027-04-01")), "2027-04-20") is None
    assert fire("R17", ctx(*_to_enquiry()), "2027-04-12") is None
    no_conference = rec("section47_enquiry", "2027-03-22", detail={"conference_needed": False}, ended_on="2027-03-30")
    assert fire("R17", ctx(referral("2027-03-01"), strategy("2027-03-22"), no_conference), "2027-05-01") is None


# --- R18: first core group -------------------------------------------------------------------------------------


def _on_plan(icpc_on: str = "2027-03-25", plan_end: str | None = None):
    icpc, cp = conference(icpc_on), plan(icpc_on, ended_on=plan_end)
    return [referral("2027-03-01"), strategy("2027-03-10"), enquiry("2027-03-10"), icpc, cp], icpc, cp


def test_r18_fires_when_no_core_group_is_held_within_10_working_days_of_the_conference():
    records, icpc, cp = _on_plan()
    c = ctx(*records)
    assert fire("R18", c, "2027-04-12T21:00") is None  # 10 working days after 25 March 2027, Easter not counted
    f = fire("R18", c, "2027-04-13T09:00")
    assert f is not None and f.evidence == (icpc.key, cp.key)
    assert f.sentence == ("No core group meeting has been recorded since the initial child protection conference of "
                          "25 March 2027 that started the child protection plan: the first was due by 12 April "
                          "2027, 10 working days after the conference.")
    same_sentence_a_day_apart("R18", c, "2027-04-13", "2027-04-14")


def test_r18_near_misses_held_on_the_due_day_plan_ended_not_yet_due():
    records, _, _ = _on_plan()
    assert fire("R18", ctx(*records, rec("core_group", "2027-04-12")), "2027-04-20") is None
    ended, _, _ = _on_plan(plan_end="2027-04-08")
    assert fire("R18", ctx(*ended), "2027-04-20") is None
    assert fire("R18", ctx(*records), "2027-04-09") is None


# --- R19: review conference -----------------------------------------------------------------------------------


def test_r19_fires_when_the_first_review_due_on_29_february_2028_is_not_held():
    records, icpc, cp = _on_plan("2027-11-30")
    c = ctx(*records, rec("core_group", "2027-12-08"))
    assert fire("R19", c, "2028-02-29T23:00") is None  # 3 months after 30 November 2027 is 29 February 2028
    f = fire("R19", c, "2028-03-01T09:00")
    assert f is not None and f.evidence == (icpc.key, cp.key)
    assert f.sentence == ("No review child protection conference has been recorded since the initial conference of "
                          "30 November 2027: the first review was due by 29 February 2028, 3 months after it.")
    same_sentence_a_day_apart("R19", c, "2028-03-01", "2028-03-02")


def test_r19_then_every_six_months_after_the_last_review():
    records, _, cp = _on_plan("2027-11-30")
    review = conference("2028-02-29", "review")
    c = ctx(*records, rec("core_group", "2027-12-08"), review)
    assert fire("R19", c, "2028-03-01") is None  # held on the due day
    assert fire("R19", c, "2028-08-29T20:00") is None
    f = fire("R19", c, "2028-08-30T09:00")
    assert f.evidence == (review.key, cp.key)
    assert f.sentence == ("No review child protection conference has been recorded since the review of 29 February "
                          "2028: the next was due by 29 August 2028, 6 months after it.")


def test_r19_near_miss_the_plan_ended():
    records, _, _ = _on_plan("2027-11-30", plan_end="2028-02-10")
    assert fire("R19", ctx(*records, rec("core_group", "2027-12-08")), "2028-03-10") is None


# --- one missed step, one alert -----------------------------------------------------------------------------------


def _process_failures(c: ChildContext, when: str) -> set[str]:
    return {r.id for r in RULES if r.kind == PROCESS_FAILURE and r(c, at(when)) is not None}


def test_an_overdue_assessment_or_review_raises_r16_or_r19_and_no_other_process_failure():
    c = ctx(referral("2027-02-15"), assessment("2027-02-16"))
    assert _process_failures(c, "2027-07-01") == {"R16"}
    records, _, _ = _on_plan("2027-11-30")
    visits = [rec("visit", day, detail={"child_seen": True, "seen_alone": True}) for day in ("2028-02-20",
                                                                                           "2028-03-02")]
    sup = rec("supervision", "2028-02-25")
    done = assessment("2027-03-02", ended_on="2027-03-09")
    c = ctx(*records, done, rec("core_group", "2027-12-08"), *visits, sup)
    assert _process_failures(c, "2028-03-10") == {"R19"}


@pytest.mark.parametrize("rule", CASEWORK_RULES, ids=lambda r: r.id)
def test_no_casework_rule_fires_without_casework(rule):
    c = ctx(rec("consultation", "2027-02-01T10:00", agency=("elm-tree-surgery", "gp_practice")))
    assert rule(c, at("2027-06-01")) is None


def test_a_plan_naming_the_person_as_a_parent_is_not_their_plan():
    """A teenage mother named as the parent on her baby's plan is not on a plan herself (plan_periods reads the
    child's own role), so R4, R8, R9 and the clocks do not treat her as a child on a plan."""
    from joinedup.chronology.events import plan_periods

    babys = rec("cp_plan", "2027-01-10", detail={"category": "neglect"}, role="parent")
    own = rec("cp_plan", "2027-02-01", detail={"category": "emotional"})
    unborn = rec("cp_plan", "2027-03-01", detail={"category": "neglect"}, role="unborn")
    assert [p.event_key for p in plan_periods([babys, own, unborn])] == [own.key, unborn.key]
    assert plan_periods([babys]) == []
    assert ctx(babys).plans == []
