"""The audit trail becomes a hash chain (ADR 0009), and names everyone each row showed (AuditEventPerson).

Existing rows are chained in id order: the append-only triggers are dropped for the backfill (the only time rows
are changed) and created again, on both tables, before the migration ends. On PostgreSQL it all happens in one
transaction; the chain lock is taken first so that no row can be appended while the backfill runs.
"""

from django.db import migrations, models

from joinedup.audit import chain
from joinedup.core.append_only import append_only_triggers

EVENT_TRIGGERS = append_only_triggers(table="audit_auditevent", trigger_prefix="audit_auditevent",
                                      function="audit_refuse_change", message="audit events are append-only")
PERSON_TRIGGERS = append_only_triggers(table="audit_auditeventperson", trigger_prefix="audit_auditeventperson",
                                       function="audit_person_refuse_change",
                                       message="audit events are append-only")
CHAIN_LOCK = 0x6A75_6175_6469_7431  # joinedup.audit.services.CHAIN_LOCK
BATCH = 500


def _named(row) -> list:
    return chain.persons_named(subject_person_id=row.subject_person_id, object_type=row.object_type,
                               object_id=row.object_id, detail=row.detail)


def _rows(AuditEvent):
    last = 0
    while True:
        batch = list(AuditEvent.objects.filter(id__gt=last).order_by("id")[:BATCH])
        if not batch:
            return
        yield batch
        last = batch[-1].id


def chain_existing_rows(apps, schema_editor):
    AuditEvent = apps.get_model("audit", "AuditEvent")
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SELECT pg_advisory_xact_lock(%s)", params=[CHAIN_LOCK])
    position, previous = 0, chain.GENESIS
    for batch in _rows(AuditEvent):
        for row in batch:
            position += 1
            row.chain_position, row.prev_hash = position, previous
            values = {name: getattr(row, name) for name in chain.FIELDS}
            row.row_hash = previous = chain.row_hash(values, _named(row))
        AuditEvent.objects.bulk_update(batch, ["chain_position", "prev_hash", "row_hash"], batch_size=BATCH)


def name_existing_people(apps, schema_editor):
    AuditEvent = apps.get_model("audit", "AuditEvent")
    AuditEventPerson = apps.get_model("audit", "AuditEventPerson")
    for batch in _rows(AuditEvent):
        AuditEventPerson.objects.bulk_create(
            [AuditEventPerson(event_id=row.id, person_id=p) for row in batch for p in _named(row)], batch_size=BATCH)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only_triggers")]

    operations = [
        migrations.RunPython(EVENT_TRIGGERS.reverse_code, EVENT_TRIGGERS.code),  # drop (recreated at the end)
        migrations.AddField("auditevent", "chain_position", models.PositiveBigIntegerField(null=True)),
        migrations.AddField("auditevent", "prev_hash", models.CharField(max_length=64, null=True)),
        migrations.AddField("auditevent", "row_hash", models.CharField(max_length=64, null=True)),
        migrations.RunPython(chain_existing_rows, migrations.RunPython.noop),
        migrations.AlterField("auditevent", "chain_position", models.PositiveBigIntegerField(unique=True)),
        migrations.AlterField("auditevent", "prev_hash", models.CharField(max_length=64)),
        migrations.AlterField("auditevent", "row_hash", models.CharField(max_length=64)),
        migrations.CreateModel(
            name="AuditEventPerson",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("person_id", models.UUIDField()),
                ("event", models.ForeignKey(db_index=False, on_delete=models.deletion.PROTECT, related_name="people",
                                            to="audit.auditevent")),
            ],
            options={
                "indexes": [models.Index(fields=["person_id", "event"], name="audit_person_event_idx")],
                "constraints": [models.UniqueConstraint(fields=("event", "person_id"),
                                                        name="audit_event_person_unique")],
            },
        ),
        migrations.RunPython(name_existing_people, migrations.RunPython.noop),
        EVENT_TRIGGERS,
        PERSON_TRIGGERS,
    ]
