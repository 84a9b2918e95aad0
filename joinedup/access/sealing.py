"""Sealed records (security promise 3; ADR 0011): sealing a person, asking for and approving an
unsealing, the data protection officer's review, and the predicate every read of people uses.

A sealed person is restricted for everyone: `sealed_for(viewer, person_ids)` names those of `person_ids` the viewer
may not see, and `sealed_person_ids(viewer)` is the same as a subquery for filtering lists. Search leaves sealed
people out (a placeholder would confirm that someone of that name is sealed) and every page about them answers 404.
Unsealing is for the one user who asked, for `unseal_hours()` (default 8), once a second, different person of a
higher role has approved (the order is `policy.UNSEAL_RANK`). Whoever needs it asks with the seal's reference, which
the head of service who sealed it gives them. People are named by UUID without a foreign key: the access app sits
below the people app. Every write has its audit row in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.db.models import F, QuerySet

from joinedup.access import policy
from joinedup.access.models import Seal, UnsealRequest, UnsealStatus
from joinedup.access.notify import tell_the_dpo_after_commit, who
from joinedup.accounts.models import Role
from joinedup.accounts.services import actor_for
from joinedup.audit.actions import AuditAction
from joinedup.audit.services import audit_event_record
from joinedup.core.time import utc_now

_REFERENCE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ23456789"  # no vowels: a reference never spells a word or a name
MIN_REASON = 10


class SealError(ValueError):
    """A seal, request or decision refused; `field` names the input at fault."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def unseal_hours() -> int:
    """How long an approved unsealing lasts (setting JOINEDUP_ACCESS["unseal_hours"], default 8)."""
    return int(getattr(settings, "JOINEDUP_ACCESS", {}).get("unseal_hours", policy.UNSEAL_HOURS_DEFAULT))


def _uuid(value) -> uuid.UUID | None:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        return None


def _unsealed_for(viewer, now: dt.datetime) -> QuerySet:
    """The people whose seal the viewer holds an approved, unexpired unsealing of (a subquery of person ids)."""
    if not policy._active(viewer):
        return UnsealRequest.objects.none().values("seal__person_id")
    return UnsealRequest.objects.filter(requested_by_id=viewer.pk, status=UnsealStatus.APPROVED,
                                        expires_at__gt=now).values("seal__person_id")


def sealed_for(viewer, person_ids: Iterable, *, now: dt.datetime | None = None) -> set[uuid.UUID]:
    """Those of `person_ids` that are sealed for this viewer (everyone, unless they hold a current unsealing)."""
    ids = {u for u in (_uuid(p) for p in person_ids) if u is not None}
    if not ids:
        return set()
    sealed = set(Seal.objects.filter(person_id__in=ids).values_list("person_id", flat=True))
    if not sealed:
        return set()
    unsealed = set(_unsealed_for(viewer, now or utc_now()).filter(seal__person_id__in=sealed)
                   .values_list("seal__person_id", flat=True))
    return sealed - unsealed


def not_sealed(viewer, people) -> list:
    """The people (Person rows) of a list a page shows, without those sealed for this viewer (meetings, concerns)."""
    people = list(people)
    sealed = sealed_for(viewer, [p.pk for p in people])
    return [p for p in people if p.pk not in sealed]


def is_sealed_for(viewer, person_id) -> bool:
    return bool(sealed_for(viewer, [person_id]))


def sealed_person_ids(viewer, *, now: dt.datetime | None = None) -> QuerySet:
    """A subquery of the person ids sealed for this viewer, for `.exclude(pk__in=...)` on lists."""
    return Seal.objects.exclude(person_id__in=_unsealed_for(viewer, now or utc_now())).values("person_id")


def _new_reference() -> str:
    while True:
        ref = "SEAL-" + "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(6))
        if not Seal.objects.filter(reference=ref).exists():
            return ref


def _reason(text: str, field: str = "reason") -> str:
    text = (text or "").strip()
    if len(text) < MIN_REASON:
        raise SealError(field, f"say why in at least {MIN_REASON} characters")
    return text[:2000]


# --- writes ----------------------------------------------------------------------------------------------------


@transaction.atomic
def person_seal(*, user, person_id, reason: str, now: dt.datetime | None = None) -> Seal:
    """Seal a person (the caller has found them through the viewer's relationships)."""
    if not policy.may_seal(user):
        raise SealError("user", "only a head of service may seal a record")
    pid = _uuid(person_id)
    if pid is None:
        raise SealError("person", "is not a person's id")
    text = _reason(reason)
    if Seal.objects.select_for_update().filter(person_id=pid).exists():
        raise SealError("person", "is already sealed")
    seal = Seal.objects.create(person_id=pid, reference=_new_reference(), reason=text, sealed_at=now or utc_now(),
                               sealed_by=user)
    audit_event_record(actor=actor_for(user), action=AuditAction.PERSON_SEAL, object_type="seal", object_id=seal.pk,
                       subject_person_id=pid, reason=text[:500], detail={"reference": seal.reference})
    return seal


@transaction.atomic
def unseal_request(*, user, reference: str, reason: str, now: dt.datetime | None = None) -> UnsealRequest:
    """Ask to see a sealed person for a while; someone of a higher role must approve."""
    if not policy.may_request_unseal(user):
        raise SealError("user", "your role cannot ask for a record to be unsealed")
    ref = " ".join((reference or "").split()).upper()
    seal = Seal.objects.filter(reference=ref).first() if ref else None
    if seal is None:
        raise SealError("reference", "no sealed record has this reference (they look like SEAL-K7QD2M)")
    text = _reason(reason)
    now = now or utc_now()
    if UnsealRequest.objects.filter(seal=seal, requested_by=user, status=UnsealStatus.PENDING).exists():
        raise SealError("reference", "you have already asked for this record to be unsealed: wait for the decision")
    request = UnsealRequest.objects.create(seal=seal, requested_by=user, requested_at=now, reason=text)
    audit_event_record(actor=actor_for(user), action=AuditAction.UNSEAL_REQUEST, object_type="unseal_request",
                       object_id=request.pk, subject_person_id=seal.person_id, reason=text[:500],
                       detail={"reference": seal.reference})
    return request


