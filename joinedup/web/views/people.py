"""People: search, a person's identities and household over time, and the review queue for uncertain matches."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from joinedup.access.policy import (
    Scope,
    may_commission_reviews,
    may_identify_sightings,
    may_look_up_child_status,
    may_look_up_people,
    may_review_matches,
    may_seal,
)
from joinedup.access.relationships import relationships_to
from joinedup.accounts.services import actor_for
from joinedup.audit.actions import AuditAction
from joinedup.audit.decorators import reads_personal_data
from joinedup.audit.services import audit_event_record, audit_read_many
from joinedup.casework.relationships import may_view_chronology
from joinedup.people import selectors, services
from joinedup.people.models import ReviewStatus
from joinedup.web.charts import household_timeline
from joinedup.web.forms import DecisionForm, PersonSearchForm, ReviewBatchForm, ReviewFilterForm, SplitForm
from joinedup.web.reads import relationships_remembered_on_read
from joinedup.web.views.cases import child_cases


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
@reads_personal_data
def person_search(request):
    """Find a person; results show each person once, however many agencies know them.

    The terms travel in a POST body, never the URL (so never in browser history, a proxy's or the server's access
    log, or a Referer header); a GET shows the empty form whatever its query string says. The page buttons post the
    terms again with the page wanted."""
    if not may_look_up_people(request.user):
        raise Http404
    form = PersonSearchForm(request.POST if request.method == "POST" else None)
    page = None
    if form.is_valid():
        data = form.cleaned_data
        people = selectors.person_search(viewer=request.user, name=data["name"], dob=data["dob"],
                                         nhs_number=data["nhs_number"])
        page = Paginator(people, 25).get_page(request.POST.get("page"))
    audit_read_many(actor=actor_for(request.user), action=AuditAction.PERSON_SEARCH, object_type="person",
                    object_ids=[p.pk for p in page] if page else [],
                    # which identifiers were used, never what was typed (it could be anything, a refuge's street too)
                    reason="search by: " + ", ".join(k for k, v in (form.cleaned_data.items() if form.is_valid() else []) if v))
    return render(request, "web/people/search.html", {"form": form, "page": page})


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
@reads_personal_data
@relationships_remembered_on_read
def person_detail(request, person_id):
    """A person, as much as the viewer's relationship to them shows (joinedup.access.policy.Scope):
    the whole picture — who they are across agencies, the records behind each identity, their household over time
    and the adults recorded with them — or only the viewer's own agency's part of it."""
    person, merged_from, scope = selectors.person_in_scope(viewer=request.user, person_id=person_id)
    if scope not in (Scope.FULL, Scope.AGENCY):
        raise Http404
    if merged_from is not None:
        return redirect("web:person", person_id=person.pk)
    full = scope == Scope.FULL
    split_form = SplitForm(request.POST or None)
    if request.method == "POST":
        if not (full and may_review_matches(request.user)):
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
    if not full:  # their own agency's identity and records only: nothing of the household or other agencies
        identities = [i for i in identities if i.agency_code == request.user.agency.code]
    household = selectors.person_household(person=person) if full else []
    companions = selectors.person_companions(person=person) if full else []
    shown = [person.pk, *(m.person.pk for spell in household for m in spell.housemates if m.person is not None),
             *(c.person.pk for c in companions)]
    audit_event_record(actor=actor_for(request.user), action=AuditAction.PERSON_VIEW, object_type="person",
                       object_id=person.pk, subject_person_id=person.pk, person_ids=shown,
                       detail={"scope": scope, "records": sum(len(i.records) for i in identities)})
    return render(request, "web/people/detail.html", {
        "person": person,
        "scope": scope,
        "full": full,
        "relationships": relationships_to(request.user, person.pk),
        "identities": identities,
        "household": household,
        "chart": household_timeline(person, household) if full else None,
        "companions": companions,
        "may_split": full and may_review_matches(request.user) and len(identities) > 1,
        "may_identify_sightings": full and may_identify_sightings(request.user),
        "may_view_chronology": full and may_view_chronology(request.user, person),
        **(child_cases(request.user, person) if full else {"cases": [], "may_record_contact": False,
                                                           "may_read_practice": False}),
        "may_look_up": may_look_up_child_status(request.user),
        "may_commission": full and may_commission_reviews(request.user),
        "may_seal": may_seal(request.user),  # the policy itself: a template's `perms` asks every backend (2 queries)
        "split_form": split_form,
    })


REVIEW_PAGE_SIZE = 25
_BATCH_OUTCOME = "review_batch_outcome"  # session key: what the last batch did, shown once on the queue


def _review_filters(request) -> tuple[dict, str, ReviewFilterForm]:
    """The queue's filters from the query string (kept on every link and form), and the form showing them."""
    form = ReviewFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    filters = {"reason": data.get("reason", ""), "children_only": bool(data.get("children")),
               "agencies": data.get("agencies", "")}
    query = QueryDict(mutable=True)
    for key in ("reason", "children", "agencies"):
        if data.get(key):
            query[key] = "on" if data[key] is True else data[key]
    return filters, query.urlencode(), form


