"""The agency record format's additions for issue 16 (docs/formats/README.md, "Additions to version 1 for issue
16"): coded body sites, several injuries, explanation status, the child protection flag, new kinds and roles,
coded decisions and neglect signs, `seen_alone` only when the child was seen. Each bad value is refused naming its
field; each addition survives the CSV and FHIR readers; the chronology reads them."""

from __future__ import annotations

import copy
import json

import pytest

from joinedup.chronology.events import event_from_payload
from joinedup.chronology.kinds import KINDS
from joinedup.ingest.formats import SNOMED, fhir_bundle_to_records, read_csv_records, record_to_fhir_bundle, write_csv
from joinedup.ingest.schema import load_schema
from joinedup.ingest.validation import record_problems

from .conftest import EXAMPLE, ROOT

CODED = json.loads((ROOT / "docs" / "formats" / "examples" / "ed-attendance-coded-injuries.json").read_text())
NEW_KINDS = ("birth_notification", "case_note", "police_investigation", "charging_decision", "telephone_contact")


def problems_of(record) -> dict[str, str]:
    return {p["field"]: p["problem"] for p in record_problems(record)}


def with_detail(kind: str = "ed_attendance", **detail) -> dict:
    record = copy.deepcopy(EXAMPLE)
    record["kind"] = kind
    record["detail"] = detail
    return record


INJ = {"site": "cheek", "description": "bruise"}


def test_the_coded_example_is_valid_and_every_record_valid_before_still_is():
    assert problems_of(CODED) == {}
    assert problems_of(copy.deepcopy(EXAMPLE)) == {}
    assert problems_of(with_detail("visit", child_seen=False, seen_alone=False)) == {}  # older senders


@pytest.mark.parametrize(("record", "field", "problem"), [
    (with_detail(injury={**INJ, "site_code": "cheek"}), "detail.injury.site_code",
     "must be a SNOMED CT concept id: 6 to 18 digits, not starting with 0"),
    (with_detail(injury={**INJ, "explanation_status": "unsure"}), "detail.injury.explanation_status",
     "must be one of given, not_given, not_asked"),
    (with_detail(injury={**INJ, "explanation_status": "given"}), "detail.injury.explanation_given",
     "is required when explanation_status is given (the explanation, in their words)"),
    (with_detail(injury={**INJ, "explanation_status": "not_asked", "explanation_given": "fell"}),
     "detail.injury.explanation_given",
     "must be absent when explanation_status is not_asked; send explanation_status given with the explanation"),
    (with_detail(injury=INJ, injuries=[INJ]), "detail.injuries",
     "give detail.injury (one injury) or detail.injuries (a list), not both"),
    (with_detail(injuries=[]), "detail.injuries", "must have at least 1 items"),
    (with_detail(injuries=[INJ, {**INJ, "explained_by": "m9"}]), "detail.injuries[1].explained_by",
     "must be the mention_id of a mention of this record"),
    (with_detail("injury"), "detail.injury",
     "give detail.injury (one injury) or detail.injuries (a list) for an injury record"),
    (with_detail(cp_flag_seen="no"), "detail.cp_flag_seen", "must be true or false"),
    (with_detail(neglect_signs=["hungry", "smelly"]), "detail.neglect_signs[1]",
     "must be one of faltering_growth, untreated_condition, poor_hygiene, inadequate_clothing, hungry, "
     "missed_immunisations, dental_decay, unsafe_sleeping, head_lice, severe_nappy_rash, unsupervised"),
    (with_detail("charging_decision", decision="nfa"), "detail.decision",
     "must be one of charged, no_further_action, released_under_investigation, caution"),
    (with_detail("charging_decision"), "detail.decision", "is required for a charging_decision record"),
    (with_detail("police_investigation", status="pending"), "detail.status", "must be one of open, closed"),
    (with_detail("police_investigation", decision="NFA"), "detail.decision",
     "must be one of no_further_action, return_home, referred_to_csc, charged, advice_given, other"),
    (with_detail("telephone_contact", direction="sideways"), "detail.direction", "must be one of incoming, outgoing"),
    (with_detail("visit", child_seen=True), "detail.seen_alone", "is required for a visit record when child_seen is true"),
], ids=lambda v: v if isinstance(v, str) and v.startswith("detail") else "")
def test_bad_values_are_refused_naming_the_field(record, field, problem):
    assert problems_of(record) == {field: problem}


def test_new_kinds_and_roles_are_accepted_and_labelled():
    for kind, detail in zip(NEW_KINDS, ({}, {"text": "Mum rang."}, {"status": "open", "offence_code": "8.01"},
                                        {"decision": "no_further_action"},
                                        {"text": "Dad rang.", "direction": "incoming"}), strict=True):
        record = with_detail(kind, **detail)
        record["mentions"][1]["role"] = "arrested_person" if kind == "police_investigation" else "applicant"
        assert problems_of(record) == {}, kind
        assert kind in load_schema()["$defs"]["kind"]["enum"]
        assert kind in KINDS and KINDS[kind].label != kind  # the chronology has a label, not the bare code


def test_the_additions_survive_the_csv_and_fhir_readers():
    one = with_detail(injury={**INJ, "site_code": "60819002", "explanation_status": "not_given"}, cp_flag_seen=True)
    for record in (CODED, one):
        assert fhir_bundle_to_records(record_to_fhir_bundle(record)) == [record]
        assert read_csv_records(write_csv([record])) == [record]
    site = next(e["resource"] for e in record_to_fhir_bundle(CODED)["entry"]
                if e["resource"]["resourceType"] == "Condition")["bodySite"][0]
    assert site == {"text": "left cheek", "coding": [{"system": SNOMED, "code": "60819002"}]}


def test_a_feeds_single_condition_with_only_a_snomed_coding_is_read_as_one_injury():
    bundle = record_to_fhir_bundle(with_detail(injury={**INJ, "site_code": "60819002"}))
    for entry in bundle["entry"]:
        res = entry["resource"]
        if res["resourceType"] == "Condition":
            res["id"] = "c-77"
            res["bodySite"] = [{"coding": [{"system": SNOMED, "code": "60819002", "display": "Cheek structure"}]}]
    [record] = fhir_bundle_to_records(bundle)
    assert record["detail"]["injury"] == {"site": "Cheek structure", "site_code": "60819002", "description": "bruise"}
    assert problems_of(record) == {}


def test_the_chronology_reads_every_injury_its_code_and_explanation_status():
    e = event_from_payload(CODED, mention_ids={"m1"})
    assert [(i.site, i.site_code, i.explanation_status, i.explained_by) for i in e.injuries] == [
        ("left cheek", "60819002", "not_given", "mother"), ("knee", "72696002", "given", "mother")]
    assert e.injury == e.injuries[0]
    assert "bruise 3cm to left cheek" in e.summary and "graze to knee" in e.summary
    old = event_from_payload(copy.deepcopy(EXAMPLE), mention_ids={"m1"})
    assert old.injury.explanation_status == "given" and len(old.injuries) == 1  # words sent, no status: given
