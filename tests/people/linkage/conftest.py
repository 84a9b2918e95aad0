"""A small simulated authority, read into mention dicts and linked once per session (no database)."""

from __future__ import annotations

from pathlib import Path

import pytest

from joinedup.people.linkage.pipeline import LinkResult, link_mentions
from joinedup_lab.benches.linkage import load_simulated
from joinedup_lab.simulate.generate import SimulationConfig, generate

CONFIG = SimulationConfig(children=300, seed=5)


@pytest.fixture(scope="session")
def linkage_authority(tmp_path_factory) -> Path:
    """A 300-child, three-year authority (about 13,000 mentions)."""
    out = tmp_path_factory.mktemp("linkage-sim")
    generate(CONFIG, out, progress=False)
    return out


@pytest.fixture(scope="session")
def linkage_mentions(linkage_authority) -> tuple[list[dict], list[str]]:
    """The authority's mentions (engine shape) and each one's true person id."""
    return load_simulated(linkage_authority)


@pytest.fixture(scope="session")
def linkage_result(linkage_mentions) -> LinkResult:
    """The mentions linked with the default thresholds and a model trained on them."""
    mentions, _truth = linkage_mentions
    return link_mentions(mentions, seed=1)
