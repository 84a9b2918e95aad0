"""`CaseworkRecord.from_payload` (what `casework_records` reads for the fold and the returns) makes exactly what
the chronology's event made of the same stored version: every field, for timed and dated records, ended ones,
later versions, detail the chronology holds back (a placement's postcode and URN) and a time after midnight in
summer (its day in England, not the UTC day before)."""

from __future__ import annotations

import dataclasses

import pytest

from joinedup.casework.state import CaseworkRecord
from joinedup.chronology.events import event_from_payload

BASE = {"schema": "joinedup.agency-record/1", "agency_id": "csc", "source_system": "Case system",
        "mentions": [{"mention_id": "m1", "role": "subject", "local_person_id": "C1", "given_name": "Ava"}]}
PAYLOADS = [
    {**BASE, "source_record_id": "CT-1", "version": 2, "kind": "csc_contact", "occurred_at": "2026-06-01T23:30:00Z",
     "recorded_at": "2026-06-02T08:00:00Z", "amended_at": "2026-06-02T09:00:00Z",
     "detail": {"code": "contact", "raised_by": "neighbour", "decision": "advice", "text": "Shouting at night."}},
    {**BASE, "source_record_id": "LA-1", "version": 1, "kind": "looked_after_episode", "occurred_on": "2025-05-01",
     "ended_on": "2026-01-31", "recorded_at": "2025-05-01T17:00:00Z",
     "detail": {"code": "looked_after_episode", "case_id": "EP-1", "legal_status": "C2", "placement_type": "U4",
                "placement_postcode": "TW1 1JT", "placement_urn": "SC123456", "home_postcode": "TW2 5JF"}},
    {**BASE, "source_record_id": "VS-1", "version": 1, "kind": "visit", "occurred_at": "2026-01-05T10:15:00+00:00",
     "recorded_at": "2026-01-05T14:00:00", "detail": {"code": "visit", "child_seen": True,
                                                      "injuries": [{"site": "arm", "description": "bruise"}]}},
    {**BASE, "source_record_id": "RF-1", "kind": "referral", "occurred_on": "2024-02-29",
     "recorded_at": "2024-02-29T17:00:00Z", "detail": {"code": "referral", "case_id": "EP-1"}},
]


@pytest.mark.parametrize("payload", PAYLOADS, ids=[p["source_record_id"] for p in PAYLOADS])
def test_from_payload_is_what_the_event_made(payload):
    expected = CaseworkRecord.from_event(event_from_payload(payload, mention_ids={"m1"}, record_pk=7,
                                                            person_id="p", versions_received=3))
    made = CaseworkRecord.from_payload(payload, record_pk=7, versions=3)
    assert dataclasses.asdict(made) == dataclasses.asdict(expected)
    assert made.detail == payload["detail"] and made.detail is not payload["detail"]  # a copy: the fold may keep it
