"""The system administrator's writes: agencies, teams, accounts and API tokens (the administration screens).

Each takes the administrator (`admin`: a signed-in User), refuses anyone who does not administer accounts
(`joinedup.accounts.roles.administers_accounts`), checks what was entered — `AccountInvalid` names each field and
its problem, and nothing is stored — and writes its audit row in the same transaction. What an administrator may not
do, whatever the form says (security promise 1, need to know):

- give a role an agency of that kind may not hold (`roles.ROLE_AGENCY_KINDS`), or change an agency's kind once it
  has accounts (its staff's roles and field groups depend on it);
- change, deactivate or reset their own account (another administrator must);
- make a superuser, or touch one;
- learn anyone's password: a person's account is given a one-time set-password link, e-mailed to the address on the
  account and never shown on a screen (see `account_password_link_issue`);
- issue a token for a person's account: tokens (which pass no second factor, and whose secret the administrator
  sees once) go only to system accounts, which no person signs in to, in the roles agencies' systems use.
"""

from __future__ import annotations

import re
from datetime import timedelta

from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from joinedup.accounts.models import Agency, AgencyKind, ApiToken, Role, Team, User
from joinedup.accounts.roles import (
    ROLE_AGENCY_KINDS,
    SYSTEM_ACCOUNT_ROLES,
    TEAM_REQUIRED_ROLES,
    administers_accounts,
    role_fits_agency,
)
from joinedup.accounts.services.agencies import agency_create, team_create
from joinedup.accounts.services.tokens import api_token_create, api_token_revoke
from joinedup.accounts.services.users import actor_for, user_create, user_deactivate
from joinedup.audit.actions import AuditAction
from joinedup.audit.services import audit_event_record
from joinedup.core.actor import ActorRef
from joinedup.core.time import utc_now

CODE_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
PHONE_RE = re.compile(r"^[0-9 +()-]*$")
REASON_MAX = 2000
TOKEN_DAYS_MAX = 730  # a credential nobody remembers should not live for ever: two years at most
TOKEN_DAYS_DEFAULT = 365
NOT_YOURSELF = "You cannot change your own account here: ask another system administrator"
# The password rules' problems (AUTH_PASSWORD_VALIDATORS), in the product's words.
PASSWORD_PROBLEMS = {
    "password_too_short": "The password must be at least 12 characters.",
    "password_too_similar": "The password is too like your name, username or email address.",
    "password_too_common": "That password is one of the most common: choose another.",
    "password_entirely_numeric": "The password cannot be only digits.",
}


