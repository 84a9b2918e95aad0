"""Local policy for practice, every value a setting (JOINEDUP_PRACTICE, JSON). Pure: `PracticeSettings`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from joinedup.access.policy import FIELD_GROUPS, WHISTLEBLOWER_IDENTITY

DEFAULTS: dict[str, Any] = {
    # A concern from anyone gets a named responder and a response within this many working days.
    "concern_response_working_days": 5,
    # Supervision: every worker this often, newly qualified workers more often (a worker's own setting wins).
    "supervision_every_days": 28,
    "newly_qualified_supervision_every_days": 14,
    # Caseloads: a worker's weighted caseload against a limit (a worker's own limit wins); the weight of each
    # allocated child by the stage of their open case.
    "caseload_limit": 18,
    "caseload_weights": {
        "Child protection plan": 1.5, "Looked after": 1.5, "Initial conference to hold": 1.5,
        "Section 47 enquiry": 1.5, "Child in need plan": 1.0, "Assessment": 1.0, "Strategy discussion to hold": 1.0,
        "Referral": 0.5, "Referral: no further action": 0.5,
    },
    "caseload_weight_other": 1.0,
    # Dashboards: a child on a plan or looked after not seen for this many days is listed.
    "not_seen_days": 28,
    # Who may see who raised a concern when their identity is withheld (roles): by default the access policy's
    # field group "whistleblower identity" (joinedup.access.policy.FIELD_GROUPS); a deployment may name others.
    "concern_raiser_roles": sorted(FIELD_GROUPS[WHISTLEBLOWER_IDENTITY].roles),
}


@dataclass(frozen=True)
class PracticeSettings:
    concern_response_working_days: int = DEFAULTS["concern_response_working_days"]
    supervision_every_days: int = DEFAULTS["supervision_every_days"]
    newly_qualified_supervision_every_days: int = DEFAULTS["newly_qualified_supervision_every_days"]
    caseload_limit: float = DEFAULTS["caseload_limit"]
    caseload_weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULTS["caseload_weights"]))
    caseload_weight_other: float = DEFAULTS["caseload_weight_other"]
    not_seen_days: int = DEFAULTS["not_seen_days"]
    concern_raiser_roles: tuple[str, ...] = tuple(DEFAULTS["concern_raiser_roles"])

    def __hash__(self) -> int:
        return hash(tuple(sorted((k, str(v)) for k, v in self.__dict__.items())))

    @classmethod
    def from_mapping(cls, values: dict[str, Any] | None) -> PracticeSettings:
        values = dict(values or {})
        unknown = set(values) - set(DEFAULTS)
        if unknown:
            raise ValueError(f"JOINEDUP_PRACTICE: unknown setting(s) {', '.join(sorted(unknown))}")
        weights = {**DEFAULTS["caseload_weights"], **values.pop("caseload_weights", {})}
        roles = tuple(values.pop("concern_raiser_roles", DEFAULTS["concern_raiser_roles"]))
        return cls(**{**DEFAULTS, **values, "caseload_weights": weights, "concern_raiser_roles": roles})

    def supervision_interval(self, user) -> int:
        """Days between supervision sessions for this worker."""
        if getattr(user, "supervision_every_days", None):
            return int(user.supervision_every_days)
        if getattr(user, "newly_qualified", False):
            return self.newly_qualified_supervision_every_days
        return self.supervision_every_days

    def caseload_limit_for(self, user) -> float:
        own = getattr(user, "caseload_limit", None)
        return float(own) if own is not None else float(self.caseload_limit)

    def weight(self, stage: str) -> float:
        return float(self.caseload_weights.get(stage, self.caseload_weight_other))


def practice_settings() -> PracticeSettings:
    from django.conf import settings

    return PracticeSettings.from_mapping(getattr(settings, "JOINEDUP_PRACTICE", None))
