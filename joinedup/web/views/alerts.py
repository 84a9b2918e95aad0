"""Alerts: the worker's and the team's inboxes, and one alert with its evidence, the chronology around it,
its history, and the decision (acknowledge, act, dismiss with a reason). An escalate alert closes only with a manager's
agreement: others propose (the same two forms), and a team manager of the holding team or a head of service agrees
or disagrees, from the alert page; the proposals wait for them in the team's inbox (a head of service's own)."""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from joinedup.accounts.models import Role
from joinedup.accounts.services import actor_for
from joinedup.alerts import selectors, services
from joinedup.alerts.models import AlertStatus
from joinedup.audit.actions import AuditAction
from joinedup.audit.decorators import reads_personal_data
from joinedup.audit.services import audit_event_record, audit_read_many
from joinedup.web.forms_base import Form


class ActForm(Form):
    action = forms.CharField(max_length=4000, strip=True, error_messages={
        "required": "Enter what was done"})
    link = forms.CharField(max_length=500, required=False, strip=True, error_messages={
        "max_length": "The link or reference must be 500 characters or fewer"})


class DismissForm(Form):
    reason = forms.CharField(max_length=4000, strip=True, error_messages={
        "required": "Enter why no action is needed"})


class ReassignForm(Form):
    """Give the alert to a colleague (`selectors.reassign_candidates`), with an optional note."""

    to = forms.ChoiceField(error_messages={"required": "Choose who to give the alert to",
                                           "invalid_choice": "Choose a colleague from the list"})
    reason = forms.CharField(max_length=2000, required=False, strip=True, error_messages={
        "max_length": "The note must be 2,000 characters or fewer"})

    def __init__(self, data=None, *, people=(), **kwargs):
        super().__init__(data, **kwargs)
        self.people = {str(u.pk): u for u in people}
        self.fields["to"].choices = [("", "Choose a colleague"), *(
            (pk, f"{u.get_full_name() or u.username} ({u.get_role_display()}{', ' + u.team.name if u.team else ''})")
            for pk, u in self.people.items())]


class AgreeForm(Form):
    note = forms.CharField(max_length=4000, required=False, strip=True)


class DisagreeForm(Form):
    reason = forms.CharField(max_length=4000, strip=True, error_messages={
        "required": "Enter why the alert stays open"})


