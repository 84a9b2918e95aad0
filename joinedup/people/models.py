"""People as joinedup knows them: stable person ids, the mentions linked to each, review decisions, residence.

A `Person` is joinedup's conclusion that several agencies' mentions are one human being. Its id is
stable: re-linking keeps each person's id with the cluster that holds most of its mentions, and a
person whose mentions all went elsewhere keeps a forwarding pointer (`merged_into`).

Everything here except `LinkDecision` and `ReviewItem` decisions is derived from the raw records and
the trained model, and `joinedup link` can rebuild it. People's decisions are never derived: they
override the model in every later run.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class Person(models.Model):
    """One human being across agencies; display fields are the most common values among their mentions."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    given_name = models.CharField(max_length=200, blank=True)
    family_name = models.CharField(max_length=200, blank=True)
    dob = models.DateField(null=True, blank=True)
    sex = models.CharField(max_length=8, blank=True)
    nhs_number = models.CharField(max_length=10, blank=True)
    mention_count = models.PositiveIntegerField(default=0)
    agency_count = models.PositiveIntegerField(default=0)
    search_text = models.TextField(
        blank=True, help_text="Every name, date of birth and NHS number any agency wrote, folded for search (case, "
        "accents and apostrophes aside: joinedup.people.search)."
    )
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="Set when a re-run moved all of this person's mentions to another person.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["family_name", "given_name", "dob"]
        indexes = [models.Index(fields=["family_name", "given_name"], name="person_name_idx")]

    def __str__(self) -> str:
        name = f"{self.given_name} {self.family_name}".strip() or "Unnamed person"
        return f"{name} ({self.dob:%d %b %Y})" if self.dob else name

    @property
    def display_name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip() or "Unnamed person"


class LinkageModel(models.Model):
    """A trained Splink model (its settings with m and u values) and where its charts were saved."""

    id = models.BigAutoField(primary_key=True)
    trained_at = models.DateTimeField()
    engine = models.CharField(max_length=16, default="duckdb")
    model = models.JSONField()
    identity_rows = models.PositiveIntegerField()
    charts_dir = models.CharField(max_length=500, blank=True)
    is_current = models.BooleanField(default=True)

    class Meta:
        ordering = ["-trained_at"]

    def __str__(self) -> str:
        return f"Linkage model {self.pk} ({self.trained_at:%Y-%m-%d %H:%M})"


class LinkageRun(models.Model):
    """One batch run of `joinedup link`: what it read, what it concluded and how long it took."""

    id = models.BigAutoField(primary_key=True)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    engine = models.CharField(max_length=16)
    model = models.ForeignKey(LinkageModel, on_delete=models.PROTECT, related_name="runs")
    mentions = models.PositiveIntegerField(default=0)
    identity_rows = models.PositiveIntegerField(default=0)
    persons = models.PositiveIntegerField(default=0)
    persons_created = models.PositiveIntegerField(default=0)
    persons_merged = models.PositiveIntegerField(default=0)
    links_changed = models.PositiveIntegerField(default=0)
    review_items = models.PositiveIntegerField(default=0)
    actor_username = models.CharField(max_length=150)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"Linkage run {self.pk} ({self.started_at:%Y-%m-%d %H:%M})"


class LinkMethod(models.TextChoices):
    SAME_SOURCE_ID = "same_source_id", "Same person id in the agency's system"
    MODEL = "model", "Probabilistic match"
    ONLINE = "online", "Matched on arrival"
    REVIEW = "review", "Confirmed by a person"
    CONTEXT = "context", "Placed by the record's context"
    NEW = "new", "No match: a new person"
    UNLINKABLE = "unlinkable", "Too little to identify them"
    RECORDED = "recorded", "Chosen by the person who recorded it in joinedup"


class MentionLink(models.Model):
    """Which person a mention is, how strongly, and why (the fields that agreed and disagreed)."""

    mention = models.OneToOneField("ingest.Mention", on_delete=models.PROTECT, primary_key=True, related_name="link")
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="mention_links")
    identity_uid = models.CharField(max_length=64, db_index=True, blank=True)
    match_probability = models.FloatField(null=True, blank=True)
    method = models.CharField(max_length=16, choices=LinkMethod.choices)
    fields = models.JSONField(default=dict, blank=True, help_text="Field → agree / close / disagree / missing.")
    matched_identity_uid = models.CharField(max_length=64, blank=True)
    reason = models.CharField(max_length=200, blank=True, help_text="Why, when not a field-by-field match.")
    run = models.ForeignKey(LinkageRun, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    linked_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"mention {self.mention_id} → {self.person_id} ({self.method})"


class IdentityRow(models.Model):
    """A distinct way one agency identifies one person; the unit that is linked. Holds the cleaned fields."""

    uid = models.CharField(max_length=64, primary_key=True)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="identity_rows")
    source_identity = models.CharField(max_length=300, db_index=True)
    agency_code = models.CharField(max_length=64)
    attrs = models.JSONField()

    def __str__(self) -> str:
        return f"{self.source_identity} [{self.uid}]"


