"""The administration screens' forms. They only read what was typed: the services
(`joinedup.accounts.services.administration`) check it and name each field's problem, so every message is the
product's own and one place decides what is allowed. Text boxes carry the length the service accepts as `maxlength`.
"""

from __future__ import annotations

from django import forms

from joinedup.accounts.models import AgencyKind, Role
from joinedup.accounts.roles import SYSTEM_ACCOUNT_ROLES, roles_for_agency_kind
from joinedup.accounts.services.administration import REASON_MAX, TOKEN_DAYS_DEFAULT
from joinedup.web.forms_base import Form


def _text(label: str, max_length: int, *, help_text: str = "", kind: str = "text", **attrs) -> forms.CharField:
    widget = {"email": forms.EmailInput, "password": forms.PasswordInput}.get(kind, forms.TextInput)
    return forms.CharField(label=label, required=False, strip=kind != "password", help_text=help_text,
                           widget=widget(attrs={"maxlength": max_length, **attrs}))


def _reason(label: str = "Why", help_text: str = "") -> forms.CharField:
    return forms.CharField(label=label, required=False, help_text=help_text,
                           widget=forms.Textarea(attrs={"rows": 3, "maxlength": REASON_MAX}))


def _choice(label: str, choices, help_text: str = "", *, what: str = "") -> forms.ChoiceField:
    return forms.ChoiceField(label=label, required=False, choices=choices, help_text=help_text,
                             error_messages={"invalid_choice": f"Choose {what or label.lower()} from the list"})


def apply_errors(form: forms.Form, errors: dict[str, str]) -> None:
    """Put a service's errors (field -> problem; "__all__" for the form) on the form's fields."""
    for field, problem in errors.items():
        form.add_error(None if field == "__all__" or field not in form.fields else field, problem)


class AgencyForm(Form):
    code = _text("Code", 64, help_text="A short, stable identifier its records and feeds carry, like "
                                       "northbrook-police. It cannot change later.", autocomplete="off")
    name = _text("Name", 200, autocomplete="organization")
    kind = _choice("Kind of agency", [("", "Choose a kind"), *AgencyKind.choices],
                   help_text="It decides which roles its staff may hold.", what="a kind of agency")

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["code"]


class TeamForm(Form):
    code = _text("Code", 64, help_text="A short identifier within the agency, like assessment-north.",
                 autocomplete="off")
    name = _text("Name", 200)
    phone = _text("Telephone number", 32, help_text="The number partners call, for a front door its duty line.",
                  autocomplete="off", inputmode="tel")
    is_front_door = forms.BooleanField(label="This is the agency's front door (MASH): it receives contacts and "
                                             "work nobody is allocated", required=False)

    def __init__(self, *args, editing: bool = False, agency=None, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["code"]
        if agency is not None and agency.kind != AgencyKind.CHILDRENS_SOCIAL_CARE:
            del self.fields["is_front_door"]


def _role_choices(agency_kind: str, *, system: bool) -> list[tuple[str, str]]:
    roles = [r for r in roles_for_agency_kind(agency_kind) if not system or r in SYSTEM_ACCOUNT_ROLES]
    return [("", "Choose a role"), *((r, Role(r).label) for r in roles)]


def _team_choices(teams) -> list[tuple[str, str]]:
    return [("", "No team"), *((str(t.pk), t.name) for t in teams)]


class PersonAccountForm(Form):
    """A person's account in one agency (chosen before the form)."""

    first_name = _text("First name", 150, autocomplete="off")
    last_name = _text("Last name", 150, autocomplete="off")
    email = _text("Email address", 254, kind="email", autocomplete="off",
                  help_text="Their own work address: the link to set their password is sent there.")
    username = _text("Username", 150, help_text="What they sign in with, like sam.okafor.", autocomplete="off")
    role = _choice("Role", [], what="a role")
    team = _choice("Team", [], what="a team")
    job_title = _text("Job title (optional)", 200, autocomplete="off")
    phone = _text("Telephone number (optional)", 32, autocomplete="off", inputmode="tel")
    reason = _reason("Why the role or team is changing",
                     help_text="Needed when the role or team changes; kept in the audit trail.")

    def __init__(self, *args, agency, teams, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = _role_choices(agency.kind, system=False)
        self.fields["team"].choices = _team_choices(teams)
        if editing:
            del self.fields["username"]
        else:
            del self.fields["reason"]


class SystemAccountForm(Form):
    """An agency's system (a feed, a case system): it calls the API with a token and never signs in."""

    first_name = _text("Name of the system", 150, help_text="Like St Aldric's emergency department feed.",
                       autocomplete="off")
    username = _text("Username", 150, help_text="Like st-aldrics-ed-feed.", autocomplete="off")
    role = _choice("Acts as", [], what="a role")
    team = _choice("Team", [], what="a team")
    reason = _reason("Why the role or team is changing",
                     help_text="Needed when the role or team changes; kept in the audit trail.")

    def __init__(self, *args, agency, teams, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = _role_choices(agency.kind, system=True)
        self.fields["team"].choices = _team_choices(teams)
        if editing:
            del self.fields["username"]
        else:
            del self.fields["reason"]
            del self.fields["team"]


class ReasonForm(Form):
    reason = _reason("Why", help_text="Kept in the audit trail.")


class AccountFilterForm(Form):
    """The users list's filters (in the address: none of them is personal data about a child)."""

    name = _text("Name or username", 100)
    agency = _choice("Agency", [], what="an agency")
    state = _choice("Show", [("active", "Active accounts"), ("deactivated", "Deactivated accounts"),
                             ("all", "All accounts")])

    def __init__(self, *args, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].choices = [("", "Every agency"), *((str(a.pk), a.name) for a in agencies)]


class TokenForm(Form):
    user = _choice("System account", [], help_text="The token acts as this account, with its agency and role.",
                   what="a system account")
    name = _text("What will use it", 200, help_text="Like St Aldric's emergency department feed, test server.",
                 autocomplete="off")
    days = _text("Days until it expires", 3, help_text="From 1 to 730. It stops working then; issue a new one "
                                                       "before.", inputmode="numeric", autocomplete="off")

    def __init__(self, *args, holders, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].choices = [("", "Choose a system account"), *(
            (str(u.pk), f"{u.get_full_name() or u.username} ({u.username}, {u.agency.name})") for u in holders)]
        self.fields["days"].initial = str(TOKEN_DAYS_DEFAULT)


class SetPasswordForm(Form):
    password = _text("New password", 128, kind="password", autocomplete="new-password",
                     help_text="At least 12 characters. Not a common password, nor like your name or username.")
    password_again = _text("New password again", 128, kind="password", autocomplete="new-password")
