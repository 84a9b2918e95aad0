"""The rule catalogue: for every rule a case that fires and a near miss that does not. Pure: no database.

Events are built with the chronology's own `event_from_payload` from small agency-record payloads, so a
rule sees exactly what a practitioner's chronology shows.
"""

from __future__ import annotations

import datetime as dt

import pytest

from joinedup.alerts.rules.base import CONTEXT_ONLY, KIND_LABELS, ChildContext, HouseholdMember
from joinedup.alerts.rules.catalogue import (
    DOMESTIC_ABUSE,
    MENTAL_HEALTH,
    REPEAT_ATTENDANCES,
    RULES,
    RULES_BY_ID,
    context_factors,
)
from joinedup.chronology.events import Event, event_from_payload, plan_periods

UTC = dt.UTC
DOB = dt.date(2023, 1, 10)
HOSPITAL, GP, CSC, POLICE, HV, SCHOOL, HOUSING = (
    ("st-aldrics-hospital", "acute_hospital"), ("elm-tree-surgery", "gp_practice"),
    ("northbrook-childrens-services", "childrens_social_care"), ("northbrook-police", "police"),
    ("northbrook-community-health", "community_health"), ("millfield-primary", "school"),
    ("northbrook-homes", "housing_association"),
)
_n = iter(range(1, 10_000))


def ev(kind: str, on: str, agency=HOSPITAL, *, detail: dict | None = None, hour: int | None = 10,
       ended_on: str | None = None, person: str = "child", sid: str | None = None) -> Event:
    """An event for the child (mention m1) from a minimal agency record."""
    payload = {
        "schema": "joinedup.agency-record/1", "agency_id": agency[0], "source_system": "test",
        "source_record_id": sid or f"{kind}-{next(_n)}", "version": 1, "kind": kind,
        "recorded_at": f"{on}T{(hour or 9) + 1:02d}:00:00Z",
        "mentions": [{"mention_id": "m1", "role": "subject", "given_name": "Milo"},
                     {"mention_id": "m2", "role": "carer", "relationship_label": "mother"}],
        "detail": detail or {"code": kind},
    }
    if hour is None:
        payload["occurred_on"] = on
    else:
        payload["occurred_at"] = f"{on}T{hour:02d}:00:00Z"
    if ended_on:
        payload["ended_on"] = ended_on
    return event_from_payload(payload, mention_ids={"m1"}, agency_kind=agency[1], person_id=person)


def injury(on: str, site: str = "forearm", description: str = "bruise 2cm", explanation: str = "fell over",
           agency=HOSPITAL, kind: str = "ed_attendance", site_code: str = "", **detail) -> Event:
    coded = {"site_code": site_code} if site_code else {}
    return ev(kind, on, agency, detail={"code": "injury", **detail, "injury": {
        "site": site, **coded, "description": description, "explanation_given": explanation, "explained_by": "m2"}})


def cp_plan(on: str, ended_on: str | None = None) -> Event:
    return ev("cp_plan", on, CSC, detail={"code": "cpp", "category": "physical_abuse"}, hour=None, ended_on=ended_on)


def visit(on: str, seen: bool = True) -> Event:
    return ev("visit", on, CSC, detail={"code": "cp_visit", "child_seen": seen, "seen_alone": False})


def ctx(events: list[Event], *, dob: dt.date | None = DOB, household=(), household_events=(), companions=()):
    events = sorted(events, key=lambda e: e.sort_key)
    return ChildContext("child", dob, "male", events, list(household), sorted(household_events, key=lambda e: e.sort_key),
                        plan_periods(events), list(companions))


def at(day: str, hour: int = 12) -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T{hour:02d}:00:00+00:00")


def fire(rule_id: str, c: ChildContext, when: dt.datetime):
    return RULES_BY_ID[rule_id](c, when)


def all_findings(c: ChildContext, when: dt.datetime) -> dict:
    return {r.id: f for r in RULES if (f := r(c, when)) is not None}


# --- the catalogue itself -----------------------------------------------------------------------------


