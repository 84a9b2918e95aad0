"""Precision-first clustering: review decisions, the identifier guard, rows without identifiers."""

from __future__ import annotations

from joinedup.people.linkage.cluster import (
    REASON_AMBIGUOUS,
    REASON_DOB,
    REASON_NHS,
    REASON_UNCERTAIN,
    cluster,
)

# identity rows: nhs / upn / dob matter to the guard, and names to whether two NHS numbers can be a typo
AMY = {"given": "amy", "family": "saunders"}
ROWS = {
    "a": {"nhs": "9990000018", "dob": "2015-03-04", **AMY},
    "b": {"nhs": "9990000018", "dob": "2015-04-03", **AMY},  # day and month swapped: compatible
    "c": {"nhs": "9990000026", "dob": "2015-03-04", **AMY},  # one digit mistyped (re-validated), all else agrees
    "d": {"nhs": "9994567890"[:9] + "1", "dob": "2015-03-04", **AMY},  # far from a's number (invalid, but the guard only compares)
    "e": {"dob": "1980-11-20"},  # another date altogether
    "w": {},  # a row with no NHS number, UPN or date of birth (a name and a postcode)
}


def test_edges_above_accept_join_and_the_review_band_is_returned():
    result = cluster("abcx", [("a", "b", 0.99), ("b", "c", 0.95), ("a", "x", 0.6)], accept=0.9, review_low=0.5)
    assert result["a"] == result["b"] == result["c"] != result["x"]
    assert [(r.a, r.b, r.reason) for r in result.review] == [("a", "x", REASON_UNCERTAIN)]
    assert result.cluster_of is result and result.review_pairs is result.review


def test_cluster_indices_do_not_depend_on_input_order():
    edges = [("a", "b", 0.99), ("c", "d", 0.97), ("b", "c", 0.2)]
    one = cluster(["d", "c", "b", "a"], edges, accept=0.9)
    two = cluster(["a", "b", "c", "d"], list(reversed(edges)), accept=0.9)
    assert one == two == {"a": 0, "b": 0, "c": 1, "d": 1}


def test_must_link_joins_and_cannot_link_keeps_apart_even_through_a_chain():
    edges = [("a", "b", 0.99), ("b", "c", 0.99)]
    result = cluster("abc", edges, accept=0.9, cannot_link=[("a", "c")])
    assert result["a"] == result["b"] != result["c"]
    result = cluster("abc", [], accept=0.9, must_link=[("a", "c")])
    assert result["a"] == result["c"] != result["b"]
    # a must-link that would break a cannot-link decision is not applied, and reported
    result = cluster("abc", edges, accept=0.9, must_link=[("a", "c")], cannot_link=[("a", "c")])
    assert result["a"] != result["c"] and result.conflicts == [("a", "c")]


def test_refuses_to_merge_conflicting_nhs_numbers_unless_a_person_says_so():
    edges = [("a", "d", 0.999)]
    result = cluster("ad", edges, accept=0.9, rows=ROWS)
    assert result["a"] != result["d"]
    assert [(r.a, r.b, r.reason) for r in result.review] == [("a", "d", REASON_NHS)]
    assert cluster("ad", [], accept=0.9, must_link=[("a", "d")], rows=ROWS)["a"] == 0 == cluster(
        "ad", [], accept=0.9, must_link=[("a", "d")], rows=ROWS
    )["d"]
    # without the guard (no rows given) the model alone decides
    assert cluster("ad", edges, accept=0.9)["a"] == cluster("ad", edges, accept=0.9)["d"]


def test_noise_in_identifiers_is_not_a_conflict_but_other_dates_are():
    result = cluster("abc", [("a", "b", 0.99), ("a", "c", 0.99)], accept=0.9, rows=ROWS)
    assert result["a"] == result["b"] == result["c"]
    rows = {"p": {"dob": "1983-02-10"}, "q": {"dob": "1984-02-10"}, "r": {"dob": "1985-02-10"}}
    chain = cluster("pqr", [("p", "q", 0.99), ("q", "r", 0.98)], accept=0.9, rows=rows)
    assert chain["p"] == chain["q"] == chain["r"]  # 1984 could be the truth, each other a year out
    result = cluster("ae", [("a", "e", 0.99)], accept=0.9, rows=ROWS)
    assert result["a"] != result["e"] and result.review[0].reason == REASON_DOB


def test_a_row_without_identifiers_joins_only_an_unambiguous_person():
    rows = {"son": {"dob": "2010-01-01"}, "father": {"dob": "1980-06-06"}, "w": {}, "w2": {}}
    # "James Smith, NB1 2AB" with no date of birth matches father and son equally: it joins neither
    result = cluster(rows, [("w", "son", 0.99), ("w", "father", 0.99)], accept=0.9, rows=rows)
    assert len({result["w"], result["son"], result["father"]}) == 3
    assert {r.reason for r in result.review} == {REASON_AMBIGUOUS}
    # …and never bridges them, whatever the order of edges
    result = cluster(rows, [("w", "son", 0.99)], accept=0.9, rows=rows)
    assert result["w"] == result["son"] != result["father"]
    result = cluster(rows, [("w", "w2", 0.99)], accept=0.9, rows=rows)
    assert result["w"] == result["w2"]
