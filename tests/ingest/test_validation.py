"""Every problem with a record is named by its JSON path and described in plain English (no database)."""

from __future__ import annotations

import copy
import json
from datetime import date

import pytest

from joinedup.ingest.bulk import Adapter
from joinedup.ingest.prepare import MENTION_FIELDS, prepare_record
from joinedup.ingest.validation import field_path, record_problems

from .conftest import EXAMPLE


def broken(**changes):
    record = copy.deepcopy(EXAMPLE)
    record.update(changes)
    return record


def problems_of(record) -> dict[str, str]:
    problems = record_problems(record)
    found = {p["field"]: p["problem"] for p in problems}
    assert len(found) == len(problems), problems  # one problem per field
    return found


def test_the_published_example_is_valid():
    assert record_problems(copy.deepcopy(EXAMPLE)) == []


def test_field_paths_read_like_json():
    assert field_path(["mentions", 0, "address", "lines", 2]) == "mentions[0].address.lines[2]"
    assert field_path([]) == ""


@pytest.mark.parametrize(
    ("change", "field", "problem"),
    [
        ({"schema": "joinedup.agency-record/2"}, "schema", 'must be "joinedup.agency-record/1"'),
        ({"agency_id": "Northbrook Police"}, "agency_id", "must be the agency's lower-case id"),
        ({"version": 0}, "version", "must be 1 or more"),
        ({"version": "2"}, "version", "must be a whole number"),
        ({"version": 2}, "amended_at", "is required when version is 2 or more"),
        ({"kind": "gossip"}, "kind", "is not one of the 56 values"),
        ({"recorded_at": "2023-04-09 17:24"}, "recorded_at", "must be a real date and time written like"),
        ({"recorded_at": "2023-02-30T10:00:00Z"}, "recorded_at", "must be a real date and time"),
        ({"ended_on": "09/04/2023"}, "ended_on", "must be a real date written YYYY-MM-DD"),
        ({"occurred_on": "2023-04-09"}, "occurred_on", "give occurred_at or occurred_on, not both"),
        ({"mentions": []}, "mentions", "must name at least one person"),
        ({"source_system": ""}, "source_system", "must not be empty"),
        ({"source_record_id": "x" * 101}, "source_record_id", "must be at most 100 characters"),
        ({"colour": "blue"}, "colour", "is not a field of a record"),
    ],
)
def test_record_level_problems(change, field, problem):
    found = problems_of(broken(**change))
    assert field in found, found
    assert found[field].startswith(problem), found[field]


def test_a_missing_time_names_occurred_at():
    record = broken()
    del record["occurred_at"]
    assert problems_of(record) == {"occurred_at": "give occurred_at (a date and time) or occurred_on (a day)"}


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("dob", "2020-13-01", "must be a real date written YYYY-MM-DD"),
        ("dob", "20/11/2020", "must be a real date written YYYY-MM-DD"),
        ("nhs_number", "999 003 6268", "must be 10 digits with no spaces"),
        ("upn", "a12345678901", "must be a capital letter, 11 digits and a final digit or capital letter"),
        ("sex", "f", "must be one of female, male, unknown"),
        ("role", "boss", "must be one of subject, patient"),
        ("mention_id", "m 1", "must be 1 to 20 letters"),
        ("given_name", 7, "must be null or text"),
        ("dob_estimated", "yes", "must be true, false or null"),
        ("age", 121, "must be a whole number of years from 0 to 120"),
        ("other_names", "Doyle", "must be null or a list"),
        ("shoe_size", 9, "is not a field of a mention"),
    ],
)
def test_mention_problems_name_the_mention(field, value, problem):
    record = broken()
    record["mentions"][1][field] = value
    found = problems_of(record)
    assert found[f"mentions[1].{field}"].startswith(problem)


def test_address_problems_are_reported_inside_the_address():
    record = broken()
    record["mentions"][0]["address"] = {"lines": ["1 High Street"] * 7, "postcode": 5, "uprn": "12-34"}
    found = problems_of(record)
    assert found["mentions[0].address.lines"] == "must have at most 6 items"
    assert found["mentions[0].address.postcode"] == "must be null or text"
    assert found["mentions[0].address.uprn"] == "must be 1 to 12 digits"


def test_a_nameless_mention_is_refused():
    record = broken()
    for key in ("given_name", "family_name"):
        del record["mentions"][0][key]
    assert problems_of(record) == {
        "mentions[0]": "give at least one of given_name, family_name or relationship_label"
    }


