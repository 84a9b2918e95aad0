"""records_ingest: idempotent, versioned, refuses what it must, derives mentions, audits and signals."""

from __future__ import annotations

import copy

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

from joinedup.accounts.models import Role
from joinedup.accounts.services import actor_for
from joinedup.audit.models import AuditEvent
from joinedup.core.actor import ActorRef
from joinedup.ingest.bulk import Adapter, allocate_ids, insert_rows
from joinedup.ingest.models import Mention, SourceRecord, SourceRecordVersion
from joinedup.ingest.prepare import canonical_json, record_sha256
from joinedup.ingest.services import RECORD_COLUMNS, records_ingest
from joinedup.ingest.signals import mentions_ingested

from .conftest import EXAMPLE

pytestmark = [pytest.mark.both_databases, pytest.mark.django_db]

SYSTEM = ActorRef.system("ingest-test")


def amended(record: dict, version: int, **changes) -> dict:
    """A later version of a record, amended the day after it was recorded."""
    later = copy.deepcopy(record)
    later.update(version=version, amended_at=f"2023-04-{9 + version:02d}T10:00:00Z", **changes)
    return later


def ingest(*records, actor=SYSTEM, via="file", **kwargs):
    return records_ingest(actor=actor, records=list(records), via=via, **kwargs)


def test_a_new_record_is_stored_with_its_version_and_mentions(make_record, agency):
    record = make_record()
    result = ingest(record)
    (outcome,) = result.outcomes
    assert (outcome.status, outcome.sequence, outcome.version, outcome.current) == ("created", 1, 1, True)
    stored = SourceRecord.objects.get(agency=agency, source_record_id=record["source_record_id"])
    assert stored.kind == "ed_attendance" and str(stored.occurred_on) == "2023-04-09"
    assert stored.current.payload == record and stored.current.sha256 == record_sha256(record)
    assert stored.current.received_via == "file" and stored.current.received_by_id is None
    assert stored.recorded_at.isoformat() == "2023-04-09T17:24:00+00:00"
    mentions = {m.mention_id: m for m in Mention.objects.filter(record=stored)}
    assert set(mentions) == {"m1", "m2"} and sorted(result.mention_ids) == sorted(m.pk for m in mentions.values())
    m1 = mentions["m1"]
    assert m1.source_identity == f"{agency.code}:NGH0000429"
    assert (m1.given_name, m1.family_name, str(m1.dob), m1.nhs_number) == ("Evey", "Cole", "2020-11-20", "9990036268")
    assert m1.postcode_norm == "NB8 4UY" and m1.address_key == "NB8 4UY|185||southcote gardens"
    assert m1.address_lines == ["185 Southcote Gardens", "Northbrook"] and not m1.withdrawn
    assert str(m1.occurred_on) == "2023-04-09" and m1.agency_id == agency.pk


def test_the_same_record_twice_is_unchanged_and_stored_once(make_record):
    record = make_record()
    first = ingest(record).outcomes[0]
    reordered = dict(reversed(list(record.items())))  # same content, keys in another order
    again = ingest(reordered).outcomes[0]
    assert again.status == "unchanged"
    assert (again.sequence, again.received_at) == (first.sequence, first.received_at)
    assert SourceRecordVersion.objects.count() == 1 and Mention.objects.count() == 2
    in_one_call = ingest(record, record).outcomes
    assert [o.status for o in in_one_call] == ["unchanged", "unchanged"]


def test_a_duplicate_within_one_call_is_stored_once(make_record):
    record = make_record()
    result = ingest(record, copy.deepcopy(record))
    assert [o.status for o in result.outcomes] == ["created", "unchanged"]
    assert SourceRecordVersion.objects.count() == 1


def test_a_new_version_becomes_current_and_the_history_is_kept(make_record):
    v1 = make_record()
    ingest(v1)
    v2 = amended(v1, 2, ended_on="2023-04-12")
    v2["mentions"][0]["given_name"] = "Evie"
    outcome = ingest(v2).outcomes[0]
    assert (outcome.status, outcome.sequence, outcome.current) == ("new_version", 2, True)
    stored = SourceRecord.objects.get()
    assert stored.current.version == 2 and str(stored.ended_on) == "2023-04-12"
    assert list(stored.versions.order_by("sequence").values_list("version", flat=True)) == [1, 2]
    assert stored.versions.get(sequence=1).payload == v1  # the first version is kept as it was
    assert Mention.objects.get(record=stored, mention_id="m1").given_name == "Evie"
    assert Mention.objects.count() == 2  # updated in place, not duplicated


