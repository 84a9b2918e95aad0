"""A return produced from the performance team's page (`ReturnRun`: its status row, which the page polls while
it runs, and where its file is), and the children failing the validators' rules in it (`ReturnFailure`: what the
data-quality page lists)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class ReturnRun(models.Model):
    """One return produced from the page: the CIN census or the SSDA903 for a year, or Annex A at a date."""

    class Kind(models.TextChoices):
        CIN = "cin", "Children in need census"
        SSDA903 = "903", "SSDA903 (children looked after)"
        ANNEX_A = "annex-a", "Ofsted ILACS Annex A"

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    year = models.PositiveIntegerField(null=True, blank=True, help_text="The collection year's end (CIN, SSDA903).")
    on = models.DateField(null=True, blank=True, help_text="The inspection date (Annex A).")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RUNNING)
    progress = models.CharField(max_length=300, blank=True, help_text="The latest step, in words.")
    percent = models.PositiveSmallIntegerField(default=0)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    children = models.PositiveIntegerField(default=0)
    files = models.JSONField(default=list, blank=True, help_text="File names under the run's folder.")
    sha256 = models.CharField(max_length=64, blank=True)
    summary = models.JSONField(default=dict, blank=True,
                               help_text="Counts: validator errors and queries, rows per list, children on a plan.")
    message = models.TextField(blank=True, help_text="Why it failed, or what the validators could not do.")

    class Meta:
        indexes = [models.Index(fields=["agency", "kind", "-started_at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.year or self.on} ({self.status})"


class ReturnFailure(models.Model):
    """One child failing one rule of a produced return, with the record to fix."""

    id = models.BigAutoField(primary_key=True)
    run = models.ForeignKey(ReturnRun, on_delete=models.CASCADE, related_name="failures")
    person = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    child_id = models.CharField(max_length=40, help_text="The return's id for the child.")
    rule = models.CharField(max_length=32)
    rule_type = models.CharField(max_length=8, help_text="ERROR or QUERY.")
    sentence = models.TextField(help_text="The rule in plain English.")
    record_key = models.CharField(max_length=300, blank=True, help_text="<agency code>:<source record id>")
    record_pk = models.BigIntegerField(null=True, blank=True)
    record_kind = models.CharField(max_length=64, blank=True)
    unplaced = models.TextField(blank=True, help_text="Why the casework fold could not place the record.")

    class Meta:
        indexes = [models.Index(fields=["run", "person"])]

    def __str__(self) -> str:
        return f"{self.rule} {self.child_id}"
