"""The front door: the queue of open contacts with their clocks, recording a contact (find the child first),
and one contact with what partners hold, its rating and its decision."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from joinedup.accounts.services import actor_for
from joinedup.audit.actions import AuditAction
from joinedup.audit.decorators import reads_personal_data
from joinedup.audit.services import audit_event_record, audit_read_many
from joinedup.casework import codes, selectors
from joinedup.casework.lifecycle import Refused
from joinedup.casework.relationships import may_record_contact, may_view_case, may_view_chronology, may_view_front_door
from joinedup.casework.services import Conflict, NewPerson, StepInvalid, contact_decide, contact_rate, contact_record
from joinedup.people.selectors import person_for_new_contact, person_search
from joinedup.web import casework_display as display
from joinedup.web.forms import PersonSearchForm
from joinedup.web.forms_casework import ContactForm, DecideForm, NewChildForm, QueueFilterForm, RateForm

PAGE_SIZE = 50
FOUND_LIMIT = 20  # children listed when finding the child for a contact


def put_errors(form, errors: dict[str, str], *, aliases: dict[str, str] | None = None) -> None:
    """A service's `StepInvalid` errors on the form's fields (anything else at the top of the form)."""
    for key, message in errors.items():
        key = (aliases or {}).get(key, key)
        form.add_error(key if key in form.fields else None, message)


@require_GET
@login_required
@reads_personal_data
def queue(request):
    """Open contacts, the most urgent clock first (overdue ones lead), with counts and filters."""
    form = QueueFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    now = timezone.now()
    contacts = selectors.front_door_queue(viewer=request.user, rag=filters.get("rag", ""),
                                          overdue=filters.get("overdue", False), now=now)
    if contacts is None:
        raise Http404
    page = Paginator(contacts, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = display.queue_rows(page, now=now)
    audit_read_many(actor=actor_for(request.user), action=AuditAction.CONTACT_LIST, object_type="contact",
                    object_ids=[r.contact.record_id for r in rows],
                    reason=" ".join(f"{k}={v}" for k, v in filters.items() if v))
    query = QueryDict(mutable=True)
    query.update({k: ("on" if v is True else v) for k, v in filters.items() if v})
    return render(request, "web/casework/queue.html", {
        "form": form, "page": page, "rows": rows, "counts": selectors.front_door_counts(viewer=request.user, now=now),
        "query": f"{query.urlencode()}&" if query else "", "filtered": bool(query),
        "may_record_contact": may_record_contact(request.user),
    })


def _split_name(name: str) -> tuple[str, str]:
    words = name.split()
    return (" ".join(words[:-1]), words[-1]) if len(words) > 1 else ("", " ".join(words))


def _find_the_child(request, *, choose_error: str = ""):
    """The first stage: search (terms in the POST body), then choose one of the children found."""
    bound = request.method == "POST"
    find = PersonSearchForm(request.POST if bound else None)
    found = None
    more = False
    if bound and find.is_valid():
        data = find.cleaned_data
        people = list(person_search(viewer=request.user, name=data["name"], dob=data["dob"],  # anyone: a new contact
                                    nhs_number=data["nhs_number"], everyone=True)[:FOUND_LIMIT + 1])
        found, more = people[:FOUND_LIMIT], len(people) > FOUND_LIMIT
    terms = " ".join(f"{k}={v}" for k, v in find.cleaned_data.items() if v) if bound and find.is_valid() else ""
    audit_read_many(actor=actor_for(request.user), action=AuditAction.PERSON_SEARCH, object_type="person",
                    object_ids=[p.pk for p in found or []], reason=f"record a contact: {terms or 'find the child'}")
    return render(request, "web/casework/contact_find.html", {
        "find": find, "found": found, "more": more, "choose_error": choose_error,
        "show_find_errors": bound and request.POST.get("do") == "search",
    })


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
@reads_personal_data
def contact_new(request):
    """Record a contact: find the child (search terms in the POST body, never the address), choose them or
    describe a new child, then say who raised it and what the concern is."""
    user = request.user
    if not may_record_contact(user):
        raise Http404
    do = request.POST.get("do", "") if request.method == "POST" else ""
    if do == "search":
        return _find_the_child(request)
    if do == "choose":
        chosen = request.POST.get("child", "")
        if not chosen:
            return _find_the_child(request, choose_error="Select the child, or enter their details")
        return redirect(f"{reverse('web:contact-new')}?child={_uuid_or_404(chosen)}")
    wanted = request.POST.get("child", "") if do == "record" else "new" if do == "new" else request.GET.get("child")
    if not wanted:
        return _find_the_child(request)
    person = None
    if wanted == "new":
        if do == "new":  # from the search: what was typed starts the child's details
            given, family = _split_name(request.POST.get("name", ""))
            child_form = NewChildForm(initial={"given_name": given, "family_name": family,
                                               "dob": request.POST.get("dob", ""),
                                               "nhs_number": request.POST.get("nhs_number", "")})
        else:
            child_form = NewChildForm(request.POST if do == "record" else None)
    else:
        person = person_for_new_contact(viewer=user, person_id=_uuid_or_404(wanted))
        if person is None:
            raise Http404
        child_form = None
    form = ContactForm(request.POST if do == "record" else None)
    if do == "record" and form.is_valid() and (child_form is None or child_form.is_valid()):
        data = form.cleaned_data
        new = None
        if child_form is not None:
            c = child_form.cleaned_data
            new = NewPerson(given_name=c["given_name"].strip(), family_name=c["family_name"].strip(), dob=c["dob"],
                            nhs_number=c["nhs_number"])
        try:
            made = contact_record(user=user, person=person, new_person=new, raised_by=data["raised_by"],
                                  source_code=data["source_code"] if data["raised_by"] == "agency" else "",
                                  raised_by_name=data["raised_by_name"], text=data["text"], rag=data["rag"],
                                  received_at=data["received_at"])
        except PermissionError as exc:
            raise Http404 from exc
        except StepInvalid as exc:
            put_errors(form, {k: v for k, v in exc.errors.items() if k != "person"})
            if "person" in exc.errors:
                put_errors(child_form or form, {"family_name": exc.errors["person"]})
        else:
            return _after_recording(request, made)
    audit_event_record(actor=actor_for(user), action=AuditAction.PERSON_VIEW if person else AuditAction.PERSON_SEARCH,
                       object_type="person", object_id=person.pk if person else "",
                       subject_person_id=person.pk if person else None, detail={"view": "record_contact"})
    return render(request, "web/casework/contact_new.html", {
        "form": form, "child_form": child_form, "person": person,
        "child_value": "new" if person is None else str(person.pk),
        "raised_by_choices": list(codes.RAISED_BY.items()), "rag_choices": list(codes.RAG_RATINGS.items()),
        "source_choices": list(form.fields["source_code"].choices),
        "has_errors": bool(form.errors or (child_form is not None and child_form.errors)),
        "rag_hint": display.rag_hint(),
    })


def _uuid_or_404(value: str):
    try:
        return uuid.UUID(str(value))
    except ValueError as exc:
        raise Http404 from exc


def _after_recording(request, made):
    user = request.user
    if may_view_front_door(user) or may_view_case(user, made.person):
        messages.success(request, f"Contact about {made.person.display_name} recorded. Its decision is due within "
                                  "one working day.")
        return redirect("web:contact", record_pk=made.record_pk)
    messages.success(request, f"Contact about {made.person.display_name} recorded. The front door will decide what "
                              "happens next within one working day.")
    if may_view_chronology(user, made.person):
        return redirect("web:chronology", person_id=made.person.pk)
    return redirect("web:home")


def _fresh(form_class, post, revision: int):
    """The form as the worker filled it, carrying the contact's current revision (after a conflict)."""
    data = post.copy()
    data["revision"] = str(revision)
    form = form_class(data)
    form.is_valid()
    return form


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
@reads_personal_data
def contact_detail(request, record_pk: int):
    """One contact: what was said, its clocks, what every partner holds on the child, rating and decision."""
    user = request.user
    view = selectors.contact_for_viewer(viewer=user, record_pk=record_pk)
    if view is None:
        raise Http404
    do = request.POST.get("do", "") if request.method == "POST" else ""
    initial = {"revision": view.state.revision}
    rate_form = RateForm(request.POST if do == "rate" else None, initial={**initial, "rag": view.state.rag})
    decide_form = DecideForm(request.POST if do == "decide" else None,
                             initial={**initial, "primary_need": ""})
    if request.method == "POST":
        if not view.may_decide or do not in ("rate", "decide"):
            raise Http404
        form = rate_form if do == "rate" else decide_form
        if form.is_valid():
            data = form.cleaned_data
            try:
                if do == "rate":
                    contact_rate(user=user, person=view.person, record_pk=record_pk, rag=data["rag"],
                                 revision=data["revision"])
                    messages.success(request, f"Rated {codes.RAG_RATINGS[data['rag']].lower()}.")
                    return redirect("web:contact", record_pk=record_pk)
                decided = contact_decide(user=user, person=view.person, record_pk=record_pk,
                                         decision=data["decision"], reason=data["reason"],
                                         primary_need=data["primary_need"], revision=data["revision"])
            except PermissionError as exc:
                raise Http404 from exc
            except StepInvalid as exc:
                put_errors(form, exc.errors, aliases={"contact": ""})
            except Refused as exc:
                form.add_error(None, exc.sentence)
            except Conflict as exc:
                view = selectors.contact_for_viewer(viewer=user, record_pk=record_pk) or view
                form = _fresh(type(form), request.POST, exc.current_revision)
                form.add_error(None, exc.message)
                rate_form, decide_form = (form, decide_form) if do == "rate" else (rate_form, form)
            else:
                return _after_decision(request, view, decided)
    audit_event_record(actor=actor_for(user), action=AuditAction.CONTACT_VIEW, object_type="contact",
                       object_id=record_pk, subject_person_id=view.person.pk,
                       detail={"holdings": len(view.holdings)})
    rag_label, rag_class = display.rag_tag(view.state.rag)
    return render(request, "web/casework/contact.html", {
        "view": view, "contact": view.state, "person": view.person, "rate_form": rate_form,
        "decide_form": decide_form, "clocks": display.clock_rows(view.state.clocks),
        "rag_label": rag_label, "rag_class": rag_class,
        "decisions": list(codes.CONTACT_DECISIONS.items()), "ratings": list(codes.RAG_RATINGS.items()),
        "needs": list(codes.PRIMARY_NEEDS.items()), "rag_hint": display.rag_hint(),
        "holdings": display.holding_rows(view.holdings),
        "errors": [*rate_form.errors.items(), *decide_form.errors.items()] if request.method == "POST" else [],
        "may_view_chronology": may_view_chronology(user, view.person),
    })


def _after_decision(request, view, decided):
    label = codes.label(codes.CONTACT_DECISIONS, decided.contact.decision if decided.contact else "")
    if decided.case_id is not None:
        messages.success(request, f"Decision recorded: {label.lower()}. {view.person.display_name}'s case is open; "
                                  "start the next step from here.")
        if may_view_case(request.user, view.person):
            return redirect("web:case", case_id=decided.case_id)
    else:
        messages.success(request, f"Decision recorded for {view.person.display_name}: {label.lower()}.")
    return redirect(reverse("web:front-door"))