class AccountInvalid(ValueError):
    """What was entered is wrong: field name -> the problem, in words a person can act on ("__all__": the whole
    form)."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("; ".join(f"{field}: {problem}" for field, problem in errors.items()))


def _administrator(admin) -> ActorRef:
    if not administers_accounts(admin):
        raise PermissionError("only an authority's system administrator manages agencies, teams, users and tokens")
    return actor_for(admin)


def _text(errors: dict, field: str, value: str, *, label: str, max_length: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        errors[field] = f"Enter the {label}"
    elif len(value) > max_length:
        errors[field] = f"The {label} must be {max_length} characters or fewer (it has {len(value)})"
    return value


def _code(errors: dict, value: str, *, label: str) -> str:
    value = (value or "").strip()
    if not value:
        errors["code"] = f"Enter the {label}"
    elif len(value) > 64:
        errors["code"] = f"The {label} must be 64 characters or fewer (it has {len(value)})"
    elif not CODE_RE.match(value):
        errors["code"] = (f"The {label} can contain only lower-case letters, digits and single hyphens between them, "
                          "like northbrook-police")
    return value


def _phone(errors: dict, value: str) -> str:
    value = (value or "").strip()
    if len(value) > 32:
        errors["phone"] = f"The telephone number must be 32 characters or fewer (it has {len(value)})"
    elif not PHONE_RE.match(value):
        errors["phone"] = "Enter a telephone number using digits, spaces and + ( ) - only, like 01632 960 100"
    return value


def _reason(errors: dict, value: str, *, what: str) -> str:
    value = (value or "").strip()
    if not value:
        errors["reason"] = f"Say why {what}"
    elif len(value) > REASON_MAX:
        errors["reason"] = f"The reason must be {REASON_MAX} characters or fewer (it has {len(value)})"
    return value


def _kind(errors: dict, value: str) -> str:
    if value not in AgencyKind.values:
        errors["kind"] = "Choose what kind of agency it is"
    return value


def _role(errors: dict, role: str, agency: Agency | None, *, system: bool = False) -> str:
    if role not in Role.values:
        errors["role"] = "Choose a role"
    elif system and role not in SYSTEM_ACCOUNT_ROLES:
        errors["role"] = ("A system account acts as a partner practitioner (a partner agency's feed) or a system "
                          "administrator (the authority's case system)")
    elif agency is not None and not role_fits_agency(role, agency.kind):
        kinds = ", ".join(sorted(AgencyKind(k).label.lower() for k in ROLE_AGENCY_KINDS[role]))
        errors["role"] = (f"A {Role(role).label.lower()} works in an agency of one of these kinds: {kinds}. "
                          f"{agency.name} is {AgencyKind(agency.kind).label.lower()}")
    return role


def _team(errors: dict, team: Team | None, agency: Agency | None, role: str) -> Team | None:
    if team is not None and agency is not None and team.agency_id != agency.pk:
        errors["team"] = f"Choose a team of {agency.name}"
    elif team is not None and not team.is_active:
        errors["team"] = "That team is closed: choose another"
    elif team is None and role in TEAM_REQUIRED_ROLES and "role" not in errors:
        errors["team"] = "Choose the team this manager manages"
    return team


def _email(errors: dict, value: str, *, exclude: User | None = None) -> str:
    value = (value or "").strip()
    if not value:
        errors["email"] = "Enter an email address: the link to set a password is sent there"
        return value
    if len(value) > 254:
        errors["email"] = f"The email address must be 254 characters or fewer (it has {len(value)})"
        return value
    try:
        validate_email(value)
    except ValidationError:
        errors["email"] = "Enter an email address in the correct format, like name@example.org"
        return value
    others = User.objects.filter(email__iexact=value)
    if exclude is not None:
        others = others.exclude(pk=exclude.pk)
    if others.exists():
        errors["email"] = "Another account uses this email address: each person's account has its own"
    return value


def _username(errors: dict, value: str) -> str:
    value = (value or "").strip()
    if not value:
        errors["username"] = "Enter a username"
    elif len(value) < 3 or len(value) > 150:
        errors["username"] = f"The username must be 3 to 150 characters (it has {len(value)})"
    else:
        try:
            UnicodeUsernameValidator()(value)
        except ValidationError:
            errors["username"] = "The username can contain only letters, digits and . @ + - _"
        else:
            if User.objects.filter(username__iexact=value).exists():
                errors["username"] = "That username is taken: choose another"
    return value


def _raise(errors: dict) -> None:
    if errors:
        raise AccountInvalid(errors)


def _not_yourself(admin, user: User) -> None:
    if user.pk == admin.pk:
        raise AccountInvalid({"__all__": NOT_YOURSELF})
    if user.is_superuser:
        raise AccountInvalid({"__all__": "This account is managed by the operators of joinedup, not on these screens"})


# --- agencies and teams ----------------------------------------------------------------------------------------------


@transaction.atomic
def agency_add(*, admin, code: str, name: str, kind: str) -> Agency:
    """Register an agency: its code (the stable identifier its records carry), name and kind."""
    actor = _administrator(admin)
    errors: dict[str, str] = {}
    code = _code(errors, code, label="code")
    name = _text(errors, "name", name, label="agency's name", max_length=200)
    kind = _kind(errors, kind)
    if "code" not in errors and Agency.objects.filter(code=code).exists():
        errors["code"] = "Another agency has this code: choose another"
    _raise(errors)
    return agency_create(actor=actor, code=code, name=name, kind=kind)


@transaction.atomic
def agency_change(*, admin, agency: Agency, name: str, kind: str) -> Agency:
    """Rename an agency, or change its kind while nobody has an account in it. The code never changes: records
    and feeds name the agency by it."""
    actor = _administrator(admin)
    agency = Agency.objects.select_for_update().get(pk=agency.pk)
    errors: dict[str, str] = {}
    name = _text(errors, "name", name, label="agency's name", max_length=200)
    kind = _kind(errors, kind)
    if "kind" not in errors and kind != agency.kind and User.objects.filter(agency=agency).exists():
        errors["kind"] = ("The kind cannot change once the agency has accounts: what its staff may see depends on "
                          "it. Register a new agency instead")
    _raise(errors)
    before = {"name": agency.name, "kind": agency.kind}
    after = {"name": name, "kind": kind}
    changed = sorted(k for k in after if after[k] != before[k])
    if changed:
        Agency.objects.filter(pk=agency.pk).update(name=name, kind=kind, modified_by_id=actor.id, modified_at=utc_now())
        audit_event_record(actor=actor, action=AuditAction.AGENCY_UPDATE, object_type="agency", object_id=agency.pk,
                           detail={"changed": changed, "before": {k: before[k] for k in changed},
                                   "after": {k: after[k] for k in changed}})
    agency.refresh_from_db()
    return agency


@transaction.atomic
def team_add(*, admin, agency: Agency, code: str, name: str, is_front_door: bool = False, phone: str = "") -> Team:
    """Add a team to an agency. A front-door team (MASH) belongs to children's social care; its telephone number is
    the one partners are told to call."""
    actor = _administrator(admin)
    errors: dict[str, str] = {}
    code = _code(errors, code, label="team's code")
    name = _text(errors, "name", name, label="team's name", max_length=200)
    phone = _phone(errors, phone)
    if "code" not in errors and Team.objects.filter(agency=agency, code=code).exists():
        errors["code"] = f"Another team of {agency.name} has this code: choose another"
    if is_front_door and agency.kind != AgencyKind.CHILDRENS_SOCIAL_CARE:
        errors["is_front_door"] = "Only a children's social care agency has a front door"
    _raise(errors)
    return team_create(actor=actor, agency=agency, code=code, name=name, is_front_door=is_front_door, phone=phone)


@transaction.atomic
def team_change(*, admin, team: Team, name: str, is_front_door: bool, phone: str) -> Team:
    """Rename a team, mark it as the front door or not, change its telephone number."""
    actor = _administrator(admin)
    team = Team.objects.select_for_update().get(pk=team.pk)
    errors: dict[str, str] = {}
    name = _text(errors, "name", name, label="team's name", max_length=200)
    phone = _phone(errors, phone)
    if is_front_door and team.agency.kind != AgencyKind.CHILDRENS_SOCIAL_CARE:
        errors["is_front_door"] = "Only a children's social care agency has a front door"
    _raise(errors)
    before = {"name": team.name, "is_front_door": team.is_front_door, "phone": team.phone}
    after = {"name": name, "is_front_door": bool(is_front_door), "phone": phone}
    changed = sorted(k for k in after if after[k] != before[k])
    if changed:
        Team.objects.filter(pk=team.pk).update(**after, modified_by_id=actor.id, modified_at=utc_now())
        audit_event_record(actor=actor, action=AuditAction.TEAM_UPDATE, object_type="team", object_id=team.pk,
                           detail={"agency": team.agency.code, "changed": changed,
                                   "before": {k: before[k] for k in changed}, "after": {k: after[k] for k in changed}})
    team.refresh_from_db()
    return team


# --- accounts --------------------------------------------------------------------------------------------------------


@transaction.atomic
def account_create_person(*, admin, username: str, first_name: str, last_name: str, email: str, agency: Agency,
                          role: str, team: Team | None = None, job_title: str = "", phone: str = "") -> User:
    """A person's account, with no password: give them a set-password link next (`account_password_link_issue`)."""
    actor = _administrator(admin)
    errors: dict[str, str] = {}
    username = _username(errors, username)
    first_name = _text(errors, "first_name", first_name, label="first name", max_length=150)
    last_name = _text(errors, "last_name", last_name, label="last name", max_length=150)
    email = _email(errors, email)
    role = _role(errors, role, agency)
    team = _team(errors, team, agency, role)
    job_title = _text(errors, "job_title", job_title, label="job title", max_length=200, required=False)
    phone = _phone(errors, phone)
    _raise(errors)
    return user_create(actor=actor, username=username, password=None, agency=agency, role=role, team=team,
                       first_name=first_name, last_name=last_name, email=email, job_title=job_title, phone=phone)


