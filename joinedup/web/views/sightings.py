"""Unidentified adults ("Steve", "Mum's boyfriend"): a worker who knows says who they are."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from joinedup.accounts.services import actor_for
from joinedup.audit.actions import AuditAction
from joinedup.audit.decorators import reads_personal_data
from joinedup.audit.services import audit_event_record
from joinedup.people import selectors, services
from joinedup.web.forms import SightingForm


def _age(candidate) -> str:
    if candidate.age is None:
        return "age not known"
    return f"{candidate.age} years old then"


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
@reads_personal_data
def sighting(request, mention_id: int):
    """One unidentified adult: where, when and by whom they were recorded, and who they might be."""
    detail = selectors.sighting_for(viewer=request.user, mention_id=mention_id)
    if detail is None:
        raise Http404
    choices = [(str(c.person.pk), f"{c.label} ({_age(c)}; seen there {c.first_seen_on:%b %Y} to {c.last_seen_on:%b %Y})")
               for c in detail.candidates]
    form = SightingForm(request.POST or None, choices=choices)
    try:  # the person page the worker came from, to go back to
        back = str(uuid.UUID(request.GET.get("from") or ""))
    except ValueError:
        back = ""
    if request.method == "POST" and form.is_valid():
        try:
            made = services.sighting_identify(mention_id=mention_id, person_id=form.cleaned_data["person"],
                                              user=request.user, reason=form.cleaned_data["reason"])
        except ValueError as exc:
            field, _, message = str(exc).partition(": ")
            form.add_error(field if field in form.fields else None, message or str(exc))
        else:
            messages.success(request, f"Recorded: “{detail.label}” is {made.person.display_name or 'that person'}. "
                                      "Every later linkage run keeps this.")
            return redirect("web:person", person_id=back or made.person_id)
    audit_event_record(actor=actor_for(request.user), action=AuditAction.SIGHTING_VIEW, object_type="mention",
                       object_id=mention_id, subject_person_id=detail.named_with[0].pk)
    return render(request, "web/people/sighting.html", {"detail": detail, "form": form, "back": back})
