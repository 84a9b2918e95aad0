"""The audit trail is a hash chain: `joinedup audit verify` finds a row changed, removed or rewritten behind the
database triggers' back, names that row, and passes an untouched trail — on PostgreSQL and on SQLite."""

from __future__ import annotations

import io
import json
import uuid
from contextlib import contextmanager

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from joinedup.audit import chain
from joinedup.audit.models import AuditEvent, AuditEventPerson
from joinedup.audit.services import audit_event_record, audit_read_many
from joinedup.audit.verify import chain_verify
from joinedup.core.actor import ActorRef

pytestmark = [pytest.mark.both_databases, pytest.mark.django_db]

ACTOR = ActorRef(id=uuid.uuid4(), username="hchain", agency_id=uuid.uuid4(), agency_name="Northmere Council",
                 role="social_worker")


@contextmanager
def behind_the_triggers_back():
    """Let this connection change audit rows, as someone with the database owner's rights could."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")  # ordinary triggers do not fire
            try:
                yield cursor
            finally:
                cursor.execute("SET LOCAL session_replication_role = origin")
            return
        cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name LIKE 'audit_%'")
        triggers = cursor.fetchall()
        assert len(triggers) == 4, triggers  # no update, no delete; on events and on the people they name
        for name, _sql in triggers:
            cursor.execute(f'DROP TRIGGER "{name}"')
        try:
            yield cursor
        finally:
            for _name, sql in triggers:
                cursor.execute(sql)


def trail(n: int = 5) -> list[AuditEvent]:
    people = [uuid.uuid4() for _ in range(3)]
    return [audit_event_record(actor=ACTOR, action="person.view", object_type="person", object_id=people[i % 3],
                               subject_person_id=people[i % 3], reason=f"visit {i}",
                               detail={"view": "chronology", "n": i, "ratio": 0.25, "big": 1e20, "nested": {"b": 1, "a": [1.0, "é"]}},
                               person_ids=[people[(i + 1) % 3]])
            for i in range(n)]


def verify_command(*args: str) -> tuple[dict, str, CommandError | None]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("audit", "verify", *args, stdout=out, stderr=err)
        failure = None
    except CommandError as exc:
        failure = exc
    lines = out.getvalue().strip().splitlines()
    return json.loads(lines[-1]), out.getvalue(), failure


def test_an_untouched_trail_verifies_and_the_command_prints_its_head():
    rows = trail(6)
    result = chain_verify()
    assert result.ok, result.broken
    assert result.rows == AuditEvent.objects.count() >= 6
    head = AuditEvent.objects.order_by("-id").first()
    assert (result.head_id, result.head_hash) == (rows[-1].id, head.row_hash) == (head.id, rows[-1].row_hash)

    summary, text, failure = verify_command()
    assert failure is None
    assert summary == {"ok": True, "rows": result.rows,
                       "head": {"id": head.id, "position": head.chain_position, "hash": head.row_hash}}
    assert f"{head.chain_position}:{head.row_hash}" in text  # the anchor an operator keeps


def test_rows_link_in_id_order_and_hash_what_the_database_holds():
    rows = trail(3)
    stored = list(AuditEvent.objects.filter(id__in=[r.id for r in rows]).order_by("id"))
    assert [r.chain_position for r in stored] == [rows[0].chain_position + i for i in range(3)]
    assert [r.prev_hash for r in stored[1:]] == [r.row_hash for r in stored[:-1]]
    for row in stored:  # the hash written at insert equals the hash of the row as read back
        values = {name: getattr(row, name) for name in chain.FIELDS}
        people = AuditEventPerson.objects.filter(event=row).values_list("person_id", flat=True)
        assert chain.row_hash(values, people) == row.row_hash
    first = AuditEvent.objects.order_by("id").first()
    assert (first.chain_position, first.prev_hash) == (1, chain.GENESIS)


def test_a_row_changed_behind_the_triggers_back_is_named():
    rows = trail(5)
    target = rows[2]
    with behind_the_triggers_back() as cursor:
        cursor.execute("UPDATE audit_auditevent SET reason = %s WHERE id = %s", ["nothing to see", target.id])

    result = chain_verify()
    assert not result.ok
    assert (result.broken.problem, result.broken.id) == (chain.ALTERED, target.id)
    assert result.rows == AuditEvent.objects.filter(id__lt=target.id).count()

    summary, text, failure = verify_command()
    assert failure is not None and failure.returncode == 1
    assert summary["ok"] is False
    assert summary["broken"]["id"] == target.id and summary["broken"]["problem"] == "content_altered"
    assert f"row {target.id}" in text


def test_a_changed_detail_or_a_changed_list_of_people_is_named():
    rows = trail(5)
    with behind_the_triggers_back() as cursor:
        cursor.execute("DELETE FROM audit_auditeventperson WHERE event_id = %s AND person_id = %s",
                       [rows[3].id, rows[3].subject_person_id.hex if connection.vendor == "sqlite"
                        else rows[3].subject_person_id])
    result = chain_verify()
    assert (result.broken.problem, result.broken.id) == (chain.ALTERED, rows[3].id)


def test_a_row_deleted_from_the_middle_is_named_by_the_rows_either_side():
    rows = trail(5)
    gone = rows[2]
    with behind_the_triggers_back() as cursor:
        cursor.execute("DELETE FROM audit_auditeventperson WHERE event_id = %s", [gone.id])
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [gone.id])

    result = chain_verify()
    assert result.broken.problem == chain.MISSING
    assert (result.broken.previous_id, result.broken.id) == (rows[1].id, rows[3].id)
    assert f"between row {rows[1].id} and row {rows[3].id}" in result.broken.message
    summary, _text, failure = verify_command()
    assert failure is not None and summary["broken"]["problem"] == "rows_missing"


def test_a_row_rewritten_with_a_fresh_hash_breaks_the_next_link():
    rows = trail(5)
    target = rows[1]
    stored = AuditEvent.objects.get(pk=target.pk)
    values = {name: getattr(stored, name) for name in chain.FIELDS} | {"reason": "rewritten"}
    people = AuditEventPerson.objects.filter(event=stored).values_list("person_id", flat=True)
    with behind_the_triggers_back() as cursor:
        cursor.execute("UPDATE audit_auditevent SET reason = %s, row_hash = %s WHERE id = %s",
                       ["rewritten", chain.row_hash(values, people), target.id])

    result = chain_verify()
    assert (result.broken.problem, result.broken.previous_id, result.broken.id) == (chain.LINK, target.id, rows[2].id)


def test_the_newest_rows_removed_are_found_only_against_an_anchor():
    rows = trail(4)
    head = AuditEvent.objects.get(pk=rows[-1].pk)
    anchor = f"{head.chain_position}:{head.row_hash}"
    assert verify_command("--anchor", anchor)[0]["ok"] is True
    with behind_the_triggers_back() as cursor:
        for row in rows[-2:]:
            cursor.execute("DELETE FROM audit_auditeventperson WHERE event_id = %s", [row.id])
            cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [row.id])

    assert chain_verify().ok  # without an anchor, a shorter chain is still a chain: this is the documented limit
    summary, _text, failure = verify_command("--anchor", anchor)
    assert failure is not None and summary["broken"]["problem"] == "truncated"
    assert summary["broken"]["position"] == head.chain_position

    wrong = f"{rows[0].chain_position}:{'0' * 64}"
    assert verify_command("--anchor", wrong)[0]["broken"]["problem"] == "anchor_mismatch"


def test_a_malformed_anchor_is_refused_naming_the_option():
    with pytest.raises(CommandError, match=r"--anchor: .*POSITION:HASH"):
        call_command("audit", "verify", "--anchor", "not-an-anchor", stdout=io.StringIO(), stderr=io.StringIO())


def test_everyone_shown_is_named_and_the_old_signatures_still_work():
    a, b, subject = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    named = audit_event_record(actor=ACTOR, action="chronology.view", object_type="person", object_id=subject,
                               subject_person_id=subject, person_ids=[a, str(b), a])
    assert set(named.people.values_list("person_id", flat=True)) == {a, b, subject}

    listed = audit_read_many(actor=ACTOR, action="person.search", object_type="person", object_ids=[a, b])
    assert set(listed.people.values_list("person_id", flat=True)) == {a, b}  # a list of people names them
    assert listed.detail == {"object_ids": [str(a), str(b)]}

    plain = audit_event_record(actor=ACTOR, action="user.view", object_type="user", object_id=uuid.uuid4())
    assert not plain.people.exists()
    users = audit_read_many(actor=ACTOR, action="user.list", object_type="user", object_ids=[uuid.uuid4()],
                            person_ids=[b])
    assert list(users.people.values_list("person_id", flat=True)) == [b]
    assert chain_verify().ok


def test_a_person_id_that_is_not_a_uuid_is_refused_and_writes_nothing():
    before = AuditEvent.objects.count()
    with pytest.raises(ValueError, match="person_ids: 'Ada Lovelace' is not a person id"):
        audit_event_record(actor=ACTOR, action="person.view", person_ids=["Ada Lovelace"])
    assert AuditEvent.objects.count() == before
