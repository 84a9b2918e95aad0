"""The database itself refuses UPDATE and DELETE on the audit table, on PostgreSQL and on SQLite."""

import pytest
from django.db import DatabaseError, connection, transaction

from joinedup.audit.models import AuditEvent
from joinedup.audit.services import audit_event_record
from joinedup.core.actor import ActorRef

pytestmark = [pytest.mark.both_databases, pytest.mark.django_db]


@pytest.fixture
def event():
    return audit_event_record(actor=ActorRef.system("t"), action="test.write", object_type="thing", object_id="1")


def test_queryset_update_is_refused(event):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="tampered")
    event.refresh_from_db()
    assert event.action == "test.write"


def test_model_delete_is_refused(event):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        event.delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_raw_sql_update_and_delete_are_refused(event):
    for sql in ("UPDATE audit_auditevent SET reason = 'x'", "DELETE FROM audit_auditevent"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    assert AuditEvent.objects.get(pk=event.pk).reason == ""


def test_inserts_are_allowed(event):
    audit_event_record(actor=ActorRef.system("t"), action="test.write2")
    assert AuditEvent.objects.count() >= 2
