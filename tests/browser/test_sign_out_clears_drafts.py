"""Signing out leaves nothing of a child on the device: drafts kept in the browser (a visit recorded offline)
are removed with the session; other sites' storage is left alone."""

import pytest
from playwright.sync_api import Page, expect

from joinedup.accounts.models import Role
from tests.browser.helpers import enter_code
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_out_removes_joinedup_drafts(page: Page, live_server, make_user):
    worker = make_user(role=Role.SOCIAL_WORKER)
    page.goto(f"{live_server.url}/sign-in/")
    page.get_by_label("Username").fill(worker.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    enter_code(page, worker.username)  # the authenticator app's code
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")
    page.evaluate("""() => {
        localStorage.setItem('joinedup:visit-draft:1b9d6bcd-bbfd-4b2d-9b5d-ab8dfbbd4bed', '{"child_words": "x"}');
        localStorage.setItem('something-else', 'kept');
    }""")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    keys = page.evaluate("() => Object.keys(localStorage)")
    assert keys == ["something-else"]
