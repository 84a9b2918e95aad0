"""`access.relationships.remembered`: within a page that only reads, each viewer's relationships to a person are asked
of the providers once; outside it (and for another viewer or person) they are asked afresh. The chronology and person
pages use it on GET (`web.reads`): `joinedup bench load` found the chronology asking six times."""

from __future__ import annotations

from types import SimpleNamespace

from joinedup.access import relationships
from joinedup.access.policy import Relation, Scope
from joinedup.accounts.models import Role


def test_relationships_are_asked_once_within_remembered_and_afresh_outside(monkeypatch):
    asked = []

    def for_person(viewer, person_id):
        asked.append((viewer.pk, person_id))
        return [relationships.Relationship(kind=Relation.ALLOCATION, source="test")]

    provider = relationships.Provider(name="counting", kinds=(Relation.ALLOCATION,), for_person=for_person,
                                      person_q=lambda viewer: None)
    monkeypatch.setattr(relationships, "_PROVIDERS", {"counting": provider})
    monkeypatch.setattr(relationships, "is_sealed_for", lambda viewer, person_id: False)
    worker = SimpleNamespace(pk=1, is_authenticated=True, is_active=True, role=Role.SOCIAL_WORKER)
    other = SimpleNamespace(pk=2, is_authenticated=True, is_active=True, role=Role.SOCIAL_WORKER)

    relationships.scope_of(worker, "p1")
    relationships.scope_of(worker, "p1")
    assert len(asked) == 2  # no memory outside the block
    asked.clear()
    with relationships.remembered():
        assert relationships.scope_of(worker, "p1") == Scope.FULL
        assert relationships.scope_of(worker, "p1") == Scope.FULL
        assert [r.kind for r in relationships.relationships_to(worker, "p1")] == [Relation.ALLOCATION]
        relationships.scope_of(worker, "p2")
        relationships.scope_of(other, "p1")
    assert asked == [(1, "p1"), (1, "p2"), (2, "p1")]
    relationships.scope_of(worker, "p1")
    assert asked[-1] == (1, "p1") and len(asked) == 4  # forgotten when the block ends


def test_an_answer_is_kept_for_the_read_a_block_within_it_shares_and_nothing_is_kept_outside():
    worked: list[str] = []

    def answer(name: str):
        return lambda: worked.append(name) or (name, len(worked))

    assert relationships.kept(("test", 1), answer("a")) == ("a", 1)
    assert relationships.kept(("test", 1), answer("a")) == ("a", 2)  # outside a read: afresh each time
    relationships.keep(("test", 2), ("dropped",))  # and nothing is kept
    with relationships.remembered():
        first = relationships.kept(("test", 1), answer("b"))
        relationships.keep(("test", 2), ("found on the way",))
        with relationships.remembered():  # a read within the read (a child's alert context on a page)
            assert relationships.kept(("test", 1), answer("c")) is first
            assert relationships.kept(("test", 2), answer("d")) == ("found on the way",)
            relationships.keep(("test", 3), ("inner",))
        assert relationships.read_memo()[("test", 3)] == ("inner",)  # the inner block added to the outer read
    assert relationships.read_memo() is None
    assert worked == ["a", "a", "b"]


def test_each_id_is_answered_once_for_the_read_and_only_the_ids_not_answered_yet_are_asked():
    asked: list[list[int]] = []

    def odd(ids: list) -> dict:
        asked.append(list(ids))
        return {i: i % 2 == 1 for i in ids}

    assert relationships.kept_each("test.odd", [1, 2], odd) == {1: True, 2: False}
    assert relationships.kept_each("test.odd", [1, 2], odd) == {1: True, 2: False}
    assert relationships.kept_each("test.odd", [], odd) == {}
    assert asked == [[1, 2], [1, 2]]  # outside a read: afresh each time, and nothing asked for no ids
    asked.clear()
    with relationships.remembered():
        assert relationships.kept_each("test.odd", [1, 2], odd) == {1: True, 2: False}
        assert relationships.kept_each("test.odd", [2, 3, 1], odd) == {2: False, 3: True, 1: True}
        assert relationships.kept_each("test.odd", [3], odd) == {3: True}
        assert relationships.kept_each("test.even", [3], lambda ids: asked.append(["even"]) or {3: False}) == {3: False}
    assert asked == [[1, 2], [3], ["even"]]
