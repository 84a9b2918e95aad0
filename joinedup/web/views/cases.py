"""A child's case: where it stands, every clock, every step so far, and the next steps, each a form that
records a children's social care record through `case_step_record`."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from joinedup.accounts.services import actor_for
from joinedup.audit.actions import AuditAction
from joinedup.audit.decorators import reads_personal_data
from joinedup.audit.services import audit_event_record, audit_read_many
from joinedup.casework.lifecycle import Refused
from joinedup.casework.relationships import may_record_contact
from joinedup.casework.selectors import case_for_viewer, cases_of_person
from joinedup.casework.services import STEPS, Conflict, StepInvalid, case_step_record
from joinedup.practice.relationships import may_read_child_practice
from joinedup.web import casework_display as display
from joinedup.web import step_forms
from joinedup.web.views.meetings import case_meetings_context  # meetings (issue 13)
from joinedup.web.views.supervision import supervision_context
from joinedup.web.views.visits import visits_context


def child_cases(user, person) -> dict:
    """For a child's pages (person, chronology): their cases at the viewer's authority (listed ones audited), and
    whether the viewer may record a contact about them."""
    cases = cases_of_person(viewer=user, person=person)
    if cases:
        audit_read_many(actor=actor_for(user), action=AuditAction.CASE_LIST, object_type="case",
                        object_ids=[c.pk for c in cases])
    return {"cases": cases, "may_record_contact": may_record_contact(user),
            "may_read_practice": may_read_child_practice(user, person)}  # hypotheses and categories (issue 13)


def _case(request, case_id):
    try:
        view = case_for_viewer(viewer=request.user, case_id=case_id)
    except PermissionError as exc:
        raise Http404 from exc
    if view is None:
        raise Http404
    return view


def _case_context(view) -> dict:
    state = view.state
    now = timezone.now()
    return {
        "view": view, "case": state, "person": view.person,
        "clocks": display.clock_rows(state.clocks, now=now),
        "next_deadline": display.next_deadline(state.next_deadline(), now=now),
    }


@require_GET
@login_required
@reads_personal_data
def case_detail(request, case_id):
    """The case as the child's records make it now, and what to do next."""
    view = _case(request, case_id)
    audit_event_record(actor=actor_for(request.user), action=AuditAction.CASE_VIEW, object_type="case",
                       object_id=view.row.pk, subject_person_id=view.person.pk,
                       detail={"placement_address": view.shows_placement_address})
    return render(request, "web/casework/case.html", {**_case_context(view), **visits_context(request.user, view),
                                                      **supervision_context(request.user, view),
                                                      **case_meetings_context(request.user, view.row)})


def _revision(post) -> int:
    """The revision the worker saw; a missing one never matches (so it cannot skip the check)."""
    try:
        return int(post.get("revision", ""))
    except ValueError:
        return -1


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
@reads_personal_data
def case_step(request, case_id, step: str):
    """One step's form. Errors: each field's (the service's `StepInvalid`), the fold's sentence (`Refused`),
    or someone else's change (`Conflict`: the current case is shown and the form can be sent again)."""
    view = _case(request, case_id)
    if step not in STEPS or not view.may_record:
        raise Http404
    errors: dict[str, str] = {}
    problems: list[str] = []
    conflict = False
    revision = view.state.revision
    if request.method == "POST":
        data, parse_errors, values = step_forms.parse(step, request.POST)
        try:
            case_step_record(user=request.user, case_id=view.row.pk, step=step, data=data,
                             revision=_revision(request.POST))
        except PermissionError as exc:
            raise Http404 from exc
        except StepInvalid as exc:
            errors = {**exc.errors, **parse_errors}
            fields = {s.name for s in step_forms.FIELDS[step]}
            problems = [message for key, message in errors.items() if key not in fields]
        except Refused as exc:
            problems = [exc.sentence]
        except Conflict as exc:
            problems = [exc.message]
            conflict = True
            view = _case(request, case_id)
            revision = exc.current_revision
        else:
            messages.success(request, f"{STEPS[step].label}: recorded.")
            return redirect("web:case", case_id=view.row.pk)
        if not conflict:
            revision = _revision(request.POST)
    else:
        values = step_forms.defaults(step, view.state, shows_placement_address=view.shows_placement_address)
    audit_event_record(actor=actor_for(request.user), action=AuditAction.CASE_VIEW, object_type="case",
                       object_id=view.row.pk, subject_person_id=view.person.pk,
                       detail={"step": step, "placement_address": view.shows_placement_address})
    fields = step_forms.bind(step, values, errors)
    return render(request, "web/casework/step.html", {
        **_case_context(view), "step": STEPS[step], "fields": fields, "problems": problems, "conflict": conflict,
        "revision": revision, "field_errors": [f for f in fields if f.error],
        "is_next": any(s.name == step for s in view.steps),
    })
