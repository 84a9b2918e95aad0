"""People: search, a person's identities and household over time, and the review queue for uncertain matches."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from joinedup.access.policy import may_look_up_people, may_review_matches
from joinedup.accounts.services import actor_for
from joinedup.audit.actions import AuditAction
from joinedup.audit.decorators import reads_personal_data
from joinedup.audit.services import audit_event_record, audit_read_many
from joinedup.casework.relationships import may_view_chronology
from joinedup.people import selectors, services
from joinedup.web.charts import household_timeline
from joinedup.web.forms import DecisionForm, PersonSearchForm, SplitForm
from joinedup.web.views.cases import child_cases


@require_GET
@login_required
@reads_personal_data
def person_search(request):
    """Find a person; results show each person once, however many agencies know them."""
    if not may_look_up_people(request.user):
        raise Http404
    form = PersonSearchForm(request.GET or None)
    page = None
    if form.is_valid():
        data = form.cleaned_data
        people = selectors.person_search(viewer=request.user, name=data["name"], dob=data["dob"],
                                         nhs_number=data["nhs_number"])
        page = Paginator(people, 25).get_page(request.GET.get("page"))
    audit_read_many(actor=actor_for(request.user), action=AuditAction.PERSON_SEARCH, object_type="person",
                    object_ids=[p.pk for p in page] if page else [],
                    reason="search: " + " ".join(f"{k}={v}" for k, v in (form.cleaned_data.items() if form.is_valid() else []) if v))
    return render(request, "web/people/search.html", {"form": form, "page": page})


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
@reads_personal_data
def person_detail(request, person_id):
    """A person: who they are across agencies, the records behind each identity, and their household over time."""
    person, merged_from = selectors.person_for_viewer(viewer=request.user, person_id=person_id)
    if person is None:
        raise Http404
    if merged_from is not None:
        return redirect("web:person", person_id=person.pk)
    split_form = SplitForm(request.POST or None)
    if request.method == "POST":
        if not may_review_matches(request.user):
            raise Http404
        if split_form.is_valid():
            try:
                new_person = services.person_split(
                    person=person, source_identity=split_form.cleaned_data["source_identity"], user=request.user,
                    reason=split_form.cleaned_data["reason"],
                )
            except ValueError as exc:
                split_form.add_error("reason", str(exc).split(": ", 1)[-1])
            else:
                messages.success(request, "The records were split off as a separate person.")
                return redirect("web:person", person_id=new_person.pk)
    identities = selectors.person_identities(person=person)
    household = selectors.person_household(person=person)
    companions = selectors.person_companions(person=person)
    audit_event_record(actor=actor_for(request.user), action=AuditAction.PERSON_VIEW, object_type="person",
                       object_id=person.pk, subject_person_id=person.pk)
    return render(request, "web/people/detail.html", {
        "person": person,
        "identities": identities,
        "household": household,
        "chart": household_timeline(person, household),
        "companions": companions,
        "may_split": may_review_matches(request.user) and len(identities) > 1,
        "may_view_chronology": may_view_chronology(request.user, person),
        **child_cases(request.user, person),
        "split_form": split_form,
    })


@require_GET
@login_required
@reads_personal_data
def review_queue(request):
    """Uncertain matches waiting for a person, most likely first."""
    if not may_review_matches(request.user):
        raise Http404
    page = Paginator(selectors.review_queue_for(viewer=request.user), 25).get_page(request.GET.get("page"))
    audit_read_many(actor=actor_for(request.user), action=AuditAction.REVIEW_LIST, object_type="review_item",
                    object_ids=[i.pk for i in page])
    return render(request, "web/people/review_queue.html", {"page": page})


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
@reads_personal_data
def review_item(request, item_id):
    """Two agencies' records side by side, the model's reasons, and the decision."""
    item = selectors.review_item_for(viewer=request.user, item_id=item_id)
    if item is None:
        raise Http404
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.review_decide(item=item, user=request.user, decision=form.cleaned_data["decision"],
                                   reason=form.cleaned_data["reason"])
        except ValueError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Decision recorded. It applies now and in every later linkage run.")
            next_item = selectors.review_queue_for(viewer=request.user).first()
            return redirect("web:review-item", item_id=next_item.pk) if next_item else redirect("web:review-queue")
    audit_event_record(actor=actor_for(request.user), action=AuditAction.REVIEW_VIEW, object_type="review_item",
                       object_id=item.pk)
    left = selectors.identity_summary(source_identity=item.left_source_identity)
    right = selectors.identity_summary(source_identity=item.right_source_identity)
    labels = list(dict.fromkeys([*left["values"], *right["values"]]))
    rows = [(label, left["values"].get(label, []), right["values"].get(label, [])) for label in labels]
    return render(request, "web/people/review_item.html", {
        "item": item, "form": form, "left": left, "right": right, "rows": rows,
        "fields": sorted((item.fields or {}).items()),
    })

