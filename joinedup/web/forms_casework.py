"""Forms of the casework screens: recording a contact, rating and deciding it, a partner's referral and the
front-door queue's filters. They parse what was typed and say what is missing in GOV.UK's words; the rules
(what a contact needs, what a decision may be) stay in `joinedup.casework.services`, whose `StepInvalid`
errors the views put on the same fields."""

from __future__ import annotations

from django import forms

from joinedup.casework import codes
from joinedup.casework.services.contacts import AGENCY_SOURCES
from joinedup.web.forms_base import Form

DATE_FORMATS = ["%d/%m/%Y", "%d %m %Y", "%d-%m-%Y", "%Y-%m-%d", "%d/%m/%y"]
DATETIME_FORMATS = ["%d/%m/%Y %H:%M", "%d/%m/%Y %H.%M", "%d %m %Y %H:%M", "%Y-%m-%d %H:%M", "%d/%m/%y %H:%M",
                    *DATE_FORMATS]
NHS_NUMBER = r"^\s*\d{3}\s*\d{3}\s*\d{4}\s*$"
NHS_INVALID = "Enter an NHS number of 10 digits, like 999 123 4567"


def _digits(value: str) -> str:
    return "".join(ch for ch in value or "" if ch.isdigit())


class NewChildForm(Form):
    """A child joinedup does not know yet: as little as their last name is enough to start."""

    given_name = forms.CharField(required=False, max_length=200, label="First name (if known)")
    family_name = forms.CharField(max_length=200, label="Last name", error_messages={
        "required": "Enter the child's last name"})
    dob = forms.DateField(required=False, label="Date of birth (if known)", input_formats=DATE_FORMATS,
                          error_messages={"invalid": "Enter the date of birth as day/month/year, for example "
                                                     "27/3/2019"})
    nhs_number = forms.RegexField(required=False, regex=NHS_NUMBER, label="NHS number (if known)",
                                  error_messages={"invalid": NHS_INVALID})

    def clean_nhs_number(self):
        return _digits(self.cleaned_data.get("nhs_number"))


class ContactForm(Form):
    """What the front door asks: who raised it, what the concern is; the rest is optional."""

    raised_by = forms.ChoiceField(choices=list(codes.RAISED_BY.items()), label="Who raised the concern?",
                                  error_messages={"required": "Select who raised the concern",
                                                  "invalid_choice": "Select who raised the concern"})
    source_code = forms.ChoiceField(required=False, choices=[("", "Choose the kind of agency"),
                                                             *AGENCY_SOURCES.items()],
                                    label="Which kind of agency?",
                                    error_messages={"invalid_choice": "Select which kind of agency raised it"})
    raised_by_name = forms.CharField(required=False, max_length=200, label="Their name or role (optional)")
    text = forms.CharField(max_length=4000, widget=forms.Textarea, label="What is the concern?", error_messages={
        "required": "Enter what the concern is",
        "max_length": "What the concern is must be 4,000 characters or fewer"})
    rag = forms.ChoiceField(required=False, choices=list(codes.RAG_RATINGS.items()), label="RAG rating (optional)",
                            error_messages={"invalid_choice": "Select red, amber or green"})
    received_at = forms.DateTimeField(required=False, input_formats=DATETIME_FORMATS,
                                      label="When was it received? (optional)",
                                      error_messages={"invalid": "Enter when it was received as day/month/year and "
                                                                 "time, for example 27/3/2026 14:30"})

    def clean(self):
        data = super().clean()
        if data.get("raised_by") == "agency" and not data.get("source_code"):
            self.add_error("source_code", "Select which kind of agency raised it")
        return data


class RateForm(Form):
    rag = forms.ChoiceField(choices=list(codes.RAG_RATINGS.items()), label="RAG rating", error_messages={
        "required": "Select red, amber or green", "invalid_choice": "Select red, amber or green"})
    revision = forms.IntegerField(min_value=0, widget=forms.HiddenInput)


class DecideForm(Form):
    decision = forms.ChoiceField(choices=list(codes.CONTACT_DECISIONS.items()), label="What happens next?",
                                 error_messages={"required": "Select what happens next",
                                                 "invalid_choice": "Select what happens next"})
    reason = forms.CharField(required=False, max_length=4000, widget=forms.Textarea, label="Why (optional)",
                             error_messages={"max_length": "The reason must be 4,000 characters or fewer"})
    primary_need = forms.ChoiceField(required=False, choices=[("", "Not yet known"), *codes.PRIMARY_NEEDS.items()],
                                     label="Primary need (optional)",
                                     error_messages={"invalid_choice": "Select a primary need code from the list"})
    revision = forms.IntegerField(min_value=0, widget=forms.HiddenInput)


class ReferralForm(Form):
    """A partner raises a concern: the child by NHS number, or by name and date of birth; and the concern."""

    nhs_number = forms.RegexField(required=False, regex=NHS_NUMBER, label="NHS number",
                                  error_messages={"invalid": NHS_INVALID})
    given_name = forms.CharField(required=False, max_length=200, label="First name")
    family_name = forms.CharField(required=False, max_length=200, label="Last name")
    dob = forms.DateField(required=False, label="Date of birth", input_formats=DATE_FORMATS, error_messages={
        "invalid": "Enter the date of birth as day/month/year, for example 27/3/2019"})
    text = forms.CharField(max_length=4000, widget=forms.Textarea, label="What is the concern?", error_messages={
        "required": "Enter what the concern is",
        "max_length": "What the concern is must be 4,000 characters or fewer"})

    def clean_nhs_number(self):
        return _digits(self.cleaned_data.get("nhs_number"))

    def clean(self):
        data = super().clean()
        if any(k in self.errors for k in ("nhs_number", "given_name", "family_name", "dob")):
            return data
        if not data.get("nhs_number"):
            missing = [(k, m) for k, m in (("given_name", "Enter the child's first name"),
                                           ("family_name", "Enter the child's last name"),
                                           ("dob", "Enter the child's date of birth")) if not data.get(k)]
            if len(missing) == 3:
                self.add_error("nhs_number", "Enter the child's NHS number, or their name and date of birth")
            for key, message in missing if len(missing) < 3 else ():
                self.add_error(key, message + " (or their NHS number)")
        return data


class QueueFilterForm(Form):
    """The front-door queue: by rating, overdue only."""

    rag = forms.ChoiceField(required=False, label="Rating", choices=[
        ("", "Any rating"), *codes.RAG_RATINGS.items(), ("unrated", "Not rated yet")])
    overdue = forms.BooleanField(required=False, label="Overdue only")
