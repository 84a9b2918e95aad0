"""The administration screens (issue 19): 404 for everyone but the authority's system administrator; each form names
each field's problem and keeps what was typed; a person's set-password link goes to their email only, works once and
never shows on a page; a token's secret shows once; lists are audited; wide roles and tokens are told to the DPO."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import pytest
from django.core import mail
from django.test import Client
from django.utils.timezone import localtime

from joinedup.accounts.models import AgencyKind, ApiToken, Role, Team, User
from joinedup.accounts.selectors import api_token_user
from joinedup.audit.models import AuditEvent
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-long-unusual-passphrase-7431"


@pytest.fixture
def csc(make_agency):
    return make_agency(AgencyKind.CHILDRENS_SOCIAL_CARE, name="Northbrook Children's Services")


@pytest.fixture
def admin(make_user, csc):
    return make_user(Role.SYSTEM_ADMINISTRATOR, agency=csc)


@pytest.fixture
def admin_client(admin):
    return sign_in(Client(), admin)


def _urls(admin, csc, make_team, make_user):
    team = make_team(csc)
    other = make_user(Role.SOCIAL_WORKER, agency=csc, team=team)
    from joinedup.accounts.services import account_create_system, account_token_issue

    feed = account_create_system(admin=admin, username="feed", name="Feed", agency=csc, role=Role.SYSTEM_ADMINISTRATOR)
    token, _secret = account_token_issue(admin=admin, user=feed, name="Feed", days=10)
    return ["/administration/agencies/", "/administration/agencies/new/", f"/administration/agencies/{csc.pk}/",
            f"/administration/agencies/{csc.pk}/teams/new/", f"/administration/teams/{team.pk}/",
            "/administration/users/", f"/administration/users/new/?agency={csc.pk}",
            f"/administration/users/new-system/?agency={csc.pk}", f"/administration/users/{other.pk}/",
            f"/administration/users/{other.pk}/deactivate/", f"/administration/users/{other.pk}/reactivate/",
            f"/administration/users/{other.pk}/password/", "/administration/tokens/", "/administration/tokens/new/",
            f"/administration/tokens/{token.pk}/revoke/"]


def test_everyone_but_the_authoritys_administrator_gets_404(admin, admin_client, csc, make_agency, make_team,
                                                            make_user):
    urls = _urls(admin, csc, make_team, make_user)
    for url in urls:
        assert admin_client.get(url).status_code == 200, url
    police = make_agency(AgencyKind.POLICE)
    others = [make_user(role, agency=csc) for role in Role.values if role != Role.SYSTEM_ADMINISTRATOR]
    others.append(make_user(Role.SYSTEM_ADMINISTRATOR, agency=police))
    before = User.objects.count()
    for user in others:
        client = sign_in(Client(), user)
        for url in urls:
            assert client.get(url).status_code == 404, (user.role, url)
            assert client.post(url, {"reason": "x", "name": "Hijack", "code": "hijack", "kind": "police"}
                               ).status_code in (404, 405), (user.role, url)  # 405: a list takes no post
    assert User.objects.count() == before and ApiToken.objects.filter(revoked_at__isnull=False).count() == 0
    assert not Team.objects.filter(name="Hijack").exists()


def test_a_form_names_each_problem_and_keeps_the_answers(admin_client, csc):
    response = admin_client.post("/administration/agencies/new/", {"code": "Not A Code", "name": "St Aldric's",
                                                                   "kind": ""})
    body = response.content.decode()
    assert response.status_code == 200 and "<title>Error: Register an agency" in body
    assert 'href="#id_code">The code can contain only lower-case letters' in body
    assert 'href="#id_kind">Choose what kind of agency it is</a>' in body
    assert 'value="Not A Code"' in body and 'value="St Aldric&#x27;s"' in body  # the answers are kept
    assert 'aria-describedby="id_code-hint id_code-error"' in body and 'maxlength="200"' in body
    long_reason = "r" * 2001
    response = admin_client.post(f"/administration/agencies/{csc.pk}/", {"name": "", "kind": csc.kind})
    assert "Enter the agency&#x27;s name" in response.content.decode()
    feed_url = f"/administration/users/new-system/?agency={csc.pk}"
    admin_client.post(feed_url, {"first_name": "Case system", "username": "case-system",
                                 "role": Role.SYSTEM_ADMINISTRATOR})
    feed = User.objects.get(username="case-system")
    response = admin_client.post(f"/administration/users/{feed.pk}/deactivate/", {"reason": long_reason})
    body = response.content.decode()
    assert "The reason must be 2000 characters or fewer (it has 2001)" in body and long_reason in body


def test_an_administrator_builds_an_agency_a_team_and_a_person_who_sets_their_own_password(
        admin_client, admin, django_capture_on_commit_callbacks):
    response = admin_client.post("/administration/agencies/new/", {"code": "st-aldrics", "name": "St Aldric's Hospital",
                                                                   "kind": AgencyKind.ACUTE_HOSPITAL})
    hospital_url = response["Location"]
    agency_id = hospital_url.rstrip("/").rsplit("/", 1)[1]
    response = admin_client.post(f"/administration/agencies/{agency_id}/teams/new/", {
        "code": "ed", "name": "Emergency Department", "phone": "01632 960 200"})
    assert response.status_code == 302
    team = Team.objects.get(code="ed")
    assert "is_front_door" not in admin_client.get(f"/administration/teams/{team.pk}/").content.decode()
    page = admin_client.get(f"/administration/users/new/?agency={agency_id}").content.decode()
    assert 'value="partner_practitioner"' in page and 'value="social_worker"' not in page  # roles that fit the kind
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):  # the e-mail goes once the request's transaction commits
        with_link = admin_client.post(f"/administration/users/new/?agency={agency_id}", {
            "first_name": "Priya", "last_name": "Shah", "email": "priya.shah@example.invalid",
            "username": "priya.shah", "role": Role.PARTNER_PRACTITIONER, "team": str(team.pk),
            "job_title": "ED nurse", "phone": ""})
    assert with_link.status_code == 302
    priya = User.objects.get(username="priya.shah")
    assert (priya.team_id, priya.has_usable_password()) == (team.pk, False)
    [message] = mail.outbox
    assert message.to == ["priya.shah@example.invalid"]
    link = re.search(r"http://testserver(/account/set-password/\?\S+)", message.body).group(1)
    token = parse_qs(urlparse(link).query)["t"][0]
    shown = admin_client.get(with_link["Location"]).content.decode()
    assert "is being e-mailed to priya.shah@example.invalid" in shown and token not in shown  # never on a page
    assert not [r for r in AuditEvent.objects.all() if token in str(r.detail) + r.reason]

    anonymous = Client()
    page = anonymous.get(link)
    assert page.status_code == 200 and "priya.shah" in page.content.decode()
    assert page["Cache-Control"] == "no-store"
    fields = {"u": parse_qs(urlparse(link).query)["u"][0], "t": token}
    refused = anonymous.post("/account/set-password/", {**fields, "password": "short", "password_again": "short"})
    assert "The password must be at least 12 characters." in refused.content.decode()
    done = anonymous.post("/account/set-password/", {**fields, "password": NEW_PASSWORD,
                                                     "password_again": NEW_PASSWORD})
    assert done.status_code == 302 and done["Location"] == "/sign-in/"
    assert "expired or has been used" in anonymous.get(link).content.decode()  # it worked once
    signed = Client().post("/sign-in/", {"username": "priya.shah", "password": NEW_PASSWORD})
    assert signed.status_code == 302 and signed["Location"].startswith("/sign-in/set-up/")  # then her own app


def test_the_administrator_sees_no_form_for_their_own_account(admin_client, admin):
    body = admin_client.get(f"/administration/users/{admin.pk}/").content.decode()
    assert "This is your own account" in body and "Save the account" not in body
    response = admin_client.post(f"/administration/users/{admin.pk}/", {
        "first_name": "A", "last_name": "B", "email": "x@example.invalid", "role": Role.HEAD_OF_SERVICE,
        "reason": "promote myself"})
    admin.refresh_from_db()
    assert response.status_code == 200 and admin.role == Role.SYSTEM_ADMINISTRATOR
    body = admin_client.post(f"/administration/users/{admin.pk}/deactivate/", {"reason": "x"}).content.decode()
    admin.refresh_from_db()
    assert admin.is_active and "Another system administrator must do this" in body


def test_a_tokens_secret_shows_once_and_revoking_stops_it(admin_client, admin, csc, make_user, make_agency,
                                                         django_capture_on_commit_callbacks):
    dpo = make_user(Role.DATA_PROTECTION_OFFICER, agency=csc)
    hospital = make_agency(AgencyKind.ACUTE_HOSPITAL)
    person = make_user(Role.PARTNER_PRACTITIONER, agency=hospital)
    form = admin_client.get("/administration/tokens/new/").content.decode()
    assert person.username not in form  # a person's account is not offered
    admin_client.post(f"/administration/users/new-system/?agency={hospital.pk}", {
        "first_name": "ED feed", "username": "ed-feed", "role": Role.PARTNER_PRACTITIONER})
    feed = User.objects.get(username="ed-feed")
    mail.outbox.clear()
    refused = admin_client.post("/administration/tokens/new/", {"user": str(person.pk), "name": "Mine", "days": "30"})
    assert refused.status_code == 200 and "Choose a system account from the list" in refused.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        issued = admin_client.post("/administration/tokens/new/", {"user": str(feed.pk), "name": "ED feed",
                                                                   "days": "30"})
    body = issued.content.decode()
    secret = re.search(r'id="token-secret" type="text" value="(ju_[^"]+)"', body).group(1)
    assert issued["Cache-Control"] == "no-store" and api_token_user(secret=secret)[0] == feed
    [told] = [m for m in mail.outbox if m.to == [dpo.email]]
    assert "API token issued" in told.subject and secret not in told.body
    listing = admin_client.get("/administration/tokens/")
    assert secret not in listing.content.decode() and secret[:12] in listing.content.decode()
    token = ApiToken.objects.get(user=feed)
    assert AuditEvent.objects.filter(action="token.list", detail__object_ids=[str(token.pk)]).exists()
    assert secret not in admin_client.get(f"/administration/users/{feed.pk}/").content.decode()
    assert "Last used: never" in admin_client.get("/administration/tokens/").content.decode()
    assert Client().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None
    used = f"Last used: {localtime(token.last_used_at):%-d %b %Y, %H:%M}"  # as the page shows it, in local time
    assert used in admin_client.get("/administration/tokens/").content.decode()
    response = admin_client.post(f"/administration/tokens/{token.pk}/revoke/", {"reason": "Replaced"})
    assert response.status_code == 302 and api_token_user(secret=secret) is None
    ended = admin_client.get("/administration/tokens/?state=ended").content.decode()
    assert used in ended and "Revoked" in ended and secret not in ended


def test_lists_are_audited_and_a_wide_role_is_told_to_the_dpo(admin_client, admin, csc, make_user,
                                                              django_capture_on_commit_callbacks):
    dpo = make_user(Role.DATA_PROTECTION_OFFICER, agency=csc)
    worker = make_user(Role.SOCIAL_WORKER, agency=csc, last_name="Okafor")
    body = admin_client.get("/administration/users/", {"name": "okafor"}).content.decode()
    assert worker.username in body and dpo.username not in body
    row = AuditEvent.objects.filter(action="user.list").latest("chain_position")
    assert row.detail["object_ids"] == [str(worker.pk)]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(f"/administration/users/{worker.pk}/", {
            "first_name": worker.first_name, "last_name": worker.last_name, "email": worker.email,
            "role": Role.HEAD_OF_SERVICE, "team": "", "job_title": "", "phone": "",
            "reason": "Acting head of service"})
    assert response.status_code == 302
    worker.refresh_from_db()
    assert worker.role == Role.HEAD_OF_SERVICE
    [told] = mail.outbox
    assert told.to == [dpo.email] and "Head of service role given" in told.subject and worker.username in told.body