def test_catalogue_has_r1_to_r23_without_the_retired_r13_and_r22_with_explanations_evidence_kinds_and_params():
    assert [r.id for r in RULES] == [f"R{i}" for i in range(1, 24) if i not in (13, 22)]
    assert set(RULES_BY_ID) == {r.id for r in RULES}
    for r in RULES:
        assert r.name and r.explanation and r.evidence and isinstance(r.params, dict)
        assert r.kind in KIND_LABELS
    assert {r.id for r in RULES if r.kind == CONTEXT_ONLY} == {"R6", "R10"}
    assert {r.id for r in RULES if r.time_based} == {"R4", "R8", "R15", "R16", "R17", "R18", "R19", "R20", "R21",
                                                     "R23"}
    assert {r.id for r in RULES if r.kind == "process_failure"} == {"R4", "R9", "R15", "R16", "R17", "R18", "R19",
                                                                     "R20", "R23"}


# --- R1 ----------------------------------------------------------------------------------------------


def test_r1_fires_for_an_injury_at_four_months_and_cites_the_record():
    hurt = injury("2023-05-15", site="thigh")
    f = fire("R1", ctx([hurt]), at("2023-05-16"))
    assert f is not None and f.evidence == (hurt.key,) and "not independently mobile" in f.sentence
    assert "months old" in f.sentence


def test_r1_near_miss_at_eight_months_unless_recorded_as_not_mobile():
    assert fire("R1", ctx([injury("2023-09-15")]), at("2023-09-16")) is None
    assert fire("R1", ctx([injury("2023-09-15", independently_mobile=False)]), at("2023-09-16")) is not None
    assert fire("R1", ctx([injury("2023-05-15")]), at("2023-10-16")) is None  # outside its 90-day window


# --- R2 ----------------------------------------------------------------------------------------------


def test_r2_fires_for_bruising_at_a_ten4_site_or_patterned_under_four():
    cheek = injury("2024-06-01", site="cheek", description="small bruise")
    assert fire("R2", ctx([cheek]), at("2024-06-02")).evidence == (cheek.key,)
    grip = injury("2024-06-01", site="upper arm", description="fingertip bruising")
    assert "patterned" in fire("R2", ctx([grip]), at("2024-06-02")).sentence


def test_r2_reads_the_coded_site_first_and_the_text_only_as_the_fallback():
    coded_cheek = injury("2024-06-01", site="face", description="bruise", site_code="60819002")
    f = fire("R2", ctx([coded_cheek]), at("2024-06-02"))
    assert f is not None and "TEN-4-FACESp site" in f.sentence
    # the code says forearm although the text names the ear: the code wins
    coded_forearm = injury("2024-06-01", site="by the ear", description="bruise", site_code="14975008")
    assert fire("R2", ctx([coded_forearm]), at("2024-06-02")) is None
    # a code outside the product's table: the text is read
    unknown_code = injury("2024-06-01", site="ear", description="bruise", site_code="999999999")
    assert fire("R2", ctx([unknown_code]), at("2024-06-02")) is not None


def test_r2_reads_every_injury_of_a_record_that_carries_several():
    several = ev("ed_attendance", "2024-06-01", detail={"code": "injury", "injuries": [
        {"site": "knee", "site_code": "72696002", "description": "graze", "explanation_status": "not_asked"},
        {"site": "neck", "site_code": "45048000", "description": "bruising", "explanation_status": "not_asked"}]})
    f = fire("R2", ctx([several]), at("2024-06-02"))
    assert f is not None and f.evidence == (several.key,) and "Graze to the knee and bruising to the neck" in f.sentence


def test_r2_near_misses_forearm_not_ear_and_age_four():
    assert fire("R2", ctx([injury("2024-06-01", site="forearm", description="bruise 2cm")]), at("2024-06-02")) is None
    assert fire("R2", ctx([injury("2024-06-01", site="knee", description="graze")]), at("2024-06-02")) is None
    older = ctx([injury("2027-06-01", site="ear", description="bruising")])
    assert fire("R2", older, at("2027-06-02")) is None


# --- R3 ----------------------------------------------------------------------------------------------


