"""Meetings' minutes with dissent recorded (issue 13): the list, starting minutes (from a child's case, or a
partnership meeting), writing the draft a line at a time (attendees, items, decisions, then where each attendee
stood on each decision), approving (which locks the minutes and writes them to each child's file), correcting (a
new version), and escalating a dissent under the resolution protocol.

Writing the draft is a series of small forms on the minutes page, each one change sent with the draft's revision:
the view applies the change to the draft as it was read and sends the whole draft to `meeting_draft_update`, so
someone else's change in between is a conflict, never lost.
"""

from __future__ import annotations

import copy
import re

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from joinedup.accounts.services import actor_for
from joinedup.audit.actions import AuditAction
from joinedup.audit.decorators import reads_personal_data
from joinedup.audit.services import audit_event_record, audit_read_many
from joinedup.casework.lifecycle import Refused
from joinedup.casework.selectors import case_for_viewer
from joinedup.casework.services import Conflict, StepInvalid
from joinedup.practice.models import EscalationStage, MeetingKind, Stance
from joinedup.practice.relationships import may_record_meeting
from joinedup.practice.selectors.meetings import (
    escalation_for_viewer,
    escalation_owner_choices,
    meeting_for_viewer,
    meetings_for,
    open_escalations,
)
from joinedup.practice.services.meetings import (
    CHILD_KINDS,
    CorrectionUnderway,
    meeting_approve,
    meeting_correct,
    meeting_draft_update,
    meeting_start,
)
from joinedup.practice.services.meetings_escalation import dissent_escalate, escalation_outcome_record
from joinedup.web.forms_casework import DATE_FORMATS, DATETIME_FORMATS

_DATETIME = forms.DateTimeField(input_formats=[f for f in DATETIME_FORMATS if "%H" in f])
_DATE = forms.DateField(input_formats=DATE_FORMATS)
DATETIME_PROBLEM = "Enter the date and time as day/month/year and hours:minutes, for example 27/3/2026 14:30"
KIND_LABELS = dict(MeetingKind.choices)


def _moment(raw: str):
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        return _DATETIME.clean(raw)
    except ValidationError:
        return "bad"


def _revision(post) -> int:
    """The revision the writer saw; a missing one never matches (so it cannot skip the check)."""
    try:
        return int(post.get("revision", ""))
    except ValueError:
        return -1


def _int(value, default: int = -1) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _links(errors: dict[str, str], ids: dict[str, str] | None = None) -> list[tuple[str, str]]:
    """The error summary's entries: each problem linked to its field (`ids` maps a field to another element)."""
    return [(f"#{(ids or {}).get(key, key)}", message) for key, message in errors.items()]


def _audit_meeting(user, view, **detail) -> None:
    audit_event_record(actor=actor_for(user), action=AuditAction.MEETING_VIEW, object_type="meeting",
                       object_id=view.meeting.pk, subject_person_id=view.children[0].pk if view.children else None,
                       detail={"version": view.meeting.version, "children": [str(c.pk) for c in view.children],
                               **detail})


def _meeting(request, meeting_id):
    view = meeting_for_viewer(viewer=request.user, meeting_id=meeting_id)
    if view is None:
        raise Http404
    return view


# --- the list and the case page ---------------------------------------------------------------------------------


def case_meetings_context(user, case_row) -> dict:
    """For the case page: the case's meetings the viewer may see (audited when any are listed), and whether they
    may start minutes of one."""
    rows = meetings_for(viewer=user, case=case_row)
    if rows:
        audit_read_many(actor=actor_for(user), action=AuditAction.MEETING_VIEW, object_type="meeting",
                        object_ids=[r.meeting.pk for r in rows])
    return {"case_meetings": rows, "may_start_meeting": may_record_meeting(user, MeetingKind.STRATEGY_DISCUSSION)}


