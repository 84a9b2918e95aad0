"""The concerns log (issue 13): concerns from anyone, each with a named responder and a deadline, answered, and the
raiser told. Recording one takes two steps: choose the children (through the person search, terms in the POST
body), then say who raised it and what it is. Who raised it is shown only to the roles the deployment names;
everyone else reads "Withheld"."""

from __future__ import annotations

import uuid

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from joinedup.accounts.models import User
from joinedup.accounts.services import actor_for
from joinedup.audit.actions import AuditAction
from joinedup.audit.decorators import reads_personal_data
from joinedup.audit.services import audit_event_record, audit_read_many
from joinedup.casework.relationships import may_view_chronology
from joinedup.casework.services import Conflict, StepInvalid
from joinedup.casework.services.recording import authority_for
from joinedup.people.selectors import person_for_viewer, person_search
from joinedup.practice.relationships import may_record_concern
from joinedup.practice.selectors.concerns import STATUS_FILTERS, concern_for_viewer, concern_rows, concerns_for
from joinedup.practice.services.concerns import (
    CONTACT_LIMIT,
    HOW_LIMIT,
    NAME_LIMIT,
    RAISED_BY,
    TEXT_LIMIT,
    concern_raiser_told,
    concern_record,
    concern_respond,
    responders_for,
    response_due,
)
from joinedup.practice.settings import practice_settings
from joinedup.web.forms import PersonSearchForm
from joinedup.web.forms_base import Form
from joinedup.web.forms_casework import DATE_FORMATS, DATETIME_FORMATS

PAGE_SIZE = 50
FOUND_LIMIT = 20
MOMENT_INVALID = "Enter {what} as day/month/year and time, for example 27/3/2026 14:30"


def _put(form, errors: dict[str, str], *, aliases: dict[str, str] | None = None) -> None:
    for key, message in errors.items():
        key = (aliases or {}).get(key, key)
        form.add_error(key if key in form.fields else None, message)


def _uuids(values) -> list[uuid.UUID]:
    out = []
    for value in values:
        try:
            out.append(uuid.UUID(str(value)))
        except ValueError as exc:
            raise Http404 from exc
    return list(dict.fromkeys(out))


def _children(request, ids) -> list:
    """The chosen children, each one the viewer may see (else 404: never confirm who exists)."""
    people = []
    for pid in ids:
        person, _merged = person_for_viewer(viewer=request.user, person_id=pid)
        if person is None:
            raise Http404
        if person.pk not in {p.pk for p in people}:
            people.append(person)
    return people


# --- the log -----------------------------------------------------------------------------------------------


