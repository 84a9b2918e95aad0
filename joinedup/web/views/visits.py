"""Visits (issue 13): recording a visit on a phone (the three required choices first, everything else optional
below, a draft kept in the browser until the server confirms it), the visit as recorded (the success page, which
clears the draft), and the visits a worker has due.

The form posts plain fields; `visit_record` decides what is required and names each field that is wrong, so
the screens and the API refuse the same things in the same words.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_GET, require_http_methods

from joinedup.accounts.services import actor_for
from joinedup.audit.actions import AuditAction
from joinedup.audit.decorators import reads_personal_data
from joinedup.audit.services import audit_event_record, audit_read_many
from joinedup.casework.lifecycle import Refused
from joinedup.casework.services import Conflict, StepInvalid
from joinedup.practice.relationships import may_record_visit
from joinedup.practice.selectors.visits import case_visits_for, visits_due_for, visits_of_case
from joinedup.practice.services.visits import VISIT_TYPES, visit_record
from joinedup.web import casework_display as display
from joinedup.web.forms_casework import DATETIME_FORMATS

FIELDS = ("visited_at", "child_seen", "seen_alone", "not_seen_reason", "not_seen_alone_reason", "visit_type",
          "location", "present", "accompanied", "seen_alone_required", "child_words", "text")
SENT = "visit_sent"  # session key: the visit just recorded, so its page (and only then) clears the draft


def visits_context(user, view) -> dict:
    """For the case page's "Visits" section: the case's visits and whether the viewer may record one."""
    return {"case_visits": visits_of_case(viewer=user, person=view.person, state=view.state),
            "may_record_visit": view.state.is_open and may_record_visit(user, view.person)}


def _case_visits(request, case_id):
    view = case_visits_for(viewer=request.user, case_id=case_id)
    if view is None:
        raise Http404
    return view


def _moment(text: str):
    """A typed date and time as a datetime; what cannot be read is passed on as typed, for the service to name."""
    text = " ".join(text.split())
    for fmt in DATETIME_FORMATS:
        try:
            value = dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
        if "%H" not in fmt:
            value = value.replace(hour=12)
        return timezone.make_aware(value)
    return text


def _shown(moment: dt.datetime) -> str:
    return f"{timezone.localtime(moment):%d/%m/%Y %H:%M}"


def parse(post) -> tuple[dict, dict]:
    """(the service's data, the values to show again) from the posted form. "When" left as filled in is the
    moment the form was opened, to the second (so two visits recorded in one minute keep their order)."""
    values = {name: post.get(name, "") for name in FIELDS}
    values["opened_at"] = post.get("opened_at", "")
    data: dict = {k: v for k, v in values.items() if k not in ("visited_at", "accompanied", "opened_at")}
    typed = " ".join(values["visited_at"].split())
    try:
        opened = parse_datetime(values["opened_at"]) if values["opened_at"] else None
    except ValueError:
        opened = None
    if typed and opened is not None and opened.tzinfo is not None and typed == _shown(opened):
        data["visited_at"] = opened
    else:
        data["visited_at"] = _moment(typed) if typed else None
    data["accompanied"] = "yes" if post.get("accompanied") == "yes" else "no"
    return data, values


def _revision(post) -> int:
    """The revision the worker saw; a missing one never matches (so it cannot skip the check)."""
    try:
        return int(post.get("revision", ""))
    except ValueError:
        return -1


def _audit_case(request, view, **detail) -> None:
    audit_event_record(actor=actor_for(request.user), action=AuditAction.CASE_VIEW, object_type="case",
                       object_id=view.row.pk, subject_person_id=view.person.pk, detail=detail)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
@reads_personal_data
def visit_new(request, case_id):
    """Record a visit. Errors: each field's, the case closed (`Refused`), or someone else's step in the case
    since (`Conflict`: the form comes back with what was entered, to send again)."""
    view = _case_visits(request, case_id)
    if not view.may_record:
        raise Http404
    errors: dict[str, str] = {}
    problems: list[str] = []
    conflict = False
    revision = view.revision
    bound = request.method == "POST"
    if bound:
        data, values = parse(request.POST)
        try:
            result = visit_record(user=request.user, case_id=view.row.pk, data=data,
                                  revision=_revision(request.POST))
        except PermissionError as exc:
            raise Http404 from exc
        except StepInvalid as exc:
            errors = dict(exc.errors)
            problems = [message for key, message in errors.items() if key not in FIELDS]
        except Refused as exc:
            problems = [exc.sentence]
        except Conflict as exc:
            problems = [exc.message]
            conflict = True
            view = _case_visits(request, case_id)
            revision = exc.current_revision
        else:
            told = ""
            if result.notice is not None:
                told = (str(result.notice.recipient) if result.notice.recipient_id
                        else f"the {result.notice.team.name} team")
            request.session[SENT] = {"record": result.record_pk, "told": told}
            return redirect("web:visit", case_id=view.row.pk, record_pk=result.record_pk)
        if not conflict:
            revision = _revision(request.POST)
    else:
        opened = timezone.now().replace(microsecond=0)
        values = {name: "" for name in FIELDS}
        values.update(visited_at=_shown(opened), opened_at=opened.isoformat())
        values["seen_alone_required"] = "yes" if view.seen_alone_required_now else "no"
    _audit_case(request, view, visit_form=True)
    field_errors = [(f"visit-{name}", errors[name]) for name in FIELDS if name in errors]
    return render(request, "web/practice/visits/new.html", {
        "view": view, "person": view.person, "case": view.state, "values": values, "errors": errors,
        "field_errors": field_errors, "problems": problems, "conflict": conflict, "revision": revision,
        "bound": bound, "visit_types": VISIT_TYPES.items(),
        "open_revisits": display.clock_rows(view.open_revisits()),
    })


@require_GET
@login_required
@reads_personal_data
def visit_detail(request, case_id, record_pk: int):
    """One visit as recorded. Straight after recording it, this is the confirmation: the draft kept on the device
    is cleared here, and only here."""
    view = _case_visits(request, case_id)
    visit = view.visit(record_pk)
    if visit is None:
        raise Http404
    sent = request.session.get(SENT)
    just_sent = isinstance(sent, dict) and sent.get("record") == record_pk
    if just_sent:
        del request.session[SENT]
    _audit_case(request, view, visit=visit.key)
    return render(request, "web/practice/visits/visit.html", {
        "view": view, "person": view.person, "case": view.state, "visit": visit, "just_sent": just_sent,
        "told": sent.get("told", "") if just_sent else "",
        "revisit": display.clock_rows([visit.revisit])[0] if visit.revisit is not None else None,
    })


@require_GET
@login_required
@reads_personal_data
def visits_due(request):
    """The visits due for the viewer's children (a team manager: the team's), overdue first."""
    rows = visits_due_for(viewer=request.user, now=timezone.now())
    if rows is None:
        raise Http404
    audit_read_many(actor=actor_for(request.user), action=AuditAction.CASE_LIST, object_type="case",
                    object_ids=list(dict.fromkeys(str(r.case_id) for r in rows)), reason="visits due")
    return render(request, "web/practice/visits/due.html", {"rows": rows})
