"""The base of every joinedup form: errors in the project's own words, and the links the error summary needs.

GOV.UK's pattern: each error says what is wrong and how to fix it, names the field, is shown beside the field
(which is marked) and listed in the summary at the top of the page, each summary line a link to its field; and the
answer stays as it was typed. A field whose `error_messages` say nothing of their own gets ours instead of
Django's defaults ("This field is required.", "Ensure this value has at most 2000 characters (it has 2345)."):
"Enter the name", "The reason must be 2,000 characters or fewer", made from the field's label (or the form's
`error_subjects`, for a label that does not read well in a sentence). A message a form gives a field is kept.

Every form in `joinedup.web` derives from `Form` (or `FormMixin`, for Django's own forms such as sign-in);
tests/web/test_form_errors.py holds them to it. `templatetags/govuk_forms.py` draws the fields these forms hold.
"""

from __future__ import annotations

import re

from django import forms
from django.forms.utils import pretty_name

DATE_EXAMPLE = "27/3/2026"
_ASIDE = re.compile(r"\s*\([^)]*\)\s*$")  # "Name (optional)", "From (UTC day)": the name alone in a sentence
STALE = "This page was out of date: check your answers and send them again"
_CHOICE_FIELDS = (forms.ChoiceField, forms.ModelChoiceField, forms.BooleanField, forms.NullBooleanField)
GROUP_WIDGETS = ("radioselect", "checkboxselectmultiple")


def _django_defaults(field: forms.Field) -> dict[str, str]:
    """The messages Django would give this field if the form said nothing (what `Field.__init__` gathers)."""
    out: dict[str, str] = {}
    for klass in reversed(type(field).__mro__):
        if klass.__module__.startswith("django."):  # a field class of our own chose its messages
            out.update(klass.__dict__.get("default_error_messages", {}))
    return out


def _lower_first(text: str) -> str:
    first = text.split(" ", 1)[0]
    if len(first) > 1 and first.isupper():  # NHS number, RAG rating
        return text
    return text[:1].lower() + text[1:]


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def subject_of(field: forms.Field, name: str, subject: str | None = None) -> tuple[str, bool]:
    """What the field is, for a sentence ("the reason", "NHS number"), and whether its label is a question."""
    label = subject or str(field.label or pretty_name(name))
    label = _ASIDE.sub("", label).strip()
    return label, label.endswith("?") and not subject


def our_messages(field: forms.Field, name: str, subject: str | None = None) -> dict[str, str]:
    """The project's messages for a field, by Django's error code."""
    if field.widget.is_hidden:  # nothing a person typed: the page they sent was made for another moment
        return dict.fromkeys(("required", "invalid", "invalid_choice", "invalid_list", "invalid_pk_value",
                              "max_length", "min_length", "max_value", "min_value"), STALE)
    label, question = subject_of(field, name, subject)
    what = f"your answer to ‘{label}’" if question else _lower_first(label)
    what_cap = _upper_first(what)
    out: dict[str, str] = {}
    if isinstance(field, _CHOICE_FIELDS):
        out["required"] = f"Select an answer to ‘{label}’" if question else f"Select {what}"
        out["invalid_choice"] = (f"Select one of the answers to ‘{label}’" if question
                                 else f"Choose {what} from the list")
        out["invalid_list"] = out["invalid_choice"]
        out["invalid_pk_value"] = out["invalid_choice"]
    else:
        out["required"] = f"Answer ‘{label}’" if question else f"Enter {what}"
    max_length = getattr(field, "max_length", None)
    if max_length:
        out["max_length"] = f"{what_cap} must be {max_length:,} characters or fewer"
    min_length = getattr(field, "min_length", None)
    if min_length:
        out["min_length"] = f"{what_cap} must be {min_length:,} characters or more"
    if isinstance(field, forms.DateTimeField):
        out["invalid"] = f"Enter {what} as day/month/year and time, for example {DATE_EXAMPLE} 14:30"
    elif isinstance(field, forms.DateField):
        out["invalid"] = f"Enter {what} as day/month/year, for example {DATE_EXAMPLE}"
    elif isinstance(field, forms.IntegerField):
        out["invalid"] = f"Enter {what} as a whole number, like 12"
        out["max_value"] = f"{what_cap} must be %(limit_value)s or less"
        out["min_value"] = f"{what_cap} must be %(limit_value)s or more"
    elif isinstance(field, forms.UUIDField):
        out["invalid"] = f"Choose {what} again: the one sent was not recognised"
    elif isinstance(field, forms.RegexField):
        out["invalid"] = f"Enter {what} in the form shown"
    return out


def word_errors(field: forms.Field, name: str, subject: str | None = None) -> None:
    """Give the field our message for every error its form left to Django."""
    defaults = _django_defaults(field)
    for code, message in our_messages(field, name, subject).items():
        current = field.error_messages.get(code)
        if current is None or current == defaults.get(code):
            field.error_messages[code] = message


def anchor_of(bound) -> str:
    """Where the error summary links for a field: the field, or the first option of a group of radios or boxes."""
    auto_id = bound.auto_id or bound.html_name
    return f"{auto_id}_0" if bound.widget_type in GROUP_WIDGETS else auto_id


class FormMixin:
    """Our error messages on every field, and `error_links` for the summary. `error_subjects`: what a field is
    called in an error message, where its label is a question or reads badly in a sentence."""

    error_subjects: dict[str, str] = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            word_errors(field, name, self.error_subjects.get(name))

    @property
    def error_links(self) -> list[tuple[str, str]]:
        """(the id to link to, the message) for every error, in the order of the fields; errors about the form as a
        whole, or about a hidden field, link to the first field a person can change."""
        visible = [b for b in self if not b.is_hidden]
        first = f"#{anchor_of(visible[0])}" if visible else ""
        out = [(first, str(e)) for e in self.non_field_errors()]
        for bound in self:
            for error in bound.errors:
                out.append((first if bound.is_hidden else f"#{anchor_of(bound)}", str(error)))
        return out


class Form(FormMixin, forms.Form):
    """A joinedup form."""