@transaction.atomic
def account_create_system(*, admin, username: str, name: str, agency: Agency, role: str) -> User:
    """An agency's system calling the API (a feed, a case system): no password, no email, never signs in to the
    screens; it holds API tokens."""
    actor = _administrator(admin)
    errors: dict[str, str] = {}
    username = _username(errors, username)
    name = _text(errors, "first_name", name, label="name of the system", max_length=150)
    role = _role(errors, role, agency, system=True)
    _raise(errors)
    return user_create(actor=actor, username=username, password=None, agency=agency, role=role,
                       first_name=name, is_system_account=True)


@transaction.atomic
def account_change(*, admin, user: User, first_name: str, last_name: str = "", email: str = "", role: str,
                   team: Team | None = None, job_title: str = "", phone: str = "", reason: str = "") -> User:
    """Change an account's details, role or team (a reason is needed for a new role or team). The agency never
    changes: someone who moves to another organisation gets a new account, so the audit trail stays true. What the
    user may see changes with their next request."""
    actor = _administrator(admin)
    _not_yourself(admin, user)
    user = User.objects.select_for_update().get(pk=user.pk)
    errors: dict[str, str] = {}
    if user.is_system_account:
        first_name = _text(errors, "first_name", first_name, label="name of the system", max_length=150)
        last_name, email, job_title, phone = "", "", "", ""
    else:
        first_name = _text(errors, "first_name", first_name, label="first name", max_length=150)
        last_name = _text(errors, "last_name", last_name, label="last name", max_length=150)
        email = _email(errors, email, exclude=user)
        job_title = _text(errors, "job_title", job_title, label="job title", max_length=200, required=False)
        phone = _phone(errors, phone)
    role = _role(errors, role, user.agency, system=user.is_system_account)
    team = _team(errors, team, user.agency, role)
    before = {"first_name": user.first_name, "last_name": user.last_name, "email": user.email, "role": user.role,
              "team": str(user.team_id or ""), "job_title": user.job_title, "phone": user.phone}
    after = {"first_name": first_name, "last_name": last_name, "email": email, "role": role,
             "team": str(team.pk if team else ""), "job_title": job_title, "phone": phone}
    changed = sorted(k for k in after if after[k] != before[k])
    if {"role", "team"} & set(changed):
        reason = _reason(errors, reason, what="the role or team is changing")
    elif reason and len(reason.strip()) > REASON_MAX:
        errors["reason"] = f"The reason must be {REASON_MAX} characters or fewer (it has {len(reason.strip())})"
    _raise(errors)
    if changed:
        fields = {k: after[k] for k in changed if k != "team"}
        if "team" in changed:
            fields["team"] = team
        User.objects.filter(pk=user.pk).update(**fields)
        # Who the user is (names, email) is not kept in the trail's detail: the row names the account.
        shown = {"role", "team", "job_title"}
        audit_event_record(actor=actor, action=AuditAction.USER_UPDATE, object_type="user", object_id=user.pk,
                           reason=(reason or "").strip(),
                           detail={"changed": changed, "before": {k: before[k] for k in changed if k in shown},
                                   "after": {k: after[k] for k in changed if k in shown}})
    user.refresh_from_db()
    return user


