"""The system administrator's screens: agencies and their teams, accounts (people and agencies' systems) and API
tokens; and the public page where a person sets their password with a one-time link.

Only the authority's system administrator opens them (`access.policy.may_administer_accounts`); everyone else gets
404, as everywhere. Each view parses, calls one service or selector (`joinedup.accounts`), audits reads and renders;
what is allowed is the services' to decide (`accounts/services/administration.py`). Nothing here ever shows a
password, a set-password link or, after the page that issued it, a token's secret.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.mail import send_mail
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from joinedup.access.notify import tell_the_dpo_after_commit, who
from joinedup.access.policy import may_administer_accounts
from joinedup.accounts import selectors
from joinedup.accounts.models import Role
from joinedup.accounts.roles import WIDE_REACH_ROLES
from joinedup.accounts.services import (
    AccountInvalid,
    account_change,
    account_create_person,
    account_create_system,
    account_deactivate,
    account_password_link_issue,
    account_password_set,
    account_reactivate,
    account_token_issue,
    account_token_revoke,
    actor_for,
    agency_add,
    agency_change,
    team_add,
    team_change,
)
from joinedup.audit.actions import AuditAction
from joinedup.audit.decorators import reads_personal_data
from joinedup.audit.services import audit_event_record, audit_read_many
from joinedup.core.time import utc_now
from joinedup.web.forms_admin import (
    AccountFilterForm,
    AgencyForm,
    PersonAccountForm,
    ReasonForm,
    SetPasswordForm,
    SystemAccountForm,
    TeamForm,
    TokenForm,
    apply_errors,
)

log = logging.getLogger(__name__)
PAGE_SIZE = 50


def _administrator(request) -> None:
    if not may_administer_accounts(request.user):
        raise Http404


def _found(value):
    """What a selector found for the administrator, or 404."""
    if value is None:
        raise Http404
    return value


def _submit(request, form, write) -> tuple[bool, Any]:
    """On a valid POST, the service's write with the form's answers: (True, what it returned). Its refusal
    (`AccountInvalid`) goes onto the form's fields, and a GET or an invalid form does nothing: (False, None)."""
    if request.method != "POST" or not form.is_valid():
        return False, None
    try:
        return True, write(form.cleaned_data)
    except AccountInvalid as exc:
        apply_errors(form, exc.errors)
        return False, None


def _uuid(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


# --- agencies and teams ----------------------------------------------------------------------------------------------


@require_http_methods(["GET"])
@login_required
def agencies(request):
    _administrator(request)
    return render(request, "web/administration/agencies.html",
                  {"agencies": selectors.agencies_for_admin(viewer=request.user)})


@require_http_methods(["GET", "POST"])
@login_required
def agency_new(request):
    _administrator(request)
    form = AgencyForm(request.POST or None)
    done, agency = _submit(request, form, lambda data: agency_add(admin=request.user, **data))
    if done:
        messages.success(request, f"{agency.name} is registered. Add its teams and accounts.")
        return redirect("web:admin-agency", agency.pk)
    return render(request, "web/administration/agency_form.html", {"form": form, "agency": None})


@require_http_methods(["GET", "POST"])
@login_required
def agency_detail(request, agency_id):
    """An agency: its details (to change), its teams, and where to add teams and accounts."""
    _administrator(request)
    agency = _found(selectors.agency_for_admin(viewer=request.user, agency_id=agency_id))
    initial = {"name": agency.name, "kind": agency.kind}
    form = AgencyForm(request.POST or None, initial=initial, editing=True)
    done, saved = _submit(request, form, lambda data: agency_change(admin=request.user, agency=agency, **data))
    if done:
        messages.success(request, f"{saved.name} is saved.")
        return redirect("web:admin-agency", saved.pk)
    return render(request, "web/administration/agency.html", {
        "agency": agency, "form": form, "teams": selectors.teams_for_admin(viewer=request.user, agency=agency)})


@require_http_methods(["GET", "POST"])
@login_required
def team_new(request, agency_id):
    _administrator(request)
    agency = _found(selectors.agency_for_admin(viewer=request.user, agency_id=agency_id))
    form = TeamForm(request.POST or None, agency=agency)
    done, team = _submit(request, form, lambda data: team_add(admin=request.user, agency=agency, **data))
    if done:
        messages.success(request, f"{team.name} is added to {agency.name}.")
        return redirect("web:admin-agency", agency.pk)
    return render(request, "web/administration/team_form.html", {"form": form, "agency": agency, "team": None})


@require_http_methods(["GET", "POST"])
@login_required
def team_detail(request, team_id):
    _administrator(request)
    team = _found(selectors.team_for_admin(viewer=request.user, team_id=team_id))
    agency = team.agency
    initial = {"name": team.name, "phone": team.phone, "is_front_door": team.is_front_door}
    form = TeamForm(request.POST or None, initial=initial, editing=True, agency=agency)
    done, saved = _submit(request, form, lambda data: team_change(admin=request.user, team=team,
                                                                  **{"is_front_door": False, **data}))
    if done:
        messages.success(request, f"{saved.name} is saved.")
        return redirect("web:admin-agency", agency.pk)
    return render(request, "web/administration/team_form.html", {"form": form, "agency": agency, "team": team})


# --- accounts --------------------------------------------------------------------------------------------------------


@require_http_methods(["GET"])
@login_required
@reads_personal_data
def users(request):
    """Accounts, filtered by agency, name and state, 50 a page; the list is audited (staff's names)."""
    _administrator(request)
    agencies_all = selectors.agencies_for_admin(viewer=request.user)
    form = AccountFilterForm(request.GET or None, agencies=agencies_all)
    data = form.cleaned_data if form.is_valid() else {}
    found = selectors.accounts_for_admin(viewer=request.user, agency_id=_uuid(data.get("agency")),
                                         name=data.get("name", ""), state=data.get("state") or "active")
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    audit_read_many(actor=actor_for(request.user), action=AuditAction.USER_LIST, object_type="user",
                    object_ids=[u.pk for u in page], detail={"view": "administration"})
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "web/administration/users.html", {
        "form": form, "page": page, "query": query.urlencode() + "&" if query else "",
        "agency": selectors.agency_for_admin(viewer=request.user, agency_id=_uuid(data.get("agency")))
        if data.get("agency") else None,
    })


