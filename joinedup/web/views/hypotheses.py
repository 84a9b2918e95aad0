"""A child's working hypotheses, side by side with the evidence for and against each, and their categories of
concern with every earlier set (issue 13). Writing or revising a hypothesis is one form: the statement, its
status, the evidence chosen by ticking the child's chronology entries (newest first, filtered in the same form so
nothing typed is lost), and why it changed. Each save is a new version of the child's record."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from joinedup.accounts.services import actor_for
from joinedup.audit.actions import AuditAction
from joinedup.audit.decorators import reads_personal_data
from joinedup.audit.services import audit_event_record
from joinedup.casework.services import Conflict, StepInvalid
from joinedup.people.selectors import person_for_viewer
from joinedup.practice.selectors.hypotheses import (
    CATEGORIES,
    HYPOTHESIS_STATUSES,
    categories_for,
    child_hypotheses,
    evidence_choices,
)
from joinedup.practice.services.hypotheses import categories_set, hypothesis_revise, hypothesis_write
from joinedup.web.views.cases import child_cases


def _child(request, person_id):
    person, merged_from = person_for_viewer(viewer=request.user, person_id=person_id)
    if person is None:
        raise Http404
    return person, merged_from


def _audit(request, person, view: str, **detail) -> None:
    audit_event_record(actor=actor_for(request.user), action=AuditAction.CHRONOLOGY_VIEW, object_type="person",
                       object_id=person.pk, subject_person_id=person.pk, detail={"view": view, **detail})


def _revision(post) -> int:
    """The version the worker saw; a missing one never matches (so it cannot skip the check)."""
    try:
        return int(post.get("revision", ""))
    except ValueError:
        return -1


@require_GET
@login_required
@reads_personal_data
def hypotheses(request, person_id):
    """Competing hypotheses side by side, each with its evidence and history; the child's categories of concern."""
    person, merged_from = _child(request, person_id)
    if merged_from is not None:
        return redirect("web:hypotheses", person_id=person.pk)
    practice = child_hypotheses(viewer=request.user, person=person)
    if practice is None:
        raise Http404
    _audit(request, person, "hypotheses", hypotheses=len(practice.hypotheses))
    return render(request, "web/practice/hypotheses/hypotheses.html", {
        "person": person, "practice": practice, "categories": practice.categories,
        **child_cases(request.user, person),
    })


def _values(request, hypothesis) -> dict:
    """What the form shows: what was sent, else the current version (a revision), else a new hypothesis."""
    post = request.POST
    if request.method == "POST":
        return {"statement": post.get("statement", ""), "status": post.get("status", ""),
                "evidence_for": post.getlist("evidence_for"), "evidence_against": post.getlist("evidence_against"),
                "why": post.get("why", ""), "revision": _revision(post)}
    if hypothesis is None:
        return {"statement": "", "status": "open", "evidence_for": [], "evidence_against": [], "why": "",
                "revision": 0}
    c = hypothesis.current
    return {"statement": c.statement, "status": c.status, "evidence_for": [e.key for e in c.evidence_for],
            "evidence_against": [e.key for e in c.evidence_against], "why": "", "revision": hypothesis.revision}


def _save(request, person, hypothesis, values: dict):
    if hypothesis is None:
        return hypothesis_write(user=request.user, person=person, statement=values["statement"],
                                status=values["status"], evidence_for=values["evidence_for"],
                                evidence_against=values["evidence_against"], why=values["why"])
    return hypothesis_revise(user=request.user, person=person, record_pk=hypothesis.record_pk,
                             statement=values["statement"], status=values["status"],
                             evidence_for=values["evidence_for"], evidence_against=values["evidence_against"],
                             why=values["why"], revision=values["revision"])


