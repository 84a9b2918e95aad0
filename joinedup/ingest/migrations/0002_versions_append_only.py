"""The database itself refuses UPDATE and DELETE on record versions, on SQLite and PostgreSQL.

What an agency sent is kept exactly as received; corrections arrive as new versions. (As for the
audit table, PostgreSQL still lets the table owner TRUNCATE: deploy with a role that does not own it.)
"""

from django.db import migrations

TABLE = "ingest_sourcerecordversion"

SQLITE_FORWARD = [
    f"""CREATE TRIGGER ingest_version_no_update BEFORE UPDATE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, 'record versions are immutable: UPDATE refused'); END;""",
    f"""CREATE TRIGGER ingest_version_no_delete BEFORE DELETE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, 'record versions are immutable: DELETE refused'); END;""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS ingest_version_no_update;",
    "DROP TRIGGER IF EXISTS ingest_version_no_delete;",
]

POSTGRESQL_FORWARD = [
    """CREATE OR REPLACE FUNCTION ingest_version_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         RAISE EXCEPTION 'record versions are immutable: % refused', TG_OP
           USING ERRCODE = 'insufficient_privilege';
       END; $$;""",
    f"""CREATE TRIGGER ingest_version_no_change BEFORE UPDATE OR DELETE ON {TABLE}
        FOR EACH ROW EXECUTE FUNCTION ingest_version_refuse_change();""",
]
POSTGRESQL_REVERSE = [
    f"DROP TRIGGER IF EXISTS ingest_version_no_change ON {TABLE};",
    "DROP FUNCTION IF EXISTS ingest_version_refuse_change();",
]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = {"sqlite": SQLITE_FORWARD, "postgresql": POSTGRESQL_FORWARD}.get(vendor)
    if statements is None:
        raise RuntimeError(f"no immutability triggers for database vendor {vendor!r}")
    for sql in statements:
        schema_editor.execute(sql, params=None)


def reverse(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for sql in {"sqlite": SQLITE_REVERSE, "postgresql": POSTGRESQL_REVERSE}.get(vendor, []):
        schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):
    dependencies = [("ingest", "0001_initial")]

    operations = [migrations.RunPython(forward, reverse)]
