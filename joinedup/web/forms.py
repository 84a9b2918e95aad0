"""Forms with the error messages GOV.UK patterns expect (say what is wrong and how to fix it)."""

import uuid

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from joinedup.web.forms_base import Form, FormMixin


class SignInForm(FormMixin, AuthenticationForm):
    """Username and password."""

    error_messages = {
        "invalid_login": "Enter a correct username and password. Both are case-sensitive.",
        "inactive": "This account has been deactivated. Contact your system administrator.",
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].error_messages["required"] = "Enter your username"
        self.fields["password"].error_messages["required"] = "Enter your password"
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "spellcheck": "false"})


def _audit_action_choices() -> list[tuple[str, str]]:
    from joinedup.audit.actions import AuditAction

    return [("", "Any action"), *sorted(AuditAction.choices, key=lambda choice: choice[1].lower())]


_AUDIT_DAY_FORMATS = ["%d/%m/%Y", "%d %m %Y", "%Y-%m-%d"]


class AuditFilterForm(Form):
    """Filters for the audit trail: a person (their id), a username, UTC days from and to, an action."""

    person = forms.UUIDField(required=False, label="Person ID", error_messages={
        "invalid": "Enter a person ID as it appears on the trail, like 3f2b8c1e-9d4a-4c6b-8e2f-1a2b3c4d5e6f"})
    actor = forms.CharField(required=False, max_length=150, label="Username")
    date_from = forms.DateField(required=False, label="From (UTC day)", input_formats=_AUDIT_DAY_FORMATS,
                                error_messages={"invalid": "Enter the from date as day/month/year, like 1/4/2025"})
    date_to = forms.DateField(required=False, label="To (UTC day)", input_formats=_AUDIT_DAY_FORMATS,
                              error_messages={"invalid": "Enter the to date as day/month/year, like 30/4/2025"})
    action = forms.ChoiceField(required=False, label="Action", choices=_audit_action_choices,
                               error_messages={"invalid_choice": "Choose an action from the list"})

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", "The to date must be the same as or after the from date")
        return data


class PersonSearchForm(Form):
    """Find a person by name as any agency wrote it, date of birth or NHS number. Posted, never in a URL."""

    name = forms.CharField(required=False, max_length=200, label="Name")
    dob = forms.DateField(
        required=False, label="Date of birth", input_formats=["%Y-%m-%d", "%d/%m/%Y", "%d %m %Y"],
        error_messages={"invalid": "Enter the date of birth as day/month/year, for example 27/3/2019"},
    )
    nhs_number = forms.RegexField(
        required=False, regex=r"^\s*\d{3}\s*\d{3}\s*\d{4}\s*$", label="NHS number",
        error_messages={"invalid": "Enter an NHS number of 10 digits, like 999 123 4567"},
    )

    def clean_nhs_number(self):
        return "".join(ch for ch in self.cleaned_data.get("nhs_number") or "" if ch.isdigit())

    def clean(self):
        data = super().clean()
        if not self.errors and not any(data.get(k) for k in ("name", "dob", "nhs_number")):
            raise forms.ValidationError("Enter a name, a date of birth or an NHS number")
        return data


class DecisionForm(Form):
    """A person's ruling on an uncertain match."""

    decision = forms.ChoiceField(
        choices=[("same", "Yes, the same person"), ("different", "No, different people")],
        error_messages={"required": "Select whether these records are about the same person"},
    )
    reason = forms.CharField(required=False, max_length=2000, widget=forms.Textarea, label="Why (optional)",
                             error_messages={"max_length": "Keep the reason to 2,000 characters or fewer"})


class ReviewFilterForm(Form):
    """Narrow the review queue: why the pairs are there, children only, which two agencies."""

    reason = forms.CharField(required=False, max_length=80, label="Why they are here")
    children = forms.BooleanField(required=False, label="Only pairs about a child")
    agencies = forms.CharField(required=False, max_length=200, label="Agencies")


REVIEW_BATCH_MAX = 100