def _form(request, person, hypothesis=None):
    """Write (hypothesis None) or revise a hypothesis. POST `do=filter` only narrows the evidence offered."""
    practice = child_hypotheses(viewer=request.user, person=person)
    if practice is None or not practice.may_write:
        raise Http404
    do = request.POST.get("do", "") if request.method == "POST" else ""
    values = _values(request, hypothesis)
    errors: dict[str, str] = {}
    problems: list[str] = []
    if do == "save":
        try:
            written = _save(request, person, hypothesis, values)
        except PermissionError as exc:
            raise Http404 from exc
        except StepInvalid as exc:
            errors = exc.errors
            problems = [m for k, m in errors.items() if k not in ("statement", "status", "evidence_for",
                                                                  "evidence_against", "why")]
        except Conflict as exc:
            problems = [exc.message]
            values["revision"] = exc.current_revision
            practice = child_hypotheses(viewer=request.user, person=person) or practice
            hypothesis = next((h for h in practice.hypotheses if h.record_pk == hypothesis.record_pk), hypothesis)
        else:
            messages.success(request, "Hypothesis revised." if hypothesis else "Hypothesis written.")
            return redirect(f"{reverse('web:hypotheses', args=[person.pk])}#hypothesis-{written.record_pk}")
    filters = {"agency": request.POST.get("ev_agency", ""), "kind": request.POST.get("ev_kind", ""),
               "words": request.POST.get("ev_words", "").strip()[:200]}
    choices = evidence_choices(viewer=request.user, person=person, events=practice.events, chosen=[
        *values["evidence_for"], *values["evidence_against"]], **filters)
    _audit(request, person, "hypothesis_form", record=hypothesis.record_pk if hypothesis else None,
           entries=len(choices.entries))
    return render(request, "web/practice/hypotheses/form.html", {
        "person": person, "hypothesis": hypothesis, "values": values, "errors": errors, "problems": problems,
        "statuses": list(HYPOTHESIS_STATUSES.items()), "choices": choices, "filters": filters,
        "filtered": any(filters.values()),
        "chosen_for": set(values["evidence_for"]), "chosen_against": set(values["evidence_against"]),
    })


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
@reads_personal_data
def hypothesis_new(request, person_id):
    person, merged_from = _child(request, person_id)
    if merged_from is not None:
        return redirect("web:hypothesis-new", person_id=person.pk)
    return _form(request, person)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
@reads_personal_data
def hypothesis_detail(request, person_id, record_pk: int):
    """One hypothesis with every revision; those who work the case revise it here."""
    person, merged_from = _child(request, person_id)
    if merged_from is not None:
        return redirect("web:hypothesis", person_id=person.pk, record_pk=record_pk)
    practice = child_hypotheses(viewer=request.user, person=person)
    hypothesis = next((h for h in practice.hypotheses if h.record_pk == record_pk), None) if practice else None
    if hypothesis is None:
        raise Http404
    if hypothesis.may_revise:
        return _form(request, person, hypothesis)
    if request.method == "POST":
        raise Http404
    _audit(request, person, "hypothesis", record=hypothesis.record_pk)
    return render(request, "web/practice/hypotheses/form.html", {
        "person": person, "hypothesis": hypothesis, "read_only": True})


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
@reads_personal_data
def categories(request, person_id):
    """The child's categories of concern, every earlier set with why it changed, and the form to change them."""
    person, merged_from = _child(request, person_id)
    if merged_from is not None:
        return redirect("web:categories", person_id=person.pk)
    current = categories_for(viewer=request.user, person=person)
    if current is None:
        raise Http404
    errors: dict[str, str] = {}
    problems: list[str] = []
    chosen = current.current.categories if current.current else []
    why = ""
    revision = current.revision
    if request.method == "POST":
        if not current.may_change:
            raise Http404
        chosen, why, revision = request.POST.getlist("categories"), request.POST.get("why", ""), _revision(request.POST)
        try:
            categories_set(user=request.user, person=person, categories=chosen, why=why, revision=revision)
        except PermissionError as exc:
            raise Http404 from exc
        except StepInvalid as exc:
            errors = exc.errors
            problems = [m for k, m in errors.items() if k not in ("categories", "why")]
        except Conflict as exc:
            problems = [exc.message]
            revision = exc.current_revision
            current = categories_for(viewer=request.user, person=person) or current
        else:
            messages.success(request, "Categories of concern changed. The earlier ones are kept.")
            return redirect(f"{reverse('web:hypotheses', args=[person.pk])}#categories")
    _audit(request, person, "categories")
    return render(request, "web/practice/hypotheses/categories.html", {
        "person": person, "categories": current, "choices": list(CATEGORIES.items()), "chosen": set(chosen),
        "why": why, "revision": revision, "errors": errors, "problems": problems,
    })
