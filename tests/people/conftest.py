"""A small simulated authority, its records read once, and a model trained on them once per session.

Each test then ingests the records into its own (rolled-back) database through the ingest service and
links them with the people services, exactly as `make demo` does.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from joinedup.accounts.services import agency_get_or_create
from joinedup.core.actor import ActorRef
from joinedup.ingest.readers import read_items, record_files
from joinedup.ingest.services import records_ingest
from joinedup.people import engine
from joinedup.people.models import LinkageModel
from joinedup_lab.simulate.generate import SimulationConfig, generate

SYSTEM = ActorRef.system("test")
CONFIG = SimulationConfig(children=120, years=2, seed=11)
# The session fixtures below are imported into other test modules (each import is a fixture of its own, which
# pytest would build again for each module): what they build is kept here, built once for the whole process.
_BUILT: dict[str, object] = {}


@pytest.fixture(scope="session")
def authority(tmp_path_factory) -> Path:
    if "authority" not in _BUILT:
        out = tmp_path_factory.mktemp("people-sim")
        generate(CONFIG, out, progress=False)
        _BUILT["authority"] = out
    return _BUILT["authority"]


@pytest.fixture(scope="session")
def authority_records(authority) -> list[dict]:
    if "records" not in _BUILT:
        records = []
        for path, _agency in record_files(authority):
            for item in read_items(path):
                assert not item.problems, (path, item.line, item.problems)
                records.append(item.record)
        _BUILT["records"] = records
    return _BUILT["records"]


@pytest.fixture(scope="session")
def truth_person_of(authority) -> dict[tuple[str, str, str], str]:
    with (authority / "truth" / "mentions.csv").open() as f:
        return {(r["agency_id"], r["source_record_id"], r["mention_id"]): r["person_id"] for r in csv.DictReader(f)}


@pytest.fixture(scope="session")
def trained_model(authority_records) -> dict:
    if "model" not in _BUILT:
        _BUILT["model"] = _train(authority_records)
    return json.loads(json.dumps(_BUILT["model"]))


def _train(authority_records: list[dict]) -> dict:
    mentions = []
    for rec in authority_records:
        for m in rec["mentions"]:
            local = m.get("local_person_id")
            mentions.append({
                **m, "id": len(mentions), "agency": rec["agency_id"],
                "postcode": (m.get("address") or {}).get("postcode"),
                "source_identity": f"{rec['agency_id']}:{local}" if local
                else f"{rec['agency_id']}:{rec['source_record_id']}#{m['mention_id']}",
            })
    return json.loads(json.dumps(engine.train(mentions)[0]))


@pytest.fixture
def loaded(db, authority, authority_records, trained_model):
    """The authority's agencies and records ingested, and the session's model stored as current."""
    for entry in json.loads((authority / "agencies.json").read_text()):
        agency_get_or_create(actor=SYSTEM, code=entry["id"], name=entry["name"], kind=entry["kind"])
    result = records_ingest(actor=SYSTEM, records=authority_records, via="file")
    refused = [o for o in result.outcomes if o.status == "refused"]
    assert not refused, refused[:3]
    LinkageModel.objects.create(trained_at="2026-01-01T00:00:00Z", model=trained_model, identity_rows=0)
    return result


@pytest.fixture
def model_only(db, authority, trained_model):
    """The authority's agencies and the session's model stored as current, without its records: for tests of a few
    records of their own (fast; linking them still goes through the model)."""
    for entry in json.loads((authority / "agencies.json").read_text()):
        agency_get_or_create(actor=SYSTEM, code=entry["id"], name=entry["name"], kind=entry["kind"])
    LinkageModel.objects.create(trained_at="2026-01-01T00:00:00Z", model=trained_model, identity_rows=0)
