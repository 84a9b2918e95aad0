"""An alert found at the time of a record received late says when it applied (`Alert.applies_at`)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("alerts", "0002_steps_append_only")]

    operations = [
        migrations.AddField(
            model_name="alert",
            name="applies_at",
            field=models.DateTimeField(
                blank=True, null=True,
                help_text="When the finding applied, if it was found at the time of a record received late (a "
                          "back-dated record judged at its own day, docs/alerts-operations.md); empty when it "
                          "applies now."),
        ),
    ]