@require_GET
@login_required
@reads_personal_data
def meeting_list(request):
    """Minutes the viewer may see, most recent first, filtered by kind; and the escalations they own."""
    kind = request.GET.get("kind", "")
    kind = kind if kind in KIND_LABELS else ""
    case = None
    if request.GET.get("case"):
        try:
            case = case_for_viewer(viewer=request.user, case_id=request.GET["case"])
        except (ValidationError, ValueError, PermissionError):
            case = None
        if case is None:
            raise Http404
    rows = meetings_for(viewer=request.user, kind=kind, case=case.row if case else None)
    escalations = open_escalations(viewer=request.user)
    actor = actor_for(request.user)
    audit_read_many(actor=actor, action=AuditAction.MEETING_VIEW, object_type="meeting",
                    object_ids=[r.meeting.pk for r in rows], reason=f"kind={kind}" if kind else "")
    if escalations:
        audit_read_many(actor=actor, action=AuditAction.MEETING_VIEW, object_type="dissent_escalation",
                        object_ids=[e.id for e in escalations])
    return render(request, "web/practice/meetings/list.html", {
        "rows": rows, "kind": kind, "kinds": MeetingKind.choices, "case": case, "escalations": escalations,
        "may_start_partnership": may_record_meeting(request.user, MeetingKind.PARTNERSHIP),
    })


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
@reads_personal_data
def meeting_new(request):
    """Start minutes: from a child's case (a strategy discussion, conference or core group about the child), or of
    a safeguarding partnership meeting."""
    case = None
    if request.GET.get("case"):
        try:
            case = case_for_viewer(viewer=request.user, case_id=request.GET["case"])
        except (ValidationError, ValueError, PermissionError):
            case = None
        if case is None:
            raise Http404
    kinds = [(k, v) for k, v in MeetingKind.choices if (k in CHILD_KINDS if case else k == MeetingKind.PARTNERSHIP)
             and may_record_meeting(request.user, k)]
    if not kinds:
        raise Http404
    errors: dict[str, str] = {}
    local = timezone.localtime()
    values = {"kind": request.GET.get("kind", "") if request.GET.get("kind") in dict(kinds) else
              (kinds[0][0] if len(kinds) == 1 else ""), "title": "", "held_at": f"{local:%d/%m/%Y %H:%M}", "chair": ""}
    if request.method == "POST":
        values = {name: (request.POST.get(name) or "").strip() for name in values}
        held = _moment(values["held_at"])
        try:  # a kind not offered here is no kind: the service names it with the other fields
            meeting = meeting_start(user=request.user, kind=values["kind"] if values["kind"] in dict(kinds) else "",
                                    title=values["title"], held_at=None if held == "bad" else held,
                                    chair=values["chair"], case_id=case.row.pk if case else None)
        except PermissionError as exc:
            raise Http404 from exc
        except StepInvalid as exc:
            errors = dict(exc.errors)
        else:
            messages.success(request, "Minutes started. Add who attended, then the items and decisions.")
            return redirect("web:meeting", meeting_id=meeting.pk)
        if held == "bad":
            errors["held_at"] = DATETIME_PROBLEM
    if case is not None:
        audit_event_record(actor=actor_for(request.user), action=AuditAction.CASE_VIEW, object_type="case",
                           object_id=case.row.pk, subject_person_id=case.person.pk, detail={"meeting": "new"})
    else:
        audit_read_many(actor=actor_for(request.user), action=AuditAction.MEETING_VIEW, object_type="meeting",
                        object_ids=[])
    return render(request, "web/practice/meetings/new.html", {
        "case": case, "kinds": kinds, "values": values, "errors": errors,
        "error_links": _links(errors, {"kind": "kind" if len(kinds) > 1 else "title"}),
    })


# --- one meeting's minutes --------------------------------------------------------------------------------------


def _without_attendee(doc: dict, index: int) -> dict:
    doc["attendees"].pop(index)
    for item in doc["items"]:
        for d in item["decisions"]:
            d["positions"] = [{**p, "attendee": p["attendee"] - (p["attendee"] > index)}
                              for p in d["positions"] if p["attendee"] != index]
    return doc


def _item(doc: dict, index: int) -> dict:
    if not 0 <= index < len(doc["items"]):
        raise Http404
    return doc["items"][index]


