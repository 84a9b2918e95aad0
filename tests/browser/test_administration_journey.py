"""The system administrator in the browser (issue 19): add a team to the authority, a person's account in it (a link
to set their password is e-mailed to them, never shown), a system account for the authority's case system and a
token for it (its secret shown once), then revoke the token. Every form is operated by its labels; axe finds no
violations on any page visited."""

from __future__ import annotations

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from joinedup.accounts.models import AgencyKind, ApiToken, Role, User
from joinedup.accounts.selectors import api_token_user
from joinedup.accounts.services import agency_create
from tests.browser.helpers import assert_accessible, sign_in
from tests.conftest import SYSTEM

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_administrator_adds_a_team_a_person_and_a_token_then_revokes_it(page: Page, live_server, make_user):
    csc = agency_create(actor=SYSTEM, code="northbrook-childrens-services", name="Northbrook Children's Services",
                        kind=AgencyKind.CHILDRENS_SOCIAL_CARE)
    admin = make_user(Role.SYSTEM_ADMINISTRATOR, agency=csc, first_name="Alex", last_name="Moreno")
    sign_in(page, live_server, admin)
    assert_accessible(page)  # the home page, with the administrator's cards

    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Agencies").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Agencies")
    assert_accessible(page)
    page.get_by_role("link", name="Northbrook Children's Services", exact=True).click()
    page.get_by_role("link", name="Add a team").click()
    page.get_by_role("button", name="Add the team").click()  # nothing typed: each field's problem is named
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the team's code")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the team's name")
    assert_accessible(page)
    page.get_by_label("Code").fill("assessment-north")
    page.get_by_label("Name").fill("Assessment Team North")
    page.get_by_label("Telephone number").fill("01632 960 114")
    page.get_by_role("button", name="Add the team").click()
    expect(page.get_by_role("table")).to_contain_text("Assessment Team North")
    assert_accessible(page)

    page.get_by_role("link", name="Add a person's account").click()
    page.get_by_label("First name").fill("Sam")
    page.get_by_label("Last name").fill("Okafor")
    page.get_by_label("Email address").fill("sam.okafor@example.invalid")
    page.get_by_label("Username").fill("sam.okafor")
    page.get_by_label("Role").select_option(label="Social worker")
    page.get_by_label("Team").select_option(label="Assessment Team North")
    assert_accessible(page)
    page.get_by_role("button", name="Add the account and e-mail the link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sam Okafor")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("being e-mailed to sam.okafor@example.invalid")
    assert_accessible(page)
    sam = User.objects.get(username="sam.okafor")
    assert (sam.team.name, sam.role, sam.has_usable_password()) == ("Assessment Team North", Role.SOCIAL_WORKER, False)
    [link_mail] = [m for m in mail.outbox if m.to == ["sam.okafor@example.invalid"]]
    assert "/account/set-password/?" in link_mail.body and "/account/set-password/?" not in page.content()

    page.get_by_role("link", name="Back to Northbrook Children's Services's accounts").click()
    page.get_by_role("link", name="Add a system account").click()
    page.get_by_label("Name of the system").fill("Case management system")
    page.get_by_label("Username").fill("csc-case-system")
    page.get_by_label("Acts as").select_option(label="System administrator")
    page.get_by_role("button", name="Add the system account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Case management system")
    page.get_by_role("link", name="Issue an API token to this account").click()
    expect(page.get_by_label("System account")).to_have_value(str(User.objects.get(username="csc-case-system").pk))
    page.get_by_label("What will use it").fill("Case system nightly feed")
    page.get_by_label("Days until it expires").fill("90")
    assert_accessible(page)
    page.get_by_role("button", name="Issue the token").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("API token issued")
    secret = page.get_by_label("Secret").input_value()
    assert api_token_user(secret=secret)[0].username == "csc-case-system"
    assert_accessible(page)

    page.get_by_role("navigation", name="Menu").get_by_role("link", name="API tokens").click()
    token = ApiToken.objects.get(name="Case system nightly feed")
    expect(page.get_by_role("table")).to_contain_text(token.prefix)
    assert secret not in page.content()
    assert_accessible(page)
    page.get_by_role("link", name=f"Revoke the token {token.prefix}").click()
    page.get_by_label("Why").fill("The feed moved to a new server")
    assert_accessible(page)
    page.get_by_role("button", name="Revoke the token").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("is revoked")
    assert api_token_user(secret=secret) is None
    page.get_by_role("link", name="Revoked or expired").click()
    expect(page.get_by_role("table")).to_contain_text("Revoked")
    assert_accessible(page)
