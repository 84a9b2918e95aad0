from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="AuditEvent",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("occurred_at", models.DateTimeField(db_index=True)),
                ("actor_id", models.UUIDField(blank=True, db_index=True, null=True)),
                ("actor_username", models.CharField(max_length=150)),
                ("agency_id", models.UUIDField(blank=True, null=True)),
                ("agency_name", models.CharField(blank=True, max_length=200)),
                ("role", models.CharField(blank=True, max_length=64)),
                ("action", models.CharField(db_index=True, max_length=64)),
                ("object_type", models.CharField(blank=True, max_length=64)),
                ("object_id", models.CharField(blank=True, max_length=64)),
                ("subject_person_id", models.UUIDField(blank=True, db_index=True, null=True)),
                ("reason", models.TextField(blank=True)),
                ("request_id", models.CharField(blank=True, db_index=True, max_length=64)),
                ("detail", models.JSONField(blank=True, default=dict)),
            ],
            options={
                "ordering": ["-id"],
                "indexes": [models.Index(fields=["object_type", "object_id"], name="audit_object_idx")],
            },
        ),
    ]
