"""Creating agencies and teams."""

from __future__ import annotations

from django.db import transaction

from joinedup.accounts.models import Agency, AgencyKind, Team
from joinedup.audit.actions import AuditAction
from joinedup.audit.services import audit_event_record
from joinedup.core.actor import ActorRef


@transaction.atomic
def agency_create(*, actor: ActorRef, code: str, name: str, kind: str) -> Agency:
    """Register an agency; `kind` must be one of AgencyKind."""
    if kind not in AgencyKind.values:
        raise ValueError(f"kind: {kind!r} is not an agency kind; expected one of {', '.join(AgencyKind.values)}")
    agency = Agency.objects.create(code=code, name=name, kind=kind, created_by_id=actor.id, modified_by_id=actor.id)
    audit_event_record(
        actor=actor, action=AuditAction.AGENCY_CREATE, object_type="agency", object_id=agency.pk,
        detail={"code": code, "kind": kind},
    )
    return agency


@transaction.atomic
def agency_get_or_create(*, actor: ActorRef, code: str, name: str, kind: str) -> tuple[Agency, bool]:
    """The agency with this code, creating it (audited) if it does not exist yet."""
    existing = Agency.objects.filter(code=code).first()
    if existing is not None:
        return existing, False
    return agency_create(actor=actor, code=code, name=name, kind=kind), True


@transaction.atomic
def team_create(*, actor: ActorRef, agency: Agency, code: str, name: str, is_front_door: bool = False,
                phone: str = "") -> Team:
    """Add a team to an agency; the front-door team receives work nobody is allocated to."""
    team = Team.objects.create(
        agency=agency, code=code, name=name, is_front_door=is_front_door, phone=phone,
        created_by_id=actor.id, modified_by_id=actor.id,
    )
    audit_event_record(
        actor=actor, action=AuditAction.TEAM_CREATE, object_type="team", object_id=team.pk,
        detail={"agency": agency.code, "code": code},
    )
    return team
