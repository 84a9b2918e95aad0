"""A person signs in, sees their home page and the pages in the menu, and signs out; axe finds nothing."""

import pytest
from playwright.sync_api import Page, expect

from joinedup.accounts.models import Role
from tests.browser.helpers import assert_accessible, enter_code
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_in_home_menu_sign_out(page: Page, live_server, make_user, make_team):
    dpo = make_user(role=Role.DATA_PROTECTION_OFFICER, first_name="Imogen")
    make_user(agency=dpo.agency, team=make_team(dpo.agency), job_title="Social worker")

    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(f"{live_server.url}/sign-in/?next=/")
    assert_accessible(page)

    page.get_by_label("Username").fill(dpo.username)
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter a correct username and password")
    assert_accessible(page)

    page.get_by_label("Username").fill(dpo.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    enter_code(page, dpo.username)  # the authenticator app's code
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Imogen")
    assert page.evaluate("document.body.classList.contains('govuk-frontend-supported')")
    assert_accessible(page)

    for nav, link, heading in [("Menu", "Colleagues", "Colleagues in"), ("Menu", "Audit trail", "Audit trail"),
                               ("Account", "Your account", "Your account")]:
        page.get_by_role("navigation", name=nav).get_by_role("link", name=link).click()
        expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
        assert_accessible(page)

    page.goto(f"{live_server.url}/no-such-page/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    assert_accessible(page)

    page.goto(f"{live_server.url}/")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You have signed out")
    assert_accessible(page)
    page.goto(f"{live_server.url}/account/")
    expect(page).to_have_url(f"{live_server.url}/sign-in/?next=/account/")


def test_skip_link_and_landmarks(page: Page, live_server):
    page.goto(f"{live_server.url}/sign-in/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    for role in ("banner", "main", "contentinfo"):
        assert page.get_by_role(role).count() == 1, role
