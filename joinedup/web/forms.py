"""Forms with the error messages GOV.UK patterns expect (say what is wrong and how to fix it)."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm


class SignInForm(AuthenticationForm):
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


class AuditFilterForm(forms.Form):
    """Filters for the audit trail."""

    action = forms.CharField(required=False, max_length=64)
    actor = forms.CharField(required=False, max_length=150, label="Username")


class PersonSearchForm(forms.Form):
    """Find a person by name as any agency wrote it, date of birth or NHS number."""

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


class DecisionForm(forms.Form):
    """A person's ruling on an uncertain match."""

    decision = forms.ChoiceField(
        choices=[("same", "Yes, the same person"), ("different", "No, different people")],
        error_messages={"required": "Select whether these records are about the same person"},
    )
    reason = forms.CharField(required=False, max_length=2000, widget=forms.Textarea, label="Why (optional)")


class SplitForm(forms.Form):
    """Take an identity out of a person."""

    source_identity = forms.CharField(max_length=300, widget=forms.HiddenInput)
    reason = forms.CharField(
        max_length=2000, widget=forms.Textarea, label="Why is this not the same person?",
        error_messages={"required": "Say why these records are not about this person"},
    )
