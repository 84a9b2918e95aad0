"""Home, your account, colleagues and the audit trail."""

import csv
import datetime as dt
import io
import json

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from joinedup.access.policy import may_view_audit_trail, may_view_staff_directory
from joinedup.access.selectors import audit_events_for_viewer
from joinedup.accounts.selectors import users_visible_to
from joinedup.accounts.services import actor_for
from joinedup.audit.actions import AuditAction
from joinedup.audit.decorators import reads_personal_data
from joinedup.audit.services import audit_event_record, audit_read_many
from joinedup.core.time import utc_now
from joinedup.practice.selectors.supervision import actions_overdue_for
from joinedup.web.forms import AuditFilterForm
from joinedup.web.navigation import ROLE_PURPOSE, home_cards_for


@require_GET
@login_required
def home(request):
    """A home page per role: what this person comes to joinedup to do, and the supervision actions past their due
    day that are theirs (or, for a manager, their team's): work to do, not alerts (ADR 0016). Counts only: no
    personal data is read here."""
    user = request.user
    return render(request, "web/home.html", {
        "purpose": ROLE_PURPOSE.get(user.role, ""),
        "cards": home_cards_for(user),
        "actions_overdue": actions_overdue_for(viewer=user),
    })


@require_GET
@login_required
@reads_personal_data
def account(request):
    """The signed-in user's own details."""
    audit_event_record(actor=actor_for(request.user), action=AuditAction.USER_VIEW,
                       object_type="user", object_id=request.user.pk)
    return render(request, "web/account.html", {"account": request.user})


@require_GET
@login_required
@reads_personal_data
def colleagues(request):
    """The staff directory of the user's own agency."""
    if not may_view_staff_directory(request.user):
        raise Http404
    page = Paginator(users_visible_to(viewer=request.user).order_by("last_name", "first_name", "id"), 50).get_page(
        request.GET.get("page")
    )
    audit_read_many(actor=actor_for(request.user), action=AuditAction.USER_LIST, object_type="user",
                    object_ids=[u.pk for u in page])
    return render(request, "web/colleagues.html", {"page": page})


AUDIT_PAGE_SIZE = 50
AUDIT_CSV_COLUMNS = (
    "id", "occurred_at_utc", "actor_username", "actor_id", "agency_name", "agency_id", "role", "action",
    "action_label", "object_type", "object_id", "subject_person_id", "person_ids", "reason", "request_id", "detail",
    "chain_position", "prev_hash", "row_hash",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _audit_filters(data: dict) -> tuple[dict, dict]:
    """The selector's arguments from the form's cleaned data, and the filters as the audit row records them."""
    kwargs = {"action": data.get("action") or "", "actor_username": data.get("actor") or "",
              "person_id": data.get("person"), "date_from": data.get("date_from"), "date_to": data.get("date_to")}
    used = {name: str(value) for name, value in data.items() if value}
    return kwargs, used


def _csv_cell(value) -> str:
    """A spreadsheet must not run a cell as a formula (CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _audit_csv_rows(events, labels: dict):
    """The export, a chunk of rows at a time: UTF-8 with a byte-order mark, a header, one row per event."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")

    def drain() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(AUDIT_CSV_COLUMNS)
    yield "\ufeff" + drain()
    for n, event in enumerate(events.prefetch_related("people").iterator(chunk_size=1000), start=1):
        writer.writerow(_csv_cell(value) for value in (
            event.id, event.occurred_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"), event.actor_username,
            event.actor_id, event.agency_name, event.agency_id, event.role, event.action,
            labels.get(event.action, ""), event.object_type, event.object_id, event.subject_person_id,
            " ".join(sorted(str(p.person_id) for p in event.people.all())), event.reason, event.request_id,
            json.dumps(event.detail, sort_keys=True, ensure_ascii=False), event.chain_position, event.prev_hash,
            event.row_hash))
        if n % 500 == 0:
            yield drain()
    rest = drain()
    if rest:
        yield rest


def _audit_export(request, kwargs: dict, used: dict, person_ids: list) -> StreamingHttpResponse:
    """The filtered trail as CSV, audited (`AUDIT_EXPORT`) with its filters, row count and the newest row it holds
    (the trail is append-only, so the same filters up to that row give the same rows again)."""
    events = audit_events_for_viewer(viewer=request.user, **kwargs)
    up_to = events.values_list("id", flat=True).first()
    count = events.count() if up_to is not None else 0
    audit_event_record(actor=actor_for(request.user), action=AuditAction.AUDIT_EXPORT, object_type="audit_event",
                       detail={"filters": used, "rows": count, "up_to_id": up_to}, person_ids=person_ids)
    rows = audit_events_for_viewer(viewer=request.user, **kwargs, up_to_id=up_to or 0)
    response = StreamingHttpResponse(_audit_csv_rows(rows, dict(AuditAction.choices)),
                                     content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audit-trail-{utc_now():%Y%m%d-%H%M%S}.csv"'
    return response


@require_GET
@login_required
@reads_personal_data
def audit_trail(request):
    """The audit trail for data protection officers; anyone else gets 404 (not 403).

    Filters (GET, none of them personal data beyond a person's opaque id): person, username, UTC days from and to,
    action. `?format=csv` downloads every row the filters select. The viewing is audited (`AUDIT_LIST`, naming the
    rows shown) and so is the download (`AUDIT_EXPORT`); both name the person filtered by, if any.
    """
    if not may_view_audit_trail(request.user):
        raise Http404
    form = AuditFilterForm(request.GET or None)
    query = request.GET.copy()
    for name in ("page", "format"):
        query.pop(name, None)
    context = {"form": form, "page": None, "query": query.urlencode() + "&" if query else "",
               "labels": dict(AuditAction.choices)}
    if form.is_bound and not form.is_valid():  # say what is wrong; show no rows for filters that were not applied
        audit_read_many(actor=actor_for(request.user), action=AuditAction.AUDIT_LIST, object_type="audit_event",
                        object_ids=[], detail={"filters": "invalid"})
        return render(request, "web/audit_trail.html", context)
    kwargs, used = _audit_filters(form.cleaned_data if form.is_bound else {})
    person_ids = [kwargs["person_id"]] if kwargs["person_id"] else []
    if request.GET.get("format") == "csv":
        return _audit_export(request, kwargs, used, person_ids)
    events = audit_events_for_viewer(viewer=request.user, **kwargs).prefetch_related("people")
    page = Paginator(events, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    for event in page:
        event.action_label = context["labels"].get(event.action, "")
    audit_read_many(actor=actor_for(request.user), action=AuditAction.AUDIT_LIST, object_type="audit_event",
                    object_ids=[e.pk for e in page], person_ids=person_ids, detail={"filters": used})
    return render(request, "web/audit_trail.html", {**context, "page": page, "filtered": bool(used)})