class _ReviewItemsField(forms.Field):
    """The ids of the ticked rows, in the order given, each once."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {"invalid": "Select matches from the list"}

    def to_python(self, value):
        out = []
        for v in value or []:
            try:
                out.append(uuid.UUID(str(v)))
            except ValueError as exc:
                raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from exc
        return list(dict.fromkeys(out))

    def validate(self, value):
        if self.required and not value:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        if len(value) > REVIEW_BATCH_MAX:
            raise forms.ValidationError(f"Select {REVIEW_BATCH_MAX} matches or fewer at a time", code="max")


class ReviewBatchForm(Form):
    """One ruling on several matches from the queue, with one reason (optional, as for a single match)."""

    items = _ReviewItemsField(error_messages={"required": "Select at least one match to decide"})
    decision = forms.ChoiceField(
        choices=[("same", "The same person"), ("different", "Different people")],
        error_messages={"required": "Choose ‘The same person’ or ‘Different people’",
                        "invalid_choice": "Choose ‘The same person’ or ‘Different people’"},
    )
    reason = forms.CharField(
        required=False, max_length=2000, widget=forms.Textarea, label="Why (optional)",
        error_messages={"max_length": "Keep the reason to 2,000 characters or fewer"},
    )


class SightingForm(Form):
    """Say which known person an unidentified adult is."""

    person = forms.ChoiceField(
        widget=forms.RadioSelect, label="Who is this?",
        error_messages={"required": "Select who this is", "invalid_choice": "Select one of the people listed"},
    )
    reason = forms.CharField(
        max_length=2000, widget=forms.Textarea(attrs={"rows": 3}), label="How do you know?",
        error_messages={"required": "Say how you know who this is",
                        "max_length": "Keep it to 2,000 characters or fewer"},
    )

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = list(choices)


class SplitForm(Form):
    """Take an identity out of a person."""

    source_identity = forms.CharField(max_length=300, widget=forms.HiddenInput)
    reason = forms.CharField(
        max_length=2000, widget=forms.Textarea, label="Why is this not the same person?",
        error_messages={"required": "Say why these records are not about this person"},
    )


_DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d %m %Y"]


class ChronologyFilterForm(Form):
    """Narrow a chronology by agency, kind of event and period; add the household's events."""

    agency = forms.MultipleChoiceField(required=False, label="Agencies", widget=forms.CheckboxSelectMultiple)
    kind = forms.MultipleChoiceField(required=False, label="Kinds of event", widget=forms.CheckboxSelectMultiple)
    start = forms.DateField(required=False, label="From", input_formats=_DATE_FORMATS,
                            error_messages={"invalid": "Enter the start date as day/month/year, for example 1/4/2024"})
    end = forms.DateField(required=False, label="To", input_formats=_DATE_FORMATS,
                          error_messages={"invalid": "Enter the end date as day/month/year, for example 31/3/2025"})
    significant = forms.BooleanField(required=False, label="Significant events only")
    household = forms.BooleanField(required=False, label="Add the events of people living with the child at the time")
    sort = forms.ChoiceField(required=False, label="Order", choices=[("oldest", "Oldest first"),
                                                                     ("newest", "Newest first")],
                             error_messages={"invalid_choice": "Choose the order of the list: oldest first or "
                                                               "newest first"})

    def __init__(self, *args, agencies=(), kinds=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].choices = list(agencies)
        self.fields["kind"].choices = list(kinds)

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", "The end date must be the same as or after the start date")
        return data


class WhoKnewPeriodForm(Form):
    """Which months the who-knew-what grid shows: the latest 6, 12 or 24 of the record, or all of it."""

    period = forms.ChoiceField(required=False, label="Months shown", choices=[
        ("6", "Latest 6 months"), ("12", "Latest 12 months"), ("24", "Latest 24 months"), ("all", "All months")],
        error_messages={"invalid_choice": "Choose the months to show: the latest 6, 12 or 24, or all of them"})

    DEFAULT = "12"

    def months(self) -> int | None:
        """The months to show (None: all of them); the default when the period is missing or not one offered."""
        period = (self.cleaned_data.get("period") if self.is_valid() else None) or self.DEFAULT
        return None if period == "all" else int(period)


class LookupForm(Form):
    """A partner looks a child up: NHS number, or name and date of birth. Posted, never in a URL."""

    nhs_number = forms.RegexField(
        required=False, regex=r"^\s*\d{3}\s*\d{3}\s*\d{4}\s*$", label="NHS number",
        error_messages={"invalid": "Enter an NHS number of 10 digits, like 999 123 4567"},
    )
    given_name = forms.CharField(required=False, max_length=200, label="First name")
    family_name = forms.CharField(required=False, max_length=200, label="Last name")
    dob = forms.DateField(
        required=False, label="Date of birth", input_formats=_DATE_FORMATS,
        error_messages={"invalid": "Enter the date of birth as day/month/year, for example 27/3/2019"},
    )
    reason = forms.CharField(required=False, max_length=300, label="Why are you looking this child up? (optional)")

    def clean_nhs_number(self):
        return "".join(ch for ch in self.cleaned_data.get("nhs_number") or "" if ch.isdigit())

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        if not data.get("nhs_number"):
            missing = [(k, m) for k, m in (("given_name", "Enter the child's first name"),
                                           ("family_name", "Enter the child's last name"),
                                           ("dob", "Enter the child's date of birth")) if not data.get(k)]
            if len(missing) == 3:
                raise forms.ValidationError("Enter an NHS number, or the child's name and date of birth")
            for key, message in missing:
                self.add_error(key, message + " (or an NHS number)")
        return data


class MarkForm(Form):
    """Mark or unmark one event as significant."""

    record = forms.IntegerField(min_value=1)
    significant = forms.TypedChoiceField(choices=[("1", "mark"), ("0", "unmark")], coerce=lambda v: v == "1")


class AllocationForm(Form):
    worker = forms.ChoiceField(label="Social worker", error_messages={"required": "Select a social worker"})

    def __init__(self, *args, workers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["worker"].choices = [("", "Choose…")] + [(str(w.pk), f"{w.get_full_name()} ({w.team or w.get_role_display()})") for w in workers]
