"""The forms of the second sign-in step: a code from an authenticator app, or a recovery code."""

from django import forms

from joinedup.accounts.mfa import is_recovery_code, is_totp_code, normalised_code
from joinedup.web.forms_base import Form


class SecondFactorForm(Form):
    """The code after the password: 6 digits from the authenticator app, or an 8-character recovery code."""

    code = forms.CharField(
        label="Code", max_length=32,
        error_messages={"required": "Enter the 6-digit code from your authenticator app, or a recovery code"},
    )

    def clean_code(self) -> str:
        code = normalised_code(self.cleaned_data["code"])
        if not (is_totp_code(code) or is_recovery_code(code)):
            raise forms.ValidationError(
                "Enter the 6-digit code from your authenticator app, like 123456, or a recovery code of 8 letters "
                "and numbers, like abcd 2345")
        return code


class SetUpCodeForm(Form):
    """The first code from a newly added authenticator app, which proves it holds the secret."""

    code = forms.CharField(
        label="Code from your authenticator app", max_length=16,
        error_messages={"required": "Enter the 6-digit code your authenticator app shows for joinedup"},
    )

    def clean_code(self) -> str:
        code = normalised_code(self.cleaned_data["code"])
        if not is_totp_code(code):
            raise forms.ValidationError("Enter the 6 digits your authenticator app shows, like 123456")
        return code
