"""Marks of significance are history: the database refuses UPDATE and DELETE (unmarking is a new row)."""

from django.db import migrations

from joinedup.core.append_only import append_only_triggers


class Migration(migrations.Migration):
    dependencies = [("chronology", "0001_initial")]

    operations = [
        append_only_triggers(table="chronology_significantmark", trigger_prefix="chron_mark",
                             function="chron_mark_refuse_change", message="significance marks are history")
    ]