def test_kind_specific_detail_is_required():
    assert problems_of(broken(kind="visit", detail={"text": "seen"})) == {
        "detail.child_seen": "is required for a visit record",
    }
    assert problems_of(broken(kind="visit", detail={"child_seen": True})) == {
        "detail.seen_alone": "is required for a visit record when child_seen is true",
    }
    assert problems_of(broken(kind="visit", detail={"child_seen": False})) == {}  # seen_alone only when seen
    record = broken()
    del record["detail"]["injury"]["description"]
    assert problems_of(record) == {"detail.injury.description": "is required"}
    record = broken()
    del record["detail"]["injury"]["explanation_given"]  # no longer required on its own: the explanation is unknown
    assert problems_of(record) == {}


def test_detail_keys_and_values():
    found = problems_of(broken(detail={"Code": "x", "codes": [1], "text": "ok"}))
    assert found == {"detail.Code": "is not a snake_case key (lower-case letters, digits and _)",
                     "detail.codes[0]": "must be text"}


def test_rules_the_schema_cannot_state():
    record = broken()
    record["mentions"][1]["mention_id"] = "m1"
    record["detail"]["injury"]["explained_by"] = "m7"
    assert problems_of(record) == {
        "mentions[1].mention_id": "is also the id of mentions[0]; mention ids are unique in a record",
        "detail.injury.explained_by": "must be the mention_id of a mention of this record",
    }


def test_problems_never_repeat_the_value_sent():
    record = broken()
    record["mentions"][0]["given_name"] = 12345
    record["mentions"][0]["dob"] = "1999-99-99"
    record["mentions"][0]["nhs_number"] = "12345"
    text = " ".join(p["problem"] for p in record_problems(record))
    assert "12345" not in text and "1999-99-99" not in text


def test_not_an_object():
    assert record_problems([1, 2]) == [{"field": "", "problem": "a record must be a JSON object"}]


@pytest.mark.parametrize("vendor", ["postgresql", "sqlite"])
def test_prepared_rows_match_the_python_columns(vendor):
    """The database-ready tuples hold the same values as mention_columns, in MENTION_FIELDS order."""
    record = copy.deepcopy(EXAMPLE)
    record["mentions"][1]["address"] = {"lines": ["Refuge"], "postcode": "NB1 1AA", "protected": True}
    record["mentions"][1].update(dob_estimated=True, age=30.0, other_names=[{"family_name": "Doyle", "kind": "former"}])
    prepared = prepare_record(record, Adapter(vendor=vendor))
    rows = prepared.mentions()
    assert (rows[0]["dob_estimated"], rows[0]["age"], rows[0]["other_names"]) == (False, None, [])
    assert (rows[1]["dob_estimated"], rows[1]["age"]) == (True, 30) and type(rows[1]["age"]) is int
    assert rows[1]["other_names"] == [{"given_name": None, "family_name": "Doyle", "kind": "former"}]
    for row, db_row in zip(rows, prepared.db_mentions, strict=True):
        assert db_row[0] == row["mention_id"]
        for name, value in zip(MENTION_FIELDS, db_row[1:], strict=True):
            if name in ("address_lines", "other_names"):
                assert json.loads(value) == row[name]
            elif isinstance(row[name], date):
                assert value == row[name].isoformat(), name
            else:
                assert value == row[name], name
    columns = prepared.columns()
    assert prepared.db_columns[0] == columns["kind"] and prepared.db_columns[2] == columns["occurred_on"].isoformat()
    if vendor == "sqlite":
        assert prepared.db_columns[4] == "2023-04-09 17:24:00"


@pytest.mark.parametrize("detail,field,problem", [
    ({"ethnicity": "WHITE"}, "detail.ethnicity", "must be one of WBRI"),
    ({"disabilities": ["NONE", "MOB"]}, "detail.disabilities", "NONE (no disability) cannot be given with other"),
    ({"upn_unknown_reason": "UN9"}, "detail.upn_unknown_reason", "must be one of UN1"),
    ({"previous_permanence_la": "Richmond"}, "detail.previous_permanence_la", "3-digit local authority number"),
    ({"previous_permanence_on": "2025-02-30"}, "detail.previous_permanence_on", "must be a real date"),
    ({"worker_id": "J.Smith"}, "detail.worker_id", "Social Work England registration number"),
    ({"placement_urn": "12"}, "detail.placement_urn", "Ofsted unique reference number"),
    ({"sdq_score": 41}, "detail.sdq_score", "must be 40 or less"),
])
def test_statutory_return_fields_are_refused_by_name(detail, field, problem):
    """Issue 17's additions to version 1 (optional): a wrong value is refused naming the field."""
    found = problems_of(broken(kind="person_registration", detail=detail))
    assert problem in found[field], found


@pytest.mark.parametrize("kind,field", [("missing_episode", "detail.missing_type"),
                                        ("worker_allocation", "detail.worker_id"),
                                        ("looked_after_review", "detail.participation")])
def test_statutory_return_kinds_need_their_key(kind, field):
    found = problems_of(broken(kind=kind, detail={}))
    assert found[field].startswith(f"is required for a {kind} record"), found
