"""The context builder: `ChildContext.as_of` keeps only what was known by then, and the bench's in-memory store
gives the product's builder the same child as the database does (the bench evaluates the product's context)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from joinedup.accounts.models import Agency
from joinedup.alerts.context import DatabaseStore, build_context, child_context
from joinedup.alerts.rules.base import ChildContext, HouseholdMember
from joinedup.chronology.events import event_from_payload
from joinedup.ingest.services import records_ingest
from joinedup.people.models import MentionLink, Person
from joinedup.people.services import linkage_run
from joinedup_lab.benches import alerts as bench
from tests.alerts.conftest import SYSTEM
from tests.chronology.conftest import model_only  # noqa: F401
from tests.chronology.family import CSC, family_records
from tests.chronology.family import person_of as family_person_of
from tests.people.conftest import authority, authority_records, trained_model  # noqa: F401

UTC = dt.UTC


def _member(pid: str, start: str, end: str) -> HouseholdMember:
    return HouseholdMember(pid, pid, True, dt.date.fromisoformat(start), dt.date.fromisoformat(end))


def test_as_of_keeps_only_housemates_and_companions_first_seen_by_then():
    record = {"agency_id": "a", "source_record_id": "r1", "kind": "consultation", "occurred_on": "2024-02-01",
              "recorded_at": "2024-02-01T10:00:00Z", "mentions": [{"mention_id": "m1"}], "detail": {}}
    late = dict(record, source_record_id="r2", occurred_on="2024-02-20", recorded_at="2024-04-01T10:00:00Z")
    ctx = ChildContext(
        "child", dt.date(2022, 1, 1), "female", events=[event_from_payload(record, mention_ids={"m1"}),
                                                        event_from_payload(late, mention_ids={"m1"})],
        household=[_member("mother", "2023-01-01", "2025-01-01"), _member("lodger", "2024-03-10", "2024-08-01")],
        companions=[_member("uncle", "2024-01-05", "2024-01-05"), _member("friend", "2024-05-01", "2024-06-01")],
    )
    then = ctx.as_of(dt.datetime(2024, 3, 1, 12, tzinfo=UTC))
    assert [m.person_id for m in then.household] == ["mother"]  # the lodger moved in later
    assert [c.person_id for c in then.companions] == ["uncle"]
    assert [e.source_record_id for e in then.events] == ["r1"]  # r2 happened before but arrived in April
    later = ctx.as_of(dt.datetime(2024, 5, 2, tzinfo=UTC))
    assert {m.person_id for m in later.household} == {"mother", "lodger"}
    assert {c.person_id for c in later.companions} == {"uncle", "friend"}
    assert len(ctx.household) == 2 and len(ctx.companions) == 2  # the original is untouched


@pytest.fixture
def ashgrove(model_only):  # noqa: F811
    """The chronology tests' family (a child, his mother, her partner who lived there April to June) in the database."""
    result = records_ingest(actor=SYSTEM, records=family_records(), via="file")
    assert {o.status for o in result.outcomes} == {"created"}, result.outcomes
    linkage_run(actor=SYSTEM, progress=lambda _line: None)
    return family_person_of(CSC, "CSC-K1")


def _replayed(records) -> bench.Replay:
    """The same records replayed into the bench's in-memory store, each mention as the database linked it."""
    person_of = {(a, s, m): str(p) for a, s, m, p in MentionLink.objects.values_list(
        "mention__agency__code", "mention__record__source_record_id", "mention__mention_id", "person_id")}
    info = {str(p.pk): bench.PersonInfo(p.dob, p.sex, False, p.display_name) for p in Person.objects.all()}
    agencies = {a.code: a for a in Agency.objects.all()}
    rp = bench.Replay([], person_of, info, {c: a.kind for c, a in agencies.items()},
                      {c: a.name for c, a in agencies.items()}, {})
    for r in sorted(records, key=lambda r: r["recorded_at"]):
        rp.receive(r)
    return rp


def _shape(ctx: ChildContext):
    return (
        ctx.person_id, ctx.dob, ctx.sex,
        [(e.key, e.kind, e.occurred_on, e.person_id) for e in ctx.events],
        sorted((m.person_id, m.is_adult, m.start, m.end, m.in_csc_household_record, m.known_to_csc)
               for m in ctx.household),
        [(e.key, e.person_id) for e in ctx.household_events],
        [(p.plan, p.start, p.end) for p in ctx.plans],
        sorted((c.person_id, c.start, c.end, c.in_csc_household_record, c.known_to_csc) for c in ctx.companions),
    )


def test_the_bench_store_gives_the_product_builder_the_child_the_database_gives(ashgrove):
    from_db = child_context(ashgrove)
    assert from_db.household and from_db.household_events and from_db.companions and from_db.plans  # a real test
    rp = _replayed(family_records())
    assert _shape(build_context(rp.store, str(ashgrove.pk))) == _shape(from_db)
    assert _shape(rp.context(str(ashgrove.pk))) == _shape(from_db)
    # and as things stood on a day, both through as_of
    at = dt.datetime(2024, 4, 1, tzinfo=UTC)
    assert _shape(build_context(rp.store, str(ashgrove.pk), at)) == _shape(child_context(ashgrove, at))
    assert _shape(build_context(DatabaseStore(), str(ashgrove.pk), at)) == _shape(child_context(ashgrove, at))


def test_the_product_context_asks_the_database_each_question_once(ashgrove):
    """The child's records, children's social care's household and who is known to it serve the child's events, their
    housemates' events and the adults around them alike: asked once each, with the same child as when each part asks
    for itself."""
    with CaptureQueriesContext(connection) as apart:
        each_for_itself = build_context(DatabaseStore(ashgrove), str(ashgrove.pk))
    with CaptureQueriesContext(connection) as shared:
        ctx = child_context(ashgrove)
    assert _shape(ctx) == _shape(each_for_itself)
    asked = [q["sql"] for q in shared.captured_queries]
    repeated = [q["sql"] for q in apart.captured_queries]
    assert len(set(repeated)) < len(repeated)  # without sharing, the same question is asked twice (a real test)
    assert len(set(asked)) == len(asked), [sql for sql in asked if asked.count(sql) > 1]
    assert len(asked) <= len(repeated) - 3, (len(asked), len(repeated))
