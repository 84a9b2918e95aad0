"""Export a child's chronology for a case review or public scrutiny: pseudonymised, as CSV or PDF."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from joinedup.accounts.services import actor_for
from joinedup.audit.actions import AuditAction
from joinedup.audit.decorators import reads_personal_data
from joinedup.audit.services import audit_event_record
from joinedup.casework.relationships import may_export_chronology, may_view_chronology
from joinedup.chronology.export import (
    export_csv,
    export_pdf,
    generation_note,
    identities_for,
    person_pseudonym,
    pseudonym_key,
    pseudonymise_events,
)
from joinedup.chronology.selectors import chronology_for
from joinedup.core.time import utc_now
from joinedup.people.selectors import person_in_scope
from joinedup.web.forms_base import Form

_YES_NO = [("yes", "Yes"), ("no", "No")]


def _yes(value: str) -> bool:
    return value == "yes"


class ExportForm(Form):
    """What to export, and how much to take out."""

    format = forms.ChoiceField(
        label="Format", choices=[("pdf", "PDF (to read or publish)"), ("csv", "CSV (for a spreadsheet)")],
        initial="pdf", widget=forms.RadioSelect, error_messages={"required": "Select PDF or CSV", "invalid_choice": "Select PDF or CSV"},
    )
    shift_dates = forms.TypedChoiceField(
        label="Shift every date by a fixed offset?", choices=_YES_NO, coerce=_yes, initial="yes", widget=forms.RadioSelect,
        help_text="Intervals, order, ages and weekdays are kept; the real dates are not shown.",
        error_messages={"required": "Select whether to shift dates", "invalid_choice": "Select yes or no"},
    )
    replace_agencies = forms.TypedChoiceField(
        label="Replace agency names with their kind?", choices=_YES_NO, coerce=_yes, initial="no",
        widget=forms.RadioSelect,
        help_text="For anonymous public scrutiny: “Acute hospital 1” instead of the hospital's name.",
        error_messages={"required": "Select whether to replace agency names", "invalid_choice": "Select yes or no"},
    )
    household = forms.TypedChoiceField(
        label="Include the household's events?", choices=_YES_NO, coerce=_yes, initial="no", widget=forms.RadioSelect,
        help_text="Events of the people who lived with the child, while they lived there.",
        error_messages={"required": "Select whether to include the household", "invalid_choice": "Select yes or no"},
    )


def _person_for_export(user, person_id):
    """The person (following merges) if the user may export their chronology; else 404. (person, merged)."""
    person, merged_from, _scope = person_in_scope(viewer=user, person_id=person_id)
    if person is None or not may_export_chronology(user, person):
        raise Http404
    return person, merged_from is not None


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
@reads_personal_data
def chronology_export(request, person_id):
    """GET: the choices. POST: the pseudonymised chronology as a file (one audit row per export)."""
    person, merged = _person_for_export(request.user, person_id)
    if merged:
        return redirect("web:chronology-export", person_id=person.pk)
    key = pseudonym_key()
    subject = person_pseudonym(key, person.pk)
    form = ExportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        options = form.cleaned_data
        chronology = chronology_for(person=person, viewer=request.user, household=options["household"])
        result = pseudonymise_events(
            chronology.events, subject_id=person.pk, key=key, shift_dates=options["shift_dates"],
            replace_agencies=options["replace_agencies"], identities=identities_for(chronology.events),
        )
        title = f"Chronology of {subject}" + (" and household" if options["household"] else "")
        today = utc_now().date()
        if options["format"] == "csv":
            content, content_type = export_csv(result.rows), "text/csv; charset=utf-8"
        else:
            note = generation_note(dates_shifted=result.dates_shifted, agencies_replaced=result.agencies_replaced)
            content, content_type = export_pdf(result.rows, title, note=note, generated_on=today), "application/pdf"
        audit_event_record(
            actor=actor_for(request.user), action=AuditAction.CHRONOLOGY_EXPORT, object_type="person",
            object_id=person.pk, subject_person_id=person.pk,
            detail={"format": options["format"], "shift_dates": options["shift_dates"],
                    "replace_agencies": options["replace_agencies"], "household": options["household"],
                    "rows": len(result.rows), "pseudonym": subject},
        )
        response = HttpResponse(content, content_type=content_type)
        filename = f"chronology-{subject.split()[-1].lower()}-{today:%Y%m%d}.{options['format']}"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    audit_event_record(actor=actor_for(request.user), action=AuditAction.PERSON_VIEW, object_type="person",
                       object_id=person.pk, subject_person_id=person.pk, reason="chronology export: choices")
    display = person.display_name if may_view_chronology(request.user, person) else subject  # reviewers: pseudonyms
    return render(request, "web/chronology/export.html", {"person": person, "subject": subject, "form": form,
                                                          "display": display})


def pseudonymised_chronology(request, person):
    """A commissioned case reviewer's chronology: every agency's events, every name and identifier replaced (the
    rows an export holds, real dates kept), audited naming the child."""
    key = pseudonym_key()
    subject = person_pseudonym(key, person.pk)
    chronology = chronology_for(person=person, viewer=request.user, household=False)
    result = pseudonymise_events(chronology.events, subject_id=person.pk, key=key, shift_dates=False,
                                 replace_agencies=False, identities=identities_for(chronology.events))
    audit_event_record(actor=actor_for(request.user), action=AuditAction.CHRONOLOGY_VIEW, object_type="person",
                       object_id=person.pk, subject_person_id=person.pk,
                       person_ids=[person.pk, *{e.person_id for e in chronology.events if e.person_id}],
                       detail={"pseudonymised": True, "rows": len(result.rows), "pseudonym": subject})
    return render(request, "web/chronology/pseudonymised.html", {"person": person, "subject": subject,
                                                                 "rows": result.rows})
