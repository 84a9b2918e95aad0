"""Reading a simulated authority's files into the mention shape the linkage engine takes, without the
database: used by the benches that link an authority in memory (`bench linkage`, `bench alerts`)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from joinedup.ingest.formats import fhir_bundle_to_records, read_csv_records


def iter_records(directory: Path) -> Iterator[dict[str, Any]]:
    """Every record of every agency in a simulated authority, agencies in id order, each file in its order."""
    base = Path(directory) / "agencies"
    for folder in sorted(p for p in base.iterdir() if p.is_dir()):
        jsonl, bundles, csv_file = folder / "records.jsonl", folder / "bundles.jsonl", folder / "records.csv"
        if jsonl.exists():
            with jsonl.open(encoding="utf-8") as f:
                for line in f:
                    yield json.loads(line)
        if bundles.exists():
            with bundles.open(encoding="utf-8") as f:
                for line in f:
                    yield from fhir_bundle_to_records(json.loads(line))
        if csv_file.exists():
            yield from read_csv_records(csv_file.read_text(encoding="utf-8"))


def mention_dict(record: dict[str, Any], m: dict[str, Any]) -> dict[str, Any]:
    """A mention in the shape the linkage engine takes (see joinedup.people.linkage.prepare)."""
    agency = record["agency_id"]
    local = m.get("local_person_id")
    occurred = record.get("occurred_on") or (record.get("occurred_at") or "")[:10] or None
    return {
        "source_identity": f"{agency}:{local}" if local else None,
        "agency": agency,
        "role": m.get("role"),
        "local_person_id": local,
        "given_name": m.get("given_name"),
        "family_name": m.get("family_name"),
        "relationship_label": m.get("relationship_label"),
        "dob": m.get("dob"),
        "sex": m.get("sex"),
        "nhs_number": m.get("nhs_number"),
        "upn": m.get("upn"),
        "postcode": (m.get("address") or {}).get("postcode"),
        "occurred_on": occurred,
        "record_key": f"{agency}/{record['source_record_id']}",
        "relationship_to_subject": m.get("relationship_to_subject"),
        "expected_due_on": m.get("expected_due_on"),
        "dob_estimated": m.get("dob_estimated"),
        "age": m.get("age"),
        "other_names": [
            {"given_name": o.get("given_name") or None, "family_name": o.get("family_name") or None,
             "kind": o.get("kind")}
            for o in m.get("other_names") or ()
        ],
    }
