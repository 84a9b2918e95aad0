"""dob_estimated, age and other_names: checked, carried by the CSV and FHIR mappings, kept on Mention, and in the
mention dicts the linkage engine takes."""

from __future__ import annotations

import copy
import csv
import io
import json
from datetime import date

import pytest
from django.test import Client

from joinedup.accounts.models import Role
from joinedup.accounts.services import actor_for, api_token_create
from joinedup.core.actor import ActorRef
from joinedup.ingest.formats import (
    CSV_COLUMNS,
    CSV_HEADER,
    fhir_bundle_to_records,
    other_names_from_cell,
    other_names_to_cell,
    read_csv_records,
    record_to_fhir_bundle,
    write_csv,
)
from joinedup.ingest.models import Mention, SourceRecord
from joinedup.ingest.readers import read_items
from joinedup.ingest.services import records_ingest
from joinedup.ingest.validation import record_problems
from joinedup.people.linkage.authority import mention_dict

from .conftest import EXAMPLE, ROOT

SYSTEM = ActorRef.system("ingest-test")
EXAMPLES = ROOT / "docs" / "formats" / "examples"


def with_new_fields() -> dict:
    """The ED example with an estimated date of birth and former surname on m1 and an age and alias on m2."""
    record = copy.deepcopy(EXAMPLE)
    record["mentions"][0].update(dob_estimated=True, other_names=[{"family_name": "Doyle", "kind": "former"}])
    m2 = record["mentions"][1]
    del m2["dob"]
    m2.update(age=29, dob_estimated=False,
              other_names=[{"given_name": "Shell", "kind": "alias"}, {"given_name": "Michelle", "family_name": "O'Hara",
                                                                    "kind": "former"}])
    return record


def problems_of(record) -> dict[str, str]:
    return {p["field"]: p["problem"] for p in record_problems(record)}


# --- the schema and the plain-English problems -----------------------------------------------------------


def test_the_new_fields_are_valid_and_optional():
    assert record_problems(with_new_fields()) == []
    assert record_problems(copy.deepcopy(EXAMPLE)) == []  # a record without them is as valid as before
    nulls = copy.deepcopy(EXAMPLE)
    nulls["mentions"][0].update(dob_estimated=None, age=None, other_names=None)
    assert record_problems(nulls) == []
    edges = copy.deepcopy(EXAMPLE)
    edges["mentions"][0].update(age=0, other_names=[])
    edges["mentions"][1].update(age=120, other_names=[{"family_name": "X", "kind": "former"}] * 10)
    assert record_problems(edges) == []


@pytest.mark.parametrize(
    ("value", "field", "problem"),
    [
        ({"dob_estimated": "yes"}, "dob_estimated", "must be true, false or null"),
        ({"dob_estimated": 1}, "dob_estimated", "must be true, false or null"),
        ({"age": 121}, "age", "must be a whole number of years from 0 to 120"),
        ({"age": -1}, "age", "must be a whole number of years from 0 to 120"),
        ({"age": "about 30"}, "age", "must be a whole number of years from 0 to 120"),
        ({"age": 30.5}, "age", "must be a whole number of years from 0 to 120"),
        ({"age": True}, "age", "must be a whole number of years from 0 to 120"),
        ({"other_names": "Doyle"}, "other_names", "must be null or a list"),
        ({"other_names": [{"family_name": "X", "kind": "former"}] * 11}, "other_names", "must have at most 10 items"),
        ({"other_names": ["Doyle"]}, "other_names[0]", "must be an object"),
        ({"other_names": [{"kind": "former"}]}, "other_names[0]", "give at least one of given_name or family_name"),
        ({"other_names": [{"given_name": None, "family_name": None, "kind": "alias"}]}, "other_names[0]",
         "give at least one of given_name or family_name"),
        ({"other_names": [{"family_name": "Doyle"}]}, "other_names[0].kind", "is required"),
        ({"other_names": [{"family_name": "Doyle", "kind": "maiden"}]}, "other_names[0].kind",
         "must be one of former, alias"),
        ({"other_names": [{"family_name": "", "kind": "former"}]}, "other_names[0].family_name", "must not be empty"),
        ({"other_names": [{"family_name": 7, "kind": "former"}]}, "other_names[0].family_name", "must be null or text"),
        ({"other_names": [{"given_name": "x" * 101, "kind": "alias"}]}, "other_names[0].given_name",
         "must be at most 100 characters"),
        ({"other_names": [{"family_name": "Doyle", "kind": "former", "since": "2019"}]}, "other_names[0].since",
         "is not a field of an entry of other_names in the agency record format"),
    ],
)
def test_bad_values_are_refused_naming_the_field(value, field, problem):
    record = copy.deepcopy(EXAMPLE)
    record["mentions"][1].update(value)
    assert problems_of(record) == {f"mentions[1].{field}": problem}


