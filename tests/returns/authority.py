"""A small hand-made authority (Richmond upon Thames' LA number and postcodes, so that the validators' real
code lists and postcode look-ups apply) whose children's social care records make both returns for 2025-26:

- A (CP1): a section 47 enquiry, an initial conference and a child protection plan still open, a review;
- B (CP2): a plan that ended at a review conference, then a child in need plan, then closure;
- C (LA1): started to be looked after this year (previous permanence Z1), a change of placement, reviews, a
  missing episode, a social worker;
- D (LA2): looked after since 2023 (the outcomes table, OC2), reviews, a social worker;
- E (NF1): an assessment that found no further action, the case closed.

Records are agency records v1 as a case system sends them; the tests ingest them through the ingest service
and link each child's records to one person, as joinedup does for records it writes.
"""

from __future__ import annotations

import datetime as dt

from joinedup.returns.upn import check_letter

CSC = "richmond-childrens-services"
LA_NUMBER, LA_GSS = "318", "E09000027"
SYSTEM_NAME = "Case system"


def upn(serial: int) -> str:
    rest = f"{LA_NUMBER}{serial:08d}1"
    return check_letter(rest) + rest


CHILDREN = {
    "CP1": {"given_name": "Ava", "family_name": "Lindqvist", "dob": "2018-06-01", "sex": "female", "upn": upn(1)},
    "CP2": {"given_name": "Theo", "family_name": "Marsh", "dob": "2021-09-09", "sex": "male"},
    "LA1": {"given_name": "Kian", "family_name": "Oduya", "dob": "2012-03-10", "sex": "male", "upn": upn(3)},
    "LA2": {"given_name": "Maya", "family_name": "Petrov", "dob": "2015-02-02", "sex": "female", "upn": upn(4)},
    "NF1": {"given_name": "Isla", "family_name": "Quint", "dob": "2019-04-15", "sex": "female", "upn": upn(5)},
}
REGISTRATION = {
    "CP1": {"ethnicity": "WBRI", "disabilities": ["NONE"]},
    "CP2": {"ethnicity": "BAFR", "disabilities": ["NONE"], "upn_unknown_reason": "UN1"},
    "LA1": {"ethnicity": "MWBC", "disabilities": ["LD", "COMM"]},
    "LA2": {"ethnicity": "AIND", "disabilities": ["NONE"], "is_mother": False},
    "NF1": {"ethnicity": "WIRI", "disabilities": ["HEAR"]},
}


def record(child: str, rid: str, kind: str, when: str, detail: dict, *, ended_on: str | None = None,
           version: int = 1) -> dict:
    out = {
        "schema": "joinedup.agency-record/1", "agency_id": CSC, "source_system": SYSTEM_NAME,
        "source_record_id": rid, "version": version, "kind": kind,
        "recorded_at": (when if "T" in when else f"{when}T17:00:00Z"),
        "mentions": [{"mention_id": "m1", "role": "subject", "local_person_id": child, **CHILDREN[child]}],
        "detail": {"author_role": "Social worker", **detail},
    }
    out["occurred_at" if "T" in when else "occurred_on"] = when
    if ended_on:
        out["ended_on"] = ended_on
    if version > 1:
        out["amended_at"] = "2026-04-20T09:00:00Z"
    return out


def episode(child, rid, start, end, rne, legal, place, provider, postcode, *, reason_ended="", change="",
            urn="", prev=None, need="N1"):
    detail = {"legal_status": legal, "reason_new_episode": rne, "placement_type": place,
              "placement_provider": provider, "placement_postcode": postcode, "home_postcode": "KT1 4AD",
              "category_of_need": need, "case_id": f"{child}-C"}
    if urn:
        detail["placement_urn"] = urn
    if reason_ended:
        detail["reason_ended"] = reason_ended
    if change:
        detail["reason_placement_change"] = change
    if prev:
        detail["previous_permanence"] = prev
    return record(child, rid, "looked_after_episode", start, detail, ended_on=end)


