"""Every rule reads only what the agency record format documents: each declares its inputs (`Rule.inputs`), each
input is in docs/formats/README.md (R1–R14's detail keys by their full path in "What the alert rules read"), and
every detail key a rule module reads is declared by some rule. Pure: no database."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from joinedup.alerts.rules import casework, catalogue, practice
from joinedup.alerts.rules.catalogue import RULES
from joinedup.ingest.schema import load_schema

ROOT = Path(__file__).resolve().parents[2]
FORMAT = (ROOT / "docs" / "formats" / "README.md").read_text(encoding="utf-8")
DOCUMENTED = set(re.findall(r"`([^`\s]+)`", FORMAT))
RULES_READ = FORMAT.split("### What the alert rules read", 1)[1].split("\n### ", 1)[0]
RULES_READ_KEYS = set(re.findall(r"`(detail\.[a-z_.]+)`", RULES_READ))
CATALOGUE_IDS = {f"R{i}" for i in range(1, 15)}
TOP_LEVEL = {"occurred_at", "occurred_on", "ended_on", "agency_id", "recorded_at"}


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_every_rules_declared_inputs_are_documented_in_the_format(rule):
    assert rule.inputs, f"{rule.id} declares no inputs"
    kinds = set(load_schema()["$defs"]["kind"]["enum"])
    for field in rule.inputs:
        if field.startswith("kind:"):
            kind = field.removeprefix("kind:")
            assert kind in kinds and kind in DOCUMENTED, (rule.id, field)
        elif field.startswith("mentions."):
            assert field.removeprefix("mentions.") in DOCUMENTED, (rule.id, field)
        elif field.startswith("detail."):
            if rule.id in CATALOGUE_IDS:
                assert field in RULES_READ_KEYS, (rule.id, field, "not in 'What the alert rules read'")
            else:  # the casework and practice tables name their keys bare
                assert field.removeprefix("detail.") in DOCUMENTED, (rule.id, field)
        else:
            assert field in TOP_LEVEL and field in DOCUMENTED, (rule.id, field)


def test_every_detail_key_a_rule_module_reads_is_declared_by_a_rule():
    declared = {f.removeprefix("detail.").split(".")[0] for r in RULES for f in r.inputs if f.startswith("detail.")}
    read = set()
    for module in (catalogue, casework, practice):
        source = Path(module.__file__).read_text(encoding="utf-8")
        read |= set(re.findall(r"""(?:detail|\bd)\.get\(\s*["']([a-z_]+)["']""", source))
        read |= set(re.findall(r"""(?:detail|\bd)\[\s*["']([a-z_]+)["']\s*\]""", source))
    assert read, "the pattern found nothing: the test would pass vacuously"
    assert read - declared == set()


def test_no_rule_keys_on_a_code_or_phrase_only_the_simulator_sends():
    source = Path(catalogue.__file__).read_text(encoding="utf-8")
    for only_simulated in ("neglect_indicator", "plan_flag_seen", "weight faltering", "arrived hungry", "soiled clothing"):
        assert only_simulated not in source, only_simulated