def test_an_age_in_the_detail_is_not_taken_for_the_mentions_age():
    record = copy.deepcopy(EXAMPLE)
    record["detail"]["age"] = {"years": 3}
    assert "must be a whole number of years" not in problems_of(record)["detail.age"]


def test_problems_never_repeat_the_names_sent():
    record = copy.deepcopy(EXAMPLE)
    record["mentions"][0]["other_names"] = [{"family_name": "Zbyszewska" * 12, "kind": "wife"}]
    text = " ".join(p["problem"] for p in record_problems(record))
    assert "Zbyszewska" not in text and "wife" not in text


# --- CSV and FHIR ---------------------------------------------------------------------------------------


def test_csv_round_trip_and_columns():
    record = with_new_fields()
    text = write_csv([record])
    m1, m2 = csv.DictReader(io.StringIO(text))
    assert tuple(m1) == CSV_HEADER and CSV_HEADER[-3:] == ("dob_estimated", "age", "other_names")
    assert (m1["dob_estimated"], m1["age"], m1["other_names"]) == ("true", "", "former:|Doyle")
    assert (m2["dob_estimated"], m2["age"], m2["other_names"]) == ("false", "29", "alias:Shell|;former:Michelle|O'Hara")
    assert read_csv_records(text) == [record]
    plain = copy.deepcopy(EXAMPLE)
    assert read_csv_records(write_csv([plain])) == [plain]  # empty cells: nothing added


def test_names_with_the_separators_survive_the_csv_cell():
    names = [{"given_name": "A;B", "family_name": "C|D\\E", "kind": "alias"}, {"family_name": "F:G", "kind": "former"}]
    cell = other_names_to_cell(names)
    assert cell == "alias:A\\;B|C\\|D\\\\E;former:|F:G"
    assert other_names_from_cell(cell) == names
    assert other_names_from_cell("former:Doyle") == [{"family_name": "Doyle", "kind": "former"}]  # no "|": a surname