def test_r3_fires_for_different_explanations_of_injuries_close_in_time_and_site_across_agencies():
    a = injury("2024-05-08", site="left forearm", explanation="fell off the sofa")
    b = injury("2024-05-20", site="right hand", explanation="the dog jumped up at him", agency=GP, kind="consultation")
    f = fire("R3", ctx([a, b]), at("2024-05-21"))
    assert f is not None and set(f.evidence) == {a.key, b.key}
    assert "injuries to the arm within 12 days" in f.sentence and "2 agencies" in f.sentence
    assert "fell off the sofa" in f.sentence and "the dog jumped up at him" in f.sentence


def test_r3_fires_for_two_accounts_of_the_same_injury():
    ed = injury("2024-05-19", site="cheek", site_code="60819002", explanation="walked into a door")
    gp = injury("2024-05-20", site="face", explanation="his sister threw a toy", agency=GP, kind="consultation")
    f = fire("R3", ctx([ed, gp]), at("2024-05-21"))
    assert f is not None and "the head or face within 1 day" in f.sentence


def test_r3_reads_the_explanation_status_code():
    given = injury("2024-05-10", site="shin", explanation="fell off the sofa")
    not_given = ev("ed_attendance", "2024-05-20", detail={"code": "injury", "injury": {
        "site": "shin", "description": "bruise", "explanation_status": "not_given"}})
    f = fire("R3", ctx([given, not_given]), at("2024-05-21"))
    assert f is not None and "no explanation given" in f.sentence
    not_asked = ev("ed_attendance", "2024-05-20", detail={"code": "injury", "injury": {
        "site": "shin", "description": "bruise", "explanation_status": "not_asked"}})
    assert fire("R3", ctx([given, not_asked]), at("2024-05-21")) is None  # not asked is not an account


def test_r3_reads_the_site_code_before_the_text():
    coded = injury("2024-05-10", site="left side", site_code="14975008", explanation="fell off the sofa")
    text = injury("2024-05-20", site="wrist", explanation="caught it in a door")
    assert fire("R3", ctx([coded, text]), at("2024-05-21")) is not None  # forearm (code) and wrist: both the arm
    leg = injury("2024-05-20", site="left side", site_code="72696002", explanation="caught it in a door")
    assert fire("R3", ctx([coded, leg]), at("2024-05-21")) is None  # forearm and knee by code


def test_r3_near_misses_same_explanation_another_place_too_far_apart_or_no_site():
    same = [injury("2024-05-10", explanation="fell over"), injury("2024-05-20", explanation="Fell over.")]
    assert fire("R3", ctx(same), at("2024-05-21")) is None
    elsewhere = [injury("2024-05-10", site="forearm", explanation="fell off the sofa"),
                 injury("2024-05-20", site="knee", explanation="tripped on the stairs")]
    assert fire("R3", ctx(elsewhere), at("2024-05-21")) is None  # an arm and a leg: ordinary childhood
    months = [injury("2024-03-01", site="forearm", explanation="fell off the sofa"),
              injury("2024-05-20", site="forearm", explanation="tripped on the stairs")]
    assert fire("R3", ctx(months), at("2024-05-21")) is None  # 80 days apart
    just = [injury("2024-04-29", site="forearm", explanation="fell off the sofa"),
            injury("2024-05-20", site="forearm", explanation="tripped on the stairs")]
    assert fire("R3", ctx(just), at("2024-05-21")) is not None  # 21 days: still close
    unsited = [injury("2024-05-10", site="", explanation="fell"), injury("2024-05-20", site="", explanation="tripped")]
    assert fire("R3", ctx(unsited), at("2024-05-21")) is None


# --- R4 ----------------------------------------------------------------------------------------------


def test_r4_fires_24_hours_after_an_injury_on_a_plan_with_nobody_told():
    plan, hurt = cp_plan("2024-01-10"), injury("2024-03-01")
    f = fire("R4", ctx([plan, hurt]), at("2024-03-02", 11))
    assert f is not None and f.evidence == (plan.key, hurt.key) and f.due_at == at("2024-03-02", 10)
    assert "the social worker and the police" in f.sentence