@transaction.atomic
def account_deactivate(*, admin, user: User, reason: str) -> User:
    """Stop an account: it cannot sign in, its sessions end on their next request and its tokens stop at once."""
    actor = _administrator(admin)
    _not_yourself(admin, user)
    errors: dict[str, str] = {}
    reason = _reason(errors, reason, what="the account is being deactivated")
    if not user.is_active:
        errors["__all__"] = "This account is already deactivated"
    _raise(errors)
    return user_deactivate(actor=actor, user=user, reason=reason)


@transaction.atomic
def account_reactivate(*, admin, user: User, reason: str) -> User:
    """Let a deactivated account sign in again (with the password and second factor it had)."""
    actor = _administrator(admin)
    _not_yourself(admin, user)
    user = User.objects.select_for_update().get(pk=user.pk)
    errors: dict[str, str] = {}
    reason = _reason(errors, reason, what="the account is being reactivated")
    if user.is_active:
        errors["__all__"] = "This account is active already"
    elif not role_fits_agency(user.role, user.agency.kind if user.agency_id else ""):
        errors["__all__"] = "This account's role does not fit its agency: change its role first"
    _raise(errors)
    User.objects.filter(pk=user.pk).update(is_active=True)
    audit_event_record(actor=actor, action=AuditAction.USER_REACTIVATE, object_type="user", object_id=user.pk,
                       reason=reason)
    user.refresh_from_db()
    return user


