"""Supervision screens (issue 13): a manager's list of sessions and of the workers due for supervision, a
worker's own sessions and actions; recording a session (choose the worker, then a decision and up to three
actions for each of the worker's children, each decision written to the child's file at once); one session,
where an action's owner or the manager marks it done."""

from __future__ import annotations

import datetime as dt
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from joinedup.accounts.services import actor_for
from joinedup.audit.actions import AuditAction
from joinedup.audit.decorators import reads_personal_data
from joinedup.audit.services import audit_event_record, audit_read_many
from joinedup.casework.services import Conflict, StepInvalid
from joinedup.casework.services.recording import today
from joinedup.practice.relationships import _csc, may_record_supervision, may_set_worker_practice
from joinedup.practice.selectors.supervision import (
    actions_open_for_owner,
    actions_open_for_team,
    child_supervision,
    children_to_discuss,
    session_for_viewer,
    sessions_for,
    supervision_status,
)
from joinedup.practice.services.supervision import supervision_action_done, supervision_record
from joinedup.web.forms_casework import DATE_FORMATS

SESSIONS_SHOWN = 50
ACTION_ROWS = 3
DATE_HINT = "For example, 27/3/2026"


def _parse_day(value: str):
    """A date typed day/month/year (or YYYY-MM-DD); anything else is passed on as typed, for the service to
    name."""
    value = (value or "").strip()
    for fmt in DATE_FORMATS:
        try:
            return dt.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    return value


def _uuid(value):
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


# --- the list -------------------------------------------------------------------------------------------------


@require_GET
@login_required
@reads_personal_data
def supervision(request):
    """A manager: who is due for supervision (overdue first), recent sessions, the team's open actions. A worker:
    their own sessions and the actions they own."""
    user = request.user
    if not _csc(user):
        raise Http404
    manager = may_record_supervision(user)
    sessions = list(sessions_for(viewer=user)[:SESSIONS_SHOWN])
    due = supervision_status(viewer=user) if manager else []
    mine = list(actions_open_for_owner(viewer=user) or [])
    team = [a for a in (actions_open_for_team(viewer=user) or []) if a.owner_id != user.pk] if manager else []
    actor = actor_for(user)
    audit_read_many(actor=actor, action=AuditAction.SUPERVISION_VIEW, object_type="supervision_session",
                    object_ids=[s.pk for s in sessions], reason="supervision list")
    if mine or team:
        audit_read_many(actor=actor, action=AuditAction.SUPERVISION_VIEW, object_type="supervision_action",
                        object_ids=[a.pk for a in [*mine, *team]], reason="open actions")
    return render(request, "web/practice/supervision/list.html", {
        "manager": manager, "sessions": sessions, "due": due, "overdue": sum(1 for d in due if d.overdue),
        "mine": mine, "team_actions": team, "today": today(),
        "changeable": {d.worker.pk for d in due if may_set_worker_practice(user, d.worker)},
    })


# --- recording a session ----------------------------------------------------------------------------------


def _owners(user, worker, due) -> list:
    """Who may own an action, the worker first (the default), then the manager, then the rest of the team."""
    people = [worker, user, *(d.worker for d in due)]
    seen, out = set(), []
    for p in people:
        if p.pk not in seen:
            seen.add(p.pk)
            out.append(p)
    return out