def test_a_record_moved_to_a_new_version_holds_what_one_stored_at_that_version_holds(make_record):
    """The summary columns a new current version writes over a held record (one UPDATE per record) are stored as
    the same version inserted afresh would store them, on either database."""
    v1 = make_record(source_record_id="MOVED-1")
    ingest(v1)
    v2 = amended(v1, 2, kind=v1["kind"], occurred_at="2023-04-03T23:30:00+01:00", recorded_at="2023-04-04T08:15:30.25Z",
                 ended_on="2023-04-12")
    assert ingest(v2).outcomes[0].status == "new_version"
    fresh = copy.deepcopy(v2)
    fresh["source_record_id"] = "FRESH-1"
    assert ingest(fresh).outcomes[0].status == "created"
    columns = ["kind", "occurred_at", "occurred_on", "ended_on", "recorded_at"]
    moved, made = (SourceRecord.objects.values_list(*columns).get(source_record_id=srid) for srid in ("MOVED-1", "FRESH-1"))
    assert moved == made and str(moved[2]) == "2023-04-03" and str(moved[3]) == "2023-04-12"
    with connection.cursor() as cursor:  # as the database holds them, not only as the ORM reads them back
        cursor.execute(
            'SELECT "occurred_at", "recorded_at", "occurred_on" FROM "ingest_sourcerecord" WHERE "source_record_id" IN '
            "(%s, %s) ORDER BY \"source_record_id\"", ["FRESH-1", "MOVED-1"])
        first, second = cursor.fetchall()
    assert first == second


def test_a_late_older_version_is_kept_but_does_not_become_current(make_record):
    v1 = make_record()
    v3 = amended(v1, 3)
    v3["mentions"][0]["given_name"] = "Evelyn"
    v2 = amended(v1, 2)
    v2["mentions"][0]["given_name"] = "Eve"
    assert [o.status for o in ingest(v1, v3).outcomes] == ["created", "new_version"]
    late = ingest(v2).outcomes[0]
    assert (late.status, late.sequence, late.current) == ("new_version", 3, False)
    stored = SourceRecord.objects.get()
    assert stored.current.version == 3 and stored.versions.count() == 3
    assert Mention.objects.get(mention_id="m1").given_name == "Evelyn"


def test_versions_in_one_batch_end_with_the_highest_current(make_record):
    v1 = make_record()
    v2 = amended(v1, 2, ended_on="2023-04-20")
    result = ingest(v2, v1)
    assert [(o.status, o.current) for o in result.outcomes] == [("created", True), ("new_version", False)]
    stored = SourceRecord.objects.get()
    assert stored.current.version == 2 and str(stored.ended_on) == "2023-04-20"


def test_a_dropped_mention_is_withdrawn_not_deleted_and_can_return(make_record):
    v1 = make_record()
    ingest(v1)
    m2 = Mention.objects.get(mention_id="m2")
    v2 = amended(v1, 2)
    v2["mentions"] = v2["mentions"][:1]
    result = ingest(v2)
    assert result.withdrawn_mention_ids == [m2.pk] and result.mention_ids == []
    m2.refresh_from_db()
    assert m2.withdrawn
    v3 = amended(v1, 3)
    result = ingest(v3)
    m2.refresh_from_db()
    assert not m2.withdrawn and result.mention_ids == [m2.pk]
    assert Mention.objects.count() == 2


def test_mentions_ingested_is_sent_inside_the_transaction(make_record):
    seen = []

    def receiver(sender, mention_ids, withdrawn_mention_ids, via, actor, **kwargs):
        seen.append((sorted(mention_ids), withdrawn_mention_ids, via, actor, connection.in_atomic_block))

    mentions_ingested.connect(receiver)
    try:
        result = ingest(make_record())
    finally:
        mentions_ingested.disconnect(receiver)
    assert seen == [(sorted(result.mention_ids), [], "file", SYSTEM, True)]
    assert sorted(Mention.objects.values_list("pk", flat=True)) == sorted(result.mention_ids)


def test_a_record_that_breaks_the_format_is_refused_and_nothing_is_stored(make_record):
    bad = make_record(version=2)
    bad["mentions"][1]["dob"] = "1994-02-30"
    outcome = ingest(bad).outcomes[0]
    assert outcome.status == "refused"
    assert {"field": "amended_at", "problem": "is required when version is 2 or more"} in outcome.errors
    assert {"field": "mentions[1].dob", "problem": "must be a real date written YYYY-MM-DD"} in outcome.errors
    assert not SourceRecord.objects.exists() and not AuditEvent.objects.filter(action="record.ingest").exists()


def test_an_unknown_agency_is_refused_naming_agency_id(make_record):
    outcome = ingest(make_record(agency_id="nobody-we-know")).outcomes[0]
    assert outcome.status == "refused"
    assert outcome.errors == [{"field": "agency_id", "problem": "no agency 'nobody-we-know' is registered with joinedup"}]