def _agency_from_query(request):
    agency_id = _uuid(request.GET.get("agency") or request.POST.get("agency"))
    return selectors.agency_for_admin(viewer=request.user, agency_id=agency_id) if agency_id else None


def _team(request, agency, value):
    team_id = _uuid(value)
    return selectors.teams_for_admin(viewer=request.user, agency=agency).filter(pk=team_id).first() if team_id else None


def _tell_the_dpo_of_role(request, user, *, granted: str) -> None:
    """A role that reaches beyond one worker's relationships is e-mailed to the data protection officers."""
    if granted not in WIDE_REACH_ROLES:
        return
    tell_the_dpo_after_commit(
        agency_id=user.agency_id, subject=f"{Role(granted).label} role given",
        body=(f"{who(request.user)} gave the account {user.username} ({user.agency.name}) the role "
              f"{Role(granted).label}.\n\nThe audit trail in joinedup holds the details."),
        what="a role given on the administration screens")


def _send_password_link(request, user, *, new: bool) -> None:
    """Make the one-time link and e-mail it to the address on the account once the transaction commits; never
    shown on a page, never logged (the link is the secret)."""
    uidb64, token = account_password_link_issue(admin=request.user, user=user)
    link = request.build_absolute_uri(reverse("web:set-password")) + "?" + urlencode({"u": uidb64, "t": token})
    subject = "joinedup: set your password" if new else "joinedup: set a new password"
    body = (f"Hello {user.first_name},\n\n"
            + ("An account has been made for you in joinedup" if new else "Your joinedup password has been reset")
            + f" (username {user.username}). Set your password here; the link works once:\n\n{link}\n\n"
            "Then sign in: you will set up an authenticator app, if you have not already.\n"
            "If you did not expect this, tell your system administrator.\n")
    address = user.email
    user_id = user.pk

    def send() -> None:
        try:
            send_mail(subject, body, None, [address])
        except Exception:  # the account stands; the administrator can send another link
            log.exception("could not e-mail a set-password link to user %s", user_id)

    transaction.on_commit(send)


