"""`joinedup bench access`, run small: no leaks and every read's audit row names everyone shown — and the bench
does find leaks when the policy is loosened (so a 0 means something)."""

from __future__ import annotations

import io

import pytest

from joinedup.access import policy
from joinedup_lab.benches import access as bench_access


@pytest.mark.django_db(transaction=False)
def test_the_access_bench_finds_no_leak_and_full_audit_and_catches_a_loosened_policy(monkeypatch, settings):
    settings.ALLOWED_HOSTS = ["localhost", "testserver"]
    out = io.StringIO()
    world = bench_access.build(families=6, seed=3, out=out)
    clean = bench_access.measure(world=world, attempts=200, seed=3, out=out)
    assert clean["attempts"] == 200
    assert clean["leaks"] == 0, clean["leak_examples"]
    assert clean["reads"] >= 10 and clean["audit_complete_share"] == 1.0
    assert set(clean["by_id_kind"]) == set(bench_access.KINDS)
    assert clean["statuses"].get("404", 0) > 0 and clean["wrongly_refused"] == 0

    # Loosen the written policy: a partner whose agency holds a record now sees the whole picture (household and all).
    loosened = dict(policy.RELATIONSHIPS)
    loosened[policy.Relation.AGENCY_RECORD] = (policy.Scope.FULL, loosened[policy.Relation.AGENCY_RECORD][1])
    monkeypatch.setattr(policy, "RELATIONSHIPS", loosened)
    leaky = bench_access.measure(world=world, attempts=150, seed=4, out=out)
    assert leaky["leaks"] > 0
    assert {e["problem"] for e in leaky["leak_examples"]} & {"200 where the policy says 404"} or any(
        "named" in e["problem"] for e in leaky["leak_examples"])
