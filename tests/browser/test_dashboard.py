"""Caseloads and demand in the browser: a head of service reads the dashboard (charts with their words, a table
opened, one team chosen), the workers' caseloads; a worker their own caseload; the front door is asked before
allocating past a worker's limit. axe finds no violations on any page visited."""

import pytest
from playwright.sync_api import Page, expect

from joinedup.casework.models import Allocation, Case
from tests.browser.helpers import assert_accessible, enter_code
from tests.casework.conftest import csc, front_door, front_door_team, hospital, manager, nurse  # noqa: F401
from tests.conftest import PASSWORD
from tests.practice.test_dashboard import authority  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page: Page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/sign-in/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    enter_code(page, username)  # the authenticator app's code
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()


def test_the_dashboard_and_caseload_pages(page: Page, live_server, authority, front_door, settings):  # noqa: F811
    a = authority
    sign_in(page, live_server, a.hos.username)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Dashboard").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard: the whole service")
    assert_accessible(page)
    demand = page.get_by_role("img", name="Contacts and referrals per week")
    expect(demand).to_be_visible()
    expect(page.locator("#fig-demand-desc")).to_contain_text("6 contacts and 6 referrals in all")
    page.get_by_text("Table: contacts and referrals per week").click()
    expect(page.locator('table[data-figure="demand"]')).to_be_visible()
    expect(page.locator('table[data-figure="not-seen"]')).to_contain_text("Ned Never")
    assert_accessible(page)

    page.get_by_label("Team").select_option(label="Children in Need B")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard: Children in Need B")
    expect(page.locator('table[data-figure="not-seen"]')).to_have_count(0)
    assert_accessible(page)

    page.get_by_role("link", name="Each worker's caseload against their limit").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Caseloads: Children in Need B")
    expect(page.get_by_role("img", name="Weighted caseload of each worker against their limit")).to_be_visible()
    assert_accessible(page)
    sign_out(page)

    sign_in(page, live_server, a.a1.username)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Your caseload").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your caseload")
    expect(page.locator("#caseload")).to_contain_text("4 of 18")
    expect(page.locator("table")).to_contain_text("No open case (not counted)")
    assert_accessible(page)
    sign_out(page)

    # Allocating past the limit: asked first, then allocated anyway.
    settings.JOINEDUP_PRACTICE = {"caseload_limit": 5}
    child = a.children["p6"]
    Case.objects.filter(pk=a.cases["p6"].pk).update(stage="Child protection plan")
    sign_in(page, live_server, front_door.username)
    page.goto(f"{live_server.url}/people/{child.pk}/allocate/")
    worker = page.get_by_label("Social worker")
    expect(worker.locator(f'option[value="{a.a1.pk}"]')).to_contain_text("caseload 4 of 5")
    worker.select_option(value=str(a.a1.pk))
    page.get_by_role("button", name="Allocate").click()
    expect(page.get_by_role("alert")).to_contain_text("over their limit of 5")
    assert_accessible(page)
    assert not Allocation.objects.filter(person=child).exists()
    page.get_by_role("link", name="over their limit of 5").click()
    page.get_by_label("Allocate anyway").check()
    page.get_by_role("button", name="Allocate").click()
    expect(page.get_by_role("alert").first).to_contain_text(f"is allocated to {a.a1.get_full_name()}")
    assert Allocation.objects.get(person=child).worker == a.a1