def test_r4_near_misses_not_yet_due_told_or_not_on_a_plan():
    plan, hurt = cp_plan("2024-01-10"), injury("2024-03-01")
    assert fire("R4", ctx([plan, hurt]), at("2024-03-02", 9)) is None  # 23 hours: not yet due
    strategy = ev("strategy_discussion", "2024-03-01", CSC, hour=16)
    assert fire("R4", ctx([plan, hurt, strategy]), at("2024-03-03")) is None
    flagged = injury("2024-03-01", notified=["social_worker", "police"])
    assert fire("R4", ctx([plan, flagged]), at("2024-03-03")) is None
    assert fire("R4", ctx([hurt]), at("2024-03-03")) is None
    s47 = ev("section47_enquiry", "2024-02-20", CSC, hour=None)
    assert fire("R4", ctx([s47, hurt]), at("2024-03-03")) is not None  # under enquiry counts too


def test_r4_childrens_social_cares_own_record_of_an_injury_means_the_social_worker_knew():
    plan = cp_plan("2024-01-10")
    seen_on_visit = ev("visit", "2024-03-01", CSC, detail={"code": "cp_visit", "child_seen": True, "seen_alone": True,
                                                            "injury": {"site": "forearm", "description": "bruise",
                                                                       "explanation_given": "fell"}})
    f = fire("R4", ctx([plan, seen_on_visit]), at("2024-03-03"))
    assert f is not None and "no record that the police was told" in f.sentence  # not "the social worker"
    police = ev("police_incident", "2024-03-01", POLICE, hour=15, detail={"code": "welfare_check"})
    assert fire("R4", ctx([plan, seen_on_visit, police]), at("2024-03-03")) is None
    assert fire("R4", ctx([plan, injury("2024-03-01", notified=["social_worker", "police"])]), at("2024-03-03")) is None


# --- R5 ----------------------------------------------------------------------------------------------


def _adult(in_record: bool, start="2024-01-01", end="2024-06-01", pid="adult-1") -> HouseholdMember:
    return HouseholdMember(pid, "Craig W", True, dt.date.fromisoformat(start), dt.date.fromisoformat(end),
                           in_csc_household_record=in_record, agencies=("Northbrook Police",))


def test_r5_fires_for_an_adult_at_the_address_not_on_the_csc_household_record():
    referral = ev("referral", "2024-02-01", CSC)
    his = ev("police_incident", "2024-03-01", POLICE, detail={"code": "theft"}, person="adult-1")
    f = fire("R5", ctx([referral], household=[_adult(False)], household_events=[his]), at("2024-05-01"))
    assert f is not None and f.evidence == (referral.key, his.key) and "Craig W" in f.sentence


def test_r5_near_misses_adult_on_the_record_or_child_unknown_to_csc():
    referral = ev("referral", "2024-02-01", CSC)
    assert fire("R5", ctx([referral], household=[_adult(True)]), at("2024-05-01")) is None
    assert fire("R5", ctx([ev("consultation", "2024-02-01", GP)], household=[_adult(False)]), at("2024-05-01")) is None
    assert fire("R5", ctx([referral], household=[_adult(False, "2022-01-01", "2023-01-01")]), at("2024-05-01")) is None


def test_r5_fires_for_an_unknown_companion_elsewhere():
    referral = ev("referral", "2024-02-01", CSC)
    companion = HouseholdMember("adult-2", "Dean K", True, dt.date(2024, 3, 1), dt.date(2024, 3, 1))
    assert "Dean K" in fire("R5", ctx([referral], companions=[companion]), at("2024-04-01")).sentence


# --- R6 and R10: context only -------------------------------------------------------------------------


def _trio_household():
    da = ev("police_incident", "2024-02-01", POLICE, detail={"code": "domestic_abuse", "dash_risk": "high"})
    low = ev("consultation", "2024-02-10", GP, detail={"code": "low mood"}, person="mum")
    mum = HouseholdMember("mum", "Jade A", True, dt.date(2023, 1, 10), dt.date(2024, 6, 1), True, True)
    return da, low, mum