def _rows(post, children, worker) -> tuple[list[dict], list[dict], list[tuple[int, list[int]]]]:
    """What was typed for each child (fields named by the child's id, so a change of allocation between showing
    the form and sending it cannot put a decision on the wrong child): the form's rows (to show again), the
    service's discussions (children with a decision or an action only), and which row and action rows each
    discussion came from."""
    rows, discussions, origin = [], [], []
    for i, child in enumerate(children):
        prefix = f"c-{child.person.pk}"
        decision = post.get(f"{prefix}-decision", "") if post else ""
        actions = []
        for j in range(ACTION_ROWS):
            name = f"{prefix}-a{j + 1}"
            actions.append({
                "text": post.get(f"{name}-text", "") if post else "",
                "owner": post.get(f"{name}-owner", str(worker.pk)) if post else str(worker.pk),
                "due_on": post.get(f"{name}-due", "") if post else "",
                "id": name, "errors": {},
            })
        rows.append({"child": child, "prefix": prefix, "decision": decision, "actions": actions, "errors": {}})
        used = [j for j, a in enumerate(actions) if a["text"].strip() or a["due_on"].strip()]
        if decision.strip() or used:
            discussions.append({"person": child.person, "decision": decision, "actions": [
                {"text": actions[j]["text"], "owner": _uuid(actions[j]["owner"]),
                 "due_on": _parse_day(actions[j]["due_on"])} for j in used]})
            origin.append((i, used))
    return rows, discussions, origin


def _gone(post, children) -> bool:
    """A child the form was shown with, and written about, is no longer allocated to the worker."""
    current = {str(c.person.pk) for c in children}
    for pk in post.getlist("children"):
        if pk not in current and any(post.get(f"c-{pk}-{f}", "").strip() for f in ("decision", "a1-text")):
            return True
    return False


def _place_errors(errors: dict[str, str], rows: list[dict], origin) -> list[tuple[str, str]]:
    """The service's errors on the form's fields; returns (field id, message) for the error summary."""
    summary = []
    for key, message in errors.items():
        target = {"held_on": "held_on", "notes": "notes", "worker": "held_on"}.get(key)
        if target is None and key.startswith("discussions["):
            k = int(key[len("discussions["):key.index("]")])
            i, used = origin[k] if k < len(origin) else (0, [])
            row = rows[i]
            rest = key[key.index("]") + 2:]
            if rest.startswith("actions[") and "]." in rest:
                m = int(rest[len("actions["):rest.index("]")])
                field = rest[rest.index("].") + 2:]
                action = row["actions"][used[m] if m < len(used) else 0]
                suffix = {"text": "text", "owner": "owner", "due_on": "due"}.get(field, "text")
                action["errors"][suffix] = message
                target = f"{action['id']}-{suffix}"
            else:
                row["errors"]["decision"] = message
                target = f"{row['prefix']}-decision"
        summary.append((target or "held_on", message))
    return summary


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
@reads_personal_data
def supervision_new(request):
    """Record a session: choose the worker (the list page's buttons do it in one step), then the date (today is
    filled in) and, for each child allocated to the worker, a decision and up to three actions (what, who — the
    worker unless changed — and by when). Only children with a decision are written to."""
    user = request.user
    if not may_record_supervision(user):
        raise Http404
    due = supervision_status(viewer=user)
    do = request.POST.get("do", "") if request.method == "POST" else ""
    worker = next((d.worker for d in due if str(d.worker.pk) == request.POST.get("worker", "")), None) \
        if do in ("choose", "record") else None
    if worker is None:
        audit_read_many(actor=actor_for(user), action=AuditAction.SUPERVISION_VIEW, object_type="user",
                        object_ids=[d.worker.pk for d in due], reason="choose the worker to supervise")
        return render(request, "web/practice/supervision/choose.html", {
            "due": due, "error": "Choose the worker you supervised" if do else ""})
    children = children_to_discuss(viewer=user, worker=worker)
    if children is None:
        raise Http404
    post = request.POST if do == "record" else None
    rows, discussions, origin = _rows(post, children, worker)
    held_on = request.POST.get("held_on", "") if post else f"{today():%d/%m/%Y}"
    notes = request.POST.get("notes", "") if post else ""
    summary: list[tuple[str, str]] = []
    field_errors: dict[str, str] = {}
    if post is not None and _gone(post, children):
        summary = [("held_on", "A child you wrote about is no longer allocated to the worker, so nothing was "
                               "recorded. Check the children below and record the session again.")]
    elif post is not None:
        try:
            session = supervision_record(user=user, worker=worker, held_on=_parse_day(held_on), notes=notes,
                                         discussions=discussions)
        except PermissionError as exc:
            raise Http404 from exc
        except StepInvalid as exc:
            summary = _place_errors(exc.errors, rows, origin)
            field_errors = {k: v for k, v in exc.errors.items() if k in ("held_on", "notes", "worker")}
        else:
            written = len(discussions)
            messages.success(request, f"Supervision of {worker.get_full_name()} recorded. "
                                      f"{written} decision{'s' if written != 1 else ''} written to the "
                                      f"child{'ren' if written != 1 else ''}'s file{'s' if written != 1 else ''}.")
            return redirect("web:supervision-session", session_id=session.pk)
    actor = actor_for(user)
    for child in children:
        audit_event_record(actor=actor, action=AuditAction.PERSON_VIEW, object_type="person",
                           object_id=child.person.pk, subject_person_id=child.person.pk,
                           detail={"view": "record_supervision", "worker": worker.username})
    if not children:
        audit_event_record(actor=actor, action=AuditAction.SUPERVISION_VIEW, object_type="user", object_id=worker.pk,
                           detail={"view": "record_supervision", "children": 0})
    for row in rows:
        row["more_open"] = any(a["text"] or a["due_on"] or a["errors"] for a in row["actions"][1:])
    worker_due = next(d for d in due if d.worker.pk == worker.pk)
    return render(request, "web/practice/supervision/new.html", {
        "worker": worker, "worker_due": worker_due, "rows": rows, "owners": _owners(user, worker, due),
        "held_on": held_on, "notes": notes, "summary": summary, "field_errors": field_errors,
        "date_hint": DATE_HINT, "action_numbers": range(1, ACTION_ROWS + 1),
    })


