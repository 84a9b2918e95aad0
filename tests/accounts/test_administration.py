"""The system administrator's services (issue 19): who may use them, what each refuses (each field's problem named,
nothing stored), what each writes to the audit trail, and what an administrator can never do — give a role outside
the agency kinds the product allows, change their own account, learn a password, or give a person's account a token.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.tokens import default_token_generator

from joinedup.accounts.models import Agency, AgencyKind, ApiToken, Role, Team, User
from joinedup.accounts.selectors import api_token_user, password_link_user
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
    agency_add,
    agency_change,
    team_add,
    team_change,
)
from joinedup.audit.models import AuditEvent
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.django_db, pytest.mark.both_databases]

NEW_PASSWORD = "a-long-unusual-passphrase-7431"


@pytest.fixture
def csc(make_agency):
    return make_agency(AgencyKind.CHILDRENS_SOCIAL_CARE)


@pytest.fixture
def admin(make_user, csc):
    return make_user(Role.SYSTEM_ADMINISTRATOR, agency=csc)


def _rows(action: str, object_id) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action, object_id=str(object_id)))


def _person(admin, agency, role=Role.SOCIAL_WORKER, team=None, n="1", **fields):
    return account_create_person(admin=admin, username=f"person.{n}", first_name="Ada", last_name=f"Lane{n}",
                                 email=f"ada{n}@example.invalid", agency=agency, role=role, team=team, **fields)


def test_only_an_authoritys_system_administrator_administers(make_user, make_agency, csc, admin):
    police = make_agency(AgencyKind.POLICE)
    others = [make_user(role, agency=csc) for role in Role.values if role != Role.SYSTEM_ADMINISTRATOR]
    others.append(make_user(Role.SYSTEM_ADMINISTRATOR, agency=police))  # not an authority's
    feed = account_create_system(admin=admin, username="csc-case-system", name="Case system", agency=csc,
                                 role=Role.SYSTEM_ADMINISTRATOR)
    others.append(feed)  # a system account is not a person: it administers nothing
    for user in others:
        with pytest.raises(PermissionError):
            agency_add(admin=user, code=f"x-{user.username}", name="X", kind=AgencyKind.SCHOOL)
    assert not Agency.objects.filter(code__startswith="x-").exists()
    agency = agency_add(admin=admin, code="millfield-school", name="Millfield School", kind=AgencyKind.SCHOOL)
    row = _rows("agency.create", agency.pk)[0]
    assert row.actor_username == admin.username and row.detail == {"code": "millfield-school", "kind": "school"}


def test_an_agency_refuses_each_bad_field_and_stores_nothing(admin, csc):
    with pytest.raises(AccountInvalid) as refused:
        agency_add(admin=admin, code="Bad Code!", name="  ", kind="castle")
    assert refused.value.errors == {
        "code": "The code can contain only lower-case letters, digits and single hyphens between them, like "
                "northbrook-police",
        "name": "Enter the agency's name",
        "kind": "Choose what kind of agency it is",
    }
    with pytest.raises(AccountInvalid) as refused:
        agency_add(admin=admin, code=csc.code, name="Again", kind=AgencyKind.POLICE)
    assert refused.value.errors == {"code": "Another agency has this code: choose another"}
    with pytest.raises(AccountInvalid) as refused:
        agency_add(admin=admin, code="long", name="n" * 201, kind=AgencyKind.POLICE)
    assert refused.value.errors == {"name": "The agency's name must be 200 characters or fewer (it has 201)"}
    assert Agency.objects.count() == 1


def test_an_agencys_kind_is_fixed_once_it_has_accounts(admin, csc, make_user):
    school = agency_add(admin=admin, code="elm-school", name="Elm School", kind=AgencyKind.SCHOOL)
    school = agency_change(admin=admin, agency=school, name="Elm Primary School", kind=AgencyKind.FAMILY_SUPPORT)
    assert (school.name, school.kind) == ("Elm Primary School", AgencyKind.FAMILY_SUPPORT)
    row = _rows("agency.update", school.pk)[0]
    assert row.detail["changed"] == ["kind", "name"] and row.detail["before"]["kind"] == "school"
    make_user(Role.PARTNER_PRACTITIONER, agency=school)
    with pytest.raises(AccountInvalid) as refused:  # a school's DSL must not become a police officer's peer
        agency_change(admin=admin, agency=school, name="Elm Primary School", kind=AgencyKind.POLICE)
    assert "cannot change once the agency has accounts" in refused.value.errors["kind"]
    school.refresh_from_db()
    assert school.kind == AgencyKind.FAMILY_SUPPORT and len(_rows("agency.update", school.pk)) == 1


def test_teams_are_added_and_changed_with_their_audit_rows(admin, csc, make_agency):
    team = team_add(admin=admin, agency=csc, code="front-door", name="Front Door", is_front_door=True,
                    phone="01632 960 100")
    assert (team.is_front_door, team.phone) == (True, "01632 960 100")
    assert _rows("team.create", team.pk)
    with pytest.raises(AccountInvalid) as refused:
        team_add(admin=admin, agency=csc, code="front-door", name="", phone="call me")
    assert set(refused.value.errors) == {"code", "name", "phone"}
    police = make_agency(AgencyKind.POLICE)
    with pytest.raises(AccountInvalid) as refused:
        team_add(admin=admin, agency=police, code="ppu", name="Public Protection", is_front_door=True)
    assert refused.value.errors == {"is_front_door": "Only a children's social care agency has a front door"}
    team = team_change(admin=admin, team=team, name="Front Door (MASH)", is_front_door=True, phone="01632 960 101")
    row = _rows("team.update", team.pk)[0]
    assert row.detail["changed"] == ["name", "phone"] and row.detail["after"]["phone"] == "01632 960 101"
    assert Team.objects.count() == 1


def test_roles_only_in_the_agency_kinds_the_product_allows(admin, csc, make_agency):
    police = make_agency(AgencyKind.POLICE)
    north = team_add(admin=admin, agency=csc, code="north", name="North")
    refusals = [
        (csc, Role.PARTNER_PRACTITIONER, None),  # would reach every child children's social care holds a record of
        (police, Role.SOCIAL_WORKER, None),
        (police, Role.HEAD_OF_SERVICE, None),
        (police, Role.SYSTEM_ADMINISTRATOR, None),
        (csc, "superuser", None),
    ]
    for agency, role, team in refusals:
        with pytest.raises(AccountInvalid) as refused:
            _person(admin, agency, role=role, team=team, n=f"{agency.code}-{role}")
        assert "role" in refused.value.errors, (agency.kind, role)
    with pytest.raises(AccountInvalid) as refused:
        _person(admin, csc, role=Role.TEAM_MANAGER, n="tm")
    assert refused.value.errors == {"team": "Choose the team this manager manages"}
    with pytest.raises(AccountInvalid) as refused:
        _person(admin, police, role=Role.PARTNER_PRACTITIONER, team=north, n="pp")
    assert refused.value.errors == {"team": f"Choose a team of {police.name}"}
    assert not User.objects.filter(username__startswith="person.").exists()
    officer = _person(admin, police, role=Role.PARTNER_PRACTITIONER, n="officer")
    manager = _person(admin, csc, role=Role.TEAM_MANAGER, team=north, n="manager")
    assert (officer.role, manager.team_id, manager.is_superuser, manager.is_staff) == (
        Role.PARTNER_PRACTITIONER, north.pk, False, False)
    assert not manager.has_usable_password()  # a link sets it; nobody chose or saw a password
    assert _rows("user.create", manager.pk)[0].detail == {"agency": csc.code, "role": Role.TEAM_MANAGER}


def test_a_persons_account_needs_its_own_email_address(admin, csc):
    _person(admin, csc, n="1")
    for email, problem in (("", "Enter an email address: the link to set a password is sent there"),
                           ("not-an-address", "Enter an email address in the correct format, like name@example.org"),
                           ("ADA1@example.invalid", "Another account uses this email address: each person's account "
                                                    "has its own")):
        with pytest.raises(AccountInvalid) as refused:
            account_create_person(admin=admin, username="other", first_name="O", last_name="P", email=email,
                                  agency=csc, role=Role.SOCIAL_WORKER)
        assert refused.value.errors == {"email": problem}
    with pytest.raises(AccountInvalid) as refused:
        account_create_person(admin=admin, username="PERSON.1", first_name="", last_name="", email="q@example.invalid",
                              agency=csc, role=Role.SOCIAL_WORKER)
    assert refused.value.errors == {"username": "That username is taken: choose another",
                                    "first_name": "Enter the first name", "last_name": "Enter the last name"}


def test_an_administrator_cannot_change_deactivate_or_reset_their_own_account(admin, make_user, csc):
    for attempt in (
        lambda: account_change(admin=admin, user=admin, first_name="A", last_name="B", email="me@example.invalid",
                               role=Role.HEAD_OF_SERVICE, reason="promote myself"),
        lambda: account_deactivate(admin=admin, user=admin, reason="leaving"),
        lambda: account_password_link_issue(admin=admin, user=admin),
    ):
        with pytest.raises(AccountInvalid) as refused:
            attempt()
        assert refused.value.errors == {"__all__": "You cannot change your own account here: ask another system "
                                                   "administrator"}
    admin.refresh_from_db()
    assert admin.role == Role.SYSTEM_ADMINISTRATOR and admin.is_active and admin.check_password(PASSWORD)
    root = User.objects.create_superuser("root", "root@example.invalid", PASSWORD)
    with pytest.raises(AccountInvalid):
        account_deactivate(admin=admin, user=root, reason="no")


def test_a_new_role_or_team_needs_a_reason_and_is_audited(admin, csc):
    north = team_add(admin=admin, agency=csc, code="north", name="North")
    worker = _person(admin, csc, n="w")
    fields = {"first_name": "Ada", "last_name": "Lanew", "email": "adaw@example.invalid", "job_title": "",
              "phone": ""}
    with pytest.raises(AccountInvalid) as refused:
        account_change(admin=admin, user=worker, role=Role.TEAM_MANAGER, team=north, **fields)
    assert refused.value.errors == {"reason": "Say why the role or team is changing"}
    worker = account_change(admin=admin, user=worker, role=Role.TEAM_MANAGER, team=north,
                            reason="Promoted to manage North", **fields)
    assert (worker.role, worker.team_id) == (Role.TEAM_MANAGER, north.pk)
    row = _rows("user.update", worker.pk)[0]
    assert row.reason == "Promoted to manage North"
    assert row.detail == {"changed": ["role", "team"], "before": {"role": Role.SOCIAL_WORKER, "team": ""},
                          "after": {"role": Role.TEAM_MANAGER, "team": str(north.pk)}}
    worker = account_change(admin=admin, user=worker, role=Role.TEAM_MANAGER, team=north,
                            **{**fields, "job_title": "Team manager"})  # no new role or team: no reason needed
    assert worker.job_title == "Team manager"


def test_deactivating_stops_tokens_and_reactivating_is_audited(admin, csc):
    feed = account_create_system(admin=admin, username="case-system", name="Case system", agency=csc,
                                 role=Role.SYSTEM_ADMINISTRATOR)
    _token, secret = account_token_issue(admin=admin, user=feed, name="Case system feed", days=30)
    assert api_token_user(secret=secret)[0] == feed
    with pytest.raises(AccountInvalid) as refused:
        account_deactivate(admin=admin, user=feed, reason=" ")
    assert refused.value.errors == {"reason": "Say why the account is being deactivated"}
    account_deactivate(admin=admin, user=feed, reason="System retired")
    assert api_token_user(secret=secret) is None
    with pytest.raises(AccountInvalid):
        account_deactivate(admin=admin, user=feed, reason="again")
    account_reactivate(admin=admin, user=feed, reason="Retirement postponed")
    assert api_token_user(secret=secret)[0] == feed
    assert _rows("user.deactivate", feed.pk)[0].reason == "System retired"
    assert _rows("user.reactivate", feed.pk)[0].reason == "Retirement postponed"


def test_a_password_is_set_by_its_owner_through_a_one_time_link(admin, csc):
    person = _person(admin, csc, n="p")
    uid, token = account_password_link_issue(admin=admin, user=person)
    assert password_link_user(uidb64=uid, token=token) == person
    assert _rows("user.password_link", person.pk)
    with pytest.raises(AccountInvalid) as refused:
        account_password_set(user=person, token=token, password="password", password_again="password")
    assert refused.value.errors == {"password": "The password must be at least 12 characters. That password is one "
                                                "of the most common: choose another."}
    with pytest.raises(AccountInvalid) as refused:
        account_password_set(user=person, token=token, password=NEW_PASSWORD, password_again=NEW_PASSWORD + "x")
    assert refused.value.errors == {"password_again": "Enter the same password again: the two are different"}
    account_password_set(user=person, token=token, password=NEW_PASSWORD, password_again=NEW_PASSWORD)
    person.refresh_from_db()
    assert person.check_password(NEW_PASSWORD)
    row = _rows("account.password_set", person.pk)[0]
    assert row.actor_username == person.username  # the person set it, not the administrator
    assert password_link_user(uidb64=uid, token=token) is None  # used: it works once
    with pytest.raises(AccountInvalid):
        account_password_set(user=person, token=token, password="another-long-phrase-99", password_again=
                             "another-long-phrase-99")
    # A reset: the password stops at once, and an earlier link stops when a newer one is issued.
    first = account_password_link_issue(admin=admin, user=person)
    person.refresh_from_db()
    assert not person.check_password(NEW_PASSWORD)
    second = account_password_link_issue(admin=admin, user=person)
    assert password_link_user(uidb64=first[0], token=first[1]) is None
    assert password_link_user(uidb64=second[0], token=second[1]) == User.objects.get(pk=person.pk)
    assert "password" not in str([r.detail for r in AuditEvent.objects.filter(object_id=str(person.pk))]).replace(
        "password_link", "")


def test_tokens_go_only_to_system_accounts_and_their_secret_is_not_kept(admin, csc, make_agency):
    person = _person(admin, csc, n="t")
    with pytest.raises(AccountInvalid) as refused:
        account_token_issue(admin=admin, user=person, name="My own API access", days=30)
    assert refused.value.errors["user"].startswith("A token is issued only to a system account")
    hospital = make_agency(AgencyKind.ACUTE_HOSPITAL)
    with pytest.raises(AccountInvalid) as refused:
        account_create_system(admin=admin, username="ed-feed", name="ED feed", agency=hospital,
                              role=Role.HEAD_OF_SERVICE)
    assert "A system account acts as a partner practitioner" in refused.value.errors["role"]
    feed = account_create_system(admin=admin, username="ed-feed", name="ED feed", agency=hospital,
                                 role=Role.PARTNER_PRACTITIONER)
    assert (feed.is_system_account, feed.has_usable_password(), feed.email) == (True, False, "")
    with pytest.raises(AccountInvalid) as refused:
        account_password_link_issue(admin=admin, user=feed)
    assert refused.value.errors == {"__all__": "A system account has no password: it calls the API with a token"}
    for days, problem in (("0", "A token lasts from 1 to 730 days"), ("731", "A token lasts from 1 to 730 days"),
                          ("soon", "Enter the number of days the token lasts, like 365")):
        with pytest.raises(AccountInvalid) as refused:
            account_token_issue(admin=admin, user=feed, name="ED feed", days=days)
        assert refused.value.errors == {"days": problem}
    with pytest.raises(AccountInvalid) as refused:
        account_token_issue(admin=admin, user=None, name="", days=30)
    assert set(refused.value.errors) == {"user", "name"}
    assert not ApiToken.objects.exists()
    token, secret = account_token_issue(admin=admin, user=feed, name="ED feed", days="365")
    stored = ApiToken.objects.get(pk=token.pk)
    assert secret not in str(stored.__dict__) and secret.startswith(stored.prefix)
    assert _rows("token.create", token.pk)[0].detail == {"user": "ed-feed", "name": "ED feed"}
    with pytest.raises(AccountInvalid) as refused:
        account_token_revoke(admin=admin, token=token, reason="")
    assert refused.value.errors == {"reason": "Say why the token is being revoked"}
    account_token_revoke(admin=admin, token=token, reason="Feed replaced")
    assert api_token_user(secret=secret) is None
    with pytest.raises(AccountInvalid) as refused:
        account_token_revoke(admin=admin, token=ApiToken.objects.get(pk=token.pk), reason="again")
    assert refused.value.errors == {"__all__": "This token was revoked already"}
    assert _rows("token.revoke", token.pk)[0].reason == "Feed replaced"


def test_a_made_up_or_tampered_link_opens_nothing(admin, csc):
    person = _person(admin, csc, n="l")
    uid, token = account_password_link_issue(admin=admin, user=person)
    assert password_link_user(uidb64=uid, token=token[:-1] + ("a" if token[-1] != "a" else "b")) is None
    assert password_link_user(uidb64="bm90LWEtdXVpZA", token=token) is None
    assert password_link_user(uidb64="", token="") is None
    person.refresh_from_db()
    assert default_token_generator.check_token(person, token)  # the real link still works
