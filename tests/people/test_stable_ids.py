"""Person ids survive re-linking: the cluster holding most of a person's mentions keeps their id."""

import uuid

from joinedup.people.stable_ids import assign_stable_ids

A, B, C = (uuid.UUID(int=i) for i in (1, 2, 3))


def test_unchanged_clusters_keep_their_ids_whatever_the_new_cluster_labels():
    previous = {"m1": A, "m2": A, "m3": B}
    result = assign_stable_ids({"m1": 7, "m2": 7, "m3": 9}, previous)
    assert result.person_for_cluster == {7: A, 9: B}
    assert not result.created and not result.merged_into


def test_new_cluster_gets_a_new_id_and_merge_leaves_a_pointer():
    previous = {"m1": A, "m2": A, "m3": B}
    result = assign_stable_ids({"m1": 1, "m2": 1, "m3": 1, "m4": 2}, previous)
    assert result.person_for_cluster[1] == A  # A held two of the three mentions
    assert result.merged_into == {B: A}
    new_id = result.person_for_cluster[2]
    assert new_id in result.created and new_id not in (A, B, C)


def test_split_keeps_the_id_with_the_larger_part():
    previous = {"m1": A, "m2": A, "m3": A}
    result = assign_stable_ids({"m1": "x", "m2": "x", "m3": "y"}, previous)
    assert result.person_for_cluster["x"] == A
    assert result.person_for_cluster["y"] in result.created
