"""A worker's own practice settings (issue 13), set by their team manager or the head of service: newly
qualified (supervised more often), their own supervision interval, their own caseload limit."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from joinedup.accounts.services import actor_for
from joinedup.audit.actions import AuditAction
from joinedup.audit.services import audit_event_record
from joinedup.casework.services import StepInvalid
from joinedup.practice.selectors.workers import usual_settings, worker_for_settings
from joinedup.practice.services.workers import worker_practice_set

FIELD_IDS = {"newly_qualified": "newly_qualified", "supervision_every_days": "supervision_every_days",
             "caseload_limit": "caseload_limit"}


def _value(v) -> str:
    return "" if v is None else f"{v:g}" if not isinstance(v, int | bool) else str(v)


@require_http_methods(["GET", "POST"])
@login_required
def worker_settings(request, user_id):
    worker = worker_for_settings(viewer=request.user, worker_id=user_id)
    if worker is None:
        raise Http404
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = {k: request.POST.get(k, "") for k in (*FIELD_IDS, "why")}
        try:
            worker_practice_set(user=request.user, worker=worker, newly_qualified=values["newly_qualified"],
                                supervision_every_days=values["supervision_every_days"],
                                caseload_limit=values["caseload_limit"], why=values["why"])
        except StepInvalid as exc:
            errors = exc.errors
        else:
            messages.success(request, f"{worker.get_full_name()}'s supervision and caseload settings are saved.")
            return redirect("web:supervision")
    else:
        values = {"newly_qualified": "yes" if worker.newly_qualified else "no",
                  "supervision_every_days": _value(worker.supervision_every_days),
                  "caseload_limit": _value(worker.caseload_limit), "why": ""}
        audit_event_record(actor=actor_for(request.user), action=AuditAction.USER_VIEW, object_type="user",
                           object_id=worker.pk, detail={"view": "practice settings"})
    usual = usual_settings()
    return render(request, "web/practice/supervision/worker.html", {
        "worker": worker, "values": values, "errors": errors, "usual": usual,
        "supervision_hint": f"Leave blank for the usual: every {usual['supervision_every_days']} days, or every "
                            f"{usual['newly_qualified_supervision_every_days']} for a newly qualified worker",
        "limit_hint": f"Each child counts by the stage of their case. Leave blank for the usual: {usual['caseload_limit']:g}",
        "error_links": [(f"#{FIELD_IDS[k]}", v) for k, v in errors.items()],
    })
