"""Self-claimed relationships and break-glass (find a person outside your relationships, with a reason), the data
protection officer's review of each, and commissioning a case review."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from joinedup.access import claims, policy
from joinedup.access.models import ClaimOutcome
from joinedup.accounts.selectors import case_reviewers
from joinedup.accounts.services import actor_for
from joinedup.audit.actions import AuditAction
from joinedup.audit.decorators import reads_personal_data
from joinedup.audit.services import audit_read_many
from joinedup.core.time import utc_now
from joinedup.people.selectors import person_in_scope, person_search
from joinedup.web.forms import PersonSearchForm
from joinedup.web.forms_base import Form


class ClaimForm(PersonSearchForm):
    """Why the user needs to see someone outside their relationships, and whom they are looking for."""

    kind = forms.ChoiceField(
        label="What kind of access", widget=forms.RadioSelect,
        choices=[(policy.Relation.SELF_CLAIM, "I have a working relationship with this person that joinedup does "
                  "not know about (self-claim)"),
                 (policy.Relation.BREAK_GLASS, "Emergency: I need to see everything now (break-glass)")],
        error_messages={"required": "Select the kind of access"},
    )
    reason_code = forms.ChoiceField(label="Reason", choices=[("", "Choose a reason"), *policy.CLAIM_REASONS],
                                    error_messages={"required": "Select a reason"})
    reason_text = forms.CharField(label="Say why", widget=forms.Textarea(attrs={"rows": 3}), max_length=2000,
                                  min_length=10, error_messages={
                                      "required": "Say why you need to see this person",
                                      "min_length": "Say why in at least 10 characters"})
    person = forms.UUIDField(required=False, widget=forms.HiddenInput)

    error_subjects = {"reason_text": "Why you need to see this person"}


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
@reads_personal_data
def claim(request):
    """Find a person outside your relationships, with a reason; opening one records the claim (time-limited,
    shown on every page, reviewed by the data protection officer)."""
    if not policy.may_claim_access(request.user):
        raise Http404
    form = ClaimForm(request.POST or None)
    page = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if data["person"] is not None:
            found = person_search(viewer=request.user, everyone=True, name=data["name"], dob=data["dob"],
                                  nhs_number=data["nhs_number"]).filter(pk=data["person"]).first()
            if found is None:
                raise Http404
            try:
                claims.claim_start(user=request.user, person_id=found.pk, kind=data["kind"],
                                   reason_code=data["reason_code"], reason_text=data["reason_text"])
            except claims.ClaimError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, f"Access recorded until {claims.claim_hours()} hours from now. The data "
                                 "protection officer has been told and will review it.")
                return redirect("web:person", person_id=found.pk)
        if form.is_valid():
            results = person_search(viewer=request.user, everyone=True, name=data["name"], dob=data["dob"],
                                    nhs_number=data["nhs_number"])
            page = Paginator(results, 10).get_page(1)
            # Names only, to choose from; a search beyond one's relationships is itself audited as such.
            audit_read_many(actor=actor_for(request.user), action=AuditAction.ACCESS_CLAIM_SEARCH,
                            object_type="person", object_ids=[p.pk for p in page], person_ids=[p.pk for p in page],
                            reason=f"{data['kind']}: {data['reason_code']}: {data['reason_text'][:300]}")
    if page is None:
        audit_read_many(actor=actor_for(request.user), action=AuditAction.ACCESS_CLAIM_SEARCH, object_type="person",
                        object_ids=[], reason="form")
    return render(request, "web/access/claim.html", {"form": form, "page": page,
                                                     "hours": claims.claim_hours()})


@require_POST
@login_required
def claim_end(request, claim_id):
    """End one's own claim now."""
    if claims.claim_end(user=request.user, claim_id=claim_id) is None:
        raise Http404
    messages.success(request, "Access ended.")
    return redirect("web:home")


