"""Shared simulated authorities for the simulator tests (generated once per session, no database)."""

from __future__ import annotations

from pathlib import Path

import pytest

from joinedup_lab.simulate.generate import SimulationConfig, Summary, generate

MID = SimulationConfig(children=20000, years=1, seed=7)
SMALL = SimulationConfig(children=1500, years=2, seed=3)
# Large enough for every casework step to happen at least once, including contacts still undecided at the end.
CASEWORK = SimulationConfig(children=3000, years=1, seed=3)


@pytest.fixture(scope="session")
def mid_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Summary]:
    """A 20,000-child, one-year authority: large enough to measure rates."""
    out = tmp_path_factory.mktemp("mid")
    return out, generate(MID, out, progress=False)


@pytest.fixture(scope="session")
def small_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Summary]:
    """A 1,500-child, two-year authority with default noise."""
    out = tmp_path_factory.mktemp("small")
    return out, generate(SMALL, out, progress=False)


@pytest.fixture(scope="session")
def casework_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 3,000-child, one-year authority of the casework and practice checks."""
    out = tmp_path_factory.mktemp("casework")
    generate(CASEWORK, out, progress=False)
    return out