@require_http_methods(["GET", "POST"])
@login_required
def user_new(request, system: bool = False):
    """Add a person's account (or, `system`, an agency's system's) to an agency chosen first (`?agency=`)."""
    _administrator(request)
    agency = _agency_from_query(request)
    if agency is None:  # choose the agency first: the roles and teams offered depend on it
        return render(request, "web/administration/choose_agency.html", {
            "agencies": selectors.agencies_for_admin(viewer=request.user), "system": system})
    teams = selectors.teams_for_admin(viewer=request.user, agency=agency).filter(is_active=True)
    form_class = SystemAccountForm if system else PersonAccountForm
    form = form_class(request.POST or None, agency=agency, teams=teams)

    def create(data):
        if system:
            return account_create_system(admin=request.user, username=data["username"], name=data["first_name"],
                                         agency=agency, role=data["role"])
        user = account_create_person(admin=request.user, agency=agency, team=_team(request, agency, data["team"]),
                                     **{k: data[k] for k in ("username", "first_name", "last_name", "email", "role",
                                                             "job_title", "phone")})
        _send_password_link(request, user, new=True)
        return user

    done, user = _submit(request, form, create)
    if done:
        _tell_the_dpo_of_role(request, user, granted=user.role)
        messages.success(request, f"The account {user.username} is made." + (
            "" if system else f" A link to set a password is being e-mailed to {user.email}."))
        return redirect("web:admin-user", user.pk)
    return render(request, "web/administration/user_form.html", {
        "form": form, "agency": agency, "account": None, "system": system})


@require_http_methods(["GET", "POST"])
@login_required
@reads_personal_data
def user_detail(request, user_id):
    """One account: its details and state; change them (not one's own), and the actions on it."""
    _administrator(request)
    account = _found(selectors.account_for_admin(viewer=request.user, user_id=user_id))
    yourself = account.pk == request.user.pk
    teams = selectors.teams_for_admin(viewer=request.user, agency=account.agency).filter(is_active=True)
    form_class = SystemAccountForm if account.is_system_account else PersonAccountForm
    initial = {"first_name": account.first_name, "last_name": account.last_name, "email": account.email,
               "role": account.role, "team": str(account.team_id or ""), "job_title": account.job_title,
               "phone": account.phone}
    form = form_class(request.POST or None, initial=initial, agency=account.agency, teams=teams, editing=True)
    role_before = account.role
    done, saved = (False, None) if yourself else _submit(request, form, lambda data: account_change(
        admin=request.user, user=account, team=_team(request, account.agency, data.get("team")),
        **{k: data.get(k, "") for k in ("first_name", "last_name", "email", "role", "job_title", "phone", "reason")}))
    if done:
        if saved.role != role_before:
            _tell_the_dpo_of_role(request, saved, granted=saved.role)
        messages.success(request, f"The account {saved.username} is saved.")
        return redirect("web:admin-user", saved.pk)
    if request.method == "GET":
        audit_event_record(actor=actor_for(request.user), action=AuditAction.USER_VIEW, object_type="user",
                           object_id=account.pk, detail={"view": "administration"})
    tokens = selectors.tokens_for_admin(viewer=request.user, state="all").filter(user=account)
    return render(request, "web/administration/user.html", {
        "account": account, "form": form, "yourself": yourself, "tokens": tokens, "now": utc_now(),
        "system": account.is_system_account})


def _account_action(request, user_id, *, action: str):
    """Deactivate, reactivate or e-mail a set-password link: a page that says what will happen, and its form."""
    _administrator(request)
    account = _found(selectors.account_for_admin(viewer=request.user, user_id=user_id))
    form = ReasonForm(request.POST or None)

    def act(data) -> str:
        if action == "deactivate":
            account_deactivate(admin=request.user, user=account, reason=data["reason"])
            return f"The account {account.username} is deactivated: it cannot sign in and its tokens stop."
        if action == "reactivate":
            account_reactivate(admin=request.user, user=account, reason=data["reason"])
            _tell_the_dpo_of_role(request, account, granted=account.role)
            return f"The account {account.username} is active again."
        _send_password_link(request, account, new=False)
        return (f"{account.username}'s password no longer works. A link to set a new one is being e-mailed "
                f"to {account.email}.")

    done, said = _submit(request, form, act)
    if done:
        messages.success(request, said)
        return redirect("web:admin-user", account.pk)
    if request.method == "GET":
        audit_event_record(actor=actor_for(request.user), action=AuditAction.USER_VIEW, object_type="user",
                           object_id=account.pk, detail={"view": f"administration: {action}"})
    return render(request, "web/administration/user_action.html", {
        "account": account, "form": form, "action": action, "yourself": account.pk == request.user.pk})


@require_http_methods(["GET", "POST"])
@login_required
@reads_personal_data
def user_deactivate(request, user_id):
    return _account_action(request, user_id, action="deactivate")