def test_only_the_agencys_own_users_may_send_its_records(make_record, make_user, agency):
    record = make_record()
    outsider = actor_for(make_user(role=Role.PARTNER_PRACTITIONER))
    refused = ingest(record, actor=outsider, via="api").outcomes[0]
    assert refused.status == "refused" and refused.forbidden
    assert refused.errors[0]["field"] == "agency_id"
    # A system administrator of another agency may load files, not post to the API.
    admin = actor_for(make_user(role=Role.SYSTEM_ADMINISTRATOR))
    assert ingest(record, actor=admin, via="api").outcomes[0].status == "refused"
    assert ingest(record, actor=admin, via="file").outcomes[0].status == "created"
    insider = actor_for(make_user(role=Role.PARTNER_PRACTITIONER, agency=agency))
    assert ingest(amended(record, 2), actor=insider, via="api").outcomes[0].status == "new_version"
    assert SourceRecord.objects.get().current.received_by_id == insider.id


def test_records_for_one_agency_only_when_the_caller_says_so(make_record, make_agency):
    other = make_agency()
    outcome = ingest(make_record(), agency=other).outcomes[0]
    assert outcome.status == "refused"
    assert outcome.errors[0]["field"] == "agency_id" and other.code in outcome.errors[0]["problem"]


def test_a_batch_stores_the_good_and_refuses_the_bad(make_record):
    good = make_record()
    bad = make_record(source_record_id="X-1", kind="gossip")
    duplicate_ids = make_record(source_record_id="X-2")
    duplicate_ids["mentions"][1]["mention_id"] = "m1"
    result = ingest(good, bad, duplicate_ids, "not a record")
    assert [o.status for o in result.outcomes] == ["created", "refused", "refused", "refused"]
    assert [o.index for o in result.outcomes] == [0, 1, 2, 3]
    assert result.outcomes[1].errors[0]["field"] == "kind"
    assert result.outcomes[2].errors[0]["field"] == "mentions[1].mention_id"
    assert result.outcomes[3].errors == [{"field": "", "problem": "a record must be a JSON object"}]
    assert SourceRecord.objects.count() == 1


def test_one_audit_row_names_what_was_written(make_record):
    v1 = make_record()
    ingest(v1, make_record(source_record_id="OTHER-1"), make_record(kind="gossip"))
    event = AuditEvent.objects.get(action="record.ingest")
    assert event.actor_username == "ingest-test" and event.object_type == "source_record"
    assert event.detail["created"] == 2 and event.detail["refused"] == 1 and event.detail["via"] == "file"
    assert sorted(event.detail["record_ids"]) == sorted(SourceRecord.objects.values_list("pk", flat=True))
    ingest(v1)  # unchanged: nothing written, nothing to audit
    assert AuditEvent.objects.filter(action="record.ingest").count() == 1


def test_a_protected_address_keeps_nothing_that_locates_it(make_record):
    record = make_record()
    record["mentions"][0]["address"] = {"lines": ["Address withheld (refuge)"], "postcode": "NB8 4UY",
                                        "uprn": "999000000007", "protected": True}
    ingest(record)
    m1 = Mention.objects.get(mention_id="m1")
    assert m1.address_protected
    assert (m1.address_lines, m1.postcode, m1.postcode_norm, m1.uprn, m1.address_key) == ([], "", "", "", "")


def test_a_mention_without_a_local_id_is_identified_within_its_record(make_record, agency):
    record = make_record()
    del record["mentions"][1]["local_person_id"]
    ingest(record)
    m2 = Mention.objects.get(mention_id="m2")
    assert m2.source_identity == f"{agency.code}:{record['source_record_id']}#m2"


def test_the_payload_is_the_canonical_json(make_record):
    record = make_record()
    ingest(record)
    version = SourceRecordVersion.objects.get()
    assert canonical_json(version.payload) == canonical_json(record)


def test_the_database_refuses_to_change_or_delete_a_version(make_record):
    ingest(make_record())
    version = SourceRecordVersion.objects.get()
    with pytest.raises(DatabaseError, match="immutable"), transaction.atomic():
        SourceRecordVersion.objects.filter(pk=version.pk).update(sha256="0" * 64)
    for sql in ("UPDATE ingest_sourcerecordversion SET version = 9", "DELETE FROM ingest_sourcerecordversion"):
        with pytest.raises(DatabaseError, match="immutable"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    assert SourceRecordVersion.objects.get().version == 1


def test_via_must_be_api_or_file(make_record):
    with pytest.raises(ValueError, match="via"):
        ingest(make_record(), via="email")


def test_a_clash_in_the_bulk_insert_is_an_integrity_error(make_record, agency):
    """A record stored by another transaction meanwhile is a duplicate key: IntegrityError, which is retried."""
    ingest(make_record())
    db = Adapter()
    (pk,) = allocate_ids("ingest_sourcerecord", 1)
    row = (pk, db.uuid(agency.pk), EXAMPLE["source_record_id"], "ed_attendance", None, "2023-04-09", None,
           db.timestamp("2023-04-09T17:24:00Z"), None, db.timestamp("2023-04-09T17:24:00Z"))
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_rows("ingest_sourcerecord", RECORD_COLUMNS, [row])
