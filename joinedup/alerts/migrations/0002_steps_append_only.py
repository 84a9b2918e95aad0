"""An alert's steps are history: the database refuses UPDATE and DELETE (a later step is a new row)."""

from django.db import migrations

from joinedup.core.append_only import append_only_triggers


class Migration(migrations.Migration):
    dependencies = [("alerts", "0001_initial")]

    operations = [
        append_only_triggers(table="alerts_alertstep", trigger_prefix="alert_step",
                             function="alert_step_refuse_change", message="alert steps are history")
    ]
