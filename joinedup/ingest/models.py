"""Agency records as received: the record, its immutable versions, and the mentions of people derived from it.

- `SourceRecord`: one record an agency holds, keyed by (agency, source_record_id). Its summary columns
  (kind, dates) are copied from its current version so that lists and timelines need no JSON.
- `SourceRecordVersion`: every distinct version received, exactly as received (after CSV or FHIR
  conversion). The database refuses UPDATE and DELETE on this table (migration 0002).
- `Mention`: a person as the current version names them, with normalised identifiers and address key.
  Derived and re-derivable from the versions; a mention a later version drops is marked `withdrawn`
  rather than deleted, because the people app's links point at it.
"""

from __future__ import annotations

from django.db import models


class SourceRecord(models.Model):
    """One record an agency holds, keyed by (agency, source_record_id); content lives in its versions."""

    id = models.BigAutoField(primary_key=True)
    # Indexed by the unique (agency, source_record_id) constraint, which leads with it.
    agency = models.ForeignKey(
        "accounts.Agency", on_delete=models.PROTECT, related_name="source_records", db_index=False
    )
    source_record_id = models.CharField(max_length=200, help_text="The record's id in the agency's system.")
    kind = models.CharField(max_length=64, db_index=True, help_text="Kind of the current version.")
    occurred_at = models.DateTimeField(null=True, blank=True, help_text="When it happened (current version).")
    occurred_on = models.DateField(db_index=True, help_text="occurred_on, or the UTC date of occurred_at.")
    ended_on = models.DateField(null=True, blank=True)
    recorded_at = models.DateTimeField(help_text="When the agency first recorded it (current version).")
    # Indexed although nothing looks records up by it: SQLite's foreign-key checks need the index.
    current = models.ForeignKey("SourceRecordVersion", null=True, on_delete=models.PROTECT, related_name="+")
    first_received_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agency", "source_record_id"], name="ingest_record_unique_in_agency")
        ]

    def __str__(self) -> str:
        return f"{self.source_record_id} ({self.kind})"


class SourceRecordVersion(models.Model):
    """Immutable: the database refuses UPDATE and DELETE (triggers, as audit migration 0002 does)."""

    id = models.BigAutoField(primary_key=True)
    # Indexed by the unique (record, sha256) and (record, sequence) constraints.
    record = models.ForeignKey(SourceRecord, on_delete=models.PROTECT, related_name="versions", db_index=False)
    version = models.PositiveIntegerField(help_text="The agency's version number.")
    sequence = models.PositiveIntegerField(help_text="Ours: 1, 2, … in the order received.")
    sha256 = models.CharField(max_length=64, help_text="Of the canonical JSON (sorted keys, compact).")
    payload = models.JSONField(help_text="The record as received (after CSV or FHIR conversion).")
    received_at = models.DateTimeField()
    received_via = models.CharField(max_length=8, help_text='"api", "file" or "joinedup" (written by its casework services).')
    received_by_id = models.UUIDField(null=True, blank=True, help_text="The user who sent it; empty for the system.")
    # Null when nothing looked odd (and for versions received before warnings were kept): a nullable column with
    # no default is added in place on SQLite, so the table (and its append-only triggers) is not rebuilt.
    warnings = models.JSONField(
        null=True, blank=True,
        help_text='What looked implausible when it was received but was kept (a birth after the event, recorded '
                  'before it happened…): [{"field", "problem"}] (docs/formats/README.md).',
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["record", "sha256"], name="ingest_version_unique_content"),
            models.UniqueConstraint(fields=["record", "sequence"], name="ingest_version_unique_sequence"),
        ]

    def __str__(self) -> str:
        return f"record {self.record_id} version {self.version} (#{self.sequence})"


class Mention(models.Model):
    """A person as one agency record names them (from the current version). Derived, re-derivable."""

    id = models.BigAutoField(primary_key=True)
    # Indexed by the unique (record, mention_id) constraint.
    record = models.ForeignKey(SourceRecord, on_delete=models.PROTECT, related_name="mentions", db_index=False)
    # Not indexed: mentions are found by record, identity or address, never by agency alone.
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+", db_index=False)
    mention_id = models.CharField(max_length=32)
    source_identity = models.CharField(
        max_length=300,
        db_index=True,
        help_text='"<agency code>:<local_person_id>", or "<agency code>:<source_record_id>#<mention_id>" '
        "when the agency gave no local person id.",
    )
    role = models.CharField(max_length=32)
    local_person_id = models.CharField(max_length=100, blank=True)
    given_name = models.CharField(max_length=200, blank=True)
    family_name = models.CharField(max_length=200, blank=True)
    relationship_label = models.CharField(max_length=200, blank=True)
    relationship_to_subject = models.CharField(max_length=200, blank=True)
    dob = models.DateField(null=True, blank=True)
    expected_due_on = models.DateField(null=True, blank=True)
    dob_estimated = models.BooleanField(default=False, help_text="The agency said the date of birth is an estimate.")
    age = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Age in whole years as recorded, at the record's day (no date of birth known)."
    )
    other_names = models.JSONField(
        default=list, blank=True,
        help_text='Former surnames and aliases: [{"given_name", "family_name", "kind": "former" or "alias"}].',
    )
    sex = models.CharField(max_length=8, blank=True)
    nhs_number = models.CharField(max_length=10, blank=True)
    upn = models.CharField(max_length=13, blank=True)
    address_lines = models.JSONField(default=list, blank=True, help_text="As written; [] when protected.")
    postcode = models.CharField(max_length=16, blank=True, help_text="As written; empty when protected.")
    postcode_norm = models.CharField(max_length=8, blank=True, db_index=True, help_text='e.g. "NB1 6HQ".')
    uprn = models.CharField(max_length=12, blank=True)
    address_protected = models.BooleanField(default=False)
    address_key = models.CharField(
        max_length=200,
        blank=True,
        db_index=True,
        help_text='Normalised dwelling identity (see ingest.addresses); "" when none or protected.',
    )
    occurred_on = models.DateField(db_index=True, help_text="The record's day.")
    withdrawn = models.BooleanField(
        default=False, help_text="The record's current version no longer names this person (kept for its links)."
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["record", "mention_id"], name="ingest_mention_unique_in_record")]

    def __str__(self) -> str:
        return f"{self.source_identity} ({self.role})"