def _change(doc: dict, action: str, post) -> tuple[dict, str]:
    """The draft with one change made, and the prefix its errors will carry (to show them on the right form)."""
    doc = copy.deepcopy(doc)
    field = post.get
    if action == "attendee-add":
        doc["attendees"].append({"name": field("name", ""), "agency": field("agency", ""), "role": field("role", ""),
                                 "present": field("present") != "no"})
        return doc, f"attendees[{len(doc['attendees']) - 1}]."
    if action == "attendee-remove":
        index = _int(field("attendee"))
        if not 0 <= index < len(doc["attendees"]):
            raise Http404
        return _without_attendee(doc, index), ""
    if action == "item-add":
        first = field("decision", "").strip()
        doc["items"].append({"title": field("title", ""), "discussion": field("discussion", ""),
                             "decisions": [{"text": first, "positions": []}] if first else []})
        return doc, f"items[{len(doc['items']) - 1}]."
    if action == "item-remove":
        index = _int(field("item"))
        _item(doc, index)
        doc["items"].pop(index)
        return doc, ""
    if action == "decision-add":
        index = _int(field("item"))
        decisions = _item(doc, index)["decisions"]
        decisions.append({"text": field("text", ""), "positions": []})
        return doc, f"items[{index}].decisions[{len(decisions) - 1}]."
    if action == "decision-remove":
        decisions = _item(doc, _int(field("item")))["decisions"]
        index = _int(field("decision"))
        if not 0 <= index < len(decisions):
            raise Http404
        decisions.pop(index)
        return doc, ""
    if action == "details":
        held = _moment(field("held_at", ""))
        doc.update(title=field("title", ""), chair=field("chair", ""), held_at=held)
        return doc, ""
    raise Http404


FORM_FIELDS = {"attendee-add": {"name", "agency", "role", "present"}, "item-add": {"title", "discussion"},
               "decision-add": {"text"}, "details": {"title", "held_at", "chair"}}


def _form_errors(action: str, prefix: str, errors: dict[str, str]) -> dict[str, str]:
    """The service's errors as the fields of the form that was sent (`items[2].decisions[0].text` → `decision`)."""
    out: dict[str, str] = {}
    for key, message in errors.items():
        name = key.removeprefix(prefix) if prefix and key.startswith(prefix) else key
        if action == "item-add" and name == "decisions[0].text":
            name = "decision"
        out[name if name in FORM_FIELDS.get(action, set()) | {"decision"} else "form"] = message
    return out


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
@reads_personal_data
def meeting_detail(request, meeting_id):
    """The minutes: a draft is written here a form at a time; approved minutes are shown as they were approved,
    each decision with who agreed and who dissented and why."""
    view = _meeting(request, meeting_id)
    errors: dict[str, str] = {}
    conflict = False
    action = request.POST.get("action", "") if request.method == "POST" else ""
    typed = dict(request.POST.items()) if action else {}
    if action == "correct":
        if view.correction is not None:
            messages.success(request, f"A correction of these minutes (version {view.correction.version}) is "
                                      "already being written: continue it.")
            return redirect("web:meeting", meeting_id=view.correction.pk)
        if not view.may_correct:
            raise Http404
        try:
            new = meeting_correct(user=request.user, meeting_id=view.meeting.pk)
        except CorrectionUnderway as exc:
            messages.success(request, exc.sentence)
            return redirect("web:meeting", meeting_id=exc.meeting_id)
        except PermissionError as exc:
            raise Http404 from exc
        except Refused as exc:
            errors = {"form": exc.sentence}
        else:
            messages.success(request, f"Version {new.version} started: make the correction, then approve it. "
                                      f"Version {view.meeting.version} stays as it was.")
            return redirect("web:meeting", meeting_id=new.pk)
    elif action:
        prefix = ""
        if not (view.may_write or (action == "approve" and view.may_approve)):
            raise Http404
        try:
            if action == "approve":
                meeting_approve(user=request.user, meeting_id=view.meeting.pk, revision=_revision(request.POST))
                done = "Minutes approved and locked." + (
                    " They are in each child's chronology." if view.children else "")
            else:
                doc, prefix = _change(view.document(), action, request.POST)
                if action == "details" and doc["held_at"] == "bad":
                    raise StepInvalid({"held_at": DATETIME_PROBLEM})
                meeting_draft_update(user=request.user, meeting_id=view.meeting.pk, revision=_revision(request.POST),
                                     data=doc)
                done = ""
        except PermissionError as exc:
            raise Http404 from exc
        except StepInvalid as exc:
            errors = exc.errors if action == "approve" else _form_errors(action, prefix, exc.errors)
        except (Refused, Conflict) as exc:
            errors = {"form": exc.sentence if isinstance(exc, Refused) else exc.message}
            conflict = isinstance(exc, Conflict)
            view = _meeting(request, meeting_id)
        else:
            if done:
                messages.success(request, done)
            anchor = {"attendee-add": "attendees", "attendee-remove": "attendees", "details": "details"}.get(
                action, "items")
            return redirect(reverse("web:meeting", kwargs={"meeting_id": view.meeting.pk}) + f"#{anchor}")
    _audit_meeting(request.user, view)
    key = FORM_KEYS.get(action, "")
    local = timezone.localtime(view.meeting.held_at)
    fv = {"details": {"title": view.meeting.title, "held_at": f"{local:%d/%m/%Y %H:%M}", "chair": view.meeting.chair}}
    if key and errors:
        fv[key] = typed
    return render(request, "web/practice/meetings/meeting.html", {
        "view": view, "meeting": view.meeting, "error_links": _minutes_links(view, action, errors, typed),
        "fe": {key: errors} if key and errors else {}, "fv": fv, "decision_item": _int(typed.get("item")),
        "error_title": "Someone else changed these minutes" if conflict else "",
        "kind_label": KIND_LABELS.get(view.meeting.kind, ""),
    })


