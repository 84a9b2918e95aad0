"""A child's chronology across every agency, its timeline picture, who knew what when, and each record's history;
partners' look-up; allocation; notices."""

from __future__ import annotations

import functools
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from joinedup.access.policy import Scope, may_look_up_child_status, may_receive_notices
from joinedup.access.sealing import sealed_for
from joinedup.accounts.models import Role, User
from joinedup.accounts.services import actor_for
from joinedup.alerts.selectors import alert_steps_for_person, may_view_alerts
from joinedup.audit.actions import AuditAction
from joinedup.audit.decorators import reads_personal_data
from joinedup.audit.services import audit_event_record
from joinedup.casework import selectors as casework
from joinedup.casework.call_lines import call_lines
from joinedup.casework.lookup import children_matching
from joinedup.casework.relationships import may_allocate, may_make_referral, may_mark_significant, may_view_chronology
from joinedup.casework.services import allocation_set, notice_mark_read, partner_lookup_record
from joinedup.chronology import selectors
from joinedup.chronology.kinds import kind_choices
from joinedup.chronology.services import MarkConflict, event_mark_significant
from joinedup.chronology.summaries import injury_explanations, who_knew_what
from joinedup.core.time import utc_now
from joinedup.people.selectors import person_for_viewer, person_in_scope, persons_named_in
from joinedup.practice.selectors.caseloads import allocation_caseloads, allocation_check_for
from joinedup.web.chronology_charts import event_anchor, timeline_compact, timeline_svg
from joinedup.web.chronology_rows import render_rows
from joinedup.web.forms import AllocationForm, ChronologyFilterForm, LookupForm, MarkForm, WhoKnewPeriodForm
from joinedup.web.reads import relationships_remembered_on_read
from joinedup.web.views.cases import child_cases
from joinedup.web.views.chronology_export import pseudonymised_chronology

PAGE_SIZE = 200  # events listed per page of a chronology


def _child_for(request, person_id):
    """The person if the viewer has a relationship to them (else 404); follows merges."""
    person, merged_from = person_for_viewer(viewer=request.user, person_id=person_id)
    if person is None or not may_view_chronology(request.user, person):
        raise Http404
    return person, merged_from


def _named(person, events) -> set:
    """Everyone a chronology page shows: the child, each event's person and everyone its records name."""
    return {person.pk, *(e.person_id for e in events if e.person_id)} | persons_named_in(
        record_pks=[e.record_pk for e in events])


def _in_chronology(record_pk: int, person, viewer) -> bool:
    """The record names the child, or a housemate while living with them (the household view)."""
    return selectors.record_names_person(record_pk=record_pk, person=person) or any(
        e.record_pk == record_pk
        for e in selectors.chronology_for(person=person, viewer=viewer, household=True).all_events
    )


def _status(person):
    status = selectors.child_status(person=person, on=utc_now().date())
    agency_id = None
    if status.responsible_agency_code:
        from joinedup.accounts.models import Agency

        agency_id = Agency.objects.filter(code=status.responsible_agency_code).values_list("pk", flat=True).first()
    return status, casework.contact_for(person=person, responsible_agency_id=agency_id)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