def test_r6_names_its_factors_but_never_alerts_and_nothing_else_fires_on_context_alone():
    da, low, mum = _trio_household()
    c = ctx([da], household=[mum], household_events=[low])
    assert context_factors(c, at("2024-03-01")) == (DOMESTIC_ABUSE, MENTAL_HEALTH)
    assert RULES_BY_ID["R6"](c, at("2024-03-01")) is None
    assert all_findings(c, at("2024-03-01")) == {}


def test_context_factors_raise_the_severity_of_another_rules_finding():
    da, low, mum = _trio_household()
    cheek = injury("2024-02-20", site="cheek", description="bruise")
    f = fire("R2", ctx([da, cheek], household=[mum], household_events=[low]), at("2024-03-01"))
    assert f.severity == "raised" and f.context_factors == (DOMESTIC_ABUSE, MENTAL_HEALTH)
    plain = fire("R2", ctx([cheek]), at("2024-03-01"))
    assert plain.severity == "standard" and plain.context_factors == ()
    one = fire("R2", ctx([da, cheek]), at("2024-03-01"))
    assert one.severity == "standard" and one.context_factors == (DOMESTIC_ABUSE,)  # one factor: noted, not raised


def test_r10_repeat_attendances_alone_never_alert():
    visits = [ev("ed_attendance", f"2024-0{m}-05", detail={"code": "fever"}) for m in range(1, 7)]
    c = ctx(visits)
    assert context_factors(c, at("2024-07-01")) == (REPEAT_ATTENDANCES,)
    assert RULES_BY_ID["R10"](c, at("2024-07-01")) is None
    assert all_findings(c, at("2024-07-01")) == {}
    assert context_factors(ctx(visits[:2]), at("2024-07-01")) == ()  # two are not "repeat"


# --- R7 ----------------------------------------------------------------------------------------------


def test_r7_fires_for_two_moves_or_an_eviction_for_a_child_on_a_plan():
    plan = cp_plan("2024-01-10")
    moves = [ev("temporary_accommodation", "2024-02-01", HOUSING, hour=None),
             ev("tenancy", "2024-05-01", HOUSING, hour=None)]
    assert fire("R7", ctx([plan, *moves]), at("2024-06-01")) is not None
    notice = ev("eviction_proceedings", "2024-04-01", HOUSING, hour=None, person="mum")
    f = fire("R7", ctx([plan], household_events=[notice]), at("2024-06-01"))
    assert f is not None and notice.key in f.evidence


def test_r7_near_misses_one_move_or_no_plan():
    plan = cp_plan("2024-01-10")
    assert fire("R7", ctx([plan, ev("tenancy", "2024-05-01", HOUSING, hour=None)]), at("2024-06-01")) is None
    moves = [ev("temporary_accommodation", "2024-02-01", HOUSING, hour=None),
             ev("tenancy", "2024-05-01", HOUSING, hour=None)]
    assert fire("R7", ctx(moves), at("2024-06-01")) is None


# --- R8 ----------------------------------------------------------------------------------------------


def test_r8_fires_when_the_child_is_not_brought_within_14_days_of_an_injury():
    hurt = injury("2024-03-01")
    missed = ev("missed_appointment", "2024-03-08", GP, detail={"code": "was_not_brought"})
    f = fire("R8", ctx([hurt, missed]), at("2024-03-09"))
    assert f is not None and f.evidence == (hurt.key, missed.key)


def test_r8_fires_for_two_visits_in_a_row_without_seeing_a_child_on_a_plan():
    plan = cp_plan("2024-01-10")
    f = fire("R8", ctx([plan, visit("2024-02-01"), visit("2024-02-15", False), visit("2024-03-01", False)]),
             at("2024-03-02"))
    assert f is not None and "not seen by a social worker since 1 February 2024" in f.sentence


def test_r8_sentence_carries_no_running_day_count_so_an_open_alert_is_not_updated_daily():
    events = [cp_plan("2024-01-10"), visit("2024-02-01"), visit("2024-02-15", False), visit("2024-03-01", False)]
    first, later = fire("R8", ctx(events), at("2024-03-02")), fire("R8", ctx(events), at("2024-03-20"))
    assert first is not None and first == later
    assert "days" not in first.sentence