FORM_KEYS = {"attendee-add": "attendee_add", "item-add": "item_add", "decision-add": "decision_add",
             "details": "details"}
FIELD_IDS = {"attendee-add": "attendee-", "item-add": "item-", "details": "details-"}


def _minutes_links(view, action: str, errors: dict[str, str], typed: dict) -> list[tuple[str, str]]:
    """The error summary: each problem linked to the field (or the part of the minutes) it is about."""
    decisions = {(d.item_index, d.index): d.number for d in view.decisions}
    links = []
    for key, message in errors.items():
        target = "minutes"
        if action in FIELD_IDS and key != "form":
            target = FIELD_IDS[action] + key
        elif action == "decision-add" and key == "text":
            target = f"decision-text-{_int(typed.get('item'), 0) + 1}"
        elif action == "approve":
            match = re.fullmatch(r"items\[(\d+)\]\.decisions\[(\d+)\].*", key)
            number = decisions.get((int(match[1]), int(match[2]))) if match else None
            target = f"decision-{number}" if number else {"attendees": "attendees", "items": "items",
                                                          "held_at": "details"}.get(key, "minutes")
        links.append((f"#{target}", message))
    return links


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
@reads_personal_data
def meeting_positions(request, meeting_id, number: int):
    """Where each attendee stood on one decision: agreed, dissented (with the reason) or abstained."""
    view = _meeting(request, meeting_id)
    decision = next((d for d in view.decisions if d.number == number), None)
    if decision is None or not (view.may_edit or (request.method == "POST" and view.may_write)):
        raise Http404
    errors: dict[str, str] = {}
    conflict = False
    values = {str(i): {"stance": c.stance, "reason": c.position.reason if c.position else ""}
              for i, c in enumerate(decision.cells)}
    if request.method == "POST":
        doc = view.document()
        positions, at = [], []
        for i in range(len(view.attendees)):
            stance = request.POST.get(f"stance-{i}", "")
            reason = request.POST.get(f"{'abstain-' if stance == Stance.ABSTAINED else ''}reason-{i}", "")
            values[str(i)] = {"stance": stance, "reason": reason}
            if stance:
                positions.append({"attendee": i, "stance": stance, "reason": reason})
                at.append(i)
        doc["items"][decision.item_index]["decisions"][decision.index]["positions"] = positions
        try:
            meeting_draft_update(user=request.user, meeting_id=view.meeting.pk, revision=_revision(request.POST),
                                 data=doc)
        except PermissionError as exc:
            raise Http404 from exc
        except StepInvalid as exc:
            base = f"items[{decision.item_index}].decisions[{decision.index}].positions["
            for key, message in exc.errors.items():
                k, _, name = key.removeprefix(base).partition("].")
                index = at[_int(k, 0)] if key.startswith(base) and _int(k) in range(len(at)) else 0
                errors[f"{'reason' if name == 'reason' else 'stance'}-{index}"] = message
        except (Refused, Conflict) as exc:
            errors = {"form": exc.sentence if isinstance(exc, Refused) else exc.message}
            conflict = isinstance(exc, Conflict)
            view = _meeting(request, meeting_id)
            decision = next((d for d in view.decisions if d.number == number), None) or decision
        else:
            messages.success(request, f"Positions on decision {number} recorded.")
            return redirect(reverse("web:meeting", kwargs={"meeting_id": view.meeting.pk}) + f"#decision-{number}")
    _audit_meeting(request.user, view, decision=number)
    rows = []
    for i, c in enumerate(decision.cells):
        v = dict(values.get(str(i), {}))
        v["stance_error"], v["reason_error"] = errors.get(f"stance-{i}", ""), errors.get(f"reason-{i}", "")
        v["error"] = v["stance_error"] or v["reason_error"]
        rows.append((c, v, i))
    links = [(f"#{'positions' if key == 'form' else key}", message) for key, message in errors.items()]
    return render(request, "web/practice/meetings/positions.html", {
        "view": view, "meeting": view.meeting, "decision": decision, "rows": rows, "error_links": links,
        "error_title": "Someone else changed these minutes" if conflict else "",
    })


