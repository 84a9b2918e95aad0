"""The agency record schema, its published copy and examples, and the CSV and FHIR mappings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from joinedup.ingest.formats import (
    fhir_bundle_to_records,
    read_csv_records,
    record_to_fhir_bundle,
    write_csv,
)
from joinedup.ingest.schema import load_schema, validator

from .helpers import agencies, records

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs" / "formats"


def test_package_schema_and_published_schema_are_identical() -> None:
    package = ROOT / "joinedup" / "ingest" / "formats" / "agency-record-v1.schema.json"
    assert package.read_bytes() == (DOCS / "agency-record-v1.schema.json").read_bytes()
    assert load_schema()["$id"].endswith("/agency-record/v1")


def test_published_examples_are_valid_and_round_trip() -> None:
    v = validator()
    examples = sorted(
        p for p in (DOCS / "examples").glob("*.json") if not p.name.endswith(".fhir-bundle.json")
    )
    assert len(examples) >= 3
    for path in examples:
        rec = json.loads(path.read_text(encoding="utf-8"))
        assert not list(v.iter_errors(rec)), path.name
        assert fhir_bundle_to_records(record_to_fhir_bundle(rec)) == [rec]
        assert read_csv_records(write_csv([rec])) == [rec]


def test_published_fhir_and_csv_examples_convert_to_valid_records() -> None:
    v = validator()
    bundle = json.loads(
        (DOCS / "examples" / "ed-attendance-injury.fhir-bundle.json").read_text(encoding="utf-8")
    )
    assert bundle["resourceType"] == "Bundle"
    recs = fhir_bundle_to_records(bundle)
    assert len(recs) == 1 and v.is_valid(recs[0]) and "injury" in recs[0]["detail"]
    assert record_to_fhir_bundle(recs[0]) == bundle
    rows = read_csv_records(
        (DOCS / "examples" / "housing-association-records.csv").read_text(encoding="utf-8")
    )
    assert rows and all(v.is_valid(r) for r in rows)


def test_the_schema_rejects_what_it_should() -> None:
    v = validator()
    rec = json.loads((DOCS / "examples" / "ed-attendance-injury.json").read_text(encoding="utf-8"))
    assert v.is_valid(rec)
    assert not v.is_valid({**rec, "mentions": []})
    assert not v.is_valid({**rec, "kind": "gossip"})
    assert not v.is_valid({**rec, "version": 2})  # a later version needs amended_at
    both = {**rec, "occurred_on": "2023-05-01"}
    assert not v.is_valid(both)
    no_expl = json.loads(json.dumps(rec))
    del no_expl["detail"]["injury"]["explanation_given"]
    assert v.is_valid(no_expl)  # issue 16: an injury without an explanation is one whose explanation is unknown
    for key, bad in (("explanation_status", "maybe"), ("site_code", "ear"), ("site", "")):
        wrong = json.loads(json.dumps(rec))
        wrong["detail"]["injury"][key] = bad
        assert not v.is_valid(wrong), key
    assert not v.is_valid({**rec, "detail": {**rec["detail"], "cp_flag_seen": "yes"}})
    nameless = json.loads(json.dumps(rec))
    for k in ("given_name", "family_name"):
        nameless["mentions"][0].pop(k, None)
    assert not v.is_valid(nameless)


def test_every_record_of_every_agency_is_valid(mid_run: tuple[Path, object]) -> None:
    out, _ = mid_run
    try:
        import jsonschema_rs

        check = jsonschema_rs.validator_for(load_schema()).is_valid
    except ImportError:  # pragma: no cover
        check = validator().is_valid
    formats = {a["format"] for a in agencies(out)}
    assert formats == {"jsonl", "csv", "fhir"}
    bad, n = [], 0
    for rec in records(out):
        n += 1
        if not check(rec):
            bad.append(rec["source_record_id"])
    assert n > 50000 and not bad[:5]


def test_strict_validation_with_formats_on_a_sample(small_run: tuple[Path, object]) -> None:
    out, _ = small_run
    v = validator()
    for i, rec in enumerate(records(out)):
        if i % 20 == 0:
            errors = list(v.iter_errors(rec))
            assert not errors, (rec["source_record_id"], errors[0].message)


@pytest.mark.parametrize("kind", ["visit", "cp_plan", "school_attendance"])
def test_kind_specific_detail_is_required(kind: str) -> None:
    v = validator()
    rec = json.loads((DOCS / "examples" / "ed-attendance-injury.json").read_text(encoding="utf-8"))
    rec["kind"] = kind
    rec["detail"] = {"text": "x"}
    assert not v.is_valid(rec)