def test_r8_near_misses():
    hurt = injury("2024-03-01")
    late = ev("missed_appointment", "2024-03-20", GP, detail={"code": "was_not_brought"})
    assert fire("R8", ctx([hurt, late]), at("2024-03-21")) is None
    plan = cp_plan("2024-01-10")
    assert fire("R8", ctx([plan, visit("2024-02-15", False), visit("2024-03-01")]), at("2024-03-02")) is None
    # one visit without seeing the child, last seen 20 days ago: not yet
    assert fire("R8", ctx([plan, visit("2024-02-10"), visit("2024-02-24", False)]), at("2024-03-01")) is None
    # ...but once 28 days pass since the child was last seen, the schedule raises it
    assert fire("R8", ctx([plan, visit("2024-02-10"), visit("2024-02-24", False)]), at("2024-03-11")) is not None


# --- R9 ----------------------------------------------------------------------------------------------


def test_r9_fires_when_the_record_says_the_clinician_did_not_see_the_cp_flag():
    plan = cp_plan("2024-01-10")
    seen = ev("ed_attendance", "2024-02-01", detail={"code": "rash", "cp_flag_seen": False})
    f = fire("R9", ctx([plan, seen]), at("2024-02-02"))
    assert f is not None and f.evidence == (plan.key, seen.key)


def test_r9_says_unknown_and_does_not_fire_when_the_record_does_not_carry_the_flag():
    from joinedup.alerts.rules.catalogue import UNKNOWN, r9_encounters

    plan, silent = cp_plan("2024-01-10"), ev("consultation", "2024-02-01", GP, detail={"code": "rash"})
    assert fire("R9", ctx([plan, silent]), at("2024-02-02")) is None
    rule = RULES_BY_ID["R9"]
    assert [(e.key, state) for e, _plan, state in r9_encounters(ctx([plan, silent]), at("2024-02-02"), rule.params)] \
        == [(silent.key, UNKNOWN)]


def test_r9_near_misses_flag_seen_before_the_plan_or_not_a_clinician():
    plan = cp_plan("2024-01-10")
    flagged = ev("consultation", "2024-02-01", GP, detail={"code": "rash", "cp_flag_seen": True})
    assert fire("R9", ctx([plan, flagged]), at("2024-02-02")) is None
    before = ev("consultation", "2024-01-05", GP, detail={"code": "rash", "cp_flag_seen": False})
    assert fire("R9", ctx([plan, before]), at("2024-01-20")) is None
    school = ev("school_concern", "2024-02-01", SCHOOL, detail={"code": "safeguarding_concern", "cp_flag_seen": False})
    assert fire("R9", ctx([plan, school]), at("2024-02-02")) is None


# --- R11 ---------------------------------------------------------------------------------------------


def test_r11_fires_for_behaviour_change_with_a_new_injury_on_a_plan():
    plan = cp_plan("2024-01-10")
    gp = ev("consultation", "2024-03-01", GP, detail={"code": "review", "text": "Quiet, withdrawn; flinched when examined."})
    hurt = injury("2024-03-10")
    f = fire("R11", ctx([plan, gp, hurt]), at("2024-03-11"))
    assert f is not None and set(f.evidence) == {plan.key, gp.key, hurt.key}


def test_r11_near_misses_behaviour_alone_or_not_on_a_plan():
    plan = cp_plan("2024-01-10")
    gp = ev("consultation", "2024-03-01", GP, detail={"code": "review", "behaviour_change": True})
    assert fire("R11", ctx([plan, gp]), at("2024-03-11")) is None
    assert fire("R11", ctx([gp, injury("2024-03-10")]), at("2024-03-11")) is None


# --- R12 ---------------------------------------------------------------------------------------------


def test_r12_fires_for_an_injury_within_30_days_of_no_further_action():
    nfa = ev("csc_contact", "2024-03-01", CSC, detail={"code": "contact", "decision": "no_further_action"})
    hurt = injury("2024-03-20")
    f = fire("R12", ctx([nfa, hurt]), at("2024-03-21"))
    assert f is not None and f.evidence == (nfa.key, hurt.key) and "no further action" in f.sentence