class BlockingKey(models.Model):
    """Our own index over the model's blocking keys, for matching one new mention in milliseconds."""

    id = models.BigAutoField(primary_key=True)
    key = models.CharField(max_length=120)
    identity = models.ForeignKey(IdentityRow, on_delete=models.CASCADE, related_name="keys")

    class Meta:
        indexes = [models.Index(fields=["key"], name="blocking_key_idx")]

    def __str__(self) -> str:
        return self.key


class Decision(models.TextChoices):
    SAME = "same", "The same person"
    DIFFERENT = "different", "Different people"


class LinkDecision(models.Model):
    """A person's ruling on two source identities. The latest ruling on a pair overrides the model."""

    id = models.BigAutoField(primary_key=True)
    source_identity_a = models.CharField(max_length=300, db_index=True)
    source_identity_b = models.CharField(max_length=300, db_index=True)
    decision = models.CharField(max_length=16, choices=Decision.choices)
    reason = models.TextField(blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField()
    review_item = models.ForeignKey("ReviewItem", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-decided_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(source_identity_a__lt=models.F("source_identity_b")), name="decision_pair_ordered"
            )
        ]

    def __str__(self) -> str:
        return f"{self.source_identity_a} / {self.source_identity_b}: {self.decision}"


class ReviewStatus(models.TextChoices):
    OPEN = "open", "Waiting for review"
    CONFIRMED = "confirmed", "Confirmed: the same person"
    REJECTED = "rejected", "Rejected: different people"
    SUPERSEDED = "superseded", "No longer needed"


class ReviewItem(models.Model):
    """An uncertain match put to a person: two identity rows, the model's probability and its reasons."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    left_uid = models.CharField(max_length=64)
    right_uid = models.CharField(max_length=64)
    left_source_identity = models.CharField(max_length=300)
    right_source_identity = models.CharField(max_length=300)
    left_mention = models.ForeignKey("ingest.Mention", on_delete=models.PROTECT, related_name="+")
    right_mention = models.ForeignKey("ingest.Mention", on_delete=models.PROTECT, related_name="+")
    match_probability = models.FloatField()
    fields = models.JSONField(default=dict)
    reason = models.CharField(max_length=200, blank=True, help_text="Why it is in the queue.")
    status = models.CharField(max_length=16, choices=ReviewStatus.choices, default=ReviewStatus.OPEN, db_index=True)
    created_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-match_probability", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["left_uid", "right_uid"],
                condition=models.Q(status="open"),
                name="one_open_review_per_pair",
            )
        ]

    def __str__(self) -> str:
        return f"{self.left_source_identity} / {self.right_source_identity} ({self.match_probability:.3f})"


class ResidenceEpisode(models.Model):
    """A person seen at one dwelling from one date to another, by the agencies listed. Derived."""

    id = models.BigAutoField(primary_key=True)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="residence_episodes")
    address_key = models.CharField(max_length=200, db_index=True)
    postcode = models.CharField(max_length=8, blank=True)
    address_lines = models.JSONField(default=list)
    first_seen_on = models.DateField()
    last_seen_on = models.DateField()
    presumed_until = models.DateField(help_text="Until seen elsewhere, or the last sighting plus about 18 months.")
    agency_codes = models.JSONField(default=list)
    sightings = models.PositiveIntegerField()

    class Meta:
        ordering = ["person", "first_seen_on"]
        indexes = [models.Index(fields=["address_key", "first_seen_on"], name="residence_addr_idx")]

    def __str__(self) -> str:
        return f"{self.person_id} at {self.address_key} {self.first_seen_on}–{self.last_seen_on}"


class UnidentifiedSighting(models.Model):
    """Someone recorded at an address only by relationship ("mum's boyfriend"), too little to identify. Derived."""

    mention = models.OneToOneField("ingest.Mention", on_delete=models.CASCADE, primary_key=True, related_name="+")
    address_key = models.CharField(max_length=200, db_index=True)
    seen_on = models.DateField()
    label = models.CharField(max_length=200)

    def __str__(self) -> str:
        return f"{self.label} at {self.address_key} on {self.seen_on}"


class SightingIdentification(models.Model):
    """A worker's ruling that an unidentified sighting ("Steve", "Mum's boyfriend") is a known person.

    Kept, not derived: every later linkage run, batch or online, links the mention to that person.
    """

    mention = models.OneToOneField("ingest.Mention", on_delete=models.PROTECT, primary_key=True, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"mention {self.mention_id} is {self.person_id}"