@require_GET
@login_required
@reads_personal_data
def concerns_log(request):
    """The concerns the viewer may see: unanswered first (the earliest deadline first, overdue ones marked)."""
    status = request.GET.get("status", "")
    if status not in ("", *STATUS_FILTERS):
        status = ""
    concerns = concerns_for(viewer=request.user, status=status)
    if concerns is None:
        raise Http404
    page = Paginator(concerns, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = concern_rows(page, viewer=request.user)
    audit_read_many(actor=actor_for(request.user), action=AuditAction.CONCERN_VIEW, object_type="concern",
                    object_ids=[r.concern.pk for r in rows], reason=f"log {status}".strip())
    query = QueryDict(mutable=True)
    if status:
        query["status"] = status
    return render(request, "web/practice/concerns/log.html", {
        "page": page, "rows": rows, "status": status, "query": f"{query.urlencode()}&" if query else "",
        "filters": [("", "All"), ("open", "Awaiting an answer"), ("overdue", "Overdue"), ("answered", "Answered")],
        "may_record": may_record_concern(request.user),
    })


# --- recording a concern -------------------------------------------------------------------------------------


class ConcernForm(Form):
    """What was said and by whom. Only the dates are parsed here; `concern_record` names what is missing. The limits
    are the service's, so that the page shows the one the service holds to."""

    raised_by = forms.CharField(required=False)
    raiser_name = forms.CharField(required=False, max_length=NAME_LIMIT, label="Their name (optional)")
    raiser_contact = forms.CharField(required=False, max_length=CONTACT_LIMIT, label="How to reach them (optional)")
    identity_withheld = forms.CharField(required=False)
    summary = forms.CharField(required=False, max_length=TEXT_LIMIT, label="What is the concern?")
    error_subjects = {"summary": "What the concern is"}
    responder = forms.CharField(required=False, label="Who will answer it?")
    received_at = forms.DateTimeField(required=False, input_formats=DATETIME_FORMATS,
                                      label="When was it received? (optional)",
                                      error_messages={"invalid": MOMENT_INVALID.format(what="when it was received")})
    response_due_on = forms.DateField(required=False, input_formats=DATE_FORMATS,
                                      label="Answer by (optional)",
                                      error_messages={"invalid": "Enter the date to answer by as day/month/year, "
                                                                 "for example 11/12/2026"})


def _find(request, chosen: list, *, error: str = ""):
    """Step 1: the children the concern is about. Ticked boxes are the choice; a search adds unticked ones."""
    searching = request.method == "POST" and request.POST.get("do") == "search"
    find = PersonSearchForm(request.POST if searching else None)
    found = None
    more = False
    if searching and find.is_valid():
        data = find.cleaned_data
        people = [p for p in person_search(viewer=request.user, name=data["name"], dob=data["dob"],
                                           nhs_number=data["nhs_number"])[:FOUND_LIMIT + 1]]
        more = len(people) > FOUND_LIMIT
        found = [p for p in people[:FOUND_LIMIT] if p.pk not in {c.pk for c in chosen}]
    audit_read_many(actor=actor_for(request.user), action=AuditAction.PERSON_SEARCH, object_type="person",
                    object_ids=[p.pk for p in [*chosen, *(found or [])]], reason="record a concern: find the children")
    return render(request, "web/practice/concerns/find.html", {
        "find": find, "found": found, "more": more, "chosen": chosen, "error": error,
        "show_find_errors": searching and bool(find.errors),
    })


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
@reads_personal_data
def concern_new(request):
    """Record a concern: choose the children (step 1), then who raised it, what it is, who answers it (step 2)."""
    user = request.user
    if not may_record_concern(user):
        raise Http404
    do = request.POST.get("do", "") if request.method == "POST" else ""
    if do in ("search", "continue"):
        chosen = _children(request, _uuids(request.POST.getlist("child")))
        if do == "search":
            return _find(request, chosen)
        if not chosen:
            return _find(request, chosen, error="Choose at least one child the concern is about")
        query = QueryDict(mutable=True)
        query.setlist("child", [str(p.pk) for p in chosen])
        return redirect(f"{reverse('web:concern-new')}?{query.urlencode()}")
    source = request.POST if do == "record" else request.GET
    chosen = _children(request, _uuids(source.getlist("child")))
    if not chosen or request.GET.get("change") == "children":
        return _find(request, chosen)
    authority = authority_for(user)
    responders = responders_for(authority) if authority is not None else []
    form = ConcernForm(request.POST if do == "record" else None)
    if do == "record" and form.is_valid():
        data = form.cleaned_data
        responder = next((u for u in responders if str(u.pk) == data["responder"]), None)
        try:
            concern = concern_record(
                user=user, raised_by=data["raised_by"], summary=data["summary"], children=chosen,
                responder=responder, raiser_name=data["raiser_name"], raiser_contact=data["raiser_contact"],
                identity_withheld=data["identity_withheld"] != "no", received_at=data["received_at"],
                response_due_at=data["response_due_on"])
        except PermissionError as exc:
            raise Http404 from exc
        except StepInvalid as exc:
            _put(form, exc.errors, aliases={"children": "", "agency": "", "response_due_at": "response_due_on"})
        else:
            messages.success(request, f"Concern recorded. {_name(concern.responder)} is to answer it by "
                                      f"{timezone.localtime(concern.response_due_at):%-d %B %Y}.")
            return redirect("web:concern", concern_id=concern.pk)
    audit_read_many(actor=actor_for(user), action=AuditAction.PERSON_VIEW, object_type="person",
                    object_ids=[p.pk for p in chosen], reason="record a concern")
    query = QueryDict(mutable=True)
    query.setlist("child", [str(p.pk) for p in chosen])
    return render(request, "web/practice/concerns/new.html", {
        "form": form, "chosen": chosen, "change_query": f"{query.urlencode()}&change=children",
        "raised_by_choices": list(RAISED_BY.items()), "responders": responders,
        "withheld": form["identity_withheld"].value() != "no",
        "default_hint": _due_hint(),
        "raiser_roles": _raiser_roles(),
        "has_errors": bool(form.errors),
    })


def _due_hint() -> str:
    n = practice_settings().concern_response_working_days
    due = timezone.localtime(response_due(timezone.now()))
    return (f"Leave empty to answer within {n} working day{'s' if n != 1 else ''} of receiving it (by the end of "
            f"{due:%A %-d %B %Y} for a concern received today). Otherwise day/month/year, for example 11/12/2026")


def _name(user: User | None) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.username


def _raiser_roles() -> str:
    from joinedup.accounts.models import Role

    labels = dict(Role.choices)
    names = [(label := labels.get(r, r))[:1].lower() + label[1:] for r in practice_settings().concern_raiser_roles]
    return " and the ".join([", the ".join(names[:-1]), names[-1]]) if len(names) > 1 else "".join(names)


# --- one concern: answering it, telling the raiser ---------------------------------------------------------------


class RespondForm(Form):
    response = forms.CharField(required=False, max_length=TEXT_LIMIT, label="What was done?")
    error_subjects = {"response": "What was done"}
    responded_at = forms.DateTimeField(required=False, input_formats=DATETIME_FORMATS,
                                       label="When was it answered? (optional)",
                                       error_messages={"invalid": MOMENT_INVALID.format(what="when it was answered")})
    revision = forms.IntegerField(min_value=0, widget=forms.HiddenInput)


class ToldForm(Form):
    how = forms.CharField(required=False, max_length=HOW_LIMIT, label="How were they told?")
    error_subjects = {"how": "How they were told"}
    told_at = forms.DateTimeField(required=False, input_formats=DATETIME_FORMATS,
                                  label="When were they told? (optional)",
                                  error_messages={"invalid": MOMENT_INVALID.format(what="when they were told")})
    revision = forms.IntegerField(min_value=0, widget=forms.HiddenInput)


def _post(request, view, do: str, form):
    """Answer, or record that the raiser was told; None when done (the caller redirects), else the form."""
    if not form.is_valid():
        return form
    data = form.cleaned_data
    try:
        if do == "respond":
            concern_respond(user=request.user, concern_id=view.concern.pk, response=data["response"],
                            responded_at=data["responded_at"], revision=data["revision"])
        else:
            concern_raiser_told(user=request.user, concern_id=view.concern.pk, how=data["how"],
                                told_at=data["told_at"], revision=data["revision"])
    except PermissionError as exc:
        raise Http404 from exc
    except StepInvalid as exc:
        _put(form, exc.errors)
    except Conflict as exc:
        fresh = request.POST.copy()
        fresh["revision"] = str(exc.current_revision)
        form = type(form)(fresh)
        form.is_valid()
        form.add_error(None, exc.message)
    else:
        return None
    return form


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
@reads_personal_data
def concern_detail(request, concern_id):
    """One concern: what was said, by what kind of raiser (and who, for the named roles), the children, the
    responder and deadline, what was done and whether the raiser was told."""
    view = concern_for_viewer(viewer=request.user, concern_id=concern_id)
    if view is None:
        raise Http404
    do = request.POST.get("do", "") if request.method == "POST" else ""
    initial = {"revision": view.concern.revision}
    respond_form = RespondForm(initial=initial)
    told_form = ToldForm(initial=initial)
    if request.method == "POST":
        if do not in ("respond", "told") or not view.may_respond:
            raise Http404
        form = _post(request, view, do, (RespondForm if do == "respond" else ToldForm)(request.POST))
        if form is None:
            messages.success(request, "What was done is recorded in each child's file." if do == "respond"
                             else "Recorded that the raiser was told.")
            return redirect("web:concern", concern_id=view.concern.pk)
        view = concern_for_viewer(viewer=request.user, concern_id=concern_id) or view
        respond_form, told_form = (form, told_form) if do == "respond" else (respond_form, form)
    actor = actor_for(request.user)
    audit_event_record(actor=actor, action=AuditAction.CONCERN_VIEW, object_type="concern", object_id=view.concern.pk,
                       detail={"children": [str(p.pk) for p in view.children]})
    if view.raiser_shown:
        audit_event_record(actor=actor, action=AuditAction.CONCERN_RAISER_VIEW, object_type="concern",
                           object_id=view.concern.pk, detail={"withheld": view.concern.identity_withheld})
    return render(request, "web/practice/concerns/detail.html", {
        "view": view, "concern": view.concern, "respond_form": respond_form, "told_form": told_form,
        "errors": [*respond_form.errors.items(), *told_form.errors.items()] if request.method == "POST" else [],
        "responder_name": _name(view.concern.responder), "raiser_roles": _raiser_roles(),
        "children": [(p, may_view_chronology(request.user, p)) for p in view.children],
    })
