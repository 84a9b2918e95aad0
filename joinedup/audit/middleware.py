"""Fail closed: a personal-data view that returns data without an audit row becomes an error."""

import uuid

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from joinedup.core import context
from joinedup.core.actor import ActorRef


def _is_personal(view_func) -> bool:
    if getattr(view_func, "reads_personal_data", False):
        return True
    view_class = getattr(view_func, "cls", None) or getattr(view_func, "view_class", None)
    return bool(getattr(view_class, "reads_personal_data", False))


class PersonalDataMiddleware:
    """Checks that every successful response of a personal-data view wrote at least one audit row.

    The audit rows are written by the view inside the request's transaction (ATOMIC_REQUESTS), so a
    failed audit insert rolls back and errors the request; this middleware catches the other failure,
    a view that forgot to audit, and refuses to send its data.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        shows_data = request.method in {"GET", "HEAD"} and 200 <= response.status_code < 300
        if getattr(request, "_reads_personal_data", False) and shows_data:
            ctx = context.current()
            if ctx is None or ctx.audit_count == 0:
                raise ImproperlyConfigured(
                    f"{request.resolver_match.view_name if request.resolver_match else 'view'} showed "
                    "personal data without writing an audit event"
                )
        if getattr(request, "_reads_personal_data", False):
            response["Cache-Control"] = "no-store"
        if response.status_code == 404 and request.resolver_match is not None:
            # A refusal (no relationship, or no such record: the answer is the same). The view's transaction is over
            # (rolled back, for the API), so the refusal row commits on its own. It names what was asked for.
            audit_refusal(request)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        request._reads_personal_data = _is_personal(view_func)
        return None


def audit_refusal(request) -> None:
    """One `access.refused` row for the request: who asked, for which view and ids."""
    from joinedup.audit.actions import AuditAction
    from joinedup.audit.services import audit_event_record

    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return
    match = request.resolver_match
    kwargs = {k: str(v) for k, v in (match.kwargs.items() if match else ())}
    person_id = kwargs.get("person_id")
    try:
        person_uuid = uuid.UUID(person_id) if person_id else None
    except ValueError:
        person_uuid = None
    with transaction.atomic():
        agency = getattr(user, "agency", None)
        actor = ActorRef(id=user.pk, username=user.get_username(), agency_id=getattr(agency, "pk", None),
                         agency_name=getattr(agency, "name", ""), role=getattr(user, "role", ""))
        audit_event_record(actor=actor, action=AuditAction.ACCESS_REFUSED,
                           object_type=match.view_name if match else "", object_id=next(iter(kwargs.values()), ""),
                           subject_person_id=person_uuid, detail={"method": request.method, "ids": kwargs})