def test_a_csv_file_without_the_new_columns_is_read_as_before(tmp_path):
    rows = [{c: row[c] for c in CSV_COLUMNS} for row in csv.DictReader(io.StringIO(write_csv([EXAMPLE])))]
    old = io.StringIO()
    writer = csv.DictWriter(old, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path = tmp_path / "records.csv"
    path.write_text(old.getvalue(), encoding="utf-8")
    (item,) = read_items(path)
    assert item.problems == [] and item.record == EXAMPLE
    example = read_items(EXAMPLES / "housing-association-records.csv")  # published before the columns
    assert all(i.record is not None and record_problems(i.record) == [] for i in example)


def test_bad_csv_cells_reach_the_format_check_and_are_named(tmp_path):
    text = write_csv([EXAMPLE])
    rows = list(csv.DictReader(io.StringIO(text)))
    rows[0].update(dob_estimated="perhaps", age="about 30", other_names="spouse:|Doyle;Smith")
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_HEADER, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path = tmp_path / "records.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    (item,) = read_items(path)
    assert problems_of(item.record) == {
        "mentions[0].dob_estimated": "must be true, false or null",
        "mentions[0].age": "must be a whole number of years from 0 to 120",
        "mentions[0].other_names[0].kind": "must be one of former, alias",
        "mentions[0].other_names[1].kind": "is required",
    }


def test_fhir_round_trip_and_encoding():
    record = with_new_fields()
    bundle = record_to_fhir_bundle(record)
    patient, related = (e["resource"] for e in bundle["entry"][:2])
    assert patient["name"] == [{"family": "Cole", "given": ["Evey"]}, {"use": "old", "family": "Doyle"}]
    assert patient["_birthDate"]["extension"] == [
        {"url": "https://joinedup.example/fhir/StructureDefinition/dob-estimated", "valueBoolean": True}
    ]
    assert "birthDate" not in related and related["_birthDate"]["extension"][0]["valueBoolean"] is False
    assert {"url": "https://joinedup.example/fhir/StructureDefinition/recorded-age",
            "valueAge": {"value": 29, "unit": "years", "system": "http://unitsofmeasure.org", "code": "a"}
            } in related["extension"]
    assert [n.get("use") for n in related["name"]] == [None, "nickname", "old"]
    assert fhir_bundle_to_records(bundle) == [record]
    plain = copy.deepcopy(EXAMPLE)
    assert "_birthDate" not in json.dumps(record_to_fhir_bundle(plain))


def test_fhir_other_uses_and_a_relationship_only_mention_with_an_alias():
    record = copy.deepcopy(EXAMPLE)
    m2 = record["mentions"][1]
    for key in ("given_name", "family_name"):
        del m2[key]
    m2.update(relationship_label="partner", other_names=[{"given_name": "Dex", "kind": "alias"}])
    bundle = record_to_fhir_bundle(record)
    assert bundle["entry"][1]["resource"]["name"] == [{"use": "nickname", "given": ["Dex"]}]
    assert fhir_bundle_to_records(bundle) == [record]
    patient = bundle["entry"][0]["resource"]
    patient["name"] = [{"use": "maiden", "family": "Doyle"}, {"use": "official", "family": "Cole", "given": ["Evey"]},
                       {"use": "anonymous", "given": ["E"]}]
    m1 = fhir_bundle_to_records(bundle)[0]["mentions"][0]
    assert (m1["given_name"], m1["family_name"]) == ("Evey", "Cole")
    assert m1["other_names"] == [{"family_name": "Doyle", "kind": "former"}, {"given_name": "E", "kind": "alias"}]


def test_the_published_example_uses_the_new_fields():
    record = json.loads((EXAMPLES / "police-incident-age-estimate-former-surname.json").read_text(encoding="utf-8"))
    assert record_problems(record) == []
    keys = {k for m in record["mentions"] for k in m}
    assert {"dob_estimated", "age", "other_names"} <= keys
    assert read_csv_records(write_csv([record])) == [record] and fhir_bundle_to_records(record_to_fhir_bundle(record)) == [record]


# --- the mention dicts the linkage engine takes ----------------------------------------------------------


def test_mention_dict_carries_the_fields():
    record = with_new_fields()
    record["mentions"][1]["other_names"][0]["family_name"] = None
    m1, m2 = (mention_dict(record, m) for m in record["mentions"])
    assert (m1["dob_estimated"], m1["age"]) == (True, None)
    assert m1["other_names"] == [{"given_name": None, "family_name": "Doyle", "kind": "former"}]
    assert (m2["dob_estimated"], m2["age"]) == (False, 29)
    assert m2["other_names"] == [{"given_name": "Shell", "family_name": None, "kind": "alias"},
                                 {"given_name": "Michelle", "family_name": "O'Hara", "kind": "former"}]
    plain = mention_dict(EXAMPLE, EXAMPLE["mentions"][0])
    assert (plain["dob_estimated"], plain["age"], plain["other_names"]) == (None, None, [])


# --- stored on Mention, and read back for linkage ---------------------------------------------------------


@pytest.mark.both_databases
@pytest.mark.django_db
def test_an_ingested_record_keeps_the_values_on_its_mentions(make_record):
    record = make_record()
    record["mentions"] = with_new_fields()["mentions"]
    records_ingest(actor=SYSTEM, records=[record], via="file")
    m1, m2 = Mention.objects.order_by("mention_id")
    assert (m1.dob_estimated, m1.age, m1.dob) == (True, None, date(2020, 11, 20))
    assert m1.other_names == [{"given_name": None, "family_name": "Doyle", "kind": "former"}]
    assert (m2.dob_estimated, m2.age, m2.dob) == (False, 29, None)
    assert m2.other_names == [{"given_name": "Shell", "family_name": None, "kind": "alias"},
                              {"given_name": "Michelle", "family_name": "O'Hara", "kind": "former"}]

    later = copy.deepcopy(record)  # a correction: the age was a guess at 30, the alias dropped, no flag
    later.update(version=2, amended_at="2023-04-12T10:00:00Z")
    later["mentions"][1].update(age=30, other_names=[])
    del later["mentions"][0]["dob_estimated"]
    records_ingest(actor=SYSTEM, records=[later], via="file")
    m1, m2 = Mention.objects.order_by("mention_id")
    assert (m1.dob_estimated, m1.other_names) == (False, [{"given_name": None, "family_name": "Doyle", "kind": "former"}])
    assert (m2.age, m2.other_names) == (30, [])


@pytest.mark.both_databases
@pytest.mark.django_db
def test_a_record_without_them_stores_the_defaults(make_record):
    records_ingest(actor=SYSTEM, records=[make_record()], via="file")
    assert {(m.dob_estimated, m.age, tuple(m.other_names)) for m in Mention.objects.all()} == {(False, None, ())}


@pytest.mark.both_databases
@pytest.mark.django_db
def test_the_mention_dicts_read_from_the_database_carry_them(make_record):
    from joinedup.people.services import current_mentions

    record = make_record()
    record["mentions"] = with_new_fields()["mentions"]
    records_ingest(actor=SYSTEM, records=[record], via="file")
    by_id = {m["source_identity"].rsplit(":", 1)[1]: m for m in current_mentions()}
    m1, m2 = by_id["NGH0000429"], by_id["NGH0000428"]
    assert (m1["dob_estimated"], m1["age"], m1["other_names"]) == (
        True, None, [{"given_name": None, "family_name": "Doyle", "kind": "former"}])
    assert (m2["dob_estimated"], m2["age"]) == (False, 29) and len(m2["other_names"]) == 2


@pytest.mark.both_databases
@pytest.mark.django_db
def test_the_api_takes_them_and_names_a_bad_one(make_user, agency, make_record):
    user = make_user(role=Role.PARTNER_PRACTITIONER, agency=agency)
    _, secret = api_token_create(actor=actor_for(user), user=user, name="ED feed")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    record = make_record()
    record["mentions"] = with_new_fields()["mentions"]
    bad = copy.deepcopy(record)
    bad["source_record_id"] = "NGH-BAD"
    bad["mentions"][1]["age"] = 130
    response = client.post("/api/v1/records/", data=json.dumps(bad), content_type="application/json")
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "mentions[1].age", "problem": "must be a whole number of years from 0 to 120"}
    ]
    assert not SourceRecord.objects.exists() and not Mention.objects.exists()
    response = client.post("/api/v1/records/", data=json.dumps(record), content_type="application/json")
    assert response.status_code == 201
    assert Mention.objects.get(mention_id="m2").age == 29
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    mention = schema["components"]["schemas"]["MentionRequest"]["properties"]
    assert {"dob_estimated", "age", "other_names"} <= set(mention)
