"""Alert triage in the browser: the front door's duty manager follows the menu's count to the team's inbox, finds it
most serious first (the process failure, the suspected injury, then the "consider" alerts, even those waiting longer),
narrows it by kind and by child, and gives the injury alert to a social worker, who finds it new in their alerts;
axe finds nothing on any of the pages."""

import datetime as dt
import re

import pytest
from playwright.sync_api import Page, expect

from joinedup.alerts.models import Alert
from joinedup.alerts.rules.base import CONSIDER
from tests.alerts.conftest import family, own_rules, staff  # noqa: F401 - fixtures
from tests.alerts.test_triage import make_alert
from tests.browser.helpers import assert_accessible, sign_in
from tests.chronology.conftest import model_only  # noqa: F401 - fixture
from tests.people.conftest import authority, authority_records, loaded, trained_model  # noqa: F401 - fixtures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_duty_manager_sorts_filters_and_reassigns(page: Page, live_server, own_rules, staff, family):  # noqa: F811
    hurt = Alert.objects.get(person=family, rule_id="T1")
    for n in range(3):  # "consider" alerts waiting longer than the injury's
        make_alert(family, f"C{n}", CONSIDER, raised_at=hurt.raised_at - dt.timedelta(days=n + 1),
                   team=staff.front_door)

    sign_in(page, live_server, staff.front_door_manager)
    page.get_by_role("link", name="Alerts (6 new)").first.click()
    expect(page).to_have_url(re.compile(r"/alerts/team/$"))
    expect(page.get_by_role("table").last.locator("caption")).to_contain_text("6 open, most serious first")
    rows = page.get_by_role("table").last.locator("tbody tr")
    expect(rows.nth(0)).to_contain_text("Process failure")
    expect(rows.nth(1)).to_contain_text("T1: Injury recorded")
    expect(rows.nth(1)).to_contain_text("Suspect maltreatment")
    expect(rows.nth(1)).to_contain_text("2 Apr 2024")  # when the injury happened, not when the rule ran
    for n in range(2, 6):
        expect(rows.nth(n)).to_contain_text("Consider")
    assert_accessible(page)

    page.get_by_label("Kind").select_option(label="Consider")
    page.get_by_label("Child").select_option(label="Milo Ashgrove, born 14 March 2022")
    page.get_by_role("button", name="Show alerts").click()
    expect(page.get_by_role("table").last.locator("caption")).to_contain_text("4 open (filtered)")
    expect(page.get_by_role("table").last).not_to_contain_text("T1: Injury recorded")
    assert_accessible(page)
    page.get_by_role("link", name="Clear filters").click()
    expect(page.get_by_role("table").last.locator("caption")).to_contain_text("6 open")

    page.get_by_role("link", name="T1: Injury recorded").click()
    colleague = f"{staff.worker.get_full_name()} (Social worker, {staff.team.name})"
    page.get_by_label("Colleague").select_option(label=colleague)
    page.get_by_label("Note for them (optional)").fill("She knows the family from the 2023 assessment.")
    assert_accessible(page)
    page.get_by_role("button", name="Give the alert to them").click()
    expect(page.get_by_role("alert").first).to_contain_text(f"The alert is now with {staff.worker.get_full_name()}")
    expect(page).to_have_url(re.compile(r"/alerts/team/$"))  # no longer the front door's: back to its inbox
    expect(page.get_by_role("table").last).not_to_contain_text("T1: Injury recorded")
    assert_accessible(page)
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, live_server, staff.worker)
    page.get_by_role("link", name="Alerts (1 new)").first.click()
    expect(page).to_have_url(re.compile(r"/alerts/$"))
    expect(page.get_by_role("table").last).to_contain_text("T1: Injury recorded")
    assert_accessible(page)