# --- escalation -------------------------------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
@reads_personal_data
def meeting_escalate(request, meeting_id, position_id: int):
    """Escalate a dissent in approved minutes: the protocol's stage, who owns it, and the deadline."""
    view = _meeting(request, meeting_id)
    found = next(((d, c) for d, c in view.dissents if c.position.pk == position_id), None)
    if found is None or not view.may_escalate:
        raise Http404
    decision, cell = found
    last = cell.escalations[-1] if cell.escalations else None
    next_stage = min(last.stage + 1, 4) if last else 1
    values = {"stage": str(next_stage), "owner": "", "deadline_on": ""}
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = {name: (request.POST.get(name) or "").strip() for name in values}
        try:
            deadline = _DATE.clean(values["deadline_on"]) if values["deadline_on"] else None
        except ValidationError:
            deadline = "bad"
        try:
            dissent_escalate(user=request.user, position_id=position_id, stage=_int(values["stage"], 0),
                             owner_id=values["owner"] or None, deadline_on=deadline)
        except PermissionError as exc:
            raise Http404 from exc
        except StepInvalid as exc:
            errors = dict(exc.errors)
        except Refused as exc:
            errors = {"form": exc.sentence}
        else:
            messages.success(request, "Dissent escalated.")
            return redirect(reverse("web:meeting", kwargs={"meeting_id": view.meeting.pk}) +
                            f"#decision-{decision.number}")
        if deadline in (None, "bad"):
            errors["deadline_on"] = "Enter the deadline as day/month/year, for example 27/3/2026"
    _audit_meeting(request.user, view, position=position_id)
    return render(request, "web/practice/meetings/escalate.html", {
        "view": view, "meeting": view.meeting, "decision": decision, "cell": cell, "values": values,
        "errors": errors, "error_links": _links(errors, {"position": "dissent", "form": "dissent"}),
        "stages": EscalationStage.choices,
        "owners": escalation_owner_choices(viewer=request.user),
    })


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
@reads_personal_data
def escalation_detail(request, escalation_id: int):
    """One stage of an escalated dissent, and (for its owner or an approving manager) its outcome."""
    found = escalation_for_viewer(viewer=request.user, escalation_id=escalation_id)
    if found is None:
        raise Http404
    errors: dict[str, str] = {}
    values = {"outcome": "", "resolved": ""}
    if request.method == "POST":
        if not found.may_record_outcome:
            raise Http404
        values = {name: (request.POST.get(name) or "").strip() for name in values}
        try:
            escalation_outcome_record(user=request.user, escalation_id=escalation_id, outcome=values["outcome"],
                                      resolved=values["resolved"] or None)
        except PermissionError as exc:
            raise Http404 from exc
        except StepInvalid as exc:
            errors = dict(exc.errors)
        except Refused as exc:
            errors = {"form": exc.sentence}
        else:
            messages.success(request, "Outcome recorded.")
            return redirect("web:meeting-escalation", escalation_id=escalation_id)
    audit_event_record(actor=actor_for(request.user), action=AuditAction.MEETING_VIEW,
                       object_type="dissent_escalation", object_id=escalation_id,
                       detail={"meeting": str(found.meeting.pk)})
    return render(request, "web/practice/meetings/escalation.html", {
        "found": found, "e": found.escalation, "row": found.row, "values": values, "errors": errors,
        "error_links": _links(errors, {"form": "dissent"}),
    })