def authority_records() -> list[dict]:
    r = []
    for child, detail in REGISTRATION.items():
        r.append(record(child, f"{child}-REG", "person_registration", "2025-04-01", detail))
    # A: strategy discussion, enquiry, initial conference, plan (open), a review
    r += [
        record("CP1", "CP1-REF", "referral", "2025-05-06", {"source_code": "2A", "primary_need": "N1",
                                                            "route": "strategy_discussion", "case_id": "CP1-C"}),
        record("CP1", "CP1-ASM", "assessment", "2025-05-06", {"factors": ["3B", "16A"], "case_id": "CP1-C",
                                                              "outcome": "strategy_discussion"},
               ended_on="2025-06-10"),
        record("CP1", "CP1-STR", "strategy_discussion", "2025-05-07T10:00:00Z",
               {"decision": "section_47", "case_id": "CP1-C"}),
        record("CP1", "CP1-S47", "section47_enquiry", "2025-05-07", {"conference_needed": True, "case_id": "CP1-C",
                                                                     "outcome": "substantiated"},
               ended_on="2025-05-20"),
        record("CP1", "CP1-ICPC", "conference", "2025-05-22", {"conference_type": "initial", "outcome": "plan",
                                                               "category": "neglect", "case_id": "CP1-C"}),
        record("CP1", "CP1-CPP", "cp_plan", "2025-05-22", {"category": "neglect", "initial_category": "neglect",
                                                           "case_id": "CP1-C"}),
        record("CP1", "CP1-RCPC", "conference", "2025-08-21", {"conference_type": "review",
                                                               "outcome": "plan_continues", "category": "neglect",
                                                               "case_id": "CP1-C"}),
    ]
    # B: a plan that ended at review, a child in need plan, closure
    r += [
        record("CP2", "CP2-REF", "referral", "2025-04-14", {"source_code": "3B", "primary_need": "N1",
                                                            "route": "strategy_discussion", "case_id": "CP2-C"}),
        record("CP2", "CP2-ASM", "assessment", "2025-04-14", {"factors": ["18C"], "case_id": "CP2-C"},
               ended_on="2025-05-20"),
        record("CP2", "CP2-STR", "strategy_discussion", "2025-04-15T11:00:00Z",
               {"decision": "section_47", "case_id": "CP2-C"}),
        record("CP2", "CP2-S47", "section47_enquiry", "2025-04-15", {"conference_needed": True, "case_id": "CP2-C"},
               ended_on="2025-04-25"),
        record("CP2", "CP2-ICPC", "conference", "2025-04-29", {"conference_type": "initial", "outcome": "plan",
                                                               "category": "physical_abuse", "case_id": "CP2-C"}),
        record("CP2", "CP2-CPP", "cp_plan", "2025-04-29", {"category": "emotional_abuse",
                                                           "initial_category": "physical_abuse", "case_id": "CP2-C"},
               ended_on="2025-10-28"),
        record("CP2", "CP2-RCPC1", "conference", "2025-07-22", {"conference_type": "review", "case_id": "CP2-C",
                                                                "outcome": "plan_continues",
                                                                "category": "emotional_abuse"}),
        record("CP2", "CP2-RCPC2", "conference", "2025-10-28", {"conference_type": "review", "case_id": "CP2-C",
                                                                "outcome": "plan_ends"}),
        record("CP2", "CP2-CIN", "cin_plan", "2025-10-28", {"case_id": "CP2-C"}, ended_on="2026-02-10"),
        record("CP2", "CP2-CLO", "case_closure", "2026-02-10", {"reason": "RC7", "case_id": "CP2-C"}),
    ]
    # C: looked after from June 2025, moved in September
    r += [
        record("LA1", "LA1-REF", "referral", "2025-06-02", {"source_code": "6", "primary_need": "N4",
                                                            "route": "assessment", "case_id": "LA1-C"}),
        record("LA1", "LA1-ASM", "assessment", "2025-06-02", {"factors": ["4B", "3A"], "case_id": "LA1-C",
                                                              "outcome": "looked_after"}, ended_on="2025-07-01"),
        episode("LA1", "LA1-E1", "2025-06-20", "2025-09-15", "S", "V2", "U6", "PR1", "KT1 4AB",
                reason_ended="X1", change="CARPL", urn="SC123456", prev="Z1", need="N4"),
        episode("LA1", "LA1-E2", "2025-09-15", None, "P", "V2", "U6", "PR4", "KT1 4AE", urn="SC654321",
                need="N4"),
        record("LA1", "LA1-REV1", "looked_after_review", "2025-07-18", {"participation": "PN1"}),
        record("LA1", "LA1-REV2", "looked_after_review", "2025-12-10", {"participation": "PN1"}),
        record("LA1", "LA1-MIS", "missing_episode", "2025-10-03", {"missing_type": "missing",
                                                                   "return_interview_offered": True},
               ended_on="2025-10-04"),
        record("LA1", "LA1-SW", "worker_allocation", "2025-06-02", {"worker_id": "SW10001",
                                                                    "change_reason": "FCONTA"},
               ended_on="2025-06-20"),
        # the children in care team takes the case over when the child starts to be looked after
        record("LA1", "LA1-SW2", "worker_allocation", "2025-06-20", {"worker_id": "SW10003",
                                                                     "change_reason": "TSPROC"}),
    ]
    # D: looked after since January 2023
    r += [
        record("LA2", "LA2-REF", "referral", "2022-12-01", {"source_code": "5A", "primary_need": "N1",
                                                            "route": "assessment", "case_id": "LA2-C"}),
        record("LA2", "LA2-ASM", "assessment", "2022-12-01", {"factors": ["16A"], "case_id": "LA2-C"},
               ended_on="2023-01-05"),
        episode("LA2", "LA2-E1", "2023-01-10", None, "S", "C2", "U4", "PR1", "KT1 4AF", urn="SC123456",
                prev="Z1"),
        record("LA2", "LA2-REV1", "looked_after_review", "2025-07-01", {"participation": "PN1"}),
        record("LA2", "LA2-REV2", "looked_after_review", "2026-01-05", {"participation": "PN2"}),
        record("LA2", "LA2-SW", "worker_allocation", "2025-03-03", {"worker_id": "SW10002",
                                                                    "change_reason": "FCONTA"}),
        record("LA2", "LA2-OC2", "looked_after_outcomes", "2026-03-31", {
            "sdq_score": 14, "convicted": False, "immunisations": True, "teeth_check": True,
            "health_assessment": True, "substance_misuse": False}),
    ]
    # E: assessed, no further action
    r += [
        record("NF1", "NF1-REF", "referral", "2025-09-01", {"source_code": "3A", "primary_need": "N5",
                                                            "route": "assessment", "case_id": "NF1-C"}),
        record("NF1", "NF1-ASM", "assessment", "2025-09-01", {"factors": ["21"], "case_id": "NF1-C",
                                                              "outcome": "no_further_action"},
               ended_on="2025-10-01"),
        record("NF1", "NF1-CLO", "case_closure", "2025-10-02", {"reason": "RC8", "case_id": "NF1-C"}),
    ]
    return r


