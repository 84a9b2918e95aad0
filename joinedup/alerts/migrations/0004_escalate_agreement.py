"""An "escalate" alert closes only with a manager's agreement: a proposal to close it (the `proposed` status, awaiting
a manager's agreement, still open: one open alert per rule per child counts it), and the steps that record the
proposal and the manager's agreement or disagreement."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("alerts", "0003_alert_applies_at"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="alert", name="alert_one_open_per_rule_per_child"),
        migrations.AddField(
            model_name="alert",
            name="proposed_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="alert",
            name="proposed_by",
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT,
                                    related_name="+", to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name="alert",
            name="proposed_link",
            field=models.CharField(blank=True, max_length=500),
        ),
        migrations.AddField(
            model_name="alert",
            name="proposed_outcome",
            field=models.CharField(blank=True, choices=[("acted", "Acted on"), ("dismissed", "Dismissed")],
                                   help_text="acted or dismissed: what the proposal closes the alert as.",
                                   max_length=16),
        ),
        migrations.AddField(
            model_name="alert",
            name="proposed_text",
            field=models.TextField(blank=True, help_text="What was done, or why no action is needed."),
        ),
        migrations.AlterField(
            model_name="alert",
            name="status",
            field=models.CharField(choices=[("new", "New"), ("acknowledged", "Acknowledged"),
                                            ("proposed", "Awaiting a manager's agreement"), ("acted", "Acted on"),
                                            ("dismissed", "Dismissed"), ("resolved", "No longer applies")],
                                   default="new", max_length=16),
        ),
        migrations.AlterField(
            model_name="alertstep",
            name="kind",
            field=models.CharField(choices=[
                ("raised", "Alert raised"), ("updated", "New evidence added"), ("routed", "Alert re-routed"),
                ("acknowledged", "Alert acknowledged"), ("acted", "Alert acted on"), ("dismissed", "Alert dismissed"),
                ("escalated", "Alert escalated"), ("proposed", "Closing proposed: awaiting a manager's agreement"),
                ("agreed", "Manager agreed: alert closed"), ("disagreed", "Manager disagreed: alert stays open"),
                ("resolved", "Alert closed: no longer applies")], max_length=16),
        ),
        migrations.AddConstraint(
            model_name="alert",
            constraint=models.UniqueConstraint(condition=models.Q(("status__in", ["new", "acknowledged", "proposed"])),
                                               fields=("person", "rule_id"),
                                               name="alert_one_open_per_rule_per_child"),
        ),
    ]