@require_http_methods(["GET", "POST"])
@login_required
@reads_personal_data
def user_reactivate(request, user_id):
    return _account_action(request, user_id, action="reactivate")


@require_http_methods(["GET", "POST"])
@login_required
@reads_personal_data
def user_password(request, user_id):
    return _account_action(request, user_id, action="password")


# --- API tokens ------------------------------------------------------------------------------------------------------


@require_http_methods(["GET"])
@login_required
@reads_personal_data
def tokens(request):
    """Tokens with their account, when each was last used and when it expires; never a secret."""
    _administrator(request)
    state = request.GET.get("state") if request.GET.get("state") in ("live", "ended", "all") else "live"
    page = Paginator(selectors.tokens_for_admin(viewer=request.user, state=state), PAGE_SIZE).get_page(
        request.GET.get("page"))
    audit_read_many(actor=actor_for(request.user), action=AuditAction.TOKEN_LIST, object_type="api_token",
                    object_ids=[t.pk for t in page], detail={"state": state})
    count = page.paginator.count
    return render(request, "web/administration/tokens.html", {
        "page": page, "state": state, "query": f"state={state}&", "now": utc_now(),
        "caption": f"{count} token{'s' if count != 1 else ''}",
        "states": (("live", "In use"), ("ended", "Revoked or expired"), ("all", "All"))})


@require_http_methods(["GET", "POST"])
@login_required
def token_new(request):
    """Issue a token to a system account. The secret is on the page that answers the post, once: it is not stored
    (only its digest), so it cannot be shown again."""
    _administrator(request)
    holders = selectors.token_holders_for_admin(viewer=request.user)
    wanted = _uuid(request.GET.get("user"))
    form = TokenForm(request.POST or None, holders=holders, initial={"user": str(wanted) if wanted else ""})

    def issue(data):
        holder = holders.filter(pk=_uuid(data["user"])).first() if _uuid(data["user"]) else None
        return holder, *account_token_issue(admin=request.user, user=holder, name=data["name"], days=data["days"])

    done, issued = _submit(request, form, issue)
    if done:
        holder, token, secret = issued
        tell_the_dpo_after_commit(
            agency_id=holder.agency_id, subject="API token issued",
            body=(f"{who(request.user)} issued an API token ({token.prefix}…, \"{token.name}\") to the system "
                  f"account {holder.username} ({holder.agency.name}, {holder.get_role_display()}), expiring "
                  f"{token.expires_at:%d %B %Y}.\n\nThe audit trail in joinedup holds the details."),
            what="an API token issued")
        response = render(request, "web/administration/token_issued.html", {"token": token, "secret": secret})
        response["Cache-Control"] = "no-store"
        return response
    return render(request, "web/administration/token_form.html", {"form": form, "holders": holders})


@require_http_methods(["GET", "POST"])
@login_required
def token_revoke(request, token_id):
    _administrator(request)
    token = _found(selectors.token_for_admin(viewer=request.user, token_id=token_id))
    form = ReasonForm(request.POST or None)
    done, _ = _submit(request, form, lambda data: account_token_revoke(admin=request.user, token=token,
                                                                        reason=data["reason"]))
    if done:
        messages.success(request, f"The token {token.prefix}… ({token.name}) is revoked: requests using it are "
                                  "refused from now on.")
        return redirect("web:admin-tokens")
    return render(request, "web/administration/token_revoke.html", {"token": token, "form": form})


# --- setting a password with a one-time link (public: the link is the proof) ------------------------------------------


@require_http_methods(["GET", "POST"])
def set_password(request):
    """The page a set-password link opens. The link's two parts travel in the query string (which no log line keeps)
    and then in the form's hidden fields."""
    source = request.POST if request.method == "POST" else request.GET
    uidb64, token = source.get("u", ""), source.get("t", "")
    user = selectors.password_link_user(uidb64=uidb64, token=token)
    form = SetPasswordForm(request.POST if request.method == "POST" and user is not None else None)
    done, _ = (False, None) if user is None else _submit(
        request, form, lambda data: account_password_set(user=user, token=token, **data))
    if done:
        messages.success(request, "Your password is set. Sign in with it now.")
        return redirect("web:sign-in")
    response = render(request, "web/administration/set_password.html", {
        "form": form, "link_user": user, "u": uidb64 if user else "", "t": token if user else "",
        "link_days": max(1, round(settings.PASSWORD_RESET_TIMEOUT / 86400))})
    response["Cache-Control"] = "no-store"
    return response