class InboxFilterForm(Form):
    """An inbox's filters (GET): each offers what the inbox holds (`selectors.inbox_choices`)."""

    rule = forms.ChoiceField(label="Rule", required=False,
                             error_messages={"invalid_choice": "Choose a rule from the list"})
    kind = forms.ChoiceField(label="Kind", required=False,
                             error_messages={"invalid_choice": "Choose a kind from the list"})
    severity = forms.ChoiceField(label="Severity", required=False,
                                 choices=[("", "Any severity"), ("raised", "Higher: context factors"),
                                          ("standard", "Standard")],
                                 error_messages={"invalid_choice": "Choose a severity from the list"})
    child = forms.ChoiceField(label="Child", required=False,
                              error_messages={"invalid_choice": "Choose a child from the list"})

    def __init__(self, data, *, choices: selectors.InboxChoices):
        super().__init__(data)
        self.fields["rule"].choices = [("", "All rules"), *choices.rules]
        self.fields["kind"].choices = [("", "All kinds"), *choices.kinds]
        self.fields["child"].choices = [("", "All children"), *choices.children]

    def filters(self) -> selectors.InboxFilters:
        """The filters chosen (one the form refuses is left out; its error says why)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return selectors.InboxFilters(**{f: data.get(f) or "" for f in ("rule", "kind", "severity", "child")})


def _inbox(request, *, team: bool):
    if not selectors.may_view_alerts(request.user) or (team and not request.user.team_id):
        raise Http404
    closed = request.GET.get("show") == "closed"
    filter_form = InboxFilterForm({f: request.GET.get(f, "") for f in ("rule", "kind", "severity", "child")},
                                  choices=selectors.inbox_choices(viewer=request.user, team=team, closed=closed))
    filters = filter_form.filters()
    qs = (selectors.team_inbox_for if team else selectors.inbox_for)(viewer=request.user, closed=closed,
                                                                      filters=filters)
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    shown = selectors.alerts_shown(page, viewer=request.user)  # field groups the viewer may not see: restricted
    for a in page:
        a.shown = shown[a.pk]
        a.kind_tag = selectors.KIND_TAGS.get(a.rule_kind, "govuk-tag--grey")
    # Proposals waiting for the viewer's agreement: a team manager's in the team inbox, a head of service's in their
    # own; a team manager's own inbox says how many wait in the team's.
    awaiting = selectors.awaiting_agreement_for(viewer=request.user)
    role = request.user.role
    shown_awaiting = list(awaiting[:100]) if not closed and (
        (team and role == Role.TEAM_MANAGER) or (not team and role == Role.HEAD_OF_SERVICE)) else []
    awaiting_elsewhere = awaiting.count() if not team and role == Role.TEAM_MANAGER else 0
    audit_read_many(actor=actor_for(request.user), action=AuditAction.ALERT_LIST, object_type="alert",
                    object_ids=list(dict.fromkeys([*(a.pk for a in page), *(a.pk for a in shown_awaiting)])),
                    reason=("team " if team else "own ") + ("closed" if closed else "open"),
                    detail={"filters": {k: v for k, v in vars(filters).items() if v}} if filters.active else None)
    query = urlencode([("show", "closed")] * closed + [(k, v) for k, v in vars(filters).items() if v])
    return render(request, "web/alerts/inbox.html", {
        "page": page, "team": team, "closed": closed, "query": f"{query}&" if query else "",
        "team_name": request.user.team.name if request.user.team_id else "",
        "awaiting": shown_awaiting, "awaiting_elsewhere": awaiting_elsewhere,
        "filter_form": filter_form, "filters": filters,
        "show": "closed" if closed else "",
    })


def _landing(user) -> str:
    """The inbox the menu's Alerts entry opens for this user (`selectors.inbox_landing`)."""
    return "web:alerts-team" if selectors.inbox_landing(user) == "team" else "web:alerts"


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
    do = request.POST.get("do") if request.method == "POST" else None
    act_form = ActForm(request.POST if do == "act" else None, prefix="act")
    dismiss_form = DismissForm(request.POST if do == "dismiss" else None, prefix="dismiss")
    agree_form = AgreeForm(request.POST if do == "agree" else None, prefix="agree")
    disagree_form = DisagreeForm(request.POST if do == "disagree" else None, prefix="disagree")
    colleagues = selectors.reassign_candidates(viewer=request.user, alert=alert)
    reassign_form = ReassignForm(request.POST if do == "reassign" else None, people=colleagues, prefix="reassign")
    forms_by_do = {"act": act_form, "dismiss": dismiss_form, "agree": agree_form, "disagree": disagree_form,
                   "reassign": reassign_form}
    propose = services.needs_agreement(request.user, alert)  # an escalate alert: act and dismiss become proposals
    conflict = False
    if request.method == "POST":
        try:
            if propose and do in ("act", "dismiss") and forms_by_do[do].is_valid():
                data = forms_by_do[do].cleaned_data
                services.alert_propose_close(
                    user=request.user, alert=alert, outcome=AlertStatus.ACTED if do == "act" else AlertStatus.DISMISSED,
                    text=data["action"] if do == "act" else data["reason"], link=data.get("link", ""))
                messages.success(request, "Your proposal is recorded. The alert stays open until a manager agrees; "
                                          "it shows as awaiting a manager's agreement.")
                return redirect("web:alert", alert_id=alert.pk)
            if do == "agree" and agree_form.is_valid():
                services.alert_agree(user=request.user, alert=alert, note=agree_form.cleaned_data["note"])
                messages.success(request, "You agreed. The alert is closed as proposed; your agreement is recorded on "
                                          "the alert and in the child's chronology.")
                return redirect("web:alert", alert_id=alert.pk)
            if do == "disagree" and disagree_form.is_valid():
                services.alert_disagree(user=request.user, alert=alert, reason=disagree_form.cleaned_data["reason"])
                messages.success(request, "You disagreed. The alert stays open with your reason, recorded on the alert "
                                          "and in the child's chronology.")
                return redirect("web:alert", alert_id=alert.pk)
            if do == "reassign" and not colleagues:
                raise PermissionError("alert: not theirs to reassign")
            if do == "reassign" and reassign_form.is_valid():
                to = reassign_form.people[reassign_form.cleaned_data["to"]]
                services.alert_reassign(user=request.user, alert=alert, to=to,
                                        reason=reassign_form.cleaned_data["reason"])
                messages.success(request, f"The alert is now with {to.get_full_name() or to.username}. It is new in "
                                          "their alerts, and the change is in its history.")
                visible = selectors.alert_for_viewer(viewer=request.user, alert_id=alert.pk) is not None
                return redirect("web:alert", alert_id=alert.pk) if visible else redirect(_landing(request.user))
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
            if do not in ("acknowledge", *forms_by_do):
                raise Http404
        except PermissionError as exc:
            raise Http404 from exc
        except ValueError as exc:
            field, _, message = str(exc).partition(": ")
            form = forms_by_do.get(do, dismiss_form)
            form.add_error(field if form is reassign_form and field in form.fields else None, message or field)
            if isinstance(exc, services.AlertClosed):  # someone closed it first: 409, and the alert as it is now
                conflict = True
                alert = selectors.alert_for_viewer(viewer=request.user, alert_id=alert.pk) or alert
    picture = selectors.alert_picture(alert=alert, viewer=request.user)
    shown = selectors.alerts_shown([alert], viewer=request.user)[alert.pk]
    steps = list(alert.steps.order_by("at", "id"))
    for step in steps:
        step.shown_text = shown.step_text(step)
    audit_event_record(actor=actor_for(request.user), action=AuditAction.ALERT_VIEW, object_type="alert",
                       object_id=alert.pk, subject_person_id=alert.person_id, detail={"rule": alert.rule_id})
    return render(request, "web/alerts/detail.html", {
        "alert": alert,
        "picture": picture,
        "steps": steps,
        "shown": shown,
        "act_form": act_form,
        "dismiss_form": dismiss_form,
        "agree_form": agree_form,
        "disagree_form": disagree_form,
        "is_new": alert.status == AlertStatus.NEW,
        "propose": propose,
        "may_agree": services.may_agree(request.user, alert) and alert.proposed_by_id != request.user.pk,
        "escalate_hours": f"{services.escalate_after().total_seconds() / 3600:g}",
        "reassign_form": reassign_form,
        "back": _landing(request.user),
        "errors": [e for f in forms_by_do.values() for e in f.non_field_errors()],
        "has_errors": any(f.errors for f in forms_by_do.values()),
    }, status=409 if conflict else 200)
