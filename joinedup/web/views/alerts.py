"""Alerts: the worker's and the team's inboxes, and one alert with its evidence, the chronology around it,
its history, and the decision (acknowledge, act, dismiss with a reason)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from joinedup.accounts.services import actor_for
from joinedup.alerts import selectors, services
from joinedup.alerts.models import AlertStatus
from joinedup.audit.actions import AuditAction
from joinedup.audit.decorators import reads_personal_data
from joinedup.audit.services import audit_event_record, audit_read_many


class ActForm(forms.Form):
    action = forms.CharField(max_length=4000, strip=True, error_messages={
        "required": "Enter what was done"})
    link = forms.CharField(max_length=500, required=False, strip=True, error_messages={
        "max_length": "The link or reference must be 500 characters or fewer"})


class DismissForm(forms.Form):
    reason = forms.CharField(max_length=4000, strip=True, error_messages={
        "required": "Enter why no action is needed"})


def _inbox(request, *, team: bool):
    if not selectors.may_view_alerts(request.user) or (team and not request.user.team_id):
        raise Http404
    closed = request.GET.get("show") == "closed"
    qs = (selectors.team_inbox_for if team else selectors.inbox_for)(viewer=request.user, closed=closed)
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    audit_read_many(actor=actor_for(request.user), action=AuditAction.ALERT_LIST, object_type="alert",
                    object_ids=[a.pk for a in page], reason=("team " if team else "own ") + ("closed" if closed else "open"))
    return render(request, "web/alerts/inbox.html", {
        "page": page, "team": team, "closed": closed, "query": "show=closed&" if closed else "",
        "team_name": request.user.team.name if request.user.team_id else "",
    })


@require_GET
@login_required
@reads_personal_data
def inbox(request):
    """Alerts routed to the viewer, escalated to them, or copied to them as manager."""
    return _inbox(request, team=False)


@require_GET
@login_required
@reads_personal_data
def team_inbox(request):
    """Alerts the viewer's team holds (and, for its manager, those of the team's workers)."""
    return _inbox(request, team=True)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
@reads_personal_data
def alert_detail(request, alert_id):
    """One alert: why (the rule's sentence), the exact records, the chronology around them, and what was done."""
    alert = selectors.alert_for_viewer(viewer=request.user, alert_id=alert_id)
    if alert is None:
        raise Http404
    act_form = ActForm(request.POST if request.POST.get("do") == "act" else None, prefix="act")
    dismiss_form = DismissForm(request.POST if request.POST.get("do") == "dismiss" else None, prefix="dismiss")
    if request.method == "POST":
        do = request.POST.get("do")
        try:
            if do == "acknowledge":
                services.alert_acknowledge(user=request.user, alert=alert)
                messages.success(request, "Alert acknowledged. It stays in your alerts until you act on it or dismiss it.")
                return redirect("web:alert", alert_id=alert.pk)
            if do == "act" and act_form.is_valid():
                services.alert_act(user=request.user, alert=alert, action=act_form.cleaned_data["action"],
                                   link=act_form.cleaned_data["link"])
                messages.success(request, "What you did is recorded on the alert and in the child's chronology.")
                return redirect("web:alert", alert_id=alert.pk)
            if do == "dismiss" and dismiss_form.is_valid():
                services.alert_dismiss(user=request.user, alert=alert, reason=dismiss_form.cleaned_data["reason"])
                messages.success(request, "Alert dismissed. Your reason is recorded on the alert and in the child's "
                                          "chronology.")
                return redirect("web:alert", alert_id=alert.pk)
            if do not in ("acknowledge", "act", "dismiss"):
                raise Http404
        except PermissionError as exc:
            raise Http404 from exc
        except ValueError as exc:
            (act_form if do == "act" else dismiss_form).add_error(None, str(exc).split(": ", 1)[-1])
    picture = selectors.alert_picture(alert=alert)
    audit_event_record(actor=actor_for(request.user), action=AuditAction.ALERT_VIEW, object_type="alert",
                       object_id=alert.pk, subject_person_id=alert.person_id, detail={"rule": alert.rule_id})
    return render(request, "web/alerts/detail.html", {
        "alert": alert,
        "picture": picture,
        "steps": list(alert.steps.order_by("at", "id")),
        "act_form": act_form,
        "dismiss_form": dismiss_form,
        "is_new": alert.status == AlertStatus.NEW,
        "escalate_hours": f"{services.escalate_after().total_seconds() / 3600:g}",
        "errors": [*act_form.non_field_errors(), *dismiss_form.non_field_errors()],
    })