def test_r12_near_misses_later_injury_or_a_decision_that_kept_protection():
    nfa = ev("referral", "2024-03-01", CSC, detail={"code": "referral", "decision": "section 47"})
    assert fire("R12", ctx([nfa, injury("2024-03-20")]), at("2024-03-21")) is None
    nfa = ev("csc_contact", "2024-03-01", CSC, detail={"code": "contact", "decision": "no_further_action"})
    assert fire("R12", ctx([nfa, injury("2024-04-20")]), at("2024-04-21")) is None


def test_r12_reads_coded_decisions_never_decision_words_in_free_text():
    words = ev("police_incident", "2024-03-01", POLICE, detail={"code": "welfare_check",
                                                                 "text": "Words of advice; no further action."})
    assert fire("R12", ctx([words, injury("2024-03-20")]), at("2024-03-21")) is None
    coded = ev("charging_decision", "2024-03-01", POLICE, detail={"decision": "no_further_action"})
    assert fire("R12", ctx([coded, injury("2024-03-20")]), at("2024-03-21")) is not None
    # a police record after a decision whose text says "no further action" is not a new concern
    closed = ev("police_investigation", "2024-03-10", POLICE, detail={"status": "closed",
                                                                       "text": "No further action."})
    assert fire("R12", ctx([coded, closed]), at("2024-03-21")) is None


# --- R14 ---------------------------------------------------------------------------------------------


def _neglect(on: str, agency=HV) -> Event:
    return ev("health_visitor_contact", on, agency, detail={"code": "hv_review", "neglect_signs": ["faltering_growth"],
                                                             "home_conditions": "poor"})


def test_r14_fires_for_neglect_signs_on_two_occasions_in_six_months():
    a, b = _neglect("2024-02-01"), _neglect("2024-04-01", GP)
    f = fire("R14", ctx([a, b]), at("2024-04-02"))
    assert f is not None and f.evidence == (a.key, b.key)


def test_r14_near_misses_one_sign_or_far_apart_or_good_home():
    assert fire("R14", ctx([_neglect("2024-04-01")]), at("2024-04-02")) is None
    assert fire("R14", ctx([_neglect("2023-06-01"), _neglect("2024-04-01")]), at("2024-04-02")) is None
    good = [ev("health_visitor_contact", d, HV, detail={"code": "hv_review", "home_conditions": "good"})
            for d in ("2024-02-01", "2024-04-01")]
    assert fire("R14", ctx(good), at("2024-04-02")) is None


def test_r14_reads_only_documented_coded_fields_not_codes_or_phrases_of_the_simulator():
    phrases = [ev("health_visitor_contact", d, HV, detail={"code": "neglect_indicator", "finding": "weight faltering",
                                                            "text": "Arrived hungry; soiled clothing."})
               for d in ("2024-02-01", "2024-04-01")]
    assert fire("R14", ctx(phrases), at("2024-04-02")) is None
    coded = [ev("school_concern", "2024-02-01", SCHOOL, detail={"code": "concern", "neglect_signs": ["hungry"]}),
             ev("consultation", "2024-04-01", GP, detail={"code": "review", "neglect_signs": ["untreated_condition"]})]
    f = fire("R14", ctx(coded), at("2024-04-02"))
    assert f is not None and "hungry" in f.sentence and "untreated condition" in f.sentence


# --- general --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_no_rule_fires_for_an_ordinary_child(rule):
    ordinary = ctx([ev("consultation", "2024-02-01", GP, detail={"code": "ear infection"}),
                    ev("school_enrolment", "2024-09-01", SCHOOL, hour=None),
                    injury("2024-05-01", site="knee", description="graze")])
    assert rule(ordinary, at("2024-05-02")) is None


def test_a_rule_sees_only_what_it_is_given_and_findings_cite_event_keys():
    a = injury("2024-05-10", explanation="fell off the sofa")
    b = injury("2024-05-20", explanation="bumped into the table")
    full = ctx([a, b])
    f = fire("R3", full, at("2024-05-21"))
    keys = {e.key for e in full.events}
    assert set(f.evidence) <= keys and all(":" in k for k in f.evidence)
    assert fire("R3", full.as_of(at("2024-05-19")), at("2024-05-19")) is None