def faults() -> list[dict]:
    """One corrupted record each, as a case system's later versions (or a new record) would bring them."""
    by_id = {x["source_record_id"]: x for x in authority_records()}

    def again(rid: str, **changes) -> dict:
        out = {**by_id[rid], "version": 2, "amended_at": "2026-04-20T09:00:00Z"}
        detail = changes.pop("detail", None)
        if detail is not None:
            out["detail"] = detail
        out.update(changes)
        return out

    saturday = dt.date(2025, 5, 24).isoformat()
    assert dt.date.fromisoformat(saturday).weekday() == 5
    no_prev = {k: v for k, v in by_id["LA1-E1"]["detail"].items() if not k.startswith("previous_permanence")}
    return [
        again("CP2-CPP", ended_on="2025-04-01"),  # a plan ending before it starts
        again("CP1-ICPC", occurred_on=saturday),  # an initial conference on a Saturday (the plan starts there)
        again("CP1-CPP", occurred_on=saturday),
        episode("LA2", "LA2-E9", "2025-08-01", "2025-08-20", "P", "C2", "U6", "PR1", "KT1 4AG",
                reason_ended="X1", urn="SC123456"),  # overlaps the episode open since 2023
        again("LA1-E1", detail=no_prev),  # started to be looked after, no previous permanence
    ]
