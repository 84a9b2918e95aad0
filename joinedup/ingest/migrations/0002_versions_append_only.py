"""The database itself refuses UPDATE and DELETE on record versions, on SQLite and PostgreSQL.

What an agency sent is kept exactly as received; corrections arrive as new versions. (As for the
audit table, PostgreSQL still lets the table owner TRUNCATE: deploy with a role that does not own it.)
"""

from django.db import migrations

from joinedup.core.append_only import append_only_triggers


class Migration(migrations.Migration):
    dependencies = [("ingest", "0001_initial")]

    operations = [
        append_only_triggers(table="ingest_sourcerecordversion", trigger_prefix="ingest_version",
                             function="ingest_version_refuse_change", message="record versions are immutable")
    ]
