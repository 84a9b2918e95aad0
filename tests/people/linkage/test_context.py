"""Context rules: 'accompanied by: mother' and unborn children resolved through their records."""

from __future__ import annotations

from joinedup.people.linkage.context import LINKED_MOTHER, LINKED_UNBORN_BORN, LINKED_UNBORN_GROUP, link_by_context
from joinedup.people.linkage.prepare import UNLINKABLE_RELATIONSHIP_ONLY, UNLINKABLE_UNBORN


def test_mother_by_relationship_and_unborn_child_by_due_date():
    mentions = [
        # r1: GP record naming the child and the mother
        {"record_key": "r1", "role": "patient"},
        {"record_key": "r1", "role": "next_of_kin", "relationship_to_subject": "mother"},
        # r2: A&E record, the child accompanied by an adult written down only as "mother"
        {"record_key": "r2", "role": "patient"},
        {"record_key": "r2", "role": "accompanying_adult", "relationship_to_subject": "mother"},
        # r3: the same, but "Mum's boyfriend": never guessed
        {"record_key": "r3", "role": "patient"},
        {"record_key": "r3", "role": "accompanying_adult", "relationship_to_subject": "mother's partner"},
        # r4: midwife contact before the birth: unborn child and mother
        {"record_key": "r4", "role": "unborn", "expected_due_on": "2024-05-10", "occurred_on": "2024-01-02"},
        {"record_key": "r4", "role": "parent", "relationship_to_subject": "mother"},
        # r5: a second pregnancy of the same mother, not born yet; r6 a later contact for it
        {"record_key": "r5", "role": "unborn", "expected_due_on": "2026-09-01", "occurred_on": "2026-02-01"},
        {"record_key": "r5", "role": "parent", "relationship_to_subject": "mother"},
        {"record_key": "r6", "role": "unborn", "expected_due_on": "2026-09-05", "occurred_on": "2026-04-01"},
        {"record_key": "r6", "role": "parent", "relationship_to_subject": "mother"},
    ]
    child, mother = 0, 1
    cluster_of = {0: child, 1: mother, 2: child, 4: child, 7: mother, 9: mother, 11: mother}
    unlinkable = {
        3: UNLINKABLE_RELATIONSHIP_ONLY,
        5: UNLINKABLE_RELATIONSHIP_ONLY,
        6: UNLINKABLE_UNBORN,
        8: UNLINKABLE_UNBORN,
        10: UNLINKABLE_UNBORN,
    }
    assigned, how = link_by_context(mentions, cluster_of, unlinkable, {child: {"2024-05-03"}}, next_cluster=2)
    assert assigned[3] == mother and how[3] == LINKED_MOTHER
    assert 5 not in assigned
    assert assigned[6] == child and how[6] == LINKED_UNBORN_BORN
    assert assigned[8] == assigned[10] == 2 and how[8] == how[10] == LINKED_UNBORN_GROUP


def test_no_guess_when_a_child_has_two_mothers_on_record():
    mentions = [
        {"record_key": "r1", "role": "patient"},
        {"record_key": "r1", "role": "next_of_kin", "relationship_to_subject": "mother"},
        {"record_key": "r2", "role": "patient"},
        {"record_key": "r2", "role": "carer", "relationship_to_subject": "Mother"},
        {"record_key": "r3", "role": "patient"},
        {"record_key": "r3", "role": "accompanying_adult", "relationship_to_subject": "mother"},
    ]
    cluster_of = {0: 0, 1: 1, 2: 0, 3: 2, 4: 0}
    assigned, _how = link_by_context(mentions, cluster_of, {5: UNLINKABLE_RELATIONSHIP_ONLY}, {}, next_cluster=3)
    assert assigned == {}
