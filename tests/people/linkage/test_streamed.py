"""A batch run's mentions read as a stream and kept as columns link exactly as a list of mention dicts does (issue 18:
`joinedup link` on a 70,000-child authority within 4 GB)."""

from __future__ import annotations

import datetime as dt
import gc

from joinedup.people.linkage.cluster import cluster
from joinedup.people.linkage.pipeline import RELEASE_ROWS, link_mentions, link_prepared, release_memory
from joinedup.people.linkage.prepare import prepare
from joinedup.people.linkage.rows import CONTEXT_FIELDS, MentionColumns, groups_of


def test_mention_columns_read_back_what_each_mention_held() -> None:
    mentions = [
        {"record_key": 7, "role": "subject", "sex": "F", "occurred_on": dt.date(2024, 1, 2)},
        {"record_key": 7, "relationship_to_subject": "mother", "source_identity": "gp:1"},
        {"record_key": None, "expected_due_on": "2024-05-01"},
        {},
    ]
    columns = MentionColumns()
    for m in mentions:
        columns.append(m)
    columns.freeze()
    assert len(columns) == 4
    for m, view in zip(mentions, columns, strict=True):
        assert {f: view.get(f) for f in CONTEXT_FIELDS} == {f: m.get(f) for f in CONTEXT_FIELDS}
    assert columns[-1].get("role") is None and columns[1]["source_identity"] == "gp:1"
    assert columns[0].get("given_name", "absent") == "absent"  # not a field it keeps


def test_groups_are_those_of_a_dict_of_lists_in_first_appearance_order() -> None:
    keys = [5, None, 3, 5, "5", 3, 7, 5]
    mentions = [{"record_key": k} for k in keys]
    columns = MentionColumns()
    for m in mentions:
        columns.append(m)
    expected = [(5, [0, 3, 7]), (3, [2, 5]), ("5", [4]), (7, [6])]
    assert list(groups_of(columns.freeze(), "record_key")) == expected
    assert list(groups_of(mentions, "record_key")) == expected
    assert list(groups_of(columns, "record_key")) == expected  # again: the order is kept, not consumed


def test_a_stream_of_mentions_links_as_the_list_does(linkage_mentions, linkage_result) -> None:
    mentions, _truth = linkage_mentions
    prepared = prepare(iter(mentions))  # read once, as the batch run reads the database
    again = link_prepared(prepared, model=linkage_result.model)
    assert again.person_of_mention == linkage_result.person_of_mention
    assert again.linked_by == linkage_result.linked_by
    assert again.review == linkage_result.review
    assert dict(again.clusters) == dict(linkage_result.clusters)


def test_only_the_pair_columns_asked_for_are_kept(linkage_mentions, linkage_result) -> None:
    mentions, _truth = linkage_mentions
    prepared = prepare(mentions[:3000])
    result = link_prepared(prepared, model=linkage_result.model,
                           pair_columns=("unique_id_l", "unique_id_r", "match_probability"))
    assert result.pairs.column_names == ["unique_id_l", "unique_id_r", "match_probability"]
    full = link_mentions(mentions[:3000], model=linkage_result.model)
    assert result.person_of_mention == full.person_of_mention
    assert result.pairs.equals(full.pairs.select(["unique_id_l", "unique_id_r", "match_probability"]))


def test_clustering_does_not_depend_on_the_order_edges_come_in() -> None:
    rows = {n: {"dob": "2020-01-01"} for n in "abcdef"}
    edges = [("a", "b", 0.95), ("c", "d", 0.95), ("b", "c", 0.97), ("e", "f", 0.6), ("a", "f", 0.95)]
    first = cluster(rows, edges, accept=0.9, review_low=0.5, rows=rows)
    second = cluster(rows, list(reversed(edges)), accept=0.9, review_low=0.5, rows=rows)
    assert dict(first) == dict(second) and first.review == second.review
    assert first["a"] == first["d"] == first["f"] != first["e"]
    assert [(r.a, r.b, r.reason) for r in first.review] == [("e", "f", "uncertain")]


def test_memory_is_given_back_after_a_large_structure_only() -> None:
    """A full collection costs in proportion to everything the process holds: after a small run's structures (fewer
    than `RELEASE_ROWS` rows) it is not made; after a large one's, or when no size is given, it is."""
    def garbage() -> None:
        gc.collect()
        for _ in range(500):  # cycles only a collection frees
            a: list = []
            a.append(a)

    gc.disable()  # no automatic collection meanwhile
    try:
        garbage()
        before = gc.get_count()[0]
        release_memory(RELEASE_ROWS - 1)
        assert gc.get_count()[0] >= before >= 500  # nothing collected
        for rows in (RELEASE_ROWS, None):
            garbage()
            release_memory(rows)
            assert gc.get_count()[0] < before / 2  # collected (the youngest generation emptied)
    finally:
        gc.enable()
