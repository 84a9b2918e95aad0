"""Chronology tests reuse the people tests' simulated authority and session-trained model."""

from __future__ import annotations

import json

import pytest

from joinedup.accounts.services import agency_get_or_create
from joinedup.ingest.services import records_ingest
from joinedup.people.models import LinkageModel
from joinedup.people.services import linkage_run
from tests.chronology.family import CSC, GP, HOSPITAL, family_records
from tests.chronology.family import person_of as family_person_of
from tests.people.conftest import SYSTEM, authority, authority_records, loaded, trained_model, truth_person_of  # noqa: F401


@pytest.fixture
def model_only(db, authority, trained_model):  # noqa: F811
    """The authority's agencies registered and the session's model stored, but none of its records."""
    for entry in json.loads((authority / "agencies.json").read_text()):
        agency_get_or_create(actor=SYSTEM, code=entry["id"], name=entry["name"], kind=entry["kind"])
    LinkageModel.objects.create(trained_at="2026-01-01T00:00:00Z", model=trained_model, identity_rows=0)


@pytest.fixture
def family(model_only):
    """The family's records ingested and linked; returns the child (Milo)."""
    result = records_ingest(actor=SYSTEM, records=family_records(), via="file")
    assert {o.status for o in result.outcomes} == {"created"}, result.outcomes
    linkage_run(actor=SYSTEM, progress=lambda _line: None)
    milo = family_person_of(CSC, "CSC-K1")
    assert milo == family_person_of(HOSPITAL, "SAH-K1") == family_person_of(GP, "GP-K1")
    return milo


