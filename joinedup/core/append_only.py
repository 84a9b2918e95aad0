"""Database triggers that refuse UPDATE and DELETE on a table, on SQLite and PostgreSQL (for migrations).

Used by the audit trail (`audit/0002`) and immutable record versions (`ingest/0002`). Change the SQL
only with a new migration: existing databases already hold the triggers these statements created.
"""

from __future__ import annotations

from django.db import migrations


def append_only_triggers(*, table: str, trigger_prefix: str, function: str, message: str) -> migrations.RunPython:
    """A migration operation creating (and on reverse dropping) the refusing triggers for `table`."""
    forward_sql = {
        "sqlite": [
            f"""CREATE TRIGGER {trigger_prefix}_no_update BEFORE UPDATE ON {table}
        BEGIN SELECT RAISE(ABORT, '{message}: UPDATE refused'); END;""",
            f"""CREATE TRIGGER {trigger_prefix}_no_delete BEFORE DELETE ON {table}
        BEGIN SELECT RAISE(ABORT, '{message}: DELETE refused'); END;""",
        ],
        "postgresql": [
            f"""CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         RAISE EXCEPTION '{message}: % refused', TG_OP
           USING ERRCODE = 'insufficient_privilege';
       END; $$;""",
            f"""CREATE TRIGGER {trigger_prefix}_no_change BEFORE UPDATE OR DELETE ON {table}
        FOR EACH ROW EXECUTE FUNCTION {function}();""",
        ],
    }
    reverse_sql = {
        "sqlite": [f"DROP TRIGGER IF EXISTS {trigger_prefix}_no_update;", f"DROP TRIGGER IF EXISTS {trigger_prefix}_no_delete;"],
        "postgresql": [f"DROP TRIGGER IF EXISTS {trigger_prefix}_no_change ON {table};", f"DROP FUNCTION IF EXISTS {function}();"],
    }

    def forward(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        if vendor not in forward_sql:
            raise RuntimeError(f"no append-only triggers for database vendor {vendor!r}")
        for sql in forward_sql[vendor]:
            schema_editor.execute(sql, params=None)

    def reverse(apps, schema_editor):
        for sql in reverse_sql.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql, params=None)

    return migrations.RunPython(forward, reverse)
