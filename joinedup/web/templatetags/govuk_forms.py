"""Draw a form field the GOV.UK way, from the form itself: `{% load govuk_forms %}{% govuk_field form.reason %}`.

One place for what every field needs: its label tied to it (each radio and box to its own), its hint, its error
beside it and the field marked, the answer as typed, `maxlength` on a text input, and GOV.UK's character count on a
text area with a limit (the count tells people the limit as they type; too long is an error that keeps the text,
never a silent cut). The error summary (`web/includes/error_summary.html`) links to the same ids (`anchor_of`).

Options: label, hint (else the field's help text), width (GOV.UK input width: 2, 3, 4, 5, 10, 20, 30), rows,
legend ("s", "m", "l": a group's legend size), inline (radios side by side), small (small radios and boxes), bold (a
bold label), heading ("m", "l": the label as the page's heading of that size), autocomplete, spellcheck (True for
prose), required (the browser's marker; forms use novalidate, so our messages are the ones shown). For a form drawn
once per row of a page (one per identity, one per claim): id (this copy's own; suffix is added to it, a loop
counter say), and bound=False for the copies that were not the one sent (empty, no error).
"""

from __future__ import annotations

from django import template
from django.utils.html import format_html

from joinedup.web.forms_base import GROUP_WIDGETS, anchor_of

register = template.Library()

TEXT_WIDGETS = ("text", "number", "email", "password", "date", "datetime", "time", "url", "tel", "search")


@register.inclusion_tag("web/includes/field.html")
def govuk_field(field, label=None, hint=None, width=None, rows=None, legend="s", inline=False, small=False,
                bold=False, autocomplete=None, spellcheck=None, required=False, id=None, suffix="",
                bound=True, heading=None):
    widget_type = field.widget_type
    auto_id = f"{id or field.auto_id or field.html_name}{suffix}"
    hint = field.help_text if hint is None else hint
    error = field.errors[0] if field.errors and bound else ""
    kind = ("textarea" if widget_type == "textarea" else "select" if widget_type in ("select", "nullbooleanselect")
            else "radios" if widget_type == "radioselect" else "checkboxes" if widget_type == "checkboxselectmultiple"
            else "checkbox" if widget_type == "checkbox" else "hidden" if field.is_hidden else "input")
    value = field.value() if bound else field.initial
    chosen = {str(v) for v in value} if isinstance(value, list | tuple) else {"" if value is None else str(value)}
    options = []
    if kind in ("radios", "checkboxes", "select"):
        for i, (option_value, option_label) in enumerate(field.field.choices):
            option_value = "" if option_value is None else str(option_value)
            options.append({"id": f"{auto_id}_{i}", "value": option_value, "label": option_label,
                            "checked": option_value in chosen})
    describedby = " ".join(part for part, present in ((f"{auto_id}-hint", bool(hint)),
                                                      (f"{auto_id}-error", bool(error))) if present)
    max_length = getattr(field.field, "max_length", None) if kind in ("input", "textarea") else None
    text = "" if value is None or isinstance(value, list | tuple) else str(value)
    return {
        "field": field, "kind": kind, "id": auto_id, "name": field.html_name,
        "label": field.label if label is None else label, "hint": hint, "error": error, "options": options,
        "value": "" if widget_type == "password" else text, "checked": bool(value) and value not in ("", "0", "False"),
        "type": widget_type if widget_type in TEXT_WIDGETS and widget_type not in ("date", "datetime") else "text",
        "describedby": describedby, "max_length": max_length,
        "max_length_text": f"{max_length:,}" if max_length else "", "width": width, "rows": rows or 4,
        "legend": legend, "inline": inline, "small": small, "bold": bold, "autocomplete": autocomplete,
        "spellcheck": spellcheck, "required": required, "heading": heading,
    }


@register.simple_tag
def practice_limits() -> dict[str, int]:
    """The longest text the practice services take, by what it is, for the fields their screens draw by hand:
    `{% practice_limits as limits %}` … `maxlength="{{ limits.visit }}"`."""
    from joinedup.practice.services import hypotheses, meetings_input, supervision, visits

    return {"meeting": meetings_input.TEXT_LIMIT, "meeting_name": meetings_input.NAME_LIMIT,
            "item_title": meetings_input.ITEM_TITLE_LIMIT, "discussion": meetings_input.DISCUSSION_LIMIT,
            "decision": supervision.DECISION_LIMIT, "notes": supervision.NOTES_LIMIT, "visit": visits.TEXT_LIMIT,
            "visit_short": visits.SHORT_LIMIT, "statement": hypotheses.STATEMENT_LIMIT, "why": hypotheses.WHY_LIMIT}


@register.filter
def maxlength_attr(field) -> str:
    """` maxlength="200"` for a bound text field with a limit (for inputs drawn by hand), else nothing."""
    limit = getattr(getattr(field, "field", None), "max_length", None)
    return format_html(' maxlength="{}"', int(limit)) if limit else ""


@register.filter
def anchor(field) -> str:
    """The id the error summary links to for a bound field."""
    return anchor_of(field)


__all__ = ["GROUP_WIDGETS", "anchor", "govuk_field", "maxlength_attr"]
