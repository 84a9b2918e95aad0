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
