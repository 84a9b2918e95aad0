"""A front-door worker finds a child, reads the person page and decides an uncertain match; axe finds nothing."""

import pytest
from playwright.sync_api import Page, expect

from joinedup.accounts.models import Agency, Role
from joinedup.ingest.services import records_ingest
from joinedup.people.models import MentionLink
from joinedup.people.services import linkage_run
from tests.browser.helpers import assert_accessible, enter_code
from tests.conftest import PASSWORD, on_duty
from tests.people.conftest import SYSTEM, authority, authority_records, loaded, trained_model  # noqa: F401
from tests.people.test_households_online import CSC, _family_records

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_find_a_child_read_the_household_and_decide_a_match(page: Page, live_server, loaded, make_user):  # noqa: F811
    records_ingest(actor=SYSTEM, records=_family_records(), via="file")
    linkage_run(actor=SYSTEM, progress=lambda _line: None)
    worker = make_user(role=Role.FRONT_DOOR, agency=Agency.objects.get(code=CSC), first_name="Femi")
    kayden = MentionLink.objects.get(mention__agency__code=CSC, mention__local_person_id="CSC-T1").person
    on_duty(worker, kayden)  # a contact about Kayden at the front door

    page.goto(f"{live_server.url}/sign-in/")
    page.get_by_label("Username").fill(worker.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    enter_code(page, worker.username)  # the authenticator app's code
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Find a person").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Find a person")
    assert_accessible(page)

    page.get_by_role("button", name="Search").click()  # nothing entered: an error summary, not a crash
    expect(page.get_by_role("alert")).to_contain_text("Enter a name, a date of birth or an NHS number")
    assert_accessible(page)

    page.get_by_label("Name").fill("Kayden Stonebridge")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("link", name="Kayden Stonebridge")).to_be_visible()
    assert page.url == f"{live_server.url}/people/"  # the terms went in the body, not the address
    page.get_by_role("link", name="Kayden Stonebridge").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kayden Stonebridge")
    expect(page.get_by_text("Not in household record").first).to_be_visible()
    assert_accessible(page)

    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Matches to review").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Matches to review")
    assert_accessible(page)
    page.locator("table a.govuk-link").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Are these the same person?")
    assert_accessible(page)
    page.get_by_label("No, different people").check()
    page.get_by_role("button", name="Record decision").click()
    expect(page.get_by_role("alert").first).to_contain_text("Decision recorded")
    assert_accessible(page)
