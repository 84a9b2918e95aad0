"""The simulator writes records only some roles may see, marked as agencies' systems mark them (detail.sensitivity),
and the access policy reads each marking as its field group."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from joinedup.access.policy import FIELD_GROUPS, SENSITIVITY_MARKERS, record_field_groups
from joinedup_lab.simulate.agencies import BY_ID
from joinedup_lab.simulate.generate import Summary
from joinedup_lab.simulate.sensitive import MENTAL_HEALTH_CODES
from tests.simulate.helpers import records


def test_each_kind_of_sensitive_record_is_written_marked_and_read_as_its_group(small_run: tuple[Path, Summary]) -> None:
    out, _summary = small_run
    marked: Counter[str] = Counter()
    for rec in records(out):
        detail = rec["detail"]
        marks = detail.get("sensitivity") or []
        if detail.get("code") in MENTAL_HEALTH_CODES:
            assert marks == ["mental_health"], rec["source_record_id"]
        for mark in marks:
            marked[mark] += 1
            assert mark in record_field_groups(detail)[0], rec["source_record_id"]
            kind = BY_ID[rec["agency_id"]].kind
            if mark == "sexual_health":
                assert (kind, rec["kind"], rec["mentions"][0]["role"]) == ("gp_practice", "consultation", "patient")
            if mark == "police_intelligence":
                assert (kind, rec["kind"], detail["code"]) == ("police", "police_incident", "intelligence_report")
    assert set(marked) == set(SENSITIVITY_MARKERS) and all(n >= 5 for n in marked.values()), marked
    assert set(SENSITIVITY_MARKERS) <= set(FIELD_GROUPS)