@reads_personal_data
@relationships_remembered_on_read
def chronology(request, person_id):
    """Every agency's events for the child, merged in time order, with the timeline picture above."""
    found, _merged, scope = person_in_scope(viewer=request.user, person_id=person_id)
    if scope == Scope.PSEUDONYMISED and request.method in ("GET", "HEAD"):  # a commissioned case reviewer
        if _merged is not None:
            return redirect("web:chronology", person_id=found.pk)
        return pseudonymised_chronology(request, found)
    person, merged_from = _child_for(request, person_id)
    if merged_from is not None:
        return redirect("web:chronology", person_id=person.pk)
    may_mark = may_mark_significant(request.user, person)
    conflict, anchor = "", ""
    if request.method == "POST":
        if not may_mark:  # only those working the child's case mark entries (casework.relationships)
            raise Http404
        # The button carries "<record>:<1 mark | 0 unmark>:<anchor>" (one form for the whole list).
        record_pk, _, rest = request.POST.get("mark", "").partition(":")
        flag, _, anchor = rest.partition(":")
        mark = MarkForm({"record": record_pk, "significant": flag})
        record = None
        if mark.is_valid() and _in_chronology(mark.cleaned_data["record"], person, request.user):
            record = selectors.source_record(record_pk=mark.cleaned_data["record"])
        if record is None:
            raise Http404
        try:
            event_mark_significant(actor_user=request.user, person=person, record=record,
                                   significant=mark.cleaned_data["significant"], note=request.POST.get("note", ""))
        except MarkConflict as exc:  # someone changed it first: 409, with the chronology as it is now (below)
            conflict = exc.message
        else:
            messages.success(request, "Marked as significant." if mark.cleaned_data["significant"] else
                             "No longer marked as significant.")
            query = request.POST.get("query", "")
            return redirect(reverse("web:chronology", args=[person.pk]) + (f"?{query}" if query else "")
                            + (f"#{anchor}" if anchor.replace("-", "").isalnum() else ""))
    household = request.GET.get("household") == "on"
    full = selectors.chronology_for(person=person, viewer=request.user, household=household)
    kinds_present = {e.kind for e in full.all_events}
    form = ChronologyFilterForm(
        request.GET or None,
        agencies=[(code, name) for code, name, _kind in full.agencies],
        kinds=[(k, label) for k, label in kind_choices() if k in kinds_present],
    )
    chron = full
    filters_used = selectors.Filters()
    # Oldest first (a chronology's usual order) unless the reader chose newest first; links keep the choice.
    newest = form.is_bound and form.is_valid() and form.cleaned_data["sort"] == "newest"
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = selectors.Filters(
            agencies=frozenset(data["agency"]), kinds=frozenset(data["kind"]), start=data["start"], end=data["end"],
            significant_only=data["significant"],
        )
        full.events = [e for e in full.all_events if filters.keep(e)]
        filters_used = filters
    status, contact = _status(person)
    audit_event_record(actor=actor_for(request.user), action=AuditAction.CHRONOLOGY_VIEW, object_type="person",
                       object_id=person.pk, subject_person_id=person.pk, person_ids=_named(person, full.all_events),
                       detail={"household": household, "filtered": bool(request.GET),
                               "records": sorted({e.record_pk for e in chron.events if e.record_pk})[:5000]})
    # The list is paged (the picture always shows everything): a page of a long chronology stays small.
    listed = list(reversed(chron.events)) if newest else chron.events
    pages = max(1, -(-len(listed) // PAGE_SIZE))
    try:
        page = min(max(1, int(request.GET.get("page", "1"))), pages)
    except ValueError:
        page = 1
    page_of = {event_anchor(e): i // PAGE_SIZE + 1 for i, e in enumerate(listed)}
    shown = listed[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
    after = listed[page * PAGE_SIZE] if page < pages else None  # the first event of the next page
    base_query = request.GET.copy()
    base_query.pop("page", None)

    @functools.cache  # the picture links hundreds of marks to a handful of pages
    def page_url(n: int) -> str:
        q = base_query.copy()
        if n > 1:
            q["page"] = str(n)
        return f"?{q.urlencode()}" if q else "?"

    def href_of(anchor: str) -> str:
        n = page_of.get(anchor, page)
        return f"#{anchor}" if n == page else f"{page_url(n)}#{anchor}"

    rows = [(e.occurred_at, e, event_anchor(e), None) for e in shown]
    if may_view_alerts(request.user) and not (filters_used.agencies or filters_used.kinds
                                               or filters_used.significant_only):
        # Alert steps (raised, acknowledged, acted on, dismissed, escalated) are part of the child's story.
        for step in alert_steps_for_person(person, viewer=request.user):
            if shown and not _on_this_page(step.at, shown[0].occurred_at, after and after.occurred_at, page,
                                           newest=newest):
                continue  # each step on the one page whose events surround it
            if (filters_used.start and step.at.date() < filters_used.start) or (
                    filters_used.end and step.at.date() > filters_used.end):
                continue
            rows.append((step.at, None, f"alert-step-{step.alert_id}-{step.at:%Y%m%d%H%M%S}", step))
        rows.sort(key=lambda r: r[0], reverse=newest)  # stable: events at one time keep the list's order
    rows = [(e, anchor, step) for _at, e, anchor, step in rows]
    kept_sort = {"sort": "newest"} if newest else {}
    return render(request, "web/chronology/chronology.html", {
        "person": person, "chron": chron, "rows": rows, "form": form, "household": household,
        "rows_html": render_rows(rows, person_pk=person.pk, household=household, may_mark=may_mark),
        "timeline": timeline_svg(chron, href_of=href_of), "status": status, "contact": contact,
        "timeline_compact": timeline_compact(chron, href_of=href_of, newest_first=newest),
        "newest": newest, "sort_links": _sort_links(request.GET, newest),
        "household_query": urlencode({"household": "on", **kept_sort}), "own_query": urlencode(kept_sort),
        "checkboxes": [
            (name, legend, [(f"id_{name}_{i}", value, label, value in request.GET.getlist(name))
                            for i, (value, label) in enumerate(form.fields[name].choices)])
            for name, legend in (("agency", "Agencies"), ("kind", "Kinds of event"))
        ],
        "page": page, "pages": pages, "page_links": [(n, page_url(n)) for n in range(1, pages + 1)],
        "first_shown": (page - 1) * PAGE_SIZE + 1, "last_shown": (page - 1) * PAGE_SIZE + len(shown),
        "query": request.GET.urlencode(), "may_allocate": may_allocate(request.user),
        **child_cases(request.user, person),
        "filtered": form.is_bound and form.is_valid() and any(
            v for k, v in form.cleaned_data.items() if k not in ("household", "sort")),
        "conflict": conflict, "conflict_anchor": anchor if conflict and anchor.replace("-", "").isalnum() else "",
    }, status=409 if conflict else 200)


def _on_this_page(at, first, next_first, page: int, *, newest: bool) -> bool:
    """Whether a moment belongs to this page of the list: from the page's first event up to (not including) the
    next page's first, the first page open before and the last open after (in the list's order, either way)."""
    if newest:
        return (page == 1 or at <= first) and (next_first is None or at > next_first)
    return (page == 1 or at >= first) and (next_first is None or at < next_first)


def _sort_links(query, newest: bool) -> list[tuple[str, str, bool]]:
    """(label, address, chosen) for each order of the list, keeping the filters (a new order starts at page 1)."""
    out = []
    for value, label in (("oldest", "Oldest first"), ("newest", "Newest first")):
        q = query.copy()
        q.pop("page", None)
        q.pop("sort", None)
        if value == "newest":
            q["sort"] = "newest"
        out.append((label, f"?{q.urlencode()}#events" if q else "?#events", (value == "newest") == newest))
    return out


@require_GET
@login_required
@reads_personal_data
def who_knew(request, person_id):
    """Agencies × months: contacts, injuries and concerns; every explanation given for an injury side by side."""
    person, merged_from = _child_for(request, person_id)
    if merged_from is not None:
        return redirect("web:who-knew", person_id=person.pk)
    household = request.GET.get("household") == "on"
    # The grid shows the latest 12 months of the record unless another period is chosen: a child known for years
    # would otherwise be a grid thousands of pixels wide (it scrolls in its own region, newest months in view).
    data = request.GET.copy()
    if not data.get("period"):
        data["period"] = WhoKnewPeriodForm.DEFAULT
    period = WhoKnewPeriodForm(data)
    chron = selectors.chronology_for(person=person, viewer=request.user, household=household)
    audit_event_record(actor=actor_for(request.user), action=AuditAction.CHRONOLOGY_VIEW, object_type="person",
                       object_id=person.pk, subject_person_id=person.pk, person_ids=_named(person, chron.all_events),
                       detail={"view": "who_knew", "household": household})
    chosen = period.cleaned_data["period"] if period.is_valid() and request.GET.get("period") else ""
    kept = {"period": chosen} if chosen else {}  # the links to and from the household's records keep the period
    return render(request, "web/chronology/who_knew.html", {
        "person": person, "chron": chron, "grid": who_knew_what(chron.all_events, months=period.months()),
        "explanations": injury_explanations(chron.all_events), "household": household, "period_form": period,
        "household_query": urlencode({**kept, "household": "on"}), "own_query": urlencode(kept),
        "all_query": urlencode({"period": "all", **({"household": "on"} if household else {})}),
        **child_cases(request.user, person),
    })


@require_GET
@login_required
@reads_personal_data
def record_detail(request, person_id, record_pk):
    """One agency record as received, and every version of it (corrections keep their history)."""
    person, _merged = _child_for(request, person_id)
    if not _in_chronology(record_pk, person, request.user):
        raise Http404
    record, versions = selectors.record_history(record_pk=record_pk, viewer=request.user)
    if record is None:
        raise Http404
    audit_event_record(actor=actor_for(request.user), action=AuditAction.RECORD_VIEW, object_type="source_record",
                       object_id=record.pk, subject_person_id=person.pk,
                       person_ids=persons_named_in(record_pks=[record.pk]) | {person.pk},
                       detail={"source_record_id": record.source_record_id})
    return render(request, "web/chronology/record.html", {
        "person": person, "record": record, "versions": versions, "current": versions[0] if versions else None,
    })


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
@reads_personal_data
def lookup(request):
    """A partner in A&E, a GP practice, the police or a school: is this child on a plan or looked after, and whom to call."""
    user = request.user
    if not may_look_up_child_status(user):
        raise Http404
    form = LookupForm(request.POST or None)
    results = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        found = children_matching(nhs_number=data["nhs_number"], given_name=data["given_name"],
                                  family_name=data["family_name"], dob=data["dob"], today=utc_now().date())
        sealed = sealed_for(user, [p.pk for p in found])  # a sealed child is never found (access.sealing)
        found = [p for p in found if p.pk not in sealed]
        results = []
        agency_id = None
        if len(found) == 1:
            child = found[0]
            status, contact = _status(child)
            from joinedup.accounts.models import Agency

            agency_id = Agency.objects.filter(code=status.responsible_agency_code).values_list("pk", flat=True).first()
            lookup_row = partner_lookup_record(viewer=user, person=child, reason=data["reason"],
                                               responsible_agency_id=agency_id)
            results.append({"person": child, "status": status, "contact": contact, "told": lookup_row.new_encounter})
        else:
            audit_event_record(actor=actor_for(user), action=AuditAction.PERSON_LOOKUP, object_type="person",
                               object_id="", reason=data["reason"], detail={"matches": len(found)})
        # the front door's number in its hours, the emergency duty team's out of hours (casework.call_lines)
        return render(request, "web/chronology/lookup.html", {"form": form, "results": results,
                                                              "ambiguous": len(found) > 1,
                                                              "lines": call_lines(agency_id=agency_id)})
    audit_event_record(actor=actor_for(user), action=AuditAction.PERSON_LOOKUP, object_type="person", object_id="",
                       detail={"form": True})
    return render(request, "web/chronology/lookup.html", {"form": form, "results": results, "lines": call_lines()})


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
@reads_personal_data
def allocate(request, person_id):
    """A team manager or the front door allocates the child to a social worker. Each worker is shown with their
    weighted caseload and limit; allocating past the limit asks for confirmation ("allocate anyway")."""
    person, _merged = _child_for(request, person_id)
    if not may_allocate(request.user):
        raise Http404
    workers = list(User.objects.filter(agency_id=request.user.agency_id, is_active=True,
                                       role__in=[Role.SOCIAL_WORKER, Role.TEAM_MANAGER]).select_related("team"))
    form = AllocationForm(request.POST or None, workers=workers)
    loads = allocation_caseloads(viewer=request.user, workers=workers) or {}
    form.fields["worker"].choices = [("", "Choose…")] + [
        (str(w.pk), f"{w.get_full_name()} ({w.team or w.get_role_display()}): caseload {loads[w.pk].weighted:g} of "
                    f"{loads[w.pk].limit:g}{', over the limit' if loads[w.pk].over_limit else ''}") for w in workers]
    past_limit = ""
    if request.method == "POST" and form.is_valid():
        worker = next(w for w in workers if str(w.pk) == form.cleaned_data["worker"])
        check = allocation_check_for(viewer=request.user, person=person, worker=worker)
        if check is not None and check.passes_limit and not request.POST.get("allocate_anyway"):
            past_limit = check.sentence(worker.get_full_name())
        else:
            allocation_set(actor_user=request.user, person=person, worker=worker)
            messages.success(request, f"{person.display_name} is allocated to {worker.get_full_name()}.")
            return redirect("web:chronology", person_id=person.pk)
    audit_event_record(actor=actor_for(request.user), action=AuditAction.PERSON_VIEW, object_type="person",
                       object_id=person.pk, subject_person_id=person.pk, detail={"view": "allocate"})
    return render(request, "web/chronology/allocate.html", {
        "person": person, "form": form, "current": casework.current_allocation(person=person),
        "past_limit": past_limit,
    })


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
@reads_personal_data
def notices(request):
    """What partners' look-ups (and similar) told this worker or their team."""
    if not may_receive_notices(request.user):
        raise Http404
    items = casework.notices_for(viewer=request.user)
    if request.method == "POST":
        notice = items.filter(pk=request.POST.get("notice") or 0).first()
        if notice is None:
            raise Http404
        notice_mark_read(viewer=request.user, notice=notice)
        return redirect("web:notices")
    shown = list(items[:100])
    audit_event_record(actor=actor_for(request.user), action=AuditAction.NOTICE_LIST, object_type="notice",
                       object_id="", detail={"count": len(shown)})
    return render(request, "web/chronology/notices.html", {
        "notices": shown, "partner": may_make_referral(request.user),
    })
