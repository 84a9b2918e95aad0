"""Statutory returns (issue 17): the performance team's page to produce and download the CIN census, the SSDA903
and Ofsted's Annex A; the data-quality page (the performance team: every child; a team manager: their team's).

**A run happens in the request that asks for it.** The form posts; the view writes the run's status row (committed
at once: this view runs outside the request's transaction), produces the return with progress written to that row,
and answers with the run's page. While the post is pending the page's script (`returns-progress.mjs`) polls
`/returns/runs/<id>/status/` — the run's id is chosen in the browser and sent with the form — and shows the
progress; without scripts the page simply waits and then shows the result. The web server's worker timeout
bounds a run (gunicorn's 30 seconds by default: `GUNICORN_CMD_ARGS="--timeout 600"` for a large authority, or
`joinedup returns …` from the command line).

Anyone else is answered 404. Downloads are audited (`returns.download`) naming every child in the file; the
data-quality page (`returns.data_quality_view`) every child it lists.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from joinedup.accounts.services import actor_for
from joinedup.audit.actions import AuditAction
from joinedup.audit.decorators import reads_personal_data
from joinedup.audit.services import audit_event_record
from joinedup.returns import runs as return_runs
from joinedup.returns import tasks as return_tasks
from joinedup.returns.selectors import data_quality_for, run_for, run_state, runs_for
from joinedup.web.forms_returns import ReturnRunForm


@transaction.non_atomic_requests
@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def returns_page(request):
    """Produce a return (the post runs it), and the runs so far with their downloads."""
    runs = runs_for(viewer=request.user)
    if runs is None:
        raise Http404
    form = ReturnRunForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            run = return_runs.run_start(user=request.user, kind=data["kind"], year=data.get("year") or None,
                                        on=data.get("on"), run_id=str(data.get("run_id") or ""))
        except return_runs.RunRefused as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.problem)
        else:
            return_tasks.produce.enqueue(str(run.pk), str(request.user.pk))  # the worker makes it; the page polls
            return redirect("web:return-run", run.pk)
    return render(request, "web/returns/index.html", {
        "form": form, "runs": [(r, run_state(r)) for r in runs], "kinds": form.fields["kind"].choices,
        "years": form.fields["year"].choices,
    })


@require_GET
@login_required
def run_detail(request, run_id):
    """One run: its state, what the validators found (counts), and the download."""
    run = run_for(viewer=request.user, run_id=run_id)
    if run is None:
        raise Http404
    summary = run.summary or {}
    rows = summary.get("rows") or {}
    return render(request, "web/returns/run.html", {"run": run, "state": run_state(run), "summary": summary,
                                                    "rows": sorted(rows.items(), key=lambda kv: _list_order(kv[0]))})


def _list_order(name: str):
    number = name.removeprefix("List ")
    return (0, int(number)) if number.isdigit() else (1, name)


@require_GET
@login_required
def run_status(request, run_id):
    """What the page polls while a run is made: its status, progress line and percentage (no personal data)."""
    run = run_for(viewer=request.user, run_id=run_id)
    if run is None:
        raise Http404
    response = JsonResponse(run_state(run))
    response["Cache-Control"] = "no-store"
    return response


@require_GET
@login_required
@reads_personal_data
def run_download(request, run_id):
    run = run_for(viewer=request.user, run_id=run_id)
    if run is None or run.status != "done" or not run.files:
        raise Http404
    path = return_runs.run_download(user=request.user, run=run)
    if not path.exists():
        raise Http404
    return FileResponse(path.open("rb"), as_attachment=True, filename=path.name)


@require_GET
@login_required
@reads_personal_data
def data_quality(request):
    """Every child failing a rule of the latest CIN census and SSDA903, the rule in plain English and the record
    to fix, for the performance team (the authority's children) or a team manager (their team's)."""
    dq = data_quality_for(viewer=request.user)
    if dq is None:
        raise Http404
    audit_event_record(actor=actor_for(request.user), action=AuditAction.DATA_QUALITY_VIEW, object_type="data_quality",
                       object_id=str(dq.scope.team.pk if dq.scope.team else "authority"), reason=dq.scope.name,
                       detail={"failures": len(dq.rows), "runs": [str(r.pk) for r in dq.runs.values()]},
                       person_ids={r.failure.person_id for r in dq.rows if r.failure.person_id})
    return render(request, "web/returns/data_quality.html", {"dq": dq, "by_rule": dq.by_rule(),
                                                             "census": dq.runs.get("cin"), "lac": dq.runs.get("903")})