@transaction.atomic
def unseal_decide(*, user, request_id, approve: bool, note: str = "", now: dt.datetime | None = None) -> UnsealRequest:
    """Approve (for `unseal_hours()`) or refuse (with a reason) someone else's request."""
    request = (UnsealRequest.objects.select_for_update().select_related("seal", "requested_by")
               .filter(pk=_uuid(request_id)).first())
    if request is None or not policy.may_approve_unseal(user, request.requested_by):
        raise SealError("request", "is not a request you may decide (a second person of a higher role decides)")
    if request.status != UnsealStatus.PENDING:
        raise SealError("request", f"was already decided ({request.get_status_display().lower()})")
    now = now or utc_now()
    note = (note or "").strip()[:2000]
    if not approve and len(note) < MIN_REASON:
        raise SealError("note", f"say why it is refused in at least {MIN_REASON} characters")
    request.status = UnsealStatus.APPROVED if approve else UnsealStatus.REFUSED
    request.decided_by, request.decided_at, request.decision_note = user, now, note
    request.expires_at = now + dt.timedelta(hours=unseal_hours()) if approve else None
    request.save(update_fields=["status", "decided_by", "decided_at", "decision_note", "expires_at"])
    audit_event_record(
        actor=actor_for(user), action=AuditAction.UNSEAL_APPROVE if approve else AuditAction.UNSEAL_REFUSE,
        object_type="unseal_request", object_id=request.pk, subject_person_id=request.seal.person_id,
        reason=note[:500], detail={"reference": request.seal.reference, "requested_by": request.requested_by.username,
                                   **({"expires_at": request.expires_at.isoformat()} if approve else {})})
    if approve:  # alerted to the data protection officer (who reviews it on their home page too)
        tell_the_dpo_after_commit(
            agency_id=request.requested_by.agency_id, subject="An unsealing to review", what=f"unsealing {request.pk}",
            body=(f"{who(user)} approved {who(request.requested_by)}'s request to see the sealed record "
                  f"{request.seal.reference} until {request.expires_at:%H:%M on %d %B %Y} (UTC).\n\n"
                  "Review it in joinedup (your home page: unsealings to review). This e-mail names nobody whose "
                  "record it is."))
    return request


@transaction.atomic
def unseal_review(*, user, request_id, now: dt.datetime | None = None) -> UnsealRequest:
    """The data protection officer records that they reviewed an approved unsealing."""
    if not policy.may_review_unsealing(user):
        raise SealError("user", "only the data protection officer reviews unsealings")
    request = (UnsealRequest.objects.select_for_update().select_related("seal")
               .filter(pk=_uuid(request_id), status=UnsealStatus.APPROVED).first())
    if request is None:
        raise SealError("request", "is not an approved unsealing")
    if request.reviewed_at is None:
        request.reviewed_by, request.reviewed_at = user, now or utc_now()
        request.save(update_fields=["reviewed_by", "reviewed_at"])
        audit_event_record(actor=actor_for(user), action=AuditAction.UNSEAL_REVIEW, object_type="unseal_request",
                           object_id=request.pk, subject_person_id=request.seal.person_id,
                           detail={"reference": request.seal.reference})
    return request


# --- reads -----------------------------------------------------------------------------------------------------


def seals_visible_to(*, viewer) -> QuerySet[Seal]:
    """The register of seals (reference, when, by whom, why — never who is sealed): heads of service and the DPO."""
    if not (policy.may_seal(viewer) or policy.may_review_unsealing(viewer)):
        return Seal.objects.none()
    return Seal.objects.select_related("sealed_by").order_by("-sealed_at")


def unseal_requests_for(*, viewer) -> dict[str, list[UnsealRequest]]:
    """What the sealing page lists for the viewer: their own requests, those waiting for their decision, and (the
    DPO) every approved unsealing, unreviewed first."""
    if not policy._active(viewer):
        return {"own": [], "to_decide": [], "to_review": []}
    base = UnsealRequest.objects.select_related("seal", "requested_by", "decided_by", "reviewed_by")
    own = list(base.filter(requested_by=viewer)[:50])
    pending = base.filter(status=UnsealStatus.PENDING).exclude(requested_by=viewer)
    if viewer.role != Role.DATA_PROTECTION_OFFICER:
        pending = pending.filter(requested_by__agency_id=viewer.agency_id)
    to_decide = [r for r in pending[:200] if policy.may_approve_unseal(viewer, r.requested_by)]
    to_review = []
    if policy.may_review_unsealing(viewer):
        to_review = list(base.filter(status=UnsealStatus.APPROVED).order_by(
            F("reviewed_at").asc(nulls_first=True), "-decided_at")[:100])
    return {"own": own, "to_decide": to_decide, "to_review": to_review}


def unsealings_to_review(*, viewer) -> int:
    """Approved unsealings the DPO has not reviewed yet (their home page counts them); 0 for anyone else."""
    if not policy.may_review_unsealing(viewer):
        return 0
    return UnsealRequest.objects.filter(status=UnsealStatus.APPROVED, reviewed_at__isnull=True).count()


def unseal_decisions_waiting(*, viewer) -> int:
    """Requests waiting for this viewer's decision (their home page counts them)."""
    return len(unseal_requests_for(viewer=viewer)["to_decide"]) if policy._active(viewer) else 0
