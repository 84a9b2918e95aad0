"""Partners: making a referral to children's social care, and seeing what became of each one."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_http_methods

from joinedup.accounts.services import actor_for
from joinedup.audit.actions import AuditAction
from joinedup.audit.decorators import reads_personal_data
from joinedup.audit.services import audit_read_many
from joinedup.casework.lookup import children_matching
from joinedup.casework.relationships import may_make_referral
from joinedup.casework.selectors import referrals_made_by
from joinedup.casework.services import NewPerson, StepInvalid, contact_record
from joinedup.web.forms_casework import ReferralForm
from joinedup.web.views.frontdoor import put_errors

PAGE_SIZE = 50


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
@cache_control(no_store=True)
def referral_new(request):
    """A partner raises a concern about a child. Shows only what the partner typed (nothing joinedup holds):
    whether the child was already known is not said."""
    user = request.user
    if not may_make_referral(user):
        raise Http404
    form = ReferralForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        found = children_matching(nhs_number=data["nhs_number"], given_name=data["given_name"],
                                  family_name=data["family_name"], dob=data["dob"],
                                  today=timezone.localdate())
        person = found[0] if len(found) == 1 else None
        if person is None and not (data["given_name"].strip() or data["family_name"].strip()):
            form.add_error("given_name", "Enter the child's first and last name as well as their NHS number")
            return render(request, "web/casework/referral_new.html", {"form": form})
        # What the partner typed is kept either way: it is how their referrals page and notices name the child.
        new = NewPerson(given_name=data["given_name"].strip(), family_name=data["family_name"].strip(),
                        dob=data["dob"], nhs_number=data["nhs_number"])
        try:
            contact_record(user=user, person=person, new_person=new, raised_by="agency", text=data["text"])
        except PermissionError as exc:
            raise Http404 from exc
        except StepInvalid as exc:
            put_errors(form, exc.errors, aliases={"person": "given_name"})
        else:
            messages.success(request, "Your referral was sent to children's social care's front door. They decide "
                                      "what happens next within one working day; the outcome will be shown here and "
                                      "in your notices.")
            return redirect("web:referrals")
    return render(request, "web/casework/referral_new.html", {"form": form})


@require_GET
@login_required
@reads_personal_data
def referrals(request):
    """The referrals the partner made in joinedup, newest first, with what was decided and when."""
    contacts = referrals_made_by(viewer=request.user)
    if contacts is None:
        raise Http404
    page = Paginator(contacts, PAGE_SIZE).get_page(request.GET.get("page"))
    audit_read_many(actor=actor_for(request.user), action=AuditAction.REFERRAL_LIST, object_type="contact",
                    object_ids=[c.record_id for c in page])
    return render(request, "web/casework/referrals.html", {"page": page, "query": ""})
