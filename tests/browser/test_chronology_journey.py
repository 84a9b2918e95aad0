"""A partner looks a child up; the front door reads the chronology, its timeline (by keyboard) and who knew
what; axe finds no violations on any of them."""

import pytest
from playwright.sync_api import Page, expect

from joinedup.accounts.models import Agency, Role
from joinedup.accounts.services import team_create
from joinedup.ingest.services import records_ingest
from joinedup.people.models import Person
from joinedup.people.services import linkage_run
from tests.browser.helpers import assert_accessible, enter_code
from tests.chronology.conftest import model_only  # noqa: F401
from tests.chronology.family import CSC, HOSPITAL, family_records
from tests.conftest import PASSWORD, on_duty
from tests.people.conftest import SYSTEM, authority, authority_records, trained_model  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page: Page, live_server, user) -> None:
    page.goto(f"{live_server.url}/sign-in/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    enter_code(page, user.username)  # the authenticator app's code


def test_look_up_then_read_the_chronology_and_timeline(page: Page, live_server, model_only, make_user):  # noqa: F811
    records_ingest(actor=SYSTEM, records=family_records(), via="file")
    linkage_run(actor=SYSTEM, progress=lambda _line: None)
    csc = Agency.objects.get(code=CSC)
    team_create(actor=SYSTEM, agency=csc, code="front-door", name="Front Door", is_front_door=True)
    nurse = make_user(role=Role.PARTNER_PRACTITIONER, agency=Agency.objects.get(code=HOSPITAL))

    sign_in(page, live_server, nurse)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Look up a child").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Look up a child")
    assert_accessible(page)
    page.get_by_role("button", name="Look up").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter an NHS number, or the child's name and date of birth")
    assert_accessible(page)
    page.get_by_label("First name").fill("Milo")
    page.get_by_label("Last name").fill("Ashgrove")
    page.get_by_label("Date of birth").fill("14/03/2022")
    page.get_by_role("button", name="Look up").click()
    expect(page.locator("#result")).to_contain_text("On a child protection plan")
    expect(page.locator("#result")).to_contain_text("Front Door")
    assert_accessible(page)
    page.get_by_role("button", name="Sign out").click()

    milo = Person.objects.get(given_name="Milo", family_name="Ashgrove", merged_into__isnull=True)
    worker = on_duty(make_user(role=Role.FRONT_DOOR, agency=csc), milo)  # the look-up's contact at the front door
    sign_in(page, live_server, worker)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Find a person").click()
    page.get_by_label("Name").fill("Milo Ashgrove")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="Milo Ashgrove").click()
    page.get_by_role("link", name="Chronology: every agency's events in time order").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Milo Ashgrove")
    expect(page.locator("svg").first).to_be_visible()
    assert_accessible(page)
    # The timeline's injury mark is reachable by keyboard and leads to the entry in the list.
    mark = page.locator("svg a").first
    mark.focus()
    expect(mark).to_be_focused()
    page.keyboard.press("Enter")
    assert "#event-" in page.url
    page.get_by_role("link", name="Add the events of the people living with Milo at the time").click()
    expect(page.locator("table.app-events").get_by_text("School safeguarding concern").first).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Mark A&E attendance").first.click()
    expect(page.get_by_role("alert").first).to_contain_text("Marked as significant")
    assert_accessible(page)
    page.get_by_role("link", name="Who knew what, when").first.click()
    expect(page.locator("main table").get_by_text("fell against the cot").first).to_be_visible()
    assert_accessible(page)
    page.emulate_media(media="print")
    expect(page.get_by_role("navigation", name="Menu")).to_be_hidden()
