"""`bench linkage --dataset folder`: an authority on disk (records from another generator, held back from
tuning) is linked and measured exactly as the simulated one, and the review queue is scored against the truth."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from joinedup_lab.benches.linkage import generate_in_child, partition_sha256, run


def test_a_folder_is_measured_as_the_simulated_authority_it_holds(tmp_path) -> None:
    generate_in_child(150, 2, tmp_path)
    on_disk = run(dataset="folder", folder=tmp_path, children=None, mentions=None, seed=2, engine="duckdb",
                  out=io.StringIO())
    simulated = run(dataset="simulated", children=150, mentions=None, seed=2, engine="duckdb", out=io.StringIO())
    for key in ("precision", "recall", "true_pairs", "found_pairs", "review_pairs", "review_truly_same_person",
                "twin_sets", "twin_sets_merged", "partition_sha256"):
        assert on_disk[key] == simulated[key], key
    assert on_disk["records"] == simulated["records"] > 1000
    # the review queue: every pair is counted once, by reason and in total
    assert sum(r["pairs"] for r in on_disk["review_by_reason"].values()) == on_disk["review_pairs"]
    assert sum(r["truly_same_person"] for r in on_disk["review_by_reason"].values()) == on_disk["review_truly_same_person"]
    assert on_disk["review_per_mention"] == round(on_disk["review_pairs"] / on_disk["records"], 6)
    if on_disk["review_pairs"]:
        assert on_disk["review_true_share"] == round(on_disk["review_truly_same_person"] / on_disk["review_pairs"], 4)
    assert on_disk["twin_sets_merged"] == 0


def test_a_folder_without_truth_is_refused_with_what_it_needs(tmp_path) -> None:
    (tmp_path / "agencies").mkdir()
    with pytest.raises(ValueError, match=r"truth/mentions\.csv"):
        run(dataset="folder", folder=tmp_path, children=None, mentions=None, seed=1, engine="duckdb", out=io.StringIO())


def test_the_partition_fingerprint_ignores_names_and_sees_any_regrouping() -> None:
    assert partition_sha256(["a", "b", "a", "c"]) == partition_sha256([7, 3, 7, 1])
    assert partition_sha256(["a", "b", "a", "c"]) != partition_sha256(["a", "b", "b", "c"])
    assert partition_sha256(["a", "b", "a", "c"]) != partition_sha256(["a", "a", "a", "c"])
    assert partition_sha256(["a", "b"]) != partition_sha256(["a", "b", "c"])


def test_spark_local_mode_puts_the_same_mentions_together_as_duckdb(tmp_path) -> None:
    """What `bench linkage --engine spark` is compared on at a million mentions (docs/benchmarks.md), small."""
    duckdb = run(dataset="simulated", children=150, mentions=None, seed=3, engine="duckdb", out=io.StringIO())
    spark = run(dataset="simulated", children=150, mentions=None, seed=3, engine="spark", out=io.StringIO())
    assert spark["records"] == duckdb["records"] > 1000
    assert spark["partition_sha256"] == duckdb["partition_sha256"]
    assert (spark["found_pairs"], spark["review_pairs"]) == (duckdb["found_pairs"], duckdb["review_pairs"])


def test_without_nhs_numbers_the_bench_reports_what_was_not_learnt_and_the_default_models_figures(tmp_path) -> None:
    generate_in_child(150, 3, tmp_path)
    whole = run(dataset="folder", folder=tmp_path, children=None, mentions=None, seed=3, engine="duckdb",
                out=io.StringIO())
    out = io.StringIO()
    gaps = run(dataset="folder", folder=tmp_path, children=None, mentions=None, seed=3, engine="duckdb", out=out,
               without=["nhs_number"])
    assert "without" not in whole and gaps["without"] == ["nhs_number"]
    assert gaps["model_gaps"] == {
        "untrained_rules": ["nhs"], "why_untrained": {"nhs": "no two records of different sources agree on its fields"},
        "from_fallback": ["family_name", "dob", "nhs_number"], "no_weight": []}
    baseline = gaps["baseline_default_model"]
    assert set(baseline) == {"precision", "recall", "f1", "review_pairs"} and 0 < baseline["f1"] < 1
    assert gaps["records"] == whole["records"] and gaps["f1"] != baseline["f1"]
    assert "taking nhs_number away from every mention" in out.getvalue()
    with pytest.raises(ValueError, match="--without: nhs is not a mention field"):
        run(dataset="folder", folder=tmp_path, children=None, mentions=None, seed=3, engine="duckdb",
            out=io.StringIO(), without=["nhs"])


def test_the_command_refuses_what_it_cannot_measure_by_naming_the_option(tmp_path) -> None:
    with pytest.raises(CommandError, match="--without is for the simulated and folder datasets"):
        call_command("bench", "linkage", "--dataset", "febrl4", "--without", "nhs_number", stdout=io.StringIO(),
                     stderr=io.StringIO())
    with pytest.raises(CommandError, match=r"needs agencies/<agency>/records\.jsonl and truth/mentions\.csv"):
        call_command("bench", "linkage", "--dataset", "folder", "--folder", str(tmp_path), stdout=io.StringIO(),
                     stderr=io.StringIO())
