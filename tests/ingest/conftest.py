"""Fixtures for ingestion: valid records for a test agency, and a small simulated authority on disk."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from joinedup.accounts.models import Agency
from joinedup_lab.simulate.generate import SimulationConfig, Summary, generate

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = json.loads((ROOT / "docs" / "formats" / "examples" / "ed-attendance-injury.json").read_text(encoding="utf-8"))
SMALL = SimulationConfig(children=200, years=1, seed=11)


@pytest.fixture
def agency(make_agency) -> Agency:
    """An acute hospital that sends records."""
    return make_agency(kind="acute_hospital")


@pytest.fixture
def make_record(agency) -> Callable[..., dict[str, Any]]:
    """A valid record (the published ED attendance example) for the test agency, with changes."""

    def make(**changes: Any) -> dict[str, Any]:
        record = copy.deepcopy(EXAMPLE)
        record["agency_id"] = agency.code
        record.update(changes)
        return record

    return make


@pytest.fixture(scope="session")
def small_authority(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Summary]:
    """A 200-child, one-year simulated authority (what `joinedup simulate --children 200` writes)."""
    out = tmp_path_factory.mktemp("authority")
    return out, generate(SMALL, out, progress=False)
