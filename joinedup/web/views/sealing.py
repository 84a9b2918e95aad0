"""Sealed records (security promise 3): a head of service seals a person; anyone asks, with the seal's reference,
for it to be unsealed for themselves; a second, different person of a higher role approves or refuses; the data
protection officer sees and reviews every unsealing. The rules are the access policy's (`joinedup.access.policy`,
`joinedup.access.sealing`); these views parse, call one service or selector, audit and render."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from joinedup.access import policy, sealing
from joinedup.accounts.services import actor_for
from joinedup.audit.actions import AuditAction
from joinedup.audit.decorators import reads_personal_data
from joinedup.audit.services import audit_event_record
from joinedup.people.selectors import person_for_viewer
from joinedup.web.forms_base import Form


class SealForm(Form):
    reason = forms.CharField(max_length=2000, strip=True, widget=forms.Textarea, error_messages={
        "required": "Enter why this record is sealed (for example, the adoption order)",
        "max_length": "The reason must be 2,000 characters or fewer"})


class UnsealRequestForm(Form):
    reference = forms.CharField(max_length=32, strip=True, error_messages={
        "required": "Enter the seal's reference (the head of service who sealed it gives it to you)"})
    reason = forms.CharField(max_length=2000, strip=True, widget=forms.Textarea, error_messages={
        "required": "Enter why you need to see the sealed record",
        "max_length": "The reason must be 2,000 characters or fewer"})


class UnsealDecisionForm(Form):
    """A decision on a request to unseal: the note (needed to refuse; the service says so)."""

    note = forms.CharField(required=False, max_length=2000, strip=True, widget=forms.Textarea,
                           label="Your reason (needed to refuse)",
                           error_messages={"max_length": "Your reason must be 2,000 characters or fewer"})


def _sentence(message: str) -> str:
    return message[:1].upper() + message[1:]


def _may_use_register(user) -> bool:
    return policy.may_request_unseal(user) or policy.may_seal(user) or policy.may_review_unsealing(user)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
@reads_personal_data
def person_seal(request, person_id):
    """A head of service seals a person they can see (an adoption, a court order), with a reason."""
    person, merged_from = person_for_viewer(viewer=request.user, person_id=person_id)
    if person is None or not policy.may_seal(request.user):
        raise Http404
    if merged_from is not None:
        return redirect("web:person-seal", person_id=person.pk)
    form = SealForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            seal = sealing.person_seal(user=request.user, person_id=person.pk, reason=form.cleaned_data["reason"])
        except sealing.SealError as exc:
            form.add_error("reason" if exc.field == "reason" else None, _sentence(exc.message))
        else:
            messages.success(request, f"The record is sealed. Its reference is {seal.reference}: give it to anyone who "
                                      "must ask for it to be unsealed. Nobody sees the record until someone of a "
                                      "higher role approves their request.")
            return redirect("web:sealed")
    audit_event_record(actor=actor_for(request.user), action=AuditAction.PERSON_VIEW, object_type="person",
                       object_id=person.pk, subject_person_id=person.pk, detail={"view": "seal"})
    return render(request, "web/sealing/seal.html", {"person": person, "form": form})


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
@reads_personal_data
def register(request):
    """Seals (heads of service, the DPO), requests waiting for the viewer's decision, the DPO's review of every
    unsealing, and the viewer's own requests. POST: approve, refuse or review one request."""
    user = request.user
    if not _may_use_register(user):
        raise Http404
    decision = UnsealDecisionForm(request.POST if request.method == "POST" else None)
    failed_request = ""
    if request.method == "POST":
        do, request_id = request.POST.get("do", ""), request.POST.get("request", "")
        try:
            if do in ("approve", "refuse"):
                if not decision.is_valid():  # the note too long: shown again on its request, as typed
                    raise sealing.SealError("note", "")
                decided = sealing.unseal_decide(user=user, request_id=request_id, approve=do == "approve",
                                                note=decision.cleaned_data["note"])
                messages.success(request, f"Unsealing of {decided.seal.reference} "
                                          f"{'approved' if do == 'approve' else 'refused'}.")
            elif do == "review":
                sealing.unseal_review(user=user, request_id=request_id)
                messages.success(request, "Recorded as reviewed.")
            else:
                raise Http404
        except sealing.SealError as exc:
            if exc.field in ("request", "user"):
                raise Http404 from exc
            if exc.field != "note":
                messages.error(request, _sentence(exc.message) + ".")
                return redirect("web:sealed")
            if exc.message:
                decision.add_error("note", _sentence(exc.message))
            failed_request = request_id
        else:
            return redirect("web:sealed")
    lists = sealing.unseal_requests_for(viewer=user)
    seals = list(sealing.seals_visible_to(viewer=user)[:200])
    audit_event_record(actor=actor_for(user), action=AuditAction.SEAL_LIST, object_type="seal", object_id="",
                       detail={"seals": [str(s.pk) for s in seals],
                               "requests": sorted({str(r.pk) for rows in lists.values() for r in rows})})
    return render(request, "web/sealing/register.html", {
        "seals": seals, **lists, "may_request": policy.may_request_unseal(user),
        "hours": sealing.unseal_hours(), "form": decision, "failed_request": failed_request,
    })


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def unseal_request(request):
    """Ask for a sealed record to be unsealed for you, with its reference and why."""
    if not policy.may_request_unseal(request.user):
        raise Http404
    form = UnsealRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            sealing.unseal_request(user=request.user, reference=form.cleaned_data["reference"],
                                   reason=form.cleaned_data["reason"])
        except sealing.SealError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, _sentence(exc.message))
        else:
            messages.success(request, "Your request is waiting for someone of a higher role to approve it. The data "
                                      "protection officer is told of every unsealing.")
            return redirect("web:sealed")
    return render(request, "web/sealing/request.html", {"form": form, "hours": sealing.unseal_hours()})
