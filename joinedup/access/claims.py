"""Self-claimed relationships, break-glass and case-review commissions: recording them, the relationships they
give, and the data protection officer's review.

A claim has a reason from the policy's list and free text, lasts `claim_hours` (default 8), is shown on every page
while active, appears at once in the DPO's review queue (their home page counts it, and the overdue ones), is sent
to every data protection officer of the claimant's agency (or any, when their agency has none) by e-mail once it is
committed — who, which kind, the reason, when it expires, never the person's name or id — and is reviewed by the
DPO with an outcome. Every write has its audit row in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet

from joinedup.access import policy
from joinedup.access.models import AccessClaim, ClaimOutcome, ReviewCommission
from joinedup.access.notify import tell_the_dpo_after_commit, who
from joinedup.access.relationships import Provider, Relationship, register
from joinedup.accounts.models import Role, User
from joinedup.accounts.services import actor_for
from joinedup.audit.actions import AuditAction
from joinedup.audit.services import audit_event_record
from joinedup.core.time import utc_now


class ClaimError(ValueError):
    """A claim or review refused; `field` names the input at fault."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, "JOINEDUP_ACCESS", {}).get(name, default))


def claim_hours() -> int:
    return _setting("claim_hours", policy.CLAIM_HOURS_DEFAULT)


def claim_review_days() -> int:
    return _setting("claim_review_days", policy.CLAIM_REVIEW_DAYS_DEFAULT)


REASON_LABELS = dict(policy.CLAIM_REASONS)


def _tell_the_dpo(claim: AccessClaim, user: User) -> None:
    label = policy.Relation.LABELS[claim.kind]
    body = (f"{who(user)} recorded {label.lower()} at {claim.started_at:%H:%M on %d %B %Y} (UTC).\n"
            f"Reason: {REASON_LABELS[claim.reason_code]}.\n"
            f"It lasts until {claim.expires_at:%H:%M on %d %B %Y} and is due for your review within "
            f"{claim_review_days()} days.\n\n"
            f"Review it in joinedup: Access reviews (/access/claims/). This e-mail names nobody whose record was opened.")
    tell_the_dpo_after_commit(agency_id=user.agency_id, subject=f"{label} to review", body=body,
                              what=f"access claim {claim.pk}")


@transaction.atomic
def claim_start(*, user: User, person_id: uuid.UUID, kind: str, reason_code: str, reason_text: str,
                now: dt.datetime | None = None) -> AccessClaim:
    """Record a self-claim or break-glass for one person; the caller has found the person (search under claim)."""
    if not policy.may_claim_access(user) or policy.relationship_scope(user, kind) is None:
        raise ClaimError("kind", "your role cannot claim access this way")
    if kind not in policy.CLAIM_KINDS:
        raise ClaimError("kind", "choose a self-claimed relationship or break-glass")
    if reason_code not in REASON_LABELS:
        raise ClaimError("reason_code", "choose a reason from the list")
    text = (reason_text or "").strip()
    if len(text) < 10:
        raise ClaimError("reason_text", "say why in at least 10 characters")
    now = now or utc_now()
    claim = AccessClaim.objects.create(user=user, person_id=person_id, kind=kind, reason_code=reason_code,
                                       reason_text=text[:2000], started_at=now,
                                       expires_at=now + dt.timedelta(hours=claim_hours()))
    action = AuditAction.ACCESS_BREAK_GLASS if kind == policy.Relation.BREAK_GLASS else AuditAction.ACCESS_SELF_CLAIM
    audit_event_record(actor=actor_for(user), action=action, object_type="access_claim", object_id=claim.pk,
                       subject_person_id=person_id, reason=f"{REASON_LABELS[reason_code]}: {text[:500]}",
                       detail={"expires_at": claim.expires_at.isoformat()})
    _tell_the_dpo(claim, user)
    return claim


@transaction.atomic
def claim_end(*, user: User, claim_id) -> AccessClaim | None:
    """The user ends their own claim early (nothing for anyone else's)."""
    claim = AccessClaim.objects.select_for_update().filter(pk=claim_id, user=user).first()
    if claim is None:
        return None
    now = utc_now()
    if claim.ended_at is None and claim.expires_at > now:
        AccessClaim.objects.filter(pk=claim.pk).update(ended_at=now)
        claim.ended_at = now
        audit_event_record(actor=actor_for(user), action=AuditAction.ACCESS_CLAIM_END, object_type="access_claim",
                           object_id=claim.pk, subject_person_id=claim.person_id)
    return claim


@transaction.atomic
def claim_review(*, reviewer: User, claim_id, outcome: str, note: str) -> AccessClaim:
    """The DPO's finding on one claim; a claim is reviewed once (a second review is refused)."""
    if not policy.may_review_access_claims(reviewer):
        raise ClaimError("reviewer", "only the data protection officer reviews claims")
    claim = AccessClaim.objects.select_for_update().filter(pk=claim_id).first()
    if claim is None:
        raise ClaimError("claim", "no such claim")
    if claim.reviewed_at is not None:
        raise ClaimError("claim", "already reviewed")
    if claim.user_id == reviewer.pk:
        raise ClaimError("reviewer", "nobody reviews their own claim")
    if outcome not in ClaimOutcome.values:
        raise ClaimError("outcome", "choose an outcome")
    text = (note or "").strip()
    if outcome != ClaimOutcome.APPROPRIATE and len(text) < 10:
        raise ClaimError("note", "say what was found and what happens next, in at least 10 characters")
    now = utc_now()
    AccessClaim.objects.filter(pk=claim.pk).update(reviewed_at=now, reviewed_by=reviewer, outcome=outcome,
                                                   review_note=text[:2000])
    claim.refresh_from_db()
    audit_event_record(actor=actor_for(reviewer), action=AuditAction.ACCESS_CLAIM_REVIEW, object_type="access_claim",
                       object_id=claim.pk, subject_person_id=claim.person_id, reason=text[:500],
                       detail={"outcome": outcome, "claimant": claim.user.username})
    return claim