class ReviewForm(Form):
    outcome = forms.ChoiceField(choices=ClaimOutcome.choices, widget=forms.RadioSelect, label="Finding",
                                error_messages={"required": "Select a finding"})
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=2000,
                           label="What you found and what happens next")


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
@reads_personal_data
def claims_review(request):
    """The data protection officer's queue: every self-claim and break-glass, oldest first, overdue marked."""
    if not policy.may_review_access_claims(request.user):
        raise Http404
    reviewed = request.GET.get("reviewed") == "1"
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            claims.claim_review(reviewer=request.user, claim_id=request.POST.get("claim"),
                                outcome=form.cleaned_data["outcome"], note=form.cleaned_data["note"])
        except (claims.ClaimError, ValueError) as exc:
            form.add_error("note" if getattr(exc, "field", "") == "note" else None,
                           getattr(exc, "message", "That claim cannot be reviewed"))
        else:
            messages.success(request, "Review recorded.")
            return redirect("web:claims-review")
    page = Paginator(claims.claims_for_review(viewer=request.user, reviewed=reviewed), 25).get_page(
        request.GET.get("page"))
    now = utc_now()
    rows = [(c, claims.review_due(c), c.reviewed_at is None and claims.review_due(c) < now) for c in page]
    audit_read_many(actor=actor_for(request.user), action=AuditAction.ACCESS_CLAIM_LIST, object_type="access_claim",
                    object_ids=[c.pk for c in page], person_ids=[c.person_id for c in page])
    return render(request, "web/access/claims_review.html", {
        "page": page, "rows": rows, "reviewed": reviewed, "form": form,
        "summary": claims.claims_review_summary(viewer=request.user), "reasons": claims.REASON_LABELS,
        "failed_claim": request.POST.get("claim", "") if request.method == "POST" else "",
    })


class CommissionForm(Form):
    reviewer = forms.ModelChoiceField(queryset=None, label="Case reviewer",
                                      error_messages={"required": "Select the case reviewer"})
    reference = forms.CharField(max_length=200, label="Review",
                                help_text="For example, Child Safeguarding Practice Review 2026/3",
                                error_messages={"required": "Name the review"})
    starts_on = forms.DateField(label="From", input_formats=["%Y-%m-%d", "%d/%m/%Y"],
                                error_messages={"required": "Enter the first day", "invalid": "Enter a date like 1/12/2026"})
    ends_on = forms.DateField(label="Until", input_formats=["%Y-%m-%d", "%d/%m/%Y"],
                              error_messages={"required": "Enter the last day", "invalid": "Enter a date like 31/3/2027"})

    def __init__(self, *args, reviewers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reviewer"].queryset = reviewers


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
@reads_personal_data
def commission_new(request, person_id):
    """Commission a case reviewer to review this child's case: they see its pseudonymised chronology, for a period."""
    person, _merged, scope = person_in_scope(viewer=request.user, person_id=person_id)
    if scope != policy.Scope.FULL or not policy.may_commission_reviews(request.user):
        raise Http404
    reviewers = case_reviewers()  # independent reviewers may belong to any agency
    today = utc_now().date()
    form = CommissionForm(request.POST or None, reviewers=reviewers,
                          initial={"starts_on": today, "ends_on": today + dt.timedelta(days=180)})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            claims.commission_create(user=request.user, reviewer=data["reviewer"], person_id=person.pk,
                                     reference=data["reference"], starts_on=data["starts_on"], ends_on=data["ends_on"])
        except claims.ClaimError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, f"{data['reviewer']} may now see this child's pseudonymised chronology.")
            return redirect("web:person", person_id=person.pk)
    audit_read_many(actor=actor_for(request.user), action=AuditAction.PERSON_VIEW, object_type="person",
                    object_ids=[person.pk], person_ids=[person.pk], reason="commission a case review: form")
    return render(request, "web/access/commission.html", {"person": person, "form": form})


def commissions_for_home(user) -> list:
    """A case reviewer's commissions in force, for their home page."""
    return list(claims.commissions_of(viewer=user))


__all__ = ["claim", "claim_end", "claims_review", "commission_new", "commissions_for_home"]
