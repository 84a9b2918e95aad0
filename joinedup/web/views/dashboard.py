"""Caseloads and demand (issue 13): a worker's own caseload, workers' caseloads against their limits, and the
managers' dashboard — each figure drawn, tabled, described in words and downloadable as CSV.

Who sees what: a worker their own caseload; a team manager their team's dashboard and caseloads; a head of
service the whole service's, or one team's. Anyone else is answered 404. Every page and every CSV is audited
(`DASHBOARD_VIEW`, `DASHBOARD_EXPORT`, `CASELOAD_VIEW`) with the children and workers it names.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

from joinedup.accounts.services import actor_for
from joinedup.audit.actions import AuditAction
from joinedup.audit.decorators import reads_personal_data
from joinedup.audit.services import audit_event_record
from joinedup.practice.selectors.caseloads import caseloads_for, my_caseload
from joinedup.practice.selectors.dashboard import dashboard_for, teams_of
from joinedup.returns.selectors import children_on_plan_for
from joinedup.web import dashboard_figures

PLACEHOLDER = uuid.UUID(int=0)
FOLDED = {"demand", "supervision-held"}  # weekly tables: the chart carries every number; the table is a click away


def _team_id(request):
    """The team filter (a head of service's); a value that is not a team id is not found."""
    value = request.GET.get("team", "")
    if not value:
        return None
    try:
        return uuid.UUID(value)
    except ValueError as exc:
        raise Http404 from exc


def _csv(request, figure, *, scope_name: str, named: list[str]) -> HttpResponse:
    audit_event_record(actor=actor_for(request.user), action=AuditAction.DASHBOARD_EXPORT, object_type="dashboard",
                       object_id=figure.key, reason=scope_name,
                       detail={"figure": figure.key, "rows": len(figure.rows), "object_ids": named})
    response = HttpResponse(figure.csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{figure.key}.csv"'
    return response


def _query(team_id) -> str:
    return f"team={team_id}&" if team_id else ""


@require_GET
@login_required
@reads_personal_data
def dashboard(request):
    """The team manager's or head of service's dashboard; `?format=csv&figure=<key>` downloads one figure."""
    team_id = _team_id(request)
    d = dashboard_for(viewer=request.user, team_id=team_id)
    if d is None:
        raise Http404
    case_url = reverse("web:case", args=[PLACEHOLDER])  # reversed once, not for each of hundreds of children
    figures = dashboard_figures.dashboard_figures(d, case_url=lambda pk: case_url.replace(str(PLACEHOLDER), str(pk)))
    children = [str(r.person_id) for r in d.not_seen]
    if request.GET.get("format") == "csv":
        figure = figures.get(request.GET.get("figure", ""))
        if figure is None:
            raise Http404
        return _csv(request, figure, scope_name=d.scope.name, named=children if figure.key == "not-seen" else [])
    on_plan, on_error = _on_plan(request, team_id)
    audit_event_record(actor=actor_for(request.user), action=AuditAction.DASHBOARD_VIEW, object_type="dashboard",
                       object_id=str(team_id or "service"), reason=d.scope.name,
                       detail={"team": str(team_id or ""), "object_ids": children,
                               **({"on_plan": {"on": on_plan.day.isoformat(), "children": on_plan.count}}
                                  if on_plan else {})})
    query = _query(team_id)
    shown = {key.replace("-", "_"): mark_safe(f.html(folded=key in FOLDED or key.startswith("on-time-"), query=query))  # noqa: S308 - escaped in Figure.html
             for key, f in figures.items()}
    return render(request, "web/practice/dashboard/dashboard.html", {
        "d": d, "figures": shown,
        "timeliness": [html for key, html in shown.items() if key.startswith("on_time_")], "teams": teams_of(viewer=request.user),
        "team_id": str(team_id or ""), "on_plan": on_plan, "on_error": on_error,
        "on_value": request.GET.get("on", ""),
    })


def _on_plan(request, team_id):
    """Children on a child protection plan at the end of `?on=` (day/month/year), counted from the statutory
    returns' query source as the children in need census counts them; computed only when asked (it reads each
    child's records)."""
    value = request.GET.get("on", "").strip()
    if not value:
        return None, ""
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            day = dt.datetime.strptime(value, fmt).date()
            break
        except ValueError:
            continue
    else:
        return None, "Enter the date as day/month/year, for example 31/3/2026"
    return children_on_plan_for(viewer=request.user, day=day, team_id=team_id), ""


@require_GET
@login_required
@reads_personal_data
def caseloads(request):
    """Each worker's weighted caseload against their limit; `?format=csv` downloads the table."""
    team_id = _team_id(request)
    found = caseloads_for(viewer=request.user, team_id=team_id)
    if found is None:
        raise Http404
    scope, loads = found
    figure = dashboard_figures.caseloads(loads, scope.name)
    if request.GET.get("format") == "csv":
        return _csv(request, figure, scope_name=scope.name, named=[])
    audit_event_record(actor=actor_for(request.user), action=AuditAction.CASELOAD_VIEW, object_type="caseload",
                       object_id=str(team_id or "service"), reason=scope.name,
                       detail={"workers": [str(c.worker.pk) for c in loads]})
    return render(request, "web/practice/dashboard/caseloads.html", {
        "scope": scope, "figure": mark_safe(figure.html(level=2, query=_query(team_id))),  # noqa: S308 - escaped
        "teams": teams_of(viewer=request.user), "team_id": str(team_id or ""),
        "over": sum(1 for c in loads if c.over_limit),
    })


@require_GET
@login_required
@reads_personal_data
def my_cases(request):
    """A worker's allocated children: stage, next deadline, last seen; and their caseload against the limit."""
    mine = my_caseload(viewer=request.user)
    if mine is None:
        raise Http404
    audit_event_record(actor=actor_for(request.user), action=AuditAction.CASELOAD_VIEW, object_type="person",
                       object_id="", reason="own caseload",
                       detail={"object_ids": [str(c.person_id) for c in mine.children]})
    return render(request, "web/practice/dashboard/my_cases.html", {"mine": mine, "load": mine.caseload})