@transaction.atomic
def commission_create(*, user: User, reviewer: User, person_id: uuid.UUID, reference: str, starts_on: dt.date,
                      ends_on: dt.date) -> ReviewCommission:
    """Commission a case reviewer to review one child's case (pseudonymised views, for the dates given)."""
    if not policy.may_commission_reviews(user):
        raise ClaimError("user", "only heads of service and the safeguarding partnership commission reviews")
    if reviewer.role != Role.CASE_REVIEWER or not reviewer.is_active:
        raise ClaimError("reviewer", "choose an active case reviewer")
    if not (reference or "").strip():
        raise ClaimError("reference", "name the review")
    if ends_on < starts_on:
        raise ClaimError("ends_on", "must be on or after the start")
    commission = ReviewCommission.objects.create(reviewer=reviewer, person_id=person_id, reference=reference.strip(),
                                                 starts_on=starts_on, ends_on=ends_on, commissioned_by=user,
                                                 created_at=utc_now())
    audit_event_record(actor=actor_for(user), action=AuditAction.REVIEW_COMMISSION, object_type="review_commission",
                       object_id=commission.pk, subject_person_id=person_id,
                       detail={"reviewer": reviewer.username, "starts_on": starts_on.isoformat(),
                               "ends_on": ends_on.isoformat()})
    return commission


# --- reads ---------------------------------------------------------------------------------------------------------


def active_claims(*, user, now: dt.datetime | None = None) -> QuerySet[AccessClaim]:
    """The user's claims in force now (shown on every page)."""
    now = now or utc_now()
    if not policy._active(user):
        return AccessClaim.objects.none()
    return AccessClaim.objects.filter(user=user, ended_at__isnull=True, started_at__lte=now, expires_at__gt=now)


def claims_for_review(*, viewer, reviewed: bool = False) -> QuerySet[AccessClaim]:
    """The DPO's queue: unreviewed claims oldest first (or reviewed ones, newest first); nothing for anyone else."""
    if not policy.may_review_access_claims(viewer):
        return AccessClaim.objects.none()
    claims = AccessClaim.objects.select_related("user", "user__agency", "reviewed_by")
    if reviewed:
        return claims.filter(reviewed_at__isnull=False).order_by("-reviewed_at")
    return claims.filter(reviewed_at__isnull=True).order_by("started_at")


def review_due(claim: AccessClaim) -> dt.datetime:
    return claim.started_at + dt.timedelta(days=claim_review_days())


def claims_review_summary(*, viewer, now: dt.datetime | None = None) -> dict:
    """How many wait for review and how many are overdue (the DPO's home page)."""
    now = now or utc_now()
    waiting = claims_for_review(viewer=viewer)
    overdue = waiting.filter(started_at__lt=now - dt.timedelta(days=claim_review_days()))
    return {"waiting": waiting.count(), "overdue": overdue.count(),
            "break_glass": waiting.filter(kind=policy.Relation.BREAK_GLASS).count()}


def commissions_of(*, viewer, today: dt.date | None = None) -> QuerySet[ReviewCommission]:
    """A case reviewer's commissions in force."""
    today = today or utc_now().date()
    if not policy._active(viewer) or viewer.role != Role.CASE_REVIEWER:
        return ReviewCommission.objects.none()
    return ReviewCommission.objects.filter(reviewer=viewer, starts_on__lte=today, ends_on__gte=today)


# --- the relationships these give ----------------------------------------------------------------------------------


def _claims(viewer, person_id):
    return [Relationship(c.kind, f"{REASON_LABELS.get(c.reason_code, c.reason_code)} (until {c.expires_at:%H:%M})",
                         c.started_at, c.expires_at)
            for c in active_claims(user=viewer).filter(person_id=person_id)]


def _claims_q(viewer):
    ids = list(active_claims(user=viewer).values_list("person_id", flat=True))
    return Q(pk__in=ids) if ids else None


def _commission(viewer, person_id):
    return [Relationship(policy.Relation.REVIEW_COMMISSION, c.reference, c.starts_on, c.ends_on)
            for c in commissions_of(viewer=viewer).filter(person_id=person_id)]


def _commission_q(viewer):
    ids = list(commissions_of(viewer=viewer).values_list("person_id", flat=True))
    return Q(pk__in=ids) if ids else None


def register_providers() -> None:
    register(Provider("access.claims", policy.CLAIM_KINDS, _claims, _claims_q))
    register(Provider("access.commission", (policy.Relation.REVIEW_COMMISSION,), _commission, _commission_q))