def _with_query(url: str, *parts: str) -> str:
    query = "&".join(p for p in parts if p)
    return f"{url}?{query}" if query else url


# Each decision of a batch commits on its own (review_decide_many), so one that fails loses no other;
# the page itself is read and audited in one transaction, as ATOMIC_REQUESTS would.
@transaction.non_atomic_requests
@require_http_methods(["GET", "HEAD", "POST"])
@login_required
@reads_personal_data
def review_queue(request):
    """Uncertain matches waiting for a person, those about children first; filter them, decide several at once."""
    if not may_review_matches(request.user):
        raise Http404
    filters, filter_query, filter_form = _review_filters(request)
    batch = ReviewBatchForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and batch.is_valid():
        data = batch.cleaned_data
        outcome = services.review_decide_many(item_ids=data["items"], user=request.user, decision=data["decision"],
                                              reason=data["reason"])
        request.session[_BATCH_OUTCOME] = {  # counts and sentences only: no names in the session
            "decision": "the same person" if outcome.decision == "same" else "different people",
            "decided": len(outcome.decided), "failed_count": len(outcome.failed), "failed": outcome.failed_by_reason(),
        }
        page_query = f"page={request.GET['page']}" if request.GET.get("page", "").isdigit() else ""
        return redirect(_with_query(reverse("web:review-queue"), filter_query, page_query))
    with transaction.atomic():
        items = selectors.review_queue_for(viewer=request.user, **filters)
        page = Paginator(items, REVIEW_PAGE_SIZE).get_page(request.GET.get("page"))
        rows = selectors.review_rows_for(viewer=request.user, items=page)
        summary = selectors.review_queue_summary(viewer=request.user)
        audit_read_many(actor=actor_for(request.user), action=AuditAction.REVIEW_LIST, object_type="review_item",
                        object_ids=[r.item.pk for r in rows],
                        reason=("filters: " + filter_query) if filter_query else "")
        reason_choices = [(r.key, f"{r.label} ({n})") for r, n in summary.by_reason]
        if filters["reason"] and filters["reason"] not in {k for k, _ in reason_choices}:
            reason_choices.append((filters["reason"], "The reason chosen (none waiting)"))
        agency_choices = [(key, f"{names} ({n})") for key, names, n in summary.by_agencies]
        if filters["agencies"] and filters["agencies"] not in {k for k, _ in agency_choices}:
            agency_choices.append((filters["agencies"], "The agencies chosen (none waiting)"))
        return render(request, "web/people/review_queue.html", {
            "page": page, "rows": rows, "summary": summary, "filters": filters, "filter_form": filter_form,
            "filter_query": filter_query, "query": f"{filter_query}&" if filter_query else "",
            "reason_choices": reason_choices, "agency_choices": agency_choices,
            "batch": batch, "selected": set(request.POST.getlist("items")) if request.method == "POST" else set(),
            "outcome": request.session.pop(_BATCH_OUTCOME, None) if request.method != "POST" else None,
        })


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
@reads_personal_data
def review_item(request, item_id):
    """Two agencies' records side by side, the model's reasons, and the decision; then the next in the same order."""
    item = selectors.review_item_for(viewer=request.user, item_id=item_id)
    if item is None:
        raise Http404
    filters, filter_query, _form = _review_filters(request)
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        place = selectors.review_place_of(viewer=request.user, item_id=item.pk, **filters)
        try:
            services.review_decide(item=item, user=request.user, decision=form.cleaned_data["decision"],
                                   reason=form.cleaned_data["reason"])
        except ValueError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Decision recorded. It applies now and in every later linkage run.")
            if place.next_id is not None and place.next_id != item.pk:
                return redirect(_with_query(reverse("web:review-item", args=[place.next_id]), filter_query))
            return redirect(_with_query(reverse("web:review-queue"), filter_query))
    place = selectors.review_place_of(viewer=request.user, item_id=item.pk, **filters)
    audit_event_record(actor=actor_for(request.user), action=AuditAction.REVIEW_VIEW, object_type="review_item",
                       object_id=item.pk)
    row = selectors.review_rows_for(viewer=request.user, items=[item])[0]
    left = selectors.identity_summary(source_identity=item.left_source_identity)
    right = selectors.identity_summary(source_identity=item.right_source_identity)
    labels = list(dict.fromkeys([*left["values"], *right["values"]]))
    rows = [(label, left["values"].get(label, []), right["values"].get(label, [])) for label in labels]
    conflict = selectors.review_conflict(item=item)  # the identifiers of the records already joined to each
    if conflict is not None:
        rows.append(conflict)
    return render(request, "web/people/review_item.html", {
        "item": item, "row": row, "form": form, "left": left, "right": right, "rows": rows,
        "fields": selectors.review_fields(item=item), "place": place, "filters": filters,
        "filter_query": filter_query, "is_open": item.status == ReviewStatus.OPEN,
        "next_url": _with_query(reverse("web:review-item", args=[place.next_id]), filter_query)
        if place.next_id is not None and place.next_id != item.pk else "",
        "queue_url": _with_query(reverse("web:review-queue"), filter_query),
    })