@transaction.atomic
def account_password_link_issue(*, admin, user: User) -> tuple[str, str]:
    """Start a (re)set of a person's password: their current password stops working at once (and with it any
    earlier link and their signed-in sessions), and a one-time link is made for the caller to e-mail to the address
    on the account. Returns the link's two parts (the account's id encoded, and the token); the administrator never
    sees them. The link works once, and for `PASSWORD_RESET_TIMEOUT` seconds (Django's setting; 3 days unless set).

    Why a link and not a temporary password: whoever knows a password can sign in as its owner, and a new account
    has no authenticator app yet — the first to sign in sets one up. A password the administrator chose or saw would
    let them be that person. The link goes to the person's own address; the administrator only starts it."""
    actor = _administrator(admin)
    _not_yourself(admin, user)
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_system_account:
        raise AccountInvalid({"__all__": "A system account has no password: it calls the API with a token"})
    if not user.is_active:
        raise AccountInvalid({"__all__": "Reactivate the account first"})
    if not user.email:
        raise AccountInvalid({"email": "Enter the person's email address first: the link is sent there"})
    user.set_unusable_password()
    user.save(update_fields=["password"])
    audit_event_record(actor=actor, action=AuditAction.PASSWORD_LINK_ISSUE, object_type="user", object_id=user.pk)
    return urlsafe_base64_encode(force_bytes(user.pk)), default_token_generator.make_token(user)


@transaction.atomic
def account_password_set(*, user: User, token: str, password: str, password_again: str) -> User:
    """The person sets their password with the link's token (checked again here). The token stops working once the
    password is set. They sign in next, with their second factor (set up then, for a new account)."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.is_active or user.is_system_account or not default_token_generator.check_token(user, token):
        raise AccountInvalid({"__all__": "This link has expired or has been used: ask your system administrator "
                                         "for a new one"})
    errors: dict[str, str] = {}
    if not password:
        errors["password"] = "Enter a new password"  # noqa: S105 - a message, not a password
    elif len(password) > 128:
        errors["password"] = f"The password must be 128 characters or fewer (it has {len(password)})"
    else:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            errors["password"] = " ".join(dict.fromkeys(
                PASSWORD_PROBLEMS.get(e.code or "", e.messages[0]) for e in exc.error_list))
    if "password" not in errors and password_again != password:
        errors["password_again"] = "Enter the same password again: the two are different"  # noqa: S105
    _raise(errors)
    user.set_password(password)
    user.save(update_fields=["password"])
    audit_event_record(actor=actor_for(user), action=AuditAction.PASSWORD_SET, object_type="user", object_id=user.pk)
    return user


# --- API tokens ------------------------------------------------------------------------------------------------------


@transaction.atomic
def account_token_issue(*, admin, user: User | None, name: str, days: int | str | None) -> tuple[ApiToken, str]:
    """Issue a token to a system account; returns the token and its secret, to be shown once and never again."""
    actor = _administrator(admin)
    errors: dict[str, str] = {}
    if user is None:
        errors["user"] = "Choose the system account the token is for"
    else:
        user = User.objects.select_for_update().get(pk=user.pk)
        if not user.is_system_account:
            errors["user"] = ("A token is issued only to a system account, never to a person's account: add a system "
                              "account for the agency's system first")
        elif not user.is_active:
            errors["user"] = "That account is deactivated: reactivate it or choose another"
        elif user.role not in SYSTEM_ACCOUNT_ROLES or not role_fits_agency(user.role, user.agency.kind):
            errors["user"] = "That account's role cannot hold a token"
    name = _text(errors, "name", name, label="name of what will use the token", max_length=200)
    try:
        days = int(str(days if days is not None else "").strip())
    except ValueError:
        errors["days"] = "Enter the number of days the token lasts, like 365"
    else:
        if not 1 <= days <= TOKEN_DAYS_MAX:
            errors["days"] = f"A token lasts from 1 to {TOKEN_DAYS_MAX} days"
    _raise(errors)
    return api_token_create(actor=actor, user=user, name=name, expires_at=utc_now() + timedelta(days=days))


@transaction.atomic
def account_token_revoke(*, admin, token: ApiToken, reason: str) -> ApiToken:
    """Revoke a token at once: requests using it are refused from then on."""
    actor = _administrator(admin)
    errors: dict[str, str] = {}
    reason = _reason(errors, reason, what="the token is being revoked")
    if token.revoked_at is not None:
        errors["__all__"] = "This token was revoked already"
    _raise(errors)
    return api_token_revoke(actor=actor, token=token, reason=reason)
