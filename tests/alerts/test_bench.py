"""`joinedup bench alerts` on a small authority: every key, sane values. No database (the replay is in memory)."""

from __future__ import annotations

from pathlib import Path

import pytest

from joinedup.alerts import bench
from joinedup.alerts.rules.base import PROCESS_FAILURE
from joinedup.alerts.rules.catalogue import RULES
from joinedup.simulate.generate import SimulationConfig, generate

KEYS = {"episodes", "detected", "detection_rate", "median_lead_days", "alerts_per_1000_children_per_month",
        "alerts_on_children_without_harm_share", "latency_p95_ms", "by_age_band", "by_sex"}


def _simulate(children: int, seed: int, years: int, folder: Path) -> None:
    config = SimulationConfig(children=children, seed=seed, years=years).with_rates(harm_children_per_10k=150)
    generate(config, folder, progress=False)


@pytest.fixture(scope="module")
def result():
    lines: list[str] = []
    return bench.run(1500, 3, years=2, progress=lines.append, simulate=_simulate), lines


def test_a_small_replay_returns_every_key_with_sane_values(result):
    out, lines = result
    assert set(out) >= KEYS
    assert out["episodes"] > 0 and 0 <= out["detected"] <= out["episodes"]
    assert 0.0 <= out["detection_rate"] <= 1.0
    assert out["detected"] == 0 or out["median_lead_days"] > 0
    assert 0 < out["alerts_per_1000_children_per_month"] < 100
    split = out["child_risk_alerts_per_1000_children_per_month"] + out["process_failure_alerts_per_1000_children_per_month"]
    assert abs(split - out["alerts_per_1000_children_per_month"]) <= 0.02
    assert out["process_failure_alerts_per_1000_children_per_month"] > 0  # the simulator plants late casework
    process_rules = {r.id for r in RULES if r.kind == PROCESS_FAILURE}
    assert out["alerts_by_kind"].get(PROCESS_FAILURE, 0) == sum(
        n for rule, n in out["alerts_by_rule"].items() if rule in process_rules)
    assert 0.0 <= out["alerts_on_children_without_harm_share"] <= 1.0
    assert 0 < out["latency_p95_ms"] < 1000
    assert set(out["by_age_band"]) == {"0-1", "1-4", "5-10", "11-17"}
    assert sum(b["episodes"] for b in out["by_age_band"].values()) <= out["episodes"]
    assert {"female", "male"} <= set(out["by_sex"])
    assert "R6" not in out["alerts_by_rule"] and "R10" not in out["alerts_by_rule"]  # context never alerts
    assert any("replayed" in line for line in lines)


def test_the_bench_needs_the_simulator_handed_to_it():
    with pytest.raises(ValueError, match="simulate"):
        bench.run(10, 1)