# --- one session --------------------------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
@reads_personal_data
def supervision_session(request, session_id):
    """One session: each child's decision and actions; the owner or the manager marks an action done."""
    user = request.user
    view = session_for_viewer(viewer=user, session_id=session_id)
    if view is None:
        raise Http404
    problems: list[str] = []
    failed_action = None
    note = ""
    if request.method == "POST":
        if request.POST.get("do") != "done":
            raise Http404
        failed_action = request.POST.get("action", "")
        note = request.POST.get("note", "")
        action = next((a for d in view.discussions for a in d.actions
                       if str(a.action.pk) == failed_action and a.may_mark_done), None)
        if action is None:
            raise Http404
        try:
            supervision_action_done(user=user, action=action.action, note=note)
        except PermissionError as exc:
            raise Http404 from exc
        except StepInvalid as exc:
            problems = list(exc.errors.values())
        except Conflict as exc:
            problems = [exc.message]
            failed_action = None
            view = session_for_viewer(viewer=user, session_id=session_id) or view
        else:
            messages.success(request, f"Action marked done: “{action.action.text}”. The child's file shows it.")
            return redirect("web:supervision-session", session_id=view.session.pk)
    actor = actor_for(user)
    for pid in view.person_ids or [None]:
        audit_event_record(actor=actor, action=AuditAction.SUPERVISION_VIEW, object_type="supervision_session",
                           object_id=view.session.pk, subject_person_id=pid)
    return render(request, "web/practice/supervision/session.html", {
        "view": view, "session": view.session, "problems": problems, "failed_action": failed_action, "note": note,
    })


# --- the case page ------------------------------------------------------------------------------------------


def supervision_context(user, view) -> dict:
    """For the case page (`web.views.cases.case_detail`): the child's supervision decisions in this case, from
    the child's `supervision` records (read as part of the case view, which the case page audits)."""
    state = view.state
    return {"supervision": child_supervision(viewer=user, person=view.person, case_ref=state.case_ref,
                                             period=(state.opened_on, state.closed_on))}
