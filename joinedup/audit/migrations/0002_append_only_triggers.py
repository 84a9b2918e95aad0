"""The database itself refuses UPDATE and DELETE on the audit table, on SQLite and PostgreSQL."""

from django.db import migrations

from joinedup.core.append_only import append_only_triggers


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [
        append_only_triggers(table="audit_auditevent", trigger_prefix="audit_auditevent",
                             function="audit_refuse_change", message="audit events are append-only")
    ]
