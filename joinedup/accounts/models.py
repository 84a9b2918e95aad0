"""Agencies, their teams, the users who work in them, and users' API tokens."""

from __future__ import annotations

import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models

from joinedup.core.models import BaseModel


class AgencyKind(models.TextChoices):
    """The kinds of organisation around a child (see docs/glossary.md)."""

    CHILDRENS_SOCIAL_CARE = "childrens_social_care", "Children's social care"
    POLICE = "police", "Police"
    ACUTE_HOSPITAL = "acute_hospital", "Acute hospital"
    COMMUNITY_HEALTH = "community_health", "Community health (health visiting, midwifery)"
    GP_PRACTICE = "gp_practice", "GP practice"
    AMBULANCE = "ambulance", "Ambulance service"
    HOUSING_AUTHORITY = "housing_authority", "Housing authority (housing options)"
    HOUSING_ASSOCIATION = "housing_association", "Housing association"
    SCHOOL = "school", "School or nursery"
    LA_LEGAL = "la_legal", "Local authority legal"
    FAMILY_SUPPORT = "family_support", "Family support / voluntary service"
    PROBATION = "probation", "Probation"


class Role(models.TextChoices):
    """What a user does, which decides their home page and (with relationships) what they may see."""

    SOCIAL_WORKER = "social_worker", "Social worker"
    TEAM_MANAGER = "team_manager", "Team manager"
    FRONT_DOOR = "front_door", "Front door (MASH) worker"
    PARTNER_PRACTITIONER = "partner_practitioner", "Partner practitioner"
    PARTNERSHIP_MEMBER = "partnership_member", "Safeguarding partnership member"
    DATA_PROTECTION_OFFICER = "data_protection_officer", "Data protection officer / Caldicott guardian"
    HEAD_OF_SERVICE = "head_of_service", "Head of service"
    CASE_REVIEWER = "case_reviewer", "Case reviewer"
    SYSTEM_ADMINISTRATOR = "system_administrator", "System administrator"
    PERFORMANCE = "performance", "Performance and information officer"


class Agency(BaseModel):
    """An organisation that holds records about children and families and sends them to joinedup."""

    code = models.SlugField(max_length=64, unique=True, help_text="Stable short identifier, e.g. 'northbrook-police'.")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=32, choices=AgencyKind.choices)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "agencies"

    def __str__(self) -> str:
        return self.name


class Team(BaseModel):
    """A team within an agency; `is_front_door` marks the team that receives unallocated work (MASH)."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="teams")
    code = models.SlugField(max_length=64)
    name = models.CharField(max_length=200)
    is_front_door = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    phone = models.CharField(max_length=32, blank=True, help_text="The number partners call (the front door's duty line).")

    class Meta:
        ordering = ["agency__name", "name"]
        constraints = [models.UniqueConstraint(fields=["agency", "code"], name="team_code_unique_in_agency")]

    def __str__(self) -> str:
        return f"{self.name} ({self.agency})"


class User(AbstractUser):
    """A person who signs in: a member of one agency, perhaps of a team, acting in one role."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    agency = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="users")
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.PROTECT, related_name="members")
    role = models.CharField(max_length=32, choices=Role.choices, blank=True)
    job_title = models.CharField(max_length=200, blank=True)
    phone = models.CharField(max_length=32, blank=True)
    newly_qualified = models.BooleanField(
        default=False, help_text="In the assessed and supported year in employment: supervised more often.")
    supervision_every_days = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="How often this worker is supervised; empty: the deployment's default.")
    caseload_limit = models.DecimalField(
        max_digits=5, decimal_places=1, null=True, blank=True,
        help_text="Weighted caseload this worker may hold; empty: the deployment's default.")
    is_system_account = models.BooleanField(
        default=False, help_text="An agency's system calling the API, not a person: it has no password and never "
                                 "signs in to the screens; only such accounts hold tokens issued from the screens.")

    class Meta:
        ordering = ["last_name", "first_name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(is_superuser=True) | (models.Q(agency__isnull=False) & ~models.Q(role="")),
                name="user_has_agency_and_role",
            )
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class ApiToken(BaseModel):
    """A credential for an agency's system calling the API; only a hash of the secret is stored."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="api_tokens")
    name = models.CharField(max_length=200, help_text="What uses it, e.g. 'A&E system feed'.")
    prefix = models.CharField(max_length=12, unique=True, help_text="The token's first characters, to tell tokens apart.")
    digest = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class ExternalIdentity(BaseModel):
    """A user's account at their organisation's identity provider (OpenID Connect): the provider's issuer and
    its stable subject for them. Organisation sign-in finds the joinedup user by it; users are never created
    from a provider's say-so (agency and role come from joinedup)."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="external_identities")
    issuer = models.CharField(max_length=300)
    subject = models.CharField(max_length=255)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["issuer", "subject"]
        constraints = [
            models.UniqueConstraint(fields=["issuer", "subject"], name="external_identity_unique_subject"),
            models.UniqueConstraint(fields=["issuer", "user"], name="external_identity_one_per_user_and_issuer"),
        ]

    def __str__(self) -> str:
        return f"{self.subject} at {self.issuer}"
